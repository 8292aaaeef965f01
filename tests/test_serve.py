"""Tests of ``tiegraph serve`` (graph.serve): a real server in a subprocess on 127.0.0.1 and a free port,
asked by a real SPARQL client (SPARQLWrapper) and by plain HTTP.

The server runs on a build folder made of tests/data/links.trig (no model needed); one test serves the seed
build. The server is stopped with SIGINT, as Ctrl-C would, and must exit 0 after saying ``Stopped.``.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from typer.testing import CliRunner

import graph.serve_cli
from graph.cli import app
from graph.query import library
from graph.serve import is_loopback, negotiate
from graph.store import write_store

LINKS = Path(__file__).parent / "data" / "links.trig"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
POSTS = """SELECT ?person ?role ?org WHERE {
  ?a a tg:Assertion ; rdf:subject ?p ; rdf:predicate tg:holdsPosition ; rdf:object ?o ; tg:role ?role .
  ?p rdfs:label ?person . ?o rdfs:label ?org .
} ORDER BY ?org"""


class Server:
    """A ``tiegraph serve`` subprocess; ``url`` is its base URL."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.log = (folder.parent / f"{folder.name}-serve.log").open("w+")
        code = "from graph.cli import main; main()"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, "serve", str(folder), "--port", "0", "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, "COLUMNS": "300"},
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 1.0)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                self.lines.append(line)
                if line.startswith("Serving "):
                    self.url = line.split(" at ", 1)[1].split(" ", 1)[0]
                    return
        self.proc.kill()
        self.log.seek(0)
        raise RuntimeError(f"The server did not start: {''.join(self.lines)}{self.log.read()}")

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=60)
        self.log.close()
        return self.proc.returncode, "".join(self.lines) + out


def links_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "graph.trig").write_bytes(LINKS.read_bytes())
    write_store(folder)
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return links_folder(tmp_path_factory.mktemp("serve") / "links")


@pytest.fixture(scope="module")
def server(folder):
    """A server on the links build with a 3 s time limit and results capped at 50 rows."""
    srv = Server(folder, "--timeout", "3", "--max-rows", "50")
    yield srv
    code, out = srv.stop()
    assert code == 0, out
    assert out.rstrip().endswith("Stopped."), out


def client(server: Server, sparql: str, fmt=JSON, method=None) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(server.endpoint)
    wrapper.setQuery(sparql)
    wrapper.setReturnFormat(fmt)
    if method == POSTDIRECTLY:
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(POSTDIRECTLY)
    elif method:
        wrapper.setMethod(method)
    return wrapper


def get(server: Server, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(server.url.rstrip("/") + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def bindings(result: dict) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


ZHAO_ROWS = [
    {"person": "Zhao Minghui", "role": "deputy", "org": "National People's Congress"},
    {"person": "Zhao Minghui", "role": "Chairman", "org": "Northfield Rare Metals Group"},
]


# --- the protocol, with a real client ----------------------------------------------------------------------


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY], ids=["GET", "POST-form", "POST-direct"])
def test_serve_select_json(server, method):
    result = client(server, POSTS, JSON, method).queryAndConvert()
    assert result["head"]["vars"] == ["person", "role", "org"]
    assert bindings(result) == ZHAO_ROWS


def test_serve_select_xml_csv_tsv(server):
    xml = client(server, POSTS, XML).queryAndConvert()
    assert [n.firstChild.data for n in xml.getElementsByTagName("literal")][:3] == [
        "Zhao Minghui",
        "deputy",
        "National People's Congress",
    ]
    csv = client(server, POSTS, CSV).queryAndConvert()
    assert csv.splitlines()[:2] == [b"person,role,org", b"Zhao Minghui,deputy,National People's Congress"]
    tsv = client(server, POSTS, TSV).queryAndConvert()
    assert tsv.splitlines()[1] == b'"Zhao Minghui"\t"deputy"\t"National People\'s Congress"'


def test_serve_ask(server):
    assert client(server, "ASK { ?p tg:holdsPosition ?o }", JSON).queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML])
def test_serve_construct(server, fmt):
    sparql = "CONSTRUCT { ?p tg:holdsPosition ?o } WHERE { ?p tg:holdsPosition ?o }"
    result = client(server, sparql, fmt).queryAndConvert()
    g = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert len(g) == 2


def test_serve_library_query_with_a_param(server):
    params = {"query": library_text("posts"), "param.organization": "National People's Congress", "format": "csv"}
    data = urlencode(params).encode()
    request = urllib.request.Request(server.endpoint, data=data)
    with urllib.request.urlopen(request, timeout=60) as response:
        lines = response.read().decode().splitlines()
    assert lines[1].startswith("Zhao Minghui,deputy,National People's Congress,0.9,")
    assert len(lines) == 2


def library_text(name: str) -> str:
    return next(q.text for q in library() if q.name == name)


# --- refusals and limits -----------------------------------------------------------------------------------


def test_serve_refuses_update(server):
    wrapper = client(server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", JSON, POST)
    with pytest.raises(urllib.error.HTTPError) as info:
        wrapper.query()
    with info.value:
        assert info.value.code == 403
        assert b"read-only" in info.value.read()
    for ctype, body in (
        ("application/sparql-update", b"DELETE WHERE { ?s ?p ?o }"),
        ("application/x-www-form-urlencoded", b"query=DELETE%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"),
    ):
        request = urllib.request.Request(server.endpoint, data=body, headers={"Content-Type": ctype})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=60)
        with info.value:
            assert info.value.code == 403
    assert client(server, "ASK { ?s ?p ?o }", JSON).queryAndConvert()["boolean"] is True  # nothing was deleted


def test_serve_refuses_service(server):
    wrapper = client(server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", JSON)
    with pytest.raises(urllib.error.HTTPError) as info:
        wrapper.query()
    with info.value:
        assert info.value.code == 403
        assert b"SERVICE is refused" in info.value.read()


def test_serve_syntax_error_is_400_with_position(server):
    with pytest.raises(QueryBadFormed, match=r"syntax error at line 1, column"):
        client(server, "SELECT ?s WHERE { ?s ?p }", JSON).query()


def test_serve_time_limit_stops_the_query_and_goes_on(server):
    status, _, body = get(server, "/sparql?" + urlencode({"query": SLOW}))
    assert status == 503
    assert b"ran longer than this endpoint's limit of 3 s" in body
    assert bindings(client(server, POSTS, JSON).queryAndConvert()) == ZHAO_ROWS


def test_serve_caps_results(server):
    status, headers, body = get(server, "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}))
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 50
    assert headers["X-Tiegraph-Truncated"] == "results cut at 50"


def test_serve_content_negotiation(server):
    q = urlencode({"query": POSTS})
    status, headers, _ = get(server, f"/sparql?{q}", {"Accept": "text/csv;q=0.5, application/sparql-results+xml"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    status, headers, _ = get(server, f"/sparql?{q}", {"Accept": "text/*"})
    assert headers["Content-Type"].startswith("text/csv")
    status, _, body = get(server, f"/sparql?{q}", {"Accept": "text/turtle"})
    assert status == 406 and b"SELECT results are offered as" in body
    status, headers, _ = get(server, f"/sparql?{q}&format=tsv")
    assert headers["Content-Type"].startswith("text/tab-separated-values")
    status, _, _ = get(server, "/sparql")
    assert status == 400


def test_serve_read_only_methods_and_host_check(server):
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("PUT", "/sparql", body=b"<urn:a> <urn:b> <urn:c> .", headers={"Content-Type": "text/turtle"})
    response = conn.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "GET, HEAD, POST"
    response.read()
    conn.close()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.putrequest("GET", "/query", skip_host=True)  # as a page on another site would, after DNS rebinding
    conn.putheader("Host", f"attacker.example:{port}")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 421
    response.read()
    conn.close()


# --- pages -------------------------------------------------------------------------------------------------


def test_serve_pages(server, folder):
    status, headers, body = get(server, "/")
    assert status == 200 and b"read-only SPARQL endpoint" in body
    status, headers, body = get(server, "/query")
    assert status == 200 and b'<script src="/query.js"></script>' in body
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert b"http" not in body.replace(b"http://HOST", b"")  # no CDN: every asset comes from here
    status, headers, body = get(server, "/query.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and b"fetch(" in body
    status, _, body = get(server, "/queries.json")
    assert {q["name"] for q in json.loads(body)} == {q.name for q in library()}
    assert get(server, "/nothing")[0] == 404
    (folder / "graph.html").write_text("<html><body>the graph page</body></html>")
    try:
        assert get(server, "/")[2] == b"<html><body>the graph page</body></html>"
    finally:
        (folder / "graph.html").unlink()


def test_serve_follows_a_rebuilt_store(tmp_path):
    folder = links_folder(tmp_path / "rebuilt")
    srv = Server(folder)
    try:
        ask = 'ASK { ?s rdfs:label "Halvorsen Kapital" }'
        assert client(srv, ask, JSON).queryAndConvert()["boolean"] is False
        trig = folder / "graph.trig"
        trig.write_text(trig.read_text(encoding="utf-8").replace("Halvorsen Capital", "Halvorsen Kapital"), "utf-8")
        write_store(folder)  # what a rebuild does
        assert client(srv, ask, JSON).queryAndConvert()["boolean"] is True
    finally:
        code, out = srv.stop()
    assert code == 0 and "Stopped." in out


@pytest.mark.model
def test_serve_seed_build(seed_build):
    srv = Server(seed_build.out)
    try:
        result = client(srv, POSTS, JSON).queryAndConvert()
        assert {"person": "Meng Fanying", "role": "Chair", "org": "Baotou Iron and Steel Group"} in bindings(result)
    finally:
        code, out = srv.stop()
    assert code == 0, out


# --- helpers and the command line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "kind", "fmt"),
    [
        (None, "select", "json"),
        ("application/sparql-results+json,application/json", "select", "json"),
        ("application/xml", "ask", "xml"),
        ("text/csv, text/tab-separated-values;q=0.9", "select", "csv"),
        ("text/tab-separated-values, text/csv;q=0.9", "select", "tsv"),
        ("*/*", "select", "json"),
        ("application/n-triples", "construct", "ntriples"),
        ("text/plain", "describe", "ntriples"),
        ("application/rdf+xml", "construct", "rdfxml"),
        ("text/csv;q=0", "select", None),
        ("image/png", "construct", None),
    ],
)
def test_serve_negotiate(accept, kind, fmt):
    assert negotiate(accept, kind) == fmt


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("192.168.1.4", False), ("example.org", False)],
)  # fmt: skip
def test_serve_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_serve_cli_warns_off_loopback(monkeypatch, folder):
    calls = []
    monkeypatch.setattr(graph.serve_cli, "serve", lambda *a, **k: calls.append((a, k)))
    result = CliRunner().invoke(app, ["serve", str(folder), "--host", "0.0.0.0", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert "Warning: listening on 0.0.0.0 makes the graph readable by every machine" in result.stderr
    assert calls[0][1]["host"] == "0.0.0.0" and calls[0][1]["timeout"] == 5.0
    result = CliRunner().invoke(app, ["serve", str(folder)])
    assert result.stderr == "" and calls[1][1]["host"] == "127.0.0.1" and calls[1][1]["port"] == 7878
