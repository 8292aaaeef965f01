"""The extraction records: small, frozen, and free of spaCy and rdflib objects.

They are what the extraction stage hands to the graph stage, what a cache stores and
what a worker ships back, so they hold only strings, numbers and tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The five core entity types of the output contract.
ENTITY_TYPES: tuple[str, ...] = ("Person", "Organization", "Place", "Facility", "Event")


@dataclass(frozen=True, slots=True)
class Document:
    """One article: its text exactly as read, and what is known about it.

    ``path`` is relative to the input it was found under; ``id`` is a stable slug
    derived from it. Character offsets everywhere refer to ``text``.
    """

    id: str
    path: str
    text: str
    sha256: str
    title: str | None = None
    published: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A span of the text that names (or refers to) an entity."""

    start: int
    end: int
    text: str
    type: str
    subtype: str | None = None
    source: str = "ner"  # ner | gazetteer | head-noun | title | event | reference
    gazetteer_id: str | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """One real-world entity of a document (or, after cross-document resolution, of a build)."""

    key: str
    name: str
    type: str
    subtype: str | None = None
    aliases: tuple[str, ...] = ()
    qid: str | None = None
    mentions: tuple[tuple[str, int, int], ...] = ()  # (document id, start, end)
    confidence: float = 1.0
    date: str | None = None  # events: ISO date (or the date as written) when stated


@dataclass(frozen=True, slots=True)
class Relation:
    """One stated occurrence of a relation between two entities, with its evidence span."""

    subject: str
    predicate: str
    object: str
    document: str
    start: int
    end: int
    rule: str
    confidence: float
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Merge:
    """An audit record: these surface forms were resolved to this entity, by this rule."""

    entity: str
    surface: str
    rule: str
    confidence: float = 1.0
    document: str = ""


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extracted from one document."""

    document: Document
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]
    merges: tuple[Merge, ...] = ()
    model: str = ""
    warnings: tuple[str, ...] = field(default=())
