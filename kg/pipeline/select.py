"""Selection: from overlapping candidates, the mentions a ``Doc`` keeps.

Candidates are ranked in a total order (priority, length, start, a lexicon identity
before none, type, rule id, key, role) and kept greedily. A candidate that overlaps
a kept one is dropped unless one lies inside the other and the pair of types is in
the nesting table (``kg/patterns/nesting.jsonl``: a sector inside a policy's name,
an office inside a ministry). Priorities are in ``kg/patterns/builtin.jsonl``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from spacy.tokens import Doc

from kg.pipeline.mentions import Candidate


def rank(c: Candidate) -> tuple[Any, ...]:
    """The sort key of a candidate: higher priority, then longer, then earlier, ...

    >>> rank(Candidate(0, 2, "Person", "ner.PERSON", None, None, 3))
    (-3, -2, 0, True, 'Person', 'ner.PERSON', '', '')
    """
    return (
        -c.priority,
        -(c.end - c.start),
        c.start,
        c.key is None,
        c.type,
        c.rule,
        c.key or "",
        c.role or "",
    )


def select(
    doc: Doc, cands: Iterable[Candidate], nesting: Collection[tuple[str, str]]
) -> list[list[Any]]:
    """Resolve overlaps: nested is fine across some types, crossing spans are not.

    Candidates of priority 0 (ambiguous words no rule confirmed) are never kept.
    Returns ``doc._.kg_mentions`` entries, in document order.

    >>> import spacy
    >>> doc = spacy.blank("en")("a plan for steel")
    >>> select(doc, [Candidate(1, 4, "Policy", "p", None, None, 2),
    ...              Candidate(3, 4, "Sector", "s", None, None, 2),
    ...              Candidate(0, 2, "Person", "x", None, None, 1)], {("Sector", "Policy")})
    [['Policy', 2, 16, 'p', None, None, 1, 4], ['Sector', 11, 16, 's', None, None, 3, 4]]
    """
    # A total order, so no tie is left to the order rules happened to run in.
    ranked = sorted((c for c in cands if c.priority > 0), key=rank)
    kept: list[Candidate] = []
    for c in ranked:
        s, e, typ = c.start, c.end, c.type
        ok = True
        for k in kept:
            ks, ke, ktyp = k.start, k.end, k.type
            if ke <= s or e <= ks:
                continue
            if (s, e) == (ks, ke):
                ok = False
            elif ks <= s and e <= ke and (typ, ktyp) in nesting:
                continue
            elif s <= ks and ke <= e and (ktyp, typ) in nesting:
                continue
            else:
                ok = False
            if not ok:
                break
        if ok:
            kept.append(c)
    kept.sort(key=lambda c: (c.start, c.end))
    out = []
    for s, e, typ, rule, key, role, _ in kept:
        span = doc[s:e]
        out.append([typ, span.start_char, span.end_char, rule, key, role, s, e])
    return out


def priorities(tables: Mapping[str, dict[str, Any]]) -> tuple[dict[str, float], float]:
    """Rule id → priority, and the priority of a confirmed ambiguous sector word.

    >>> from kg.patterns.rules import RuleSet
    >>> prio, confirmed = priorities(RuleSet.load().tables)
    >>> prio["org.lexicon"], prio["ner"], confirmed
    (3.5, 3, 1)
    """
    prio = {
        e["id"]: e["priority"]
        for e in tables.values()
        if e["kind"] == "builtin" and "priority" in e
    }
    confirmed = tables["sector.lexicon.ambiguous"]["confirmed_priority"]
    return prio, confirmed


def nesting_pairs(tables: Mapping[str, dict[str, Any]]) -> frozenset[tuple[str, str]]:
    """The ``(inner type, outer type)`` pairs of the ``nesting`` entries that allow one.

    >>> from kg.patterns.rules import RuleSet
    >>> sorted(nesting_pairs(RuleSet.load().tables))[0]
    ('Location', 'Policy')
    """
    return frozenset(
        (e["inner"], e["outer"])
        for e in tables.values()
        if e["kind"] == "nesting" and e.get("allowed", True)
    )
