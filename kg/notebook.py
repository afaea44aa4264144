"""kg in Jupyter: results as pandas DataFrames, rich displays, the view inline, progress bars.

The HTML here is plain text built with :func:`html.escape`, so a notebook
shows it with no extra package; pandas is imported only by :func:`to_dataframe`
(``pip install 'kg[notebook]'``), tqdm only when a progress bar is asked for,
IPython only by :func:`display_inline`. ``import kg`` loads none of them.

>>> from kg.model import Document, Entity, Extraction, Mention
>>> m = Mention("m1", "Person", "Li <b>", 0, 6, 0, 12, "ner.PERSON")
>>> x = Extraction(Document("d1", "Li <b> spoke"), (Entity("e1", "Person", "Li", (), "k", (m,)),))
>>> "Li &lt;b&gt;" in extraction_html(x) and "<b>" not in extraction_html(x)
True
"""

from __future__ import annotations

import contextlib
import html
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rdflib import XSD, BNode, Literal
from rdflib.query import Result

from kg.errors import KGError
from kg.model import ENTITY_TYPES, Extraction

if TYPE_CHECKING:
    import pandas as pd

    from kg.store import BuildSummary, Progress

__all__ = [
    "TYPE_COLOURS",
    "InlineView",
    "display_inline",
    "extraction_html",
    "progress_bar",
    "summary_html",
    "to_dataframe",
]

TYPE_COLOURS: Mapping[str, str] = {
    "Person": "#aa9cfc",
    "Organization": "#7aecec",
    "Policy": "#feca74",
    "Sector": "#c5e59a",
    "Location": "#ff9561",
}
"""Highlight colour of each entity type (displaCy's palette where the types match)."""

_INTEGERS = {
    XSD[n]
    for n in (
        "integer int long short byte nonNegativeInteger positiveInteger negativeInteger "
        "nonPositiveInteger unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}
_FLOATS = {XSD.decimal, XSD.double, XSD.float}
_TIMES = {XSD.dateTime, XSD.dateTimeStamp, XSD.date}
_DTYPES = {"int": "Int64", "float": "Float64", "bool": "boolean", "str": "string"}


def _kind(term: Any) -> str:
    if isinstance(term, Literal) and term.datatype is not None and not term.language:
        if term.datatype in _INTEGERS:
            return "int"
        if term.datatype in _FLOATS:
            return "float"
        if term.datatype == XSD.boolean:
            return "bool"
        if term.datatype in _TIMES:
            return "time"
    return "str"


def _text(term: Any) -> str:
    return term.n3() if isinstance(term, BNode) else str(term)


def _column(cells: list[Any]) -> Any:
    """One result column as a typed pandas Series (the lexical forms when they do not agree)."""
    import pandas as pd

    kinds = {_kind(t) for t in cells if t is not None}
    kind = kinds.pop() if len(kinds) == 1 else ("float" if kinds == {"int", "float"} else "str")
    values: list[Any] = [None if t is None else str(t).strip() for t in cells]
    try:
        if kind == "int":
            return pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        if kind == "float":
            return pd.array([None if v is None else float(v) for v in values], dtype="Float64")
        if kind == "bool":
            flags = {"true": True, "1": True, "false": False, "0": False}
            return pd.array([None if v is None else flags[v] for v in values], dtype="boolean")
        if kind == "time":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas warns on mixed offsets before failing
                return pd.to_datetime(pd.Series(values, dtype="object"), format="ISO8601")
    except (ValueError, KeyError, TypeError, OverflowError):
        pass  # an ill-typed literal ("abc"^^xsd:integer): keep the column as text
    return pd.array([None if t is None else _text(t) for t in cells], dtype="string")


def to_dataframe(result: Result) -> pd.DataFrame:
    """A query result as a pandas ``DataFrame`` with typed columns.

    One column per variable (``SELECT``), ``subject``/``predicate``/``object``
    (``CONSTRUCT``, ``DESCRIBE``) or ``ask``. IRIs become strings; integers,
    decimals and doubles, booleans and ``xsd:date``/``xsd:dateTime`` become
    ``Int64``, ``Float64``, ``boolean`` and ``datetime64`` columns; other
    literals strings; unbound values ``<NA>``. A column whose values disagree
    in type holds their text.

    Raises:
        KGError: pandas is not installed.

    >>> from kg.graph import KnowledgeGraph
    >>> r = KnowledgeGraph().query("SELECT ?n ?d ?s WHERE { VALUES (?n ?d ?s) "
    ...     "{ (1 '2024-05-01'^^xsd:date skos:x) (UNDEF UNDEF 'y') } }")
    >>> df = to_dataframe(r)
    >>> [str(t)[:10] for t in df.dtypes]
    ['Int64', 'datetime64', 'string']
    >>> df.iloc[0].tolist()[1:], df.iloc[1, 0]
    ([Timestamp('2024-05-01 00:00:00'), 'http://www.w3.org/2004/02/skos/core#x'], <NA>)
    """
    try:
        import pandas as pd
    except ImportError as err:
        raise KGError(
            "query results as DataFrames need pandas; install it with pip install 'kg[notebook]'"
        ) from err
    if result.type == "ASK":
        return pd.DataFrame({"ask": pd.array([bool(result.askAnswer)], dtype="boolean")})
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        triples = sorted(result.graph, key=lambda t: tuple(_text(x) for x in t))
        parts = ("subject", "predicate", "object")
        return pd.DataFrame({n: _column([t[i] for t in triples]) for i, n in enumerate(parts)})
    names = [str(v) for v in result.vars or ()]
    rows = [[row.get(v) for v in result.vars or ()] for row in result.bindings]
    columns = {n: _column([r[i] for r in rows]) for i, n in enumerate(names)}
    return pd.DataFrame(columns, columns=names)


def summary_html(where: str, summary: BuildSummary) -> str:
    """The HTML a notebook shows for a graph: where it lives and its counts.

    >>> from kg.store import BuildSummary
    >>> s = BuildSummary(0, 0, 0.0, {"Person": 2}, relations=1, triples=9, total_documents=1)
    >>> "<td>Person</td><td>2</td>" in summary_html("memory", s)
    True
    """
    rows = "".join(
        f"<tr><td>{html.escape(t)}</td><td>{n:,}</td></tr>" for t, n in summary.entities.items()
    )
    return (
        '<div class="kg-graph"><strong>KnowledgeGraph</strong> '
        f"<code>{html.escape(where)}</code>"
        f"<p>{summary.total_documents:,} documents, {sum(summary.entities.values()):,} entities, "
        f"{summary.relations:,} relations, {summary.triples:,} triples</p>"
        '<table><thead><tr><th style="text-align:left">type</th><th>entities</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _spans(x: Extraction) -> list[tuple[int, int, str, str]]:
    """Mention spans (start, end, type, entity name), overlaps dropped: earliest, then longest."""
    spans = sorted(
        ((m.start, m.end, e.type, e.name) for e in x.entities for m in e.mentions),
        key=lambda s: (s[0], -s[1], s[2], s[3]),
    )
    kept: list[tuple[int, int, str, str]] = []
    for span in spans:
        if 0 <= span[0] < span[1] <= len(x.document.text) and (not kept or span[0] >= kept[-1][1]):
            kept.append(span)
    return kept


def extraction_html(x: Extraction) -> str:
    """The document's text with each mention highlighted by type (like displaCy), then its relations.

    Every piece of text is escaped: a document cannot inject markup.
    """
    text, parts, at = x.document.text, [], 0
    for start, end, kind, name in _spans(x):
        parts.append(html.escape(text[at:start]))
        colour = TYPE_COLOURS.get(kind, "#ddd")
        parts.append(
            f'<mark class="kg-ent" title="{html.escape(name)}" style="background:{colour};'
            'padding:0.1em 0.3em;border-radius:0.3em;line-height:2">'
            f"{html.escape(text[start:end])}"
            '<span style="font-size:0.7em;font-weight:bold;margin-left:0.4em;'
            f'text-transform:uppercase">{html.escape(kind)}</span></mark>'
        )
        at = end
    parts.append(html.escape(text[at:]))
    names = {e.id: e.name for e in x.entities}
    relations = "".join(
        f"<li>{html.escape(names.get(r.subject, r.subject))} "
        f"<em>{html.escape(r.predicate)}</em> {html.escape(names.get(r.object, r.object))}</li>"
        for r in x.relations
    )
    legend = " ".join(
        f'<span style="background:{TYPE_COLOURS[t]};padding:0 0.3em">{t}</span>'
        for t in ENTITY_TYPES
        if t in TYPE_COLOURS
    )
    return (
        f'<div class="kg-extraction"><p><strong>{html.escape(x.document.id)}</strong>: '
        f"{len(x.entities)} entities, {len(x.relations)} relations, {len(x.facts)} facts "
        f"&nbsp; {legend}</p>"
        f'<div style="white-space:pre-wrap;line-height:2">{"".join(parts)}</div>'
        + (f"<ul>{relations}</ul>" if relations else "")
        + "</div>"
    )


class InlineView:
    """A self-contained HTML page shown in a notebook as a sandboxed ``<iframe srcdoc>``.

    No file and no server: the page (vis-network included) travels inside the
    notebook's output, so it works offline and in a saved notebook.

    Attributes:
        page: the whole HTML page.
        height: the frame's height in CSS pixels.

    >>> view = InlineView("<p>a & b</p>", 300)
    >>> view._repr_html_().startswith('<iframe srcdoc="&lt;p&gt;a &amp; b&lt;/p&gt;"')
    True
    """

    def __init__(self, page: str, height: int = 600) -> None:
        self.page = page
        self.height = height

    def _repr_html_(self) -> str:
        # srcdoc, not a data: URL or a file: the page is escaped once into the
        # attribute; sandbox without allow-same-origin keeps it away from the notebook
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #ddd" '
            'sandbox="allow-scripts allow-popups" title="kg view"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<InlineView {len(self.page):,} characters>"


def display_inline(view: InlineView) -> None:
    """Show ``view`` in the running notebook.

    Raises:
        KGError: not running under IPython / Jupyter.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError as err:
        raise KGError("show() needs Jupyter or IPython; use write_html(path) instead") from err
    if get_ipython() is None:
        raise KGError("show() needs Jupyter or IPython; use write_html(path) instead")
    display(view)


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A progress callback drawn by ``tqdm.auto``: a widget in Jupyter, text on a terminal.

    Counts documents (the total is unknown while inputs stream in) and shows the words.

    >>> with progress_bar("Building") as update:
    ...     update(1, 120)
    """
    with warnings.catch_warnings():
        # without ipywidgets tqdm falls back to text, and says so once
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm

        bar = tqdm(desc=label, unit=" docs", disable=None, leave=True)
    done = 0

    def update(docs: int, words: int) -> None:
        nonlocal done
        bar.update(docs - done)
        done = docs
        bar.set_postfix_str(f"{words:,} words", refresh=False)

    try:
        yield update
    finally:
        bar.close()
