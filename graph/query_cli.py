"""``tiegraph query``: SPARQL on a build folder or RDF files, from the command line (a thin layer over graph.query)."""

# ruff: noqa: B008 - typer declares options as call defaults (Arg/Opt), as in graph/cli.py

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from graph.cli import Arg, Opt, app, err
from graph.query import GRAPH_FORMATS, SOLUTION_FORMATS, library, open_target, parse_param, resolve_query, run_query
from ontology.errors import QueryError

T = TypeVar("T")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FORMATS = sorted(set(SOLUTION_FORMATS) | set(GRAPH_FORMATS))


@app.command("query")
def query_cli(
    # fmt: off
    args: list[str] | None = Arg(
        None,
        metavar="TARGET... [QUERY]",
        help="A build folder or RDF files (.ttl .trig .nt .nq .jsonld), then the query: text, @file.rq, or - for "
        "stdin. With --name, every argument is a target.",
    ),
    name: str | None = Opt(None, "--name", "-n", help="Run this library query (see --list) instead of QUERY."),
    param: list[str] | None = Opt(
        None,
        "--param",
        "-p",
        metavar="KEY=VALUE",
        help="Bind ?KEY to VALUE (a string; a number; <iri>, prefix:local or an https:// IRI; or a Turtle "
        'literal such as "2025"^^xsd:gYear). Repeat for more.',
    ),
    fmt: str | None = Opt(
        None,
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"{', '.join(FORMATS)} (default: table on a terminal, else csv for SELECT/ASK, turtle for graphs).",
    ),
    limit: int | None = Opt(None, "--limit", min=1, help="Print at most this many rows or triples."),
    list_queries: bool = Opt(False, "--list", help="List the library queries and their parameters, then exit."),
    show: bool = Opt(False, "--show", help="With --name: print the library query's text instead of running it."),
    # fmt: on
) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) on a build folder or on RDF files.

    The prefixes tg, id, rdf, rdfs, owl, xsd, skos, org, schema, prov, oa, dct and foaf are declared.
    Parameters bind variables of the SELECT clause as RDF terms, never as text in the query. Updates
    and SERVICE are refused.

    Example: tiegraph query out --name entity --param name="Baogang Group"

    Example: tiegraph query out 'SELECT ?p ?o WHERE { ?p tg:holdsPosition ?o }' --format csv
    """
    out = Console(soft_wrap=False)
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}.", param_hint="--format")
    if list_queries:
        out.print(_library_table())
        return
    args = list(args or [])
    if name is not None and show:
        text, _ = resolve_query(name=name, params={})
        typer.echo(text, nl=False)
        return
    if name is None:
        if len(args) < 2:
            msg = (
                "Name a build folder or RDF files and then the query, e.g. "
                "`tiegraph query out 'SELECT * WHERE { ?s ?p ?o } LIMIT 10'`, or run a library query with --name."
            )
            raise QueryError(msg)
        targets, sparql = args[:-1], _query_text(args[-1])
    else:
        if not args:
            msg = f"Name a build folder or RDF files to query, e.g. `tiegraph query out --name {name}`."
            raise QueryError(msg)
        targets, sparql = args, None
    store, prefixes = open_target([Path(t) for t in targets])
    params = _params(param or [], prefixes)
    text, params = resolve_query(sparql, name=name, params=params)
    result = _interruptible(lambda: run_query(store, text, params=params, limit=limit, prefixes=prefixes))
    chosen = fmt or ("table" if sys.stdout.isatty() else "turtle" if result.kind == "graph" else "csv")
    if chosen == "table" and result.kind == "graph" and fmt is None:
        chosen = "turtle"  # a graph reads best as Turtle on a terminal too
    if chosen == "table":
        out.print(result.to_table())
    else:
        data = result.serialize(chosen)
        typer.echo(data if data.endswith(b"\n") or not data else data + b"\n", nl=False)
    if result.truncated:
        err.print(f"Only the first {len(result)} results are shown (--limit {limit}).", markup=False)


def _library_table() -> Table:
    table = Table("name", "parameters", "answers", show_lines=True)
    for q in library():
        params = ", ".join(f"{p.name}{'' if not p.required else ' (required)'}" for p in q.params)
        table.add_row(q.name, params or "-", q.answers)
    table.caption = "Run one with: tiegraph query DIR --name NAME --param KEY=VALUE"
    return table


def _query_text(arg: str) -> str:
    """The query: ``-`` reads stdin, ``@path`` (or a path ending in .rq) reads the file, anything else is the text."""
    if arg == "-":
        return sys.stdin.read()
    path = Path(arg[1:]) if arg.startswith("@") else Path(arg) if arg.endswith(".rq") else None
    if path is None:
        return arg
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"Cannot read the query file {path} ({exc.strerror or exc}). Check the path after @."
        raise QueryError(msg) from exc


def _params(items: list[str], prefixes: dict[str, str]) -> dict[str, object]:
    params: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lstrip("?$")
        if not sep or not _VARIABLE.match(key):
            msg = f'--param {item!r} is not KEY=VALUE. Write it like --param name="Baogang Group".'
            raise QueryError(msg)
        params[key] = parse_param(value, prefixes)
    return params


def _interruptible(run: Callable[[], T]) -> T:
    """Run ``run`` in a worker thread so that Ctrl-C stops the command at once, even mid-query."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = run()
        except BaseException as exc:  # handed to the main thread as it is
            box["error"] = exc

    worker = threading.Thread(target=target, name="tiegraph-query", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
    except KeyboardInterrupt:
        err.print("Interrupted.", markup=False)
        sys.stderr.flush()
        os._exit(130)  # the query may still be running in native code: leave without waiting for it
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
