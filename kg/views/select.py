"""Which part of the graph to draw: entity types, an ego view around a focus, a node cap.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("urn:a", label="State Council", type="Organization", mentions=2)
>>> sub = select_subgraph(g)
>>> sub.graph.number_of_nodes(), sub.nodes_omitted, sub.note
(1, 0, '')
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from kg.errors import InputError
from kg.model import ENTITY_TYPES

__all__ = ["DEFAULT_MAX_NODES", "Subgraph", "select_subgraph"]

DEFAULT_MAX_NODES = 2000
"""Entities drawn at most by default; past this the browser layout stops being interactive."""


@dataclass(frozen=True)
class Subgraph:
    """A part of a graph chosen for drawing, by :func:`select_subgraph`.

    Attributes:
        graph: The chosen part (a subgraph view, or the input itself when all is kept).
        nodes_omitted: Input entities not in ``graph``.
        note: A sentence saying what was left out and how to see it ("" if nothing was).
        focus: IRIs of the entities the view is centred on (empty without ``focus``).
    """

    graph: nx.MultiDiGraph
    nodes_omitted: int
    note: str
    focus: tuple[str, ...] = ()


def _names(data: dict[str, Any]) -> list[str]:
    return [str(data.get("label", ""))] + [str(a) for a in data.get("aliases") or ()]


def _find_focus(graph: nx.MultiDiGraph, focus: str) -> list[str]:
    """Nodes matching ``focus`` by IRI, else by label, else by alias (case-insensitive)."""
    if focus in graph:
        return [focus]
    wanted = focus.strip().casefold()
    by_iri = [n for n in graph if str(n).casefold() == wanted]
    if by_iri:
        return by_iri
    by_label = [
        n for n, d in graph.nodes(data=True) if str(d.get("label", "")).casefold() == wanted
    ]
    if by_label:
        return by_label
    by_alias = [
        n
        for n, d in graph.nodes(data=True)
        if any(str(a).casefold() == wanted for a in d.get("aliases") or ())
    ]
    if by_alias:
        return by_alias
    known = {name.casefold(): name for _, d in graph.nodes(data=True) for name in _names(d)}
    close = difflib.get_close_matches(wanted, list(known), n=5, cutoff=0.6)
    if not close:
        close = [k for k in known if wanted and wanted in k][:5]
    hint = (
        "close matches: " + ", ".join(repr(known[c]) for c in close)
        if close
        else "no label is close; run kg query to list entities"
    )
    raise InputError(f"no entity matches --focus {focus!r} (by IRI, label or alias); {hint}")


def _check_types(types: Iterable[str]) -> list[str]:
    canonical = {t.casefold(): t for t in ENTITY_TYPES}
    chosen = []
    for t in types:
        if t.casefold() not in canonical:
            raise InputError(f"unknown entity type {t!r}; use one of: {', '.join(ENTITY_TYPES)}")
        chosen.append(canonical[t.casefold()])
    return chosen


def select_subgraph(
    graph: nx.MultiDiGraph,
    *,
    focus: str | None = None,
    depth: int = 1,
    types: Sequence[str] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Subgraph:
    """Choose the part of ``graph`` to draw: only some types, an ego view, and a node cap.

    Types are applied first, then the ego view of ``focus`` (edges followed both ways,
    ``depth`` steps), then the cap, which keeps the most connected entities (degree,
    then mentions, then label) and always the focus.

    Args:
        graph: A graph following the networkx contract (see ``docs/ARCHITECTURE.md``).
        focus: IRI, label or alias of the entity to centre on (case-insensitive).
        depth: Steps from the focus to include (0 = the focus alone).
        types: Entity types to keep (all when empty).
        max_nodes: At most this many entities are kept.

    Returns:
        The chosen :class:`Subgraph`.

    Raises:
        InputError: Unknown type or focus, negative depth, or ``max_nodes`` below 1.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a", label="Li Qiang", type="Person", aliases=["Premier Li"])
    >>> g.add_node("b", label="State Council", type="Organization")
    >>> g.add_node("c", label="Beijing", type="Location")
    >>> _ = g.add_edge("a", "b", key="memberOf", predicate="memberOf")
    >>> sorted(select_subgraph(g, focus="premier li").graph)
    ['a', 'b']
    >>> select_subgraph(g, types=["Location"]).note
    'Showing 1 of 3 entities; 2 left out: only types Location.'
    """
    if depth < 0:
        raise InputError(f"--depth must be 0 or more, not {depth}")
    if max_nodes < 1:
        raise InputError(f"the node cap must be at least 1, not {max_nodes}")
    chosen_types = _check_types(types)
    total = graph.number_of_nodes()
    reasons: list[str] = []
    keep: set[Any] = set(graph)
    if chosen_types:
        wanted = set(chosen_types)
        keep = {n for n, t in graph.nodes(data="type") if t in wanted}
        reasons.append("only types " + ", ".join(chosen_types))
    centres: list[str] = []
    if focus is not None:
        centres = _find_focus(graph, focus)
        outside = [c for c in centres if c not in keep]
        if len(outside) == len(centres):
            kind = graph.nodes[centres[0]].get("type")
            raise InputError(
                f"--focus {focus!r} is a {kind}, which --type leaves out; add --type {kind}"
            )
        centres = [c for c in centres if c in keep]
        undirected = graph.subgraph(keep).to_undirected(as_view=True)
        reached: set[Any] = set()
        for c in centres:
            reached.update(nx.single_source_shortest_path_length(undirected, c, cutoff=depth))
        keep = reached
        labels = ", ".join(str(graph.nodes[c].get("label", c)) for c in centres)
        reasons.append(f"within {depth} step{'s' if depth != 1 else ''} of {labels}")
    if len(keep) > max_nodes:
        sub = graph.subgraph(keep)
        pinned = set(centres)

        def rank(n: Any) -> tuple[int, int, int, str]:
            d = sub.nodes[n]
            return (
                0 if n in pinned else 1,
                -sub.degree(n),
                -int(d.get("mentions") or 0),
                str(d.get("label", n)),
            )

        cut = len(keep) - max_nodes
        keep = set(sorted(keep, key=rank)[:max_nodes])
        reasons.append(
            f"the node cap keeps the {max_nodes:,} most connected ({cut:,} less connected left out;"
            " --focus, --type or --max-nodes show others)"
        )
    omitted = total - len(keep)
    note = ""
    if omitted:
        note = (
            f"Showing {len(keep):,} of {total:,} entities; {omitted:,} left out: "
            + "; ".join(reasons)
            + "."
        )
    return Subgraph(
        # Subgraph views are slow to iterate; skip the view when everything is kept.
        graph=graph if len(keep) == total else graph.subgraph(keep),
        nodes_omitted=omitted,
        note=note,
        focus=tuple(centres),
    )
