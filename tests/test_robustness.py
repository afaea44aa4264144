"""User mistakes get one clear line, never a traceback; queries never reach out or crash kg.

Issue 7, items 2 and 5. Most CLI cases run ``kg.cli.main`` in this process (the
same code the console script calls, and much faster); a few run the real
console script to see what a user sees, ``--debug`` traceback included.
"""

from __future__ import annotations

import gc
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_kg

import kg
from kg.cli import main
from kg.errors import KGError, QueryError
from kg.model import Document, Entity, Extraction

TEXT = (
    "Premier Li Keqiang chaired a State Council meeting in Beijing on Monday. "
    "The Ministry of Commerce issued the Export Control Law."
)


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory) -> Path:
    """A small graph directory, built once for the module."""
    path = tmp_path_factory.mktemp("robust") / "graph"
    kg.build([TEXT], path=path).close()
    return path


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        if args and args[0] in ("add", "remove", "build"):
            gc.collect()  # a failed write keeps its store open until collected (see below)
        return code, out, err

    return run


def one_error_line(err: str) -> str:
    """The single non-empty stderr line (fails when there are more or none)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    return lines[0]


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(200))
                except OSError:
                    self.hits.append(b"")

    def url(self, path: str = "sparql") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# -- item 2: one line, the right exit code, no traceback -------------------------------------


@pytest.mark.parametrize(
    "args, says",
    [
        (["query", "SELEC * {"], "SPARQL error"),
        (["query", "SELECT * { ?s ?p ?o"], "SPARQL error"),
        (["query", ""], "SPARQL error"),
        (["query", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "read-only"),
        (["query", "DROP ALL"], "read-only"),
        (["query", "ASK {}", "--format", "xml"], "--format"),
        (["query", "ASK {}", "-f", "x.rq"], "one of the two"),
        (["query"], "one of the two"),
        (["export", "--format", "turtle2", "-o", "x.ttl"], "--format"),
        (["export", "--format", "graphml", "-o", "-"], "-o FILE"),
        (["remove", "no-such-document"], "no document 'no-such-document'"),
        (["html", "-o", "{tmp}/v.html", "--focus", "Nobody At All"], "--focus"),
        (["html", "-o", "{tmp}/v.html", "--focus", '"} ; DROP ALL ; #'], "--focus"),
        (["html", "-o", "{tmp}/v.html", "--type", "Widget"], "Widget"),
    ],
)
def test_user_mistake_on_a_graph_is_one_line_and_exit_2(cli, graph_dir, tmp_path, args, says):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = cli(*args, "-g", str(graph_dir))
    assert code == 2
    line = one_error_line(err)
    assert line.startswith("kg: error: ")
    assert says in line
    assert "internal error" not in line


@pytest.mark.parametrize(
    "command",
    [
        ["query", "ASK {}"],
        ["export", "--format", "trig", "-o", "{tmp}/x.trig"],
        ["html", "-o", "{tmp}/x.html"],
        ["validate"],
        ["add", "{tmp}/in.txt"],
        ["remove", "doc-1"],
    ],
)
def test_missing_graph_directory_says_build_one_first(cli, tmp_path, command):
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    code, _, err = cli(*args, "-g", str(tmp_path / "nowhere"))
    assert code == 2
    line = one_error_line(err)
    assert "no graph in" in line and "kg build" in line
    assert not (tmp_path / "nowhere" / "store").exists()


@pytest.mark.parametrize(
    "args, says",
    [
        (["serve", "-g", "{tmp}/nowhere", "--port", "7999"], "no graph in"),
        (["query", "ASK {}", "--endpoint", "http://127.0.0.1:9/sparql"], "no SPARQL endpoint"),
        (["eval", "{tmp}/nowhere"], "gold directory"),
        (["eval", "{tmp}/gold"], "cannot read gold file"),
        (["build", "{tmp}/in.txt", "-o", "{tmp}/g", "--patterns", "{tmp}/bad.jsonl"], "bad.jsonl"),
        (
            ["build", "{tmp}/in.txt", "-o", "{tmp}/g", "--patterns", "{tmp}/none.jsonl"],
            "none.jsonl",
        ),
        (["extract", "{tmp}/nowhere.txt", "--json-dir", "{tmp}/json"], "nowhere.txt"),
    ],
)
def test_other_user_mistakes_are_a_clear_error(cli, tmp_path, args, says):
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text('{"label": "ORG", "pattern": \n', encoding="utf-8")
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "x.json").write_text("{not json", encoding="utf-8")
    code, _, err = cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("kg: error: ") and says in lines[-1]
    assert "Traceback" not in err and "internal error" not in err


def test_unreadable_query_file_is_one_line(cli, graph_dir, tmp_path):
    # a directory cannot be read as a file even by root, unlike a chmod 000 file
    for bad in (tmp_path / "missing.rq", tmp_path):
        code, _, err = cli("query", "-f", str(bad), "-g", str(graph_dir))
        assert code == 2
        assert "cannot read query file" in one_error_line(err)


@pytest.mark.parametrize("data", [b'ASK { ?s ?p "caf\xe9" }', b"\xff\xfeA\x00S\x00K\x00"])
def test_query_file_that_is_not_utf8_is_one_line(cli, graph_dir, tmp_path, data):
    path = tmp_path / "q.rq"
    path.write_bytes(data)
    code, _, err = cli("query", "-f", str(path), "-g", str(graph_dir))
    assert code == 2
    assert one_error_line(err).startswith("kg: error: ")


def test_missing_model_says_how_to_install_it(cli, tmp_path):
    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    code, _, err = cli("build", str(tmp_path / "in.txt"), "-o", str(tmp_path / "g"), "--model",
                       "no_such_model")  # fmt: skip
    assert code == 2
    line = one_error_line(err)
    assert "no_such_model" in line and "pip install" in line


def test_failed_build_over_a_graph_keeps_the_old_graph(cli, graph_dir, tmp_path):
    before = kg.KnowledgeGraph(graph_dir, read_only=True)
    ids, count = before.document_ids(), len(before.serialize(format="nquads") or "")
    before.close()
    code, _, err = cli("build", str(tmp_path / "missing.txt"), "-o", str(graph_dir))
    assert code == 2 and "Traceback" not in err
    with kg.KnowledgeGraph(graph_dir, read_only=True) as after:
        assert after.document_ids() == ids
        assert len(after.serialize(format="nquads") or "") == count
    assert not list(graph_dir.glob(".store-*"))


def test_nonexistent_input_is_exit_2_and_one_line(cli, tmp_path):
    code, _, err = cli("build", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "g"))
    assert code == 2
    assert "missing.txt" in one_error_line(err)


BAD_COMMAND_LINES = [
    ["--bogus"],
    ["no-such-command"],
    ["build"],
    ["build", "x.txt", "--workers", "0"],
    ["html", "-o", "x.html", "--depth", "-1"],
]


@pytest.mark.parametrize("args", [*BAD_COMMAND_LINES, ["query", "ASK {}", "--no-such-option"]])
def test_bad_command_line_is_a_usage_error_not_an_internal_error(cli, args):
    code, _, err = cli(*args)
    assert code == 2
    assert "Traceback" not in err
    assert err.strip()


@pytest.mark.parametrize("args", [*BAD_COMMAND_LINES, []])
def test_usage_error_does_not_claim_to_be_an_internal_error(cli, args):
    code, _, err = cli(*args)
    assert code == 2
    assert "internal error" not in err
    assert "--debug for the traceback" not in err


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "trig", "-o", "{file}/x.trig", "-g", "{graph}"],
        ["export", "--format", "gexf", "-o", "{file}/x.gexf", "-g", "{graph}"],
        ["export", "--format", "trig", "-o", "{dir}", "-g", "{graph}"],
        ["html", "-o", "{file}/x.html", "-g", "{graph}"],
        ["html", "-o", "{dir}", "-g", "{graph}"],
        ["build", "{file}", "-o", "{file}/g"],
        ["extract", "{file}", "--json-dir", "{file}/json"],
    ],
)
def test_unwritable_output_path_is_one_line(cli, graph_dir, tmp_path, command):
    # a path below a regular file can be written by nobody, root included
    a_file = tmp_path / "in.txt"
    a_file.write_text(TEXT, encoding="utf-8")
    (tmp_path / "a-dir").mkdir()
    args = [
        a.replace("{file}", str(a_file))
        .replace("{dir}", str(tmp_path / "a-dir"))
        .replace("{graph}", str(graph_dir))
        for a in command
    ]
    code, _, err = cli(*args)
    assert code == 2
    line = one_error_line(err)
    assert line.startswith("kg: error: ")
    assert not [p.name for p in tmp_path.rglob("*tmp*")], "a failed write left a temp file"


def test_damaged_store_is_a_store_error(cli, tmp_path):
    (tmp_path / "g" / "store").mkdir(parents=True)
    (tmp_path / "g" / "store" / "CURRENT").write_text("garbage\n", encoding="utf-8")
    code, _, err = cli("query", "ASK {}", "-g", str(tmp_path / "g"))
    assert code == 2
    line = one_error_line(err)
    assert line.startswith("kg: error: ") and str(tmp_path / "g") in line


def test_failed_api_write_releases_the_store(graph_dir, tmp_path):
    import kg.api

    copy = tmp_path / "graph"
    shutil.copytree(graph_dir, copy)
    gc.disable()  # the leak is freed only by the cycle collector; keep it from hiding the bug
    try:
        with pytest.raises(kg.InputError):
            kg.api.remove(["no-such-document"], copy)
        kg.api.remove(["doc-1"], copy).close()
    finally:
        gc.enable()
        gc.collect()


def test_second_writer_is_told_to_wait(cli, graph_dir, tmp_path):
    import fcntl

    (tmp_path / "in.txt").write_text(TEXT, encoding="utf-8")
    with open(graph_dir / ".kg.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            code, _, err = cli("add", str(tmp_path / "in.txt"), "-g", str(graph_dir))
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    assert code == 2
    assert "wait for it to finish" in one_error_line(err)


def test_debug_reraises_instead_of_printing_one_line(graph_dir):
    with pytest.raises(QueryError):
        main(["--debug", "query", "SELEC *", "-g", str(graph_dir)])


def test_console_script_prints_one_line_and_traceback_only_with_debug(graph_dir):
    plain = run_kg("query", "SELEC * {", "-g", str(graph_dir))
    assert plain.returncode == 2
    assert one_error_line(plain.stderr).startswith("kg: error: SPARQL error")
    debug = run_kg("--debug", "query", "SELEC * {", "-g", str(graph_dir))
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr and "QueryError" in debug.stderr


def test_console_script_missing_graph_and_missing_input(tmp_path):
    missing = run_kg("export", "--format", "trig", "-o", str(tmp_path / "x"), "-g",
                     str(tmp_path / "nowhere"))  # fmt: skip
    assert missing.returncode == 2
    assert "no graph in" in one_error_line(missing.stderr)
    debug = run_kg("--debug", "validate", "-g", str(tmp_path / "nowhere"))
    assert "Traceback" in debug.stderr and "StoreError" in debug.stderr


# -- item 5: queries never reach other hosts or files, names are bound ----------------------


@pytest.fixture(scope="module")
def memory_graph() -> kg.KnowledgeGraph:
    """A graph on rdflib's own engine (the one that dereferences FROM and runs SERVICE)."""
    graph = kg.KnowledgeGraph(config=kg.Config(backend="Memory"))
    graph.add_extractions([_extraction("Li Keqiang")])
    return graph


def _extraction(name: str, doc_id: str = "d1") -> Extraction:
    return Extraction(
        Document(doc_id, f"{name} spoke."), (Entity("e1", "Person", name, (), f"Person/{name}"),)
    )


SERVICE_QUERIES = [
    "SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ ?a ?b ?c OPTIONAL {{ SERVICE<{url}>{{ ?s ?p ?o }} }} }}",
    "SELECT * {{ BIND(<{url}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}",
    "# comment\nSELECT * {{ ?a ?b ?c }} # SERVICE\n;SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("template", SERVICE_QUERIES)
def test_service_is_refused_and_nothing_is_fetched(graph_dir, memory_graph, listener, template):
    query = template.format(url=listener.url())
    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
        for g in (graph, memory_graph):
            with pytest.raises(QueryError):
                list(g.query(query))
    assert listener.hits == []


def test_service_through_the_cli_is_refused(cli, graph_dir, listener):
    code, _, err = cli("query", f"SELECT * {{ SERVICE <{listener.url()}> {{ ?s ?p ?o }} }}",
                       "-g", str(graph_dir))  # fmt: skip
    assert code == 2
    assert "SERVICE" in one_error_line(err)
    assert listener.hits == []


def test_service_hidden_after_an_escaped_hash_is_refused(graph_dir, listener):
    query = (
        "PREFIX ex: <urn:ex:>\nSELECT * { { ?s ex:p\\#x ?o } UNION "
        f"{{ SERVICE <{listener.url()}> {{ ?a ?b ?c }} }} }}"
    )
    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
        try:
            list(graph.query(query))
        except (QueryError, OSError):
            pass
    assert listener.hits == []


def test_service_spelled_with_a_unicode_escape_is_refused(memory_graph, listener):
    query = f"SELECT * {{ \\u0053ERVICE <{listener.url()}> {{ ?s ?p ?o }} }}"
    with pytest.raises(QueryError):
        list(memory_graph.query(query))
    assert listener.hits == []


@pytest.mark.parametrize(
    "template",
    [
        "SELECT ?o FROM <{iri}> WHERE {{ ?s ?p ?o }}",
        "SELECT ?o FROM NAMED <{iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "SELECT ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}",
        "CONSTRUCT {{ ?s ?p ?o }} FROM <{iri}> WHERE {{ ?s ?p ?o }}",
    ],
)
def test_from_a_file_or_url_fetches_nothing(graph_dir, memory_graph, tmp_path, listener, template):
    secret = tmp_path / "secret.ttl"
    secret.write_text('<urn:x:s> <urn:x:p> "SECRET-MARKER" .\n', encoding="utf-8")
    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph:
        for g in (graph, memory_graph):
            for iri in (secret.as_uri(), listener.url("data.ttl")):
                result = g.query(template.format(iri=iri))
                text = str(list(result.graph if result.type == "CONSTRUCT" else result))
                assert "SECRET-MARKER" not in text
    assert listener.hits == []


def test_cli_from_etc_passwd_shows_no_file_content(cli, graph_dir):
    code, out, _ = cli("query", "SELECT ?o FROM <file:///etc/passwd> { ?s ?p ?o }",
                       "-g", str(graph_dir), "--format", "csv")  # fmt: skip
    assert code in (0, 2)
    assert "root:" not in out and "/bin/" not in out


HOSTILE_NAMES = [
    'O\'Brien "the boss"',
    'x" } ; DROP ALL ; #',
    'a\\" . <urn:evil> <urn:p> <urn:o> . "',
    "Zhang\nWei\t<script>alert(1)</script>",
    "\u202eLi\u202c 😀 \\u0022",
]


@pytest.mark.parametrize("backend", ["Oxigraph", "Memory"])
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_bound_not_pasted(name, backend):
    with kg.KnowledgeGraph(config=kg.Config(backend=backend)) as graph:
        graph.add_extractions([_extraction(name), _extraction("Li Keqiang", "d2")])
        before = graph.serialize(format="nquads")
        found = graph.query(
            "SELECT ?e ?name WHERE { ?e skos:prefLabel ?name }", bindings={"name": name}
        )
        assert [str(row[1]) for row in found] == [name]
        labels = graph.query(
            "SELECT ?name ?wanted WHERE { ?e skos:prefLabel ?name FILTER(?name = ?wanted) }",
            bindings={"wanted": name},
        )
        assert [str(row[0]) for row in labels] == [name]
        assert graph.serialize(format="nquads") == before
        assert sorted(graph.document_ids()) == ["d1", "d2"]


# -- hostile query shapes must not crash the process -----------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000 + " }",
        "SELECT * { ?s ?p ?o FILTER(" + "(" * 5000 + "?o" + ")" * 5000 + ") }",
        "SELECT * { ?s ?p ?o " + "[ <urn:p> " * 3000 + "1" + " ]" * 3000 + " }",
        "SELECT * { ?s ?p ?o } " + "#" * 2_000_000,
    ],
)
def test_absurd_nesting_or_size_is_refused_before_evaluation(graph_dir, query):
    with kg.KnowledgeGraph(graph_dir, read_only=True) as graph, pytest.raises(QueryError):
        graph.query(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o FILTER(" + "!" * 20000 + "?o) } LIMIT 1",
        "SELECT * { ?s ?p ?o FILTER(" + " || ".join(["?o"] * 20000) + ") } LIMIT 1",
        "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * 20000) + " } LIMIT 1",
    ],
    ids=["not-chain", "or-chain", "union-chain"],
)
def test_long_operator_chains_do_not_crash_the_process(graph_dir, tmp_path, query):
    path = tmp_path / "q.rq"
    path.write_text(query, encoding="utf-8")
    result = run_kg("query", "-f", str(path), "-g", str(graph_dir))
    assert result.returncode in (0, 2), f"kg died with signal {-result.returncode}"
    assert "Traceback" not in result.stderr


def test_read_only_graph_refuses_writes():
    with kg.KnowledgeGraph() as graph:
        graph.read_only = True
        with pytest.raises(KGError, match="read-only"):
            graph.add_extractions([_extraction("Li")])


def test_bindings_work_for_variables_not_in_the_projection(memory_graph):
    query = "SELECT ?e WHERE { ?e skos:prefLabel ?name }"
    expected = [str(r[0]) for r in memory_graph.query(query, bindings={"name": "Li Keqiang"})]
    assert len(expected) == 1
    with kg.KnowledgeGraph() as graph:
        graph.add_extractions([_extraction("Li Keqiang")])
        got = [str(r[0]) for r in graph.query(query, bindings={"name": "Li Keqiang"})]
    assert got == expected
