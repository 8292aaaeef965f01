"""Tests of graph.io: outputs are replaced atomically, never left half-written."""

from __future__ import annotations

import json

import pytest

import graph.io
from graph.io import write_bytes_atomic, write_json_atomic


def test_io_write_bytes_atomic_replaces_the_file(tmp_path):
    path = tmp_path / "sub" / "graph.ttl"
    write_bytes_atomic(path, b"old")
    write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in path.parent.iterdir()] == ["graph.ttl"]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_io_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch, step):
    path = tmp_path / "graph.ttl"
    path.write_bytes(b"good")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graph.io.os, step, fail)
    with pytest.raises(OSError, match="No space left"):
        write_bytes_atomic(path, b"half")
    assert path.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.ttl"]


def test_io_write_json_atomic_is_sorted_with_final_newline(tmp_path):
    path = tmp_path / "report.json"
    write_json_atomic(path, {"b": 1, "a": "Zhào"})
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n") and text.index('"a"') < text.index('"b"')
    assert "Zhào" in text and json.loads(text) == {"a": "Zhào", "b": 1}
