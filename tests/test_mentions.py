"""Tests of extract.mentions: the clean-up of what NER drags into a name, and typing by head nouns.

The first tests give :func:`ner_candidates` a Doc whose entity spans are set by hand (no model), so each pins
one clean-up rule whatever the statistical NER does. The ``model`` tests run the whole extractor on small
hand-written sentences and check the entities that come out.
"""

from __future__ import annotations

import pytest
import spacy

from extract.lexicon import load_lexicon
from extract.mentions import Candidate, acronym_candidates, head_type, ner_candidates

LEX = load_lexicon()
NLP = spacy.blank("en")


def doc_with_ent(text, ent, label):
    """A Doc of ``text`` (tokenizer only) whose one entity is the substring ``ent`` labelled ``label``."""
    doc = NLP.make_doc(text)
    start = text.index(ent)
    doc.ents = [doc.char_span(start, start + len(ent), label=label)]
    return doc


def spans(doc, cands):
    return [(doc[c.start : c.end].text, c.type) for c in cands]


# --- clean-up rules on hand-set entity spans (no model) ------------------------------------------------------

CLEANUP = {
    "heading-and-bullet": (
        "Highlights\n- Northfield Rare Metals Group signed a deal.",
        "Highlights\n- Northfield Rare Metals Group",
        "ORG",
        [("Northfield Rare Metals Group", "Organization")],
    ),
    "heading-and-round-bullet": (
        "Summary\n\u2022 Coral Coast Minerals expanded.",
        "Summary\n\u2022 Coral Coast Minerals",
        "ORG",
        [("Coral Coast Minerals", "Organization")],
    ),
    "article-and-curly-possessive": (
        "Praise for the Harbin Geological Society\u2019s survey.",
        "the Harbin Geological Society\u2019s",
        "ORG",
        [("Harbin Geological Society", "Organization")],
    ),
    "article-and-straight-possessive": (
        "Praise for the Harbin Geological Society's survey.",
        "the Harbin Geological Society's",
        "ORG",
        [("Harbin Geological Society", "Organization")],
    ),
    "quotes": (
        "He said \u201cCoral Coast Minerals\u201d would grow.",
        "\u201cCoral Coast Minerals\u201d",
        "ORG",
        [("Coral Coast Minerals", "Organization")],
    ),
    "honorific": ("He met Dr. Zhao Minghui today.", "Dr. Zhao Minghui", "PERSON", [("Zhao Minghui", "Person")]),
    "leading-title-of": (
        "He met Chairman of Coral Coast Minerals today.",
        "Chairman of Coral Coast Minerals",
        "ORG",
        [("Coral Coast Minerals", "Organization")],
    ),
    "all-capitals-person-is-acronym": ("Officials of NDRC met.", "NDRC", "PERSON", [("NDRC", "Organization")]),
    "head-noun-beats-label": (
        "Visitors toured Copperhill Museum.",
        "Copperhill Museum",
        "ORG",
        [("Copperhill Museum", "Facility")],
    ),
    "head-noun-beats-place-label": (
        "Delegates from Northland Energy Ministry met.",
        "Northland Energy Ministry",
        "GPE",
        [("Northland Energy Ministry", "Organization")],
    ),
}


@pytest.mark.parametrize("text, ent, label, expected", CLEANUP.values(), ids=CLEANUP.keys())
def test_mentions_ner_candidates_clean_up(text, ent, label, expected):
    doc = doc_with_ent(text, ent, label)
    cands, _ = ner_candidates(doc, LEX, {})
    assert spans(doc, cands) == expected


def test_mentions_ner_candidates_split_fused_title():
    doc = doc_with_ent("Northfield Chairman Zhao Minghui said so.", "Northfield Chairman Zhao Minghui", "PERSON")
    cands, titles = ner_candidates(doc, LEX, {})
    assert spans(doc, cands) == [("Northfield", "Organization"), ("Zhao Minghui", "Person")]
    assert [t.text for t in titles] == ["Chairman"]


def test_mentions_ner_candidates_leading_title_is_a_cue():
    doc = doc_with_ent("He met Chairman of Coral Coast Minerals today.", "Chairman of Coral Coast Minerals", "ORG")
    _, titles = ner_candidates(doc, LEX, {})
    assert [t.text for t in titles] == ["Chairman"]


@pytest.mark.parametrize("label", ["DATE", "MONEY", "CARDINAL"])
def test_mentions_ner_candidates_ignore_other_labels(label):
    doc = doc_with_ent("Output rose 20 percent in May.", "May", label)
    assert ner_candidates(doc, LEX, {}) == ([], [])


@pytest.mark.parametrize(
    "words, core_type",
    [
        (["Coastal", "Minerals", "Group"], "Organization"),
        (["Harbin", "Geological", "Society"], "Organization"),
        (["Northland", "Energy", "Ministry"], "Organization"),
        (["Coastal", "Daily"], "Organization"),
        (["Copperhill", "Museum"], "Facility"),
        (["Redstone", "Mine"], "Facility"),
        (["Group"], None),  # a head noun alone names nothing
        (["Museum"], None),
        (["Qingdao"], None),
        ([], None),
    ],
)
def test_mentions_head_type(words, core_type):
    evidence = head_type(words, LEX)
    assert (evidence[0] if evidence else None) == core_type


def test_mentions_acronym_in_brackets_takes_the_type_of_the_name_before():
    doc = NLP.make_doc("The National Development and Reform Commission (NDRC) met. (Later) it (ended).")
    name = Candidate(1, 6, "Organization", "GovernmentBody", head_evidence=True)
    assert doc[name.start : name.end].text == "National Development and Reform Commission"
    [acronym] = acronym_candidates(doc, [name])
    assert (doc[acronym.start : acronym.end].text, acronym.type, acronym.source) == ("NDRC", "Organization", "acronym")


# --- whole sentences (model) ---------------------------------------------------------------------------------


def entity(extraction, name):
    found = [e for e in extraction.entities if e.name == name]
    assert len(found) == 1, [(e.name, e.type) for e in extraction.entities]
    return found[0]


def holds(extraction):
    by_key = {e.key: e.name for e in extraction.entities}
    return {
        (by_key[r.subject], by_key[r.object], r.role) for r in extraction.relations if r.predicate == "holdsPosition"
    }


@pytest.mark.model
@pytest.mark.parametrize(
    "text",
    [
        "Highlights\n- Northfield Rare Metals Group signed a supply agreement with a steel maker.",
        "Summary\n\u2022 Northfield Rare Metals Group expanded its output.",
        "Key points:\n* Northfield Rare Metals Group signed a deal.",
    ],
    ids=["highlights-dash", "summary-bullet", "key-points-star"],
)
def test_mentions_heading_and_bullet_debris(extract_text, text):
    x = extract_text(text)
    assert entity(x, "Northfield Rare Metals Group").type == "Organization"
    for e in x.entities:
        assert "\n" not in e.name and e.name[0].isalnum(), e.name
        assert not e.name.lower().startswith(("highlights", "summary", "key points")), e.name


@pytest.mark.model
@pytest.mark.parametrize("apostrophe", ["\u2019", "'"], ids=["curly", "straight"])
def test_mentions_leading_article_and_possessive_stripped(extract_text, apostrophe):
    x = extract_text(f"Researchers praised the Harbin Geological Society{apostrophe}s new survey.")
    harbin = entity(x, "Harbin Geological Society")
    assert harbin.type == "Organization"
    assert all(not a.lower().startswith("the ") and not a.endswith("s" + apostrophe) for a in harbin.aliases)


@pytest.mark.model
def test_mentions_fused_title_split_into_person_post_and_organisation(extract_text):
    x = extract_text("Northfield Chairman Zhao Minghui said the plan would proceed.")
    assert entity(x, "Zhao Minghui").type == "Person"
    assert entity(x, "Northfield").type == "Organization"
    assert ("Zhao Minghui", "Northfield", "Chairman") in holds(x)
    assert not [e for e in x.entities if "Chairman" in e.name]


@pytest.mark.model
def test_mentions_fused_title_organisation_is_the_full_name_named_before(extract_text):
    x = extract_text(
        "Northfield Rare Metals Group reported higher profits. Northfield Chairman Zhao Minghui said demand was strong."
    )
    northfield = entity(x, "Northfield Rare Metals Group")
    assert "Northfield" in northfield.aliases
    assert ("Zhao Minghui", "Northfield Rare Metals Group", "Chairman") in holds(x)


@pytest.mark.model
@pytest.mark.parametrize(
    "text, name, core_type",
    [
        ("Delegates from the Coastal Minerals Group met in Qingdao.", "Coastal Minerals Group", "Organization"),
        ("Delegates from the Lakeside Mining Society met in Qingdao.", "Lakeside Mining Society", "Organization"),
        ("The Northland Energy Ministry issued new rules.", "Northland Energy Ministry", "Organization"),
        ("Visitors toured the Copperhill Museum last week.", "Copperhill Museum", "Facility"),
        ("Visitors toured the Redstone Mine last week.", "Redstone Mine", "Facility"),
    ],
)
def test_mentions_head_noun_gives_the_type(extract_text, text, name, core_type):
    assert entity(extract_text(text), name).type == core_type
