"""End-to-end tests of graph.api.build on the seed article: the files, the graph's contract, provenance, errors.

The seed build is made once per session (the ``seed_build`` fixture, see conftest.py); the other builds
reuse the session's extractors, so the model is never loaded here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF, RDFS

from graph.api import build, evaluate, tiegraph_version, validate
from ontology import CORE_CLASSES, ID, OA, RELATIONS, SUBCLASS_OF, TG
from ontology.errors import InputError

pytestmark = pytest.mark.model

SEED = "000_1feec59ddaec14d5.txt"
OUTPUTS = ("graph.ttl", "graph.trig", "resolution.json", "report.json", "centrality.csv", "graph.html")
CORE = {TG[c] for c in CORE_CLASSES}
TG_RELATIONS = {TG[r] for r in RELATIONS}
GOOD_ARTICLE = "Northfield Rare Metals Group is based in Qingdao.\nZhao Minghui, its Chairman, spoke.\n"


def entities(g: Graph) -> set[URIRef]:
    """Every node typed with a tg: class other than tg:Assertion."""
    return {s for s, o in g.subject_objects(RDF.type) if str(o).startswith(str(TG._NS)) and o != TG.Assertion}


def relation_triples(g: Graph) -> set[tuple]:
    return {(s, p, o) for s, p, o in g if p in TG_RELATIONS}


def assertions(g: Graph) -> list[URIRef]:
    return sorted(g.subjects(RDF.type, TG.Assertion))


def write_article_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_ARTICLE, encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("Caf\u00e9 owners met.".encode("latin-1"))
    return folder


# --- the files -----------------------------------------------------------------------------------------------


def test_build_writes_every_output(seed_build):
    for name in OUTPUTS:
        assert (seed_build.out / name).is_file(), name
        assert (seed_build.out / name).stat().st_size > 0, name


def test_build_leaves_no_temporary_files(seed_build, tmp_path, extractor, repo_root):
    build([repo_root / "seeds"], tmp_path, extractor=extractor)
    build([repo_root / "seeds"], tmp_path, extractor=extractor)  # over an existing build
    for out in (seed_build.out, tmp_path):
        assert sorted(p.name for p in out.iterdir()) == sorted((*OUTPUTS, "store", "cache"))
        cached = sorted(p.relative_to(out / "cache").as_posix() for p in (out / "cache").rglob("*") if p.is_file())
        # one record and one graph block (TriG and Turtle) for the one document, the manifest, the analysis state
        kinds = sorted(
            c if "/" not in c else ("rdf" if c.startswith("rdf/") else "??") + Path(c).suffix for c in cached
        )
        assert kinds == ["??.json", "analysis.json", "manifest.json", "rdf.trig", "rdf.ttl"], cached


def test_build_is_deterministic(seed_build, tmp_path, extractor, repo_root):
    again = build([repo_root / "seeds"], tmp_path / "again", extractor=extractor)
    for name in ("graph.ttl", "graph.trig", "resolution.json", "centrality.csv", "graph.html"):
        assert (again.out / name).read_bytes() == (seed_build.out / name).read_bytes(), name


def test_build_report(seed_build, seed_report, seed_graph):
    assert seed_report["documents"]["extracted"] == seed_build.extracted == 1
    assert seed_report["documents"]["failed"] == seed_report["documents"]["skipped"] == []
    assert seed_report["model"] == seed_build.model
    assert re.fullmatch(r"\S+ \d+\.\d+\.\d+\S*", seed_report["model"]), "model name and version"
    assert seed_report["tiegraph"] == tiegraph_version() == "0.1.0"
    assert seed_build.exit_code == 0
    assert seed_report["entities"] == seed_build.entities >= 12
    assert seed_report["relations"] == seed_build.relations >= 10
    # the report counts what the graph holds: entities, and relation occurrences (one assertion each)
    assert len(entities(seed_graph)) == seed_report["entities"]
    assert len(assertions(seed_graph)) == seed_report["relations"]
    assert len(relation_triples(seed_graph)) >= 10


def test_build_resolution_audit_names_every_entity(seed_build, seed_graph):
    audit = json.loads((seed_build.out / "resolution.json").read_text(encoding="utf-8"))["entities"]
    assert set(audit) <= {str(e) for e in entities(seed_graph)}
    for iri, row in audit.items():
        assert row["label"] == str(seed_graph.value(URIRef(iri), RDFS.label))
        assert row["surfaces"] and all(s["rule"] and 0 < s["confidence"] <= 1 for s in row["surfaces"])


# --- the graph's contract ------------------------------------------------------------------------------------


def test_build_turtle_is_the_union_of_the_trig_graphs(seed_build, seed_graph):
    ds = Dataset()
    ds.parse(seed_build.out / "graph.trig", format="trig")
    named = [g for g in ds.graphs() if g.identifier != ds.default_graph.identifier and len(g)]
    assert len(named) == 1, "one named graph per document"
    assert all(str(g.identifier).startswith(str(ID)) for g in named)
    union = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(union, seed_graph)


def test_build_entities_have_label_and_core_type(seed_graph):
    found = entities(seed_graph)
    assert len(found) >= 12
    for e in found:
        assert str(e).startswith(str(ID)), e
        assert seed_graph.value(e, RDFS.label) is not None, e
        types = {str(t)[len(str(TG._NS)) :] for t in seed_graph.objects(e, RDF.type)}
        core = {t for t in types if t in CORE_CLASSES} | {SUBCLASS_OF[t] for t in types if t in SUBCLASS_OF}
        assert len(core) == 1 and core <= set(types), (e, types)


def test_build_relations_hold_between_entities(seed_graph):
    found = entities(seed_graph)
    for s, _, o in relation_triples(seed_graph):
        assert s in found and o in found


def test_build_every_relation_has_an_assertion_and_back(seed_graph):
    stated = {
        (seed_graph.value(a, RDF.subject), seed_graph.value(a, RDF.predicate), seed_graph.value(a, RDF.object))
        for a in assertions(seed_graph)
    }
    assert relation_triples(seed_graph) == stated


def test_build_evidence_quotes_the_document(seed_graph, seed_text):
    [doc] = seed_graph.subjects(TG.sourcePath, Literal(SEED))
    runs = set(seed_graph.subjects(RDF.type, PROV.Activity))
    for a in assertions(seed_graph):
        assert seed_graph.value(a, PROV.wasGeneratedBy) in runs
        assert 0 < float(seed_graph.value(a, TG.confidence)) <= 1
        evidence = list(seed_graph.objects(a, PROV.wasDerivedFrom))
        assert evidence, a
        for ev in evidence:
            assert seed_graph.value(ev, OA.hasSource) == doc
            selectors = list(seed_graph.objects(ev, OA.hasSelector))
            [position] = [s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in seed_graph]
            [quote] = [s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in seed_graph]
            start, end = int(seed_graph.value(position, OA.start)), int(seed_graph.value(position, OA.end))
            assert 0 <= start < end <= len(seed_text)
            assert str(seed_graph.value(quote, OA.exact)) == seed_text[start:end]


def test_build_holds_position_assertions_name_the_post(seed_graph):
    posts = [a for a in assertions(seed_graph) if seed_graph.value(a, RDF.predicate) == TG.holdsPosition]
    assert posts
    assert all(str(seed_graph.value(a, TG.role) or "").strip() for a in posts)


def test_build_records_software_and_model(seed_graph, seed_report):
    [agent] = seed_graph.subjects(RDF.type, PROV.SoftwareAgent)
    assert str(seed_graph.value(agent, RDFS.label)) == f"tiegraph {seed_report['tiegraph']}"
    [run] = seed_graph.subjects(RDF.type, PROV.Activity)
    assert seed_graph.value(run, PROV.wasAssociatedWith) == agent
    used = {str(seed_graph.value(u, RDFS.label)) for u in seed_graph.objects(run, PROV.used)}
    assert seed_report["model"] in used


def test_build_validates(seed_build):
    result = validate(seed_build.out)
    assert result.conforms, result.text
    assert result.violations == 0


# --- options and inputs --------------------------------------------------------------------------------------


def test_build_without_gazetteer(tmp_path, extractor_plain, repo_root):
    report = build([repo_root / "seeds"], tmp_path, gazetteer=False, extractor=extractor_plain)
    assert report.exit_code == 0
    assert report.entities >= 12
    assert validate(tmp_path).conforms


def test_build_min_confidence_leaves_out_weak_relations(seed_build, tmp_path, extractor, repo_root):
    strict = build([repo_root / "seeds"], tmp_path, min_confidence=0.95, extractor=extractor)
    assert strict.relations < seed_build.relations
    assert strict.entities == seed_build.entities  # entities are kept whatever their relations
    g = Graph().parse(tmp_path / "graph.ttl", format="turtle")
    assertions = set(g.subjects(RDF.type, TG.Assertion))
    assert all(float(c) >= 0.95 for a in assertions for c in g.objects(a, TG.confidence))


def test_build_records_bad_files_and_builds_the_rest(tmp_path, extractor):
    folder = write_article_folder(tmp_path / "in")
    report = build([folder], tmp_path / "out", extractor=extractor)
    assert report.exit_code == 2
    assert report.extracted == 2  # the Latin-1 file is decoded (with a warning), never dropped
    assert report.skipped == ({"path": "empty.txt", "reason": "empty.txt: the file is empty."},)
    assert list(report.failed) == [
        {
            "path": "binary.txt",
            "error": "binary.txt: this looks like a binary file, not an article. Remove it from the input.",
        },
    ]
    assert report.warnings == (
        {
            "path": "latin1.txt",
            "warning": "latin1.txt: not UTF-8; decoded as cp1252 (detected). "
            "Convert it to UTF-8 to be sure of the text.",
        },
    )
    written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["documents"]
    assert written["failed"] == list(report.failed) and written["skipped"] == list(report.skipped)
    g = Graph().parse(tmp_path / "out" / "graph.ttl", format="turtle")
    assert list(g.subjects(TG.sourcePath, Literal("good.txt")))
    assert list(g.subjects(TG.sourcePath, Literal("latin1.txt")))
    assert (None, RDFS.label, Literal("Northfield Rare Metals Group")) in g


def test_build_nothing_readable_exits_1(tmp_path, extractor):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_text("\n", encoding="utf-8")
    report = build([tmp_path / "in"], tmp_path / "out", extractor=extractor)
    assert report.exit_code == 1
    assert report.extracted == 0 and report.skipped


def test_build_folder_without_articles(tmp_path, extractor):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.csv").write_text("Not an article.", encoding="utf-8")
    with pytest.raises(InputError) as info:
        build([tmp_path / "in"], tmp_path / "out", extractor=extractor)
    assert str(info.value) == (
        f"No articles found in {tmp_path / 'in'}. "
        "Pass .txt, .md, .html or .jsonl files, folders that hold them, or glob patterns."
    )


# --- quality on the seed article -----------------------------------------------------------------------------


def test_build_seed_scores_with_reference_scorer(reference_scores):
    assert float(reference_scores["ef"]) >= 0.95
    assert float(reference_scores["rf"]) >= 0.85
    assert (reference_scores["found"], reference_scores["total"]) == ("3", "3")


def test_build_seed_scores_with_graph_evaluate(seed_build, gold_file, reference_scores):
    result = evaluate([gold_file], seed_build.out)
    assert result.entities.f1 >= 0.95
    assert result.relations.f1 >= 0.85
    assert (result.relations.roles_found, result.relations.roles_total) == (3, 3)
    # the product's scorer gives the reference scorer's numbers
    assert f"{result.entities.f1:.3f}" == reference_scores["ef"]
    assert f"{result.relations.f1:.3f}" == reference_scores["rf"]


def test_build_projects_its_records_as_the_rdf_is_projected(tmp_path, repo_root, extractor):
    """The build's network (from the records) is exactly what graph.analysis.project makes of graph.ttl."""
    from extract.corpus import resolve_corpus
    from extract.documents import iter_input_files, read_file
    from graph.analysis import project, project_records
    from graph.api import load_graph

    articles = repo_root / "tests" / "articles"
    build([articles], tmp_path, extractor=extractor)
    documents = [d for f, rel in iter_input_files([articles]) for d in read_file(f, rel).documents]
    corpus = resolve_corpus(list(extractor.extract(documents)))
    mine = project_records([x.document for x in corpus.documents], corpus.entities, corpus.relations)
    theirs = project(load_graph(tmp_path))
    assert list(mine.nodes(data=True)) == list(theirs.nodes(data=True))
    assert list(mine.edges(keys=True, data=True)) == list(theirs.edges(keys=True, data=True))
    assert mine.number_of_edges() > 50
