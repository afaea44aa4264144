"""SPARQL over a kg dataset: safety checks, running, and the standard result formats.

>>> check_query("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
>>> check_query("SELECT * WHERE { SERVICE <http://x.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.QueryError: SERVICE is not allowed: kg queries never reach other hosts
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from typing import Any

import rdflib.plugins.sparql
from rdflib import XSD, BNode, Dataset, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Identifier, Node

from kg.errors import QueryError
from kg.vocab import PREFIXES

MAX_DEPTH = 64
"""Deepest bracket nesting a query may have (engines crash on very deep nesting)."""

MAX_LENGTH = 1_000_000
"""Longest query text accepted, in characters."""

FORMATS = ("table", "csv", "tsv", "json")
"""Output formats of :func:`format_result` (the SPARQL 1.1 results formats plus a text table)."""

# strings, IRIs and comments are skipped when looking for keywords and brackets
_LEXEME = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|'
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|"
    r'"(?:[^"\\\n]|\\.)*"|'
    r"'(?:[^'\\\n]|\\.)*'|"
    r"<[^<>\"{}|^`\\\s]*>|#[^\n]*|[?$][\w]+|[\w:.-]+|[(){}\[\]]|\S",
    re.UNICODE,
)
_FORBIDDEN = {"SERVICE": "SERVICE", "LOAD": "LOAD"}
_UPDATE = {"INSERT", "DELETE", "DROP", "CLEAR", "CREATE", "COPY", "MOVE", "ADD"}


def check_query(query: str, *, max_depth: int = MAX_DEPTH) -> None:
    """Reject what must never be evaluated: remote access, updates, absurd nesting or size.

    Raises:
        QueryError: with a message that says why.
    """
    if len(query) > MAX_LENGTH:
        raise QueryError(f"query is too long ({len(query):,} characters; at most {MAX_LENGTH:,})")
    depth = 0
    for lexeme in _LEXEME.findall(query):
        if lexeme in "({[":
            depth += 1
            if depth > max_depth:
                raise QueryError(f"query is nested too deeply (more than {max_depth} levels)")
        elif lexeme in ")}]":
            depth -= 1
        else:
            word = lexeme.upper()
            if word in _FORBIDDEN:
                raise QueryError(f"{word} is not allowed: kg queries never reach other hosts")
            if word in _UPDATE and depth == 0:
                raise QueryError(
                    f"{word} is an update; kg query is read-only (use kg add / kg remove to change a graph)"
                )


def run_query(ds: Dataset, query: str, bindings: Mapping[str, Any] | None = None) -> Result:
    """Run a SPARQL 1.1 query with kg's prefixes; values in ``bindings`` are bound, not pasted.

    >>> from kg.store import open_dataset
    >>> r = run_query(open_dataset(None), "ASK { ?s ?p ?o }")
    >>> r.askAnswer
    False
    """
    check_query(query)
    init = {k: _as_term(v) for k, v in (bindings or {}).items()}
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never dereference FROM <iri>
    try:
        return ds.query(query, initNs=PREFIXES, initBindings=init)
    except RecursionError as err:
        raise QueryError("query is nested too deeply") from err
    except Exception as err:  # the engines raise SyntaxError, ParseException, ValueError...
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise QueryError(f"SPARQL error: {message}") from err


def _as_term(value: Any) -> Identifier:
    if isinstance(value, (URIRef, Literal, BNode)):
        return value
    return Literal(value)


def _cell(term: Node | None) -> str:
    return "" if term is None else str(term)


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype != XSD.string:
        out["datatype"] = str(term.datatype)
    return out


def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        term = Literal(str(term))  # RDF 1.1: a simple literal is an xsd:string
    return term.n3()


def format_result(result: Result, fmt: str = "table") -> str:
    """Text of a query result: a table, or SPARQL 1.1 CSV / TSV / JSON results.

    CONSTRUCT and DESCRIBE results come out as N-Triples whatever ``fmt`` says.
    """
    if fmt not in FORMATS:
        raise QueryError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")
    if result.type == "ASK":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.askAnswer)})
        return "true" if result.askAnswer else "false"
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return result.graph.serialize(format="nt")
    names = [str(v) for v in (result.vars or [])]
    rows = [[row.get(v) for v in (result.vars or [])] for row in result.bindings]
    if fmt == "json":
        return json.dumps(
            {
                "head": {"vars": names},
                "results": {
                    "bindings": [
                        {n: _json_term(t) for n, t in zip(names, row) if t is not None}
                        for row in rows
                    ]
                },
            },
            ensure_ascii=False,
            indent=1,
        )
    if fmt == "tsv":
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
        return "\n".join(lines)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([[_cell(t) for t in row] for row in rows])
        return buffer.getvalue()
    return _table(names, [[_short(t) for t in row] for row in rows])


def _short(term: Node | None) -> str:
    text = _cell(term)
    for prefix, namespace in PREFIXES.items():
        if isinstance(term, URIRef) and text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return " ".join(text.split())


def _table(names: list[str], rows: list[list[str]], width: int = 60) -> str:
    clipped = [[c if len(c) <= width else c[: width - 1] + "…" for c in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in clipped]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in clipped]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
