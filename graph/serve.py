"""``tiegraph serve``: a read-only SPARQL 1.1 Protocol endpoint over a build's store, with a query page.

Routes::

    /sparql        the endpoint: GET ?query=, POST form-encoded (query=) or application/sparql-query;
                   default-graph-uri and named-graph-uri as in the protocol; the result format follows the
                   Accept header (JSON, XML, CSV, TSV; Turtle, N-Triples, RDF/XML for graphs) or ?format=
    /              DIR/graph.html when the build has one, else a short index
    /query         a query page (plain HTML and JavaScript, served from here: no CDN)
    /queries.json  the query library, for the page

Besides the protocol's fields, ``/sparql`` takes ``param.NAME=VALUE`` (as ``tiegraph query --param``):
the value is read as an RDF term and bound to ``?NAME`` by substitution, never spliced into the text.

Safety: SPARQL Update gets 403, and so does ``SERVICE`` (the server never makes a request of its own).
Each query runs in a worker process that holds the store open read-only; one that runs past the time
limit is killed and replaced, so a runaway query cannot pin the server. Results are capped at
``max_rows`` rows (``X-Tiegraph-Truncated`` says when). The server binds to loopback unless told
otherwise, and then only answers requests addressed to a loopback name (no DNS rebinding).

The workers are ``python -c`` processes running :func:`_worker_main`; they read jobs on stdin.
"""

from __future__ import annotations

import ipaddress
import json
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

from graph.store import STORE_NAME, store_prefixes, store_status, write_store
from ontology.errors import InputError, QueryError, QueryRefusedError, TiegraphError

__all__ = [
    "DEFAULT_MAX_ROWS",
    "DEFAULT_PORT",
    "DEFAULT_TIMEOUT",
    "SparqlServer",
    "WorkerPool",
    "is_loopback",
    "make_server",
    "negotiate",
    "serve",
]

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
MAX_BODY = 1 << 20  # bytes of a POSTed query
TEMPLATES = Path(__file__).with_name("templates")

#: Media type -> format, for each kind of result, in the server's order of preference.
SOLUTION_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/xml": "xml",
}
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/rdf+xml": "rdfxml",
}
CONTENT_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json; charset=utf-8",
    "xml": "application/sparql-results+xml; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples; charset=utf-8",
    "rdfxml": "application/rdf+xml; charset=utf-8",
}
_FORMAT_ALIASES: dict[str, str] = {
    **SOLUTION_TYPES,
    **GRAPH_TYPES,
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "rdf+xml": "rdfxml",
    "rdf": "rdfxml",
    "xml": "xml",
}
_PAGE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"


class ServerError(TiegraphError):
    """A request the endpoint answers with an HTTP error: the status and a sentence for the client."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only reaches this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def negotiate(accept: str | None, kind: str) -> str | None:
    """The result format for an ``Accept`` header and a query kind; None when nothing offered is acceptable.

    Examples
    --------
    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", "select")
    'xml'
    >>> negotiate("*/*", "construct")
    'turtle'
    >>> negotiate("text/turtle", "select") is None
    True
    """
    offered = GRAPH_TYPES if kind in ("construct", "describe") else SOLUTION_TYPES
    if not accept or not accept.strip():
        return next(iter(offered.values()))
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, item in enumerate(accept.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        media = media.lower()
        q = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media in offered:
            fmt, specificity = offered[media], 2
        elif media == "*/*" or (media.endswith("/*") and any(t.startswith(media[:-1]) for t in offered)):
            fmt = next(v for t, v in offered.items() if media == "*/*" or t.startswith(media[:-1]))
            specificity = 0 if media == "*/*" else 1
        else:
            continue
        rank = (q, specificity, -index)
        if best is None or rank > best:
            best, chosen = rank, fmt
    return chosen


# --- workers -----------------------------------------------------------------------------------------------


def _send_frame(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _recv_frame(stream: BinaryIO) -> Any:
    (size,) = struct.unpack("!Q", _read_exact(stream, 8))
    return pickle.loads(_read_exact(stream, size))


@dataclass(frozen=True)
class Job:
    """One query for a worker."""

    sparql: str
    fmt: str
    max_rows: int
    default_graph: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reply:
    """A worker's answer: ``status`` is ok, refused, bad or error; ``body`` the serialised result or a message."""

    status: str
    body: bytes
    fmt: str = ""
    truncated: bool = False


def _worker_main(store_path: str) -> None:
    """A worker: open the store read-only, then answer jobs from stdin on stdout until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import pyoxigraph as ox

    from graph.query import parse_param, run_query

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the reply stream
    store = ox.Store.read_only(store_path)
    prefixes = _prefixes(Path(store_path).parent)
    _send_frame(stdout, Reply("ready", b""))
    while True:
        try:
            job: Job = _recv_frame(stdin)
        except EOFError:
            os._exit(0)  # the server has gone: leave without tearing the store down
        try:
            params = {key: parse_param(value, prefixes) for key, value in job.params}
            result = run_query(
                store,
                job.sparql,
                params=params,
                limit=job.max_rows,
                prefixes=prefixes,
                default_graph=job.default_graph,
                named_graphs=job.named_graphs,
            )
            fmt = job.fmt
            if result.kind == "graph" and fmt == "rdfxml":
                body = ox.serialize(result.triples, format=ox.RdfFormat.RDF_XML, prefixes=dict(prefixes)) or b""
            else:
                body = result.serialize(fmt)
            reply = Reply("ok", body, fmt, result.truncated)
        except QueryRefusedError as exc:
            reply = Reply("refused", str(exc).encode())
        except QueryError as exc:
            reply = Reply("bad", str(exc).encode())
        except Exception as exc:  # reported to the client as a 500, and the worker carries on
            reply = Reply("error", f"{type(exc).__name__}: {exc}".encode())
        _send_frame(stdout, reply)


def _prefixes(folder: Path) -> dict[str, str]:
    from ontology.namespace import PREFIXES

    return dict(PREFIXES) | store_prefixes(folder)


_WORKER = "import sys; from graph.serve import _worker_main; _worker_main(sys.argv[1])"


class _Worker:
    def __init__(self, store_path: Path, generation: int) -> None:
        self.generation = generation
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(store_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C in the terminal reaches the server, which stops the workers
            cwd=str(Path(__file__).resolve().parents[1]),
        )

    def wait_ready(self, timeout: float) -> None:
        reply = self.receive(timeout)
        if reply is None or reply.status != "ready":
            self.stop()
            msg = "A query worker did not start: the store cannot be opened. Rebuild it with `tiegraph build`."
            raise InputError(msg)

    def receive(self, timeout: float) -> Reply | None:
        """The next reply, or None when none came within ``timeout`` seconds (or the worker died)."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        try:
            return _recv_frame(self.proc.stdout)
        except (EOFError, pickle.UnpicklingError, struct.error):
            return None

    def send(self, job: Job) -> bool:
        try:
            _send_frame(self.proc.stdin, job)
            return True
        except (BrokenPipeError, OSError):
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a killed process always ends
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class WorkerPool:
    """Worker processes that each hold the store open read-only; a worker past its time limit is killed.

    Parameters
    ----------
    folder
        The build folder (its ``store/`` is opened).
    size
        Number of workers, i.e. queries that run at once.
    timeout
        Seconds a query may run (and a request may wait for a free worker).
    """

    def __init__(self, folder: Path, *, size: int = 2, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.store_path = Path(folder) / STORE_NAME
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._closed = False
        self.generation = 0
        self._stamp = self._store_stamp()
        workers = [self._spawn() for _ in range(self.size)]
        for w in workers:
            w.wait_ready(max(timeout, 60.0))
            self._idle.put(w)

    def _store_stamp(self) -> tuple[int, int] | None:
        try:
            stat = (self.store_path / "tiegraph-store.json").stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _spawn(self) -> _Worker:
        worker = _Worker(self.store_path, self.generation)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.discard(worker)

    def _replace(self, worker: _Worker) -> None:
        """Stop ``worker`` and start another in the background; it joins the idle queue when ready."""
        self._retire(worker)
        if self._closed:
            return

        def start() -> None:
            new = self._spawn()
            try:
                new.wait_ready(60.0)
            except InputError:
                self._retire(new)
                return
            if self._closed:
                self._retire(new)
            else:
                self._idle.put(new)

        threading.Thread(target=start, name="tiegraph-worker-start", daemon=True).start()

    def _check_store(self) -> None:
        """After a rebuild swapped in a new store, retire the workers that hold the old one."""
        stamp = self._store_stamp()
        if stamp != self._stamp and stamp is not None:
            with self._lock:
                if stamp != self._stamp:
                    self._stamp = stamp
                    self.generation += 1

    def run(self, job: Job) -> Reply:
        """Run ``job`` on a free worker.

        Raises
        ------
        ServerError
            503 when no worker is free within the time limit, or the query runs past it.
        """
        self._check_store()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                msg = f"Every query worker is busy; try again in a moment (limit {self.timeout:g} s)."
                raise ServerError(HTTPStatus.SERVICE_UNAVAILABLE, msg) from None
            if worker.generation == self.generation and worker.proc.poll() is None:
                break
            self._replace(worker)
        if not worker.send(job):
            self._replace(worker)
            raise ServerError(HTTPStatus.INTERNAL_SERVER_ERROR, "A query worker stopped unexpectedly; try again.")
        reply = worker.receive(max(0.0, deadline - time.monotonic()))
        if reply is None:
            self._replace(worker)
            msg = (
                f"The query ran longer than this endpoint's limit of {self.timeout:g} s and was stopped. "
                "Narrow it down or add a LIMIT."
            )
            raise ServerError(HTTPStatus.SERVICE_UNAVAILABLE, msg)
        self._idle.put(worker)
        return reply

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for w in workers:
            self._retire(w)


# --- HTTP --------------------------------------------------------------------------------------------------


class SparqlServer(ThreadingHTTPServer):
    """A threading HTTP server that holds the build folder, the worker pool and the limits."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], folder: Path, pool: WorkerPool, *, max_rows: int, quiet: bool) -> None:
        self.folder = folder
        self.pool = pool
        self.max_rows = max_rows
        self.quiet = quiet
        self.check_host = is_loopback(address[0])
        super().__init__(address, SparqlHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/"


class SparqlHandler(BaseHTTPRequestHandler):
    """Routes of the endpoint; see the module docstring."""

    server: SparqlServer
    protocol_version = "HTTP/1.1"
    server_version = "tiegraph"

    # -- plumbing --

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature of the base class
        if not self.server.quiet:
            line = format % args
            sys.stderr.write(f"{self.address_string()} {line[:300]}\n")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

    def _host_ok(self) -> bool:
        if not self.server.check_host:
            return True
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[: host.find("]") + 1]
        return is_loopback(name)

    def _route(self) -> None:
        self._body_read = False
        try:
            self._dispatch()
        finally:
            if not self._body_read and int(self.headers.get("Content-Length") or 0) > 0:
                self.close_connection = True  # an unread body would be taken for the next request

    def _dispatch(self) -> None:
        if not self._host_ok():
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "This endpoint only answers requests to a loopback address.")
            return
        path = urlsplit(self.path).path
        try:
            if path == "/sparql":
                self._sparql()
            elif self.command not in ("GET", "HEAD"):
                self._error(HTTPStatus.METHOD_NOT_ALLOWED, "Only /sparql takes POST.", {"Allow": "GET, HEAD"})
            elif path in ("/", "/index.html"):
                self._index()
            elif path == "/query":
                self._page("query.html")
            elif path == "/query.js":
                self._static("query.js", "text/javascript; charset=utf-8")
            elif path == "/queries.json":
                self._queries()
            else:
                self._error(HTTPStatus.NOT_FOUND, f"Nothing at {path}. Try /sparql, /query or /.")
        except ServerError as exc:
            self._error(exc.status, str(exc))

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._route()

    def do_HEAD(self) -> None:  # noqa: N802
        self._route()

    def do_POST(self) -> None:  # noqa: N802
        self._route()

    def _read_only(self) -> None:
        self._body_read = False
        self.close_connection = True
        self._error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "This endpoint is read-only: it answers SPARQL queries (GET, POST) and nothing else.",
            {"Allow": "GET, HEAD, POST"},
        )

    do_PUT = do_DELETE = do_PATCH = _read_only  # noqa: N815

    # -- routes --

    def _sparql(self) -> None:
        fields = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        sparql: str | None = None
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ServerError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The request is over {MAX_BODY} bytes.")
            body = self.rfile.read(length) if length else b""
            self._body_read = True
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/sparql-update":
                raise ServerError(HTTPStatus.FORBIDDEN, "SPARQL Update is refused: this endpoint is read-only.")
            if ctype == "application/x-www-form-urlencoded":
                for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                    fields.setdefault(key, []).extend(values)
            elif ctype == "application/sparql-query":
                sparql = body.decode("utf-8", "replace")
            else:
                msg = "POST a query as application/x-www-form-urlencoded (query=...) or as application/sparql-query."
                raise ServerError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, msg)
        if "update" in fields:
            raise ServerError(HTTPStatus.FORBIDDEN, "SPARQL Update is refused: this endpoint is read-only.")
        if sparql is None:
            queries = fields.get("query", [])
            if len(queries) != 1:
                msg = "Pass exactly one query, as ?query=... (GET) or in the body (POST). The query page is at /query."
                raise ServerError(HTTPStatus.BAD_REQUEST, msg)
            sparql = queries[0]
        self._run(sparql, fields)

    def _run(self, sparql: str, fields: dict[str, list[str]]) -> None:
        from graph.query import check_query

        try:
            kind = check_query(sparql)
        except QueryRefusedError as exc:
            raise ServerError(HTTPStatus.FORBIDDEN, str(exc)) from exc
        graph = kind in ("construct", "describe")
        offered = GRAPH_TYPES if graph else SOLUTION_TYPES
        # ?format= / ?output= (as Fuseki and SPARQLWrapper send them) wins when it names a format on offer
        named = [_FORMAT_ALIASES.get(v.lower(), v.lower()) for v in fields.get("format", []) + fields.get("output", [])]
        fmt = next((f for f in named if f in offered.values()), None) or negotiate(self.headers.get("Accept"), kind)
        if fmt is None:
            types = ", ".join(offered)
            raise ServerError(HTTPStatus.NOT_ACCEPTABLE, f"{kind.upper()} results are offered as: {types}.")
        job = Job(
            sparql,
            fmt,
            self.server.max_rows,
            tuple(fields.get("default-graph-uri", [])),
            tuple(fields.get("named-graph-uri", [])),
            tuple((k[len("param.") :], v[0]) for k, v in sorted(fields.items()) if k.startswith("param.")),
        )
        reply = self.server.pool.run(job)
        if reply.status == "ok":
            headers = {"Cache-Control": "no-store", "Vary": "Accept"}
            if reply.truncated:
                headers["X-Tiegraph-Truncated"] = f"results cut at {self.server.max_rows}"
            self._send(HTTPStatus.OK, reply.body, CONTENT_TYPES[reply.fmt], headers)
            return
        status = {"refused": HTTPStatus.FORBIDDEN, "bad": HTTPStatus.BAD_REQUEST}.get(
            reply.status, HTTPStatus.INTERNAL_SERVER_ERROR
        )
        self._error(status, reply.body.decode("utf-8", "replace"))

    def _index(self) -> None:
        page = self.server.folder / "graph.html"
        if page.is_file():
            self._send(HTTPStatus.OK, page.read_bytes(), "text/html; charset=utf-8")
            return
        self._page("index.html")

    def _page(self, name: str) -> None:
        body = (TEMPLATES / name).read_bytes().replace(b"{{folder}}", _html(self.server.folder.name).encode())
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8", {"Content-Security-Policy": _PAGE_CSP})

    def _static(self, name: str, content_type: str) -> None:
        self._send(HTTPStatus.OK, (TEMPLATES / name).read_bytes(), content_type, {"Cache-Control": "no-cache"})

    def _queries(self) -> None:
        from graph.query import library

        items = [
            {
                "name": q.name,
                "answers": q.answers,
                "params": [{"name": p.name, "required": p.required, "description": p.description} for p in q.params],
                "text": q.text,
            }
            for q in library()
        ]
        self._send(HTTPStatus.OK, json.dumps(items, ensure_ascii=False).encode(), "application/json; charset=utf-8")


def _html(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def ensure_store(folder: Path | str, *, say: Callable[[str], None] | None = None) -> Path:
    """The folder's store, (re)loaded from graph.trig first when it is missing or older than graph.trig.

    Raises
    ------
    InputError
        If the folder has neither a store nor a graph.trig.
    """
    folder = Path(folder)
    status = store_status(folder)
    if status == "current":
        return folder / STORE_NAME
    if not (folder / "graph.trig").is_file():
        msg = f"{folder} is not a build folder (no graph.trig). Run `tiegraph build INPUT --out {folder}` first."
        raise InputError(msg)
    if say:
        state = "missing" if status == "missing" else "older than graph.trig"
        say(f"{folder / STORE_NAME} is {state}: loading it from {folder / 'graph.trig'}.")
    return write_store(folder).path


def make_server(
    folder: Path | str,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers: int = 2,
    quiet: bool = False,
    say: Callable[[str], None] | None = None,
) -> SparqlServer:
    """A bound, not yet running server over the build ``folder`` (``port=0`` picks a free port)."""
    folder = Path(folder)
    ensure_store(folder, say=say)
    pool = WorkerPool(folder, size=workers, timeout=timeout)
    try:
        return SparqlServer((host, port), folder, pool, max_rows=max_rows, quiet=quiet)
    except OSError as exc:
        pool.close()
        msg = f"Cannot listen on {host}:{port} ({exc.strerror or exc}). Pick another --port, or stop what uses it."
        raise InputError(msg) from exc


def serve(
    folder: Path | str,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers: int = 2,
    quiet: bool = False,
    say: Callable[[str], None] | None = None,
) -> None:
    """Serve the build ``folder`` until Ctrl-C (or SIGTERM), then stop the workers and return.

    Parameters
    ----------
    folder
        A build folder (its store is created from graph.trig when missing or stale).
    host, port
        Where to listen; loopback by default. ``port=0`` picks a free port.
    timeout
        Seconds a query may run before it is stopped (HTTP 503).
    max_rows
        Results beyond this many rows (or triples) are cut off.
    workers
        Queries that may run at once, each in its own process.
    quiet
        Do not log requests.
    say
        Called with messages for the user: the URL once listening, ``Stopped.`` at the end.
    """
    server = make_server(
        folder, host=host, port=port, timeout=timeout, max_rows=max_rows, workers=workers, quiet=quiet, say=say
    )
    previous = {}
    if threading.current_thread() is threading.main_thread():  # also when started with SIGINT ignored (nohup, &)
        previous = {sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if say:
            say(
                f"Serving {server.folder} at {server.url} (SPARQL endpoint {server.url}sparql, query page "
                f"{server.url}query). Press Ctrl-C to stop."
            )
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if say:
            say("Stopped.")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
