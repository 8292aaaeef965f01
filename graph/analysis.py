"""The graph as a network: a NetworkX projection of the RDF graph, its centralities, communities and brokers.

Entities become nodes; each relation triple ``entity tg:REL entity`` becomes one edge, carrying what its
assertions say (role, confidence, the evidence sentences and their documents). Assertion, evidence and
document nodes are provenance, not entities, so they are not nodes here::

    G = project(load_graph("out"))          # nx.MultiDiGraph, one edge per (subject, relation, object)
    result = analyze(G)                      # degree, betweenness, PageRank, eigenvector, Louvain, brokers
    write_centrality_csv("out/centrality.csv", G, result)

Every number is deterministic: nodes and edges are visited in sorted order, sampling and Louvain use a
fixed seed, and the CSV is rounded and sorted. Betweenness is exact up to ``EXACT_BETWEENNESS_MAX``
entities, then estimated from ``BETWEENNESS_SAMPLES`` source nodes drawn with that seed. The
shortest-path counting runs on python-igraph when it is installed (about 50 times faster) and on
NetworkX otherwise; both count the same paths from the same sources, so the results agree.
"""

# ruff: noqa: N803, N806 - G, H, D are graphs, as in NetworkX's own code and docs.

from __future__ import annotations

import csv
import importlib.util
import io
import json
import logging
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from extract.types import Document, Entity, Relation
from graph.io import write_bytes_atomic, write_text_atomic
from ontology import CORE_CLASSES, ID, OA, RELATIONS, SCHEMA, SUBCLASS_OF, SYMMETRIC_RELATIONS, TG
from ontology.errors import InputError

log = logging.getLogger("tiegraph")

__all__ = [
    "BETWEENNESS_SAMPLES",
    "CENTRALITY_COLUMNS",
    "EXACT_BETWEENNESS_MAX",
    "EXPORT_FORMATS",
    "INDUSTRY_TYPES",
    "POLITICAL_TYPES",
    "SEED",
    "Analysis",
    "analyze",
    "annotate",
    "betweenness",
    "brokers",
    "centrality_csv",
    "communities",
    "degree",
    "edges_csv",
    "eigenvector",
    "export",
    "pagerank",
    "project",
    "project_records",
    "write_analysis",
    "write_centrality_csv",
    "write_export",
]

#: The seed of every random choice (betweenness sources, Louvain), so that results are reproducible.
SEED: int = 42
#: Betweenness is exact for graphs up to this many nodes ...
EXACT_BETWEENNESS_MAX: int = 2000
#: ... and estimated from this many sampled source nodes above it (Brandes and Pich, 2007).
BETWEENNESS_SAMPLES: int = 1000
#: Organization subtypes counted as industry, and as political or government bodies, for :func:`brokers`.
INDUSTRY_TYPES: frozenset[str] = frozenset({"Company", "StateOwnedEnterprise", "IndustryAssociation"})
POLITICAL_TYPES: frozenset[str] = frozenset(
    {"GovernmentBody", "PoliticalOrganization", "PoliticalParty", "PartyCommittee"}
)
#: The columns of ``centrality.csv``, in order.
CENTRALITY_COLUMNS: tuple[str, ...] = (
    "iri",
    "label",
    "type",
    "degree",
    "betweenness",
    "pagerank",
    "eigenvector",
    "community",
)
#: What ``tiegraph export`` writes: RDF serializations of the build, and network formats of the projection.
EXPORT_FORMATS: dict[str, str] = {
    "turtle": "ttl",
    "ntriples": "nt",
    "nquads": "nq",
    "trig": "trig",
    "jsonld": "jsonld",
    "gexf": "gexf",
    "graphml": "graphml",
    "csv": "csv",
}

_TG = str(TG._NS)
_RELATION_IRIS = {TG[r]: r for r in RELATIONS}
_CLASSES = set(CORE_CLASSES) | set(SUBCLASS_OF)
#: Subclasses of subclasses (tiegraph.ttl): an entity typed with both keeps the narrower one as its subtype.
_NARROWER = (
    ("Company", "StateOwnedEnterprise"),
    ("PoliticalOrganization", "PoliticalParty"),
    ("Plant", "Refinery"),
    ("Meeting", "Summit"),
)


# --- the projection --------------------------------------------------------------------------------------------


def project(graph: Graph) -> nx.MultiDiGraph:
    """The entities of ``graph`` and the relations between them, as a NetworkX multigraph.

    Nodes are entity IRIs (strings) with ``label``, ``type`` (the core class), ``subtype`` (``""`` when
    there is none) and ``aliases`` (sorted). Each relation triple is one edge keyed by its predicate,
    with ``predicate``, ``role`` (the roles of its assertions, joined with ``"; "``), ``confidence`` (the
    highest of its assertions, ``None`` without one), ``evidence_count`` (its assertions: one per place
    in the text that states it), ``evidence`` (a list of ``{"sentence", "document", "source", "start"}``
    sorted by source and offset) and ``symmetric``.

    Parameters
    ----------
    graph
        A tiegraph graph (``graph.ttl``), or a dataset, whose graphs are then read together.

    Examples
    --------
    >>> g = Graph().parse(format="turtle", data='''
    ... @prefix tg: <https://w3id.org/tiegraph/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ... <urn:x:ada> a tg:Person ; rdfs:label "Ada" . <urn:x:acme> a tg:Organization, tg:Company ; rdfs:label "Acme" .
    ... <urn:x:ada> tg:holdsPosition <urn:x:acme> .''')
    >>> G = project(g)
    >>> G.nodes["urn:x:acme"]["subtype"], list(G.edges(keys=True))
    ('Company', [('urn:x:ada', 'urn:x:acme', 'holdsPosition')])
    """
    if isinstance(graph, Dataset):
        union = Graph()
        for s, p, o, _ in graph.quads((None, None, None, None)):
            union.add((s, p, o))
        graph = union
    classes: dict[str, set[str]] = {}
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(o, URIRef) and o.startswith(_TG) and o[len(_TG) :] in _CLASSES:
            classes.setdefault(_node_id(s), set()).add(o[len(_TG) :])
    G = nx.MultiDiGraph()
    terms = {_node_id(s): s for s, _ in graph.subject_objects(RDF.type)}
    for node in sorted(classes):
        term = terms[node]
        core, subtype = _classify(classes[node])
        labels = sorted(str(x) for x in graph.objects(term, RDFS.label))
        label = labels[0] if labels else _local_name(node)
        aliases = sorted({str(x) for x in graph.objects(term, SKOS.altLabel)} - {label})
        G.add_node(node, label=label, type=core, subtype=subtype, aliases=aliases)

    documents: dict[str, tuple[str, str]] = {}
    support: dict[tuple[str, str, str], list[dict]] = {}
    for assertion in graph.subjects(RDF.type, TG.Assertion):
        s, p, o = (graph.value(assertion, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        if p not in _RELATION_IRIS or s is None or o is None:
            continue
        triple = (_node_id(s), _RELATION_IRIS[p], _node_id(o))
        if triple[0] in G and triple[2] in G:
            support.setdefault(triple, []).append(_assertion_record(graph, assertion, documents))
    triples = set(support)
    for p, name in _RELATION_IRIS.items():
        for s, o in graph.subject_objects(p):
            triple = (_node_id(s), name, _node_id(o))
            if triple[0] in G and triple[2] in G:
                triples.add(triple)

    for s, p, o in sorted(triples):
        records = support.get((s, p, o), [])
        roles = sorted({r["role"] for r in records if r["role"]})
        confidences = [r["confidence"] for r in records if r["confidence"] is not None]
        evidence = sorted(
            (e for r in records for e in r["evidence"]), key=lambda e: (e["source"], e["start"], e["sentence"])
        )
        G.add_edge(
            s,
            o,
            key=p,
            predicate=p,
            role="; ".join(roles),
            confidence=max(confidences) if confidences else None,
            evidence_count=len(records),
            evidence=evidence,
            symmetric=p in SYMMETRIC_RELATIONS,
        )
    return G


def project_records(
    documents: Sequence[Document], entities: Sequence[Entity], relations: Sequence[Relation], *, base: str = str(ID)
) -> nx.MultiDiGraph:
    """What :func:`project` makes of the graph of these records, made from the records themselves.

    A build has its documents, entities and relations at hand, so it projects them without reading the RDF
    back; ``tests/test_analysis.py`` pins that both projections agree.
    """
    from graph.rdf import document_iri, entity_iri_text

    ns = Namespace(base)
    docs = {d.id: d for d in documents}
    in_relations = {k for r in relations if r.document in docs for k in (r.subject, r.object)}
    iris = {e.key: entity_iri_text(e, ns) for e in entities}
    doc_iris = {d.id: str(document_iri(d, ns)) for d in documents}
    G = nx.MultiDiGraph()
    for e in sorted(entities, key=lambda e: iris[e.key]):
        if e.key not in in_relations and not any(m[0] in docs for m in e.mentions):
            continue
        core, subtype = _classify({e.type} | ({e.subtype} if e.subtype else set()))
        G.add_node(iris[e.key], label=e.name, type=core, subtype=subtype, aliases=sorted(set(e.aliases) - {e.name}))
    support: dict[tuple[str, str, str], dict[tuple, dict]] = {}
    for r in relations:
        if r.document not in docs:
            continue
        d = docs[r.document]
        triple = (iris[r.subject], r.predicate, iris[r.object])
        assertion = (d.id, r.start, r.end, r.role or "")  # what names an assertion (graph.rdf._add_relation)
        record = {
            "role": r.role or "",
            "confidence": round(r.confidence, 3),
            "evidence": {
                "sentence": d.text[r.start : r.end],
                "document": doc_iris[d.id],
                "source": d.path,
                "start": r.start,
            },
        }
        seen = support.setdefault(triple, {})
        if assertion not in seen or record["confidence"] > seen[assertion]["confidence"]:
            seen[assertion] = record
    for (s, p, o), records in sorted(support.items()):
        roles = sorted({r["role"] for r in records.values() if r["role"]})
        evidence = sorted(
            (r["evidence"] for r in records.values()), key=lambda e: (e["source"], e["start"], e["sentence"])
        )
        G.add_edge(
            s,
            o,
            key=p,
            predicate=p,
            role="; ".join(roles),
            confidence=max(r["confidence"] for r in records.values()),
            evidence_count=len(records),
            evidence=evidence,
            symmetric=p in SYMMETRIC_RELATIONS,
        )
    return G


def _node_id(term) -> str:
    return str(term) if isinstance(term, URIRef) else f"_:{term}"


def _local_name(iri: str) -> str:
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1] or iri


def _classify(classes: set[str]) -> tuple[str, str]:
    """The core class and the most specific subclass among the classes an entity is typed with."""
    cores = {c for c in classes if c in CORE_CLASSES} | {SUBCLASS_OF[c] for c in classes if c in SUBCLASS_OF}
    core = next(c for c in CORE_CLASSES if c in cores)
    subtypes = sorted(c for c in classes if SUBCLASS_OF.get(c) == core)
    for broad, narrow in _NARROWER:
        if broad in subtypes and narrow in subtypes:
            subtypes.remove(broad)
    return core, subtypes[0] if subtypes else ""


def _assertion_record(graph: Graph, assertion, documents: dict[str, tuple[str, str]]) -> dict:
    role = graph.value(assertion, TG.role)
    if role is not None and not isinstance(role, Literal):
        role = graph.value(role, RDFS.label)
    confidence = graph.value(assertion, TG.confidence)
    evidence = []
    for ev in graph.objects(assertion, PROV.wasDerivedFrom):
        doc = graph.value(ev, OA.hasSource)
        exact, start = "", -1
        for selector in graph.objects(ev, OA.hasSelector):
            if (selector, RDF.type, OA.TextQuoteSelector) in graph:
                exact = str(graph.value(selector, OA.exact) or "")
            elif (selector, RDF.type, OA.TextPositionSelector) in graph:
                value = graph.value(selector, OA.start)
                start = int(value.toPython()) if isinstance(value, Literal) else -1
        doc_id = _node_id(doc) if doc is not None else ""
        if doc_id not in documents:
            path = graph.value(doc, TG.sourcePath) if doc is not None else None
            title = graph.value(doc, SCHEMA.name) if doc is not None else None
            documents[doc_id] = (str(path or title or doc_id), str(title or ""))
        evidence.append({"sentence": exact, "document": doc_id, "source": documents[doc_id][0], "start": start})
    return {
        "role": str(role) if role is not None else "",
        "confidence": float(confidence.toPython()) if isinstance(confidence, Literal) else None,
        "evidence": evidence,
    }


def _undirected(G: nx.Graph) -> nx.Graph:
    """A simple undirected graph on the same nodes (sorted), ``weight`` = the number of relations between two."""
    if G.graph.get("tiegraph_undirected"):
        return G
    H = nx.Graph(tiegraph_undirected=True)
    H.add_nodes_from((v, G.nodes[v]) for v in sorted(G))
    weights: dict[tuple, float] = {}
    for u, v, w in G.edges(data="weight", default=1):
        if u != v:
            pair = (u, v) if u <= v else (v, u)
            weights[pair] = weights.get(pair, 0) + w
    H.add_weighted_edges_from((u, v, w) for (u, v), w in sorted(weights.items()))
    return H


# --- centralities ------------------------------------------------------------------------------------------------


def degree(G: nx.Graph) -> dict:
    """Degree centrality: the share of the other entities an entity is related to (any direction).

    Examples
    --------
    >>> degree(nx.path_graph(3))
    {0: 0.5, 1: 1.0, 2: 0.5}
    """
    H = _undirected(G)
    if len(H) <= 1:
        return dict.fromkeys(H, 0.0)
    return nx.degree_centrality(H)


def betweenness(
    G: nx.Graph,
    *,
    exact_max: int = EXACT_BETWEENNESS_MAX,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = SEED,
    backend: str | None = None,
) -> dict:
    """Normalized betweenness centrality of the undirected graph: exact, or estimated on large graphs.

    Up to ``exact_max`` nodes every node is a source of shortest paths (the result equals
    ``nx.betweenness_centrality(G)``); above it ``samples`` sources are drawn with ``seed`` from the sorted
    nodes and the sums are scaled by ``n / samples``, the estimator of Brandes and Pich (2007).

    Parameters
    ----------
    backend
        ``"igraph"`` or ``"networkx"``; by default igraph when it is installed. Both give the same numbers.

    Examples
    --------
    >>> betweenness(nx.path_graph(3))
    {0: 0.0, 1: 1.0, 2: 0.0}
    """
    H = _undirected(G)
    n = len(H)
    if n <= 2:
        return dict.fromkeys(H, 0.0)
    nodes = list(H)
    sources = nodes if n <= exact_max or samples >= n else random.Random(seed).sample(nodes, samples)
    raw = _path_dependencies(H, sources, None, backend)
    scale = n / len(sources) / ((n - 1) * (n - 2))
    return {v: raw[v] * scale for v in nodes}


def _path_dependencies(H: nx.Graph, sources: list, targets: list | None, backend: str | None) -> dict:
    """Sum over ``sources`` s (and ``targets`` t, default all) of the share of shortest s-t paths through each node.

    Endpoints are not counted. Both backends halve these sums on undirected graphs; the factor 2 restores them.
    """
    backend = backend or _default_backend(len(sources) * (len(H) + H.number_of_edges()))
    if backend == "igraph":
        import igraph

        index = {v: i for i, v in enumerate(H)}
        h = igraph.Graph(n=len(index), edges=[(index[u], index[v]) for u, v in H.edges()], directed=False)
        kwargs = {"sources": [index[s] for s in sources]}
        if targets is not None:
            kwargs["targets"] = [index[t] for t in targets]
        values = h.betweenness(directed=False, **kwargs)
        return {v: 2.0 * values[index[v]] for v in H}
    if backend != "networkx":
        msg = f"Unknown graph backend {backend!r}. Use 'igraph' or 'networkx'."
        raise ValueError(msg)
    if targets is None and len(sources) == len(H):
        values = nx.betweenness_centrality(H, normalized=False)
    else:
        values = nx.betweenness_centrality_subset(H, sources, list(H) if targets is None else targets)
    return {v: 2.0 * values[v] for v in H}


#: Shortest-path work (sources x (nodes + edges)) above which igraph is worth its import (about 1 s).
IGRAPH_WORK: int = 2_000_000


def _default_backend(work: int | None = None) -> str:
    """igraph for large work when it is installed, else NetworkX (the results are the same)."""
    if work is not None and work < IGRAPH_WORK:
        return "networkx"
    return "igraph" if importlib.util.find_spec("igraph") is not None else "networkx"


def _arrays(G: nx.Graph, nodes: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge lists as index arrays (source, target, weight); undirected and symmetric edges in both directions."""
    index = {v: i for i, v in enumerate(nodes)}
    src, dst, w = [], [], []
    for u, v, data in G.edges(data=True):
        weight = data.get("weight", 1)
        src.append(index[u])
        dst.append(index[v])
        w.append(weight)
        if not G.is_directed() or data.get("symmetric"):
            src.append(index[v])
            dst.append(index[u])
            w.append(weight)
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64), np.array(w, dtype=float)


def pagerank(G: nx.Graph, *, alpha: float = 0.85, max_iter: int = 200, tol: float = 1e-10) -> dict:
    """PageRank by power iteration; the results match ``nx.pagerank`` (which needs SciPy; this needs NumPy only).

    An undirected graph counts each edge both ways, and so does an edge with ``symmetric=True`` in a
    directed one. Edge ``weight`` (default 1) adds up over parallel edges; a node without outgoing edges
    spreads its rank evenly. :func:`analyze` uses the undirected relation graph, weighted by the number
    of relations between two entities: taken directed, every person (whose posts, memberships and
    participations all point away from them) would rank last, and places (``locatedIn``) first.

    Raises
    ------
    networkx.PowerIterationFailedConvergence
        When ``max_iter`` iterations do not reach ``tol`` (per node, L1).

    Examples
    --------
    >>> {k: round(v, 3) for k, v in pagerank(nx.DiGraph([(0, 1), (1, 0), (2, 0)])).items()}
    {0: 0.486, 1: 0.464, 2: 0.05}
    """
    nodes = sorted(G)
    n = len(nodes)
    if n == 0:
        return {}
    src, dst, w = _arrays(G, nodes)
    out = np.bincount(src, weights=w, minlength=n)
    dangling = out == 0
    share = np.divide(w, out[src], out=np.zeros_like(w), where=out[src] > 0)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        previous = x
        x = alpha * np.bincount(dst, weights=previous[src] * share, minlength=n)
        x += (alpha * previous[dangling].sum() + 1.0 - alpha) / n
        if np.abs(x - previous).sum() < n * tol:
            return dict(zip(nodes, x.tolist(), strict=True))
    raise nx.PowerIterationFailedConvergence(max_iter)


def eigenvector(G: nx.Graph, *, max_iter: int = 1000, tol: float = 1e-8) -> dict:
    """Eigenvector centrality of the undirected graph, with a fallback when power iteration does not converge.

    The fallback is degree scaled to unit length: the first step of the same power iteration. A warning
    says so; :func:`analyze` records which method was used.

    Examples
    --------
    >>> {k: round(v, 3) for k, v in eigenvector(nx.path_graph(3)).items()}
    {0: 0.5, 1: 0.707, 2: 0.5}
    """
    return _eigenvector(G, max_iter=max_iter, tol=tol)[0]


def _eigenvector(G: nx.Graph, *, max_iter: int = 1000, tol: float = 1e-8) -> tuple[dict, str]:
    H = _undirected(G)
    nodes = list(H)
    n = len(nodes)
    if n == 0:
        return {}, "none"
    # nx.eigenvector_centrality's algorithm on arrays: power iteration of A + I from a uniform start
    src, dst, w = _arrays(H, nodes)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        previous = x
        x = previous + np.bincount(dst, weights=previous[src] * w, minlength=n)
        x /= np.sqrt((x * x).sum()) or 1.0
        if np.abs(x - previous).sum() < n * tol:
            # entities outside the main component converge to 0 only up to rounding (1e-20): make that 0
            return {v: (c if c > 1e-12 else 0.0) for v, c in zip(nodes, x.tolist(), strict=True)}, "power iteration"
    log.warning("Eigenvector centrality did not converge in %d iterations; using scaled degree instead.", max_iter)
    strength = {v: float(H.degree(v, weight="weight")) for v in H}
    norm = math.sqrt(sum(x * x for x in strength.values())) or 1.0
    return {v: x / norm for v, x in strength.items()}, "scaled degree (power iteration did not converge)"


def communities(G: nx.Graph, *, seed: int = SEED) -> dict:
    """Louvain communities of the undirected graph (seeded), numbered from 0 by size, largest first.

    Examples
    --------
    >>> communities(nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]))
    {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    """
    H = _undirected(G)
    if len(H) == 0:
        return {}
    found = nx.community.louvain_communities(H, weight="weight", seed=seed)
    ordered = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    return {v: i for i, members in enumerate(ordered) for v in members}


def brokers(
    G: nx.Graph,
    *,
    industry: Iterable | None = None,
    political: Iterable | None = None,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = SEED,
    backend: str | None = None,
) -> dict:
    """How much each entity lies between industry and politics: its share of industry-to-politics shortest paths.

    For every pair of an industry organisation and a political or government body (by subtype, see
    ``INDUSTRY_TYPES`` and ``POLITICAL_TYPES``), the shortest paths between them are counted; an entity's
    score is the average over the pairs of the share of those paths that pass through it (0 to 1). Only
    entities with a score above zero are returned, highest first. With more than ``samples`` industry
    organisations, that many are drawn with ``seed``.

    Examples
    --------
    >>> G = nx.Graph([("steel", "zhao"), ("zhao", "party"), ("steel", "city")])
    >>> brokers(G, industry=["steel"], political=["party"])
    {'zhao': 1.0}
    """
    H = _undirected(G)
    if industry is None:
        industry = [v for v, t in H.nodes(data="subtype") if t in INDUSTRY_TYPES]
    if political is None:
        political = [v for v, t in H.nodes(data="subtype") if t in POLITICAL_TYPES]
    sources, targets = sorted(set(industry) & set(H)), sorted(set(political) & set(H))
    if not sources or not targets:
        return {}
    if len(sources) > samples:
        sources = random.Random(seed).sample(sources, samples)
    pairs = sum(1 for s in sources for t in targets if s != t)
    raw = _path_dependencies(H, sources, targets, backend)
    scores = {v: x / pairs for v, x in raw.items() if x > 1e-12}
    return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class Analysis:
    """Every measure of every entity, and how the estimates were made."""

    degree: dict
    betweenness: dict
    pagerank: dict
    eigenvector: dict
    community: dict
    broker: dict
    betweenness_sources: int | None = None  # None: exact; else the number of sampled source nodes
    eigenvector_method: str = "power iteration"
    notes: tuple[str, ...] = field(default=())

    def scores(self, node) -> dict:
        """The measures of one entity, by name."""
        return {
            "degree": self.degree.get(node, 0.0),
            "betweenness": self.betweenness.get(node, 0.0),
            "pagerank": self.pagerank.get(node, 0.0),
            "eigenvector": self.eigenvector.get(node, 0.0),
            "community": self.community.get(node, -1),
            "broker": self.broker.get(node, 0.0),
        }

    def ranking(self) -> list:
        """The nodes by descending PageRank (as written to the CSV), ties broken by IRI."""
        return sorted(self.pagerank, key=lambda v: (-float(_num(self.pagerank[v])), str(v)))


def analyze(G: nx.Graph, *, seed: int = SEED, backend: str | None = None) -> Analysis:
    """All the measures of :class:`Analysis` for the projection ``G`` (see :func:`project`).

    Examples
    --------
    >>> result = analyze(nx.path_graph(3))
    >>> result.betweenness[1], result.community
    (1.0, {0: 0, 1: 0, 2: 0})
    """
    H = _undirected(G)
    n = len(H)
    sampled = n > EXACT_BETWEENNESS_MAX and BETWEENNESS_SAMPLES < n
    eig, method = _eigenvector(H)
    notes = []
    if sampled:
        notes.append(f"Betweenness estimated from {BETWEENNESS_SAMPLES:,} sampled source entities (seed {seed}).")
    if method.startswith("scaled degree"):
        notes.append("Eigenvector centrality did not converge; the eigenvector column holds scaled degree.")
    return Analysis(
        degree=degree(H),
        betweenness=betweenness(H, seed=seed, backend=backend),
        pagerank=pagerank(H),
        eigenvector=eig,
        community=communities(H, seed=seed),
        broker=brokers(H, seed=seed, backend=backend),
        betweenness_sources=BETWEENNESS_SAMPLES if sampled else None,
        eigenvector_method=method,
        notes=tuple(notes),
    )


def annotate(G: nx.Graph, analysis: Analysis) -> nx.Graph:
    """Store the measures of ``analysis`` as node attributes of ``G`` (in place), and return ``G``."""
    for node in G:
        G.nodes[node].update(analysis.scores(node))
    return G


# --- outputs -----------------------------------------------------------------------------------------------------


def _num(x: float) -> str:
    """Eight significant digits: enough to rank, few enough to stay the same across platforms and backends."""
    return f"{x:.8g}"


def _cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text: a leading = + - @ (a formula) is escaped with a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def centrality_csv(G: nx.Graph, analysis: Analysis) -> str:
    """The text of ``centrality.csv``: one row per entity, by descending PageRank, then IRI.

    Examples
    --------
    >>> G = nx.Graph([("a", "b")])
    >>> print(centrality_csv(G, analyze(G)), end="")
    iri,label,type,degree,betweenness,pagerank,eigenvector,community
    a,a,,1,0,0.5,0.70710678,0
    b,b,,1,0,0.5,0.70710678,0
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CENTRALITY_COLUMNS)
    for node in analysis.ranking():
        attrs = G.nodes[node]
        s = analysis.scores(node)
        writer.writerow(
            [
                str(node),
                _cell(str(attrs.get("label", node))),
                attrs.get("type", ""),
                *(_num(s[k]) for k in ("degree", "betweenness", "pagerank", "eigenvector")),
                s["community"],
            ]
        )
    return buffer.getvalue()


def write_centrality_csv(path: Path | str, G: nx.Graph, analysis: Analysis) -> Path:
    """Write :func:`centrality_csv` atomically to ``path``."""
    path = Path(path)
    write_text_atomic(path, centrality_csv(G, analysis))
    return path


def write_analysis(out: Path | str, graph: Graph | nx.MultiDiGraph, *, max_nodes: int | None = None) -> Analysis:
    """What a build writes besides the RDF: ``out/centrality.csv`` and the page ``out/graph.html``.

    ``graph`` is a tiegraph RDF graph, or its projection (:func:`project`, :func:`project_records`).
    """
    from graph.viz import MAX_NODES, write_html

    out = Path(out)
    G = graph if isinstance(graph, nx.Graph) else project(graph)
    result = analyze(G)
    write_centrality_csv(out / "centrality.csv", G, result)
    write_html(G, out / "graph.html", analysis=result, max_nodes=MAX_NODES if max_nodes is None else max_nodes)
    return result


# --- exports -----------------------------------------------------------------------------------------------------

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    """Text that XML 1.0 can hold: the control characters it forbids become U+FFFD."""
    return _XML_INVALID.sub("\ufffd", value)


def _flat(G: nx.MultiDiGraph, analysis: Analysis) -> nx.MultiDiGraph:
    """A copy with scalar attributes only (what GEXF and GraphML hold), centralities included."""
    F = nx.MultiDiGraph()
    for node, attrs in G.nodes(data=True):
        s = analysis.scores(node)
        F.add_node(
            node,
            label=_xml_text(str(attrs.get("label", node))),
            type=attrs.get("type", ""),
            subtype=attrs.get("subtype", ""),
            aliases=_xml_text("; ".join(attrs.get("aliases", []))),
            **{k: float(_num(s[k])) for k in ("degree", "betweenness", "pagerank", "eigenvector", "broker")},
            community=int(s["community"]),
        )
    for u, v, key, attrs in G.edges(keys=True, data=True):
        evidence = attrs.get("evidence", [])
        data = {
            "label": str(attrs.get("predicate", key)),
            "predicate": str(attrs.get("predicate", key)),
            "role": _xml_text(attrs.get("role", "")),
            "evidence_count": int(attrs.get("evidence_count", 0)),
            "weight": float(max(1, attrs.get("evidence_count", 0))),
            "sentences": _xml_text(json.dumps([e["sentence"] for e in evidence], ensure_ascii=False)),
            "documents": _xml_text(json.dumps([e["document"] for e in evidence], ensure_ascii=False)),
        }
        if attrs.get("confidence") is not None:
            data["confidence"] = float(attrs["confidence"])
        F.add_edge(u, v, key=key, **data)
    return F


def edges_csv(G: nx.MultiDiGraph) -> str:
    """The relations as a CSV edge list, one row per relation, its evidence as JSON lists of sentences and documents.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("a", label="Ada", type="Person"); G.add_node("b", label="Acme", type="Organization")
    >>> _ = G.add_edge("a", "b", key="holdsPosition", predicate="holdsPosition", role="Chair", confidence=0.9,
    ...     evidence_count=1, evidence=[{"sentence": "Ada chairs Acme.", "document": "urn:doc:1", "source": "d.txt"}])
    >>> print(edges_csv(G), end="")
    source,source_label,predicate,target,target_label,role,confidence,evidence_count,sentences,documents
    a,Ada,holdsPosition,b,Acme,Chair,0.9,1,"[""Ada chairs Acme.""]","[""urn:doc:1""]"
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "source",
            "source_label",
            "predicate",
            "target",
            "target_label",
            "role",
            "confidence",
            "evidence_count",
            "sentences",
            "documents",
        ]
    )
    for u, v, key, attrs in sorted(G.edges(keys=True, data=True), key=lambda e: (str(e[0]), str(e[2]), str(e[1]))):
        evidence = attrs.get("evidence", [])
        confidence = attrs.get("confidence")
        writer.writerow(
            [
                u,
                _cell(str(G.nodes[u].get("label", u))),
                attrs.get("predicate", key),
                v,
                _cell(str(G.nodes[v].get("label", v))),
                _cell(attrs.get("role", "")),
                "" if confidence is None else _num(confidence),
                attrs.get("evidence_count", 0),
                json.dumps([e["sentence"] for e in evidence], ensure_ascii=False),
                json.dumps([e["document"] for e in evidence], ensure_ascii=False),
            ]
        )
    return buffer.getvalue()


def export(target: Path | str, fmt: str) -> bytes:
    """The build folder ``target`` in the format ``fmt`` (one of ``EXPORT_FORMATS``), as bytes.

    RDF formats carry the whole graph: ``nquads``, ``trig`` and ``jsonld`` keep one named graph per
    document (from ``graph.trig``), ``turtle`` and ``ntriples`` the union (``graph.ttl``). ``gexf`` and
    ``graphml`` hold the projection with every centrality as node attributes, for Gephi and Cytoscape;
    ``csv`` is the edge list with the evidence of each relation.
    """
    if fmt not in EXPORT_FORMATS:
        msg = f"Unknown export format {fmt!r}. Use one of: {', '.join(EXPORT_FORMATS)}."
        raise InputError(msg)
    target = Path(target)
    if fmt in ("nquads", "trig", "jsonld") and (target / "graph.trig").is_file():
        ds = Dataset()
        ds.parse(target / "graph.trig", format="trig")
        return _serialize_rdf(ds, fmt)
    from graph.api import load_graph

    graph = load_graph(target)
    if fmt in ("turtle", "ntriples", "nquads", "trig", "jsonld"):
        return _serialize_rdf(graph, fmt)
    G = project(graph)
    if fmt == "csv":
        return edges_csv(G).encode("utf-8")
    F = _flat(G, analyze(G))
    buffer = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(F, buffer, prettyprint=True)
        # networkx stamps today's date; drop it so the same graph gives the same bytes
        return re.sub(rb'\s+lastmodifieddate="[^"]*"', b"", buffer.getvalue())
    else:
        nx.write_graphml_xml(F, buffer, prettyprint=True)
    return buffer.getvalue()


def _serialize_rdf(graph: Graph, fmt: str) -> bytes:
    if fmt in ("ntriples", "nquads"):
        text = graph.serialize(format="nt" if fmt == "ntriples" else "nquads", encoding="utf-8").decode("utf-8")
        lines = sorted(line for line in text.splitlines() if line.strip())
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    if fmt == "jsonld":
        data = json.loads(graph.serialize(format="json-ld", encoding="utf-8"))
        return (json.dumps(_sorted_jsonld(data), indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    if fmt == "trig" and isinstance(graph, Dataset):
        import pyoxigraph as ox

        from graph.rdf import serialize_trig, sort_quads

        quads = ox.parse(graph.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
        return serialize_trig(sort_quads(quads))
    return graph.serialize(format=fmt, encoding="utf-8")


def _sorted_jsonld(data):
    """JSON-LD with its node lists and value lists in a stable order (rdflib follows the store's set order)."""
    if isinstance(data, list):
        items = [_sorted_jsonld(x) for x in data]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    if isinstance(data, Mapping):
        return {k: _sorted_jsonld(v) for k, v in data.items()}
    return data


def write_export(target: Path | str, fmt: str, path: Path | str) -> Path:
    """Write :func:`export` atomically to ``path``."""
    path = Path(path)
    write_bytes_atomic(path, export(target, fmt))
    return path
