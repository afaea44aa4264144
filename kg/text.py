"""The text rules that extraction, resolution and the scorer share.

One normaliser (:func:`normalise_name`) for every comparison of names, one list of
function words and one table of anaphors, read from ``kg/patterns/words/``, so the
stages cannot drift apart.

>>> normalise_name("the People\u2019s Bank of China") == normalise_name("People's Bank of China")
True
>>> sorted(content_words("the negative list for market access"))
['access', 'list', 'market', 'negative']
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "ANAPHOR_NOUNS",
    "ANAPHOR_TARGETS",
    "FUNCTION_WORDS",
    "content_words",
    "normalise_name",
]

_WORDS_DIR = Path(__file__).resolve().parent / "patterns" / "words"
_DETERMINERS = ("the ", "a ", "an ")
_DETERMINER_WORDS = ("the", "a", "an")
_DASHES = re.compile(r"[\u2010-\u2015]")


def _read(name: str) -> dict:
    return json.loads((_WORDS_DIR / name).read_text(encoding="utf-8"))


FUNCTION_WORDS: frozenset[str] = frozenset(_read("function_words.json")["words"])
"""Words left out when the content words of two names are compared."""

_ANAPHORS = _read("anaphors.json")
ANAPHOR_NOUNS: Mapping[str, frozenset[str]] = MappingProxyType(
    {kind: frozenset(nouns) for kind, nouns in _ANAPHORS["nouns"].items()}
)
"""Entity type → nouns that, after "the", stand for a named entity of that type."""
ANAPHOR_TARGETS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {noun: tuple(heads) for noun, heads in _ANAPHORS["targets"].items()}
)
"""Anaphor noun → head words of the entities it may mean (empty: any of its type)."""


def normalise_name(text: str, *, punctuation: bool = False) -> str:
    """The form in which two names are compared.

    NFKC, casefold, one kind of apostrophe, dash and space, no leading
    determiner and no trailing possessive. With ``punctuation``, punctuation
    and symbols become spaces too (the scorer's strict match, GOLD_FORMAT.md).

    Args:
        text: A name or surface form.
        punctuation: Also turn punctuation and symbols into spaces.

    >>> normalise_name("the State Council\u2019s")
    'state council'
    >>> normalise_name("  BEIJING ")
    'beijing'
    >>> normalise_name("  Single-Window ", punctuation=True)
    'single window'
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = _DASHES.sub("-", text)
    text = _strip_determiners(" ".join(text.split()).casefold())
    if text.endswith("'s"):
        text = text[:-2]
    elif text.endswith("s'"):
        text = text[:-1]
    text = text.strip()
    if punctuation:
        spaced = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
        words = spaced.split()
        while words and words[0] in _DETERMINER_WORDS:
            words = words[1:]
        text = " ".join(words)
    return text


def _strip_determiners(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for det in _DETERMINERS:
            if text.startswith(det):
                text, changed = text[len(det) :], True
    return text


def content_words(text: str) -> frozenset[str]:
    """The words of a name that carry its meaning: normalised, without function words.

    >>> sorted(content_words("Ministry of Industry and Information Technology"))
    ['industry', 'information', 'ministry', 'technology']
    """
    return frozenset(
        w for w in normalise_name(text, punctuation=True).split() if w not in FUNCTION_WORDS
    )


_MODEL_CHARS = str.maketrans({"\u2019": "'"})


def model_text(text: str) -> str:
    """The text the spaCy pipeline reads: typographic apostrophes made plain.

    The stock models learned English from text with ``'``; ``’s`` changes their
    tags and entities ("Canada’s Minister"). The result has the same length as
    ``text``, so every offset still points into the original, which evidence quotes.

    >>> model_text("Canada\u2019s plan") == "Canada's plan"
    True
    """
    return text.translate(_MODEL_CHARS)
