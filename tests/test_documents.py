"""Tests of extract.documents: slugs, publication dates, reading articles and finding them in folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extract.documents import document_from_text, find_published_date, iter_input_files, read_document, slugify
from ontology.errors import InputError, TiegraphError


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Northfield Rare Metals Group", "northfield-rare-metals-group"),
        ("  Coral Coast Minerals!  ", "coral-coast-minerals"),
        ("Harbin Geological Society's Survey", "harbin-geological-society-s-survey"),
        ("NDRC / 2024 report", "ndrc-2024-report"),
        ("中文", "x"),
        ("---", "x"),
        ("", "x"),
    ],
)
def test_documents_slugify(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["Zhào Mínghuī’s “Group”", "a" * 60, "word " * 30, "Ünïcode — dash"])
def test_documents_slugify_is_short_ascii_without_edge_dashes(text):
    slug = slugify(text)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= 48
    assert len(slugify(text, max_length=10)) <= 10


@pytest.mark.parametrize(
    "text, iso",
    [
        ("Body text.\nSource: Coastal Daily, March 3rd, 2024\n", "2024-03-03"),
        ("Body text.\nSource: Coastal Daily, July 1, 2025", "2025-07-01"),
        ("Source: Coastal Daily, July 21st, 2025\nAll rights reserved.", "2025-07-21"),
        ("Body text.\nSource: Coastal Daily, February 30, 2024", None),  # no such day
        ("Body text.\nSource: Coastal Daily, 2024", None),
        ("Published on July 1, 2025 by Coastal Daily.", None),  # not a Source: line
        ("", None),
    ],
)
def test_documents_find_published_date(text, iso):
    assert find_published_date(text) == iso


def test_documents_document_from_text_id_is_stable_for_a_path():
    a = document_from_text("One text.", path="news/a.txt")
    b = document_from_text("Another text.", path="news/a.txt")
    c = document_from_text("One text.", path="news/b.txt")
    assert a.id == b.id != c.id
    assert a.id.startswith("a-")
    assert a.sha256 != b.sha256


def test_documents_document_from_text_takes_title_and_date_from_text():
    text = "\n  Northfield Opens a Plant  \nBody.\nSource: Coastal Daily, July 1, 2025\n"
    doc = document_from_text(text, path="t.txt")
    assert doc.text == text
    assert doc.title == "Northfield Opens a Plant"
    assert doc.published == "2025-07-01"
    assert document_from_text(text, path="t.txt", published="2020-01-01", title="T").published == "2020-01-01"


def test_documents_read_document_reads_utf8_and_drops_bom(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("\ufeffZhao Minghui’s plant\r\nopened.".encode())
    doc = read_document(path, "a.txt")
    assert doc.text == "Zhao Minghui’s plant\r\nopened."  # offsets refer to the text as decoded, line ends kept
    assert doc.path == "a.txt"


@pytest.mark.parametrize(
    "data, message",
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "news/a.txt: this looks like a binary file, not an article. Remove it from the input.",
        ),
        (b"", "news/a.txt: the file is empty."),
        (b"  \n\t\n", "news/a.txt: the file is empty."),
        (b"Caf\xe9 owners met.", "news/a.txt: not valid UTF-8 (byte 3). Convert it to UTF-8 and build again."),
    ],
    ids=["binary", "empty", "blank", "bad-utf8"],
)
def test_documents_read_document_errors(tmp_path, data, message):
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_document(path, "news/a.txt")
    assert str(info.value) == message
    assert isinstance(info.value, TiegraphError) and isinstance(info.value, ValueError)


def test_documents_iter_input_files_finds_txt_recursively_sorted(tmp_path):
    for rel in ("b.txt", "a/z.txt", "a/y.TXT", "notes.md", "a/image.png"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    single = tmp_path / "notes.md"
    found = [(rel, file) for file, rel in iter_input_files([tmp_path, single, tmp_path / "b.txt"])]
    # a folder gives its .txt files (any case), sorted; a file is taken whatever its suffix; nothing twice
    assert [rel for rel, _ in found] == ["a/y.TXT", "a/z.txt", "b.txt", "notes.md"]
    assert all(isinstance(file, Path) and file.is_file() for _, file in found)


def test_documents_iter_input_files_missing_input(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(InputError) as info:
        list(iter_input_files([missing]))
    assert str(info.value) == f"Input {str(missing)!r} does not exist. Pass files or folders of articles."
