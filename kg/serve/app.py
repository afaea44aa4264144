"""The HTTP side of ``kg serve``: SPARQL 1.1 Protocol at ``/sparql``, the query page at ``/``.

Starlette answers HTTP (run by uvicorn); cheap checks (length, nesting, updates,
``SERVICE``) run here before a query reaches a worker of :mod:`kg.serve.pool`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kg.errors import KGError, QueryError, ReadOnlyQueryError, StoreError
from kg.query import inspect_query
from kg.serve.description import service_description
from kg.serve.formats import GRAPH_FORMATS, RESULT_FORMATS, negotiate, not_acceptable
from kg.serve.page import query_page
from kg.serve.pool import Pool
from kg.serve.worker import WORKER_MEMORY, Job

MAX_BODY = 1_000_000
"""Largest POST body read, in bytes."""


class _Refused(Exception):
    """A request answered with an error status before any evaluation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
    pool: Pool = request.app.state.pool
    try:
        params = await _protocol_params(request)
        if any(key == "update" for key, _ in params):
            raise _Refused(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = [value for key, value in params if key == "query"]
        if not queries and request.method == "GET" and not params:
            return _description(request)
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
            raise _Refused(406, not_acceptable(shape.form, RESULT_FORMATS))
        if shape.form in ("CONSTRUCT", "DESCRIBE") and graph_format is None:
            raise _Refused(406, not_acceptable(shape.form, GRAPH_FORMATS))
        # either protocol parameter replaces the whole default dataset (SPARQL 1.1 Protocol 2.1.4)
        given = bool(defaults or named)
        job = Job(
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


def _description(request: Request) -> Response:
    # SPARQL 1.1 Service Description: GET on the endpoint without a query describes it
    fmt = negotiate(request.headers.get("accept"), GRAPH_FORMATS)
    if fmt is None:
        raise _Refused(406, not_acceptable("service description", GRAPH_FORMATS))
    body = service_description(str(request.url.replace(query="")), fmt.name)
    return Response(body, 200, headers={"Vary": "Accept"}, media_type=fmt.media_type)


async def _page(request: Request) -> Response:
    settings: _Settings = request.app.state.settings
    return query_page(settings.queries_dir, settings.timeout, settings.max_results)


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
        KGError: a limit is out of range.

    >>> create_app(Path("/nonexistent"))
    Traceback (most recent call last):
    ...
    kg.errors.StoreError: no graph in /nonexistent; run kg build first
    """
    if timeout <= 0:
        raise KGError(f"the query time limit must be positive (got {timeout:g}); pass --timeout 10")
    if max_results < 1 or workers < 1:
        raise KGError(
            f"max_results and workers must be at least 1 (got {max_results}, {workers}); "
            "pass --max-results 10000 --workers 2"
        )
    store = _store_path(graph_dir)
    settings = _Settings(
        store,
        timeout,
        max_results,
        Path(__file__).resolve().parents[2] / "queries",
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = Pool(store, workers, timeout, worker_memory)
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
    The other arguments, and what is raised, are :func:`create_app`'s.

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
    # no access log: formatting a line per request cost about as much as answering it
    uvicorn.run(
        app, host=host, port=port, timeout_graceful_shutdown=int(timeout) + 5, access_log=False
    )


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
    except KGError as err:
        parser.exit(2, f"error: {err}\n")
