"""The page graph.html in a real browser: Debian's headless Chromium through Playwright, network blocked.

The page must load from its one file, show every entity, answer hovers with tooltips and searches with
a focused node, log no error, and keep hostile text inert: a name or sentence holding
``<img src=x onerror=…>`` or ``<script>`` shows as text and runs nothing, with the page's
Content-Security-Policy and (to test the escaping on its own) without it.

A screenshot of the seed graph's page is kept as ``test-artifacts/graph.png``.
"""

# ruff: noqa: N803, N806 - G, H, D are graphs, as in NetworkX's own code and docs.

from __future__ import annotations

import time

import networkx as nx
import pytest
from rdflib.namespace import RDF

from graph.viz import write_html
from ontology import TG

IMG = "<img src=x onerror=window.__pwned=1>"
SCRIPT = "<script>window.__pwned=1</script>"
HOSTILE_ARTICLE = (
    f"Zhao Minghui, Chairman of Northfield Rare Metals Group, said {IMG} in Qingdao.\n"
    f"Wang Lei, Chairman of Harborview Lithium, wrote {SCRIPT} on Monday.\n"
)


def wait_stable(page, timeout: float = 30.0) -> None:
    """Until the page has settled its layout and switched physics off (polled: the page's CSP forbids the
    string evaluation that ``page.wait_for_function`` needs)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate("Boolean(window.tiegraph && tiegraph.stable)"):
        assert time.monotonic() < deadline, "the layout did not settle"
        page.wait_for_timeout(25)


def tooltip(page, timeout: float = 5.0) -> str:
    """The text of the visible vis-network tooltip, waiting for it to appear."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = page.evaluate(
            "(() => { const t = document.querySelector('div.vis-tooltip');"
            " return t && t.style.visibility === 'visible' ? t.textContent : null; })()"
        )
        if text:
            return text
        page.wait_for_timeout(50)
    raise AssertionError("no tooltip appeared")


def hover_node(page, node_id: str) -> str:
    x, y = page.evaluate(
        """(id) => {
            const dom = network.canvasToDOM(network.getPositions([id])[id]);
            const box = document.getElementById("mynetwork").getBoundingClientRect();
            return [box.left + dom.x, box.top + dom.y];
        }""",
        node_id,
    )
    page.mouse.move(5, 5)
    page.mouse.move(x, y, steps=4)
    return tooltip(page)


def hover_edge(page, edge_id: str) -> str:
    """Hover a point of the edge that vis-network itself says is on that edge and on no node."""
    point = page.evaluate(
        """(id) => {
            const e = network.body.edges[id];
            const box = document.getElementById("mynetwork").getBoundingClientRect();
            const a = network.canvasToDOM({x: e.from.x, y: e.from.y}), b = network.canvasToDOM({x: e.to.x, y: e.to.y});
            for (let t = 0.5, i = 0; i < 40; i++, t = 0.5 + (i % 2 ? 1 : -1) * Math.ceil(i / 2) * 0.02) {
                const p = {x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t};
                if (network.getEdgeAt(p) === id && network.getNodeAt(p) === undefined) {
                    return [box.left + p.x, box.top + p.y];
                }
            }
            return null;
        }""",
        edge_id,
    )
    assert point, f"no free point on edge {edge_id}"
    page.mouse.move(5, 5)
    page.mouse.move(*point, steps=4)
    return tooltip(page)


def straight_edge(page, predicate: str | None = None) -> str:
    """An edge drawn straight (the first between its two entities), of ``predicate`` if given."""
    return page.evaluate(
        """(predicate) => edges.get().filter(e => !e.smooth && (!predicate || e.predicate === predicate))[0].id""",
        predicate,
    )


def hostile_graph() -> nx.MultiDiGraph:
    """Labels, aliases, roles, sentences and sources all carrying the payloads."""
    G = nx.MultiDiGraph()
    G.add_node("urn:example:p", label=f"Zhao {IMG}", type="Person", subtype="", aliases=[SCRIPT])
    G.add_node("urn:example:o", label=f"Acme {SCRIPT}", type="Organization", subtype="Company", aliases=[IMG])
    G.add_node("urn:example:q", label="Qingdao</script><!--", type="Place", subtype="City", aliases=[])
    evidence = [
        {"sentence": f"Zhao, Chair of Acme, said {IMG}.", "document": f"urn:example:doc-{IMG}", "source": SCRIPT},
        {"sentence": f"Acme wrote {SCRIPT}\u2028and more.", "document": "urn:example:doc-2", "source": "b.txt"},
    ]
    G.add_edge(
        "urn:example:p",
        "urn:example:o",
        key="holdsPosition",
        predicate="holdsPosition",
        role=f"Chair {IMG}",
        confidence=0.9,
        evidence_count=2,
        evidence=evidence,
        symmetric=False,
    )
    G.add_edge("urn:example:o", "urn:example:q", key="locatedIn", predicate="locatedIn", role="", confidence=0.8,
               evidence_count=1, evidence=[{"sentence": SCRIPT, "document": "urn:example:doc-3", "source": IMG}],
               symmetric=False)  # fmt: skip
    return G


def assert_inert(page) -> None:
    """Nothing ran, nothing was injected: no flag, no <img>, no script beyond the page's three."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.scripts.length") == 3


# --- the seed graph ------------------------------------------------------------------------------------------


@pytest.mark.model
def test_viz_browser_seed_page_shows_every_entity(seed_build, seed_graph, open_page, repo_root):
    page = open_page(seed_build.out / "graph.html")
    wait_stable(page)
    entities = {str(s) for s, o in seed_graph.subject_objects(RDF.type) if str(o).startswith(str(TG._NS))}
    entities -= {str(s) for s in seed_graph.subjects(RDF.type, TG.Assertion)}
    assert set(page.evaluate("network.body.data.nodes.getIds()")) == entities
    assert set(page.evaluate("nodes.getIds()")) == entities
    relations = {(s, p, o) for s, p, o in seed_graph if str(p).startswith(str(TG._NS)) and str(o) in entities}
    assert page.evaluate("network.body.data.edges.getIds().length") == len(relations)
    assert page.evaluate("network.physics.physicsEnabled") is False, "physics stops once the layout settles"
    artifacts = repo_root / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "graph.png"))
    assert page.errors == []
    assert page.blocked == []


@pytest.mark.model
def test_viz_browser_seed_page_hover_shows_tooltips(seed_build, open_page):
    page = open_page(seed_build.out / "graph.html")
    wait_stable(page)
    node = page.evaluate("nodes.get().sort((a, b) => b.pagerank - a.pagerank)[0]")
    text = hover_node(page, node["id"])
    assert node["name"] in text and "PageRank" in text and node["type"] in text
    edge_id = straight_edge(page, "holdsPosition")
    edge = page.evaluate("(id) => edges.get(id)", edge_id)
    text = hover_edge(page, edge_id)
    assert "holdsPosition" in text and edge["evidence"][0]["sentence"][:40] in text
    assert page.errors == []


@pytest.mark.model
def test_viz_browser_seed_page_search_focuses_a_node(seed_build, open_page):
    page = open_page(seed_build.out / "graph.html")
    wait_stable(page)
    page.fill("#tg-search", "jiusan")
    page.press("#tg-search", "Enter")
    [selected] = page.evaluate("network.getSelectedNodes()")
    assert page.evaluate("(id) => nodes.get(id).name", selected) == "Jiusan Society"
    assert page.inner_text("#tg-details h2") == "Jiusan Society"
    page.fill("#tg-search", "no such entity")
    page.press("#tg-search", "Enter")
    assert "No entity shown matches" in page.inner_text("#tg-search-status")
    assert page.errors == []


@pytest.mark.model
def test_viz_browser_seed_page_filters_by_type_and_relation(seed_build, open_page):
    page = open_page(seed_build.out / "graph.html")
    wait_stable(page)
    everyone = page.evaluate("network.body.data.nodes.getIds().length")
    people = page.evaluate("nodes.get().filter(n => n.type === 'Person').length")
    page.uncheck("input[data-type=Person]")
    assert page.evaluate("network.body.data.nodes.getIds().length") == everyone - people
    located = page.evaluate("edges.get().filter(e => e.predicate === 'locatedIn').length")
    before = page.evaluate("network.body.data.edges.getIds().length")
    page.uncheck("input[data-relation=locatedIn]")
    assert page.evaluate("network.body.data.edges.getIds().length") == before - located
    page.check("input[data-type=Person]")
    assert page.evaluate("network.body.data.nodes.getIds().length") == everyone
    assert page.errors == []


# --- hostile text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_viz_browser_hostile_names_and_sentences_are_inert(tmp_path, open_page, bypass_csp):
    G = hostile_graph()
    page = open_page(write_html(G, tmp_path / "graph.html"), bypass_csp=bypass_csp)
    wait_stable(page)
    assert sorted(page.evaluate("nodes.getIds()")) == sorted(G)
    text = hover_node(page, "urn:example:p")
    assert f"Zhao {IMG}" in text and SCRIPT in text
    text = hover_edge(page, straight_edge(page, "holdsPosition"))
    assert f"Chair {IMG}" in text and IMG in text
    page.evaluate("(id) => tiegraph.showEdge(id)", straight_edge(page, "holdsPosition"))
    panel = page.inner_text("#tg-details")
    assert f"said {IMG}." in panel and f"wrote {SCRIPT}" in panel and f"urn:example:doc-{IMG}" in panel
    page.evaluate("tiegraph.showNode('urn:example:o')")
    assert f"Acme {SCRIPT}" in page.inner_text("#tg-details") and IMG in page.inner_text("#tg-details")
    page.fill("#tg-search", f"zhao {IMG}")
    page.press("#tg-search", "Enter")
    assert page.evaluate("network.getSelectedNodes()") == ["urn:example:p"]
    page.fill("#tg-search", IMG)  # an alias of Acme, and part of Zhao's name: the alias wins
    page.press("#tg-search", "Enter")
    assert page.evaluate("network.getSelectedNodes()") == ["urn:example:o"]
    page.fill("#tg-search", SCRIPT + "x")
    page.press("#tg-search", "Enter")
    assert SCRIPT in page.inner_text("#tg-search-status")
    assert_inert(page)
    assert page.errors == []
    assert page.blocked == []


@pytest.mark.model
def test_viz_browser_hostile_article_is_inert(tmp_path, extractor, open_page):
    from graph.api import build

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    build([tmp_path / "in"], tmp_path / "out", extractor=extractor)
    page = open_page(tmp_path / "out" / "graph.html")
    wait_stable(page)
    shown = set()
    for edge in page.evaluate("edges.get()"):
        page.evaluate("(id) => tiegraph.showEdge(id)", edge["id"])
        shown.add(page.inner_text("#tg-details"))
    assert any(f"said {IMG} in Qingdao." in text for text in shown)
    assert any(f"wrote {SCRIPT} on Monday." in text for text in shown)
    hover_edge(page, straight_edge(page, "holdsPosition"))
    assert_inert(page)
    assert page.errors == []
    assert page.blocked == []
