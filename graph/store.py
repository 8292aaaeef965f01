"""The embedded Oxigraph store of a build (``DIR/store``) and in-memory stores of RDF files.

A build loads its graphs into ``DIR/store``, a pyoxigraph (RocksDB) store that ``tiegraph query`` and
``tiegraph serve`` read, while it makes them (:class:`StoreWriter`, in a thread); a rebuild updates a copy of
the last store with the graphs that changed::

    named graphs   id:graph-<document>   exactly the graphs of graph.trig
    default graph  the union             graph.trig's default graph (the run) plus every named graph,
                                         as a set: exactly the triples of graph.ttl

The union is stored rather than asked for with pyoxigraph's ``use_default_graph_as_union``: that option
returns a triple once per graph holding it (an entity's label once per document that mentions it), so
``COUNT`` and plain ``SELECT`` would disagree with graph.ttl and with every other SPARQL store; storing the
union costs a second copy of the triples on disk (see ``bench/sparql.py`` for the figures).

A rebuild makes the new store in a temporary folder beside the old one and swaps the two (atomically on
Linux, with ``renameat2(RENAME_EXCHANGE)``), so a reader never sees a half-loaded store. The store holds
``tiegraph-store.json``, which records the size and SHA-256 of the graph.trig it was loaded from:
:func:`store_status` tells whether the store is still in step with graph.trig.

Examples
--------
>>> store = load_rdf_text('<urn:example:a> <urn:example:p> "x" <urn:example:g> .', "nquads")
>>> len(store)  # the quad in its graph, and the same triple in the default graph (the union)
2
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from ontology.errors import InputError

if TYPE_CHECKING:
    from graph.rdf import BuildRDF, GraphBlock

__all__ = [
    "MARKER",
    "RDF_FORMATS",
    "STORE_NAME",
    "StoreInfo",
    "StoreWriter",
    "load_rdf",
    "load_rdf_text",
    "open_store",
    "rdf_format",
    "store_status",
    "write_store",
]

#: The store's folder inside a build folder.
STORE_NAME = "store"
#: The file inside the store that says which graph.trig it was loaded from.
MARKER = "tiegraph-store.json"
#: File extensions of the RDF files a query can read, and their pyoxigraph formats.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}
_FORMAT_NAMES = {"turtle": ".ttl", "trig": ".trig", "ntriples": ".nt", "nquads": ".nq", "jsonld": ".jsonld"}
_UNION = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
_FORMAT_VERSION = 1
_DEFAULT = ox.DefaultGraph()
#: A rebuild replaces the changed graphs in a copy of the last store while they are at most this share of all.
UPDATE_SHARE = 0.2
#: Bytes of RDF text given to pyoxigraph's bulk loader at a time (its memory grows with what it is given).
LOAD_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoreInfo:
    """What :func:`write_store` loaded: the store's folder, its quads and the source it is in step with."""

    path: Path
    quads: int
    graphs: int
    sha256: str
    prefixes: dict[str, str]


def write_store(out: Path | str, *, union: bytes | None = None) -> StoreInfo:
    """(Re)create ``out/store`` from ``out/graph.trig``, replacing any older store in one swap.

    A build does not call this: its :class:`StoreWriter` loads the graphs while they are made. This is for a
    build folder whose store is missing or stale (``tiegraph serve`` makes it again).

    Parameters
    ----------
    out
        A build folder holding ``graph.trig``.
    union
        The union of graph.trig's graphs as Turtle (``graph.ttl``), when the caller has it: it is loaded as the
        default graph instead of being computed again with SPARQL.

    Returns
    -------
    StoreInfo
        The new store's folder and counts.

    Raises
    ------
    InputError
        If ``out/graph.trig`` is missing or is not valid TriG.
    """
    out = Path(out)
    trig = out / "graph.trig"
    if not trig.is_file():
        msg = f"{trig} does not exist. Run `tiegraph build INPUT --out {out}` to make the graph first."
        raise InputError(msg)
    data = trig.read_bytes()
    tmp = Path(tempfile.mkdtemp(prefix=f".{STORE_NAME}.", suffix=".tmp", dir=out))
    try:
        store = ox.Store(str(tmp))
        try:
            _bulk_load(store, data, ox.RdfFormat.TRIG, b"\n}\n")
        except SyntaxError as exc:
            msg = f"{trig} is not valid TriG ({exc}). Rebuild the folder with `tiegraph build`."
            raise InputError(msg) from exc
        if union is None:
            store.update(_UNION)
        else:  # the default graph's own triples (the run) are in the union too
            _bulk_load(store, union, ox.RdfFormat.TURTLE, b" .\n", to_graph=ox.DefaultGraph())
        store.flush()
        del store  # closes the RocksDB instance before the folder moves
        return _put_in_place(out, tmp, data)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _counts(store: ox.Store) -> tuple[int, int]:
    """The quads and the named graphs of ``store``."""
    return len(store), sum(1 for _ in store.named_graphs())


def _put_in_place(
    out: Path,
    tmp: Path,
    data: bytes,
    *,
    run: str = "",
    blocks: dict[str, str] | None = None,
    counts: tuple[int, int] | None = None,
) -> StoreInfo:
    """Write the marker of the store loaded in ``tmp`` from the graph.trig that holds ``data``, and swap it in."""
    stat = (out / "graph.trig").stat()
    if counts is None:
        store = ox.Store.read_only(str(tmp))
        counts = _counts(store)
        del store  # closes the RocksDB instance before the folder moves
    count, graphs = counts
    info = StoreInfo(out / STORE_NAME, count, graphs, hashlib.sha256(data).hexdigest(), _trig_prefixes(data))
    marker = {
        "format": _FORMAT_VERSION,
        "source": "graph.trig",
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "sha256": info.sha256,
        "quads": count,
        "graphs": graphs,
        "default_graph": "union of all graphs",
        "prefixes": info.prefixes,
        "run": run,
        "blocks": blocks or {},
    }
    (tmp / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _swap_into_place(tmp, out / STORE_NAME)
    return info


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _previous(old: Path, run: str) -> tuple[dict[str, str], int, int] | None:
    """Graph name to block key, quads and named graphs of the store ``old``, when a build made it with this run."""
    try:
        marker = json.loads((old / MARKER).read_text(encoding="utf-8"))
        if marker.get("format") != _FORMAT_VERSION or marker.get("run") != run:
            return None
        blocks = {str(k): str(v) for k, v in marker["blocks"].items()}
        return blocks, int(marker["quads"]), int(marker["graphs"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _update_copy(old: Path, tmp: Path, rdf: BuildRDF) -> tuple[int, int] | None:
    """Make in ``tmp`` a copy of the store ``old`` with the graphs of ``rdf`` that changed replaced.

    Returns the copy's counts of quads and named graphs (kept up to date on the way, not counted again); or
    None, leaving ``tmp`` empty, when there is no store of an earlier build to start from, when its head or run
    differ, or when so many graphs changed that loading everything is quicker. The default graph (the union)
    gains the triples of the new graphs and loses the triples of the old ones that no graph holds any more.
    """
    previous = _previous(old, _digest(rdf.head + rdf.default))
    if previous is None:
        return None
    before, quads_before, graphs_before = previous
    now = {b.name: b.key for b in rdf.blocks}
    gone = [name for name, key in before.items() if now.get(name) != key]
    new = [b for b in rdf.blocks if before.get(b.name) != b.key]
    if not before or len(gone) + len(new) > len(rdf.blocks) * UPDATE_SHARE:
        return None
    try:
        tmp.rmdir()  # a checkpoint is made into a folder that does not exist yet
        ox.Store.read_only(str(old)).backup(str(tmp))
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        return None
    store = ox.Store(str(tmp))
    default = ox.DefaultGraph()
    stale: set[ox.Triple] = set()
    count = quads_before
    for name in gone:
        graph = ox.NamedNode(name)
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        stale.update(triples)
        count -= len(triples)
        store.remove_graph(graph)
    for block in new:
        quads = list(ox.parse(rdf.head + block.trig, format=ox.RdfFormat.TRIG))
        union = [u for u in {ox.Quad(q.subject, q.predicate, q.object, default) for q in quads} if u not in store]
        store.extend([*quads, *union])
        count += len(quads) + len(union)
    for t in stale:
        holders = store.quads_for_pattern(t.subject, t.predicate, t.object, None)
        if all(isinstance(q.graph_name, ox.DefaultGraph) for q in holders):
            store.remove(ox.Quad(t.subject, t.predicate, t.object, default))
            count -= 1
    store.flush()
    return count, graphs_before - len(gone) + len(new)


def _bulk_load(store: ox.Store, data: bytes, fmt: ox.RdfFormat, end: bytes, **kwargs) -> None:
    """Bulk-load ``data`` in pieces of about :data:`LOAD_CHUNK` bytes, each cut after an ``end``.

    pyoxigraph's bulk loader holds all it is given in memory, so a whole graph at once would make a build's
    peak memory grow with the corpus. ``end`` closes a statement (Turtle) or a graph (TriG) in what pyoxigraph
    and rdflib write: their literals never hold a raw line break, or, in rdflib's long literals, not that
    line. Every piece gets the ``@prefix`` lines of the head. Should a piece still not parse, the whole is
    loaded again at once, so a file cut wrongly is read right (and a broken one raises ``SyntaxError``).
    """
    head_end = 0
    while data.startswith(b"@prefix ", head_end) or data.startswith(b"\n", head_end):
        head_end = data.index(b"\n", head_end) + 1
    head, pieces, at = data[:head_end], [], head_end
    while at < len(data):
        cut = data.find(end, at + LOAD_CHUNK)
        cut = len(data) if cut < 0 else cut + len(end)
        pieces.append(data[at:cut])
        at = cut
    if len(pieces) <= 1:
        store.bulk_load(data, format=fmt, **kwargs)
        return
    try:
        for piece in pieces:
            store.bulk_load(head + piece, format=fmt, **kwargs)
    except SyntaxError:  # undo the pieces loaded, and only those: the graph they went to, or all of a TriG
        if kwargs.get("to_graph") is not None:
            store.clear_graph(kwargs["to_graph"])
        else:
            store.clear()
        store.bulk_load(data, format=fmt, **kwargs)


class StoreWriter:
    """A build's store, loaded while the build makes its graphs::

        writer = StoreWriter(out, head, default)   # the prefix lines and the default graph (graph.rdf)
        rdf = build_rdf(..., on_block=writer.add)  # each document's graph, as it is made
        writer.load(rdf)                           # the rest
        ...                                        # write graph.trig and graph.ttl, and the rest
        writer.finish(rdf, trig_bytes)             # wait, then swap the store in

    A thread loads the blocks, a few hundred kilobytes at a time, into a new store; pyoxigraph parses and
    loads without holding Python's GIL, so that runs beside the build's own work. When a build made the store
    that is there with the same head and run, nothing is streamed: :meth:`load` copies that store and
    replaces the graphs that changed (and loads everything when too many did), in the thread too. Use it as a
    context manager, so that a failed build leaves no temporary folder.
    """

    def __init__(self, out: Path | str, head: bytes, default: bytes):
        self._out, self._head = Path(out), head
        self._run = _digest(head + default)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{STORE_NAME}.", suffix=".tmp", dir=self._out))
        self._update = _previous(self._out / STORE_NAME, self._run) is not None
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._buffers: dict[str, list[bytes]] = {"trig": [default], "ttl": []}
        self._sizes = {"trig": len(default), "ttl": 0}
        self._error: BaseException | None = None
        self._counts: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None
        if not self._update:
            self._start()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._load, name="tiegraph-store", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        store = ox.Store(str(self._tmp))
        try:
            while (item := self._queue.get()) is not None:
                if self._error is None:
                    kind, data = item
                    if kind == "trig":
                        store.bulk_load(self._head + data, format=ox.RdfFormat.TRIG)
                    else:
                        store.bulk_load(self._head + data, format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
            store.flush()
            self._counts = _counts(store)
        except BaseException as exc:  # handed to the caller in finish()
            self._error = exc
            while self._queue.get() is not None:  # let the caller finish putting
                pass
        finally:
            del store

    def _push(self, kind: str, data: bytes, *, flush: bool = False) -> None:
        self._buffers[kind].append(data)
        self._sizes[kind] += len(data)
        if self._sizes[kind] >= LOAD_CHUNK or (flush and self._sizes[kind]):
            self._queue.put((kind, b"".join(self._buffers[kind])))
            self._buffers[kind], self._sizes[kind] = [], 0

    def add(self, block: GraphBlock) -> None:
        """Load one document's graph, and its own triples into the union."""
        if self._thread is not None:
            self._push("trig", block.trig)
            self._push("ttl", block.own)

    def load(self, rdf: BuildRDF) -> None:
        """Load what is left of ``rdf`` once all its blocks are made: the shared triples, or the changed graphs.

        It returns at once; :meth:`finish` waits for the loading to end.
        """
        if self._update:  # copy the last store and replace what changed, in a thread too
            self._thread = threading.Thread(target=self._update_or_load, args=(rdf,), name="tiegraph-store")
            self._thread.start()
        elif self._thread is not None:
            self._push("trig", b"", flush=True)
            self._push("ttl", rdf.shared, flush=True)
            self._queue.put(None)

    def _update_or_load(self, rdf: BuildRDF) -> None:
        try:
            self._counts = _update_copy(self._out / STORE_NAME, self._tmp, rdf)
            if self._counts is not None:
                return
            store = ox.Store(str(self._tmp))  # too much changed: load everything
            _bulk_load(store, rdf.trig(), ox.RdfFormat.TRIG, b"\n}\n")
            _bulk_load(store, rdf.turtle(), ox.RdfFormat.TURTLE, b" .\n", to_graph=_DEFAULT)
            store.flush()
            self._counts = _counts(store)
            del store
        except BaseException as exc:  # handed to the caller in finish()
            self._error = exc

    def finish(self, rdf: BuildRDF, trig: bytes) -> StoreInfo:
        """Wait for the loading, then swap the store in (``graph.trig``, whose bytes are ``trig``, is written)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error
        blocks = {b.name: b.key for b in rdf.blocks}
        return _put_in_place(self._out, self._tmp, trig, run=self._run, blocks=blocks, counts=self._counts)

    def close(self) -> None:
        """Stop the thread and remove the temporary folder, if :meth:`finish` did not take them."""
        if self._thread is not None:
            self._error = self._error or RuntimeError("the build stopped")
            if not self._update:
                self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._tmp.exists():
            shutil.rmtree(self._tmp, ignore_errors=True)


def store_status(out: Path | str) -> Literal["current", "stale", "missing"]:
    """Whether ``out/store`` exists and was loaded from the ``out/graph.trig`` that is there now.

    A store with no graph.trig beside it counts as current: it is then the only copy of the graph.
    """
    out = Path(out)
    marker = out / STORE_NAME / MARKER
    if not marker.is_file():
        return "missing"
    trig = out / "graph.trig"
    if not trig.is_file():
        return "current"
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "stale"
    stat = trig.stat()
    if info.get("format") != _FORMAT_VERSION or stat.st_size != info.get("size"):
        return "stale"
    if stat.st_mtime_ns == info.get("mtime_ns"):
        return "current"
    return "current" if _sha256_file(trig) == info.get("sha256") else "stale"


def store_prefixes(out: Path | str) -> dict[str, str]:
    """The prefixes of the graph.trig the store was loaded from (``id:`` follows the build's ``--base``)."""
    try:
        info = json.loads((Path(out) / STORE_NAME / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(info.get("prefixes", {}))


def open_store(out: Path | str) -> ox.Store:
    """Open ``out/store`` read-only.

    Raises
    ------
    InputError
        If there is no store, or it is older than ``out/graph.trig``.
    """
    out = Path(out)
    status = store_status(out)
    if status != "current":
        state = "does not exist" if status == "missing" else "is older than graph.trig"
        msg = f"{out / STORE_NAME} {state}. Rebuild it with `tiegraph build INPUT --out {out}`."
        raise InputError(msg)
    return ox.Store.read_only(str(out / STORE_NAME))


def rdf_format(path: Path | str) -> ox.RdfFormat:
    """The RDF format of a file, from its extension.

    Examples
    --------
    >>> rdf_format("graph.trig").name
    'TriG'
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".gz":
        msg = f"{path} is compressed. Decompress it first (gunzip {path})."
        raise InputError(msg)
    try:
        return RDF_FORMATS[suffix]
    except KeyError:
        known = ", ".join(sorted(RDF_FORMATS))
        msg = f"{path}: unknown RDF file extension {suffix or '(none)'!r}. Name the file with one of {known}."
        raise InputError(msg) from None


def load_rdf(paths: Sequence[Path | str]) -> ox.Store:
    """An in-memory store of RDF files: their graphs as they are, and the union in the default graph.

    Raises
    ------
    InputError
        If a file is missing, has an unknown extension, or does not parse.
    """
    store = ox.Store()
    for path in map(Path, paths):
        fmt = rdf_format(path)
        if not path.is_file():
            msg = f"{path} does not exist. Name a build folder or RDF files ({', '.join(sorted(RDF_FORMATS))})."
            raise InputError(msg)
        try:
            store.load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            msg = f"{path} is not valid {fmt.name}: {exc}. Fix the file, or give it the extension of its format."
            raise InputError(msg) from exc
    store.update(_UNION)
    return store


def load_rdf_text(text: str | bytes, fmt: str) -> ox.Store:
    """An in-memory store of RDF in a string; ``fmt`` is turtle, trig, ntriples, nquads or jsonld."""
    try:
        rdf = RDF_FORMATS[_FORMAT_NAMES[fmt]]
    except KeyError:
        msg = f"Unknown RDF format {fmt!r}. Use one of {', '.join(_FORMAT_NAMES)}."
        raise InputError(msg) from None
    store = ox.Store()
    try:
        store.load(text, format=rdf)
    except SyntaxError as exc:
        msg = f"The {fmt} text does not parse: {exc}."
        raise InputError(msg) from exc
    store.update(_UNION)
    return store


def _trig_prefixes(data: bytes) -> dict[str, str]:
    """The ``@prefix`` lines at the head of a TriG document (rdflib writes them all there)."""
    prefixes = {}
    for line in data[:8192].decode("utf-8", "replace").splitlines():
        if line.startswith("@prefix ") and line.rstrip().endswith("> ."):
            name, _, iri = line[len("@prefix ") :].partition(": <")
            prefixes[name.strip()] = iri.rstrip()[: -len("> .")]
    return prefixes


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _swap_into_place(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``; the old ``target``, if any, is removed."""
    if not target.exists() and not target.is_symlink():
        os.replace(new, target)
        return
    if target.is_dir() and not target.is_symlink() and _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old store
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.is_dir() and not target.is_symlink():
        os.replace(target, old)
    else:
        target.unlink()
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's ``renameat2(RENAME_EXCHANGE)``; False where that is unavailable."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
