"""``tiegraph analyze``, ``tiegraph viz`` and ``tiegraph export``: thin commands over graph.analysis and graph.viz.

Imported by :mod:`graph.cli`, which it registers its commands on.
"""

# ruff: noqa: B008, N806 - typer declares options as call defaults (Arg/Opt), as graph/cli.py does; G is a graph

from __future__ import annotations

import unicodedata
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from graph.cli import Arg, Opt, app
from ontology import CORE_CLASSES, SUBCLASS_OF
from ontology.errors import InputError


def _plain(text: str) -> Text:
    """Untrusted text for the terminal: no rich markup, and control characters (escape sequences) shown as ``�``."""
    return Text("".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in str(text)))


def _entity_type(name: str | None) -> str | None:
    if name is None:
        return None
    known = {t.lower(): t for t in (*CORE_CLASSES, *SUBCLASS_OF)}
    if name.lower() not in known:
        msg = (
            f"Unknown entity type {name!r}. Use a core type ({', '.join(CORE_CLASSES)}) "
            f"or a subtype such as Company, GovernmentBody or PartyCommittee."
        )
        raise InputError(msg)
    return known[name.lower()]


@app.command("analyze")
def analyze_cli(
    # fmt: off
    build_dir: Path = Arg(..., help="A build folder (or an RDF file) to analyze."),
    top: int = Opt(20, "--top", "-n", min=1, help="How many entities to list, by PageRank."),
    entity_type: str | None = Opt(
        None, "--type", "-t", help="Only entities of this type or subtype (Person, Organization, Company...)."
    ),
    # fmt: on
) -> None:
    """Rank the entities of a build: degree, betweenness, PageRank, eigenvector, community and broker score.

    The broker score is the share of shortest paths between industry organisations and political or
    government bodies that run through an entity. build writes the same figures to DIR/centrality.csv.

    Example: tiegraph analyze out --top 10 --type Person
    """
    from graph.analysis import analyze, project
    from graph.api import load_graph

    wanted = _entity_type(entity_type)
    G = project(load_graph(build_dir))
    result = analyze(G)
    rows = [v for v in result.ranking() if wanted is None or wanted in (G.nodes[v]["type"], G.nodes[v]["subtype"])]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("Entity", min_width=14, ratio=1, overflow="fold")
    table.add_column("Type", max_width=14, overflow="fold")
    for name in ("Degree", "Betw.", "PageR.", "Eigen.", "Comm.", "Broker"):
        table.add_column(name, justify="right", no_wrap=True)
    for v in rows[:top]:
        attrs, s = G.nodes[v], result.scores(v)
        table.add_row(
            _plain(attrs["label"]),
            attrs["subtype"] or attrs["type"],
            *(f"{s[k]:.3f}" for k in ("degree", "betweenness", "pagerank", "eigenvector")),
            str(s["community"]),
            f"{s['broker']:.3f}" if s["broker"] else "",
        )
    console = Console(soft_wrap=False)
    console.print(
        _plain(
            f"{build_dir}: {len(G):,} entities, {G.number_of_edges():,} relations, "
            f"{len(set(result.community.values())):,} communities"
        )
    )
    console.print(table)
    for note in result.notes:
        console.print(_plain(note))
    if wanted is not None and not rows:
        typer.echo(f"No {wanted} entities in {build_dir}.", err=True)


@app.command("viz")
def viz_cli(
    # fmt: off
    build_dir: Path = Arg(..., help="A build folder (or an RDF file)."),
    max_nodes: int = Opt(
        2000, "--max-nodes", min=1, help="Show at most this many entities, those of highest PageRank."
    ),
    output: Path | None = Opt(None, "--output", "-o", help="Where to write the page (default: DIR/graph.html)."),
    # fmt: on
) -> None:
    """Write the interactive graph page: one self-contained HTML file that works offline.

    Colours by entity type, sizes by PageRank; hover for a summary, click for the evidence sentences;
    search and filters by type and relation. build writes DIR/graph.html too.

    Example: tiegraph viz out --max-nodes 500 -o out/top500.html
    """
    from graph.analysis import analyze, project
    from graph.api import load_graph
    from graph.viz import write_html

    G = project(load_graph(build_dir))
    if output is None:
        output = (build_dir if build_dir.is_dir() else build_dir.parent) / "graph.html"
    write_html(G, output, analysis=analyze(G), max_nodes=max_nodes)
    shown = min(len(G), max_nodes)
    typer.echo(f"Wrote {output}: {shown:,} of {len(G):,} entities.")


@app.command("export")
def export_cli(
    # fmt: off
    build_dir: Path = Arg(..., help="A build folder."),
    fmt: str = Opt(..., "--format", "-f", help="turtle, ntriples, nquads, trig, jsonld, gexf, graphml or csv."),
    output: Path | None = Opt(None, "--output", "-o", help="Output file (default: standard output)."),
    # fmt: on
) -> None:
    """Export a build: RDF (turtle, ntriples, nquads, trig, jsonld), Gephi and Cytoscape (gexf, graphml), csv.

    GEXF and GraphML hold the entities with every centrality as attributes and the relations with
    their evidence; csv is the edge list, one relation a row, with its sentences and documents.

    Example: tiegraph export out --format gexf -o out/graph.gexf
    """
    from graph.analysis import EXPORT_FORMATS, export, write_export

    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        msg = f"Unknown export format {fmt!r}. Use one of: {', '.join(EXPORT_FORMATS)}."
        raise InputError(msg)
    if output is None:
        typer.echo(export(build_dir, fmt), nl=False)
        return
    write_export(build_dir, fmt, output)
    typer.echo(f"Wrote {output} ({fmt}).", err=True)
