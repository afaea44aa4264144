"""Extraction on a Dask cluster gives the graph a local build gives (issue 16, items 1-2).

One ``LocalCluster`` of two single-threaded worker processes serves the module.
A worker plugin makes the pipeline fail on a marked document, and kill its own
worker process on another marked document once (when a flag file is armed), so
the failure and the lost worker happen at a known document, not at a time.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import urllib.request
from pathlib import Path

import cloudpickle
import pytest
from conftest import EXAMPLES, run_kg
from distributed.diagnostics.plugin import WorkerPlugin
from test_remote import oxigraph  # noqa: F401  (the fixture: a running Oxigraph server)
from test_reproducible import canonical_nquads

import kg
import kg.api
import kg.cluster
import kg.extraction
from kg import KnowledgeGraph
from kg.config import Config
from kg.errors import KGError

FAIL = "KG-TEST-FAIL"
KILL = "KG-TEST-KILL"

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests/


def _faulty(build, flag_dir: str | None):  # type: ignore[no-untyped-def]
    """``kg.extraction._build`` that fails on FAIL documents and, armed, dies on KILL ones."""

    def patched(document, *args, **kwargs):  # type: ignore[no-untyped-def]
        if FAIL in document.text:
            raise ValueError("marked to fail")
        if flag_dir is not None and KILL in document.text:
            armed = Path(flag_dir) / "armed"
            try:
                armed.rename(Path(flag_dir) / "fired")  # one worker wins, once
            except FileNotFoundError:
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        return build(document, *args, **kwargs)

    return patched


class Faults(WorkerPlugin):
    """Installs :func:`_faulty` in every worker, including one the nanny restarts."""

    name = "kg-test-faults"

    def __init__(self, flag_dir: str) -> None:
        self.flag_dir = flag_dir

    def setup(self, worker) -> None:  # type: ignore[no-untyped-def]
        import kg.extraction

        kg.extraction._build = _faulty(kg.extraction._build, self.flag_dir)


@pytest.fixture(scope="module")
def flags(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("flags")


@pytest.fixture(scope="module")
def cluster(flags):
    """The scheduler address of a two-worker LocalCluster started as ``--dask local:2`` does."""
    client, local = kg.cluster.start_client("local:2")
    try:
        client.register_plugin(Faults(str(flags)))
        yield local.scheduler_address
    finally:
        client.close()
        local.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """examples/ plus a document the pipeline fails on and one that can kill its worker."""
    folder = tmp_path_factory.mktemp("corpus") / "in"
    shutil.copytree(EXAMPLES, folder)
    (folder / "zz-fails.txt").write_text(
        f"The Ministry of Finance issued the {FAIL} notice.\n", encoding="utf-8"
    )
    (folder / "kills.txt").write_text(
        f"Premier Li Keqiang chaired a State Council meeting on the {KILL} plan for "
        "elderly care in Shanghai.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def local_build(corpus, tmp_path_factory):
    """``(canonical N-Quads, notes)`` of a local build of the corpus, the FAIL document failing."""
    out = tmp_path_factory.mktemp("local") / "graph"
    notes: list = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kg.extraction, "_build", _faulty(kg.extraction._build, None))
        kg.build(files=[corpus], path=out, on_note=notes.append).close()
    return _nquads(out), [str(n) for n in notes]


def _nquads(graph_dir: Path) -> bytes:
    with KnowledgeGraph(graph_dir, read_only=True) as graph:
        data = graph.serialize(format="nquads")
    assert data is not None
    return canonical_nquads(data.encode("utf-8"))


def test_local_build_skips_a_document_the_pipeline_fails_on(local_build):
    nquads, notes = local_build
    assert notes == ["zz-fails.txt: extraction failed (ValueError: marked to fail); skipped"]
    assert b"/doc/kills>" in nquads and b"/doc/zz-fails>" not in nquads


def test_dask_build_gives_the_local_nquads_and_reports_the_failed_document(
    cluster, corpus, local_build, tmp_path
):
    out = tmp_path / "graph"
    result = run_kg("build", str(corpus), "-o", str(out), "--dask", cluster)
    assert result.returncode == 1, result.stderr  # one document skipped
    assert "kg: zz-fails.txt: extraction failed (ValueError: marked to fail); skipped" in (
        result.stderr.splitlines()
    )
    assert "from 9 documents" in result.stdout
    assert _nquads(out) == local_build[0]


def test_worker_killed_mid_build_loses_no_document(cluster, corpus, flags, local_build, tmp_path):
    (flags / "armed").touch()
    notes: list = []
    out = tmp_path / "graph"
    kg.build(files=[corpus], path=out, dask=cluster, on_note=notes.append).close()
    assert (flags / "fired").exists(), "no worker was killed"
    assert [str(n) for n in notes] == local_build[1]
    assert _nquads(out) == local_build[0]


def test_dask_extract_equals_local_extract(cluster):
    texts = ["Premier Li Keqiang chaired a State Council meeting on elderly care."] * 3
    local = kg.extract(texts)
    assert kg.extract(texts, dask=cluster) == local
    assert [x.warnings for x in kg.extract(texts, dask=cluster)] == [x.warnings for x in local]


def test_build_dask_local_2_on_the_command_line(tmp_path):
    docs = tmp_path / "in"
    docs.mkdir()
    for name in sorted(p.name for p in EXAMPLES.iterdir())[:3]:
        shutil.copy(EXAMPLES / name, docs / name)
    result = run_kg("build", str(docs), "-o", str(tmp_path / "dask"), "--dask", "local:2")
    assert result.returncode == 0, result.stderr
    kg.build(files=[docs], path=tmp_path / "local").close()
    assert _nquads(tmp_path / "dask") == _nquads(tmp_path / "local")


def test_unreachable_scheduler_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(kg.cluster, "CONNECT_TIMEOUT", 1)
    with pytest.raises(KGError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9; "):
        kg.extraction.Extractor.from_config(Config(dask="tcp://127.0.0.1:9"))


@pytest.mark.parametrize("spec", ["local:0", "local:two", "", "tcp://a b"])
def test_bad_dask_setting_is_refused(spec):
    with pytest.raises(KGError, match="--dask"):
        Config(dask=spec)


def test_bad_dask_option_is_one_line_on_the_command_line(tmp_path):
    result = run_kg("build", str(EXAMPLES), "-o", str(tmp_path / "g"), "--dask", "local:0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kg: error: --dask local:N needs N, the number of workers, of at least 1 (got 'local:0')"
    ]


def test_a_url_input_reads_as_its_local_path(tmp_path):
    from kg.read import iter_documents

    lines = [
        '{"id": "u1", "text": "Premier Li Keqiang chaired a State Council meeting."}',
        '{"id": "u2", "text": "The Ministry of Finance issued a notice on tax relief."}',
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    local = list(iter_documents([path]))
    assert [d.id for d in local] == ["u1", "u2"]
    assert list(iter_documents([path.as_uri()])) == local
    assert list(iter_documents([Path(path.as_uri())])) == local  # as the CLI passes it
    notes: list = []
    assert list(iter_documents([(tmp_path / "none.txt").as_uri()], on_note=notes.append)) == []
    assert [n.detail for n in notes] == ["does not exist; skipped"]


@pytest.mark.server
def test_dask_build_to_an_external_store_writes_the_local_document_graphs(
    cluster,
    corpus,
    local_build,
    oxigraph,  # noqa: F811  (the fixture imported above)
):
    _, update_url, store_url = oxigraph
    notes: list = []
    summary = kg.api.push([corpus], update_url, config=Config(dask=cluster), on_note=notes.append)
    assert summary.documents == 9
    assert [str(n) for n in notes] == local_build[1]
    with urllib.request.urlopen(
        urllib.request.Request(store_url, headers={"Accept": "application/n-quads"})
    ) as response:
        pushed = canonical_nquads(response.read())
    documents = b"".join(
        line + b"\n"
        for line in local_build[0].splitlines()
        if line.endswith(b"> .")
        and any(g in line.rsplit(b" ", 2)[-2] for g in (b"/id/doc/", b"/id/graph/resolution"))
    )
    assert pushed == documents
