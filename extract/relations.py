"""Relations from rules that are data: ``extract/patterns/*.json``.

Before matching, every resolved mention and every title is merged into one token, and the
token carries ``._.tg`` (its type: Person, Organization, Place, Facility, Event, Title) and
``._.ent`` (the entity key). Patterns then see "PERSON , a TITLE of the ORG" as seven tokens.

Two kinds of rule (see ``extract/patterns/README.md``):

``token``
    A spaCy :class:`~spacy.matcher.Matcher` pattern whose elements may carry ``"NAME"``
    (``subject``, ``object``, ``role``, or any name a fact uses); facts say which names fill which slot.
``frame``
    A trigger (a Matcher pattern of one token, usually a verb or noun) and slots given as paths:
    ``agent`` (the logical subject: nsubj, the by-agent of a passive, the noun a participle
    modifies, a relative clause's antecedent, or the subject of the verb it is coordinated with),
    ``patient`` (dobj, or the passive subject), ``self``, ``head``, ``prep:in|at`` (the objects
    of those prepositions), ``patient.prep:of|in``, ``dative``, ``its``.

Every slot is then expanded in the same way for all rules: an entity token and its
conjuncts ("X and Y"); an appositive ("the Jiusan Society, a political organization");
collective nouns listing entities ("figures, including A and B", "its sites: A and B");
"two of its sites"; "the company". Facts whose ends do not fit the relation's domain and range
(the contract's table) are dropped.

The same matches, found with less work (:class:`RelationMatcher`): frame triggers are looked up by their
words (:class:`TriggerIndex`) instead of tried at every token; a document is matched with only the token
rules it has the words for (:class:`GatedMatcher`); the rules read each token's type, key, title and
sentence from a per-Doc :class:`DocIndex` rather than through ``Token._`` and ``Token.sent``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.errors import Errors
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

from extract.defaults import PATTERNS_DIR
from extract.lexicon import Lexicon
from extract.mentions import doc_text
from ontology.errors import InputError

#: Domain and range of each relation: the output contract (shared/eval/README.md).
ANY = frozenset({"Person", "Organization", "Place", "Facility", "Event"})
SIGNATURES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "holdsPosition": (frozenset({"Person"}), frozenset({"Organization"})),
    "memberOf": (frozenset({"Person", "Organization"}), frozenset({"Organization"})),
    "partOf": (frozenset({"Organization"}), frozenset({"Organization"})),
    "affiliatedWith": (frozenset({"Organization"}), frozenset({"Organization"})),
    "owns": (frozenset({"Organization", "Person"}), frozenset({"Organization", "Facility"})),
    "invests": (frozenset({"Organization", "Person"}), frozenset({"Organization", "Facility"})),
    "supplies": (frozenset({"Organization"}), frozenset({"Organization"})),
    "sanctions": (frozenset({"Organization"}), frozenset({"Organization", "Person"})),
    "partnerOf": (frozenset({"Organization", "Person", "Place"}), frozenset({"Organization", "Person", "Place"})),
    "linkedTo": (ANY - {"Event"}, ANY - {"Event"}),
    "operates": (frozenset({"Organization"}), frozenset({"Facility"})),
    "hasSite": (frozenset({"Organization"}), frozenset({"Facility"})),
    # events are "heldAt" their places; the contract allows Event → Place here, but heldAt says it better
    "locatedIn": (frozenset({"Organization", "Facility", "Place"}), frozenset({"Place"})),
    "organized": (frozenset({"Organization", "Person"}), frozenset({"Event"})),
    "participatedIn": (frozenset({"Person", "Organization"}), frozenset({"Event"})),
    "heldAt": (frozenset({"Event"}), frozenset({"Place", "Facility"})),
    "established": (frozenset({"Organization", "Person"}), frozenset({"Organization", "Facility"})),
}
SYMMETRIC = frozenset({"partnerOf", "linkedTo"})


@dataclass(frozen=True, slots=True)
class Fact:
    """Which named slots of a rule make a relation, and the fixed role text if the rule has one."""

    relation: str
    subject: str
    object: str
    role: str | None = None  # a slot name, or "=Text" for a fixed role


@dataclass(frozen=True)
class Rule:
    """One pattern file entry."""

    id: str
    kind: str  # token | frame
    shape: str
    pattern: tuple[dict, ...]
    names: tuple[str | None, ...]  # token rules: the NAME of each pattern element
    facts: tuple[Fact, ...]
    confidence: float
    requires: dict = field(default_factory=dict)  # frame rules: {"patient_lemma": [...], "child": {...}}


@dataclass(frozen=True, slots=True)
class Found:
    """A relation found in one sentence, between entity keys."""

    subject: str
    predicate: str
    object: str
    start: int
    end: int
    rule: str
    confidence: float
    role: str | None


def load_rules(directory: Path = PATTERNS_DIR) -> tuple[Rule, ...]:
    """Read every ``*.json`` rule file of ``directory`` (sorted by name).

    Raises
    ------
    InputError
        On a malformed rule, naming the file and the rule.
    """
    directory = Path(directory)
    if not directory.is_dir():
        msg = f"Rule folder {str(directory)!r} does not exist. Name a folder of *.json rule files."
        raise InputError(msg)
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.json")))
    return _load_rules(str(directory), stamp)


@lru_cache(maxsize=8)
def _load_rules(directory: str, stamp: tuple = ()) -> tuple[Rule, ...]:  # stamp: re-read files that changed
    rules = []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            msg = f"{path}: not valid JSON ({exc}). Fix the rule file."
            raise InputError(msg) from exc
        for number, raw in enumerate(data.get("rules", []), start=1):
            rules.append(_parse_rule(raw, f"{path.name} rule {number}"))
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        msg = f"Rule ids must be unique; these appear twice: {', '.join(dupes)}."
        raise InputError(msg)
    return tuple(rules)


#: The ``tg`` types as native entity labels: the Matcher tests ENT_TYPE in C, ``._.tg`` in Python (much slower).
TG_TYPES = ("Person", "Organization", "Place", "Facility", "Event", "Title")


def entity_label(tg: str) -> str:
    """The native entity label a merged mention carries for type ``tg`` ("Person" → "TG_PERSON")."""
    return f"TG_{tg.upper()}"


def _compile_element(element: dict) -> dict:
    """Turn ``{"_": {"tg": ...}}`` in a rule into the equivalent ``ENT_TYPE`` test (same meaning, faster)."""
    ext = element.get("_")
    if not isinstance(ext, dict) or "tg" not in ext:
        return element
    out = {k: v for k, v in element.items() if k != "_"}
    rest = {k: v for k, v in ext.items() if k != "tg"}
    if rest:
        out["_"] = rest
    value = ext["tg"]
    if isinstance(value, str):
        out["ENT_TYPE"] = entity_label(value) if value else {"NOT_IN": [entity_label(t) for t in TG_TYPES]}
    elif isinstance(value, dict):
        out["ENT_TYPE"] = {op: [entity_label(t) if t else "" for t in items] for op, items in value.items()}
    else:
        msg = f'Unsupported tg test {value!r}: use a type name, "", or {{"IN": [...]}} / {{"NOT_IN": [...]}}.'
        raise InputError(msg)
    return out


def _parse_rule(raw: dict, where: str) -> Rule:
    try:
        kind = raw.get("kind", "token")
        elements = raw["pattern"] if kind == "token" else [raw["trigger"]]
        names = tuple(e.get("NAME") for e in elements)
        pattern = tuple(_compile_element({k: v for k, v in e.items() if k != "NAME"}) for e in elements)
        facts = tuple(Fact(f["relation"], f["subject"], f["object"], f.get("role")) for f in raw.get("facts", [raw]))
    except (KeyError, TypeError, AttributeError) as exc:
        msg = f"{where}: missing or malformed field {exc}. A rule needs id, pattern (or trigger) and relation."
        raise InputError(msg) from exc
    for fact in facts:
        if fact.relation not in SIGNATURES:
            msg = f"{where} ({raw.get('id')}): unknown relation {fact.relation!r}. Use one of {', '.join(SIGNATURES)}."
            raise InputError(msg)
        if kind == "token":
            for slot in (fact.subject, fact.object):
                if slot not in names:
                    msg = f"{where} ({raw.get('id')}): no pattern element is NAMEd {slot!r}."
                    raise InputError(msg)
    return Rule(
        raw["id"],
        kind,
        raw.get("shape", ""),
        pattern,
        names,
        facts,
        float(raw.get("confidence", 0.7)),
        raw.get("requires", {}),
    )


class RelationMatcher:
    """Runs the rules over a Doc whose mentions are merged into single tokens."""

    def __init__(self, vocab: Vocab, rules: Iterable[Rule], lex: Lexicon):
        rules = list(rules)
        ids = [r.id for r in rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            msg = f"Rule ids must be unique across all rule files; these appear twice: {', '.join(dupes)}. Rename them."
            raise InputError(msg)
        self.rules = {r.id: r for r in rules}
        self.lex = lex
        # a frame rule's trigger is one token: looked up by its words, instead of tested by the Matcher on every token
        self.triggers = TriggerIndex(vocab, [r for r in rules if r.kind == "frame"])
        self.matcher = GatedMatcher(vocab, [r for r in rules if r.id not in self.triggers.rules])

    def __call__(self, doc: Doc) -> list[Found]:
        """The relations the rules find in ``doc``, a rule's in the order of its matches.

        Rules are matched one after another rather than in text order: :func:`extract.pipeline._dedupe` keeps the
        most confident rule of a relation, so only the order of one rule's own matches can matter.
        """
        found: list[Found] = []
        index = doc_index(doc)
        text = doc_text(doc)
        evidence = {bounds: trim_span(text, doc[bounds[0]].idx, _end_char(doc, bounds[1])) for bounds in index.bounds}
        for match_id, start, _end, alignment in self.matcher(doc):
            rule = self.rules[doc.vocab.strings[match_id]]
            if rule.kind == "token":
                slots: dict[str, list[Token]] = defaultdict(list)
                for offset, element in enumerate(alignment):
                    name = rule.names[element]
                    if name:
                        slots[name].append(doc[start + offset])
                if rule.requires.get("not_in_list") and _in_list(doc, start, start + len(alignment)):
                    continue
                bounds = evidence[index.sentences[start]]
                found.extend(self._facts(rule, slots, bounds, conjuncts=False))
            else:
                found.extend(self._frame_facts(rule, doc[start], evidence[index.sentences[start]]))
        for rule_id, i in self.triggers(doc):
            found.extend(self._frame_facts(self.rules[rule_id], doc[i], evidence[index.sentences[i]]))
        return found

    def _frame_facts(self, rule: Rule, trigger: Token, evidence: tuple[int, int]) -> list[Found]:
        if rule.requires and not _requirements_met(trigger, rule.requires):
            return []
        slots = _FrameSlots(trigger, self.lex)
        return self._facts(rule, slots, evidence, conjuncts=rule.requires.get("conjuncts", True))

    def _facts(
        self, rule: Rule, slots: dict[str, list[Token]], evidence: tuple[int, int], *, conjuncts: bool = True
    ) -> list[Found]:
        """The facts of ``rule`` between the entities its slots stand for; ``evidence`` is the sentence's characters.

        ``slots`` gives a missing slot as ``[]``.
        """
        out = []
        start, end = evidence
        for fact in rule.facts:
            if not slots[fact.object] or not slots[fact.subject]:
                continue  # a slot the sentence leaves empty: most frame triggers stop here (objects are cheaper)
            subjects = expand(slots[fact.subject], self.lex, conjuncts=conjuncts)
            if not subjects:
                continue
            objects = expand(slots[fact.object], self.lex, conjuncts=conjuncts)
            if not objects:
                continue
            role = None
            if fact.role and fact.role.startswith("="):
                role = fact.role[1:]
            elif fact.role:
                titles = slots[fact.role]
                role = title_of(titles[0]) or titles[0].text if titles else None
            dom, rng = SIGNATURES[fact.relation]
            for s in subjects:
                s_ent, s_tg = ent_of(s), tg_of(s)
                for o in objects:
                    o_ent = ent_of(o)
                    if s_ent == o_ent or s_tg not in dom or tg_of(o) not in rng:
                        continue
                    out.append(Found(s_ent, fact.relation, o_ent, start, end, rule.id, rule.confidence, role))
        return out


class _FrameSlots(dict):
    """The tokens of a frame's slot paths, followed the first time a fact asks (most triggers have no subject)."""

    __slots__ = ("trigger", "lex")

    def __init__(self, trigger: Token, lex: Lexicon):
        super().__init__()
        self.trigger = trigger
        self.lex = lex

    def __missing__(self, path: str) -> list[Token]:
        tokens = [] if path.startswith("=") else slot_tokens(self.trigger, path, self.lex)
        self[path] = tokens
        return tokens


#: Attributes whose required values gate a rule: a document without any of them cannot match it.
GATE_ATTRS = ("LOWER", "LEMMA", "ORTH")


class GatedMatcher:
    """A spaCy Matcher of rules that runs, on each document, only the rules the document has the words for.

    The Matcher tries every pattern at every token. A rule that needs a word (an element without an optional
    ``"OP"`` that tests LOWER, LEMMA or ORTH: "chaired", "offtake", a list of lemmas) cannot match a document
    without one, so each document is matched with the rules that need no word plus those whose words it has,
    by a Matcher made for that set of rules and kept for the next document with the same set. Once
    ``cache_size`` sets are kept, a document with a new set is matched with every rule. A rule's matches are
    the same, in the same order, whichever other rules a Matcher holds.
    """

    def __init__(self, vocab: Vocab, rules: Iterable[Rule], *, cache_size: int = 64):
        self.vocab = vocab
        self.rules = list(rules)
        self.everything = self._matcher(self.rules, validate=True)
        self.needs: dict[str, list[tuple[int, frozenset[int]]]] = {}  # rule -> (GATE_ATTRS column, ids) tests
        for rule in self.rules:
            needs = _required_words(rule.pattern)
            if needs:
                self.needs[rule.id] = [
                    (GATE_ATTRS.index(attr), frozenset(vocab.strings.add(w) for w in words)) for attr, words in needs
                ]
        self.cache: dict[frozenset[str], Matcher] = {}
        self.cache_size = cache_size

    def _matcher(self, rules: list[Rule], *, validate: bool = False) -> Matcher:
        matcher = Matcher(self.vocab, validate=validate)
        for rule in rules:
            try:
                matcher.add(rule.id, [list(rule.pattern)])
            except ValueError as exc:
                msg = f"Rule {rule.id!r} has an invalid spaCy pattern: {exc}"
                raise InputError(msg) from exc
        return matcher

    def __call__(self, doc: Doc) -> list[tuple[int, int, int, list[int]]]:
        """``(match id, start, end, alignment)`` of every match, as ``Matcher(doc, with_alignments=True)``."""
        if not self.rules or not len(doc):
            return []
        columns = doc.to_array(list(GATE_ATTRS)).reshape(len(doc), len(GATE_ATTRS)).T.tolist()
        present = [set(column) for column in columns]
        active = frozenset(
            rule_id
            for rule_id, needs in self.needs.items()
            if all(not present[column].isdisjoint(ids) for column, ids in needs)
        )
        matcher = self.cache.get(active)
        if matcher is None and len(self.cache) < self.cache_size:
            rules = [r for r in self.rules if r.id in active or r.id not in self.needs]
            matcher = self.cache[active] = self._matcher(rules)
        if matcher is None:
            matcher = self.everything
        return matcher(doc, with_alignments=True) if len(matcher) else []


def _required_words(pattern: tuple[dict, ...]) -> list[tuple[str, set[str]]]:
    """``(attribute, words)`` for each element of ``pattern`` that must match a token and tests a word: one of
    the words must be in the document. ``TEXT`` is read as ``ORTH``."""
    needs = []
    for element in pattern:
        if not _required(element.get("OP")):
            continue
        for attr, value in element.items():
            attr = "ORTH" if attr == "TEXT" else attr
            if attr not in GATE_ATTRS:
                continue
            if isinstance(value, str):
                needs.append((attr, {value}))
            elif (
                isinstance(value, dict)
                and isinstance(value.get("IN"), list)
                and all(isinstance(w, str) for w in value["IN"])
            ):
                needs.append((attr, set(value["IN"])))
    return needs


def _required(op: str | None) -> bool:
    """Whether an element with this ``"OP"`` matches at least one token: none, ``+``, ``{n}``, ``{n,}``, ``{n,m}``
    with n ≥ 1 (not ``?``, ``*``, ``!``, or a range from 0)."""
    if op is None or op == "+":
        return True
    match = re.fullmatch(r"\{(\d*),?\d*\}", op)
    return match is not None and match.group(1) != "" and int(match.group(1)) > 0


def _end_char(doc: Doc, end: int) -> int:
    """Character offset where token ``end - 1`` ends (without its trailing white space)."""
    last = doc[end - 1]
    return last.idx + len(last.text)


#: Token attributes a trigger may test without the Matcher ("TEXT" is "ORTH"); each is read by ``Doc.to_array``.
TRIGGER_ATTRS = ("LEMMA", "LOWER", "ORTH", "POS", "TAG", "DEP", "ENT_TYPE")
#: Which test of a trigger the index looks tokens up by: a word, before a type or a tag (fewer tokens share it).
_KEY_ORDER = ("LEMMA", "LOWER", "ORTH", "ENT_TYPE", "TAG", "DEP", "POS")
#: What each attribute needs (the Matcher refuses a Doc without it, and so does the index).
_ANNOTATION_PIPES = {
    "TAG": "tagger",
    "POS": "morphologizer or tagger+attribute_ruler",
    "LEMMA": "lemmatizer",
    "DEP": "parser",
}


@dataclass(frozen=True, slots=True)
class _Test:
    """One attribute test of a trigger: the attribute's column, and the string ids it must (not) be."""

    column: int
    allowed: frozenset[int] | None
    banned: frozenset[int]


class TriggerIndex:
    """The frame rules' one-token triggers, found through their words.

    The Matcher tries every pattern at every token; a trigger such as ``{"LEMMA": {"IN": ["acquire", "buy"]},
    "POS": "VERB"}`` can only match a token whose lemma is one of those, so the index looks each token's words up
    and tests only the triggers they name. It reads triggers made of equality, ``IN`` and ``NOT_IN`` tests on
    :data:`TRIGGER_ATTRS`, with the Matcher's meaning; a rule with any other trigger stays with the Matcher.
    """

    def __init__(self, vocab: Vocab, rules: Iterable[Rule]):
        self.tests: dict[str, list[_Test]] = {}
        self.attrs: list[str] = []
        self.keys: dict[int, dict[int, list[str]]] = {}  # column -> string id -> rules whose key test allows it
        self.unkeyed: list[str] = []  # rules without an equality or IN test: tried on every token
        for rule in rules:
            tests = self._compile(vocab, rule.pattern)
            if tests is None:
                continue
            self.tests[rule.id] = tests
            keyed = [t for t in tests if t.allowed is not None]
            if not keyed:
                self.unkeyed.append(rule.id)
                continue
            key = min(keyed, key=lambda t: (_KEY_ORDER.index(self.attrs[t.column]), len(t.allowed)))
            for value in key.allowed:
                self.keys.setdefault(key.column, {}).setdefault(value, []).append(rule.id)
        self.rules = frozenset(self.tests)
        self.rank = {rule_id: n for n, rule_id in enumerate(self.tests)}  # rules' order, for ties at one token

    def _compile(self, vocab: Vocab, pattern: tuple[dict, ...]) -> list[_Test] | None:
        """The tests of a one-token pattern, or None when the index cannot read it."""
        if len(pattern) != 1:
            return None
        tests = []
        for attr, value in pattern[0].items():
            attr = "ORTH" if attr == "TEXT" else attr
            if attr not in TRIGGER_ATTRS:
                return None
            if isinstance(value, str):
                tests.append((attr, [value], []))
            elif (
                isinstance(value, dict)
                and value
                and set(value) <= {"IN", "NOT_IN"}
                and all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values())
            ):
                tests.append((attr, value.get("IN"), value.get("NOT_IN", [])))
            else:
                return None
        out = []
        for attr, allowed, banned in tests:
            if attr not in self.attrs:
                self.attrs.append(attr)
            ids = frozenset(vocab.strings.add(s) for s in allowed) if allowed is not None else None
            out.append(_Test(self.attrs.index(attr), ids, frozenset(vocab.strings.add(s) for s in banned)))
        return out

    def __call__(self, doc: Doc) -> list[tuple[str, int]]:
        """``(rule id, token index)`` of every trigger in ``doc``, in text order."""
        if not self.tests or not len(doc):
            return []
        for attr in self.attrs:
            if attr in _ANNOTATION_PIPES and not doc.has_annotation(attr):
                msg = Errors.E155.format(pipe=_ANNOTATION_PIPES[attr], attr=attr)
                raise ValueError(msg)
        array = doc.to_array(self.attrs).reshape(len(doc), len(self.attrs))
        rows = array.tolist()
        candidates: dict[int, list[str]] = {i: list(self.unkeyed) for i in range(len(doc))} if self.unkeyed else {}
        for column, by_value in self.keys.items():  # the tokens each key test allows, a column at a time
            for i, value in enumerate(array[:, column].tolist()):
                if value in by_value:
                    candidates.setdefault(i, []).extend(by_value[value])
        found = []
        for i in sorted(candidates):
            row = rows[i]
            hits = [r for r in candidates[i] if all(_passes(test, row) for test in self.tests[r])]
            found.extend((r, i) for r in sorted(hits, key=self.rank.__getitem__))
        return found


def _passes(test: _Test, row: list[int]) -> bool:
    value = row[test.column]
    return (test.allowed is None or value in test.allowed) and value not in test.banned


@dataclass(frozen=True, slots=True)
class DocIndex:
    """What the rules read of each token of a merged Doc again and again, looked up once.

    ``Token._`` builds an object on every access and ``Token.sent`` walks the Doc; the index holds, for each
    token, its mention's ``tg`` type, entity key and title (``""`` outside mentions) and its sentence's bounds.
    """

    tg: list[str]
    ent: list[str]
    title: list[str]
    sentences: list[tuple[int, int]]

    @property
    def bounds(self) -> list[tuple[int, int]]:
        """Token bounds of each sentence, in order."""
        return list(dict.fromkeys(self.sentences))

    @classmethod
    def build(cls, doc: Doc, tg: list[str], ent: list[str], title: list[str]) -> DocIndex:
        return cls(tg, ent, title, sentence_index(doc))

    @classmethod
    def read(cls, doc: Doc) -> DocIndex:
        """The index of a Doc whose tokens carry ``._.tg``, ``._.ent`` and ``._.title`` (set by hand, say)."""
        return cls.build(doc, [t._.tg for t in doc], [t._.ent for t in doc], [t._.title for t in doc])


_INDEX_KEY = "tiegraph_index"


def doc_index(doc: Doc) -> DocIndex:
    """The :class:`DocIndex` of ``doc``: the one :func:`merge_mentions` left, else read from the token extensions."""
    index = doc.user_data.get(_INDEX_KEY)
    if index is None or len(index.tg) != len(doc):
        index = doc.user_data[_INDEX_KEY] = DocIndex.read(doc)
    return index


def tg_of(token: Token) -> str:
    """``token._.tg``, from the Doc's index."""
    return doc_index(token.doc).tg[token.i]


def ent_of(token: Token) -> str:
    """``token._.ent``, from the Doc's index."""
    return doc_index(token.doc).ent[token.i]


def title_of(token: Token) -> str:
    """``token._.title``, from the Doc's index."""
    return doc_index(token.doc).title[token.i]


def sentence_index(doc: Doc) -> list[tuple[int, int]]:
    """For each token, the token bounds ``(start, end)`` of its sentence."""
    out: list[tuple[int, int]] = [(0, len(doc))] * len(doc)
    for sent in doc.sents:
        bounds = (sent.start, sent.end)
        out[sent.start : sent.end] = [bounds] * (sent.end - sent.start)
    return out


def sentence_of(token: Token) -> tuple[int, int]:
    """Token bounds of ``token``'s sentence, from the Doc's index (``Token.sent`` walks the Doc)."""
    return doc_index(token.doc).sentences[token.i]


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past surrounding white space and a leading bullet ("- ", "• ")."""
    while start < end and (text[start].isspace() or text[start] in "-\u2022*\u2013\u2014\u00b7"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _in_list(doc: Doc, start: int, end: int) -> bool:
    """Whether ``doc[start:end]`` is part of a longer list of like entities ("Japan, China and Korea")."""
    first, last = doc[start], doc[end - 1]
    before = doc[start - 2] if start >= 2 and doc[start - 1].text == "," else None
    if before is not None and tg_of(before) and tg_of(before) == tg_of(first):
        return True
    for k in (end, end + 1):
        if k + 1 < len(doc) and doc[k].lower_ in {",", "and", "or", "&"} and tg_of(doc[k + 1]) == tg_of(last):
            return True
    return False


def _requirements_met(trigger: Token, requires: dict) -> bool:
    if "patient_lemma" in requires:
        patients = _raw_patients(trigger)
        if not any(
            p.lemma_.lower() in requires["patient_lemma"] or p.lower_ in requires["patient_lemma"] for p in patients
        ):
            return False
    if "child_lower" in requires:
        if not any(c.lower_ in requires["child_lower"] for c in trigger.children):
            return False
    if "child_dep" in requires:
        if not any(c.dep_ in requires["child_dep"] for c in trigger.children):
            return False
    if "no_child_dep" in requires:
        if any(c.dep_ in requires["no_child_dep"] for c in trigger.children):
            return False
    if "not_child_lower" in requires:
        if any(c.lower_ in requires["not_child_lower"] for c in trigger.children):
            return False
    return True


def _is_passive(verb: Token) -> bool:
    return (
        any(c.dep_ in {"nsubjpass", "auxpass"} for c in verb.children)
        or (verb.tag_ == "VBN" and any(c.dep_ == "agent" for c in verb.children))
        or (verb.tag_ == "VBN" and verb.dep_ in {"acl", "relcl"} and not any(c.dep_ == "aux" for c in verb.children))
    )


def _raw_agents(verb: Token, depth: int = 0) -> list[Token]:
    """The logical subject of ``verb`` before expansion."""
    if depth > 4:
        return []
    subj = [c for c in verb.children if c.dep_ in {"nsubj", "csubj"}]
    if subj:
        return subj
    if _is_passive(verb):
        agents = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if agents:
            return agents
        return []
    if verb.dep_ == "acl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        # "signed an offtake agreement to sell ...", "won contracts to supply ...": whoever signed or won
        governor = verb.head.head
        if verb.head.dep_ in {"dobj", "pobj", "attr"} and governor.pos_ in {"VERB", "AUX"}:
            return _raw_agents(governor, depth + 1)
        return []
    if verb.dep_ in {"acl", "relcl"}:
        return [verb.head]  # "companies operating mines": the noun is the agent
    if verb.dep_ in {"conj", "xcomp", "advcl"} and verb.head is not verb:
        head = verb.head
        if verb.dep_ in {"xcomp", "advcl"} and _is_passive(head):
            # "Acme has been awarded a grant by the DOE to build a refinery": Acme builds
            subj = [c for c in head.children if c.dep_ == "nsubjpass"]
            if subj:
                return subj
        return _raw_agents(head, depth + 1)
    return []


def _raw_patients(verb: Token) -> list[Token]:
    if verb.pos_ in {"NOUN", "PROPN"} or tg_of(verb):
        return []
    if _is_passive(verb):
        subj = [c for c in verb.children if c.dep_ == "nsubjpass"]
        if subj:
            return subj
        if verb.dep_ in {"acl", "relcl"}:
            return [verb.head]  # "the ceremony hosted by X"
        if verb.dep_ == "conj" and verb.head.pos_ in {"VERB", "AUX"}:
            return _raw_patients(verb.head)  # "was chaired by X and attended by Y"
    return [c for c in verb.children if c.dep_ in {"dobj", "attr", "oprd"}]


def _prep_objects(token: Token, preps: set[str]) -> list[Token]:
    out = []
    for c in token.children:
        if c.dep_ in {"prep", "agent", "dative"} and c.lower_ in preps:
            out.extend(g for g in c.children if g.dep_ in {"pobj", "pcomp"})
    return out


def slot_tokens(trigger: Token, path: str, lex: Lexicon) -> list[Token]:
    """The tokens a frame slot path names, before expansion."""
    tokens = [trigger]
    for step in path.split("."):
        nxt: list[Token] = []
        for t in tokens:
            if step == "self":
                nxt.append(t)
            elif step == "head":
                nxt.append(t.head)
            elif step == "agent":
                nxt.extend(_raw_agents(t))
            elif step == "patient":
                nxt.extend(_raw_patients(t))
            elif step == "dative":
                nxt.extend(c for c in t.children if c.dep_ == "dative")
                nxt.extend(_prep_objects(t, {"to"}))
            elif step == "its":
                nxt.extend(_its(t))
            elif step == "recent-event":
                nxt.extend(_recent_event(t))
            elif step == "next-person":
                k = t.i + 1
                if k < len(t.doc) and tg_of(t.doc[k]) == "Person":
                    nxt.append(t.doc[k])
            elif step == "nearest-org":
                nxt.extend(_nearest_org(t))
            elif step == "nearest-org-or-company":
                nxt.extend(_nearest_org(t) or (_main_company(t) if _corporate(t, lex) else []))
            elif step == "poss":
                nxt.extend(c for c in t.children if c.dep_ == "poss")
            elif step == "oprd":
                nxt.extend(c for c in t.children if c.dep_ in {"oprd", "attr"})
            elif step.startswith("prep:"):
                preps = _prepositions(step)
                found = _prep_objects(t, preps)
                if not found and t.pos_ == "VERB":
                    # the preposition may hang on the object ("signed a deal with"), or deeper in it
                    # ("signed a memorandum of understanding with")
                    for p in _raw_patients(t):
                        found.extend(_prep_objects(p, preps))
                        for inner in _prep_objects(p, {"of"}):
                            found.extend(_prep_objects(inner, preps))
                nxt.extend(found)
        tokens = nxt
    return tokens


@lru_cache(maxsize=256)
def _prepositions(step: str) -> frozenset[str]:
    """The prepositions of a ``prep:in|at`` step."""
    return frozenset(step[5:].split("|"))


def _nearest_org(token: Token) -> list[Token]:
    """The organisation named last before ``token`` in its sentence (not a government or party body)."""
    tg = doc_index(token.doc).tg
    for i in range(token.i - 1, sentence_of(token)[0] - 1, -1):
        if tg[i] == "Organization":
            return [token.doc[i]]
    return []


def _corporate(title: Token, lex: Lexicon) -> bool:
    """Is this post a company post ("CEO", "managing director"), which belongs to the company the text is about?"""
    before = title.doc[title.i - 1] if title.i > 0 else None
    if before is not None and (tg_of(before) == "Place" or before.ent_type_ == "NORP" or before.tag_ == "NNP"):
        return False  # "U.S. President X", "Australian Prime Minister X": a national post
    words = " ".join(w for w in (title_of(title) or title.text).lower().split() if w not in {"and", "&", "the"})
    return any(t in words for t in lex.corporate_titles) and not any(
        w in words for w in ("minister", "secretary of", "senator", "governor", "mayor", "ambassador", "commissioner")
    )


def _main_company(token: Token) -> list[Token]:
    """The organisation the text names most (a token of it before ``token``, or after if none is before)."""
    index = doc_index(token.doc)
    counts: dict[str, int] = {}
    first: dict[str, int] = {}  # entity key -> token index
    for i, (tg, ent) in enumerate(zip(index.tg, index.ent, strict=True)):
        if tg == "Organization" and ent:
            counts[ent] = counts.get(ent, 0) + 1
            if ent not in first or (first[ent] > token.i and i < token.i):
                first[ent] = i
    if not counts:
        return []
    best = max(counts, key=lambda k: (counts[k], -first[k]))
    if sum(1 for v in counts.values() if v == counts[best]) > 1 and counts[best] < 2:
        return []
    return [token.doc[first[best]]]


def _recent_event(token: Token) -> list[Token]:
    """The event told of last before ``token`` (within the document): "Zhou attended and gave guidance"."""
    tg = doc_index(token.doc).tg
    for i in range(token.i - 1, -1, -1):
        if tg[i] == "Event":
            return [token.doc[i]]
    return []


def _its(token: Token) -> list[Token]:
    """The organisation "it"/"its" refers to: the subject (else the last) organisation before it in its sentence;
    at the start of a sentence, the subject organisation of the sentence before."""
    doc, index = token.doc, doc_index(token.doc)
    start, _ = index.sentences[token.i]
    before = [i for i in range(start, token.i) if index.tg[i] == "Organization"]
    if before:
        return [doc[before[0]] if doc[before[0]].dep_.startswith("nsubj") else doc[before[-1]]]
    if start > 0:
        prev_start, _ = index.sentences[start - 1]
        subjects = [
            i for i in range(prev_start, start) if index.tg[i] == "Organization" and doc[i].dep_.startswith("nsubj")
        ]
        if subjects:
            return [doc[subjects[0]]]
    return []


def expand(tokens: Iterable[Token], lex: Lexicon, depth: int = 0, *, conjuncts: bool = True) -> list[Token]:
    """Entity tokens a slot stands for: conjuncts, appositions, listed members, "two of", relative pronouns.

    ``conjuncts=False`` keeps an entity token as it is (token rules name their entities exactly).
    """
    out: list[Token] = []
    seen: set[int] = set()

    def add(t: Token) -> None:
        if t.i not in seen and ent_of(t):
            seen.add(t.i)
            out.append(t)

    for token in tokens:
        if depth > 3:
            break
        index = doc_index(token.doc)
        if index.ent[token.i]:
            add(token)
            for c in token.conjuncts if conjuncts else ():
                if index.tg[c.i] == index.tg[token.i]:
                    add(c)
            continue
        low = token.lower_
        if index.tg[token.i] == "Title":  # "attended by general manager Wang Lei": the post names the person
            for t in [*token.children, token.head]:
                if index.tg[t.i] == "Person" and t.i in {token.i + 1, token.head.i} | {c.i for c in token.children}:
                    add(t)
            nxt = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
            if nxt is not None and index.tg[nxt.i] == "Person":
                add(nxt)
                if conjuncts:  # "attended by Minister A, Secretary B and CEO C"
                    for c in nxt.conjuncts:
                        for t in expand([c], lex, depth + 1, conjuncts=False):
                            add(t)
            continue
        if token.lemma_ in {"headquarters", "headquarter", "office", "offices", "premises", "campus", "hq"}:
            for t in expand(_prep_objects(token, {"in", "at"}), lex, depth + 1):
                add(t)
            continue
        if low in lex.relative_pronouns and token.head.dep_ == "relcl":
            for t in expand([token.head.head], lex, depth + 1):
                add(t)
            continue
        if low == "its" or (low == "it" and token.tag_ == "PRP"):
            for t in _its(token):  # "the Kalgoorlie plant, which it also operates": the organisation named before
                add(t)
            continue
        # "X is a central state-owned enterprise (under SASAC)": the predicate noun stands for the subject
        if token.dep_ in {"attr", "acomp"} and token.head.lemma_ in {"be", "become", "remain"}:
            for t in expand([c for c in token.head.children if c.dep_ in {"nsubj", "nsubjpass"}], lex, depth + 1):
                add(t)
            continue
        # "the organization" as an apposition of an entity, or with an entity as its apposition
        if token.dep_ == "appos" and index.ent[token.head.i]:
            add(token.head)
            continue
        appos = [c for c in token.children if c.dep_ == "appos" and index.ent[c.i]]
        for a in appos:
            for t in expand([a], lex, depth + 1):
                add(t)
        if appos:
            continue
        # "two of its sites"
        if token.like_num:
            inner = _prep_objects(token, {"of"})
            for t in expand(inner, lex, depth + 1):
                add(t)
            continue
        if low in lex.collective_nouns or token.tag_ in {"NNS", "NNPS"}:
            members = _listed(token, lex, depth)
            for t in members:
                add(t)
            # "CDNCA, one of eight minor parties that ...": the entity the "one of" stands beside
            up = token.head
            if not members and token.dep_ == "pobj" and up.lower_ == "of" and up.head.lower_ in {"one", "among"}:
                for t in _beside(up.head):
                    add(t)
    return out


def _beside(token: Token) -> list[Token]:
    """The entity written just before ", ``token``" (an apposition by punctuation, whatever the parse says)."""
    doc = token.doc
    k = token.i - 1
    if k < 1 or doc[k].text != ",":
        return []
    k -= 1
    if doc[k].text == ")":  # "the China Democratic National Construction Association (CDNCA), one of ..."
        while k > 0 and doc[k].text != "(":
            k -= 1
        k -= 1
    return [doc[k]] if k >= 0 and ent_of(doc[k]) else []


def _listed(token: Token, lex: Lexicon, depth: int) -> list[Token]:
    """Members of a collective noun: "figures, including A and B", "societies like X", "sites ...: A and B"."""
    members: list[Token] = []
    for c in token.children:
        if c.dep_ == "prep" and c.lower_ in {"including", "like", "such", "among"}:
            objs = [g for g in c.children if g.dep_ == "pobj"]
            if c.lower_ == "such":
                objs = _prep_objects(c, {"as"}) or [g for g in c.children if g.dep_ == "prep" for g in g.children]
            members.extend(expand(objs, lex, depth + 1))
    if members:
        return members
    # a colon list later in the same sentence
    doc, index = token.doc, doc_index(token.doc)
    sent_end = index.sentences[token.i][1]
    for i in range(token.i + 1, min(sent_end, token.i + 15)):
        if doc[i].text == ":":
            j = i + 1
            while j < sent_end and (doc[j].lower_ in {"the", "a", "an"} or doc[j].is_space):
                j += 1
            if j < sent_end and index.ent[j]:
                first = doc[j]
                members.append(first)
                for c in first.conjuncts:
                    if index.ent[c.i]:
                        members.append(c)
                k = j + 1
                while k < sent_end:  # the parser often misses list conjuncts: read them linearly
                    if index.ent[k] and index.tg[k] == index.tg[j] and doc[k - 1].lower_ in {",", "and", "the", "a"}:
                        if doc[k] not in members:
                            members.append(doc[k])
                    elif doc[k].text in {".", ";"}:
                        break
                    k += 1
            break
        if index.ent[i] and index.tg[i] not in {"Place"}:
            break
    return members


def merge_mentions(doc: Doc, spans: list[tuple[int, int, str, str, str]]) -> Doc:
    """Merge each ``(start, end, tg type, entity key, title)`` token span into one token with those extensions."""
    spans = sorted(spans)
    kept = []
    last_end = -1
    for span in spans:
        if span[0] >= last_end:
            kept.append(span)
            last_end = span[1]
    doc.set_ents([], default="outside")  # NER labels have been read; from here ENT_TYPE carries tiegraph's types
    with doc.retokenize() as retokenizer:
        for start, end, tg, key, title in kept:
            span = doc[start:end]
            attrs = {"_": {"tg": tg, "ent": key, "title": title}, "ENT_TYPE": entity_label(tg), "ENT_IOB": 3}
            if end - start > 1:
                attrs["LEMMA"] = span.text.lower()
                if tg != "Title" and tg != "Event":
                    attrs["POS"] = "PROPN"
            retokenizer.merge(span, attrs=attrs)
    # the same extensions, as lists the rules read without Token._ (see DocIndex)
    tgs, keys, titles = [""] * len(doc), [""] * len(doc), [""] * len(doc)
    shift = 0  # tokens merged away before the current span
    for start, end, tg, key, title in kept:
        tgs[start - shift], keys[start - shift], titles[start - shift] = tg, key, title
        shift += end - start - 1
    if doc.has_annotation("SENT_START"):  # else the rules cannot run, and doc_index says why when asked
        doc.user_data[_INDEX_KEY] = DocIndex.build(doc, tgs, keys, titles)
    return doc
