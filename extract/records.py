"""The extraction records as JSON, and the fingerprint of everything that decides what extraction makes.

A cache stores :class:`~extract.types.Extraction` records as the plain JSON of :func:`extraction_to_dict` (safe to
load and easy to inspect), and keys them with :func:`extraction_fingerprint`, so a record is reused only while
tiegraph, its rules and data, spaCy and the model are the ones that made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from extract.types import Document, Entity, Extraction, Merge, Relation

#: Bumped when the JSON shape of :func:`extraction_to_dict` changes; older records are then not read.
RECORD_FORMAT: int = 1
#: Packages whose version changes what a document's text or extraction is.
_PACKAGES: tuple[str, ...] = ("tiegraph", "spacy", "trafilatura", "charset-normalizer", "markdown-it-py")
_PACKAGE_DIR = Path(__file__).parent


def extraction_to_dict(extraction: Extraction) -> dict:
    """A JSON-ready dict of ``extraction``; :func:`extraction_from_dict` gives the same record back.

    Examples
    --------
    >>> from extract.documents import document_from_text
    >>> acme = Entity("Organization:acme", "Acme", "Organization", mentions=(("a-1", 0, 4),))
    >>> x = Extraction(document_from_text("Acme.", path="a.txt"), (acme,), ())
    >>> extraction_from_dict(extraction_to_dict(x)) == x
    True
    """
    return {
        "format": RECORD_FORMAT,
        "document": asdict(extraction.document),
        "entities": [asdict(e) for e in extraction.entities],
        "relations": [asdict(r) for r in extraction.relations],
        "merges": [asdict(m) for m in extraction.merges],
        "model": extraction.model,
        "warnings": list(extraction.warnings),
    }


def extraction_from_dict(data: dict) -> Extraction:
    """The :class:`Extraction` of a dict made by :func:`extraction_to_dict`.

    Raises
    ------
    ValueError
        When ``data`` is of another format or does not have the fields of the records.
    """
    if data.get("format") != RECORD_FORMAT:
        msg = f"Extraction record of format {data.get('format')!r}, not {RECORD_FORMAT}: extract the document again."
        raise ValueError(msg)
    try:
        entities = tuple(
            Entity(
                **{
                    **e,
                    "aliases": tuple(e["aliases"]),
                    "mentions": tuple(map(tuple, e["mentions"])),
                }
            )
            for e in data["entities"]
        )
        return Extraction(
            document=Document(**data["document"]),
            entities=entities,
            relations=tuple(Relation(**r) for r in data["relations"]),
            merges=tuple(Merge(**m) for m in data["merges"]),
            model=data["model"],
            warnings=tuple(data["warnings"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"Extraction record does not have the fields of the records ({exc}): extract the document again."
        raise ValueError(msg) from exc


def extraction_fingerprint(model: str, *, gazetteer: bool, rules: tuple = (), entries: tuple = ()) -> str:
    """A hash of everything that changes what extraction makes of a document.

    That is: the versions of tiegraph and of the packages that read and parse text (:data:`_PACKAGES`), the
    model's name and version, whether the gazetteer is on, the source and data files of :mod:`extract` (code,
    lexicon, gazetteer, patterns), and the rules and gazetteer entries in use (which a caller may replace).

    Parameters
    ----------
    model
        The model as :func:`extract.model.model_id` names it (``en_core_web_sm 3.8.0``).
    gazetteer
        Whether the gazetteer is on.
    rules, entries
        The extractor's relation rules and gazetteer entries.
    """
    parts = [
        f"versions {package_versions()}",
        f"model {model}",
        f"gazetteer {gazetteer}",
        f"sources {source_digest()}",
        f"rules {_digest(repr(rules))}",
        f"entries {_digest(repr(entries))}",
    ]
    return _digest("\n".join(parts))


@lru_cache(maxsize=1)
def package_versions() -> str:
    """``name version`` of each package of :data:`_PACKAGES`, comma-separated (``-`` when not installed)."""
    found = []
    for name in _PACKAGES:
        try:
            found.append(f"{name} {package_version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} -")
    return ", ".join(found)


@lru_cache(maxsize=1)
def source_digest() -> str:
    """SHA-256 over the code and data of :mod:`extract` (``*.py``, ``data/``, ``patterns/``), by relative path."""
    h = hashlib.sha256()
    files = [p for p in _PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for path in sorted(files, key=lambda p: p.relative_to(_PACKAGE_DIR).as_posix()):
        if path.suffix not in (".py", ".json", ".jsonl"):
            continue
        h.update(path.relative_to(_PACKAGE_DIR).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
