"""Tests of ``tiegraph analyze``, ``tiegraph viz`` and ``tiegraph export`` (graph.analysis_cli) through CliRunner,
on the miniature build of tests/data/network.trig; library errors reach the runner as exceptions, and the
one-line translation of ``main()`` is tested in tests/test_cli.py."""

# ruff: noqa: N803, N806 - G, H, D are graphs, as in NetworkX's own code and docs.

from __future__ import annotations

import io

import networkx as nx
import pytest
from typer.testing import CliRunner

from graph.cli import app
from graph.viz import external_resources
from ontology.errors import InputError

runner = CliRunner(env={"COLUMNS": "200"})  # wide enough that rich wraps no name


def test_analysis_cli_registers_its_commands():
    import typer

    assert {"analyze", "viz", "export"} <= set(typer.main.get_command(app).commands)


def test_analysis_cli_analyze_lists_entities_by_pagerank(network_build):
    result = runner.invoke(app, ["analyze", str(network_build)], catch_exceptions=False)
    assert result.exit_code == 0
    out = result.stdout
    assert "5 entities, 4 relations" in out
    for name in ("Acme Mining", "Zhao Minghui", "Qingdao", "Beta Metals", "Acme Party Committee"):
        assert name in out
    assert out.index("Acme Mining") < out.index("Qingdao"), "highest PageRank first"
    assert "PageR." in out and "Broker" in out


def test_analysis_cli_analyze_top_and_type(network_build):
    result = runner.invoke(app, ["analyze", str(network_build), "--top", "1"], catch_exceptions=False)
    assert "Acme Mining" in result.stdout and "Zhao Minghui" not in result.stdout
    result = runner.invoke(app, ["analyze", str(network_build), "--type", "person"], catch_exceptions=False)
    assert "Zhao Minghui" in result.stdout and "Acme Mining" not in result.stdout
    result = runner.invoke(app, ["analyze", str(network_build), "-t", "PartyCommittee"], catch_exceptions=False)
    assert "Acme Party Committee" in result.stdout and "Zhao" not in result.stdout
    result = runner.invoke(app, ["analyze", str(network_build), "-t", "Event"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == f"No Event entities in {network_build}.\n"


def test_analysis_cli_analyze_unknown_type(network_build):
    result = runner.invoke(app, ["analyze", str(network_build), "--type", "Pirate"])
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == (
        "Unknown entity type 'Pirate'. Use a core type (Person, Organization, Place, Facility, Event) "
        "or a subtype such as Company, GovernmentBody or PartyCommittee."
    )


def test_analysis_cli_analyze_prints_names_as_plain_text(tmp_path):
    (tmp_path / "graph.ttl").write_text(
        "<urn:example:x> a <https://w3id.org/tiegraph/ontology#Person> ; "
        '<http://www.w3.org/2000/01/rdf-schema#label> "[bold]Mallory[/bold] \\u001b[31mred" .\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["analyze", str(tmp_path)], catch_exceptions=False)
    assert "[bold]Mallory[/bold]" in result.stdout, "rich markup in a name is shown, not applied"
    assert "\x1b" not in result.stdout and "\ufffd[31mred" in result.stdout


def test_analysis_cli_analyze_without_a_build(tmp_path):
    result = runner.invoke(app, ["analyze", str(tmp_path)])
    assert isinstance(result.exception, InputError)
    assert "graph.ttl does not exist" in str(result.exception)


def test_analysis_cli_viz_writes_the_page(network_build):
    result = runner.invoke(app, ["viz", str(network_build)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == f"Wrote {network_build / 'graph.html'}: 5 of 5 entities.\n"
    html = (network_build / "graph.html").read_text(encoding="utf-8")
    assert "Zhao Minghui" in html and external_resources(html) == []


def test_analysis_cli_viz_max_nodes_and_output(network_build, tmp_path):
    target = tmp_path / "pages" / "top.html"
    result = runner.invoke(app, ["viz", str(network_build), "--max-nodes", "2", "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == f"Wrote {target}: 2 of 5 entities.\n"
    assert "Showing the 2 entities with the highest PageRank out of 5" in target.read_text(encoding="utf-8")
    result = runner.invoke(app, ["viz", str(network_build), "--max-nodes", "0"])
    assert result.exit_code == 2 and "--max-nodes" in result.output


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "jsonld", "gexf", "graphml", "csv"])
def test_analysis_cli_export_to_stdout_and_to_a_file(network_build, tmp_path, fmt):
    result = runner.invoke(app, ["export", str(network_build), "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout_bytes
    target = tmp_path / f"graph.{fmt}"
    result = runner.invoke(app, ["export", str(network_build), "-f", fmt.upper(), "-o", str(target)])
    assert result.exit_code == 0 and result.stderr == f"Wrote {target} ({fmt}).\n"
    if fmt != "gexf":  # GEXF records the day it was written
        assert target.read_bytes() == runner.invoke(app, ["export", str(network_build), "-f", fmt]).stdout_bytes


def test_analysis_cli_export_gexf_opens_in_networkx(network_build, tmp_path):
    runner.invoke(app, ["export", str(network_build), "-f", "gexf", "-o", str(tmp_path / "g.gexf")])
    G = nx.read_gexf(tmp_path / "g.gexf")
    assert len(G) == 5 and "pagerank" in G.nodes["urn:example:acme"]
    assert nx.read_gexf(io.BytesIO(runner.invoke(app, ["export", str(network_build), "-f", "gexf"]).stdout_bytes))


def test_analysis_cli_export_unknown_format(network_build):
    result = runner.invoke(app, ["export", str(network_build), "-f", "xml"])
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == (
        "Unknown export format 'xml'. Use one of: turtle, ntriples, nquads, trig, jsonld, gexf, graphml, csv."
    )
