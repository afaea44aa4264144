"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over a graph directory.

Starlette answers HTTP (run by uvicorn); queries run in a small pool of worker
processes, each holding the store open read-only. pyoxigraph has no query
timeout and crashes the whole process on some hostile queries, so a worker that
overruns the time limit is killed, and one that dies is replaced: the server
itself never evaluates SPARQL. Cheap checks (length, nesting, updates,
``SERVICE``) run before a query reaches a worker.

The default graph is the union of the document graphs: the store's own default
graph, which ``kg.store`` keeps equal to their set union (the build graph stays
out); ``default-graph-uri`` / ``named-graph-uri`` or a ``FROM`` clause replace it.
Workers reopen the store when its files change, so ``kg add`` shows up live.

>>> inspect_query("PREFIX ex: <http://x.org/> SELECT * FROM ex:g WHERE { ?s ?p ?o }")
QueryShape(form='SELECT', has_dataset=True)
>>> negotiate("text/csv;q=0.5, application/sparql-results+json", RESULT_FORMATS).name
'json'
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import multiprocessing
import os
import resource
import secrets
import signal
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import anyio.to_thread
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from kg.errors import QueryError, StoreError
from kg.query import MAX_DEPTH, MAX_QUERY_LENGTH, QueryShape, ReadOnlyQueryError, inspect_query
from kg.vocab import BUILD_GRAPH

__all__ = [
    "GRAPH_FORMATS",
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "RESULT_FORMATS",
    "WORKER_MEMORY",
    "Format",
    "QueryShape",
    "create_app",
    "inspect_query",
    "negotiate",
    "serve",
]

log = logging.getLogger("kg.serve")


MAX_BODY = 1_000_000
"""Largest POST body read, in bytes."""

_WORKER_STACK = 512 * 1024 * 1024
"""Stack of the thread that evaluates queries in a worker: pyoxigraph recurses on
the calling thread's stack, and 512 MiB (virtual) moves its crash point from about
3,000 nested levels to well past 10,000."""

WORKER_MEMORY = 4 << 30
"""Address space a query worker may use, in bytes (a runaway ``ORDER BY`` over a cross
product grows by about 100 MB a second; past this the worker dies and is replaced)."""

_STARTUP_TIMEOUT = 60.0


class Format(NamedTuple):
    """A result serialization the endpoint offers.

    Attributes:
        name: short name (``json``, ``turtle``...), also the key in :data:`RESULT_FORMATS`.
        media_type: the ``Content-Type`` answered.
        accepts: media types in ``Accept`` that select it (the first is ``media_type``'s).
    """

    name: str
    media_type: str
    accepts: tuple[str, ...]


RESULT_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        ox.QueryResultsFormat.JSON.media_type,
        (
            "application/sparql-results+json",
            "application/json",
            "text/javascript",
            "application/javascript",
        ),
    ),
    Format(
        "xml",
        ox.QueryResultsFormat.XML.media_type,
        ("application/sparql-results+xml", "application/xml", "text/xml"),
    ),
    Format("csv", ox.QueryResultsFormat.CSV.media_type, ("text/csv",)),
    Format("tsv", ox.QueryResultsFormat.TSV.media_type, ("text/tab-separated-values",)),
)
"""Formats for ``SELECT`` and ``ASK`` results, in the server's order of preference."""

GRAPH_FORMATS: tuple[Format, ...] = (
    Format(
        "turtle",
        ox.RdfFormat.TURTLE.media_type,
        ("text/turtle", "application/turtle", "application/x-turtle"),
    ),
    Format("ntriples", ox.RdfFormat.N_TRIPLES.media_type, ("application/n-triples", "text/plain")),
    Format(
        "jsonld",
        ox.RdfFormat.JSON_LD.media_type,
        ("application/ld+json", "application/x-json+ld", "application/json"),
    ),
    Format("rdfxml", ox.RdfFormat.RDF_XML.media_type, ("application/rdf+xml", "application/xml")),
)
"""Formats for ``CONSTRUCT`` and ``DESCRIBE`` results, in the server's order of preference."""

_OX_RESULTS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_OX_RDF = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


# --------------------------------------------------------------------------- checks


class _Refused(Exception):
    """A request answered with an error status before any evaluation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------- negotiation


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0] or "/" not in fields[0]:
            continue
        main, _, sub = fields[0].lower().partition("/")
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((main.strip(), sub.strip(), q))
    return ranges


def negotiate(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """Pick the offer the client prefers (RFC 9110 q-values, the most specific range wins).

    Ties go to the earlier offer; a missing or empty ``Accept`` takes the first.

    Args:
        accept: the ``Accept`` header, or ``None``.
        offers: the formats available, in the server's order of preference.

    Returns:
        The chosen format, or ``None`` if the client accepts none of them (406).

    >>> negotiate("*/*", GRAPH_FORMATS).name
    'turtle'
    >>> negotiate("application/rdf+xml;q=0.9, text/*;q=0.5", GRAPH_FORMATS).name
    'rdfxml'
    >>> negotiate("image/png", RESULT_FORMATS) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges = _parse_accept(accept)
    best, best_q = None, 0.0
    for offer in offers:
        offer_q = 0.0
        for media in offer.accepts:
            main, _, sub = media.partition("/")
            match_q, specificity = 0.0, -1
            for r_main, r_sub, q in ranges:
                if (r_main, r_sub) == (main, sub):
                    spec = 2
                elif r_main == main and r_sub == "*":
                    spec = 1
                elif (r_main, r_sub) == ("*", "*"):
                    spec = 0
                else:
                    continue
                if spec > specificity:
                    match_q, specificity = q, spec
            offer_q = max(offer_q, match_q)
        if offer_q > best_q:
            best, best_q = offer, offer_q
    return best


# --------------------------------------------------------------------------- worker


@dataclass(frozen=True)
class _Job:
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    has_dataset: bool
    results_format: str | None
    graph_format: str | None
    max_results: int


class _Reply(NamedTuple):
    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> _Reply:
    return _Reply(status, "text/plain; charset=utf-8", (message + "\n").encode())


class _StoreView:
    """The worker's read-only handle, reopened when the store on disk changes.

    A read-only RocksDB sees the data as of opening; ``kg add`` writes in place and
    ``kg build`` swaps in a new directory, so the directory listing (names, sizes,
    times, and the inode of the folder itself) is compared before each query.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.signature: tuple[Any, ...] | None = None
        self.store: ox.Store | None = None
        self.documents: list[ox.NamedNode] = []
        self.merged = True
        self.refresh()

    def _signature(self) -> tuple[Any, ...]:
        folder = os.stat(self.path)
        files = sorted(
            (e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(self.path)
        )
        return (folder.st_ino, tuple(files))

    def refresh(self) -> None:
        try:
            signature = self._signature()
        except OSError:
            if self.store is None:
                raise
            return  # mid-swap: keep serving the old data
        if signature == self.signature:
            return
        try:
            store = ox.Store.read_only(str(self.path))
        except OSError:
            if self.store is None:
                raise
            return
        build = str(BUILD_GRAPH)
        self.documents = sorted(
            (g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != build),
            key=lambda g: g.value,
        )
        # kg.store keeps the store's default graph equal to the set union of the
        # document graphs; other stores may leave it empty
        default = store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        self.merged = next(iter(default), None) is not None or not self.documents
        self.store, self.signature = store, signature


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _term_json(term.subject),
            "predicate": _term_json(term.predicate),
            "object": _term_json(term.object),
        },
    }


def _solutions(result: ox.QuerySolutions, job: _Job) -> _Reply:
    if job.results_format is None:
        return _text(406, _not_acceptable("SELECT", RESULT_FORMATS))
    names = [v.value for v in result.variables]
    rows = list(islice(result, job.max_results + 1))
    if len(rows) > job.max_results:
        return _too_many(job.max_results, "rows")
    # Counting consumes pyoxigraph's iterator, so the rows are rebuilt as SPARQL
    # JSON and handed back to pyoxigraph, whose serializers write every format.
    doc = {
        "head": {"vars": names},
        "results": {
            "bindings": [
                {n: _term_json(row[n]) for n in names if row[n] is not None} for row in rows
            ]
        },
    }
    parsed = ox.parse_query_results(json.dumps(doc).encode(), format=ox.QueryResultsFormat.JSON)
    fmt = _OX_RESULTS[job.results_format]
    return _Reply(200, fmt.media_type, parsed.serialize(format=fmt) or b"")


def _execute(view: _StoreView, job: _Job) -> _Reply:
    view.refresh()
    assert view.store is not None
    kwargs: dict[str, Any] = {}
    try:
        if job.default_graphs is None and job.named_graphs is None:
            if not job.has_dataset and not view.merged:
                # a store without kg's merged copy: an explicit list of graphs, which
                # costs one scan per graph and pattern (30x slower at 200 documents)
                kwargs["default_graph"] = list(view.documents)
        else:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in job.default_graphs or ()]
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in job.named_graphs or ()]
    except ValueError as err:
        return _text(400, f"default-graph-uri / named-graph-uri must be absolute IRIs: {err}")
    try:
        result = view.store.query(job.query, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            if job.results_format is None:
                return _text(406, _not_acceptable("ASK", RESULT_FORMATS))
            fmt = _OX_RESULTS[job.results_format]
            return _Reply(200, fmt.media_type, result.serialize(format=fmt) or b"")
        if isinstance(result, ox.QuerySolutions):
            return _solutions(result, job)
        if job.graph_format is None:
            return _text(406, _not_acceptable("CONSTRUCT/DESCRIBE", GRAPH_FORMATS))
        triples = list(islice(result, job.max_results + 1))
        if len(triples) > job.max_results:
            return _too_many(job.max_results, "triples")
        rdf = _OX_RDF[job.graph_format]
        return _Reply(200, rdf.media_type, ox.serialize(triples, format=rdf) or b"")
    except SyntaxError as err:
        return _text(400, f"malformed query: {err}")
    except (OSError, RuntimeError, ValueError) as err:
        return _text(500, f"query evaluation failed: {err}")


def _worker_loop(conn: Connection, store_path: str) -> None:
    try:
        view = _StoreView(Path(store_path))
    except OSError as err:
        conn.send(("error", f"cannot open the store {store_path}: {err}"))
        return
    conn.send(("ready", len(view.documents)))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = _execute(view, job)
        except Exception as err:  # noqa: BLE001 - the server must answer, whatever broke
            reply = _text(500, f"query evaluation failed: {type(err).__name__}: {err}")
        conn.send(reply)


def _worker_main(conn: Connection, store_path: str, memory: int | None) -> None:
    """Entry point of a worker process: answer jobs from ``conn`` until it closes."""
    # Ctrl-C reaches the whole process group; the server shuts workers down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # a crash would otherwise dump a core the size of the address space first
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    threading.stack_size(_WORKER_STACK)
    thread = threading.Thread(target=_worker_loop, args=(conn, store_path), name="kg-query")
    thread.start()
    thread.join()


class _Timeout(Exception):
    pass


class _Gone(Exception):
    """The worker was dead before it got the job."""


class _Worker:
    def __init__(self, ctx: Any, store_path: Path, memory: int | None) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, str(store_path), memory),
            name="kg-serve-worker",
            daemon=True,
        )
        self.process.start()
        child.close()
        try:
            if not self.conn.poll(_STARTUP_TIMEOUT):
                raise StoreError(f"a query worker did not start within {_STARTUP_TIMEOUT:.0f} s")
            status, detail = self.conn.recv()
        except (EOFError, OSError) as err:
            self.kill()
            raise StoreError(f"a query worker died while opening {store_path}") from err
        except StoreError:
            self.kill()
            raise
        if status != "ready":
            self.kill()
            raise StoreError(f"{detail}; run kg build first")

    def call(self, job: _Job, timeout: float) -> _Reply:
        try:
            self.conn.send(job)
        except OSError as err:
            raise _Gone from err
        if not self.conn.poll(timeout):
            raise _Timeout
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class _Pool:
    """Worker processes; a killed or crashed one is replaced in the background."""

    def __init__(self, store_path: Path, size: int, timeout: float, memory: int | None) -> None:
        self.store_path, self.size, self.timeout, self.memory = store_path, size, timeout, memory
        self.ctx = multiprocessing.get_context("forkserver")
        # forked from a server process that has pyoxigraph loaded: a respawn takes milliseconds
        self.ctx.set_forkserver_preload(["kg.serve"])
        self.idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self.workers: set[_Worker] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.closed = False
        self.restarts = 0

    async def start(self) -> None:
        for _ in range(self.size):
            worker = await anyio.to_thread.run_sync(_Worker, self.ctx, self.store_path, self.memory)
            self._add(worker)

    def _add(self, worker: _Worker) -> None:
        self.workers.add(worker)
        # the sentinel becomes readable when the process ends: a worker that dies
        # while idle is replaced at once, not when the next query finds it dead
        loop = asyncio.get_running_loop()
        loop.add_reader(worker.process.sentinel, self._replace, worker, "exited")
        self.idle.put_nowait(worker)

    async def run(self, job: _Job) -> _Reply:
        while True:
            try:
                worker = await asyncio.wait_for(self.idle.get(), self.timeout)
            except asyncio.TimeoutError:
                return _text(
                    503,
                    f"all {self.size} query workers stayed busy for {self.timeout:g} s; "
                    "retry later",
                )
            if worker in self.workers and worker.process.is_alive():
                break
            self._replace(worker, "died while idle")  # a no-op if already replaced
        try:
            reply = await anyio.to_thread.run_sync(worker.call, job, self.timeout)
        except _Gone:  # the query never reached it, so it can go to another worker
            self._replace(worker, "died while idle")
            return await self.run(job)
        except _Timeout:
            self._replace(worker, "timed out")
            return _text(
                503,
                f"query stopped after the time limit of {self.timeout:g} s; "
                "narrow the pattern or add a LIMIT",
            )
        except (EOFError, OSError):
            self._replace(worker, "crashed")
            return _text(
                500,
                "the query engine crashed or ran out of memory on this query "
                "(its worker was restarted); simplify it or add a LIMIT",
            )
        self.idle.put_nowait(worker)
        return reply

    def _replace(self, worker: _Worker, why: str) -> None:
        if worker not in self.workers:
            return
        self.workers.discard(worker)
        loop = asyncio.get_running_loop()
        loop.remove_reader(worker.process.sentinel)
        if self.closed:
            return
        log.warning("query worker %s %s; starting a new one", worker.process.pid, why)
        self.restarts += 1
        task = loop.create_task(self._respawn(worker))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _respawn(self, old: _Worker) -> None:
        await anyio.to_thread.run_sync(old.kill)
        while not self.closed:
            try:
                worker = await anyio.to_thread.run_sync(
                    _Worker, self.ctx, self.store_path, self.memory
                )
            except StoreError as err:
                log.error("%s; retrying in 2 s", err)
                await asyncio.sleep(2)
                continue
            if self.closed:
                worker.kill()
                return
            self._add(worker)
            return

    async def close(self) -> None:
        self.closed = True
        for task in list(self.tasks):
            task.cancel()
        workers, self.workers = list(self.workers), set()
        loop = asyncio.get_running_loop()
        for worker in workers:
            loop.remove_reader(worker.process.sentinel)
            worker.conn.close()  # an idle worker exits on EOF
        for worker in workers:
            await anyio.to_thread.run_sync(worker.process.join, 2)
            if worker.process.is_alive():
                worker.process.kill()
                await anyio.to_thread.run_sync(worker.process.join, 2)


# ----------------------------------------------------------------------------- HTTP


def _not_acceptable(form: str, offers: Sequence[Format]) -> str:
    types = ", ".join(f.media_type.split(";")[0] for f in offers)
    return f"none of the media types in Accept is available for {form} results; ask for one of: {types}"


def _too_many(limit: int, what: str) -> _Reply:
    return _text(
        422,
        f"the result has more than {limit:,} {what} (the server's --max-results); "
        "add a LIMIT or narrow the pattern",
    )


async def _read_body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refused(413, f"request body is larger than {MAX_BODY:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _protocol_params(request: Request) -> list[tuple[str, str]]:
    params = list(request.query_params.multi_items())
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/sparql-update":
        raise _Refused(403, "this endpoint is read-only: SPARQL Update is refused")
    if content_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        raise _Refused(
            415,
            "POST a query as application/x-www-form-urlencoded (query=...) "
            "or as application/sparql-query",
        )
    body = await _read_body(request)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Refused(400, "the request body is not UTF-8") from err
    if content_type == "application/sparql-query":
        if any(key == "query" for key, _ in params):
            raise _Refused(400, "give the query in the body or in ?query=, not both")
        return [*params, ("query", text)]
    return params + parse_qsl(text, keep_blank_values=True)


@dataclass
class _Settings:
    store_path: Path
    timeout: float
    max_results: int
    queries_dir: Path


async def _sparql(request: Request) -> Response:
    settings: _Settings = request.app.state.settings
    pool: _Pool = request.app.state.pool
    try:
        params = await _protocol_params(request)
        if any(key == "update" for key, _ in params):
            raise _Refused(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = [value for key, value in params if key == "query"]
        if not queries:
            raise _Refused(400, "no query given: pass ?query=SPARQL, or open / for the query page")
        if len(queries) > 1:
            raise _Refused(400, "give exactly one query parameter")
        query = queries[0]
        try:
            shape = inspect_query(query)
        except ReadOnlyQueryError as err:
            raise _Refused(403, str(err)) from err
        except QueryError as err:
            raise _Refused(400, str(err)) from err
        defaults = tuple(v for k, v in params if k == "default-graph-uri")
        named = tuple(v for k, v in params if k == "named-graph-uri")
        accept = request.headers.get("accept")
        results_format = negotiate(accept, RESULT_FORMATS)
        graph_format = negotiate(accept, GRAPH_FORMATS)
        if shape.form in ("SELECT", "ASK") and results_format is None:
            raise _Refused(406, _not_acceptable(shape.form, RESULT_FORMATS))
        if shape.form in ("CONSTRUCT", "DESCRIBE") and graph_format is None:
            raise _Refused(406, _not_acceptable(shape.form, GRAPH_FORMATS))
        # either protocol parameter replaces the whole default dataset (SPARQL 1.1 Protocol 2.1.4)
        given = bool(defaults or named)
        job = _Job(
            query=query,
            default_graphs=defaults if given else None,
            named_graphs=named if given else None,
            has_dataset=shape.has_dataset,
            results_format=results_format.name if results_format else None,
            graph_format=graph_format.name if graph_format else None,
            max_results=settings.max_results,
        )
    except _Refused as refusal:
        return PlainTextResponse(str(refusal) + "\n", status_code=refusal.status)
    reply = await pool.run(job)
    headers = {"Vary": "Accept"} if reply.status == 200 else {}
    return Response(reply.body, reply.status, headers=headers, media_type=reply.content_type)


def ready_made_queries(folder: Path) -> list[tuple[str, str, str]]:
    """The ``.rq`` files of ``folder``: (name, description from the leading ``#`` lines, text).

    >>> ready_made_queries(Path("/nonexistent"))
    []
    """
    found = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        about = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            about.append(line.lstrip("#").strip())
        found.append((path.stem, " ".join(about), text))
    return found


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kg SPARQL endpoint</title>
<style nonce="{nonce}">
body{{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em}}
textarea{{width:100%;height:16em;font:13px monospace}}
table{{border-collapse:collapse;margin-top:1em}}td,th{{border:1px solid #bbb;padding:2px 6px;
text-align:left;vertical-align:top;font-size:13px}}pre{{background:#f4f4f4;padding:.5em;overflow:auto}}
li{{margin:.3em 0}}button.link{{background:none;border:0;color:#0645ad;cursor:pointer;padding:0;
font:inherit;text-decoration:underline}}#status{{margin-left:1em;color:#555}}
</style></head><body>
<h1>kg SPARQL endpoint</h1>
<p>SPARQL 1.1 Protocol endpoint (read-only) at <code>sparql</code>: GET <code>?query=</code>,
POST form or <code>application/sparql-query</code>. Time limit {timeout:g} s, at most
{max_results:,} results. The default graph is the union of the document graphs.</p>
<form id="f" method="post" action="sparql">
<textarea name="query" id="query" spellcheck="false">{first}</textarea>
<p><label>Result format <select id="accept">{options}</select></label>
<button type="submit">Run query</button><span id="status"></span></p>
</form>
<div id="out"></div>
<h2>Ready-made queries</h2>
<ul>{items}</ul>
<script type="application/json" id="queries" nonce="{nonce}">{queries_json}</script>
<script nonce="{nonce}">
const Q = JSON.parse(document.getElementById("queries").textContent);
document.querySelectorAll("button[data-q]").forEach(b => b.addEventListener("click", () => {{
  document.getElementById("query").value = Q[b.dataset.q]; window.scrollTo(0, 0); }}));
const out = document.getElementById("out"), status = document.getElementById("status");
function cell(t) {{
  if (!t) return "";
  if (t.type === "literal") return t.value + (t["xml:lang"] ? "@" + t["xml:lang"] : "");
  if (t.type === "bnode") return "_:" + t.value;
  if (t.type === "triple") return "<< " + [t.value.subject, t.value.predicate,
      t.value.object].map(cell).join(" ") + " >>";
  return "<" + t.value + ">";
}}
document.getElementById("f").addEventListener("submit", async ev => {{
  ev.preventDefault(); out.replaceChildren(); status.textContent = "running...";
  const t0 = performance.now();
  const r = await fetch("sparql", {{method: "POST", body: new URLSearchParams(
    {{query: document.getElementById("query").value}}),
    headers: {{"Accept": document.getElementById("accept").value}}}});
  const text = await r.text();
  status.textContent = r.status + " " + r.statusText + " in " +
    Math.round(performance.now() - t0) + " ms";
  const type = r.headers.get("Content-Type") || "";
  if (r.ok && type.startsWith("application/sparql-results+json")) {{
    const data = JSON.parse(text);
    if ("boolean" in data) {{ const p = document.createElement("p");
      p.textContent = "ASK: " + data.boolean; out.append(p); return; }}
    const table = document.createElement("table"), head = table.insertRow();
    data.head.vars.forEach(v => {{ const th = document.createElement("th");
      th.textContent = "?" + v; head.append(th); }});
    data.results.bindings.forEach(b => {{ const row = table.insertRow();
      data.head.vars.forEach(v => {{ row.insertCell().textContent = cell(b[v]); }}); }});
    const n = document.createElement("p");
    n.textContent = data.results.bindings.length + " rows"; out.append(n, table);
  }} else {{ const pre = document.createElement("pre"); pre.textContent = text; out.append(pre); }}
}});
</script></body></html>
"""

_PAGE_FORMATS = (
    ("application/sparql-results+json, text/turtle;q=0.9", "table (SELECT/ASK) / Turtle"),
    ("text/csv", "CSV"),
    ("text/tab-separated-values", "TSV"),
    ("application/sparql-results+xml, application/rdf+xml;q=0.9", "XML / RDF-XML"),
    ("application/sparql-results+json, application/ld+json;q=0.9", "JSON / JSON-LD"),
    ("application/n-triples", "N-Triples"),
)


async def _page(request: Request) -> Response:
    settings: _Settings = request.app.state.settings
    queries = ready_made_queries(settings.queries_dir)
    nonce = secrets.token_urlsafe(16)
    items = (
        "".join(
            f'<li><button class="link" type="button" data-q="{html.escape(name)}">'
            f"{html.escape(name)}</button>: {html.escape(about)}</li>"
            for name, about, _ in queries
        )
        or "<li>none found</li>"
    )
    options = "".join(
        f'<option value="{html.escape(value)}">{html.escape(label)}</option>'
        for value, label in _PAGE_FORMATS
    )
    # "</" is escaped so no query text can close the <script> element
    queries_json = json.dumps({name: text for name, _, text in queries}).replace("</", "<\\/")
    first = queries[0][2] if queries else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    body = _PAGE.format(
        nonce=nonce,
        timeout=settings.timeout,
        max_results=settings.max_results,
        first=html.escape(first),
        options=options,
        items=items,
        queries_json=queries_json,
    )
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        body, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"}
    )


def _store_path(graph_dir: Path) -> Path:
    store = Path(graph_dir) / "store"
    if not store.is_dir():
        raise StoreError(f"no graph in {graph_dir}; run kg build first")
    return store


def create_app(
    graph_dir: Path,
    *,
    timeout: float = 10.0,
    max_results: int = 10000,
    workers: int = 2,
    worker_memory: int | None = WORKER_MEMORY,
    allowed_hosts: Sequence[str] | None = None,
) -> Starlette:
    """The ASGI application serving ``graph_dir`` (workers start with the app's lifespan).

    Args:
        graph_dir: a graph directory made by ``kg build``.
        timeout: seconds a query may run before its worker is killed (answer 503).
        max_results: most rows or triples a result may have (more: answer 422).
        workers: query worker processes (queries beyond that many wait in line).
        worker_memory: address space limit of each worker in bytes (``None``: no limit).
        allowed_hosts: ``Host`` header values accepted, or ``None`` for any.

    Returns:
        A Starlette application: ``/`` the query page, ``/sparql`` the endpoint.

    Raises:
        StoreError: ``graph_dir`` holds no store.

    >>> create_app(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: no graph in /nonexistent; run kg build first
    """
    if timeout <= 0 or max_results < 1 or workers < 1:
        raise ValueError("timeout must be positive; max_results and workers at least 1")
    store = _store_path(graph_dir)
    settings = _Settings(
        store,
        timeout,
        max_results,
        Path(__file__).resolve().parent.parent / "queries",
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = _Pool(store, workers, timeout, worker_memory)
        app.state.pool = pool
        try:
            await pool.start()
            yield
        finally:
            await pool.close()

    middleware = (
        [Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))]
        if (allowed_hosts)
        else []
    )
    app = Starlette(
        routes=[Route("/", _page), Route("/sparql", _sparql, methods=["GET", "POST"])],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    graph_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 7878,
    timeout: float = 10.0,
    max_results: int = 10000,
    workers: int = 2,
) -> None:
    """Serve ``graph_dir`` at ``http://HOST:PORT/sparql`` until Ctrl-C.

    On loopback, requests naming another ``Host`` are refused (no DNS rebinding).

    Raises:
        StoreError: ``graph_dir`` holds no store.

    >>> serve(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: no graph in /nonexistent; run kg build first
    """
    import uvicorn

    app = create_app(
        graph_dir,
        timeout=timeout,
        max_results=max_results,
        workers=workers,
        allowed_hosts=_LOOPBACK if host in _LOOPBACK else None,
    )
    # in-flight queries end within the time limit, so shutdown waits that long at most
    uvicorn.run(app, host=host, port=port, timeout_graceful_shutdown=int(timeout) + 5)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m kg.serve DIR [--host H] [--port P] [--timeout S] [--max-results N]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kg.serve", description=__doc__)
    parser.add_argument("graph_dir", type=Path, nargs="?", default=Path("output"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7878)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--max-results", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        serve(
            args.graph_dir,
            host=args.host,
            port=args.port,
            timeout=args.timeout,
            max_results=args.max_results,
            workers=args.workers,
        )
    except StoreError as err:
        parser.exit(2, f"error: {err}\n")


if __name__ == "__main__":
    # Workers import kg.serve by name; without a spec and file here, multiprocessing
    # does not also re-run this copy of the module in each of them.
    __spec__ = None  # type: ignore[assignment]
    del __file__
    from kg.serve import main as _main

    _main()
