"""Tests of graph.viz without a browser: what the page holds, that it loads nothing, and that hostile text
reaches it only escaped. tests/test_viz_browser.py runs the same pages in Chromium."""

# ruff: noqa: N803, N806 - G, H, D are graphs, as in NetworkX's own code and docs.

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import networkx as nx
import pytest

from graph import viz
from graph.analysis import analyze
from graph.viz import (
    MAX_EVIDENCE,
    NODE_STYLES,
    external_resources,
    page_data,
    render_html,
    script_json,
    select_nodes,
    write_html,
)
from ontology.errors import InputError

PAYLOADS = (
    "<img src=x onerror=window.__pwned=1>",
    "<script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script>",
    "<!-- <script>",
    '"><svg onload=window.__pwned=1>',
    "\u2028\u2029",
)
DATA_BLOCK = re.compile(r'<script type="application/json" id="tiegraph-data">(.*?)</script>', re.S)


def hostile_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for i, payload in enumerate(PAYLOADS):
        G.add_node(f"urn:example:{i}", label=f"Name {payload}", type="Person", subtype="", aliases=[payload])
    G.add_node("urn:example:org", label="Acme", type="Organization", subtype="Company", aliases=[])
    for i, payload in enumerate(PAYLOADS):
        G.add_edge(
            f"urn:example:{i}",
            "urn:example:org",
            key="holdsPosition",
            predicate="holdsPosition",
            role=payload,
            confidence=0.9,
            evidence_count=1,
            evidence=[{"sentence": f"He said {payload}.", "document": f"urn:example:doc-{payload}", "source": payload}],
            symmetric=False,
        )
    return G


def star(n: int) -> nx.MultiDiGraph:
    """A hub with ``n - 1`` spokes of every type; the spokes' PageRank falls with their index (fewer relations)."""
    G = nx.MultiDiGraph()
    types = [s.type for s in NODE_STYLES]
    G.add_node("urn:example:hub", label="Hub", type="Organization", subtype="GovernmentBody", aliases=[])
    for i in range(1, n):
        G.add_node(f"urn:example:{i:03d}", label=f"Spoke {i}", type=types[i % 5], subtype="", aliases=[])
        G.add_edge(f"urn:example:{i:03d}", "urn:example:hub", key="memberOf", predicate="memberOf", evidence=[])
        if i < n // 2:
            G.add_edge(f"urn:example:{i:03d}", f"urn:example:{i + 1:03d}", key="linkedTo", predicate="linkedTo",
                       symmetric=True, evidence=[])  # fmt: skip
    return G


def scripts(html: str) -> list[str]:
    """The contents of the page's executable (classic) scripts."""
    return re.findall(r"<script>(.*?)</script>", html, re.S)


# --- embedding -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_viz_script_json_round_trips_and_cannot_break_out(payload):
    text = script_json({"label": payload, "list": [payload]})
    assert json.loads(text) == {"label": payload, "list": [payload]}
    assert not re.search("[<>&\u2028\u2029]", text)


def test_viz_external_resources_finds_what_would_load():
    assert external_resources('<script src="https://cdn.example/vis.js"></script>') == ['src="https://']
    assert external_resources("<link rel=stylesheet href=//cdn.example/a.css>") == ["href=//"]
    assert external_resources("<style>@import url('http://x.test/a.css');</style>") != []
    assert external_resources('<a title="see https://example.org">x</a><img src="data:image/png;base64,AA">') == []


# --- the page ------------------------------------------------------------------------------------------------


def test_viz_page_loads_nothing_from_the_network():
    html = render_html(star(20))
    assert external_resources(html) == []
    assert "sourceMappingURL" not in html
    assert "cdn." not in html and "bootstrap" not in html.lower() and "tom-select" not in html


def test_viz_page_csp_allows_exactly_its_two_scripts():
    html = render_html(star(5))
    [policy] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    policy = policy.replace("&#39;", "'")
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    hashes = set(re.findall(r"'(sha256-[^']+)'", policy))
    found = {"sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts(html)}
    assert len(scripts(html)) == 2 and hashes == found
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_viz_page_exposes_the_pyvis_globals():
    app = scripts(render_html(star(5)))[1]
    assert re.search(r"^var nodes, edges, network\b", app, re.M)
    assert "new vis.Network(container, data, options)" in app


def test_viz_page_script_never_parses_data_as_html():
    app = (Path(viz.__file__).parent / "templates" / "graph.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", app, flags=re.S)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, sink


def test_viz_hostile_text_reaches_the_page_only_escaped():
    G = hostile_graph()
    html = render_html(G)
    for payload in PAYLOADS[:5]:
        assert payload not in html
    assert "window.__pwned" in html, "the text is there, as data"
    assert len(scripts(html)) == 2, "no script element but the page's own"
    assert html.count("</script>") == 3
    [block] = DATA_BLOCK.findall(html)
    data = json.loads(block)
    labels = {n["id"]: n["name"] for n in data["nodes"]}
    assert labels["urn:example:0"] == "Name " + PAYLOADS[0]
    assert {e["role"] for e in data["edges"]} == set(PAYLOADS)
    assert {e["evidence"][0]["sentence"] for e in data["edges"]} == {f"He said {p}." for p in PAYLOADS}


def test_viz_hostile_title_and_notice_are_escaped():
    html = render_html(star(30), max_nodes=10, title="<b>tie</b>graph")
    assert "<b>tie</b>graph" not in html and "&lt;b&gt;tie&lt;/b&gt;graph" in html
    assert 'id="tg-notice"' in html


def test_viz_page_data_styles():
    G = star(12)
    data = page_data(G, analyze(G))
    by_id = {n["id"]: n for n in data["nodes"]}
    colors = {s.type: s.color for s in NODE_STYLES}
    assert all(n["color"] == colors[n["type"]] for n in data["nodes"])
    assert by_id["urn:example:hub"]["shape"] == "diamond", "a government body"
    assert by_id["urn:example:hub"]["size"] == max(n["size"] for n in data["nodes"]), "size by PageRank"
    assert [t["type"] for t in data["meta"]["types"]] == [s.type for s in NODE_STYLES]
    assert sum(t["count"] for t in data["meta"]["types"]) == 12
    linked = [e for e in data["edges"] if e["predicate"] == "linkedTo"]
    assert linked and all(e["arrows"] == {"to": {"enabled": False}} for e in linked), "symmetric: no arrow"
    assert all(e["arrows"] == {"to": {"enabled": True}} for e in data["edges"] if e["predicate"] == "memberOf")
    assert all(e["label"].startswith(e["predicate"]) for e in data["edges"])
    assert data["meta"]["relation_types"] == [
        {"predicate": "linkedTo", "count": 5},
        {"predicate": "memberOf", "count": 11},
    ]


def test_viz_page_data_parallel_relations_are_curved_apart():
    G = nx.MultiDiGraph()
    G.add_node("a", label="A", type="Person")
    G.add_node("b", label="B", type="Organization")
    for key in ("holdsPosition", "memberOf", "linkedTo"):
        G.add_edge("a", "b", key=key, predicate=key, evidence=[])
    edges = page_data(G, analyze(G))["edges"]
    assert "smooth" not in edges[0]
    assert [e["smooth"]["type"] for e in edges[1:]] == ["curvedCW", "curvedCCW"]


def test_viz_page_data_caps_the_evidence_it_carries():
    G = nx.MultiDiGraph()
    G.add_node("a", label="A", type="Person")
    G.add_node("b", label="B", type="Organization")
    evidence = [{"sentence": f"s{i}", "document": "d", "source": "x.txt"} for i in range(MAX_EVIDENCE + 5)]
    G.add_edge("a", "b", key="memberOf", predicate="memberOf", evidence=evidence, evidence_count=len(evidence))
    [edge] = page_data(G, analyze(G))["edges"]
    assert len(edge["evidence"]) == MAX_EVIDENCE and edge["evidence_count"] == MAX_EVIDENCE + 5


def test_viz_large_graphs_start_from_seeded_positions():
    G = star(viz.SMALL_GRAPH + 10)
    data = page_data(G, analyze(G))
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert data["options"]["layout"]["improvedLayout"] is False
    small = page_data(star(10), analyze(star(10)))
    assert not any("x" in n for n in small["nodes"]) and small["options"]["layout"]["improvedLayout"] is True


def test_viz_physics_stops_after_a_bounded_stabilization():
    for n in (10, 500, 3000):
        physics = viz._options(n, 2 * n)["physics"]
        assert physics["stabilization"]["enabled"] is True
        assert 0 < physics["stabilization"]["iterations"] <= 1000
    app = (Path(viz.__file__).parent / "templates" / "graph.js").read_text(encoding="utf-8")
    assert 'network.once("stabilizationIterationsDone", settled)' in app
    assert "network.setOptions({ physics: { enabled: false } })" in app
    # and a time budget, so that a slow machine gets a less relaxed layout, not a late one
    assert "if (performance.now() - layoutStarted > meta.layout_seconds * 1000) network.stopSimulation();" in app
    assert page_data(star(3), analyze(star(3)))["meta"]["layout_seconds"] == viz.LAYOUT_SECONDS


# --- the top-N reduction -------------------------------------------------------------------------------------


def test_viz_select_nodes_keeps_the_top_by_pagerank():
    G = star(30)
    result = analyze(G)
    chosen = select_nodes(G, result.pagerank, 10)
    ranked = sorted(G, key=lambda v: (-result.pagerank[v], v))
    assert chosen == sorted(ranked[:10]) and "urn:example:hub" in chosen
    assert select_nodes(G, result.pagerank, 100) == sorted(G)


def test_viz_select_nodes_needs_at_least_one():
    with pytest.raises(InputError, match=r"^--max-nodes must be at least 1 \(got 0\)\.$"):
        select_nodes(star(3), {}, 0)


def test_viz_page_above_max_nodes_says_so():
    G = star(30)
    data = page_data(G, analyze(G), max_nodes=10)
    meta = data["meta"]
    assert len(data["nodes"]) == 10 and meta["truncated"] is True
    kept = {n["id"] for n in data["nodes"]}
    assert all(e["from"] in kept and e["to"] in kept for e in data["edges"])
    assert meta["notice"].startswith("Showing the 10 entities with the highest PageRank out of 30, and the ")
    html = render_html(G, max_nodes=10)
    assert "Showing the 10 entities with the highest PageRank out of 30" in html
    assert "10 of 30 entities" in html
    assert "Showing the" not in render_html(G)


def test_viz_write_html_is_deterministic(tmp_path):
    G = hostile_graph()
    first = write_html(G, tmp_path / "a.html").read_bytes()
    assert write_html(G, tmp_path / "b.html").read_bytes() == first
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["a.html", "b.html"], "written atomically"


def test_viz_empty_graph_page():
    html = render_html(nx.MultiDiGraph())
    assert "0 of 0 entities" in html and external_resources(html) == []


def test_viz_is_the_only_module_that_imports_pyvis(repo_root):
    importers = sorted(
        p.relative_to(repo_root).as_posix()
        for folder in ("graph", "extract", "ontology")
        for p in (repo_root / folder).rglob("*.py")
        if re.search(r"^\s*(import pyvis|from pyvis)", p.read_text(encoding="utf-8"), re.M)
    )
    assert importers == ["graph/viz.py"]
