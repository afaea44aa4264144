"""Corpus-level resolution (kg/resolve/corpus.py): one node per thing across documents."""

from __future__ import annotations

import json
import random

import pytest

from kg.model import Document, Mention
from kg.patterns.rules import PATTERN_DIR
from kg.resolve import resolve
from kg.resolve.corpus import (
    CorpusResolution,
    Decision,
    LocalEntity,
    local_entities,
    resolve_corpus,
)
from kg.resolve.corpus_rules import lexicon_entry, loose
from kg.text import normalise_name


def le(doc: str, key: str, *forms: str, **kw: object) -> LocalEntity:
    return LocalEntity(doc, key, tuple(sorted(forms)), **kw)  # type: ignore[arg-type]


def rules_of(r: CorpusResolution) -> dict[str, str]:
    return {m.key: m.rule for m in r.merges}


# -- countries ----------------------------------------------------------------


def test_country_short_and_official_forms_map_onto_the_country_key():
    r = resolve_corpus(
        [
            le("d1", "Location/country.cn", "China", "PRC"),
            le("d2", "Organization/prc", "PRC"),
            le("d3", "Location/people's republic of china", "People's Republic of China"),
            le("d4", "Location/u.s.", "U.S."),
            le("d5", "Organization/united states of america", "United States of America"),
        ]
    )
    assert r.canonical_key("Organization/prc") == "Location/country.cn"
    assert r.canonical_key("Location/people's republic of china") == "Location/country.cn"
    assert r.canonical_key("Location/u.s.") == "Location/country.us"
    assert r.canonical_key("Organization/united states of america") == "Location/country.us"
    assert rules_of(r)["Organization/prc"] == "corpus.country.v1"
    assert r.names["Location/country.cn"] == "China"
    assert r.names["Location/country.us"] == "United States"


def test_a_body_keyed_by_the_organization_lexicon_is_not_made_a_country():
    r = resolve_corpus(
        [
            le("d1", "Organization/org.eu.union", "EU", "European Union"),
            le("d2", "Location/country.eu", "Europe"),
        ]
    )
    assert r.mapping == {}


# -- acronyms -----------------------------------------------------------------


def test_acronym_defined_in_one_document_resolves_a_bare_acronym_typed_otherwise():
    r = resolve_corpus(
        [
            le("d1", "Policy/european fund for strategic investments", "EFSI",
               "European Fund for Strategic Investments"),
            le("d2", "Organization/efsi", "EFSI"),
        ]
    )  # fmt: skip
    assert r.canonical_key("Organization/efsi") == "Policy/european fund for strategic investments"
    assert rules_of(r) == {"Organization/efsi": "corpus.acronym.v1"}
    assert r.names["Policy/european fund for strategic investments"] == (
        "European Fund for Strategic Investments"
    )


def test_ai_typed_sector_organization_and_location_becomes_one_sector():
    r = resolve_corpus(
        [
            le("d1", "Sector/artificial-intelligence", "AI", "artificial intelligence"),
            le("d2", "Organization/ai", "AI"),
            le("d3", "Location/ai", "AI"),
        ]
    )
    assert r.canonical_key("Organization/ai") == "Sector/artificial-intelligence"
    assert r.canonical_key("Location/ai") == "Sector/artificial-intelligence"
    assert r.names["Sector/artificial-intelligence"] == "artificial intelligence"


def test_sector_abbreviation_spelled_by_the_initials_of_a_full_name_in_the_corpus():
    r = resolve_corpus(
        [
            le("d1", "Sector/quantum sensing and timing", "quantum sensing and timing"),
            le("d2", "Organization/qst", "QST"),
        ]
    )
    assert r.canonical_key("Organization/qst") == "Sector/quantum sensing and timing"
    assert rules_of(r) == {"Organization/qst": "corpus.initials.v1"}


def test_acronym_with_two_expansions_is_listed_not_merged():
    r = resolve_corpus(
        [
            le("d1", "Sector/artificial intelligence", "artificial intelligence"),
            le("d2", "Organization/amnesty international", "Amnesty International"),
            le("d3", "Location/ai", "AI"),
        ]
    )
    assert "Location/ai" not in r.mapping
    pairs = {(c.a, c.b): c for c in r.candidates}
    for other in ("Organization/amnesty international", "Sector/artificial intelligence"):
        c = pairs[("Location/ai", other)]
        assert not c.merged and c.score < 0.5 and c.rule == "corpus.initials.v1"


def test_a_dateline_in_capitals_is_no_acronym_definition():
    r = resolve_corpus(
        [
            le("d1", "Location/wuhan municipality", "WUHAN", "Wuhan Municipality"),
            le("d2", "Organization/wuhan", "WUHAN"),
        ]
    )
    assert "Organization/wuhan" not in r.mapping


# -- same name, different types ------------------------------------------------


def test_same_name_with_different_types_gets_the_type_with_most_documents():
    r = resolve_corpus(
        [
            *(le(f"d{i}", "Sector/tidal finance", "tidal finance") for i in range(3)),
            le("d9", "Organization/tidal finance", "Tidal Finance"),
        ]
    )
    assert r.canonical_key("Organization/tidal finance") == "Sector/tidal finance"
    assert rules_of(r) == {"Organization/tidal finance": "corpus.type.v1"}
    (c,) = r.candidates
    assert c.merged and c.rule == "corpus.type.v1" and c.score == pytest.approx(0.875)
    assert any("3 document(s)" in line for line in c.evidence)


def test_a_lexicon_key_beats_a_statistical_one_with_more_documents():
    r = resolve_corpus(
        [
            le("d1", "Sector/artificial-intelligence", "artificial intelligence"),
            *(le(f"d{i}", "Organization/artificial intelligence", "Artificial Intelligence")
              for i in range(2, 5)),
        ]
    )  # fmt: skip
    assert r.canonical_key("Organization/artificial intelligence") == (
        "Sector/artificial-intelligence"
    )


def test_one_common_word_is_listed_but_never_merged_across_documents():
    r = resolve_corpus(
        [
            le("d1", "Organization/org.eu.commission", "Commission", "European Commission"),
            le("d2", "Organization/commission", "Commission"),
            le("d3", "Sector/energy", "energy"),
            le("d4", "Organization/energy", "Energy"),
        ]
    )
    assert r.mapping == {}
    assert {(c.a, c.b) for c in r.candidates} == {
        ("Organization/commission", "Organization/org.eu.commission"),
        ("Organization/energy", "Sector/energy"),
    }


def test_a_place_with_and_without_its_rank_is_one_place():
    r = resolve_corpus(
        [
            le("d1", "Location/sichuan province", "Sichuan Province"),
            le("d2", "Location/sichuan province", "Sichuan Province"),
            le("d3", "Location/sichuan", "Sichuan"),
        ]
    )
    assert r.canonical_key("Location/sichuan") == "Location/sichuan province"


def test_a_comma_dots_and_hyphens_are_no_part_of_a_names_identity():
    assert loose("Washington, D.C.") == loose("Washington D.C.") == loose("Washington DC")
    assert loose("U.S. Department of Labor") == loose("US Department of Labor")
    assert loose("Biden-Harris Administration") == loose("Biden Harris administration")
    # a lone initial stays a word: "J. Smith" is not "JSmith"
    assert loose("Gina M. Raimondo") == "gina m raimondo"
    assert loose("J. Smith") == "j smith"


def test_one_name_spelled_two_ways_is_one_node_even_where_a_document_kept_both():
    r = resolve_corpus(
        [
            le("d1", "Organization/u.s. department of labor", "U.S. Department of Labor"),
            le("d1", "Organization/us department of labor", "US Department of Labor"),
            le("d2", "Organization/us department of labor", "US Department of Labor"),
            le("d3", "Location/washington, d.c.", "Washington, D.C."),
            le("d4", "Location/washington d.c.", "WASHINGTON D.C."),
        ]
    )
    assert r.canonical_key("Organization/u.s. department of labor") == (
        "Organization/us department of labor"
    )
    assert rules_of(r)["Organization/u.s. department of labor"] == "corpus.spelling.v1"
    # Washington, D.C. is a corpus-level lexicon entry (corpus.json): its spellings map onto it
    assert r.canonical_key("Location/washington, d.c.") == "Location/place.us.dc"
    assert r.canonical_key("Location/washington d.c.") == "Location/place.us.dc"


def test_two_spellings_of_a_common_word_still_only_make_a_candidate():
    r = resolve_corpus(
        [
            le("d1", "Organization/co-operative bank", "Co-operative Bank"),
            le("d2", "Organization/cooperative bank", "Cooperative Bank"),
            le("d3", "Organization/council", "Council"),
            le("d4", "Organization/council.", "Council."),
        ]
    )
    # hyphens become spaces, they are not removed: "co operative" is not "cooperative"
    assert "Organization/co-operative bank" not in r.mapping
    assert "Organization/cooperative bank" not in r.mapping
    assert r.mapping == {}
    assert {(c.a, c.b, c.rule) for c in r.candidates} == {
        ("Organization/council", "Organization/council.", "corpus.spelling.v1")
    }


def test_washington_dc_in_every_spelling_is_one_place_and_washington_alone_is_not():
    r = resolve_corpus(
        [
            le("d1", "Location/d.c.", "D.C."),
            le("d1", "Location/washington", "WASHINGTON"),
            le("d2", "Location/district of columbia", "District of Columbia"),
            le("d3", "Location/washington dc", "Washington DC"),
            le("d4", "Location/washington", "Washington"),
        ]
    )
    dc = "Location/place.us.dc"
    for key in ("Location/d.c.", "Location/district of columbia", "Location/washington dc"):
        assert r.canonical_key(key) == dc
        assert rules_of(r)[key] == "corpus.lexicon.v1"
    assert r.canonical_key("Location/washington") == "Location/washington"
    assert r.names[dc] == "Washington, D.C."


def test_finance_typed_a_sector_is_financial_services_and_green_finance_is_not():
    r = resolve_corpus(
        [
            le("d1", "Sector/finance", "finance"),
            le("d2", "Sector/financial-services", "financial services"),
            le("d3", "Sector/green-finance", "green finance"),
            le("d4", "Organization/finance", "Finance"),
        ]
    )
    assert r.canonical_key("Sector/finance") == "Sector/financial-services"
    assert rules_of(r)["Sector/finance"] == "corpus.lexicon.v1"
    assert r.canonical_key("Sector/green-finance") == "Sector/green-finance"
    # "Finance" as a body (a ministry's short name) is no sector
    assert r.canonical_key("Organization/finance") == "Organization/finance"


def test_every_corpus_level_lexicon_form_names_its_entry():
    words = json.loads((PATTERN_DIR / "words" / "corpus.json").read_text(encoding="utf-8"))
    for key, forms in words["lexicon_forms"].items():
        typ = key.partition("/")[0]
        for form in forms:
            assert lexicon_entry(f"{typ}/{normalise_name(form)}") == key, form
    assert set(words["lexicon_entries"]) <= set(words["lexicon_forms"])


def test_a_policy_with_and_without_a_descriptor_word_is_one_policy():
    r = resolve_corpus(
        [
            le("d1", "Policy/home program", "HOME program"),
            le("d1", "Policy/home", "HOME"),
            le("d2", "Policy/home", "HOME"),
            le(
                "d3",
                "Policy/national energy and climate plans",
                "National Energy and Climate Plans",
            ),
            le("d4", "Policy/national energy and climate", "National Energy and Climate"),
        ]
    )
    # "HOME" alone is a bare acronym, a short name: the full name keys the node
    assert r.canonical_key("Policy/home") == "Policy/home program"
    assert rules_of(r)["Policy/home"] == "corpus.descriptor.v1"
    assert r.canonical_key("Policy/national energy and climate") == r.canonical_key(
        "Policy/national energy and climate plans"
    )


def test_a_name_two_policies_extend_is_listed_not_merged():
    r = resolve_corpus(
        [
            le("d1", "Policy/digital economy", "Digital Economy"),
            le("d2", "Policy/digital economy plan", "Digital Economy Plan"),
            le("d3", "Policy/digital economy strategy", "Digital Economy Strategy"),
            le("d4", "Organization/treasury", "Treasury"),
            le("d5", "Organization/treasury program", "Treasury program"),
            le("d6", "Policy/act", "Act"),
            le("d7", "Policy/act plan", "Act plan"),
            le("d8", "Policy/made in china", "Made in China"),
            le("d9", "Policy/made in china 2025", "Made in China 2025"),
        ]
    )
    assert r.mapping == {}
    listed = {(c.a, c.b) for c in r.candidates if c.rule == "corpus.descriptor.v1"}
    assert listed == {
        ("Policy/digital economy", "Policy/digital economy plan"),
        ("Policy/digital economy", "Policy/digital economy strategy"),
    }


# -- persons ------------------------------------------------------------------

NFRA = "Organization/org.cn.nfra"
STATE_COUNCIL = "Organization/org.cn.state-council"


def test_surname_merges_with_the_one_full_name_serving_the_same_body():
    r = resolve_corpus(
        [
            le("d1", "Person/li yunze", "Li Yunze", member_of=(NFRA,)),
            le("d2", "Person/li qiang", "Li Qiang", member_of=(STATE_COUNCIL,)),
            le("d3", "Person/li", "Li", member_of=(NFRA,)),
        ]
    )
    assert r.mapping == {"Person/li": "Person/li yunze"}
    assert rules_of(r) == {"Person/li": "corpus.person.v1"}
    merged = next(c for c in r.candidates if c.merged)
    assert f"both memberOf {NFRA}" in merged.evidence


def test_title_and_surname_merge_with_the_one_full_name_holding_that_title():
    r = resolve_corpus(
        [
            le("d1", "Person/wang wentao", "Wang Wentao", roles=("Commerce Minister",)),
            le("d2", "Person/wang yi", "Wang Yi", roles=("Foreign Affairs Spokesperson",)),
            le("d3", "Person/minister wang", "Minister Wang"),
        ]
    )
    assert r.mapping == {"Person/minister wang": "Person/wang wentao"}


def test_two_lis_with_different_full_names_stay_apart():
    r = resolve_corpus(
        [
            le("d1", "Person/li yunze", "Li Yunze", member_of=(NFRA,)),
            le("d2", "Person/li qiang", "Li Qiang", member_of=(STATE_COUNCIL,)),
            le("d3", "Person/li", "Li", member_of=(NFRA,)),
            le("d4", "Person/li", "Li", member_of=(STATE_COUNCIL,)),
        ]
    )
    assert r.mapping == {}
    assert {c.b for c in r.candidates if c.a == "Person/li"} == {
        "Person/li qiang",
        "Person/li yunze",
    }
    assert all(not c.merged for c in r.candidates)


def test_wang_with_two_full_name_candidates_is_not_merged():
    r = resolve_corpus(
        [
            le("d1", "Person/wang wentao", "Wang Wentao", roles=("Minister",)),
            le("d2", "Person/wang yi", "Wang Yi", roles=("Minister",)),
            le("d3", "Person/minister wang", "Minister Wang", roles=("Minister",)),
        ]
    )
    assert r.mapping == {}
    scores = {c.b: c.score for c in r.candidates}
    assert scores == {"Person/wang wentao": 0.5, "Person/wang yi": 0.5}


def test_surname_without_shared_context_is_not_merged():
    r = resolve_corpus(
        [le("d1", "Person/li qiang", "Li Qiang", roles=("Premier",)), le("d2", "Person/li", "Li")]
    )
    assert r.mapping == {}
    assert r.candidates[0].score == pytest.approx(0.2)


def test_honorific_and_middle_initial_variants_of_one_name_merge():
    r = resolve_corpus(
        [
            le("d1", "Person/gina m. raimondo", "Gina M. Raimondo"),
            le("d2", "Person/gina raimondo", "Gina Raimondo"),
            le("d3", "Person/hon damien o'connor", "Hon Damien O'Connor"),
            le("d4", "Person/damien o'connor", "Damien O'Connor"),
        ]
    )
    assert r.canonical_key("Person/gina raimondo") == r.canonical_key("Person/gina m. raimondo")
    assert r.canonical_key("Person/hon damien o'connor") == "Person/damien o'connor"
    assert r.names["Person/damien o'connor"] == "Damien O'Connor"


def test_different_middle_initials_are_different_people():
    r = resolve_corpus(
        [
            le("d1", "Person/john a. smith", "John A. Smith"),
            le("d2", "Person/john b. smith", "John B. Smith"),
            le("d3", "Person/john smith", "John Smith"),
        ]
    )
    assert r.mapping == {}


# -- decisions ----------------------------------------------------------------


def test_reject_blocks_a_rule_merge():
    records = [le("d1", "Location/country.cn", "China"), le("d2", "Organization/prc", "PRC")]
    assert resolve_corpus(records).mapping
    r = resolve_corpus(records, [Decision("reject", "Location/country.cn", "Organization/prc")])
    assert r.mapping == {}
    (c,) = r.candidates
    assert not c.merged and "kept apart by a reject decision" in c.evidence


def test_accept_merges_what_no_rule_would():
    records = [
        le("d1", "Person/wang wentao", "Wang Wentao", roles=("Minister",)),
        le("d2", "Person/wang yi", "Wang Yi", roles=("Minister",)),
        le("d3", "Person/minister wang", "Minister Wang", roles=("Minister",)),
    ]
    r = resolve_corpus(records, [Decision("accept", "Person/wang yi", "Person/minister wang")])
    assert r.mapping == {"Person/minister wang": "Person/wang yi"}
    assert rules_of(r) == {"Person/minister wang": "decision.accept"}


def test_accept_and_reject_of_one_pair_keep_it_apart():
    a, b = "Organization/ministry of tides", "Organization/mot"
    records = [le("d1", a, "Ministry of Tides"), le("d2", b, "MOT")]
    r = resolve_corpus(records, [Decision("accept", a, b), Decision("reject", b, a)])
    assert r.mapping == {}


# -- the result as a whole -----------------------------------------------------

CORPUS = [
    le("d1", "Location/country.cn", "China", "PRC"),
    le("d2", "Organization/prc", "PRC"),
    le("d1", "Sector/artificial-intelligence", "AI", "artificial intelligence"),
    le("d2", "Organization/ai", "AI"),
    le("d3", "Location/ai", "AI"),
    le("d1", "Person/li yunze", "Li Yunze", member_of=(NFRA,)),
    le("d2", "Person/li qiang", "Li Qiang", member_of=(STATE_COUNCIL,)),
    le("d3", "Person/li", "Li", member_of=(NFRA,)),
    le("d3", NFRA, "NFRA", "National Financial Regulatory Administration"),
    le("d4", "Organization/nfra", "NFRA"),
    le("d4", "Person/wang wentao", "Wang Wentao", roles=("Minister",)),
    le("d5", "Person/wang yi", "Wang Yi", roles=("Minister",)),
    le("d5", "Person/minister wang", "Minister Wang", roles=("Minister",)),
    le("d5", "Sector/tidal finance", "tidal finance"),
    le("d6", "Organization/tidal finance", "Tidal Finance"),
    le("d6", "Organization/commission", "Commission"),
    le("d7", "Organization/org.eu.commission", "Commission", "European Commission"),
]


def test_the_result_depends_only_on_the_set_of_inputs():
    decisions = [Decision("reject", "Organization/nfra", NFRA)]
    first = resolve_corpus(CORPUS, decisions)
    for seed in range(5):
        shuffled = CORPUS[:]
        random.Random(seed).shuffle(shuffled)
        assert resolve_corpus(shuffled, decisions[::-1]) == first
    assert resolve_corpus(CORPUS) != first


def test_candidates_come_most_uncertain_first_with_evidence():
    r = resolve_corpus(CORPUS)
    distances = [abs(c.score - 0.5) for c in r.candidates]
    assert distances == sorted(distances)
    assert all(0.0 <= c.score <= 1.0 and c.evidence for c in r.candidates)
    merged = {k for c in r.candidates if c.merged for k in (c.a, c.b)}
    assert {m.key for m in r.merges} <= merged


def test_every_merged_node_has_a_name_and_every_merge_a_rule():
    r = resolve_corpus(CORPUS)
    assert set(r.names) == {m.into for m in r.merges}
    assert all(m.rule.startswith("corpus.") and m.rule.endswith(".v1") for m in r.merges)
    assert {m.key for m in r.merges} == set(r.mapping)


def test_local_entities_of_an_extraction_carry_forms_and_name():
    text = "National Development and Reform Commission (NDRC) said"
    ms = [
        Mention("m1", "Organization", "National Development and Reform Commission", 0, 42, 0, 55,
                "ner.ORG"),
        Mention("m2", "Organization", "NDRC", 44, 48, 0, 55, "ner.ORG"),
    ]  # fmt: skip
    (one,) = local_entities(resolve(Document("d", text), ms, []))
    assert one.forms == ("NDRC", "National Development and Reform Commission")
    assert one.name == "National Development and Reform Commission" and one.mentions == 2
    bare = LocalEntity("e", "Organization/ndrc", ("NDRC",))
    r = resolve_corpus([one, bare])
    assert r.canonical_key(bare.key) == r.canonical_key(one.key) == "Organization/org.cn.ndrc"


def test_a_short_form_of_a_statistical_key_does_not_pull_a_namesake_from_another_document():
    r = resolve_corpus(
        [
            le(
                "d1", "Policy/action plan for clean air", "Action Plan", "Action Plan for Clean Air"
            ),
            le("d2", "Policy/action plan", "Action Plan"),
        ]
    )
    assert r.mapping == {}


def test_two_lexicon_entries_are_never_merged_by_a_rule():
    r = resolve_corpus(
        [
            le("d1", "Organization/org.eu.union", "EU", "European Union"),
            le("d2", "Location/country.eu", "EU"),
            le("d3", "Organization/eu", "EU"),
        ]
    )
    assert r.mapping == {"Organization/eu": "Organization/org.eu.union"}
    lexicon_pair = next(c for c in r.candidates if c.a == "Location/country.eu" and not c.merged)
    assert "both are lexicon entries" in lexicon_pair.evidence


def test_a_name_the_lexicon_lists_maps_onto_its_entry_even_when_no_document_keyed_it():
    r = resolve_corpus(
        [
            le("d1", "Sector/integrated circuit industry", "Integrated Circuit Industry"),
            le("d2", "Sector/semiconductors", "integrated circuit industry", "semiconductors"),
            le("d3", "Organization/ministry of commerce", "Ministry of Commerce"),
        ]
    )
    assert r.mapping == {
        "Organization/ministry of commerce": "Organization/org.ministry-of-commerce",
        "Sector/integrated circuit industry": "Sector/integrated-circuits",
    }
    assert set(rules_of(r).values()) == {"corpus.lexicon.v1"}


def test_a_surname_its_own_document_kept_apart_from_the_full_name_is_not_merged():
    r = resolve_corpus(
        [
            le("d1", "Person/li yunze", "Li Yunze", member_of=(NFRA,)),
            le("d2", "Person/li yunze", "Li Yunze", member_of=(NFRA,)),
            le("d2", "Person/li", "Li", member_of=(NFRA,)),
        ]
    )
    assert r.mapping == {}
    assert "separate entities in d2" in r.candidates[0].evidence


def test_a_full_name_the_surnames_document_kept_apart_is_no_candidate():
    r = resolve_corpus(
        [
            le("d1", "Person/li yunze", "Li Yunze", member_of=(NFRA,)),
            le("d2", "Person/li qiang", "Li Qiang", member_of=(STATE_COUNCIL,)),
            le("d2", "Person/li", "Li", member_of=(NFRA,)),
        ]
    )
    assert r.mapping == {"Person/li": "Person/li yunze"}


def test_a_shared_courtesy_title_is_no_evidence():
    r = resolve_corpus(
        [
            le("d1", "Person/john smith", "John Smith", roles=("Mr",)),
            le("d2", "Person/mr smith", "Mr Smith", roles=("Mr",)),
        ]
    )
    assert r.mapping == {}


def _random_corpus(seed: int, documents: int = 30) -> list[LocalEntity]:
    rng = random.Random(seed)
    words = ["alder", "birch", "cedar", "dune", "elm", "fjord", "grove", "heath"]
    out = []
    for d in range(documents):
        for _ in range(12):
            name = " ".join(rng.sample(words, rng.randint(1, 3)))
            typ = rng.choice(["Person", "Organization", "Sector", "Location", "Policy"])
            acr = "".join(w[0] for w in name.split()).upper()
            forms = rng.choice([(name.title(),), (acr,), (acr, name.title())])
            body = (f"Organization/{rng.choice(words)}",) if typ == "Person" else ()
            key = f"{typ}/{forms[-1].lower()}"
            out.append(le(f"d{d}", key, *forms, member_of=body, mentions=rng.randint(1, 3)))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_corpus_resolves_the_same_in_any_order(seed):
    records = _random_corpus(seed)
    keys = sorted({r.key for r in records})
    decisions = [Decision("reject", keys[0], keys[1]), Decision("accept", keys[2], keys[-1])]
    first = resolve_corpus(records, decisions)
    shuffled = records[:]
    random.Random(seed + 100).shuffle(shuffled)
    assert resolve_corpus(shuffled, decisions[::-1]) == first
    assert first.canonical_key(keys[2]) == first.canonical_key(keys[-1])
    assert first.canonical_key(keys[0]) != first.canonical_key(keys[1])
