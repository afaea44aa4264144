"""SHACL validation of a kg graph against ``ontology/shapes.ttl`` (pySHACL), piece by piece.

The shapes are checked against the union of the document graphs, as one graph
would be, but in small pieces that pySHACL can check quickly and that can be
remembered between runs:

- **one piece per document**: the nodes the document owns (its own IRI and the
  IRIs under it: mentions, sentences, relation assertions, facts), checked on
  the document's triples plus the types, from every document, of the entities it
  points to;
- **one piece per entity** (any node that documents share): checked on the
  union's triples about it, the types of what they point to, and, for each of
  its triples, one relation assertion of that triple if any document has one.

Every node is checked in exactly one piece, with every triple its shapes read, so
the results are those of the whole union. Checking the union at once costs time
quadratic in the number of relation assertions (pySHACL's SPARQL constraint
scans all of them for every relation); the pieces keep that cost per document.

A piece's report depends only on its triples, so :func:`validate_dataset` with
``cache`` keeps each piece's report under a hash of its triples (and of the
shapes, kg and pySHACL): a second run re-checks only the documents and entities
whose triples changed. It also keeps, under a hash of each document graph's
N-Triples, what that graph gives the other pieces (its triples about nodes it does
not own, the triples its relation assertions assert, the nodes it names): a graph
that did not change is read (Oxigraph writes it) but not split into triples again,
and its piece is keyed by that hash and the types of the shared nodes it names.

>>> from kg.store import open_dataset
>>> report = validate_dataset(open_dataset(None))
>>> report.conforms
True
>>> report.raise_for_violations()
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyshacl import validate
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import SH
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg.config import VERSION
from kg.errors import ValidationError
from kg.fileio import atomic_path
from kg.rdf import DOC_PREFIX
from kg.vocab import ONTOLOGY_DIR

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"

CACHE_FILE = "validation-cache.json"
"""The file in a graph directory where ``kg validate`` keeps the reports of its pieces."""

_RESULT_HEAD = re.compile(r"^[A-Z][A-Za-z ]* in \S+ \(\S+\):$")
"""The first line of a result in pySHACL's text ("Constraint Violation in X (iri):")."""
_TYPE = f"<{RDF.type}>"
_ASSERTION_LINKS = tuple(f"<{RDF[p]}>" for p in ("subject", "predicate", "object"))


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a SHACL check.

    Attributes:
        conforms: True when no shape is violated.
        violations: How many validation results there are.
        text: pySHACL's readable report.
        graph: The SHACL results graph (``sh:ValidationReport``).
    """

    conforms: bool
    violations: int
    text: str
    graph: Graph

    def raise_for_violations(self) -> None:
        """Raise :class:`kg.errors.ValidationError` unless the graph conforms."""
        if not self.conforms:
            raise ValidationError(
                f"the graph breaks its SHACL shapes ({self.violations} violations):\n{self.text}"
            )


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@lru_cache(maxsize=64)
def _prepared(text: str, base: str | None, namespaces: frozenset[tuple[str, Any]]) -> Query:
    query = translateQuery(parseQuery(text), base, dict(namespaces))
    _order_exists(query.algebra)
    return query


def _variables(node: object, skip: object = None) -> set[Variable]:
    if node is skip:
        return set()
    if isinstance(node, Variable):
        return {node}
    if isinstance(node, dict):
        node = [v for k, v in node.items() if k != "_vars"]
    if isinstance(node, (list, tuple)):
        return {v for x in node for v in _variables(x, skip)}
    return set()


def _order_exists(algebra: CompValue) -> None:
    """Order the triple patterns of each (NOT) EXISTS so that those reaching a variable
    bound outside it come before a bare type test: rdflib orders them when it reads
    the query, not knowing that ``$this`` and the outer variables will be bound, and
    starts with ``?a a kgo:RelationAssertion``, scanning every assertion for every
    value. The order of a pattern's triples does not change its solutions."""

    def exists(node: object) -> Iterator[CompValue]:
        if isinstance(node, CompValue) and node.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            yield node
        elif isinstance(node, dict):
            for key, value in node.items():
                if key != "_vars":
                    yield from exists(value)
        elif isinstance(node, (list, tuple)):
            for x in node:
                yield from exists(x)

    def bgps(node: object) -> Iterator[CompValue]:
        if isinstance(node, CompValue) and node.name == "BGP":
            yield node
        elif isinstance(node, dict):
            for key, value in node.items():
                if key != "_vars":
                    yield from bgps(value)
        elif isinstance(node, (list, tuple)):
            for x in node:
                yield from bgps(x)

    for found in list(exists(algebra)):
        known = _variables(algebra, skip=found)
        for bgp in bgps(found.graph):
            ordered, todo = [], list(bgp.triples)
            while todo:
                best = min(
                    range(len(todo)),
                    key=lambda i: (
                        sum(isinstance(t, Variable) and t not in known for t in todo[i]),
                        -sum(isinstance(t, Variable) and t in known for t in todo[i]),
                        i,
                    ),
                )
                triple = todo.pop(best)
                ordered.append(triple)
                known |= {t for t in triple if isinstance(t, Variable)}
            bgp["triples"] = ordered


@contextlib.contextmanager
def _prepared_queries() -> Iterator[None]:
    """Parse each SPARQL query text once: pySHACL writes its SPARQL constraint again for
    each focus node and rdflib parses it every time (pyparsing: tens of ms each)."""
    query = SPARQLProcessor.query

    def prepared(
        self: SPARQLProcessor,
        text: str | Query,
        initBindings: Any = None,  # noqa: N803 (rdflib's names)
        initNs: Any = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Any:
        if isinstance(text, str):
            text = _prepared(text, base, frozenset((initNs or {}).items()))
        return query(self, text, initBindings, initNs, base, DEBUG)

    SPARQLProcessor.query = prepared  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        SPARQLProcessor.query = query  # type: ignore[method-assign]


def validate_graph(data: Graph) -> ValidationReport:
    """Validate one rdflib graph against kg's shapes."""
    with _prepared_queries():
        conforms, results, text = validate(
            data,
            shacl_graph=_shapes(),
            inference="none",
            advanced=False,  # kg's shapes use no SHACL-AF; advanced mode would copy ``data``
            allow_warnings=True,
        )
    assert isinstance(results, Graph)
    count = len(set(results.subjects(RDF.type, SH.ValidationResult)))
    return ValidationReport(bool(conforms), count, str(text), results)


# ---- the pieces -------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """Triples to check (N-Triples lines, sorted) and the nodes whose shapes are checked."""

    name: str
    lines: tuple[str, ...]
    focus: tuple[str, ...]
    blanks: bool = False
    """Whether the piece's blank nodes are its own (rdflib renames them when parsing)."""

    @property
    def key(self) -> str:
        text = "\n".join((*self.focus, "", *self.lines))
        return hashlib.sha256(text.encode()).hexdigest()


def _document_texts(ds: Dataset) -> dict[str, bytes]:
    """Each document graph's triples in N-Triples (written by Oxigraph: fast)."""
    from kg.store import named_quads, oxigraph_store

    inner = oxigraph_store(ds)
    texts: dict[str, bytes] = {}
    if inner is not None:
        for name in inner.named_graphs():
            if isinstance(name, ox.NamedNode) and name.value.startswith(DOC_PREFIX):
                texts[name.value] = (
                    inner.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name) or b""
                )
        return texts
    triples: dict[str, list[ox.Triple]] = {}
    for quad in named_quads(ds):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value.startswith(DOC_PREFIX):
            triples.setdefault(graph.value, []).append(quad.triple)
    for doc, ts in triples.items():
        texts[doc] = ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES) or b""
    return texts


def _document_graphs(ds: Dataset) -> dict[str, list[str]]:
    """Each document graph's triples as N-Triples lines."""
    return {doc: _lines(text) for doc, text in _document_texts(ds).items()}


def _lines(ntriples: bytes) -> list[str]:
    # not str.splitlines: U+2028 or U+0085 inside a literal is written as it is
    return [line for line in ntriples.decode().split("\n") if line]


def _split(line: str) -> tuple[str, str, str]:
    # N-Triples: subject and predicate hold no space; the object runs to the final " ."
    subject, predicate, rest = line.split(" ", 2)
    return subject, predicate, rest[: rest.rindex(" .")] if rest.endswith(".") else rest


def _owner(doc: str) -> Callable[[str], bool]:
    """Whether a node (N-Triples) is the document's own: its IRI or an IRI under it
    (``doc#char=0,5``...), or a blank node (it never leaves the graph that states it)."""
    own, under = f"<{doc}>", f"<{doc}#"
    return lambda node: node.startswith(("_:", under)) or node == own


_Triple = tuple[str, str, str, str]
"""An N-Triples line and its subject, predicate and object."""


@dataclass
class _Index:
    """What the pieces read across documents: the shared nodes, their triples and types,
    and the relation assertions (``rdf:subject``/``predicate``/``object`` of each node)."""

    shared: set[str]
    types: dict[str, set[str]]
    about: dict[str, set[_Triple]]
    links: dict[str, dict[str, set[str]]]

    def types_of(self, nodes: Iterable[str]) -> set[str]:
        return {line for n in nodes if n in self.shared for line in self.types.get(n, ())}


def _index(split: dict[str, list[_Triple]]) -> _Index:
    shared: set[str] = set()
    for doc, triples in split.items():
        owned = _owner(doc)
        shared.update(s for _, s, _, _ in triples if not owned(s))
    types: dict[str, set[str]] = defaultdict(set)
    about: dict[str, set[_Triple]] = defaultdict(set)
    links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for triples in split.values():
        for t in triples:
            _, s, p, o = t
            if p == _TYPE:
                types[s].add(t[0])
            if s in shared:
                about[s].add(t)
            if p in _ASSERTION_LINKS:
                links[s][p].add(o)
    return _Index(shared, types, about, links)


def _document_piece(doc: str, triples: list[_Triple], index: _Index) -> _Piece:
    lines = {t[0] for t in triples} | index.types_of(n for t in triples for n in (t[1], t[3]))
    owned = _owner(doc)
    focus = {t[1] for t in triples if owned(t[1])}
    blanks = any(n.startswith("_:") for n in focus)
    return _Piece(doc, tuple(sorted(lines)), tuple(sorted(focus)), blanks)


def _asserted(
    links: Mapping[str, Mapping[str, Iterable[str]]], types: Mapping[str, set[str]]
) -> Iterator[tuple[tuple[str, str, str], set[str]]]:
    """Each triple that a node asserts (its links), with the node's types ("p o ." each)."""
    subject, predicate, obj = _ASSERTION_LINKS
    for node, values in links.items():
        kinds = {t.split(" ", 1)[1] for t in types.get(node, ())}
        for s in values[subject]:
            for p in values[predicate]:
                for o in values[obj]:
                    yield (s, p, o), kinds


def _entity_pieces(index: _Index, asserted: Iterable[str] = ()) -> Iterator[_Piece]:
    """The entities' pieces; ``asserted`` adds assertions kept as :attr:`_Summary.asserted`."""
    # one witness of each asserted triple: a blank node with the links and the types of
    # the nodes that assert it; named after the triple, so that another document
    # asserting it again leaves the entity's piece (and its cached report) as it was
    asserting: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for spo, kinds in _asserted(index.links, index.types):
        asserting[spo].update(kinds)
    for entry in asserted:
        s, p, o, *types = entry.split("\n")
        asserting[(s, p, o)].update(types)
    witnesses: dict[tuple[str, str, str], list[str]] = {}
    for spo, kinds in asserting.items():
        blank = "_:w" + hashlib.sha256(" ".join(spo).encode()).hexdigest()[:24]
        stated = [f"{blank} {link} {v} ." for link, v in zip(_ASSERTION_LINKS, spo)]
        witnesses[spo] = [f"{blank} {kind}" for kind in sorted(kinds)] + stated
    for node in sorted(index.shared):
        facts = index.about[node]
        lines = {t[0] for t in facts} | index.types_of(t[3] for t in facts)
        for t in facts:
            lines.update(witnesses.get(t[1:], ()))
        yield _Piece(node, tuple(sorted(lines)), (node,))


def _pieces(graphs: dict[str, list[str]]) -> Iterator[_Piece]:
    split = {doc: [(line, *_split(line)) for line in lines] for doc, lines in graphs.items()}
    index = _index(split)
    for doc in sorted(split):
        yield _document_piece(doc, split[doc], index)
    yield from _entity_pieces(index)


# ---- pieces from what the last run kept of each document ---------------------


@dataclass(frozen=True)
class _Summary:
    """What the pieces read of one document graph besides its own piece: the lines about
    nodes it does not own, its relation assertions (links and types), and the nodes it
    does not own that it names (whose types its piece holds). Kept in the cache under a
    hash of the graph's N-Triples, so that an unchanged graph is not split again."""

    digest: str
    lines: tuple[str, ...]
    refs: tuple[str, ...]
    asserted: tuple[str, ...]
    """The triples asserted by the document's own (named) nodes and their types, one
    string each ("s\\np\\no\\nkind..."): their lines are the document's alone."""


def _summarize(doc: str, digest: str, lines: list[str]) -> _Summary:
    owned = _owner(doc)
    split = [(line, *_split(line)) for line in lines]
    # a node the document owns is stated by no other document (else it is shared, and
    # :func:`_keyed_pieces` splits every graph): what it asserts is known here; blank
    # nodes keep their lines (another graph may hold the same blank node)
    kept: list[str] = []
    links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    types: dict[str, set[str]] = defaultdict(set)
    for line, s, p, o in split:
        if not owned(s) or (s.startswith("_:") and (p == _TYPE or p in _ASSERTION_LINKS)):
            kept.append(line)
        elif p in _ASSERTION_LINKS:
            links[s][p].append(o)
        elif p == _TYPE:
            types[s].add(line)
    asserted = {"\n".join((*spo, *sorted(kinds))) for spo, kinds in _asserted(links, types)}
    refs = {n for _, s, _, o in split for n in (s, o) if n.startswith("<") and not owned(n)}
    return _Summary(digest, tuple(kept), tuple(sorted(refs)), tuple(sorted(asserted)))


def _given(piece: _Piece) -> Callable[[], _Piece]:
    return lambda: piece


def _keyed_pieces(
    texts: dict[str, bytes], known: dict[str, _Summary]
) -> tuple[list[tuple[str, Callable[[], _Piece]]], dict[str, _Summary]] | None:
    """The pieces of :func:`_pieces`, each under a key that determines its triples, built
    only when asked; a document's piece is keyed by its graph's hash and the types of the
    shared nodes it names, so an unchanged graph is never split. ``None`` when a shared
    node is a document's own (then the whole split of :func:`_pieces` is needed)."""
    summaries: dict[str, _Summary] = {}
    for doc, text in texts.items():
        digest = hashlib.sha256(text).hexdigest()
        old = known.get(doc)
        summaries[doc] = (
            old
            if old is not None and old.digest == digest
            else _summarize(doc, digest, _lines(text))
        )
    parts: dict[str, _Triple] = {}  # most lines are in many documents: split each once

    def triple(line: str) -> _Triple:
        t = parts.get(line)
        if t is None:
            t = parts[line] = (line, *_split(line))
        return t

    split = {doc: [triple(line) for line in s.lines] for doc, s in summaries.items()}
    index = _index(split)
    doc_prefix = f"<{DOC_PREFIX}"
    if any(n.startswith(doc_prefix) for n in index.shared):
        return None
    pieces: list[tuple[str, Callable[[], _Piece]]] = []
    for doc in sorted(summaries):
        summary = summaries[doc]
        context = sorted(index.types_of(summary.refs))
        key = hashlib.sha256("\n".join(("document", summary.digest, *context)).encode()).hexdigest()

        def piece(doc: str = doc) -> _Piece:
            triples = [(line, *_split(line)) for line in _lines(texts[doc])]
            return _document_piece(doc, triples, index)

        pieces.append((key, piece))
    asserted = (entry for summary in summaries.values() for entry in summary.asserted)
    for entity in _entity_pieces(index, asserted):
        pieces.append((entity.key, _given(entity)))
    return pieces, summaries


# ---- checking pieces, with the cache ------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    conforms: bool
    violations: int
    blocks: str
    """The report text after its header lines (one block per result)."""
    graph: str
    """The results graph in N-Triples."""


def _closure(source: Graph, node: Node, into: Graph) -> None:
    """Copy ``node``'s triples into ``into``, and those of the blank nodes they reach."""
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for s, p, o in source.triples((n, None, None)):
            into.add((s, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def _blocks(text: str, focus: frozenset[str], blanks: bool) -> str:
    """The result blocks of a pySHACL report text whose focus node is in ``focus``."""
    blocks: list[list[str]] = []
    for line in text.splitlines(keepends=True)[
        3:
    ]:  # after "Validation Report", "Conforms", "Results"
        if _RESULT_HEAD.match(line) or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    marker = "\tFocus Node: "
    kept = []
    for block in blocks:
        node = next((x[len(marker) :].strip() for x in block if x.startswith(marker)), "")
        if node in focus or (blanks and node.startswith("_:")):
            kept.append("".join(block))
    return "".join(kept)


def _check(piece: _Piece) -> _Outcome:
    data = Graph()
    if piece.lines:
        data.parse(data="\n".join(piece.lines) + "\n", format="nt")
    report = validate_graph(data)
    if report.conforms:
        return _Outcome(True, 0, "", "")
    # a piece holds context (the types of what its nodes point to, other
    # documents' entities) that other pieces check: keep its own nodes' results only
    focus = frozenset(piece.focus)
    results = report.graph
    kept = Graph()
    count = 0
    for result in results.subjects(RDF.type, SH.ValidationResult):
        node = results.value(result, SH.focusNode)
        if (
            isinstance(node, URIRef)
            and node.n3() in focus
            or isinstance(node, BNode)
            and piece.blanks
        ):
            _closure(results, result, kept)
            count += 1
    if not count:
        return _Outcome(True, 0, "", "")
    return _Outcome(
        False, count, _blocks(report.text, focus, piece.blanks), kept.serialize(format="nt")
    )


def _fingerprint() -> str:
    shapes = hashlib.sha256(SHAPES_FILE.read_bytes()).hexdigest()
    return f"kg {VERSION}; cache 2; pyshacl {version('pyshacl')}; shapes {shapes}"


def _store_signature(graph_dir: Path) -> list[object]:
    """Names, sizes and times of the store's files: equal means the store was not written."""
    from kg.store import STORE_DIR

    store = graph_dir / STORE_DIR
    try:
        files = sorted([e.name, e.stat().st_size, e.stat().st_mtime_ns] for e in os.scandir(store))
        return [os.stat(store).st_ino, files]  # lists: as read back from the JSON cache
    except OSError:
        return []


def _load_cache(path: Path | None, fingerprint: str) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("fingerprint") != fingerprint:
            return {}
        stored["pieces"] = {key: _Outcome(**value) for key, value in stored["pieces"].items()}
        strings = stored.pop("strings", [])
        stored["documents"] = {
            doc: _Summary(digest, *(tuple(strings[i] for i in part) for part in parts))
            for doc, (digest, *parts) in stored.get("documents", {}).items()
        }
        return dict(stored)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}  # no cache, or one this code cannot read: check everything


def _save_cache(path: Path, stored: dict[str, Any]) -> None:
    stored = {**stored, "pieces": {k: vars(o) for k, o in sorted(stored["pieces"].items())}}
    # the documents' lines and nodes, each once (most are repeated in many documents)
    strings: dict[str, int] = {}
    number = lambda text: strings.setdefault(text, len(strings))  # noqa: E731
    stored["documents"] = {
        doc: [s.digest, *([number(x) for x in part] for part in (s.lines, s.refs, s.asserted))]
        for doc, s in sorted(stored["documents"].items())
    }
    stored["strings"] = list(strings)
    text = json.dumps(stored, separators=(",", ":"))
    with contextlib.suppress(OSError):  # a read-only graph directory only loses the cache
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")


def _merge(outcomes: Sequence[_Outcome]) -> ValidationReport:
    conforms = all(o.conforms for o in outcomes)
    violations = sum(o.violations for o in outcomes)
    graph = Graph()
    graph.bind("sh", SH)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(conforms)))
    for outcome in outcomes:
        if not outcome.graph:
            continue
        part = Graph().parse(data=outcome.graph, format="nt")
        for result in part.subjects(RDF.type, SH.ValidationResult):
            graph.add((report, SH.result, result))
        graph += part
    text = f"Validation Report\nConforms: {conforms}\n"
    if not conforms:
        text += f"Results ({violations}):\n" + "".join(o.blocks for o in outcomes)
    return ValidationReport(conforms, violations, text, graph)


def validate_dataset(ds: Dataset, *, cache: Path | None = None) -> ValidationReport:
    """Validate the union of the document graphs of a kg dataset.

    Args:
        ds: the dataset (the build graph and other non-document graphs are not checked).
        cache: a file in the graph directory of ``ds`` where the report of each
            piece is kept between runs (:data:`CACHE_FILE`); ``None`` checks everything.

    Returns:
        The report of the whole union: its results are those of every piece.
    """
    fingerprint = _fingerprint()
    stored = _load_cache(cache, fingerprint)
    known: dict[str, _Outcome] = stored.get("pieces", {})
    signature = _store_signature(cache.parent) if cache is not None else []
    if signature and stored.get("store") == signature:
        # the store's files are as they were at the last run: nothing to read again
        with contextlib.suppress(KeyError):
            return _merge([known[key] for key in stored["order"]])
    texts = _document_texts(ds)
    keyed = _keyed_pieces(texts, stored.get("documents", {}))
    if keyed is None:  # a document's own node shared by others: split every graph
        graphs = {doc: _lines(text) for doc, text in texts.items()}
        pieces = [(piece.key, _given(piece)) for piece in _pieces(graphs)]
        summaries: dict[str, _Summary] = {}
    else:
        pieces, summaries = keyed
    outcomes: dict[str, _Outcome] = {}
    order = []
    for key, piece in pieces:
        outcome = outcomes.get(key) or known.get(key) or _check(piece())
        outcomes[key] = outcome
        order.append(key)
    if cache is not None:
        new = {
            "fingerprint": fingerprint,
            "store": signature,
            "order": order,
            "pieces": outcomes,
            "documents": summaries,
        }
        _save_cache(cache, new)
    return _merge([outcomes[key] for key in order])
