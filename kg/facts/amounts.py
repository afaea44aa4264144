"""Amounts of money and percentages.

- **Amount**: ``<prefix> number [scale]`` or ``number [scale] <currency word>``;
  the value is in units (``722.58 billion yuan`` → 722580000000 CNY); a bare
  ``$`` takes the dollar of the country the document is about.
- **Percent**: ``number percent|per cent|%|percentage points``.
"""

from __future__ import annotations

from kg.facts.attach import figure_fact
from kg.facts.context import Context
from kg.facts.rules import FactRules, amount_value, parse_number
from kg.model import Fact


def find_amounts(ctx: Context, rules: FactRules) -> list[Fact]:
    """Every sum of money of the text, suffix forms (``5 billion yuan``) first."""
    out: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for pattern, side in ((rules.amount_suffix, "suffix"), (rules.amount_prefix, "prefix")):
        for m in pattern.finditer(ctx.text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            cur = " ".join(m.group("cur").split())
            entry = rules.lookup("currencies", "prefixes" if side == "prefix" else "words", cur)
            if entry is None:
                continue
            scale = m.group("scale")
            if side == "suffix" and scale is None and entry["code"] == "KRW" and cur == "won":
                continue  # "won" is also a verb; only with a scale word
            code = entry["code"]
            rule = f"amount.{side}.v1+{entry['id']}"
            if code == "USD" and cur in ("$", "dollars", "dollar") and ctx.dollar != "USD":
                code = ctx.dollar
                rule += "+dollar.document-country.v1"
            value = amount_value(m.group("num"), scale, rules)
            taken.append((m.start(), m.end()))
            out.append(
                figure_fact(
                    ctx, "Amount", m.start(), m.end(), rule, rules, value=value, currency=code
                )
            )
    return out


def find_percents(ctx: Context, rules: FactRules) -> list[Fact]:
    """Every percentage (or percentage-point change) of the text."""
    out = []
    for m in rules.percent.finditer(ctx.text):
        value = parse_number(m.group("num"))
        out.append(
            figure_fact(
                ctx,
                "Percent",
                m.start(),
                m.end(),
                "percent.number.v1",
                rules,
                value=int(value) if value.is_integer() else value,
            )
        )
    return out
