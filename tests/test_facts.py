"""Facts: records, scoring as GOLD_FORMAT.md says, and the rules that find them."""

from __future__ import annotations

import json

import pytest
import spacy
from conftest import ROOT, TRAIN_SET

from kg.evaluate import score
from kg.evaluate_facts import (
    FACTS_DIR,
    merge_fact_annotations,
    read_fact_annotations,
    score_facts,
)
from kg.extraction import extract
from kg.facts import find_facts, load_fact_rules
from kg.model import Document, Extraction, Fact

# --- records ---------------------------------------------------------------


def test_fact_round_trips_and_extraction_keeps_facts():
    fact = Fact(
        "Statement", "the reform works", 0, 16, 0, 30, "statement.v1", speaker="e1", about=("e2",)
    )
    x = Extraction(Document("d", "the reform works, Li said."), facts=(fact,))
    assert Extraction.from_dict(json.loads(json.dumps(x.to_dict()))) == x
    assert x.to_gold_dict()["facts"] == [
        {"type": "Statement", "text": "the reform works", "speaker": "e1", "about": ["e2"]}
    ]


def test_gold_dict_of_a_date_has_role_and_subject():
    fact = Fact(
        "Date", "by 2025", 0, 7, 0, 7, "date.year.v1", "2025", role="deadline", subject="e3"
    )
    assert fact.to_gold_dict() == {
        "type": "Date",
        "text": "by 2025",
        "value": "2025",
        "role": "deadline",
        "subject": "e3",
    }


# --- scoring ---------------------------------------------------------------

ENTS = [
    {"id": "e1", "type": "Person", "name": "Li Keqiang", "aliases": ["Li"]},
    {"id": "e3", "type": "Policy", "name": "negative list for market access", "aliases": []},
    {"id": "e4", "type": "Sector", "name": "outsourced services", "aliases": []},
]


def _doc(facts, entities=ENTS):
    return {"id": "d", "text": "", "entities": entities, "relations": [], "facts": facts}


def _amount(value, currency="CNY", subject="e4"):
    return {"type": "Amount", "text": "x", "value": value, "currency": currency, "subject": subject}


@pytest.mark.parametrize(
    ("gold", "pred", "strict", "value"),
    [
        (_amount(722580000000), _amount(722000000000), 1, 1),  # within 0.5 %
        (_amount(722580000000), _amount(700000000000), 0, 0),
        (_amount(2e9, "EUR"), _amount(2e9, "USD"), 0, 0),
        (_amount(2e9), _amount(2e9, subject="e3"), 0, 1),  # found, attached wrongly
        (
            {"type": "Percent", "text": "7.4 percent", "value": 7.4, "subject": "e4"},
            {"type": "Percent", "text": "7.4%", "value": 7.405, "subject": "e4"},
            1,
            1,
        ),
        (
            {
                "type": "Date",
                "text": "by 2025",
                "value": "2025",
                "role": "deadline",
                "subject": "e3",
            },
            {
                "type": "Date",
                "text": "2025",
                "value": "2025-01",
                "role": "deadline",
                "subject": "e3",
            },
            0,
            0,
        ),
    ],
)
def test_fact_values_match_as_gold_format_says(gold, pred, strict, value):
    report = score_facts([_doc([gold])], [_doc([pred])])
    kind = gold["type"]
    assert report.rows[kind].tp["strict"] == strict
    assert report.rows[kind].tp["value"] == value


def test_statement_needs_speaker_and_half_the_content_words():
    gold = {
        "type": "Statement",
        "text": "the reform would cut costs for small firms",
        "speaker": "e1",
        "about": ["e3"],
    }
    close = {**gold, "text": "reform would cut costs for small firms and farms"}
    far = {**gold, "text": "costs are high"}
    other = {**gold, "speaker": "e9"}
    ents = [*ENTS, {"id": "e9", "type": "Person", "name": "Wang Yang", "aliases": []}]
    report = score_facts([_doc([gold])], [_doc([close, far, other], ents)])
    assert report.rows["Statement"].tp["strict"] == 1
    assert report.rows["Statement"].predicted == 3


def test_relaxed_subject_match_uses_the_entity_rule():
    pred_ents = [{"id": "x", "type": "Policy", "name": "the negative list", "aliases": []}]
    gold = _amount(5, subject="e3")
    report = score_facts([_doc([gold])], [_doc([_amount(5, subject="x")], pred_ents)])
    assert report.f1("Amount", "strict") == 0.0
    assert report.f1("Amount", "relaxed") == 1.0


def test_role_accuracy_is_over_matched_dates():
    gold = [
        {"type": "Date", "text": "2025", "value": "2025", "role": "deadline", "subject": "e3"},
        {"type": "Date", "text": "2020", "value": "2020", "role": "issued", "subject": "e3"},
    ]
    pred = [{**gold[0], "role": "period"}, gold[1]]
    report = score_facts([_doc(gold)], [_doc(pred)])
    assert report.role_accuracy("strict") == 0.5


def test_documents_without_facts_key_are_not_scored_for_facts():
    plain = {"id": "p", "text": "", "entities": [], "relations": []}
    report = score([plain, _doc([])], [plain, _doc([_amount(1)])])
    assert report.facts is not None
    assert report.facts.documents == 1
    assert report.facts.rows["Amount"].predicted == 1
    assert "facts" in report.to_dict()
    assert "Statement" in report.to_table()
    assert score([plain], [plain]).facts is None


def test_project_annotations_merge_only_where_gold_has_none():
    gold = [{"id": "a", "facts": [_amount(1)]}, {"id": "b"}]
    merged = merge_fact_annotations(gold, {"a": [], "b": [_amount(2)]})
    assert merged[0]["facts"] == [_amount(1)]
    assert merged[1]["facts"] == [_amount(2)]


def test_project_annotations_are_valid_against_their_gold_documents():
    """Every annotated fact's text is in its document and its ids are gold entity ids."""
    annotations = read_fact_annotations(FACTS_DIR)
    assert len(annotations) >= 20
    docs = {}
    for folder in (TRAIN_SET, TRAIN_SET.parent / "dev"):
        for path in folder.glob("*.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            docs[data.get("id", path.stem)] = data
    for doc_id, facts in annotations.items():
        gold = docs[doc_id]
        assert "facts" not in gold, doc_id
        ids = {e["id"]: e["type"] for e in gold["entities"]}
        for fact in facts:
            assert fact["text"] in gold["text"], (doc_id, fact["text"])
            if fact["type"] == "Statement":
                assert ids[fact["speaker"]] in ("Person", "Organization"), (doc_id, fact)
                assert all(a in ids for a in fact["about"]), (doc_id, fact)
            else:
                assert fact["subject"] in ids, (doc_id, fact)
            if fact["type"] == "Amount":
                assert isinstance(fact["value"], (int, float)) and len(fact["currency"]) == 3
            if fact["type"] == "Date":
                assert fact["role"] in ("issued", "effective", "deadline", "period", "other")
    assert FACTS_DIR == ROOT / "eval" / "facts"


# --- finding ---------------------------------------------------------------

BLANK = spacy.blank("en")


def _find(text: str, doc_id: str = "d") -> list[tuple]:
    x = Extraction(Document(doc_id, text))
    return [(f.type, f.value, f.currency, f.role) for f in find_facts(x, [(BLANK(text), 0)])]


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("contracts worth 722.58 billion yuan", 722580000000, "CNY"),
        ("a fund of $52.7 billion", 52700000000, "USD"),
        ("a €2bn guarantee", 2000000000, "EUR"),
        ("RMB 100 million in loans", 100000000, "CNY"),
        ("1.5 trillion yuan of bonds", 1500000000000, "CNY"),
        ("Rs 1.26 lakh crore", 1260000000000, "INR"),
        ("Rs 91,000 crore", 910000000000, "INR"),
        ("about 5.3 billion U.S. dollars", 5300000000, "USD"),
        ("160 trillion won", 160000000000000, "KRW"),
        ("£15 million", 15000000, "GBP"),
        ("RM 2.5 billion", 2500000000, "MYR"),
        ("NT$300 million", 300000000, "TWD"),
    ],
)
def test_amounts_are_normalised_to_units_and_iso_4217(text, value, currency):
    assert _find(text)[0][:3] == ("Amount", value, currency)


def test_bare_dollar_takes_the_country_of_the_document():
    text = "WELLINGTON, New Zealand -- The fund has $40 million a year."
    assert ("Amount", 40000000, "NZD", None) in _find(text)


def test_won_without_a_scale_is_the_verb():
    assert _find("The party won 20 seats.") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("up 7.4 percent", 7.4),
        ("4.1 per cent", 4.1),
        ("a 25% tariff", 25),
        ("by 0.5 percentage points", 0.5),
    ],
)
def test_percentages(text, value):
    assert _find(text) == [("Percent", value, None, None)]


@pytest.mark.parametrize(
    ("text", "value", "role"),
    [
        ("BEIJING, March 3, 2021 -- It takes effect on 1 January 2022.", "2022-01-01", "effective"),
        (
            "BEIJING, March 3, 2021 -- Targets are set for 2025, to be met by 2025.",
            "2025",
            "deadline",
        ),
        ("BEIJING, March 3, 2021 -- The rules were issued in May 2020.", "2020-05", "issued"),
        ("BEIJING, March 3, 2021 -- The pilot ends by the end of next year.", "2022", "deadline"),
        ("BEIJING, March 3, 2021 -- Spending in fiscal 2023 rose.", "2023", "period"),
        ("BEIJING, March 3, 2021 -- The plan ends by mid-2025.", "2025", "deadline"),
        ("WASHINGTON, March 3, 2021 -- Funding rose over FY21 levels.", "2021", "other"),
    ],
)
def test_dates_get_iso_values_and_roles(text, value, role):
    found = [f for f in _find(text) if f[0] == "Date"]
    assert found[-1][1:] == (value, None, role)


def test_dateline_is_not_a_fact_and_gives_the_year():
    found = _find("JAKARTA, Jan. 1 -- The ban was signed in late August.", "ban-2020")
    assert found == [("Date", "2019-08", None, "issued")]


def test_fact_rules_have_ids_and_currency_codes():
    rules = load_fact_rules()
    for section in ("currencies", "scales", "months", "date_roles", "speech_verbs"):
        assert all("id" in e for e in rules.entries(section))
    assert all(len(c["code"]) == 3 for c in rules.entries("currencies"))


# --- end to end (real pipeline) -------------------------------------------


def test_figure_and_statement_are_tied_to_entities(nlp):
    text = (
        "BEIJING, March 3, 2021 -- The State Council issued the negative list for market access. "
        "The negative list for market access covers 722.58 billion yuan of contracts, up 7.4 "
        "percent.\n\nPremier Li Keqiang said the negative list for market access would cut costs "
        "for small firms."
    )
    (x,) = extract([Document("d", text)], nlp=nlp)
    names = {e.id: e.name for e in x.entities}
    by_type = {f.type: f for f in x.facts}
    assert by_type["Amount"].value == 722580000000
    assert "negative list" in names[by_type["Amount"].subject]
    statement = by_type["Statement"]
    assert names[statement.speaker] == "Li Keqiang"
    assert statement.text.endswith("would cut costs for small firms")
    assert text[statement.start : statement.end] == statement.text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "Treatment is free at public hospitals; Premier Li Keqiang said more than 13,000 "
            "hospitals had already signed up.",
            "more than 13,000 hospitals had already signed up",
        ),
        (
            "Premier Li Keqiang stressed the importance of opening the services sector further.",
            "the importance of opening the services sector further",
        ),
        (
            "“The plan will create jobs in every region,” said Premier Li Keqiang. “It is a good "
            "start for the services sector.”",
            "It is a good start for the services sector",
        ),
    ],
)
def test_statement_words_and_speaker(nlp, text, said):
    (x,) = extract([Document("d", text)], nlp=nlp)
    statements = {f.text: x.entity(f.speaker).name for f in x.facts if f.type == "Statement"}
    assert statements.get(said) == "Li Keqiang", statements


def test_percent_is_not_tied_to_the_dateline_place(nlp):
    text = "BEIJING, March 5 -- The growth target for 2024 is 5 percent, the State Council said."
    (x,) = extract([Document("d", text)], nlp=nlp)
    percent = next(f for f in x.facts if f.type == "Percent")
    assert percent.subject is None or x.entity(percent.subject).name != "Beijing"
