"""Shared fixtures: the repository's paths, the real spaCy pipeline, the examples graph."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXAMPLE_DOCS = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".txt", ".md"))
"""The example documents (examples/ also holds analysis.ipynb, which no build reads)."""
QUERIES = ROOT / "queries"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev"
TRAIN_SET = ROOT.parent / "shared" / "eval" / "train"


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

    return load_pipeline()


@pytest.fixture(scope="session")
def nlp_rules():
    """The default pipeline with kg's rules only (no learned classifiers), loaded once."""
    from kg.pipeline import load_pipeline

    return load_pipeline(learned=False)


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
