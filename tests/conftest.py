"""Fixtures shared by the whole suite, defined only here.

The spaCy model is loaded at most twice per session (with and without the gazetteer), and the seed
article is built once; tests that need either are marked ``model``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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
