"""Facts → RDF: money, percentages, dates and statements as typed data with provenance.

Each :class:`~kg.model.Fact` becomes one node in its document's named graph,
with an IRI made from the document, the fact's type, offsets and value (no
blank nodes, so builds stay identical):

- Amount: ``kgo:Amount``, ``schema:MonetaryAmount``; ``schema:value``
  (``xsd:decimal``, in units) and ``schema:currency`` (ISO 4217);
- Percent: ``kgo:Percentage``, ``schema:QuantitativeValue``; ``schema:value``
  (``xsd:decimal``) and ``schema:unitCode "P1"`` (UN/CEFACT: percent);
- Date: ``kgo:DateFact``; ``dcterms:date`` typed ``xsd:date``,
  ``xsd:gYearMonth`` or ``xsd:gYear`` and ``kgo:dateRole``;
- Statement: ``kgo:Statement``, ``prov:Entity``; ``prov:value`` (the words),
  ``prov:wasAttributedTo`` the speaker.

Every fact has ``kgo:about`` (the entity it is about; for a statement, each
entity it concerns) and the provenance mentions have: ``nif:anchorOf``,
``nif:beginIndex``, ``nif:endIndex``, ``nif:referenceContext``, ``nif:sentence``
(also ``prov:wasDerivedFrom``), ``kgo:rule`` and ``kgo:subjectRule``.

>>> from kg.model import Document, Entity, Fact
>>> x = Extraction(Document("d", "It costs $2 billion."),
...     (Entity("e1", "Policy", "It", (), "Policy/it"),),
...     facts=(Fact("Amount", "$2 billion", 9, 19, 0, 20, "amount.v1", 2e9, "USD", subject="e1"),))
>>> quads = fact_quads(x, {"e1": URIRef("https://w3id.org/policy-kg/id/policy/it")})
>>> sorted(str(o) for _, p, o, _ in quads if p == SDO.value)
['2000000000']
"""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.model import Extraction, Fact
from kg.vocab import DCTERMS, KGO, NIF, PROV, RDF, SDO, XSD

Quad = tuple[Node, Node, Node, URIRef]

FACT_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "Amount": (KGO.Fact, KGO.Amount, SDO.MonetaryAmount),
    "Percent": (KGO.Fact, KGO.Percentage, SDO.QuantitativeValue),
    "Date": (KGO.Fact, KGO.DateFact),
    "Statement": (KGO.Fact, KGO.Statement, PROV.Entity),
}
"""Fact type → the classes its node gets (kg's own and the standard one)."""

PERCENT_UNIT = "P1"
"""UN/CEFACT common code for percent, as schema:unitCode expects."""


def _document_iri(doc_id: str) -> URIRef:
    from kg.rdf import document_iri

    return document_iri(doc_id)


def fact_iri(doc: URIRef, fact: Fact) -> URIRef:
    """The IRI of one fact: document, type, offsets and a short digest of the value.

    >>> fact_iri(URIRef("https://x/doc/d"), Fact("Date", "2018-19", 4, 11, 0, 20, "r", "2019"))
    rdflib.term.URIRef('https://x/doc/d#fact=date,4,11,362cd07e')
    """
    digest = hashlib.sha1(f"{fact.type}|{fact.value}|{fact.currency}".encode()).hexdigest()[:8]
    return URIRef(f"{doc}#fact={fact.type.lower()},{fact.start},{fact.end},{digest}")


def date_literal(value: str) -> Literal:
    """An ISO 8601 date, month or year as a typed literal.

    >>> date_literal("2025-01-01").datatype == XSD.date
    True
    >>> date_literal("2025-01").datatype == XSD.gYearMonth, date_literal("2025").datatype == XSD.gYear
    (True, True)
    """
    datatype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}.get(len(value), XSD.string)
    return Literal(value, datatype=datatype)


def decimal_literal(value: float | int | str | None) -> Literal | None:
    """A number as an ``xsd:decimal`` literal (no float noise: 7.4 stays 7.4).

    >>> decimal_literal(722580000000.0)
    rdflib.term.Literal('722580000000', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    """
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return Literal(str(number), datatype=XSD.decimal)


def fact_quads(
    extraction: Extraction, entity_iris: dict[str, URIRef], doc: URIRef | None = None
) -> list[Quad]:
    """The quads of every fact of one document (its sentences are added by the caller).

    Args:
        extraction: The document's extraction.
        entity_iris: Local entity id → entity IRI.
        doc: The document IRI (computed from the document id when not given).
    """
    doc = doc if doc is not None else _document_iri(extraction.document.id)
    quads: list[Quad] = []

    def add(s: Node, p: Node, o: Node) -> None:
        quads.append((s, p, o, doc))

    for fact in extraction.facts:
        node = fact_iri(doc, fact)
        for cls in FACT_CLASSES[fact.type]:
            add(node, RDF.type, cls)
        add(node, NIF.anchorOf, Literal(fact.text))
        add(node, NIF.beginIndex, Literal(fact.start))
        add(node, NIF.endIndex, Literal(fact.end))
        add(node, NIF.referenceContext, doc)
        sentence = URIRef(f"{doc}#sentence={fact.sentence_start},{fact.sentence_end}")
        add(node, NIF.sentence, sentence)
        add(node, PROV.wasDerivedFrom, sentence)
        add(node, KGO.rule, Literal(fact.rule))
        if fact.subject_rule:
            add(node, KGO.subjectRule, Literal(fact.subject_rule))
        abouts = fact.about if fact.type == "Statement" else (fact.subject,)
        for entity in abouts:
            if entity in entity_iris:
                add(node, KGO.about, entity_iris[entity])
        if fact.type == "Statement":
            add(node, PROV.value, Literal(fact.text))
            if fact.speaker in entity_iris:
                add(node, PROV.wasAttributedTo, entity_iris[fact.speaker])
        elif fact.type == "Date":
            add(node, DCTERMS.date, date_literal(str(fact.value)))
            if fact.role:
                add(node, KGO.dateRole, Literal(fact.role))
        else:
            value = decimal_literal(fact.value)
            if value is not None:
                add(node, SDO.value, value)
            if fact.type == "Amount" and fact.currency:
                add(node, SDO.currency, Literal(fact.currency))
            if fact.type == "Percent":
                add(node, SDO.unitCode, Literal(PERCENT_UNIT))
    return quads


def fact_sentences(extraction: Extraction) -> set[tuple[int, int]]:
    """The (start, end) of every sentence a fact was found in.

    >>> from kg.model import Document
    >>> fact_sentences(Extraction(Document("d", "x")))
    set()
    """
    return {(f.sentence_start, f.sentence_end) for f in extraction.facts}
