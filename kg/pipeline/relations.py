"""The ``kg_relations`` component: mention-level relations (``doc._.kg_relations``).

Dependency rules come from ``patterns/relations.json`` (and the user's files); the
rules between spans and across a sentence are in :mod:`kg.pipeline.links`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spacy.language import Language
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc

from kg.errors import PatternError
from kg.model import ENTITY_TYPES
from kg.patterns.rules import RuleSet, plural_forms
from kg.pipeline.links import (
    MentionIndex,
    find_countries,
    location_rules,
    meeting_org,
    meeting_rules,
    member_rules,
    span_rules,
)
from kg.pipeline.matcher import compile_steps, run_steps
from kg.pipeline.words import Words
from kg.text import normalise_name as normalise_text


class KGRelations:
    """Mention-level relations from DependencyMatcher rules (``doc._.kg_relations``)."""

    def __init__(self, nlp: Language, name: str, patterns: Sequence[str], bundled_patterns: bool):
        self.name = name
        self.rules = RuleSet.load(patterns, bundled=bundled_patterns)
        self.words = Words.from_rules(self.rules.tables)
        # Every rule is compiled by spaCy's DependencyMatcher (so a bad pattern fails as
        # spaCy reports it); rules in the common subset also get an anchored evaluator
        # that starts from the few tokens matching the first node, which is much faster
        # than matching every node over the whole Doc.
        self.matcher = DependencyMatcher(nlp.vocab)
        # Word-anchored rules: first-node word -> [(rule id, checks of the first node)].
        self.by_word: dict[str, dict[str, list[tuple[str, dict[str, tuple[str, ...]]]]]] = {
            "lemma_": {},
            "lower_": {},
        }
        self.fast: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {}
        self.slow_rules: set[str] = set()
        self.mention_anchored: list[tuple[str, dict[str, tuple[str, ...]]]] = []
        self.rule_by_id: dict[str, dict[str, Any]] = {}
        titles = self.rules.titles
        self.title_member_of = {t["title"].lower(): list(t.get("member_of", ())) for t in titles}
        self.title_words = {
            p
            for t in titles
            for w in t["title"].split()
            for p in plural_forms(w.lower().rstrip("."))
        }
        self.org_country = {
            o["id"]: o["country"].lower() for o in self.rules.organizations if o.get("country")
        }
        self.org_name = {o["id"]: o["name"] for o in self.rules.organizations}
        # Every spelling of a country -> its canonical lower-case name.
        self.country_of: dict[str, str] = {}
        for c in self.rules.countrys:
            for form in (c["name"], *c.get("aliases", ())):
                self.country_of[normalise_text(form)] = c["name"].lower()
        for rule in self.rules.relations:
            names = [n.get("RIGHT_ID") for n in rule["pattern"]]
            for node in (rule["subject"], rule["object"]):
                if node not in names:
                    raise PatternError(
                        f"{rule['_where']}: rule {rule['id']!r} names node {node!r}, "
                        f"which is not among its pattern's RIGHT_IDs {names}"
                    )
            pattern = rule["pattern"]
            try:
                self.matcher.add(rule["id"], [pattern])
            except (ValueError, KeyError, TypeError) as err:
                raise PatternError(f"{rule['_where']}: bad dependency pattern: {err}") from err
            self.rule_by_id[rule["id"]] = rule
            steps = compile_steps(pattern)
            first = compile_steps([{}, {**pattern[0], "LEFT_ID": "", "REL_OP": ">"}])
            if steps is None or first is None:
                self.slow_rules.add(rule["id"])
                continue
            self.fast[rule["id"]] = steps
            if pattern[0]["RIGHT_ID"] in (rule["subject"], rule["object"]):
                # Anchored on a mention: tried on mention tokens only, checked in Python.
                self.mention_anchored.append((rule["id"], first[0][3]))
            else:
                checks = first[0][3]
                attr = "lemma_" if "lemma_" in checks else "lower_" if "lower_" in checks else None
                if attr is None:
                    self.slow_rules.add(rule["id"])
                    continue
                for word in checks[attr]:
                    self.by_word[attr].setdefault(word, []).append((rule["id"], checks))
        if not self.slow_rules:
            self.matcher = None  # type: ignore[assignment]

    def __call__(self, doc: Doc) -> Doc:
        mentions = doc._.kg_mentions or []
        doc._.kg_relations = self.find(doc, mentions) if mentions else []
        return doc

    def find(self, doc: Doc, mentions: list[list[Any]]) -> list[list[Any]]:
        """Relations between mention indices: dependency rules, then span rules."""
        index = MentionIndex(doc, mentions, self.words)
        spans = index.spans
        strings = doc.vocab.strings
        anchor_hits: list[tuple[str, int]] = []
        fallback = []
        by_lemma, by_lower = self.by_word["lemma_"], self.by_word["lower_"]
        for tok in doc:
            for rid, checks in by_lemma.get(tok.lemma_, []) + by_lower.get(tok.lower_, []):
                if all(getattr(tok, a) in ok for a, ok in checks.items()):
                    anchor_hits.append((rid, tok.i))
            if tok.lower_ in self.words.quantity_nouns or tok.lower_ in self.words.meeting_nouns:
                fallback.append(tok)
        index.meeting_org = meeting_org(index, fallback)
        lookup = index.lookup

        out: dict[tuple[int, str, int], str] = {}

        def emit(s: int | None, pred: str, o: int | None, rule: str) -> None:
            if s is None or o is None or s == o:
                return
            out.setdefault((s, pred, o), rule)

        matches: list[tuple[str, list[int]]] = []
        # Tokens that may stand for a mention: its own tokens, and the nouns that lead to
        # one ("a series of measures", "the provider example.com", "X including Y").
        # A span's root, and any other token of it the parse hangs outside it (a
        # hyphenated name split into parts: "Park Min - su, chairman of ...").
        roots = [
            t
            for span in spans
            if len(span)
            for t in span
            if t == span.root or not span.start <= t.head.i < span.end
        ]
        cands = {t.i: t for t in roots} | {t.i: t for t in fallback}
        for i, span in enumerate(spans):
            if mentions[i][0] == "Policy":
                # Parsers often hang a policy's clause on an inner noun ("a plan on
                # subsidies, drawn up by X").
                cands.update((t.i, t) for t in span if t.pos_ in ("NOUN", "PROPN"))
        for tok in roots:
            if tok.dep_ == "appos":
                cands[tok.head.i] = tok.head
            elif tok.dep_ == "pobj" and tok.head.lower_ == "including":
                cands[tok.head.head.i] = tok.head.head
            for c in tok.conjuncts:
                cands[c.i] = c
        ordered = [cands[i] for i in sorted(cands)]
        anchors = [
            (rid, t.i)
            for rid, checks in self.mention_anchored
            for t in ordered
            if all(getattr(t, a) in ok for a, ok in checks.items())
        ]
        anchors += anchor_hits
        for rid, start in anchors:
            rule = self.rule_by_id[rid]
            first = rule["pattern"][0]["RIGHT_ID"]
            # An anchor that is the rule's subject or object must stand for a mention
            # (itself or a conjunct).
            tok = doc[start]
            sides = ((rule["subject"], "subject_types"), (rule["object"], "object_types"))
            if any(
                first == node
                and all(
                    lookup(t, rule.get(key, ENTITY_TYPES)) is None for t in (tok, *tok.conjuncts)
                )
                for node, key in sides
            ):
                continue
            matches.extend((rid, ids) for ids in run_steps(tok, self.fast[rid]))
        if self.matcher is not None:
            for match_id, token_ids in self.matcher(doc):
                rid = strings[match_id]
                if rid in self.slow_rules:
                    matches.append((rid, token_ids))
        for rid, token_ids in matches:
            rule = self.rule_by_id[rid]
            names = [n["RIGHT_ID"] for n in rule["pattern"]]
            s_tok = doc[token_ids[names.index(rule["subject"])]]
            o_tok = doc[token_ids[names.index(rule["object"])]]
            s_types = rule.get("subject_types", ENTITY_TYPES)
            o_types = rule.get("object_types", ENTITY_TYPES)
            conj = rule.get("conjuncts", True)
            subjects = {lookup(t, s_types) for t in (s_tok, *(s_tok.conjuncts if conj else ()))}
            objects = {lookup(t, o_types) for t in (o_tok, *(o_tok.conjuncts if conj else ()))}
            subjects.discard(None)
            objects.discard(None)
            for s in sorted(subjects):  # type: ignore[type-var]
                for o in sorted(objects):  # type: ignore[type-var]
                    emit(s, rule["predicate"], o, rid)

        span_rules(index, emit)
        meeting_rules(index, fallback, emit)
        countries = find_countries(index, self.country_of)
        member_rules(self, index, emit)
        location_rules(self, index, countries, emit)
        return [[s, p, o, rule] for (s, p, o), rule in sorted(out.items())]


@Language.factory("kg_relations", default_config={"patterns": [], "bundled_patterns": True})
def make_kg_relations(
    nlp: Language, name: str, patterns: list[str], bundled_patterns: bool
) -> KGRelations:
    """Factory of the ``kg_relations`` component."""
    return KGRelations(nlp, name, patterns, bundled_patterns)
