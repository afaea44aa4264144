"""Corpus resolution in the graph: reconcile, decisions, kg review, authority identifiers."""

from __future__ import annotations

import json

import pytest
from conftest import QUERIES, run_kg
from rdflib import Literal

import kg
import kg.api
from kg.errors import InputError
from kg.rdf import entity_iri
from kg.rdf_resolution import Target, canonical_triples, local_triples
from kg.store.records import extraction_states, stored_states
from kg.vocab import FOAF, ITSRDF, KGO, ORG, RDF, RDFS, SKOS

HARBOR = (
    "The Northern Harbor Authority approved a new port plan on Monday. Director Maria "
    "Lindqvist of the Northern Harbor Authority said work starts in May.\n"
)
MEETING = (
    "NHA officials met shipping firms in Oslo. The NHA said the port plan will cut waiting times.\n"
)
BUDGET = "Finance Minister Tomas Berg presented the budget in Stockholm on Tuesday.\n"
NHA, FULL = "NHA", "Northern Harbor Authority"
MERGES = (QUERIES / "merges.rq").read_text(encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    """Three tiny documents: two name one body (in full, by acronym), one is unrelated."""
    folder = tmp_path / "in"
    folder.mkdir()
    paths = {}
    for name, text in [("harbor-plan", HARBOR), ("nha-meeting", MEETING), ("budget", BUDGET)]:
        paths[name] = folder / f"{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _dump(graph: kg.KnowledgeGraph) -> list[str]:
    """The named graphs but the build graph (its times differ), as sorted N-Quads lines."""
    lines = (graph.serialize(format="nquads") or "").splitlines()
    return sorted(line for line in lines if not line.rstrip(" .").endswith("/graph/build>"))


def _keys(graph: kg.KnowledgeGraph) -> dict[str, str]:
    """Label → local key, from the stored records."""
    return {s.name: s.local.key for s in stored_states(graph.dataset)}


def _merged_pair(graph: kg.KnowledgeGraph) -> tuple[str, str]:
    keys = _keys(graph)
    return keys[NHA], keys[FULL]


# -- records read back from the store ---------------------------------------


def test_stored_records_equal_extraction_records_before_and_after_a_merge():
    x1, x2 = kg.extract([HARBOR, MEETING])
    graph = kg.KnowledgeGraph()
    graph.add_extractions([x1, x2])
    fresh = [(s.local, s.name) for s in extraction_states(x1, x2)]
    assert [(s.local, s.name) for s in stored_states(graph.dataset)] == fresh
    a, b = _merged_pair(graph)
    graph.decide("reject", a, b)  # the rules merged them; now apart
    assert not any(s.merged for s in stored_states(graph.dataset))
    graph.decide("accept", a, b)
    after = stored_states(graph.dataset)
    assert [(s.local, s.name) for s in after] == fresh
    # one node for both keys, and at least one document's node moved onto it
    pair = [s for s in after if s.local.key in (a, b)]
    assert len({s.node for s in pair}) == 1 and any(s.merged for s in pair)


def test_local_form_comes_back_when_two_keys_of_one_document_share_a_node():
    a, b = entity_iri("Organization/a"), entity_iri("Organization/b")
    person = entity_iri("Person/p")
    local = [
        (a, RDF.type, ORG.Organization),
        (a, KGO.key, Literal("Organization/a")),
        (b, RDF.type, ORG.Organization),
        (b, KGO.key, Literal("Organization/b")),
        (person, RDF.type, FOAF.Person),
        (person, ORG.memberOf, b),
    ]
    for node, name in [(a, "A"), (b, "B")]:
        local += [(node, SKOS.prefLabel, Literal(name)), (node, RDFS.label, Literal(name))]
    for n, node in enumerate([a, b]):
        local.append((entity_iri(f"Mention/{n}"), ITSRDF.taIdentRef, node))
    target = {k: Target("Organization/a", "A") for k in ("Organization/a", "Organization/b")}
    moved = canonical_triples(local, target)
    assert not any(b in t for t in moved)
    assert (person, ORG.memberOf, a) in moved
    back = set(local_triples(moved))
    assert {t for t in local if t[1] in (ITSRDF.taIdentRef, KGO.key)} <= back


def test_a_relation_the_merged_type_cannot_hold_leaves_but_its_assertion_stays():
    plan, body = entity_iri("Policy/harbor authority"), entity_iri("Organization/city")
    claim = entity_iri("doc/d#rel-1")
    local = [
        (plan, RDF.type, KGO.Policy),
        (plan, KGO.key, Literal("Policy/harbor authority")),
        (body, RDF.type, ORG.Organization),
        (body, KGO.key, Literal("Organization/city")),
        (plan, KGO.issuedBy, body),
        (claim, RDF.subject, plan),
        (claim, RDF.predicate, KGO.issuedBy),
        (claim, RDF.object, body),
    ]
    for node, name in [(plan, "Harbor Authority"), (body, "City")]:
        local += [(node, SKOS.prefLabel, Literal(name)), (node, RDFS.label, Literal(name))]
    target = {"Policy/harbor authority": Target("Organization/harbor authority", "HA")}
    moved = canonical_triples(local, target)
    node = entity_iri("Organization/harbor authority")
    assert (node, RDF.type, ORG.Organization) in moved
    assert not any(p == KGO.issuedBy for _, p, _ in moved)  # an Organization issues no policy
    assert (claim, RDF.subject, node) in moved
    assert sorted(local_triples(moved)) == sorted(local)


# -- reconcile after build, add and remove -----------------------------------


def test_add_and_remove_give_what_a_fresh_build_gives(corpus, tmp_path):
    decisions = tmp_path / "decisions.tsv"
    probe = kg.build(files=[corpus["harbor-plan"], corpus["nha-meeting"]])
    a, b = _merged_pair(probe)
    decisions.write_text(f"accept\t{a}\t{b}\tsame body\n", encoding="utf-8")

    def fresh(*names: str) -> list[str]:
        return _dump(kg.build(files=[corpus[n] for n in names], decisions=decisions))

    path = tmp_path / "g"
    kg.build(files=[corpus["harbor-plan"]], path=path, decisions=decisions).close()
    graph = kg.api.add([corpus["nha-meeting"], corpus["budget"]], path)
    assert _dump(graph) == fresh("budget", "nha-meeting", "harbor-plan")
    assert len(graph.query(MERGES)) == 1
    graph.close()
    graph = kg.api.remove(["nha-meeting"], path)  # the merge loses its reason
    assert _dump(graph) == fresh("harbor-plan", "budget")
    assert len(graph.query(MERGES)) == 0
    graph.close()


def test_any_order_of_files_gives_the_same_merged_graph(corpus, tmp_path):
    probe = kg.build(files=[corpus["harbor-plan"], corpus["nha-meeting"]])
    a, b = _merged_pair(probe)
    decisions = tmp_path / "decisions.tsv"
    decisions.write_text(f"reject\tX/none\tY/none\naccept\t{b}\t{a}\n", encoding="utf-8")
    one = kg.build(files=list(corpus.values()), decisions=decisions)
    two = kg.build(files=list(reversed(corpus.values())), decisions=decisions)
    assert _dump(one) == _dump(two)
    assert one.last_reconciled is not None
    assert any("names no entity" in n for n in two.last_reconciled.notes)  # kept, noted


def test_a_fresh_build_on_disk_loads_merged_nodes_in_place(corpus, tmp_path):
    """A first build resolves the corpus before its bulk load: nothing is rewritten
    afterwards, and the graph equals an in-memory build reconciled after writing."""
    files = list(corpus.values())
    on_disk = kg.KnowledgeGraph(tmp_path / "g", create=True)  # what kg build fills
    on_disk.add_files(files)
    assert on_disk.last_reconciled is not None
    assert on_disk.last_reconciled.resolution.mapping  # NHA and its full name merged
    assert on_disk.last_reconciled.rewritten == ()
    assert _dump(on_disk) == _dump(kg.build(files=files))
    assert len(on_disk.query(MERGES)) == 1
    on_disk.close()


def test_nothing_is_rewritten_when_nothing_merges(corpus):
    graph = kg.build(files=[corpus["harbor-plan"], corpus["budget"]])
    assert graph.last_reconciled is not None
    assert not graph.last_reconciled.wrote
    assert not graph.review()


# -- decisions through the API -----------------------------------------------


def test_decide_by_label_merges_at_once_and_review_shows_the_evidence():
    graph = kg.build([HARBOR, MEETING])
    decision = graph.decide("accept", NHA, FULL, note="one port body")
    assert {decision.a, decision.b} == set(_merged_pair(graph))
    nodes = graph.query(
        "SELECT DISTINCT ?n WHERE { ?m itsrdf:taIdentRef ?n ; nif:anchorOf ?f "
        "FILTER (?f IN ('NHA', 'Northern Harbor Authority')) }"
    )
    assert len(nodes) == 1
    (item,) = graph.review()
    assert item.merged and item.decision == "accept" and item.note == "one port body"
    assert "NHA" in item.sentence_a + item.sentence_b
    assert "Northern Harbor Authority" in item.sentence_a + item.sentence_b
    frame = graph.review_df()
    assert list(frame["merged"]) == [True]
    report = graph.validate()  # the kgo:Merge shapes and the merged node's two keys hold
    assert not any(m in report.text for m in ("MergeShape", "kgo:key", "kgo:mergedKey"))
    graph.decide("reject", NHA, FULL)
    assert len(graph.query(MERGES)) == 0
    assert not graph.review()[0].merged


def test_a_decision_goes_to_the_users_file_and_the_graph_directory_keeps_a_copy(corpus, tmp_path):
    mine = tmp_path / "mine.tsv"
    path = tmp_path / "g"
    files = [corpus["harbor-plan"], corpus["nha-meeting"]]
    graph = kg.build(files=files, path=path, decisions=mine)
    graph.decide("accept", NHA, FULL)
    graph.close()
    assert mine.read_text(encoding="utf-8").count("accept\t") == 1
    assert (path / "decisions.tsv").read_text(encoding="utf-8") == mine.read_text(encoding="utf-8")


def test_a_label_that_names_two_entities_is_an_error_listing_them():
    graph = kg.build([HARBOR, "Lindqvist Shipping and Lindqvist Bank signed a deal in Oslo.\n"])
    keys = [s.local.key for s in stored_states(graph.dataset)]
    with pytest.raises(InputError, match="no entity"):
        graph.decide("accept", "Nobody Here", NHA if NHA in keys else keys[0])
    with pytest.raises(InputError, match="same entity"):
        graph.decide("accept", keys[0], keys[0])
    with pytest.raises(InputError, match="verdict"):
        graph.decide("maybe", keys[0], keys[1])


def test_match_entity_lists_every_key_a_shared_label_names():
    from kg.resolve.corpus import LocalEntity, resolve_corpus
    from kg.review import resolve_name
    from kg.store.records import EntityState

    states = [
        EntityState(LocalEntity("d1", "Person/li", ("Li",)), "Li", "x", "t", "Li"),
        EntityState(LocalEntity("d2", "Organization/li", ("Li",)), "Li", "y", "t", "Li"),
    ]
    resolution = resolve_corpus([s.local for s in states])
    with pytest.raises(InputError, match="matches 2 entities: Organization/li, Person/li"):
        resolve_name("li", states, resolution)
    assert resolve_name("Person/li", states, resolution) == "Person/li"
    assert resolve_name(str(entity_iri("Person/li")), states, resolution) == "Person/li"


# -- authority identifiers ---------------------------------------------------


def test_authority_table_adds_same_as_links(corpus, tmp_path):
    table = tmp_path / "ids.csv"
    table.write_text(
        "label_or_iri,external_iri\n"
        "Oslo,http://www.wikidata.org/entity/Q585\n"
        "Nowhere Town,http://www.wikidata.org/entity/Q1\n",
        encoding="utf-8",
    )
    path = tmp_path / "g"
    graph = kg.build(files=[corpus["nha-meeting"]], path=path, authority=table)
    rows = graph.query(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
        "SELECT ?n ?x WHERE { ?n owl:sameAs ?x ; schema:sameAs ?x }"
    )
    assert [(str(n), str(x)) for n, x in rows] == [
        (str(entity_iri("Location/oslo")), "http://www.wikidata.org/entity/Q585")
    ]
    assert any("Nowhere Town" in n for n in graph.last_summary.notices)
    assert (path / "authority.csv").is_file()  # remembered: a later add keeps the links
    graph.close()
    graph = kg.api.add([corpus["budget"]], path)
    assert graph.query("ASK { ?n schema:sameAs ?x }").askAnswer
    assert graph.validate().conforms
    graph.close()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("ids.csv", "label,iri\nOslo,http://x\n", "needs a header line"),
        (
            "ids.csv",
            "label_or_iri,external_iri\nOslo,not an iri\n",
            "not a label and an absolute IRI",
        ),
        ("ids.json", "[1, 2]", "must be a JSON object"),
        ("ids.json", "{oops", "not valid JSON"),
    ],
)
def test_a_bad_authority_file_is_one_clear_error(tmp_path, name, text, message):
    from kg.resolve.decisions import read_authority

    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_authority(tmp_path / name)


def test_a_bad_decisions_line_names_its_line(tmp_path):
    from kg.resolve.decisions import read_decisions

    path = tmp_path / "decisions.tsv"
    path.write_text("# mine\naccept\tA/a\tB/b\nmerge A and B\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"decisions.tsv:3: expected"):
        read_decisions(path)


def test_a_bad_decisions_file_stops_a_remove_before_it_removes(tmp_path):
    decisions = tmp_path / "decisions.tsv"
    graph = kg.build([MEETING], decisions=decisions)
    decisions.write_text("accept only-one-key\n", encoding="utf-8")
    with pytest.raises(InputError, match="decisions.tsv:1"):
        graph.remove_document("doc-1")
    assert graph.document_ids() == ["doc-1"]


def test_decisions_are_written_sorted_with_comments_kept(tmp_path):
    from kg.resolve.corpus import Decision
    from kg.resolve.decisions import read_decisions, record_decision

    path = tmp_path / "decisions.tsv"
    path.write_text("# checked by the desk\nreject\tZ/z\tY/y\n", encoding="utf-8")
    record_decision(path, Decision("accept", "B/b", "A/a", "same"))
    record_decision(path, Decision("accept", "Y/y", "Z/z"))  # replaces the reject
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == ["# checked by the desk", "accept\tA/a\tB/b\tsame", "accept\tY/y\tZ/z"]
    assert [d.verdict for d in read_decisions(path)] == ["accept", "accept"]


# -- the command line, end to end --------------------------------------------


def test_a_decision_made_with_kg_review_survives_build_and_add(corpus, tmp_path):
    graph = tmp_path / "g"
    folder = corpus["harbor-plan"].parent
    corpus["budget"].rename(tmp_path / "budget.txt")
    assert run_kg("build", str(folder), "-o", str(graph)).returncode == 0
    done = run_kg("review", "-g", str(graph), "--accept", NHA, FULL, "--note", "one body")
    assert done.returncode == 0, done.stderr
    assert "Recorded: accept" in done.stdout
    decisions = (graph / "decisions.tsv").read_text(encoding="utf-8")
    assert decisions.count("\naccept\t") == 1 and "one body" in decisions

    def merged() -> list[dict]:
        out = run_kg(
            "query", "-g", str(graph), "-f", str(QUERIES / "merges.rq"), "--format", "json"
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["results"]["bindings"]

    assert len(merged()) == 1
    assert run_kg("build", str(folder), "-o", str(graph)).returncode == 0  # from scratch
    assert len(merged()) == 1
    assert (graph / "decisions.tsv").read_text(encoding="utf-8") == decisions
    assert run_kg("add", str(tmp_path / "budget.txt"), "-g", str(graph)).returncode == 0
    assert len(merged()) == 1
    table = run_kg("review", "-g", str(graph))
    assert "decision.accept" in table.stdout and "NHA officials" in table.stdout


def test_review_prints_as_a_table_csv_and_json():
    from kg.cli.output import review_text
    from kg.review import ReviewItem

    item = ReviewItem(
        "Organization/a",
        "Organization/b",
        0.6,
        "corpus.acronym.v1",
        True,
        sentence_a="A, the agency, met.",
        sentence_b="B met.",
    )
    assert review_text([item], "csv").splitlines()[0].startswith("a,b,score,rule,merged,decision")
    assert json.loads(review_text([item], "json"))[0]["score"] == 0.6
    table = review_text([item], "table")
    assert "0.60  yes" in table and "a: A, the agency, met." in table
    assert review_text([], "table") == "No merge candidates or decisions.\n"


def test_kg_review_errors_are_one_line_and_exit_2(corpus, tmp_path):
    graph = tmp_path / "g"
    bad = tmp_path / "bad.tsv"
    bad.write_text("yes\tA\tB\n", encoding="utf-8")
    out = run_kg("build", str(corpus["nha-meeting"]), "-o", str(graph), "--decisions", str(bad))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "bad.tsv:1" in out.stderr
    assert not (graph / "store").exists()  # nothing half-written
    assert run_kg("build", str(corpus["nha-meeting"]), "-o", str(graph)).returncode == 0
    out = run_kg("review", "-g", str(graph), "--accept", "Atlantis", NHA)
    assert out.returncode == 2 and "no entity" in out.stderr and out.stderr.count("\n") == 1
    out = run_kg("add", str(corpus["budget"]), "-g", str(graph), "--authority", str(bad))
    assert out.returncode == 2 and "authority" in out.stderr


def test_shapes_catch_a_merge_that_names_no_node():
    from rdflib import Graph, URIRef

    from kg.validate import validate_graph

    data = Graph()
    merge = URIRef("https://w3id.org/policy-kg/id/merge/x")
    data.add((merge, RDF.type, KGO.Merge))
    data.add((merge, KGO.mergedKey, Literal("Organization/x")))
    report = validate_graph(data)
    assert not report.conforms and report.violations == 3  # no node, no rule, no document


def test_a_merged_node_that_speaks_stays_a_person_or_body():
    # "NHA" speaks in one document and the corpus rules merge it with its full name,
    # which the extraction typed Policy: a speaker is evidence of a body, so the merged
    # node is an Organization and every statement keeps a person or body as speaker.
    graph = kg.build([HARBOR, MEETING])
    assert len(graph.query(MERGES)) == 1
    assert graph.validate().conforms
    speakers = graph.query(
        "SELECT ?t WHERE { ?s a kgo:Statement ; prov:wasAttributedTo ?who . ?who a ?t }"
    )
    assert str(ORG.Organization) in {str(r[0]) for r in speakers}
    assert {str(r[0]) for r in speakers} <= {str(ORG.Organization), str(FOAF.Person)}
