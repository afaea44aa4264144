"""Alias merging within a document and entity keys across documents."""

from __future__ import annotations

import re

import pytest

from kg.model import Document, Mention, Relation
from kg.resolve import resolve
from kg.text import normalise_name


def mentions_for(text: str, spans: list[tuple[str, str, str]]) -> list[Mention]:
    """Mentions for ``(type, surface, rule)`` triples, located in order in ``text``."""
    out, pos = [], 0
    for typ, surface, rule in spans:
        start = text.index(surface, pos)
        pos = start + 1  # the next mention may be nested in this one
        end = start + len(surface)
        out.append(Mention(f"m{len(out) + 1}", typ, surface, start, end, 0, len(text), rule))
    return out


def names(extraction) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(e.type, e.name, e.aliases) for e in extraction.entities]


def test_alias_li_merges_with_li_keqiang():
    text = "Premier Li Keqiang spoke. Later Li said more."
    ms = mentions_for(
        text, [("Person", "Li Keqiang", "ner.PERSON"), ("Person", "Li", "ner.PERSON")]
    )
    x = resolve(Document("d", text), ms, [])
    assert names(x) == [("Person", "Li Keqiang", ("Li",))]


def test_western_surname_merges_with_full_name():
    text = "Penny Pritzker spoke. Pritzker said more."
    ms = mentions_for(
        text, [("Person", "Penny Pritzker", "ner.PERSON"), ("Person", "Pritzker", "ner.PERSON")]
    )
    assert len(resolve(Document("d", text), ms, []).entities) == 1


def test_lone_surname_picks_the_nearest_full_name_before_it():
    text = "Li Qiang met Li Keqiang. Li Keqiang left. Then Li spoke."
    ms = mentions_for(
        text,
        [
            ("Person", "Li Qiang", "ner.PERSON"),
            ("Person", "Li Keqiang", "ner.PERSON"),
            ("Person", "Li Keqiang", "ner.PERSON"),
            ("Person", "Li", "ner.PERSON"),
        ],
    )
    x = resolve(Document("d", text), ms, [])
    assert [(e.name, e.aliases) for e in x.entities] == [("Li Qiang", ()), ("Li Keqiang", ("Li",))]


def test_title_kept_as_role_and_titled_alias():
    text = "Premier Li Keqiang spoke."
    m = Mention("m1", "Person", "Li Keqiang", 8, 18, 0, 25, "ner.PERSON", role="Premier")
    (entity,) = resolve(Document("d", text), [m], []).entities
    assert entity.roles == ("Premier",)
    assert entity.aliases == ("Premier Li Keqiang",)


def test_acronym_defined_in_parentheses_merges_even_across_types():
    text = "The European Fund for Strategic Investments (EFSI) helps. EFSI grows."
    ms = mentions_for(
        text,
        [
            ("Policy", "European Fund for Strategic Investments", "ner.ORG"),
            ("Organization", "EFSI", "ner.ORG"),
            ("Organization", "EFSI", "ner.ORG"),
        ],
    )
    assert names(resolve(Document("d", text), ms, [])) == [
        ("Policy", "European Fund for Strategic Investments", ("EFSI",))
    ]


def test_acronym_spelled_by_initials_merges():
    text = "The National Development and Reform Commission said. Later the NDRC added."
    ms = mentions_for(
        text,
        [
            ("Organization", "National Development and Reform Commission", "ner.ORG"),
            ("Organization", "NDRC", "ner.ORG"),
        ],
    )
    assert len(resolve(Document("d", text), ms, []).entities) == 1


def test_shared_lexicon_key_merges_spelling_variants():
    text = "service outsourcing and outsourced services"
    ms = [
        Mention("m1", "Sector", "service outsourcing", 0, 19, 0, 44, "sector.lexicon", key="o-s"),
        Mention("m2", "Sector", "outsourced services", 24, 43, 0, 44, "sector.lexicon", key="o-s"),
    ]
    (entity,) = resolve(Document("d", text), ms, []).entities
    assert entity.key == "Sector/o-s"
    assert set([entity.name, *entity.aliases]) == {"service outsourcing", "outsourced services"}


@pytest.mark.parametrize(
    ("first", "second"),
    [("leisure", "leisure sectors"), ("manufacturing", "manufacturing industry")],
)
def test_sector_variants_merge(first, second):
    text = f"{first} grew; the {second} too"
    ms = mentions_for(
        text, [("Sector", first, "sector.head.v1"), ("Sector", second, "sector.head.v1")]
    )
    x = resolve(Document("d", text), ms, [])
    assert names(x) == [("Sector", first, (second,))]


def test_the_ministry_joins_the_one_ministry_named():
    text = "The Ministry of Finance (MOF) said. The ministry added."
    ms = mentions_for(
        text,
        [
            ("Organization", "Ministry of Finance", "ner.ORG"),
            ("Organization", "MOF", "ner.ORG"),
            ("Organization", "ministry", "org.anaphor"),
        ],
    )
    x = resolve(Document("d", text), ms, [])
    assert names(x) == [("Organization", "Ministry of Finance", ("MOF",))]
    assert len(x.entities[0].mentions) == 3


def test_a_short_form_with_nothing_to_mean_is_dropped():
    text = "The ministry said."
    ms = mentions_for(text, [("Organization", "ministry", "org.anaphor")])
    assert resolve(Document("d", text), ms, []).entities == ()


def test_the_plan_joins_the_nearest_plan_before_it():
    text = "A plan for steel came first. An action plan for coal came next. The plan covers mines."
    ms = mentions_for(
        text,
        [
            ("Policy", "plan for steel", "policy.instrument.v1"),
            ("Policy", "action plan for coal", "policy.instrument.v1"),
            ("Policy", "plan", "policy.anaphor"),
        ],
    )
    ms[2] = Mention(
        "m3", "Policy", "plan", text.rindex("plan"), text.rindex("plan") + 4, 0, 1, "policy.anaphor"
    )
    x = resolve(Document("d", text), ms, [])
    assert [len(e.mentions) for e in x.entities] == [1, 2]


def test_relations_are_lifted_deduplicated_and_type_checked():
    text = "Li Keqiang of the State Council. Li of the State Council."
    ms = mentions_for(
        text,
        [
            ("Person", "Li Keqiang", "ner.PERSON"),
            ("Organization", "State Council", "ner.ORG"),
            ("Person", "Li", "ner.PERSON"),
            ("Organization", "State Council", "ner.ORG"),
        ],
    )
    rels = [
        Relation("m1", "memberOf", "m2", "memberOf.appos.v1", 0, 30),
        Relation("m3", "memberOf", "m4", "memberOf.appos.v1", 31, 56),
        Relation("m2", "memberOf", "m1", "memberOf.bogus.v1", 0, 30),  # wrong types: dropped
    ]
    x = resolve(Document("d", text), ms, rels)
    assert [(r.subject, r.predicate, r.object, r.rule) for r in x.relations] == [
        ("e1", "memberOf", "e2", "memberOf.appos.v1")
    ]


def test_membership_of_a_unit_implies_membership_of_its_parent():
    text = "Zhu of the trade department of the MOC."
    ms = mentions_for(
        text,
        [
            ("Person", "Zhu", "ner.PERSON"),
            ("Organization", "trade department of the MOC", "org.unit_of.v1"),
            ("Organization", "MOC", "ner.ORG"),
        ],
    )
    rels = [
        Relation("m1", "memberOf", "m2", "memberOf.appos.v1", 0, 39),
        Relation("m2", "partOf", "m3", "partOf.of.v1", 0, 39),
    ]
    x = resolve(Document("d", text), ms, rels)
    got = {(r.subject, r.predicate, r.object, r.rule) for r in x.relations}
    assert ("e1", "memberOf", "e3", "memberOf.partOf_closure.v1") in got


def test_keys_are_stable_across_documents():
    a = Document("a", "Li Keqiang spoke.")
    b = Document("b", "Yesterday, the premier Li Keqiang spoke.")
    ka = resolve(a, mentions_for(a.text, [("Person", "Li Keqiang", "ner.PERSON")]), []).entities[0]
    kb = resolve(b, mentions_for(b.text, [("Person", "Li Keqiang", "ner.PERSON")]), []).entities[0]
    assert ka.key == kb.key == "Person/li keqiang"


def test_dateline_capitals_give_way_to_ordinary_spelling():
    text = "BEIJING -- Officials in Beijing said."
    ms = mentions_for(
        text, [("Location", "BEIJING", "location.dateline.v1"), ("Location", "Beijing", "ner.GPE")]
    )
    (entity,) = resolve(Document("d", text), ms, []).entities
    assert entity.name == "Beijing"
    assert entity.key == "Location/beijing"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("the State Council's", "state council"),
        ("The State Council\u2019s", "state council"),
        ("  Ministry   of Commerce ", "ministry of commerce"),
        ("SMEs'", "smes"),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_entity_ids_follow_first_mention_order():
    text = "China and Beijing and China"
    ms = [
        Mention(f"m{i}", "Location", m.group(), m.start(), m.end(), 0, len(text), "ner.GPE")
        for i, m in enumerate(re.finditer(r"China|Beijing", text), 1)
    ]
    x = resolve(Document("d", text), ms, [])
    assert [(e.id, e.name) for e in x.entities] == [("e1", "China"), ("e2", "Beijing")]


@pytest.mark.parametrize(
    ("long", "short"),
    [
        ("European Commission", "Commission"),
        ("Intel Corp", "Intel"),
        ("European Investment Bank Group", "EIB Group"),
    ],
)
def test_organization_short_forms_merge(long, short):
    text = f"The {long} spoke. The {short} agreed."
    ms = mentions_for(text, [("Organization", long, "ner.ORG"), ("Organization", short, "ner.ORG")])
    assert names(resolve(Document("d", text), ms, [])) == [("Organization", long, (short,))]


def test_an_embedded_body_is_not_a_short_form():
    text = "The General Office of the State Council and the State Council met."
    ms = mentions_for(
        text,
        [
            ("Organization", "General Office of the State Council", "ner.ORG"),
            ("Organization", "State Council", "org.of_inner.v1"),
            ("Organization", "State Council", "ner.ORG"),
        ],
    )
    assert len(resolve(Document("d", text), ms, []).entities) == 2


def test_short_policy_name_inside_one_longer_name_merges():
    text = "A negative list for foreign investment was cut. The negative list is shorter."
    ms = mentions_for(
        text,
        [
            ("Policy", "negative list for foreign investment", "policy.instrument.v1"),
            ("Policy", "negative list", "policy.instrument.v1"),
        ],
    )
    (entity,) = resolve(Document("d", text), ms, []).entities
    assert entity.name == "negative list for foreign investment"


def test_quoted_programme_also_tagged_as_organization_is_one_policy():
    text = "They launched \u201cSmart Ports\u201d. Smart Ports grew."
    ms = mentions_for(
        text,
        [("Policy", "Smart Ports", "policy.quoted.v1"), ("Organization", "Smart Ports", "ner.ORG")],
    )
    assert names(resolve(Document("d", text), ms, [])) == [("Policy", "Smart Ports", ())]
