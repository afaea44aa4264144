"""GraphML and GEXF exports for yEd, Gephi and Cytoscape: the networkx graph, attributes flattened."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

__all__ = ["flatten", "write_gexf", "write_graphml"]


def _flat(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if all(isinstance(x, str | int | float) and not isinstance(x, bool) for x in items):
            return " | ".join(str(x) for x in items)
        return json.dumps(items, ensure_ascii=False, sort_keys=True)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def flatten(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` whose attributes GraphML and GEXF can hold.

    Lists of strings become ``" | "``-joined strings, lists of dicts become JSON strings,
    ``None`` values are dropped. Edge keys become unique (``predicate#n``), since both
    formats need unique edge ids; the predicate stays in the ``predicate`` attribute.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", aliases=["x", "y"], evidence=[{"document": "d"}])
    >>> flatten(g).nodes["a"]
    {'aliases': 'x | y', 'evidence': '[{"document": "d"}]'}
    """
    out = nx.MultiDiGraph()
    # documents' full texts stay out: GraphML tools want the network, not the corpus
    out.graph.update(
        {k: _flat(v) for k, v in graph.graph.items() if v is not None and k != "texts"}
    )
    for n, d in graph.nodes(data=True):
        out.add_node(str(n), **{k: _flat(v) for k, v in d.items() if v is not None})
    for i, (u, v, k, d) in enumerate(graph.edges(keys=True, data=True)):
        attrs = {a: _flat(x) for a, x in d.items() if x is not None}
        attrs.setdefault("predicate", str(k))
        out.add_edge(str(u), str(v), key=f"{k}#{i}", **attrs)
    return out


def write_graphml(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write ``graph`` as GraphML (for yEd, Gephi, Cytoscape), attributes flattened.

    >>> import tempfile
    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("a", "b", key="partOf", predicate="partOf", rules=["r1"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_graphml(g, Path(tmp) / "g.graphml")
    ...     back = nx.read_graphml(Path(tmp) / "g.graphml")
    >>> list(back.edges(data="rules"))
    [('a', 'b', 'r1')]
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(flatten(graph), path, encoding="utf-8", named_key_ids=True)


def write_gexf(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write ``graph`` as GEXF 1.2 (for Gephi), attributes flattened.

    >>> import tempfile
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", label="EU", type="Organization", aliases=["European Union"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_gexf(g, Path(tmp) / "g.gexf")
    ...     back = nx.read_gexf(Path(tmp) / "g.gexf")
    >>> back.nodes["a"]["aliases"]
    'European Union'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_gexf(flatten(graph), path, encoding="utf-8")
