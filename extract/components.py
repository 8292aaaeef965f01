"""The one place that registers tiegraph's spaCy components and assembles the pipeline.

Like spaCy's ``pipeline/factories.py``: registration is kept apart from the code that does
the work, so importing a component never has side effects beyond this module.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Token

from extract.attributes import FastAttributeRuler
from extract.lexicon import GazetteerEntry, gazetteer_patterns, load_gazetteer
from extract.model import load_model

#: Token extensions the relation patterns match on (set by :mod:`extract.relations`).
for _name, _default in (("tg", ""), ("ent", ""), ("title", "")):
    if not Token.has_extension(_name):
        Token.set_extension(_name, default=_default)


@Language.factory(
    "tiegraph_attribute_ruler",
    default_config={"validate": False, "scorer": {"@scorers": "spacy.attribute_ruler_scorer.v1"}},
)
def make_attribute_ruler(nlp: Language, name: str, validate: bool, scorer) -> FastAttributeRuler:
    """spaCy's ``attribute_ruler``: the same patterns and results, by lookup tables (:mod:`extract.attributes`)."""
    return FastAttributeRuler(nlp.vocab, name, validate=validate, scorer=scorer)


@Language.component("tiegraph_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break, so headlines and bullets never fuse with the next line."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" in previous.text or "\n" in previous.whitespace_:
            token.is_sent_start = True
    return doc


def build_pipeline(
    model: str | None = None, *, gazetteer: bool = True, entries: tuple[GazetteerEntry, ...] | None = None
) -> Language:
    """Load the model and add tiegraph's components: line breaks before the parser, the gazetteer before NER.

    The model's ``attribute_ruler`` is replaced by ``tiegraph_attribute_ruler``, built from its patterns:
    the same token attributes, several times faster.

    Parameters
    ----------
    model
        Name or path of a spaCy pipeline; ``None`` resolves it as :func:`extract.model.load_model` does.
    gazetteer
        Whether to add the curated gazetteer as an EntityRuler in front of the statistical NER.
    entries
        Gazetteer entries to use instead of the bundled file.
    """
    nlp = load_model(model)
    if "attribute_ruler" in nlp.pipe_names and nlp.get_pipe_meta("attribute_ruler").factory == "attribute_ruler":
        stock = nlp.get_pipe("attribute_ruler")
        fast = nlp.replace_pipe("attribute_ruler", "tiegraph_attribute_ruler", config={"validate": stock.validate})
        fast.add_patterns(stock.patterns)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("tiegraph_line_breaks", before="parser")
    if gazetteer:
        where = {"before": "ner"} if "ner" in nlp.pipe_names else {}
        ruler = nlp.add_pipe("entity_ruler", name="tiegraph_gazetteer", config={"phrase_matcher_attr": "ORTH"}, **where)
        # phrase patterns match on ORTH, so only the tokenizer has to see them (spaCy would otherwise run every
        # component before the ruler over each pattern text)
        with nlp.select_pipes(enable=["tiegraph_gazetteer"]):
            ruler.add_patterns(gazetteer_patterns(entries if entries is not None else load_gazetteer()))
    return nlp
