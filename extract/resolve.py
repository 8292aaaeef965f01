"""In-document entity resolution: one node per real-world entity, every surface form an alias.

The rules, in order (each merge is recorded with its rule so it can be audited):

1. ``same-name``: names equal after normalisation (case, quotes, articles, possessives, legal
   suffixes: "Acme Group" = "Acme" = "the Acme Group's").
2. ``gazetteer``: a name or alias of a curated entry.
3. ``acronym``: "Long Name (LN)", or an all-capitals name equal to another name's initials.
4. ``short-form``: "Northfield" = "Northfield Rare Metals Group"; "Party" = "Communist Party" when only one
   name ends that way.
5. ``surname``: "Zhang" = "Zhang Wei" when only one person of the document has that family name (or given
   name, for Western order); when two do, each bare mention goes to the nearest person named before it,
   with a lower confidence — two people are never merged.
6. events: one node per kind of event ("the ceremony", "the unveiling ceremony"), "the event" the latest one;
   references: "the company", "the group" go to the organisation last named.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Doc

from extract.lexicon import GazetteerEntry, Lexicon
from extract.mentions import Candidate, doc_text, head_type

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
_NON_WORD = re.compile(r"[^\w\s&.']")
_SPACES = re.compile(r"\s+")
_STOP_INITIALS = {"of", "the", "and", "for", "in", "on", "at", "to", "'s", "s"}


@lru_cache(maxsize=65_536)  # resolution asks for the same names many times
def normalise(text: str) -> str:
    """Key for comparing names: NFKC, straight quotes, lower case, no article or possessive.

    Examples
    --------
    >>> normalise("the Jiusan Society\u2019s")
    'jiusan society'
    """
    t = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    t = re.sub(r"'s\b", "", t).replace("-", " ")
    t = _NON_WORD.sub(" ", t)
    t = _SPACES.sub(" ", t).strip(" .'")
    return re.sub(r"^(the|a|an) ", "", t)


_CORE_CACHE: dict[tuple[int, str, bool, bool], str] = {}
_GAZETTEER_CACHE: dict[tuple[int, int], tuple] = {}


def core_name(text: str, lex: Lexicon, *, facility: bool = False, place: bool = False) -> str:
    """Cached :func:`_core_name` (resolution asks for the same names many times)."""
    key = (id(lex), text, facility, place)
    if key not in _CORE_CACHE:
        if len(_CORE_CACHE) > 100_000:
            _CORE_CACHE.clear()
        _CORE_CACHE[key] = _core_name(text, lex, facility=facility, place=place)
    return _CORE_CACHE[key]


def _gazetteer_maps(
    gazetteer: tuple[GazetteerEntry, ...], lex: Lexicon
) -> tuple[dict[str, GazetteerEntry], dict[str, GazetteerEntry]]:
    """The entries by name, and by the core name of each name and alias (the first entry wins a shared one).

    Every document asks for them, and a gazetteer has thousands of names: they are built once per gazetteer.
    The maps are shared, so callers only read them.
    """
    key = (id(gazetteer), id(lex))
    cached = _GAZETTEER_CACHE.get(key)
    if cached is None or cached[0] is not gazetteer or cached[1] is not lex:
        by_name = {g.name: g for g in gazetteer}
        by_core: dict[str, GazetteerEntry] = {}
        for g in gazetteer:
            for surface in (g.name, *g.aliases):
                by_core.setdefault(core_name(surface, lex), g)
        if len(_GAZETTEER_CACHE) > 8:
            _GAZETTEER_CACHE.clear()
        cached = _GAZETTEER_CACHE[key] = (gazetteer, lex, by_name, by_core)  # holding them keeps their ids unique
    return cached[2], cached[3]


def _core_name(text: str, lex: Lexicon, *, facility: bool = False, place: bool = False) -> str:
    """:func:`normalise`, then without trailing legal suffixes ("Acme Holdings Co., Ltd." → "acme").

    With ``facility``, a trailing facility head goes too ("Silver Basin mine" → "silver basin").
    A name made only of suffix words keeps them ("Group" stays "group").
    """
    words = normalise(text).replace(",", " ").split()
    # "group" stays: "Yunhai Tin Group" and its listed "Yunhai Tin Co., Ltd." are two companies;
    # a bare "Yunhai" still joins "Yunhai Tin Group" as a short form
    suffixes = {w.strip(".") for w in lex.legal_suffixes} - {"group"}
    while len(words) > 1 and words[-1].strip("().") in suffixes:
        words.pop()
    if place and len(words) > 1 and words[-1] in {*lex.place_heads, "provincial", "municipality", "autonomous"}:
        words.pop()  # "Anhui Province" = "Anhui"
    if (
        facility
        and len(words) > 1
        and words[-1] in lex.facility_heads
        and words[-1] not in {"museum", "hall", "centre", "center"}
    ):
        words.pop()
    return " ".join(words)


@lru_cache(maxsize=65_536)
def initials(text: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", unicodedata.normalize("NFKC", text).translate(_QUOTES)) if w]
    out = []
    for w in words:
        w = re.sub(r"'s$", "", w)
        if w.lower() in _STOP_INITIALS or not w[:1].isalpha():
            continue
        out.append(w[0].upper())
    return "".join(out)


@dataclass
class Cluster:
    """Mentions that name one entity, with what is known of it."""

    members: list[int] = field(default_factory=list)  # indices into the candidate list
    gazetteer: GazetteerEntry | None = None
    rules: dict[int, tuple[str, float]] = field(default_factory=dict)  # member -> (merge rule, confidence)


@dataclass(frozen=True, slots=True)
class ResolvedEntity:
    """An entity of one document: the cluster's decision on name, type and aliases."""

    key: str
    name: str
    type: str
    subtype: str | None
    aliases: tuple[str, ...]
    qid: str | None
    mentions: tuple[int, ...]  # candidate indices
    confidence: float
    merges: tuple[tuple[str, str, float], ...]  # (surface, rule, confidence)


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve(
    doc: Doc,
    cands: list[Candidate],
    lex: Lexicon,
    gazetteer: tuple[GazetteerEntry, ...] = (),
    *,
    doc_id: str = "",
) -> tuple[list[ResolvedEntity], dict[int, str]]:
    """Group candidates into entities.

    Returns
    -------
    entities
        The resolved entities, in order of first mention.
    link
        For each candidate index that names or refers to an entity, that entity's key.
    """
    text = [doc[c.start : c.end].text for c in cands]
    names = [i for i, c in enumerate(cands) if c.source not in {"event", "reference"}]
    uf = _UnionFind(len(cands))
    rule: dict[int, tuple[str, float]] = {}
    gaz_by_name, gaz_core = _gazetteer_maps(gazetteer, lex)
    full_text = doc_text(doc)

    # 1-2. same normalised name, or a gazetteer name
    by_core: dict[str, int] = {}
    for i in names:
        c = cands[i]
        entry = gaz_by_name.get(c.gazetteer) if c.gazetteer else gaz_core.get(core_name(text[i], lex))
        core = core_name(text[i], lex, facility=c.type == "Facility", place=c.type == "Place")
        key = f"gaz:{entry.name}" if entry is not None else f"{_type_group(c)}:{core}"
        if key in by_core:
            uf.union(by_core[key], i)
            rule.setdefault(i, ("gazetteer" if entry else "same-name", 0.95 if entry else 0.9))
        else:
            by_core[key] = i
    placey = _place_like(doc, cands, text, lex)
    # a weak (NER-only) name equal to a strongly typed one of another type is that one: "Baogang" (PERSON) = "Baogang"
    strong_core = {}
    for i in names:
        if cands[i].head_evidence or cands[i].source == "gazetteer":
            strong_core.setdefault(core_name(text[i], lex, facility=cands[i].type == "Facility"), i)
    for i in names:
        j = strong_core.get(core_name(text[i], lex))
        if j is not None and cands[i].type == "Place" and cands[j].type != "Place" and normalise(text[i]) in placey:
            continue  # "the Saskatoon plant" and "in Saskatoon": a city is not its plant
        if (
            j is not None
            and not cands[i].head_evidence
            and uf.find(i) != uf.find(j)
            and _compatible(cands[i], cands[j])
        ):
            uf.union(j, i)
            rule.setdefault(i, ("same-name", 0.85))

    # 2b. short forms made from a longer name of this text ("Redcliff" from "Redcliff Minerals Corp.")
    by_text: dict[str, int] = {}
    for i in names:
        by_text.setdefault(text[i], i)
    for i in names:
        origin = cands[i].alias_of
        if origin and origin in by_text and uf.find(by_text[origin]) != uf.find(i):
            uf.union(by_text[origin], i)
            rule.setdefault(i, ("facility-place" if cands[i].source == "facility-np" else "short-form", 0.75))

    # 3. acronyms
    by_end = {cands[i].end: i for i in names}
    for i in names:
        c = cands[i]
        if c.source == "acronym" and (c.start - 1) in by_end:
            uf.union(by_end[c.start - 1], i)
            rule[i] = ("acronym", 0.95)
    longest = _longest_names(names, text, uf)
    for i in names:
        t = text[i]
        if not (t.isupper() and 2 <= len(t) <= 8 and " " not in t):
            continue
        matches = {
            r for r, name in longest.items() if r != uf.find(i) and len(name.split()) > 1 and initials(name) == t
        }
        if len(matches) == 1:
            uf.union(matches.pop(), i)
            rule.setdefault(i, ("acronym", 0.85))

    # 3b. "Vice Minister of Industry and Information Technology" names the "Ministry of Industry and ..."
    longest = _longest_names(names, text, uf)
    for i in names:
        c = cands[i]
        if c.start < 2 or doc[c.start - 1].lower_ != "of" or doc[c.start - 2].lower_ not in lex.title_heads:
            continue
        target = normalise(text[i])
        for r, name in longest.items():
            n = normalise(name)
            if r != uf.find(i) and n.split(" ", 1)[-1] == target and n.split(" ", 1)[0] in lex.org_heads:
                uf.union(r, i)
                rule.setdefault(i, ("ministry-of", 0.8))
                break

    # 4. short forms of organisations and facilities
    longest = _longest_names(names, text, uf)
    multi = {r: core_name(n, lex).split() for r, n in longest.items() if len(core_name(n, lex).split()) > 1}
    for i in names:
        c = cands[i]
        if c.head_evidence or c.source == "gazetteer" or (c.type == "Place" and normalise(text[i]) in placey):
            continue
        words = core_name(text[i], lex).split()
        if len(words) != 1 or words[0] in lex.legal_suffixes:
            continue
        w = words[0]
        if any(len(longest[r].split()) > 1 for r in (uf.find(i),) if r in longest):
            continue  # already part of a full name ("Acme" = "Acme Group")
        hits = set()
        for r, mw in multi.items():
            if r == uf.find(i) or cands[r].type not in {"Organization"}:
                continue
            if mw[0] == w and head_type(mw, lex) in {("Organization", "Company"), ("Organization", None), None}:
                hits.add(r)
            elif mw[-1] == w and cands[i].type == "Organization":
                hits.add(r)
        if len(hits) > 1:
            # "Northfield" beside "Northfield Rare Metals Group" and its "Northfield Magnet Materials": the name the
            # text opens with, when it is also the one it names most; otherwise leave it unresolved
            roots = {uf.find(r) for r in hits}
            counts = Counter(uf.find(j) for j in names)
            first = {r: min(cands[j].start for j in names if uf.find(j) == r) for r in roots}
            opener = min(roots, key=lambda r: first[r])
            if all(counts[opener] > counts[r] for r in roots if r != opener):
                hits = {opener}
            elif len(roots) == 1:
                hits = roots
        if len(hits) == 1:
            uf.union(hits.pop(), i)
            rule.setdefault(i, ("short-form", 0.7))

    # 4b. words before a post that stand for a body the text names: "Australian" Prime Minister (the Australian
    # government), "Commerce" Secretary (the Department of Commerce); an unmatched department word is dropped later
    def national(w: str, n: str) -> bool:
        words = n.split()
        return len(words) > 1 and words[0] == w and words[-1] in {"government", "administration", "cabinet"}

    def department(w: str, n: str) -> bool:
        n = re.sub(r"^(u\.?s\.?|us|united states) ", "", n).replace("department of the ", "department of ")
        return n in {f"department of {w}", f"ministry of {w}", f"{w} department", f"{w} ministry"}

    for source, matches, confidence in (("national-post", national, 0.6), ("department-word", department, 0.7)):
        longest = _longest_names(names, text, uf)
        for i in names:
            if cands[i].source != source:
                continue
            w = normalise(text[i])
            root = next((r for r, name in longest.items() if r != uf.find(i) and matches(w, normalise(name))), None)
            if root is not None:
                uf.union(root, i)
                rule.setdefault(i, (source, confidence))

    # 5. surnames
    person_link: dict[int, int] = {}
    full = [i for i in names if cands[i].type == "Person" and len(text[i].split()) > 1]
    for i in names:
        c = cands[i]
        if len(text[i].split()) != 1 or c.head_evidence or c.source == "gazetteer":
            continue
        if c.type != "Person" and (c.type == "Place" and normalise(text[i]) in placey or text[i].isupper()):
            continue
        if c.type != "Person" and any(j != i and cands[j].type != "Person" and uf.find(j) == uf.find(i) for j in names):
            continue  # already resolved to an organisation or place
        w = normalise(text[i])
        options = sorted(
            {uf.find(j) for j in full if w in (normalise(text[j]).split()[0], normalise(text[j]).split()[-1])}
        )
        if len(options) == 1:
            uf.union(options[0], i)
            rule.setdefault(i, ("surname", 0.85))
        elif len(options) > 1:
            before = [j for j in full if uf.find(j) in options and cands[j].start < cands[i].start]
            if before:
                person_link[i] = max(before, key=lambda j: cands[j].start)
                rule[i] = ("surname-nearest", 0.6)

    # build the clusters of names
    groups: dict[int, list[int]] = {}
    for i in names:
        if i in person_link:
            continue
        groups.setdefault(uf.find(i), []).append(i)
    entities: list[ResolvedEntity] = []
    link: dict[int, str] = {}
    used_keys: set[str] = set()
    for root in sorted(groups, key=lambda r: min(cands[m].start for m in groups[r])):
        members = groups[root]
        if all(cands[m].source == "department-word" for m in members):
            continue  # "Commerce" of "Commerce Secretary" that names no department of the text
        ent = _decide(doc, full_text, members, cands, text, lex, gaz_by_name, gaz_core, rule, used_keys)
        entities.append(ent)
        for m in members:
            link[m] = ent.key
    for i, j in person_link.items():
        link[i] = link[j]
    entities = _add_person_links(entities, person_link, link, text, rule)

    # 6. events and references
    entities.extend(_resolve_events(cands, text, lex, link, doc_id))
    _resolve_references(cands, entities, link)
    return entities, link


_LOCATIVE = {"in", "across", "from", "throughout", "near", "into", "to", "at", "outside", "inside", "around", "within"}
_COMPASS = {
    "southern",
    "northern",
    "eastern",
    "western",
    "central",
    "north",
    "south",
    "east",
    "west",
    "northeastern",
    "northwestern",
    "southeastern",
    "southwestern",
    "mainland",
    "rural",
    "coastal",
    "inland",
}


def _is_place_like(doc: Doc, c: Candidate) -> bool:
    prev = doc[c.start - 1].lower_ if c.start > 0 else ""
    return prev in _LOCATIVE or prev in _COMPASS


#: "a stake in X", "invested in X": "in" that does not locate
_NON_LOCATING_HEADS = {
    "stake",
    "interest",
    "investment",
    "invest",
    "share",
    "shares",
    "holding",
    "stakes",
    "equity",
    "role",
    "position",
    "member",
    "confidence",
    "trust",
    "belief",
    "change",
    "rise",
    "fall",
}


def _place_like(doc: Doc, cands: list[Candidate], text: list[str], lex: Lexicon) -> set[str]:
    """Names the text uses as places more than as actors: after a locative preposition or a compass word, or in
    "X, Y" pairs, versus as the subject of a verb. Curated places always are."""
    by_start = {c.start: i for i, c in enumerate(cands)}
    loc: Counter = Counter()
    actor: Counter = Counter()
    out = set()
    for i, c in enumerate(cands):
        if c.type != "Place":
            continue
        name = normalise(text[i])
        if c.source == "gazetteer":
            out.add(name)
            continue
        prev = doc[c.start - 1] if c.start > 0 else None
        nxt = by_start.get(c.end + 1) if c.end < len(doc) and doc[c.end].text == "," else None
        if prev is not None and prev.lower_ in _LOCATIVE and prev.head.lemma_.lower() not in _NON_LOCATING_HEADS:
            loc[name] += 1
        elif prev is not None and prev.lower_ in _COMPASS or (nxt is not None and cands[nxt].type == "Place"):
            loc[name] += 1
        root = doc[c.start : c.end].root
        if root.dep_ in {"nsubj", "nsubjpass"} and root.head.pos_ == "VERB":
            actor[name] += 1
    out |= {name for name, n in loc.items() if n >= actor[name]}
    return out


def _type_group(c: Candidate) -> str:
    return "Place" if c.type == "Place" else ("Facility" if c.type == "Facility" else "Name")


def _compatible(a: Candidate, b: Candidate) -> bool:
    """Can weak ``a`` take strong ``b``'s identity? A place only when ``b`` is curated or a named facility."""
    if a.type == b.type:
        return True
    if "Place" not in {a.type, b.type}:
        return True
    return a.source == "ner" and (b.source == "gazetteer" or b.type == "Facility" and b.head_evidence)


def _longest_names(names: list[int], text: list[str], uf: _UnionFind) -> dict[int, str]:
    out: dict[int, str] = {}
    for i in names:
        r = uf.find(i)
        if r not in out or len(text[i]) > len(out[r]) and not text[i].isupper():
            out[r] = text[i]
    return out


def _decide(doc, full_text, members, cands, text, lex, gaz_by_name, gaz_core, rule, used_keys) -> ResolvedEntity:
    entry = None
    for m in members:
        c = cands[m]
        entry = gaz_by_name.get(c.gazetteer) if c.gazetteer else entry or gaz_core.get(core_name(text[m], lex))
        if entry is not None:
            break
    if entry is not None:
        etype, subtype = entry.type, entry.subtype
    else:
        strong = Counter((cands[m].type, cands[m].subtype) for m in members if cands[m].head_evidence)
        if strong:
            etype, subtype = strong.most_common(1)[0][0]
        else:
            votes = Counter(cands[m].type for m in members)
            etype = max(votes, key=lambda t: (votes[t], t == "Organization"))
            subtype = None
            placey = etype == "Place" and any(_is_place_like(doc, cands[m]) for m in members)
            evidence = None if placey else _text_evidence(full_text, [text[m] for m in members], lex)
            if evidence is not None:
                etype, subtype = evidence
    if etype == "Place" and subtype is None:
        words = text[members[0]].split()
        if len(words) > 1 and words[-1].lower() in lex.place_heads:
            subtype = lex.place_heads[words[-1].lower()]
    if etype == "Organization" and subtype in {None, "Company"} and _state_owned(doc, [cands[m] for m in members], lex):
        subtype = "StateOwnedEnterprise"
    surfaces = []
    for m in sorted(members, key=lambda m: cands[m].start):
        if text[m] not in surfaces:
            surfaces.append(text[m])
    for m in members:  # "its separation plant in Saskatoon" is also "the Saskatoon plant"
        alias = cands[m].alias_of
        if cands[m].source == "facility-np" and alias and alias not in surfaces:
            surfaces.append(alias)
    if entry is not None:
        name = entry.name
    else:
        full = [s for s in surfaces if not (s.isupper() and " " not in s)] or surfaces
        name = max(full, key=lambda s: (len(s.split()), len(s), -surfaces.index(s)))
        if name.lower() in lex.title_generic_orgs or name.lower() in lex.org_phrases:
            parent = _parent_of(doc, [cands[m] for m in members], cands)
            if parent:
                qualified = f"{name} of {parent}"
                surfaces.append(qualified)
                name = qualified
    aliases = [s for s in surfaces if s != name]
    if entry is not None:
        aliases += [a for a in (entry.name, *entry.aliases) if a != name and a not in aliases]
    base = f"{etype}:{core_name(name, lex)}"
    key, n = base, 2
    while key in used_keys:
        key, n = f"{base}#{n}", n + 1
    used_keys.add(key)
    merges = tuple(sorted({(text[m], *rule.get(m, ("first-mention", 1.0))) for m in members}))
    confidence = max(cands[m].confidence for m in members)
    return ResolvedEntity(
        key,
        name,
        etype,
        subtype,
        tuple(aliases),
        entry.qid if entry else None,
        tuple(sorted(members)),
        confidence,
        merges,
    )


def _parent_of(doc: Doc, members: list[Candidate], cands: list[Candidate]) -> str | None:
    """The organisation a generic body belongs to: "Party Committee of *Acme Group*", "*Acme*'s Party Committee"."""
    starts = {c.start: c for c in cands if c.type == "Organization" and c.source not in {"event", "reference"}}
    ends = {c.end: c for c in cands if c.type == "Organization" and c.source not in {"event", "reference"}}
    found = []
    for c in members:
        if c.end + 1 < len(doc) and doc[c.end].lower_ == "of":
            k = c.end + 1 + (doc[c.end + 1].lower_ == "the")
            if k in starts:
                found.append(doc[starts[k].start : starts[k].end].text)
        if c.start >= 2 and doc[c.start - 1].text in {"'s", "\u2019s", "'", "\u2019"} and (c.start - 1) in ends:
            p = ends[c.start - 1]
            found.append(doc[p.start : p.end].text)
    return max(found, key=len) if found else None


def _text_evidence(text: str, surfaces: list[str], lex: Lexicon) -> tuple[str, str | None] | None:
    """A name the text also writes with a head noun ("Bayan Obo" beside "Bayan Obo Mine") takes that type."""
    for surface in surfaces:
        for word in _words_after(text, surface):
            if word[0].islower() and word.lower() not in lex.facility_heads:
                continue
            evidence = head_type([*surface.split(), word], lex)
            if evidence is not None:
                return evidence
    return None


_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z]+)")


def _words_after(text: str, surface: str) -> Iterator[str]:
    """The word written after each occurrence of ``surface`` and blanks, left to right and not overlapping: what
    ``re.finditer(re.escape(surface) + r"[ \t]+([A-Za-z]+)", text)`` finds, without compiling a pattern per name."""
    pos = text.find(surface)
    while pos >= 0:
        match = _NEXT_WORD.match(text, pos + len(surface))
        if match:
            yield match.group(1)
            pos = text.find(surface, match.end())
        else:
            pos = text.find(surface, pos + 1)


def _state_owned(doc: Doc, members: list[Candidate], lex: Lexicon) -> bool:
    """ "Acme Group—the state-owned giant", "state-owned Acme": a cue next to a mention."""
    for c in members:
        window = doc[max(0, c.start - 3) : min(len(doc), c.end + 8)].text.lower()
        if any(cue in window for cue in lex.state_owned_cues):
            return True
    return False


def _add_person_links(entities, person_link, link, text, rule):
    if not person_link:
        return entities
    out = []
    for ent in entities:
        extra = [i for i, j in person_link.items() if link[j] == ent.key]
        if extra:
            aliases = list(ent.aliases) + [text[i] for i in extra if text[i] not in ent.aliases and text[i] != ent.name]
            merges = tuple(sorted(set(ent.merges) | {(text[i], *rule[i]) for i in extra}))
            ent = ResolvedEntity(
                ent.key,
                ent.name,
                ent.type,
                ent.subtype,
                tuple(aliases),
                ent.qid,
                tuple(sorted(ent.mentions + tuple(extra))),
                ent.confidence,
                merges,
            )
        out.append(ent)
    return out


def _resolve_events(cands, text, lex, link, doc_id) -> list[ResolvedEntity]:
    """One event per kind of event noun in a document; generic "the event" joins the latest one."""
    kinds: dict[str, list[int]] = {}
    order: list[tuple[int, str]] = []  # (candidate index, kind) in text order
    generic: list[int] = []
    for i, c in enumerate(cands):
        if c.source != "event":
            continue
        head = normalise(text[i]).split()[-1]
        if lex.event_heads.get(head) is None and c.subtype is None:
            generic.append(i)
            continue
        kind = c.subtype or head  # "the inspection" and "the visit" are one Visit
        kinds.setdefault(kind, []).append(i)
        order.append((i, kind))
    for i in generic:
        before = [k for j, k in order if j < i]
        after = [k for j, k in order if j > i]
        kind = before[-1] if before else (after[0] if after else None)
        if kind is not None:
            kinds[kind].append(i)
    out = []
    for kind in sorted(kinds, key=lambda k: min(cands[i].start for i in kinds[k])):
        members = sorted(kinds[kind], key=lambda i: cands[i].start)
        heads = Counter(normalise(text[i]).split()[-1] for i in members if cands[i].subtype or len(members) == 1)
        main = heads.most_common(1)[0][0] if heads else normalise(text[members[0]]).split()[-1]
        specific = [text[i] for i in members if normalise(text[i]).split()[-1] == main] or [text[members[0]]]
        name = max(specific, key=lambda s: (len(s.split()), -specific.index(s)))
        name = name[0].lower() + name[1:] if name[:1].isupper() and not name[1:2].isupper() else name
        surfaces = []
        for i in members:
            s = text[i]
            if s != name and s.lower() != name.lower() and s not in surfaces:
                surfaces.append(s)
        subtypes = Counter(cands[i].subtype for i in members if cands[i].subtype)
        key = f"Event:{doc_id}:{kind}"
        for i in members:
            link[i] = key
        merges = tuple(sorted({(text[i], "event-kind", 0.7) for i in members}))
        out.append(
            ResolvedEntity(
                key,
                name,
                "Event",
                subtypes.most_common(1)[0][0] if subtypes else None,
                tuple(surfaces),
                None,
                tuple(members),
                0.7,
                merges,
            )
        )
    return out


def _resolve_references(cands, entities, link) -> None:
    """ "the company" → the organisation of a fitting kind named last before it."""
    by_key = {e.key: e for e in entities}
    weight = Counter(link[j] for j, c in enumerate(cands) if j in link and c.source != "reference")
    for i, c in enumerate(cands):
        if c.source != "reference":
            continue
        # the organisation the text is about: of those of a fitting kind named before, the most mentioned,
        # the latest of them on a tie ("the company" rarely means a firm named once in passing)
        seen: dict[str, int] = {}
        for j in range(i):
            key = link.get(j)
            if key is None or cands[j].source == "reference":
                continue
            ent = by_key[key]
            if ent.type == "Organization" and _fits(c.subtype, ent.subtype):
                seen[key] = j
        if seen:
            link[i] = max(seen, key=lambda k: (weight[k], seen[k]))


def _fits(wanted: str | None, have: str | None) -> bool:
    if wanted in {"Company"}:
        return have in {None, "Company", "StateOwnedEnterprise"}
    return wanted == have or have is None
