"""The fact rules: ``kg/patterns/facts/rules.json`` read, checked and compiled.

>>> parse_number("1,260.5")
1260.5
>>> amount_value("722.58", "billion", load_fact_rules())
722580000000
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.errors import PatternError

FACT_RULES = Path(__file__).resolve().parent.parent / "patterns" / "facts" / "rules.json"
"""The bundled fact rules."""

REQUIRED_SECTIONS = (
    "currencies",
    "scales",
    "months",
    "relative_years",
    "date_roles",
    "speech_verbs",
)
"""Sections a rules file must have; the others default to empty."""

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def parse_number(text: str) -> float:
    """A number as written (thousands separators allowed).

    >>> parse_number("91,000")
    91000.0
    """
    return float(text.replace(",", ""))


def alternation(words: Sequence[str]) -> str:
    """A regex alternation of ``words``, escaped, longest first.

    >>> alternation(["yuan", "RMB", "renminbi"])
    'renminbi|yuan|RMB'
    """
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@dataclass(frozen=True)
class FactRules:
    """The compiled fact rules (see ``kg/patterns/facts/rules.json``)."""

    data: dict[str, Any]
    amount_prefix: re.Pattern[str]
    amount_suffix: re.Pattern[str]
    percent: re.Pattern[str]
    dates: tuple[tuple[str, re.Pattern[str]], ...]
    quote: re.Pattern[str]
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False)

    def word_pattern(self, word: str) -> re.Pattern[str]:
        """A compiled whole-word, case-insensitive pattern for ``word`` (kept per rules)."""
        found = self.patterns.get(word)
        if found is None:
            found = re.compile(rf"(?<!\w){re.escape(word.casefold())}(?!\w)")
            self.patterns[word] = found
        return found

    def entries(self, section: str) -> list[dict[str, Any]]:
        """The entries of one section of the rules file."""
        return list(self.data.get(section, ()))

    def words(self, section: str, key: str = "words") -> list[str]:
        """Every word of the lists ``key`` of one section, in file order.

        >>> "will" in load_fact_rules().words("future_cues")
        True
        """
        return [w for e in self.data.get(section, ()) for w in e.get(key, ())]

    def lookup(self, section: str, field: str, word: str) -> dict[str, Any] | None:
        """The entry of ``section`` whose list ``field`` holds ``word`` (case-insensitive)."""
        low = word.casefold()
        for entry in self.data.get(section, ()):
            if any(w.casefold() == low for w in entry.get(field, ())):
                return entry
        return None


def _compile(data: dict[str, Any]) -> FactRules:
    prefixes = [p for c in data["currencies"] for p in c["prefixes"]]
    words = [w for c in data["currencies"] for w in c["words"]]
    scales = [w for s in data["scales"] for w in s["words"]]
    scale = rf"(?:\s*-?\s*(?P<scale>{alternation(scales)})\b)?"
    prefix = re.compile(
        rf"(?<![\w$])(?P<cur>{alternation(prefixes)})\s?(?P<num>{_NUMBER}){scale}", re.IGNORECASE
    )
    suffix = re.compile(
        rf"(?<![\w.,])(?P<num>{_NUMBER}){scale}\s*-?\s*(?P<cur>{alternation(words)})\b(?!-)",
        re.IGNORECASE,
    )
    percent = re.compile(
        rf"(?<![\w.,])(?P<num>{_NUMBER})\s*-?\s*(?:%|percent\b|per\s+cent\b|percentage\s+points?\b)",
        re.IGNORECASE,
    )
    month_words = alternation([w for m in data["months"] for w in m["words"]])
    mon = rf"(?P<mon>{month_words})(?![\w])"
    year = r"(?P<year>(?:19|20)\d{2})(?!\d)"
    rel = alternation([w for r in data["relative_years"] for w in r["words"]])
    dates = (
        ("date.day-month-year.v1", re.compile(rf"\b(?P<day>\d{{1,2}})\s+{mon}\s*,?\s+{year}")),
        (
            "date.month-day-year.v1",
            re.compile(rf"\b{mon}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{year}"),
        ),
        ("date.month-year.v1", re.compile(rf"\b{mon}\s*,?\s+(?:of\s+)?{year}")),
        (
            "date.month-day.v1",
            re.compile(rf"\b{mon}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d|,?\s*\d)"),
        ),
        ("date.day-month.v1", re.compile(rf"\b(?P<day>\d{{1,2}})\s+{mon}(?!\s*,?\s*\d)")),
        (
            "date.year-range.v1",
            re.compile(
                r"(?<![\w-])(?P<year>(?:19|20)\d{2})[-–/](?P<year2>\d{2}|(?:19|20)\d{2})(?![\w-])"
            ),
        ),
        ("date.relative-year.v1", re.compile(rf"\b(?P<rel>{rel})\b", re.IGNORECASE)),
        ("date.fiscal-year.v1", re.compile(r"\bFY\s?(?P<fy>(?:19|20)\d{2}|\d{2})(?![\w-])")),
        ("date.part-year.v1", re.compile(rf"\b(?:mid|end|early|late)-{year}(?![\w-])", re.I)),
        ("date.year.v1", re.compile(rf"(?<![\w.,$€£¥-]){year}(?![\w-]|\.\d|,\d)")),
        (
            "date.month.v1",
            re.compile(rf"\b(?:(?P<part>early|mid|late|end of|the end of)[\s-]+)?{mon}(?!\w)"),
        ),
    )
    quote = re.compile(r"[\"“]([^\"“”\n]{15,}?)(?:[\"”]|(?=\n))")
    return FactRules(data, prefix, suffix, percent, dates, quote)


@lru_cache(maxsize=8)
def load_fact_rules(path: str | Path | None = None) -> FactRules:
    """Read and compile a fact rules file (the bundled one by default).

    Raises:
        PatternError: the file is missing, not JSON, or lacks a section.

    >>> load_fact_rules().lookup("currencies", "words", "yuan")["code"]
    'CNY'
    """
    file = Path(path) if path is not None else FACT_RULES
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PatternError(f"cannot read fact rules '{file}': {err}; fix the file") from err
    missing = [s for s in REQUIRED_SECTIONS if s not in data]
    if missing:
        raise PatternError(f"fact rules '{file}' lack sections {missing}; see kg/patterns/README")
    for section, entries in data.items():
        if isinstance(entries, list) and any("id" not in e for e in entries):
            raise PatternError(f"fact rules '{file}': every entry of '{section}' needs an 'id'")
    return _compile(data)


def amount_value(number: str, scale: str | None, rules: FactRules) -> int | float:
    """A number with an optional scale word, in units.

    >>> amount_value("1.26", "lakh crore", load_fact_rules())
    1260000000000
    """
    value = parse_number(number)
    if scale:
        entry = rules.lookup("scales", "words", " ".join(scale.split()))
        if entry is not None:
            value *= float(entry["factor"])
    value = round(value, 6)
    return int(value) if value.is_integer() else value
