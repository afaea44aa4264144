"""A fast evaluator for the common subset of ``DependencyMatcher`` patterns.

Rules whose nodes after the first use only ``>``, ``<``, ``>>``, ``<<`` and plain
or ``IN`` token checks are run from an anchor token instead of over the whole Doc;
:func:`run_steps` finds exactly what spaCy's matcher finds for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.tokens import Token

_TOKEN_ATTRS = {
    "LEMMA": "lemma_",
    "LOWER": "lower_",
    "POS": "pos_",
    "TAG": "tag_",
    "DEP": "dep_",
    "ORTH": "text",
    "TEXT": "text",
    "ENT_TYPE": "ent_type_",
}
_FAST_OPS = (">", "<", ">>", "<<")


def compile_steps(pattern: list[dict[str, Any]]) -> list[tuple[str, str, str, dict]] | None:
    """The nodes after the first as ``(left, op, right, checks)``, or None if unsupported.

    >>> compile_steps([{"RIGHT_ID": "v", "RIGHT_ATTRS": {"LEMMA": "issue"}},
    ...                 {"LEFT_ID": "v", "REL_OP": ">", "RIGHT_ID": "o",
    ...                  "RIGHT_ATTRS": {"DEP": "dobj"}}])
    [('v', '>', 'o', {'dep_': ('dobj',)})]
    """
    steps = []
    for node in pattern[1:]:
        if node.get("REL_OP") not in _FAST_OPS:
            return None
        checks = {}
        for key, value in node.get("RIGHT_ATTRS", {}).items():
            if key not in _TOKEN_ATTRS:
                return None
            if isinstance(value, str):
                checks[_TOKEN_ATTRS[key]] = (value,)
            elif isinstance(value, dict) and set(value) == {"IN"}:
                checks[_TOKEN_ATTRS[key]] = tuple(value["IN"])
            else:
                return None
        steps.append((node["LEFT_ID"], node["REL_OP"], node["RIGHT_ID"], checks))
    return steps


def run_steps(anchor: Token, steps: list[tuple[str, str, str, dict]]) -> list[list[int]]:
    """All assignments of token indices (in pattern order) that satisfy ``steps``."""
    results: list[dict[str, Token]] = [{"__anchor__": anchor}]
    first = True
    for left, op, right, checks in steps:
        grown = []
        for partial in results:
            if first:
                partial = {left: anchor}
            base = partial[left]
            cands: Iterable[Token]
            if op == ">":
                cands = base.children
            elif op == "<":
                cands = [base.head] if base.head.i != base.i else []
            elif op == ">>":
                cands = (t for t in base.subtree if t.i != base.i)
            else:
                cands = base.ancestors
            for tok in cands:
                if all(getattr(tok, attr) in allowed for attr, allowed in checks.items()):
                    if all(tok.i != t.i for t in partial.values()):
                        grown.append({**partial, right: tok})
        results = grown
        first = False
        if not results:
            return []
    if first:
        return [[anchor.i]]
    return [[t.i for k, t in r.items()] for r in results]
