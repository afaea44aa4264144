"""Review of corpus-level merges: candidates with evidence, and names resolved to keys.

:func:`review_items` lists what corpus resolution proposes (its candidates) and
what people decided, most uncertain first, each with a sentence of a mention of
either side taken from the store; :func:`resolve_name` turns what a person
typed (a key, an entity IRI or a label) into one key, or says why it cannot.

>>> ReviewItem("Organization/a", "Organization/b", 0.5, "decision.accept", True).to_dict()["merged"]
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rdflib import Dataset, Literal

from kg.errors import InputError
from kg.query import run_query
from kg.rdf import DOC_PREFIX
from kg.resolve.corpus import CorpusResolution, Decision
from kg.store.reconcile import match_entity
from kg.store.records import EntityState

__all__ = ["ReviewItem", "resolve_name", "review_items"]


@dataclass(frozen=True)
class ReviewItem:
    """One pair of keys to review: the score, the rule, the verdict so far, the evidence."""

    a: str
    b: str
    score: float
    rule: str
    merged: bool
    decision: str = ""
    """``accept`` / ``reject`` when a person decided this pair, else empty."""
    evidence: str = ""
    """Why the pair was proposed (the rule's own evidence lines, joined)."""
    note: str = ""
    """The note of the person's decision on this pair."""
    sentence_a: str = ""
    """A sentence with a mention of ``a``."""
    sentence_b: str = ""
    """A sentence with a mention of ``b``."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_SENTENCES = f"""
SELECT ?k ?g ?b ?text WHERE {{
  VALUES ?k {{ %s }}
  GRAPH ?g {{ ?n kgo:key ?k . ?m itsrdf:taIdentRef ?n ; nif:sentence ?s .
             OPTIONAL {{ ?m kgo:key ?mk }} ?s nif:anchorOf ?text ; nif:beginIndex ?b . }}
  FILTER (!BOUND(?mk) || ?mk = ?k)
  FILTER (STRSTARTS(STR(?g), "{DOC_PREFIX}"))
}}"""


def _sentences(ds: Dataset, keys: set[str]) -> dict[str, str]:
    """A sentence for each key: the first of its first document."""
    if not keys:
        return {}
    values = " ".join(Literal(k).n3() for k in sorted(keys))
    best: dict[str, tuple[str, int, str]] = {}
    for row in run_query(ds, _SENTENCES % values):
        key, graph, begin, text = (str(v) for v in row)  # type: ignore[union-attr]
        item = (graph, int(begin), " ".join(text.split()))
        if key not in best or item < best[key]:
            best[key] = item
    return {k: v[2] for k, v in best.items()}


def review_items(
    ds: Dataset,
    resolution: CorpusResolution,
    decisions: Sequence[Decision],
    states: Sequence[EntityState],
) -> list[ReviewItem]:
    """Candidates and decided pairs, most uncertain first (score nearest 0.5), then by keys."""
    decided = {frozenset((d.a, d.b)): d for d in decisions}
    keys = {s.local.key for s in states}
    rows: list[ReviewItem] = []
    seen: set[frozenset[str]] = set()
    for c in resolution.candidates:
        pair = frozenset((c.a, c.b))
        seen.add(pair)
        d = decided.get(pair)
        verdict, note = (d.verdict, d.note) if d else ("", "")
        rows.append(
            ReviewItem(c.a, c.b, c.score, c.rule, c.merged, verdict, "; ".join(c.evidence), note)
        )
    for pair, d in decided.items():
        if pair in seen or d.a not in keys or d.b not in keys:
            continue
        merged = resolution.canonical_key(d.a) == resolution.canonical_key(d.b)
        score = 1.0 if d.verdict == "accept" else 0.0
        rows.append(
            ReviewItem(d.a, d.b, score, f"decision.{d.verdict}", merged, d.verdict, "", d.note)
        )
    text = _sentences(ds, {k for r in rows for k in (r.a, r.b)})
    rows = [
        ReviewItem(
            **{**r.to_dict(), "sentence_a": text.get(r.a, ""), "sentence_b": text.get(r.b, "")}
        )
        for r in rows
    ]
    return sorted(rows, key=lambda r: (abs(r.score - 0.5), r.a, r.b))


def resolve_name(name: str, states: Sequence[EntityState], resolution: CorpusResolution) -> str:
    """The one key ``name`` (a key, an entity IRI or a label) stands for.

    Raises:
        InputError: it names no entity, or several (listed in the message).
    """
    keys = match_entity(name, states, resolution)
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise InputError(
            f"no entity with the key, IRI or label {name!r}; "
            'list them with: kg query "SELECT ?key ?label { ?e kgo:key ?key ; skos:prefLabel ?label }"'
        )
    shown = ", ".join(keys[:10]) + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
    raise InputError(
        f"{name!r} matches {len(keys)} entities: {shown}; give one of these keys instead"
    )
