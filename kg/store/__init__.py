"""The graph store: the dataset, the graph directory around it, and writing documents in.

- :mod:`~kg.store.dataset`: an rdflib ``Dataset`` over embedded Oxigraph (or rdflib
  Memory); whole-document writes, counts, dumps in every RDF format;
- :mod:`~kg.store.directory`: the graph directory's writer lock and a build's staged swap;
- :mod:`~kg.store.handle`: :class:`OpenStore`, a dataset open for a graph, with its lock;
- :mod:`~kg.store.writes`: extractions written in batches or bulk, replaced ids and
  duplicate texts noticed, the build graph;
- :mod:`~kg.store.summary`: :class:`BuildSummary`, what a call did and what the graph holds.

>>> ds = open_dataset(None)
>>> from kg.model import Document, Extraction
>>> replace_documents(ds, [Extraction(Document("d1", "text"))])
>>> document_ids(ds)
['d1']
"""

from kg.errors import StoreError
from kg.store.dataset import (
    RDF_FORMATS,
    bulk_write,
    document_ids,
    dump,
    merge_default_graph,
    named_quads,
    open_dataset,
    oxigraph_store,
    reload_documents,
    remove_documents,
    replace_build_graph,
    replace_documents,
    require_documents,
    to_ox_quad,
    triple_count,
)
from kg.store.directory import (
    LOCK_FILE,
    STORE_DIR,
    WriterLock,
    discard,
    new_staging_dir,
    recover,
    require_graph_dir,
    swap_in,
    write_lock,
)
from kg.store.handle import OpenStore, take_over
from kg.store.summary import BuildSummary, summarise
from kg.store.writes import (
    WRITE_BATCH,
    Progress,
    Written,
    content_hashes,
    recorded_pipeline,
    write_build_graph,
    write_documents,
)

__all__ = [
    "LOCK_FILE",
    "RDF_FORMATS",
    "STORE_DIR",
    "WRITE_BATCH",
    "BuildSummary",
    "OpenStore",
    "Progress",
    "StoreError",
    "WriterLock",
    "Written",
    "bulk_write",
    "content_hashes",
    "discard",
    "document_ids",
    "dump",
    "merge_default_graph",
    "named_quads",
    "new_staging_dir",
    "open_dataset",
    "oxigraph_store",
    "recorded_pipeline",
    "recover",
    "reload_documents",
    "remove_documents",
    "replace_build_graph",
    "replace_documents",
    "require_documents",
    "require_graph_dir",
    "summarise",
    "swap_in",
    "take_over",
    "to_ox_quad",
    "triple_count",
    "write_build_graph",
    "write_documents",
    "write_lock",
]
