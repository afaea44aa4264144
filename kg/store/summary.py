"""What a build, add or remove did, and what the graph holds afterwards.

>>> from kg.store.dataset import open_dataset
>>> summarise(open_dataset(None)).total_documents
0
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import Dataset

from kg.query import run_query
from kg.store.dataset import document_ids, triple_count
from kg.vocab import TYPE_CLASSES

if TYPE_CHECKING:
    from kg.read import ReadNote


@dataclass(frozen=True)
class BuildSummary:
    """What a build, add or remove did."""

    documents: int
    """Documents written by this call."""
    words: int
    """Words in those documents (whitespace-separated)."""
    seconds: float
    entities: Mapping[str, int] = field(default_factory=dict)
    """Distinct entities by type in the whole graph afterwards."""
    relations: int = 0
    """Distinct relation triples in the whole graph afterwards."""
    triples: int = 0
    """Quads in the store afterwards (all graphs)."""
    total_documents: int = 0
    """Documents in the graph afterwards."""
    notes: tuple[ReadNote, ...] = ()
    """Inputs that were skipped or needed repair."""
    replaced: tuple[str, ...] = ()
    """Ids of documents that were in the graph already and were replaced, sorted."""
    duplicates: tuple[tuple[str, str], ...] = ()
    """``(new id, id already there)`` pairs of documents with the same text under two ids."""
    notices: tuple[str, ...] = ()
    """Things the command repaired on the way (derived files that lagged the store)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "total_documents": self.total_documents,
            "words": self.words,
            "seconds": round(self.seconds, 3),
            "entities": dict(self.entities),
            "relations": self.relations,
            "triples": self.triples,
            "notes": [str(n) for n in self.notes],
            "replaced": list(self.replaced),
            "duplicates": [list(d) for d in self.duplicates],
        }

    def changes(self) -> list[str]:
        """One line for each thing a user should know changed beyond the counts.

        >>> BuildSummary(1, 5, 0.1, replaced=("kr-chip-subsidy",)).changes()
        ['replaced 1 document with the same id: kr-chip-subsidy']
        """
        lines = list(self.notices)
        if self.replaced:
            n = len(self.replaced)
            lines.append(
                f"replaced {n} document{'s' if n != 1 else ''} with the same id: "
                + ", ".join(self.replaced[:10])
                + (f" and {n - 10} more" if n > 10 else "")
            )
        for new, old in self.duplicates[:10]:
            lines.append(
                f"warning: {new} has the same content as {old}, already in the graph; "
                f"duplicates inflate every per-document count (kg remove {new} drops it)"
            )
        if len(self.duplicates) > 10:
            lines.append(f"warning: {len(self.duplicates) - 10} more duplicates")
        return lines


_COUNTS = """
SELECT ?type (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e kgo:key ?k ; a ?type } GROUP BY ?type
"""
_RELATIONS = """
SELECT (COUNT(*) AS ?n) WHERE {
  SELECT DISTINCT ?s ?p ?o WHERE { ?a a kgo:RelationAssertion ; rdf:subject ?s ;
                                     rdf:predicate ?p ; rdf:object ?o }
}
"""


def summarise(
    ds: Dataset, documents: int = 0, words: int = 0, started: float | None = None
) -> BuildSummary:
    """Counts for the whole dataset, for a call that wrote ``documents`` since ``started``.

    Args:
        ds: The dataset.
        documents: Documents the call wrote.
        words: Words in those documents.
        started: ``time.perf_counter()`` when the call began (``None``: now).
    """
    if started is None:
        started = time.perf_counter()
    counts: Counter[str] = Counter()
    names = {str(v): k for k, v in TYPE_CLASSES.items()}
    for row in run_query(ds, _COUNTS):
        name = names.get(str(row[0]))  # type: ignore[index]
        if name:
            counts[name] = int(str(row[1]))  # type: ignore[index]
    relations = int(str(next(iter(run_query(ds, _RELATIONS)))[0]))  # type: ignore[index]
    return BuildSummary(
        documents=documents,
        words=words,
        seconds=time.perf_counter() - started,
        entities={t: counts.get(t, 0) for t in TYPE_CLASSES},
        relations=relations,
        triples=triple_count(ds),
        total_documents=len(document_ids(ds)),
    )
