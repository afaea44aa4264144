"""Extraction → RDF: the quads of one document's named graph, with deterministic IRIs.

Every IRI is a function of the input alone: entities from their identity key
(type + normalised name), documents from their id, mentions and sentences from
their character offsets (NIF-style ``#char=b,e`` fragments), relation
assertions from their ends. No blank nodes, so two builds of the same input
give identical graphs.

>>> from kg.model import Document, Entity, Extraction
>>> entity_iri("Person/li keqiang")
rdflib.term.URIRef('https://w3id.org/policy-kg/id/person/li-keqiang')
>>> document_iri("seed outsourcing")
rdflib.term.URIRef('https://w3id.org/policy-kg/id/doc/seed%20outsourcing')
>>> x = Extraction(Document("d1", "Li spoke."), (Entity("e1", "Person", "Li", (), "Person/li"),))
>>> len(extraction_quads(x)) > 5
True
"""

from __future__ import annotations

import bisect
import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import quote, unquote

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.model import Document, Extraction, Mention
from kg.rdf_facts import fact_quads, fact_sentences
from kg.vocab import (
    BUILD_GRAPH,
    DCTERMS,
    FOAF,
    ID,
    ITSRDF,
    KGO,
    NIF,
    PREDICATE_PROPERTIES,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    TYPE_CLASSES,
    XSD,
)

Quad = tuple[Node, Node, Node, URIRef]

_MAX_SLUG = 80
DOC_PREFIX = str(ID["doc/"])


def _slug(name: str) -> str:
    """A readable, IRI-safe path segment for any name (percent-encoded, bounded)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "-".join(text.split())
    slug = quote(text, safe="-._~")
    if not slug or len(slug) > _MAX_SLUG:
        digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        head = slug[: _MAX_SLUG - 13]
        if "%" in head[-2:]:  # never leave a partial %XX escape at the cut
            head = head[: head.rfind("%")]
        slug = f"{head}-{digest}" if head else digest
    return slug


_COUNTRY_KEY = "Location/country."
"""Key prefix of the bundled countries, whose ids are ISO 3166-1 alpha-2 codes."""


def entity_iri(key: str) -> URIRef:
    """The IRI of the entity with this identity key (``<Type>/<name>``).

    >>> entity_iri("Organization/state council")
    rdflib.term.URIRef('https://w3id.org/policy-kg/id/organization/state-council')
    """
    type_name, _, name = key.partition("/")
    return URIRef(ID[f"{type_name.lower()}/{_slug(name)}"])


def document_iri(doc_id: str) -> URIRef:
    """The IRI of a document, which is also the name of its graph.

    >>> document_iri("a/b")
    rdflib.term.URIRef('https://w3id.org/policy-kg/id/doc/a%2Fb')
    """
    return URIRef(DOC_PREFIX + quote(doc_id, safe="-._~"))


def document_id(iri: str) -> str:
    """The document id back from a document IRI (inverse of :func:`document_iri`).

    >>> document_id(str(document_iri("a/b c")))
    'a/b c'
    """
    if not iri.startswith(DOC_PREFIX):
        raise ValueError(f"not a kg document IRI: {iri}")
    return unquote(iri[len(DOC_PREFIX) :])


def _span_iri(doc: URIRef, kind: str, start: int, end: int) -> URIRef:
    return URIRef(f"{doc}#{kind}={start},{end}")


def _offset(value: int) -> Literal:
    return Literal(value)  # xsd:integer; every store keeps it as is


def extraction_quads(extraction: Extraction) -> list[Quad]:
    """All quads of one document's named graph.

    The graph holds the document, every entity it mentions (type, labels,
    aliases, key), every mention (offsets, surface form, sentence, rule), the
    relations as plain triples, and one assertion node per relation with its
    evidence sentences and rule ids.
    """
    document = extraction.document
    doc = document_iri(document.id)
    quads: list[Quad] = []

    def add(s: Node, p: Node, o: Node) -> None:
        quads.append((s, p, o, doc))

    add(doc, RDF.type, FOAF.Document)
    add(doc, RDF.type, NIF.Context)
    add(doc, DCTERMS.identifier, Literal(document.id))
    add(doc, KGO.contentHash, Literal(document.content_hash))
    add(doc, NIF.isString, Literal(document.text))  # the text every offset indexes
    if document.title:
        add(doc, DCTERMS.title, Literal(document.title))
    if document.source:
        add(doc, DCTERMS.source, Literal(document.source))
    if document.author:
        add(doc, DCTERMS.creator, Literal(document.author))
    if document.date:
        add(doc, DCTERMS.created, Literal(document.date, datatype=XSD.date))
    page_of = _pages(add, doc, document)
    for note in extraction.warnings:  # how the text was processed (pieces cut for the parser)
        add(doc, RDFS.comment, Literal(note))

    sentences: set[tuple[int, int]] = set()
    entity_iris: dict[str, URIRef] = {}
    for entity in extraction.entities:
        node = entity_iri(entity.key)
        entity_iris[entity.id] = node
        add(node, RDF.type, TYPE_CLASSES[entity.type])
        add(node, SKOS.prefLabel, Literal(entity.name))
        add(node, RDFS.label, Literal(entity.name))
        add(node, KGO.key, Literal(entity.key))
        for alias in entity.aliases:
            add(node, SKOS.altLabel, Literal(alias))
        for role in entity.roles:
            add(node, _SCHEMA_JOB_TITLE, Literal(role))
        if entity.type == "Sector":
            add(node, SKOS.inScheme, KGO.SectorScheme)
        if entity.key.startswith(_COUNTRY_KEY):  # a country of kg/patterns/countries.jsonl
            code = entity.key[len(_COUNTRY_KEY) :].upper()
            add(node, SKOS.notation, Literal(code, datatype=KGO.ISO3166Alpha2))
        for mention in entity.mentions:
            _add_mention(add, doc, node, mention, page_of)
            sentences.add((mention.sentence_start, mention.sentence_end))

    grouped: dict[tuple[str, str, str], list[tuple[str, int, int]]] = defaultdict(list)
    for rel in extraction.relations:
        grouped[(rel.subject, rel.predicate, rel.object)].append(
            (rel.rule, rel.sentence_start, rel.sentence_end)
        )
    for (subj_id, predicate, obj_id), evidence in sorted(grouped.items()):
        subj, obj = entity_iris[subj_id], entity_iris[obj_id]
        prop = PREDICATE_PROPERTIES[predicate]
        add(subj, prop, obj)
        digest = hashlib.sha1(f"{subj}|{prop}|{obj}".encode()).hexdigest()[:16]
        assertion = URIRef(f"{doc}#rel-{digest}")
        add(assertion, RDF.type, KGO.RelationAssertion)
        add(assertion, RDF.subject, subj)
        add(assertion, RDF.predicate, prop)
        add(assertion, RDF.object, obj)
        add(assertion, NIF.referenceContext, doc)
        for rule, start, end in evidence:
            add(assertion, KGO.rule, Literal(rule))
            add(assertion, PROV.wasDerivedFrom, _span_iri(doc, "sentence", start, end))
            sentences.add((start, end))

    facts = fact_quads(extraction, entity_iris, doc)
    quads += facts
    if page_of is not None:  # a fact's page, like a mention's
        quads += [
            (node, KGO.page, Literal(page_of(int(begin))), doc)
            for node, prop, begin, _ in facts
            if prop == NIF.beginIndex and isinstance(begin, Literal)
        ]
    sentences |= fact_sentences(extraction)
    text = document.text
    for start, end in sorted(sentences):
        sent = _span_iri(doc, "sentence", start, end)
        add(sent, RDF.type, NIF.Sentence)
        add(sent, NIF.anchorOf, Literal(text[start:end]))
        add(sent, NIF.beginIndex, _offset(start))
        add(sent, NIF.endIndex, _offset(end))
        add(sent, NIF.referenceContext, doc)
        if page_of is not None:
            add(sent, KGO.page, Literal(page_of(start)))
    return quads


def _pages(add, doc: URIRef, document: Document) -> Callable[[int], int] | None:  # type: ignore[no-untyped-def]
    """Page nodes of a paged document (``<doc>#page=n``); the offset → page function, or None."""
    if not document.pages:
        return None
    add(doc, SDO.numberOfPages, Literal(len(document.pages)))
    for number, (start, end) in enumerate(document.pages, start=1):
        node = URIRef(f"{doc}#page={number}")
        add(node, RDF.type, KGO.Page)
        add(node, KGO.page, Literal(number))
        add(node, NIF.beginIndex, _offset(start))
        add(node, NIF.endIndex, _offset(end))
        add(node, NIF.referenceContext, doc)
        if document.page_labels:
            add(node, KGO.pageLabel, Literal(document.page_labels[number - 1]))
    starts = [start for start, _ in document.pages]
    return lambda offset: max(1, bisect.bisect_right(starts, offset))  # as Document.page_of


_SCHEMA_JOB_TITLE = URIRef("https://schema.org/jobTitle")


def _add_mention(add, doc: URIRef, entity: URIRef, mention: Mention, page_of) -> None:  # type: ignore[no-untyped-def]
    node = _span_iri(doc, "char", mention.start, mention.end)
    add(node, RDF.type, NIF.Phrase)
    add(node, NIF.anchorOf, Literal(mention.text))
    add(node, NIF.beginIndex, _offset(mention.start))
    add(node, NIF.endIndex, _offset(mention.end))
    add(node, NIF.referenceContext, doc)
    add(
        node, NIF.sentence, _span_iri(doc, "sentence", mention.sentence_start, mention.sentence_end)
    )
    add(node, ITSRDF.taIdentRef, entity)
    add(node, KGO.rule, Literal(mention.rule))
    if page_of is not None:
        add(node, KGO.page, Literal(page_of(mention.start)))


BUILD = URIRef(ID["build"])
"""The IRI of the build activity described in :data:`kg.vocab.BUILD_GRAPH`."""


def build_quads(
    *, started: datetime, ended: datetime, kg_version: str, pipeline: str, documents: Iterable[str]
) -> list[Quad]:
    """The quads of the build-metadata graph (the only graph that differs between runs).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> q = build_quads(started=t, ended=t, kg_version="0.1.0", pipeline="x 1", documents=["a"])
    >>> all(g == BUILD_GRAPH for *_, g in q)
    True
    """
    doc_ids = sorted(documents)
    quads: list[Quad] = [
        (BUILD, RDF.type, KGO.Build, BUILD_GRAPH),
        (BUILD, PROV.startedAtTime, Literal(started), BUILD_GRAPH),
        (BUILD, PROV.endedAtTime, Literal(ended), BUILD_GRAPH),
        (BUILD, KGO.kgVersion, Literal(kg_version), BUILD_GRAPH),
        (BUILD, KGO.pipeline, Literal(pipeline), BUILD_GRAPH),
        (BUILD, KGO.documentCount, Literal(len(doc_ids)), BUILD_GRAPH),
    ]
    quads += [(BUILD, PROV.generated, document_iri(d), BUILD_GRAPH) for d in doc_ids]
    return quads
