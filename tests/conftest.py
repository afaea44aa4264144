"""Shared fixtures: the repository's paths, the real spaCy pipeline, the examples graph."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# No Hypothesis check may depend on how fast this machine is at the moment: no deadline
# per example, and no "too slow" health check on generating data (the only timed one).
settings.register_profile(
    "kg", deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
settings.load_profile("kg")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXAMPLE_DOCS = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md"))
"""The example documents (examples/ also holds analysis.ipynb, which no build reads)."""
QUERIES = ROOT / "queries"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev"
TRAIN_SET = ROOT.parent / "shared" / "eval" / "train"


def _freeze_what_lives() -> None:
    """Exempt every object alive now from the cyclic garbage collector's scans.

    Closing a graph runs ``gc.collect()`` (kg.store.handle: the Oxigraph store lets go of
    its lock files only once collected), and a full collection walks every object
    of this process: the imported libraries and the spaCy pipelines make that about
    0.1 s per close, paid hundreds of times. Objects alive now are the modules,
    the collected tests and the loaded pipelines, which live as long as the session;
    what tests create later is still collected as before.
    """
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    _freeze_what_lives()


_FROZEN_AT: list[object] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Freeze again before the first test of each module, ahead of its fixtures: what the
    earlier modules' tests left alive (the session's fixtures, caches) lives on too."""
    module = getattr(item, "module", None)
    if _FROZEN_AT[-1:] != [module]:
        _FROZEN_AT[:] = [module]
        _freeze_what_lives()


def run_kg(
    *args: str, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the real ``kg`` console script in a child process; returns the finished process."""
    kg_bin = Path(sys.executable).with_name("kg")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [str(kg_bin), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def nlp():
    """The real default spaCy pipeline with kg's components, loaded once."""
    from kg.pipeline import load_pipeline

    pipeline = load_pipeline()
    _freeze_what_lives()
    return pipeline


@pytest.fixture(scope="session")
def nlp_rules():
    """The default pipeline with kg's rules only (no learned classifiers), loaded once."""
    from kg.pipeline import load_pipeline

    pipeline = load_pipeline(learned=False)
    _freeze_what_lives()
    return pipeline


@pytest.fixture(scope="session")
def examples_graph_dir(tmp_path_factory) -> Path:
    """A graph directory built from examples/ through the real CLI (once per session)."""
    out = tmp_path_factory.mktemp("examples-graph") / "graph"
    result = run_kg("build", str(EXAMPLES), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def examples_kg(examples_graph_dir):
    """The examples graph, opened read-only."""
    from kg import KnowledgeGraph

    graph = KnowledgeGraph(examples_graph_dir, read_only=True)
    yield graph
    graph.close()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    if not CHROMIUM.exists():
        subprocess.run(["sh", str(ROOT / "tools" / "ensure-chromium.sh")], check=False, timeout=900)
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium; run tools/ensure-chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
