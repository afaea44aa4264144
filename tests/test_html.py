"""The HTML view (in headless Chromium) and the GraphML/GEXF exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest

from kg.errors import InputError
from kg.views import (
    DEFAULT_MAX_NODES,
    HtmlSummary,
    flatten,
    render_html,
    script_json,
    select_subgraph,
    write_gexf,
    write_graphml,
    write_html,
)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ID = "https://w3id.org/policy-kg/id/"


def _ev(document: str, sentence: str, mention: str) -> dict:
    start = sentence.index(mention)
    return {"document": document, "sentence": sentence, "start": start, "end": start + len(mention)}


def _entity(g: nx.MultiDiGraph, key: str, label: str, kind: str, *, aliases=(), evidence=()):
    evidence = list(evidence)
    g.add_node(
        ID + key,
        label=label,
        type=kind,
        aliases=list(aliases),
        mentions=max(1, len(evidence)),
        documents=sorted({e["document"] for e in evidence}),
        evidence=evidence,
    )


def _relation(g: nx.MultiDiGraph, s: str, predicate: str, o: str, sentence: str, doc: str):
    g.add_edge(
        ID + s,
        ID + o,
        key=predicate,
        predicate=predicate,
        rules=[f"{predicate}.test.v1"],
        evidence=[{"document": doc, "sentence": sentence}],
    )


@pytest.fixture(scope="module")
def policy_graph() -> nx.MultiDiGraph:
    """Eight entities of all five types, written for these tests."""
    g = nx.MultiDiGraph()
    s1 = "Minister Ana Duarte of the Harbour Ministry announced the Coastal Freight Plan."
    s2 = "The Coastal Freight Plan covers shipping and is run from Porto Vela."
    s3 = "The Harbour Ministry is part of the National Cabinet."
    s4 = "Ms Duarte said the plan would also help logistics firms."
    _entity(
        g,
        "person/ana-duarte",
        "Ana Duarte",
        "Person",
        aliases=["Ms Duarte", "Minister Duarte"],
        evidence=[_ev("news-1", s1, "Ana Duarte"), _ev("news-2", s4, "Ms Duarte")],
    )
    _entity(
        g,
        "org/harbour-ministry",
        "Harbour Ministry",
        "Organization",
        evidence=[_ev("news-1", s1, "Harbour Ministry"), _ev("news-1", s3, "Harbour Ministry")],
    )
    _entity(
        g,
        "org/cabinet",
        "National Cabinet",
        "Organization",
        evidence=[_ev("news-1", s3, "National Cabinet")],
    )
    _entity(
        g,
        "policy/coastal-freight-plan",
        "Coastal Freight Plan",
        "Policy",
        aliases=["the plan"],
        evidence=[
            _ev("news-1", s1, "Coastal Freight Plan"),
            _ev("news-2", s2, "Coastal Freight Plan"),
        ],
    )
    _entity(g, "sector/shipping", "shipping", "Sector", evidence=[_ev("news-2", s2, "shipping")])
    _entity(g, "sector/logistics", "logistics", "Sector", evidence=[_ev("news-2", s4, "logistics")])
    _entity(
        g,
        "location/porto-vela",
        "Porto Vela",
        "Location",
        evidence=[_ev("news-2", s2, "Porto Vela")],
    )
    _entity(
        g,
        "person/lone",
        "Rui Lone",
        "Person",
        evidence=[_ev("news-3", "Rui Lone spoke.", "Rui Lone")],
    )
    _relation(g, "person/ana-duarte", "memberOf", "org/harbour-ministry", s1, "news-1")
    _relation(g, "org/harbour-ministry", "partOf", "org/cabinet", s3, "news-1")
    _relation(g, "policy/coastal-freight-plan", "issuedBy", "org/harbour-ministry", s1, "news-1")
    _relation(g, "policy/coastal-freight-plan", "concernsSector", "sector/shipping", s2, "news-2")
    _relation(g, "policy/coastal-freight-plan", "concernsSector", "sector/logistics", s4, "news-2")
    _relation(g, "org/harbour-ministry", "locatedIn", "location/porto-vela", s2, "news-2")
    return g


@pytest.fixture(scope="module")
def hostile_graph() -> nx.MultiDiGraph:
    """Labels, aliases, sentences and document ids that would run as script if parsed as HTML."""
    g = nx.MultiDiGraph()
    sentence = f"The {SCRIPT} agency met {IMG} officials\u2028 and </script><!-- friends."
    _entity(
        g,
        "org/script",
        SCRIPT,
        "Organization",
        aliases=[IMG, "</script><script>alert(2)</script>"],
        evidence=[_ev(f"doc {IMG}", sentence, SCRIPT)],
    )
    _entity(g, "person/img", IMG, "Person", evidence=[_ev("d&amp;<b>", sentence, IMG)])
    _relation(g, "person/img", "memberOf", "org/script", sentence, f"doc {SCRIPT}")
    return g


def _star(n: int) -> nx.MultiDiGraph:
    """One hub, a chain of decreasing connectedness, and loose entities: ranking is known."""
    g = nx.MultiDiGraph()
    for i in range(n):
        _entity(g, f"org/{i}", f"Office {i}", "Organization")
    for i in range(1, n // 2):
        _relation(g, f"org/{i}", "partOf", "org/0", f"Office {i} is part of Office 0.", "d")
    return g


# ---- selection (no browser) -----------------------------------------------------------------


def test_focus_matches_alias_case_insensitively_and_depth_limits(policy_graph):
    one = select_subgraph(policy_graph, focus="ms duarte", depth=1)
    assert set(one.graph) == {ID + "person/ana-duarte", ID + "org/harbour-ministry"}
    assert one.focus == (ID + "person/ana-duarte",)
    two = select_subgraph(policy_graph, focus="Ana Duarte", depth=2)
    assert ID + "policy/coastal-freight-plan" in two.graph
    assert ID + "sector/shipping" not in two.graph
    assert "within 2 steps of Ana Duarte" in two.note
    assert (
        select_subgraph(policy_graph, focus=ID + "org/cabinet", depth=0).graph.number_of_nodes()
        == 1
    )


def test_unknown_focus_lists_close_labels(policy_graph):
    with pytest.raises(
        InputError, match=r"no entity matches --focus 'Harbor Ministry'.*'Harbour Ministry'"
    ):
        select_subgraph(policy_graph, focus="Harbor Ministry")


def test_types_keep_only_those_types_and_unknown_type_lists_valid(policy_graph):
    sub = select_subgraph(policy_graph, types=["policy", "Sector"])
    assert {d["type"] for _, d in sub.graph.nodes(data=True)} == {"Policy", "Sector"}
    assert sub.graph.number_of_edges() == 2
    assert sub.nodes_omitted == 5
    with pytest.raises(
        InputError, match="unknown entity type 'Agency'; use one of: Person, Organization"
    ):
        select_subgraph(policy_graph, types=["Agency"])
    with pytest.raises(InputError, match="add --type Person"):
        select_subgraph(policy_graph, focus="Ana Duarte", types=["Sector"])


def test_cap_keeps_most_connected_and_the_focus():
    g = _star(40)
    sub = select_subgraph(g, max_nodes=5)
    assert ID + "org/0" in sub.graph and sub.graph.number_of_nodes() == 5
    assert all(sub.graph.degree(n) >= 1 for n in sub.graph)
    assert sub.nodes_omitted == 35
    assert sub.note.startswith("Showing 5 of 40 entities; 35 left out")
    pinned = select_subgraph(g, focus="Office 39", depth=0, max_nodes=1)
    assert list(pinned.graph) == [ID + "org/39"]


@pytest.mark.parametrize("bad", [{"depth": -1}, {"max_nodes": 0}])
def test_bad_depth_or_cap_is_an_input_error(policy_graph, bad):
    with pytest.raises(InputError):
        select_subgraph(policy_graph, **bad)


def test_page_is_one_file_without_remote_resources(policy_graph, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    summary = write_html(policy_graph, "out/view.html", title="Freight <news>")
    assert summary == HtmlSummary(nodes_drawn=8, edges_drawn=6, nodes_omitted=0, note="")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no lib/ next to it
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["view.html"]
    page = (tmp_path / "out" / "view.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<title>Freight &lt;news&gt;</title>" in page
    assert "Content-Security-Policy" in page


def test_embedded_json_cannot_close_the_script_element(hostile_graph):
    text = script_json({"s": "</script>\u2028&\u2029"})
    assert not set("<>&\u2028\u2029") & set(text)
    page = render_html(hostile_graph)
    data = page.split('id="kg-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and "alert(1)" in data


def _page_data(page: str) -> dict:
    return json.loads(page.split('id="kg-data">', 1)[1].split("</script>", 1)[0])


def test_big_graph_is_capped_and_drawn_without_physics(tmp_path):
    g = _star(3000)
    summary = write_html(g, tmp_path / "big.html")
    assert summary.nodes_drawn == DEFAULT_MAX_NODES and summary.nodes_omitted == 1000
    data = _page_data((tmp_path / "big.html").read_text(encoding="utf-8"))
    assert data["options"]["physics"] is False
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert data["note"] == summary.note and "1,000 less connected left out" in data["note"]


def test_evidence_per_item_is_bounded_and_the_rest_counted():
    g = nx.MultiDiGraph()
    many = [_ev(f"d{i}", f"Sentence {i} names Kestrel Port.", "Kestrel Port") for i in range(40)]
    _entity(g, "location/kestrel", "Kestrel Port", "Location", evidence=many)
    node = _page_data(render_html(g))["nodes"][0]
    assert len(node["evidence"]) == 25 and node["more"] == 15
    assert node["evidence"][0] == {**many[0], "document": "d0"}


# ---- exports ---------------------------------------------------------------------------------


def test_graphml_reopens_with_flattened_attributes(policy_graph, tmp_path):
    write_graphml(policy_graph, tmp_path / "g.graphml")
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert back.number_of_nodes() == 8 and back.number_of_edges() == 6
    duarte = back.nodes[ID + "person/ana-duarte"]
    assert duarte["aliases"] == "Ms Duarte | Minister Duarte"
    assert duarte["mentions"] == 2
    assert "Ana Duarte" in duarte["evidence"] and duarte["evidence"].startswith("[{")
    preds = sorted(d["predicate"] for _, _, d in back.edges(data=True))
    assert preds == sorted(
        ["memberOf", "partOf", "issuedBy", "concernsSector", "concernsSector", "locatedIn"]
    )


def test_gexf_reopens_with_flattened_attributes(policy_graph, tmp_path):
    write_gexf(policy_graph, tmp_path / "g.gexf")
    back = nx.read_gexf(tmp_path / "g.gexf")
    assert back.number_of_nodes() == 8 and back.number_of_edges() == 6
    assert back.nodes[ID + "policy/coastal-freight-plan"]["label"] == "Coastal Freight Plan"
    assert back.nodes[ID + "policy/coastal-freight-plan"]["type"] == "Policy"
    assert {d["predicate"] for _, _, d in back.edges(data=True)} >= {"memberOf", "locatedIn"}


def test_flatten_leaves_the_input_untouched(policy_graph):
    before = dict(policy_graph.nodes[ID + "person/ana-duarte"])
    flat = flatten(policy_graph)
    assert isinstance(flat.nodes[ID + "person/ana-duarte"]["aliases"], str)
    assert policy_graph.nodes[ID + "person/ana-duarte"] == before


# ---- in the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session."""
    if not CHROMIUM.exists():
        subprocess.run(["sh", str(ROOT / "tools" / "ensure-chromium.sh")], check=False, timeout=900)
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium; run tools/ensure-chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class View:
    """An opened page plus what it did: requests, console errors, dialogs."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def drawn_nodes(self) -> int:
        return self.js("network.body.nodeIndices.length")

    def drawn_edges(self) -> int:
        return self.js("network.body.edgeIndices.length")

    def node_id(self, label: str) -> int:
        return self.js("l => kgView.data.nodes.find(n => n.label === l).id", label)

    def screen_point(self, node: int) -> tuple[float, float]:
        box = self.page.locator("#mynetwork").bounding_box()
        p = self.js("id => network.canvasToDOM(network.getPosition(id))", node)
        return box["x"] + p["x"], box["y"] + p["y"]


@pytest.fixture
def open_view(browser, tmp_path):
    """Write a view, open it from disk, and check afterwards that it stayed offline and quiet."""
    pages: list[View] = []

    def _open(graph: nx.MultiDiGraph, **kwargs) -> View:
        path = tmp_path / f"view{len(pages)}.html"
        write_html(graph, path, **kwargs)
        view = View(browser.new_page(viewport={"width": 1280, "height": 800}))
        pages.append(view)
        view.page.goto(path.as_uri())
        view.page.wait_for_selector("html[data-kg-state=ready]", timeout=30_000)
        return view

    yield _open
    for view in pages:
        bad = [u for u in view.requests if not u.startswith(("file:", "data:", "blob:"))]
        assert bad == [], "the page made network requests"
        assert view.errors == []
        assert view.dialogs == []
        view.page.close()


@pytest.mark.browser
def test_every_entity_and_relation_is_drawn(open_view, policy_graph):
    view = open_view(policy_graph)
    assert view.drawn_nodes() == policy_graph.number_of_nodes()
    assert view.drawn_edges() == policy_graph.number_of_edges()
    assert view.js("typeof window.network.fit") == "function"
    legend = view.page.locator("#kg-legend").inner_text()
    assert all(t in legend for t in ("Person", "Organization", "Policy", "Sector", "Location"))
    assert view.page.locator("#kg-note").is_hidden()


@pytest.mark.browser
def test_search_by_alias_selects_and_shows_the_entity(open_view, policy_graph):
    view = open_view(policy_graph)
    view.page.fill("#kg-search", "minister duarte")
    view.page.press("#kg-search", "Enter")
    assert view.js("network.getSelectedNodes()") == [view.node_id("Ana Duarte")]
    assert view.page.locator("#kg-panel h2").inner_text() == "Ana Duarte"
    view.page.fill("#kg-search", "no such body")
    view.page.press("#kg-search", "Enter")
    assert "No entity matches" in view.page.locator("#kg-search-status").inner_text()


@pytest.mark.browser
def test_type_and_relation_filters_hide_only_what_is_filtered(open_view, policy_graph):
    view = open_view(policy_graph)
    view.page.uncheck('input[data-kg-type="Sector"]')
    assert view.drawn_nodes() == 6
    visible_types = view.js(
        "network.body.nodeIndices.map(i => kgView.data.nodes.find(n => n.id === i).type)"
    )
    assert "Sector" not in visible_types and len(set(visible_types)) == 4
    assert view.drawn_edges() == 4  # the two concernsSector edges went with their sectors
    view.page.uncheck('input[data-kg-predicate="memberOf"]')
    assert view.drawn_edges() == 3 and view.drawn_nodes() == 6
    view.page.check('input[data-kg-type="Sector"]')
    assert view.drawn_nodes() == 8 and view.drawn_edges() == 5


@pytest.mark.browser
def test_clicking_a_node_shows_its_evidence_with_the_mention_marked(open_view, policy_graph):
    view = open_view(policy_graph)
    x, y = view.screen_point(view.node_id("Coastal Freight Plan"))
    view.page.mouse.click(x, y)
    panel = view.page.locator("#kg-panel")
    assert panel.is_visible()
    assert panel.locator("h2").inner_text() == "Coastal Freight Plan"
    first = panel.locator(".kg-evidence li").first
    assert "announced the Coastal Freight Plan." in first.inner_text()
    assert first.locator("mark").inner_text() == "Coastal Freight Plan"
    assert first.locator(".kg-doc").inner_text() == "news-1"
    panel.get_by_role("button", name="issuedBy").click()
    assert panel.locator("h2").inner_text() == "Coastal Freight Plan → issuedBy → Harbour Ministry"
    assert "issuedBy.test.v1" in panel.inner_text()
    assert "announced the Coastal Freight Plan." in panel.locator(".kg-evidence").inner_text()


@pytest.mark.browser
def test_evidence_from_a_pdf_shows_its_page(open_view):
    g = nx.MultiDiGraph()
    sentence = "The Harbour Ministry issued the Coastal Freight Plan."
    plan = {**_ev("plan", sentence, "Coastal Freight Plan"), "page": 14, "page_label": "xiv"}
    _entity(g, "policy/cfp", "Coastal Freight Plan", "Policy", evidence=[plan])
    _entity(
        g,
        "org/hm",
        "Harbour Ministry",
        "Organization",
        evidence=[_ev("news", sentence, "Harbour Ministry")],
    )
    _relation(g, "policy/cfp", "issuedBy", "org/hm", sentence, "plan")
    g.edges[ID + "policy/cfp", ID + "org/hm", "issuedBy"]["evidence"][0]["page"] = 14
    view = open_view(g)
    view.js("id => kgView.select(id)", view.node_id("Coastal Freight Plan"))
    panel = view.page.locator("#kg-panel")
    # the printed page label when the PDF has one, else the page's number
    assert panel.locator(".kg-evidence .kg-doc").first.inner_text() == "plan, p.\u00a0xiv"
    panel.get_by_role("button", name="issuedBy").click()
    assert panel.locator(".kg-evidence .kg-doc").first.inner_text() == "plan, p.\u00a014"
    view.js("id => kgView.select(id)", view.node_id("Harbour Ministry"))
    assert panel.locator(".kg-evidence .kg-doc").first.inner_text() == "news"


@pytest.mark.browser
def test_hostile_text_is_shown_literally_and_never_runs(open_view, hostile_graph):
    view = open_view(hostile_graph)
    assert view.drawn_nodes() == 2
    # Hover: vis-network's tooltip gets the string title as text.
    x, y = view.screen_point(view.node_id(IMG))
    view.page.mouse.move(x, y)
    tooltip = view.page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=5000)
    assert IMG in tooltip.inner_text()
    view.page.fill("#kg-search", "</script><script>alert(2)</script>")
    view.page.press("#kg-search", "Enter")
    panel = view.page.locator("#kg-panel")
    assert panel.locator("h2").inner_text() == SCRIPT
    assert IMG in panel.inner_text()
    assert panel.locator("mark").first.inner_text() == SCRIPT
    assert f"doc {IMG}" in panel.locator(".kg-doc").first.inner_text()
    view.page.wait_for_timeout(300)
    assert view.js("document.querySelectorAll('img, iframe, object').length") == 0
    assert view.js("document.scripts.length") == 3  # data, vis-network, view: nothing injected
    assert view.dialogs == []


@pytest.mark.browser
def test_hostile_document_through_the_real_pipeline_opens_no_dialog(open_view):
    import kg

    text = (
        f"Premier Li Qiang {SCRIPT} chaired a meeting of the State Council in Beijing. "
        f"The Ministry of Commerce {IMG} issued the negative list."
    )
    graph = kg.build([text]).to_networkx()
    view = open_view(graph)
    assert view.drawn_nodes() == graph.number_of_nodes() > 0
    view.page.fill("#kg-search", "State Council")
    view.page.press("#kg-search", "Enter")
    assert SCRIPT in view.page.locator("#kg-panel .kg-evidence").inner_text()
    assert view.js("document.querySelectorAll('img').length") == 0


@pytest.mark.browser
def test_node_cap_note_says_what_was_left_out(open_view):
    view = open_view(_star(60), max_nodes=12, layout=True)
    assert view.drawn_nodes() == 12
    note = view.page.locator("#kg-note")
    assert note.is_visible()
    assert "Showing 12 of 60 entities; 48 left out" in note.inner_text()


@pytest.mark.browser
def test_focus_view_draws_the_neighbourhood_only(open_view, policy_graph):
    view = open_view(policy_graph, focus="Harbour Ministry", depth=1)
    assert view.drawn_nodes() == 5
    assert "within 1 step of Harbour Ministry" in view.page.locator("#kg-note").inner_text()


@pytest.mark.browser
def test_examples_view_draws_every_entity(browser, request):
    """The ``graph.html`` a build writes, on the examples."""
    pytest.importorskip(
        "kg.views.network", reason="kg.views.network (RDF → networkx) is not there yet"
    )
    graph_dir = request.getfixturevalue("examples_graph_dir")
    kg_graph = request.getfixturevalue("examples_kg").to_networkx()
    html_path = Path(graph_dir) / "graph.html"
    assert html_path.exists()
    view = View(browser.new_page(viewport={"width": 1280, "height": 800}))
    try:
        view.page.goto(html_path.as_uri())
        view.page.wait_for_selector("html[data-kg-state=ready]", timeout=60_000)
        drawn = min(kg_graph.number_of_nodes(), view.js("kgView.data.nodes.length"))
        assert view.drawn_nodes() == drawn == kg_graph.number_of_nodes()
        label = view.js("kgView.data.nodes[0].label")
        view.page.fill("#kg-search", label)
        view.page.press("#kg-search", "Enter")
        assert view.js("network.getSelectedNodes().length") == 1
        assert view.page.locator("#kg-panel .kg-evidence li").count() >= 1
        bad = [u for u in view.requests if not u.startswith(("file:", "data:", "blob:"))]
        assert bad == [] and view.errors == [] and view.dialogs == []
    finally:
        view.page.close()


def test_ensure_chromium_script_is_idempotent_when_present():
    if not CHROMIUM.exists() or shutil.which("sh") is None:
        pytest.skip("chromium not installed")
    done = subprocess.run(["sh", str(ROOT / "tools" / "ensure-chromium.sh")], timeout=30)
    assert done.returncode == 0
