"""``tiegraph serve``: the SPARQL endpoint and query page of a build folder (a thin layer over graph.serve)."""

# ruff: noqa: B008 - typer declares options as call defaults (Arg/Opt), as in graph/cli.py

from __future__ import annotations

from pathlib import Path

import typer

from graph.cli import Arg, Opt, app, err
from graph.serve import DEFAULT_MAX_ROWS, DEFAULT_PORT, DEFAULT_TIMEOUT, is_loopback, serve


@app.command("serve")
def serve_cli(
    # fmt: off
    folder: Path = Arg(..., help="A build folder (made by tiegraph build)."),
    host: str = Opt("127.0.0.1", "--host", help="Address to listen on; anything but loopback is reachable by others."),
    port: int = Opt(DEFAULT_PORT, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    timeout: float = Opt(DEFAULT_TIMEOUT, "--timeout", min=0.1, help="Seconds a query may run before it is stopped."),
    max_rows: int = Opt(DEFAULT_MAX_ROWS, "--max-rows", min=1, help="Cut results off after this many rows."),
    workers: int = Opt(2, "--workers", min=1, max=64, help="Queries that may run at once (one process each)."),
    quiet: bool = Opt(False, "--quiet", "-q", help="Do not log requests."),
    # fmt: on
) -> None:
    """Serve FOLDER as a read-only SPARQL 1.1 endpoint at /sparql, with the graph page at / and a query page at /query.

    SPARQL Update and SERVICE are refused, each query has a time limit, results are capped. Listens on
    127.0.0.1 unless --host says otherwise. Ctrl-C stops it.

    Example: tiegraph serve out --port 7878
    """
    if not is_loopback(host):
        err.print(
            f"Warning: listening on {host} makes the graph readable by every machine that can reach this one. "
            "Use --host 127.0.0.1 to keep it local.",
            markup=False,
            highlight=False,
        )

    def say(message: str) -> None:
        typer.echo(message)

    serve(folder, host=host, port=port, timeout=timeout, max_rows=max_rows, workers=workers, quiet=quiet, say=say)
