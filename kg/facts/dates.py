"""Dates: full dates, months, years, fiscal years and relative years, with a role.

Values are ISO 8601 (``2025-01-01``, ``2025-01``, ``2025``), resolved against
the document's own date (``next year``; a month without a year takes the
year that keeps it near the document's date, looking at the sentence's
tense). The role comes from the trigger words nearest the date (``by`` →
deadline ...), as the rules' ``date_roles`` say.
"""

from __future__ import annotations

import re

from kg.facts.attach import figure_fact
from kg.facts.context import Context, month_number
from kg.facts.rules import FactRules, alternation
from kg.model import Fact


def date_role(ctx: Context, start: int, end: int, rules: FactRules) -> str:
    """The role of the date at ``start:end``: the nearest trigger word before or after it.

    Triggers before the date count from their end, those after it from their
    start; a tie goes to the longer trigger, then to the one before.
    """
    s_start, s_end, _ = ctx.sentence(start)
    before = ctx.text[max(s_start, start - 50) : start].casefold()
    after = ctx.text[end : min(s_end, end + 30)].casefold()
    fiscal = re.search(r"\b(?:fiscal(?: year)?|fy)\s*$", before)
    if fiscal:  # "by fiscal 2050": the word before "fiscal" decides, else a period
        before = before[: fiscal.start()]
    best: tuple[float, int, int, str] = (99.0, 0, 0, "other")
    for entry in rules.entries("date_roles"):
        for side, window in (("before", before), ("after", after)):
            for word in entry.get(side, ()):
                pattern = rules.word_pattern(word)
                for m in pattern.finditer(window):
                    gap = len(window) - m.end() if side == "before" else m.start()
                    key = (gap / 10, -len(word), 0 if side == "before" else 1, entry["role"])
                    best = min(best, (float(int(key[0])), key[1], key[2], key[3]))
    if fiscal and best[0] > 0:
        return "period"
    return best[3]


def _past(ctx: Context, start: int, rules: FactRules) -> bool | None:
    _, _, sent = ctx.sentence(start)
    if sent is None or not sent.doc.has_annotation("TAG"):
        return None
    words = {t.lower_ for t in sent}
    if words & set(rules.words("future_cues")):
        return False
    return True if any(t.tag_ == "VBD" for t in sent) else None


def _resolve_month(ctx: Context, month: int, start: int, rules: FactRules) -> int | None:
    if ctx.year is None:
        return None
    if ctx.month is None:
        return ctx.year
    past = _past(ctx, start, rules)
    if month > ctx.month + 1 and past is not False:
        return ctx.year - 1
    if month < ctx.month - 1 and past is False:
        return ctx.year + 1
    return ctx.year


def _month_year(ctx: Context, month: int, start: int, rules: FactRules) -> int | None:
    """The year of a month named without one ("last July", "in March")."""
    if ctx.year is None:
        return None
    before = ctx.text[max(0, start - 5) : start].casefold()
    if before.endswith("last "):
        return ctx.year - 1 if ctx.month is None or month >= ctx.month else ctx.year
    if before.endswith("next "):
        return ctx.year + 1 if ctx.month is None or month <= ctx.month else ctx.year
    return _resolve_month(ctx, month, start, rules)


def _values(ctx: Context, rule_id: str, m: re.Match[str], rules: FactRules) -> list[str]:
    """The ISO values of one date match (two for a range of years, none to skip it)."""
    g = m.groupdict()
    if g.get("rel"):
        entry = rules.lookup("relative_years", "words", " ".join(m.group("rel").lower().split()))
        if entry is None or ctx.year is None:
            return []
        return [str(ctx.year + int(entry["offset"]))]
    if g.get("year2"):
        y1 = int(g["year"])
        y2 = int(g["year2"]) if len(g["year2"]) == 4 else y1 // 100 * 100 + int(g["year2"])
        return [str(y1), str(y2)] if 0 < y2 - y1 <= 10 else []
    if g.get("mon"):
        month = month_number(g["mon"], rules)
        if g["mon"] == "May" and rule_id == "date.month.v1" and not g.get("part"):
            prev = ctx.text[max(0, m.start() - 6) : m.start()].lower()
            preps = alternation(rules.words("month_may_before"))
            if not re.search(rf"(?<!\w)(?:{preps})\s$", prev):
                return []  # the modal verb
        word = g["mon"]
        if (
            rule_id == "date.month.v1"
            and "." not in word
            and len(word) <= 4
            and month not in (5, 6, 7)
        ):
            return []  # "Jan" in "Jan Arogya": a bare abbreviation only with a day
        year = int(g["year"]) if g.get("year") else _month_year(ctx, month, m.start(), rules)
        if year is None:
            return []
        value = f"{year:04d}-{month:02d}"
        if g.get("day"):
            day = int(g["day"])
            if not 1 <= day <= 31:
                return []
            value += f"-{day:02d}"
        return [value]
    if g.get("year"):
        return [g["year"]]
    if g.get("fy"):
        return [g["fy"] if len(g["fy"]) == 4 else f"20{g['fy']}"]
    return []


def find_dates(ctx: Context, rules: FactRules, taken: list[tuple[int, int]]) -> list[Fact]:
    """Every date of the text outside ``taken`` spans and the dateline, most specific first."""
    out: list[Fact] = []
    spans = list(taken) + [ctx.dateline]
    for rule_id, pattern in rules.dates:
        for m in pattern.finditer(ctx.text):
            if any(m.start() < b and a < m.end() for a, b in spans):
                continue
            values = _values(ctx, rule_id, m, rules)
            if not values:
                continue
            spans.append((m.start(), m.end()))
            if m.groupdict().get("year2"):
                role = "period"
            else:
                role = date_role(ctx, m.start(), m.end(), rules)
            for value in values:
                out.append(
                    figure_fact(
                        ctx, "Date", m.start(), m.end(), rule_id, rules, value=value, role=role
                    )
                )
    return out
