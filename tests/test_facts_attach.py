"""Subject attachment of figures and dates, on hand-built parses (no model needed)."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from kg.facts import find_facts
from kg.facts.attach import _antecedent, attach_subject
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


def test_a_figure_with_no_subject_in_its_sentence_goes_to_the_main_policy_not_the_sector():
    text = "The HOME Program funds affordable housing. Affordable housing is scarce; "
    text += "affordable housing costs rise. Each home got $35,000."
    doc = spacy.blank("en")(text)
    ents = [("Policy", "HOME Program", ["HOME Program"])]
    ents.append(("Sector", "affordable housing", ["affordable housing", "Affordable housing"]))
    assert _subjects(doc, ents)["$35,000"] == "HOME Program"


def test_a_policy_under_which_money_is_spent_and_its_apposition():
    doc = _doc(
        [
            ("Seoul", 1, "nsubj", "PROPN"),
            ("unveiled", 1, "ROOT", "VERB"),
            ("the", 4, "det", "DET"),
            ("New", 4, "compound", "PROPN"),
            ("Deal", 1, "dobj", "PROPN"),
            (",", 4, "punct", "PUNCT"),
            ("a", 8, "det", "DET"),
            ("development", 8, "compound", "NOUN"),
            ("strategy", 4, "appos", "NOUN"),
            ("under", 14, "prep", "ADP"),
            ("which", 9, "pobj", "PRON"),
            ("the", 12, "det", "DET"),
            ("government", 14, "nsubj", "NOUN"),
            ("will", 14, "aux", "AUX"),
            ("invest", 8, "relcl", "VERB"),
            ("160", 16, "nummod", "NUM"),
            ("won", 14, "dobj", "NOUN"),
            (".", 1, "punct", "PUNCT"),
        ]
    )
    doc[10].tag_ = "WDT"
    ents = [("Policy", "New Deal", ["New Deal"]), ("Policy", "strategy", ["development strategy"])]
    ents.append(("Sector", "government", ["government"]))
    x = _extraction(doc, ents)
    names = {e.id: e.name for e in x.entities}
    ctx = build_context(x, [(doc, 0)], load_fact_rules())
    start = doc.text.index("160")  # "won" alone is the verb to the rules: attach directly
    subject, _ = attach_subject(ctx, "Amount", start, start + 7, load_fact_rules())
    assert names[subject or ""] == "New Deal"


def test_money_thanks_to_a_plan_is_about_the_plan():
    doc = _doc(
        [
            ("Thanks", 5, "npadvmod", "NOUN"),
            ("to", 0, "prep", "ADP"),
            ("the", 3, "det", "DET"),
            ("Plan", 1, "pobj", "PROPN"),
            ("HHS", 5, "nsubj", "PROPN"),
            ("announces", 5, "ROOT", "VERB"),
            ("$", 8, "quantmod", "SYM"),
            ("1", 8, "compound", "NUM"),
            ("billion", 5, "dobj", "NUM"),
            ("with", 5, "prep", "ADP"),
            ("the", 12, "det", "DET"),
            ("Center", 12, "compound", "PROPN"),
            ("Program", 9, "pobj", "PROPN"),
            (".", 5, "punct", "PUNCT"),
        ]
    )
    # "thanks to" hangs from the noun "Thanks", not from the verb the money hangs from
    ents = [("Policy", "Plan", ["Plan"]), ("Organization", "HHS", ["HHS"])]
    ents.append(("Policy", "Center Program", ["Center Program"]))
    assert _subjects(doc, ents)["$1 billion"] == "Plan"


def test_a_relative_clause_misattached_by_the_parser_still_finds_the_noun_before_that():
    doc = _doc(
        [
            ("It", 1, "nsubj", "PRON"),
            ("cuts", 1, "ROOT", "VERB"),
            ("emissions", 1, "dobj", "NOUN"),
            ("from", 2, "prep", "ADP"),
            ("heavy", 5, "amod", "ADJ"),
            ("sectors", 3, "pobj", "NOUN"),
            ("that", 7, "nsubj", "PRON"),
            ("represent", 2, "relcl", "VERB"),
            ("30", 9, "nummod", "NUM"),
            ("percent", 7, "dobj", "NOUN"),
            ("of", 9, "prep", "ADP"),
            ("U.S.", 12, "compound", "PROPN"),
            ("emissions", 10, "pobj", "NOUN"),
            (".", 1, "punct", "PUNCT"),
        ]
    )
    doc[6].tag_ = "WDT"
    ents = [("Sector", "heavy sectors", ["heavy sectors"]), ("Location", "U.S.", ["U.S."])]
    assert _subjects(doc, ents)["30 percent"] == "heavy sectors"


def test_a_name_made_of_the_figure_and_a_policy_noun_is_the_fund_named_before():
    text = "Canada opens the On-Farm Climate Action Fund today.\n"
    text += "From 2022 the $200-million Fund will support farmers."
    doc = spacy.blank("en")(text)
    ents = [("Policy", "On-Farm Climate Action Fund", ["On-Farm Climate Action Fund"])]
    ents.append(("Policy", "$200-million Fund", ["$200-million Fund"]))
    assert _subjects(doc, ents)["$200-million"] == "On-Farm Climate Action Fund"


def test_money_of_a_change_that_happened_falls_back_to_the_main_sector_not_the_policy():
    def parsed(verb: str, tag: str) -> Doc:
        words = f"The Plan backs trade and trade fairs . Exports {verb} 12 billion yuan .".split()
        tags = ["DT", "NNP", "VBZ", "NN", "CC", "NN", "NNS", ".", "NNS", tag, "CD", "CD", "NN"]
        return Doc(
            VOCAB,
            words=words,
            tags=[*tags, "."],
            lemmas=[{"grew": "grow", "reached": "reach"}.get(w, w.lower()) for w in words],
            sent_starts=[w in ("The", "Exports") for w in words],
        )

    ents = [("Policy", "Plan", ["Plan"]), ("Sector", "trade", ["trade"])]
    assert _subjects(parsed("grew", "VBD"), ents)["12 billion yuan"] == "trade"
    assert _subjects(parsed("reached", "VBD"), ents)["12 billion yuan"] == "Plan"


def test_a_lowercase_description_holding_the_figure_is_not_a_name_that_takes_it():
    text = "The RCEP Agreement will remove tariffs on about 90 percent of goods."
    ents = [("Policy", "RCEP Agreement", ["RCEP Agreement"])]
    ents.append(("Policy", "tariffs on goods", ["tariffs on about 90 percent of goods"]))
    assert _subjects(spacy.blank("en")(text), ents) == {"90 percent": "RCEP Agreement"}


def test_money_for_a_body_of_another_body_is_about_the_one_owned():
    text = "He announced $90 million for the Research Council's Photonics Centre."
    ents = [("Organization", "Research Council", ["Research Council"])]
    ents.append(("Organization", "Photonics Centre", ["Photonics Centre"]))
    assert _subjects(spacy.blank("en")(text), ents) == {"$90 million": "Photonics Centre"}


def test_without_a_document_topic_a_figure_takes_an_entity_of_the_previous_sentence():
    text = "The Photonics Centre opened. It cost $90 million."
    ents = [("Organization", "Photonics Centre", ["Photonics Centre"])]
    doc = spacy.blank("en")(text)
    doc[0].is_sent_start = True
    doc[5].is_sent_start = True
    for tok in doc[1:5]:
        tok.is_sent_start = False
    for tok in doc[6:]:
        tok.is_sent_start = False
    assert _subjects(doc, ents) == {"$90 million": "Photonics Centre"}
