"""The word lists and token shapes that the rules consult, read from rule files by id.

The bundled lists are in ``kg/patterns/words.jsonl`` (kinds ``words`` and ``regex``);
a user's rule file replaces one by giving an entry with the same id.

>>> from kg.patterns.rules import RuleSet
>>> sorted(Words.from_rules(RuleSet.load().tables).sector_heads)
['economy', 'industries', 'industry', 'sector', 'sectors']
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kg.errors import PatternError


@dataclass(frozen=True)
class Words:
    """One field per list id in ``kg/patterns/words.jsonl``."""

    leading_junk: frozenset[str]
    generic_policy_modifiers: frozenset[str]
    sector_stop_modifiers: frozenset[str]
    sector_heads: frozenset[str]
    sector_example_cues: frozenset[str]
    action_preps: frozenset[str]
    unit_heads: frozenset[str]
    orgish_words: frozenset[str]
    policy_preps: frozenset[str]
    quantity_nouns: frozenset[str]
    no_retype: frozenset[str]
    event_heads: frozenset[str]
    title_modifiers: frozenset[str]
    wh_words: frozenset[str]
    demonstratives: frozenset[str]
    meeting_nouns: frozenset[str]
    national_bodies: frozenset[str]
    org_generic: frozenset[str]
    possessive_tokens: frozenset[str]
    articles: frozenset[str]
    policy_name_heads: frozenset[str]
    unit_preps: frozenset[str]
    part_of_links: frozenset[str]
    anaphor_determiners: frozenset[str]
    relativizers: frozenset[str]
    misattached_preps: frozenset[str]
    portfolio_preps: frozenset[str]
    portfolio_words: frozenset[str]
    value_prefixes: frozenset[str]
    meeting_preps: frozenset[str]
    quote_open: frozenset[str]
    quote_close: frozenset[str]
    name_dashes: frozenset[str]
    clause_breaks: frozenset[str]
    title_links: frozenset[str]
    place_nouns: frozenset[str]
    honorifics: frozenset[str]
    code: re.Pattern[str]
    domain: re.Pattern[str]
    dateline: re.Pattern[str]
    sentence_break: re.Pattern[str]
    dateline_head: re.Pattern[str]

    @classmethod
    def from_rules(cls, tables: Mapping[str, dict[str, Any]]) -> Words:
        """The lists of a ``RuleSet`` (its ``tables``), each checked and compiled.

        Raises:
            PatternError: a list is missing, or an entry of kind ``words``/``regex`` has
                an id no rule uses, or a regex does not compile.
        """
        values: dict[str, Any] = {}
        names = [f.name for f in dataclasses.fields(cls)]
        for entry in tables.values():
            kind, rid = entry["kind"], entry["id"]
            if kind not in ("words", "regex"):
                continue
            if rid not in names:
                raise PatternError(
                    f"{entry['_where']}: no rule uses the {kind} list {rid!r}; "
                    f"use one of {', '.join(names)}"
                )
            if kind == "words":
                values[rid] = frozenset(entry["words"])
            else:
                try:
                    values[rid] = re.compile(entry["regex"])
                except re.error as err:
                    raise PatternError(f"{entry['_where']}: bad regex {rid!r}: {err}") from err
        missing = [n for n in names if n not in values]
        if missing:
            raise PatternError(f"the rule files define no list {', '.join(missing)}")
        return cls(**values)
