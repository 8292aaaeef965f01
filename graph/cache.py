"""The per-document extraction cache of a build folder: ``DIR/cache/``.

Each entry is one :class:`~extract.types.Extraction` record as JSON (``DIR/cache/ab/abcdef….json``), keyed by a
hash of the document's source (its path, and the bytes of its file or of its JSON Lines record) and of the
:func:`~extract.records.extraction_fingerprint`: tiegraph, its code and data, spaCy, the model and the gazetteer
setting. An unchanged document is therefore never parsed again, and any change that could alter its record
makes a new key. ``DIR/cache/manifest.json`` lists the documents of the last build (path to key), which is how a
rebuild knows what was removed; entries no build uses any more are deleted at the end of each build.

Entries are written atomically; one that cannot be read (a crash, a disk error, another version) is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from extract.records import extraction_from_dict, extraction_to_dict
from extract.types import Extraction
from graph.io import write_bytes_atomic, write_json_atomic
from graph.rdf import GraphBlock

#: The cache folder inside a build folder.
CACHE_DIR: str = "cache"
MANIFEST: str = "manifest.json"

log = logging.getLogger("tiegraph")


def cache_key(fingerprint: str, path: str, source: bytes) -> str:
    """SHA-256 of the extraction ``fingerprint``, the document's ``path`` and its ``source`` bytes.

    Examples
    --------
    >>> cache_key("f", "a.txt", b"x") == cache_key("f", "a.txt", b"x") != cache_key("f", "b.txt", b"x")
    True
    """
    h = hashlib.sha256()
    for part in (fingerprint.encode("utf-8"), path.encode("utf-8"), source):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


@dataclass(frozen=True)
class ExtractionCache:
    """The cache under ``folder`` for extractions made with ``fingerprint``."""

    folder: Path
    fingerprint: str

    def key(self, path: str, source: bytes) -> str:
        """The key of the document at ``path`` whose file (or JSON Lines record) holds ``source``."""
        return cache_key(self.fingerprint, path, source)

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Extraction | None:
        """The cached extraction of ``key``, or ``None`` when there is none that can be read."""
        file = self._file(key)
        try:
            data = json.loads(file.read_bytes())
            if data.get("key") != key:
                raise ValueError("the entry names another key")
            return extraction_from_dict(data["extraction"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.debug("cache entry %s cannot be read (%s); extracting again", file, exc)
            return None

    def put(self, key: str, extraction: Extraction) -> None:
        """Store ``extraction`` under ``key`` (atomically, without syncing: an entry lost in a crash is a miss)."""
        data = {"key": key, "extraction": extraction_to_dict(extraction)}
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        write_bytes_atomic(self._file(key), payload, durable=False)

    def previous(self) -> dict[str, str]:
        """Document path to key, for the documents of the last build into this folder (empty when none)."""
        try:
            data = json.loads((self.folder / MANIFEST).read_bytes())
            documents = data["documents"]
            return {str(p): str(k) for p, k in documents.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def finish(self, documents: dict[str, str]) -> None:
        """Record ``documents`` (path to key) as this build's, and delete the entries no document uses."""
        write_json_atomic(self.folder / MANIFEST, {"fingerprint": self.fingerprint, "documents": documents})
        keep = set(documents.values())
        # entries of removed or changed documents go, and stray temporaries
        _prune(self.folder, lambda entry: entry.suffix == ".json" and entry.stem in keep)


def _prune(folder: Path, keep: Callable[[Path], bool]) -> None:
    """Delete the files of ``folder``'s shards (``ab/``) that ``keep`` says no to, and shards left empty."""
    if not folder.is_dir():
        return
    for sub in folder.iterdir():
        if not _is_shard(sub):
            continue
        for entry in sub.iterdir():
            if not keep(entry):
                entry.unlink(missing_ok=True)
        if not any(sub.iterdir()):
            sub.rmdir()


def _is_shard(path: Path) -> bool:
    """A folder of entries: two hexadecimal digits (``DIR/cache/ab``), not the graph blocks' ``rdf``."""
    return path.is_dir() and len(path.name) == 2 and all(c in "0123456789abcdef" for c in path.name)


#: The graph blocks' folder inside the cache folder.
GRAPH_DIR: str = "rdf"


@dataclass
class GraphCache:
    """Serialized document graphs (:class:`graph.rdf.GraphBlock`) under ``folder``: ``ab/abcdef….trig`` and ``.ttl``.

    A block's key is the digest of all its graph is made of, so a hit is always right; :meth:`finish` deletes
    the blocks the last build did not use.
    """

    folder: Path
    used: set[str] = field(default_factory=set)

    def _file(self, key: str, suffix: str) -> Path:
        return self.folder / key[:2] / f"{key}{suffix}"

    def get(self, key: str, name: str) -> GraphBlock | None:
        """The block of ``key`` (the graph ``name``), or ``None`` when it is not here or cannot be read."""
        self.used.add(key)
        try:
            return GraphBlock(name, key, self._file(key, ".trig").read_bytes(), self._file(key, ".ttl").read_bytes())
        except OSError:
            return None

    def put(self, block: GraphBlock) -> None:
        """Keep ``block`` (atomically, without syncing: a block lost in a crash is made again)."""
        self.used.add(block.key)
        write_bytes_atomic(self._file(block.key, ".ttl"), block.own, durable=False)
        write_bytes_atomic(self._file(block.key, ".trig"), block.trig, durable=False)

    def finish(self) -> None:
        """Delete the blocks this build did not use."""
        _prune(self.folder, lambda entry: entry.suffix in (".trig", ".ttl") and entry.stem in self.used)
