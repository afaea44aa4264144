"""Writing extracted documents into a dataset: in batches, or bulk-loaded into a fresh store.

A document whose id is already in the dataset is replaced; one whose text is
already there under another id is written too and reported as a duplicate.
The build graph (:data:`kg.vocab.BUILD_GRAPH`) names the pipeline, kg's version
and the documents, and is rewritten whenever they change.

>>> from kg.model import Document, Extraction
>>> from kg.store.dataset import open_dataset
>>> ds = open_dataset(None)
>>> write_documents(ds, [Extraction(Document("d1", "one text"))]).words
2
>>> write_documents(ds, [Extraction(Document("d1", "one text"))]).replaced
('d1',)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from rdflib import Dataset

from kg.config import VERSION
from kg.fileio import exit_point
from kg.model import Extraction
from kg.query import run_query
from kg.rdf import build_quads
from kg.rdf_resolution import Target
from kg.store.dataset import bulk_write, document_ids, replace_build_graph, replace_documents
from kg.vocab import BUILD_GRAPH

WRITE_BATCH = 32
"""Documents written per store transaction."""

Progress = Callable[[int, int], None]
"""Called as ``progress(documents_done, words_done)`` while a build runs."""

_CONTENT_HASHES = """
SELECT ?id ?hash WHERE { GRAPH ?g { ?d dcterms:identifier ?id ; kgo:contentHash ?hash } }
"""
_PIPELINE = "SELECT ?p WHERE { GRAPH ?g { ?b kgo:pipeline ?p } FILTER (?g = ?build) }"


@dataclass(frozen=True)
class Written:
    """What :func:`write_documents` wrote."""

    documents: int
    words: int
    """Words in those documents (whitespace-separated)."""
    replaced: tuple[str, ...] = ()
    """Ids that were in the dataset already, sorted."""
    duplicates: tuple[tuple[str, str], ...] = ()
    """``(new id, id already there)`` pairs of documents with the same text."""


def content_hashes(ds: Dataset) -> dict[str, str]:
    """Document id → content hash of every document in the dataset."""
    return {str(r[0]): str(r[1]) for r in run_query(ds, _CONTENT_HASHES)}  # type: ignore[index]


def write_documents(
    ds: Dataset,
    extractions: Iterable[Extraction],
    *,
    bulk: bool = False,
    committed: Callable[[], None] | None = None,
    progress: Progress | None = None,
    targets: Mapping[str, Mapping[str, Target]] | None = None,
    merge: bool = True,
) -> Written:
    """Write each extraction as its document's named graph, replacing the same ids.

    Args:
        ds: The dataset.
        extractions: Consumed lazily, one document at a time.
        bulk: Use Oxigraph's bulk loader, no transactions: only for a store no reader
            sees yet (a build's staging store, swapped into place when complete).
        committed: Called after each transaction of :data:`WRITE_BATCH` documents.
        progress: Called after each document.
        targets: Document id → local key → where corpus resolution puts its node
            (:func:`kg.store.reconcile.document_targets`); written there directly.
        merge: Keep the default graph the union of the document graphs (with ``bulk``,
            ``False`` leaves that to :func:`~kg.store.dataset.merge_default_graph`).
    """
    hashes = content_hashes(ds)
    by_hash = {h: d for d, h in sorted(hashes.items(), reverse=True)}  # lowest id wins
    replaced: set[str] = set()
    duplicates: list[tuple[str, str]] = []
    n_docs = n_words = 0

    def counted() -> Iterator[Extraction]:
        nonlocal n_docs, n_words
        for extraction in extractions:
            doc = extraction.document
            if doc.id in hashes:
                replaced.add(doc.id)
            same = by_hash.get(doc.content_hash)
            if same is not None and same != doc.id:
                duplicates.append((doc.id, same))
            hashes[doc.id] = doc.content_hash
            by_hash.setdefault(doc.content_hash, doc.id)
            n_docs += 1
            n_words += len(doc.text.split())
            yield extraction
            if progress:
                progress(n_docs, n_words)

    if bulk:
        bulk_write(ds, counted(), targets, merge=merge)
        exit_point("bulk-loaded")
    else:
        batch: list[Extraction] = []
        for extraction in counted():
            batch.append(extraction)
            if len(batch) >= WRITE_BATCH:
                replace_documents(ds, batch, targets)
                if committed:
                    committed()
                batch = []
        if batch:
            replace_documents(ds, batch, targets)
            if committed:
                committed()
    return Written(n_docs, n_words, tuple(sorted(replaced)), tuple(duplicates))


def recorded_pipeline(ds: Dataset) -> str | None:
    """The pipeline the build graph names, or None when there is no build graph."""
    rows = sorted(str(r[0]) for r in run_query(ds, _PIPELINE, {"build": BUILD_GRAPH}))  # type: ignore[index]
    return rows[0] if rows else None


def write_build_graph(ds: Dataset, pipeline: str) -> None:
    """Rewrite the build graph: now, kg's version, ``pipeline`` and the documents there."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    quads = build_quads(
        started=now, ended=now, kg_version=VERSION, pipeline=pipeline, documents=document_ids(ds)
    )
    replace_build_graph(ds, quads)
