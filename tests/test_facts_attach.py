"""Subject attachment of figures and dates, on hand-built parses (no model needed)."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from kg.facts import find_facts
from kg.facts.attach import _antecedent
from kg.facts.context import build_context
from kg.facts.rules import load_fact_rules
from kg.model import Document, Entity, Extraction, Mention

VOCAB = spacy.blank("en").vocab


def _doc(tokens: list[tuple[str, int, str, str]]) -> Doc:
    """A parsed ``Doc`` from (word, head index, dep, pos) tuples; the root heads itself."""
    words = [t[0] for t in tokens]
    return Doc(
        VOCAB,
        words=words,
        spaces=[
            i + 1 < len(words) and words[i + 1] not in ".,:;" and words[i] != "$"
            for i in range(len(words))
        ],
        heads=[t[1] for t in tokens],
        deps=[t[2] for t in tokens],
        pos=[t[3] for t in tokens],
    )


def _extraction(doc: Doc, entities: list[tuple[str, str, list[str]]]) -> Extraction:
    """Entities as (type, name, surface forms); every occurrence of a form is a mention."""
    text = doc.text
    out = []
    for n, (typ, name, forms) in enumerate(entities, 1):
        mentions = []
        for form in forms:
            start = text.find(form)
            while start >= 0:
                end = start + len(form)
                mentions.append(Mention(f"m{n}{start}", typ, form, start, end, 0, len(text), "t"))
                start = text.find(form, end)
        out.append(Entity(f"e{n}", typ, name, (), f"{typ}/{name}", tuple(mentions)))
    return Extraction(Document("d", text), entities=tuple(out))


def _subjects(doc: Doc, entities: list[tuple[str, str, list[str]]]) -> dict[str, str | None]:
    x = _extraction(doc, entities)
    names = {e.id: e.name for e in x.entities}
    return {f.text: names.get(f.subject or "") for f in find_facts(x, [(doc, 0)])}


def test_money_through_a_fund_is_about_the_fund_not_the_sector_it_funds():
    doc = _doc(
        [
            ("The", 1, "det", "DET"),
            ("FCC", 2, "nsubj", "PROPN"),
            ("authorized", 2, "ROOT", "VERB"),
            ("$", 5, "quantmod", "SYM"),
            ("311", 5, "compound", "NUM"),
            ("million", 2, "dobj", "NUM"),
            ("in", 5, "prep", "ADP"),
            ("broadband", 8, "compound", "NOUN"),
            ("funding", 6, "pobj", "NOUN"),
            ("through", 2, "prep", "ADP"),
            ("the", 11, "det", "DET"),
            ("Fund", 9, "pobj", "PROPN"),
            (".", 2, "punct", "PUNCT"),
        ]
    )
    ents = [("Organization", "FCC", ["FCC"]), ("Sector", "broadband", ["broadband"])]
    ents.append(("Policy", "Fund", ["Fund"]))
    assert _subjects(doc, ents)["$311 million"] == "Fund"


def test_the_body_that_gives_the_money_is_not_what_the_money_is_about():
    doc = _doc(
        [
            ("The", 1, "det", "DET"),
            ("ministry", 2, "nsubj", "NOUN"),
            ("gave", 2, "ROOT", "VERB"),
            ("5", 4, "compound", "NUM"),
            ("billion", 5, "nummod", "NUM"),
            ("yuan", 2, "dobj", "NOUN"),
            ("to", 2, "prep", "ADP"),
            ("farmers", 6, "pobj", "NOUN"),
            (".", 2, "punct", "PUNCT"),
        ]
    )
    ents = [("Organization", "ministry", ["ministry"]), ("Sector", "farming", ["farmers"])]
    assert _subjects(doc, ents)["5 billion yuan"] == "farming"


def test_the_industry_as_clause_subject_takes_the_figure_from_the_plan():
    doc = _doc(
        [
            ("MIIT", 1, "nsubj", "PROPN"),
            ("issued", 1, "ROOT", "VERB"),
            ("a", 3, "det", "DET"),
            ("plan", 1, "dobj", "NOUN"),
            ("for", 3, "prep", "ADP"),
            ("the", 8, "det", "DET"),
            ("big", 7, "amod", "ADJ"),
            ("data", 8, "compound", "NOUN"),
            ("industry", 4, "pobj", "NOUN"),
            (".", 1, "punct", "PUNCT"),
            ("The", 11, "det", "DET"),
            ("plan", 12, "nsubj", "NOUN"),
            ("says", 12, "ROOT", "VERB"),
            ("the", 14, "det", "DET"),
            ("industry", 16, "nsubj", "NOUN"),
            ("will", 16, "aux", "AUX"),
            ("be", 12, "ccomp", "AUX"),
            ("worth", 16, "acomp", "ADJ"),
            ("3", 19, "compound", "NUM"),
            ("trillion", 20, "nummod", "NUM"),
            ("yuan", 17, "npadvmod", "NOUN"),
            ("by", 16, "prep", "ADP"),
            ("2025", 21, "pobj", "NUM"),
            (".", 12, "punct", "PUNCT"),
        ]
    )
    ents = [("Policy", "plan", ["a plan"]), ("Sector", "big data industry", ["big data industry"])]
    x = _extraction(doc, ents)
    facts = {f.text: f for f in find_facts(x, [(doc, 0)])}
    assert x.entity(facts["3 trillion yuan"].subject).name == "big data industry"
    # the date that times the figure shares its subject
    assert facts["2025"].subject == facts["3 trillion yuan"].subject
    assert facts["2025"].subject_rule == "subject.with-figure.v1"


def test_a_source_is_never_the_subject():
    doc = _doc(
        [
            ("Sales", 1, "nsubj", "NOUN"),
            ("rose", 1, "ROOT", "VERB"),
            ("5", 3, "nummod", "NUM"),
            ("percent", 1, "dobj", "NOUN"),
            (",", 1, "punct", "PUNCT"),
            ("according", 1, "prep", "VERB"),
            ("to", 5, "prep", "ADP"),
            ("the", 8, "det", "DET"),
            ("association", 6, "pobj", "NOUN"),
            (".", 1, "punct", "PUNCT"),
        ]
    )
    assert _subjects(doc, [("Organization", "association", ["association"])]) == {"5 percent": None}


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        (
            "Duties are:\nBYD: 17.4%;\nSAIC: 37.6%.",
            [("Organization", "BYD", ["BYD"]), ("Organization", "SAIC", ["SAIC"])],
            {"17.4%": "BYD", "37.6%": "SAIC"},
        ),
        (
            "The Outline adds leave. The Outline says that under the 1995 Labor Law workers rest.",
            [("Policy", "Outline", ["Outline"]), ("Policy", "1995 Labor Law", ["1995 Labor Law"])],
            {"1995": "1995 Labor Law"},
        ),
    ],
)
def test_list_items_and_names_that_hold_the_figure(text, entities, expected):
    doc = spacy.blank("en")(text)
    assert _subjects(doc, entities) == expected


def test_the_bonds_are_the_policy_named_bonds_not_the_last_policy_with_bond_in_it():
    text = "Japan sold Climate Transition Bonds.\nThe Climate Transition Bond Framework sets rules."
    text += "\nThe bonds are repaid by 2050."
    doc = spacy.blank("en")(text)
    ents = [("Policy", "Climate Transition Bonds", ["Climate Transition Bonds"])]
    ents.append(("Policy", "Framework", ["Climate Transition Bond Framework"]))
    x = _extraction(doc, ents)
    ctx = build_context(x, [(doc, 0)], load_fact_rules())
    assert _antecedent(ctx, text.index("The bonds"), "bonds", "Policy") == "e1"
