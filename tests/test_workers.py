"""``--workers N``: whole documents extracted in local worker processes (kg.cluster.PoolExtractor).

That a build with two workers gives the graph one worker gives is tested with the
other reproducibility checks (tests/test_reproducible.py).
"""

from __future__ import annotations

import os
import signal

import pytest

import kg
from kg.cluster import PoolExtractor
from kg.config import Config
from kg.errors import KGError
from kg.extraction import Extractor
from kg.model import Document

TEXTS = [
    "Premier Li Qiang chaired a State Council meeting in Beijing on Friday.",
    "The Ministry of Commerce issued the Negative List for foreign investment.",
    "The European Commission adopted the InvestEU programme for small firms.",
]


@pytest.fixture(scope="module")
def pool():
    with Extractor.from_config(Config(workers=2)) as extractor:
        assert isinstance(extractor, PoolExtractor)
        yield extractor


def test_workers_give_the_extractions_of_one_process_in_input_order(pool, nlp):
    docs = [Document(f"d{i}", t) for i, t in enumerate(TEXTS * 3)]
    here = [x.to_dict() for x in Extractor(nlp)(docs)]
    assert [x.to_dict() for x in pool(docs)] == here
    assert pool.pipeline_name == Extractor(nlp).pipeline_name


def test_a_worker_that_dies_gives_one_clear_error():
    with Extractor.from_config(Config(workers=2)) as extractor:
        assert isinstance(extractor, PoolExtractor)
        for process in list(extractor.executor._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
            process.join(30)
        with pytest.raises(KGError, match="worker process died"):
            list(extractor([Document("d", TEXTS[0])]))


def _store_dump(path) -> tuple[list[str], int]:
    """The named graphs but the build graph (sorted N-Quads lines), and the default graph's size."""
    import pyoxigraph as ox

    with kg.KnowledgeGraph(path, read_only=True) as graph:
        lines = (graph.serialize(format="nquads") or "").splitlines()
        store = ox.Store.read_only(str(path / "store"))
        merged = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    named = sorted(line for line in lines if not line.rstrip(" .").endswith("/graph/build>"))
    return named, merged


def test_a_build_with_workers_loads_merged_nodes_and_the_default_graph_as_one_worker(tmp_path):
    """Two workers: documents are loaded while they extract, moved nodes loaded again
    after corpus resolution and the default graph filled at the end; the store ends
    as a one-process build leaves it."""
    folder = tmp_path / "in"
    folder.mkdir()
    texts = {
        "plan": "The Northern Harbor Authority approved a port plan. Director Maria Lindqvist "
        "of the Northern Harbor Authority said work starts in May.",
        "meeting": "NHA officials met shipping firms in Oslo. The NHA said the port plan "
        "will cut waiting times.",
        "budget": "Finance Minister Tomas Berg presented the budget in Stockholm.",
    }
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    kg.build(files=[folder], path=tmp_path / "w1", workers=1).close()
    kg.build(files=[folder], path=tmp_path / "w2", workers=2).close()
    one, two = _store_dump(tmp_path / "w1"), _store_dump(tmp_path / "w2")
    assert any("localLabel" in line for line in one[0])  # something was merged
    assert two == one


def test_a_script_without_a_main_guard_builds_with_workers(tmp_path):
    """A user's plain script (no ``if __name__ == "__main__"``) may ask for workers."""
    import subprocess
    import sys

    script = tmp_path / "build.py"
    script.write_text(
        f"import kg\ngraph = kg.build({TEXTS!r}, workers=2)\nprint(len(graph.document_ids()))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "3"
