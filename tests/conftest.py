"""Fixtures shared by the whole suite, defined only here.

The spaCy model is loaded at most twice per session (with and without the gazetteer), and the seed
article is built once; tests that need either are marked ``model``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED = "000_1feec59ddaec14d5.txt"
SCORE_LINE = re.compile(
    r"entities\s+P=(?P<ep>[\d.]+) R=(?P<er>[\d.]+) F1=(?P<ef>[\d.]+)\s+"
    r"relations P=(?P<rp>[\d.]+) R=(?P<rr>[\d.]+) F1=(?P<rf>[\d.]+)\s+roles (?P<found>\d+)/(?P<total>\d+)"
)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout: the folder holding pyproject.toml, seeds/ and tests/."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def extractor():
    """The extractor as a build uses it by default: the model, the lexicon, the gazetteer and the rules."""
    from extract.pipeline import Extractor

    return Extractor.load()


@pytest.fixture(scope="session")
def extractor_plain():
    """The extractor without the gazetteer: what the rules alone find (``--no-gazetteer``)."""
    from extract.pipeline import Extractor

    return Extractor.load(gazetteer=False)


@pytest.fixture(scope="session")
def extract_text(request) -> Callable:
    """``extract_text(text, gazetteer=True) -> Extraction`` of one hand-written document ``t.txt``."""
    from extract.documents import document_from_text

    def run(text: str, *, gazetteer: bool = True):
        ex = request.getfixturevalue("extractor" if gazetteer else "extractor_plain")
        [extraction] = ex.extract([document_from_text(text, path="t.txt")])
        return extraction

    return run


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory, repo_root, extractor):
    """The BuildReport of ``graph.api.build(["seeds/"], DIR)``; ``.out`` is the build folder."""
    from graph.api import build

    return build([repo_root / "seeds"], tmp_path_factory.mktemp("seed-build"), extractor=extractor)


@pytest.fixture(scope="session")
def seed_graph(seed_build):
    """The seed build's graph.ttl, parsed."""
    from rdflib import Graph

    return Graph().parse(seed_build.out / "graph.ttl", format="turtle")


@pytest.fixture(scope="session")
def seed_report(seed_build) -> dict:
    """The seed build's report.json."""
    return json.loads((seed_build.out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_text(repo_root) -> str:
    """The seed article's text, decoded as a build reads it (offsets in the graph refer to it)."""
    from extract.documents import read_document

    return read_document(repo_root / "seeds" / SEED, SEED).text


@pytest.fixture(scope="session")
def shared_eval(repo_root) -> Path:
    """``../shared/eval`` (the reference scorer and the seed's gold); tests that need it skip when it is absent."""
    folder = repo_root.parent / "shared" / "eval"
    if not (folder / "score.py").is_file():
        pytest.skip(f"{folder / 'score.py'} is absent.")
    return folder


@pytest.fixture(scope="session")
def gold_file(shared_eval) -> Path:
    """The gold annotation of the seed article."""
    path = shared_eval / "gold" / SEED.replace(".txt", ".json")
    if not path.is_file():
        pytest.skip(f"{path} is absent.")
    return path


@pytest.fixture(scope="session")
def reference_scores(seed_build, repo_root, shared_eval, gold_file) -> dict:
    """The last line of ``score.py`` on the seed build, as ``{ep, er, ef, rp, rr, rf, found, total}`` strings."""
    graphs = ["--graph", str(seed_build.out / "graph.ttl"), "--graph", str(repo_root / "ontology" / "tiegraph.ttl")]
    run = subprocess.run(
        [sys.executable, str(shared_eval / "score.py"), "--gold", str(gold_file), *graphs],
        capture_output=True,
        text=True,
        check=True,
    )
    match = SCORE_LINE.search(run.stdout.strip().splitlines()[-1])
    assert match, run.stdout
    return match.groupdict()


@pytest.fixture
def session_models(monkeypatch, extractor, extractor_plain):
    """Make ``graph.api`` reuse the session's extractors instead of loading the model (CLI builds)."""
    import graph.api

    def load(model=None, *, gazetteer=True, **kwargs):
        return extractor if gazetteer else extractor_plain

    monkeypatch.setattr(graph.api.Extractor, "load", load)
