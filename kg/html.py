"""Interactive HTML views of the graph, and GraphML/GEXF exports for other tools.

The view is one self-contained file: vis-network (the copy shipped inside pyvis) and
our own template, script and style are inlined, and the graph travels as JSON in a
``<script type="application/json">`` element. The page makes no network request.
Node and edge data are emitted directly rather than through ``pyvis.Network``,
whose edge-by-edge construction is superlinear and whose template loads CDNs.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("urn:a", label="State Council", type="Organization", mentions=2)
>>> sub = select_subgraph(g)
>>> sub.graph.number_of_nodes(), sub.nodes_omitted, sub.note
(1, 0, '')
"""

from __future__ import annotations

import difflib
import html
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from kg.errors import InputError
from kg.fileio import atomic_path
from kg.model import ENTITY_TYPES, PREDICATES

__all__ = [
    "DEFAULT_MAX_NODES",
    "HtmlSummary",
    "Subgraph",
    "flatten",
    "render_html",
    "script_json",
    "select_subgraph",
    "write_gexf",
    "write_graphml",
    "write_html",
]

DEFAULT_MAX_NODES = 2000
"""Entities drawn at most by default; past this the browser layout stops being interactive."""

MAX_EVIDENCE = 25
"""Evidence sentences embedded per entity or relation; the panel says how many more exist."""

PHYSICS_MAX_NODES = 1000
"""Above this many entities the page draws a precomputed layout with physics off."""

#: Colour (fill, border) and vis-network shape per entity type; shapes that keep the
#: label outside the node so that ``value`` can size them.
TYPE_STYLE: dict[str, tuple[str, str, str]] = {
    "Person": ("#4e79a7", "#2f4b68", "dot"),
    "Organization": ("#f28e2b", "#a65d15", "square"),
    "Policy": ("#59a14f", "#376631", "diamond"),
    "Sector": ("#b07aa1", "#75506b", "hexagon"),
    "Location": ("#e15759", "#9b3133", "triangle"),
}
_OTHER_STYLE = ("#bab0ac", "#7a716d", "dot")

_SCRIPT_UNSAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


@dataclass(frozen=True)
class HtmlSummary:
    """What :func:`write_html` drew.

    Attributes:
        nodes_drawn: Entities in the page.
        edges_drawn: Relations in the page.
        nodes_omitted: Entities of the input graph left out (focus, types or the cap).
        note: The sentence shown at the top of the page about what was left out ("" if none).
    """

    nodes_drawn: int
    edges_drawn: int
    nodes_omitted: int
    note: str


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


def _evidence(items: Any, with_offsets: bool) -> tuple[list[dict[str, Any]], int]:
    items = list(items or ())
    out = []
    for ev in items[:MAX_EVIDENCE]:
        row: dict[str, Any] = {
            "document": str(ev.get("document", "")),
            "sentence": str(ev.get("sentence", "")),
        }
        if with_offsets and isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int):
            row["start"], row["end"] = ev["start"], ev["end"]
        out.append(row)
    return out, max(0, len(items) - MAX_EVIDENCE)


def _force_layout(n: int, u: np.ndarray, v: np.ndarray, seed: int = 7) -> np.ndarray:
    """Fruchterman-Reingold positions in O((n·k + m) · iterations), numpy only.

    Repulsion is estimated against a fresh random sample of ``k`` nodes each iteration
    (scaled up by ``n / k``), which keeps 10,000 nodes under a couple of seconds where
    exact repulsion (``nx.spring_layout``) needs scipy and n² memory.
    """
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    x = rng.uniform(-side, side, size=n)
    y = rng.uniform(-side, side, size=n)
    if n == 1:
        return np.zeros((1, 2))
    k_sample = min(n, 48)
    scale = n / k_sample
    temp = side / 2
    for _ in range(100):
        sample = rng.choice(n, size=k_sample, replace=False)
        dx = x[:, None] - x[sample]
        dy = y[:, None] - y[sample]
        inv = 1.0 / (dx * dx + dy * dy + 0.01)
        fx = (dx * inv).sum(axis=1) * scale - 0.5 * x  # the 0.5 · pos term is gravity: it
        fy = (dy * inv).sum(axis=1) * scale - 0.5 * y  # keeps isolated entities close
        if len(u):
            ex = x[u] - x[v]
            ey = y[u] - y[v]
            dist = np.sqrt(ex * ex + ey * ey)
            # bincount is the fast scatter-add (np.add.at is ~10x slower).
            fx += np.bincount(v, ex * dist, n) - np.bincount(u, ex * dist, n)
            fy += np.bincount(v, ey * dist, n) - np.bincount(u, ey * dist, n)
        length = np.sqrt(fx * fx + fy * fy) + 1e-9
        step = np.minimum(length, temp) / length
        x += fx * step
        y += fy * step
        temp = max(temp * 0.96, 0.02)
    return np.column_stack((x, y))


def _layout(graph: nx.MultiDiGraph) -> dict[Any, tuple[float, float]]:
    """Positions for graphs too big for in-browser physics (the page then draws at once)."""
    nodes = list(graph)
    if not nodes:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = [(index[a], index[b]) for a, b in graph.edges() if a != b]
    u = np.array([a for a, _ in pairs], dtype=np.int64)
    v = np.array([b for _, b in pairs], dtype=np.int64)
    pos = _force_layout(len(nodes), u, v) * 80.0  # unit edge length → about 80 px on screen
    return {
        node: (round(float(x), 1), round(float(y), 1))
        for node, (x, y) in zip(nodes, pos, strict=True)
    }


def _page_data(sub: Subgraph, title: str, layout: bool | None) -> dict[str, Any]:
    g = sub.graph
    index = {n: i for i, n in enumerate(g)}
    use_layout = layout if layout is not None else g.number_of_nodes() > PHYSICS_MAX_NODES
    # Physics starts from the precomputed layout too, so it settles in a few dozen steps.
    positions = _layout(g)
    nodes = []
    type_counts: Counter[str] = Counter()
    for n, d in g.nodes(data=True):
        kind = str(d.get("type") or "Other")
        type_counts[kind] += 1
        evidence, more = _evidence(d.get("evidence"), with_offsets=True)
        mentions = int(d.get("mentions") or 0)
        row: dict[str, Any] = {
            "id": index[n],
            "iri": str(n),
            "label": str(d.get("label") or n),
            "type": kind,
            "aliases": [str(a) for a in d.get("aliases") or ()],
            "mentions": mentions,
            "value": mentions or g.degree(n),
            "documents": [str(x) for x in d.get("documents") or ()],
            "evidence": evidence,
            "more": more,
        }
        if n in positions:
            row["x"], row["y"] = positions[n]
        nodes.append(row)
    edges = []
    pred_counts: Counter[str] = Counter()
    for i, (u, v, k, d) in enumerate(g.edges(keys=True, data=True)):
        pred = str(d.get("predicate") or k)
        pred_counts[pred] += 1
        evidence, more = _evidence(d.get("evidence"), with_offsets=False)
        edges.append(
            {
                "id": i,
                "from": index[u],
                "to": index[v],
                "predicate": pred,
                "rules": [str(r) for r in d.get("rules") or ()],
                "evidence": evidence,
                "more": more,
            }
        )
    order = {t: i for i, t in enumerate(ENTITY_TYPES)}
    types = []
    for kind in sorted(type_counts, key=lambda t: (order.get(t, len(order)), t)):
        fill, border, shape = TYPE_STYLE.get(kind, _OTHER_STYLE)
        types.append(
            {
                "name": kind,
                "color": fill,
                "border": border,
                "shape": shape,
                "count": type_counts[kind],
            }
        )
    porder = {p: i for i, p in enumerate(PREDICATES)}
    predicates = [
        {"name": p, "count": pred_counts[p]}
        for p in sorted(pred_counts, key=lambda p: (porder.get(p, len(porder)), p))
    ]
    n_nodes, n_edges = len(nodes), len(edges)
    return {
        "title": title,
        "note": sub.note,
        "summary": f"{n_nodes:,} entities · {n_edges:,} relations",
        "types": types,
        "predicates": predicates,
        "nodes": nodes,
        "edges": edges,
        "options": {
            "physics": not use_layout and n_nodes > 0,
            # Fewer layout iterations as graphs grow, so the page settles in seconds.
            "iterations": 100 if n_nodes <= 300 else 60,
            "smooth": n_edges <= 1000,
        },
    }


def _asset(*parts: str) -> str:
    return resources.files("kg").joinpath("static", *parts).read_text(encoding="utf-8")


def _vis_asset(name: str) -> str:
    # pyvis ships vis-network 9.1.2 (Apache-2.0 OR MIT, header kept) in its package data.
    path = resources.files("pyvis").joinpath("templates", "lib", "vis-9.1.2", name)
    return path.read_text(encoding="utf-8")


def _inline(text: str, tag: str) -> str:
    # An inlined script or style must not contain its own end tag.
    return re.sub(rf"</(?={tag})", r"<\\/", text, flags=re.IGNORECASE)


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>``, ``&``, U+2028/9).

    >>> script_json({"s": "</script><b>&"})
    '{"s": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    for raw, escaped in _SCRIPT_UNSAFE:
        text = text.replace(raw, escaped)
    return text


def render_html(
    graph: nx.MultiDiGraph,
    *,
    title: str = "kg",
    layout: bool | None = None,
    note: str = "",
) -> str:
    """The self-contained page for all of ``graph`` (choose a part with :func:`select_subgraph`).

    Args:
        graph: A graph following the networkx contract.
        title: Page title and heading (shown as text).
        layout: Precompute positions in Python (True), lay out in the browser (False), or
            decide by size (None).
        note: A sentence shown at the top of the page (what was left out).

    >>> page = render_html(nx.MultiDiGraph(), title="<empty>")
    >>> "<title>&lt;empty&gt;</title>" in page, 'src="http' in page
    (True, False)
    """
    sub = Subgraph(graph=graph, nodes_omitted=0, note=note)
    data = _page_data(sub, title, layout)
    parts = {
        "__KG_TITLE__": html.escape(title),
        "__KG_VIS_CSS__": _inline(_vis_asset("vis-network.css"), "style"),
        "__KG_CSS__": _inline(_asset("view.css"), "style"),
        "__KG_DATA__": script_json(data),
        "__KG_VIS_JS__": _inline(_vis_asset("vis-network.min.js"), "script"),
        "__KG_JS__": _inline(_asset("view.js"), "script"),
    }
    # One pass, so inlined text is never scanned for placeholders.
    return re.sub("|".join(parts), lambda m: parts[m.group(0)], _asset("view.html"))


def write_html(
    graph: nx.MultiDiGraph,
    path: str | Path,
    *,
    focus: str | None = None,
    depth: int = 1,
    types: Sequence[str] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str = "kg",
    layout: bool | None = None,
) -> HtmlSummary:
    """Write an interactive, offline, self-contained view of ``graph`` (or part of it).

    Args:
        graph: A graph following the networkx contract (``kg.network.to_networkx``).
        path: The ``.html`` file to write (parent folders are created).
        focus: IRI, label or alias of an entity to centre on (case-insensitive).
        depth: Steps from ``focus`` to include.
        types: Entity types to keep (all when empty).
        max_nodes: Cap on entities drawn; the most connected are kept and the page says so.
        title: Page title.
        layout: Precompute positions (True), browser physics (False), or by size (None).

    Returns:
        An :class:`HtmlSummary` of what was drawn.

    Raises:
        InputError: Unknown focus or type, or bad depth or cap.

    >>> import tempfile
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("urn:x", label="MIIT", type="Organization", mentions=1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_html(g, Path(tmp) / "v.html")
    HtmlSummary(nodes_drawn=1, edges_drawn=0, nodes_omitted=0, note='')
    """
    sub = select_subgraph(graph, focus=focus, depth=depth, types=types, max_nodes=max_nodes)
    page = render_html(sub.graph, title=title, layout=layout, note=sub.note)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return HtmlSummary(
        nodes_drawn=sub.graph.number_of_nodes(),
        edges_drawn=sub.graph.number_of_edges(),
        nodes_omitted=sub.nodes_omitted,
        note=sub.note,
    )


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
    out.graph.update({k: _flat(v) for k, v in graph.graph.items() if v is not None})
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
