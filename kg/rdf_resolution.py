"""Corpus resolution → RDF: document graphs on canonical IRIs, and the resolution graph.

A document graph is written with the IRIs of its own keys (:mod:`kg.rdf`).
When corpus resolution maps a key elsewhere, :func:`canonical_triples` moves
everything the document says about that entity onto the canonical node: the
node's triples, the mentions' ``itsrdf:taIdentRef``, relations, assertions and
facts; the node gets the canonical type and label, and keeps the document's own
key (``kgo:key``) and name (``kgo:localLabel``, also a ``skos:altLabel``).
:func:`local_triples` undoes it, so a graph can be rewritten again from its
local form whenever the corpus changes.

The resolution graph (:data:`kg.vocab.RESOLUTION_GRAPH`) holds one ``kgo:Merge``
per merged key and the authority identifiers (``owl:sameAs``, ``schema:sameAs``).

>>> from rdflib import Literal, URIRef
>>> from kg.rdf import entity_iri
>>> node = entity_iri("Organization/mofcom")
>>> from kg.vocab import ORG
>>> local = [(node, RDF.type, ORG.Organization), (node, KGO.key, Literal("Organization/mofcom"))]
>>> local += [(node, p, Literal("MOFCOM")) for p in (SKOS.prefLabel, RDFS.label)]
>>> target = {"Organization/mofcom": Target("Organization/ministry of commerce", "Ministry of Commerce")}
>>> moved = canonical_triples(local, target)
>>> sorted(str(o) for _, p, o in moved if p == SKOS.altLabel)
['MOFCOM']
>>> sorted(local_triples(moved)) == sorted(local)
True
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import OWL, Literal, URIRef
from rdflib.term import Node

from kg.model import RELATION_SIGNATURES
from kg.rdf import _COUNTRY_KEY, Quad, document_iri, entity_iri
from kg.resolve.corpus import CorpusResolution
from kg.vocab import (
    ID,
    ITSRDF,
    KGO,
    PREDICATE_PROPERTIES,
    PROV,
    RDF,
    RDFS,
    RESOLUTION_GRAPH,
    SDO,
    SKOS,
    TYPE_CLASSES,
)

__all__ = ["Target", "canonical_triples", "local_triples", "resolution_quads"]

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Target:
    """Where one local key's node goes in a document graph: the canonical key, its label."""

    key: str
    label: str

    @property
    def iri(self) -> URIRef:
        return entity_iri(self.key)


def _key_triples(node: URIRef, key: str) -> list[Triple]:
    """The triples :func:`kg.rdf.extraction_quads` derives from a key alone: type, scheme, code."""
    type_name = key.partition("/")[0]
    out: list[Triple] = [(node, RDF.type, TYPE_CLASSES[type_name])]
    if type_name == "Sector":
        out.append((node, SKOS.inScheme, KGO.SectorScheme))
    if key.startswith(_COUNTRY_KEY):
        code = key[len(_COUNTRY_KEY) :].upper()
        out.append((node, SKOS.notation, Literal(code, datatype=KGO.ISO3166Alpha2)))
    return out


_DERIVED = (RDF.type, SKOS.inScheme, SKOS.notation)
_RELATIONS = frozenset(PREDICATE_PROPERTIES.values())
_PREDICATE_NAMES: dict[Node, str] = {v: k for k, v in PREDICATE_PROPERTIES.items()}
_TYPE_NAMES: dict[Node, str] = {v: k for k, v in TYPE_CLASSES.items()}


def canonical_triples(triples: Iterable[Triple], target: Mapping[str, Target]) -> list[Triple]:
    """A document graph in its local form with the keys in ``target`` moved to their nodes.

    Mentions get their own ``kgo:key`` when their node holds several keys of the
    document, so each key's forms can still be told apart.
    """
    triples = list(triples)
    key_of = {s: str(o) for s, p, o in triples if p == KGO.key}
    moved = {node: target[k] for node, k in key_of.items() if k in target}
    if not moved:
        return triples
    sharing: dict[URIRef, int] = defaultdict(int)
    for t in moved.values():
        sharing[t.iri] += 1
    iri_of = {node: t.iri for node, t in moved.items()}
    out: set[Triple] = set()
    for s, p, o in triples:
        if s in moved:
            t = moved[s]
            if p in _DERIVED:
                continue
            if p in (SKOS.prefLabel, RDFS.label):
                out.add((t.iri, p, Literal(t.label)))
                if p == SKOS.prefLabel:
                    out.add((t.iri, KGO.localLabel, o))
                    if str(o) != t.label:
                        out.add((t.iri, SKOS.altLabel, o))
                continue
            out.add((t.iri, p, iri_of.get(o, o)))  # type: ignore[arg-type]
        elif p == ITSRDF.taIdentRef and o in moved:
            out.add((s, p, iri_of[o]))  # type: ignore[index]
            if sharing[iri_of[o]] > 1:  # type: ignore[index]
                out.add((s, KGO.key, Literal(key_of[o])))
        else:
            out.add((iri_of.get(s, s), p, iri_of.get(o, o)))  # type: ignore[arg-type]
    for t in moved.values():
        out.update(_key_triples(t.iri, t.key))
    # a relation the merged node can no longer hold (a loop, or a type its signature
    # excludes) leaves the graph; its assertion stays (the document said it, and
    # local_triples restores the relation from it)
    type_of = {s: _TYPE_NAMES.get(o) for s, p, o in out if p == RDF.type}
    out -= {t for t in out if t[1] in _RELATIONS and not _fits(t, type_of)}
    return sorted(out)


def _fits(triple: Triple, type_of: Mapping[Node, str | None]) -> bool:
    s, p, o = triple
    subject_types, object_types = RELATION_SIGNATURES[_PREDICATE_NAMES[p]]
    return s != o and type_of.get(s) in subject_types and type_of.get(o) in object_types


def local_triples(triples: Iterable[Triple]) -> list[Triple]:
    """A document graph back in its local form (inverse of :func:`canonical_triples`).

    Exact unless several keys of the document share a node: then that node's
    relations, roles and labels go to the smallest of its keys.
    """
    triples = list(triples)
    labels: dict[Node, set[str]] = defaultdict(set)
    for s, p, o in triples:
        if p == KGO.localLabel:
            labels[s].add(str(o))
    if not labels:
        return triples
    keys: dict[Node, list[str]] = defaultdict(list)
    mentions = {s for s, p, _ in triples if p == ITSRDF.taIdentRef}
    mention_key: dict[Node, str] = {}
    for s, p, o in triples:
        if p == KGO.key:
            if s in mentions:
                mention_key[s] = str(o)
            elif s in labels:
                keys[s].append(str(o))
    primary = {node: entity_iri(min(ks)) for node, ks in keys.items()}
    out: set[Triple] = set()
    for node, ks in keys.items():
        names = sorted(labels[node])
        for i, key in enumerate(sorted(ks)):
            local = entity_iri(key)
            name = Literal(names[min(i, len(names) - 1)])
            out.update(_key_triples(local, key))
            out.update([(local, KGO.key, Literal(key)), (local, SKOS.prefLabel, name)])
            out.add((local, RDFS.label, name))
    for s, p, o in triples:
        if s in keys:
            if p in (*_DERIVED, KGO.key, KGO.localLabel, SKOS.prefLabel, RDFS.label):
                continue
            if p == SKOS.altLabel and str(o) in labels[s]:
                continue
            out.add((primary[s], p, primary.get(o, o)))  # type: ignore[arg-type]
        elif s in mention_key and p in (KGO.key, ITSRDF.taIdentRef):
            if p == ITSRDF.taIdentRef:
                out.add((s, p, entity_iri(mention_key[s])))
        else:
            out.add((s, p, primary.get(o, o)))  # type: ignore[arg-type]
    statements: dict[Node, dict[Node, Node]] = defaultdict(dict)
    for s, p, o in out:
        if p in (RDF.subject, RDF.predicate, RDF.object):
            statements[s][p] = o
    for parts in statements.values():  # the relation triples canonical_triples dropped
        if len(parts) == 3 and parts[RDF.predicate] in _RELATIONS:
            out.add((parts[RDF.subject], parts[RDF.predicate], parts[RDF.object]))
    return sorted(out)


def resolution_quads(
    resolution: CorpusResolution,
    forms: Mapping[str, Iterable[str]],
    notes: Mapping[frozenset[str], str] | None = None,
    same_as: Iterable[tuple[str, str]] = (),
) -> list[Quad]:
    """The quads of the resolution graph.

    Args:
        resolution: The corpus resolution.
        forms: Local key → its surface forms across the corpus.
        notes: The note of the decision behind a merge, by its pair of keys.
        same_as: ``(entity IRI, external IRI)`` pairs from the authority table.

    >>> from kg.resolve.corpus import Merge
    >>> r = CorpusResolution(merges=(Merge("Organization/mofcom", "Organization/moc", "decision.accept", ("d2",)),))
    >>> len(resolution_quads(r, {"Organization/mofcom": ["MOFCOM"]}))
    6
    """
    g = RESOLUTION_GRAPH
    quads: list[Quad] = []
    for m in resolution.merges:
        node = URIRef(ID[f"merge/{hashlib.sha1(m.key.encode('utf-8')).hexdigest()[:16]}"])
        quads += [
            (node, RDF.type, KGO.Merge, g),
            (node, KGO.mergedKey, Literal(m.key), g),
            (node, KGO.mergedInto, entity_iri(m.into), g),
            (node, KGO.rule, Literal(m.rule), g),
        ]
        quads += [(node, KGO.form, Literal(f), g) for f in sorted(set(forms.get(m.key, ())))]
        quads += [(node, PROV.used, document_iri(d), g) for d in m.documents]
        note = (notes or {}).get(frozenset((m.key, m.into)))
        if note:
            quads.append((node, RDFS.comment, Literal(note), g))
    for entity, external in sorted(set(same_as)):
        quads.append((URIRef(entity), OWL.sameAs, URIRef(external), g))
        quads.append((URIRef(entity), SDO.sameAs, URIRef(external), g))
    return quads
