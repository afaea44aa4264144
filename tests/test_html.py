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
from tests.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
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


def _connected(graph: nx.MultiDiGraph) -> int:
    """Entities with at least one relation: those the view shows at first."""
    return sum(1 for n in graph if graph.degree(n))


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
    data = _page_data(render_html(g))
    assert node["evidence"][0] == {"d": 0, "g": 0, "b": 0, "n": 30, "start": 17, "end": 29}
    assert data["documents"][0]["text"] == ["Sentence 0 names Kestrel Port."]


def test_page_numbers_documents_for_the_filter_and_is_deterministic(policy_graph):
    page = render_html(policy_graph)
    assert page == render_html(policy_graph.copy())
    data = _page_data(page)
    assert [(d["name"], d["count"]) for d in data["documents"]] == [
        ("news-1", 4),
        ("news-2", 5),
        ("news-3", 1),
    ]
    docs = [d["name"] for d in data["documents"]]
    duarte = next(n for n in data["nodes"] if n["label"] == "Ana Duarte")
    assert [docs[i] for i in duarte["docs"]] == ["news-1", "news-2"]
    assert all(len(e["docs"]) == 1 for e in data["edges"])
    assert data["options"]["hideIsolated"] is True
    lone = nx.MultiDiGraph()
    _entity(lone, "person/lone", "Rui Lone", "Person")
    assert _page_data(render_html(lone))["options"]["hideIsolated"] is False


def _offsets_graph() -> nx.MultiDiGraph:
    """Two entities of one document whose evidence carries the sentences' offsets."""
    text = "Ana Duarte leads the Harbour Ministry. It met on Monday. Rain fell. Ana Duarte spoke."
    s1, s2, s4 = "Ana Duarte leads the Harbour Ministry.", "It met on Monday.", "Ana Duarte spoke."

    def ev(sentence: str, mention: str) -> dict:
        return {**_ev("doc", sentence, mention), "sentence_start": text.index(sentence)}

    g = nx.MultiDiGraph()
    _entity(g, "person/ana", "Ana Duarte", "Person", evidence=[ev(s1, "Ana Duarte"), ev(s4, "Ana")])
    _entity(g, "org/hm", "Harbour Ministry", "Organization", evidence=[ev(s1, "Harbour Ministry")])
    _entity(g, "org/it", "It", "Organization", evidence=[ev(s2, "It")])
    _relation(g, "person/ana", "memberOf", "org/hm", s1, "doc")
    g.edges[ID + "person/ana", ID + "org/hm", "memberOf"]["evidence"][0]["sentence_start"] = 0
    return g


def test_each_sentence_is_embedded_once_in_document_order_with_gaps():
    data = _page_data(render_html(_offsets_graph()))
    (doc,) = data["documents"]
    # Three mentions and a relation cite the first sentence: it is in the page once. Text
    # the graph does not hold ("Rain fell.") splits the document into two segments.
    assert doc["text"] == [
        "Ana Duarte leads the Harbour Ministry. It met on Monday.",
        "Ana Duarte spoke.",
    ]
    ana = next(n for n in data["nodes"] if n["label"] == "Ana Duarte")
    assert [(e["g"], e["b"], e["n"], e["start"]) for e in ana["evidence"]] == [
        (0, 0, 38, 0),
        (1, 0, 17, 0),
    ]
    it = next(n for n in data["nodes"] if n["label"] == "It")
    assert [(e["g"], e["b"], e["n"]) for e in it["evidence"]] == [(0, 39, 17)]
    assert [(e["d"], e["g"], e["b"], e["n"]) for e in data["edges"][0]["evidence"]] == [
        (0, 0, 0, 38)
    ]


def test_overlapping_sentences_merge_and_sentences_without_offsets_stand_alone():
    text = "The Harbour Ministry met. Ana Duarte spoke."
    g = nx.MultiDiGraph()
    both = {**_ev("doc", text, "Ana Duarte"), "sentence_start": 0}  # a two-sentence window
    second = {**_ev("doc", text[26:], "Ana Duarte"), "sentence_start": 26}
    loose = _ev("doc", "A sentence from nowhere names Ana Duarte.", "Ana Duarte")
    _entity(g, "person/ana", "Ana Duarte", "Person", evidence=[both, second, loose])
    data = _page_data(render_html(g))
    assert data["documents"][0]["text"] == [text, "A sentence from nowhere names Ana Duarte."]
    rows = [(e["g"], e["b"], e["n"]) for e in data["nodes"][0]["evidence"]]
    assert rows == [(0, 0, len(text)), (0, 26, 17), (1, 0, 41)]


def test_evidence_without_a_document_keeps_its_sentence_and_opens_no_document():
    g = nx.MultiDiGraph()
    loose = {"sentence": "Ana Duarte spoke.", "start": 0, "end": 10}
    _entity(g, "person/ana", "Ana Duarte", "Person", evidence=[_ev("doc", "Ana spoke.", "Ana")])
    g.nodes[ID + "person/ana"]["evidence"].append(loose)
    data = _page_data(render_html(g))
    assert [d["name"] for d in data["documents"]] == ["doc"]
    assert data["nodes"][0]["evidence"][1] == loose


def test_a_focus_view_shows_the_whole_graphs_sentences_of_its_documents(tmp_path):
    write_html(_offsets_graph(), tmp_path / "v.html", focus="It", depth=0)
    data = _page_data((tmp_path / "v.html").read_text(encoding="utf-8"))
    assert [n["label"] for n in data["nodes"]] == ["It"]
    assert data["documents"][0]["text"][0].startswith("Ana Duarte leads")
    assert len(data["documents"][0]["text"]) == 2


def test_the_networkx_graph_carries_sentence_offsets_and_identifiers_from_any_graph():
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL, SDO

    import kg

    text = "Premier Li Qiang chaired a meeting. The State Council met in Beijing on Monday."
    graph = kg.build([text])
    nx_graph = graph.to_networkx()
    council = next(n for n, d in nx_graph.nodes(data=True) if d["label"] == "State Council")
    ev = nx_graph.nodes[council]["evidence"][0]
    assert text[ev["sentence_start"] :].startswith(ev["sentence"])
    for *_, d in nx_graph.edges(data=True):
        assert all(text[e["sentence_start"] :].startswith(e["sentence"]) for e in d["evidence"])
    resolution = graph.dataset.graph(URIRef("https://w3id.org/policy-kg/id/graph/test-resolution"))
    resolution.add((URIRef(council), OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q1")))
    resolution.add((URIRef(council), SDO.sameAs, Literal("javascript:alert(1)")))
    again = graph.to_networkx().nodes[council]
    assert again["same_as"] == ["http://www.wikidata.org/entity/Q1", "javascript:alert(1)"]
    china = kg.build(["China and Japan signed it."]).to_networkx()
    codes = {d["label"]: d.get("notations") for _, d in china.nodes(data=True)}
    assert codes.get("China") == ["CN"]


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


class View:
    """An opened page plus what it did: requests, console errors, dialogs."""

    def __init__(self, page):
        self.page = page
        # instead of Playwright's 30 s: a step waits as long as a busy machine needs
        page.set_default_timeout(120_000)
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
        view.page.wait_for_selector("html[data-kg-state=ready]", timeout=120_000)
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
    # Rui Lone has no relation: hidden until the toggle is unchecked.
    assert view.drawn_nodes() == policy_graph.number_of_nodes() - 1
    view.page.uncheck("#kg-isolated")
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
    view.page.uncheck("#kg-isolated")
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
    tooltip.wait_for(state="visible", timeout=60_000)  # only against a hang
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
    assert view.drawn_nodes() == _connected(graph) > 0
    view.page.fill("#kg-search", "State Council")
    view.page.press("#kg-search", "Enter")
    assert SCRIPT in view.page.locator("#kg-panel .kg-evidence").inner_text()
    assert view.js("document.querySelectorAll('img').length") == 0


def _open_first_evidence(view: View, name: str) -> dict:
    """Open the entity named ``name`` and its first evidence link; the evidence row."""
    view.page.fill("#kg-search", name)
    view.page.press("#kg-search", "Enter")
    view.page.locator("#kg-panel .kg-evidence .kg-doc").first.click()
    return view.js(
        "() => { const n = kgView.data.nodes[network.getSelectedNodes()[0]];"
        " const ev = n.evidence[0]; const doc = kgView.data.documents[ev.d];"
        " return {...ev, name: doc.name, sentence: doc.text[ev.g].substr(ev.b, ev.n)}; }"
    )


def _cited_is_in_view(view: View) -> bool:
    return view.js(
        "() => { const b = document.getElementById('kg-doc-body').getBoundingClientRect();"
        " const c = document.querySelector('#kg-doc .kg-cited').getBoundingClientRect();"
        " return c.top >= b.top && c.bottom <= b.bottom; }"
    )


@pytest.mark.browser
def test_evidence_link_opens_its_sentence_in_the_document_with_the_mention_marked(open_view):
    import kg

    filler = " ".join(f"Officials from Beijing met on day {i}." for i in range(60))
    text = f"{filler} Nothing was decided. The State Council issued the Harbour Plan in Beijing."
    graph = kg.build([text]).to_networkx()
    view = open_view(graph)
    ev = _open_first_evidence(view, "State Council")
    doc = view.page.locator("#kg-doc")
    assert doc.is_visible()
    assert doc.locator("h2").inner_text() == ev["name"]
    cited = doc.locator(".kg-cited")
    assert cited.count() == 1
    assert cited.inner_text() == ev["sentence"] and "State Council" in ev["sentence"]
    assert cited.locator("mark").inner_text() == ev["sentence"][ev["start"] : ev["end"]]
    assert cited.locator("mark").inner_text() == "State Council"
    # the stored sentences in order, the one left out of the graph marked as a gap
    body = doc.locator("#kg-doc-body").inner_text()
    assert body.index("day 0.") < body.index("day 59.") < body.index("State Council")
    assert "Nothing was decided" not in body and "[\u2026]" in body
    assert _cited_is_in_view(view)
    view.page.keyboard.press("Escape")
    assert doc.is_hidden()
    assert view.js("document.activeElement.classList.contains('kg-doc')")  # back at the link
    # a relation's evidence opens its sentence with both ends marked
    view.page.locator("#kg-panel").get_by_role("button", name="issuedBy").first.click()
    view.page.locator("#kg-panel .kg-evidence .kg-doc").first.click()
    marks = doc.locator(".kg-cited mark").all_inner_texts()
    assert "State Council" in marks and "Harbour Plan" in marks
    assert _cited_is_in_view(view)


@pytest.mark.browser
def test_document_view_of_a_focus_view_and_with_hostile_text_shows_it_literally(open_view):
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL

    import kg

    hostile = (
        "The State Council met in Beijing <script>alert(1)</script> and said \"yes\" & 'no' "
        "to javascript:alert(2) </script><img src=x onerror=alert(3)>."
    )
    kg_graph = kg.build([f"{hostile} Premier Li Qiang chaired the State Council."])
    council = next(
        n for n, d in kg_graph.to_networkx().nodes(data=True) if d["label"] == "State Council"
    )
    ids = kg_graph.dataset.graph(URIRef("https://w3id.org/policy-kg/id/graph/test-resolution"))
    ids.add((URIRef(council), OWL.sameAs, URIRef("https://www.wikidata.org/wiki/Q1")))
    ids.add((URIRef(council), OWL.sameAs, Literal("javascript:alert(4)")))
    view = open_view(kg_graph.to_networkx(), focus="State Council", depth=0)
    assert view.drawn_nodes() == 1
    ev = _open_first_evidence(view, "State Council")
    body = view.js("document.getElementById('kg-doc-body').textContent")
    for piece in ("<script>alert(1)</script>", "\"yes\" & 'no'", "javascript:alert(2) </script>"):
        assert piece in body
    assert view.page.locator("#kg-doc .kg-cited mark").inner_text() == "State Council"
    assert ev["sentence"] in body
    tags = view.js("[...document.querySelectorAll('#kg-doc-body *')].map(e => e.tagName)")
    assert set(tags) <= {"P", "SPAN", "MARK"}
    links = view.js("[...document.querySelectorAll('#kg-panel a')].map(a => a.href)")
    assert links == ["https://www.wikidata.org/wiki/Q1"]
    assert "javascript:alert(4)" in view.page.locator("#kg-panel .kg-ids").inner_text()
    view.page.wait_for_timeout(300)
    assert view.js("document.querySelectorAll('img, iframe, object').length") == 0
    assert view.js("document.scripts.length") == 3
    assert view.dialogs == []


@pytest.mark.browser
def test_a_big_view_names_relations_on_screen_once_zoomed_in(open_view):
    view = open_view(_star(2400))  # 1,199 relations: straight edges, names from the label layer
    assert view.js("kgView.data.options.smooth") is False
    assert view.js("network.fit({animation: false}); network.redraw(); kgView.edgeNames()") == []
    hub = view.node_id("Office 0")
    named = view.js(
        "id => { network.moveTo({position: network.getPosition(id), scale: 3, animation: false});"
        " network.redraw(); return kgView.edgeNames(); }",
        hub,
    )
    assert 0 < len(named) < 1199
    assert {view.js("id => kgView.data.edges[id].predicate", e) for e in named} == {"partOf"}


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
        view.page.wait_for_selector("html[data-kg-state=ready]", timeout=120_000)
        assert view.js("kgView.data.nodes.length") == kg_graph.number_of_nodes()
        assert view.drawn_nodes() == _connected(kg_graph)
        _assert_labels_do_not_collide(view)
        label = view.js(
            "kgView.data.nodes.map(n => n.label)"
            ".find(l => kgView.matches(l).filter(m => m.kind === 0).length === 1)"
        )
        view.page.fill("#kg-search", label)
        view.page.press("#kg-search", "Enter")
        assert view.js("network.getSelectedNodes().length") == 1
        assert view.page.locator("#kg-panel .kg-evidence li").count() >= 1
        bad = [u for u in view.requests if not u.startswith(("file:", "data:", "blob:"))]
        assert bad == [] and view.errors == [] and view.dialogs == []
    finally:
        view.page.close()


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and (a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])
    )


def _assert_labels_do_not_collide(view: View) -> None:
    """The names drawn at the default zoom: none overlaps another name or another entity."""
    drawn = view.js(
        """() => {
        // The first view is the whole graph fitted; a redraw places the names (synchronously).
        network.fit({animation: false});
        network.redraw();
        const dom = id => {
          const b = network.getBoundingBox(id);
          const a = network.canvasToDOM({x: b.left, y: b.top});
          const c = network.canvasToDOM({x: b.right, y: b.bottom});
          return {id: id, x: a.x, y: a.y, w: c.x - a.x, h: c.y - a.y};
        };
        return {labels: kgView.labels(), shapes: network.body.nodeIndices.map(dom)};
        }"""
    )
    labels, shapes = drawn["labels"], {s["id"]: s for s in drawn["shapes"]}
    names = {n["id"]: n["label"] for n in view.js("kgView.data.nodes")}
    assert len(labels) >= len(shapes) // 2, "fewer than half the entities are named"
    most = view.js(
        "network.body.nodeIndices.map(i => [network.getConnectedEdges(i).length, i])"
        ".sort((a, b) => b[0] - a[0] || a[1] - b[1])[0][1]"
    )
    assert most in {b["id"] for b in labels}, "the most connected entity has no name"
    for i, box in enumerate(labels):
        text = box["text"]
        assert names[box["id"]] == text or (
            text.endswith("\u2026") and names[box["id"]].startswith(text[:-1])
        )
        own = shapes[box["id"]]
        # Beside its own entity (below, above, right or left, within a few pixels).
        near = {**own, "x": own["x"] - 3, "y": own["y"] - 3, "w": own["w"] + 6, "h": own["h"] + 6}
        assert _overlap(box, near), f"label {text!r} is away from its entity"
        for other in labels[i + 1 :]:
            assert not _overlap(box, other), f"labels {text!r} and {other['text']!r} overlap"
        for sid, shape in shapes.items():
            assert sid == box["id"] or not _overlap(box, shape), f"label {text!r} covers an entity"


# ---- the controls, on one page shared by the tests below -----------------------------------


@pytest.fixture(scope="module")
def glance_graph(policy_graph) -> nx.MultiDiGraph:
    """The policy graph plus a third document: a loose entity and a name two entities share."""
    g = policy_graph.copy()
    s5 = "The Porto Vela Port Authority, known as Porto Vela, runs the docks of Porto Vela."
    _entity(
        g,
        "org/port-authority",
        "Porto Vela Port Authority",
        "Organization",
        aliases=["Porto Vela"],
        evidence=[_ev("news-3", s5, "Porto Vela Port Authority")],
    )
    g.nodes[ID + "location/porto-vela"]["documents"] = ["news-2", "news-3"]
    _relation(g, "org/port-authority", "locatedIn", "location/porto-vela", s5, "news-3")
    return g


@pytest.fixture(scope="module")
def glance(browser, glance_graph, tmp_path_factory):
    """One opened view of ``glance_graph``; each test puts the controls back as it found them."""
    path = tmp_path_factory.mktemp("glance") / "view.html"
    write_html(glance_graph, path)
    view = View(browser.new_page(viewport={"width": 1280, "height": 800}))
    view.page.goto(path.as_uri())
    view.page.wait_for_selector("html[data-kg-state=ready]", timeout=120_000)
    yield view
    bad = [u for u in view.requests if not u.startswith(("file:", "data:", "blob:"))]
    assert bad == [] and view.errors == [] and view.dialogs == []
    view.page.close()


def _drawn(view: View) -> tuple[set[str], list[str]]:
    """Labels of the entities and (from, predicate, to) of the relations on the canvas."""
    return (
        set(view.js("network.body.nodeIndices.map(i => kgView.data.nodes[i].label)")),
        sorted(
            view.js(
                "network.body.edgeIndices.map(i => kgView.data.edges[i])"
                ".map(e => [kgView.data.nodes[e.from].label, e.predicate,"
                " kgView.data.nodes[e.to].label].join(' '))"
            )
        ),
    )


def _reset(view: View) -> None:
    view.page.keyboard.press("Escape")
    if view.page.locator("#kg-panel").is_visible():
        view.page.click("#kg-panel-close")
    view.page.select_option("#kg-document", "-1")
    view.page.check("#kg-isolated")


@pytest.mark.browser
def test_isolated_toggle_hides_and_shows_entities_without_relations(glance, glance_graph):
    _reset(glance)
    nodes, _ = _drawn(glance)
    assert "Rui Lone" not in nodes and len(nodes) == glance_graph.number_of_nodes() - 1
    assert glance.page.locator("#kg-isolated-count").inner_text() == "1"
    glance.page.uncheck("#kg-isolated")
    nodes, _ = _drawn(glance)
    assert "Rui Lone" in nodes and len(nodes) == glance_graph.number_of_nodes()
    assert "showing" not in glance.page.locator("#kg-counts").inner_text()
    glance.page.check("#kg-isolated")
    assert "Rui Lone" not in _drawn(glance)[0]
    assert "showing 8 entities and 7 relations" in glance.page.locator("#kg-counts").inner_text()


def _expected(graph: nx.MultiDiGraph, doc: str) -> tuple[set[str], list[str]]:
    nodes = {n for n, d in graph.nodes(data=True) if doc in d["documents"]}
    edges = sorted(
        f"{graph.nodes[u]['label']} {d['predicate']} {graph.nodes[v]['label']}"
        for u, v, d in graph.edges(data=True)
        if u in nodes and v in nodes and doc in {e["document"] for e in d["evidence"]}
    )
    return {graph.nodes[n]["label"] for n in nodes}, edges


@pytest.mark.browser
def test_document_filter_shows_only_that_documents_entities_and_relations(glance, glance_graph):
    _reset(glance)
    glance.page.uncheck("#kg-isolated")
    options = glance.page.locator("#kg-document option").all_inner_texts()
    assert options == ["All documents (3)", "news-1 (4)", "news-2 (5)", "news-3 (3)"]
    for doc in ("news-1", "news-2", "news-3"):
        glance.page.select_option("#kg-document", label=next(o for o in options if doc in o))
        assert _drawn(glance) == _expected(glance_graph, doc)
    # news-2 mentions Ana Duarte, but her only relation is in news-1: the toggle hides her.
    glance.page.select_option("#kg-document", label="news-2 (5)")
    glance.page.check("#kg-isolated")
    nodes, edges = _drawn(glance)
    assert nodes == {"Coastal Freight Plan", "shipping", "logistics"} and len(edges) == 2
    glance.page.select_option("#kg-document", "-1")
    assert _drawn(glance)[0] == set(glance_graph.nodes[n]["label"] for n in glance_graph) - {
        "Rui Lone"
    }


@pytest.mark.browser
def test_search_for_a_shared_name_lists_every_match_with_its_type(glance):
    _reset(glance)
    page = glance.page
    page.fill("#kg-search", "porto vela")
    page.press("#kg-search", "Enter")
    results = page.locator("#kg-search-results .kg-result")
    assert page.locator("#kg-search-results").is_visible()
    rows = [
        (r.locator(".kg-result-label").inner_text(), r.locator(".kg-result-type").inner_text())
        for r in results.all()
    ]
    assert sorted(rows) == [
        ("Porto Vela", "Location"),
        ("Porto Vela Port Authority", "Organization"),
    ]
    assert "2 entities are named" in page.locator("#kg-search-status").inner_text()
    assert glance.js("network.getSelectedNodes()") == [] and page.locator("#kg-panel").is_hidden()
    results.filter(has_text="Organization").click()
    assert glance.js("network.getSelectedNodes()") == [glance.node_id("Porto Vela Port Authority")]
    assert page.locator("#kg-panel h2").inner_text() == "Porto Vela Port Authority"
    assert page.locator("#kg-search-results").is_hidden()
    # A match the toggle hides is shown when opened, and hidden again when closed.
    page.fill("#kg-search", "rui lone")
    page.press("#kg-search", "Enter")
    assert glance.js("network.getSelectedNodes()") == [glance.node_id("Rui Lone")]
    assert "Rui Lone" in _drawn(glance)[0]
    page.click("#kg-panel-close")
    assert "Rui Lone" not in _drawn(glance)[0]


@pytest.mark.browser
def test_labels_do_not_collide_and_a_small_graph_is_named_in_full(glance):
    _reset(glance)
    _assert_labels_do_not_collide(glance)
    assert len(glance.js("kgView.labels()")) == glance.drawn_nodes() == 8


def test_ensure_chromium_script_is_idempotent_when_present():
    if not CHROMIUM.exists() or shutil.which("sh") is None:
        pytest.skip("chromium not installed")
    done = subprocess.run(["sh", str(ROOT / "tools" / "ensure-chromium.sh")], timeout=300)
    assert done.returncode == 0
