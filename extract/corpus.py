"""Cross-document resolution: the same actor in many articles becomes one entity of the build.

Runs over the per-document :class:`Extraction` records (cached or freshly made alike), so
every executor and every incremental rebuild resolves the corpus the same way.

Two document entities are one when they have the same type and either the same key (type and
normalised core name) or a full name of one equals a full name of the other ("CPPCC" defined in
one article, written out in another). Single-word person names (surnames) never link across
documents, and events never do: each article's "the meeting" is its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from extract.lexicon import load_lexicon
from extract.resolve import core_name
from extract.types import Entity, Extraction, Merge, Relation


@dataclass(frozen=True, slots=True)
class Corpus:
    """The resolved build: global entities, every relation occurrence, the merge audit."""

    documents: tuple[Extraction, ...]
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]
    merges: tuple[Merge, ...]
    #: (document id, document-level entity key) -> global entity key
    links: dict[tuple[str, str], str]


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def resolve_corpus(extractions: Sequence[Extraction], *, min_confidence: float = 0.0) -> Corpus:
    """Merge per-document entities into build entities and re-key relations to them.

    Relation occurrences below ``min_confidence`` are left out; entities are kept whatever their relations.
    """
    lex = load_lexicon()
    extractions = tuple(sorted(extractions, key=lambda x: x.document.path))
    uf = _UnionFind()
    by_name: dict[tuple[str, str], str] = {}
    cores: dict[str, str] = {}
    for x in extractions:
        for e in x.entities:
            node = _node(x.document.id, e)
            uf.find(node)
            if e.type == "Event":
                continue
            for surface in (e.name, *e.aliases):
                core = cores.get(surface)
                if core is None:  # the same names recur across the corpus: each one is normalised once
                    core = cores[surface] = core_name(surface, lex)
                if e.type == "Person" and len(core.split()) < 2:
                    continue
                if not core or (len(core) < 3 and not surface.isupper()):
                    continue
                name_key = (e.type, core)
                if name_key in by_name:
                    uf.union(by_name[name_key], node)
                else:
                    by_name[name_key] = node
    groups: dict[str, list[tuple[Extraction, Entity]]] = {}
    for x in extractions:
        for e in x.entities:
            groups.setdefault(uf.find(_node(x.document.id, e)), []).append((x, e))
    links: dict[tuple[str, str], str] = {}
    entities = []
    collapsed: set[str] = set()  # documents two of whose entities became one
    for members in groups.values():
        merged = _merge([e for _, e in members])
        entities.append(merged)
        docs = [x.document.id for x, _ in members]
        if len(docs) != len(set(docs)):
            collapsed.update(docs)
        for x, e in members:
            links[(x.document.id, e.key)] = merged.key
    entities.sort(key=lambda e: e.key)
    relations = []
    merges = []
    for x in extractions:
        for r in x.relations:
            if r.confidence < min_confidence:
                continue
            s, o = links[(x.document.id, r.subject)], links[(x.document.id, r.object)]
            if s == o:
                continue
            relations.append(Relation(s, r.predicate, o, r.document, r.start, r.end, r.rule, r.confidence, r.role))
        for m in x.merges:
            merges.append(Merge(links[(x.document.id, m.entity)], m.surface, m.rule, m.confidence, x.document.id))
    for members in groups.values():
        if len({x.document.id for x, _ in members}) > 1:  # the same actor in several articles
            for x, e in members:
                merges.append(Merge(links[(x.document.id, e.key)], e.name, "cross-document", 0.9, x.document.id))
    relations = sorted(
        [r for r in relations if r.document not in collapsed]
        + _distinct([r for r in relations if r.document in collapsed]),
        key=lambda r: (r.subject, r.predicate, r.object, r.document, r.start, r.end),
    )
    # every field in the key: a set's order changes from one process to the next (hash randomisation)
    merges = sorted(set(merges), key=lambda m: (m.entity, m.document, m.surface, m.rule, m.confidence))
    return Corpus(extractions, tuple(entities), tuple(relations), tuple(merges), links)


def _distinct(relations: list[Relation]) -> list[Relation]:
    """One occurrence per statement and place (subject, predicate, object, document, span, role).

    Two entities of a document that became one can make the same statement twice in a sentence; the most
    confident rule is kept, as :func:`extract.pipeline._dedupe` does within a document.
    """
    best: dict[tuple, Relation] = {}
    for r in relations:
        key = (r.subject, r.predicate, r.object, r.document, r.start, r.end, r.role or "")
        old = best.get(key)
        if old is None or (r.confidence, r.rule) > (old.confidence, old.rule):
            best[key] = r
    return list(best.values())


def _node(doc_id: str, e: Entity) -> str:
    return f"{doc_id}\x00{e.key}"


def _merge(members: list[Entity]) -> Entity:
    """One entity from its per-document records: the most complete name, every alias and mention."""
    if len(members) == 1:
        return members[0]
    qid = next((e.qid for e in members if e.qid), None)
    names = sorted({e.name for e in members}, key=lambda n: (-len(n.split()), -len(n), n))
    name = names[0]
    aliases = sorted({a for e in members for a in (e.name, *e.aliases)} - {name})
    subtypes = sorted({e.subtype for e in members if e.subtype})
    key = min(e.key for e in members)
    return Entity(
        key=key,
        name=name,
        type=members[0].type,
        subtype=subtypes[0] if len(subtypes) == 1 else (subtypes[0] if subtypes else None),
        aliases=tuple(aliases),
        qid=qid,
        mentions=tuple(sorted(m for e in members for m in e.mentions)),
        confidence=max(e.confidence for e in members),
        date=next((e.date for e in members if e.date), None),
    )
