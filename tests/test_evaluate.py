"""Tests for graph.evaluate: scoring a graph against a gold annotation.

The graphs are small Turtle strings with ``urn:example:`` IRIs and the gold is
written by hand, so each test pins one rule of the scoring semantics. The
parity tests run the reference scorer ``shared/eval/score.py`` on the same
inputs and expect the same numbers and the same listed lines.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph
from rich.console import Console

from graph.evaluate import (
    RELATIONS,
    EntityScores,
    EvalResult,
    Gold,
    RelationScores,
    aggregate,
    graph_for_document,
    load_build,
    load_gold,
    parse_gold,
    render,
    score_graph,
)
from ontology.errors import GoldFormatError, InputError, TiegraphError

REFERENCE_SCORER = Path(__file__).parents[2] / "shared" / "eval" / "score.py"

PREFIXES = """
@prefix tg: <https://w3id.org/tiegraph/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <urn:example:> .
"""

MENG = 'ex:meng a tg:Person ; rdfs:label "Meng Fanying" .\n'
ENTITIES = """
ex:baogang a tg:Organization ; rdfs:label "Baogang Group" ; skos:altLabel "Baogang" .
ex:jiusan a tg:Organization ; rdfs:label "Jiusan Society" .
ex:ceremony a tg:Event ; rdfs:label "unveiling ceremony" .
ex:museum a tg:Facility ; rdfs:label "Rare Earth Museum" .
ex:baotou a tg:Place ; rdfs:label "Baotou" .
"""
RELATIONS_TTL = """
ex:meng tg:holdsPosition ex:baogang .
ex:jiusan tg:linkedTo ex:baogang .
ex:ceremony tg:heldAt ex:museum .
ex:baogang tg:organized ex:ceremony .
ex:museum tg:locatedIn ex:baotou .
"""
HOLDS = "ex:meng tg:holdsPosition ex:baogang .\n"
# One assertion naming the post of ex:meng at ex:baogang.
CHAIRMAN = """
[] a tg:Assertion ; rdf:subject ex:meng ; rdf:predicate tg:holdsPosition ; rdf:object ex:baogang ;
   tg:role "Chairman" .
"""
PERFECT = MENG + ENTITIES + RELATIONS_TTL + CHAIRMAN

GOLD: dict[str, Any] = {
    "document": "seeds/article.txt",
    "entities": [
        {"id": "meng", "type": "Person", "names": ["Meng Fanying", "Meng"]},
        {"id": "baogang", "type": "Organization", "names": ["Baogang Group", "Baogang"]},
        {"id": "jiusan", "type": "Organization", "names": ["Jiusan Society"]},
        {"id": "ceremony", "type": "Event", "match": "contains", "names": ["ceremony"]},
        {"id": "museum", "type": "Facility", "names": ["Rare Earth Museum"]},
        {"id": "baotou", "type": "Place", "names": ["Baotou"]},
        {"id": "china", "type": "Place", "optional": True, "names": ["China"]},
    ],
    "relations": [
        {"s": "meng", "p": "holdsPosition", "o": "baogang", "role": "Chair"},
        {"s": "jiusan", "p": "linkedTo", "o": "baogang"},
        {"any": [{"s": "ceremony", "p": "heldAt", "o": "museum"}, {"s": "ceremony", "p": "heldAt", "o": "baotou"}]},
        {"s": "baogang", "p": "organized", "o": "ceremony"},
        {"s": "museum", "p": "locatedIn", "o": "baotou"},
        {"s": "baotou", "p": "locatedIn", "o": "china", "optional": True},
    ],
}

# A tiny ontology: one subclass and one subproperty of the core vocabulary.
ONTOLOGY = """
ex:Company rdfs:subClassOf tg:Organization .
ex:chairs rdfs:subPropertyOf tg:holdsPosition .
"""


def parse(*chunks: str) -> Graph:
    """Parse Turtle chunks, with the test prefixes, into one graph."""
    return Graph().parse(data=PREFIXES + "".join(chunks), format="turtle")


def swap(text: str, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` in ``text``, failing if ``old`` is absent."""
    assert old in text, f"{old!r} is not in the test graph"
    return text.replace(old, new)


def gold_data(**changes: Any) -> dict[str, Any]:
    """Return a fresh copy of GOLD with some top-level keys replaced."""
    data = copy.deepcopy(GOLD)
    data.update(copy.deepcopy(changes))
    return data


def score(ttl: str, gold: dict[str, Any] | None = None, ontology: str | None = None) -> EvalResult:
    onto = parse(ontology) if ontology is not None else None
    return score_graph(parse(ttl), parse_gold(gold if gold is not None else gold_data()), ontology=onto)


# Scenarios shared by the behaviour tests and the parity test: (graph, gold, ontology).
SPLIT_ROLES_GOLD = gold_data(
    relations=[
        {"s": "meng", "p": "holdsPosition", "o": "baogang", "role": "Party Secretary"},
        {"s": "meng", "p": "holdsPosition", "o": "baogang", "role": "Chairman"},
    ]
)
SCENARIOS: dict[str, tuple[str, dict[str, Any], str | None]] = {
    "perfect": (PERFECT, GOLD, None),
    "empty": ("", GOLD, None),
    "duplicate": (PERFECT + 'ex:baogang2 a tg:Organization ; rdfs:label "Baogang" .', GOLD, None),
    "wrong-type": (swap(PERFECT, "ex:meng a tg:Person", "ex:meng a tg:Organization"), GOLD, None),
    "no-gold-entity": (PERFECT + 'ex:acme a tg:Organization ; rdfs:label "Acme" .', GOLD, None),
    "symmetric-reversed": (
        swap(PERFECT, "ex:jiusan tg:linkedTo ex:baogang", "ex:baogang tg:linkedTo ex:jiusan"),
        GOLD,
        None,
    ),
    "directed-reversed": (
        swap(PERFECT, "ex:museum tg:locatedIn ex:baotou", "ex:baotou tg:locatedIn ex:museum"),
        GOLD,
        None,
    ),
    "other-alternative": (
        swap(PERFECT, "ex:ceremony tg:heldAt ex:museum", "ex:ceremony tg:heldAt ex:baotou"),
        GOLD,
        None,
    ),
    "both-alternatives": (PERFECT + "ex:ceremony tg:heldAt ex:baotou .", GOLD, None),
    "optional": (PERFECT + 'ex:china a tg:Place ; rdfs:label "China" .\nex:baotou tg:locatedIn ex:china .', GOLD, None),
    "untyped-end": (PERFECT + "ex:meng tg:holdsPosition ex:nowhere .\nex:baogang tg:owns ex:jiusan .", GOLD, None),
    "split-roles": (
        MENG + ENTITIES + HOLDS + swap(CHAIRMAN, '"Chairman"', '"Party Secretary and Chairman"'),
        SPLIT_ROLES_GOLD,
        None,
    ),
    "split-roles-one-missing": (
        MENG + ENTITIES + HOLDS + swap(CHAIRMAN, '"Chairman"', '"Chair"'),
        SPLIT_ROLES_GOLD,
        None,
    ),
    "subclass": (
        swap(PERFECT, "ex:baogang a tg:Organization", "ex:baogang a ex:Company").replace(
            "ex:meng tg:holdsPosition ex:baogang", "ex:meng ex:chairs ex:baogang"
        ),
        GOLD,
        ONTOLOGY,
    ),
}


def scenario(name: str) -> EvalResult:
    ttl, gold, ontology = SCENARIOS[name]
    return score(ttl, gold, ontology)


# --------------------------------------------------------------------------- scoring


def test_evaluate_perfect_graph_scores_one() -> None:
    result = scenario("perfect")
    assert result.entities == EntityScores(tp=6, fp=0, fn=0)
    assert result.relations == RelationScores(
        correct_triples=5, fp=0, gold_found=5, gold_required=5, roles_found=1, roles_total=1
    )
    assert (result.entities.precision, result.entities.recall, result.entities.f1) == (1.0, 1.0, 1.0)
    assert (result.relations.precision, result.relations.recall, result.relations.f1) == (1.0, 1.0, 1.0)
    assert result.document == "seeds/article.txt"
    assert not (result.entity_misses or result.entity_false_positives or result.relation_misses)
    assert not (result.relation_false_positives or result.role_misses)


def test_evaluate_empty_graph_scores_zero() -> None:
    result = scenario("empty")
    assert result.entities == EntityScores(tp=0, fp=0, fn=6)
    assert (result.entities.precision, result.relations.recall, result.relations.f1) == (0.0, 0.0, 0.0)
    assert result.relation_misses[2] == "ceremony --heldAt--> museum | ceremony --heldAt--> baotou"
    assert result.role_misses == ("'Chair': the relation itself was not found",)


def test_evaluate_duplicate_node_counts_false_positive() -> None:
    result = scenario("duplicate")
    assert result.entities == EntityScores(tp=6, fp=1, fn=0)
    # In label order "Baogang" comes first, so it finds the entity and "Baogang Group" is the duplicate.
    assert result.entity_false_positives == (
        "Baogang Group (Organization): duplicate of an entity already found [baogang]",
    )


def test_evaluate_wrong_type_counts_false_positive() -> None:
    result = scenario("wrong-type")
    assert result.entities == EntityScores(tp=5, fp=1, fn=1)
    assert result.entity_false_positives == ("Meng Fanying (Organization): wrong type, gold is Person [meng]",)
    assert result.entity_misses == ("Meng Fanying (Person)",)


def test_evaluate_entity_without_gold_counts_false_positive() -> None:
    result = scenario("no-gold-entity")
    assert result.entities == EntityScores(tp=6, fp=1, fn=0)
    assert result.entity_false_positives == ("Acme (Organization): no gold entity",)


@pytest.mark.parametrize(
    ("name", "correct", "fp", "found"),
    [
        ("symmetric-reversed", 5, 0, 5),  # linkedTo is symmetric: either direction states the fact
        ("directed-reversed", 4, 1, 4),  # locatedIn is not
    ],
)
def test_evaluate_symmetric_relation_reversed_matches(name: str, correct: int, fp: int, found: int) -> None:
    relations = scenario(name).relations
    assert (relations.correct_triples, relations.fp, relations.gold_found) == (correct, fp, found)


def test_evaluate_any_alternative_matches() -> None:
    result = scenario("other-alternative")
    assert result.relations.gold_found == result.relations.gold_required == 5
    assert result.relations.fp == 0


def test_evaluate_any_alternatives_are_one_fact() -> None:
    relations = scenario("both-alternatives").relations
    # Two correct triples, one gold fact found.
    assert (relations.correct_triples, relations.fp, relations.gold_found, relations.gold_required) == (6, 0, 5, 5)


def test_evaluate_optional_items_neither_required_nor_false_positive() -> None:
    result = scenario("optional")
    assert result.entities == EntityScores(tp=6, fp=0, fn=0)
    assert result.relations == scenario("perfect").relations
    assert result.relation_type("locatedIn").predicted == 2
    assert result.relation_type("locatedIn").correct == 1


def test_evaluate_relation_end_not_typed_entity_is_false_positive() -> None:
    result = scenario("untyped-end")
    assert result.relations.fp == 2
    assert result.relation_false_positives == (
        "Baogang Group --owns--> Jiusan Society",
        "urn:example:meng --holdsPosition--> urn:example:nowhere: an end is not a typed entity",
    )


def test_evaluate_literal_relation_end_is_false_positive() -> None:
    result = score(PERFECT + 'ex:meng tg:holdsPosition "Baogang" .')
    assert result.relations.fp == 1
    assert result.relation_false_positives == (
        "urn:example:meng --holdsPosition--> Baogang: an end is not a typed entity",
    )


@pytest.mark.parametrize(
    ("gold_role", "predicted_role", "found"),
    [
        ("Chair", "Chairman", True),
        ("Chair", "Chairwoman", True),
        ("Chairman", "Chair of the Board", True),
        ("Vice Chair", "Deputy Chairman", True),
        ("Chief Executive Officer", "CEO", True),
        ("General Manager", "Manager General", True),  # word order is ignored
        ("Chair", "Party Secretary", False),
        ("Vice Chair", "Chair", True),  # one set of words contains the other
    ],
)
def test_evaluate_role_matching(gold_role: str, predicted_role: str, found: bool) -> None:
    gold = gold_data(relations=[{"s": "meng", "p": "holdsPosition", "o": "baogang", "role": gold_role}])
    result = score(MENG + ENTITIES + HOLDS + swap(CHAIRMAN, '"Chairman"', json.dumps(predicted_role)), gold)
    assert (result.relations.roles_found, result.relations.roles_total) == (int(found), 1)


def test_evaluate_role_as_labelled_node() -> None:
    ttl = MENG + ENTITIES + HOLDS + swap(CHAIRMAN, '"Chairman"', '[ rdfs:label "Chairman" ]')
    assert score(ttl).relations.roles_found == 1


def test_evaluate_split_roles_are_one_fact_with_two_posts() -> None:
    result = scenario("split-roles")
    assert (result.relations.gold_found, result.relations.gold_required) == (1, 1)
    assert (result.relations.roles_found, result.relations.roles_total) == (2, 2)
    partial = scenario("split-roles-one-missing")
    assert (partial.relations.roles_found, partial.relations.roles_total) == (1, 2)
    assert partial.role_misses == ("'Party Secretary' not among ['Chair']",)


def test_evaluate_subclass_and_subproperty_follow_ontology() -> None:
    ttl, gold, ontology = SCENARIOS["subclass"]
    assert score(ttl, gold, ontology) == scenario("perfect")
    without = score(ttl, gold)
    assert without.entities == EntityScores(tp=5, fp=0, fn=1)
    # Baogang Group is no entity, and ex:chairs no relation: three of the five facts are lost.
    assert without.relations.gold_found == 2


def test_evaluate_per_relation_rows_add_up_to_totals() -> None:
    result = score(SCENARIOS["untyped-end"][0] + "ex:ceremony tg:heldAt ex:baotou .")
    assert [row.relation for row in result.per_relation] == list(RELATIONS)
    rows = result.per_relation
    assert sum(row.correct for row in rows) == result.relations.correct_triples
    assert sum(row.fp for row in rows) == result.relations.fp
    assert sum(row.found for row in rows) == result.relations.gold_found
    assert sum(row.gold_required for row in rows) == result.relations.gold_required
    held_at = result.relation_type("heldAt")
    assert (held_at.gold_required, held_at.found, held_at.predicted, held_at.correct, held_at.fp) == (1, 1, 2, 2, 0)
    owns = result.relation_type("owns")
    assert (owns.predicted, owns.fp, owns.precision, owns.recall) == (1, 1, 0.0, 0.0)


def test_evaluate_to_dict_keys() -> None:
    data = scenario("perfect").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data["per_relation"]) == set(RELATIONS)
    assert data["per_relation"]["holdsPosition"] == {
        "gold_required": 1,
        "found": 1,
        "predicted": 1,
        "correct": 1,
        "fp": 0,
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
    }
    assert data["relations"]["roles_found"] == data["relations"]["roles_total"] == 1


def test_evaluate_aggregate_of_two_results() -> None:
    perfect, wrong = scenario("perfect"), scenario("wrong-type")
    wrong = EvalResult(**{**wrong.__dict__, "documents": ("seeds/other.txt",)})
    total = aggregate([perfect, wrong])
    assert total.documents == ("seeds/article.txt", "seeds/other.txt")
    assert total.document is None
    assert total.entities == EntityScores(tp=11, fp=1, fn=1)
    assert total.entities.precision == pytest.approx(11 / 12)
    assert total.relations.correct_triples == perfect.relations.correct_triples + wrong.relations.correct_triples
    assert total.relations.gold_required == 10
    assert total.relations.recall == pytest.approx((perfect.relations.gold_found + wrong.relations.gold_found) / 10)
    assert total.relation_type("holdsPosition").gold_required == 2
    assert total.entity_misses == ("seeds/other.txt: Meng Fanying (Person)",)
    assert aggregate([perfect]) == perfect


def test_evaluate_aggregate_needs_a_result() -> None:
    with pytest.raises(ValueError, match=r"^aggregate\(\) needs at least one result to combine\.$"):
        aggregate([])


def test_evaluate_render_prints_tables() -> None:
    console = Console(record=True, width=160, color_system=None)
    render(scenario("wrong-type"), console, verbose=True)
    text = console.export_text()
    for expected in ("Scores: seeds/article.txt", "Relations by type", "participatedIn", "Entity misses (1)"):
        assert expected in text
    assert "Meng Fanying (Organization): wrong type, gold is Person [meng]" in text
    quiet = Console(record=True, width=160, color_system=None)
    render(scenario("wrong-type"), quiet, verbose=False)
    assert "Entity misses" not in quiet.export_text()


# --------------------------------------------------------------------------- gold files


def write_gold(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "gold.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_evaluate_load_gold_reads_file(tmp_path: Path) -> None:
    path = write_gold(tmp_path, GOLD)
    gold = load_gold(path)
    assert isinstance(gold, Gold)
    assert gold.document == "seeds/article.txt"
    assert gold.source == str(path)
    assert [e["id"] for e in gold.entities][:2] == ["meng", "baogang"]
    assert gold.relations[2]["any"][1] == {"s": "ceremony", "p": "heldAt", "o": "baotou"}


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _without(GOLD, "relations"),
            "the file has no 'relations'. Add the list of the article's relations; it may be empty.",
        ),
        (
            _without(GOLD, "document"),
            "the file has no 'document'. Add the file name of the article it annotates, "
            'e.g. "document": "article.txt".',
        ),
        (
            gold_data(entities=[GOLD["entities"][0], _without(GOLD["entities"][1], "names")]),
            "entity 2 has no 'names'. List the names the article uses for it, the preferred name first.",
        ),
        (
            gold_data(relations=[{"s": "meng", "p": "holdsPosition"}]),
            "relation 1 has no 'o'. Give 's', 'p' and 'o', or list alternatives under 'any'.",
        ),
        (
            gold_data(relations=[*GOLD["relations"][:2], {"s": "baogang", "p": "owns", "o": "foo"}]),
            "relation 3 refers to entity 'foo', which is not declared in 'entities'. Declare it or fix the id.",
        ),
        (
            gold_data(
                relations=[
                    {
                        "any": [
                            {"s": "meng", "p": "memberOf", "o": "jiusan"},
                            {"s": "bar", "p": "memberOf", "o": "jiusan"},
                        ]
                    }
                ]
            ),
            "relation 1, alternative 2 refers to entity 'bar', which is not declared in 'entities'. "
            "Declare it or fix the id.",
        ),
        (
            gold_data(relations=[{"s": "meng", "p": "holdPosition", "o": "baogang"}]),
            "relation 1 uses the relation 'holdPosition', which is not a core relation. Did you mean 'holdsPosition'?",
        ),
        (
            gold_data(entities=[*GOLD["entities"], {"id": "meng", "type": "Person", "names": ["Meng"]}]),
            "entity 8 has the id 'meng', which entity 1 already uses. Give each entity its own id.",
        ),
        (
            gold_data(entities=[{"id": "meng", "type": "Human", "names": ["Meng"]}], relations=[]),
            "entity 1 ('meng') has the type 'Human', which is not one of Person, Organization, Place, Facility, "
            "Event, Other. Use one of those.",
        ),
        (
            gold_data(relations=[{"s": "meng", "p": "memberOf", "o": "jiusan", "optinal": True}]),
            "relation 1 has the unknown key 'optinal'. Did you mean 'optional'?",
        ),
    ],
)
def test_evaluate_load_gold_errors(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    path = write_gold(tmp_path, data)
    with pytest.raises(GoldFormatError) as caught:
        load_gold(path)
    assert str(caught.value) == f"{path}: {message}"
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, TiegraphError)


def test_evaluate_load_gold_rejects_invalid_json(tmp_path: Path) -> None:
    path = write_gold(tmp_path, '{"document": "a.txt",}')
    with pytest.raises(GoldFormatError) as caught:
        load_gold(path)
    assert str(caught.value) == (
        f"{path} is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 22. "
        "Fix the syntax."
    )


# --------------------------------------------------------------------------- builds


TRIG = """
@prefix tg: <https://w3id.org/tiegraph/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <urn:example:> .

ex:ontology-fact ex:in ex:default-graph .
ex:graph-a { ex:doc-a a schema:NewsArticle ; tg:sourcePath "seeds/a.txt" .
             ex:ada a tg:Person ; rdfs:label "Ada" . }
ex:graph-b { ex:doc-b a schema:NewsArticle ; tg:sourcePath "seeds/b.txt" .
             ex:bob a tg:Person ; rdfs:label "Bob" . }
"""


def dataset(trig: str) -> Dataset:
    return Dataset().parse(data=trig, format="trig")


@pytest.mark.parametrize("document", ["b.txt", "seeds/b.txt", "articles/b.txt"])
def test_evaluate_graph_for_document_picks_named_graph(document: str) -> None:
    graph = graph_for_document(dataset(TRIG), document)
    assert {str(s) for s in graph.subjects()} == {"urn:example:doc-b", "urn:example:bob"}


def test_evaluate_graph_for_document_unknown_lists_documents() -> None:
    with pytest.raises(InputError) as caught:
        graph_for_document(dataset(TRIG), "c.txt")
    assert str(caught.value) == (
        "No article of the build matches 'c.txt'. The build holds 'seeds/a.txt', 'seeds/b.txt'. "
        "Check the gold file's 'document'."
    )


def test_evaluate_graph_for_document_single_document_uses_union() -> None:
    single = TRIG.split("ex:graph-b")[0]
    graph = graph_for_document(dataset(single), "a.txt")
    assert {str(s) for s in graph.subjects()} == {
        "urn:example:ontology-fact",
        "urn:example:doc-a",
        "urn:example:ada",
    }
    with pytest.raises(InputError, match="^No article of the build matches 'b.txt'"):
        graph_for_document(dataset(single), "b.txt")


def test_evaluate_graph_for_document_without_documents_uses_union() -> None:
    graph = graph_for_document(dataset(PREFIXES + PERFECT), "seeds/article.txt")
    assert len(graph) == len(parse(PERFECT))


def test_evaluate_load_build_reads_directory(tmp_path: Path) -> None:
    (tmp_path / "graph.trig").write_text(TRIG, encoding="utf-8")
    (tmp_path / "report.html").write_text("<html></html>", encoding="utf-8")
    build = load_build(tmp_path)
    assert len(graph_for_document(build, "a.txt")) == 4
    with pytest.raises(InputError, match="does not exist"):
        load_build(tmp_path / "missing")


# --------------------------------------------------------------------------- parity


@pytest.fixture(scope="module")
def reference() -> Any:
    """The reference scorer, shared/eval/score.py, imported from its path."""
    if not REFERENCE_SCORER.is_file():
        pytest.skip(f"{REFERENCE_SCORER} is absent, so there is nothing to compare with.")
    spec = importlib.util.spec_from_file_location("reference_score", REFERENCE_SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_evaluate_parity_with_reference_scorer(reference: Any, name: str) -> None:
    ttl, gold, ontology = SCENARIOS[name]
    # The reference scorer reads the graph and the ontology into one graph.
    expected = reference.score(parse(ttl, ontology or ""), copy.deepcopy(gold))
    ours = score(ttl, gold, ontology).to_dict()
    for key in ("entities", "relations"):
        for rate in ("precision", "recall", "f1"):
            assert ours[key][rate] == expected[key][rate], (key, rate)
    assert {key: ours[key] for key in expected} == expected
