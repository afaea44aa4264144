"""Statements: what a named person or body said, with the speaker and what it is about.

Two finders: quoted words with the speaker named next to them (``"...," Li
said``; a quotation that opens the next paragraph continues the last speaker),
and reported speech (a speech verb's clausal complement, with the verb's
subject as the speaker). Speech verbs and their kinds are data in the rules.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

from kg.facts.context import Context
from kg.facts.rules import FactRules, alternation
from kg.model import Fact


def _speech_lemmas(rules: FactRules) -> dict[str, str]:
    return {lemma: e["id"] for e in rules.entries("speech_verbs") for lemma in e["lemmas"]}


def _speaker_at(ctx: Context, tok: Token, offset: int, rules: FactRules) -> str | None:
    pos = offset + tok.idx
    for m in ctx.mentions:
        if m.start <= pos < m.end and m.type in ("Person", "Organization"):
            return m.entity
    for entry in rules.entries("speaker_pronouns"):
        if tok.text in entry["words"]:
            prior = [m for m in ctx.mentions if m.end <= pos and m.type in entry["types"]]
            if prior:
                return prior[-1].entity
    # a name the mention covers only in part (a title head such as "Minister")
    for child in tok.children:
        if child.dep_ in ("compound", "appos", "flat", "conj"):
            found = _speaker_at(ctx, child, offset, rules)
            if found:
                return found
    return None


def _about(ctx: Context, start: int, end: int) -> tuple[str, ...]:
    seen: list[str] = []
    for m in ctx.mentions:
        if (
            start <= m.start
            and m.end <= end
            and m.type in ("Policy", "Sector", "Organization", "Location")
        ):
            if m.entity not in seen:
                seen.append(m.entity)
    if not seen and ctx.main_policy:
        seen.append(ctx.main_policy)
    return tuple(seen)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without the spaces, punctuation and quotation marks at either end.

    >>> trim('"It works," he said', 0, 11)
    (1, 9)
    """
    while end > start and text[end - 1] in " ,.;:\n\"“”'’":
        end -= 1
    while start < end and text[start] in " ,;:\n\"“”'‘":
        start += 1
    return start, end


def _quote_speaker(ctx: Context, m: re.Match[str], verbs: re.Pattern[str]) -> str | None:
    """The speaker named next to a quotation: after it ("..., Li said"), else before it."""
    para_start = ctx.text.rfind("\n", 0, m.start()) + 1
    para_end = ctx.text.find("\n", m.end())
    para_end = len(ctx.text) if para_end < 0 else para_end
    after = ctx.text[m.end() : min(para_end, m.end() + 120)]
    before = ctx.text[max(para_start, m.start() - 150) : m.start()]
    if verbs.search(after[:60]):
        cands = [
            x
            for x in ctx.mentions
            if m.end() <= x.start < m.end() + 120
            and x.start < para_end
            and x.type in ("Person", "Organization")
        ]
        people = [x for x in cands if x.type == "Person"]
        if people or cands:
            return (people or cands)[0].entity
        if re.match(r"\W*(?:he|she)\b", after, re.I):
            prior = [x for x in ctx.mentions if x.end <= m.start() and x.type == "Person"]
            if prior:
                return prior[-1].entity
    if verbs.search(before[-80:]) and before.rstrip().endswith((":", ",")):
        cands = [
            x
            for x in ctx.mentions
            if m.start() - 150 <= x.start < m.start()
            and x.start >= para_start
            and x.type in ("Person", "Organization")
        ]
        if cands:
            return cands[-1].entity
    return None


def find_quotes(ctx: Context, rules: FactRules) -> list[Fact]:
    """Quoted words of four words or more whose speaker is named next to them."""
    out: list[Fact] = []
    last_speaker: str | None = None
    last_para = -1
    verbs = re.compile(rf"\b(?:{alternation(rules.words('quote_verbs'))})\b")
    for m in rules.quote.finditer(ctx.text):
        q_start, q_end = trim(ctx.text, m.start(1), m.end(1))
        if len(ctx.text[q_start:q_end].split()) < 4:
            continue
        para_start = ctx.text.rfind("\n", 0, m.start()) + 1
        speaker = _quote_speaker(ctx, m, verbs)
        rule = "statement.quote.v1"
        continued = m.start() == para_start or last_para == para_start
        if speaker is None and last_speaker is not None and continued:
            speaker, rule = last_speaker, "statement.quote-continued.v1"
        if speaker is None:
            continue
        last_speaker, last_para = speaker, para_start
        s_start, _, _ = ctx.sentence(q_start)
        _, s_end, _ = ctx.sentence(max(q_start, q_end - 1))
        out.append(
            Fact(
                "Statement",
                ctx.text[q_start:q_end],
                q_start,
                q_end,
                s_start,
                s_end,
                rule,
                speaker=speaker,
                about=_about(ctx, q_start, q_end),
                subject_rule=rule,
            )
        )
    return out


def _kind(rules: FactRules, kind: str) -> frozenset[str]:
    return frozenset(
        lemma
        for e in rules.entries("speech_verb_kinds")
        if e["kind"] == kind
        for lemma in e["lemmas"]
    )


def _said(tok: Token, rules: FactRules) -> list[Token]:
    """The heads of what a speech verb says: clausal complements, else an object."""
    clause_only = _kind(rules, "clause-only")
    comps = [
        c
        for c in tok.children
        if c.dep_ in ("ccomp", "xcomp")
        and c.pos_ in ("VERB", "AUX")
        and (c.dep_ == "ccomp" or tok.lemma_ not in clause_only)
    ]
    # a clause before the verb counts only when it ends next to it ("X, he said"), not across ";"
    comps = [
        c
        for c in comps
        if c.i > tok.i or all(t.text not in (";", ":") for t in tok.doc[c.right_edge.i : tok.i])
    ]
    if comps:
        return comps
    if tok.lemma_ in _kind(rules, "object"):
        return [c for c in tok.children if c.dep_ == "dobj"]
    if tok.lemma_ in _kind(rules, "as"):
        found = [c for c in tok.children if c.dep_ == "oprd"]
        for prep in tok.children:
            if prep.dep_ == "prep" and prep.lower_ == "as":
                found += [c for c in prep.children if c.dep_ == "pobj"]
        return found
    return []


def _speaker_token(tok: Token) -> Token | None:
    """The subject of a speech verb, or of the verb it is joined to ("..., and said")."""
    head: Token | None = tok
    for _ in range(3):
        if head is None:
            return None
        subj = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subj:
            return subj[0]
        joined = head.dep_ in ("conj", "advcl", "xcomp", "ccomp") and head.head is not head
        head = head.head if joined else None
    return None


def _clauses(comp: Token) -> list[list[Token]]:
    """The tokens of what was said, one list per clause ("that X, and that Y" gives two)."""
    splits = [
        c for c in comp.children if c.dep_ == "conj" and any(g.lower_ == "that" for g in c.children)
    ]
    excluded = {t.i for c in splits for t in c.subtree}
    clauses = [[t for t in comp.subtree if t.i not in excluded]]
    clauses += [list(c.subtree) for c in splits]
    out = []
    for toks in clauses:
        while toks and (toks[0].lower_ in ("that", "and", ",") or toks[0].dep_ == "mark"):
            toks = toks[1:]
        while toks and toks[-1].lower_ in ("and", ",", "."):
            toks = toks[:-1]
        if len(toks) >= 3:
            out.append(toks)
    return out


def find_reported(ctx: Context, rules: FactRules, quoted: list[tuple[int, int]]) -> list[Fact]:
    """Reported speech: a speech verb's complement with the verb's subject as speaker."""
    lemmas = _speech_lemmas(rules)
    out: list[Fact] = []
    for doc, offset in ctx.chunks:
        for tok in doc:
            if tok.lemma_ not in lemmas or tok.pos_ not in ("VERB", "AUX"):
                continue
            if tok.dep_ == "acl" and tok.tag_ == "VBN":
                continue  # "the Challenge announced today represents ...": no speaker
            said = _said(tok, rules)
            subj_tok = _speaker_token(tok) if said else None
            if subj_tok is None:
                continue
            speaker = _speaker_at(ctx, subj_tok, offset, rules)
            if speaker is None:
                continue
            sent = tok.sent if doc.has_annotation("SENT_START") else doc[:]
            for comp in said:
                for toks in _clauses(comp):
                    if toks[0].i <= tok.i <= toks[-1].i or toks[0].i <= subj_tok.i <= toks[-1].i:
                        continue  # the words hold their own speaker: not a report
                    start = offset + toks[0].idx
                    end = offset + toks[-1].idx + len(toks[-1].text)
                    start, end = trim(ctx.text, start, end)
                    if len(ctx.text[start:end].split()) < 3:
                        continue
                    if any(start < b and a < end for a, b in quoted):
                        continue
                    out.append(
                        Fact(
                            "Statement",
                            ctx.text[start:end],
                            start,
                            end,
                            offset + sent.start_char,
                            offset + sent.end_char,
                            f"statement.reported.v1+{lemmas[tok.lemma_]}",
                            speaker=speaker,
                            about=_about(ctx, start, end),
                            subject_rule="statement.speaker-subject.v1",
                        )
                    )
    return out
