"""The derived files of a graph directory: graph.trig, graph.html and build.json.

They are rewritten after every build, add and remove. build.json records the
state of the store they were made from, so a command that finds them lagging
the store (a process killed between the store's commit and the last file)
regenerates them before it changes anything.

>>> from kg.graph import KnowledgeGraph
>>> refresh_stale_outputs(KnowledgeGraph())   # in memory: no files to refresh
False
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from kg.config import VERSION
from kg.fileio import atomic_path, exit_point
from kg.store import BuildSummary, content_hashes, triple_count

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph


def write_outputs(graph: KnowledgeGraph, summary: BuildSummary | None = None) -> None:
    """Refresh the derived files of a graph directory: graph.trig, graph.html, build.json.

    build.json comes last and records the store state the files were made from
    (:func:`store_state`), so a later command can tell files that lag the store.
    """
    if graph.path is None:
        return
    graph.serialize(graph.path / "graph.trig", format="trig")
    exit_point("wrote-trig")
    graph.write_html(graph.path / "graph.html", title=f"kg · {graph.path.resolve().name}")
    exit_point("wrote-html")
    summary = summary or graph.summary()
    info = {
        "kg_version": VERSION,
        "model": graph.config.model,
        **summary.to_dict(),
        "store_state": store_state(graph),
    }
    with atomic_path(graph.path / "build.json") as tmp:
        tmp.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def store_state(graph: KnowledgeGraph) -> str:
    """A digest of what the store holds: each document's id and text hash, and the quad count.

    Equal digests mean the derived files made at one still describe the store.
    """
    rows = sorted(content_hashes(graph.dataset).items())
    data = json.dumps([rows, triple_count(graph.dataset)], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


STALE_NOTICE = (
    "graph.trig, graph.html and build.json lagged the store (an interrupted command); "
    "regenerated them"
)


def refresh_stale_outputs(graph: KnowledgeGraph) -> bool:
    """Rewrite the derived files if they do not match the store (see :func:`write_outputs`).

    Returns whether they were stale.
    """
    if graph.path is None:
        return False
    try:
        info = json.loads((graph.path / "build.json").read_text(encoding="utf-8"))
        recorded = info.get("store_state") if isinstance(info, dict) else None
    except (OSError, ValueError):
        recorded = None
    if recorded == store_state(graph) and (graph.path / "graph.trig").is_file():
        return False
    write_outputs(graph)
    return True
