"""kg in Jupyter: the shipped notebook runs in a real kernel; DataFrames, displays, progress."""

from __future__ import annotations

import base64
import html
import subprocess
import sys

import pytest

import kg
from kg.errors import KGError
from kg.model import Document, Entity, Extraction, Mention, Relation
from tests.conftest import EXAMPLES

NOTEBOOK = EXAMPLES / "analysis.ipynb"


@pytest.fixture(scope="module")
def executed():
    """examples/analysis.ipynb run top to bottom by nbclient in a fresh ipykernel."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "ship the notebook without outputs"
    )
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    return [
        (cell.source, output)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    ]


def _outputs(executed, needle: str) -> list[dict]:
    return [out for source, out in executed if needle in source]


def test_notebook_shows_the_graph_summary_and_a_progress_bar(executed):
    build = _outputs(executed, "kg.build(")
    summary = next(o["data"]["text/html"] for o in build if "text/html" in o.get("data", {}))
    assert "KnowledgeGraph" in summary and "8 documents" in summary
    assert "<td>Organization</td>" in summary
    assert any("Extracting" in o.get("data", {}).get("text/plain", "") for o in build)


def test_notebook_query_gives_a_typed_dataframe(executed):
    frame = next(o for o in _outputs(executed, "sectors = g.query_df") if "data" in o)
    assert 'class="dataframe"' in frame["data"]["text/html"]
    assert "manufacturing" in frame["data"]["text/html"]
    dtypes = next(o for o in _outputs(executed, "sectors.dtypes") if "data" in o)
    assert "Int64" in dtypes["data"]["text/plain"]
    evidence = next(o for o in _outputs(executed, "evidence = g.query_df") if "data" in o)
    assert "Ministry of Commerce" in evidence["data"]["text/html"]


def test_notebook_plots_a_figure(executed):
    images = [o["data"]["image/png"] for o in _outputs(executed, "plot.barh") if "data" in o]
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG\r\n\x1a\n")


def test_notebook_highlights_an_extraction_and_shows_the_view_inline(executed):
    marked = next(o["data"]["text/html"] for o in _outputs(executed, "kg.extract(") if "data" in o)
    assert '<mark class="kg-ent"' in marked and "PERSON" in marked.upper()
    view = next(o["data"]["text/html"] for o in _outputs(executed, "g.show(") if "data" in o)
    assert view.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts' in view
    page = html.unescape(view.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert page.lstrip().lower().startswith("<!doctype html") and "State Council" in page
    assert 'src="http' not in page  # self-contained: works offline


# -- the parts, without a kernel ---------------------------------------------------------


def test_to_dataframe_types_columns_and_marks_missing_values():
    pd = pytest.importorskip("pandas")
    with kg.KnowledgeGraph() as graph:
        frame = graph.query_df(
            "SELECT ?iri ?n ?x ?ok ?at ?day ?label ?mixed WHERE { VALUES "
            "(?iri ?n ?x ?ok ?at ?day ?label ?mixed) {"
            " (kgid:a 7 2.5 true '2024-05-01T10:00:00'^^xsd:dateTime '2024-05-01'^^xsd:date"
            "  'Li'@en 1)"
            " (UNDEF UNDEF 1e3 false UNDEF UNDEF 'x' 'one') } }"
        )
    assert [str(t)[:10] for t in frame.dtypes] == [
        "string", "Int64", "Float64", "boolean", "datetime64", "datetime64", "string", "string",
    ]  # fmt: skip
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["iri"] == "https://w3id.org/policy-kg/id/a" and first["n"] == 7
    assert first["x"] == 2.5 and second["x"] == 1000.0 and bool(first["ok"]) is True
    assert first["at"] == pd.Timestamp("2024-05-01T10:00:00")
    assert first["label"] == "Li" and first["mixed"] == "1" and second["mixed"] == "one"
    assert pd.isna(second["iri"]) and pd.isna(second["n"]) and pd.isna(second["at"])


def test_to_dataframe_keeps_ill_typed_literals_as_text_and_handles_ask_and_construct():
    pytest.importorskip("pandas")
    with kg.KnowledgeGraph() as graph:
        bad = graph.query_df("SELECT ?n WHERE { VALUES ?n { 'abc'^^xsd:integer 3 } }")
        assert str(bad.dtypes["n"]) == "string" and bad["n"].tolist() == ["abc", "3"]
        assert graph.query_df("ASK { ?s ?p ?o }")["ask"].tolist() == [False]
        triples = graph.query("CONSTRUCT { kgid:a skos:prefLabel 'A' } WHERE {}").to_dataframe()
        assert list(triples.columns) == ["subject", "predicate", "object"] and len(triples) == 1


def test_graph_html_summary_counts_types_and_escapes_the_path(tmp_path):
    with kg.KnowledgeGraph() as graph:
        text = graph._repr_html_()
        assert "0 documents" in text and "<td>Person</td><td>0</td>" in text
    assert "closed" in graph._repr_html_()
    odd = tmp_path / "<b>graph"
    with kg.KnowledgeGraph(odd, create=True) as graph:
        assert "&lt;b&gt;graph" in graph._repr_html_() and "<b>graph" not in graph._repr_html_()


def test_extraction_html_escapes_the_text_and_colours_each_type():
    text = 'Li <script>alert("x")</script> & the <b>State Council</b> met.'
    li = Mention("m1", "Person", "Li", 0, 2, 0, len(text), "ner.PERSON")
    sc_start = text.index("State")
    sc = Mention("m2", "Organization", "State Council", sc_start, sc_start + 13, 0, len(text), "r")
    x = Extraction(
        Document("d<1>", text),
        (
            Entity("e1", "Person", "Li", (), "k1", (li,)),
            Entity("e2", "Organization", "State Council", (), "k2", (sc,)),
        ),
        (Relation("e1", "memberOf", "e2", 0, len(text), "memberOf.v1"),),
    )
    page = x._repr_html_()
    assert "<script>" not in page and "<b>" not in page and "&lt;script&gt;" in page
    assert "d&lt;1&gt;" in page and page.count('<mark class="kg-ent"') == 2
    assert "#aa9cfc" in page and "#7aecec" in page  # Person, Organization
    assert "Li <em>memberOf</em> State Council" in page


def test_show_outside_jupyter_says_what_to_do_instead():
    with kg.KnowledgeGraph() as graph, pytest.raises(KGError, match="write_html"):
        graph.show()


def test_import_kg_loads_no_notebook_library():
    # (tqdm is not checked: spaCy imports it)
    script = (
        "import sys, kg\n"
        "loaded = {'pandas', 'IPython', 'matplotlib', 'ipywidgets'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_progress_true_builds_with_a_bar_and_a_callback_still_counts():
    graph = kg.build(["Premier Li Qiang chaired a State Council meeting."], progress=True)
    assert graph.document_ids() == ["doc-1"]
    seen: list[tuple[int, int]] = []
    graph.add_texts(["The Ministry of Finance spoke."], progress=lambda d, w: seen.append((d, w)))
    assert seen == [(1, 5)]


@pytest.mark.browser
def test_inline_view_draws_offline_in_its_sandboxed_frame(browser, monkeypatch, tmp_path):
    shown: list = []
    monkeypatch.setattr("kg.notebook.display_inline", shown.append)  # what Jupyter would get
    graph = kg.build(["Premier Li Qiang chaired a State Council meeting in Beijing."])
    graph.show(height=400)
    (view,) = shown
    notebook_page = tmp_path / "output.html"
    notebook_page.write_text(f"<!doctype html><body>{view._repr_html_()}</body>", "utf-8")
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(notebook_page.as_uri())
    frame = page.frame_locator("iframe")
    frame.locator("html[data-kg-state=ready]").wait_for(state="attached", timeout=120_000)
    (inner,) = [f for f in page.frames if f != page.main_frame]
    # every entity is in the page; the view draws the connected ones (isolated: a toggle)
    assert inner.evaluate("kgView.data.nodes.length") == graph.to_networkx().number_of_nodes()
    assert inner.evaluate("network.body.nodeIndices.length") >= 2
    with pytest.raises(Exception, match="(?i)blocked|cross-origin|SecurityError"):
        inner.evaluate("window.parent.document.title")  # no same-origin: the notebook is safe
    assert [u for u in requests if not u.startswith(("file:", "about:", "data:", "blob:"))] == []
    assert errors == []
    page.close()
