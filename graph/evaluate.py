"""Score a built graph against a hand-made gold annotation of an article.

This module is the product's implementation of the scoring semantics of the
reference scorer ``shared/eval/score.py``: the same entity alignment, the same
relation matching (symmetric relations, ``any`` alternatives, optional items),
the same role matching and the same precision, recall and F1. On the same
inputs its numbers, and the lines it lists, equal the reference scorer's.

The pieces are plain functions:

- :func:`load_gold` reads and validates a gold file into a :class:`Gold`;
- :func:`load_build` reads a build directory into an ``rdflib.Dataset``;
- :func:`graph_for_document` picks the graph of the gold's document;
- :func:`score_graph` compares that graph with the gold, giving an :class:`EvalResult`;
- :func:`aggregate` micro-averages the results of several articles;
- :func:`render` prints a result as rich tables.

Examples
--------
>>> gold = parse_gold({"document": "a.txt", "entities": [], "relations": []})
>>> score_graph(Graph(), gold).entities.f1
0.0
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, RDFS, SKOS
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ontology.errors import GoldFormatError, InputError
from ontology.namespace import CORE_CLASSES, RELATIONS, SYMMETRIC_RELATIONS, TG

__all__ = [
    "CLASSES",
    "RELATIONS",
    "SYMMETRIC",
    "EntityScores",
    "EvalResult",
    "Gold",
    "RelationScores",
    "RelationTypeScores",
    "aggregate",
    "graph_for_document",
    "load_build",
    "load_gold",
    "parse_gold",
    "render",
    "score_graph",
]

#: The core classes, the 17 relations and the symmetric ones: the vocabulary's own lists (ontology.namespace).
CLASSES: tuple[str, ...] = CORE_CLASSES
SYMMETRIC: frozenset[str] = SYMMETRIC_RELATIONS

# A gold entity of type "Other" is not one of the core classes: any predicted type matches it.
_GOLD_TYPES = (*CLASSES, "Other")
_NAME_PREDICATES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)

# Role comparison: "Chairman" is "Chair", "Deputy" is "Vice", small words do not count.
_ROLE_WORDS = {
    "chairman": "chair",
    "chairwoman": "chair",
    "chairperson": "chair",
    "vice": "vice",
    "deputy": "vice",
    "ceo": "chief executive officer",
    "md": "managing director",
}
_ROLE_STOP_WORDS = frozenset({"of", "the", "a", "an", "and", "its", "company", "group", "s"})

# Files that load_build reads, by suffix.
_RDF_FORMATS = {".trig": "trig", ".nq": "nquads", ".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}


# --------------------------------------------------------------------------- gold


@dataclass(frozen=True)
class Gold:
    """A validated gold annotation of one article.

    Attributes
    ----------
    document : str
        The article's file name (or path) as the gold file gives it.
    entities : tuple of dict
        The gold entities: ``id``, ``type``, ``names`` and optionally
        ``subtype``, ``optional`` and ``match``.
    relations : tuple of dict
        The gold relations: ``s``, ``p``, ``o`` (and ``role``), or ``any``, a
        list of such alternatives; optionally ``optional``.
    source : str
        Where the annotation came from, used in messages.
    """

    document: str
    entities: tuple[dict[str, Any], ...]
    relations: tuple[dict[str, Any], ...]
    source: str = "<gold>"


_ENTITY_KEYS = frozenset({"id", "type", "names", "subtype", "optional", "match", "note"})
_RELATION_KEYS = frozenset({"s", "p", "o", "role", "any", "optional", "note"})
_ALTERNATIVE_KEYS = frozenset({"s", "p", "o", "role", "note"})
_MISSING_HINTS = {
    "document": 'Add the file name of the article it annotates, e.g. "document": "article.txt".',
    "entities": "Add the list of the article's entities.",
    "relations": "Add the list of the article's relations; it may be empty.",
    "id": "Give it an id that is unique in the file.",
    "type": f"Give it one of the types {', '.join(_GOLD_TYPES)}.",
    "names": "List the names the article uses for it, the preferred name first.",
    "s": "Give 's', 'p' and 'o', or list alternatives under 'any'.",
    "p": "Give 's', 'p' and 'o', or list alternatives under 'any'.",
    "o": "Give 's', 'p' and 'o', or list alternatives under 'any'.",
}


def load_gold(path: Path) -> Gold:
    """Read and validate a gold file.

    Parameters
    ----------
    path : Path
        A JSON gold file in the format of ``shared/eval/README.md``.

    Returns
    -------
    Gold
        The validated annotation; its ``source`` is ``str(path)``.

    Raises
    ------
    GoldFormatError
        If the file is not UTF-8 JSON or does not follow the gold format. The
        message names the file, the faulty item and what to fix.
    OSError
        If the file cannot be read.

    See Also
    --------
    parse_gold : the same validation for an already decoded object.
    """
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        msg = f"{source} is not UTF-8 text ({exc.reason} at byte {exc.start}). Save it as UTF-8."
        raise GoldFormatError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. Fix the syntax."
        raise GoldFormatError(msg) from exc
    return parse_gold(data, source=source)


def parse_gold(data: Any, *, source: str = "<gold>") -> Gold:
    """Validate a decoded gold annotation.

    Entities and relations are numbered from 1 in messages, in file order.

    Parameters
    ----------
    data : Any
        The decoded JSON object.
    source : str, optional
        The name used for the annotation in messages.

    Returns
    -------
    Gold
        The validated annotation. Its records are copies of those in ``data``.

    Raises
    ------
    GoldFormatError
        If ``data`` does not follow the gold format.

    Examples
    --------
    >>> gold = parse_gold({"document": "a.txt", "entities": [
    ...     {"id": "ada", "type": "Person", "names": ["Ada Lovelace"]}], "relations": []})
    >>> gold.entities[0]["id"]
    'ada'
    >>> parse_gold({"document": "a.txt", "entities": []}, source="gold/a.json")
    Traceback (most recent call last):
    ...
    ontology.errors.GoldFormatError: gold/a.json: the file has no 'relations'. Add the list of \
the article's relations; it may be empty.
    """
    if not isinstance(data, Mapping):
        msg = f"{source}: the file holds a JSON {_json_kind(data)}, not an object. Put the annotation in one object."
        raise GoldFormatError(msg)
    for key in ("document", "entities", "relations"):
        _require(data, key, source, "the file")
    document = data["document"]
    if not isinstance(document, str) or not document.strip():
        msg = f"{source}: 'document' must be the article's file name as a non-empty string."
        raise GoldFormatError(msg)
    for key in ("entities", "relations"):
        if not isinstance(data[key], list):
            msg = f"{source}: {key!r} must be a list, not a JSON {_json_kind(data[key])}."
            raise GoldFormatError(msg)

    entities = [_check_entity(entity, n, source) for n, entity in enumerate(data["entities"], 1)]
    first_use: dict[str, int] = {}
    for n, entity in enumerate(entities, 1):
        if entity["id"] in first_use:
            msg = (
                f"{source}: entity {n} has the id {entity['id']!r}, which entity {first_use[entity['id']]} "
                "already uses. Give each entity its own id."
            )
            raise GoldFormatError(msg)
        first_use[entity["id"]] = n
    relations = [_check_relation(rel, n, source, first_use) for n, rel in enumerate(data["relations"], 1)]
    return Gold(document=document, entities=tuple(entities), relations=tuple(relations), source=source)


def _json_kind(value: Any) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")


def _require(record: Mapping[str, Any], key: str, source: str, where: str) -> None:
    if key not in record:
        msg = f"{source}: {where} has no {key!r}. {_MISSING_HINTS[key]}"
        raise GoldFormatError(msg)


def _check_keys(record: Mapping[str, Any], known: frozenset[str], source: str, where: str) -> None:
    for key in record:
        if key not in known:
            hint = difflib.get_close_matches(str(key), known, n=1)
            fix = f"Did you mean {hint[0]!r}?" if hint else f"Known keys are {', '.join(sorted(known))}."
            msg = f"{source}: {where} has the unknown key {key!r}. {fix}"
            raise GoldFormatError(msg)


def _check_optional_flag(record: Mapping[str, Any], source: str, where: str) -> None:
    if "optional" in record and not isinstance(record["optional"], bool):
        msg = f"{source}: {where} has 'optional' set to {record['optional']!r}. Use true or false."
        raise GoldFormatError(msg)


def _check_entity(entity: Any, n: int, source: str) -> dict[str, Any]:
    where = f"entity {n}"
    if not isinstance(entity, Mapping):
        msg = (
            f"{source}: {where} is a JSON {_json_kind(entity)}, not an object. "
            "Write it as an object with 'id', 'type' and 'names'."
        )
        raise GoldFormatError(msg)
    _check_keys(entity, _ENTITY_KEYS, source, where)
    for key in ("id", "type", "names"):
        _require(entity, key, source, where)
    if not isinstance(entity["id"], str) or not entity["id"]:
        msg = f"{source}: {where} has the id {entity['id']!r}. Use a non-empty string."
        raise GoldFormatError(msg)
    where = f"entity {n} ({entity['id']!r})"
    if entity["type"] not in _GOLD_TYPES:
        msg = (
            f"{source}: {where} has the type {entity['type']!r}, "
            f"which is not one of {', '.join(_GOLD_TYPES)}. Use one of those."
        )
        raise GoldFormatError(msg)
    names = entity["names"]
    if not isinstance(names, list) or not names or not all(isinstance(x, str) and x.strip() for x in names):
        msg = f"{source}: {where} must list its names as a non-empty list of non-empty strings."
        raise GoldFormatError(msg)
    if "subtype" in entity and not isinstance(entity["subtype"], str):
        msg = f"{source}: {where} has the subtype {entity['subtype']!r}. Use a string."
        raise GoldFormatError(msg)
    if "match" in entity and entity["match"] != "contains":
        msg = (
            f"{source}: {where} has 'match' set to {entity['match']!r}. "
            'The only match rule is "contains"; remove it or use that.'
        )
        raise GoldFormatError(msg)
    _check_optional_flag(entity, source, where)
    return copy.deepcopy(dict(entity))


def _check_relation(relation: Any, n: int, source: str, entity_ids: Mapping[str, int]) -> dict[str, Any]:
    where = f"relation {n}"
    if not isinstance(relation, Mapping):
        msg = (
            f"{source}: {where} is a JSON {_json_kind(relation)}, not an object. "
            "Write it as an object with 's', 'p' and 'o'."
        )
        raise GoldFormatError(msg)
    _check_keys(relation, _RELATION_KEYS, source, where)
    _check_optional_flag(relation, source, where)
    if "any" not in relation:
        _check_statement(relation, source, where, entity_ids)
        return copy.deepcopy(dict(relation))
    if any(key in relation for key in ("s", "p", "o", "role")):
        msg = f"{source}: {where} has both 'any' and its own 's', 'p', 'o' or 'role'. Move them into the 'any' list."
        raise GoldFormatError(msg)
    alternatives = relation["any"]
    if not isinstance(alternatives, list) or not alternatives:
        msg = (
            f"{source}: {where} has 'any' set to {alternatives!r}. "
            "List one or more alternatives, each with 's', 'p' and 'o'."
        )
        raise GoldFormatError(msg)
    checked = []
    for m, alternative in enumerate(alternatives, 1):
        alt_where = f"{where}, alternative {m}"
        if not isinstance(alternative, Mapping):
            msg = (
                f"{source}: {alt_where} is a JSON {_json_kind(alternative)}, not an object. "
                "Write it as an object with 's', 'p' and 'o'."
            )
            raise GoldFormatError(msg)
        _check_keys(alternative, _ALTERNATIVE_KEYS, source, alt_where)
        _check_statement(alternative, source, alt_where, entity_ids)
        checked.append(copy.deepcopy(dict(alternative)))
    return {**copy.deepcopy(dict(relation)), "any": checked}


def _check_statement(statement: Mapping[str, Any], source: str, where: str, entity_ids: Mapping[str, int]) -> None:
    for key in ("s", "p", "o"):
        _require(statement, key, source, where)
    if statement["p"] not in RELATIONS:
        hint = difflib.get_close_matches(str(statement["p"]), RELATIONS, n=1)
        fix = f"Did you mean {hint[0]!r}?" if hint else f"Use one of {', '.join(RELATIONS)}."
        msg = f"{source}: {where} uses the relation {statement['p']!r}, which is not a core relation. {fix}"
        raise GoldFormatError(msg)
    for key in ("s", "o"):
        if statement[key] not in entity_ids:
            msg = (
                f"{source}: {where} refers to entity {statement[key]!r}, which is not declared in 'entities'. "
                "Declare it or fix the id."
            )
            raise GoldFormatError(msg)
    if "role" in statement and (not isinstance(statement["role"], str) or not statement["role"].strip()):
        msg = (
            f"{source}: {where} has the role {statement['role']!r}. "
            "Write the post as a non-empty string, or remove 'role'."
        )
        raise GoldFormatError(msg)


# --------------------------------------------------------------------------- results


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _rounded(value: float) -> float:
    # The reference scorer reports three decimals.
    return round(value, 3)


@dataclass(frozen=True)
class EntityScores:
    """Entity counts; precision, recall and F1 follow from them.

    Attributes
    ----------
    tp : int
        Required gold entities found (each once, with the right type).
    fp : int
        Predicted entities that match no gold entity, have the wrong type, or
        duplicate an entity already found.
    fn : int
        Required gold entities not found.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """``tp / (tp + fp)``, or 0.0 when nothing was predicted."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        """``tp / (tp + fn)``, or 0.0 when the gold has no required entity."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        return _f1(self.precision, self.recall)

    def to_dict(self) -> dict[str, Any]:
        """Return the counts and the rounded rates, as the reference scorer does."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": _rounded(self.precision),
            "recall": _rounded(self.recall),
            "f1": _rounded(self.f1),
        }


@dataclass(frozen=True)
class RelationScores:
    """Relation counts; precision counts triples, recall counts gold facts.

    Attributes
    ----------
    correct_triples : int
        Distinct predicted triples that state a required gold fact.
    fp : int
        Distinct predicted triples that state no gold fact, or whose ends are
        not both typed entities. Triples stating only optional facts are neither.
    gold_found : int
        Required gold facts stated by at least one predicted triple.
    gold_required : int
        Required gold facts.
    roles_found : int
        Gold posts of found facts named on an assertion of a matching triple.
    roles_total : int
        Gold posts of required facts.
    """

    correct_triples: int = 0
    fp: int = 0
    gold_found: int = 0
    gold_required: int = 0
    roles_found: int = 0
    roles_total: int = 0

    @property
    def precision(self) -> float:
        """``correct_triples / (correct_triples + fp)``, or 0.0 with no triple."""
        return _ratio(self.correct_triples, self.correct_triples + self.fp)

    @property
    def recall(self) -> float:
        """``gold_found / gold_required``, or 0.0 when nothing is required."""
        return _ratio(self.gold_found, self.gold_required)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        return _f1(self.precision, self.recall)

    def to_dict(self) -> dict[str, Any]:
        """Return the counts and the rounded rates, as the reference scorer does."""
        return {
            "correct_triples": self.correct_triples,
            "fp": self.fp,
            "gold_found": self.gold_found,
            "gold_required": self.gold_required,
            "precision": _rounded(self.precision),
            "recall": _rounded(self.recall),
            "f1": _rounded(self.f1),
            "roles_found": self.roles_found,
            "roles_total": self.roles_total,
        }


@dataclass(frozen=True)
class RelationTypeScores:
    """Relation counts for one core relation.

    A predicted triple counts under its (core) predicate. A gold fact counts
    under the predicate of its first alternative, so the rows add up to the
    totals of :class:`RelationScores`.

    Attributes
    ----------
    relation : str
        The core relation, e.g. ``"holdsPosition"``.
    gold_required, found : int
        Required gold facts of this relation, and how many of them were found.
    predicted : int
        Distinct predicted triples with this relation, ``correct`` and ``fp``
        included, and those that state only optional facts.
    correct, fp : int
        Of the predicted triples, those that state a required fact, and the
        false positives.
    """

    relation: str
    gold_required: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0
    fp: int = 0

    @property
    def precision(self) -> float:
        """``correct / (correct + fp)``, or 0.0 with no triple."""
        return _ratio(self.correct, self.correct + self.fp)

    @property
    def recall(self) -> float:
        """``found / gold_required``, or 0.0 when nothing is required."""
        return _ratio(self.found, self.gold_required)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        return _f1(self.precision, self.recall)

    def to_dict(self) -> dict[str, Any]:
        """Return the counts and the rounded rates."""
        return {
            "gold_required": self.gold_required,
            "found": self.found,
            "predicted": self.predicted,
            "correct": self.correct,
            "fp": self.fp,
            "precision": _rounded(self.precision),
            "recall": _rounded(self.recall),
            "f1": _rounded(self.f1),
        }


@dataclass(frozen=True)
class EvalResult:
    """The score of one article, or the micro-average of several.

    Attributes
    ----------
    documents : tuple of str
        The scored articles, as their gold files name them.
    entities : EntityScores
    relations : RelationScores
    per_relation : tuple of RelationTypeScores
        One row per core relation, in the order of :data:`RELATIONS`.
    entity_misses, entity_false_positives, relation_misses, relation_false_positives, role_misses : tuple of str
        One line per item, worded as the reference scorer words them. In a
        result of several articles each line starts with ``"<document>: "``.
    """

    documents: tuple[str, ...]
    entities: EntityScores
    relations: RelationScores
    per_relation: tuple[RelationTypeScores, ...]
    entity_misses: tuple[str, ...] = ()
    entity_false_positives: tuple[str, ...] = ()
    relation_misses: tuple[str, ...] = ()
    relation_false_positives: tuple[str, ...] = ()
    role_misses: tuple[str, ...] = ()

    @property
    def document(self) -> str | None:
        """The scored article, or None when the result covers several."""
        return self.documents[0] if len(self.documents) == 1 else None

    def _repr_html_(self) -> str:
        """A small HTML table for notebooks (names are escaped: they come from articles)."""
        import html

        e, r = self.entities, self.relations
        rows = [
            ("entities", e.tp, e.fp, e.precision, e.recall, e.f1),
            ("relations", r.correct_triples, r.fp, r.precision, r.recall, r.f1),
        ]
        body = "".join(
            f"<tr><td>{name}</td><td>{tp}</td><td>{fp}</td><td>{p:.3f}</td><td>{rc:.3f}</td><td>{f:.3f}</td></tr>"
            for name, tp, fp, p, rc, f in rows
        )
        docs = html.escape(", ".join(self.documents))
        return (
            f"<table><caption>{docs} · roles {r.roles_found}/{r.roles_total}</caption>"
            "<tr><th></th><th>correct</th><th>false pos.</th><th>precision</th><th>recall</th><th>F1</th></tr>"
            f"{body}</table>"
        )

    def relation_type(self, relation: str) -> RelationTypeScores:
        """Return the row of ``relation`` in :attr:`per_relation`.

        Raises
        ------
        KeyError
            If ``relation`` is not a core relation.
        """
        for row in self.per_relation:
            if row.relation == relation:
                return row
        msg = f"{relation!r} is not a core relation. Use one of {', '.join(RELATIONS)}."
        raise KeyError(msg)

    def to_dict(self) -> dict[str, Any]:
        """Return the result for JSON.

        The keys are those of the reference scorer's ``--json`` output, plus
        ``"documents"`` (a list) and ``"per_relation"`` (a mapping from each
        core relation to its counts and rates).
        """
        return {
            "document": self.document,
            "documents": list(self.documents),
            "entities": self.entities.to_dict(),
            "relations": self.relations.to_dict(),
            "entity_false_positives": list(self.entity_false_positives),
            "entity_misses": list(self.entity_misses),
            "relation_false_positives": list(self.relation_false_positives),
            "relation_misses": list(self.relation_misses),
            "role_misses": list(self.role_misses),
            "per_relation": {row.relation: row.to_dict() for row in self.per_relation},
        }


_LIST_FIELDS = (
    "entity_misses",
    "entity_false_positives",
    "relation_misses",
    "relation_false_positives",
    "role_misses",
)


def aggregate(results: Sequence[EvalResult]) -> EvalResult:
    """Micro-average the results of several articles.

    Counts are summed, then precision, recall and F1 are computed from the
    sums, so an article with more facts weighs more.

    Parameters
    ----------
    results : sequence of EvalResult
        One or more results, usually one per article.

    Returns
    -------
    EvalResult
        The combined result. When it covers more than one article, each listed
        miss or false positive of a single-article result is prefixed with
        ``"<document>: "``.

    Raises
    ------
    ValueError
        If ``results`` is empty.

    Examples
    --------
    >>> a = EvalResult(("a.txt",), EntityScores(tp=1, fn=1), RelationScores(), ())
    >>> b = EvalResult(("b.txt",), EntityScores(tp=1, fp=2), RelationScores(), ())
    >>> total = aggregate([a, b])
    >>> total.entities, total.documents
    (EntityScores(tp=2, fp=2, fn=1), ('a.txt', 'b.txt'))
    """
    if not results:
        msg = "aggregate() needs at least one result to combine."
        raise ValueError(msg)
    documents = tuple(doc for result in results for doc in result.documents)
    lists: dict[str, list[str]] = {name: [] for name in _LIST_FIELDS}
    for result in results:
        prefix = f"{result.documents[0]}: " if len(documents) > 1 and len(result.documents) == 1 else ""
        for name in _LIST_FIELDS:
            lists[name] += [prefix + line for line in getattr(result, name)]
    rows = []
    for relation in RELATIONS:
        parts = [row for result in results for row in result.per_relation if row.relation == relation]
        rows.append(_sum_counts(RelationTypeScores, parts, relation=relation))
    return EvalResult(
        documents=documents,
        entities=_sum_counts(EntityScores, [r.entities for r in results]),
        relations=_sum_counts(RelationScores, [r.relations for r in results]),
        per_relation=tuple(rows),
        **{name: tuple(lines) for name, lines in lists.items()},
    )


def _sum_counts(cls: type, parts: Iterable[Any], **fixed: Any) -> Any:
    parts = list(parts)
    counts = {
        f.name: sum(getattr(part, f.name) for part in parts) for f in dataclasses.fields(cls) if f.name not in fixed
    }
    return cls(**fixed, **counts)


# --------------------------------------------------------------------------- builds


def load_build(path: Path) -> Dataset:
    """Read a build into a dataset.

    Parameters
    ----------
    path : Path
        A build directory, whose RDF files (``.trig``, ``.nq``, ``.ttl``,
        ``.nt``, ``.jsonld``; not in sub-directories) are all read, or one such
        file. Triples of plain-triple formats go to the default graph.

    Returns
    -------
    Dataset

    Raises
    ------
    InputError
        If ``path`` does not exist, holds no RDF file, or a file cannot be parsed.
    """
    path = Path(path)
    if path.is_dir() and (path / "graph.trig").is_file():
        files = [path / "graph.trig"]  # a tiegraph build: the named graphs hold everything graph.ttl does
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _RDF_FORMATS)
        if not files:
            msg = (
                f"{path} holds no RDF file ({', '.join(_RDF_FORMATS)}). "
                "Build the articles first, or name the directory the build wrote."
            )
            raise InputError(msg)
    elif path.is_file():
        if path.suffix.lower() not in _RDF_FORMATS:
            msg = f"{path} is not an RDF file this tool reads. Give a file ending in one of {', '.join(_RDF_FORMATS)}."
            raise InputError(msg)
        files = [path]
    else:
        msg = f"{path} does not exist. Name a build directory or an RDF file."
        raise InputError(msg)
    dataset = Dataset()
    for file in files:
        fmt = _RDF_FORMATS[file.suffix.lower()]
        try:
            dataset.parse(file, format=fmt)
        except Exception as exc:  # rdflib's parsers raise many exception types
            msg = f"{file} could not be read as {fmt}: {exc}. Rebuild it, or move it out of the build directory."
            raise InputError(msg) from exc
    return dataset


def graph_for_document(dataset: Dataset, document: str) -> Graph:
    """Pick the graph holding the facts of one article of a build.

    The builder describes each article with a node carrying ``tg:sourcePath``
    (the article's relative path) in the article's named graph. The article
    matches when its path ends with ``document`` (whole path segments), or,
    failing that, when the file names are equal.

    Parameters
    ----------
    dataset : Dataset
        The build.
    document : str
        The ``document`` field of a gold file.

    Returns
    -------
    Graph
        A new graph: the union of all graphs when the build describes a single
        article or none, else the triples of the matching article's named graphs.

    Raises
    ------
    InputError
        If no article, or more than one, matches; or if the matching article's
        facts are not in a named graph. The message lists the articles.

    Examples
    --------
    >>> ds = Dataset()
    >>> _ = ds.parse(data='''
    ...     @prefix tg: <https://w3id.org/tiegraph/ontology#> .
    ...     <urn:example:g1> { <urn:example:d1> tg:sourcePath "seeds/a.txt" . }
    ...     <urn:example:g2> { <urn:example:d2> tg:sourcePath "seeds/b.txt" . }''', format="trig")
    >>> [str(s) for s in graph_for_document(ds, "b.txt").subjects()]
    ['urn:example:d2']
    """
    articles: dict[tuple[Any, str], set[Any]] = {}
    for node, _, path, context in dataset.quads((None, TG.sourcePath, None, None)):
        graphs = articles.setdefault((node, str(path)), set())
        if context is not None and context != DATASET_DEFAULT_GRAPH_ID:
            graphs.add(context)
    if not articles:
        return _union(dataset)

    wanted = _path_parts(document)
    matches = [key for key in articles if _path_parts(key[1])[-len(wanted) :] == wanted]
    if not matches:
        matches = [key for key in articles if _path_parts(key[1])[-1:] == wanted[-1:]]
    available = ", ".join(sorted(repr(path) for _, path in articles))
    if not matches:
        msg = (
            f"No article of the build matches {document!r}. The build holds {available}. "
            "Check the gold file's 'document'."
        )
        raise InputError(msg)
    if len({node for node, _ in matches}) > 1:
        found = ", ".join(sorted(repr(path) for _, path in matches))
        msg = (
            f"Several articles of the build match {document!r}: {found}. "
            "Give a longer path in the gold file's 'document'."
        )
        raise InputError(msg)
    if len({node for node, _ in articles}) == 1:
        return _union(dataset)
    graphs = set().union(*(articles[key] for key in matches))
    if not graphs:
        msg = (
            f"The article {matches[0][1]!r} is described in the default graph, not in a named graph of its own, so its "
            f"facts cannot be told apart from those of the other articles ({available}). Build one article per named "
            "graph, or build and score one article at a time."
        )
        raise InputError(msg)
    out = Graph()
    for identifier in sorted(graphs, key=str):
        for triple in dataset.get_graph(identifier):
            out.add(triple)
    return out


def _path_parts(path: str) -> tuple[str, ...]:
    return PurePosixPath(str(path).replace("\\", "/")).parts


def _union(dataset: Dataset) -> Graph:
    out = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        out.add((s, p, o))
    return out


# --------------------------------------------------------------------------- scoring


def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", str(text))
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    t = t.lower().replace("-", " ")
    t = re.sub(r"'s\b", "", t)
    t = re.sub(r"[^\w\s&.]", " ", t)
    t = re.sub(r"\s+", " ", t).strip(" .")
    t = re.sub(r"^the ", "", t)
    return t


def _closure(graph: Graph, roots: Mapping[str, URIRef], pred: URIRef) -> dict[URIRef, str]:
    # Every IRI that reaches a root through `pred`* maps to that root's key. An IRI that reaches
    # two roots keeps the first one reached, as in the reference scorer.
    out: dict[URIRef, str] = {iri: key for key, iri in roots.items()}
    changed = True
    while changed:
        changed = False
        for child, parent in graph.subject_objects(pred):
            if parent in out and child not in out and isinstance(child, URIRef):
                out[child] = out[parent]
                changed = True
    return out


@dataclass
class _Entity:
    label: str
    types: set[str]
    names: set[str]

    @property
    def description(self) -> str:
        return f"{self.label} ({'/'.join(sorted(self.types))})"


def _predicted_entities(graph: Graph) -> dict[URIRef, _Entity]:
    class_of = _closure(graph, {c: TG[c] for c in CLASSES}, RDFS.subClassOf)
    types: dict[URIRef, set[str]] = {}
    for node, cls in graph.subject_objects(RDF.type):
        if cls in class_of and isinstance(node, URIRef):
            types.setdefault(node, set()).add(class_of[cls])
    entities = {}
    for node, node_types in types.items():
        label = graph.value(node, RDFS.label) or graph.value(node, SKOS.prefLabel)
        label = str(label) if label is not None else str(node)
        names = {_norm(name) for p in _NAME_PREDICATES for name in graph.objects(node, p)} or {_norm(label)}
        entities[node] = _Entity(label=label, types=node_types, names=names)
    return entities


def _align(entities: Mapping[URIRef, _Entity], gold: Gold) -> dict[URIRef, str]:
    # Each predicted entity goes to the gold entity it shares the most names with, the first one on a tie:
    # 2 per shared name, 3 more when its label is a gold name, 1 more when it is the gold's first name.
    # An unnamed gold event ("match": "contains") takes an entity of its type with a name containing one of its names.
    gold_names = [(g, {_norm(n) for n in g["names"]}) for g in gold.entities]
    out: dict[URIRef, str] = {}
    for node, entity in entities.items():
        label = _norm(entity.label)
        best, best_score = None, 0
        for g, names in gold_names:
            score = 2 * len(entity.names & names) + 3 * (label in names) + (label == _norm(g["names"][0]))
            if score == 0 and g.get("match") == "contains" and g["type"] in entity.types:
                if any(re.search(rf"\b{re.escape(n)}\b", pn) for n in names for pn in entity.names):
                    score = 1
            if score > best_score:
                best, best_score = g["id"], score
        if best is not None:
            out[node] = best
    return out


def _role_tokens(text: str) -> frozenset[str]:
    words: list[str] = []
    for word in _norm(text).split():
        words.extend(_ROLE_WORDS.get(word, word).split())
    return frozenset(w for w in words if w not in _ROLE_STOP_WORDS)


def _same_role(gold_role: str, predicted: str) -> bool:
    a, b = _role_tokens(gold_role), _role_tokens(predicted)
    return bool(a) and bool(b) and (a <= b or b <= a)


def _assertion_roles(graph: Graph, s: URIRef, o: URIRef) -> set[str]:
    # Posts named on the assertions of (s, tg:holdsPosition, o): literals, or the names of role nodes.
    out: set[str] = set()
    for assertion in set(graph.subjects(RDF.subject, s)) & set(graph.subjects(RDF.object, o)):
        if (assertion, RDF.predicate, TG.holdsPosition) not in graph:
            continue
        for role in graph.objects(assertion, TG.role):
            if isinstance(role, Literal):
                out.add(str(role))
            else:
                out |= {str(name) for p in _NAME_PREDICATES for name in graph.objects(role, p)}
    return out


@dataclass
class _Fact:
    # A gold relation: alternatives that state it, the posts it names, and the predicted triples that state it.
    alternatives: list[dict[str, Any]]
    optional: bool
    roles: list[str]
    pairs: list[tuple[URIRef, URIRef]] = dataclasses.field(default_factory=list)

    @property
    def hit(self) -> bool:
        return bool(self.pairs)

    @property
    def relation(self) -> str:
        return self.alternatives[0]["p"]

    def stated_by(self, s: str, p: str, o: str) -> bool:
        for alt in self.alternatives:
            if alt["p"] == p and (
                (alt["s"], alt["o"]) == (s, o) or (p in SYMMETRIC and (alt["s"], alt["o"]) == (o, s))
            ):
                return True
        return False


def _gold_facts(gold: Gold) -> list[_Fact]:
    # Relations with the same alternatives and optionality are one fact: "Party Secretary and Chairman"
    # is written as two relations, one per post.
    facts: dict[tuple[frozenset[tuple[str, str, str]], bool], _Fact] = {}
    for item in gold.relations:
        alternatives = item["any"] if "any" in item else [item]
        optional = bool(item.get("optional"))
        key = (frozenset((a["s"], a["p"], a["o"]) for a in alternatives), optional)
        roles = [a["role"] for a in alternatives if a.get("role")]
        if key in facts:
            facts[key].roles.extend(roles)
        else:
            facts[key] = _Fact(alternatives=list(alternatives), optional=optional, roles=roles)
    return list(facts.values())


def score_graph(graph: Graph, gold: Gold, *, ontology: Graph | None = None) -> EvalResult:
    """Score the graph of one article against its gold annotation.

    Entities are the IRIs typed with a core class, directly or through
    ``rdfs:subClassOf``; relations are triples whose predicate is a core
    relation or an ``rdfs:subPropertyOf`` one. See ``shared/eval/README.md``.

    Parameters
    ----------
    graph : Graph
        The article's facts, e.g. from :func:`graph_for_document`.
    gold : Gold
        The article's gold annotation.
    ontology : Graph, optional
        Further triples, such as the ontology's class and property hierarchy.
        They are merged into ``graph`` before scoring, as the reference scorer
        merges the files given with ``--graph``.

    Returns
    -------
    EvalResult

    Examples
    --------
    >>> g = Graph().parse(format="turtle", data='''
    ...     @prefix tg: <https://w3id.org/tiegraph/ontology#> .
    ...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ...     <urn:example:ada> a tg:Person ; rdfs:label "Ada Lovelace" .''')
    >>> gold = parse_gold({"document": "a.txt", "relations": [], "entities": [
    ...     {"id": "ada", "type": "Person", "names": ["Ada Lovelace"]}]})
    >>> score_graph(g, gold).entities
    EntityScores(tp=1, fp=0, fn=0)
    """
    if ontology is not None:
        merged = Graph()
        for triple in graph:
            merged.add(triple)
        for triple in ontology:
            merged.add(triple)
        graph = merged
    entities = _predicted_entities(graph)
    alignment = _align(entities, gold)
    entity_scores, entity_misses, entity_fps = _score_entities(entities, alignment, gold)
    relation_scores, rows, relation_misses, relation_fps, role_misses = _score_relations(
        graph, entities, alignment, gold
    )
    return EvalResult(
        documents=(gold.document,),
        entities=entity_scores,
        relations=relation_scores,
        per_relation=rows,
        entity_misses=entity_misses,
        entity_false_positives=entity_fps,
        relation_misses=relation_misses,
        relation_false_positives=relation_fps,
        role_misses=role_misses,
    )


def _score_entities(
    entities: Mapping[URIRef, _Entity], alignment: Mapping[URIRef, str], gold: Gold
) -> tuple[EntityScores, tuple[str, ...], tuple[str, ...]]:
    # In label order, the first entity aligned to a gold entity, with its type, finds it; the rest are
    # false positives. Entities aligned to optional gold entities do not count.
    gold_by_id = {g["id"]: g for g in gold.entities}
    found: set[str] = set()
    false_positives = []
    for node in sorted(entities, key=lambda n: (entities[n].label, str(n))):
        entity, gid = entities[node], alignment.get(node)
        if gid is None:
            false_positives.append(f"{entity.description}: no gold entity")
            continue
        g = gold_by_id[gid]
        if g.get("optional"):
            continue
        if (g["type"] in entity.types or g["type"] == "Other") and gid not in found:
            found.add(gid)
            continue
        why = "duplicate of an entity already found" if gid in found else f"wrong type, gold is {g['type']}"
        false_positives.append(f"{entity.description}: {why} [{gid}]")
    required = [g for g in gold.entities if not g.get("optional")]
    misses = tuple(f"{g['names'][0]} ({g['type']})" for g in required if g["id"] not in found)
    return EntityScores(tp=len(found), fp=len(false_positives), fn=len(misses)), misses, tuple(false_positives)


def _score_relations(
    graph: Graph, entities: Mapping[URIRef, _Entity], alignment: Mapping[URIRef, str], gold: Gold
) -> tuple[RelationScores, tuple[RelationTypeScores, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    relation_of = _closure(graph, {r: TG[r] for r in RELATIONS}, RDFS.subPropertyOf)
    facts = _gold_facts(gold)
    counts = {r: dict.fromkeys(("gold_required", "found", "predicted", "correct", "fp"), 0) for r in RELATIONS}
    correct, false_positives = 0, []
    seen = set()
    for s, p, o in graph:
        if p not in relation_of or (s, relation_of[p], o) in seen:
            continue
        rel = relation_of[p]
        seen.add((s, rel, o))
        counts[rel]["predicted"] += 1
        if s not in entities or o not in entities:  # the contract relates entities only
            counts[rel]["fp"] += 1
            false_positives.append(f"{s} --{rel}--> {o}: an end is not a typed entity")
            continue
        gs, go = alignment.get(s), alignment.get(o)
        stated = [fact for fact in facts if gs and go and fact.stated_by(gs, rel, go)]
        required = [fact for fact in stated if not fact.optional]
        for fact in required:
            fact.pairs.append((s, o))
        if required:
            correct += 1
            counts[rel]["correct"] += 1
        elif not stated:
            counts[rel]["fp"] += 1
            false_positives.append(f"{entities[s].label} --{rel}--> {entities[o].label}")

    required_facts = [fact for fact in facts if not fact.optional]
    misses = []
    for fact in required_facts:
        counts[fact.relation]["gold_required"] += 1
        counts[fact.relation]["found"] += fact.hit
        if not fact.hit:
            misses.append(" | ".join(f"{a['s']} --{a['p']}--> {a['o']}" for a in fact.alternatives))

    # Roles: for each required holdsPosition fact, is each gold post named on an assertion of a matching triple?
    roles_total = roles_found = 0
    role_misses = []
    for fact in required_facts:
        roles_total += len(fact.roles)
        if not fact.roles:
            continue
        if not fact.hit:
            role_misses += [f"{role!r}: the relation itself was not found" for role in fact.roles]
            continue
        have: set[str] = set()
        for s, o in fact.pairs:
            have |= _assertion_roles(graph, s, o)
        for role in fact.roles:
            if any(_same_role(role, h) for h in have):
                roles_found += 1
            else:
                role_misses.append(f"{role!r} not among {sorted(have)}")

    scores = RelationScores(
        correct_triples=correct,
        fp=len(false_positives),
        gold_found=sum(fact.hit for fact in required_facts),
        gold_required=len(required_facts),
        roles_found=roles_found,
        roles_total=roles_total,
    )
    rows = tuple(RelationTypeScores(relation=r, **counts[r]) for r in RELATIONS)
    return scores, rows, tuple(misses), tuple(sorted(false_positives)), tuple(role_misses)


# --------------------------------------------------------------------------- rendering


def _rate(value: float) -> str:
    return f"{value:.3f}"


def render(result: EvalResult, console: Console, *, verbose: bool = False) -> None:
    """Print a result as tables.

    Parameters
    ----------
    result : EvalResult
        One article's result, or an :func:`aggregate` of several.
    console : Console
        Where to print.
    verbose : bool, optional
        Also list each miss and each false positive.
    """
    if verbose:
        for name in _LIST_FIELDS:
            lines = getattr(result, name)
            heading = name.replace("_", " ").capitalize()
            if not lines:
                console.print(Text(f"{heading}: none.", style="dim"))
                continue
            table = Table(title=f"{heading} ({len(lines)})", title_justify="left")
            table.add_column("#", justify="right", style="dim")
            table.add_column("item")
            for n, line in enumerate(lines, 1):
                table.add_row(str(n), Text(line))
            console.print(table)

    title = result.document or f"{len(result.documents)} articles (micro-average)"
    summary = Table(title=Text(f"Scores: {title}"), title_justify="left")
    for column in ("", "correct", "false pos.", "gold found", "gold total", "precision", "recall", "F1"):
        summary.add_column(column, justify="left" if not column else "right")
    e, r = result.entities, result.relations
    summary.add_row(
        "entities", str(e.tp), str(e.fp), str(e.tp), str(e.tp + e.fn), _rate(e.precision), _rate(e.recall), _rate(e.f1)
    )
    summary.add_row(
        "relations",
        str(r.correct_triples),
        str(r.fp),
        str(r.gold_found),
        str(r.gold_required),
        _rate(r.precision),
        _rate(r.recall),
        _rate(r.f1),
    )
    summary.add_row(
        "roles", "", "", str(r.roles_found), str(r.roles_total), "", _rate(_ratio(r.roles_found, r.roles_total)), ""
    )
    console.print(summary)

    per_relation = Table(
        title="Relations by type",
        title_justify="left",
        caption="A gold fact counts under the relation of its first alternative.",
    )
    for column in (
        "relation",
        "gold total",
        "gold found",
        "predicted",
        "correct",
        "false pos.",
        "precision",
        "recall",
        "F1",
    ):
        per_relation.add_column(column, justify="left" if column == "relation" else "right")
    for row in result.per_relation:
        empty = not (row.gold_required or row.predicted)
        per_relation.add_row(
            row.relation,
            str(row.gold_required),
            str(row.found),
            str(row.predicted),
            str(row.correct),
            str(row.fp),
            "-" if empty else _rate(row.precision),
            "-" if empty else _rate(row.recall),
            "-" if empty else _rate(row.f1),
            style="dim" if empty else None,
        )
    console.print(per_relation)
