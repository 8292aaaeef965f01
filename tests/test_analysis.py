"""Tests of graph.analysis: the projection of the RDF graph, the measures on known graphs, the CSV, the exports.

The measures are checked on networkx's Florentine families graph against NetworkX's own algorithms
(PageRank against values NetworkX computes with SciPy, which the suite does not need), and the
projection on ``tests/data/network.trig``, a build in miniature. No model is loaded here.
"""

# ruff: noqa: N803, N806 - G, H, D are graphs, as in NetworkX's own code and docs.

from __future__ import annotations

import csv
import importlib.util
import io
import json
import logging
import math
import random

import networkx as nx
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from graph import analysis
from graph.analysis import (
    CENTRALITY_COLUMNS,
    analyze,
    betweenness,
    brokers,
    centrality_csv,
    communities,
    degree,
    eigenvector,
    export,
    pagerank,
    project,
    write_analysis,
)
from ontology.errors import InputError

#: nx.pagerank(nx.florentine_families_graph()), computed with SciPy
FLORENTINE_PAGERANK = {
    "Acciaiuoli": 0.030657,
    "Albizzi": 0.079122,
    "Barbadori": 0.050301,
    "Bischeri": 0.068862,
    "Castellani": 0.069330,
    "Ginori": 0.032418,
    "Guadagni": 0.098398,
    "Lamberteschi": 0.030910,
    "Medici": 0.145817,
    "Pazzi": 0.036054,
    "Peruzzi": 0.067875,
    "Ridolfi": 0.069574,
    "Salviati": 0.061303,
    "Strozzi": 0.088098,
    "Tornabuoni": 0.071280,
}
#: the backends betweenness can run on here; igraph joins when it is installed
BACKENDS = ["networkx"] + (["igraph"] if importlib.util.find_spec("igraph") else [])
EX = "urn:example:"


@pytest.fixture(scope="module")
def florentine() -> nx.Graph:
    return nx.florentine_families_graph()


@pytest.fixture(scope="module")
def network(network_dataset) -> nx.MultiDiGraph:
    return project(network_dataset)


# --- the projection ------------------------------------------------------------------------------------------


def test_analysis_project_has_entities_only(network):
    assert sorted(network) == [EX + n for n in ("acme", "beta", "committee", "qingdao", "zhao")]


def test_analysis_project_node_attributes(network):
    assert network.nodes[EX + "zhao"] == {
        "label": "Zhao Minghui",
        "type": "Person",
        "subtype": "",
        "aliases": ["Minghui Zhao", "Zhao"],
    }
    assert network.nodes[EX + "committee"]["subtype"] == "PartyCommittee"
    # typed with a subclass only: the core class is inferred
    assert (network.nodes[EX + "beta"]["type"], network.nodes[EX + "beta"]["subtype"]) == ("Organization", "Company")


def test_analysis_project_one_edge_per_relation_with_its_evidence(network):
    assert sorted(network.edges(keys=True)) == [
        (EX + "acme", EX + "beta", "partnerOf"),
        (EX + "acme", EX + "qingdao", "locatedIn"),
        (EX + "zhao", EX + "acme", "holdsPosition"),
        (EX + "zhao", EX + "committee", "holdsPosition"),
    ]
    post = network.edges[EX + "zhao", EX + "acme", "holdsPosition"]
    assert (post["role"], post["confidence"], post["evidence_count"]) == ("Chairman", 0.9, 1)
    assert post["evidence"] == [
        {"sentence": "Zhao Minghui, Chairman of Acme Mining, spoke.", "document": EX + "doc-a", "source": "a.txt",
         "start": 0},
    ]  # fmt: skip
    partners = network.edges[EX + "acme", EX + "beta", "partnerOf"]
    assert partners["symmetric"] is True
    assert partners["evidence_count"] == 2, "stated in two documents: one edge, two statements"
    assert partners["confidence"] == 0.75, "the highest of its assertions"
    assert [e["source"] for e in partners["evidence"]] == ["a.txt", "b.txt"]
    bare = network.edges[EX + "acme", EX + "qingdao", "locatedIn"]
    assert (bare["evidence_count"], bare["confidence"], bare["evidence"]) == (0, None, [])


def test_analysis_project_of_a_graph_equals_project_of_its_dataset(network, network_build):
    G = project(Graph().parse(network_build / "graph.ttl"))
    assert nx.utils.graphs_equal(G, network)


def test_analysis_project_of_the_seed_build_matches_its_report(seed_graph, seed_report):
    G = project(seed_graph)
    assert len(G) == seed_report["entities"]
    assert sum(d["evidence_count"] for _, _, d in G.edges(data=True)) == seed_report["relations"]


# --- the measures on known graphs ------------------------------------------------------------------------------


def test_analysis_degree_matches_networkx(florentine):
    assert degree(florentine) == pytest.approx(nx.degree_centrality(florentine))
    assert degree(florentine)["Medici"] == pytest.approx(6 / 14)


@pytest.mark.parametrize("backend", BACKENDS)
def test_analysis_betweenness_is_exact_on_small_graphs(florentine, backend):
    result = betweenness(florentine, backend=backend)
    assert result == pytest.approx(nx.betweenness_centrality(florentine), abs=1e-12)
    assert result["Medici"] == pytest.approx(0.521978, abs=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_analysis_betweenness_samples_sources_above_the_exact_size(florentine, backend):
    result = betweenness(florentine, exact_max=10, samples=6, seed=3, backend=backend)
    assert result == betweenness(florentine, exact_max=10, samples=6, seed=3, backend=backend), "deterministic"
    # the estimator: the sampled sources' path shares, scaled by n / k, normalized as the exact measure
    n, k = len(florentine), 6
    sources = random.Random(3).sample(sorted(florentine), k)
    subset = nx.betweenness_centrality_subset(florentine, sources, list(florentine))
    expected = {v: 2 * x * n / k / ((n - 1) * (n - 2)) for v, x in subset.items()}
    assert result == pytest.approx(expected, abs=1e-12)
    assert result != pytest.approx(betweenness(florentine, exact_max=10, samples=6, seed=4, backend=backend))


def test_analysis_betweenness_backends_agree():
    G = nx.barabasi_albert_graph(300, 2, seed=1)
    reference = betweenness(G, exact_max=100, samples=40, backend="networkx")
    for backend in BACKENDS:
        assert betweenness(G, exact_max=100, samples=40, backend=backend) == pytest.approx(reference, abs=1e-12)


def test_analysis_betweenness_unknown_backend(florentine):
    with pytest.raises(ValueError, match=r"^Unknown graph backend 'gpu'\. Use 'igraph' or 'networkx'\.$"):
        betweenness(florentine, backend="gpu")


def test_analysis_pagerank_matches_networkx_with_scipy(florentine):
    assert pagerank(florentine) == pytest.approx(FLORENTINE_PAGERANK, abs=1e-6)
    assert sum(pagerank(florentine).values()) == pytest.approx(1.0)


def test_analysis_pagerank_directed_with_dangling_nodes():
    # nx.pagerank(D, tol=1e-10, max_iter=1000); node 4 has no outgoing edge
    D = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 0), (3, 4)])
    expected = {0: 0.307544, 1: 0.301004, 2: 0.295444, 3: 0.039591, 4: 0.056417}
    assert pagerank(D, max_iter=1000) == pytest.approx(expected, abs=1e-6)


def test_analysis_pagerank_counts_symmetric_relations_both_ways():
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="partnerOf", symmetric=True)
    assert pagerank(G) == pytest.approx({"a": 0.5, "b": 0.5})


def test_analysis_pagerank_raises_when_it_does_not_converge(florentine):
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank(florentine, max_iter=2)


def test_analysis_eigenvector_matches_networkx(florentine):
    assert eigenvector(florentine) == pytest.approx(nx.eigenvector_centrality(florentine, tol=1e-10), abs=1e-6)
    assert eigenvector(florentine)["Medici"] == pytest.approx(0.430315, abs=1e-5)


def test_analysis_eigenvector_falls_back_to_scaled_degree(florentine, caplog):
    with caplog.at_level(logging.WARNING, logger="tiegraph"):
        result = eigenvector(florentine, max_iter=2)
    assert "did not converge in 2 iterations; using scaled degree instead" in caplog.text
    norm = math.sqrt(sum(d * d for _, d in florentine.degree()))
    assert result == pytest.approx({v: d / norm for v, d in florentine.degree()})


def test_analysis_communities_are_seeded_and_numbered_by_size():
    triangle, square = [(0, 1), (1, 2), (0, 2)], [(10, 11), (11, 12), (12, 13), (13, 10), (10, 12), (11, 13)]
    G = nx.Graph([*triangle, *square, (2, 10)])
    found = communities(G)
    assert found == communities(G) == {0: 1, 1: 1, 2: 1, 10: 0, 11: 0, 12: 0, 13: 0}


def test_analysis_communities_of_the_florentines(florentine):
    found = communities(florentine)
    assert found == communities(florentine)
    assert set(found.values()) == set(range(len(set(found.values()))))
    assert found["Medici"] == found["Tornabuoni"]


def test_analysis_brokers_lie_between_industry_and_politics(network):
    # (Acme, Committee): Acme - Zhao - Committee; (Beta, Committee): Beta - Acme - Zhao - Committee
    assert brokers(network) == pytest.approx({EX + "zhao": 1.0, EX + "acme": 0.5})
    assert list(brokers(network)) == [EX + "zhao", EX + "acme"], "highest first"


@pytest.mark.parametrize("backend", BACKENDS)
def test_analysis_brokers_on_the_florentines(florentine, backend):
    found = brokers(florentine, industry=["Medici", "Strozzi"], political=["Pazzi", "Lamberteschi"], backend=backend)
    assert found == pytest.approx(
        {
            "Guadagni": 0.5,
            "Salviati": 0.5,
            "Bischeri": 0.25,
            "Medici": 0.25,
            "Ridolfi": 0.25,
            "Albizzi": 0.125,
            "Tornabuoni": 0.125,
        }  # fmt: skip
    )


def test_analysis_brokers_need_both_sides(florentine):
    assert brokers(florentine) == {}, "no subtypes: no industry, no politics"
    assert brokers(florentine, industry=["Medici"], political=[]) == {}


@pytest.mark.parametrize("G", [nx.MultiDiGraph(), nx.Graph([(1, 2)]), nx.empty_graph(3)], ids=["empty", "edge", "none"])
def test_analysis_analyze_small_and_empty_graphs(G):
    result = analyze(G)
    assert set(result.degree) == set(result.pagerank) == set(result.community) == set(G)
    assert result.betweenness_sources is None and result.eigenvector_method in ("power iteration", "none")


def test_analysis_analyze_notes_sampling(monkeypatch, florentine):
    monkeypatch.setattr(analysis, "EXACT_BETWEENNESS_MAX", 10)
    monkeypatch.setattr(analysis, "BETWEENNESS_SAMPLES", 5)
    result = analyze(florentine)
    assert result.betweenness_sources == 5
    assert result.notes == ("Betweenness estimated from 5 sampled source entities (seed 42).",)


# --- centrality.csv ------------------------------------------------------------------------------------------


def test_analysis_centrality_csv_rows(network):
    rows = list(csv.DictReader(io.StringIO(centrality_csv(network, analyze(network)))))
    assert tuple(rows[0]) == CENTRALITY_COLUMNS
    assert [r["iri"] for r in rows][:2] == [EX + "acme", EX + "zhao"], "by PageRank, highest first"
    ranks = [float(r["pagerank"]) for r in rows]
    assert ranks == sorted(ranks, reverse=True)
    zhao = next(r for r in rows if r["iri"] == EX + "zhao")
    assert (zhao["label"], zhao["type"], zhao["degree"]) == ("Zhao Minghui", "Person", "0.5")


def test_analysis_centrality_csv_ties_are_sorted_by_iri():
    G = nx.Graph([("b", "x"), ("a", "x"), ("c", "x")])
    rows = list(csv.reader(io.StringIO(centrality_csv(G, analyze(G)))))
    assert [r[0] for r in rows[1:]] == ["x", "a", "b", "c"]


def test_analysis_centrality_csv_labels_are_not_formulas():
    G = nx.Graph()
    G.add_node("urn:example:f", label='=HYPERLINK("http://x.test","click")', type="Organization")
    rows = list(csv.reader(io.StringIO(centrality_csv(G, analyze(G)))))
    assert rows[1][1] == '\'=HYPERLINK("http://x.test","click")'


def test_analysis_write_analysis_writes_the_csv_and_the_page(tmp_path, network_dataset):
    write_analysis(tmp_path, network_dataset)
    first = (tmp_path / "centrality.csv").read_bytes(), (tmp_path / "graph.html").read_bytes()
    write_analysis(tmp_path, network_dataset)
    assert ((tmp_path / "centrality.csv").read_bytes(), (tmp_path / "graph.html").read_bytes()) == first
    assert first[0].decode().count("\n") == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["centrality.csv", "graph.html"]


# --- exports -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld")])
def test_analysis_export_rdf_graphs(network_build, fmt, rdflib_format):
    data = export(network_build, fmt)
    assert data == export(network_build, fmt), "deterministic"
    exported = Dataset()
    exported.parse(data=data, format=rdflib_format)
    union = Graph()
    for s, p, o, _ in exported.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(union, Graph().parse(network_build / "graph.ttl"))


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("nquads", "nquads"), ("trig", "trig")])
def test_analysis_export_keeps_named_graphs(network_build, network_dataset, fmt, rdflib_format):
    data = export(network_build, fmt)
    assert data == export(network_build, fmt)
    ds = Dataset()
    ds.parse(data=data, format=rdflib_format)
    named = {str(g.identifier) for g in ds.graphs() if len(g) and g.identifier != ds.default_graph.identifier}
    assert named == {EX + "graph-a", EX + "graph-b"}
    assert len(list(ds.quads((None, None, None, None)))) == len(list(network_dataset.quads((None, None, None, None))))


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_analysis_export_network_formats_carry_the_centralities(network_build, fmt):
    read = nx.read_gexf if fmt == "gexf" else nx.read_graphml
    G = read(io.BytesIO(export(network_build, fmt)))
    assert sorted(G) == [EX + n for n in ("acme", "beta", "committee", "qingdao", "zhao")]
    zhao = G.nodes[EX + "zhao"]
    assert zhao["type"] == "Person" and zhao["aliases"] == "Minghui Zhao; Zhao"
    assert {"degree", "betweenness", "pagerank", "eigenvector", "community", "broker"} <= set(zhao)
    assert zhao["broker"] == pytest.approx(1.0)
    assert G.number_of_edges() == 4
    edge = next(d for u, v, d in G.edges(data=True) if d["predicate"] == "holdsPosition" and d["role"] == "Chairman")
    assert json.loads(edge["sentences"]) == ["Zhao Minghui, Chairman of Acme Mining, spoke."]
    assert edge["evidence_count"] == 1 and edge["confidence"] == pytest.approx(0.9)


def test_analysis_export_network_formats_hold_only_valid_xml_text(tmp_path):
    (tmp_path / "graph.ttl").write_text(
        "<urn:example:x> a <https://w3id.org/tiegraph/ontology#Person> ; "
        '<http://www.w3.org/2000/01/rdf-schema#label> "Bad\\u0001name <&>" .\n',
        encoding="utf-8",
    )
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        G = read(io.BytesIO(export(tmp_path, fmt)))
        assert G.nodes["urn:example:x"]["label"] == "Bad\ufffdname <&>"


def test_analysis_export_csv_edge_list(network_build):
    rows = list(csv.DictReader(io.StringIO(export(network_build, "csv").decode("utf-8"))))
    assert [(r["source_label"], r["predicate"], r["target_label"]) for r in rows] == [
        ("Acme Mining", "locatedIn", "Qingdao"),
        ("Acme Mining", "partnerOf", "Beta Metals"),
        ("Zhao Minghui", "holdsPosition", "Acme Mining"),
        ("Zhao Minghui", "holdsPosition", "Acme Party Committee"),
    ]
    partners = rows[1]
    assert partners["evidence_count"] == "2" and partners["confidence"] == "0.75"
    assert json.loads(partners["sentences"])[1] == '=HYPERLINK("x") Acme and Beta Metals formed a joint venture.'
    assert json.loads(partners["documents"]) == [EX + "doc-a", EX + "doc-b"]


def test_analysis_export_unknown_format(network_build):
    with pytest.raises(InputError, match=r"^Unknown export format 'xml'\. Use one of: turtle, ntriples, nquads, "):
        export(network_build, "xml")


def test_analysis_export_without_a_build(tmp_path):
    with pytest.raises(InputError, match=r"graph\.ttl does not exist\. Run `tiegraph build INPUT --out "):
        export(tmp_path, "gexf")


def test_analysis_annotate_stores_the_measures_on_the_nodes(network):
    G = network.copy()
    result = analyze(G)
    assert analysis.annotate(G, result) is G
    assert G.nodes[EX + "zhao"]["broker"] == pytest.approx(1.0)
    assert G.nodes[EX + "zhao"]["pagerank"] == result.pagerank[EX + "zhao"]
    assert "pagerank" not in network.nodes[EX + "zhao"], "the copy only"
