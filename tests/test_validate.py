"""``kg validate`` piece by piece: the same results as pySHACL on the whole union, and a cache
that never hides a violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH, SKOS

from kg import Document, Entity, Extraction, KnowledgeGraph, Mention, Relation
from kg.rdf import document_iri, entity_iri
from kg.store import oxigraph_store
from kg.validate import CACHE_FILE, ValidationReport, validate_dataset, validate_graph
from kg.vocab import KGO, ORG

NAMES = ("Li Qiang", "Wang Wentao", "He Lifeng", "Ding Xuexiang", "Liu Guozhong")


def _extraction(i: int) -> Extraction:
    """A document in which one of five people chairs the State Council (entities shared)."""
    person = NAMES[i % len(NAMES)]
    text = f"Premier {person} chaired the State Council meeting in Beijing on day {i}."

    def mention(mid: str, typ: str, words: str) -> Mention:
        start = text.index(words)
        return Mention(mid, typ, words, start, start + len(words), 0, len(text), "test")

    return Extraction(
        Document(f"doc-{i:03d}", text, source=f"{i}.txt"),
        (
            Entity("e1", "Person", person, (), f"Person/{person.lower()}", (mention("m1", "Person", person),)),
            Entity("e2", "Organization", "State Council", (), "Organization/state council",
                   (mention("m2", "Organization", "State Council"),)),
            Entity("e3", "Location", "Beijing", (), "Location/beijing", (mention("m3", "Location", "Beijing"),)),
        ),
        (Relation("e1", "memberOf", "e2", "memberOf.chair.v1", 0, len(text)),),
    )  # fmt: skip


def _graph(n: int, path: Path | None = None) -> KnowledgeGraph:
    graph = KnowledgeGraph(path, create=path is not None)
    graph.add_extractions([_extraction(i) for i in range(n)])
    return graph


def _state(graph: KnowledgeGraph, s: URIRef, p: URIRef, o: object, doc: int) -> None:
    """Add a triple to one document graph and to the merged default graph, as kg writes."""
    ds = graph.dataset
    ds.add((s, p, o, ds.graph(document_iri(f"doc-{doc:03d}"))))  # type: ignore[arg-type]
    ds.add((s, p, o))  # type: ignore[arg-type]


def _node(graph: KnowledgeGraph, label: str) -> URIRef:
    """The node labelled ``label`` (corpus resolution may key it by a lexicon id)."""
    rows = graph.query("SELECT ?n WHERE { ?n skos:prefLabel ?l } ", bindings={"l": Literal(label)})
    (node,) = {URIRef(str(r[0])) for r in rows}  # type: ignore[index]
    return node


def _whole(graph: KnowledgeGraph) -> ValidationReport:
    """The old way: pySHACL on the union at once."""
    data = Graph()
    result = graph.dataset.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert result.graph is not None
    data += result.graph
    return validate_graph(data)


def _results(report: ValidationReport) -> set[tuple[str, str, str]]:
    g = report.graph
    return {
        (str(g.value(r, SH.focusNode)), str(g.value(r, SH.sourceConstraintComponent)),
         str(g.value(r, SH.resultPath)))
        for r in g.subjects(RDF.type, SH.ValidationResult)
    }  # fmt: skip


def _same_as_whole(graph: KnowledgeGraph) -> ValidationReport:
    pieces, whole = validate_dataset(graph.dataset), _whole(graph)
    assert (pieces.conforms, pieces.violations) == (whole.conforms, whole.violations)
    assert _results(pieces) == _results(whole)
    assert sorted(pieces.text.splitlines()) == sorted(whole.text.splitlines())
    return pieces


def test_a_clean_graph_conforms_as_a_whole_and_in_pieces():
    report = _same_as_whole(_graph(6))
    assert report.conforms and report.violations == 0
    assert report.text == "Validation Report\nConforms: True\n"


def test_a_bad_document_among_many_is_found_with_the_whole_union_results():
    graph = _graph(8)
    li = entity_iri("Person/li qiang")
    # no assertion, and a place is no organization
    _state(graph, li, ORG.memberOf, entity_iri("Location/beijing"), doc=5)
    report = _same_as_whole(graph)
    assert not report.conforms and report.violations >= 2
    assert f"Focus Node: <{li}>" in report.text


def test_an_entity_is_checked_on_the_union_of_its_documents():
    graph = _graph(6)
    # a bad key of an entity several documents name, stated by one of them
    _state(graph, _node(graph, "Beijing"), KGO.key, Literal(5), doc=4)
    # a label that only one document states still labels the entity everywhere
    _state(graph, _node(graph, "Li Qiang"), SKOS.altLabel, Literal("Premier Li"), doc=5)
    report = _same_as_whole(graph)
    assert report.violations == 1


def test_an_assertion_in_another_document_covers_a_relation():
    graph = _graph(6)
    wang, council = _node(graph, "Wang Wentao"), _node(graph, "State Council")
    _state(graph, wang, ORG.memberOf, council, doc=0)  # doc-001 asserts it, doc-000 does not
    assert _same_as_whole(graph).conforms


def test_a_bad_mention_is_found():
    graph = _graph(4)
    mention = URIRef(next(iter(graph.dataset.query(
        "SELECT ?m WHERE { ?m a nif:Phrase ; nif:referenceContext ?d . "
        "?d dcterms:identifier 'doc-002' } LIMIT 1"
    )))[0])  # fmt: skip
    _state(graph, mention, URIRef(str(KGO) + "page"), Literal(0), doc=2)
    report = _same_as_whole(graph)
    assert report.violations == 1 and f"<{mention}>" in report.text


def test_the_cache_finds_a_violation_made_after_a_cached_run(tmp_path):
    graph = _graph(12, tmp_path / "g")
    cache = tmp_path / "g" / CACHE_FILE
    assert validate_dataset(graph.dataset, cache=cache).conforms
    assert cache.exists()
    assert validate_dataset(graph.dataset, cache=cache).conforms  # from the cache
    li = entity_iri("Person/li qiang")
    _state(graph, li, ORG.memberOf, entity_iri("Location/beijing"), doc=10)
    inner = oxigraph_store(graph.dataset)
    assert inner is not None
    inner.flush()
    fresh = validate_dataset(graph.dataset)
    assert not fresh.conforms
    for _ in range(2):  # re-checked once, then from the cache: the same report
        cached = validate_dataset(graph.dataset, cache=cache)
        assert (cached.conforms, cached.violations, cached.text) == (
            fresh.conforms, fresh.violations, fresh.text)  # fmt: skip
        assert _results(cached) == _results(fresh)
    graph.dataset.remove((li, ORG.memberOf, entity_iri("Location/beijing"), None))
    inner.flush()
    assert validate_dataset(graph.dataset, cache=cache).conforms


def test_a_cache_of_other_shapes_or_a_broken_one_is_ignored(tmp_path):
    graph = _graph(3, tmp_path / "g")
    _state(graph, _node(graph, "Beijing"), KGO.key, Literal(5), doc=1)
    oxigraph_store(graph.dataset).flush()  # type: ignore[union-attr]
    cache = tmp_path / "g" / CACHE_FILE
    cache.write_text("{not json", encoding="utf-8")
    assert validate_dataset(graph.dataset, cache=cache).violations == 1
    cache.write_text(cache.read_text().replace('"fingerprint":"kg', '"fingerprint":"old'))
    assert validate_dataset(graph.dataset, cache=cache).violations == 1


@pytest.mark.parametrize("bad", [True, False])
def test_cli_validate_exit_codes_with_the_cache(tmp_path, capsys, bad):
    from kg.cli import main

    directory = tmp_path / "g"
    with _graph(5, directory) as graph:
        if bad:
            _state(graph, _node(graph, "Beijing"), KGO.key, Literal(5), doc=3)
    outputs = []
    for _ in range(2):  # the first run fills the cache, the second reads it
        assert main(["validate", "-g", str(directory)]) == (1 if bad else 0)
        outputs.append(capsys.readouterr().out)
    assert (directory / CACHE_FILE).exists()
    assert outputs[0] == outputs[1]
    assert ("1 violations" in outputs[0]) is bad


def test_line_separators_inside_literals_keep_their_triples_whole():
    graph = _graph(3)
    text = 'He said "A\u2028B\x85C\nD" \u202e.'
    doc = Document("doc-odd", text, source="odd.txt")
    mention = Mention("m1", "Organization", text[:7], 0, 7, 0, len(text), "r")
    entity = Entity("e1", "Organization", text[:7], (text,), "Organization/odd", (mention,))
    graph.add_extractions([Extraction(doc, (entity,))])
    report = _same_as_whole(graph)
    assert report.conforms, report.text


def _texts(graph: KnowledgeGraph) -> dict[str, bytes]:
    from kg.validate import _document_texts

    return _document_texts(graph.dataset)


def _content(pieces: list) -> list[tuple[object, ...]]:
    return [(p.name, p.lines, p.focus, p.blanks) for p in pieces]


def test_pieces_from_kept_document_summaries_are_those_of_the_whole_split():
    from kg.validate import _keyed_pieces, _lines, _pieces

    graph = _graph(7)
    keyed = _keyed_pieces(_texts(graph), {})
    assert keyed is not None
    kept = keyed[1]
    graph.add_extractions([_extraction(7)])
    _state(graph, _node(graph, "Beijing"), KGO.key, Literal(5), doc=2)  # doc 2 changes too
    texts = _texts(graph)
    whole = _content(list(_pieces({doc: _lines(text) for doc, text in texts.items()})))
    for known in ({}, kept):
        keyed = _keyed_pieces(texts, known)
        assert keyed is not None
        pieces, summaries = keyed
        assert _content([piece() for _, piece in pieces]) == whole
        reused = {doc for doc, s in summaries.items() if known.get(doc) is s}
        expected = {str(document_iri(f"doc-{i:03d}")) for i in (0, 1, 3, 4, 5, 6)}
        assert reused == (expected if known else set())


def test_only_changed_document_graphs_are_split_again(tmp_path, monkeypatch):
    import kg.validate as kv

    graph = _graph(6, tmp_path / "g")
    cache = tmp_path / "g" / CACHE_FILE
    assert validate_dataset(graph.dataset, cache=cache).conforms
    split: list[str] = []
    summarize = kv._summarize
    monkeypatch.setattr(kv, "_summarize", lambda doc, *a: split.append(doc) or summarize(doc, *a))
    graph.add_extractions([_extraction(6)])
    _state(graph, _node(graph, "Beijing"), KGO.key, Literal(5), doc=4)
    oxigraph_store(graph.dataset).flush()  # type: ignore[union-attr]
    cached = validate_dataset(graph.dataset, cache=cache)
    assert sorted(split) == [str(document_iri(f"doc-00{i}")) for i in (4, 6)]
    whole = _whole(graph)
    assert (cached.conforms, cached.violations) == (False, 1) == (whole.conforms, whole.violations)
    assert _results(cached) == _results(whole)


def test_a_document_node_stated_by_another_document_is_checked_on_the_whole_split(tmp_path):
    graph = _graph(4, tmp_path / "g")
    from kg.validate import _keyed_pieces

    _state(graph, document_iri("doc-000"), KGO.key, Literal(5), doc=1)
    oxigraph_store(graph.dataset).flush()  # type: ignore[union-attr]
    assert _keyed_pieces(_texts(graph), {}) is None
    _same_as_whole(graph)
    cache = tmp_path / "g" / CACHE_FILE
    for _ in range(2):
        report = validate_dataset(graph.dataset, cache=cache)
        assert _results(report) == _results(_whole(graph))


def test_prepared_sparql_gives_pyshacls_own_report():
    from pyshacl import validate

    from kg.validate import _shapes

    graph = _graph(6)
    li = _node(graph, "Li Qiang")
    _state(graph, li, ORG.memberOf, _node(graph, "Beijing"), doc=2)  # no assertion
    links = entity_iri("Person/links-without-type")
    for p, o in (
        (RDF.subject, li),
        (RDF.predicate, KGO.locatedIn),
        (RDF.object, _node(graph, "Beijing")),
    ):
        _state(graph, links, p, o, doc=3)
    _state(graph, li, KGO.locatedIn, _node(graph, "Beijing"), doc=3)  # asserted by an untyped node
    data = Graph()
    data += graph.dataset.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").graph  # type: ignore[operator]
    conforms, _, text = validate(data, shacl_graph=_shapes(), inference="none", allow_warnings=True)
    ours = validate_graph(data)
    assert (ours.conforms, ours.text) == (conforms, text)
    assert ours.violations == 4 and "SPARQLConstraintComponent" in text


def test_exists_patterns_start_from_the_variables_bound_outside():
    from kg.validate import _prepared

    text = f"""SELECT $this ?p ?value WHERE {{ $this ?p ?value .
        FILTER NOT EXISTS {{ ?a a <urn:A> ; <{RDF.subject}> $this ; <{RDF.object}> ?value . }} }}"""
    query = _prepared(text, None, frozenset())
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if getattr(node, "name", None) == "BGP" and len(node["triples"]) == 3:
                found.append(node["triples"])
            exists = getattr(node, "name", None) in ("Builtin_EXISTS", "Builtin_NOTEXISTS")
            # rdflib keeps the translated pattern of an EXISTS in an attribute
            for value in [node.graph] if exists else node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for x in node:
                walk(x)

    walk(query.algebra)
    (triples,) = found
    assert triples[-1][1] == RDF.type  # rdflib alone puts the type test first
