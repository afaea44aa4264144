"""The RDF graph: identity, provenance, determinism, incremental updates, SHACL, stores."""

from __future__ import annotations

import warnings

import pytest
from rdflib import XSD, Dataset, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

import kg
from kg import Document, Entity, Extraction, KnowledgeGraph, Mention, Relation
from kg.rdf import document_iri, entity_iri
from kg.store import open_dataset
from kg.vocab import BUILD_GRAPH, ORG

TEXT_A = "Premier Li Keqiang chaired the State Council meeting in Beijing."
TEXT_B = "Li Keqiang said the State Council will revise the negative list."


def _mention(mid: str, typ: str, text: str, doc_text: str, rule: str = "test") -> Mention:
    start = doc_text.index(text)
    return Mention(mid, typ, text, start, start + len(text), 0, len(doc_text), rule)


def extraction_a() -> Extraction:
    doc = Document("doc-a", TEXT_A, source="a.txt")
    li = _mention("m1", "Person", "Li Keqiang", TEXT_A)
    sc = _mention("m2", "Organization", "State Council", TEXT_A)
    bj = _mention("m3", "Location", "Beijing", TEXT_A)
    return Extraction(
        doc,
        (
            Entity(
                "e1",
                "Person",
                "Li Keqiang",
                ("Premier Li Keqiang",),
                "Person/li keqiang",
                (li,),
                ("Premier",),
            ),
            Entity("e2", "Organization", "State Council", (), "Organization/state council", (sc,)),
            Entity("e3", "Location", "Beijing", (), "Location/beijing", (bj,)),
        ),
        (Relation("e1", "memberOf", "e2", "memberOf.chair.v1", 0, len(TEXT_A)),),
    )


def extraction_b(text: str = TEXT_B) -> Extraction:
    doc = Document("doc-b", text, source="b.txt")
    li = _mention("m1", "Person", "Li Keqiang", text)
    sc = _mention("m2", "Organization", "State Council", text)
    entities = [
        Entity("e1", "Person", "Li Keqiang", (), "Person/li keqiang", (li,)),
        Entity("e2", "Organization", "State Council", (), "Organization/state council", (sc,)),
    ]
    relations = []
    if "negative list" in text:
        nl = _mention("m3", "Policy", "negative list", text)
        entities.append(Entity("e3", "Policy", "negative list", (), "Policy/negative list", (nl,)))
        relations.append(Relation("e3", "issuedBy", "e2", "issuedBy.will.v1", 0, len(text)))
    return Extraction(doc, tuple(entities), tuple(relations))


def content(graph: KnowledgeGraph) -> Dataset:
    """The dataset's quads without the build-metadata graph, as an in-memory rdflib Dataset."""
    ds = Dataset()
    for s, p, o, g in graph.dataset.quads((None, None, None, None)):
        name = g.identifier if hasattr(g, "identifier") else g
        if name not in (BUILD_GRAPH, DATASET_DEFAULT_GRAPH_ID):
            if isinstance(o, Literal) and o.datatype == XSD.string:
                o = Literal(str(o))  # RDF 1.1: "x" and "x"^^xsd:string are the same literal
            ds.add((s, p, o, ds.graph(name)))
    return ds


def same_dataset(a: KnowledgeGraph, b: KnowledgeGraph) -> bool:
    da, db = content(a), content(b)
    names_a = sorted(str(g.identifier) for g in da.graphs() if len(g))
    names_b = sorted(str(g.identifier) for g in db.graphs() if len(g))
    if names_a != names_b:
        return False
    return all(
        isomorphic(to_isomorphic(da.graph(URIRef(n))), to_isomorphic(db.graph(URIRef(n))))
        for n in names_a
    )


def test_entity_iris_are_minted_from_the_key_alone_and_safe():
    expected = URIRef("https://w3id.org/policy-kg/id/person/li-keqiang")
    assert entity_iri("Person/li keqiang") == expected  # the same in every process and run
    assert entity_iri("Person/ Li  KEQIANG ") == expected
    assert entity_iri("Organization/li keqiang") != expected
    weird = entity_iri('Policy/a "b" <c> \\ d\n😀 \u202e' + "x" * 300)
    assert " " not in weird and "<" not in weird and '"' not in weird and len(weird) < 150


def test_entity_named_in_two_documents_is_one_node():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a(), extraction_b()])
    rows = list(graph.query("SELECT DISTINCT ?e WHERE { ?e a foaf:Person ; skos:prefLabel ?l }"))
    assert [str(r[0]) for r in rows] == [str(entity_iri("Person/li keqiang"))]
    docs = graph.query(
        "SELECT DISTINCT ?e ?d WHERE { ?m itsrdf:taIdentRef ?e ; nif:referenceContext ?d }",
        bindings={"e": entity_iri("Person/li keqiang")},
    )
    assert len(list(docs)) == 2
    assert len(graph.to_networkx()) == 4


def test_every_relation_has_its_evidence_sentence_and_rule():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a()])
    rows = list(
        graph.query(
            """SELECT ?rule ?sentence WHERE {
                 ?a rdf:subject ?s ; rdf:predicate org:memberOf ; rdf:object ?o ;
                    kgo:rule ?rule ; prov:wasDerivedFrom ?sent .
                 ?sent nif:anchorOf ?sentence }"""
        )
    )
    assert [(str(r[0]), str(r[1])) for r in rows] == [("memberOf.chair.v1", TEXT_A)]
    assert graph.last_reconciled is not None  # corpus resolution names the body by its lexicon
    body = graph.last_reconciled.resolution.canonical_key("Organization/state council")
    assert (entity_iri("Person/li keqiang"), ORG.memberOf, entity_iri(body)) in graph.dataset


def test_mentions_carry_offsets_surface_form_and_document():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a()])
    rows = list(
        graph.query(
            """SELECT ?surface ?b ?e ?id WHERE { ?m itsrdf:taIdentRef ?x ; nif:anchorOf ?surface ;
               nif:beginIndex ?b ; nif:endIndex ?e ; nif:referenceContext ?d . ?d dcterms:identifier ?id }
               ORDER BY ?b"""
        )
    )
    for surface, begin, end, doc_id in rows:
        assert TEXT_A[int(begin) : int(end)] == str(surface)
        assert str(doc_id) == "doc-a"


def test_two_builds_of_the_same_input_are_isomorphic():
    one, two = KnowledgeGraph(), KnowledgeGraph()
    one.add_extractions([extraction_a(), extraction_b()])
    two.add_extractions([extraction_b(), extraction_a()])
    assert same_dataset(one, two)


def test_build_a_then_add_b_equals_building_both():
    both = KnowledgeGraph()
    both.add_extractions([extraction_a(), extraction_b()])
    step = KnowledgeGraph()
    step.add_extractions([extraction_a()])
    step.add_extractions([extraction_b()])
    assert same_dataset(both, step)


def test_replacing_a_document_drops_what_only_it_supported():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a(), extraction_b()])
    assert graph.query("ASK { ?p a kgo:Policy }").askAnswer
    graph.add_extractions([extraction_b("Li Keqiang praised the State Council.")])
    assert not graph.query("ASK { ?p a kgo:Policy }").askAnswer
    assert graph.document_ids() == ["doc-a", "doc-b"]


def test_remove_document_keeps_entities_other_documents_support():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a(), extraction_b()])
    graph.remove_document("doc-b")
    assert graph.document_ids() == ["doc-a"]
    assert graph.query("ASK { ?p a foaf:Person }").askAnswer
    assert not graph.query("ASK { ?p a kgo:Policy }").askAnswer
    with pytest.raises(kg.InputError, match="no document 'nope'"):
        graph.remove_document("nope")


def test_memory_backend_gives_the_same_graph_as_oxigraph():
    ox_graph = KnowledgeGraph()
    mem_graph = KnowledgeGraph(config=kg.Config(backend="Memory"))
    for graph in (ox_graph, mem_graph):
        graph.add_extractions([extraction_a(), extraction_b()])
    assert same_dataset(ox_graph, mem_graph)
    assert ox_graph.serialize(format="nquads").count("\n") == mem_graph.serialize(
        format="nquads"
    ).count("\n")


def test_built_graph_conforms_to_shapes():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a(), extraction_b()])
    report = graph.validate()
    assert report.conforms, report.text
    report.raise_for_violations()


def test_shapes_catch_a_relation_without_provenance():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a()])
    wrong = (entity_iri("Person/li keqiang"), ORG.memberOf, entity_iri("Location/beijing"))
    graph.dataset.add((*wrong, graph.dataset.graph(document_iri("doc-a"))))
    graph.dataset.add(wrong)  # the merged default graph, as kg's own writes keep it
    report = graph.validate()
    assert not report.conforms
    assert report.violations >= 2  # wrong class and no assertion
    with pytest.raises(kg.ValidationError):
        report.raise_for_violations()


@pytest.mark.parametrize("fmt", ["trig", "nquads", "turtle", "ntriples", "jsonld"])
def test_hostile_text_round_trips_through_every_format(fmt):
    text = 'He said "<b>\\ok</b>"\n\ttab \u202eRTL 😀 \x07bell & done.'
    doc = Document("weird id/é", text)
    mention = Mention("m1", "Organization", text[:7], 0, 7, 0, len(text), "r")
    x = Extraction(
        doc, (Entity("e1", "Organization", text[:7], (text,), "Organization/" + text, (mention,)),)
    )
    graph = KnowledgeGraph()
    graph.add_extractions([x])
    data = graph.serialize(format=fmt)
    parsed = Dataset()
    parsed.parse(
        data=data, format={"nquads": "nquads", "ntriples": "nt", "jsonld": "json-ld"}.get(fmt, fmt)
    )
    sentences = {
        str(o)
        for s, p, o, g in parsed.quads((None, None, None, None))
        if str(p).endswith("anchorOf")
    }
    assert text in sentences


def test_open_missing_graph_dir_is_a_clear_error(tmp_path):
    with pytest.raises(kg.StoreError, match="run 'kg build"):
        open_dataset(tmp_path / "nothing")


def test_default_graph_has_no_duplicates_across_documents():
    graph = KnowledgeGraph()
    graph.add_extractions([extraction_a(), extraction_b()])
    rows = list(graph.query("SELECT ?l WHERE { ?e a foaf:Person ; skos:prefLabel ?l }"))
    assert len(rows) == 1
    graph.remove_document("doc-a")
    rows = list(graph.query("SELECT ?t WHERE { ?e a foaf:Person ; schema:jobTitle ?t }"))
    assert rows == []  # only doc-a said "Premier"
    assert graph.query("ASK { ?e a foaf:Person }").askAnswer


def test_add_reports_replaced_ids_and_the_same_text_under_another_id(nlp):
    graph = KnowledgeGraph()
    graph.add_documents([Document("a", TEXT_A), Document("b", TEXT_B)])
    summary = graph.add_documents([Document("a", TEXT_A + " Again."), Document("c", TEXT_B)])
    assert summary.replaced == ("a",)
    assert summary.duplicates == (("c", "b"),)
    assert summary.changes() == [
        "replaced 1 document with the same id: a",
        "warning: c has the same content as b, already in the graph; duplicates inflate "
        "every per-document count (kg remove c drops it)",
    ]
    assert graph.document_ids() == ["a", "b", "c"]


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_build_warns_when_a_text_names_a_file_or_folder(tmp_path, nlp, kind):
    target = tmp_path / "corpus"
    if kind == "folder":
        target.mkdir()
    else:
        target.write_text(TEXT_A, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        graph = kg.build([str(target)])
    said = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(said) == 1 and f"names an existing {kind}" in said[0]
    assert f"pass files=[{str(target)!r}]" in said[0]
    assert graph.document_ids() == ["doc-1"]  # the text was still taken as a text


def test_remove_rewrites_the_build_graph_like_a_build_of_what_is_left(nlp):
    graph = KnowledgeGraph()
    graph.add_documents([Document("a", TEXT_A), Document("b", TEXT_B)])
    graph.remove_document("b")
    rows = graph.query(
        "SELECT ?n ?d { GRAPH ?g { ?b kgo:documentCount ?n ; prov:generated ?d } }",
        bindings={"g": BUILD_GRAPH},
    )
    assert [(int(r[0]), str(r[1])) for r in rows] == [(1, str(document_iri("a")))]


def test_a_country_carries_its_iso_3166_code(examples_kg):
    rows = examples_kg.query(
        "SELECT ?label ?code WHERE { ?c skos:prefLabel ?label ; skos:notation ?code }"
    )
    codes = {str(r.label): r.code for r in rows}
    assert str(codes["China"]) == "CN"
    assert str(codes["China"].datatype).endswith("ISO3166Alpha2")
    assert "Beijing" not in codes  # a city has no country code
