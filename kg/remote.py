"""Talking to external SPARQL stores (Oxigraph server, Fuseki, GraphDB, Virtuoso...).

Reading goes through the SPARQL 1.1 Protocol; writing replaces one named graph
at a time, through the Graph Store HTTP Protocol (``PUT ?graph=``) when the
store has one, else through SPARQL 1.1 Update. Only the standard library is
used for HTTP, so kg needs no extra dependency to reach a remote store.

>>> insert_data("http://example.org/g", b'<http://a.org/s> <http://a.org/p> "o" .\\n')
'DROP SILENT GRAPH <http://example.org/g> ;\\nINSERT DATA { GRAPH <http://example.org/g> {\\n<http://a.org/s> <http://a.org/p> "o" .\\n} }'
"""

from __future__ import annotations

import io
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Graph
from rdflib.query import Result

from kg.errors import QueryError
from kg.query import QueryResult, with_prefixes

__all__ = [
    "drop_graph",
    "insert_data",
    "push_quads",
    "query_endpoint",
    "replace_graph",
]

_RESULTS_JSON = "application/sparql-results+json"
_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "application/n-triples;q=0.8, text/turtle;q=0.7, application/rdf+xml;q=0.5"
)
_RESULT_PARSERS = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
_GRAPH_PARSERS = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
}
# what an IRI written between <> in SPARQL may contain
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*")


def _check_iri(iri: str) -> str:
    if not _IRI.fullmatch(iri):
        raise QueryError(f"{iri!r} is not an absolute IRI; a graph name must be one")
    return iri


def _request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    what: str = "--endpoint",
) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content_type = response.headers.get("Content-Type", "")
            return response.status, content_type, response.read()
    except urllib.error.HTTPError as err:
        detail = err.read().decode("utf-8", "replace").strip()[:500]
        raise QueryError(
            f"the SPARQL store at {url} answered {err.code} {err.reason}"
            + (f": {detail}" if detail else "")
        ) from err
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise QueryError(
                f"the SPARQL store at {url} did not answer within {timeout:g} s; "
                "check it is running, or raise the timeout"
            ) from err
        if isinstance(reason, ConnectionRefusedError):
            raise QueryError(
                f"no SPARQL endpoint answers at {url}; start it or check {what}"
            ) from err
        raise QueryError(f"cannot reach the SPARQL store at {url}: {reason}; check {what}") from err
    except TimeoutError as err:
        raise QueryError(
            f"the SPARQL store at {url} did not answer within {timeout:g} s; "
            "check it is running, or raise the timeout"
        ) from err
    except (ConnectionError, OSError) as err:
        raise QueryError(f"cannot reach the SPARQL store at {url}: {err}; check {what}") from err
    except ValueError as err:  # urllib rejects URLs without a scheme
        raise QueryError(f"{url!r} is not an http(s) URL; check {what}") from err


def query_endpoint(url: str, query: str, *, timeout: float = 30) -> QueryResult:
    """Run a query on a SPARQL 1.1 Protocol endpoint (POST, form-encoded).

    Args:
        url: the query endpoint, e.g. ``http://localhost:7878/query`` (Oxigraph) or
            ``http://localhost:3030/ds/sparql`` (Fuseki).
        query: SPARQL text; any query form. kg's prefixes (``foaf:``, ``skos:``...)
            it uses without declaring them are declared for it.
        timeout: seconds to wait for the answer.

    Returns:
        An rdflib ``Result``, as ``KnowledgeGraph.query`` gives: ``type`` is
        ``SELECT`` (``vars``, rows by iteration or ``bindings``), ``ASK``
        (``askAnswer``) or ``CONSTRUCT`` (also for ``DESCRIBE``; ``graph``, and
        triples by iteration).

    Raises:
        QueryError: the endpoint is unreachable, refused the query (its message is
            kept), or answered in a format kg cannot read.

    >>> query_endpoint("http://127.0.0.1:9/sparql", "ASK {}", timeout=2)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: no SPARQL endpoint answers at http://127.0.0.1:9/sparql; start it or check --endpoint
    """
    # kg's prefixes are declared in the text: the store may predefine none of them
    body = urllib.parse.urlencode({"query": with_prefixes(query)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": _ACCEPT}
    _, content_type, payload = _request(
        url, method="POST", data=body, headers=headers, timeout=timeout
    )
    media = content_type.split(";")[0].strip().lower()
    try:
        if media in _RESULT_PARSERS:
            return QueryResult.of(Result.parse(io.BytesIO(payload), format=_RESULT_PARSERS[media]))
        if media in _GRAPH_PARSERS:
            result = QueryResult("CONSTRUCT")
            # N-Triples, Turtle and RDF/XML fetch nothing while parsing (unlike JSON-LD)
            result.graph = Graph().parse(data=payload, format=_GRAPH_PARSERS[media])
            return result
    except Exception as err:  # noqa: BLE001 - any parser failure means the same to the caller
        raise QueryError(f"cannot read the answer of {url} ({media}): {err}") from err
    raise QueryError(
        f"the SPARQL store at {url} answered {media or 'no Content-Type'}, "
        "which is not a SPARQL results or RDF format kg reads"
    )


def _ntriples(data: bytes, content_type: str) -> bytes:
    media = content_type.split(";")[0].strip().lower()
    if media == "application/n-triples":
        return data
    try:
        fmt = ox.RdfFormat.from_media_type(media)
        if fmt is None:
            raise QueryError(f"cannot convert {content_type} data to a SPARQL update")
        return ox.serialize(ox.parse(data, format=fmt), format=ox.RdfFormat.N_TRIPLES) or b""
    except SyntaxError as err:
        raise QueryError(f"the {content_type} data to push is not valid: {err}") from err


def insert_data(graph_iri: str, ntriples: bytes) -> str:
    """The SPARQL Update that replaces graph ``graph_iri`` by the N-Triples ``ntriples``.

    N-Triples lines are valid triples inside ``INSERT DATA`` (blank nodes included).

    >>> insert_data("not an iri", b"")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: 'not an iri' is not an absolute IRI; a graph name must be one
    """
    graph = _check_iri(graph_iri)
    body = ntriples.decode("utf-8").strip()
    return f"DROP SILENT GRAPH <{graph}> ;\nINSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}"


def _graph_url(graph_store: str, graph_iri: str) -> str:
    sep = "&" if "?" in graph_store else "?"
    return graph_store + sep + urllib.parse.urlencode({"graph": _check_iri(graph_iri)})


def replace_graph(
    endpoint: str,
    graph_iri: str,
    data: bytes,
    *,
    content_type: str = "application/n-triples",
    graph_store: str | None = None,
    timeout: float = 60,
) -> None:
    """Replace one named graph of a remote store with ``data``.

    With ``graph_store``, one ``PUT graph_store?graph=IRI`` (SPARQL 1.1 Graph Store
    HTTP Protocol); else one SPARQL Update request to ``endpoint``:
    ``DROP SILENT GRAPH <g>; INSERT DATA { GRAPH <g> {...} }``, applied atomically
    by stores that run an update request as one transaction (Oxigraph, Fuseki).

    Args:
        endpoint: the update endpoint (``http://localhost:7878/update`` for Oxigraph,
            ``http://localhost:3030/ds/update`` for Fuseki).
        graph_iri: the named graph to replace.
        data: the new content of the graph.
        content_type: media type of ``data``; anything but N-Triples is converted for
            SPARQL Update.
        graph_store: the Graph Store Protocol URL (``.../store``, ``.../ds/data``), if any.
        timeout: seconds to wait for the store.

    Raises:
        QueryError: the store is unreachable or refused the data.

    >>> replace_graph("http://127.0.0.1:9/update", "http://example.org/g", b"", timeout=2)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: no SPARQL endpoint answers at http://127.0.0.1:9/update; start it or check --endpoint
    """
    if graph_store:
        _request(
            _graph_url(graph_store, graph_iri),
            method="PUT",
            data=data,
            headers={"Content-Type": content_type},
            timeout=timeout,
            what="--graph-store",
        )
        return
    update = insert_data(graph_iri, _ntriples(data, content_type))
    _post_update(endpoint, update, timeout)


def _post_update(endpoint: str, update: str, timeout: float) -> None:
    """Send one SPARQL Update request (SPARQL 1.1 Protocol, direct POST)."""
    _request(
        endpoint,
        method="POST",
        data=update.encode("utf-8"),
        headers={"Content-Type": "application/sparql-update"},
        timeout=timeout,
    )


def drop_graph(
    endpoint: str, graph_iri: str, *, graph_store: str | None = None, timeout: float = 60
) -> None:
    """Remove one named graph from a remote store; no error if it is not there.

    Uses ``DELETE graph_store?graph=IRI`` with ``graph_store`` (a 404 is fine),
    else ``DROP SILENT GRAPH <IRI>`` sent to the update ``endpoint``.

    Raises:
        QueryError: the store is unreachable or refused the request.

    >>> drop_graph("http://127.0.0.1:9/update", "http://example.org/g", timeout=2)
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: no SPARQL endpoint answers at http://127.0.0.1:9/update; start it or check --endpoint
    """
    if graph_store:
        try:
            _request(
                _graph_url(graph_store, graph_iri),
                method="DELETE",
                timeout=timeout,
                what="--graph-store",
            )
        except QueryError as err:
            if isinstance(err.__cause__, urllib.error.HTTPError) and err.__cause__.code == 404:
                return
            raise
        return
    update = f"DROP SILENT GRAPH <{_check_iri(graph_iri)}>"
    _post_update(endpoint, update, timeout)


def push_quads(
    quads: Iterable[ox.Quad],
    endpoint: str,
    *,
    graph_store: str | None = None,
    timeout: float = 60,
) -> list[str]:
    """Replace, on a remote store, every named graph that ``quads`` fill (one request each).

    Graphs of the remote store that ``quads`` do not mention are left alone;
    quads in the default graph are skipped (kg puts everything in named graphs).

    Args:
        quads: e.g. every quad of a kg store (``kg.store.named_quads``).
        endpoint: the update endpoint; see :func:`replace_graph`.
        graph_store: the Graph Store Protocol URL, if any.
        timeout: seconds to wait for each request.

    Returns:
        The IRIs of the graphs replaced, sorted.

    Raises:
        QueryError: the store is unreachable or refused a graph.

    >>> push_quads([], "http://127.0.0.1:9/update")
    []
    """
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs[quad.graph_name.value].append(quad.triple)
    for iri in sorted(graphs):
        data = ox.serialize(graphs[iri], format=ox.RdfFormat.N_TRIPLES) or b""
        replace_graph(endpoint, iri, data, graph_store=graph_store, timeout=timeout)
    return sorted(graphs)
