"""SPARQL over a build (its Oxigraph store) or RDF files: ``query()``, the query library, result formats.

::

    from graph.query import query
    result = query("out", "SELECT ?p ?o WHERE { ?p tg:holdsPosition ?o }")
    print(result.serialize("csv").decode())
    result = query("out", name="posts", params={"organization": "Baotou Iron and Steel Group"})
    [row["role"] for row in result.records()]
    query("out", name="entity", params={"name": "Baogang Group"})  # by name or alias

The standard prefixes (tg, id, rdf, rdfs, owl, xsd, skos, org, schema, prov, oa, dct, foaf) are declared
for every query. Parameters bind variables through pyoxigraph's substitutions (SPARQL SEP-0007): the
values travel as RDF terms, never as text spliced into the query, and a parameter must be a variable of
the query's SELECT clause: binding it fixes that column of the result. The library's optional parameters
are names as the graph gives them (``rdfs:label``), so that a bound one narrows the search at once;
``entity`` and ``shortest-link`` also take aliases. Updates and ``SERVICE`` are refused before anything
runs: tiegraph only reads its graphs and never calls other endpoints.

The query library is ``graph/queries/*.rq``; each file opens with a header::

    # name: posts
    # answers: Who holds which post in which organisation ...
    # param person (optional): the person's name (rdfs:label) exactly as in the graph; ...
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from graph.store import RDF_FORMATS, STORE_NAME, load_rdf, open_store, store_prefixes, store_status
from ontology.errors import InputError, QueryError, QueryRefusedError
from ontology.namespace import PREFIXES

__all__ = [
    "GRAPH_FORMATS",
    "QUERIES_DIR",
    "SOLUTION_FORMATS",
    "LibraryQuery",
    "QueryParam",
    "QueryResult",
    "check_query",
    "get_query",
    "library",
    "open_target",
    "parse_param",
    "query",
    "run_query",
]

#: The bundled queries.
QUERIES_DIR = Path(__file__).with_name("queries")
#: Formats of SELECT and ASK results.
SOLUTION_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "xml")
#: Formats of CONSTRUCT and DESCRIBE results.
GRAPH_FORMATS: tuple[str, ...] = ("table", "turtle", "ntriples")
#: Media types of each serialisation.
MEDIA_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
}

log = logging.getLogger("tiegraph")
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Kind = Literal["select", "ask", "construct", "describe"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
_QUERY_WORDS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
_PN_CHARS = r"\w\u00b7\u00c0-\uffff"
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<var>[?$][{_PN_CHARS}]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][{_PN_CHARS}.-]*)?:(?:(?:[{_PN_CHARS}:%-]|\\.)(?:[{_PN_CHARS}.:%-]|\\.)*)?)
  | (?P<word>[A-Za-z_][\w-]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_SYNTAX = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_HEADER = re.compile(r"#\s*(?P<key>name|answers|param)\b\s*(?P<rest>.*)")
_PARAM = re.compile(r"(?P<name>[A-Za-z_]\w*)\s*(?:\((?P<flag>required|optional)\))?\s*:\s*(?P<text>.*)")


# --- checking a query --------------------------------------------------------------------------------------


def _tokens(sparql: str) -> Iterator[tuple[str, str]]:
    for match in _TOKEN.finditer(sparql):
        if match.lastgroup not in ("space", "comment"):
            yield match.lastgroup, match.group()


def check_query(sparql: str) -> Kind:
    """The form of a query (select, ask, construct, describe); refuses updates and ``SERVICE``.

    The check reads tokens, so a ``SERVICE`` inside a string, an IRI, a comment or a prefixed name
    (``ex:service``) is no call; everything else about the syntax is left to the SPARQL parser.

    Raises
    ------
    QueryRefusedError
        For a SPARQL Update, or a query that uses ``SERVICE``.

    Examples
    --------
    >>> check_query("PREFIX ex: <urn:ex:> ASK { ex:a ex:service 'SERVICE' }")
    'ask'
    >>> check_query("DELETE WHERE { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ontology.errors.QueryRefusedError: DELETE is a SPARQL Update, and tiegraph only reads graphs. ...
    """
    kind: Kind | None = None
    expect_prologue = True
    skip = 0
    for group, text in _tokens(sparql):
        upper = text.upper()
        if group == "word" and upper == "SERVICE":
            msg = (
                "SERVICE is refused: tiegraph never calls other SPARQL endpoints. "
                "Query each endpoint on its own, or load its data into a build."
            )
            raise QueryRefusedError(msg)
        if not expect_prologue:
            continue
        if skip:
            skip -= 1
            continue
        if group == "word" and upper in ("PREFIX", "BASE"):
            skip = 2 if upper == "PREFIX" else 1
            continue
        expect_prologue = False
        if group == "word" and upper in _UPDATE_WORDS:
            msg = (
                f"{upper} is a SPARQL Update, and tiegraph only reads graphs. "
                "To change the graph, edit the articles and run `tiegraph build` again."
            )
            raise QueryRefusedError(msg)
        if group == "word" and upper in _QUERY_WORDS:
            kind = upper.lower()  # type: ignore[assignment]
    return kind or "select"  # not a query at all: the parser will say where it goes wrong


def _syntax_error(exc: SyntaxError, sparql: str) -> QueryError:
    message = str(exc)
    match = _SYNTAX.match(message)
    if not match:
        return QueryError(f"The query is not valid SPARQL: {message}. Fix it and run it again.")
    line, column, detail = int(match[1]), int(match[2]), match[3].strip()
    lines = sparql.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    caret = " " * (max(column, 1) - 1) + "^"
    msg = f"The query has a syntax error at line {line}, column {column}: {detail}.\n  {shown}\n  {caret}"
    return QueryError(msg, line=line, column=column)


# --- the library -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryParam:
    """One parameter of a library query: the variable it binds and what to give it."""

    name: str
    required: bool
    description: str


@dataclass(frozen=True)
class LibraryQuery:
    """A bundled query: its name, what it answers, its parameters and its text."""

    name: str
    answers: str
    params: tuple[QueryParam, ...]
    text: str
    path: Path

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)


def parse_library_query(path: Path | str) -> LibraryQuery:
    """Read an ``.rq`` file and its header comment (``# name:``, ``# answers:``, ``# param NAME (...):``)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    name, answers, params = path.stem, [], []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            if answers and line.startswith("#  "):
                answers.append(line.lstrip("# ").strip())
            continue
        key, rest = match["key"], match["rest"].lstrip(":").strip()
        if key == "name":
            name = rest
        elif key == "answers":
            answers = [rest]
        else:
            param = _PARAM.match(rest)
            if not param:
                msg = f"{path}: bad parameter line {line!r}. Write `# param NAME (required|optional): what it is`."
                raise QueryError(msg)
            params.append(QueryParam(param["name"], param["flag"] == "required", param["text"].strip()))
    return LibraryQuery(name, " ".join(answers), tuple(params), text, path)


@cache
def _library(folder: Path) -> tuple[LibraryQuery, ...]:
    return tuple(parse_library_query(p) for p in sorted(folder.glob("*.rq")))


def library(folder: Path | str = QUERIES_DIR) -> list[LibraryQuery]:
    """The bundled queries, by name.

    Examples
    --------
    >>> "posts" in [q.name for q in library()]
    True
    """
    return list(_library(Path(folder)))


def get_query(name: str, folder: Path | str = QUERIES_DIR) -> LibraryQuery:
    """The library query called ``name``.

    Raises
    ------
    QueryError
        If there is none; the message lists the names there are.
    """
    for q in library(folder):
        if q.name == name:
            return q
    names = ", ".join(q.name for q in library(folder))
    msg = f"There is no library query called {name!r}. The library has: {names} (see `tiegraph query --list`)."
    raise QueryError(msg)


# --- parameters --------------------------------------------------------------------------------------------

_SCHEME_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:)\S+$")
_PREFIXED = re.compile(r"^(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>\S*)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?\d*\.\d+$")


def parse_param(text: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """An RDF term from the text of ``--param key=VALUE``.

    ``<iri>``, an IRI with a scheme (``https://…``, ``urn:…``) and ``prefix:local`` with a known prefix
    are IRIs; ``"text"``, ``"text"@en`` and ``"1"^^xsd:integer`` are Turtle literals; ``3`` and ``0.5``
    are numbers; anything else is a plain string.

    Examples
    --------
    >>> parse_param("Baogang Group")
    <Literal value=Baogang Group datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    >>> parse_param("tg:Person")
    <NamedNode value=https://w3id.org/tiegraph/ontology#Person>
    >>> parse_param("2")
    <Literal value=2 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
    """
    prefixes = dict(PREFIXES) | dict(prefixes or {})
    value = text.strip()
    if value.startswith("<") and value.endswith(">"):
        return _iri(value[1:-1], text)
    if value[:1] in ("'", '"'):
        return _turtle_literal(value, prefixes, text)
    match = _PREFIXED.match(value)
    if match and (match["prefix"] or "") in prefixes and (match["prefix"] or ""):
        return _iri(prefixes[match["prefix"]] + match["local"], text)
    if _SCHEME_IRI.match(value):
        return _iri(value, text)
    if _INTEGER.match(value):
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + "integer"))
    if _DECIMAL.match(value):
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + "decimal"))
    return ox.Literal(text)


def _iri(value: str, text: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        msg = f"{text!r} is not a valid IRI ({exc}). Write an absolute IRI, such as <https://example.org/x>."
        raise QueryError(msg) from exc


def _turtle_literal(value: str, prefixes: Mapping[str, str], text: str) -> ox.Literal:
    """Parse one Turtle literal: it goes through an RDF parser as the object of one triple, never into SPARQL."""
    head = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in prefixes.items())
    subject, predicate = ox.NamedNode("urn:tiegraph:param"), ox.NamedNode("urn:tiegraph:value")
    try:
        triples = list(ox.parse(f"{head}<{subject.value}> <{predicate.value}> {value} .", format=ox.RdfFormat.TURTLE))
    except SyntaxError:
        triples = []
    if len(triples) == 1 and triples[0].subject == subject and isinstance(triples[0].object, ox.Literal):
        return triples[0].object
    msg = f'{text!r} is not a Turtle literal. Write "text", "text"@en or "1"^^xsd:integer, or leave the quotes out.'
    raise QueryError(msg)


def to_term(value: Any) -> Term:
    """An RDF term for a parameter value given in Python: pyoxigraph and rdflib terms, str, int, float, bool."""
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple):
        return value
    module = type(value).__module__
    if module.startswith("rdflib"):
        kind = type(value).__name__
        if kind == "URIRef":
            return ox.NamedNode(str(value))
        if kind == "BNode":
            return ox.BlankNode(str(value))
        if kind == "Literal":
            if value.language:
                return ox.Literal(str(value), language=value.language)
            if value.datatype:
                return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
            return ox.Literal(str(value))
    if isinstance(value, bool | int | float | str):
        return ox.Literal(value)
    if isinstance(value, Decimal):
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "decimal"))
    msg = f"Cannot use a {type(value).__name__} as a query parameter. Pass a str, a number, or an RDF term."
    raise QueryError(msg)


# --- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """What a query returned: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE).

    Attributes
    ----------
    kind
        ``select``, ``ask`` or ``graph``.
    variables
        SELECT: the column names, in order.
    rows
        SELECT: one tuple per solution, one term (or None when unbound) per variable.
    boolean
        ASK: the answer.
    triples
        CONSTRUCT and DESCRIBE: the triples.
    truncated
        True when ``limit`` cut the results short.
    prefixes
        Prefixes for compact display and Turtle.
    """

    kind: Literal["select", "ask", "graph"]
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    truncated: bool = False
    prefixes: Mapping[str, str] = field(default_factory=lambda: dict(PREFIXES), repr=False)

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.rows) if self.kind == "select" else 1

    def __bool__(self) -> bool:
        return bool(self.boolean) if self.kind == "ask" else len(self) > 0

    def records(self) -> list[dict[str, str | None]]:
        """SELECT rows as dicts of plain strings (IRIs, literal values, blank node ids); None when unbound."""
        return [{v: _plain(t) for v, t in zip(self.variables, row, strict=True)} for row in self.rows]

    @property
    def formats(self) -> tuple[str, ...]:
        return GRAPH_FORMATS if self.kind == "graph" else SOLUTION_FORMATS

    def serialize(self, fmt: str = "json") -> bytes:
        """The result in ``fmt``: json, xml, csv, tsv (SELECT, ASK); turtle, ntriples (graphs); table (all).

        json and xml are the SPARQL 1.1 Query Results formats, csv and tsv the SPARQL 1.1 CSV/TSV formats.
        """
        if fmt not in self.formats:
            what = "CONSTRUCT and DESCRIBE results" if self.kind == "graph" else f"{self.kind.upper()} results"
            msg = f"{what} cannot be written as {fmt!r}. Use one of: {', '.join(self.formats)}."
            raise QueryError(msg)
        if fmt == "table":
            return self.to_text().encode("utf-8")
        if self.kind == "graph":
            rdf = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES
            prefixes = self._used_prefixes() if fmt == "turtle" else None
            return ox.serialize(self.triples, format=rdf, prefixes=prefixes) or b""
        return {"json": self._json, "xml": self._xml, "csv": self._csv, "tsv": self._tsv}[fmt]()

    def to_table(self):
        """A :class:`rich.table.Table` of the result, IRIs shortened with the prefixes."""
        from rich.table import Table

        if self.kind == "ask":
            table = Table("result")
            table.add_row("true" if self.boolean else "false")
            return table
        columns = ("subject", "predicate", "object") if self.kind == "graph" else self.variables
        table = Table(*columns, show_lines=False, highlight=False)
        rows = ((t.subject, t.predicate, t.object) for t in self.triples) if self.kind == "graph" else self.rows
        for row in rows:
            table.add_row(*(self.compact(t) for t in row))
        if self.truncated:
            table.caption = f"first {len(self)} results only (limit reached)"
        return table

    def to_text(self, width: int = 160) -> str:
        """The table as plain text."""
        from rich.console import Console

        console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
        console.print(self.to_table())
        return console.export_text()

    def compact(self, term: Term | None) -> str:
        """A short display form: ``tg:Person`` for IRIs under a prefix, the value of literals, ``_:id``."""
        if term is None:
            return ""
        if isinstance(term, ox.NamedNode):
            best = max(
                ((p, ns) for p, ns in self.prefixes.items() if term.value.startswith(ns)),
                key=lambda item: len(item[1]),
                default=None,
            )
            return f"{best[0]}:{term.value[len(best[1]) :]}" if best else term.value
        if isinstance(term, ox.Literal):
            return term.value
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return f"<< {self.compact(term.subject)} {self.compact(term.predicate)} {self.compact(term.object)} >>"

    def _used_prefixes(self) -> dict[str, str]:
        iris = {t.value for tr in self.triples for t in (tr.subject, tr.predicate, tr.object) if hasattr(t, "value")}
        iris |= {tr.object.datatype.value for tr in self.triples if isinstance(tr.object, ox.Literal)}
        return {p: ns for p, ns in self.prefixes.items() if any(i.startswith(ns) for i in iris)}

    def _json(self) -> bytes:
        if self.kind == "ask":
            doc: dict[str, Any] = {"head": {}, "boolean": bool(self.boolean)}
        else:
            bindings = [
                {v: _json_term(t) for v, t in zip(self.variables, row, strict=True) if t is not None}
                for row in self.rows
            ]
            doc = {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")

    def _xml(self) -> bytes:
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        if self.kind == "ask":
            out.append(f"</head>\n<boolean>{'true' if self.boolean else 'false'}</boolean>\n</sparql>\n")
            return "".join(out).encode("utf-8")
        out.extend(f"<variable name={quoteattr(v)}/>" for v in self.variables)
        out.append("</head>\n<results>\n")
        for row in self.rows:
            out.append("<result>")
            for v, t in zip(self.variables, row, strict=True):
                if t is not None:
                    out.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            out.append("</result>\n")
        out.append("</results>\n</sparql>\n")
        return "".join(out).encode("utf-8")

    def _csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if self.kind == "ask":
            writer.writerow(["boolean"])
            writer.writerow(["true" if self.boolean else "false"])
        else:
            writer.writerow(self.variables)
            writer.writerows([_csv_term(t) for t in row] for row in self.rows)
        return buffer.getvalue().encode("utf-8")

    def _tsv(self) -> bytes:
        if self.kind == "ask":
            return f"?boolean\n{'true' if self.boolean else 'false'}\n".encode()
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines.extend("\t".join(_tsv_term(t) for t in row) for row in self.rows)
        return ("\n".join(lines) + "\n").encode("utf-8")


def _plain(term: Term | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value, _XML_TEXT)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value, _XML_TEXT)}</literal>"
        return f"<literal>{escape(term.value, _XML_TEXT)}</literal>"
    parts = (("subject", term.subject), ("predicate", term.predicate), ("object", term.object))
    return "<triple>" + "".join(f"<{k}>{_xml_term(t)}</{k}>" for k, t in parts) + "</triple>"


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and _BARE_NUMBER.get(term.datatype.value, _NEVER).match(term.value):
        return term.value  # Turtle's short form, as pyoxigraph writes it
    return str(term).replace("\t", "\\t")


_NEVER = re.compile(r"(?!)")
_BARE_NUMBER = {
    _XSD + "integer": re.compile(r"^[+-]?\d+$"),
    _XSD + "decimal": re.compile(r"^[+-]?\d*\.\d+$"),
    _XSD + "boolean": re.compile(r"^(?:true|false)$"),
}
_XML_TEXT = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


# --- running -----------------------------------------------------------------------------------------------


def open_target(target: Path | str | Sequence[Path | str]) -> tuple[ox.Store, dict[str, str]]:
    """The store to query and its prefixes: a build folder's store, or RDF files loaded in memory.

    A build folder whose store is missing or older than its graph.trig is read from graph.trig instead
    (in memory; ``tiegraph build`` refreshes the store).

    Raises
    ------
    InputError
        If the target is neither a build folder nor RDF files.
    """
    targets = [Path(target)] if isinstance(target, str | Path) else [Path(t) for t in target]
    if not targets:
        msg = "Name a build folder or RDF files to query."
        raise InputError(msg)
    if len(targets) == 1 and targets[0].is_dir():
        folder = targets[0]
        status = store_status(folder)
        prefixes = dict(PREFIXES) | store_prefixes(folder)
        if status == "current":
            return open_store(folder), prefixes
        if (folder / "graph.trig").is_file():
            state = "missing" if status == "missing" else "older than graph.trig"
            log.warning(
                "%s is %s; querying %s instead (run `tiegraph build` to refresh the store).",
                folder / STORE_NAME,
                state,
                folder / "graph.trig",
            )
            return load_rdf([folder / "graph.trig"]), prefixes
        msg = (
            f"{folder} is not a build folder (it has no graph.trig or {STORE_NAME}/). Run "
            f"`tiegraph build INPUT --out {folder}` first, or name RDF files ({', '.join(sorted(RDF_FORMATS))})."
        )
        raise InputError(msg)
    for t in targets:
        if t.is_dir():
            msg = f"{t} is a folder: name one build folder on its own, or RDF files."
            raise InputError(msg)
    return load_rdf(targets), dict(PREFIXES)


def run_query(
    store: ox.Store,
    sparql: str,
    *,
    params: Mapping[str, Any] | None = None,
    limit: int | None = None,
    prefixes: Mapping[str, str] | None = None,
    default_graph: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
) -> QueryResult:
    """Run ``sparql`` on an open store (the lower level of :func:`query`, also used by the server).

    Parameters
    ----------
    store
        A pyoxigraph store.
    sparql
        A SELECT, ASK, CONSTRUCT or DESCRIBE query; the standard prefixes are declared.
    params
        Variable name -> value (an RDF term, str, int, float or bool), bound by substitution.
    limit
        Keep at most this many rows (or triples); ``truncated`` says when there were more.
    prefixes
        Prefixes to declare instead of :data:`ontology.PREFIXES`.
    default_graph, named_graphs
        IRIs of the graphs that make the query's dataset (SPARQL Protocol ``default-graph-uri``,
        ``named-graph-uri``); by default the union and every document's graph.

    Raises
    ------
    QueryRefusedError
        For updates and ``SERVICE``.
    QueryError
        For syntax errors (with line and column) and parameters the query cannot take.
    """
    check_query(sparql)
    prefixes = dict(PREFIXES if prefixes is None else prefixes)
    substitutions = {ox.Variable(k): to_term(v) for k, v in (params or {}).items() if v is not None}
    options: dict[str, Any] = {}
    try:
        if default_graph:
            options["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        results = store.query(sparql, prefixes=prefixes, substitutions=substitutions or None, **options)
        return _collect(results, limit, prefixes)
    except SyntaxError as exc:
        raise _syntax_error(exc, sparql) from exc
    except ValueError as exc:
        msg = f"The query cannot run: {exc}. Check the graph IRIs and parameters."
        raise QueryError(msg) from exc
    except RuntimeError as exc:
        message = str(exc)
        missing = re.search(r"variable \?(\w+) in its SELECT projection", message)
        if missing:
            msg = (
                f"The parameter {missing[1]!r} is not a variable of the query's SELECT clause. Parameters bind "
                f"variables the query returns: add ?{missing[1]} to SELECT, or leave the parameter out."
            )
            raise QueryError(msg) from exc
        msg = f"The query failed while running: {message}."
        raise QueryError(msg) from exc


def _collect(results: Any, limit: int | None, prefixes: Mapping[str, str]) -> QueryResult:
    if isinstance(results, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(results), prefixes=prefixes)
    truncated = False
    if isinstance(results, ox.QueryTriples):
        triples = []
        for triple in results:
            if limit is not None and len(triples) >= limit:
                truncated = True
                break
            triples.append(triple)
        return QueryResult("graph", triples=tuple(triples), truncated=truncated, prefixes=prefixes)
    variables = tuple(v.value for v in results.variables)
    rows = []
    for solution in results:
        if limit is not None and len(rows) >= limit:
            truncated = True
            break
        rows.append(tuple(solution[i] for i in range(len(variables))))
    return QueryResult("select", variables, tuple(rows), truncated=truncated, prefixes=prefixes)


def resolve_query(
    sparql: str | None = None, *, name: str | None = None, params: Mapping[str, Any] | None = None
) -> tuple[str, dict[str, Any]]:
    """The text to run and its parameters: ``sparql`` as given, or the library query ``name``.

    For a library query, the parameters are checked against its header: unknown names and missing
    required ones are errors.
    """
    params = dict(params or {})
    if (sparql is None) == (name is None):
        msg = "Give either a query text or the name of a library query (see `tiegraph query --list`), not both."
        raise QueryError(msg)
    if name is None:
        return str(sparql), params
    q = get_query(name)
    known = {p.name for p in q.params}
    unknown = sorted(set(params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        msg = f"The query {name!r} has no parameter {unknown[0]!r}. Its parameters: {takes}."
        raise QueryError(msg)
    missing = [p for p in q.required if params.get(p) is None]
    if missing:
        example = " ".join(f"--param {p}=..." for p in missing)
        msg = f"The query {name!r} needs the parameter {missing[0]!r}. Pass it, e.g. {example}."
        raise QueryError(msg)
    return q.text, params


def query(
    target: Path | str | Sequence[Path | str] | ox.Store,
    sparql: str | None = None,
    *,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Run a SPARQL query on a build folder (its store) or on RDF files.

    Parameters
    ----------
    target
        A build folder, one or more RDF files (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML),
        or an open pyoxigraph store.
    sparql
        The query text (SELECT, ASK, CONSTRUCT or DESCRIBE); omit it with ``name``.
    name
        A library query (``tiegraph query --list``) to run instead.
    params
        Values for the query's variables (see :func:`run_query`); library queries list theirs.
    limit
        Keep at most this many rows or triples.

    Returns
    -------
    QueryResult
        Rows, a boolean or triples, with ``serialize(fmt)`` for every output format.

    Examples
    --------
    >>> from graph.store import load_rdf_text
    >>> store = load_rdf_text('<urn:ex:a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .', "ntriples")
    >>> query(store, "SELECT ?l WHERE { ?s rdfs:label ?l }").records()
    [{'l': 'A'}]
    """
    text, params = resolve_query(sparql, name=name, params=params)
    check_query(text)
    if isinstance(target, ox.Store):
        store, prefixes = target, dict(PREFIXES)
    else:
        store, prefixes = open_target(target)
    return run_query(store, text, params=params, limit=limit, prefixes=prefixes)
