"""The README is part of the product: its first commands work, and every command is documented."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from graph.cli import app

FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)


@pytest.fixture(scope="module")
def readme(repo_root) -> str:
    return (repo_root / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_readme_first_code_block_holds_exactly_the_two_commands(readme):
    first = FENCE.search(readme).group(1)
    lines = [line for line in first.splitlines() if line.strip()]
    assert len(lines) == 2
    install, tests = lines
    assert "pip install" in install and "tiegraph build seeds/" in install
    assert tests.startswith("python -m pytest")


def test_readme_test_command_is_what_ci_runs(readme, repo_root):
    tests = [line for line in FENCE.search(readme).group(1).splitlines() if line.strip()][1]
    ci = (repo_root / ".ci" / "run").read_text(encoding="utf-8")
    assert tests.strip() in [line.strip() for line in ci.splitlines()]


@pytest.mark.parametrize("command", _commands())
def test_readme_documents_every_command(readme, command):
    assert f"tiegraph {command}" in readme


@pytest.mark.parametrize("command", _commands())
def test_readme_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
