"""Facts in the graph: typed literals, provenance, SHACL, and the shipped aggregate queries."""

from __future__ import annotations

from decimal import Decimal

from conftest import QUERIES
from rdflib import Literal, URIRef

import kg
from kg.model import Document, Entity, Extraction, Fact
from kg.rdf import extraction_quads
from kg.vocab import DCTERMS, KGO, NIF, PROV, SDO, XSD

TEXT = (
    "BEIJING, March 3, 2021 -- The State Council issued the negative list for market access. "
    "The negative list for market access covers 722.58 billion yuan of contracts, up 7.4 "
    "percent, and must be reviewed by 2025.\n\nPremier Li Keqiang said the negative list for "
    "market access would cut costs for small firms."
)


def _query(graph, name: str) -> list:
    return list(graph.query((QUERIES / f"{name}.rq").read_text(encoding="utf-8")))


def _extraction() -> Extraction:
    policy = Entity("e1", "Policy", "new deal", (), "Policy/new deal")
    person = Entity("e2", "Person", "Moon", (), "Person/moon")
    facts = (
        Fact(
            "Amount",
            "160 trillion won",
            10,
            26,
            0,
            40,
            "amount.v1",
            1.6e14,
            "KRW",
            subject="e1",
            subject_rule="subject.v1",
        ),
        Fact("Percent", "7.4 percent", 27, 38, 0, 40, "percent.v1", 7.4, subject="e1"),
        Fact("Date", "2018-19", 41, 48, 41, 60, "date.v1", "2019", role="period", subject="e1"),
        Fact("Date", "2018-19", 41, 48, 41, 60, "date.v1", "2018", role="period", subject="e1"),
        Fact("Statement", "it works", 61, 69, 61, 80, "statement.v1", speaker="e2", about=("e1",)),
    )
    return Extraction(Document("d", "x" * 80), (policy, person), facts=facts)


def test_fact_values_are_typed_literals():
    quads = extraction_quads(_extraction())
    values = {(str(p), o) for _, p, o, _ in quads if p in (SDO.value, DCTERMS.date)}
    assert (str(SDO.value), Literal("160000000000000", datatype=XSD.decimal)) in values
    assert (str(SDO.value), Literal("7.4", datatype=XSD.decimal)) in values
    assert (str(DCTERMS.date), Literal("2019", datatype=XSD.gYear)) in values
    assert (str(DCTERMS.date), Literal("2018", datatype=XSD.gYear)) in values


def test_each_fact_has_provenance_like_a_mention_and_an_iri_of_its_own():
    quads = extraction_quads(_extraction())
    facts = {s for s, p, o, _ in quads if p == KGO.rule and "#fact=" in str(s)}
    assert len(facts) == 5  # the two dates of "2018-19" are two nodes
    for fact in facts:
        props = {p for s, p, _, _ in quads if s == fact}
        assert {NIF.anchorOf, NIF.beginIndex, NIF.endIndex, NIF.sentence, KGO.rule} <= props
    statement = next(f for f in facts if "statement" in str(f))
    speaker = {o for s, p, o, _ in quads if s == statement and p == PROV.wasAttributedTo}
    assert speaker == {URIRef("https://w3id.org/policy-kg/id/person/moon")}


def test_facts_of_a_build_conform_to_the_shapes_and_are_queryable():
    graph = kg.build([TEXT])
    assert graph.validate().conforms
    rows = graph.query(
        "SELECT ?v ?c ?name WHERE { ?a a schema:MonetaryAmount ; schema:value ?v ; "
        "schema:currency ?c ; kgo:about [ skos:prefLabel ?name ] }"
    )
    assert [(Decimal(str(v)), str(c)) for v, c, _ in rows] == [(Decimal("722580000000"), "CNY")]
    deadlines = _query(graph, "deadlines-by-year")
    assert [str(r[0]) for r in deadlines] == ["2025"]
    speakers = _query(graph, "statements-by-speaker")
    assert [(str(r[1]), int(r[2])) for r in speakers] == [("Li Keqiang", 1)]


def test_amounts_by_sector_sums_per_currency_on_the_examples(examples_kg):
    rows = _query(examples_kg, "amounts-by-sector")
    assert rows
    by_sector = {(str(r[1]), str(r[2])): Decimal(str(r[3])) for r in rows}
    assert by_sector[("e-commerce", "CNY")] == Decimal("2000000000000")
    assert all(len(currency) == 3 for _, currency in by_sector)


def test_deadlines_by_year_are_ordered_years_on_the_examples(examples_kg):
    years = [str(r[0]) for r in _query(examples_kg, "deadlines-by-year")]
    assert years and years == sorted(years)
    assert all(len(y) == 4 and y.isdigit() for y in years)
    assert "2025" in years


def test_statements_by_speaker_on_the_examples(examples_kg):
    rows = _query(examples_kg, "statements-by-speaker")
    names = {str(r[1]): int(r[2]) for r in rows}
    assert names["Li Qiang"] >= 1 and names["Katherine Tai"] >= 1
    counts = [int(r[2]) for r in rows]
    assert counts == sorted(counts, reverse=True)


def test_facts_of_document_give_sentence_offsets_and_rule(examples_kg):
    rows = _query(examples_kg, "facts-of-document")
    assert rows
    for row in rows:
        text, begin, end, sentence, rule = row[1], int(row[5]), int(row[6]), row[7], row[8]
        assert begin < end and str(text) in str(sentence) and str(rule)


def test_node_panel_data_carries_its_figures(tmp_path):
    graph = kg.build([TEXT])
    G = graph.to_networkx()
    facts = next(d["facts"] for _, d in G.nodes(data=True) if d["label"].startswith("negative"))
    assert ("Amount", "722580000000", "CNY") in {(f["type"], f["value"], f["unit"]) for f in facts}
    graph.write_html(tmp_path / "view.html")
    page = (tmp_path / "view.html").read_text(encoding="utf-8")
    assert "722.58 billion yuan" in page and "Figures, dates and statements" in page
