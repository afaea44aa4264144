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
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Dataset

from kg.model import Extraction
from kg.query import run_query
from kg.rdf import DOC_PREFIX, document_id, entity_iri
from kg.resolve.corpus import LocalEntity, local_entities
from kg.vocab import TYPE_CLASSES

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


_IN_DOCUMENTS = f'FILTER (STRSTARTS(STR(?g), "{DOC_PREFIX}"))'
_NODES = f"""
SELECT ?g ?n ?k ?t ?l ?ll WHERE {{
  GRAPH ?g {{ ?n kgo:key ?k ; a ?t ; skos:prefLabel ?l . OPTIONAL {{ ?n kgo:localLabel ?ll }} }}
  {_IN_DOCUMENTS}
}}"""
_MENTIONS = f"""
SELECT ?g ?n ?m ?form ?rule ?mk WHERE {{
  GRAPH ?g {{ ?m itsrdf:taIdentRef ?n ; nif:anchorOf ?form ; kgo:rule ?rule .
             OPTIONAL {{ ?m kgo:key ?mk }} }}
  {_IN_DOCUMENTS}
}}"""
_ROLES = f"""
SELECT ?g ?n ?r WHERE {{ GRAPH ?g {{ ?n schema:jobTitle ?r ; kgo:key ?k }} {_IN_DOCUMENTS} }}
"""
_MEMBERS = f"""
SELECT ?g ?s ?o WHERE {{
  GRAPH ?g {{ ?a rdf:predicate org:memberOf ; rdf:subject ?s ; rdf:object ?o .
             ?s kgo:key ?sk . ?o kgo:key ?ok }}
  {_IN_DOCUMENTS}
}}"""


def stored_states(ds: Dataset, documents: Iterable[str] | None = None) -> list[EntityState]:
    """The states of the entities of the stored documents (all, or only ``documents``), sorted.

    A node several keys of one document were merged into gives its roles and
    ``memberOf`` links to the smallest of those keys (the graph cannot say whose
    they were); its mentions say their own key.
    """
    wanted = None if documents is None else set(documents)

    def rows(query: str) -> Iterable[tuple[str, ...]]:
        for row in run_query(ds, query):
            values = tuple("" if v is None else str(v) for v in row)  # type: ignore[union-attr]
            doc = document_id(values[0])
            if wanted is None or doc in wanted:
                yield (doc, *values[1:])

    keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    node_info: dict[tuple[str, str], tuple[str, str]] = {}
    local_labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc, node, key, cls, label, local_label in rows(_NODES):
        keys[(doc, node)].add(key)
        node_info[(doc, node)] = min(node_info.get((doc, node), (cls, label)), (cls, label))
        if local_label:
            local_labels[(doc, node)].add(local_label)

    def owner(doc: str, node: str) -> str | None:
        ks = keys.get((doc, node))
        return min(ks) if ks else None

    forms: dict[tuple[str, str], set[str]] = defaultdict(set)
    mentions: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc, node, mention, form, rule, own_key in rows(_MENTIONS):
        mention_key = own_key or owner(doc, node)
        if mention_key is None:
            continue
        mentions[(doc, mention_key)].add(mention)
        if not rule.endswith(".anaphor"):
            forms[(doc, mention_key)].add(form)
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc, node, role in rows(_ROLES):
        holder = owner(doc, node)
        if holder is not None:
            roles[(doc, holder)].add(role)
    member_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc, subject, obj in rows(_MEMBERS):
        member, body = owner(doc, subject), owner(doc, obj)
        if member is not None and body is not None:
            member_of[(doc, member)].add(body)

    out = []
    for (doc, node), node_keys in keys.items():
        cls, label = node_info[(doc, node)]
        ordered = sorted(node_keys)
        names = sorted(local_labels.get((doc, node), ())) or [label]
        for i, key in enumerate(ordered):
            name = names[min(i, len(names) - 1)]
            at = (doc, key)
            local = LocalEntity(
                doc,
                key,
                tuple(sorted(forms.get(at) or {name})),
                tuple(sorted(roles.get(at, ()))),
                tuple(sorted(member_of.get(at, ()))),
                len(mentions.get(at, ())),
            )
            out.append(EntityState(local, name, node, cls, label, (doc, node) in local_labels))
    return sorted(out, key=_order)
