"""kg.remote against a real Oxigraph server (the ``oxigraph`` package's binary), no mocks."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from test_serve import _start, _stop

from kg.errors import QueryError
from kg.remote import drop_graph, push_quads, query_endpoint, replace_graph

pytestmark = pytest.mark.server

DOC = "https://w3id.org/policy-kg/id/doc/"
EX = "http://example.org/"
OXIGRAPH = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
    "oxigraph"
)


def _listening(proc: subprocess.Popen, port: int) -> bool:
    """Whether ``proc`` itself listens on ``port`` (not some other process of the machine)."""
    try:
        conns = psutil.Process(proc.pid).net_connections(kind="tcp")
    except psutil.NoSuchProcess:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in conns)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """A running Oxigraph server: (query URL, update URL, graph store URL)."""
    if OXIGRAPH is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph")
    errors = []
    for _ in range(5):
        # the binary does not say which port "127.0.0.1:0" gave it: pick a free one, and
        # pick again should another process of this busy machine take it first
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        proc = subprocess.Popen(
            [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120  # only against a hang
        while proc.poll() is None and not _listening(proc, port):
            assert time.monotonic() < deadline, "oxigraph did not start"
            time.sleep(0.05)
        if proc.poll() is None:
            break
        errors.append(proc.communicate()[1].decode())
    else:
        pytest.fail("oxigraph did not start: " + "\n".join(errors))
    base = f"http://127.0.0.1:{port}"
    yield base + "/query", base + "/update", base + "/store"
    proc.terminate()
    proc.wait(60)
    proc.stderr.close()


def _nt(*triples: tuple[str, str, str]) -> bytes:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode()


def _graph_rows(query_url: str, graph: str) -> set[tuple[str, ...]]:
    result = query_endpoint(
        query_url, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    )
    return {tuple(str(t) for t in row) for row in result}  # type: ignore[union-attr]


def test_pushed_document_graphs_are_queryable(oxigraph):
    query_url, update_url, _ = oxigraph
    quads = [
        ox.Quad(ox.NamedNode(EX + "li"), ox.NamedNode(EX + "label"), ox.Literal("Li Qiang", language="en"), ox.NamedNode(DOC + "a")),
        ox.Quad(ox.NamedNode(EX + "mof"), ox.NamedNode(EX + "label"), ox.Literal('The "Ministry"\nof Finance'), ox.NamedNode(DOC + "b")),
        ox.Quad(ox.BlankNode("m1"), ox.NamedNode(EX + "mentions"), ox.NamedNode(EX + "mof"), ox.NamedNode(DOC + "b")),
    ]  # fmt: skip
    assert push_quads(quads, update_url) == [DOC + "a", DOC + "b"]
    result = query_endpoint(
        query_url,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    )
    assert result.type == "SELECT"
    assert [str(v) for v in result.vars] == ["g", "n"]
    assert [(str(g), int(n)) for g, n in result] == [(DOC + "a", 1), (DOC + "b", 2)]
    label = query_endpoint(query_url, f"SELECT ?l WHERE {{ GRAPH ?g {{ <{EX}mof> ?p ?l }} }}")
    assert [tuple(row) for row in label] == [(Literal('The "Ministry"\nof Finance'),)]


def test_replace_graph_by_sparql_update_leaves_other_graphs_alone(oxigraph):
    query_url, update_url, _ = oxigraph
    old = _nt((f"<{EX}x>", f"<{EX}p>", '"old"'), (f"<{EX}x>", f"<{EX}q>", '"gone"'))
    replace_graph(update_url, DOC + "r1", old)
    replace_graph(update_url, DOC + "r2", _nt((f"<{EX}y>", f"<{EX}p>", '"other"')))
    replace_graph(update_url, DOC + "r1", _nt((f"<{EX}x>", f"<{EX}p>", '"new"')))
    assert _graph_rows(query_url, DOC + "r1") == {(EX + "x", EX + "p", "new")}
    assert _graph_rows(query_url, DOC + "r2") == {(EX + "y", EX + "p", "other")}


def test_replace_graph_through_the_graph_store_protocol_with_turtle(oxigraph):
    query_url, update_url, store_url = oxigraph
    turtle = f"@prefix ex: <{EX}> . ex:s ex:p ex:o1 , ex:o2 .".encode()
    replace_graph(
        update_url, DOC + "gsp", turtle, content_type="text/turtle", graph_store=store_url
    )
    replace_graph(
        update_url, DOC + "gsp", f"@prefix ex: <{EX}> . ex:s ex:p ex:o3 .".encode(),
        content_type="text/turtle", graph_store=store_url,
    )  # fmt: skip
    assert _graph_rows(query_url, DOC + "gsp") == {(EX + "s", EX + "p", EX + "o3")}


def test_turtle_is_converted_for_sparql_update(oxigraph):
    query_url, update_url, _ = oxigraph
    turtle = f"@prefix ex: <{EX}> . ex:t ex:p [ ex:q 1 ] .".encode()
    replace_graph(update_url, DOC + "ttl", turtle, content_type="text/turtle")
    assert len(_graph_rows(query_url, DOC + "ttl")) == 2


def test_drop_graph_both_ways_and_twice(oxigraph):
    query_url, update_url, store_url = oxigraph
    data = _nt((f"<{EX}d>", f"<{EX}p>", '"1"'))
    replace_graph(update_url, DOC + "d1", data)
    replace_graph(update_url, DOC + "d2", data)
    drop_graph(update_url, DOC + "d1")
    drop_graph(update_url, DOC + "d2", graph_store=store_url)
    drop_graph(update_url, DOC + "d1")
    drop_graph(update_url, DOC + "d2", graph_store=store_url)  # 404 is not an error
    ask = query_endpoint(
        query_url, f"ASK {{ VALUES ?g {{ <{DOC}d1> <{DOC}d2> }} GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    assert ask.type == "ASK" and ask.askAnswer is False and not ask


def test_construct_returns_rdflib_triples(oxigraph):
    query_url, update_url, _ = oxigraph
    replace_graph(update_url, DOC + "c", _nt((f"<{EX}c>", f"<{EX}p>", f"<{EX}o>")))
    result = query_endpoint(
        query_url, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{DOC}c> {{ ?s ?p ?o }} }}"
    )
    assert result.type == "CONSTRUCT"
    assert list(result) == [(URIRef(EX + "c"), URIRef(EX + "p"), URIRef(EX + "o"))]


def test_store_errors_are_passed_on_as_query_errors(oxigraph):
    query_url, update_url, _ = oxigraph
    with pytest.raises(QueryError, match=r"answered 400 Bad Request: .*expected"):
        query_endpoint(query_url, "SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryError, match="not an absolute IRI"):
        replace_graph(update_url, "doc a> } ; DROP ALL ; INSERT DATA { <x", b"")


def test_nothing_listening_says_start_it_or_check_endpoint():
    # a port bound but not listening: connecting is refused, and no other process can take it
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/query"
        with pytest.raises(
            QueryError, match=r"no SPARQL endpoint answers at .*; start it or check --endpoint"
        ):
            query_endpoint(url, "ASK {}", timeout=60)


def test_kg_serve_answers_query_endpoint(tmp_path):
    """kg.remote reads kg's own endpoint too: both ends speak the standard protocol.

    This store has no merged default graph (not written by kg.store): the server
    falls back to the union of the document graphs, still leaving the build graph out.
    """
    store = ox.Store(str(tmp_path / "store"))
    store.add(
        ox.Quad(
            ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(7), ox.NamedNode(DOC + "z")
        )
    )
    build = ox.NamedNode("https://w3id.org/policy-kg/id/graph/build")
    store.add(ox.Quad(ox.NamedNode(EX + "run"), ox.NamedNode(EX + "p"), ox.Literal(8), build))
    store.flush()
    del store
    proc, base, reader = _start([str(tmp_path), "--workers", "1"])
    try:
        url = base + "/sparql"
        result = query_endpoint(url, "SELECT ?o WHERE { ?s ?p ?o }", timeout=120)
        assert [int(o) for (o,) in result] == [7]
        # a writer (kg add) changes the store while it is served: the next query sees it
        writer = ox.Store(str(tmp_path / "store"))
        writer.add(
            ox.Quad(
                ox.NamedNode(EX + "t"),
                ox.NamedNode(EX + "p"),
                ox.Literal(9),
                ox.NamedNode(DOC + "y"),
            )
        )
        writer.flush()
        del writer
        result = query_endpoint(url, "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", timeout=120)
        assert [int(o) for (o,) in result] == [7, 9]
        with pytest.raises(QueryError, match="403"):
            replace_graph(url, DOC + "z", b"")
    finally:
        _stop(proc, reader)


def test_kg_query_endpoint_declares_kg_prefixes_and_binds_values(oxigraph):
    from tests.conftest import run_kg

    query_url, update_url, _ = oxigraph
    skos = "http://www.w3.org/2004/02/skos/core#prefLabel"
    replace_graph(
        update_url,
        DOC + "bind",
        _nt((f"<{EX}li>", f"<{skos}>", '"Li Qiang"'), (f"<{EX}mof>", f"<{skos}>", '"MOF"')),
    )
    # Oxigraph's server predefines no prefix: kg declares skos: for it
    query = "SELECT ?e WHERE { GRAPH ?g { ?e skos:prefLabel ?name } }"
    out = run_kg("query", query, "--endpoint", query_url, "--bind", "name=Li Qiang")
    assert out.returncode == 0, out.stderr
    assert f"{EX}li" in out.stdout and "mof" not in out.stdout and "(1 row)" in out.stdout
    hostile = run_kg("query", query, "--endpoint", query_url, "--bind", 'name=x" } } #')
    assert hostile.returncode == 0 and "(0 rows)" in hostile.stdout
    frame = query_endpoint(query_url, query.replace("?name", '"MOF"')).to_dataframe()
    assert frame["e"].tolist() == [f"{EX}mof"]
