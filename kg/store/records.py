"""What corpus resolution reads, read back from the stored document graphs.

A build has its extractions at hand (:func:`extraction_states`); ``kg add`` and
``kg remove`` only have the store (:func:`stored_states`). Both give, for every
entity of every document, its :class:`~kg.resolve.corpus.LocalEntity` record
and where its node stands now (IRI, type, label), and both give the same
records for the same documents, rewritten by corpus resolution or not: a merged
node keeps each document's ``kgo:key`` and own name (``kgo:localLabel``).

>>> from kg.store.dataset import open_dataset, replace_documents
>>> from kg.model import Document, Entity, Extraction, Mention
>>> m = Mention("m1", "Person", "Li", 0, 2, 0, 9, "ner.PERSON")
>>> x = Extraction(Document("d1", "Li spoke."), (Entity("e1", "Person", "Li", (m,), "Person/li"),))
>>> ds = open_dataset(None)
>>> replace_documents(ds, [x])
>>> stored_states(ds) == extraction_states(x)
True
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import Dataset

from kg.model import Extraction
from kg.query import run_query
from kg.rdf import DOC_PREFIX, document_id, entity_iri
from kg.resolve.corpus import LocalEntity, local_entities
from kg.store.dataset import oxigraph_store
from kg.vocab import PREFIXES, TYPE_CLASSES

__all__ = ["EntityState", "extraction_states", "stored_states"]


@dataclass(frozen=True)
class EntityState:
    """One entity of one document: its local record and how its node stands in the store."""

    local: LocalEntity
    name: str
    """The name the document gives it."""
    node: str
    """The IRI its mentions use now (the local key's IRI unless merged)."""
    type: str
    """The class IRI its node has in the document's graph now."""
    label: str
    """The ``skos:prefLabel`` its node has in the document's graph now."""
    merged: bool = False
    """Whether its node was moved by corpus resolution (it has a ``kgo:localLabel``)."""


def extraction_states(*extractions: Extraction) -> list[EntityState]:
    """The states of freshly extracted documents (nothing merged yet), sorted."""
    out = []
    for x in extractions:
        for e, local in zip(x.entities, local_entities(x), strict=True):
            node = str(entity_iri(e.key))
            out.append(EntityState(local, e.name, node, str(TYPE_CLASSES[e.type]), e.name))
    return sorted(out, key=_order)


def _order(state: EntityState) -> tuple[str, str]:
    return state.local.document, state.local.key


def _pattern(select: str, where: str, values: str = "") -> str:
    """A query over one pattern in every named graph (joins are done in Python: Oxigraph
    joins inside ``GRAPH ?g`` slowly, single patterns fast)."""
    return f"SELECT ?g {select} WHERE {{ {values} GRAPH ?g {{ {where} }} }}"


_CLASSES = "VALUES ?t { " + " ".join(f"<{c}>" for c in TYPE_CLASSES.values()) + " }"
_KEYS = _pattern("?n ?k", "?n kgo:key ?k")
_TYPES = _pattern("?n ?t", "?n a ?t", _CLASSES)
_LABELS = _pattern("?n ?l", "?n skos:prefLabel ?l")
_LOCAL_LABELS = _pattern("?n ?l", "?n kgo:localLabel ?l")
_MENTIONS = _pattern("?m ?n ?f ?r", "?m itsrdf:taIdentRef ?n ; nif:anchorOf ?f ; kgo:rule ?r")
_ROLES = _pattern("?n ?r", "?n schema:jobTitle ?r")
_SPEAKERS = _pattern("?n", "?s prov:wasAttributedTo ?n")
_MEMBERS = _pattern("?s ?o", "?a rdf:predicate org:memberOf ; rdf:subject ?s ; rdf:object ?o")


def _select(ds: Dataset, query: str) -> Iterator[list[str]]:
    """The rows of a SELECT as strings: straight from pyoxigraph when the store is Oxigraph
    (rdflib's result rows cost more than the query itself on large graphs)."""
    inner = oxigraph_store(ds)
    if inner is None:
        for row in run_query(ds, query):
            yield [str(v) for v in row]  # type: ignore[union-attr]
        return
    for solution in inner.query(query, prefixes=PREFIXES):  # type: ignore[union-attr]
        yield [term.value for term in solution]  # type: ignore[union-attr]


def stored_states(ds: Dataset, documents: Iterable[str] | None = None) -> list[EntityState]:
    """The states of the entities of the stored documents (all, or only ``documents``), sorted.

    A node several keys of one document were merged into gives its roles and
    ``memberOf`` links to the smallest of those keys (the graph cannot say whose
    they were); its mentions say their own key.
    """
    wanted = None if documents is None else set(documents)

    def rows(query: str) -> Iterator[tuple[str, ...]]:
        for graph, *values in _select(ds, query):
            if not graph.startswith(DOC_PREFIX):
                continue
            doc = document_id(graph)
            if wanted is None or doc in wanted:
                yield (doc, *values)

    def pairs(query: str) -> dict[tuple[str, str], set[str]]:
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for doc, node, value in rows(query):
            out[(doc, node)].add(value)
        return out

    refs: dict[tuple[str, str], str] = {}  # a mention names one node
    anchors: dict[tuple[str, str], set[str]] = defaultdict(set)
    rules: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc, mention, node, form, rule in rows(_MENTIONS):
        refs[(doc, mention)] = node
        anchors[(doc, mention)].add(form)
        rules[(doc, mention)].add(rule)
    keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    mention_keys: dict[tuple[str, str], str] = {}
    for doc, node, key in rows(_KEYS):
        if (doc, node) in refs:
            mention_keys[(doc, node)] = key
        else:
            keys[(doc, node)].add(key)
    types, labels, local_labels = pairs(_TYPES), pairs(_LABELS), pairs(_LOCAL_LABELS)

    def owner(doc: str, node: str) -> str | None:
        ks = keys.get((doc, node))
        return min(ks) if ks else None

    forms: dict[tuple[str, str], set[str]] = defaultdict(set)
    mentions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (doc, mention), node in refs.items():
        mention_key = mention_keys.get((doc, mention)) or owner(doc, node)
        if mention_key is None:
            continue
        mentions[(doc, mention_key)].add(mention)
        if not any(r.endswith(".anaphor") for r in rules.get((doc, mention), ())):
            forms[(doc, mention_key)].update(anchors.get((doc, mention), ()))
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (doc, node), titles in pairs(_ROLES).items():
        holder = owner(doc, node)
        if holder is not None:
            roles[(doc, holder)].update(titles)
    speaks: set[tuple[str, str]] = set()
    for doc, node in rows(_SPEAKERS):
        speaker = owner(doc, node)
        if speaker is not None:
            speaks.add((doc, speaker))
    member_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc, subject, obj in rows(_MEMBERS):
        member, body = owner(doc, subject), owner(doc, obj)
        if member is not None and body is not None:
            member_of[(doc, member)].add(body)

    out = []
    for (doc, node), node_keys in keys.items():
        cls = min(types.get((doc, node), {""}))
        label = min(labels.get((doc, node), {""}))
        names = sorted(local_labels.get((doc, node), ())) or [label]
        for i, key in enumerate(sorted(node_keys)):
            name = names[min(i, len(names) - 1)]
            at = (doc, key)
            local = LocalEntity(
                doc,
                key,
                tuple(sorted(forms.get(at) or {name})),
                tuple(sorted(roles.get(at, ()))),
                tuple(sorted(member_of.get(at, ()))),
                len(mentions.get(at, ())),
                name,
                at in speaks,
            )
            merged = (doc, node) in local_labels
            out.append(EntityState(local, name, node, cls, label, merged))
    return sorted(out, key=_order)
