"""kg's spaCy components: rule logic on hand-built Docs, rule files, loading."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

from kg.errors import ModelNotFoundError, PatternError
from kg.model import ENTITY_TYPES
from kg.pipeline import (
    DEFAULT_MODEL,
    KGEntities,
    KGRelations,
    RuleSet,
    load_pipeline,
    read_rule_file,
)
from kg.pipeline.words import Words

PIPELINE_DIR = Path(__file__).resolve().parent.parent / "kg" / "pipeline"


@pytest.fixture(scope="module")
def blank():
    """A blank English pipeline with kg's components (no model: rules only)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("kg_entities")
    nlp.add_pipe("kg_relations")
    return nlp


def build(nlp, spec: str) -> Doc:
    """A Doc from ``word/POS/TAG/dep/head[/ENT[/lemma]]`` items separated by spaces.

    ``head`` is the absolute token index; ``ENT`` is an IOB tag such as
    ``B-PERSON``. A trailing ``_`` on a word joins it to the next without a space.
    """
    words, spaces, pos, tags, deps, heads, ents, lemmas = [], [], [], [], [], [], [], []
    for item in spec.split():
        parts = item.split("/")
        word = parts[0].replace("~", " ")
        glue = word.endswith("_") and len(word) > 1
        words.append(word[:-1] if glue else word)
        spaces.append(not glue)
        pos.append(parts[1])
        tags.append(parts[2])
        deps.append(parts[3])
        heads.append(int(parts[4]))
        ents.append(parts[5] if len(parts) > 5 else "O")
        lemmas.append(parts[6] if len(parts) > 6 else words[-1].lower())
    return Doc(
        nlp.vocab,
        words=words,
        spaces=spaces,
        pos=pos,
        tags=tags,
        deps=deps,
        heads=heads,
        ents=ents,
        lemmas=lemmas,
    )


def mentions(nlp, doc: Doc) -> list[tuple[str, str, str | None]]:
    nlp.get_pipe("kg_entities")(doc)
    return [(m[0], doc.text[m[1] : m[2]], m[5]) for m in doc._.kg_mentions]


PREMIER_IN_ENT = (
    "Premier/PROPN/NNP/compound/2/B-PERSON Li/PROPN/NNP/compound/2/I-PERSON "
    "Keqiang/PROPN/NNP/nsubj/3/I-PERSON spoke/VERB/VBD/ROOT/3 ./PUNCT/./punct/3"
)
PREMIER_BEFORE_ENT = (
    "Premier/PROPN/NNP/compound/2 Li/PROPN/NNP/compound/2/B-PERSON "
    "Keqiang/PROPN/NNP/nsubj/3/I-PERSON spoke/VERB/VBD/ROOT/3 ./PUNCT/./punct/3"
)


@pytest.mark.parametrize("spec", [PREMIER_IN_ENT, PREMIER_BEFORE_ENT])
def test_title_is_split_from_a_person_and_kept_as_role(blank, spec):
    assert mentions(blank, build(blank, spec)) == [("Person", "Li Keqiang", "Premier")]


@pytest.mark.parametrize("apostrophe", ["'s", "\u2019s"])
def test_no_leading_determiner_and_no_possessive(blank, apostrophe):
    doc = build(
        blank,
        f"the/DET/DT/det/2/B-ORG State/PROPN/NNP/compound/2/I-ORG Council_/PROPN/NNP/poss/4/I-ORG "
        f"{apostrophe}/PART/POS/case/2/I-ORG plan/NOUN/NN/ROOT/4",
    )
    assert mentions(blank, doc) == [("Organization", "State Council", None)]


def test_nationality_word_is_not_a_place(blank):
    doc = build(blank, "Chinese/ADJ/JJ/amod/1/B-NORP firms/NOUN/NNS/nsubj/2 grew/VERB/VBD/ROOT/2")
    assert mentions(blank, doc) == []


def test_dateline_city_is_a_location(blank):
    doc = build(
        blank,
        "BEIJING_/PROPN/NNP/ROOT/0 ,/PUNCT/,/punct/0 March/PROPN/NNP/appos/0 12/NUM/CD/nummod/2 "
        "--/PUNCT/:/punct/0 Officials/NOUN/NNS/appos/0 met/VERB/VBD/acl/5",
    )
    assert ("Location", "BEIJING", None) in mentions(blank, doc)


CATALOG = (
    "The/DET/DT/det/1 meeting/NOUN/NN/nsubj/2 decided/VERB/VBD/ROOT/2 to/PART/TO/aux/4 "
    "revise/VERB/VB/xcomp/2 the/DET/DT/det/6 catalog/NOUN/NN/dobj/4 of/ADP/IN/prep/6 "
    "key/ADJ/JJ/amod/9 areas/NOUN/NNS/pobj/7 in/ADP/IN/prep/6 outsourced/VERB/VBN/amod/12 "
    "services/NOUN/NNS/pobj/10 ./PUNCT/./punct/2"
)


def test_instrument_headed_phrase_is_a_policy_with_its_sector(blank):
    got = mentions(blank, build(blank, CATALOG))
    assert ("Policy", "catalog of key areas in outsourced services", None) in got
    assert ("Sector", "outsourced services", None) in got


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # "a new action plan": evaluative adjectives are not part of the name
        (
            "a/DET/DT/det/3 new/ADJ/JJ/amod/3 action/NOUN/NN/compound/3 plan/NOUN/NN/ROOT/3",
            "action plan",
        ),
        # "the 14th Five-Year Plan"
        (
            "the/DET/DT/det/5 14th/ADJ/JJ/amod/5 Five_/PROPN/NNP/compound/4 -_/PUNCT/HYPH/punct/4 "
            "Year/PROPN/NNP/compound/5 Plan/PROPN/NNP/ROOT/5",
            "14th Five-Year Plan",
        ),
    ],
)
def test_policy_boundaries(blank, spec, expected):
    got = [text for typ, text, _ in mentions(blank, build(blank, spec)) if typ == "Policy"]
    assert got == [expected]


def test_a_bare_instrument_names_nothing(blank):
    doc = build(blank, "The/DET/DT/det/1 plan/NOUN/NN/nsubj/2 works/VERB/VBZ/ROOT/2")
    blank.get_pipe("kg_entities")(doc)
    # Only a short form, to be resolved to a plan named earlier (or dropped).
    assert [m[3] for m in doc._.kg_mentions] == ["policy.anaphor"]


def test_quoted_programme_name_is_a_policy(blank):
    doc = build(
        blank,
        "promote/VERB/VB/ROOT/0 \u201c_/PUNCT/``/punct/2 Services/PROPN/NNP/compound/3 "
        "Plus_/PROPN/NNP/dobj/0 ./PUNCT/./punct/0 \u201d/PUNCT/''/punct/0",
    )
    assert ("Policy", "Services Plus", None) in mentions(blank, doc)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("the/DET/DT/det/2 charging/NOUN/NN/compound/2 sector/NOUN/NN/ROOT/2", "charging sector"),
        ("the/DET/DT/det/2 world/NOUN/NN/compound/2 economy/NOUN/NN/ROOT/2", None),
        ("elderly/ADJ/JJ/amod/1 care/NOUN/NN/ROOT/1", "elderly care"),
        ("cloud/NOUN/NN/compound/1 outsourcing/NOUN/NN/ROOT/1", "cloud outsourcing"),
    ],
)
def test_sector_lexicon_and_head_rules(blank, spec, expected):
    got = [text for typ, text, _ in mentions(blank, build(blank, spec)) if typ == "Sector"]
    assert got == ([expected] if expected else [])


def test_ambiguous_sector_word_needs_a_list_with_a_sure_sector(blank):
    alone = build(blank, "good/ADJ/JJ/amod/1 design/NOUN/NN/ROOT/1")
    assert mentions(blank, alone) == []
    listed = build(
        blank,
        "accounting_/NOUN/NN/ROOT/0 ,/PUNCT/,/punct/0 design/NOUN/NN/conj/0 and/CCONJ/CC/cc/2 "
        "testing/NOUN/NN/conj/2",
    )
    assert [t for _, t, _ in mentions(blank, listed)] == ["accounting", "design", "testing"]


def relations(nlp, doc: Doc, spans: list[tuple[str, str]]) -> set[tuple[str, str, str, str]]:
    """Run kg_relations over hand-placed mentions ``(type, surface)``."""
    ms, pos = [], 0
    for typ, surface in spans:
        start = doc.text.index(surface, pos)
        pos = start + 1
        ms.append([typ, start, start + len(surface), "test", None, None])
    doc._.kg_mentions = ms
    nlp.get_pipe("kg_relations")(doc)
    return {(spans[s][1], p, spans[o][1], rule) for s, p, o, rule in doc._.kg_relations}


RELATION_CASES = [
    (
        "Xie/PROPN/NNP/nsubj/8 ,/PUNCT/,/punct/0 director/NOUN/NN/appos/0 of/ADP/IN/prep/2 "
        "the/DET/DT/det/5 MIIT/PROPN/NNP/pobj/3 ,/PUNCT/,/punct/0 has/AUX/VBZ/aux/8 "
        "said/VERB/VBN/ROOT/8",
        [("Person", "Xie"), ("Organization", "MIIT")],
        ("Xie", "memberOf", "MIIT", "memberOf.appos.v1"),
    ),
    (
        "The/DET/DT/det/1 ministry/NOUN/NN/nsubj/2 issued/VERB/VBD/ROOT/2/O/issue a/DET/DT/det/5 "
        "trade/NOUN/NN/compound/5 plan/NOUN/NN/dobj/2",
        [("Organization", "ministry"), ("Policy", "trade plan")],
        ("trade plan", "issuedBy", "ministry", "issuedBy.verb_dobj.v1"),
    ),
    (
        "the/DET/DT/det/1 office/NOUN/NN/ROOT/1 of/ADP/IN/prep/1 the/DET/DT/det/5 "
        "State/PROPN/NNP/compound/5 Council/PROPN/NNP/pobj/2",
        [("Organization", "office of the State Council"), ("Organization", "State Council")],
        ("office of the State Council", "partOf", "State Council", "partOf.of.v1"),
    ),
    (
        "China_/PROPN/NNP/poss/2 's/PART/POS/case/0 Ministry/PROPN/NNP/ROOT/2 of/ADP/IN/prep/2 "
        "Commerce/PROPN/NNP/pobj/3",
        [("Location", "China"), ("Organization", "Ministry of Commerce")],
        ("Ministry of Commerce", "locatedIn", "China", "locatedIn.poss.v1"),
    ),
    (
        "a/DET/DT/det/1 plan/NOUN/NN/ROOT/1 for/ADP/IN/prep/1 elderly/ADJ/JJ/amod/4 "
        "care/NOUN/NN/pobj/2",
        [("Policy", "plan for elderly care"), ("Sector", "elderly care")],
        ("plan for elderly care", "concernsSector", "elderly care", "concernsSector.prep.v1"),
    ),
]


@pytest.mark.parametrize(("spec", "spans", "expected"), RELATION_CASES)
def test_relation_rules_on_hand_built_docs(blank, spec, spans, expected):
    assert expected in relations(blank, build(blank, spec), spans)


def test_conjoined_agents_each_get_the_relation(blank):
    doc = build(
        blank,
        "The/DET/DT/det/1 MOF/PROPN/NNP/nsubj/4 and/CCONJ/CC/cc/1 PBOC/PROPN/NNP/conj/1 "
        "issued/VERB/VBD/ROOT/4/O/issue the/DET/DT/det/7 loan/NOUN/NN/compound/7 rules/NOUN/NNS/dobj/4",
    )
    got = relations(
        blank, doc, [("Organization", "MOF"), ("Organization", "PBOC"), ("Policy", "loan rules")]
    )
    assert {(s, o) for s, p, o, _ in got if p == "issuedBy"} == {
        ("loan rules", "MOF"),
        ("loan rules", "PBOC"),
    }


def test_wrong_types_get_no_relation(blank):
    doc = build(
        blank,
        "The/DET/DT/det/1 ministry/NOUN/NN/nsubj/2 issued/VERB/VBD/ROOT/2/O/issue a/DET/DT/det/5 "
        "trade/NOUN/NN/compound/5 plan/NOUN/NN/dobj/2",
    )
    assert relations(blank, doc, [("Location", "ministry"), ("Policy", "trade plan")]) == set()


# -- rule files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.jsonl", '{"id": "a", "kind": "sector", "label": "mining"}\n{oops\n', r"x\.jsonl:2"),
        ("x.jsonl", '{"kind": "sector", "label": "mining"}\n', 'needs a string "id"'),
        ("x.jsonl", '{"id": "a", "kind": "planet", "label": "x"}\n', "unknown kind 'planet'"),
        ("x.jsonl", '{"id": "a", "kind": "sector"}\n', "lacks label"),
        (
            "x.jsonl",
            '{"id": "a", "kind": "pattern", "label": "Thing", "pattern": "x"}\n',
            "unknown label 'Thing'",
        ),
        (
            "r.json",
            json.dumps(
                [{"id": "r", "predicate": "likes", "subject": "a", "object": "b", "pattern": []}]
            ),
            "unknown predicate 'likes'",
        ),
        ("r.json", "[1, 2", r"r\.json:1: invalid JSON"),
    ],
)
def test_malformed_rule_files_name_the_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PatternError, match=message):
        read_rule_file(path)


def test_relation_rule_must_name_nodes_of_its_pattern(tmp_path, blank):
    path = tmp_path / "rel.json"
    rule = {
        "id": "memberOf.x.v1",
        "predicate": "memberOf",
        "subject": "person",
        "object": "nobody",
        "pattern": [{"RIGHT_ID": "person", "RIGHT_ATTRS": {"POS": "PROPN"}}],
    }
    path.write_text(json.dumps([rule]), encoding="utf-8")
    with pytest.raises(PatternError, match="nobody"):
        KGRelations(blank, "r", [str(path)], True)


def test_bundled_rules_have_unique_ids_and_every_relation_rule_is_versioned():
    rules = RuleSet.load()
    ids = [r["id"] for r in rules.relations]
    assert len(ids) == len(set(ids))
    assert all(r.count(".") == 2 and r.endswith(".v1") for r in ids)
    assert {r["predicate"] for r in rules.relations} == {
        "memberOf",
        "partOf",
        "issuedBy",
        "concernsSector",
        "locatedIn",
    }


def test_user_sector_file_extends_the_lexicon(tmp_path):
    path = tmp_path / "my-sectors.jsonl"
    path.write_text(
        '{"id": "quantum", "kind": "sector", "label": "quantum computing", '
        '"synonyms": ["quantum computers"]}\n',
        encoding="utf-8",
    )
    nlp = spacy.blank("en")
    comp = nlp.add_pipe("kg_entities", config={"patterns": [str(path)]})
    assert isinstance(comp, KGEntities)
    doc = build(nlp, "quantum/ADJ/JJ/amod/1 computers/NOUN/NNS/ROOT/1")
    comp(doc)
    assert [(m[0], m[4]) for m in doc._.kg_mentions] == [("Sector", "quantum")]
    assert nlp.config["components"]["kg_entities"]["patterns"] == [str(path)]


def _string_ids(source: str) -> set[str]:
    """Rule ids written as string literals: ``"org.domain.v1"``, ``"memberOf.title.v1"``."""
    found = re.findall(r'"([a-z]+[A-Za-z]*(?:\.[a-z_]+)+(?:\.v\d+)?)"', source)
    return {s for s in found if not s.endswith((".json", ".jsonl"))}  # file names


def test_every_rule_id_in_code_is_in_the_data_files_and_every_data_id_in_code():
    code = "".join(p.read_text(encoding="utf-8") for p in sorted(PIPELINE_DIR.glob("*.py")))
    tables = RuleSet.load().tables
    builtin = {i for i, e in tables.items() if e["kind"] == "builtin"}
    # families: "ner" (ner.<LABEL>) and "pattern" (every rule of kind pattern)
    assert _string_ids(code) == builtin - {"ner", "pattern"}
    assert 'family="ner"' in code and 'family="pattern"' in code
    words = {i for i, e in tables.items() if e["kind"] in ("words", "regex")}
    assert words == {f.name for f in dataclasses.fields(Words)}
    assert all("priority" in tables[i] for i in builtin if tables[i]["produces"] in ENTITY_TYPES)
    assert {e["kind"] for e in tables.values()} == {"words", "regex", "builtin", "nesting"}


def test_user_file_overrides_a_word_list_a_priority_and_a_nesting_pair_by_id(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(
        '{"id": "nesting.sector_in_policy", "kind": "nesting", "inner": "Sector", '
        '"outer": "Policy", "allowed": false}\n'
        '{"id": "sector.lexicon", "kind": "builtin", "priority": 5}\n'
        '{"id": "sector_heads", "kind": "words", "words": ["field"]}\n',
        encoding="utf-8",
    )
    nlp = spacy.blank("en")
    comp = nlp.add_pipe("kg_entities", config={"patterns": [str(path)]})
    assert ("Sector", "Policy") not in comp.nesting
    assert comp.priorities["sector.lexicon"] == 5 and comp.priorities["org.lexicon"] == 3.5
    assert comp.words.sector_heads == frozenset({"field"})
    got = mentions(nlp, build(nlp, CATALOG))
    # the sector now outranks the policy around it, and may no longer nest in it
    assert ("Sector", "outsourced services", None) in got
    assert not any(m[0] == "Policy" for m in got)


def test_unknown_word_list_id_names_the_valid_ones(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text('{"id": "sector_headz", "kind": "words", "words": ["x"]}\n', encoding="utf-8")
    with pytest.raises(PatternError, match="sector_headz.*sector_heads"):
        spacy.blank("en").add_pipe("kg_entities", config={"patterns": [str(path)]})


# -- loading ----------------------------------------------------------------------------------


def test_missing_model_says_what_to_do():
    with pytest.raises(ModelNotFoundError, match=f"--model {DEFAULT_MODEL}"):
        load_pipeline("en_core_web_nonexistent")


def test_missing_pattern_file_is_a_pattern_error(tmp_path):
    with pytest.raises(PatternError, match="does not exist"):
        load_pipeline(patterns=[tmp_path / "nope.jsonl"])


def test_pipeline_is_cached_and_records_its_settings(nlp):
    assert load_pipeline() is nlp
    assert nlp.pipe_names[-3:] == ["kg_entities", "kg_relations", "kg_learned"]
    assert nlp.config["components"]["kg_entities"]["chunk_size"] == 100_000


def test_anchored_evaluator_agrees_with_dependency_matcher(nlp):
    """The fast path must find exactly what spaCy's DependencyMatcher finds."""
    from spacy.matcher import DependencyMatcher

    from kg.pipeline.matcher import compile_steps as _compile_steps
    from kg.pipeline.matcher import run_steps as _run_steps

    rel = nlp.get_pipe("kg_relations")
    text = (
        "The Ministry of Finance said on Monday that it would issue new rules for banks. "
        "A plan drawn up by the State Council and the Ministry of Commerce covers tourism, "
        "retail and catering. Premier Wang chaired a meeting of the State Council, which "
        "decided to adopt a guideline on elderly care. According to a notice issued by the "
        "central bank, the loans will be extended. Zhao Ming, director of the office of the "
        "Ministry of Commerce, said the zones would be set up in China's coastal provinces."
    )
    doc = nlp(text)
    total = 0
    for rule in rel.rules.relations:
        steps = _compile_steps(rule["pattern"])
        assert steps is not None, rule["id"]
        matcher = DependencyMatcher(nlp.vocab)
        matcher.add(rule["id"], [rule["pattern"]])
        expected = {tuple(ids) for _, ids in matcher(doc)}
        first = rule["pattern"][0].get("RIGHT_ATTRS", {})
        anchors = [t for t in doc if all(_attr_ok(t, k, v) for k, v in first.items())]
        got = {tuple(ids) for t in anchors for ids in _run_steps(t, steps)}
        assert got == expected, rule["id"]
        total += len(expected)
    assert total >= 10  # the text exercises the rules


def _attr_ok(tok, key, value):
    attr = {"LEMMA": "lemma_", "LOWER": "lower_", "POS": "pos_", "DEP": "dep_", "TAG": "tag_"}
    got = getattr(tok, attr[key])
    return got in value["IN"] if isinstance(value, dict) else got == value


def test_user_relation_rule_file_is_used_and_its_id_recorded(tmp_path):
    rule = {
        "id": "partOf.subsidiary.v1",
        "predicate": "partOf",
        "subject": "unit",
        "object": "parent",
        "subject_types": ["Organization"],
        "object_types": ["Organization"],
        "pattern": [
            {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"LEMMA": "acquire"}},
            {
                "LEFT_ID": "verb",
                "REL_OP": ">",
                "RIGHT_ID": "parent",
                "RIGHT_ATTRS": {"DEP": "nsubj"},
            },
            {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "unit", "RIGHT_ATTRS": {"DEP": "dobj"}},
        ],
    }
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
    nlp = spacy.blank("en")
    nlp.add_pipe("kg_entities")
    nlp.add_pipe("kg_relations", config={"patterns": [str(path)]})
    doc = build(
        nlp, "Acme/PROPN/NNP/nsubj/1 acquired/VERB/VBD/ROOT/1/O/acquire Beta/PROPN/NNP/dobj/1"
    )
    got = relations(nlp, doc, [("Organization", "Acme"), ("Organization", "Beta")])
    assert ("Beta", "partOf", "Acme", "partOf.subsidiary.v1") in got


# -- bundled lexicons -------------------------------------------------------------------------


def test_bundled_lexicons_are_consistent():
    rules = RuleSet.load()
    sector_ids = [s["id"] for s in rules.sectors]
    assert len(sector_ids) == len(set(sector_ids))
    assert all(s.get("broader", s["id"]) in set(sector_ids) for s in rules.sectors)
    owner: dict[str, str] = {}
    for s in rules.sectors:
        for term in (s["label"], *s.get("synonyms", ())):
            # One surface form, one sector node: a term shared by two entries splits a node.
            assert owner.setdefault(term.lower(), s["id"]) == s["id"], term
    names = [n.lower() for o in rules.organizations for n in (o["name"], *o.get("aliases", ()))]
    assert len(names) == len(set(names))
    acronyms = [a for o in rules.organizations for a in o.get("acronyms", ())]
    assert len(acronyms) == len(set(acronyms))
    countries = {f.lower() for c in rules.countrys for f in (c["name"], *c.get("aliases", ()))}
    assert {o["country"].lower() for o in rules.organizations if o.get("country")} <= countries
    titles = [t["title"].lower() for t in rules.titles]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("inclusive/ADJ/JJ/amod/1 finance/NOUN/NN/ROOT/1", "inclusive finance"),
        ("rural/ADJ/JJ/amod/1 revitalization/NOUN/NN/ROOT/1", "rural revitalization"),
        (
            "strategic/ADJ/JJ/amod/2 emerging/ADJ/JJ/amod/2 industries/NOUN/NNS/ROOT/2",
            "strategic emerging industries",
        ),
        ("energy/NOUN/NN/compound/1 storage/NOUN/NN/ROOT/1", "energy storage"),
        ("hydrogen/NOUN/NN/ROOT/0", None),
        ("maritime/ADJ/JJ/amod/1 disputes/NOUN/NNS/ROOT/1", None),
    ],
)
def test_policy_field_terms_are_sectors_and_ambiguous_words_alone_are_not(blank, spec, expected):
    got = [text for typ, text, _ in mentions(blank, build(blank, spec)) if typ == "Sector"]
    assert got == ([expected] if expected else [])


def test_common_agency_acronym_is_an_organization(blank):
    doc = build(blank, "METI/PROPN/NNP/nsubj/1 said/VERB/VBD/ROOT/1")
    assert ("Organization", "METI", None) in mentions(blank, doc)
