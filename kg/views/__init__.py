"""Views of the graph: a networkx graph, the interactive HTML page, GraphML/GEXF files.

:mod:`kg.views.network` turns the RDF dataset into a networkx ``MultiDiGraph``
(the attribute contract is in ``docs/ARCHITECTURE.md``); :mod:`kg.views.select`
chooses the part to draw, :mod:`kg.views.layout` positions graphs too big for the
browser, :mod:`kg.views.html` writes the self-contained page (its template, script
and style are in ``static/``) and :mod:`kg.views.graphml` writes files for other tools.

>>> import networkx as nx
>>> select_subgraph(nx.MultiDiGraph()).nodes_omitted
0
"""

from kg.views.graphml import flatten, write_gexf, write_graphml
from kg.views.html import HtmlSummary, render_html, script_json, write_html
from kg.views.network import to_networkx
from kg.views.select import DEFAULT_MAX_NODES, Subgraph, select_subgraph

__all__ = [
    "DEFAULT_MAX_NODES",
    "HtmlSummary",
    "Subgraph",
    "flatten",
    "render_html",
    "script_json",
    "select_subgraph",
    "to_networkx",
    "write_gexf",
    "write_graphml",
    "write_html",
]
