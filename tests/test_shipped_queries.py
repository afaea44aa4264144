"""The shipped queries: kg's result path matches oxrdflib's, rewrites answer as before, pages tile."""

from __future__ import annotations

import pytest
from conftest import QUERIES
from rdflib import XSD, Literal

SHIPPED = sorted(QUERIES.glob("*.rq"))
NEEDS_DECISIONS = {"merges"}
"""Queries of what corpus resolution merged: the examples may merge nothing; tests/test_review.py
runs them on a graph with a decision."""

# The formulations before the issue 14 rewrites (slow on large graphs, same answers)
OLD_ENTITIES_ACROSS_DOCUMENTS = """
SELECT ?entity ?name ?type ?documents ?mentions WHERE {
  { SELECT ?entity (COUNT(DISTINCT ?doc) AS ?documents) (COUNT(?mention) AS ?mentions)
    WHERE { ?mention itsrdf:taIdentRef ?entity ; nif:referenceContext ?doc . }
    GROUP BY ?entity ORDER BY DESC(?documents) DESC(?mentions) LIMIT 25 }
  ?entity skos:prefLabel ?name ; a ?type .
} ORDER BY DESC(?documents) DESC(?mentions) ?name
"""
OLD_PEOPLE_AND_POSTS = """
SELECT ?person ?name (GROUP_CONCAT(DISTINCT ?title; separator=", ") AS ?titles) ?organization
       ?orgName (COUNT(DISTINCT ?doc) AS ?documents) WHERE {
  ?person a foaf:Person ; skos:prefLabel ?name ; org:memberOf ?organization .
  ?organization skos:prefLabel ?orgName .
  OPTIONAL { ?person schema:jobTitle ?title }
  ?a a kgo:RelationAssertion ; rdf:subject ?person ; rdf:predicate org:memberOf ;
     rdf:object ?organization ; nif:referenceContext ?doc .
} GROUP BY ?person ?name ?organization ?orgName
"""


def _rows(result) -> list[tuple]:
    return [tuple(row) for row in result]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_kg_result_path_gives_what_oxrdflib_gives(examples_kg, path):
    query = path.read_text(encoding="utf-8")
    ours = examples_kg.query(query)
    theirs = examples_kg.dataset.query(query)  # oxrdflib's own conversion
    assert [str(v) for v in ours.vars] == [str(v) for v in theirs.vars]
    rows = _rows(ours)
    assert rows == _rows(theirs)
    assert rows or path.stem in NEEDS_DECISIONS, f"{path.stem} finds nothing in the examples"


def _titles_sorted(rows: list[tuple]) -> set[tuple]:
    return {(*r[:2], ", ".join(sorted(str(r[2]).split(", "))), *r[3:]) for r in rows}


def test_rewritten_queries_answer_as_the_old_ones(examples_kg):
    new = _rows(examples_kg.query((QUERIES / "entities-across-documents.rq").read_text()))
    old = _rows(examples_kg.query(OLD_ENTITIES_ACROSS_DOCUMENTS))
    assert [r[3:] for r in new] == [
        r[3:] for r in old
    ]  # entities tied at the 25th place may differ
    counts = {r[0]: r[3:] for r in old}
    assert all(counts[r[0]] == r[3:] for r in new if r[0] in counts)
    new = _rows(examples_kg.query((QUERIES / "people-and-posts.rq").read_text()))
    old = _rows(examples_kg.query(OLD_PEOPLE_AND_POSTS))
    assert len(new) == len(old) < 1000  # one page holds them all on the examples
    assert _titles_sorted(new) == _titles_sorted(old)


@pytest.mark.parametrize(
    "name", ["people-and-posts", "policies-by-issuer", "organizations-by-place"]
)
def test_pages_tile_the_sorted_answer(examples_kg, name):
    query = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    assert query.count("LIMIT 1000") == 1

    def page(limit: str) -> list[tuple]:
        return _rows(examples_kg.query(query.replace("LIMIT 1000", limit)))

    whole = page("LIMIT 6")
    assert len(whole) == 6
    assert page("LIMIT 3") + page("LIMIT 3 OFFSET 3") == whole


@pytest.fixture(scope="module")
def memory_kg(examples_kg):
    """The examples graph copied into the rdflib Memory backend."""
    import kg
    from kg.rdf import DOC_PREFIX
    from kg.vocab import RESOLUTION_GRAPH

    def plain(term):  # as kg writes them: xsd:string literals without a datatype
        if isinstance(term, Literal) and term.datatype == XSD.string:
            return Literal(str(term))
        return term

    graph = kg.KnowledgeGraph(config=kg.Config(backend="Memory"))
    quads = [
        (s, p, plain(o), graph.dataset.graph(getattr(g, "identifier", g)))
        for s, p, o, g in examples_kg.dataset.quads((None, None, None, None))
        if str(getattr(g, "identifier", g)).startswith(DOC_PREFIX)
        or str(getattr(g, "identifier", g)) == str(RESOLUTION_GRAPH)
    ]
    graph.dataset.addN(quads)
    return graph


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_queries_run_on_rdflib_memory_too(examples_kg, memory_kg, path):
    query = path.read_text(encoding="utf-8")
    assert len(_rows(memory_kg.query(query))) == len(_rows(examples_kg.query(query)))
