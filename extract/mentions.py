"""Mentions: the spans of a parsed Doc that name an entity, cleaned of what NER drags in.

Every rule here works on the shape of the text, never on particular names:

- heading and bullet debris ("Highlights\\n- Acme Group" → "Acme Group");
- leading articles, honorifics and possessives ("the Acme Society's" → "Acme Society");
- titles fused into names ("Acme Chair Jane Roe" → organisation "Acme", title "Chair", person "Jane Roe");
- types corrected by head nouns ("X Group" is an organisation, "X Museum" a facility, "X Daily" a media outlet);
- names NER missed that end in an organisation or facility head noun, and acronyms defined in brackets;
- event mentions ("a signing ceremony", "the meeting") and references ("the company", "the group").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from extract.lexicon import GazetteerEntry, Lexicon

_ALPHA = re.compile(r"[A-Za-z\u00C0-\u024F\u4e00-\u9fff]")
_ACRONYM = re.compile(r"^[A-Z][A-Z&.\-]{1,9}$")
_POSSESSIVE = {"'s", "\u2019s", "'", "\u2019"}
_EDGE_PUNCT = {
    "-",
    "\u2013",
    "\u2014",
    "\u2022",
    "*",
    "\u00b7",
    ",",
    ":",
    ";",
    '"',
    "\u201c",
    "\u201d",
    "\u2122",
    "\u00ae",
    "(",
    ")",
    "[",
    "]",
    "'",
    "\u2018",
    "\u2019",
    ".",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A mention being built: token span ``[start, end)`` of the Doc, with its type evidence."""

    start: int
    end: int
    type: str
    subtype: str | None = None
    source: str = "ner"  # ner | gazetteer | head-noun | title-prefix | acronym | event | reference
    gazetteer: str | None = None
    head_evidence: bool = False  # the type comes from the name's own head noun (strong evidence)
    confidence: float = 0.8
    alias_of: str | None = None  # a short form made from this longer name ("Redcliff" from "Redcliff Minerals Corp.")


@dataclass(frozen=True, slots=True)
class TitleCue:
    """A post written next to a name: tokens ``[start, end)`` hold the title (e.g. "Vice Chair")."""

    start: int
    end: int
    text: str


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once per Doc (``Doc.text`` joins every token on each access; retokenizing keeps it)."""
    text = doc.user_data.get("tiegraph_text")
    if text is None:
        text = doc.user_data["tiegraph_text"] = doc.text
    return text


def is_capitalised(token: Token) -> bool:
    return bool(token.text) and (token.text[0].isupper() or token.text[0].isdigit())


def is_title_head(token: Token, lex: Lexicon) -> bool:
    return token.lower_ in lex.title_heads


def is_title_word(token: Token, lex: Lexicon) -> bool:
    return _is_title_lower(token.lower_, lex)


def _is_title_lower(low: str, lex: Lexicon) -> bool:
    return low in lex.title_heads or (low in lex.title_modifiers and low not in {"of", "and", "the", "a", "an"})


def lower_forms(doc: Doc) -> list[str]:
    """``token.lower_`` of every token. The passes that look for a few words read them to skip the other tokens
    (a Token object is made on every access); :func:`find_mentions` reads them once for all of its passes."""
    return [t.lower_ for t in doc]


def head_type(words: list[str], lex: Lexicon) -> tuple[str, str | None] | None:
    """Type and subtype told by a name's last word(s): "X Group" → Organization/Company."""
    if not words:
        return None
    if "of" in words[1:]:  # "Department of Defense": the head is before "of"
        words = words[: words.index("of", 1)]
    phrase = " ".join(words[-2:]).lower()
    if len(words) >= 2 and phrase in lex.org_phrases:
        return "Organization", lex.org_phrases[phrase]
    last = words[-1].lower().strip(".,")
    if len(words) >= 2 and last in lex.place_name_heads:
        return "Place", lex.place_name_heads[last]
    if len(words) >= 2 and last == "facility" and words[-2].lower() in lex.fund_words:
        return "Organization", "GovernmentBody"  # "Critical Minerals Facility": a financing programme
    if len(words) >= 2 and last in lex.facility_heads:
        return "Facility", lex.facility_heads[last]
    if len(words) >= 2 and last in lex.org_heads:
        return "Organization", lex.org_heads[last]
    if last in {"daily", "times", "herald", "gazette"} and len(words) >= 2:
        return "Organization", "MediaOutlet"
    return None


def _strip(doc: Doc, start: int, end: int, lex: Lexicon) -> tuple[int, int]:
    """Cut heading debris, determiners, honorifics, edge punctuation and possessives off ``[start, end)``."""
    # heading and bullet debris: keep what follows the last line break inside the span
    for i in range(end - 1, start - 1, -1):
        if "\n" in doc[i].text or (i < end - 1 and "\n" in doc[i].whitespace_):
            start = i + 1
            break
    changed = True
    while changed and start < end:
        changed = False
        first = doc[start]
        if (
            first.is_space
            or first.text in _EDGE_PUNCT
            or first.lower_ in lex.determiners
            or first.lower_ in lex.honorifics
        ):
            start += 1
            changed = True
            continue
        last = doc[end - 1]
        if (
            last.is_space
            or last.text in _EDGE_PUNCT
            or last.text in _POSSESSIVE
            or last.lower_ in {"and", "of", "&", "in", "at", "on", "for", "with", "by", "to"}
        ):
            end -= 1
            changed = True
    return start, end


def _ner_type(label: str, lex: Lexicon) -> str | None:
    return lex.ner_labels.get(label)


def _gazetteer_index(entries: tuple[GazetteerEntry, ...]) -> dict[str, GazetteerEntry]:
    return {e.name: e for e in entries}


def ner_candidates(
    doc: Doc, lex: Lexicon, gazetteer: dict[str, GazetteerEntry]
) -> tuple[list[Candidate], list[TitleCue]]:
    """Turn ``doc.ents`` into cleaned candidates, splitting fused titles out of them."""
    out: list[Candidate] = []
    titles: list[TitleCue] = []
    for ent in doc.ents:
        entry = gazetteer.get(ent.ent_id_) if ent.ent_id_ else None
        if entry is not None:
            out.append(Candidate(ent.start, ent.end, entry.type, entry.subtype, "gazetteer", entry.name, True, 0.95))
            continue
        etype = _ner_type(ent.label_, lex)
        if etype is None:
            continue
        for part_start, part_end in _comma_parts(doc, ent.start, ent.end, lex):
            _clean_ner_part(doc, part_start, part_end, etype, lex, out, titles)
    return out, titles


def named_event(doc: Doc, start: int, end: int, lex: Lexicon) -> str | None:
    """Subtype of a named event ("2025 Critical Minerals Security Forum", "Leaders' Summit"), or None."""
    last = doc[end - 1]
    low = last.lower_
    if end - start < 2 or not is_capitalised(last) or low not in lex.named_event_heads:
        return None
    if low in {"conference", "congress"}:
        first = doc[start]
        if not (
            first.like_num
            or first.lower_ in {"annual", "first", "second", "third", "fourth", "fifth"}
            or first.text[:1].isdigit()
        ):
            return None
    return lex.named_event_heads[low] or "Meeting"


_CODE = re.compile(r"^(?:[A-Z][a-z]?){2,}$|\d")  # NdPr, NdFeB (element symbols), tickers and codes with digits


def is_junk(text: str, lex: Lexicon) -> bool:
    """Not a name: boilerplate ("END", "Media Release"), element formulas ("NdPr"), codes ("600896.SS")."""
    t = text.strip()
    if t.lower() in lex.junk_names:
        return True
    return " " not in t and bool(_CODE.search(t)) and not t.isupper() or bool(re.search(r"\d", t) and "." in t)


def looks_like_person(words: list[str], lex: Lexicon) -> bool:
    """Two or three capitalised words opening with a family name written first ("Mo Xiaofang", "Choi Min-jun") or
    with a common given name ("Donald Trump").

    Examples
    --------
    >>> from extract.lexicon import load_lexicon
    >>> lex = load_lexicon()
    >>> looks_like_person(["Mo", "Xiaofang"], lex), looks_like_person(["Jarrah", "Securities"], lex)
    (True, False)
    """
    names = [w for w in words if w not in {"-", "\u2010"}]
    if not 2 <= len(names) <= 4 or not all(
        w[:1].isupper() and w.replace("-", "").replace(".", "").isalpha() for w in names
    ):
        return False
    first, last = names[0].lower(), names[-1].lower()
    if last in lex.org_heads or last in lex.facility_heads or last in lex.place_name_heads:
        return False
    if first in lex.east_asian_surnames:
        return len(names) <= 3 and all(len(w) <= 12 for w in names)
    return first in lex.given_names


def _comma_parts(doc: Doc, start: int, end: int, lex: Lexicon) -> list[tuple[int, int]]:
    """ "Zhang, Party Secretary" tagged as one name: the parts around commas, less those that start with a title."""
    parts, begin = [], start
    for i in range(start, end + 1):
        if i == end or doc[i].text in {",", "(", ")"}:  # "State Administration for Market Regulation (SAMR"
            if begin < i:
                parts.append((begin, i))
            begin = i + 1
    merged: list[tuple[int, int]] = []
    for p in parts:  # "Acme Co., Ltd.": the suffix after the comma belongs to the name
        if merged and doc[p[0]].lower_.strip(".") in {x.strip(".") for x in lex.legal_suffixes}:
            merged[-1] = (merged[-1][0], p[1])
        else:
            merged.append(p)
    if len(merged) <= 1:
        return merged
    return [p for p in merged if not is_title_word(doc[p[0]], lex)]


def _clean_ner_part(doc: Doc, start: int, end: int, etype: str, lex: Lexicon, out: list, titles: list) -> None:
    """Clean one NER span (or comma part of one) into a candidate, splitting fused titles out."""
    for k in range(start + 1, end - 1):  # "Reno-based Corvane Lithium": a place, then the name
        if doc[k].text in {"-", "\u2013"} and doc[k + 1].lower_ in lex.based_words:
            place = _strip(doc, start, k, lex)
            if place[0] < place[1]:
                out.append(Candidate(place[0], place[1], "Place", None, "ner", None, False, 0.7))
            start = k + 2
            break
    start, end = _strip(doc, start, end, lex)
    if start >= end or all(is_title_word(t, lex) for t in doc[start:end]):
        return  # nothing left, or only a post ("Chair of"): title_cues() reads posts
    # a leading title: "Chair of Acme Group" -> "Acme Group"
    i = start
    while i < end and is_title_word(doc[i], lex):
        i += 1
    if i > start and i < end and is_title_head(doc[i - 1], lex) and doc[i].lower_ == "of":
        titles.append(TitleCue(start, i, doc[start:i].text))
        start, end = _strip(doc, i + 1, end, lex)
        if start >= end:
            return
    if etype == "Organization":
        generic_end = _generic_of(doc, start, end, lex)
        if generic_end is not None:
            phrase = doc[start:generic_end].text.lower()
            subtype = lex.org_phrases.get(phrase)
            out.append(Candidate(start, generic_end, "Organization", subtype, "generic", None, True, 0.8))
            _clean_ner_part(doc, generic_end + 1, end, etype, lex, out, titles)
            return
    if etype == "Organization" and end - start >= 2 and is_title_head(doc[end - 1], lex):
        k = end - 1
        while k > start and is_title_word(doc[k - 1], lex):
            k -= 1
        if k > start and is_post(doc[k:end], lex):  # "Hanil Chief Executive" (Officer Choi): a name, then a post
            titles.append(TitleCue(k, end, doc[k:end].text))
            end = k
    if etype in {"Person", "Organization"}:
        split = _split_fused_title(doc, start, end, lex, min_name=1 if etype == "Person" else 2)
        if split is not None:
            org, title, person = split
            if org is not None:
                out.append(Candidate(org[0], org[1], "Organization", None, "title-prefix", confidence=0.7))
            titles.append(TitleCue(title[0], title[1], doc[title[0] : title[1]].text))
            start, end = person
            etype = "Person"
    words = [t.text for t in doc[start:end]]
    if not any(_ALPHA.search(w) for w in words) or is_junk(doc[start:end].text, lex):
        return
    evidence = head_type(words, lex)
    subtype = None
    strong = False
    if evidence is not None and not (etype == "Place" and evidence[0] == "Organization" and len(words) < 2):
        etype, subtype = evidence
        strong = True
    if evidence is None and looks_like_person(words, lex):
        etype = "Person"  # "Mo Xiaofang", "Choi Min-jun", "Donald Trump"
    elif evidence is None and start > 0 and is_title_head(doc[start - 1], lex) and 2 <= len(words) <= 4:
        etype = "Person"  # "chief executive Marcus Ellery": a name right after a post is a person
    if etype == "Person" and (len(words) == 1 and words[0].isupper()):
        etype = "Organization"  # an all-capitals single token is an acronym, not a person
    event = named_event(doc, start, end, lex)
    if event is not None:
        out.append(Candidate(start, end, "Event", event, "event", None, True, 0.8))
        return
    if etype == "Event":
        return  # unnamed events are found by their head nouns, see event_candidates
    out.append(Candidate(start, end, etype, subtype, "ner", None, strong, 0.8))


def _generic_of(doc: Doc, start: int, end: int, lex: Lexicon) -> int | None:
    """End of a generic body opening ``[start, end)`` and followed by "of": "Party Committee" of Acme Group."""
    for k in range(start + 1, end - 1):
        if doc[k].lower_ == "of":
            return k if doc[start:k].text.lower() in lex.title_generic_orgs else None
    return None


def _split_fused_title(doc: Doc, start: int, end: int, lex: Lexicon, *, min_name: int = 1):
    """Split "Acme Chair Jane Roe" into (org span | None, title span, person span), or None."""
    for i in range(start, end - 1):
        if not is_title_head(doc[i], lex):
            continue
        strong = doc[i].lower_ not in lex.weak_title_heads or (i > start and is_title_word(doc[i - 1], lex))
        if not (is_capitalised(doc[i]) or strong):
            continue
        # the title runs left over modifiers and right over further heads ("Chief Executive Officer")
        t0 = i
        while t0 > start and is_title_word(doc[t0 - 1], lex):
            t0 -= 1
        t1 = i + 1
        while t1 < end - 1 and is_title_word(doc[t1], lex):
            t1 += 1
        rest = doc[t1:end]
        if len(rest) < min_name or not all(is_capitalised(t) for t in rest):
            return None
        org = None
        if t0 > start:
            org_start, org_end = _strip(doc, start, t0, lex)
            if org_start < org_end:
                org = (org_start, org_end)
        return org, (t0, t1), (t1, end)
    return None


def title_cues(doc: Doc, lex: Lexicon, taken: set[int], *, lowers: list[str] | None = None) -> list[TitleCue]:
    """Posts written as capitalised (or known) title words outside any name: "a Vice Chair of", "CEO".

    ``lowers`` are the tokens' :func:`lower_forms`, if the caller has them.
    """
    lowers = lower_forms(doc) if lowers is None else lowers
    cues = []
    i = 0
    n = len(doc)
    while i < n:
        if i in taken or not _is_title_lower(lowers[i], lex):
            i += 1
            continue
        j = i
        last_head = -1
        while (
            j < n
            and j not in taken
            and (is_title_word(doc[j], lex) or _joins_titles(doc, j, lex) or _inside_title(doc, i, j, lex))
        ):
            if is_title_head(doc[j], lex):
                last_head = j
            j += 1
        if last_head >= 0:
            span = doc[i : last_head + 1]
            if is_post(span, lex):
                cues.append(TitleCue(i, last_head + 1, span.text))
            i = last_head + 1
        else:
            i = j if j > i else i + 1
    return cues


def is_post(span: Span, lex: Lexicon) -> bool:
    """Whether title words name a post: capitalised ("Vice Chair"), an abbreviation ("CEO"), a strong head
    in any case ("chairman", "general manager"), or a weak head with a modifier ("chief accountant")."""
    words = [t.lower_ for t in span if t.lower_ not in {"of", "and", "the", "a", "an"}]
    if not words:
        return False
    if any(w in lex.title_abbreviations for w in words):
        return True
    if len(words) == 1 and words[0] in lex.weak_title_heads:
        return is_capitalised(span[0]) and span[0].i > 0 and not span[0].is_sent_start
    if any(is_capitalised(t) for t in span) and not all(t.is_sent_start for t in span if is_capitalised(t)):
        return True
    return len(words) > 1 or words[0] not in lex.weak_title_heads


def _inside_title(doc: Doc, start: int, j: int, lex: Lexicon) -> bool:
    """A plain noun inside a post that opens with a modifier: "chief *strategy* officer", "deputy *plant* manager"."""
    t = doc[j]
    if j == start or t.pos_ not in {"NOUN", "PROPN"} or not t.is_alpha or doc[start].lower_ not in lex.title_modifiers:
        return False
    return any(is_title_head(doc[k], lex) for k in range(j + 1, min(len(doc), j + 3)))


def _joins_titles(doc: Doc, j: int, lex: Lexicon) -> bool:
    """ "and" between two title words: "Party Secretary and Chairman"."""
    return (
        doc[j].lower_ == "and"
        and 0 < j < len(doc) - 1
        and is_title_word(doc[j - 1], lex)
        and is_title_head(doc[j + 1], lex)
        and is_capitalised(doc[j + 1])
    )


_GOVERNMENT_NOUNS = {"government", "administration", "cabinet"}


def name_candidates(doc: Doc, lex: Lexicon, *, lowers: list[str] | None = None) -> list[Candidate]:
    """Capitalised names ending in an organisation or facility head noun, which NER may have missed or cut.

    ``lowers`` are the tokens' :func:`lower_forms`, if the caller has them.
    """
    lowers = lower_forms(doc) if lowers is None else lowers
    out = []
    n = len(doc)
    for i, low in enumerate(lowers):
        if not (
            low in _GOVERNMENT_NOUNS or low in lex.based_words or low in lex.facility_heads or low in lex.org_heads
        ):
            continue  # none of the words a name is found by
        token = doc[i]
        if token.lower_ in _GOVERNMENT_NOUNS and token.pos_ == "NOUN":
            gov = _government(doc, i)
            if gov is not None:
                out.append(Candidate(gov[0], gov[1], "Organization", "GovernmentBody", "head-noun", None, True, 0.7))
            continue
        if (
            token.lower_ in lex.based_words
            and i >= 2
            and doc[i - 1].text in {"-", "\u2013"}
            and not doc[i - 2].whitespace_
        ):
            j = i - 1  # "Reno-based", "Hong Kong-listed": the capitalised words before are a place
            while j > 0 and is_capitalised(doc[j - 1]) and doc[j - 1].is_alpha and "\n" not in doc[j - 1].whitespace_:
                j -= 1
            if j < i - 1:
                out.append(Candidate(j, i - 1, "Place", None, "based-prefix", None, False, 0.7))
            continue
        low = token.lower_
        is_fac = low in lex.facility_heads
        is_org = low in lex.org_heads and is_capitalised(token)
        if not (is_fac or is_org):
            continue
        j = i
        if is_fac:  # "the Clover Flat lithium hydroxide refinery": common nouns between the name and its head
            k = j
            while (
                k > 0
                and i - k < 5
                and (
                    doc[k - 1].is_lower
                    and doc[k - 1].pos_ in {"NOUN", "ADJ", "PROPN", "VERB"}
                    or doc[k - 1].text in {"-", "\u2013"}
                    and not doc[k - 1].whitespace_
                )
            ):
                k -= 1
            if k < j and k > 0 and _name_word(doc[k - 1]):
                j = k
        while (
            j > 0
            and "\n" not in doc[j - 1].whitespace_
            and (_name_word(doc[j - 1]) or _hyphen_part(doc, j - 1) or _inner_and(doc, j - 1, lex))
        ):
            j -= 1
        while j < i and not is_capitalised(doc[j]):
            j += 1
        if j == i:
            continue
        # "Ministry of Industry and Information Technology": keep "of ..." when capitalised words follow,
        # but not after a generic body: "the Party Committee of Acme Group" is two organisations
        end = i + 1
        generic = doc[j : i + 1].text.lower() in lex.title_generic_orgs
        if is_org and not generic and end + 1 < n and doc[end].lower_ == "of" and _name_word(doc[end + 1]):
            k = end + 1
            while k < n and (_name_word(doc[k]) or (doc[k].lower_ == "and" and k + 1 < n and _name_word(doc[k + 1]))):
                k += 1
            end = k
        start, stop = _strip(doc, j, end, lex)
        if stop - start < 2:
            continue
        words = [t.text for t in doc[start:stop]]
        evidence = head_type(words, lex) or ("Organization", None)
        out.append(Candidate(start, stop, evidence[0], evidence[1], "head-noun", None, True, 0.75))
    return out


_BASED = {"based", "headquartered", "listed", "backed", "born", "focused", "run", "controlled", "registered"}


def _government(doc: Doc, i: int) -> tuple[int, int] | None:
    """ "the Australian government", "the U.S. administration", "the government of the Republic of Korea"."""
    j = i
    while j > 0 and doc[j - 1].ent_type_ in {"NORP", "GPE"} and is_capitalised(doc[j - 1]):
        j -= 1
    if j < i:
        return j, i + 1
    if i + 2 < len(doc) and doc[i + 1].lower_ == "of":
        k = i + 2 + (doc[i + 2].lower_ == "the")
        end = k
        while end < len(doc) and doc[end].ent_type_ == "GPE":
            end += 1
        if end > k:
            return i, end
    return None


def _inner_and(doc: Doc, i: int, lex: Lexicon) -> bool:
    """ "Supervision *and* Administration Commission": "and" between two words of one name, not between two names
    (the word before it is no head noun: "Jiusan Society and Baogang Group" are two)."""
    if doc[i].lower_ not in {"and", "&"} or i == 0 or i + 1 >= len(doc):
        return False
    before, after = doc[i - 1], doc[i + 1]
    low = before.lower_
    if doc[i].ent_iob_ != "I" and not _public_body_ahead(doc, i, lex):
        return False  # "Kestrel Dynamics and Borealis Rare Metals": two companies
    return (
        is_capitalised(before)
        and before.is_alpha
        and is_capitalised(after)
        and low not in lex.org_heads
        and low not in lex.facility_heads
        and low not in lex.legal_suffixes
        and before.ent_type_ not in {"PERSON", "GPE", "NORP"}
    )


_PUBLIC_HEADS = {
    "commission",
    "committee",
    "ministry",
    "department",
    "office",
    "administration",
    "bureau",
    "agency",
    "council",
    "federation",
    "association",
    "chamber",
    "institute",
    "academy",
    "society",
    "league",
    "board",
}


def _public_body_ahead(doc: Doc, i: int, lex: Lexicon) -> bool:
    """Does the name continue after token ``i`` to a public body's head ("... and Administration Commission")?"""
    for k in range(i + 1, min(len(doc), i + 6)):
        if doc[k].lower_ in _PUBLIC_HEADS:
            return True
        if not is_capitalised(doc[k]):
            return False
    return False


def _hyphen_part(doc: Doc, i: int) -> bool:
    """ "State-owned", "Year-End": a hyphen glued between two words of a name, or the word after it."""
    t = doc[i]
    if t.text in {"-", "\u2013"}:
        return (
            i > 0
            and not doc[i - 1].whitespace_
            and not t.whitespace_
            and doc[i - 1].is_alpha
            and i + 1 < len(doc)
            and doc[i + 1].lower_ not in _BASED
        )
    return (
        t.is_alpha
        and t.lower_ not in _BASED
        and i > 0
        and doc[i - 1].text in {"-", "\u2013"}
        and not doc[i - 1].whitespace_
    )


#: Words a possessive may follow inside a name ("People's Congress"); elsewhere "DOE's Office" is two names.
_POSSESSIVE_NAME_WORDS = {
    "people",
    "workers",
    "women",
    "children",
    "farmers",
    "peasants",
    "youth",
    "veterans",
    "men",
    "citizens",
    "nations",
    "democrats",
    "traders",
    "producers",
    "miners",
    "employers",
}


def _name_word(token: Token) -> bool:
    return (
        (token.pos_ in {"PROPN", "NOUN", "ADJ", "NUM"} and is_capitalised(token) and token.is_alpha)
        or (token.text == "&" and token.i > 0 and is_capitalised(token.doc[token.i - 1]))
        or (token.text in {"'s", "\u2019s"} and token.i > 0 and token.doc[token.i - 1].lower_ in _POSSESSIVE_NAME_WORDS)
        and token.lower_ not in {"the", "a", "an"}
    )


def propagated_candidates(doc: Doc, found: list[Candidate], lex: Lexicon) -> list[Candidate]:
    """Every other occurrence of a name already found ("Rheinmag GmbH ... Rheinmag supplies"), which NER missed.

    Names are matched case-sensitively, as whole tokens; organisation names also by their short form
    without legal suffix ("Rheinmag" for "Rheinmag GmbH") when that starts with a capital.
    """
    surfaces: dict[tuple[str, ...], Candidate] = {}
    short_forms: dict[tuple[str, ...], Candidate] = {}
    derived: set[tuple[str, ...]] = set()
    places = {t.text for c in found if c.type == "Place" for t in doc[c.start : c.end]}
    for c in found:
        if c.type == "Event" or c.source == "reference":
            continue
        words = tuple(t.text for t in doc[c.start : c.end])
        surfaces.setdefault(words, c)
        if c.type == "Organization" and len(words) > 1:
            short = [w for w in words]
            while len(short) > 1 and (short[-1].lower() in lex.legal_suffixes or short[-1] in {",", "."}):
                short.pop()
            if len(short) < len(words) and short[0][:1].isupper() and tuple(short) not in surfaces:
                surfaces[tuple(short)] = c
                derived.add(tuple(short))
            # "Redcliff Minerals Corp." is also "Redcliff": a distinctive first word of a company's name
            head = head_type(list(words), lex)
            first = words[0]
            if (
                head is not None
                and head[1] == "Company"
                and len(first) >= 4
                and first.isalpha()
                and first[0].isupper()
                and not first.isupper()
                and first not in places
            ):
                short_forms.setdefault((first,), c)
    for words, c in short_forms.items():
        if words not in surfaces:
            surfaces[words] = c
            derived.add(words)
    if not surfaces:
        return []
    out = []
    taken = {i for c in found for i in range(c.start, c.end)}
    for start, end, words in sorted(_occurrences(doc, surfaces), key=lambda m: (m[0], -m[1])):
        if any(i in taken for i in range(start, end)):
            continue
        c = surfaces[words]
        lone = doc[start]
        if end - start == 1 and (
            lone.pos_ not in {"PROPN", "NOUN", "ADJ"}
            or lone.lower_ in lex.determiners
            or (lone.pos_ == "ADJ" and (lone.ent_type_ == "NORP" or lone.is_sent_start))
        ):
            continue  # a lone word must be used as a name here ("Chinese" the adjective is not "Chinese Academy")
        if words in derived:  # a short form: it names the longer name it was made from
            full = doc[c.start : c.end].text
            out.append(Candidate(start, end, c.type, c.subtype, "propagated", c.gazetteer, False, 0.7, alias_of=full))
        else:
            out.append(Candidate(start, end, c.type, c.subtype, "propagated", c.gazetteer, c.head_evidence, 0.7))
        taken.update(range(start, end))
    return out


def _occurrences(doc: Doc, phrases: Iterable[tuple[str, ...]]) -> list[tuple[int, int, tuple[str, ...]]]:
    """``(start, end, phrase)`` of every occurrence of each phrase (token texts) in ``doc``, overlapping ones too:
    what a PhraseMatcher on ORTH finds, without building one per document."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for words in phrases:
        by_first.setdefault(words[0], []).append(words)
    texts = [t.text for t in doc]
    return [
        (i, i + len(words), words)
        for i, text in enumerate(texts)
        for words in by_first.get(text, ())
        if tuple(texts[i : i + len(words)]) == words
    ]


def acronym_candidates(doc: Doc, found: list[Candidate]) -> list[Candidate]:
    """ "Long Name (ACR)": the bracketed acronym names the same entity as the name before it."""
    by_end = {c.end: c for c in found}
    texts = [t.text for t in doc]
    out = []
    for i in range(1, len(doc) - 1):
        if texts[i - 1] != "(" or texts[i + 1] != ")" or not _ACRONYM.match(texts[i]):
            continue
        before = by_end.get(i - 1)
        if before is not None:
            out.append(Candidate(i, i + 1, before.type, before.subtype, "acronym", None, False, 0.9))
    return out


def event_candidates(doc: Doc, lex: Lexicon, taken: set[int], *, lowers: list[str] | None = None) -> list[Candidate]:
    """Event noun phrases ("a high-profile unveiling ceremony", "the meeting", "The event").

    ``lowers`` are the tokens' :func:`lower_forms`, if the caller has them.
    """
    lowers = lower_forms(doc) if lowers is None else lowers
    out = []
    for i, low in enumerate(lowers):
        if low not in lex.event_heads or i in taken:
            continue
        token = doc[i]
        if token.pos_ not in {"NOUN", "PROPN"}:
            continue
        start = token.i
        while start > 0:
            left = doc[start - 1]
            if left.i in taken or left.is_punct or (left.i > 0 and doc[left.i - 1].text in {"-", "\u2013"}):
                break
            if (left.pos_ in {"NOUN", "PROPN"} and left.dep_ in {"compound", "nmod"}) or left.tag_ == "VBG":
                start -= 1
            elif (
                left.like_num
                and left.dep_ in {"compound", "nummod", "amod"}
                or left.tag_ == "JJ"
                and left.text[:1].isdigit()
            ):
                start -= 1  # "80th anniversary celebration"
            else:
                break
        subtype = lex.event_heads[low]
        out.append(Candidate(start, token.i + 1, "Event", subtype, "event", None, subtype is not None, 0.7))
    # "unveiling ceremony" is one event, not also an "unveiling"
    return [c for c in out if not any(o is not c and o.start <= c.start and c.end <= o.end for o in out)]


def facility_candidates(
    doc: Doc, lex: Lexicon, taken: set[int], names: list[Candidate], *, lowers: list[str] | None = None
) -> list[Candidate]:
    """Unnamed but specific facilities: "its separation plant in Saskatoon", "a gallium recovery plant in Pryor".

    A facility noun counts when it is someone's ("its", "Acme's") or placed ("in Saskatoon"); its ``alias_of`` is
    the name the text may also use ("Saskatoon plant"), so resolution can join the two. ``lowers`` are the
    tokens' :func:`lower_forms`, if the caller has them.
    """
    lowers = lower_forms(doc) if lowers is None else lowers
    places = {c.start: c for c in names if c.type == "Place"}
    org_tokens = {i for c in names if c.type == "Organization" for i in range(c.start, c.end)}
    facility_tokens = {i for c in names if c.type == "Facility" for i in range(c.start, c.end)}
    out = []
    for i, low in enumerate(lowers):
        if low not in lex.facility_heads or i in taken:
            continue
        token = doc[i]
        if not token.is_lower or token.pos_ != "NOUN":
            continue
        if low in {
            "site",
            "sites",
            "facility",
            "complex",
            "centre",
            "center",
            "hub",
            "park",
            "port",
            "works",
            "project",
        }:
            continue  # too general to name one place on their own
        start = token.i
        while (
            start > 0
            and token.i - start < 4
            and doc[start - 1].is_lower
            and doc[start - 1].i not in taken
            and (
                doc[start - 1].pos_ in {"NOUN", "ADJ", "VERB"}
                and doc[start - 1].dep_ in {"compound", "amod", "nmod"}
                or doc[start - 1].lower_ in {"and", "-"}
            )
        ):
            start -= 1
        while start < token.i and doc[start].lower_ in {"and", "-"}:
            start += 1
        while start < token.i and doc[start].tag_ in {"JJS", "JJR"}:
            start += 1  # "largest", "bigger": not part of a name
        det = doc[start - 1] if start > 0 else None
        owner = doc[start - 2] if start > 1 else None
        owned = det is not None and (
            det.lower_ in {"its", "their"}
            or det.text in {"'s", "\u2019s"}
            and owner is not None
            and owner.i in org_tokens
        )
        place = None
        named = False
        for child in token.rights:
            if child.dep_ == "prep" and child.lower_ in {"in", "at", "near", "of"}:
                for pobj in child.children:
                    hit = next((c for k, c in places.items() if c.start <= pobj.i < c.end), None)
                    if hit is not None and child.lower_ != "of":
                        place = doc[hit.start : hit.end].text
                    named = named or pobj.i in facility_tokens  # "the deposit at Bayan Obo" is Bayan Obo
        if named or not (owned or place):
            continue
        alias = f"{place} {low}" if place else None
        out.append(
            Candidate(
                start, token.i + 1, "Facility", lex.facility_heads[low], "facility-np", None, False, 0.6, alias_of=alias
            )
        )
    return out


def reference_candidates(
    doc: Doc, lex: Lexicon, taken: set[int], *, lowers: list[str] | None = None
) -> list[Candidate]:
    """ "the company", "the group", "the firm": references resolved later to the organisation meant.

    ``lowers`` are the tokens' :func:`lower_forms`, if the caller has them.
    """
    lowers = lower_forms(doc) if lowers is None else lowers
    out = []
    for i, low in enumerate(lowers):
        if i in taken or low not in lex.reference_nouns:
            continue
        token = doc[i]
        if token.pos_ != "NOUN":
            continue
        if token.i == 0 or doc[token.i - 1].lower_ not in {"the", "this"}:
            continue
        if any(child.dep_ == "prep" and child.lower_ == "of" for child in token.rights):
            continue  # "the group of companies"
        subtype = lex.reference_nouns[token.lower_]
        out.append(Candidate(token.i, token.i + 1, "Organization", subtype, "reference", None, False, 0.6))
    return out


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.start < b.end and b.start < a.end


def merge_candidates(base: list[Candidate], extra: list[Candidate]) -> list[Candidate]:
    """Add ``extra`` names to ``base``: an extra name replaces the base names it strictly contains."""
    result = list(base)
    for cand in extra:
        clashing = [c for c in result if _overlaps(c, cand)]
        if not clashing:
            result.append(cand)
            continue
        if all(
            (c.source != "gazetteer" or (cand.head_evidence and cand.type != "Place" and cand.source == "head-noun"))
            and cand.start <= c.start
            and c.end <= cand.end
            for c in clashing
        ) and any((c.end - c.start) < (cand.end - cand.start) for c in clashing):
            result = [c for c in result if c not in clashing]
            result.append(cand)
        elif len(clashing) == 1 and clashing[0].start == cand.start and clashing[0].end == cand.end:
            # same span: the head noun's type wins over the statistical label
            old = clashing[0]
            if old.source == "ner" and not old.head_evidence:
                result[result.index(old)] = replace(old, type=cand.type, subtype=cand.subtype, head_evidence=True)
    return sorted(result, key=lambda c: (c.start, c.end))


def find_mentions(
    doc: Doc, lex: Lexicon, gazetteer: tuple[GazetteerEntry, ...] = ()
) -> tuple[list[Candidate], list[TitleCue]]:
    """All entity, event and reference candidates of ``doc``, non-overlapping and sorted, with the title cues."""
    lowers = lower_forms(doc)
    names, fused_titles = ner_candidates(doc, lex, _gazetteer_index(gazetteer))
    names = merge_candidates(sorted(names, key=lambda c: (c.start, c.end)), name_candidates(doc, lex, lowers=lowers))
    names = merge_candidates(names, acronym_candidates(doc, names))
    names = merge_candidates(names, propagated_candidates(doc, names, lex))
    taken = {i for c in names for i in range(c.start, c.end)}
    titles = [t for t in fused_titles]
    title_taken = {i for t in titles for i in range(t.start, t.end)}
    for cue in title_cues(doc, lex, taken | title_taken, lowers=lowers):
        titles.append(cue)
    # an org mention made only of title words next to a title ("Standing Committee" Member) is part of the title
    absorbed = []
    for cand in names:
        if cand.type != "Organization" or cand.source == "gazetteer":
            continue
        text = doc[cand.start : cand.end].text.lower()
        if text in lex.title_generic_orgs and cand.end < len(doc) and is_title_head(doc[cand.end], lex):
            absorbed.append(cand)
            titles = [t for t in titles if not (cand.start <= t.start <= cand.end or t.end == cand.start)]
            end = cand.end
            while end < len(doc) and (is_title_word(doc[end], lex) or _joins_titles(doc, end, lex)):
                end += 1
            start = cand.start
            while start > 0 and is_title_word(doc[start - 1], lex) and doc[start - 1].lower_ not in {"party"}:
                start -= 1
            titles.append(TitleCue(start, end, doc[start:end].text))
    names = [c for c in names if c not in absorbed]
    taken = {i for c in names for i in range(c.start, c.end)} | {i for t in titles for i in range(t.start, t.end)}
    events = event_candidates(doc, lex, taken, lowers=lowers)
    taken |= {i for c in events for i in range(c.start, c.end)}
    plants = facility_candidates(doc, lex, taken, names, lowers=lowers)
    taken |= {i for c in plants for i in range(c.start, c.end)}
    refs = reference_candidates(doc, lex, taken, lowers=lowers)
    allc = sorted(names + events + plants + refs, key=lambda c: (c.start, c.end))
    allc = drop_headline_debris(doc, allc)
    titles = join_titles(doc, sorted(titles, key=lambda t: t.start))
    allc = _national_posts(doc, allc, titles)
    allc, titles = _department_posts(doc, allc, titles, lex)
    return orgs_by_apposition(doc, persons_by_post(doc, allc, titles, lex), lex), titles


def orgs_by_apposition(doc: Doc, cands: list[Candidate], lex: Lexicon) -> list[Candidate]:
    """A name in apposition to an organisation noun ("Siam Tin, the operator of ...", "Acme, a Japanese magnet
    maker") is an organisation, wherever the text writes it."""
    orgs = set()
    for c in cands:
        if c.type == "Organization" or c.head_evidence or c.source in {"gazetteer", "event", "reference"}:
            continue
        before = doc[c.start - 1] if c.start > 0 else None
        if (
            before is not None
            and before.is_lower
            and before.lemma_ in lex.org_apposition_nouns
            and before.pos_ == "NOUN"
        ):
            orgs.add(doc[c.start : c.end].text)  # "Thai refiner Siam Tin Smelting", "miner Lynas"
            continue
        if c.end >= len(doc) or doc[c.end].text != ",":
            continue
        k = c.end + 1
        if k < len(doc) and doc[k].lower_ in {"a", "an", "the", "its", "which", "whose"}:
            k += 1
        head = None
        for j in range(k, min(len(doc), k + 6)):
            t = doc[j]
            if t.is_punct or t.pos_ in {"VERB", "AUX", "ADP"} or is_title_word(t, lex) or t.ent_type_ == "PERSON":
                break  # "Liang Jianhua, Party Secretary": a post, not an organisation noun
            if t.pos_ in {"NOUN", "PROPN"} and (j + 1 >= len(doc) or doc[j + 1].pos_ not in {"NOUN", "PROPN"}):
                head = t
                break
        if head is not None and head.lemma_.lower() in lex.org_apposition_nouns:
            orgs.add(doc[c.start : c.end].text)
    return _retype(doc, cands, orgs, "Organization")


def _department_posts(doc: Doc, cands: list[Candidate], titles: list[TitleCue], lex: Lexicon):
    """ "Commerce Secretary Dana Whitfield": when the text names a department of commerce, "Commerce" stands for it.

    The word becomes a tentative candidate (source ``department-word``); resolution keeps it only if it joins
    such a department, and the post is what follows ("Secretary").
    """
    depts = set()
    for c in cands:
        words = [t.lower_ for t in doc[c.start : c.end]]
        if c.type == "Organization" and {"department", "ministry"} & set(words):
            depts |= set(words) & lex.department_words
    if not depts:
        return cands, titles
    out_titles, extra = [], []
    for t in titles:
        first = doc[t.start]
        if t.end - t.start >= 2 and first.lower_ in depts and is_capitalised(first):
            extra.append(
                Candidate(t.start, t.start + 1, "Organization", "GovernmentBody", "department-word", None, False, 0.6)
            )
            out_titles.append(TitleCue(t.start + 1, t.end, doc[t.start + 1 : t.end].text))
        else:
            out_titles.append(t)
    return sorted(cands + extra, key=lambda c: (c.start, c.end)), out_titles


def _national_posts(doc: Doc, cands: list[Candidate], titles: list[TitleCue]) -> list[Candidate]:
    """ "Australian Prime Minister X": when the text names the Australian government, "Australian" stands for it."""
    governments = {
        doc[c.start].lower_
        for c in cands
        if c.subtype == "GovernmentBody" and doc[c.end - 1].lower_ in {"government", "administration", "cabinet"}
    }
    taken = {i for c in cands for i in range(c.start, c.end)}
    extra = []
    for t in titles:
        k = t.start - 1
        if k >= 0 and k not in taken and doc[k].ent_type_ in {"NORP", "GPE"} and doc[k].lower_ in governments:
            extra.append(Candidate(k, k + 1, "Organization", "GovernmentBody", "national-post", None, False, 0.6))
            taken.add(k)
    return sorted(cands + extra, key=lambda c: (c.start, c.end)) if extra else cands


def join_titles(doc: Doc, titles: list[TitleCue]) -> list[TitleCue]:
    """ "President and Chair": two posts joined by "and" or "&" are one cue."""
    out: list[TitleCue] = []
    for t in titles:
        if out and t.start - out[-1].end == 1 and doc[out[-1].end].lower_ in {"and", "&"}:
            prev = out.pop()
            t = TitleCue(prev.start, t.end, doc[prev.start : t.end].text)
        out.append(t)
    return out


def persons_by_post(doc: Doc, cands: list[Candidate], titles: list[TitleCue], lex: Lexicon) -> list[Candidate]:
    """A name written next to a post ("Tang Zhiming, chairman of ...", "general manager Wang Lei") is a person,
    wherever the text writes it."""
    starts = {t.start for t in titles}
    ends = {t.end for t in titles}
    people = set()
    for c in cands:
        if c.type == "Person" or c.head_evidence or c.source in {"gazetteer", "event", "reference", "acronym"}:
            continue
        if len(doc[c.start : c.end]) < 2:
            continue
        k = c.end + 1 if c.end < len(doc) and doc[c.end].text == "," else None
        if k is not None and k < len(doc) and doc[k].lower_ in {"a", "an", "the"}:
            k += 1
        if c.start in ends or (k is not None and k in starts and not doc[k].is_sent_start):
            people.add(doc[c.start : c.end].text)
    return _retype(doc, cands, people, "Person")


def _retype(doc: Doc, cands: list[Candidate], texts: set[str], type_: str) -> list[Candidate]:
    """``cands`` with those whose text is in ``texts`` given ``type_``, unless their type has firmer grounds.

    A head noun, the gazetteer, an event or a reference decided the type of a candidate for a reason that one
    telling shape elsewhere in the document does not outweigh.
    """
    if not texts:
        return cands
    return [
        replace(c, type=type_, subtype=None)
        if doc[c.start : c.end].text in texts
        and not c.head_evidence
        and c.source not in {"gazetteer", "event", "reference"}
        else c
        for c in cands
    ]


_SMALL_WORDS = {"of", "the", "and", "in", "on", "at", "for", "to", "a", "an", "with", "by", "as", "from", "or", "vs"}


def headline_lines(text: str) -> list[tuple[int, int]]:
    r"""Character spans of Title Case lines (headlines), where NER mistakes capitalised verbs for names.

    Examples
    --------
    >>> headline_lines("Acme Wins Big Contract\nAcme won a contract.")
    [(0, 22)]
    """
    spans, pos = [], 0
    for line in text.split("\n"):
        words = [w for w in line.split() if w[:1].isalpha()]
        content = [w for w in words if w.lower() not in _SMALL_WORDS]
        label = ":" in line.split(" ", 1)[0]  # "Source: Baogang Daily, July 11, 2025" is a byline, not a headline
        if (
            len(words) >= 3
            and not label
            and not line.rstrip().endswith((".", ":", "?", "!", "\u201d", '"'))
            and content
        ):
            capitalised = sum(1 for w in content if w[0].isupper())
            if capitalised / len(content) >= 0.75:
                spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def drop_headline_debris(doc: Doc, cands: list[Candidate]) -> list[Candidate]:
    """Names found only in Title Case headlines are dropped; those the body also writes are kept."""
    text = doc_text(doc)
    lines = headline_lines(text)
    if not lines:
        return cands
    body = text
    for a, b in reversed(lines):
        body = body[:a] + "\n" + body[b:]
    kept = []
    for c in cands:
        char = doc[c.start].idx
        if c.source != "gazetteer" and any(a <= char < b for a, b in lines):
            surface = doc[c.start : c.end].text
            if c.source in {"event", "reference"} or surface not in body:
                continue
        kept.append(c)
    return kept
