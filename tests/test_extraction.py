"""Extraction end to end with the real model, chunking, streaming and multiprocessing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extraction import doc_to_extraction, extract, extract_documents, split_text
from kg.model import Document

NEWS = (
    "BEIJING, June 3 (Xinhua) -- Premier Wang Lihua chaired an executive meeting of the "
    "State Council on Friday, which decided to revise the catalog of encouraged industries "
    "for foreign investment.\n\n"
    "The National Development and Reform Commission (NDRC) will issue a three-year action "
    "plan for the cold chain logistics sector, the State Council's statement said. "
    "The NDRC said the plan would also support rural tourism and elderly care.\n\n"
    "Zhao Ming, a spokesperson for the Ministry of Commerce, said China's pilot free trade "
    "zones would expand. Zhao added that Chinese firms welcomed the move."
)


@pytest.fixture(scope="module")
def news(nlp):
    (x,) = extract([NEWS], nlp=nlp)
    return x


def by_name(extraction):
    return {e.name: e for e in extraction.entities}


def test_every_mention_indexes_the_document_text_exactly(news):
    for e in news.entities:
        for m in e.mentions:
            assert news.document.text[m.start : m.end] == m.text
            assert m.sentence_start <= m.start < m.end <= m.sentence_end
    for r in news.relations:
        assert 0 <= r.sentence_start < r.sentence_end <= len(NEWS)


def test_people_lose_titles_and_merge_with_surnames(news):
    people = [e for e in news.entities if e.type == "Person"]
    names = {e.name: set(e.aliases) for e in people}
    assert "Wang Lihua" in names and "Premier Wang Lihua" in names["Wang Lihua"]
    assert "Zhao Ming" in names and "Zhao" in names["Zhao Ming"]
    assert by_name(news)["Wang Lihua"].roles == ("Premier",)


def test_organizations_acronyms_and_possessives(news):
    ents = by_name(news)
    assert "NDRC" in ents["National Development and Reform Commission"].aliases
    assert "State Council" in ents and "State Council's" not in ents
    assert ents["Ministry of Commerce"].type == "Organization"


def test_nationality_is_not_a_location_and_dateline_is(news):
    places = {e.name for e in news.entities if e.type == "Location"}
    assert "Chinese" not in places
    assert {"Beijing", "China"} <= places


def test_policies_and_sectors(news):
    ents = by_name(news)
    policies = {e.name for e in news.entities if e.type == "Policy"}
    assert any("catalog of encouraged industries" in p for p in policies)
    assert any(p.startswith("three-year action plan") for p in policies)
    sectors = {e.name for e in news.entities if e.type == "Sector"}
    assert {"elderly care", "rural tourism"} <= sectors
    assert ents["elderly care"].key == "Sector/elderly-care"


def test_relations_of_each_predicate(news):
    ents = by_name(news)
    rels = {
        (news.entity(r.subject).name, r.predicate, news.entity(r.object).name)
        for r in news.relations
    }
    assert ("Wang Lihua", "memberOf", "State Council") in rels
    assert ("Zhao Ming", "memberOf", "Ministry of Commerce") in rels
    plan = next(n for n in ents if n.startswith("three-year action plan"))
    assert (plan, "issuedBy", "National Development and Reform Commission") in rels
    assert any(p == "concernsSector" and s == plan for s, p, o in rels)
    assert any(p == "locatedIn" and o == "China" for s, p, o in rels)
    assert all(r.rule.count(".") >= 1 for r in news.relations)


@given(st.text(alphabet="ab .\n", max_size=300), st.integers(min_value=5, max_value=60))
@settings(max_examples=200, deadline=None)
def test_split_text_loses_nothing_and_respects_the_size(text, size):
    pieces = split_text(text, size)
    assert "".join(chunk for _, chunk in pieces) == text
    assert all(len(chunk) <= size for _, chunk in pieces)
    assert all(text[off : off + len(chunk)] == chunk for off, chunk in pieces)


def test_split_text_prefers_paragraphs_then_sentences():
    text = "First para. Still first.\n\nSecond para here."
    assert split_text(text, 30)[0][1] == "First para. Still first.\n\n"
    assert split_text("One two. Three four five", 12)[0][1] == "One two. "


def test_long_text_is_chunked_with_offsets_shifted(nlp):
    text = "\n\n".join(
        f"Minister Chen Bo{i} of the Ministry of Finance spoke in Shanghai." for i in range(30)
    )
    comp = nlp.get_pipe("kg_entities")
    old = comp.chunk_size
    comp.chunk_size = 200
    try:
        (x,) = list(extract_documents([Document("long", text)], nlp))
    finally:
        comp.chunk_size = old
    mentions = [m for e in x.entities for m in e.mentions]
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert max(m.start for m in mentions) > 1500
    shanghai = next(e for e in x.entities if e.name == "Shanghai")
    assert len(shanghai.mentions) == 30


def test_order_is_kept_and_input_is_consumed_lazily(nlp):
    pulled = []

    def docs():
        for i in range(6):
            pulled.append(i)
            yield Document(f"d{i}", f"Li Wei{i} visited Beijing.")

    stream = extract_documents(docs(), nlp, batch_size=2)
    first = next(stream)
    assert first.document.id == "d0"
    assert len(pulled) < 6
    assert [x.document.id for x in stream] == [f"d{i}" for i in range(1, 6)]


def test_two_processes_give_the_same_result(nlp):
    docs = [
        Document(f"d{i}", f"The Ministry of Finance issued a plan for steel {i}.") for i in range(6)
    ]
    one = [x.to_gold_dict() for x in extract_documents(docs, nlp)]
    two = [x.to_gold_dict() for x in extract_documents(docs, nlp, n_process=2, batch_size=2)]
    assert one == two


def test_extract_numbers_plain_strings_and_keeps_documents(nlp):
    xs = extract(["Beijing.", Document("mine", "Shanghai.")], nlp=nlp)
    assert [x.document.id for x in xs] == ["doc-1", "mine"]


def test_doc_to_extraction_matches_the_stream(nlp):
    document = Document("d", "The State Council met in Beijing.")
    direct = doc_to_extraction(document, nlp(document.text))
    (streamed,) = extract_documents([document], nlp)
    assert direct.to_gold_dict() == streamed.to_gold_dict()


def test_empty_text_gives_an_empty_extraction(nlp):
    (x,) = extract([""], nlp=nlp)
    assert x.entities == () and x.relations == ()


# -- surface forms of real releases (issue 18): layout, apostrophes, headline roles --------


def test_headline_dateline_and_lead_are_separate_sentences(nlp):
    text = (
        "Ministry unveils plan for coastal shipping\n\n"
        "PORTVILLE, March 3 -- The Ministry of Transport issued a plan on Monday.\n"
        "- Ports will get new cranes.\n"
    )
    doc = nlp(text)
    starts = [s.text.strip() for s in doc.sents]
    assert starts[0] == "Ministry unveils plan for coastal shipping"
    assert "PORTVILLE, March 3 --" in starts
    assert "The Ministry of Transport issued a plan on Monday." in starts
    assert "- Ports will get new cranes." in starts


def test_typographic_apostrophe_extracts_like_the_plain_one(nlp):
    plain = (
        "Friday's decision follows the Cabinet's approval in May of Orion Devices' ATMP "
        "plant in Pune, the first project cleared under the programme. Canada's Minister "
        "of Trade Mary Ross welcomed Orion Technology's plan."
    )
    curly = plain.replace("'", "\u2019")
    a, b = extract([plain, curly], nlp=nlp)
    assert [(e.type, e.name) for e in a.entities] == [(e.type, e.name) for e in b.entities]
    assert [(r.subject, r.predicate, r.object) for r in a.relations] == [
        (r.subject, r.predicate, r.object) for r in b.relations
    ]
    # The evidence still quotes the text as written.
    assert all(curly[m.start : m.end] == m.text for e in b.entities for m in e.mentions)


def test_a_headline_phrase_is_not_part_of_a_role(nlp):
    text = (
        "Readout of Ambassador Jane Porter's Meeting with Trade Minister Kofi Mensah\n\n"
        "WASHINGTON - Ambassador Jane Porter met Trade Minister Kofi Mensah on Tuesday."
    )
    (x,) = extract([text], nlp=nlp)
    porter = next(e for e in x.entities if e.name == "Jane Porter")
    assert porter.roles == ("Ambassador",)
    assert not any(a.startswith("Readout") for a in porter.aliases)


def test_each_of_two_coordinated_appositions_names_its_own_body(nlp_rules):
    (x,) = extract(
        [
            "Lee Ji-won, head of the Korea Trade Agency, and Park Min-su, chairman of the "
            "Korean Steel Association, signed the agreement."
        ],
        nlp=nlp_rules,
    )
    links = {(x.entity(r.subject).name, x.entity(r.object).name) for r in x.relations}
    assert ("Lee Ji-won", "Korea Trade Agency") in links
    assert ("Park Min-su", "Korean Steel Association") in links
    assert ("Lee Ji-won", "Korean Steel Association") not in links


def test_every_form_of_a_country_is_one_place_keyed_by_its_country_id(nlp):
    a, b = extract(
        [
            "The People's Republic of China and the United States signed a deal. "
            "China and the U.S. will cut tariffs.",
            "Officials of the U.S. and China met in Geneva.",
        ],
        nlp=nlp,
    )
    places = {e.key: e for e in a.entities if e.type == "Location"}
    assert set(places) == {"Location/country.cn", "Location/country.us"}
    assert places["Location/country.cn"].name == "China"
    assert "People's Republic of China" in places["Location/country.cn"].aliases
    assert {"Location/country.cn", "Location/country.us"} <= {e.key for e in b.entities}
