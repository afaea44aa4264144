"""The ``kg_entities`` component: typed mentions from NER, lexicons and phrase rules.

It builds its lexicons and matchers once from the rule files, then for each ``Doc``
runs the candidate rules (:mod:`kg.pipeline.candidates`) and keeps a consistent set
(:mod:`kg.pipeline.select`) as ``doc._.kg_mentions``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from kg.errors import PatternError
from kg.model import ENTITY_TYPES
from kg.patterns.rules import RuleSet, plural_forms
from kg.pipeline.candidates import (
    anaphor_candidates,
    drop_shadowed,
    expand_sector_lists,
    head_candidates,
    honorific_candidates,
    inner_org_candidates,
    lexicon_candidates,
    ner_candidates,
    rule_candidates,
    shape_candidates,
)
from kg.pipeline.mentions import Candidate
from kg.pipeline.proposals import noun_phrases
from kg.pipeline.select import nesting_pairs, priorities, select
from kg.pipeline.spans import headline_tokens, portfolio_tokens
from kg.pipeline.words import Words
from kg.text import normalise_name

DEFAULT_LABEL_MAP: dict[str, str] = {
    "PERSON": "Person",
    "ORG": "Organization",
    "GPE": "Location",
    "LOC": "Location",
    "LAW": "Policy",
    "POLICY": "Policy",
    "SECTOR": "Sector",
}
"""spaCy NER labels → kg types (NORP is deliberately absent: "Chinese" is not a place)."""


class KGEntities:
    """Typed mentions from NER, lexicons and phrase rules (``doc._.kg_mentions``)."""

    def __init__(
        self,
        nlp: Language,
        name: str,
        label_map: dict[str, str],
        patterns: Sequence[str],
        bundled_patterns: bool,
        chunk_size: int,
        max_policy_tokens: int,
    ) -> None:
        self.name = name
        self.label_map = dict(label_map)
        self.chunk_size = chunk_size
        self.max_policy_tokens = max_policy_tokens
        self.rules = RuleSet.load(patterns, bundled=bundled_patterns)
        self.words = Words.from_rules(self.rules.tables)
        self.priorities, self.confirmed_priority = priorities(self.rules.tables)
        self.nesting = nesting_pairs(self.rules.tables)
        vocab = nlp.vocab
        # Titles: last word of each title marks the end of a role before a name.
        self.title_words = {t["title"].split()[-1].lower().rstrip(".") for t in self.rules.titles}
        self.title_words |= {t["title"].split()[0].lower().rstrip(".") for t in self.rules.titles}
        self.title_words |= {p for w in list(self.title_words) for p in plural_forms(w)}
        # Title nouns proper ("secretary", "ministers"), without modifiers like "general".
        self.title_heads = {
            p
            for t in self.rules.titles
            for p in plural_forms(t["title"].split()[-1].lower().rstrip("."))
        } - self.words.title_modifiers
        self.title_member_of = {
            t["title"].lower(): list(t.get("member_of", ())) for t in self.rules.titles
        }
        # Instruments.
        self.instrument = {}
        for ins in self.rules.instruments:
            for form in plural_forms(ins["lemma"].lower()):
                self.instrument[form] = ins
        self.matcher = Matcher(vocab)
        self.matcher.add(
            "INSTRUMENT",
            [[{"LOWER": {"IN": sorted(self.instrument)}, "POS": {"IN": ["NOUN", "PROPN"]}}]],
        )
        self.matcher.add("SECTORHEAD", [[{"LOWER": {"IN": sorted(self.words.sector_heads)}}]])
        self.matcher.add("UNIT", [[{"LOWER": {"IN": sorted(self.words.unit_heads)}}]])
        quote_open = sorted(self.words.quote_open)
        quote_close = sorted(self.words.quote_close)
        inner = {"IS_QUOTE": False, "ORTH": {"NOT_IN": [".", ",", "!", "?", ";", ":", "\n"]}}
        self.matcher.add(
            "QUOTED",
            [
                [
                    {"ORTH": {"IN": quote_open}},
                    {**inner, "OP": "{1,6}"},
                    {"ORTH": {"IN": [".", ","]}, "OP": "?"},
                    {"ORTH": {"IN": quote_close}},
                ]
            ],
            greedy="LONGEST",
        )
        self.user_patterns: dict[str, dict[str, Any]] = {}
        self.pattern_matcher = Matcher(vocab)
        self.pattern_phrases = PhraseMatcher(vocab, attr="LOWER")
        for p in self.rules.patterns:
            self.user_patterns[p["id"]] = p
            try:
                if isinstance(p["pattern"], str):
                    self.pattern_phrases.add(p["id"], [nlp.make_doc(p["pattern"])])
                else:
                    self.pattern_matcher.add(p["id"], [p["pattern"]], greedy="LONGEST")
            except (ValueError, KeyError, TypeError) as err:
                raise PatternError(f"{p['_where']}: bad token pattern: {err}") from err
        # Sector and organization lexicons.
        self.lexicon = PhraseMatcher(vocab, attr="LOWER")
        self.acronyms = PhraseMatcher(vocab, attr="ORTH")
        self.sector_by_id: dict[str, dict[str, Any]] = {}
        ambiguous: set[str] = set()
        lexicon_forms: set[str] = set()
        preferred: dict[str, str] = {}
        for s in self.rules.sectors:
            self.sector_by_id[s["id"]] = s
            preferred[f"Sector/{s['id']}"] = s["label"]
            forms: set[str] = set()
            for term in dict.fromkeys([s["label"], *s.get("synonyms", ())]):
                words = term.split()
                # each term's own forms: a synonym with a sector head ("service sector")
                # stays sure even when a bare synonym of the same entry is ambiguous
                term_forms = {
                    " ".join([*words[:-1], last])
                    for last in (plural_forms(words[-1].lower()) if term.islower() else [words[-1]])
                }
                forms |= term_forms
                if s.get("ambiguous") and not any(w in self.words.sector_heads for w in words):
                    ambiguous.update(f.lower() for f in term_forms)
                    ambiguous.add(term.lower())
            self.lexicon.add("sector|" + s["id"], [nlp.make_doc(f) for f in sorted(forms)])
            lexicon_forms.update(f.lower() for f in forms)
        self.ambiguous_terms = frozenset(ambiguous)
        self.lexicon_forms = frozenset(lexicon_forms)
        self.org_by_id: dict[str, dict[str, Any]] = {}
        for o in self.rules.organizations:
            self.org_by_id[o["id"]] = o
            preferred[f"Organization/{o['id']}"] = o["name"]
            names = [o["name"], *o.get("aliases", ())]
            self.lexicon.add("org|" + o["id"], [nlp.make_doc(n) for n in names])
            if o.get("acronyms"):
                self.acronyms.add("org|" + o["id"], [nlp.make_doc(a) for a in o["acronyms"]])
        # Every spelling of a country -> its id, so "PRC" and "China" are one place.
        self.country_ids: dict[str, str] = {}
        # Case-sensitive, so "US" and "Chad" are not "us" and "chad"; a form that is also
        # an organization's ("European Union", "EU") stays the organization's.
        self.countries = PhraseMatcher(vocab, attr="ORTH")
        org_forms = {
            f
            for o in self.rules.organizations
            for f in (o["name"], *o.get("aliases", ()), *o.get("acronyms", ()))
        }
        for c in self.rules.countrys:
            preferred[f"Location/{c['id']}"] = c["name"]
            if c.get("ambiguous"):  # "Georgia" is also a US state: no key from the name alone
                continue
            country_names = (c["name"], *c.get("aliases", ()))
            for form in country_names:
                self.country_ids.setdefault(normalise_name(form), c["id"])
            self.countries.add(
                "country|" + c["id"],
                [nlp.make_doc(f) for f in country_names if f[:1].isupper() and f not in org_forms],
            )
        self.lexicon_names: Mapping[str, str] = MappingProxyType(preferred)
        """Entity key → the lexicon's preferred name (read-only; one per pipeline)."""

    def __call__(self, doc: Doc) -> Doc:
        cands: list[Candidate] = []

        prio = self.priorities

        def add(s: int, e: int, typ: str, rule: str, key=None, role=None, family=None) -> None:
            if e > s:
                cands.append(Candidate(s, e, typ, rule, key, role, prio[family or rule]))

        text = doc.text  # spaCy rebuilds doc.text on every access
        headline = headline_tokens(doc, text)
        portfolio = portfolio_tokens(self.words, doc, self.title_heads)
        ner_spans, dropped_ends = ner_candidates(self, doc, portfolio, add)
        shape_candidates(self.words, doc, text, headline, add)
        lexicon_candidates(self, doc, ner_spans, add)
        rule_candidates(self, doc, add)
        honorific_candidates(self.words, doc, add)
        head_candidates(self, doc, add)
        inner_org_candidates(self.words, doc, cands, add)
        anaphor_candidates(self, doc, cands)
        expand_sector_lists(self, doc, cands)
        cands = drop_shadowed(doc, cands, dropped_ends, headline)
        doc._.kg_mentions = select(doc, cands, self.nesting)
        for m in doc._.kg_mentions:
            if m[0] == "Location" and m[4] is None:
                m[4] = self.country_ids.get(normalise_name(text[m[1] : m[2]]))
        doc._.kg_proposals = noun_phrases(self.words, doc, doc._.kg_mentions)
        return doc


@Language.factory(
    "kg_entities",
    default_config={
        "label_map": DEFAULT_LABEL_MAP,
        "patterns": [],
        "bundled_patterns": True,
        "chunk_size": 100_000,
        "max_policy_tokens": 16,
    },
)
def make_kg_entities(
    nlp: Language,
    name: str,
    label_map: dict[str, str],
    patterns: list[str],
    bundled_patterns: bool,
    chunk_size: int,
    max_policy_tokens: int,
) -> KGEntities:
    """Factory of the ``kg_entities`` component."""
    bad = sorted(set(label_map.values()) - set(ENTITY_TYPES))
    if bad:
        raise PatternError(f"label_map maps to unknown types {bad}; use {', '.join(ENTITY_TYPES)}")
    return KGEntities(
        nlp, name, label_map, patterns, bundled_patterns, chunk_size, max_policy_tokens
    )
