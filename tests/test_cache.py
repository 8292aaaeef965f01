"""Tests of the extraction records as JSON (extract.records), the build cache (graph.cache) and the executors'
helpers that need no model (extract.executors): hand-built records only."""

from __future__ import annotations

import json

import pytest

from extract.documents import document_from_text
from extract.executors import BatchResult, Outcome, batches, check_worker, failure_message
from extract.records import extraction_fingerprint, extraction_from_dict, extraction_to_dict
from extract.types import Entity, Extraction, Merge, Relation
from graph.cache import ExtractionCache, cache_key
from ontology.errors import TiegraphError

TEXT = "Zhao Minghui, Chairman of Acme Group, spoke in Perth.\n"


def make_extraction(text: str = TEXT, path: str = "a.txt") -> Extraction:
    doc = document_from_text(text, path=path, title="Acme", url="https://a.example")
    zhao = Entity("Person:zhao minghui", "Zhao Minghui", "Person", mentions=((doc.id, 0, 12),), confidence=0.9)
    acme = Entity(
        "Organization:acme",
        "Acme Group",
        "Organization",
        subtype="Company",
        aliases=("Acme",),
        qid="Q1",
        mentions=((doc.id, 26, 36),),
        date=None,
    )
    rel = Relation(zhao.key, "holdsPosition", acme.key, doc.id, 0, 53, "post.appositive", 0.9, role="Chairman")
    merge = Merge(acme.key, "Acme", "same-name", 0.85)
    return Extraction(doc, (zhao, acme), (rel,), (merge,), model="en_core_web_sm 3.8.0", warnings=("a.txt: odd.",))


def test_records_round_trip_through_json():
    x = make_extraction()
    data = json.loads(json.dumps(extraction_to_dict(x)))
    assert extraction_from_dict(data) == x


@pytest.mark.parametrize(
    "change",
    [lambda d: d.update(format=0), lambda d: d.pop("entities"), lambda d: d["relations"][0].update(extra=1)],
    ids=["format", "missing", "unknown-field"],
)
def test_records_refuse_what_they_did_not_write(change):
    data = json.loads(json.dumps(extraction_to_dict(make_extraction())))
    change(data)
    with pytest.raises(ValueError, match="extract the document again"):
        extraction_from_dict(data)


def test_records_fingerprint_names_everything_that_changes_extraction():
    base = extraction_fingerprint("en_core_web_sm 3.8.0", gazetteer=True, rules=("r",), entries=("e",))
    assert base == extraction_fingerprint("en_core_web_sm 3.8.0", gazetteer=True, rules=("r",), entries=("e",))
    others = {
        extraction_fingerprint("en_core_web_sm 3.8.1", gazetteer=True, rules=("r",), entries=("e",)),
        extraction_fingerprint("en_core_web_sm 3.8.0", gazetteer=False, rules=("r",), entries=("e",)),
        extraction_fingerprint("en_core_web_sm 3.8.0", gazetteer=True, rules=("r2",), entries=("e",)),
        extraction_fingerprint("en_core_web_sm 3.8.0", gazetteer=True, rules=("r",), entries=()),
    }
    assert base not in others and len(others) == 4


def test_cache_key_depends_on_fingerprint_path_and_bytes():
    key = cache_key("f", "a.txt", b"text")
    assert (
        len({key, cache_key("g", "a.txt", b"text"), cache_key("f", "b.txt", b"text"), cache_key("f", "a.txt", b"t")})
        == 4
    )
    assert cache_key("f", "ab", b"c") != cache_key("f", "a", b"bc")  # parts cannot run into each other


def test_cache_put_get_and_miss(tmp_path):
    cache = ExtractionCache(tmp_path / "cache", "f")
    x = make_extraction()
    key = cache.key("a.txt", TEXT.encode())
    assert cache.get(key) is None
    cache.put(key, x)
    assert cache.get(key) == x
    [entry] = (tmp_path / "cache").rglob("*.json")
    assert entry.parent.name == key[:2] and entry.name == f"{key}.json"
    assert json.loads(entry.read_text(encoding="utf-8"))["key"] == key  # plain JSON, inspectable
    assert ExtractionCache(tmp_path / "cache", "other").get(cache_key("other", "a.txt", TEXT.encode())) is None


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"key": "someone else", "extraction": {}}', b"[1]"])
def test_cache_unreadable_entry_is_a_miss(tmp_path, damage):
    cache = ExtractionCache(tmp_path, "f")
    key = cache.key("a.txt", b"x")
    cache.put(key, make_extraction())
    [entry] = tmp_path.rglob("*.json")
    entry.write_bytes(damage)
    assert cache.get(key) is None


def test_cache_finish_records_the_build_and_prunes(tmp_path):
    cache = ExtractionCache(tmp_path, "f")
    assert cache.previous() == {}
    keys = {path: cache.key(path, path.encode()) for path in ("a.txt", "b.txt", "c.txt")}
    for path, key in keys.items():
        cache.put(key, make_extraction(path=path))
    (tmp_path / keys["a.txt"][:2] / ".stray.json.123.tmp").write_bytes(b"half")
    cache.finish({"a.txt": keys["a.txt"], "c.txt": keys["c.txt"]})
    assert cache.previous() == {"a.txt": keys["a.txt"], "c.txt": keys["c.txt"]}
    left = sorted(p.stem for p in tmp_path.rglob("*.json") if p.name != "manifest.json")
    assert left == sorted([keys["a.txt"], keys["c.txt"]])
    assert not list(tmp_path.rglob("*.tmp"))
    assert cache.get(keys["b.txt"]) is None


def test_executors_batches_are_cut_for_the_workers():
    docs = [document_from_text("x", path=f"{i}.txt") for i in range(100)]
    assert [len(b) for b in batches(docs)] == [32, 32, 32, 4]
    assert [len(b) for b in batches(docs, workers=2)] == [13] * 7 + [9]
    assert [d for b in batches(docs, workers=3) for d in b] == docs
    assert batches([], workers=2) == []


def test_executors_check_worker_refuses_another_version():
    result = BatchResult((Outcome("a.txt", error="a.txt: extraction failed (E: x)."),), "old", "host:42")
    assert check_worker(result, "old") is result
    with pytest.raises(TiegraphError) as info:
        check_worker(result, "new")
    assert str(info.value) == (
        "The worker host:42 extracts with another tiegraph, spaCy or model than this machine. "
        "Install the same versions on every worker and build again."
    )


def test_executors_failure_message():
    doc = document_from_text("x", path="news/a.txt")
    assert failure_message(doc, ValueError("too long")) == "news/a.txt: extraction failed (ValueError: too long)."
