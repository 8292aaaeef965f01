"""The extraction stage: Documents in, :class:`Extraction` records out::

from extract.documents import document_from_text
from extract.pipeline import Extractor
extractor = Extractor.load()
[x] = extractor.extract([document_from_text("Acme Group is based in Perth.", path="a.txt")])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from extract.components import build_pipeline
from extract.defaults import BATCH_SIZE
from extract.lexicon import GazetteerEntry, Lexicon, load_gazetteer, load_lexicon
from extract.mentions import Candidate, find_mentions
from extract.model import model_id
from extract.relations import SYMMETRIC, Found, RelationMatcher, Rule, load_rules, merge_mentions
from extract.resolve import ResolvedEntity, resolve
from extract.types import Document, Entity, Extraction, Merge, Relation

_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_DATE = re.compile(
    r"^(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+)?(?P<m>[A-Za-z]+)\.?\s*(?P<d2>\d{1,2})?(?:st|nd|rd|th)?,?\s*(?P<y>\d{4})?$"
)


@dataclass
class Extractor:
    """A loaded spaCy pipeline with tiegraph's lexicon, gazetteer and rules: reuse it for many documents."""

    nlp: Language
    lexicon: Lexicon
    gazetteer: tuple[GazetteerEntry, ...]
    rules: tuple[Rule, ...]
    batch_size: int = BATCH_SIZE
    _compiled: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        model: str | None = None,
        *,
        gazetteer: bool = True,
        rules: tuple[Rule, ...] | None = None,
        batch_size: int = BATCH_SIZE,
        gazetteer_files: tuple[Path, ...] = (),
        rule_dirs: tuple[Path, ...] = (),
    ) -> Extractor:
        """Load the model (see :func:`extract.model.load_model`) and the bundled data.

        Parameters
        ----------
        gazetteer
            Use the bundled gazetteer (``--no-gazetteer`` turns it off; extra files still count).
        rules
            Rules to use instead of the bundled ones.
        gazetteer_files
            Extra gazetteer JSONL files, added to the bundled one (``build --gazetteer-file``).
        rule_dirs
            Extra folders of rule files, added to the bundled rules (``build --rules``). A rule id that repeats
            one already loaded is an error: rename the rule.
        """
        entries = load_gazetteer() if gazetteer else ()
        for extra in gazetteer_files:
            entries = entries + load_gazetteer(Path(extra))
        nlp = build_pipeline(model, gazetteer=bool(entries), entries=entries)
        all_rules = rules if rules is not None else load_rules()
        for folder in rule_dirs:
            all_rules = all_rules + load_rules(Path(folder))
        return cls(nlp, load_lexicon(), entries, all_rules, batch_size)

    @property
    def model(self) -> str:
        return model_id(self.nlp)

    @property
    def matcher(self) -> RelationMatcher:
        """The rules compiled for the model's vocabulary: once per extractor, not once per call (a build calls
        :meth:`extract` for every batch, and the matcher keeps what it compiled for earlier documents)."""
        key = (self.nlp.vocab, self.rules, self.lexicon)
        if self._compiled is None or any(a is not b for a, b in zip(self._compiled[0], key, strict=True)):
            self._compiled = (key, RelationMatcher(*key))
        return self._compiled[1]

    def extract(
        self, documents: Iterable[Document], *, on_error: Callable[[Document, Exception], None] | None = None
    ) -> Iterator[Extraction]:
        """Parse ``documents`` in batches and yield one :class:`Extraction` each, in order.

        A document whose extraction raises is passed to ``on_error`` and skipped (when
        ``on_error`` is given), so one bad article never stops a corpus.
        """
        matcher = self.matcher
        model = self.model  # nlp.meta is rebuilt on every access: once per call, not once per document
        pairs = ((d.text, d) for d in documents)
        for doc, record in self.nlp.pipe(pairs, as_tuples=True, batch_size=self.batch_size):
            try:
                yield extract_doc(
                    doc, record, lexicon=self.lexicon, gazetteer=self.gazetteer, matcher=matcher, model=model
                )
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(record, exc)


def extract_doc(
    doc: Doc,
    record: Document,
    *,
    lexicon: Lexicon,
    gazetteer: tuple[GazetteerEntry, ...],
    matcher: RelationMatcher,
    model: str = "",
) -> Extraction:
    """Mentions, entities and relations of one parsed document. Modifies ``doc`` (mentions are merged)."""
    cands, titles = find_mentions(doc, lexicon, gazetteer)
    resolved, link = resolve(doc, cands, lexicon, gazetteer, doc_id=record.id)
    dates = _event_dates(doc, cands, link, record.published)
    entities = tuple(_entity(e, cands, doc, record.id, dates.get(e.key)) for e in resolved)
    spans = [(c.start, c.end, _type_of(resolved, link[i]), link[i], "") for i, c in enumerate(cands) if i in link]
    spans += [(t.start, t.end, "Title", "", _clean_title(t.text)) for t in titles]
    merge_mentions(doc, spans)
    relations = _dedupe(matcher(doc), record.id)
    merges = tuple(
        Merge(entity=e.key, surface=surface, rule=rule, confidence=conf)
        for e in resolved
        for surface, rule, conf in e.merges
    )
    return Extraction(document=record, entities=entities, relations=relations, merges=merges, model=model)


def _type_of(resolved: list[ResolvedEntity], key: str) -> str:
    for e in resolved:
        if e.key == key:
            return e.type
    return ""


def _clean_title(text: str) -> str:
    return " ".join(text.split())


def _entity(e: ResolvedEntity, cands: list[Candidate], doc: Doc, doc_id: str, when: str | None) -> Entity:
    mentions = tuple(
        (doc_id, doc[cands[i].start].idx, doc[cands[i].end - 1].idx + len(doc[cands[i].end - 1].text))
        for i in e.mentions
    )
    return Entity(
        key=e.key,
        name=e.name,
        type=e.type,
        subtype=e.subtype,
        aliases=e.aliases,
        qid=e.qid,
        mentions=mentions,
        confidence=round(e.confidence, 3),
        date=when,
    )


def _dedupe(found: list[Found], doc_id: str) -> tuple[Relation, ...]:
    """One relation per (subject, predicate, object, sentence): the most confident rule wins."""
    best: dict[tuple, Found] = {}
    for f in found:
        s, o = (f.subject, f.object)
        if f.predicate in SYMMETRIC and o < s:
            s, o = o, s
        key = (s, f.predicate, o, f.start)
        old = best.get(key)
        if old is None or (f.confidence, bool(f.role), f.rule) > (old.confidence, bool(old.role), old.rule):
            best[key] = Found(s, f.predicate, o, f.start, f.end, f.rule, f.confidence, f.role)
    return tuple(
        Relation(
            subject=f.subject,
            predicate=f.predicate,
            object=f.object,
            document=doc_id,
            start=f.start,
            end=f.end,
            rule=f.rule,
            confidence=f.confidence,
            role=f.role,
        )
        for f in sorted(best.values(), key=lambda f: (f.start, f.subject, f.predicate, f.object))
    )


def _event_dates(doc: Doc, cands: list[Candidate], link: dict[int, str], published: str | None) -> dict[str, str]:
    """ "a ceremony on July 10th": the date stated in the sentence that first tells of the event."""
    dates = [e for e in doc.ents if e.label_ == "DATE"]
    out: dict[str, str] = {}
    for i, c in enumerate(cands):
        key = link.get(i)
        if c.type != "Event" or key is None or key in out:
            continue
        sent = doc[c.start].sent
        for d in dates:
            if d.sent.start != sent.start or d.start == 0 or doc[d.start - 1].lower_ != "on":
                continue
            iso = normalise_date(d.text, published)
            if iso:
                out[key] = iso
                break
    return out


def _month(word: str) -> int | None:
    """Month number of "July", "Jul", "Sept"."""
    word = word.lower().rstrip(".")
    if word in _MONTHS:
        return _MONTHS[word]
    matches = [n for name, n in _MONTHS.items() if len(word) >= 3 and name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def normalise_date(text: str, published: str | None = None) -> str | None:
    """ISO date of "July 10th", "10 July 2025", "July 10, 2025"; the year defaults to the publication's.

    Examples
    --------
    >>> normalise_date("July 10th", "2025-07-11")
    '2025-07-10'
    >>> normalise_date("Sept. 3, 2024")
    '2024-09-03'
    >>> normalise_date("next week") is None
    True
    """
    m = _DATE.match(text.strip())
    if not m:
        return None
    month = _month(m.group("m"))
    if month is None:
        return None
    day = m.group("d1") or m.group("d2")
    year = m.group("y") or (published[:4] if published else None)
    if not day or not year:
        return None
    try:
        return date(int(year), month, int(day)).isoformat()
    except ValueError:
        return None
