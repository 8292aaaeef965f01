"""Builds of real corpora: mixed formats and bad files, incremental rebuilds, parallel and Dask extraction.

Every executor, and every incremental rebuild, must give byte for byte the graph of a clean single-process
build. Builds use the session's extractor where they can; the ``--jobs`` and Dask builds load the model in
their own workers (a few seconds each).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDFS
from rich.console import Console
from typer.testing import CliRunner

import graph.api
from graph.api import build
from graph.cli import app
from ontology import OA, SCHEMA, TG
from ontology.errors import TiegraphError

pytestmark = pytest.mark.model

#: The files whose bytes must not depend on how the graph was built.
GRAPH_FILES = ("graph.ttl", "graph.trig", "resolution.json")
runner = CliRunner()


def graph_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in GRAPH_FILES}


def report_json(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture
def no_model_load(monkeypatch):
    """Make loading the model an error: for builds that must not parse anything."""

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(graph.api.Extractor, "load", refuse)


# --- mixed corpus --------------------------------------------------------------------------------------------


def test_build_mixed_corpus(mixed_corpus, tmp_path, extractor):
    out = tmp_path / "out"
    report = build([mixed_corpus], out, extractor=extractor)
    assert report.exit_code == 2  # completed, with failed documents
    written = report_json(out)
    assert set(written) == {"documents", "entities", "relations", "model", "tiegraph", "seconds"}
    assert set(written["documents"]) == {"extracted", "unchanged", "removed", "skipped", "failed"}
    assert written["documents"]["extracted"] == report.extracted == 6  # good, latin1, page, notes, 2 feed records
    assert (written["documents"]["unchanged"], written["documents"]["removed"]) == (0, 0)
    assert written["documents"]["skipped"] == [
        {"path": "empty.txt", "reason": "empty.txt: the file is empty."},
        {"path": "feed.jsonl:5", "reason": "feed.jsonl:5: the text is empty."},
    ]
    assert written["documents"]["failed"] == [
        {
            "path": "binary.txt",
            "error": "binary.txt: this looks like a binary file, not an article. Remove it from the input.",
        },
        {
            "path": "feed.jsonl:4",
            "error": "feed.jsonl:4: not valid JSON (Expecting property name enclosed in double quotes at column 2). "
            "Fix the line or remove it.",
        },
    ]
    assert [w["path"] for w in report.warnings] == ["latin1.txt"]
    assert (written["entities"], written["relations"]) == (report.entities, report.relations)
    assert written["model"] == extractor.model and written["tiegraph"] == graph.api.tiegraph_version()

    g = Graph().parse(out / "graph.ttl", format="turtle")
    paths = {str(p) for p in g.objects(None, TG.sourcePath)}
    assert paths == {"good.txt", "latin1.txt", "web/page.html", "notes.md", "feed.jsonl#feed-1", "feed.jsonl#feed-2"}
    labels = {str(o) for o in g.objects(None, RDFS.label)}
    assert {"Northfield Rare Metals Group", "Coral Coast Minerals", "Zhao Minghui"} <= labels
    assert {"Kéroual Nickel Group", "José Ibáñez"} <= labels  # the Latin-1 file, decoded
    assert "Harborview Lithium" in labels  # a JSON Lines record
    # the HTML page's boilerplate is not in the graph: no entity from navigation, sidebar, comments or footer
    assert not {label for label in labels if any(w in label for w in ("Meridian", "Kestrel", "Harborview Media"))}
    [page] = g.subjects(TG.sourcePath, Literal("web/page.html"))
    assert str(g.value(page, SCHEMA.name)) == "Northfield Rare Metals Group opens a separation plant in Qingdao"
    assert str(g.value(page, SCHEMA.datePublished)) == "2025-07-11"
    assert str(g.value(page, SCHEMA.url)) == "https://news.example.com/2025/07/northfield-plant"
    [notes] = g.subjects(TG.sourcePath, Literal("notes.md"))
    assert str(g.value(notes, SCHEMA.name)) == "Coral Coast Minerals signs an offtake deal"
    [feed] = g.subjects(TG.sourcePath, Literal("feed.jsonl#feed-1"))
    assert (str(g.value(feed, SCHEMA.url)), str(g.value(feed, SCHEMA.datePublished))) == (
        "https://feed.example/1",
        "2025-05-01",
    )
    # Markdown and HTML evidence quotes the stripped text (offsets refer to it), never markup
    quotes = [str(q) for q in g.objects(None, OA.exact)]
    assert quotes and not any(mark in q for q in quotes for mark in ("**", "](", "<p>", "<a ", "```"))


def test_build_nothing_but_bad_files_exits_1(tmp_path, extractor):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02")
    (folder / "empty.md").write_bytes(b"")
    report = build([folder], tmp_path / "out", extractor=extractor)
    assert report.exit_code == 1
    assert report_json(tmp_path / "out")["documents"]["failed"][0]["path"] == "binary.txt"


def test_build_two_inputs_with_the_same_path_fail_the_second(tmp_path, extractor):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.txt").write_text(f"{name.upper()} Group is based in Perth.\n", encoding="utf-8")
    report = build([tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"], tmp_path / "out", extractor=extractor)
    assert report.exit_code == 2 and report.extracted == 1
    assert report.failed == (
        {
            "path": "x.txt",
            "error": f"x.txt: another input ({tmp_path / 'a' / 'x.txt'}) has the same path, so the two would be "
            "one document. Pass the folder that holds both.",
        },
    )


def test_build_a_document_spacy_cannot_parse_fails_alone(tmp_path, extractor, article_copies, monkeypatch):
    article_copies(tmp_path / "in", 3)
    (tmp_path / "in" / "long.txt").write_text("Acme Group is based in Perth. " * 400, encoding="utf-8")
    monkeypatch.setattr(extractor.nlp, "max_length", 5000)  # the regression articles are shorter
    report = build([tmp_path / "in"], tmp_path / "out", extractor=extractor)
    assert report.exit_code == 2 and report.extracted == 3
    [failed] = report.failed
    assert failed["path"] == "long.txt"
    assert failed["error"].startswith("long.txt: extraction failed (ValueError: [E088] Text of length 12000")


# --- incremental rebuilds ------------------------------------------------------------------------------------


def test_build_incremental_add_change_remove_equals_a_clean_build(tmp_path, extractor, article_copies):
    src, out = tmp_path / "src", tmp_path / "out"
    files = article_copies(src, 4)
    first = build([src], out, extractor=extractor)
    assert (first.extracted, first.unchanged, first.removed) == (4, 0, 0)
    before = graph_bytes(out)

    again = build([src], out, extractor=extractor)
    assert (again.extracted, again.unchanged, again.removed) == (0, 4, 0)
    assert report_json(out)["documents"]["extracted"] == 0
    assert graph_bytes(out) == before

    def clean() -> dict[str, bytes]:
        fresh = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
        build([src], fresh, extractor=extractor)
        return graph_bytes(fresh)

    article_copies(tmp_path / "more", 5)
    shutil.copy(sorted((tmp_path / "more").iterdir())[4], src)  # add one
    added = build([src], out, extractor=extractor)
    assert (added.extracted, added.unchanged, added.removed) == (1, 4, 0)
    assert graph_bytes(out) == clean()

    text = files[1].read_text(encoding="utf-8")  # change one
    files[1].write_text(text.replace("\n", "\nThe company declined to comment further.\n", 1), encoding="utf-8")
    changed = build([src], out, extractor=extractor)
    assert (changed.extracted, changed.unchanged, changed.removed) == (1, 4, 0)
    assert graph_bytes(out) == clean()

    files[0].unlink()  # remove one: its facts disappear
    removed = build([src], out, extractor=extractor)
    assert (removed.extracted, removed.unchanged, removed.removed) == (0, 4, 1)
    assert graph_bytes(out) == clean()
    g = Graph().parse(out / "graph.ttl", format="turtle")
    assert not list(g.subjects(TG.sourcePath, Literal(files[0].name)))
    entries = [p for p in (out / "cache").rglob("*.json") if p.name not in ("manifest.json", "analysis.json")]
    assert len(entries) == 4  # the removed and the changed documents' old entries are gone


def store_quads(out: Path) -> list[str]:
    """The store's quads, after checking that its marker counts them and its graphs right."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(out / "store"))
    marker = json.loads((out / "store" / "tiegraph-store.json").read_text(encoding="utf-8"))
    assert (marker["quads"], marker["graphs"]) == (len(store), sum(1 for _ in store.named_graphs()))
    return sorted(str(q) for q in store)


def test_build_incremental_store_update_equals_a_clean_store(tmp_path, extractor, article_copies, monkeypatch):
    """A rebuild replaces only the changed graphs in a copy of the store, and ends with a clean build's quads."""
    import graph.store

    monkeypatch.setattr(graph.store, "UPDATE_SHARE", 10.0)  # update a copy however many graphs changed
    updates = []
    update_copy = graph.store._update_copy

    def spy(old, tmp, rdf):
        updated = update_copy(old, tmp, rdf)
        updates.append((old.parent.name, updated is not None))
        return updated

    monkeypatch.setattr(graph.store, "_update_copy", spy)
    src, out = tmp_path / "src", tmp_path / "out"
    files = article_copies(src, 4)
    build([src], out, extractor=extractor)

    def clean() -> list[str]:
        fresh = tmp_path / f"clean-{len(list(tmp_path.iterdir()))}"
        build([src], fresh, extractor=extractor, cache=False)
        return store_quads(fresh)

    text = files[1].read_text(encoding="utf-8")  # change one
    files[1].write_text(text.replace("\n", "\nThe company declined to comment further.\n", 1), encoding="utf-8")
    build([src], out, extractor=extractor)
    assert store_quads(out) == clean()
    article_copies(tmp_path / "more", 5)
    shutil.copy(sorted((tmp_path / "more").iterdir())[4], src)  # add one
    build([src], out, extractor=extractor)
    assert store_quads(out) == clean()
    files[0].unlink()  # remove one
    build([src], out, extractor=extractor)
    assert store_quads(out) == clean()
    assert [u for folder, u in updates if folder == "out"] == [True, True, True], updates  # every rebuild
    monkeypatch.setattr(graph.store, "UPDATE_SHARE", 0.0)  # a change too large to update: everything is loaded
    files[2].write_text(files[2].read_text(encoding="utf-8") + "\nNo one else commented.\n", encoding="utf-8")
    build([src], out, extractor=extractor)
    assert updates[-1] == ("out", False) and store_quads(out) == clean()


def test_build_analysis_is_written_again_only_when_the_network_changes(tmp_path, extractor, article_copies):
    src, out = tmp_path / "src", tmp_path / "out"
    files = article_copies(src, 3)
    build([src], out, extractor=extractor)
    page = out / "graph.html"
    stamp = page.stat().st_mtime_ns
    text = files[1].read_text(encoding="utf-8")  # a change that adds no fact: the same network
    files[1].write_text(text + "\nThe company declined to comment.\n", encoding="utf-8")
    assert build([src], out, extractor=extractor).extracted == 1
    assert page.stat().st_mtime_ns == stamp
    page.write_text("tampered with", encoding="utf-8")  # a file that is not what the build wrote is written again
    build([src], out, extractor=extractor)
    assert "tampered with" not in page.read_text(encoding="utf-8")
    files[2].unlink()  # another network
    build([src], out, extractor=extractor)
    fresh = tmp_path / "fresh"
    build([src], fresh, extractor=extractor, cache=False)
    assert page.read_bytes() == (fresh / "graph.html").read_bytes()
    assert (out / "centrality.csv").read_bytes() == (fresh / "centrality.csv").read_bytes()


def test_build_unchanged_rebuild_never_loads_the_model(tmp_path, extractor, article_copies, no_model_load):
    src, out = tmp_path / "src", tmp_path / "out"
    article_copies(src, 2)
    build([src], out, extractor=extractor)
    before = graph_bytes(out)
    again = build([src], out)  # no extractor given, and loading one fails: everything must come from the cache
    assert (again.extracted, again.unchanged, again.model) == (0, 2, extractor.model)
    assert graph_bytes(out) == before


def test_build_jsonl_records_are_cached_one_by_one(tmp_path, extractor, no_model_load):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    feed = src / "feed.jsonl"
    a = '{"id": "a", "text": "Acme Group is based in Perth.\\n"}\n'
    b = '{"id": "b", "text": "Beta Corp is based in Hobart.\\n"}\n'
    c = '{"id": "c", "text": "Coral Coast Minerals is based in Darwin.\\n"}\n'
    feed.write_text(a + b, encoding="utf-8")
    build([src], out, extractor=extractor)
    feed.write_text(b + a + c, encoding="utf-8")  # reordered, and one more
    report = build([src], out, extractor=extractor)  # the session extractor: only "c" needs it
    assert (report.extracted, report.unchanged) == (1, 2)


def test_build_corrupt_cache_entry_is_extracted_again(tmp_path, extractor, article_copies):
    src, out = tmp_path / "src", tmp_path / "out"
    article_copies(src, 2)
    build([src], out, extractor=extractor)
    before = graph_bytes(out)
    entry = next(p for p in (out / "cache").rglob("*.json") if p.name not in ("manifest.json", "analysis.json"))
    entry.write_bytes(b'{"key": "')
    report = build([src], out, extractor=extractor)
    assert (report.extracted, report.unchanged) == (1, 1)
    assert graph_bytes(out) == before


def test_build_without_cache_extracts_everything(tmp_path, extractor, article_copies):
    src, out = tmp_path / "src", tmp_path / "out"
    article_copies(src, 2)
    build([src], out, extractor=extractor, cache=False)
    report = build([src], out, extractor=extractor, cache=False)
    assert (report.extracted, report.unchanged) == (2, 0)
    assert not (out / "cache").exists()


def test_build_cache_is_not_shared_across_gazetteer_settings(tmp_path, extractor, extractor_plain, article_copies):
    src, out = tmp_path / "src", tmp_path / "out"
    article_copies(src, 1)
    build([src], out, extractor=extractor)
    report = build([src], out, gazetteer=False, extractor=extractor_plain)
    assert (report.extracted, report.unchanged) == (1, 0)


# --- parallel and distributed ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def six_articles(tmp_path_factory, repo_root) -> Path:
    folder = tmp_path_factory.mktemp("six")
    for source in sorted((repo_root / "tests" / "articles").glob("*.txt"))[:6]:
        (folder / source.name).write_bytes(source.read_bytes())
    return folder


@pytest.fixture(scope="module")
def default_build(six_articles, tmp_path_factory, extractor) -> Path:
    out = tmp_path_factory.mktemp("default")
    build([six_articles], out, extractor=extractor)
    return out


def test_build_jobs_2_gives_the_same_bytes(six_articles, default_build, tmp_path):
    report = build([six_articles], tmp_path, jobs=2)
    assert (report.exit_code, report.extracted) == (0, 6)
    assert graph_bytes(tmp_path) == graph_bytes(default_build)
    assert sorted((tmp_path / "cache").rglob("*.json")) and report_json(tmp_path)["model"] == report.model


def test_build_dask_local_cluster_gives_the_same_bytes(six_articles, default_build, tmp_path):
    report = build([six_articles], tmp_path, executor="dask", jobs=1)  # a LocalCluster of one worker process
    assert (report.exit_code, report.extracted) == (0, 6)
    assert graph_bytes(tmp_path) == graph_bytes(default_build)


def test_build_dask_client_gives_the_same_bytes(six_articles, default_build, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            report = build([six_articles], tmp_path, executor="dask", client=client)
            assert client.status == "running"  # a client that was passed in is left open
    assert (report.exit_code, report.extracted) == (0, 6)
    assert graph_bytes(tmp_path) == graph_bytes(default_build)


def test_build_dask_unreachable_scheduler_is_one_sentence(six_articles, tmp_path, monkeypatch):
    import extract.executors

    monkeypatch.setattr(extract.executors, "DASK_TIMEOUT", 1)
    with pytest.raises(TiegraphError) as info:
        build([six_articles], tmp_path, executor="dask", scheduler="tcp://127.0.0.1:9")
    assert str(info.value).startswith("Cannot reach the Dask scheduler at tcp://127.0.0.1:9 (")
    assert str(info.value).endswith("Start one with `dask scheduler`, or leave out --scheduler to run a local cluster.")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"executor": "spark"}, "Unknown executor 'spark'. Use 'local' or 'dask'."),
        ({"scheduler": "tcp://h:8786"}, "A Dask scheduler address needs executor='dask' (--executor dask)."),
        ({"jobs": 2, "extractor": object()}, "An extractor object runs in this process only."),
    ],
)
def test_build_refuses_executor_options_that_do_not_fit(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        build([tmp_path], tmp_path / "out", **kwargs)


# --- the command line ----------------------------------------------------------------------------------------


def test_cli_build_incremental_summary(session_models, article_copies, tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    article_copies(src, 2)
    runner.invoke(app, ["build", str(src), "--out", str(out)])
    result = runner.invoke(app, ["build", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Built {out}: 2 document(s), ")
    assert "(0 extracted, 2 unchanged, 0 removed; " in result.stdout


def test_cli_build_mixed_corpus_reports_every_problem(session_models, mixed_corpus, tmp_path):
    result = runner.invoke(app, ["build", str(mixed_corpus), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.split(":")[0] in ("failed", "skipped", "warning")]
    assert [line.split(": ")[1] for line in lines] == [
        "binary.txt",
        "feed.jsonl:4",
        "empty.txt",
        "feed.jsonl:5",
        "latin1.txt",
    ]


def test_cli_build_quiet_prints_only_failures(session_models, mixed_corpus, tmp_path):
    result = runner.invoke(app, ["build", str(mixed_corpus), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert [line.split(": ")[0] for line in result.stderr.splitlines() if line.strip()] == ["failed", "failed"]


def test_cli_build_progress_bar_on_a_terminal(session_models, article_copies, tmp_path, monkeypatch):
    import graph.cli

    screen = io.StringIO()
    monkeypatch.setattr(graph.cli, "err", Console(file=screen, force_terminal=True, width=120))
    article_copies(tmp_path / "src", 2)
    result = runner.invoke(app, ["build", str(tmp_path / "src"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    drawn = screen.getvalue()
    assert "extracting" in drawn and "docs/s" in drawn and "ETA" in drawn and "2/2" in drawn
    quiet = io.StringIO()
    monkeypatch.setattr(graph.cli, "err", Console(file=quiet, force_terminal=True, width=120))
    runner.invoke(app, ["build", str(tmp_path / "src"), "--out", str(tmp_path / "q"), "--quiet"])
    assert quiet.getvalue() == ""


def test_cli_build_scheduler_needs_dask(tmp_path):
    result = runner.invoke(app, ["build", str(tmp_path), "--scheduler", "tcp://h:8786"])
    assert result.exit_code == 1
    assert str(result.exception) == "--scheduler names a Dask scheduler: add --executor dask."


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--executor", "spark"]])
def test_cli_build_rejects_bad_executor_options(tmp_path, args):
    result = runner.invoke(app, ["build", str(tmp_path), *args])
    assert result.exit_code == 2  # a usage error, before anything is read


def test_build_that_fails_while_writing_keeps_the_last_store(tmp_path, extractor, article_copies, monkeypatch):
    """A build that stops after the store began loading leaves the last store as it was, and no temporary folder."""
    src, out = tmp_path / "src", tmp_path / "out"
    files = article_copies(src, 3)
    build([src], out, extractor=extractor)
    before = store_quads(out)
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\nThe company declined to comment.\n", "utf-8")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    for update in (True, False):  # a rebuild that updates a copy, and a build that streams into a new store
        if not update:
            shutil.rmtree(out / "store")
        monkeypatch.setattr(graph.api, "resolution_audit", broken)
        with pytest.raises(OSError, match="disk full"):
            build([src], out, extractor=extractor)
        monkeypatch.undo()
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")], list(out.iterdir())
        if update:
            assert store_quads(out) == before
