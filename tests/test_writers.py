"""One writer per graph directory, never a corrupt store (issue 12, item 1).

A build swaps the store folder; an Oxigraph writer that still had the old one
open would go on writing files by their old names into the new one. So every
writable :class:`KnowledgeGraph` holds the directory's writer lock while it is
open: a second writer in another process is refused before it touches
anything, and ``kg.build``/``kg.add`` in the same process (a notebook cell run
again) take the directory over from the earlier handle.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_kg

import kg
from kg.api import remove as kg_remove
from kg.errors import StoreError
from kg.store import STORE_DIR

TEXTS = {
    "beijing-note": "Premier Li Keqiang chaired a State Council meeting in Beijing on Friday.",
    "brussels-note": "The European Commission adopted the Digital Markets Act in Brussels.",
}
COUNT = "SELECT (COUNT(DISTINCT ?id) AS ?n) { ?d dcterms:identifier ?id }"

_HOLDER = """
import sys, kg
g = kg.KnowledgeGraph(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
print(len(g.document_ids()), flush=True)
g.close()
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A graph directory built through the CLI from two short texts."""
    root = tmp_path_factory.mktemp("writers")
    docs = root / "docs"
    docs.mkdir()
    for name, text in TEXTS.items():
        (docs / f"{name}.txt").write_text(text, encoding="utf-8")
    result = run_kg("build", str(docs), "-o", str(root / "base"))
    assert result.returncode == 0, result.stderr
    return root / "base"


@pytest.fixture
def graph_dir(base, tmp_path) -> Path:
    shutil.copytree(base, tmp_path / "graph")
    return tmp_path / "graph"


def store_files(graph_dir: Path) -> dict[str, tuple[int, int]]:
    """Name → (size, mtime) of every file of the store: what a refused writer must not change."""
    return {
        str(p.relative_to(graph_dir)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted((graph_dir / STORE_DIR).rglob("*"))
        if p.is_file()
    }


def documents_read_only(graph_dir: Path) -> int:
    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
        return int(next(iter(graph.query(COUNT)))[0])  # type: ignore[index]


def cli_documents(graph_dir: Path) -> str:
    result = run_kg("query", COUNT, "-g", str(graph_dir), "--format", "csv")
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


def hold(graph_dir: Path) -> subprocess.Popen:
    """A child process holding ``graph_dir`` open for writing until its stdin gets a line."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(graph_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding", proc.stderr.read() if proc.stderr else ""
    return proc


def test_rerunning_a_build_cell_takes_the_directory_over(graph_dir, nlp):
    docs = [f"{t}" for t in TEXTS.values()]
    first = kg.build(docs, path=graph_dir)
    second = kg.build(docs[:1], path=graph_dir)  # the earlier object is still open
    assert second.document_ids() == ["doc-1"]
    with pytest.raises(StoreError, match="is closed .*took its directory over"):
        first.query("ASK { ?s ?p ?o }")
    first.close()  # harmless on a closed graph
    second.close()
    assert documents_read_only(graph_dir) == 1
    assert cli_documents(graph_dir) == "1"


def test_open_writer_in_this_process_refuses_the_cli_build(graph_dir, tmp_path):
    with kg.KnowledgeGraph(graph_dir) as graph:
        before = store_files(graph_dir)
        docs = tmp_path / "other"
        docs.mkdir()
        (docs / "other.txt").write_text("Wang Yi met officials in Tokyo.", encoding="utf-8")
        result = run_kg("build", str(docs), "-o", str(graph_dir))
        assert result.returncode == 2
        assert "is open for writing by process" in result.stderr
        assert "the graph there is unchanged" in result.stderr
        assert store_files(graph_dir) == before
        assert graph.document_ids() == sorted(TEXTS)
    assert cli_documents(graph_dir) == "2"


def test_writer_in_another_process_refuses_build_add_and_remove(graph_dir, nlp):
    holder = hold(graph_dir)
    before = store_files(graph_dir)
    try:
        for call in (
            lambda: kg.build(["Xi Jinping visited Shenzhen."], path=graph_dir),
            lambda: kg_remove(["beijing-note"], graph_dir),
            lambda: kg.KnowledgeGraph(graph_dir),
        ):
            with pytest.raises(StoreError, match=rf"by process {holder.pid} \("):
                call()
        assert store_files(graph_dir) == before
        assert documents_read_only(graph_dir) == 2  # readers are never refused
    finally:
        out, err = holder.communicate("done\n", timeout=60)
    assert holder.returncode == 0, err
    assert out.split() == ["2"]  # the holder still saw its graph whole
    # once it is closed, writing works again
    kg_remove(["beijing-note"], graph_dir).close()
    assert cli_documents(graph_dir) == "1"


def test_a_killed_writer_leaves_a_graph_the_next_writer_opens(graph_dir):
    holder = hold(graph_dir)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=60)
    assert holder.returncode == -signal.SIGKILL
    assert cli_documents(graph_dir) == "2"
    result = run_kg("remove", "brussels-note", "-g", str(graph_dir))
    assert result.returncode == 0, result.stderr
    assert cli_documents(graph_dir) == "1"


def test_kg_add_says_what_it_replaced_and_warns_of_duplicate_content(graph_dir, tmp_path):
    docs = tmp_path / "more"
    docs.mkdir()
    (docs / "beijing-note.txt").write_text(TEXTS["beijing-note"] + " It met again.", "utf-8")
    (docs / "copy.txt").write_text(TEXTS["brussels-note"], encoding="utf-8")
    result = run_kg("add", str(docs), "-g", str(graph_dir))
    assert result.returncode == 0, result.stderr
    assert "replaced 1 document with the same id: beijing-note" in result.stdout
    assert "warning: copy has the same content as brussels-note" in result.stderr
    assert cli_documents(graph_dir) == "3"
