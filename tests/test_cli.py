"""Tests of the ``tiegraph`` command line (graph.cli) through typer's CliRunner, and of its error line.

Builds reuse the session's extractors (the ``session_models`` fixture), so the model is not loaded again.
The one-line error translation lives in ``main()``, which the runner bypasses: it is tested in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from graph.cli import app

runner = CliRunner()

BAD_TURTLE = """
@prefix ex: <urn:example:> .
@prefix tg: <https://w3id.org/tiegraph/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

ex:zhao a tg:Person ; rdfs:label "Zhao Minghui" .
ex:northfield a tg:Organization ; rdfs:label "Northfield Rare Metals Group" .
ex:zhao tg:holdsPosition ex:northfield .
# an assertion without evidence (no prov:wasDerivedFrom)
ex:a1 a tg:Assertion ;
    rdf:subject ex:zhao ; rdf:predicate tg:holdsPosition ; rdf:object ex:northfield ;
    tg:role "Chairman" ; tg:confidence 0.9 ; prov:wasGeneratedBy ex:run1 .
ex:run1 a prov:Activity .
"""


def commands() -> list[str]:
    return sorted(typer.main.get_command(app).commands)


def test_cli_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == "tiegraph 0.1.0\n"


def test_cli_has_the_commands():
    assert {"build", "validate", "eval"} <= set(commands())


@pytest.mark.parametrize("command", commands())
def test_cli_command_help_has_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"tiegraph {command}" in result.stdout


@pytest.mark.model
def test_cli_build(session_models, repo_root, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(repo_root / "seeds"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Built {out}: 1 document(s), ")
    assert (out / "graph.ttl").is_file() and (out / "graph.trig").is_file()
    assert result.stderr == ""


@pytest.mark.model
def test_cli_build_quiet(session_models, repo_root, tmp_path):
    result = runner.invoke(app, ["build", str(repo_root / "seeds"), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0
    assert result.output == ""


@pytest.mark.model
def test_cli_build_with_bad_files_exits_2(session_models, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("Northfield Rare Metals Group is based in Qingdao.\n", encoding="utf-8")
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    result = runner.invoke(app, ["build", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stdout.startswith(f"Built {tmp_path / 'out'}: 1 document(s), ")
    # each problem is reported with its file and reason (rich may wrap a long one over two lines: not pinned here)
    reported = " ".join(result.stderr.split())
    assert reported == (
        "failed: binary.txt: this looks like a binary file, not an article. Remove it from the input. "
        "skipped: empty.txt: the file is empty."
    )


@pytest.mark.model
def test_cli_validate(seed_build):
    result = runner.invoke(app, ["validate", str(seed_build.out)])
    assert result.exit_code == 0
    assert result.stdout == f"{seed_build.out} conforms to the tiegraph shapes.\n"


def test_cli_validate_bad_graph_exits_1(tmp_path):
    path = tmp_path / "bad.ttl"
    path.write_text(BAD_TURTLE, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "prov:wasDerivedFrom" in result.stdout
    assert result.stderr == f"{path} does not conform: 1 violation(s).\n"


@pytest.mark.model
def test_cli_eval_json(seed_build, gold_file):
    result = runner.invoke(app, ["eval", "--gold", str(gold_file), str(seed_build.out), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert {"entities", "relations"} <= set(scores)
    assert {"precision", "recall", "f1"} <= set(scores["entities"]) & set(scores["relations"])
    assert scores["entities"]["f1"] >= 0.95


@pytest.mark.model
def test_cli_eval_tables(seed_build, gold_file):
    result = runner.invoke(app, ["eval", "--gold", str(gold_file), str(seed_build.out)])
    assert result.exit_code == 0, result.output
    assert "F1" in result.stdout


def test_cli_missing_input_is_one_line_without_traceback(tmp_path, repo_root):
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    run = subprocess.run(
        [sys.executable, "-m", "graph.cli", "build", "no/such/path"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert run.stderr == "Error: Input 'no/such/path' does not exist. Pass files or folders of articles.\n"
    assert run.stdout == ""
    assert not (tmp_path / "out").exists()
