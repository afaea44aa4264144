"""Word lists and token shapes that the entity and relation rules consult."""

from __future__ import annotations

import re

# Words that start a noun phrase but are not part of a name.
_LEADING_JUNK = frozenset(
    "the a an this that these those its their his her our your my such other another "
    "new fresh further more most several various recent latest relevant certain specific "
    "some any all each every both related additional current existing previous first "
    "second third last next same broader wider overall whole entire major key important "
    "detailed targeted supportive many few nationwide proposed planned so-called "
    "recently own".split()
)
_GENERIC_POLICY_MODIFIERS = frozenset(
    "policy policies government support supporting preferential relevant such these "
    "incentive official".split()
)
_SECTOR_STOP_MODIFIERS = _LEADING_JUNK | frozenset(
    "world global national local domestic international private public state "
    "traditional emerging strategic relevant competitive regional "
    "foreign whole entire overall".split()
)
_SECTOR_HEADS = frozenset("sector sectors industry industries economy".split())
_UNIT_HEADS = frozenset(
    "department office bureau division committee commission administration institute "
    "center centre agency council secretariat unit board directorate".split()
)
_ORGISH_WORDS = frozenset(
    "council congress commission ministry committee bureau office department "
    "administration agency bank institute association university academy party "
    "court parliament assembly union organization organisation group authority "
    "corporation company".split()
)
_POLICY_PREPS = frozenset("for on of in concerning regarding against".split())
_QUANTITY_NOUNS = frozenset("series set number range raft batch slew host".split())
_NO_RETYPE = frozenset(
    "fund network project partnership package system base "
    "ratio loan credit mechanism campaign budget".split()
)
_EVENT_HEADS = frozenset(
    "show expo exposition exhibition fair festival games week conference summit olympics "
    "pandemic epidemic outbreak".split()
)
_TITLE_MODIFIERS = frozenset("general chief head deputy vice executive senior".split())
_WH_WORDS = frozenset("how whether what why when where which who".split())
_DEMONSTRATIVES = frozenset("this these those that its their his her our".split())
_MEETING_NOUNS = frozenset("meeting session conference".split())
_NATIONAL_BODIES = frozenset(
    "ministry council congress commission administration bureau parliament assembly".split()
)
_ORG_GENERIC = frozenset(
    "department ministry office bureau agency administration commission council "
    "committee of for the and state national federal".split()
)
_CODE = re.compile(r"^[A-Z]+-\d+$")
_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|gov|io|co)$")
_POSSESSIVE_TOKENS = frozenset(["'s", "\u2019s", "'", "\u2019"])
_DATELINE = re.compile(
    r"(?m)^[ \t]*([A-Z][A-Za-z.'\-]+(?: [A-Z][A-Za-z.'\-]+){0,3})"
    r"(?=,\s+(?:[A-Z][a-z]{2,}\.?\s+\d|\d)|\s+[\u2014\u2013]|\s+--?\s|:\s)"
)
