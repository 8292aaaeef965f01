"""Cross-document resolution: one node per actor across the articles of a build."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS

from ontology import SCHEMA, TG

pytestmark = pytest.mark.model

ARTICLE_A = (
    "Northfield Rare Metals Group signed a supply deal with Coral Coast Minerals on Monday. "
    "Zhao Minghui, Chairman of Northfield Rare Metals Group, said the National Development and Reform "
    "Commission (NDRC) had approved the plan.\n"
)
ARTICLE_B = (
    "Northfield Rare Metals Group reported record output. The NDRC praised Northfield, and Wang Lei, "
    "general manager of Coral Coast Minerals, welcomed the news. Zhao said demand was strong.\n"
)


@pytest.fixture(scope="module")
def two_article_build(tmp_path_factory, extractor):
    from graph.api import build

    src = tmp_path_factory.mktemp("corpus")
    (src / "a.txt").write_text(ARTICLE_A, encoding="utf-8")
    (src / "b.txt").write_text(ARTICLE_B, encoding="utf-8")
    out = tmp_path_factory.mktemp("corpus-out")
    build([src], out, extractor=extractor)
    return out


def _entities_named(graph: Graph, name: str) -> set:
    return {s for s, _, o in graph.triples((None, RDFS.label, None)) if str(o) == name}


def test_corpus_same_company_in_two_articles_is_one_node(two_article_build):
    g = Graph().parse(two_article_build / "graph.ttl")
    [node] = _entities_named(g, "Northfield Rare Metals Group")
    documents = set(g.subjects(SCHEMA.mentions, node))
    assert len(documents) == 2


def test_corpus_acronym_defined_in_one_article_resolves_in_the_other(two_article_build):
    g = Graph().parse(two_article_build / "graph.ttl")
    [node] = _entities_named(g, "National Development and Reform Commission")
    assert len(set(g.subjects(SCHEMA.mentions, node))) == 2
    assert not _entities_named(g, "NDRC")


def test_corpus_bare_surname_never_links_across_articles(two_article_build):
    g = Graph().parse(two_article_build / "graph.ttl")
    [zhao] = _entities_named(g, "Zhao Minghui")
    assert len(set(g.subjects(SCHEMA.mentions, zhao))) == 1


def test_corpus_merges_are_recorded_for_audit(two_article_build):
    audit = json.loads((two_article_build / "resolution.json").read_text(encoding="utf-8"))
    rows = [row for row in audit["entities"].values() if row["label"] == "National Development and Reform Commission"]
    [row] = rows
    recorded = {(s["surface"], s["rule"]) for s in row["surfaces"]}
    assert ("National Development and Reform Commission", "cross-document") in recorded
    assert len({s["document"] for s in row["surfaces"]}) == 2


def test_corpus_entities_carry_a_link_confidence(two_article_build):
    g = Graph().parse(two_article_build / "graph.ttl")
    [node] = _entities_named(g, "Northfield Rare Metals Group")
    [conf] = list(g.objects(node, TG.confidence))
    assert 0 < float(conf) <= 1
