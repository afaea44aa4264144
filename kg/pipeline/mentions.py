"""What the components leave on a ``Doc``, and the candidate record between stages.

Results live on the ``Doc`` as plain data so they survive multiprocessing:
``doc._.kg_mentions`` (lists ``[type, start_char, end_char, rule, key, role, start, end]``,
the last two token offsets) and ``doc._.kg_relations`` (lists
``[subject_index, predicate, object_index, rule]``) and ``doc._.kg_proposals`` (lists
``[start_char, end_char, start, end]``: noun phrases no rule took, for the learned stage).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from spacy.tokens import Doc, Span


class Candidate(NamedTuple):
    """One possible mention, before selection keeps or drops it (token offsets).

    >>> Candidate(0, 2, "Person", "ner.PERSON", None, None, 3).priority
    3
    """

    start: int
    end: int
    type: str
    rule: str
    key: str | None
    role: str | None
    priority: float


def mention_span(doc: Doc, mention: Sequence[Any]) -> Span:
    """The ``Span`` of one entry of ``doc._.kg_mentions`` (token offsets when stored).

    >>> import spacy
    >>> doc = spacy.blank("en")("Li Keqiang spoke")
    >>> mention_span(doc, ["Person", 0, 10, "test", None, None]).text
    'Li Keqiang'
    """
    if len(mention) >= 8:
        return doc[mention[6] : mention[7]]
    span = doc.char_span(mention[1], mention[2], alignment_mode="expand")
    return span if span is not None else doc[0:0]


def _register_extensions() -> None:
    if not Doc.has_extension("kg_mentions"):
        Doc.set_extension("kg_mentions", default=None)
    if not Doc.has_extension("kg_relations"):
        Doc.set_extension("kg_relations", default=None)
    if not Doc.has_extension("kg_proposals"):
        Doc.set_extension("kg_proposals", default=None)


_register_extensions()
