"""Entity rules that generalise across releases: each mechanism on a sentence of its own.

Run on the rules alone (``nlp_rules``), so the learned classifiers do not hide a rule.
"""

from __future__ import annotations

import pytest


def mentions(nlp, text: str) -> list[tuple[str, str, str]]:
    doc = nlp(text)
    return [(m[0], text[m[1] : m[2]], m[3]) for m in doc._.kg_mentions]


def typed(nlp, text: str) -> set[tuple[str, str]]:
    return {(t, name) for t, name, _ in mentions(nlp, text)}


# --- countries.jsonl names are places whatever NER calls them --------------------------


def test_a_country_ner_took_for_a_person_or_a_body_is_a_place(nlp_rules):
    got = typed(
        nlp_rules, "Leaders from Vanuatu, Samoa and Timor-Leste met. Brunei Darussalam joined."
    )
    for place in ("Vanuatu", "Samoa", "Timor-Leste", "Brunei Darussalam"):
        assert ("Location", place) in got


def test_a_country_inside_a_longer_name_stays_part_of_it(nlp_rules):
    got = typed(nlp_rules, "The Bank of China lent money to the U.S. Department of Labor.")
    assert ("Organization", "Bank of China") in got
    assert ("Location", "China") not in got


def test_a_country_form_that_is_also_an_organization_stays_the_organization(nlp_rules):
    got = typed(nlp_rules, "The European Union adopted the rules.")
    assert ("Organization", "European Union") in got
    assert ("Location", "European Union") not in got


def test_ner_places_keep_their_own_rule(nlp_rules):
    rules = {r for t, n, r in mentions(nlp_rules, "Officials in China said so.") if n == "China"}
    assert rules == {"ner.GPE"}


# --- programmes, funds, hubs and challenges named like bodies are policies --------------


@pytest.mark.parametrize(
    "text, name",
    [
        (
            "The department announced $7 billion for seven Regional Clean Hydrogen Hubs.",
            "Regional Clean Hydrogen Hubs",
        ),
        (
            "USDA is investing through the Rural Energy for America Program (REAP).",
            "Rural Energy for America Program",
        ),
        (
            "Projects under the Sustainable Food & Fibre Futures fund were approved.",
            "Sustainable Food & Fibre Futures fund",
        ),
    ],
)
def test_a_name_headed_or_ended_by_an_instrument_is_a_policy(nlp_rules, text, name):
    got = typed(nlp_rules, text)
    assert ("Policy", name) in got
    assert ("Organization", name) not in got


def test_a_fund_in_the_organization_lexicon_stays_a_body(nlp_rules):
    got = typed(nlp_rules, "The International Monetary Fund raised its forecast.")
    assert ("Organization", "International Monetary Fund") in got


# --- long titled names are not cut before 'and' ------------------------------------------


def test_a_titled_policy_name_runs_over_its_conjunct_and_place(nlp_rules):
    text = (
        "The Cabinet approved three more units under the Programme for Development of "
        "Semiconductors and Display Manufacturing Ecosystem in India on Thursday."
    )
    name = (
        "Programme for Development of Semiconductors and Display Manufacturing Ecosystem in India"
    )
    assert ("Policy", name) in typed(nlp_rules, text)


def test_a_titled_name_does_not_swallow_a_coordinated_body(nlp_rules):
    got = typed(
        nlp_rules, "He chairs the Rural Energy for America Program and Ministry of Finance."
    )
    assert ("Policy", "Rural Energy for America Program") in got
    assert ("Organization", "Ministry of Finance") in got


def test_landmark_is_no_part_of_a_policy_name(nlp_rules):
    got = typed(nlp_rules, "The minister unveiled the landmark affordable housing program.")
    assert not any(t == "Policy" and n.startswith("landmark") for t, n in got)


# --- kinds of places, datelines, administrations ---------------------------------------


def test_states_and_member_states_are_no_place_names(nlp_rules):
    got = typed(
        nlp_rules,
        "The funds go directly to all 50 States. Six ASEAN Member States ratified it.",
    )
    assert not any(t == "Location" and n in ("States", "Member States") for t, n in got)


def test_a_label_before_a_figure_is_no_dateline(nlp_rules):
    got = mentions(nlp_rules, "Duties per company:\nBYD: 17.4%;\nSAIC: 37.6%.\n")
    assert not any(r == "location.dateline.v1" for _, _, r in got)
    assert ("Organization", "BYD", "org.lexicon") in got
    dateline = mentions(nlp_rules, "BEIJING: The State Council said on Monday that trade grew.\n")
    assert ("Location", "BEIJING", "location.dateline.v1") in dateline


def test_a_leaders_administration_is_a_body(nlp_rules):
    got = typed(nlp_rules, "Under the Biden-Harris administration, jobs grew.")
    assert ("Organization", "Biden-Harris administration") in got
    got = typed(nlp_rules, "The Small Business Administration met.")
    assert ("Organization", "Small Business Administration") in got


# --- people NER misses after a form of address or a portfolio ----------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        (
            "Minister of Agriculture and Agri-Food, the Honourable Marie-Claude Bibeau, "
            "launched a call for proposals.",
            "Marie-Claude Bibeau",
        ),
        (
            "Today, the Honourable Fran\u00e7ois\u2011Philippe Champagne, Minister of Innovation, "
            "announced it.",
            "Fran\u00e7ois\u2011Philippe Champagne",
        ),
        (
            "Hon Damien O\u2019Connor\nAgriculture Minister Damien O\u2019Connor said.",
            "Damien O\u2019Connor",
        ),
    ],
)
def test_the_name_after_a_form_of_address_is_a_person(nlp_rules, text, name):
    got = typed(nlp_rules, text)
    assert ("Person", name) in got
    assert not any(n.startswith("Hon") for _, n in got)


def test_one_capitalised_word_after_an_honorific_is_no_person(nlp_rules):
    assert not any(t == "Person" for t, _ in typed(nlp_rules, "The Hon. Member asked."))


def test_the_holder_of_a_portfolio_is_a_person_not_part_of_a_body(nlp_rules):
    got = typed(nlp_rules, "U.S. Secretary of Education Miguel Cardona will highlight this.")
    assert ("Person", "Miguel Cardona") in got
    assert not any(t == "Organization" and "Cardona" in n for t, n in got)


def test_a_portfolio_without_a_holder_gives_no_person(nlp_rules):
    got = typed(nlp_rules, "The Secretary of State for Energy Security and Net Zero spoke.")
    assert not any(t == "Person" for t, _ in got)


# --- sector context: examples, hyphens, modifiers, acts ----------------------------------


def sectors(nlp, text: str) -> set[str]:
    return {name for t, name in typed(nlp, text) if t == "Sector"}


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "It will foster untact industries such as remote education and telemedicine.",
            {"remote education", "telemedicine"},
        ),
        (
            "It covers sectors including mining, construction and logistics.",
            {"mining", "construction", "logistics"},
        ),
        (
            "The deals promote sectors like financial services and renewable energy.",
            {"financial services", "renewable energy"},
        ),
    ],
)
def test_the_examples_after_a_sector_noun_are_sectors(nlp_rules, text, expected):
    assert expected <= sectors(nlp_rules, text)


def test_an_ambiguous_word_without_a_cue_stays_out(nlp_rules):
    assert "logistics" not in sectors(nlp_rules, "The logistics of the meeting were hard.")


def test_a_sector_word_glued_by_a_hyphen_is_not_a_sector(nlp_rules):
    got = sectors(nlp_rules, "China adds money to its trade-in drive for energy-saving homes.")
    assert not {"trade", "energy"} & got


def test_an_adjective_item_of_a_sector_list_is_a_sector(nlp_rules):
    got = sectors(nlp_rules, "The chips serve telecom, defence, automotive and steel.")
    assert "automotive" in got


def test_evaluative_modifiers_do_not_make_a_sector(nlp_rules):
    got = sectors(nlp_rules, "Firms in encouraged industries drive a strong economy.")
    assert not got
    got = sectors(nlp_rules, "Our vision is a unified manufacturing sector.")
    assert got == {"manufacturing sector"}


def test_a_sector_word_before_its_of_object_is_an_act(nlp_rules):
    text = "It will bolster the development and manufacturing of semiconductors."
    assert "manufacturing" not in sectors(nlp_rules, text)
    text = "They issued an outline for the construction of the economic circle."
    assert "construction" not in sectors(nlp_rules, text)
    text = "Members prepare for an uptake of renewables and improvement of efficiency."
    assert "renewables" in sectors(nlp_rules, text)
