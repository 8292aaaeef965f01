"""Benchmark of the analysis and the page: ``python bench/viz.py`` (not a test; prints figures and verdicts).

For synthetic graphs of 100, 1,000, 5,000 and 20,000 entities shaped like tiegraph's projection (typed
entities, relations that fit the types, preferential attachment, one evidence sentence per relation) it
measures:

- analysis: all the measures of ``graph.analysis.analyze`` (degree, betweenness, PageRank, eigenvector,
  Louvain, brokers);
- the page: ``graph.viz.render_html`` time and size, with the default ``--max-nodes`` (2,000);
- the browser: headless Chromium (Debian's, through Playwright, network blocked) loads the page until
  vis-network reports ``stabilizationIterationsDone`` and the page switches physics off; the time is
  the page's own clock (``performance.now()``, from navigation start);
- and betweenness on 100,000 entities through sampling.

Targets (issue 5): 5,000 entities interactive (stable) in under 10 s; 20,000 handled by the top-N
reduction without hanging the page; betweenness on 100,000 nodes within 60 s.

Options: ``--sizes 100,1000``, ``--no-browser``, ``--no-100k``, ``--networkx-100k`` (also time the
NetworkX backend on 100,000 nodes: minutes), ``--screenshot BUILD_DIR PNG`` (a picture of a build's page,
as docs/graph.png is made: ``python bench/viz.py --screenshot out docs/graph.png``).
"""

# ruff: noqa: N803, N806 - G, H, D are graphs, as in NetworkX's own code and docs.

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from graph import analysis  # noqa: E402
from graph.viz import CHROMIUM, CHROMIUM_ARGS, MAX_NODES, render_html  # noqa: E402

TYPES = (("Person", 0.30), ("Organization", 0.35), ("Place", 0.12), ("Facility", 0.13), ("Event", 0.10))
ORG_SUBTYPES = (
    ("Company", 0.40),
    ("StateOwnedEnterprise", 0.15),
    ("GovernmentBody", 0.15),
    ("PartyCommittee", 0.10),
    ("PoliticalParty", 0.03),
    ("ResearchOrganization", 0.07),
    ("MediaOutlet", 0.05),
    ("", 0.05),
)
#: (subject type, object type) -> relations that fit the contract's table
FITS = {
    ("Person", "Organization"): ("holdsPosition", "memberOf"),
    ("Organization", "Organization"): ("partOf", "owns", "supplies", "partnerOf", "affiliatedWith", "invests"),
    ("Organization", "Facility"): ("operates", "hasSite", "owns"),
    ("Organization", "Place"): ("locatedIn",),
    ("Facility", "Place"): ("locatedIn",),
    ("Event", "Place"): ("heldAt",),
    ("Event", "Facility"): ("heldAt",),
    ("Person", "Event"): ("participatedIn",),
    ("Organization", "Event"): ("organized", "participatedIn"),
    ("Place", "Place"): ("locatedIn",),
}


def _pick(rng: random.Random, table) -> str:
    return rng.choices([t for t, _ in table], weights=[w for _, w in table])[0]


def synthetic(n: int, *, seed: int = 1, edges_per_entity: float = 2.0) -> nx.MultiDiGraph:
    """A projection-shaped graph of ``n`` entities: typed nodes, fitting relations, preferential attachment."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    ends: list[str] = []
    ids: list[str] = []
    for i in range(n):
        kind = _pick(rng, TYPES)
        subtype = _pick(rng, ORG_SUBTYPES) if kind == "Organization" else ""
        node = f"urn:bench:{kind.lower()}-{i:06d}"
        G.add_node(node, label=f"{subtype or kind} {i}", type=kind, subtype=subtype, aliases=[])
        links = 0 if i == 0 else min(i, max(1, round(rng.expovariate(1 / edges_per_entity))))
        for _ in range(links):
            other = rng.choice(ends) if ends and rng.random() < 0.8 else ids[rng.randrange(i)]
            a, b = (node, other) if rng.random() < 0.5 else (other, node)
            ta, tb = G.nodes[a]["type"], G.nodes[b]["type"]
            if (ta, tb) not in FITS and (tb, ta) in FITS:
                a, b, ta, tb = b, a, tb, ta
            predicate = rng.choice(FITS.get((ta, tb), ("linkedTo",)))
            if a == b or G.has_edge(a, b, key=predicate):
                continue
            sentence = f"{G.nodes[a]['label']} {predicate} {G.nodes[b]['label']}, says synthetic article {i}."
            G.add_edge(
                a,
                b,
                key=predicate,
                predicate=predicate,
                role="Chair" if predicate == "holdsPosition" else "",
                confidence=0.8,
                evidence_count=1,
                evidence=[{"sentence": sentence, "document": f"urn:bench:doc-{i % 997}", "source": f"a{i}.txt"}],
                symmetric=predicate in ("partnerOf", "linkedTo"),
            )
            ends.extend((a, b))
        ids.append(node)
    return G


def wait_stable(page, timeout_s: float) -> None:
    """Poll until the page says its layout is stable (``page.wait_for_function`` evaluates strings, which the
    page's Content-Security-Policy forbids; ``page.evaluate`` goes through the debugger and is not affected)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate("Boolean(window.tiegraph && tiegraph.stable)"):
        if time.monotonic() > deadline:
            msg = f"The page did not stabilize within {timeout_s:.0f} s."
            raise TimeoutError(msg)
        page.wait_for_timeout(25)


def launch(playwright, profile: str, width: int, height: int):
    """A headless Chromium context (graph.viz's executable and flags) with the fresh profile ``profile``."""
    return playwright.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=list(CHROMIUM_ARGS),
        viewport={"width": width, "height": height},
    )


def stable_in_browser(html_path: Path, *, timeout_s: float = 120.0) -> dict:
    """Load ``html_path`` in headless Chromium (network blocked) and wait until the layout is stable."""
    from playwright.sync_api import sync_playwright

    url = html_path.resolve().as_uri()
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="tiegraph-bench-") as profile:
        context = launch(p, profile, 1400, 900)
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            started = time.perf_counter()
            page.goto(url, wait_until="load", timeout=timeout_s * 1000)
            wait_stable(page, timeout_s)
            wall = time.perf_counter() - started
            stable_ms = page.evaluate("tiegraph.stableAt")
            # responsiveness once stable: a round trip through the page's event loop, and one redraw
            t = time.perf_counter()
            page.evaluate("network.redraw(); 1")
            redraw = time.perf_counter() - t
            shown = page.evaluate("network.body.data.nodes.getIds().length")
            iterations = page.evaluate("[tiegraph.layoutIterations || 0, tiegraph.layoutTotal || 0]")
            return {
                "stable_s": stable_ms / 1000,
                "wall_s": wall,
                "redraw_s": redraw,
                "shown": shown,
                "iterations": iterations,
                "errors": errors,
            }
        finally:
            context.close()


def screenshot(build_dir: Path, png: Path, *, width: int = 1200, height: int = 720) -> Path:
    """A PNG of ``build_dir/graph.html`` once its layout is stable (network blocked)."""
    from playwright.sync_api import sync_playwright

    url = (build_dir / "graph.html").resolve().as_uri()
    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="tiegraph-shot-") as profile:
        context = launch(p, profile, width, height)
        try:
            page = context.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url == url else route.abort())
            page.goto(url)
            wait_stable(page, 60)
            # the details of the most central entity, as a reader would open them
            page.evaluate(
                "(() => { const n = nodes.get().sort((a, b) => b.pagerank - a.pagerank)[0];"
                " network.selectNodes([n.id]); tiegraph.showNode(n.id); })()"
            )
            page.wait_for_timeout(300)
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png))
        finally:
            context.close()
    return png


def _seconds(f, *args, **kwargs):
    started = time.perf_counter()
    result = f(*args, **kwargs)
    return result, time.perf_counter() - started


def run(sizes: list[int], *, browser: bool, big: bool, networkx_big: bool) -> int:
    rows = []
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="tiegraph-bench-") as tmp:
        for n in sizes:
            cases = [MAX_NODES] + ([n] if MAX_NODES < n <= 5000 else [])
            G, t_gen = _seconds(synthetic, n)
            result, t_analysis = _seconds(analysis.analyze, G)
            for max_nodes in cases:
                html, t_html = _seconds(render_html, G, analysis=result, max_nodes=max_nodes)
                path = Path(tmp) / f"graph-{n}-{max_nodes}.html"
                path.write_text(html, encoding="utf-8")
                row = {
                    "entities": n,
                    "relations": G.number_of_edges(),
                    "max_nodes": max_nodes,
                    "analysis_s": t_analysis,
                    "html_s": t_html,
                    "html_mb": len(html.encode("utf-8")) / 1e6,
                }
                if browser:
                    row.update(stable_in_browser(path))
                rows.append(row)
                print(_format(row), flush=True)
    if browser:
        full5k = [r for r in rows if r["entities"] == 5000 and r["max_nodes"] >= 5000]
        top5k = [r for r in rows if r["entities"] == 5000 and r["max_nodes"] == MAX_NODES]
        for label, found in (("5,000 entities, all shown", full5k), ("5,000 entities, top 2,000", top5k)):
            if found:
                ok = found[0]["stable_s"] < 10 and not found[0]["errors"]
                verdicts.append(f"{label}: stable in {found[0]['stable_s']:.1f} s (target < 10 s): {_met(ok)}")
        big_rows = [r for r in rows if r["entities"] == 20000]
        if big_rows:
            r = big_rows[0]
            ok = r["shown"] == min(MAX_NODES, 20000) and not r["errors"] and r["redraw_s"] < 2
            verdicts.append(
                f"20,000 entities: top {r['shown']:,} shown, stable in {r['stable_s']:.1f} s, a redraw after that "
                f"{r['redraw_s'] * 1000:.0f} ms, no errors: {_met(ok)}"
            )
    if big:
        H, t_gen = _seconds(synthetic, 100_000)
        backend = analysis._default_backend(analysis.BETWEENNESS_SAMPLES * 300_000)
        _, t_b = _seconds(analysis.betweenness, H)
        print(
            f"betweenness, 100,000 entities ({H.number_of_edges():,} relations), {analysis.BETWEENNESS_SAMPLES:,} "
            f"sampled sources, {backend}: {t_b:.1f} s",
            flush=True,
        )
        verdicts.append(
            f"betweenness on 100,000 entities with {backend}: {t_b:.1f} s (target < 60 s): {_met(t_b < 60)}"
        )
        if networkx_big or backend == "igraph":
            k = analysis.BETWEENNESS_SAMPLES if networkx_big else 20
            _, t_nx = _seconds(analysis.betweenness, H, samples=k, backend="networkx")
            scaled = t_nx * analysis.BETWEENNESS_SAMPLES / k
            note = "" if networkx_big else f" (timed with {k} sources, scaled to {analysis.BETWEENNESS_SAMPLES:,})"
            print(f"betweenness, 100,000 entities, networkx: {scaled:.0f} s{note}", flush=True)
            verdicts.append(f"the same with networkx: {scaled:.0f} s{note}: {_met(scaled < 60)}")
    print()
    for v in verdicts:
        print(v)
    return 0


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _format(row: dict) -> str:
    text = (
        f"{row['entities']:>6,} entities {row['relations']:>6,} relations  max-nodes {row['max_nodes']:>5,}  "
        f"analysis {row['analysis_s']:6.2f} s  html {row['html_s']:5.2f} s {row['html_mb']:5.2f} MB"
    )
    if "stable_s" in row:
        text += (
            f"  shown {row['shown']:>5,}  stable {row['stable_s']:5.2f} s (wall {row['wall_s']:5.2f} s)  "
            f"layout {row['iterations'][0]:>4}/{row['iterations'][1]:<4} iterations  "
            f"redraw {row['redraw_s'] * 1000:4.0f} ms  errors {len(row['errors'])}"
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000,20000", help="Comma-separated entity counts.")
    parser.add_argument("--no-browser", action="store_true", help="Skip the Chromium measurements.")
    parser.add_argument("--no-100k", action="store_true", help="Skip betweenness on 100,000 entities.")
    parser.add_argument("--networkx-100k", action="store_true", help="Also run NetworkX on 100,000 (minutes).")
    parser.add_argument("--screenshot", nargs=2, metavar=("BUILD_DIR", "PNG"), help="Only take a screenshot.")
    args = parser.parse_args(argv)
    if args.screenshot:
        print(screenshot(Path(args.screenshot[0]), Path(args.screenshot[1])))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    return run(sizes, browser=not args.no_browser, big=not args.no_100k, networkx_big=args.networkx_100k)


if __name__ == "__main__":
    sys.exit(main())
