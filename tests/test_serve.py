"""``kg serve`` end to end: a real server process, real clients (SPARQLWrapper, httpx)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

pytestmark = pytest.mark.server

DOC = "https://w3id.org/policy-kg/id/doc/"
BUILD = "https://w3id.org/policy-kg/id/graph/build"
EX = "http://example.org/"
TIMEOUT = 4.0
"""The server's time limit, also how long a request may wait for a free worker: ample for
the 24 clients of test_concurrent_clients_are_all_served on a busy machine."""
HTTP = httpx.Client(timeout=120)
"""Every request of these tests goes through it: generous, so that load never fails one
(httpx waits 5 s by default); no assertion here depends on how long a request takes."""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# eight independent patterns over 13 triples: 13^8 (8e8) rows to count, minutes of work
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + "}"


def _make_graph_dir(root: Path) -> Path:
    """A graph directory laid out as kg.store writes one: a named graph per document,
    the build graph, and the store's default graph holding the set union of the
    document graphs. One triple is stated by both documents."""
    label, rank, where = (ox.NamedNode(EX + p) for p in ("label", "rank", "in"))
    shared = ox.Triple(ox.NamedNode(EX + "mic2025"), label, ox.Literal("Made in China 2025"))
    docs = {"alpha": ["Li Qiang", "State Council"], "beta": ["Ministry of Finance"]}
    store = ox.Store(str(root / "store"))
    for doc, names in docs.items():
        graph = ox.NamedNode(DOC + doc)
        triples = [shared]
        for i, name in enumerate(names):
            node = ox.NamedNode(f"{EX}{doc}/{i}")
            triples += [
                ox.Triple(node, label, ox.Literal(name, language="en")),
                ox.Triple(node, rank, ox.Literal(i)),
                ox.Triple(node, where, ox.NamedNode(EX + doc)),
            ]
        for t in triples:
            store.add(ox.Quad(t.subject, t.predicate, t.object, graph))
            store.add(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
    run = ox.NamedNode(EX + "run")
    store.add(ox.Quad(run, ox.NamedNode(EX + "at"), ox.Literal("now"), ox.NamedNode(BUILD)))
    store.flush()
    return root


def _start(args: list[str]) -> tuple[subprocess.Popen, str, threading.Thread]:
    """Start ``python -m kg.serve ARGS --port 0``; returns the process, its URL and the
    thread that reads its log (see :func:`_stop`).

    Port 0 lets the kernel pick a free port when the server binds, and uvicorn logs
    the one it got: no other process on this machine can take it in between. A
    thread keeps reading the log, so the server never blocks on a full pipe.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.serve", *args, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    log: list[str] = []
    for line in proc.stdout:  # ends when the server exits
        log.append(line)
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
        if found:
            reader = threading.Thread(target=log.extend, args=(proc.stdout,), daemon=True)
            reader.start()
            return proc, found.group(1), reader
    proc.wait()
    proc.stdout.close()
    pytest.fail("kg serve did not start:\n" + "".join(log))


def _stop(proc: subprocess.Popen, reader: threading.Thread) -> None:
    """Ctrl-C, as a user stops it; fails if the server does not stop."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("kg serve did not stop on Ctrl-C")
    finally:
        reader.join(60)
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    graph_dir = _make_graph_dir(tmp_path_factory.mktemp("served"))
    proc, base, reader = _start(
        [str(graph_dir), "--timeout", str(TIMEOUT), "--max-results", "8", "--workers", "2"]
    )
    assert HTTP.get(base + "/").status_code == 200
    yield base, proc
    _stop(proc, reader)
    HTTP.close()


def _wrapper(base: str, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(base + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def _count(base: str) -> int:
    rows = _wrapper(base, COUNT, JSON).queryAndConvert()["results"]["bindings"]
    return int(rows[0]["n"]["value"])


def test_sparqlwrapper_select_json_sees_the_union_of_document_graphs(server):
    base, _ = server
    assert _count(base) == 10  # 11 document triples, one said twice; no build graph


def test_sparqlwrapper_select_csv(server):
    base, _ = server
    query = f"SELECT ?name WHERE {{ ?x <{EX}label> ?name }} ORDER BY ?name"
    text = _wrapper(base, query, CSV).queryAndConvert().decode()
    assert list(csv.reader(io.StringIO(text))) == [
        ["name"], ["Li Qiang"], ["Made in China 2025"], ["Ministry of Finance"], ["State Council"]
    ]  # fmt: skip


def test_sparqlwrapper_ask_xml_and_construct_turtle(server):
    base, _ = server
    doc = _wrapper(base, f"ASK {{ ?x <{EX}label> 'Li Qiang'@en }}", XML).queryAndConvert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "true"
    graph = _wrapper(base, f"CONSTRUCT WHERE {{ ?x <{EX}rank> ?r }}", TURTLE).queryAndConvert()
    assert len(list(ox.parse(graph, format=ox.RdfFormat.TURTLE))) == 3


def test_sparqlwrapper_malformed_query_raises_bad_formed(server):
    base, _ = server
    with pytest.raises(QueryBadFormed, match="expected"):
        _wrapper(base, "SELECT * WHERE { ?s ?p }", JSON).query()


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("*/*", "application/sparql-results+json"),
        (
            "text/csv;q=0.2, text/tab-separated-values;q=0.8",
            "text/tab-separated-values; charset=utf-8",
        ),
    ],
)
def test_select_answers_each_results_format(server, accept, content_type):
    base, _ = server
    response = HTTP.get(base + "/sparql", params={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    if content_type.startswith("text/csv"):  # lossy: pyoxigraph does not parse it back
        assert response.text.split() == ["n", "10"]
        return
    results = ox.parse_query_results(
        response.content, format=ox.QueryResultsFormat.from_media_type(content_type)
    )
    assert next(iter(results))["n"].value == "10"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("image/png, */*;q=0.1", ox.RdfFormat.TURTLE),
    ],
)
def test_construct_and_describe_answer_each_rdf_format(server, accept, fmt):
    base, _ = server
    for query in (f"CONSTRUCT WHERE {{ ?x <{EX}in> ?d }}", f"DESCRIBE <{EX}alpha/0>"):
        response = HTTP.post(
            base + "/sparql",
            content=query,
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == fmt.media_type
        assert len(list(ox.parse(response.content, format=fmt))) == 3


def test_default_graph_uri_and_named_graph_uri_set_the_dataset(server):
    base, _ = server
    query = (
        "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs)"
        " WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?a ?b ?c } } }"
    )
    accept = {"Accept": "application/json"}
    only_beta = HTTP.post(
        base + "/sparql", data={"query": query, "default-graph-uri": DOC + "beta"}, headers=accept
    )
    row = only_beta.json()["results"]["bindings"][0]
    assert (row["n"]["value"], row["graphs"]["value"]) == ("4", "0")  # beta; no named graphs
    both = HTTP.get(
        base + "/sparql",
        params=[
            ("query", query),
            ("default-graph-uri", DOC + "beta"),
            ("named-graph-uri", DOC + "alpha"),
        ],
        headers=accept,
    )
    row = both.json()["results"]["bindings"][0]
    assert (row["n"]["value"], row["graphs"]["value"]) == ("11", "1")  # 4 in beta + 7 in alpha


def test_query_with_its_own_from_clause_is_not_overridden(server):
    base, _ = server
    query = f"SELECT (COUNT(*) AS ?n) FROM <{DOC}beta> WHERE {{ ?s ?p ?o }}"
    response = HTTP.get(base + "/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.text.split() == ["n", "4"]


def test_build_graph_is_reachable_by_name_but_not_in_the_default_graph(server):
    base, _ = server
    query = f"ASK {{ GRAPH <{BUILD}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ ?s ?p ?o }} }}"
    assert HTTP.get(base + "/sparql", params={"query": query}).json()["boolean"] is True


def test_insert_data_is_refused_and_data_unchanged(server):
    base, _ = server
    update = f"INSERT DATA {{ GRAPH <{DOC}alpha> {{ <{EX}x> <{EX}y> <{EX}z> }} }}"
    for response in (
        HTTP.post(base + "/sparql", data={"query": update}),
        HTTP.post(base + "/sparql", data={"update": update}),
        HTTP.post(
            base + "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
        ),
    ):
        assert response.status_code == 403
        assert "read-only" in response.text
    client = _wrapper(base, update, JSON)
    client.setMethod("POST")
    with pytest.raises(Exception, match="403"):
        client.query()
    assert _count(base) == 10


def test_service_is_refused_before_evaluation(server):
    base, _ = server
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = HTTP.get(base + "/sparql", params={"query": query})
    assert response.status_code == 400
    assert "SERVICE" in response.text


def test_malformed_query_gets_400_with_the_parser_message(server):
    base, _ = server
    response = HTTP.get(base + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.text.startswith("malformed query: error at 1:")


def test_unacceptable_format_gets_406(server):
    base, _ = server
    response = HTTP.get(
        base + "/sparql", params={"query": COUNT}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_result_size_limit_answers_422(server):
    base, _ = server
    response = HTTP.get(base + "/sparql", params={"query": "SELECT * { GRAPH ?g { ?s ?p ?o } }"})
    assert response.status_code == 422
    assert "more than 8 rows" in response.text


def test_an_answer_larger_than_the_pipe_buffer_arrives_whole(server):
    """A reply bigger than a pipe's 64 KiB reaches the client intact, every time.

    (Under uvloop the worker's pipe was left non-blocking and such replies failed
    half-read, as if the worker had crashed.)
    """
    base, _ = server
    query = (
        'SELECT (STRLEN(?f) AS ?n) ?f { BIND("0123456789" AS ?a) '
        "BIND(CONCAT(?a, ?a, ?a, ?a, ?a, ?a, ?a, ?a, ?a, ?a) AS ?b) "
        "BIND(CONCAT(?b, ?b, ?b, ?b, ?b, ?b, ?b, ?b, ?b, ?b) AS ?c) "
        "BIND(CONCAT(?c, ?c, ?c, ?c, ?c, ?c, ?c, ?c, ?c, ?c) AS ?d) "
        "BIND(CONCAT(?d, ?d, ?d, ?d, ?d, ?d, ?d, ?d, ?d, ?d) AS ?e) "
        "BIND(CONCAT(?e, ?e, ?e, ?e, ?e, ?e, ?e, ?e, ?e, ?e) AS ?f) }"
    )
    for _ in range(3):  # the same worker answers again after a large reply
        response = HTTP.get(
            base + "/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, response.text
        row = response.json()["results"]["bindings"][0]
        assert row["n"]["value"] == "1000000" and len(row["f"]["value"]) == 1_000_000


def test_slow_query_stops_at_the_time_limit_and_server_answers_next(server):
    base, proc = server
    before = _wait_for_workers(proc)
    started = time.monotonic()
    response = HTTP.get(base + "/sparql", params={"query": SLOW})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "time limit" in response.text
    assert elapsed >= TIMEOUT
    # stopped, not just answered: the worker that ran it is killed and replaced
    _wait_for_workers(proc, lambda pids: len(pids) == 2 and len(before - pids) == 1)
    assert _count(base) == 10


@pytest.mark.parametrize(
    "query",
    [
        "ASK { FILTER(" + "(" * 20000 + "true" + ")" * 20000 + ") }",
        "ASK { " + "{" * 5000 + "?s ?p ?o" + "}" * 5000 + " }",
        "ASK { FILTER(" + "!" * 20000 + "true) }",
    ],
    ids=["parentheses", "braces", "negations"],
)
def test_hostile_nesting_gets_400_and_server_survives(server, query):
    base, _ = server
    response = HTTP.post(base + "/sparql", data={"query": query})
    assert response.status_code == 400
    assert "nested" in response.text
    assert _count(base) == 10


def _workers(proc: subprocess.Popen) -> list[psutil.Process]:
    """The server's query workers that are alive (children of its forkserver)."""
    children = psutil.Process(proc.pid).children()
    forkserver = [c for c in children if "forkserver" in " ".join(c.cmdline())]
    if not forkserver:
        return []
    alive = []
    for worker in forkserver[0].children():
        try:
            if worker.status() != psutil.STATUS_ZOMBIE:
                alive.append(worker)
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_for_workers(proc: subprocess.Popen, until=lambda pids: len(pids) == 2) -> set[int]:
    """Wait until the pids of the live workers satisfy ``until``; returns them.

    A replacement is forked and opens the store, which takes longer the busier the
    machine: the deadline only stops a test that would hang.
    """
    deadline = time.monotonic() + 120
    while True:
        pids = {w.pid for w in _workers(proc)}
        if until(pids):
            return pids
        assert time.monotonic() < deadline, f"the workers are {pids}"
        time.sleep(0.05)


def _answers_count(base: str) -> None:
    """Wait until the server answers a query again (while replacements start, a request
    may find no free worker within the time limit: 503 "busy"); any other answer fails."""
    deadline = time.monotonic() + 120
    while True:
        response = HTTP.get(base + "/sparql", params={"query": COUNT})
        if response.status_code == 200:
            return
        assert response.status_code == 503 and "stayed busy" in response.text, response.text
        assert time.monotonic() < deadline, "the server did not answer again"


def test_dead_workers_are_replaced(server):
    base, proc = server
    killed = _wait_for_workers(proc)
    for worker in _workers(proc):
        worker.send_signal(signal.SIGSEGV)  # what pyoxigraph does on a hostile query
    _wait_for_workers(proc, lambda pids: len(pids) == 2 and not pids & killed)
    _answers_count(base)
    statuses = [HTTP.get(base + "/sparql", params={"query": COUNT}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


def _cpu(worker: psutil.Process) -> float:
    try:
        return sum(worker.cpu_times()[:2])
    except psutil.NoSuchProcess:
        return 0.0


def test_worker_crash_mid_query_answers_500_and_server_goes_on(server):
    base, proc = server
    before = _wait_for_workers(proc)
    _answers_count(base)
    idle = {w.pid: _cpu(w) for w in _workers(proc)}
    with httpx.Client(base_url=base, timeout=120) as client:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(client.get, "/sparql", params={"query": SLOW})
            # kill the workers once one of them is running the query, not after a guessed
            # delay: it is the one whose CPU time grows (an idle worker sleeps in recv)
            deadline = time.monotonic() + 120
            while not any(_cpu(w) - idle.get(w.pid, 0.0) > 0.2 for w in _workers(proc)):
                assert time.monotonic() < deadline and not pending.done(), "no worker ran it"
                time.sleep(0.01)
            for worker in _workers(proc):
                worker.send_signal(signal.SIGSEGV)
            response = pending.result()
    assert response.status_code == 500, response.text
    assert "crashed" in response.text
    _wait_for_workers(proc, lambda pids: len(pids) == 2 and not pids & before)
    assert _count(base) == 10


def test_concurrent_clients_are_all_served(server):
    base, _ = server

    async def many() -> list[int]:  # more clients than workers: the rest wait in line
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            replies = await asyncio.gather(
                *(client.get("/sparql", params={"query": COUNT}) for _ in range(24))
            )
        return [r.status_code for r in replies]

    # a thread of its own: another test's Playwright may own this thread's event loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, many()).result() == [200] * 24


def test_query_page_lists_ready_made_queries_and_loads_nothing_external(server):
    base, _ = server
    response = HTTP.get(base + "/")
    assert response.status_code == 200
    page = response.text
    assert "<form" in page and "sparql" in page
    for rq in (Path(__file__).resolve().parent.parent / "queries").glob("*.rq"):
        assert rq.stem in page
    assert "src=" not in page and "href=" not in page
    assert "default-src 'none'" in response.headers["content-security-policy"]


def test_missing_query_and_wrong_method_and_content_type(server):
    base, _ = server
    assert HTTP.get(base + "/sparql", params={"default-graph-uri": EX}).status_code == 400
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert HTTP.post(base + "/sparql", content=b"", headers=form).status_code == 400
    assert HTTP.put(base + "/sparql", content=COUNT).status_code == 405
    response = HTTP.post(base + "/sparql", content=COUNT, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_serve_without_a_graph_says_run_kg_build(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kg.serve", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no graph in {tmp_path}; run kg build first"


def test_get_without_query_answers_the_service_description_with_kg_prefixes(server):
    base, _ = server
    response = HTTP.get(base + "/sparql", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")
    graph = ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
    rows = ox.Store()
    rows.extend(ox.Quad(t.subject, t.predicate, t.object) for t in graph)
    declared = {
        str(r["p"].value): r["ns"].value
        for r in rows.query(
            "PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX sd: "
            "<http://www.w3.org/ns/sparql-service-description#> SELECT ?p ?ns WHERE { "
            "?svc a sd:Service ; sd:endpoint ?e ; sh:declare [ sh:prefix ?p ; sh:namespace ?ns ] }"
        )
    }
    from kg.vocab import PREFIXES

    assert declared == PREFIXES
    assert "prefixes are predefined" in HTTP.get(base + "/").text


def test_kg_prefixes_are_predefined_at_the_endpoint(server):
    base, _ = server
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(datatype(?o) = xsd:integer) }"
    rows = _wrapper(base, query, JSON).queryAndConvert()["results"]["bindings"]
    assert rows[0]["n"]["value"] == "3"


def test_unknown_prefix_at_the_endpoint_names_it_and_the_line_to_add(server):
    base, _ = server
    response = HTTP.get(base + "/sparql", params={"query": "SELECT * { ?s dc:title ?t }"})
    assert response.status_code == 400
    assert response.text.strip() == (
        "unknown prefix 'dc:'; add this line at the top of the query: "
        "PREFIX dc: <http://purl.org/dc/elements/1.1/>"
    )
