"""Inside a query worker process: the store opened read-only, one query at a time.

pyoxigraph has no query timeout and crashes the whole process on some hostile
queries, so queries run here, in a process the server can kill (:mod:`kg.serve.pool`).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import threading
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from kg.serve.formats import (
    GRAPH_FORMATS,
    OX_RDF,
    OX_RESULTS,
    RESULT_FORMATS,
    not_acceptable,
    term_json,
)
from kg.vocab import BUILD_GRAPH, PREFIXES

_WORKER_STACK = 512 * 1024 * 1024
"""Stack of the thread that evaluates queries in a worker: pyoxigraph recurses on
the calling thread's stack, and 512 MiB (virtual) moves its crash point from about
3,000 nested levels to well past 10,000."""

WORKER_MEMORY = 4 << 30
"""Address space a query worker may use, in bytes (a runaway ``ORDER BY`` over a cross
product grows by about 100 MB a second; past this the worker dies and is replaced)."""


@dataclass(frozen=True)
class Job:
    """One query on its way to a worker, with what the protocol and ``Accept`` asked for."""

    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    has_dataset: bool
    results_format: str | None
    graph_format: str | None
    max_results: int


class Reply(NamedTuple):
    """A worker's answer: the HTTP status, media type and body to send."""

    status: int
    content_type: str
    body: bytes


def text_reply(status: int, message: str) -> Reply:
    """A plain-text answer (errors and refusals).

    >>> text_reply(422, "too many rows").body
    b'too many rows\\n'
    """
    return Reply(status, "text/plain; charset=utf-8", (message + "\n").encode())


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


def too_many(limit: int, what: str) -> Reply:
    return text_reply(
        422,
        f"the result has more than {limit:,} {what} (the server's --max-results); "
        "add a LIMIT or narrow the pattern",
    )


def _solutions(result: ox.QuerySolutions, job: Job) -> Reply:
    if job.results_format is None:
        return text_reply(406, not_acceptable("SELECT", RESULT_FORMATS))
    names = [v.value for v in result.variables]
    rows = list(islice(result, job.max_results + 1))
    if len(rows) > job.max_results:
        return too_many(job.max_results, "rows")
    # Counting consumes pyoxigraph's iterator, so the rows are rebuilt as SPARQL
    # JSON: the answer itself when JSON was asked for (most clients), else handed
    # back to pyoxigraph, whose serializers write the other formats.
    doc = {
        "head": {"vars": names},
        "results": {
            "bindings": [
                {n: term_json(row[n]) for n in names if row[n] is not None} for row in rows
            ]
        },
    }
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    fmt = OX_RESULTS[job.results_format]
    if fmt == ox.QueryResultsFormat.JSON:
        return Reply(200, fmt.media_type, body)
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return Reply(200, fmt.media_type, parsed.serialize(format=fmt) or b"")


def _execute(view: _StoreView, job: Job) -> Reply:
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
        return text_reply(400, f"default-graph-uri / named-graph-uri must be absolute IRIs: {err}")
    try:
        # kg's prefixes, as the CLI and the API predefine them: one dialect everywhere
        result = view.store.query(job.query, prefixes=dict(PREFIXES), **kwargs)
        if isinstance(result, ox.QueryBoolean):
            if job.results_format is None:
                return text_reply(406, not_acceptable("ASK", RESULT_FORMATS))
            fmt = OX_RESULTS[job.results_format]
            return Reply(200, fmt.media_type, result.serialize(format=fmt) or b"")
        if isinstance(result, ox.QuerySolutions):
            return _solutions(result, job)
        if job.graph_format is None:
            return text_reply(406, not_acceptable("CONSTRUCT/DESCRIBE", GRAPH_FORMATS))
        triples = list(islice(result, job.max_results + 1))
        if len(triples) > job.max_results:
            return too_many(job.max_results, "triples")
        rdf = OX_RDF[job.graph_format]
        return Reply(200, rdf.media_type, ox.serialize(triples, format=rdf) or b"")
    except SyntaxError as err:
        return text_reply(400, f"malformed query: {err}")
    except (OSError, RuntimeError, ValueError) as err:
        return text_reply(500, f"query evaluation failed: {err}")


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
            reply = text_reply(500, f"query evaluation failed: {type(err).__name__}: {err}")
        conn.send(reply)


def worker_main(conn: Connection, store_path: str, memory: int | None) -> None:
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
