"""Tests of extract.relations: the rule files, the matcher on hand-built Docs, and one sentence per shape.

The hand-built Docs need no model: their mentions are already merged into single tokens carrying ``._.tg``
(the type) and ``._.ent`` (the entity key), as :func:`extract.pipeline.extract_doc` leaves them. The
sentence tests (marked ``model``) run the whole extractor and check that the (subject, relation, object[,
role]) triple is among the extraction's relations, whatever rule states it.
"""

from __future__ import annotations

import json

import pytest
import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

import extract.components  # noqa: F401 - registers the token extensions ._.tg, ._.ent, ._.title
from extract.lexicon import load_lexicon
from extract.relations import (
    SIGNATURES,
    SYMMETRIC,
    DocIndex,
    GatedMatcher,
    RelationMatcher,
    TriggerIndex,
    _parse_rule,
    _required,
    doc_index,
    entity_label,
    load_rules,
    merge_mentions,
    sentence_of,
    trim_span,
)
from ontology import RELATIONS, SYMMETRIC_RELATIONS
from ontology.errors import InputError

GOOD_RULE = {
    "id": "owns.test",
    "relation": "owns",
    "subject": "subject",
    "object": "object",
    "pattern": [{"_": {"tg": "Organization"}, "NAME": "subject"}, {"LOWER": "owns"}, {"NAME": "object"}],
}


def write_rules(folder, *rules, name="rules.json"):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps({"rules": list(rules)}), encoding="utf-8")
    return folder


# --- the rule files ------------------------------------------------------------------------------------------


def test_relations_signatures_cover_the_ontology():
    assert set(SIGNATURES) == set(RELATIONS)
    assert SYMMETRIC == SYMMETRIC_RELATIONS


def test_relations_bundled_rules_cover_every_relation_and_compile():
    rules = load_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    assert {f.relation for r in rules for f in r.facts} == set(RELATIONS)
    assert all(r.shape for r in rules), "every rule names the sentence shape it covers"
    RelationMatcher(spacy.blank("en").vocab, rules, load_lexicon())  # every pattern is a valid Matcher pattern


def test_relations_load_rules_reads_a_folder(tmp_path):
    folder = write_rules(tmp_path / "rules", GOOD_RULE)
    [rule] = load_rules(folder)
    assert (rule.id, rule.kind, rule.confidence) == ("owns.test", "token", 0.7)
    assert [(f.relation, f.subject, f.object) for f in rule.facts] == [("owns", "subject", "object")]


def test_relations_load_rules_unknown_relation_names_the_rule(tmp_path):
    bad = {**GOOD_RULE, "id": "employs.test", "relation": "employs"}
    folder = write_rules(tmp_path / "rules", GOOD_RULE, bad, name="mine.json")
    with pytest.raises(InputError) as info:
        load_rules(folder)
    message = str(info.value)
    assert message.startswith("mine.json rule 2 (employs.test): unknown relation 'employs'. Use one of holdsPosition")
    assert message.endswith(".")


@pytest.mark.parametrize(
    "rule, expected",
    [
        ({"id": "no.pattern", "relation": "owns", "subject": "s", "object": "o"}, "mine.json rule 1: missing"),
        ({**GOOD_RULE, "id": "bad.slot", "subject": "owner"}, "mine.json rule 1 (bad.slot): no pattern element"),
    ],
    ids=["missing-pattern", "unnamed-slot"],
)
def test_relations_load_rules_malformed_rule(tmp_path, rule, expected):
    folder = write_rules(tmp_path / "rules", rule, name="mine.json")
    with pytest.raises(InputError, match="^" + expected.replace("(", r"\(").replace(")", r"\)")):
        load_rules(folder)


def test_relations_load_rules_bad_json_and_duplicate_ids(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "broken.json").write_text('{"rules": [', encoding="utf-8")
    with pytest.raises(InputError, match="broken.json: not valid JSON"):
        load_rules(tmp_path / "a")
    folder = write_rules(tmp_path / "b", GOOD_RULE, GOOD_RULE)
    with pytest.raises(InputError, match="appear twice: owns.test"):
        load_rules(folder)


def test_relations_invalid_spacy_pattern_names_the_rule(tmp_path):
    bad = {
        **GOOD_RULE,
        "pattern": [{"_": {"tg": "Organization"}, "NAME": "subject"}, {"LOWER": {"NOPE": 1}, "NAME": "object"}],
    }
    rules = load_rules(write_rules(tmp_path / "rules", bad))
    with pytest.raises(InputError, match="^Rule 'owns.test' has an invalid spaCy pattern"):
        RelationMatcher(spacy.blank("en").vocab, rules, load_lexicon())


@pytest.mark.parametrize(
    "text, kept",
    [
        ("  - Zhao said so.  \n", "Zhao said so."),
        ("\u2022 Zhao said so.", "Zhao said so."),
        ("* \u2013 Zhao said so.\n\n", "Zhao said so."),
        ("Zhao said so.", "Zhao said so."),
        ("Zhao - said -", "Zhao - said -"),  # dashes inside or at the end stay
        (" \n\t", ""),
    ],
)
def test_relations_trim_span(text, kept):
    start, end = trim_span(text, 0, len(text))
    assert text[start:end] == kept
    assert 0 <= start <= end <= len(text)


def test_relations_trim_span_keeps_inner_bounds():
    text = "One. - Two said so.  Three."
    assert trim_span(text, 4, 21) == (7, 19)
    assert text[7:19] == "Two said so."


# --- the matcher on hand-built Docs (no model) ---------------------------------------------------------------

VOCAB = spacy.blank("en").vocab


def merged_doc(rows):
    """A Doc whose rows are ``(text, tg, key, pos, tag, dep, head, lemma)``, as extract_doc leaves it."""
    doc = Doc(
        VOCAB,
        words=[r[0] for r in rows],
        pos=[r[3] for r in rows],
        tags=[r[4] for r in rows],
        deps=[r[5] for r in rows],
        heads=[r[6] for r in rows],
        lemmas=[r[7] for r in rows],
    )
    for token, row in zip(doc, rows, strict=True):
        token._.tg, token._.ent = row[1], row[2]
        if row[1] == "Title":
            token._.title = row[0]
    doc.set_ents([Span(doc, i, i + 1, label=entity_label(row[1])) for i, row in enumerate(rows) if row[1]])
    return doc


def found(doc):
    matcher = RelationMatcher(VOCAB, load_rules(), load_lexicon())
    return {(f.subject, f.predicate, f.object, f.role) for f in matcher(doc)}, matcher(doc)


APPOSITIVE = [
    # Zhao Minghui, Vice Chairman of Northfield Rare Metals Group, said.
    ("Zhao Minghui", "Person", "P:zhao", "PROPN", "NNP", "nsubj", 6, "zhao minghui"),
    (",", "", "", "PUNCT", ",", "punct", 0, ","),
    ("Vice Chairman", "Title", "", "NOUN", "NN", "appos", 0, "vice chairman"),
    ("of", "", "", "ADP", "IN", "prep", 2, "of"),
    ("Northfield Rare Metals Group", "Organization", "O:northfield", "PROPN", "NNP", "pobj", 3, "northfield"),
    (",", "", "", "PUNCT", ",", "punct", 0, ","),
    ("said", "", "", "VERB", "VBD", "ROOT", 6, "say"),
    (".", "", "", "PUNCT", ".", "punct", 6, "."),
]


def acquired(subject_type):
    # X acquired Coral Coast Minerals.
    return [
        ("Xsubject", subject_type, "X:subject", "PROPN", "NNP", "nsubj", 1, "xsubject"),
        ("acquired", "", "", "VERB", "VBD", "ROOT", 1, "acquire"),
        ("Coral Coast Minerals", "Organization", "O:coral", "PROPN", "NNP", "dobj", 1, "coral coast minerals"),
        (".", "", "", "PUNCT", ".", "punct", 1, "."),
    ]


def test_relations_token_rule_on_merged_mentions():
    doc = merged_doc(APPOSITIVE)
    triples, occurrences = found(doc)
    assert ("P:zhao", "holdsPosition", "O:northfield", "Vice Chairman") in triples
    # the evidence is the whole sentence, trimmed
    assert {(f.start, f.end) for f in occurrences} == {(0, len(doc.text.rstrip()))}


def test_relations_frame_rule_follows_the_parse():
    triples, _ = found(merged_doc(acquired("Organization")))
    assert ("X:subject", "owns", "O:coral", None) in triples


def test_relations_facts_outside_domain_are_dropped():
    # owns is Organization/Person -> Organization/Facility: a place acquires nothing
    triples, _ = found(merged_doc(acquired("Place")))
    assert not [t for t in triples if t[1] == "owns"]


@pytest.mark.parametrize(
    ("op", "required"),
    [(None, True), ("+", True), ("{2}", True), ("{1,3}", True), ("{3,}", True)]
    + [("?", False), ("*", False), ("!", False), ("{0,6}", False), ("{,3}", False), ("{0}", False)],
)
def test_relations_required_elements(op, required):
    assert _required(op) is required


def per_rule(matches):
    """Each rule's matches, in the order found: all that the facts of a rule depend on."""
    out = {}
    for match in matches:
        out.setdefault(VOCAB.strings[match[0]], []).append(tuple(match[1:3]) + tuple(match[3:]))
    return out


HAND_BUILT = [APPOSITIVE, acquired("Organization"), acquired("Place")]


@pytest.mark.parametrize("rows", HAND_BUILT)
def test_relations_trigger_index_finds_what_the_matcher_finds(rows):
    doc = merged_doc(rows)
    frames = [r for r in load_rules() if r.kind == "frame"]
    index = TriggerIndex(VOCAB, frames)
    assert index.rules == {r.id for r in frames}  # every bundled trigger is read by the index
    matcher = Matcher(VOCAB)
    for rule in frames:
        matcher.add(rule.id, [list(rule.pattern)])
    expected = sorted((VOCAB.strings[m], start) for m, start, _ in matcher(doc))
    assert sorted(index(doc)) == expected


def test_relations_trigger_index_leaves_other_patterns_to_the_matcher():
    rule = _parse_rule({**GOOD_RULE, "kind": "frame", "trigger": {"LOWER": {"REGEX": "^own"}}}, "test")
    assert TriggerIndex(VOCAB, [rule]).rules == frozenset()


@pytest.mark.parametrize("rows", HAND_BUILT)
def test_relations_gated_matcher_matches_as_one_matcher(rows):
    doc = merged_doc(rows)
    gated = GatedMatcher(VOCAB, [r for r in load_rules() if r.kind == "token"])
    assert per_rule(gated(doc)) == per_rule(gated.everything(doc, with_alignments=True))
    [kept] = gated.cache.values()  # the rules this document has the words for
    assert len(kept) < len(gated.everything)


def test_relations_merge_mentions_indexes_the_extensions():
    words = ["Zhao", "Minghui", ",", "Vice", "Chairman", "of", "Acme", "Group", ",", "said", "."]
    heads = [1, 9, 1, 4, 1, 4, 7, 5, 9, 9, 9]
    deps = ["compound", "nsubj", "punct", "compound", "appos", "prep", "compound", "pobj", "punct", "ROOT", "punct"]
    doc = Doc(VOCAB, words=words, heads=heads, deps=deps)
    spans = [(0, 2, "Person", "P:zhao", ""), (3, 5, "Title", "", "Vice Chairman"), (6, 8, "Organization", "O:acme", "")]
    merge_mentions(doc, spans)
    assert [t.text for t in doc] == ["Zhao Minghui", ",", "Vice Chairman", "of", "Acme Group", ",", "said", "."]
    assert doc_index(doc) == DocIndex.read(doc)
    assert doc_index(doc).tg[:5] == ["Person", "", "Title", "", "Organization"]
    assert sentence_of(doc[4]) == (0, len(doc))


# --- one sentence per shape (model) --------------------------------------------------------------------------


def names_of(entity):
    return {entity.name, *entity.aliases}


def matches(entity, name):
    """Exact name or alias; an event (usually unnamed) matches when its name contains ``name``."""
    return name in names_of(entity) or (entity.type == "Event" and name in entity.name)


def stated(extraction, subject, predicate, obj, role=None):
    by_key = {e.key: e for e in extraction.entities}
    for r in extraction.relations:
        s, o = by_key[r.subject], by_key[r.object]
        ends = [(s, o), (o, s)] if predicate in SYMMETRIC else [(s, o)]
        if r.predicate == predicate and any(matches(a, subject) and matches(b, obj) for a, b in ends):
            if role is None or r.role == role:
                return True
    return False


def described(extraction):
    by_key = {e.key: e.name for e in extraction.entities}
    return sorted((by_key[r.subject], r.predicate, by_key[r.object], r.role) for r in extraction.relations)


NORTHFIELD = "Northfield Rare Metals Group"
CORAL = "Coral Coast Minerals"

SHAPES = {
    "partner-mou-of-understanding": (
        "Northfield Rare Metals Group signed a memorandum of understanding with Coral Coast Minerals.",
        (NORTHFIELD, "partnerOf", CORAL, None),
    ),
    "owns-possessive-percent-stake": (
        "Northfield Rare Metals Group\u2019s 20% stake in Coral Coast Minerals was sold.",
        (NORTHFIELD, "owns", CORAL, None),
    ),
    "post-appositive": (
        "Zhao Minghui, Vice Chairman of Northfield Rare Metals Group, said the company would expand.",
        ("Zhao Minghui", "holdsPosition", NORTHFIELD, "Vice Chairman"),
    ),
    "post-appositive-lower-case": (
        "Zhao Minghui, chairman of Northfield Rare Metals Group, said the company would expand.",
        ("Zhao Minghui", "holdsPosition", NORTHFIELD, "chairman"),
    ),
    "post-appointed-title-of": (
        "Zhao Minghui was appointed Chairman of Northfield Rare Metals Group in March.",
        ("Zhao Minghui", "holdsPosition", NORTHFIELD, "Chairman"),
    ),
    "post-org-appointed-person-as": (
        "Northfield Rare Metals Group appointed Zhao Minghui as its Chief Executive.",
        ("Zhao Minghui", "holdsPosition", NORTHFIELD, "Chief Executive"),
    ),
    "post-org-appointed-person-as-lower-case": (
        "Northfield Rare Metals Group appointed Zhao Minghui as its chief executive.",
        ("Zhao Minghui", "holdsPosition", NORTHFIELD, "chief executive"),
    ),
    "post-appositive-short-form": (
        "Northfield Rare Metals Group reported higher profits. Zhao Minghui, Chairman of Northfield, said demand was "
        "strong.",
        ("Zhao Minghui", "holdsPosition", NORTHFIELD, "Chairman"),
    ),
    "organized-hosted": (
        "Northfield Rare Metals Group hosted a signing ceremony in Qingdao.",
        (NORTHFIELD, "organized", "ceremony", None),
    ),
    "heldAt-hosted-in": (
        "Northfield Rare Metals Group hosted a signing ceremony in Qingdao.",
        ("ceremony", "heldAt", "Qingdao", None),
    ),
    "participated-attended": (
        "Zhao Minghui attended the meeting in Qingdao.",
        ("Zhao Minghui", "participatedIn", "meeting", None),
    ),
    "participated-attended-by": (
        "The meeting was attended by Zhao Minghui.",
        ("Zhao Minghui", "participatedIn", "meeting", None),
    ),
    "located-based-in": (
        "Northfield Rare Metals Group is based in Qingdao.",
        (NORTHFIELD, "locatedIn", "Qingdao", None),
    ),
    "located-relative-based-in": (
        "Northfield Rare Metals Group, which is based in Qingdao, reported record output.",
        (NORTHFIELD, "locatedIn", "Qingdao", None),
    ),
    "located-place-based": (
        "Perth-based Coral Coast Minerals expanded its output.",
        (CORAL, "locatedIn", "Perth", None),
    ),
    "located-place-comma-place": (
        "The company opened an office in Qingdao, Shandong last year.",
        ("Qingdao", "locatedIn", "Shandong", None),
    ),
    "affiliated-with": (
        "The Harbin Geological Society is affiliated with the Northern Democratic League.",
        ("Harbin Geological Society", "affiliatedWith", "Northern Democratic League", None),
    ),
    "affiliated-with-participle": (
        "The Harbin Geological Society, a scientific organization affiliated with the Northern Democratic League, "
        "met in Qingdao.",
        ("Harbin Geological Society", "affiliatedWith", "Northern Democratic League", None),
    ),
    "linked-ties-between": (
        "Analysts noted the ties between the Harbin Geological Society and Northfield Rare Metals Group.",
        ("Harbin Geological Society", "linkedTo", NORTHFIELD, None),
    ),
    "operates-operator-of": (
        "Coral Coast Minerals, the operator of the Redstone mine, reported record output.",
        (CORAL, "operates", "Redstone mine", None),
    ),
    "owns-acquired": (
        "Northfield Rare Metals Group acquired Coral Coast Minerals in 2023.",
        (NORTHFIELD, "owns", CORAL, None),
    ),
    "owns-acquired-passive": (
        "Coral Coast Minerals was acquired by Northfield Rare Metals Group in 2023.",
        (NORTHFIELD, "owns", CORAL, None),
    ),
    "owns-holds-stake": (
        "Northfield Rare Metals Group holds a 20% stake in Coral Coast Minerals.",
        (NORTHFIELD, "owns", CORAL, None),
    ),
    "partner-signed-agreement-with": (
        "Northfield Rare Metals Group signed an agreement with Coral Coast Minerals.",
        (NORTHFIELD, "partnerOf", CORAL, None),
    ),
    "partner-coordinated-signers-mou": (
        "Northfield Rare Metals Group and Coral Coast Minerals signed a memorandum of understanding.",
        (NORTHFIELD, "partnerOf", CORAL, None),
    ),
    "sanctions-verb": (
        "The Northland Trade Bureau sanctioned Coral Coast Minerals last year.",
        ("Northland Trade Bureau", "sanctions", CORAL, None),
    ),
    "sanctions-passive": (
        "Coral Coast Minerals was sanctioned by the Northland Trade Bureau.",
        ("Northland Trade Bureau", "sanctions", CORAL, None),
    ),
    "sanctions-imposed-on": (
        "The Northland Trade Bureau imposed sanctions on Coral Coast Minerals.",
        ("Northland Trade Bureau", "sanctions", CORAL, None),
    ),
}


@pytest.mark.model
@pytest.mark.parametrize("text, triple", SHAPES.values(), ids=SHAPES.keys())
def test_relations_sentence_shape(extract_text, text, triple):
    extraction = extract_text(text)
    assert stated(extraction, *triple), described(extraction)


@pytest.mark.model
def test_relations_evidence_is_the_sentence(extract_text):
    text = "Highlights\n- Northfield Rare Metals Group is based in Qingdao.\nIt grew fast."
    extraction = extract_text(text)
    spans = {text[r.start : r.end] for r in extraction.relations if r.predicate == "locatedIn"}
    assert spans == {"Northfield Rare Metals Group is based in Qingdao."}
    assert all(r.document == extraction.document.id and 0 < r.confidence <= 1 for r in extraction.relations)
