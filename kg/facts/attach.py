"""Subject attachment: the entity a figure or a date is about.

Candidates, cheapest first: entities named in the sentence (distance in the
dependency tree plus a cost per type), a phrase that refers back to a policy
(``the programme``), entities of the previous sentence of the paragraph, the
document's main topic. The costs are data (``subject_types`` in the rules).
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Token

from kg.facts.context import Context, EntitySpan
from kg.facts.rules import FactRules, alternation
from kg.model import Fact


def tree_distance(a: Token, b: Token) -> int:
    """Edges between two tokens in the dependency tree (99 across documents)."""
    if a.doc is not b.doc:
        return 99
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    index_b = {t.i: n for n, t in enumerate(up_b)}
    for n, t in enumerate(up_a):
        if t.i in index_b:
            return n + index_b[t.i]
    return 99


def mention_root(ctx: Context, m: EntitySpan) -> Token | None:
    """The syntactic head of a mention's tokens."""
    first = ctx.token(m.start)
    if first is None:
        return None
    span = first.doc[first.i : first.i + 1]
    last = ctx.token(max(m.start, m.end - 1))
    if last is not None and last.doc is first.doc and last.i >= first.i:
        span = first.doc[first.i : last.i + 1]
    return span.root


def _anaphora(
    ctx: Context, sent_start: int, sent_end: int, rules: FactRules
) -> list[tuple[int, str]]:
    """(offset, head noun) of each phrase that refers back to a policy ("the programme")."""
    words = rules.words("policy_anaphora")
    pattern = re.compile(
        rf"\b(?:[Tt]he|[Tt]his|[Tt]hese|[Ii]ts)\s+(?:[\w-]+\s+)?(?P<noun>{alternation(words)})\b"
        rf"|^(?P<its>Its)\b"
    )
    text = ctx.text[sent_start:sent_end]
    return [
        (sent_start + m.start(), (m.group("noun") or "").casefold()) for m in pattern.finditer(text)
    ]


def _antecedent(ctx: Context, pos: int, noun: str) -> str | None:
    """The policy a phrase refers to: the last one before it whose name has the noun."""
    stem = noun.rstrip("s")
    if stem:
        for m in reversed(ctx.mentions):
            if m.end <= pos and m.type == "Policy" and stem in ctx.text[m.start : m.end].casefold():
                return m.entity
    return ctx.main_policy


def _costs(rules: FactRules, kind: str) -> dict[str, Any]:
    for entry in rules.entries("subject_types"):
        if entry["fact"] == kind:
            return entry
    return {"penalty": {}}


def attach_subject(
    ctx: Context, kind: str, start: int, end: int, rules: FactRules
) -> tuple[str | None, str | None]:
    """(entity id, rule id) of the entity a figure or date at ``start:end`` is about."""
    costs = _costs(rules, kind)
    penalties: dict[str, float] = costs["penalty"]
    s_start, s_end, _sent = ctx.sentence(start)
    anchor = ctx.token(start)
    scored: list[tuple[float, int, str, str]] = []
    for m in ctx.mentions:
        if m.type not in penalties or m.start < max(s_start, ctx.dateline[1]) or m.end > s_end:
            continue  # the place of a dateline is where the news came from, not a subject
        if m.start < end and start < m.end:
            continue
        root = mention_root(ctx, m)
        dist = tree_distance(anchor, root) if anchor is not None and root is not None else 20
        lin = abs(m.start - start) / 200
        cost = penalties[m.type] + dist + lin
        if anchor is not None and root is not None and anchor.doc is root.doc:
            head = anchor.doc[anchor.i]
            while head.dep_ in ("compound", "nummod", "quantmod") and head.head is not head:
                head = head.head  # "722.58 billion yuan": from the number to its noun
            if head.is_ancestor(root):  # "800 billion yen of Climate Transition Bonds"
                cost -= float(costs.get("inside", 0))
        scored.append((cost, m.start, m.entity, "subject.sentence-tree.v1"))
    for pos, noun in _anaphora(ctx, s_start, s_end, rules):
        target = _antecedent(ctx, pos, noun)
        if target is None:
            continue
        tok = ctx.token(pos)
        dist = tree_distance(anchor, tok) if anchor is not None and tok is not None else 20
        cost = float(costs.get("anaphora", 1)) + dist + abs(pos - start) / 200
        scored.append((cost, pos, target, "subject.policy-anaphora.v1"))
    if s_start > 0 and "\n" not in ctx.text[s_start - 2 : s_start]:
        p_start, p_end, _ = ctx.sentence(s_start - 1)
        for m in ctx.mentions:
            if m.type in penalties and p_start <= m.start and m.end <= p_end:
                cost = float(costs.get("previous_sentence", 6)) + penalties[m.type]
                scored.append(
                    (
                        cost + (p_end - m.end) / 200,
                        m.start,
                        m.entity,
                        "subject.previous-sentence.v1",
                    )
                )
    topic = ctx.main_policy if kind == "Date" else ctx.main_topic
    if topic is not None:
        scored.append(
            (float(costs.get("document", 8)), s_start, topic, "subject.document-topic.v1")
        )
    if scored:
        best = min(scored)
        return best[2], best[3]
    return None, None


def figure_fact(
    ctx: Context, kind: str, start: int, end: int, rule: str, rules: FactRules, **fields: Any
) -> Fact:
    """A figure or date fact at ``start:end`` with its sentence and subject."""
    s_start, s_end, _ = ctx.sentence(start)
    subject, subject_rule = attach_subject(ctx, kind, start, end, rules)
    return Fact(
        kind,
        ctx.text[start:end],
        start,
        end,
        s_start,
        s_end,
        rule,
        subject=subject,
        subject_rule=subject_rule,
        **fields,
    )
