"""Where extraction runs: in this process, in a pool of local processes, or on a Dask cluster.

Every executor takes :class:`Document` records and gives back one :class:`Outcome` per document: its
:class:`Extraction` record, or why it failed. Documents travel in batches (one ``nlp.pipe`` run each); a
document's record does not depend on the batch it was in, so every executor, and every way of cutting the
corpus into batches, gives the same records. Workers load their extractor once per process (a cached loader)
and ship back only the records, never spaCy objects; resolution across documents happens on the caller's side.

Run on a cluster with ``dask scheduler`` on one machine and ``dask worker tcp://HOST:8786 --nthreads 1
--nworkers N`` on each of the others (each worker process holds one model; one thread per process is what
spaCy wants), with tiegraph and the same model installed everywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from itertools import islice

from extract.defaults import BATCH_SIZE
from extract.pipeline import Extractor
from extract.records import extraction_fingerprint
from extract.types import Document, Extraction
from ontology.errors import ModelNotFoundError, TiegraphError

#: Batches in flight per worker: enough to keep a worker busy while its last result travels back.
IN_FLIGHT_PER_WORKER: int = 2
#: Seconds to wait for a Dask scheduler to answer, and for a first worker to join it.
DASK_TIMEOUT: int = 60

_LOCK = threading.Lock()
_EXTRACTORS: dict[ExtractorSpec, tuple[Extractor, str]] = {}


@dataclass(frozen=True, slots=True)
class ExtractorSpec:
    """What a worker needs to load its own extractor: the model (name or path) and whether to use the gazetteer."""

    model: str
    gazetteer: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """One document's result: its extraction, or the one-line reason it failed."""

    path: str
    extraction: Extraction | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a worker sends back for a batch: the outcomes, the fingerprint of its extractor, and where it ran."""

    outcomes: tuple[Outcome, ...]
    fingerprint: str
    worker: str


def failure_message(document: Document, exc: BaseException) -> str:
    """``"a.txt: extraction failed (ValueError: …)."``"""
    return f"{document.path}: extraction failed ({type(exc).__name__}: {exc})."


def extractor_fingerprint(extractor: Extractor, *, gazetteer: bool) -> str:
    """:func:`extract.records.extraction_fingerprint` of a loaded extractor."""
    return extraction_fingerprint(
        extractor.model, gazetteer=gazetteer, rules=extractor.rules, entries=extractor.gazetteer
    )


def batches(documents: Sequence[Document], *, size: int = BATCH_SIZE, workers: int = 1) -> list[list[Document]]:
    """Cut ``documents`` into runs of at most ``size``, small enough that ``workers`` get about four each.

    Examples
    --------
    >>> from extract.documents import document_from_text
    >>> docs = [document_from_text("x", path=f"{i}.txt") for i in range(10)]
    >>> [len(b) for b in batches(docs, size=4)], [len(b) for b in batches(docs, size=32, workers=2)]
    ([4, 4, 2], [2, 2, 2, 2, 2])
    """
    share = -(-len(documents) // (workers * 4)) if workers > 1 else size
    step = max(1, min(size, share))
    return [list(documents[i : i + step]) for i in range(0, len(documents), step)]


def extract_with(extractor: Extractor, documents: Sequence[Document]) -> list[Outcome]:
    """Extract one batch in this process; a document that fails is an :class:`Outcome` with an error.

    When spaCy itself fails on the batch (a text longer than the model allows, say), the documents are run one
    by one, so that only the bad one fails.
    """
    failures: list[Outcome] = []

    def on_error(document: Document, exc: Exception) -> None:
        failures.append(Outcome(document.path, error=failure_message(document, exc)))

    try:
        done = [Outcome(x.document.path, x) for x in extractor.extract(documents, on_error=on_error)]
    except ModelNotFoundError:
        raise
    except Exception as exc:
        if len(documents) == 1:
            return [Outcome(documents[0].path, error=failure_message(documents[0], exc))]
        return [outcome for d in documents for outcome in extract_with(extractor, [d])]
    return done + failures


def extract_batch(documents: Sequence[Document], spec: ExtractorSpec) -> BatchResult:
    """A worker's task: extract ``documents`` with this process's extractor for ``spec`` (loaded on first use).

    Batches of one process run one at a time, whatever the number of threads the worker runs tasks on.
    """
    with _LOCK:
        if spec not in _EXTRACTORS:
            extractor = Extractor.load(spec.model, gazetteer=spec.gazetteer)
            _EXTRACTORS[spec] = (extractor, extractor_fingerprint(extractor, gazetteer=spec.gazetteer))
        extractor, fingerprint = _EXTRACTORS[spec]
        outcomes = tuple(extract_with(extractor, documents))
    return BatchResult(outcomes, fingerprint, f"{socket.gethostname()}:{os.getpid()}")


def check_worker(result: BatchResult, expected: str) -> BatchResult:
    """``result``, when its worker's extractor has the ``expected`` fingerprint.

    Raises
    ------
    TiegraphError
        When the worker runs another version of tiegraph, its data, spaCy or the model.
    """
    if result.fingerprint != expected:
        msg = (
            f"The worker {result.worker} extracts with another tiegraph, spaCy or model than this machine. "
            "Install the same versions on every worker and build again."
        )
        raise TiegraphError(msg)
    return result


def run_local(documents: Sequence[Document], extractor: Extractor, *, size: int = BATCH_SIZE) -> Iterator[Outcome]:
    """Extract in this process, one batch at a time (only one batch of spaCy Docs is alive at once)."""
    for batch in batches(documents, size=size):
        yield from extract_with(extractor, batch)


def run_processes(
    documents: Sequence[Document], spec: ExtractorSpec, *, jobs: int, expected: str, size: int = BATCH_SIZE
) -> Iterator[Outcome]:
    """Extract in ``jobs`` local processes, each loading the model once; outcomes come as batches finish.

    Processes start from a fork server (a clean process, not a copy of this one and its threads) where there is
    one, else they are spawned.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["extract.executors"])
    work = batches(documents, size=size, workers=jobs)
    with ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=context) as pool:
        submit = lambda batch: pool.submit(extract_batch, batch, spec)  # noqa: E731
        for result in _bounded(submit, work, limit=jobs * IN_FLIGHT_PER_WORKER):
            yield from check_worker(result, expected).outcomes


def run_dask(
    documents: Sequence[Document],
    spec: ExtractorSpec,
    *,
    expected: str,
    scheduler: str | None = None,
    client=None,
    workers: int = 1,
    size: int = BATCH_SIZE,
) -> Iterator[Outcome]:
    """Extract on a Dask cluster: batches go to the workers, records come back here.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``); without one (and without ``client``) a
        ``LocalCluster`` of ``workers`` single-threaded processes is started for the build and closed after it.
    client
        A ``distributed.Client`` to use as it is (left open).
    workers
        Processes of the local cluster; with a scheduler, the workers are the cluster's.

    Raises
    ------
    TiegraphError
        When the scheduler cannot be reached or no worker joins it.
    """
    from distributed import Client, LocalCluster, as_completed

    owned: list = []
    try:
        if client is None:
            if scheduler:
                try:
                    client = Client(scheduler, timeout=DASK_TIMEOUT)
                except OSError as exc:
                    msg = (
                        f"Cannot reach the Dask scheduler at {scheduler} ({exc}). Start one with `dask scheduler`, "
                        "or leave out --scheduler to run a local cluster."
                    )
                    raise TiegraphError(msg) from exc
            else:
                # a random port for the HTTP server Dask starts anyway: 8787 may be taken by another cluster
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
                owned.append(cluster)
                client = Client(cluster)
            owned.insert(0, client)
        try:
            client.wait_for_workers(1, timeout=DASK_TIMEOUT)
        except TimeoutError as exc:
            msg = (
                f"No Dask worker joined the scheduler within {DASK_TIMEOUT} s. "
                "Start workers with `dask worker SCHEDULER_ADDRESS` and build again."
            )
            raise TiegraphError(msg) from exc
        count = max(1, len(client.scheduler_info().get("workers", {})))
        work = batches(documents, size=size, workers=count)
        pending = iter(work)
        futures = as_completed()
        for batch in islice(pending, count * IN_FLIGHT_PER_WORKER):
            futures.add(client.submit(extract_batch, batch, spec, pure=False))
        for future in futures:
            result = check_worker(future.result(), expected)
            for batch in islice(pending, 1):
                futures.add(client.submit(extract_batch, batch, spec, pure=False))
            future.release()
            yield from result.outcomes
    finally:
        for thing in owned:
            thing.close()


def _bounded(submit: Callable[[list[Document]], Future], work: Iterable[list[Document]], *, limit: int):
    """Results of ``submit(batch)`` for each batch, as they finish, with at most ``limit`` batches in flight."""
    pending_work = iter(work)
    running = {submit(batch) for batch in islice(pending_work, limit)}
    while running:
        done, running = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            for batch in islice(pending_work, 1):
                running.add(submit(batch))
            yield future.result()
