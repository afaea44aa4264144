"""kg.text: the one normaliser and the word lists that extraction, resolution and the scorer share."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kg.config
import kg.evaluate
import kg.pipeline
import kg.pipeline.candidates
import kg.pipeline.links
import kg.pipeline.relations
import kg.resolve.anaphors
import kg.resolve.merge
import kg.resolve.names
from kg.text import ANAPHOR_NOUNS, ANAPHOR_TARGETS, FUNCTION_WORDS, content_words, normalise_name

WORDS = Path(kg.text.__file__).resolve().parent / "patterns" / "words"


def test_every_stage_uses_the_one_normaliser_and_word_lists():
    assert kg.pipeline.relations.normalise_text is normalise_name
    assert kg.pipeline.links.normalise_text is normalise_name
    assert kg.resolve.names.normalise_name is normalise_name
    assert kg.resolve.merge.normalise_name is normalise_name
    assert kg.evaluate.normalise_name is normalise_name
    assert kg.evaluate.content_words is content_words
    assert kg.pipeline.links._content is content_words
    assert kg.resolve.merge._FUNCTION_WORDS is FUNCTION_WORDS
    assert kg.pipeline.candidates._ANAPHOR_NOUNS is ANAPHOR_NOUNS
    assert kg.resolve.anaphors._ANAPHOR_TARGETS is ANAPHOR_TARGETS
    assert kg.pipeline.DEFAULT_MODEL is kg.config.DEFAULT_MODEL


@pytest.mark.parametrize(
    ("raw", "punctuation", "expected"),
    [
        ("the State Council\u2019s", False, "state council"),
        ("  BEIJING ", False, "beijing"),
        ("the People\u2019s Bank of China", False, "people's bank of china"),
        ("An Ministry", False, "ministry"),
        ("Belt\u2013and\u2013Road", False, "belt-and-road"),
        ("  Single-Window ", True, "single window"),
        ("the \u201cServices Plus\u201d plan", True, "services plus plan"),
        ("\u201cthe plan\u201d", True, "plan"),
        ("the", True, ""),
        ("the", False, "the"),
    ],
)
def test_normalise_name(raw: str, punctuation: bool, expected: str):
    assert normalise_name(raw, punctuation=punctuation) == expected


def test_content_words_leave_out_function_words():
    assert content_words("a plan for the digital economy") == {"plan", "digital", "economy"}


@pytest.mark.parametrize("name", sorted(p.name for p in WORDS.glob("*.json")))
def test_word_files_are_sorted_lower_case_and_unique(name: str):
    data = json.loads((WORDS / name).read_text(encoding="utf-8"))
    assert data["about"]
    lists = (
        [data["words"]]
        if "words" in data
        else [*data["nouns"].values()]
        if "nouns" in data
        else [v for v in data.values() if isinstance(v, list)]
    )
    assert lists
    for words in lists:
        assert words == sorted(set(words)) and all(w == w.lower() for w in words)
