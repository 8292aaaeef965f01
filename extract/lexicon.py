"""The word lists and the gazetteer, read once from ``extract/data``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extract.defaults import GAZETTEER_PATH, LEXICON_PATH
from ontology.errors import InputError


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """A curated actor: canonical name, core type and subtype, aliases, optional Wikidata QID."""

    name: str
    type: str
    subtype: str | None
    aliases: tuple[str, ...]
    qid: str | None = None

    @property
    def id(self) -> str:
        return self.name


@dataclass(frozen=True)
class Lexicon:
    """The contents of ``lexicon.json`` as sets and maps (see that file for what each list is for)."""

    ner_labels: dict[str, str]
    determiners: frozenset[str]
    honorifics: frozenset[str]
    heading_words: frozenset[str]
    title_heads: frozenset[str]
    weak_title_heads: frozenset[str]
    title_modifiers: frozenset[str]
    title_generic_orgs: frozenset[str]
    title_abbreviations: dict[str, str]
    org_heads: dict[str, str | None]
    org_phrases: dict[str, str]
    facility_heads: dict[str, str]
    place_heads: dict[str, str]
    event_heads: dict[str, str | None]
    named_event_heads: dict[str, str | None]
    reference_nouns: dict[str, str]
    collective_nouns: frozenset[str]
    legal_suffixes: frozenset[str]
    relative_pronouns: frozenset[str]
    state_owned_cues: tuple[str, ...]
    based_words: frozenset[str]
    org_apposition_nouns: frozenset[str]
    department_words: frozenset[str]
    place_name_heads: dict[str, str]
    fund_words: frozenset[str]
    junk_names: frozenset[str]
    corporate_titles: frozenset[str]
    east_asian_surnames: frozenset[str]
    given_names: frozenset[str]


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Read the lexicon file; cached, since every document uses the same one."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    kwargs = {}
    for name, spec in Lexicon.__dataclass_fields__.items():
        value = data[name]
        if str(spec.type).startswith("frozenset"):
            value = frozenset(value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[name] = value
    return Lexicon(**kwargs)


def load_gazetteer(path: Path = GAZETTEER_PATH) -> tuple[GazetteerEntry, ...]:
    """Read a gazetteer JSONL file: one ``{"name", "type", "subtype", "aliases", "qid"}`` object per line.

    Raises
    ------
    InputError
        On a line that is not valid JSON or lacks ``name``/``type``; the message gives the line number.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"Gazetteer file {str(path)!r} does not exist. Name a JSONL file of entries."
        raise InputError(msg)
    return _load_gazetteer(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load_gazetteer(path: str, stamp: int = 0) -> tuple[GazetteerEntry, ...]:  # stamp: re-read a changed file
    entries = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
            if row["type"] not in TYPE_TO_LABEL:
                msg = f"{path}:{number}: type {row['type']!r} is not one of {', '.join(TYPE_TO_LABEL)}."
                raise InputError(msg)
            entries.append(
                GazetteerEntry(
                    name=row["name"],
                    type=row["type"],
                    subtype=row.get("subtype"),
                    aliases=tuple(row.get("aliases", ())),
                    qid=row.get("qid"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            msg = f'{path}:{number}: not a gazetteer entry ({exc}). Each line needs at least "name" and "type".'
            raise InputError(msg) from exc
    return tuple(entries)


#: spaCy label for each core type, used by the gazetteer's EntityRuler patterns.
TYPE_TO_LABEL = {"Person": "PERSON", "Organization": "ORG", "Place": "GPE", "Facility": "FAC", "Event": "EVENT"}


def gazetteer_patterns(entries: tuple[GazetteerEntry, ...]) -> list[dict]:
    """EntityRuler patterns for the gazetteer: every name and alias, with the entry's name as the pattern id."""
    patterns = []
    for entry in entries:
        label = TYPE_TO_LABEL[entry.type]
        for surface in (entry.name, *entry.aliases):
            patterns.append({"label": label, "pattern": surface, "id": entry.name})
            if "'" in surface:  # articles write either quote
                patterns.append({"label": label, "pattern": surface.replace("'", "\u2019"), "id": entry.name})
    return patterns
