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
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD
from rdflib.plugins.serializers.trig import TrigSerializer

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
    return base[f"{entity.type.lower()}-{slugify(entity.name, max_length=40)}-{_digest(entity.key, length=8)}"]


def document_iri(document: Document, base: Namespace = ID) -> URIRef:
    return base[f"doc-{document.id}"]


def graph_iri(document: Document, base: Namespace = ID) -> URIRef:
    """The named graph holding one document's facts."""
    return base[f"graph-{document.id}"]


def _bind(graph: Graph, base: Namespace) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, Namespace(ns if prefix != "id" else str(base)), override=True, replace=True)
    graph.bind("wd", WIKIDATA)


def _type_terms(entity: Entity) -> list[URIRef]:
    terms = [getattr(TG, entity.type)]
    if entity.subtype:
        terms.append(getattr(TG, entity.subtype))
    return terms


def build_dataset(
    documents: list[Document],
    entities: list[Entity],
    relations: list[Relation],
    run: RunInfo,
    *,
    base: Namespace = ID,
) -> Dataset:
    """Assemble the RDF dataset: one named graph per document, the run in the default graph.

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
    """
    ds = Dataset()
    _bind(ds, base)
    by_key = {e.key: e for e in entities}
    iris = {e.key: entity_iri(e, base) for e in entities}
    docs = {d.id: d for d in documents}
    run_iri, agent_iri, model_iri = _provenance(ds.default_context, run, documents, base)

    per_doc_entities: dict[str, set[str]] = {d.id: set() for d in documents}
    for e in entities:
        for doc_id, _, _ in e.mentions:
            if doc_id in per_doc_entities:
                per_doc_entities[doc_id].add(e.key)
    per_doc_relations: dict[str, list[Relation]] = {d.id: [] for d in documents}
    for r in relations:
        per_doc_relations[r.document].append(r)
        per_doc_entities[r.document].update((r.subject, r.object))

    for doc_id in sorted(docs):
        document = docs[doc_id]
        g = ds.graph(graph_iri(document, base))
        doc_iri = document_iri(document, base)
        _describe_document(g, document, doc_iri, run_iri)
        for key in sorted(per_doc_entities[doc_id]):
            e = by_key[key]
            _describe_entity(g, e, iris[key], doc_id)
            g.add((doc_iri, SCHEMA.mentions, iris[key]))
        for r in per_doc_relations[doc_id]:
            _add_relation(g, r, iris, document, doc_iri, run_iri, base)
    return ds


def _provenance(g: Graph, run: RunInfo, documents: list[Document], base: Namespace):
    agent = base[f"agent-tiegraph-{slugify(run.tiegraph_version)}"]
    model = base[f"model-{slugify(run.model)}"]
    run_iri = base[
        f"run-{_digest(run.tiegraph_version, run.model, str(run.gazetteer), *sorted(d.sha256 for d in documents))}"
    ]
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal(f"tiegraph {run.tiegraph_version}")))
    g.add((agent, SCHEMA.softwareVersion, Literal(run.tiegraph_version)))
    name, _, version = run.model.partition(" ")
    g.add((model, RDF.type, PROV.Entity))
    g.add((model, RDF.type, SCHEMA.SoftwareApplication))
    g.add((model, RDFS.label, Literal(run.model)))
    g.add((model, SCHEMA.name, Literal(name)))
    if version:
        g.add((model, SCHEMA.softwareVersion, Literal(version)))
    g.add((run_iri, RDF.type, PROV.Activity))
    g.add((run_iri, RDFS.label, Literal("tiegraph build")))
    g.add((run_iri, PROV.wasAssociatedWith, agent))
    g.add((run_iri, PROV.used, model))
    g.add((run_iri, SCHEMA.description, Literal("gazetteer on" if run.gazetteer else "gazetteer off")))
    return run_iri, agent, model


def _describe_document(g: Graph, d: Document, doc_iri: URIRef, run_iri: URIRef) -> None:
    g.add((doc_iri, RDF.type, SCHEMA.NewsArticle))
    g.add((doc_iri, TG.sourcePath, Literal(d.path)))
    g.add((doc_iri, TG.sha256, Literal(d.sha256)))
    if d.title:
        g.add((doc_iri, SCHEMA.name, Literal(d.title)))
    if d.published:
        g.add((doc_iri, SCHEMA.datePublished, Literal(d.published, datatype=XSD.date)))
    if d.url:
        g.add((doc_iri, SCHEMA.url, Literal(d.url, datatype=XSD.anyURI)))
    g.add((run_iri, PROV.used, doc_iri))


def _describe_entity(g: Graph, e: Entity, iri: URIRef, doc_id: str) -> None:
    for t in _type_terms(e):
        g.add((iri, RDF.type, t))
    g.add((iri, RDFS.label, Literal(e.name)))
    for alias in e.aliases:
        g.add((iri, SKOS.altLabel, Literal(alias)))
    if e.qid:
        g.add((iri, SKOS.exactMatch, WIKIDATA[e.qid]))
    if e.date:
        datatype = XSD.date if len(e.date) == 10 and e.date[4] == "-" else None
        g.add((iri, SCHEMA.startDate, Literal(e.date, datatype=datatype)))
    g.add((iri, TG.confidence, Literal(Decimal(str(round(e.confidence, 3))), datatype=XSD.decimal)))
    count = sum(1 for m in e.mentions if m[0] == doc_id)
    if count:
        g.add((iri, TG.mentionCount, Literal(count)))


def _add_relation(
    g: Graph,
    r: Relation,
    iris: dict[str, URIRef],
    document: Document,
    doc_iri: URIRef,
    run_iri: URIRef,
    base: Namespace,
) -> None:
    s, o, p = iris[r.subject], iris[r.object], getattr(TG, r.predicate)
    h = _digest(str(s), r.predicate, str(o), document.id, str(r.start), str(r.end), r.role or "", length=16)
    assertion, evidence = base[f"assertion-{h}"], base[f"evidence-{h}"]
    position, quote = base[f"evidence-{h}-position"], base[f"evidence-{h}-quote"]
    g.add((s, p, o))
    g.add((assertion, RDF.type, TG.Assertion))
    g.add((assertion, RDF.subject, s))
    g.add((assertion, RDF.predicate, p))
    g.add((assertion, RDF.object, o))
    if r.role:
        g.add((assertion, TG.role, Literal(r.role)))
    g.add((assertion, TG.confidence, Literal(Decimal(str(round(r.confidence, 3))), datatype=XSD.decimal)))
    g.add((assertion, TG.rule, Literal(r.rule)))
    g.add((assertion, PROV.wasDerivedFrom, evidence))
    g.add((assertion, PROV.wasGeneratedBy, run_iri))
    g.add((evidence, RDF.type, OA.SpecificResource))
    g.add((evidence, OA.hasSource, doc_iri))
    g.add((evidence, OA.hasSelector, position))
    g.add((evidence, OA.hasSelector, quote))
    g.add((position, RDF.type, OA.TextPositionSelector))
    g.add((position, OA.start, Literal(r.start)))
    g.add((position, OA.end, Literal(r.end)))
    g.add((quote, RDF.type, OA.TextQuoteSelector))
    g.add((quote, OA.exact, Literal(document.text[r.start : r.end])))


class _SortedTrigSerializer(TrigSerializer):
    """rdflib's TriG serializer with the graphs in IRI order (rdflib takes them in set order)."""

    def __init__(self, store: Dataset):
        super().__init__(store)
        self.contexts = sorted(self.contexts, key=lambda c: str(c.identifier))


def serialize_trig(ds: Dataset) -> bytes:
    """TriG bytes of ``ds``, deterministic: graphs, subjects, predicates and objects all sorted."""
    buffer = BytesIO()
    _SortedTrigSerializer(ds).serialize(buffer, encoding="utf-8")
    return buffer.getvalue()


def union_graph(ds: Dataset, *, base: Namespace = ID) -> Graph:
    """All triples of all graphs of ``ds`` in one graph (what ``graph.ttl`` holds)."""
    g = Graph()
    _bind(g, base)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g
