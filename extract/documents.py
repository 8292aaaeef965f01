"""Read articles from files and folders into :class:`Document` records."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from extract.defaults import TEXT_SUFFIXES
from extract.types import Document
from ontology.errors import InputError

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
#: "Source: Baogang Daily, July 11, 2025" — the dateline many analysis sites end with.
_SOURCE_DATE = re.compile(rf"^\s*Source:.*?\b(({_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,\s+\d{{4}})\s*$", re.M)
_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, max_length: int = 48) -> str:
    """Lower-case ASCII slug of ``text``.

    Examples
    --------
    >>> slugify("Baogang Group’s Ceremony!")
    'baogang-group-s-ceremony'
    """
    folded = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return _SLUG.sub("-", ascii_text).strip("-")[:max_length].strip("-") or "x"


def document_from_text(
    text: str, *, path: str, title: str | None = None, published: str | None = None, url: str | None = None
) -> Document:
    """Make a :class:`Document` from text already decoded; the id is stable for a given path."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if published is None:
        published = find_published_date(text)
    if title is None:
        title = _title_line(text)
    path_digest = hashlib.sha256(path.encode("utf-8")).hexdigest()[:8]
    doc_id = f"{slugify(Path(path).stem)}-{path_digest}"
    return Document(id=doc_id, path=path, text=text, sha256=digest, title=title, published=published, url=url)


_HEADINGS = {"highlights", "summary", "key points", "key takeaways", "update", "breaking", "analysis"}


def _title_line(text: str) -> str | None:
    """The first line that is not a section heading ("Highlights") or a bullet: the article's title, if any."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.lower().rstrip(":") in _HEADINGS:
            continue
        if line.startswith(("- ", "* ", "\u2022")):
            return None
        return line[:200]
    return None


def find_published_date(text: str) -> str | None:
    """ISO date of a trailing ``Source: Outlet, Month D, YYYY`` line, if there is one."""
    from datetime import datetime

    match = _SOURCE_DATE.search(text)
    if not match:
        return None
    raw = re.sub(r"(\d)(st|nd|rd|th)", r"\1", match.group(1))
    try:
        return datetime.strptime(raw, "%B %d, %Y").date().isoformat()
    except ValueError:
        return None


def iter_input_files(inputs: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """Yield ``(file, relative path)`` for every readable article under ``inputs``, sorted.

    A folder is searched recursively; a file is taken whatever its suffix.
    """
    seen: set[Path] = set()
    for root in inputs:
        root = Path(root)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
            pairs = [(p, p.relative_to(root).as_posix()) for p in files]
        elif root.is_file():
            pairs = [(root, root.name)]
        else:
            msg = f"Input {str(root)!r} does not exist. Pass files or folders of articles."
            raise InputError(msg)
        for file, rel in pairs:
            resolved = file.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            yield file, rel


def read_document(file: Path, rel: str) -> Document:
    """Read one plain-text article as UTF-8.

    Raises
    ------
    InputError
        When the file is not valid UTF-8 text or is empty; the message names the file.
    """
    data = file.read_bytes()
    if b"\x00" in data[:4096]:
        msg = f"{rel}: this looks like a binary file, not an article. Remove it from the input."
        raise InputError(msg)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{rel}: not valid UTF-8 (byte {exc.start}). Convert it to UTF-8 and build again."
        raise InputError(msg) from exc
    if not text.strip():
        msg = f"{rel}: the file is empty."
        raise InputError(msg)
    return document_from_text(text, path=rel)
