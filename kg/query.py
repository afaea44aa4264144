"""SPARQL over a kg dataset: safety checks, running, and the standard result formats.

>>> check_query("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
>>> check_query("SELECT * WHERE { SERVICE <http://x.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.QueryError: SERVICE (federated query) is disabled: kg never contacts other hosts
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import pyoxigraph as ox
import rdflib.plugins.sparql
from oxrdflib import OxigraphStore
from rdflib import XSD, BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Identifier, Node

from kg.errors import QueryError, ReadOnlyQueryError
from kg.vocab import PREFIXES

if TYPE_CHECKING:
    import pandas as pd

MAX_QUERY_LENGTH = 100_000
"""Longest query text accepted, in characters."""

MAX_DEPTH = 100
"""Deepest nesting of brackets plus chained unary operators (engines crash on very deep nesting)."""

MAX_OPERATORS = 1_000
"""Most binary operators (||, &&, |, /, UNION) one query may chain (the same crash)."""

FORMATS = ("table", "csv", "tsv", "json")
"""Output formats of :func:`format_result` (the SPARQL 1.1 results formats plus a text table)."""

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_OPERATORS = {"||", "&&", "|", "/"}


def _codepoint(hex_digits: str) -> str:
    value = int(hex_digits, 16)
    return chr(value) if value <= 0x10FFFF else "\ufffd"


# Strings, IRIs and comments are blanked first so that brackets and keywords
# inside them do not count.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|\\[^\n\r]"  # an escape outside strings (PN_LOCAL_ESC: ex:a\#b is no comment)
    r"|#[^\n\r]*",
    re.DOTALL,
)
_TOKEN = re.compile(
    r"(?P<pname>(?:[A-Za-z_][\w\-.]*)?:(?:[\w\-:%]|\.(?=[\w\-:%]))*)"
    r"|(?P<var>[?$]\w+)"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<open>[({\[])"
    r"|(?P<close>[)}\]])"
    r"|(?P<unary>[!^+\-])"
    r"|(?P<op>\|\||&&)"
    r"|(?P<other>\S)"
)
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


class QueryShape(NamedTuple):
    """What :func:`inspect_query` learned without parsing the query for real.

    Attributes:
        form: ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, or ``None`` if not found.
        has_dataset: the query has its own ``FROM`` / ``FROM NAMED`` clause.
    """

    form: str | None
    has_dataset: bool


def inspect_query(
    query: str,
    *,
    max_length: int = MAX_QUERY_LENGTH,
    max_depth: int = MAX_DEPTH,
    prefixes: Mapping[str, str] | None = PREFIXES,
) -> QueryShape:
    """Check a query before evaluation and report its form.

    A lexical scan, not a parse: malformed queries pass and are left to the
    real parser. Refuses what no worker should see: very long or deeply nested
    text, SPARQL Update, and ``SERVICE`` (federation would reach other hosts).

    Args:
        query: the SPARQL text.
        max_length: most characters accepted.
        max_depth: deepest nesting of brackets plus chained unary operators.
        prefixes: the prefixes predefined where the query will run (kg's, by
            default); a prefix neither there nor declared is refused, by name.
            ``None`` skips the check (a remote store may know others).

    Returns:
        The query form and whether it names its own dataset.

    Raises:
        QueryError: the query is refused; the message says why.

    >>> inspect_query("ASK { ?s ?p '(((' }")
    QueryShape(form='ASK', has_dataset=False)
    >>> inspect_query("SELECT * { SERVICE <http://h.org/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: SERVICE (federated query) is disabled: kg never contacts other hosts
    >>> inspect_query("ASK {" + "(" * 500 + ")" * 500 + "}")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: query is nested more than 100 levels deep; simplify it
    >>> inspect_query("SELECT * { ?s owl:sameAs ?o }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: unknown prefix 'owl:'; add this line at the top of the query: PREFIX owl: <http://www.w3.org/2002/07/owl#>
    """
    if len(query) > max_length:
        raise QueryError(
            f"query is too long ({len(query):,} characters; at most {max_length:,} accepted); "
            "shorten it"
        )
    # SPARQL reads \uXXXX escapes before anything else: so must the checks
    query = _CODEPOINT.sub(lambda m: _codepoint(m.group(1) or m.group(2)), query)
    skeleton = _OPAQUE.sub(lambda m: " " * len(m.group()), query)
    depth = deepest = unary_run = operators = 0
    keywords: list[str] = []
    used: list[str] = []
    declared: set[str] = set()
    previous = ""
    for match in _TOKEN.finditer(skeleton):
        kind = match.lastgroup
        if kind == "pname":
            prefix = match.group().split(":", 1)[0]
            if previous == "PREFIX":
                declared.add(prefix)
            elif prefix != "_":  # _:b is a blank node, not a prefixed name
                used.append(prefix)
        previous = match.group().upper() if kind == "word" else ""
        if kind == "unary":
            unary_run += 1
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        if kind != "unary":
            unary_run = 0
        deepest = max(deepest, depth + unary_run)
        if deepest > max_depth:
            raise QueryError(f"query is nested more than {max_depth} levels deep; simplify it")
        if kind == "word":
            keywords.append(match.group().upper())
        if match.group() in _OPERATORS or (kind == "word" and keywords[-1] == "UNION"):
            operators += 1
            if operators > MAX_OPERATORS:
                raise QueryError(
                    f"query chains more than {MAX_OPERATORS} operators (||, &&, |, /, UNION); simplify it"
                )
    leading = [k for k in keywords if k not in ("BASE", "PREFIX")]
    if leading and leading[0] in _UPDATES:
        raise ReadOnlyQueryError(
            f"SPARQL Update ({leading[0]}) is refused: kg queries are read-only; "
            "change the graph with kg add / kg remove"
        )
    if "SERVICE" in keywords:
        raise QueryError("SERVICE (federated query) is disabled: kg never contacts other hosts")
    if prefixes is not None:
        for prefix in used:
            if prefix not in declared and prefix not in prefixes:
                raise QueryError(_unknown_prefix(prefix, prefixes))
    form = next((k for k in keywords if k in _FORMS), None)
    return QueryShape(form, "FROM" in keywords)


def _unknown_prefix(prefix: str, predefined: Mapping[str, str]) -> str:
    from rdflib import Graph

    # rdflib's table of well-known vocabularies (owl, dc, sh, dcat...) names the IRI
    known = {p: str(ns) for p, ns in Graph(bind_namespaces="rdflib").namespaces()}
    line = f"PREFIX {prefix}: <{known.get(prefix, 'NAMESPACE-IRI')}>"
    message = f"unknown prefix '{prefix}:'; add this line at the top of the query: {line}"
    if prefix not in known:
        message += f" (kg predefines {', '.join(p + ':' for p in predefined)})"
    return message


def used_prefixes(query: str) -> list[str]:
    """kg's prefixes that ``query`` uses without declaring them, in the order of :data:`PREFIXES`.

    >>> used_prefixes("PREFIX skos: <http://x.org/> SELECT * { ?s skos:a ?o ; foaf:name 'x:y' }")
    ['foaf']
    """
    query = _CODEPOINT.sub(lambda m: _codepoint(m.group(1) or m.group(2)), query)
    skeleton = _OPAQUE.sub(lambda m: " " * len(m.group()), query)
    declared: set[str] = set()
    used: set[str] = set()
    previous = ""
    for match in _TOKEN.finditer(skeleton):
        if match.lastgroup == "pname":
            prefix = match.group().split(":", 1)[0]
            (declared if previous == "PREFIX" else used).add(prefix)
        previous = match.group().upper() if match.lastgroup == "word" else ""
    return [p for p in PREFIXES if p in used and p not in declared]


def with_prefixes(query: str) -> str:
    """``query`` with a ``PREFIX`` line for each of kg's prefixes it uses but does not declare.

    For stores that predefine nothing (``kg query --endpoint``), so a query
    runs there as it does on a graph directory.

    >>> print(with_prefixes("ASK { ?s a foaf:Person }"))
    PREFIX foaf: <http://xmlns.com/foaf/0.1/>
    ASK { ?s a foaf:Person }
    """
    lines = [f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used_prefixes(query)]
    return "".join(lines) + query


def check_query(query: str) -> None:
    """Refuse, before evaluation, what must never run: updates, SERVICE, hostile size or nesting.

    Raises:
        QueryError: with a message that says why.
    """
    inspect_query(query)


class QueryResult(Result):
    """An rdflib ``Result`` (rows by iteration, ``vars``, ``askAnswer``, ``graph``) that
    also converts to a pandas ``DataFrame``.

    >>> from kg.store import open_dataset
    >>> r = run_query(open_dataset(None), "SELECT ?x WHERE { VALUES ?x { 1 2 } }")
    >>> r.to_dataframe()["x"].tolist()
    [1, 2]
    """

    def to_dataframe(self) -> pd.DataFrame:
        """The result as a DataFrame with typed columns (:func:`kg.notebook.to_dataframe`)."""
        from kg.notebook import to_dataframe

        return to_dataframe(self)

    @classmethod
    def of(cls, result: Result) -> QueryResult:
        """The same result as a :class:`QueryResult` (its rows are read now)."""
        if isinstance(result, cls):
            return result
        out = cls(result.type)
        out.vars = result.vars
        out.askAnswer = result.askAnswer
        out.graph = result.graph
        if result.type == "SELECT":
            out.bindings = list(result.bindings)
        return out


def run_query(ds: Dataset, query: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
    """Run a SPARQL 1.1 query with kg's prefixes; values in ``bindings`` are bound, not pasted.

    >>> from kg.store import open_dataset
    >>> r = run_query(open_dataset(None), "ASK { ?s ?p ?o }")
    >>> r.askAnswer
    False
    """
    check_query(query)
    init = {k.lstrip("?$"): _as_term(v) for k, v in (bindings or {}).items()}
    if init:
        _check_variables(query, init)
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never dereference FROM <iri>
    if init and isinstance(ds.store, OxigraphStore):
        # Oxigraph substitutes only projected variables; a VALUES block binds any
        query, init = with_values(query, init), {}
    try:
        inner = ds.store._inner if isinstance(ds.store, OxigraphStore) else None
        if inner is not None and not init:
            return _oxigraph_query(ds, inner, query)
        # rows are read here, so an engine error during evaluation is a QueryError too
        return QueryResult.of(ds.query(query, initNs=PREFIXES, initBindings=init))
    except RecursionError as err:
        raise QueryError("query is nested too deeply; simplify it") from err
    except Exception as err:  # the engines raise SyntaxError, ParseException, ValueError...
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise QueryError(f"SPARQL error: {message}") from err


def _check_variables(query: str, names: Mapping[str, Any]) -> None:
    # a misspelt name would bind nothing and change nothing: say so
    skeleton = _OPAQUE.sub(lambda m: " " * len(m.group()), query)
    found = sorted({m.group()[1:] for m in _TOKEN.finditer(skeleton) if m.lastgroup == "var"})
    for name in sorted(names):
        if name not in found:
            have = ", ".join("?" + v for v in found) or "none"
            raise QueryError(f"cannot bind ?{name}: the query has no such variable (it has {have})")


def parse_binding(text: str) -> tuple[str, Identifier]:
    """``NAME=VALUE`` (as ``kg query --bind`` takes it) → the variable and its RDF term.

    ``<...>`` is an IRI; anything else is a plain string literal, taken as it is
    (quotes, braces and newlines included): it is never pasted into the query.

    >>> parse_binding('entity=State Council "SC"')
    ('entity', rdflib.term.Literal('State Council "SC"'))
    >>> parse_binding("?e=<https://w3id.org/policy-kg/id/x>")
    ('e', rdflib.term.URIRef('https://w3id.org/policy-kg/id/x'))
    >>> parse_binding("State Council")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: --bind takes NAME=VALUE (e.g. --bind entity="State Council"), not 'State Council'
    """
    name, sep, value = text.partition("=")
    name = name.strip().lstrip("?$")
    if not sep or not re.fullmatch(r"\w+", name):
        raise QueryError(
            f'--bind takes NAME=VALUE (e.g. --bind entity="State Council"), not {text!r}'
        )
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
        if not iri or _UNSAFE_IRI.search(iri):
            raise QueryError(f"cannot bind ?{name}: {value!r} is not a valid IRI")
        return name, URIRef(iri)
    return name, Literal(value)


def _oxigraph_query(ds: Dataset, inner: ox.Store, query: str) -> QueryResult:
    """What ``ds.query`` gives on oxrdflib's store, with fewer Python objects per row.

    Each distinct term is converted once per result (labels, types and documents
    repeat across rows): on a few thousand rows oxrdflib's cell-by-cell
    conversion cost as much as the query itself. Rows are read here, so an
    engine error during evaluation is raised here too.
    """
    prefixes = {prefix: str(namespace) for prefix, namespace in ds.namespaces()}
    prefixes.update(PREFIXES)
    union = bool(ds.default_union)
    result = inner.query(
        query,
        use_default_graph_as_union=union,
        default_graph=None if union else ox.DefaultGraph(),
        prefixes=prefixes,
    )
    if isinstance(result, ox.QueryBoolean):
        out = QueryResult("ASK")
        out.askAnswer = bool(result)
    elif isinstance(result, ox.QuerySolutions):
        out = QueryResult("SELECT")
        names = [Variable(v.value) for v in result.variables]
        out.vars = names
        out.bindings = list(_bindings(result, names))
    elif isinstance(result, ox.QueryTriples):
        out = QueryResult("CONSTRUCT")
        out.graph = Graph()
        convert = _converter()
        out.graph += ((convert(t.subject), convert(t.predicate), convert(t.object)) for t in result)
    else:  # pragma: no cover - pyoxigraph has no other result kind
        raise QueryError(f"unexpected query result: {result!r}")
    return out


def _bindings(
    solutions: ox.QuerySolutions, names: list[Variable]
) -> Iterator[dict[Variable, Identifier]]:
    convert = _converter()
    width = range(len(names))
    for solution in solutions:
        row = {}
        for i in width:
            term = solution[i]
            if term is not None:
                row[names[i]] = convert(term)
        yield row


def _converter() -> Callable[[Any], Any]:
    """Oxigraph term → rdflib term, as oxrdflib converts it, remembering each distinct term."""
    seen: dict[Any, Any] = {}
    datatypes: dict[str, URIRef] = {}

    def convert(term: Any) -> Any:
        try:
            return seen[term]
        except KeyError:
            pass
        if isinstance(term, ox.NamedNode):
            out: Any = URIRef(term.value)
        elif isinstance(term, ox.Literal):
            if term.language:
                out = Literal(term.value, lang=term.language)
            else:
                iri = term.datatype.value
                datatype = datatypes.get(iri)
                if datatype is None:
                    datatype = datatypes[iri] = URIRef(iri)
                out = Literal(term.value, datatype=datatype)
        elif isinstance(term, ox.BlankNode):
            out = BNode(term.value)
        elif isinstance(term, ox.Triple):
            out = (convert(term.subject), convert(term.predicate), convert(term.object))
        else:  # pragma: no cover
            raise QueryError(f"unexpected term in a query result: {term!r}")
        seen[term] = out
        return out

    return convert


_UNSAFE_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')


def with_values(query: str, bindings: Mapping[str, Identifier]) -> str:
    """The query with ``bindings`` joined as a ``VALUES`` block at the top of its WHERE clause.

    The values are written by rdflib's term serializer (``Literal.n3()``), so
    any text stays a literal; IRIs with characters an IRI cannot hold are refused.

    >>> print(with_values("SELECT ?e WHERE { ?e ?p ?name }", {"name": Literal('Li "K"')}))
    SELECT ?e WHERE { VALUES (?name) { ("Li \\"K\\"") } ?e ?p ?name }
    """
    names = sorted(bindings)
    for name in names:
        if not re.fullmatch(r"\w+", name):
            raise QueryError(f"cannot bind {name!r}: not a SPARQL variable name")
    _check_variables(query, bindings)
    cells = []
    for name in names:
        term = bindings[name]
        if isinstance(term, BNode):
            raise QueryError(f"cannot bind ?{name} to a blank node")
        if isinstance(term, URIRef) and _UNSAFE_IRI.search(str(term)):
            raise QueryError(f"cannot bind ?{name}: {str(term)!r} is not a valid IRI")
        cells.append(term.n3())
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(cells)}) }}"
    skeleton = _OPAQUE.sub(lambda m: " " * len(m.group()), query)
    tokens = [(m.lastgroup, m.group().upper(), m.end()) for m in _TOKEN.finditer(skeleton)]
    where = next((i for i, t in enumerate(tokens) if t[0] == "word" and t[1] == "WHERE"), None)
    opens = [i for i, t in enumerate(tokens) if t[1] == "{"]
    if where is not None:
        brace = next((i for i in opens if i > where), None)
    else:
        form = next((t[1] for t in tokens if t[1] in _FORMS), None)
        brace = (
            opens[1] if form == "CONSTRUCT" and len(opens) > 1 else (opens[0] if opens else None)
        )
    if brace is None:
        raise QueryError("bindings need a query with a WHERE clause")
    at = tokens[brace][2]
    return query[:at] + block + query[at:]


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
    """A text table; a value longer than ``width`` wraps onto more lines, never cut.

    >>> print(_table(["id", "sentence"], [["d1", "The State Council decided to act."]], width=12))
    id  sentence
    --  ------------
    d1  The State
        Council
        decided to
        act.
    (1 row)
    """
    widths = [
        min(max([len(n)] + [len(r[i]) for r in rows]), max(width, len(n)))
        for i, n in enumerate(names)
    ]
    out = [
        "  ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        cells = [_wrap(c, w) for c, w in zip(row, widths)]
        for i in range(max(len(c) for c in cells) if cells else 1):
            parts = [(c[i] if i < len(c) else "").ljust(w) for c, w in zip(cells, widths)]
            out.append("  ".join(parts).rstrip())
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    # words first; a word longer than the column (an IRI) is split, never dropped
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]
