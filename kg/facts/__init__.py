"""Facts: money, percentages, dates and statements, each tied to the entity it is about.

Runs after resolution, over the parsed ``Doc`` chunks of one document and its
resolved entities (the subjects are entity ids). The modules follow the flow:
:mod:`~kg.facts.rules` (the data in ``kg/patterns/facts/rules.json``, compiled),
:mod:`~kg.facts.context` (the document: mentions, its own date),
:mod:`~kg.facts.amounts` and :mod:`~kg.facts.dates` (figures and dates, each
tied to a subject by :mod:`~kg.facts.attach`), :mod:`~kg.facts.statements`
(quoted and reported speech with the speaker). Every fact carries the ids of
the rules that found it and chose its subject.

>>> parse_number("1,260.5")
1260.5
>>> rules = load_fact_rules()
>>> amount_value("722.58", "billion", rules)
722580000000
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from spacy.tokens import Doc

from kg.facts.amounts import find_amounts, find_percents
from kg.facts.attach import share_figure_subjects
from kg.facts.context import Context, body_start, build_context
from kg.facts.dates import find_dates
from kg.facts.rules import FACT_RULES, FactRules, amount_value, load_fact_rules, parse_number
from kg.facts.statements import find_quotes, find_reported, trim
from kg.model import Extraction, Fact

__all__ = [
    "FACT_RULES",
    "FactRules",
    "add_facts",
    "amount_value",
    "body_start",
    "find_facts",
    "load_fact_rules",
    "parse_number",
]


def find_facts(
    extraction: Extraction, chunks: Sequence[tuple[Doc, int]], rules: FactRules | None = None
) -> tuple[Fact, ...]:
    """Every fact of one document, in text order.

    Args:
        extraction: The resolved extraction of the document (entity ids, mentions).
        chunks: The parsed chunks of its text with their character offsets.
        rules: Compiled rules (the bundled ones by default).

    >>> import spacy
    >>> from kg.model import Document
    >>> text = "The fund has 2 billion euros, up 7.4 percent."
    >>> facts = find_facts(Extraction(Document("d", text)), [(spacy.blank("en")(text), 0)])
    >>> [(f.type, f.value, f.currency) for f in facts]
    [('Amount', 2000000000, 'EUR'), ('Percent', 7.4, None)]
    """
    rules = rules or load_fact_rules()
    if not extraction.document.text.strip():
        return ()
    ctx = build_context(extraction, chunks, rules)
    facts: list[Fact] = []
    facts += find_amounts(ctx, rules)
    facts += find_percents(ctx, rules)
    taken = [(f.start, f.end) for f in facts]
    facts += share_figure_subjects(ctx, find_dates(ctx, rules, taken), facts)
    quotes = find_quotes(ctx, rules)
    quoted = [(f.start, f.end) for f in quotes]
    facts += quotes + find_reported(ctx, rules, quoted)
    clipped = [_clip(f, ctx) for f in facts]
    facts = [f for f in clipped if f is not None and f.start >= ctx.dateline[1]]
    facts.sort(key=lambda f: (f.start, f.end, f.type, str(f.value), f.rule))
    return tuple(facts)


def _clip(fact: Fact, ctx: Context) -> Fact | None:
    """A statement cut to the body and to one line; other facts unchanged."""
    if fact.type != "Statement":
        return fact
    start, end = max(fact.start, ctx.dateline[1]), fact.end
    if start >= end:
        return None
    pieces = [
        (start + m.start(), start + m.end()) for m in re.finditer(r"[^\n]+", ctx.text[start:end])
    ]
    start, end = max(pieces, key=lambda p: (p[1] - p[0], -p[0]))
    start, end = trim(ctx.text, start, end)
    if (start, end) == (fact.start, fact.end):
        return fact
    if len(ctx.text[start:end].split()) < 4:
        return None
    return replace(fact, text=ctx.text[start:end], start=start, end=end)


def add_facts(extraction: Extraction, chunks: Sequence[tuple[Doc, int]]) -> Extraction:
    """The extraction with its :attr:`~kg.model.Extraction.facts` filled in.

    >>> import spacy
    >>> from kg.model import Document
    >>> x = add_facts(Extraction(Document("d", "Rs 5 lakh")), [(spacy.blank("en")("Rs 5 lakh"), 0)])
    >>> x.facts[0].value, x.facts[0].currency
    (500000, 'INR')
    """
    return replace(extraction, facts=find_facts(extraction, chunks))
