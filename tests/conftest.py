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

from graph.viz import CHROMIUM, CHROMIUM_ARGS

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


MARKDOWN_ARTICLE = """---
title: Coral Coast Minerals signs an offtake deal
date: 2025-06-02
url: https://news.example.com/coral-coast-offtake
---
# Coral Coast Minerals signs an *offtake* deal

**Coral Coast Minerals** signed a binding offtake agreement with [Northfield Rare Metals Group](https://n.example)
on Monday, the Perth-based company said.

- Wang Lei, general manager of Coral Coast Minerals, called the deal `historic`.
- Deliveries start in 2026.

```
<script>tracking()</script>
```
"""

JSONL_FEED = (
    '{"id": "feed-1", "text": "Harborview Lithium is based in Adelaide.\\n", "title": "Harborview", '
    '"url": "https://feed.example/1", "published": "2025-05-01"}\n'
    "\n"
    '{"id": "feed-2", "text": "Meng Qiao, Chairman of Redgum Mining, spoke in Darwin.\\n"}\n'
    "{this is not json\n"
    '{"id": "feed-3", "text": "   "}\n'
)


@pytest.fixture(scope="session")
def boilerplate_html(repo_root) -> Path:
    """An HTML news page full of boilerplate (navigation, scripts, cookie banner, sidebar, comments, footer)."""
    return repo_root / "tests" / "corpus" / "boilerplate.html"


@pytest.fixture
def mixed_corpus(tmp_path, boilerplate_html) -> Path:
    """A folder of every kind of input: a good .txt, a binary, an empty and a Latin-1 file, an HTML page full of
    boilerplate, a Markdown article and a JSON Lines feed with a bad and an empty line."""
    folder = tmp_path / "mixed"
    (folder / "web").mkdir(parents=True)
    (folder / "good.txt").write_text(
        "Northfield Rare Metals Group is based in Qingdao.\nZhao Minghui, its Chairman, spoke.\n", encoding="utf-8"
    )
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes(
        "Kéroual Nickel Group is based in Nouméa.\nJosé Ibáñez, its Chairman, met investors.\n".encode("latin-1")
    )
    (folder / "web" / "page.html").write_bytes(boilerplate_html.read_bytes())
    (folder / "notes.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    (folder / "feed.jsonl").write_text(JSONL_FEED, encoding="utf-8")
    return folder


@pytest.fixture
def article_copies(repo_root) -> Callable:
    """``article_copies(folder, n)``: copy the first ``n`` regression articles (tests/articles/*.txt) to ``folder``."""

    def copy(folder: Path, n: int) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        sources = sorted((repo_root / "tests" / "articles").glob("*.txt"))[:n]
        for source in sources:
            (folder / source.name).write_bytes(source.read_bytes())
        return [folder / s.name for s in sources]

    return copy


# --- the browser: Debian's headless Chromium through Playwright (tests/test_viz_browser.py) ---------------------


@pytest.fixture(scope="session")
def chromium(tmp_path_factory) -> Callable:
    """``chromium(bypass_csp=False)``: a Playwright browser context of /usr/bin/chromium with a fresh profile.

    Contexts are made once per session and kept; ``bypass_csp=True`` gives one that ignores the pages'
    Content-Security-Policy, to test that escaping alone keeps hostile text inert.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        contexts: dict = {}

        def context(*, bypass_csp: bool = False):
            if bypass_csp not in contexts:
                contexts[bypass_csp] = playwright.chromium.launch_persistent_context(
                    str(tmp_path_factory.mktemp("chromium-profile")),
                    executable_path=CHROMIUM,
                    headless=True,
                    args=list(CHROMIUM_ARGS),
                    viewport={"width": 1280, "height": 800},
                    bypass_csp=bypass_csp,
                )
            return contexts[bypass_csp]

        yield context
        for c in contexts.values():
            c.close()


@pytest.fixture
def open_page(chromium) -> Callable:
    """``open_page(path, bypass_csp=False) -> page``: a local page loaded with every other request aborted.

    The page carries ``page.errors`` (console errors and uncaught exceptions) and ``page.blocked`` (the
    URLs it tried to load besides its own file); it is closed after the test.
    """
    pages = []

    def open_(path: Path, *, bypass_csp: bool = False):
        url = Path(path).resolve().as_uri()
        page = chromium(bypass_csp=bypass_csp).new_page()
        pages.append(page)
        page.errors, page.blocked = [], []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))

        def route(r):
            if r.request.url == url:
                r.continue_()
            else:
                page.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(url)
        return page

    yield open_
    for page in pages:
        page.close()


# --- a build in miniature, without the model (tests/test_analysis.py, tests/test_analysis_cli.py) --------------


@pytest.fixture(scope="session")
def network_dataset(repo_root):
    """``tests/data/network.trig``: five entities, four relations with assertions and evidence, two documents."""
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(repo_root / "tests" / "data" / "network.trig", format="trig")
    return ds


@pytest.fixture
def network_build(tmp_path, network_dataset) -> Path:
    """A build folder holding ``network.trig`` as ``graph.trig`` and its union as ``graph.ttl``."""
    from rdflib import Graph

    network_dataset.serialize(tmp_path / "graph.trig", format="trig")
    union = Graph()
    for s, p, o, _ in network_dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    union.serialize(tmp_path / "graph.ttl", format="turtle")
    return tmp_path
