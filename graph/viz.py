"""The interactive page ``graph.html``: a self-contained, offline vis-network view of the projection.

This is the only module that imports pyvis. Pyvis builds the node and edge records and supplies
vis-network, which is inlined (``cdn_resources="in_line"``); the page itself comes from our template,
``graph/templates/graph.html.j2``, because Pyvis's own pulls Bootstrap and tom-select from CDNs.

Names and sentences come from untrusted articles, so nothing from the data is ever parsed as HTML:

- the template is rendered with autoescaping, and the data travels as one JSON block in which ``<``,
  ``>``, ``&``, U+2028 and U+2029 are ``\\u`` escapes (:func:`script_json`), so it cannot close its
  ``<script>`` element or open a comment;
- the script builds tooltips and panels with ``textContent`` and hands vis-network DOM elements, never
  strings it could render as markup;
- a Content-Security-Policy lets only the page's own two scripts run (by hash) and forbids loading
  anything, so even a stray ``<img onerror=…>`` could neither run nor reach the network.
"""

# ruff: noqa: N803, N806 - G, H, D are graphs, as in NetworkX's own code and docs.

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import networkx as nx
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from graph.analysis import Analysis, analyze
from graph.io import write_text_atomic
from ontology import SYMMETRIC_RELATIONS
from ontology.errors import InputError

__all__ = [
    "MAX_EVIDENCE",
    "MAX_NODES",
    "NODE_STYLES",
    "NodeStyle",
    "external_resources",
    "page_data",
    "render_html",
    "script_json",
    "select_nodes",
    "write_html",
]

#: Above this many entities the page shows the ones with the highest PageRank (``--max-nodes``).
MAX_NODES: int = 2000
#: The page stops the layout's physics after this many seconds even if its iterations are not done.
LAYOUT_SECONDS: float = 6.0
#: Debian's Chromium and the flags it runs headless with, offline and with nothing of its own going out: what
#: the browser tests and ``bench/viz.py`` open the page in (give it a fresh ``--user-data-dir`` each time).
CHROMIUM: str = "/usr/bin/chromium"
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Evidence sentences per relation carried into the page (the count says how many there are in all).
MAX_EVIDENCE: int = 20
TEMPLATES = Path(__file__).parent / "templates"
#: vis-network as the Pyvis package ships it (found without importing pyvis, which imports IPython: 0.3 s)
VIS = Path(importlib.util.find_spec("pyvis").submodule_search_locations[0]) / "templates" / "lib" / "vis-9.1.2"


@dataclass(frozen=True)
class NodeStyle:
    """How the entities of one core type look, and what the legend calls them."""

    type: str
    color: str
    legend: str


#: One colour per core type (colour-blind-safe Tableau 10), in the contract's order.
NODE_STYLES: tuple[NodeStyle, ...] = (
    NodeStyle("Person", "#e15759", "Person"),
    NodeStyle("Organization", "#4e79a7", "Organization"),
    NodeStyle("Place", "#59a14f", "Place"),
    NodeStyle("Facility", "#f28e2b", "Facility"),
    NodeStyle("Event", "#b07aa1", "Event"),
)
OTHER_COLOR = "#9c9c9c"
#: Organization subtypes drawn as squares (industry) and diamonds (political and government bodies).
SHAPES: dict[str, str] = {
    "Company": "square",
    "StateOwnedEnterprise": "square",
    "IndustryAssociation": "square",
    "GovernmentBody": "diamond",
    "PoliticalOrganization": "diamond",
    "PoliticalParty": "diamond",
    "PartyCommittee": "diamond",
}


# --- safe embedding ----------------------------------------------------------------------------------------------

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: object) -> str:
    """JSON that is safe inside ``<script>``: no ``</``, no ``<!--``, no raw U+2028 or U+2029.

    Examples
    --------
    >>> script_json({"name": "</script><!-- \\u2028"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003c!-- \\\\u2028"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_ESCAPES[m.group()], text)


_LOADS = re.compile(
    r"""(?:\b(?:src|href|srcset|poster|data|action|formaction|background)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?\s*(?:url\()?\s*["']?\s*(?:https?:)?//)""",
    re.IGNORECASE,
)


def external_resources(html: str) -> list[str]:
    """The places where ``html`` would load something from the network (``src=``, ``href=``, CSS ``url()``).

    Examples
    --------
    >>> external_resources('<img src="https://x.test/a.png"><style>a{b:url(data:x)}</style>')
    ['src="https://']
    """
    return [m.group() for m in _LOADS.finditer(html)]


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@cache
def _assets() -> dict[str, str]:
    """vis-network (from the Pyvis package) and our script, as inlined; each checked to be safe inline."""
    js = (VIS / "vis-network.min.js").read_text(encoding="utf-8")
    js = re.sub(r"\n?//# sourceMappingURL=\S*\s*$", "\n", js)  # the page ships no source map
    assets = {
        "vis_js": js,
        "vis_css": (VIS / "vis-network.css").read_text(encoding="utf-8"),
        "app_js": (TEMPLATES / "graph.js").read_text(encoding="utf-8"),
    }
    for name, text in assets.items():
        if re.search(r"</(script|style)|<!--", text, re.IGNORECASE):
            msg = f"The asset {name} contains a closing tag or a comment opener and cannot be inlined."
            raise InputError(msg)
    return assets


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# --- the page's data ---------------------------------------------------------------------------------------------


def select_nodes(G: nx.Graph, pagerank: dict, max_nodes: int = MAX_NODES) -> list:
    """All nodes (sorted) when there are at most ``max_nodes``, else the ``max_nodes`` of highest PageRank.

    Examples
    --------
    >>> select_nodes(nx.path_graph(3), {0: 0.2, 1: 0.5, 2: 0.3}, max_nodes=2)
    [1, 2]
    """
    if max_nodes < 1:
        msg = f"--max-nodes must be at least 1 (got {max_nodes})."
        raise InputError(msg)
    if len(G) <= max_nodes:
        return sorted(G)
    ranked = sorted(G, key=lambda v: (-pagerank.get(v, 0.0), str(v)))
    return sorted(ranked[:max_nodes])


class _IdList(list):
    """Pyvis keeps node ids in a list and searches it for every node and edge added; a set makes that O(1)."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: set = set()

    def append(self, item) -> None:
        super().append(item)
        self._ids.add(item)

    def __contains__(self, item) -> bool:
        return item in self._ids


def _style(attrs: dict) -> tuple[str, str]:
    color = next((s.color for s in NODE_STYLES if s.type == attrs.get("type")), OTHER_COLOR)
    return color, SHAPES.get(attrs.get("subtype", ""), "dot")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


#: Up to this many entities vis-network lays the graph out from scratch (its "improved layout");
#: above it, the page starts from :func:`seed_positions` and runs fewer, coarser physics iterations.
SMALL_GRAPH: int = 150
_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def seed_positions(nodes: list, community: dict, pagerank: dict, *, spacing: float = 60.0) -> dict:
    """Starting positions: each community a disc (its most central entities in the middle), discs on a spiral.

    Deterministic and linear in the number of nodes; physics then only has to relax a layout in which
    related entities already sit together.

    Examples
    --------
    >>> seed_positions(["a", "b", "c"], {"a": 0, "b": 0, "c": 1}, {"a": 0.6, "b": 0.4})
    {'a': (0.0, 0.0), 'b': (-44.2, 40.5), 'c': (-90.9, 83.3)}
    """
    groups: dict = {}
    for v in nodes:
        groups.setdefault(community.get(v, -1), []).append(v)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), str(min(g, key=str))))
    positions = {}
    placed = 0
    for i, members in enumerate(ordered):
        # the disc of community i sits where a spiral of all the nodes before it would end
        distance = spacing * math.sqrt(placed + len(members) / 2) * 1.3 if i else 0.0
        cx, cy = distance * math.cos(i * _GOLDEN_ANGLE), distance * math.sin(i * _GOLDEN_ANGLE)
        members = sorted(members, key=lambda v: (-pagerank.get(v, 0.0), str(v)))
        for j, v in enumerate(members):
            r = spacing * math.sqrt(j)
            a = j * _GOLDEN_ANGLE
            positions[v] = (round(cx + r * math.cos(a), 1), round(cy + r * math.sin(a), 1))
        placed += len(members)
    return positions


def _options(n_nodes: int, n_edges: int) -> dict:
    """vis-network options: physics that settles within a bounded number of iterations, then stops."""
    large = n_nodes > 800 or n_edges > 2000
    small = n_nodes <= SMALL_GRAPH
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": small},
        "physics": {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -60,
                "centralGravity": 0.008,
                "springLength": 150 if small else 110,
                "springConstant": 0.06,
                "damping": 0.5,
                "avoidOverlap": 0.2 if small else 0.0,
                "theta": 0.5 if n_nodes <= 1000 else 1.0,
            },
            "minVelocity": 1.0,
            "maxVelocity": 60,
            "timestep": 0.5,
            "stabilization": {
                "enabled": True,
                "iterations": 1000 if small else (300 if n_nodes <= 1000 else 150),
                "updateInterval": 25,
                "fit": True,
            },
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
        },
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "scaling": {"label": {"enabled": False, "drawThreshold": 6}},
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"color": "#a9b4c2", "highlight": "#2f3b4c", "hover": "#2f3b4c", "inherit": False},
            "font": {
                "size": 10,
                "face": "system-ui, sans-serif",
                "color": "#4a5563",
                "strokeWidth": 3,
                "align": "middle",
            },
            "smooth": False,
            "width": 1,
            "hoverWidth": 1.5,
            "selectionWidth": 2,
        },
    }


def page_data(G: nx.MultiDiGraph, analysis: Analysis, *, max_nodes: int = MAX_NODES, title: str = "tiegraph") -> dict:
    """What the page shows, as plain data: ``nodes``, ``edges``, vis ``options`` and ``meta``.

    Nodes and edges are Pyvis records (``id``, ``label``, ``color``, ``shape``, ``size``; ``from``, ``to``,
    ``arrows``) with tiegraph's fields beside them: type, subtype, aliases and the measures of each
    entity; predicate, role, confidence and evidence of each relation.
    """
    from pyvis.network import Network

    shown = select_nodes(G, analysis.pagerank, max_nodes)
    keep = set(shown)
    positions = seed_positions(shown, analysis.community, analysis.pagerank) if len(shown) > SMALL_GRAPH else {}
    top = max((analysis.pagerank.get(v, 0.0) for v in shown), default=0.0) or 1.0
    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    net.node_ids = _IdList()
    for v in shown:
        attrs = G.nodes[v]
        color, shape = _style(attrs)
        scores = analysis.scores(v)
        net.add_node(
            str(v),
            label=_short(str(attrs.get("label", v)), 48),
            color=color,
            shape=shape,
            size=round(8 + 30 * math.sqrt(scores["pagerank"] / top), 2),
            name=str(attrs.get("label", v)),
            type=attrs.get("type", ""),
            subtype=attrs.get("subtype", ""),
            aliases=list(attrs.get("aliases", [])),
            **{k: round(float(x), 6) if k != "community" else int(x) for k, x in scores.items()},
            **(dict(zip(("x", "y"), positions[v], strict=True)) if v in positions else {}),
        )
    edges = sorted(
        ((u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if u in keep and v in keep),
        key=lambda e: (str(e[0]), str(e[1]), str(e[2])),
    )
    parallel: dict[tuple, int] = {}
    for i, (u, v, key, attrs) in enumerate(edges):
        predicate = str(attrs.get("predicate", key))
        pair = (str(u), str(v)) if str(u) <= str(v) else (str(v), str(u))
        nth = parallel[pair] = parallel.get(pair, -1) + 1
        role = attrs.get("role", "")
        evidence = attrs.get("evidence", [])
        extra = {}
        if nth:  # a second relation between the same two entities is drawn as a curve beside the first
            extra["smooth"] = {
                "enabled": True,
                "type": "curvedCW" if nth % 2 else "curvedCCW",
                "roundness": 0.25 * ((nth + 1) // 2),
            }
        symmetric = bool(attrs.get("symmetric", predicate in SYMMETRIC_RELATIONS))
        net.add_edge(
            str(u),
            str(v),
            id=f"e{i}",
            label=predicate + (f" · {_short(role, 28)}" if role else ""),
            arrows={"to": {"enabled": not symmetric}},
            predicate=predicate,
            role=role,
            confidence=attrs.get("confidence"),
            evidence_count=int(attrs.get("evidence_count", len(evidence))),
            evidence=[
                {"sentence": e.get("sentence", ""), "document": e.get("document", ""), "source": e.get("source", "")}
                for e in evidence[:MAX_EVIDENCE]
            ],
            symmetric=symmetric,
            **extra,
        )
    types = {}
    for v in shown:
        t = G.nodes[v].get("type", "")
        types[t] = types.get(t, 0) + 1
    legend = [{"type": s.type, "color": s.color, "count": types.pop(s.type, 0)} for s in NODE_STYLES]
    legend += [{"type": t or "Other", "color": OTHER_COLOR, "count": c} for t, c in sorted(types.items())]
    relations: dict[str, int] = {}
    for e in net.edges:
        relations[e["predicate"]] = relations.get(e["predicate"], 0) + 1
    total_edges = G.number_of_edges()
    notice = ""
    if len(shown) < len(G):
        notice = (
            f"Showing the {len(shown):,} entities with the highest PageRank out of {len(G):,}, and the "
            f"{len(net.edges):,} relations among them (of {total_edges:,}). "
            "Use tiegraph viz DIR --max-nodes N to show more."
        )
    return {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": _options(len(net.nodes), len(net.edges)),
        "meta": {
            "title": title,
            "entities": len(G),
            "relations": total_edges,
            "shown_entities": len(net.nodes),
            "shown_relations": len(net.edges),
            "truncated": len(shown) < len(G),
            "max_nodes": max_nodes,
            "notice": notice,
            "types": legend,
            "relation_types": [{"predicate": p, "count": c} for p, c in sorted(relations.items())],
            "notes": list(analysis.notes),
            "layout_seconds": LAYOUT_SECONDS,
            "shapes": [
                {"shape": "square", "label": "industry (company, SOE, association)"},
                {"shape": "diamond", "label": "political or government body"},
            ],
        },
    }


def render_html(
    G: nx.MultiDiGraph,
    *,
    analysis: Analysis | None = None,
    max_nodes: int = MAX_NODES,
    title: str = "tiegraph",
) -> str:
    """The page for ``G`` (a :func:`graph.analysis.project` projection, or any graph with those attributes).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("urn:x:a", label="<b>Ada</b>", type="Person")
    >>> html = render_html(G)
    >>> "<b>Ada</b>" in html, "\\\\u003cb\\\\u003eAda" in html, external_resources(html)
    (False, True, [])
    """
    analysis = analysis if analysis is not None else analyze(G)
    data = page_data(G, analysis, max_nodes=max_nodes, title=title)
    assets = _assets()
    meta = data["meta"]
    return (
        _environment()
        .get_template("graph.html.j2")
        .render(
            meta=meta,
            data_json=script_json(data),
            vis_js=assets["vis_js"],
            vis_css=assets["vis_css"],
            app_js=assets["app_js"],
            script_hashes=f"'{_sha256(assets['vis_js'])}' '{_sha256(assets['app_js'])}'",
        )
    )


def write_html(
    G: nx.MultiDiGraph,
    path: Path | str,
    *,
    analysis: Analysis | None = None,
    max_nodes: int = MAX_NODES,
    title: str = "tiegraph",
) -> Path:
    """Write :func:`render_html` atomically to ``path``; returns the path."""
    path = Path(path)
    write_text_atomic(path, render_html(G, analysis=analysis, max_nodes=max_nodes, title=title))
    return path
