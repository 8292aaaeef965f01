"""Tests of extract.resolve: name keys, and the rules that make one node per real-world entity.

:func:`resolve` is first given hand-made mentions over a tokenizer-only Doc (no model), so each test pins one
merge rule; the ``model`` tests then check the same rules on whole sentences.
"""

from __future__ import annotations

import pytest
import spacy

from extract.lexicon import load_lexicon
from extract.mentions import Candidate, head_type
from extract.resolve import core_name, initials, normalise, resolve

LEX = load_lexicon()
NLP = spacy.blank("en")


@pytest.mark.parametrize(
    "text, key",
    [
        ("the Harbin Geological Society\u2019s", "harbin geological society"),
        ("The Harbin Geological Society's", "harbin geological society"),
        ("A Northfield Group", "northfield group"),
        ("Harbin  Geological\nSociety", "harbin geological society"),
        ("Coral\u2013Coast Minerals", "coral coast minerals"),
        ("Coral-Coast Minerals", "coral coast minerals"),
        ("\u201cRed Star\u201d Group", "red star group"),
        ("\uff2e\uff24\uff32\uff23", "ndrc"),  # full-width letters (NFKC)
        ("People\u2019s Mining Association", "people mining association"),
        ("Theodore Mining", "theodore mining"),  # "the" only as a whole word
    ],
)
def test_resolve_normalise(text, key):
    assert normalise(text) == key


@pytest.mark.parametrize("apostrophe", ["\u2019", "'", "\u2018"])
def test_resolve_normalise_quote_forms_agree(apostrophe):
    assert normalise(f"Workers{apostrophe} Mining League") == normalise("Workers' Mining League")


@pytest.mark.parametrize(
    "text, key",
    [
        ("Acme Holdings Co., Ltd.", "acme"),
        ("Acme Holdings", "acme"),
        ("Acme Group", "acme group"),  # "group" is part of the name: X Group and X Co., Ltd. differ
        ("the Acme Corp.", "acme"),
        ("Acme Pty Ltd", "acme"),
        ("Northfield Rare Metals Group", "northfield rare metals group"),
        ("Group", "group"),  # a name made only of suffix words keeps them
        ("Holdings Co., Ltd.", "holdings"),
    ],
)
def test_resolve_core_name(text, key):
    assert core_name(text, LEX) == key


@pytest.mark.parametrize(
    "text, letters",
    [
        ("National Development and Reform Commission", "NDRC"),
        ("Ministry of Industry and Information Technology", "MIIT"),
        ("Chinese Workers\u2019 Federation", "CWF"),
        ("Northfield\u2019s Rare Metals Group", "NRMG"),
        ("Coral-Coast Minerals", "CCM"),
        ("the Bank of Northland", "BN"),
        ("Group 7 Metals", "GM"),
        ("", ""),
    ],
)
def test_resolve_initials(text, letters):
    assert initials(text) == letters


# --- the merge rules on hand-made mentions (no model) --------------------------------------------------------


def resolved(text, mentions):
    """Resolve ``mentions`` (``(surface, type)`` or ``(surface, type, source)``, found left to right in ``text``).

    A surface whose head noun tells its type gets it (as the mention stage does). Returns the entities as
    ``{name: (type, set of aliases)}``.
    """
    doc = NLP.make_doc(text)
    cands, pos = [], 0
    for surface, etype, *source in mentions:
        start = text.index(surface, pos)
        pos = start + len(surface)
        span = doc.char_span(start, pos)
        assert span is not None, surface
        evidence = head_type([t.text for t in span], LEX)
        kind = source[0] if source else "ner"
        if evidence is not None:
            cands.append(Candidate(span.start, span.end, evidence[0], evidence[1], kind, head_evidence=True))
        else:
            cands.append(Candidate(span.start, span.end, etype, None, kind))
    entities, link = resolve(doc, cands, LEX)
    assert set(link) == set(range(len(cands))), "every mention names an entity"
    out = {e.name: (e.type, set(e.aliases)) for e in entities}
    assert len(out) == len(entities), "two entities with one name"
    return out


MERGES = {
    "surname": (
        "Zhao Minghui spoke. Zhao said so.",
        [("Zhao Minghui", "Person"), ("Zhao", "Person")],
        {"Zhao Minghui": ("Person", {"Zhao"})},
    ),
    "surname-western-order": (
        "Jane Roe spoke. Roe said so.",
        [("Jane Roe", "Person"), ("Roe", "Person")],
        {"Jane Roe": ("Person", {"Roe"})},
    ),
    "short-form": (
        "Northfield Rare Metals Group grew. Northfield said so.",
        [("Northfield Rare Metals Group", "Organization"), ("Northfield", "Organization")],
        {"Northfield Rare Metals Group": ("Organization", {"Northfield"})},
    ),
    "short-form-mislabelled-person": (
        "Northfield Rare Metals Group grew. Northfield said so.",
        [("Northfield Rare Metals Group", "Organization"), ("Northfield", "Person")],
        {"Northfield Rare Metals Group": ("Organization", {"Northfield"})},
    ),
    "acronym-in-brackets": (
        "The Coastal Development Council (CDC) met. CDC said so.",
        [("Coastal Development Council", "Organization"), ("CDC", "Organization", "acronym"), ("CDC", "Organization")],
        {"Coastal Development Council": ("Organization", {"CDC"})},
    ),
    "acronym-from-initials": (
        "The Coastal Development Council met. CDC said so.",
        [("Coastal Development Council", "Organization"), ("CDC", "Organization")],
        {"Coastal Development Council": ("Organization", {"CDC"})},
    ),
    "legal-suffixes": (
        "Acme Holdings Co., Ltd. lost. Acme Holdings said so.",
        [("Acme Holdings Co., Ltd.", "Organization"), ("Acme Holdings", "Organization")],
        {"Acme Holdings Co., Ltd.": ("Organization", {"Acme Holdings"})},
    ),
    "curly-and-straight-apostrophe": (
        "The People\u2019s Mining Association met. The People's Mining Association said so.",
        [("People\u2019s Mining Association", "Organization"), ("People's Mining Association", "Organization")],
        {"People\u2019s Mining Association": ("Organization", {"People's Mining Association"})},
    ),
    "same-surname-never-merged": (
        "Wang Lei met Wang Hongmei. Wang Lei agreed.",
        [("Wang Lei", "Person"), ("Wang Hongmei", "Person"), ("Wang Lei", "Person")],
        {"Wang Lei": ("Person", set()), "Wang Hongmei": ("Person", set())},
    ),
    "ambiguous-short-form-stays-apart": (
        "Northfield Rare Metals Group and Northfield Energy Group grew. Northfield said so.",
        [
            ("Northfield Rare Metals Group", "Organization"),
            ("Northfield Energy Group", "Organization"),
            ("Northfield", "Organization"),
        ],
        {
            "Northfield Rare Metals Group": ("Organization", set()),
            "Northfield Energy Group": ("Organization", set()),
            "Northfield": ("Organization", set()),
        },
    ),
}


@pytest.mark.parametrize("text, mentions, expected", MERGES.values(), ids=MERGES.keys())
def test_resolve_merge_rules(text, mentions, expected):
    assert resolved(text, mentions) == expected


def test_resolve_bare_shared_surname_goes_to_one_person_only():
    # two people named Wang: the bare "Wang" joins one of them (the nearest before) and never merges the two
    out = resolved(
        "Wang Lei met Wang Hongmei. Wang said so.",
        [("Wang Lei", "Person"), ("Wang Hongmei", "Person"), ("Wang", "Person")],
    )
    assert set(out) == {"Wang Lei", "Wang Hongmei"}
    assert sorted(len(aliases) for _, aliases in out.values()) == [0, 1]
    assert {"Wang"} == set().union(*(aliases for _, aliases in out.values()))


def test_resolve_merges_are_audited():
    doc = NLP.make_doc("Zhao Minghui spoke. Zhao said so.")
    cands = [Candidate(0, 2, "Person"), Candidate(4, 5, "Person")]
    [zhao], _ = resolve(doc, cands, LEX)
    rules = {surface: rule for surface, rule, _ in zhao.merges}
    assert rules == {"Zhao Minghui": "first-mention", "Zhao": "surname"}
    assert all(0 < confidence <= 1 for _, _, confidence in zhao.merges)


# --- whole sentences (model) ---------------------------------------------------------------------------------


def entities_named(extraction, name):
    return [e for e in extraction.entities if name == e.name or name in e.aliases]


def one_entity(extraction, *names):
    """The single entity that every one of ``names`` names (as its name or an alias)."""
    found = {e.key for name in names for e in entities_named(extraction, name)}
    assert len(found) == 1, [(e.name, e.type, e.aliases) for e in extraction.entities]
    [e] = [e for e in extraction.entities if e.key in found]
    return e


RESOLVED = {
    "acronym-in-brackets": (
        "The National Development and Reform Commission (NDRC) published new rules on Monday. "
        "NDRC said the rules would take effect in May.",
        ("National Development and Reform Commission", "NDRC"),
        "Organization",
    ),
    "acronym-in-brackets-unknown-body": (
        "The Coastal Development Council (CDC) approved the plan. Later, CDC said it would fund the port.",
        ("Coastal Development Council", "CDC"),
        "Organization",
    ),
    "short-form": (
        "Northfield Rare Metals Group reported higher profits this year. "
        "Northfield said demand for magnets was strong.",
        ("Northfield Rare Metals Group", "Northfield"),
        "Organization",
    ),
    "surname": (
        "Zhao Minghui spoke to reporters in Qingdao. Zhao said output would rise.",
        ("Zhao Minghui", "Zhao"),
        "Person",
    ),
    "curly-and-straight-apostrophe": (
        "Delegates of the People\u2019s Mining Association met. "
        "The People's Mining Association later issued a statement.",
        ("People\u2019s Mining Association", "People's Mining Association"),
        "Organization",
    ),
    "possessive-curly-and-straight": (
        "The Harbin Geological Society\u2019s members met. Later the Harbin Geological Society's board approved it.",
        ("Harbin Geological Society",),
        "Organization",
    ),
    "legal-suffix-first": (
        "Acme Holdings Co., Ltd. reported a loss. Acme Holdings said it would cut costs.",
        ("Acme Holdings Co., Ltd.", "Acme Holdings"),
        "Organization",
    ),
    "legal-suffix-later": (
        "Acme Holdings reported a loss. Acme Holdings Co., Ltd. said it would cut costs.",
        ("Acme Holdings Co., Ltd.", "Acme Holdings"),
        "Organization",
    ),
    "legal-suffix-and-bare-name": (
        "Acme Holdings Co., Ltd. reported a loss. Acme Holdings said it would cut costs. Acme also sold a plant.",
        ("Acme Holdings Co., Ltd.", "Acme Holdings", "Acme"),
        "Organization",
    ),
}


@pytest.mark.model
@pytest.mark.parametrize("gazetteer", [True, False], ids=["gazetteer", "no-gazetteer"])
@pytest.mark.parametrize("text, names, core_type", RESOLVED.values(), ids=RESOLVED.keys())
def test_resolve_one_entity_per_actor(extract_text, text, names, core_type, gazetteer):
    x = extract_text(text, gazetteer=gazetteer)
    e = one_entity(x, *names)
    assert e.type == core_type
    # the other actors of the sentence are not this one, and no second node carries its core name
    assert len([o for o in x.entities if o.type == core_type and o.name.split()[0] == e.name.split()[0]]) == 1


@pytest.mark.model
def test_resolve_two_people_sharing_a_surname_stay_two(extract_text):
    x = extract_text("Wang Lei met Wang Hongmei in Shanghai. Wang Lei praised the plan, and Wang Hongmei agreed.")
    lei, hongmei = one_entity(x, "Wang Lei"), one_entity(x, "Wang Hongmei")
    assert lei.key != hongmei.key
    assert lei.type == hongmei.type == "Person"
    assert "Wang Hongmei" not in lei.aliases and "Wang Lei" not in hongmei.aliases


@pytest.mark.model
def test_resolve_bare_shared_surname_never_merges_the_two(extract_text):
    x = extract_text("Wang Lei and Wang Hongmei spoke in Qingdao. Wang said output would rise.")
    people = [e for e in x.entities if e.type == "Person" and e.name.startswith("Wang ")]
    assert sorted(e.name for e in people) == ["Wang Hongmei", "Wang Lei"]
    # the bare "Wang" joins one of them, and nothing else
    assert sorted(a for e in people for a in e.aliases) == ["Wang"]
    assert not [e for e in x.entities if e.name == "Wang"]
