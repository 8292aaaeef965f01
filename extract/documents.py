"""Read articles from files, folders and glob patterns into :class:`Document` records.

Formats, by suffix (:data:`extract.defaults.INPUT_FORMATS`):

- ``.txt``: plain text, kept exactly as decoded;
- ``.md``/``.markdown``: Markdown with the markup stripped (an optional ``---`` front matter gives the title,
  date and URL);
- ``.html``/``.htm``: the main text as trafilatura finds it (navigation, scripts, footers and other
  boilerplate dropped), with the page's title, date and URL as metadata;
- ``.jsonl``: one document per line, ``{"id", "text"}`` with optional ``"title"``, ``"url"`` and ``"published"``.

Whatever the format, ``Document.text`` is the text the offsets of the graph refer to: for Markdown and HTML it
is the stripped text, not the file. Text that is not UTF-8 is decoded by detection (charset-normalizer), with a
warning; a binary or undecodable file fails with a one-line reason; an empty one is skipped with a reason.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import html as html_lib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from extract.defaults import INPUT_FORMATS, PREFERRED_ENCODINGS, SNIFF_BYTES
from extract.lexicon import load_lexicon
from extract.types import Document
from ontology.errors import InputError

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
#: "Source: Baogang Daily, July 11, 2025" — the dateline many analysis sites end with.
_SOURCE_DATE = re.compile(rf"^\s*Source:.*?\b(({_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,\s+\d{{4}})\s*$", re.M)
_SLUG = re.compile(r"[^a-z0-9]+")
_GLOB_MAGIC = re.compile(r"[*?[]")
_ISO_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ].*)?\s*$")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_TAG = re.compile(r"<[^>]*>")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S)
#: C0 controls that never occur in text (tab, line feed, form feed and carriage return do).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Dates from HTML pages are accepted up to this day, whatever today is, so a build never depends on the clock.
_MAX_PAGE_DATE = "2999-12-31"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a file (or one line of a JSON Lines file) gave no document, or what was odd about one that did.

    ``message`` is a whole sentence that starts with ``path``.
    """

    path: str
    message: str


@dataclass(frozen=True, slots=True)
class FileRead:
    """What one input file gave: its documents, and the problems met on the way."""

    documents: tuple[Document, ...] = ()
    skipped: tuple[Problem, ...] = ()
    failed: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()


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
    text: str,
    *,
    path: str,
    title: str | None = None,
    published: str | None = None,
    url: str | None = None,
    name: str | None = None,
) -> Document:
    """Make a :class:`Document` from text already decoded; the id is stable for a given path.

    The id is a slug of ``name`` (default: the file name of ``path`` without its suffix) and a hash of ``path``.

    Examples
    --------
    >>> document_from_text("Acme Group is based in Perth.", path="news/acme.txt").id
    'acme-7eb4509b'
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if published is None:
        published = find_published_date(text)
    if title is None:
        title = _title_line(text)
    path_digest = hashlib.sha256(path.encode("utf-8")).hexdigest()[:8]
    doc_id = f"{slugify(name if name is not None else Path(path).stem)}-{path_digest}"
    return Document(id=doc_id, path=path, text=text, sha256=digest, title=title, published=published, url=url)


def _title_line(text: str) -> str | None:
    """The first line that is not a section heading ("Highlights") or a bullet: the article's title, if any."""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.lower().rstrip(":") in load_lexicon().heading_words:
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


def input_format(path: str | Path) -> str:
    """The reader for ``path``: ``text``, ``markdown``, ``html`` or ``jsonl`` (by suffix; plain text otherwise).

    Examples
    --------
    >>> input_format("news/a.HTM"), input_format("notes.rst")
    ('html', 'text')
    """
    return INPUT_FORMATS.get(Path(path).suffix.lower(), "text")


# --- finding the files -----------------------------------------------------------------------------------------


def iter_input_files(inputs: Iterable[Path | str]) -> Iterator[tuple[Path, str]]:
    """Yield ``(file, relative path)`` for every article under ``inputs``, each folder's files sorted.

    A folder is searched recursively for the suffixes of :data:`extract.defaults.INPUT_FORMATS` (hidden files
    and folders left out); a file is taken whatever its suffix; a glob pattern (``news/**/*.html``) gives the
    article files it matches, with paths relative to the pattern's fixed leading folders. A file reached twice
    is given once.

    Raises
    ------
    InputError
        When an input neither exists nor is a pattern that matches articles.
    """
    seen: set[Path] = set()
    for root in inputs:
        root = Path(root)
        if root.is_dir():
            pairs = _folder_files(root, root)
        elif root.is_file():
            pairs = [(root, root.name)]
        elif _GLOB_MAGIC.search(str(root)):
            pairs = _glob_files(str(root))
        else:
            msg = f"Input {str(root)!r} does not exist. Pass files or folders of articles."
            raise InputError(msg)
        for file, rel in pairs:
            resolved = file.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            yield file, rel


def _folder_files(folder: Path, base: Path) -> list[tuple[Path, str]]:
    """Article files under ``folder``, sorted, leaving out hidden files and folders (``.git``, ``.~lock…``)."""
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in INPUT_FORMATS
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.is_file()
    )
    return [(p, p.relative_to(base).as_posix()) for p in files]


def _glob_files(pattern: str) -> list[tuple[Path, str]]:
    fixed = list(_takewhile_plain(Path(pattern).parts))
    base = Path(*fixed) if fixed else Path(".")
    pairs: list[tuple[Path, str]] = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        path = Path(match)
        if path.is_dir():
            pairs.extend(_folder_files(path, base))
        elif path.is_file() and path.suffix.lower() in INPUT_FORMATS:
            pairs.append((path, path.relative_to(base).as_posix()))
    if not pairs:
        suffixes = ", ".join(INPUT_FORMATS)
        msg = f"Input {pattern!r} matches no articles ({suffixes}). Check the pattern."
        raise InputError(msg)
    return sorted(pairs, key=lambda pair: pair[1])


def _takewhile_plain(parts: tuple[str, ...]) -> Iterator[str]:
    for part in parts:
        if _GLOB_MAGIC.search(part):
            return
        yield part


# --- decoding --------------------------------------------------------------------------------------------------


def decode_text(data: bytes, rel: str, *, declared: str | None = None) -> tuple[str, str | None]:
    """Text of ``data`` and a warning when it was not UTF-8 (``None`` when it was).

    Tried in turn: a byte-order mark; the ``declared`` encoding (an HTML page's ``charset``); UTF-8; then
    detection by charset-normalizer, preferring Windows-1252 when several encodings fit equally well.

    Raises
    ------
    InputError
        When the data looks binary or fits no encoding; the message names ``rel``.

    Examples
    --------
    >>> decode_text(b"Caf\\xc3\\xa9", "a.txt")
    ('Café', None)
    >>> decode_text(b"Caf\\xe9 owners met.", "a.txt")[1]
    'a.txt: not UTF-8; decoded as cp1252 (detected). Convert it to UTF-8 to be sure of the text.'
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                msg = f"{rel}: starts like {codec.upper()} but is not valid {codec.upper()} (byte {exc.start})."
                msg += " Convert it to UTF-8 and build again."
                raise InputError(msg) from exc
            return text, None if codec == "utf-8-sig" else f"{rel}: decoded as {codec.upper()} (byte-order mark)."
    sample = data[:SNIFF_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\x00" in sample or controls > len(sample) * 0.05:
        msg = f"{rel}: this looks like a binary file, not an article. Remove it from the input."
        raise InputError(msg)
    if declared:
        for codec in _declared_codecs(declared):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError:
                continue
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        position = exc.start
    encoding = _detect(data)
    if encoding is None:
        msg = f"{rel}: not valid UTF-8 (byte {position}), and no other encoding fits."
        msg += " Convert it to UTF-8 and build again."
        raise InputError(msg)
    warning = f"{rel}: not UTF-8; decoded as {encoding} (detected). Convert it to UTF-8 to be sure of the text."
    return data.decode(encoding), warning


def _declared_codecs(declared: str) -> tuple[str, ...]:
    """Codecs to try for a declared charset; as browsers do, ISO-8859-1 and ASCII are read as Windows-1252."""
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return ()
    return ("cp1252", name) if name in ("iso8859-1", "latin-1", "ascii") else (name,)


def _detect(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for ``data``; among equally good fits, a preferred one."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    fitting = {name for m in tied for name in m.could_be_from_charset}
    for name in PREFERRED_ENCODINGS:
        if name in fitting:
            return name
    return best.encoding


# --- reading ---------------------------------------------------------------------------------------------------


def read_file(file: Path, rel: str) -> FileRead:
    """Every document of one input file, with what was skipped, failed or odd; never raises for a bad file."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        return FileRead(failed=(Problem(rel, f"{rel}: cannot be read ({exc.strerror or exc})."),))
    return parse_file(data, rel)


def parse_file(data: bytes, rel: str) -> FileRead:
    """Like :func:`read_file`, for the bytes of a file already read; the format follows the suffix of ``rel``."""
    if not data.strip():
        return FileRead(skipped=(Problem(rel, f"{rel}: the file is empty."),))
    kind = input_format(rel)
    try:
        if kind == "jsonl":
            return _parse_jsonl(data, rel)
        document, warning = _parse_single(data, rel, kind)
    except _SkipError as exc:
        return FileRead(skipped=(Problem(rel, str(exc)),))
    except InputError as exc:
        return FileRead(failed=(Problem(rel, str(exc)),))
    warnings = (Problem(rel, warning),) if warning else ()
    if document is None:
        what = "markup" if kind == "markdown" else "navigation and other boilerplate"
        return FileRead(skipped=(Problem(rel, f"{rel}: no article text found, only {what}."),), warnings=warnings)
    return FileRead(documents=(document,), warnings=warnings)


def read_document(file: Path, rel: str) -> Document:
    """Read one article (a ``.txt``, ``.md`` or ``.html`` file, or any other file as plain text).

    Raises
    ------
    InputError
        When the file is binary, cannot be decoded, is empty or holds no article text, or is a ``.jsonl`` file
        (which holds many documents: read it with :func:`read_file`); the message names the file.
    """
    if input_format(rel) == "jsonl":
        msg = f"{rel}: a JSON Lines file holds one document per line. Read it with read_file()."
        raise InputError(msg)
    read = read_file(file, rel)
    for problem in (*read.failed, *read.skipped):
        raise InputError(problem.message)
    return read.documents[0]


def _parse_single(data: bytes, rel: str, kind: str) -> tuple[Document | None, str | None]:
    if kind == "html":
        declared = _HTML_CHARSET.search(data[:SNIFF_BYTES])
        text, warning = decode_text(data, rel, declared=declared.group(1).decode("ascii") if declared else None)
        return html_document(text, path=rel), warning
    text, warning = decode_text(data, rel)
    if not text.strip():
        msg = f"{rel}: the file is empty."
        raise _SkipError(msg)
    if kind == "markdown":
        return markdown_document(text, path=rel), warning
    return document_from_text(text, path=rel), warning


class _SkipError(InputError):
    """Nothing to build from this input (an empty file or record): skipped with a reason, not failed."""


def iso_date(value: object) -> str | None:
    """``YYYY-MM-DD`` of an ISO date or date-time string, else ``None``.

    Examples
    --------
    >>> iso_date("2025-07-11T08:00:00Z"), iso_date("July 11"), iso_date("2025-02-30")
    ('2025-07-11', None, None)
    """
    if not isinstance(value, str):
        return None
    match = _ISO_DATE.match(value)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return None


# --- Markdown --------------------------------------------------------------------------------------------------


def markdown_document(source: str, *, path: str) -> Document | None:
    """A :class:`Document` of Markdown ``source`` with the markup stripped; ``None`` when no text is left.

    Headings, paragraphs and list items each end a line; soft line breaks inside a paragraph become spaces (a
    line break ends a sentence for the parser); bullets are written ``- ``. Links keep their text, images and
    code blocks are dropped, HTML tags are removed. Front matter ``title``, ``date`` and ``url`` become metadata.
    """
    meta, body = _front_matter(source)
    text, heading = markdown_to_text(body)
    if not text.strip():
        return None
    title = meta.get("title") or heading
    published = iso_date(meta.get("date") or meta.get("published"))
    url = meta.get("url") or meta.get("link") or None
    return document_from_text(text, path=path, title=title, published=published, url=url)


def _front_matter(source: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(source)
    if not match:
        return {}, source
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t")):
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, source[match.end() :]


def markdown_to_text(source: str) -> tuple[str, str | None]:
    """Plain text of Markdown ``source`` and the text of its first heading.

    Examples
    --------
    >>> markdown_to_text("# Acme *opens* a plant\\n\\nZhao Minghui, chair of [Acme](https://a.example),\\nspoke.")
    ('Acme opens a plant\\n\\nZhao Minghui, chair of Acme, spoke.\\n', 'Acme opens a plant')
    """
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(source)
    lines: list[str] = []
    heading: str | None = None
    lists: list[str] = []  # one entry per open list: its marker for the next item ("- ", "3. ")
    marker = ""  # the marker still to write before the first line of the current list item
    row: list[str] = []
    in_heading = in_cell = False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                lines.append("")
        elif kind == "list_item_open":
            marker = f"{token.info}{token.markup} " if token.info else "- "
        elif kind == "heading_open":
            in_heading = True
        elif kind in ("th_open", "td_open"):
            in_cell = True
        elif kind in ("th_close", "td_close"):
            in_cell = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            lines.append("; ".join(cell for cell in row if cell))
        elif kind == "inline":
            text = _inline_text(token.children or [])
            if in_cell:
                row.append(text)
                continue
            if in_heading and heading is None and text:
                heading = text
            if lists:
                indent = "  " * (len(lists) - 1)
                text = indent + (marker or "  ") + text
                marker = ""
            lines.append(text)
        elif kind == "html_block":
            text = " ".join(html_lib.unescape(_TAG.sub(" ", token.content)).split())
            if text:
                lines.append(text)
            if not lists:
                lines.append("")
        elif kind in ("heading_close", "paragraph_close", "table_close", "hr"):
            in_heading = False
            if not lists:
                lines.append("")
    out: list[str] = []
    for line in lines:
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return ("\n".join(out) + "\n" if out else ""), heading


def _inline_text(children) -> str:
    out: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "text_special", "code_inline"):
            out.append(child.content)
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
    return "".join(out).strip()


# --- HTML ------------------------------------------------------------------------------------------------------


def html_document(page: str, *, path: str) -> Document | None:
    """A :class:`Document` of the main text of an HTML page (trafilatura); ``None`` when it has none.

    Navigation, scripts, styles, sidebars, footers and comments are dropped; each paragraph of the article is one
    line. The page's title, publication date and canonical URL become the document's metadata.
    """
    import trafilatura

    found = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        date_extraction_params={"original_date": True, "extensive_search": False, "max_date": _MAX_PAGE_DATE},
    )
    text = (found.text or "") if found is not None else ""
    if not text.strip():
        return None
    text = text.strip() + "\n"
    return document_from_text(
        text,
        path=path,
        title=(found.title or "").strip() or None,
        published=iso_date(found.date),
        url=(found.url or "").strip() or None,
    )


# --- JSON Lines ------------------------------------------------------------------------------------------------


def _parse_jsonl(data: bytes, rel: str) -> FileRead:
    text, warning = decode_text(data, rel)
    documents: list[Document] = []
    skipped: list[Problem] = []
    failed: list[Problem] = []
    warnings: list[Problem] = [Problem(rel, warning)] if warning else []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{rel}:{number}"
        try:
            record_id, document, note = _jsonl_document(line, rel=rel, where=where)
        except _SkipError as exc:
            skipped.append(Problem(where, str(exc)))
            continue
        except InputError as exc:
            failed.append(Problem(where, str(exc)))
            continue
        if record_id in first_line:
            msg = f"{where}: the id {record_id!r} is already used on line {first_line[record_id]}."
            msg += " Give every line its own id."
            failed.append(Problem(where, msg))
            continue
        first_line[record_id] = number
        documents.append(document)
        if note:
            warnings.append(Problem(where, note))
    return FileRead(tuple(documents), tuple(skipped), tuple(failed), tuple(warnings))


def _jsonl_document(line: str, *, rel: str, where: str) -> tuple[str, Document, str | None]:
    """The id and :class:`Document` of one JSON Lines record (its path is ``rel#id``), and a warning or ``None``.

    Raises
    ------
    InputError
        When the line is not a JSON object with an ``id`` (a string or a number) and a string ``text``, or an
        optional field is not a string; the message starts with ``where`` (``file:line``).
    """
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        msg = f"{where}: not valid JSON ({exc.msg} at column {exc.colno}). Fix the line or remove it."
        raise InputError(msg) from exc
    if not isinstance(record, dict):
        msg = f'{where}: not a JSON object. Write each document as {{"id": ..., "text": ...}}.'
        raise InputError(msg)
    record_id = record.get("id")
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        record_id = str(record_id)
    if not isinstance(record_id, str) or not record_id.strip():
        msg = f'{where}: no "id" (a string). Give every line an "id" and a "text".'
        raise InputError(msg)
    record_id = record_id.strip()
    text = record.get("text")
    if not isinstance(text, str):
        msg = f'{where}: no "text" (a string). Give every line an "id" and a "text".'
        raise InputError(msg)
    for key in ("title", "url", "published"):
        if record.get(key) is not None and not isinstance(record[key], str):
            msg = f'{where}: "{key}" must be a string or null.'
            raise InputError(msg)
    if not text.strip():
        msg = f"{where}: the text is empty."
        raise _SkipError(msg)
    raw_published = record.get("published")
    published = iso_date(raw_published)
    note = None
    if raw_published and published is None:
        note = f"{where}: published {raw_published!r} is not an ISO date (YYYY-MM-DD); it is left out."
    document = document_from_text(
        text,
        path=f"{rel}#{record_id}",
        name=record_id,
        title=(record.get("title") or "").strip() or None,
        published=published,
        url=(record.get("url") or "").strip() or None,
    )
    return record_id, document, note
