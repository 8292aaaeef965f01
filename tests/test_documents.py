"""Tests of extract.documents: slugs, publication dates, reading articles and finding them in folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extract.documents import (
    Problem,
    decode_text,
    document_from_text,
    find_published_date,
    iter_input_files,
    parse_file,
    read_document,
    read_file,
    slugify,
)
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
        (b"\xef\xbb\xbf\n", "news/a.txt: the file is empty."),
        (
            b"\x1b\x01\x02\x03 ELF-like header " * 20,
            "news/a.txt: this looks like a binary file, not an article. Remove it from the input.",
        ),
        (
            b"\xff\xfe\x00\xd8",
            "news/a.txt: starts like UTF-16 but is not valid UTF-16 (byte 2). Convert it to UTF-8 and build again.",
        ),
    ],
    ids=["binary", "empty", "blank", "bom-only", "control-bytes", "bad-utf16"],
)
def test_documents_read_document_errors(tmp_path, data, message):
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_document(path, "news/a.txt")
    assert str(info.value) == message
    assert isinstance(info.value, TiegraphError) and isinstance(info.value, ValueError)


def test_documents_iter_input_files_finds_articles_recursively_sorted(tmp_path):
    names = ("b.txt", "a/z.txt", "a/y.TXT", "notes.md", "a/image.png", "web/p.html", "web/q.HTM", "all.jsonl")
    for rel in (*names, "readme.markdown", ".hidden.txt", ".git/x.txt", "data.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found = [(rel, file) for file, rel in iter_input_files([tmp_path, tmp_path / "data.csv", tmp_path / "b.txt"])]
    # a folder gives its articles (any case of suffix), sorted, hidden ones left out; a file is taken whatever
    # its suffix; nothing twice
    assert [rel for rel, _ in found] == [
        "a/y.TXT",
        "a/z.txt",
        "all.jsonl",
        "b.txt",
        "notes.md",
        "readme.markdown",
        "web/p.html",
        "web/q.HTM",
        "data.csv",
    ]
    assert all(isinstance(file, Path) and file.is_file() for _, file in found)


def test_documents_iter_input_files_missing_input(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(InputError) as info:
        list(iter_input_files([missing]))
    assert str(info.value) == f"Input {str(missing)!r} does not exist. Pass files or folders of articles."


# --- formats, decoding and globs (issue 7) ---------------------------------------------------------------------


def test_documents_read_document_decodes_latin1_with_a_warning(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("Café owners met José Ibáñez in Nouméa.".encode("latin-1"))
    read = read_file(path, "news/a.txt")
    [doc] = read.documents
    assert doc.text == "Café owners met José Ibáñez in Nouméa."
    assert read.warnings == (
        Problem(
            "news/a.txt",
            "news/a.txt: not UTF-8; decoded as cp1252 (detected). Convert it to UTF-8 to be sure of the text.",
        ),
    )
    assert read_document(path, "news/a.txt") == doc  # decoded, never dropped


@pytest.mark.parametrize(
    "data, text, warning",
    [
        ("Zhào said “yes”.".encode(), "Zhào said “yes”.", None),
        ("\ufeffZhào".encode(), "Zhào", None),
        ("Zhào said".encode("utf-16"), "Zhào said", "a.txt: decoded as UTF-16 (byte-order mark)."),
        ("Zhào said".encode("utf-32"), "Zhào said", "a.txt: decoded as UTF-32 (byte-order mark)."),
        ("Он сказал, что завод в Москве открыт.".encode("cp1251"), "Он сказал, что завод в Москве открыт.", "cp1251"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf32", "cp1251"],
)
def test_documents_decode_text(data, text, warning):
    decoded, note = decode_text(data, "a.txt")
    assert decoded == text
    if warning is None or " " in warning:
        assert note == warning
    else:
        assert note == f"a.txt: not UTF-8; decoded as {warning} (detected). Convert it to UTF-8 to be sure of the text."


def test_documents_html_keeps_the_article_and_drops_the_boilerplate(boilerplate_html):
    read = read_file(boilerplate_html, "web/page.html")
    assert read.warnings == read.failed == read.skipped == ()
    [doc] = read.documents
    assert doc.text.startswith("Northfield Rare Metals Group opens a separation plant in Qingdao\n")
    for kept in ("Zhao Minghui, Chairman of Northfield Rare Metals Group", "Coral Coast Minerals will supply"):
        assert kept in doc.text
    for dropped in ("Sign in", "cookies", "Most read", "Harborview", "Meridian", "newsletter", "rights reserved"):
        assert dropped not in doc.text, dropped
    for dropped in ("dataLayer", "console.log", "color: red", "Privacy policy", "Kestrel", "By Li Wen"):
        assert dropped not in doc.text, dropped
    assert doc.title == "Northfield Rare Metals Group opens a separation plant in Qingdao"
    assert doc.published == "2025-07-11"
    assert doc.url == "https://news.example.com/2025/07/northfield-plant"


def test_documents_html_declared_charset_is_no_warning():
    page = '<html><head><meta charset="iso-8859-1"><title>T</title></head><body><article>'
    page += "<p>Société Minière Kéroual is based in Nouméa, the company’s chairman said on Monday.</p>"
    page += "<p>It employs 300 people at its nickel smelter near the port and plans to double that.</p>"
    page += "</article></body></html>"
    read = parse_file(page.encode("cp1252"), "p.html")
    assert read.warnings == ()
    assert "Société Minière Kéroual is based in Nouméa, the company’s chairman" in read.documents[0].text


def test_documents_html_without_article_text_is_skipped():
    read = parse_file(b"<html><head><script>x()</script></head><body></body></html>", "empty.html")
    assert read.documents == ()
    assert read.skipped == (
        Problem("empty.html", "empty.html: no article text found, only navigation and other boilerplate."),
    )


def test_documents_markdown_strips_markup_and_keeps_metadata(tmp_path):
    source = (
        "---\ntitle: Front Title\ndate: 2025-07-11\nurl: https://a.example/x\n---\n"
        "# Acme **opens** a plant\n\n"
        "Zhao Minghui, *Chairman* of [Acme Group](https://acme.example), said it was &amp; is\nfine.  \nNext.\n\n"
        "- Bullet **one**\n- Bullet two\n\n3. third\n\n> Quoted.\n\n```\ncode()\n```\n\n"
        "| Name | Post |\n|---|---|\n| Zhao | Chair |\n\n![a chart](c.png) <span>inline</span>\n\n<div>block</div>\n"
    )
    [doc] = parse_file(source.encode(), "a.md").documents
    assert doc.text == (
        "Acme opens a plant\n\n"
        "Zhao Minghui, Chairman of Acme Group, said it was & is fine.\nNext.\n\n"
        "- Bullet one\n- Bullet two\n\n3. third\n\nQuoted.\n\n"
        "Name; Post\nZhao; Chair\n\ninline\n\nblock\n"
    )
    assert (doc.title, doc.published, doc.url) == ("Front Title", "2025-07-11", "https://a.example/x")
    # offsets refer to the stripped text, which is what the document holds
    start = doc.text.index("Acme Group")
    assert doc.text[start : start + len("Acme Group")] == "Acme Group"


def test_documents_markdown_title_is_the_first_heading():
    [doc] = parse_file(b"Intro line.\n\n## Acme opens a plant\n\nBody.\n", "a.md").documents
    assert doc.title == "Acme opens a plant"
    assert parse_file(b"```\nonly code\n```\n", "b.md").skipped == (
        Problem("b.md", "b.md: no article text found, only markup."),
    )


def test_documents_jsonl_one_document_per_line_and_bad_lines_fail_alone():
    lines = [
        '{"id": "a1", "text": "Acme Group is based in Perth.", "title": "Acme", "url": "https://a.example",'
        ' "published": "2025-07-01T08:00:00Z"}',
        "",
        '{"id": 7, "text": "Beta Corp opened.\\nSource: Coastal Daily, July 1, 2025"}',
        "{not json",
        '{"id": "a1", "text": "Again."}',
        '{"text": "No id."}',
        '{"id": "e", "text": "  "}',
        "[1, 2]",
        '{"id": "n", "text": 5}',
        '{"id": "t", "text": "x", "title": 3}',
        '{"id": "p", "text": "Gamma.", "published": "last week"}',
    ]
    read = parse_file("\n".join(lines).encode(), "feed.jsonl")
    assert [(d.path, d.title, d.published, d.url) for d in read.documents] == [
        ("feed.jsonl#a1", "Acme", "2025-07-01", "https://a.example"),
        ("feed.jsonl#7", "Beta Corp opened.", "2025-07-01", None),
        ("feed.jsonl#p", "Gamma.", None, None),
    ]
    assert read.documents[0].id.startswith("a1-") and read.documents[0].text == "Acme Group is based in Perth."
    assert read.skipped == (Problem("feed.jsonl:7", "feed.jsonl:7: the text is empty."),)
    assert [(p.path, p.message) for p in read.failed] == [
        (
            "feed.jsonl:4",
            "feed.jsonl:4: not valid JSON (Expecting property name enclosed in double quotes at column 2). "
            "Fix the line or remove it.",
        ),
        ("feed.jsonl:5", "feed.jsonl:5: the id 'a1' is already used on line 1. Give every line its own id."),
        ("feed.jsonl:6", 'feed.jsonl:6: no "id" (a string). Give every line an "id" and a "text".'),
        ("feed.jsonl:8", 'feed.jsonl:8: not a JSON object. Write each document as {"id": ..., "text": ...}.'),
        ("feed.jsonl:9", 'feed.jsonl:9: no "text" (a string). Give every line an "id" and a "text".'),
        ("feed.jsonl:10", 'feed.jsonl:10: "title" must be a string or null.'),
    ]
    assert read.warnings == (
        Problem(
            "feed.jsonl:11", "feed.jsonl:11: published 'last week' is not an ISO date (YYYY-MM-DD); it is left out."
        ),
    )


def test_documents_read_document_refuses_jsonl(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "a", "text": "A."}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_document(path, "feed.jsonl")
    assert str(info.value) == "feed.jsonl: a JSON Lines file holds one document per line. Read it with read_file()."


def test_documents_unreadable_file_fails_with_one_line(tmp_path):
    read = read_file(tmp_path / "gone.txt", "gone.txt")
    assert read.failed == (Problem("gone.txt", "gone.txt: cannot be read (No such file or directory)."),)


def test_documents_iter_input_files_globs(tmp_path, monkeypatch):
    for rel in ("news/2025/a.html", "news/2025/b.txt", "news/2024/c.md", "news/x.png", "other/d.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    rels = [rel for _, rel in iter_input_files(["news/**/*.*"])]
    assert rels == ["2024/c.md", "2025/a.html", "2025/b.txt"]  # relative to the pattern's fixed folders
    assert [rel for _, rel in iter_input_files([tmp_path / "news" / "*"])] == ["2024/c.md", "2025/a.html", "2025/b.txt"]
    assert [rel for _, rel in iter_input_files(["*/2025/*.txt", "other/*.txt"])] == ["news/2025/b.txt", "d.txt"]
    with pytest.raises(InputError) as info:
        list(iter_input_files(["news/*.pdf"]))
    assert str(info.value) == (
        "Input 'news/*.pdf' matches no articles (.txt, .md, .markdown, .html, .htm, .jsonl). Check the pattern."
    )
