"""Tests of extract.attributes: the fast attribute ruler sets exactly what spaCy's AttributeRuler sets.

Most tests build Docs by hand (words, tags, deps) and run the stock ruler and the fast one with the same
patterns, each in its own vocab (a pattern may write lexeme attributes); the ``model`` tests do the same
with en_core_web_sm's own patterns on real sentences.
"""

from __future__ import annotations

import pytest
import spacy
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc, Token

from extract.attributes import FastAttributeRuler

if not Token.has_extension("tg_test_flag"):
    Token.set_extension("tg_test_flag", default=False)

# fmt: off
# A sentence with whitespace tokens, a contraction, and tags/deps as a tagger and parser would leave them.
WORDS = ["I", "ai", "n't", "gon", "na", "run", " ", "very", "very", "fast", "\n", "The", "run", "ended", "."]
TAGS = ["PRP", "VBP", "RB", "VBG", "TO", "VB", "_SP", "RB", "RB", "RB", "_SP", "DT", "NN", "VBD", "."]
DEPS = ["nsubj", "aux", "neg", "aux", "aux", "ROOT", "", "advmod", "advmod", "advmod", "dep", "det", "nsubj", "ROOT",
        "punct"]
SPACES = [True, False, True, False, True, False, False, True, True, False, False, True, True, False, False]

PATTERNS = [
    {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN"}},
    {"patterns": [[{"TAG": {"IN": ["VB", "VBP", "VBD"]}}]], "attrs": {"POS": "VERB", "MORPH": "VerbForm=Fin"}},
    {"patterns": [[{"IS_SPACE": True}]], "attrs": {"TAG": "_SP", "POS": "SPACE", "MORPH": "_"}},
    {"patterns": [[{"IS_SPACE": True, "DEP": {"NOT_IN": [""]}}]], "attrs": {"DEP": "dep"}},
    {"patterns": [[{"TAG": "PRP", "LOWER": "i"}]], "attrs": {"LEMMA": "I", "POS": "PRON"}},
    # anchor: "ai" before a negation
    {"patterns": [[{"TAG": {"IN": ["VBP", "VBZ"]}, "LOWER": "ai"}, {"LOWER": {"REGEX": "^n'?t$"}}]],
     "attrs": {"LEMMA": "be"}},
    {"patterns": [[{"LOWER": "gon"}, {"LOWER": "na"}]], "attrs": {"LEMMA": "go"}, "index": 0},
    {"patterns": [[{"LOWER": "gon"}, {"LOWER": "na"}]], "attrs": {"LEMMA": "to"}, "index": -1},
    {"patterns": [[{"TEXT": "run"}], [{"LOWER": "ended"}]], "attrs": {"LEMMA": "RUN"}},
    {"patterns": [[{"LOWER": "run", "DEP": "ROOT"}]], "attrs": {"POS": "AUX"}},  # later than the TAG groups: wins
    {"patterns": [[{}, {"TAG": "."}]], "attrs": {"MORPH": "Before=Punct"}},
]
# Shapes the tables do not take: an operator, a MORPH set predicate, an extension, a NORM write.
FALLBACK = [
    {"patterns": [[{"LOWER": "very", "OP": "+"}, {"LOWER": "fast"}]], "attrs": {"LEMMA": "quick"}, "index": -1},
    {"patterns": [[{"MORPH": {"IS_SUPERSET": ["VerbForm=Fin"]}}]], "attrs": {"LEMMA": "finite"}},
    {"patterns": [[{"TAG": "DT"}]], "attrs": {"_": {"tg_test_flag": True}}},
    {"patterns": [[{"TAG": "RB"}]], "attrs": {"NORM": "adverb", "POS": "ADV"}},
    {"patterns": [[{"TAG": "RB"}]], "attrs": {"POS": "PART"}},  # a table group after fallback groups
]
# fmt: on


def annotate(ruler_class, patterns, words=WORDS, **annotations):
    """Run ``ruler_class`` with ``patterns`` on a fresh hand-built Doc; every token's attributes as tuples."""
    nlp = spacy.blank("en")
    fields = {"tags": TAGS, "deps": DEPS, "spaces": SPACES} if words is WORDS else {}
    doc = Doc(nlp.vocab, words=words, **{**fields, **annotations})
    ruler = ruler_class(nlp.vocab)
    ruler.add_patterns(patterns)
    ruler(doc)
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.norm_, t.lower_, t._.tg_test_flag) for t in doc]


def column(rows, field):
    names = ("text", "tag", "pos", "morph", "lemma", "dep", "norm", "lower", "flag")
    return [row[names.index(field)] for row in rows]


def test_attributes_table_patterns_match_stock():
    fast = annotate(FastAttributeRuler, PATTERNS)
    assert fast == annotate(AttributeRuler, PATTERNS)
    assert column(fast, "lemma")[:6] == ["I", "be", "", "go", "to", "RUN"]
    assert column(fast, "pos")[5:7] == ["AUX", "SPACE"]
    assert column(fast, "dep")[6] == ""  # a whitespace token without a dep keeps none
    assert column(fast, "dep")[10] == "dep"
    assert column(fast, "morph")[13] == "Before=Punct"


def test_attributes_all_table_patterns_compile():
    nlp = spacy.blank("en")
    ruler = FastAttributeRuler(nlp.vocab)
    ruler.add_patterns(PATTERNS)
    assert len(ruler.plan.matcher) == 0


@pytest.mark.parametrize("order", [1, -1])
def test_attributes_later_groups_win(order):
    groups = [
        {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN", "LEMMA": "noun"}},
        {"patterns": [[{"LOWER": "run"}]], "attrs": {"POS": "VERB"}},
    ][::order]
    fast = annotate(FastAttributeRuler, groups)
    assert fast == annotate(AttributeRuler, groups)
    run = fast[WORDS.index("run", 6)]
    assert run[2] == ("VERB" if order == 1 else "NOUN")
    assert run[4] == "noun"  # set by the group that lost on POS


def test_attributes_fallback_patterns_match_stock():
    patterns = PATTERNS + FALLBACK
    nlp = spacy.blank("en")
    ruler = FastAttributeRuler(nlp.vocab)
    ruler.add_patterns(patterns)
    assert len(ruler.plan.matcher) == len(FALLBACK) - 1  # the last one is a plain table pattern
    fast = annotate(FastAttributeRuler, patterns)
    assert fast == annotate(AttributeRuler, patterns)
    assert column(fast, "lemma")[9] == "quick"
    assert column(fast, "flag")[11] is True
    assert column(fast, "norm")[7] == "adverb"
    assert column(fast, "pos")[7:10] == ["PART", "PART", "PART"]


def test_attributes_fallback_without_extensions_match_stock():
    patterns = PATTERNS + [p for p in FALLBACK if "_" not in p["attrs"]]
    assert annotate(FastAttributeRuler, patterns) == annotate(AttributeRuler, patterns)


def test_attributes_index_outside_the_match_is_an_error():
    patterns = [{"patterns": [[{"LOWER": "run"}]], "attrs": {"LEMMA": "x"}, "index": 2}]
    for ruler_class in (AttributeRuler, FastAttributeRuler):
        with pytest.raises(ValueError, match="E1001"):
            annotate(ruler_class, patterns)


def test_attributes_match_lists_equal_stock():
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=WORDS, tags=TAGS, deps=DEPS, spaces=SPACES)
    stock, fast = AttributeRuler(nlp.vocab), FastAttributeRuler(nlp.vocab)
    stock.add_patterns(PATTERNS)
    fast.add_patterns(PATTERNS)
    assert fast.match(doc) == stock.match(doc)


def test_attributes_empty_doc():
    assert annotate(FastAttributeRuler, PATTERNS, words=[]) == []


SENTENCES = [
    "I ain't gonna say it's done, but we'll see.",
    "Northfield Rare Metals Group said on Monday that its Chairman, Zhao Minghui, had resigned.\n\nShe'd been there.",
    "There are   three  offices;  those were  sold.\n- Gotta go, y'all.\tLet's go!",
    "Nothin' doin', said the ol' man: 'em boys were somethin'.",
]


@pytest.mark.model
@pytest.mark.parametrize("text", SENTENCES)
def test_attributes_model_patterns_match_stock(extractor, text):
    nlp = extractor.nlp
    fast = nlp.get_pipe("attribute_ruler")
    assert isinstance(fast, FastAttributeRuler)
    assert len(fast.plan.matcher) == 0  # every en_core_web_sm pattern takes the table path
    stock = AttributeRuler(nlp.vocab)
    stock.add_patterns(fast.patterns)
    doc = nlp.make_doc(text)
    for _name, component in nlp.pipeline[: nlp.pipe_names.index("attribute_ruler")]:
        doc = component(doc)
    a, b = doc.copy(), doc.copy()
    stock(a)
    fast(b)

    def rows(d):
        return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in d]

    assert rows(b) == rows(a)
    assert any(t.is_space for t in b) == ("  " in text or "\n" in text)
