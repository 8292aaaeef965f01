"""Extraction records to RDF: entities, relation triples, assertions with evidence, documents, provenance.

Every node gets an IRI derived from its content (no blank nodes, no random ids, no clock),
so the same input always gives the same graph and the same bytes.

The shape follows the output contract (shared/eval/README.md)::

    id:person-meng-fanying-1a2b3c4d tg:holdsPosition id:organization-baogang-group-5e6f7a8b .
    id:assertion-… a tg:Assertion ;
        rdf:subject … ; rdf:predicate tg:holdsPosition ; rdf:object … ;
        tg:role "Chair" ; tg:confidence 0.9 ; tg:rule "post.appositive" ;
        prov:wasDerivedFrom id:evidence-… ; prov:wasGeneratedBy id:run-… .
    id:evidence-… a oa:SpecificResource ; oa:hasSource id:doc-… ;
        oa:hasSelector id:evidence-…-position , id:evidence-…-quote .
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

import pyoxigraph as ox
from rdflib import Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from extract.documents import slugify
from extract.types import Document, Entity, Relation
from ontology import ID, OA, PREFIXES, SCHEMA, TG

WIKIDATA = Namespace("http://www.wikidata.org/entity/")


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What made the graph: tiegraph's version and the spaCy model (name and version)."""

    tiegraph_version: str
    model: str
    gazetteer: bool = True


def _digest(*parts: str, length: int = 10) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def entity_iri(entity: Entity, base: Namespace = ID) -> URIRef:
    """``{base}{type}-{slug}-{hash}``: ASCII, readable, and stable for a given canonical key.

    Examples
    --------
    >>> str(entity_iri(Entity(key="Organization:acme", name="Acme Group", type="Organization")))
    'https://w3id.org/tiegraph/id/organization-acme-group-3a6599e2'
    """
    return URIRef(entity_iri_text(entity, base))


def entity_iri_text(entity: Entity, base: Namespace | str = ID) -> str:
    """:func:`entity_iri` as a string (what the network and the audit need, without rdflib's IRI checks)."""
    return _entity_iri(str(base), entity.type, entity.name, entity.key)


@lru_cache(maxsize=1 << 16)
def _entity_iri(base: str, type_: str, name: str, key: str) -> str:
    """A build asks for each entity's IRI several times (graphs, network, audit): it is made once."""
    return f"{base}{type_.lower()}-{slugify(name, max_length=40)}-{_digest(key, length=8)}"


def document_iri(document: Document, base: Namespace = ID) -> URIRef:
    return base[f"doc-{document.id}"]


def graph_iri(document: Document, base: Namespace = ID) -> URIRef:
    """The named graph holding one document's facts."""
    return base[f"graph-{document.id}"]


def prefixes(base: Namespace | str = ID) -> dict[str, str]:
    """The prefixes of the serialized graph: :data:`ontology.PREFIXES` with ``id:`` at ``base``, and ``wd:``."""
    out = {prefix: (ns if prefix != "id" else str(base)) for prefix, ns in PREFIXES.items()}
    out["wd"] = str(WIKIDATA)
    return out


class _Terms:
    """pyoxigraph terms of the vocabulary, made once: ``terms.tg("Assertion")``, ``terms.rdf_type``."""

    def __init__(self):
        self._cache: dict[str, ox.NamedNode] = {}

    def __call__(self, iri: str) -> ox.NamedNode:
        node = self._cache.get(iri)
        if node is None:
            node = self._cache[iri] = ox.NamedNode(iri)
        return node

    def tg(self, name: str) -> ox.NamedNode:
        return self(str(TG._NS) + name)


_T = _Terms()
#: The vocabulary's terms as pyoxigraph nodes, made once.
_OA_SPECIFIC_RESOURCE = _T(str(OA.SpecificResource))
_OA_TEXT_POSITION_SELECTOR = _T(str(OA.TextPositionSelector))
_OA_TEXT_QUOTE_SELECTOR = _T(str(OA.TextQuoteSelector))
_OA_END = _T(str(OA.end))
_OA_EXACT = _T(str(OA.exact))
_OA_HAS_SELECTOR = _T(str(OA.hasSelector))
_OA_HAS_SOURCE = _T(str(OA.hasSource))
_OA_START = _T(str(OA.start))
_PROV_ACTIVITY = _T(str(PROV.Activity))
_PROV_ENTITY = _T(str(PROV.Entity))
_PROV_SOFTWARE_AGENT = _T(str(PROV.SoftwareAgent))
_PROV_USED = _T(str(PROV.used))
_PROV_WAS_ASSOCIATED_WITH = _T(str(PROV.wasAssociatedWith))
_PROV_WAS_DERIVED_FROM = _T(str(PROV.wasDerivedFrom))
_PROV_WAS_GENERATED_BY = _T(str(PROV.wasGeneratedBy))
_RDF_OBJECT = _T(str(RDF.object))
_RDF_PREDICATE = _T(str(RDF.predicate))
_RDF_SUBJECT = _T(str(RDF.subject))
_RDF_TYPE = _T(str(RDF.type))
_RDFS_LABEL = _T(str(RDFS.label))
_SCHEMA_NEWS_ARTICLE = _T(str(SCHEMA.NewsArticle))
_SCHEMA_SOFTWARE_APPLICATION = _T(str(SCHEMA.SoftwareApplication))
_SCHEMA_DATE_PUBLISHED = _T(str(SCHEMA.datePublished))
_SCHEMA_DESCRIPTION = _T(str(SCHEMA.description))
_SCHEMA_MENTIONS = _T(str(SCHEMA.mentions))
_SCHEMA_NAME = _T(str(SCHEMA.name))
_SCHEMA_SOFTWARE_VERSION = _T(str(SCHEMA.softwareVersion))
_SCHEMA_START_DATE = _T(str(SCHEMA.startDate))
_SCHEMA_URL = _T(str(SCHEMA.url))
_SKOS_ALT_LABEL = _T(str(SKOS.altLabel))
_SKOS_EXACT_MATCH = _T(str(SKOS.exactMatch))
_TG_CONFIDENCE = _T(str(TG.confidence))
_TG_MENTION_COUNT = _T(str(TG.mentionCount))
_TG_SHA256 = _T(str(TG.sha256))
_TG_SOURCE_PATH = _T(str(TG.sourcePath))
_XSD_ANYURI = _T(str(XSD.anyURI))
_XSD_DATE = _T(str(XSD.date))
_XSD_DECIMAL = _T(str(XSD.decimal))
_XSD_INTEGER = _T(str(XSD.integer))


def _decimal(x: float) -> ox.Literal:
    """``0.9`` as an ``xsd:decimal`` rounded to three places, written as rdflib writes ``Decimal(str(x))``."""
    return ox.Literal(str(Decimal(str(round(x, 3)))), datatype=_XSD_DECIMAL)


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_XSD_INTEGER)


#: Bumped when the RDF a document's graph is made of changes shape, so that cached graph blocks are made again.
BLOCK_FORMAT: int = 1


@dataclass(frozen=True, slots=True)
class GraphBlock:
    """One document's named graph, serialized: what a rebuild reuses when nothing the graph is made of changed.

    ``trig`` is the graph as TriG and ``own`` the Turtle of the triples about the document's own nodes (its
    assertions, their evidence, the document node), both without prefix lines; ``key`` is the digest of all
    the graph is made of (:func:`build_rdf`).
    """

    name: str
    key: str
    trig: bytes
    own: bytes


class BlockCache(Protocol):
    """Where :func:`build_rdf` finds and keeps graph blocks (``graph.cache.GraphCache``)."""

    def get(self, key: str, name: str) -> GraphBlock | None: ...

    def put(self, block: GraphBlock) -> None: ...


@dataclass(frozen=True)
class BuildRDF:
    """The RDF of a build, serialized: the prefix lines, the default graph (the run), one block per document,
    and the triples that several documents' graphs share (about entities and the run).

    :meth:`trig` is ``graph.trig``: the head, the default graph and the blocks in graph IRI order.
    :meth:`turtle` is ``graph.ttl``, the union of all graphs, each triple once: the shared triples sorted,
    then each document's own. Both are the same bytes whether a block was made now or taken from the cache.
    """

    head: bytes
    default: bytes
    blocks: tuple[GraphBlock, ...]
    #: the Turtle of the triples about entities and the run, sorted, without prefix lines
    shared: bytes

    def trig(self) -> bytes:
        return b"".join((self.head, b"\n", self.default, *(b.trig for b in self.blocks)))

    def turtle(self) -> bytes:
        return b"".join((self.head, b"\n", self.shared, *(b.own for b in self.blocks)))


def build_rdf(
    documents: Sequence[Document],
    entities: Sequence[Entity],
    relations: Sequence[Relation],
    run: RunInfo,
    *,
    base: Namespace = ID,
    cache: BlockCache | None = None,
    on_block: Callable[[GraphBlock], None] | None = None,
) -> BuildRDF:
    """The RDF of the build: one named graph per document, the run in the default graph, and their union.

    Parameters
    ----------
    documents
        The documents of the build, in any order (the output is sorted).
    entities
        Build-level entities; each ``Entity.mentions`` says which documents mention it.
    relations
        Relation occurrences between build-level entity keys, each with its document and sentence span.
    run
        Versions recorded as PROV provenance.
    cache
        Graph blocks of earlier builds: a document whose graph would be made of the same things (its record,
        the entities it describes as the corpus now resolves them, the run, the base) is not made again.
    on_block
        Called with each document's block as soon as it is made or found (a :class:`graph.store.StoreWriter`
        loads it while the others are made).
    """
    by_key = {e.key: e for e in entities}
    iris = {e.key: ox.NamedNode(entity_iri_text(e, base)) for e in entities}
    docs = {d.id: d for d in documents}
    names = prefixes(base)
    default: set[ox.Triple] = set()
    run_iri = _provenance(lambda s, p, o: default.add(ox.Triple(s, p, o)), run, base)
    shared: set[ox.Triple] = set(default)
    shared_subjects = set(iris.values()) | {t.subject for t in default}

    counts: dict[tuple[str, str], int] = {}
    per_doc_entities: dict[str, set[str]] = {d.id: set() for d in documents}
    for e in entities:
        for doc_id, _, _ in e.mentions:
            if doc_id in per_doc_entities:
                per_doc_entities[doc_id].add(e.key)
                counts[(e.key, doc_id)] = counts.get((e.key, doc_id), 0) + 1
    per_doc_relations: dict[str, list[Relation]] = {d.id: [] for d in documents}
    for r in relations:
        per_doc_relations[r.document].append(r)
        per_doc_entities[r.document].update((r.subject, r.object))

    described: set[tuple[str, int]] = set()
    blocks = []
    for doc_id in sorted(docs):  # graph IRIs share their prefix, so this is their order too
        document = docs[doc_id]
        keys = sorted(per_doc_entities[doc_id])
        rels = per_doc_relations[doc_id]
        doc_iri = ox.NamedNode(str(document_iri(document, base)))
        name = str(graph_iri(document, base))
        key = _block_key(document, [(by_key[k], iris[k], counts.get((k, doc_id), 0)) for k in keys], rels, iris,
                         run_iri, base)  # fmt: skip
        block = cache.get(key, name) if cache is not None else None
        if block is None:
            block = _block(name, key, document, keys, rels, by_key, iris, counts, doc_iri, run_iri, base, names,
                           shared_subjects)  # fmt: skip
            if cache is not None:
                cache.put(block)
        blocks.append(block)
        if on_block is not None:
            on_block(block)
        # what this graph adds to the triples the graphs share
        shared.add(ox.Triple(run_iri, _PROV_USED, doc_iri))
        for k in keys:
            n = counts.get((k, doc_id), 0)
            if (k, n) not in described:  # an entity's description differs between documents by its count only
                described.add((k, n))
                _describe_entity(lambda s, p, o: shared.add(ox.Triple(s, p, o)), by_key[k], iris[k], n)
        for r in rels:
            shared.add(ox.Triple(iris[r.subject], _T.tg(r.predicate), iris[r.object]))
    turtle = ox.serialize(_sorted_triples(shared), format=ox.RdfFormat.TURTLE, prefixes=names)
    return BuildRDF(rdf_head(base), default_block(run, base), tuple(blocks), _without_prefixes(turtle))


def rdf_head(base: Namespace = ID) -> bytes:
    """The ``@prefix`` lines that open ``graph.trig`` and ``graph.ttl``, sorted by prefix."""
    return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted(prefixes(base).items())).encode("utf-8")


def default_block(run: RunInfo, base: Namespace = ID) -> bytes:
    """The default graph of ``graph.trig`` (the run, its agent and model) as TriG, without prefix lines."""
    default: list[ox.Triple] = []
    _provenance(lambda s, p, o: default.append(ox.Triple(s, p, o)), run, base)
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in _sorted_triples(default)]
    return _without_prefixes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes(base)))


def _block_key(document: Document, described: list, relations: list[Relation], iris, run_iri, base) -> str:
    """The digest of all a document's graph is made of."""
    parts = [
        BLOCK_FORMAT,
        str(base),
        run_iri.value,
        [document.id, document.path, document.sha256, document.title, document.published, document.url],
        hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
        [[iri.value, e.name, e.type, e.subtype, list(e.aliases), e.qid, e.date, e.confidence, n]
         for e, iri, n in described],
        [[iris[r.subject].value, r.predicate, iris[r.object].value, r.start, r.end, r.rule, r.confidence, r.role]
         for r in relations],
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def _block(
    name: str,
    key: str,
    document: Document,
    keys: list[str],
    relations: list[Relation],
    by_key: dict[str, Entity],
    iris: dict[str, ox.NamedNode],
    counts: dict[tuple[str, str], int],
    doc_iri: ox.NamedNode,
    run_iri: ox.NamedNode,
    base: Namespace,
    names: dict[str, str],
    shared_subjects: set,
) -> GraphBlock:
    """Make one document's graph and serialize it."""
    triples: set[ox.Triple] = set()

    def add(s, p, o):
        triples.add(ox.Triple(s, p, o))

    _describe_document(add, document, doc_iri, run_iri)
    for k in keys:
        _describe_entity(add, by_key[k], iris[k], counts.get((k, document.id), 0))
        add(doc_iri, _SCHEMA_MENTIONS, iris[k])
    for r in relations:
        _add_relation(add, r, iris, document, doc_iri, run_iri, base)
    ordered = _sorted_triples(triples)
    g = ox.NamedNode(name)
    trig = ox.serialize(
        [ox.Quad(t.subject, t.predicate, t.object, g) for t in ordered], format=ox.RdfFormat.TRIG, prefixes=names
    )
    own = [t for t in ordered if t.subject not in shared_subjects]
    turtle = ox.serialize(own, format=ox.RdfFormat.TURTLE, prefixes=names)
    return GraphBlock(name, key, _without_prefixes(trig), _without_prefixes(turtle))


def _without_prefixes(data: bytes) -> bytes:
    """``data`` (pyoxigraph's Turtle or TriG) without its ``@prefix`` lines: blocks share one head."""
    at = 0
    while data.startswith(b"@prefix ", at):
        at = data.index(b"\n", at) + 1
    return data[at:]


def _sorted_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def sort_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """``quads`` in the order of ``graph.trig``: the default graph, then graphs by IRI, each one's triples sorted."""

    def key(q: ox.Quad) -> tuple:
        g = q.graph_name
        return (not isinstance(g, ox.DefaultGraph), str(g), str(q.subject), str(q.predicate), str(q.object))

    return sorted(quads, key=key)


def _provenance(quad, run: RunInfo, base: Namespace) -> ox.NamedNode:
    agent = ox.NamedNode(str(base[f"agent-tiegraph-{slugify(run.tiegraph_version)}"]))
    model = ox.NamedNode(str(base[f"model-{slugify(run.model)}"]))
    # The activity is the extraction with this tiegraph, model and gazetteer setting, the same in every build made
    # with them: so a document's graph does not change when another document does.
    run_iri = ox.NamedNode(f"{base}run-{_digest(run.tiegraph_version, run.model, str(run.gazetteer))}")
    quad(agent, _RDF_TYPE, _PROV_SOFTWARE_AGENT)
    quad(agent, _RDFS_LABEL, ox.Literal(f"tiegraph {run.tiegraph_version}"))
    quad(agent, _SCHEMA_SOFTWARE_VERSION, ox.Literal(run.tiegraph_version))
    name, _, version = run.model.partition(" ")
    quad(model, _RDF_TYPE, _PROV_ENTITY)
    quad(model, _RDF_TYPE, _SCHEMA_SOFTWARE_APPLICATION)
    quad(model, _RDFS_LABEL, ox.Literal(run.model))
    quad(model, _SCHEMA_NAME, ox.Literal(name))
    if version:
        quad(model, _SCHEMA_SOFTWARE_VERSION, ox.Literal(version))
    quad(run_iri, _RDF_TYPE, _PROV_ACTIVITY)
    quad(run_iri, _RDFS_LABEL, ox.Literal("tiegraph build"))
    quad(run_iri, _PROV_WAS_ASSOCIATED_WITH, agent)
    quad(run_iri, _PROV_USED, model)
    quad(run_iri, _SCHEMA_DESCRIPTION, ox.Literal("gazetteer on" if run.gazetteer else "gazetteer off"))
    return run_iri


def _describe_document(add, d: Document, doc_iri: ox.NamedNode, run_iri: ox.NamedNode) -> None:
    add(doc_iri, _RDF_TYPE, _SCHEMA_NEWS_ARTICLE)
    add(doc_iri, _TG_SOURCE_PATH, ox.Literal(d.path))
    add(doc_iri, _TG_SHA256, ox.Literal(d.sha256))
    if d.title:
        add(doc_iri, _SCHEMA_NAME, ox.Literal(d.title))
    if d.published:
        add(doc_iri, _SCHEMA_DATE_PUBLISHED, ox.Literal(d.published, datatype=_XSD_DATE))
    if d.url:
        add(doc_iri, _SCHEMA_URL, ox.Literal(d.url, datatype=_XSD_ANYURI))
    add(run_iri, _PROV_USED, doc_iri)


def _describe_entity(add, e: Entity, iri: ox.NamedNode, count: int) -> None:
    add(iri, _RDF_TYPE, _T.tg(e.type))
    if e.subtype:
        add(iri, _RDF_TYPE, _T.tg(e.subtype))
    add(iri, _RDFS_LABEL, ox.Literal(e.name))
    for alias in e.aliases:
        add(iri, _SKOS_ALT_LABEL, ox.Literal(alias))
    if e.qid:
        add(iri, _SKOS_EXACT_MATCH, _T(str(WIKIDATA[e.qid])))
    if e.date:
        full = len(e.date) == 10 and e.date[4] == "-"
        add(iri, _SCHEMA_START_DATE, ox.Literal(e.date, datatype=_XSD_DATE) if full else ox.Literal(e.date))
    add(iri, _TG_CONFIDENCE, _decimal(e.confidence))
    if count:
        add(iri, _TG_MENTION_COUNT, _integer(count))


def _add_relation(
    add,
    r: Relation,
    iris: dict[str, ox.NamedNode],
    document: Document,
    doc_iri: ox.NamedNode,
    run_iri: ox.NamedNode,
    base: Namespace,
) -> None:
    s, o, p = iris[r.subject], iris[r.object], _T.tg(r.predicate)
    h = _digest(s.value, r.predicate, o.value, document.id, str(r.start), str(r.end), r.role or "", length=16)
    stem = f"{base}evidence-{h}"
    assertion, evidence = ox.NamedNode(f"{base}assertion-{h}"), ox.NamedNode(stem)
    position, quote = ox.NamedNode(f"{stem}-position"), ox.NamedNode(f"{stem}-quote")
    add(s, p, o)
    add(assertion, _RDF_TYPE, _T.tg("Assertion"))
    add(assertion, _RDF_SUBJECT, s)
    add(assertion, _RDF_PREDICATE, p)
    add(assertion, _RDF_OBJECT, o)
    if r.role:
        add(assertion, _T.tg("role"), ox.Literal(r.role))
    add(assertion, _T.tg("confidence"), _decimal(r.confidence))
    add(assertion, _T.tg("rule"), ox.Literal(r.rule))
    add(assertion, _PROV_WAS_DERIVED_FROM, evidence)
    add(assertion, _PROV_WAS_GENERATED_BY, run_iri)
    add(evidence, _RDF_TYPE, _OA_SPECIFIC_RESOURCE)
    add(evidence, _OA_HAS_SOURCE, doc_iri)
    add(evidence, _OA_HAS_SELECTOR, position)
    add(evidence, _OA_HAS_SELECTOR, quote)
    add(position, _RDF_TYPE, _OA_TEXT_POSITION_SELECTOR)
    add(position, _OA_START, _integer(r.start))
    add(position, _OA_END, _integer(r.end))
    add(quote, _RDF_TYPE, _OA_TEXT_QUOTE_SELECTOR)
    add(quote, _OA_EXACT, ox.Literal(document.text[r.start : r.end]))


def serialize_trig(quads: Iterable[ox.Quad], *, base: Namespace | str = ID) -> bytes:
    """TriG bytes of ``quads`` in their order (sort them with :func:`sort_quads` for deterministic bytes)."""
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes(base))
