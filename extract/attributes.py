"""A faster ``attribute_ruler``: the same token attributes as spaCy's, from the same patterns.

spaCy's :class:`~spacy.pipeline.AttributeRuler` runs a Matcher over every token and then makes a Span
and a ``set_token_attrs`` call per match; with en_core_web_sm's 179 patterns (every token matches a
TAG pattern) it costs as much as the parser. :class:`FastAttributeRuler` gives the same result with
numpy:

* Patterns made only of exact values, ``IN``, ``NOT_IN`` and ``REGEX`` on token attributes, without
  ``OP``, are compiled into lookup tables. Each attribute's values are split into classes (one per value
  a pattern names, one for every other value; for regexes, one per combination of regexes that match),
  so a token's class tuple decides which pattern tokens it satisfies. A doc is read with one
  ``doc.to_array``, its distinct class tuples are resolved once (and cached across docs), single-token
  patterns are then known for every token, and multi-token patterns are found by shifting boolean columns.
* Every other pattern (operators, extension attributes, ``IS_SUBSET``…) stays in a spaCy Matcher, as do
  groups that set anything besides TAG, POS, MORPH, LEMMA and DEP.

The semantics are the stock ruler's: every pattern is matched against the doc as it was before any
change, and matches apply in the order (group, start, end), so later groups win. Tokens that only
single-token table patterns touch get their final values in one ``doc.from_array``; tokens that a
multi-token or Matcher pattern touches are replayed match by match with ``set_token_attrs``, as spaCy
does; and a doc where a group that sets extension attributes matches is replayed entirely that way,
since an extension's setter may read any token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from spacy.attrs import DEP, ENT_IOB, IDS, LEMMA, MORPH, POS, SENT_START, TAG
from spacy.errors import Errors
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs
from spacy.vocab import Vocab

#: Attributes the fast path writes: plain fields of the token (``set_token_attrs`` leaves the lexeme alone).
FAST_WRITES = (TAG, POS, MORPH, LEMMA, DEP)
#: Attributes a REGEX may test in the fast path: their values are hashes of strings.
REGEX_ATTRS = frozenset(IDS[n] for n in ("ORTH", "LOWER", "NORM", "TAG", "DEP", "LEMMA", "SHAPE", "PREFIX", "SUFFIX"))
#: Regex results cached per attribute before the cache is emptied (it grows with the vocabulary).
REGEX_CACHE_SIZE = 500_000
_MAX_ATTR = 2**64


@dataclass(frozen=True, slots=True)
class _Condition:
    """One test on one token attribute: ``kind`` is ``"=="``, ``"IN"``, ``"NOT_IN"`` or ``"REGEX"``."""

    attr: int
    kind: str
    values: frozenset | int | str


@dataclass(frozen=True, slots=True)
class _TablePattern:
    """A pattern of the fast path: ``specs`` are indices of token specs; ``target`` is the token it sets."""

    group: int
    specs: tuple[int, ...]
    target: int


class FastAttributeRuler(AttributeRuler):
    """An :class:`~spacy.pipeline.AttributeRuler` that applies its patterns with lookup tables.

    It stores, serializes and reports patterns as the stock ruler does (``add``, ``add_patterns``,
    ``patterns``, ``to_disk``…); only matching and setting differ, and give the same attributes. The
    tables are compiled on the first call after patterns change.

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> ruler = FastAttributeRuler(nlp.vocab)
    >>> ruler.add([[{"LOWER": "ca"}, {"LOWER": "n't"}]], {"LEMMA": "can"})
    >>> ruler.add([[{"LOWER": "n't"}]], {"LEMMA": "not", "POS": "PART"})
    >>> [(t.text, t.lemma_, t.pos_) for t in ruler(nlp.make_doc("You can't"))]
    [('You', '', ''), ('ca', 'can', ''), ("n't", 'not', 'PART')]
    """

    def __init__(self, vocab: Vocab, name: str = "attribute_ruler", *, validate: bool = False, scorer=None) -> None:
        kwargs = {} if scorer is None else {"scorer": scorer}
        super().__init__(vocab, name, validate=validate, **kwargs)
        self._plan: _Plan | None = None

    def clear(self) -> None:
        """Remove all patterns."""
        super().clear()
        self._plan = None

    def add(self, patterns: Iterable, attrs: dict, index: int = 0) -> None:
        """Add patterns whose token at ``index`` in the match gets ``attrs``, as the stock ruler does."""
        super().add(patterns, attrs, index)
        self._plan = None

    @property
    def plan(self) -> _Plan:
        """The compiled tables and the fallback Matcher of the current patterns."""
        if self._plan is None:
            self._plan = _Plan(self)
        return self._plan

    def __call__(self, doc: Doc) -> Doc:
        """Set the attributes of every pattern that matches ``doc``, later groups winning."""
        error_handler = self.get_error_handler()
        try:
            self.plan.apply(doc)
            return doc
        except Exception as e:
            return error_handler(self.name, self, [doc], e)

    def match(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """All matches of ``doc`` as ``(group, match_id, start, end)``, sorted as the stock ruler sorts them."""
        return self.plan.all_matches(doc)


class _Plan:
    """The patterns of one ruler, compiled: tables for the fast path, a Matcher for the rest."""

    def __init__(self, ruler: FastAttributeRuler) -> None:
        vocab = ruler.vocab
        self.vocab = vocab
        self.attrs = ruler.attrs
        self.indices = ruler.indices
        self.keys = [vocab.strings.add(str(g)) for g in range(len(ruler.attrs))]
        self.matcher = Matcher(vocab, validate=ruler.validate)
        self.extension_groups: set[int] = set()
        specs: list[list[_Condition]] = []
        self.single: list[_TablePattern] = []
        self.multi: list[_TablePattern] = []
        for group, (attrs, index) in enumerate(zip(ruler.attrs, ruler.indices, strict=True)):
            patterns = ruler.matcher.get(str(group))[1]
            compiled = [_compile_pattern(p, vocab) for p in patterns]
            fast = set(attrs) <= set(FAST_WRITES) and all(c is not None and -len(c) <= index < len(c) for c in compiled)
            if not fast:
                self.matcher.add(self.keys[group], patterns)
                if "_" in attrs:
                    self.extension_groups.add(group)
                continue
            for pattern in compiled:  # one list of conditions per token
                first = len(specs)
                specs.extend(pattern)
                target = index % len(pattern)
                table = self.single if len(pattern) == 1 else self.multi
                table.append(_TablePattern(group, tuple(range(first, len(specs))), target))
        self.has_matcher = len(self.matcher) > 0
        self._build_tables(specs)

    def _build_tables(self, specs: list[list[_Condition]]) -> None:
        """Split attribute values into classes and record, per class, the token specs it satisfies."""
        self.n_specs = len(specs)
        self.every = (1 << self.n_specs) - 1
        value_attrs: dict[int, set[int]] = {}
        regex_attrs: dict[int, list[str]] = {}
        for conditions in specs:
            for c in conditions:
                if c.kind == "REGEX":
                    if c.values not in regex_attrs.setdefault(c.attr, []):
                        regex_attrs[c.attr].append(c.values)
                else:
                    values = c.values if isinstance(c.values, frozenset) else {c.values}
                    value_attrs.setdefault(c.attr, set()).update(values)
        # A dimension is ("value", attr, sorted known values) or ("regex", attr, compiled regexes).
        self.dims: list[tuple[str, int, object]] = [
            ("value", a, np.array(sorted(v), dtype=np.uint64)) for a, v in value_attrs.items()
        ] + [("regex", a, [re.compile(r) for r in rs]) for a, rs in regex_attrs.items()]
        self.read = sorted({a for _, a, _ in self.dims} | set(FAST_WRITES))
        self.col = {a: self.read.index(a) for a in self.read}
        self.sat: list[list[int] | dict[int, int]] = []
        for kind, attr, payload in self.dims:
            if kind == "value":
                classes = [None, *payload.tolist()]  # class 0: every value no pattern names
                self.sat.append([self._satisfied(specs, attr, value=v) for v in classes])
            else:
                self.sat.append({})  # filled lazily: 2**len(regexes) classes
        self._specs = specs
        self.regex_cache: list[dict[int, int]] = [{} for _ in self.dims]
        self.single_bits = [sum(1 << s for s in p.specs) for p in self.single]
        self.multi_specs = sorted({s for p in self.multi for s in p.specs})
        self.multi_col = {s: i for i, s in enumerate(self.multi_specs)}
        self.rows: dict[tuple, tuple] = {}
        # One int64 code per class tuple when the classes fit (np.unique of a column beats one of rows).
        sizes = [len(p) + 1 if kind == "value" else 2 ** len(p) for kind, _, p in self.dims]
        self.radix = None
        if np.prod([float(n) for n in sizes]) < 2**62:
            self.radix = np.array([int(np.prod(sizes[d + 1 :])) for d in range(len(sizes))], dtype=np.int64)

    def _satisfied(self, specs, attr: int, *, value: int | None = None, regex_bits: int | None = None) -> int:
        """The bit set of specs whose conditions on ``attr`` hold for one class of its values."""
        bits = 0
        for i, conditions in enumerate(specs):
            ok = True
            for c in conditions:
                if c.attr != attr:
                    continue
                if regex_bits is not None:
                    if c.kind == "REGEX":
                        regexes = self.dims[self._regex_dim[attr]][2]
                        pos = [r.pattern for r in regexes].index(c.values)
                        ok = ok and bool(regex_bits >> pos & 1)
                elif c.kind == "==":
                    ok = ok and value == c.values
                elif c.kind == "IN":
                    ok = ok and value in c.values
                elif c.kind == "NOT_IN":
                    ok = ok and value not in c.values
            if ok:
                bits |= 1 << i
        return bits

    @property
    def _regex_dim(self) -> dict[int, int]:
        return {a: d for d, (kind, a, _) in enumerate(self.dims) if kind == "regex"}

    # --- matching -----------------------------------------------------------------------------------

    def _classes(self, array: np.ndarray) -> np.ndarray:
        """Each token's class in each dimension, as a (tokens, dimensions) int64 array."""
        out = np.zeros((len(array), len(self.dims)), dtype=np.int64)
        for d, (kind, attr, payload) in enumerate(self.dims):
            column = array[:, self.col[attr]]
            if kind == "value":
                if len(payload) == 0:
                    continue
                pos = np.minimum(np.searchsorted(payload, column), len(payload) - 1)
                out[:, d] = np.where(payload[pos] == column, pos + 1, 0)
            else:
                out[:, d] = self._regex_classes(d, column, payload)
        return out

    def _regex_classes(self, d: int, column: np.ndarray, regexes: list[re.Pattern]) -> np.ndarray:
        """The bit set of regexes matching each token's string, computed once per distinct value."""
        values, inverse = np.unique(column, return_inverse=True)
        cache = self.regex_cache[d]
        if len(cache) > REGEX_CACHE_SIZE:
            cache.clear()
        strings = self.vocab.strings
        found = []
        for value in values.tolist():
            bits = cache.get(value)
            if bits is None:
                text = strings[value]
                bits = sum(1 << i for i, r in enumerate(regexes) if r.search(text))
                cache[value] = bits
            found.append(bits)
        return np.array(found, dtype=np.int64)[inverse.reshape(-1)]

    def _row(self, row: tuple) -> tuple:
        """What one class tuple means: ``(groups matched by single-token patterns, values, set, multi)``.

        ``values`` and ``set`` give, per attribute of :data:`FAST_WRITES`, the final value and whether
        any group set it; ``multi`` whether the token satisfies each spec of the multi-token patterns.
        """
        bits = self.every
        for d, c in enumerate(row):
            sat = self.sat[d]
            if isinstance(sat, dict):
                if c not in sat:
                    sat[c] = self._satisfied(self._specs, self.dims[d][1], regex_bits=c)
                bits &= sat[c]
            else:
                bits &= sat[c]
        groups = sorted({p.group for p, b in zip(self.single, self.single_bits, strict=True) if bits & b})
        final: dict[int, int] = {}
        for group in groups:
            final.update(self.attrs[group])
        values = tuple(final.get(a, 0) for a in FAST_WRITES)
        isset = tuple(a in final for a in FAST_WRITES)
        multi = tuple(bool(bits >> s & 1) for s in self.multi_specs)
        return tuple(groups), values, isset, multi

    def _analyse(self, doc: Doc):
        """Read ``doc`` once: its array, each token's row index, the rows, and the table matches."""
        array = doc.to_array(self.read)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        classes = self._classes(array)
        if self.radix is None:
            unique, inverse = np.unique(classes, axis=0, return_inverse=True)
        else:
            _, first, inverse = np.unique(classes @ self.radix, return_index=True, return_inverse=True)
            unique = classes[first]
        inverse = inverse.reshape(-1)
        rows = []
        for key in map(tuple, unique.tolist()):
            row = self.rows.get(key)
            if row is None:
                row = self.rows[key] = self._row(key)
            rows.append(row)
        matches = []  # (group, start, end, target) of multi-token table patterns
        if self.multi:
            multi = np.array([r[3] for r in rows], dtype=bool).reshape(len(rows), -1)[inverse]
            n = len(doc)
            for p in self.multi:
                width = len(p.specs)
                if width > n:
                    continue
                ok = np.ones(n - width + 1, dtype=bool)
                for k, s in enumerate(p.specs):
                    ok &= multi[k : n - width + 1 + k, self.multi_col[s]]
                matches.extend((p.group, int(s), int(s) + width, int(s) + p.target) for s in np.flatnonzero(ok))
        return array, inverse, rows, matches

    def _matcher_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not self.has_matcher:
            return []
        strings = self.vocab.strings
        return [(int(strings[m]), s, e) for m, s, e in self.matcher(doc, allow_missing=True, as_spans=False)]

    def all_matches(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """Every match as ``(group, match_id, start, end)``, in the order the stock ruler applies them."""
        if len(doc) == 0:
            return []
        _, inverse, rows, multi = self._analyse(doc)
        found = [(g, t, t + 1) for t, r in enumerate(inverse.tolist()) for g in rows[r][0]]
        found += [(g, s, e) for g, s, e, _ in multi] + self._matcher_matches(doc)
        return sorted((g, self.keys[g], s, e) for g, s, e in found)

    # --- setting ------------------------------------------------------------------------------------

    def apply(self, doc: Doc) -> None:
        """Set every matching group's attributes on ``doc``, with the stock ruler's result."""
        if len(doc) == 0:
            return
        array, inverse, rows, multi = self._analyse(doc)
        fallback = self._matcher_matches(doc)
        if any(g in self.extension_groups for g, _, _ in fallback):
            self._replay(doc, self.all_matches(doc))
            return
        values = np.array([r[1] for r in rows], dtype=np.uint64)[inverse]
        isset = np.array([r[2] for r in rows], dtype=bool)[inverse]
        replay = [(g, s, e) for g, s, e, _ in multi] + fallback
        special = sorted({t for _, _, _, t in multi} | {t for t in map(self._target, fallback) if t is not None})
        if special:
            isset[special] = False
            for t in special:
                replay.extend((g, t, t + 1) for g in rows[inverse[t]][0])
        columns = [j for j in range(len(FAST_WRITES)) if isset[:, j].any()]
        if columns:
            attrs = [FAST_WRITES[j] for j in columns]
            old = array[:, [self.col[a] for a in attrs]]
            doc.from_array(attrs, np.where(isset[:, columns], values[:, columns], old))
        if replay:
            self._replay(doc, sorted((g, self.keys[g], s, e) for g, s, e in replay))

    def _target(self, match: tuple[int, int, int]) -> int | None:
        """The token a match sets, or ``None`` when its group's index falls outside the span."""
        group, start, end = match
        index = self.indices[group]
        width = end - start
        if not -width <= index < width:
            return None
        return start + index % width

    def _replay(self, doc: Doc, matches: list[tuple[int, int, int, int]]) -> None:
        """Apply sorted matches one by one, as ``AttributeRuler.set_annotations`` does."""
        for group, key, start, end in matches:
            target = self._target((group, start, end))
            if target is None:
                patterns = self.matcher.get(key) if key in self.matcher else (None, [])
                span = [t.text for t in doc[start:end]]
                raise ValueError(Errors.E1001.format(patterns=patterns, span=span, index=self.indices[group]))
            set_token_attrs(doc[target], self.attrs[group])


def _compile_pattern(pattern: list[dict], vocab: Vocab) -> list[list[_Condition]] | None:
    """The conditions of each token of a Matcher pattern, or ``None`` when the fast path cannot take it."""
    compiled = []
    for spec in pattern:
        conditions = _compile_spec(spec, vocab) if isinstance(spec, dict) else None
        if conditions is None:
            return None
        compiled.append(conditions)
    return compiled or None


def _compile_spec(spec: dict, vocab: Vocab) -> list[_Condition] | None:
    """The conditions of one token spec, read as spaCy's Matcher reads them, or ``None`` if unsupported."""
    conditions = []
    for key, value in spec.items():
        if not isinstance(key, str):
            return None
        name = key.upper()
        name = {"TEXT": "ORTH", "IS_SENT_START": "SENT_START"}.get(name, name)
        attr = IDS.get(name)
        if attr is None or attr in (SENT_START, ENT_IOB) or name in ("_", "OP"):
            return None
        if isinstance(value, dict):
            for op, argument in value.items():
                condition = _compile_predicate(attr, op.upper() if isinstance(op, str) else op, argument)
                if condition is None:
                    return None
                conditions.append(condition)
            continue
        if isinstance(value, str):
            value = vocab.strings.add(value)  # as the Matcher does for exact string values
        elif isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int) or not 0 <= value < _MAX_ATTR:
            return None
        conditions.append(_Condition(attr, "==", value))
    return conditions


def _compile_predicate(attr: int, op, argument) -> _Condition | None:
    """An ``IN``, ``NOT_IN`` or ``REGEX`` predicate as a condition, or ``None`` for any other predicate."""
    if op in ("IN", "NOT_IN") and attr != MORPH and isinstance(argument, list | tuple):
        values = []
        for v in argument:
            if not isinstance(v, str | int):
                return None
            v = get_string_id(v)
            if not 0 <= v < _MAX_ATTR:
                return None
            values.append(int(v))
        return _Condition(attr, op, frozenset(values))
    if op == "REGEX" and attr in REGEX_ATTRS and isinstance(argument, str):
        return _Condition(attr, "REGEX", argument)
    return None
