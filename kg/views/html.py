"""Interactive HTML views of the graph, and GraphML/GEXF exports for other tools.

The view is one self-contained file: vis-network (the copy shipped inside pyvis) and
our own template, script and style are inlined, and the graph travels as JSON in a
``<script type="application/json">`` element. The page makes no network request.
Node and edge data are emitted directly rather than through ``pyvis.Network``,
whose edge-by-edge construction is superlinear and whose template loads CDNs.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from kg.fileio import atomic_path
from kg.model import ENTITY_TYPES, PREDICATES
from kg.views.layout import node_positions
from kg.views.select import DEFAULT_MAX_NODES, Subgraph, select_subgraph

__all__ = ["HtmlSummary", "render_html", "script_json", "write_html"]

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


def _page(item: Any) -> dict[str, Any]:
    """The page of a PDF source (shown as "doc, p. 3"; the printed label when there is one)."""
    page = item.get("page")
    if not isinstance(page, int) or isinstance(page, bool):
        return {}
    label = item.get("page_label")
    return {"page": page, "page_label": str(label)} if label else {"page": page}


GAP = 2
"""Characters between two stored sentences read as whitespace (shown as spaces); past
this, the document view marks text the graph does not hold."""


class _Documents:
    """The text the page embeds for its document view: what the graph holds of each
    document, once, however many mentions and relations cite it.

    The graph does not store documents' full text, only the sentences that carry a
    mention, a relation or a fact (``nif:Sentence`` with its offsets), and those can
    overlap (a relation's evidence may span two sentences). Evidence items carry their
    sentence and its offset in the document (``sentence_start``). Each document becomes
    a list of text segments: stored sentences that overlap or touch merged at their
    offsets, a gap between segments where text is missing. Sentences without a known
    offset become segments of their own, after the others. An evidence row names its
    sentence as (document, segment, offset in the segment, length).
    """

    def __init__(self, names: Sequence[str], *graphs: nx.MultiDiGraph) -> None:
        self.index = {name: i for i, name in enumerate(names)}
        found: dict[str, set[tuple[int, int, str]]] = {name: set() for name in names}
        for items in (items for g in graphs for items in _all_evidence(g)):
            for ev in items:
                doc = str(ev.get("document", ""))
                if doc in found:
                    found[doc].add(_sentence_key(ev))
        # (document, known?, offset, text) → (segment, offset in the segment)
        self.where: dict[tuple[str, int, int, str], tuple[int, int]] = {}
        self.tables: list[list[str]] = []
        for name in names:
            segments: list[list[Any]] = []  # [start, text]
            for key in sorted(found[name]):  # offsets known first, in text order
                unknown, start, text = key
                last = segments[-1] if segments else None
                if unknown or last is None or start > last[0] + len(last[1]) + GAP:
                    segments.append([start, text])
                    self.where[(name, *key)] = (len(segments) - 1, 0)
                    continue
                end = last[0] + len(last[1])
                if start + len(text) > end:  # overlaps or follows: extend the segment
                    last[1] = last[1] + " " * max(0, start - end) + text[max(0, end - start) :]
                self.where[(name, *key)] = (len(segments) - 1, start - last[0])
            self.tables.append([text for _, text in segments])

    def row(self, ev: dict[str, Any], with_offsets: bool) -> dict[str, Any]:
        """An evidence item as the page embeds it: its sentence by position."""
        doc = str(ev.get("document", ""))
        key = _sentence_key(ev)
        row: dict[str, Any]
        if doc in self.index:
            segment, at = self.where[(doc, *key)]
            row = {"d": self.index[doc], "g": segment, "b": at, "n": len(key[2])}
        else:  # no document named: the sentence travels with the row, with no document view
            row = {"sentence": key[2]}
        if with_offsets and isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int):
            row["start"], row["end"] = ev["start"], ev["end"]
        row.update(_page(ev))
        return row


def _sentence_key(ev: dict[str, Any]) -> tuple[int, int, str]:
    """(1 if the offset is unknown else 0, offset in the document or -1, sentence text)."""
    start, text = ev.get("sentence_start"), str(ev.get("sentence", ""))
    if isinstance(start, int) and not isinstance(start, bool) and start >= 0:
        return (0, start, text)
    return (1, -1, text)


def _all_evidence(graph: nx.MultiDiGraph) -> Any:
    """Every node's and edge's evidence list (dict items only)."""
    for _, d in graph.nodes(data=True):
        yield [ev for ev in d.get("evidence") or () if isinstance(ev, dict)]
    for *_, d in graph.edges(data=True):
        yield _edge_evidence(d)


def _evidence(items: Any, docs: _Documents, with_offsets: bool) -> tuple[list[dict[str, Any]], int]:
    items = [ev for ev in items or () if isinstance(ev, dict)]
    rows = [docs.row(ev, with_offsets) for ev in items[:MAX_EVIDENCE]]
    return rows, max(0, len(items) - MAX_EVIDENCE)


def _edge_evidence(edge: dict[str, Any]) -> list[dict[str, Any]]:
    """Every evidence item of an edge (not only those the page embeds), as dicts."""
    return [ev for ev in edge.get("evidence") or () if isinstance(ev, dict)]


def _facts(items: Any) -> list[dict[str, Any]]:
    """A node's figures, dates and statements for its panel (as many as evidence sentences)."""
    keys = ("type", "text", "value", "unit", "role", "document")
    out: list[dict[str, Any]] = []
    for f in list(items or ())[:MAX_EVIDENCE]:
        row: dict[str, Any] = {k: str(f.get(k, "")) for k in keys}
        row.update(_page(f))
        out.append(row)
    return out


def _page_data(
    sub: Subgraph, title: str, layout: bool | None, context: nx.MultiDiGraph
) -> dict[str, Any]:
    g = sub.graph
    index = {n: i for i, n in enumerate(g)}
    use_layout = layout if layout is not None else g.number_of_nodes() > PHYSICS_MAX_NODES
    # Physics starts from the precomputed layout too, so it settles in a few dozen steps.
    positions = node_positions(g)
    # Documents are numbered once, in sorted order; nodes and edges carry the numbers the
    # document filter compares (an edge's come from all its evidence, not the embedded part).
    doc_names = sorted(
        (
            {str(x) for _, d in g.nodes(data=True) for x in d.get("documents") or ()}
            | {str(ev.get("document", "")) for items in _all_evidence(g) for ev in items}
        )
        - {""}
    )
    # The document view shows what the whole graph holds of these documents, not only
    # the sentences of the entities drawn.
    docs = _Documents(doc_names, *((g,) if context is g else (g, context)))
    doc_index = docs.index
    doc_counts: Counter[str] = Counter()
    nodes = []
    type_counts: Counter[str] = Counter()
    for n, d in g.nodes(data=True):
        kind = str(d.get("type") or "Other")
        type_counts[kind] += 1
        evidence, more = _evidence(d.get("evidence"), docs, with_offsets=True)
        mentions = int(d.get("mentions") or 0)
        documents = sorted({str(x) for x in d.get("documents") or ()} - {""})
        doc_counts.update(documents)
        row: dict[str, Any] = {
            "id": index[n],
            "iri": str(n),
            "label": str(d.get("label") or n),
            "type": kind,
            "aliases": [str(a) for a in d.get("aliases") or ()],
            "mentions": mentions,
            "value": mentions or g.degree(n),
            "documents": documents,
            "docs": [doc_index[x] for x in documents],
            "evidence": evidence,
            "more": more,
            "facts": _facts(d.get("facts")),
        }
        for key, attr in (("sameAs", "same_as"), ("codes", "notations")):
            if d.get(attr):
                row[key] = [str(x) for x in d[attr]]
        if n in positions:
            row["x"], row["y"] = positions[n]
        nodes.append(row)
    edges = []
    pred_counts: Counter[str] = Counter()
    for i, (u, v, k, d) in enumerate(g.edges(keys=True, data=True)):
        pred = str(d.get("predicate") or k)
        pred_counts[pred] += 1
        evidence, more = _evidence(d.get("evidence"), docs, with_offsets=False)
        edges.append(
            {
                "id": i,
                "from": index[u],
                "to": index[v],
                "predicate": pred,
                "rules": [str(r) for r in d.get("rules") or ()],
                "docs": sorted(
                    {
                        doc_index[x]
                        for x in (str(ev.get("document", "")) for ev in _edge_evidence(d))
                        if x
                    }
                ),
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
        "documents": [
            {"name": x, "count": doc_counts[x], "text": segments}
            for x, segments in zip(doc_names, docs.tables, strict=True)
        ],
        "nodes": nodes,
        "edges": edges,
        "options": {
            "physics": not use_layout and n_nodes > 0,
            # Fewer layout iterations as graphs grow, so the page settles in seconds.
            "iterations": 100 if n_nodes <= 300 else 60,
            "smooth": n_edges <= 1000,
            # Entities without a relation crowd the canvas; hide them when there is a graph.
            "hideIsolated": n_edges > 0,
        },
    }


def _asset(*parts: str) -> str:
    return resources.files("kg.views").joinpath("static", *parts).read_text(encoding="utf-8")


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
    context: nx.MultiDiGraph | None = None,
) -> str:
    """The self-contained page for all of ``graph`` (choose a part with :func:`select_subgraph`).

    Args:
        graph: A graph following the networkx contract.
        title: Page title and heading (shown as text).
        layout: Precompute positions in Python (True), lay out in the browser (False), or
            decide by size (None).
        note: A sentence shown at the top of the page (what was left out).
        context: The graph ``graph`` was chosen from; its evidence gives the sentences the
            document view shows (default: ``graph`` itself).

    >>> page = render_html(nx.MultiDiGraph(), title="<empty>")
    >>> "<title>&lt;empty&gt;</title>" in page, 'src="http' in page
    (True, False)
    """
    sub = Subgraph(graph=graph, nodes_omitted=0, note=note)
    data = _page_data(sub, title, layout, graph if context is None else context)
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
        graph: A graph following the networkx contract (:func:`kg.views.network.to_networkx`).
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
    # An ego view's documents show every sentence the graph holds of them; other views
    # show those their entities cite (a capped view of a big graph stays its size).
    context = graph if focus is not None else sub.graph
    page = render_html(sub.graph, title=title, layout=layout, note=sub.note, context=context)
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
