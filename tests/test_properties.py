"""Any text goes in, a valid graph that round-trips comes out (issue 7, items 4 and 6).

Hypothesis feeds random and adversarial text (quotes, backslashes, newlines,
``<>``, emoji, right-to-left marks, control characters, NUL, very long tokens,
RDF and HTML syntax) through extraction and graph writing. The spaCy pipeline
is loaded once (kg caches it); the model-free properties run many more examples.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import XSD, Dataset, Graph, Literal
from test_reproducible import canonical_nquads

import kg
from kg.api import extract  # kg.extract itself: see test_kg_extract_stays_callable
from kg.model import ENTITY_TYPES, Document, Entity, Extraction, Mention
from kg.rdf import document_id, document_iri, entity_iri

MODEL_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,  # keep no example database in the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAST_SETTINGS = settings(max_examples=150, deadline=None, database=None)

HOSTILE = [
    '"', "'", '"""', "'''", "\\", '\\"', "\\u0022", "\n", "\r\n", "\r", "\t", "<", ">", "<>",
    "<script>alert(1)</script>", "</script>", "]]>", "&amp;", "{", "}", "@prefix", "^^",
    "@en", "_:b0", "#", "%", "%2F", "%ZZ", "/", "?", " . ", " ; ", "😀", "👩‍👩‍👧", "🇨🇳",
    "\u200f", "\u202e", "\u202c", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\u0085",
    "\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\x9f", "\ufffd", "\ufffe", "\U0010ffff",
    "e\u0301", "ﬁ", "Ⅻ", "İ", "ß", "\u0627\u0644\u0635\u064a\u0646", "中华人民共和国国务院",
]  # fmt: skip
NAMES = [
    "Li Keqiang", "Premier Li Keqiang", "State Council", "Ministry of Commerce", "Beijing",
    "Xi Jinping", "European Commission", "Made in China 2025", "semiconductors", "Shenzhen",
]  # fmt: skip
TEMPLATES = [
    "{a} of the {b} met officials in {c}.",
    "The {b} issued the {a} plan on Monday.",
    "{a}, head of the {b}, visited {c} to discuss {a}.",
]

hostile = st.sampled_from(HOSTILE)
long_token = st.integers(1_000, 20_000).map(lambda n: "x" * n)
piece = st.one_of(hostile, st.sampled_from(NAMES), st.text(max_size=30), long_token, st.just(" "))
name_like = st.lists(st.one_of(st.sampled_from(NAMES), hostile, st.text(max_size=8)),
                     min_size=1, max_size=4).map("".join)  # fmt: skip


@st.composite
def sentences(draw) -> str:
    """A sentence the NER will find entities in, with hostile text pushed into the names."""
    template = draw(st.sampled_from(TEMPLATES))
    return template.format(a=draw(name_like), b=draw(name_like), c=draw(name_like))


EVERYTHING = " ".join(f"{h}{n}{h}" for h, n in zip(HOSTILE, NAMES * 7)) + " " + "y" * 50_000
"""Every hostile fragment glued to an entity name, and one very long token."""

texts = st.one_of(
    st.text(max_size=300),
    st.lists(piece, max_size=12).map("".join),
    st.lists(st.one_of(sentences(), hostile), min_size=1, max_size=5).map(" ".join),
)


@pytest.fixture(scope="module", autouse=True)
def _pipeline(nlp):
    """Load the spaCy pipeline once; kg.extract and kg.build reuse kg's cached copy."""
    return nlp


def _rdflib_count(data: str, fmt: str) -> int:
    if fmt == "turtle":
        return len(Graph().parse(data=data, format="turtle"))
    ds = Dataset()
    ds.parse(data=data, format={"trig": "trig", "nquads": "nquads", "jsonld": "json-ld"}[fmt])
    return sum(len(g) for g in ds.graphs())


def assert_round_trips(graph: kg.KnowledgeGraph) -> None:
    """Every RDF serialization parses back (with rdflib) to as many statements as the store has."""
    nquads = graph.serialize(format="nquads") or ""
    quads = list(ox.parse(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    triples = {q.triple for q in quads}
    for fmt in ("trig", "nquads", "jsonld", "turtle"):
        data = graph.serialize(format=fmt)
        assert data is not None
        expected = len(triples) if fmt == "turtle" else len(quads)
        assert _rdflib_count(data, fmt) == expected, f"{fmt} lost or gained statements"
    # and the text itself survives, character for character (rdflib would normalise the
    # lexical form of typed literals such as dates, so compare the strings)
    ds = Dataset()
    ds.parse(data=graph.serialize(format="trig"), format="trig")
    parsed = Counter(
        str(o)
        for _, _, o, _ in ds.quads()
        if isinstance(o, Literal) and o.datatype in (None, XSD.string)
    )
    assert parsed == Counter(
        q.object.value
        for q in quads
        if isinstance(q.object, ox.Literal) and q.object.datatype.value == str(XSD.string)
    )


@MODEL_SETTINGS
@given(st.lists(texts, min_size=1, max_size=3))
@example([EVERYTHING])
def test_extract_never_raises_and_offsets_point_into_the_text(batch):
    for x in extract(batch):
        for entity in x.entities:
            for m in entity.mentions:
                assert 0 <= m.sentence_start <= m.start < m.end <= m.sentence_end
                assert x.document.text[m.start : m.end] == m.text


# A text such as "~" or "." names an existing folder, and kg.build rightly warns.
@pytest.mark.filterwarnings("ignore:kg.build got:UserWarning")
@MODEL_SETTINGS
@given(st.lists(texts, min_size=1, max_size=3))
@example([EVERYTHING, "", " \n\t ", "\x00"])
@example(["~0"])
@example(["~"])
def test_build_validates_and_round_trips_through_every_format(batch):
    graph = kg.build(batch)
    report = graph.validate()
    assert report.conforms, report.text
    assert_round_trips(graph)


def _hand_made(doc_id: str, text: str, names: list[str], kind: str) -> Extraction:
    body = " and ".join(names) + " " + text
    entities, start = [], 0
    for n, name in enumerate(names, 1):
        mention = Mention(f"m{n}", kind, name, start, start + len(name), 0, len(body), "test.rule")
        entities.append(Entity(f"e{n}", kind, name, (name + "!",), f"{kind}/{name}", (mention,)))
        start += len(name) + len(" and ")
    return Extraction(Document(doc_id, body), tuple(entities))


@FAST_SETTINGS
@given(
    doc_id=st.text(min_size=1, max_size=40),
    text=st.text(max_size=60),
    names=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=3, unique=True),
    kind=st.sampled_from(ENTITY_TYPES),
)
def test_any_names_write_replace_and_round_trip_without_a_model(doc_id, text, names, kind):
    extraction = _hand_made(doc_id, text, names, kind)
    with kg.KnowledgeGraph() as graph:
        graph.add_extractions([extraction])
        first = graph.serialize(format="nquads")
        # the second write replaces the document: the SPARQL-update path in kg.store
        graph.add_extractions([extraction])
        assert graph.serialize(format="nquads") == first
        assert graph.document_ids() == [doc_id]
        assert_round_trips(graph)
        assert graph.query("ASK { ?e skos:prefLabel ?n }", bindings={"n": names[0]}).askAnswer


@FAST_SETTINGS
@given(st.text(max_size=200))
def test_iris_are_valid_and_a_function_of_the_normalised_name(name):
    for iri in (entity_iri(f"Person/{name}"), document_iri(name)):
        ox.NamedNode(str(iri))  # raises on an invalid IRI
        assert not any(c in str(iri) for c in ' <>"{}|^`\\\n')
        assert len(str(iri)) < 2000 or iri == document_iri(name)
    # spelling that normalisation removes (case, blanks around and between words)...
    if name.isascii() and name.split() and len(name) <= 20:
        padded = f"  {name.upper()} ".replace(" ", "\t ")
        assert entity_iri(f"Person/{padded}") == entity_iri(f"Person/{name}")
    # ...and another name another one
    assert entity_iri(f"Person/{name} x") != entity_iri(f"Person/{name}")
    assert document_id(str(document_iri(name))) == name


SURROGATES = "Li Keqiang visited Beijing.\ud800 The State Council met.\udfff"


def test_build_repairs_lone_surrogates():
    graph = kg.build([SURROGATES])
    assert graph.validate().conforms
    assert_round_trips(graph)
    text = graph.serialize(format="nquads") or ""
    assert "\ufffd" in text and "\ud800" not in text


def test_extract_replaces_each_lone_surrogate_by_one_replacement_character():
    (x,) = extract([SURROGATES])
    assert x.document.text == SURROGATES.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")
    assert "State Council" in {e.name for e in x.entities}
    for m in (m for e in x.entities for m in e.mentions):
        assert x.document.text[m.start : m.end] == m.text  # offsets kept: one char each


def test_add_documents_with_lone_surrogates_stores_the_repaired_text():
    graph = kg.KnowledgeGraph()
    graph.add_documents([Document("d1", SURROGATES)])
    assert graph.document_ids() == ["d1"]
    anchors = [str(r[0]) for r in graph.query("SELECT ?t { ?s a nif:Sentence ; nif:anchorOf ?t }")]
    assert anchors and all("\ud800" not in a and "\udfff" not in a for a in anchors)
    assert any("\ufffd" in a for a in anchors)


def test_kg_extract_stays_callable():
    kg.build(["Li Keqiang visited Beijing."])
    assert callable(kg.extract)
    assert len(kg.extract(["Li Keqiang visited Beijing."])) == 1


POOL = {
    "cn-plan": "The State Council issued a plan on the services sector in Beijing.",
    "cn-premier": "Premier Li Keqiang chaired a State Council meeting on tourism and design.",
    "eu-act": "The European Commission adopted the Digital Markets Act in Brussels.",
    "us-chips": "The Commerce Department announced the CHIPS Act subsidies for semiconductors.",
    "cn-trade": "The Ministry of Commerce (MOFCOM) will cut tariffs on trade in services.",
    "cn-copy": "The State Council issued a plan on the services sector in Beijing.",
}
"""Short documents that share entities (and one text under two ids)."""


def _one_shot(ids) -> bytes:
    graph = kg.KnowledgeGraph()
    graph.add_documents([Document(d, POOL[d]) for d in sorted(ids)])
    return canonical_nquads((graph.serialize(format="nquads") or "").encode())


@settings(max_examples=12, deadline=None, database=None)
@given(
    order=st.permutations(sorted(POOL)),
    steps=st.lists(
        st.tuples(st.sampled_from(["add", "remove"]), st.sets(st.sampled_from(sorted(POOL)),
                                                            min_size=1, max_size=3)),
        max_size=4,
    ),
)  # fmt: skip
def test_adds_and_removes_in_any_order_give_the_graph_of_one_build(nlp, order, steps):
    graph = kg.KnowledgeGraph()
    graph.add_documents([Document(d, POOL[d]) for d in order[:3]])
    present = set(order[:3])
    for op, ids in steps:
        chosen = sorted(ids, key=order.index)
        if op == "add":
            graph.add_documents([Document(d, POOL[d]) for d in chosen])
            present |= ids
        elif present - ids:  # keep one document: an empty graph has no build metadata
            gone = [d for d in chosen if d in present]
            if gone:
                graph.remove_document(*gone)
                present -= ids
    assert graph.document_ids() == sorted(present)
    mine = canonical_nquads((graph.serialize(format="nquads") or "").encode())
    assert mine == _one_shot(present)
