"""The ``kg_sentences`` component: sentence starts the text's layout makes certain.

Runs before the parser, which keeps boundaries that are already set. A release's
headline, its dateline ("BEIJING, Oct. 21 --") and its first paragraph are three
sentences, not one; so are the lines of a header block and of a bulleted list. Where a
break falls is data (the ``sentence_break`` and ``dateline_head`` regexes of
``kg/patterns/words.jsonl``), which a user's rule file can replace by id.

>>> import spacy
>>> nlp = spacy.blank("en")
>>> doc = make_kg_sentences(nlp, "kg_sentences", [])(
...     nlp("Plan unveiled\\n\\nBEIJING, Oct. 21 -- The State Council issued a plan."))
>>> [t.text for t in doc if t.is_sent_start]
['Plan', 'BEIJING', 'The']
"""

from __future__ import annotations

from bisect import bisect_left

from spacy.language import Language
from spacy.tokens import Doc

from kg.patterns.rules import RuleSet
from kg.pipeline.words import Words


class KGSentences:
    """Set ``is_sent_start`` where a paragraph, a header line or a dateline ends."""

    def __init__(self, words: Words) -> None:
        self.words = words

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) < 2:
            return doc
        text = doc.text  # spaCy rebuilds doc.text on every access
        idx = [t.idx for t in doc]
        starts: set[int] = set()
        inside: set[int] = set()

        def first_token(pos: int) -> int:
            i = bisect_left(idx, pos)
            while i < len(doc) and doc[i].is_space:
                i += 1
            return i

        for m in self.words.sentence_break.finditer(text):
            starts.add(first_token(m.end()))
        for m in self.words.dateline_head.finditer(text):
            head, body = first_token(m.start()), first_token(m.end())
            starts.update((head, body))
            inside.update(range(head + 1, body))
        for i in sorted(inside - starts):
            doc[i].is_sent_start = False
        for i in sorted(starts):
            if 0 < i < len(doc):
                doc[i].is_sent_start = True
        return doc


@Language.factory("kg_sentences", default_config={"patterns": [], "bundled_patterns": True})
def make_kg_sentences(
    nlp: Language, name: str, patterns: list[str], bundled_patterns: bool = True
) -> KGSentences:
    """Factory of the ``kg_sentences`` component."""
    return KGSentences(Words.from_rules(RuleSet.load(patterns, bundled=bundled_patterns).tables))
