"""User query text -> a plain description (terms, exclusions, filters) -> a Whoosh query.

Words separated by spaces must all occur; a word typed without spaces (医疗改革) is cut
into jieba's words as the index is (医疗 + 改革), and each must occur, as a substring, so any
paragraph holding the text as typed is still found; ``"…"`` keeps a phrase literal;
``-word`` excludes; ``OR`` between words accepts either; ``year:2017``, ``year:2015-2018``,
``region:广州`` and ``report:<id>`` filter. Anything else — a stray quote, a lone ``-`` or
``OR`` — is searched as text, never an error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache, partial
from pathlib import Path

import opencc
from whoosh import query as wq

from indexer.analysis import fold, query_chars, word_tokens
from indexer.schema import HEADING, PARAGRAPH
from indexer.shortforms import NONE, Wordings

MAX_QUERY_CHARS = 500
MAX_TERMS = 12  # distinct words, phrases and exclusions in one query
MAX_PIECES = 6  # a typed word cut into more pieces than this is searched as typed
SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")

_s2twp = opencc.OpenCC("s2twp")
_tw2sp = opencc.OpenCC("tw2sp")


class QueryError(ValueError):
    """A query that cannot be run (too long); the message is shown to the user."""


@dataclass(frozen=True)
class Unit:
    """One thing a matching paragraph must hold: any of ``forms`` as a substring (in any of
    its variants), or any of ``whole``, the other wordings of the typed word a piece was cut
    from that do not hold its pieces (医药卫生体制改革 for 医疗改革, from the synonyms)."""

    forms: tuple[str, ...]
    whole: tuple[str, ...] = ()
    term: int = 0  # which typed word (group) it is, or is a piece of
    piece: bool = False  # a piece of a typed word cut in two or more

    @property
    def label(self) -> str:
        return " OR ".join(self.forms)


@dataclass
class ParsedQuery:
    """What the user asked for, independent of Whoosh."""

    groups: list[list[str]] = field(default_factory=list)  # as typed; any string in a group
    literal: set[str] = field(default_factory=set)  # quoted: searched as typed, never cut
    excluded: list[str] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)  # ranges, any of them
    regions: list[str] = field(default_factory=list)
    report: str | None = None
    expand: bool = True  # search short forms and near-synonyms too (the user may switch it off)
    wordings: Wordings = NONE  # the generation's short forms, once the search knows it (expanded)

    @property
    def terms(self) -> list[str]:
        return [t for g in self.groups for t in g]

    def variants(self, term: str, own: bool = False) -> tuple[str, ...]:
        """The folded strings that count as ``term`` in this query: :func:`variants`, with
        the short forms and near-synonyms unless it is quoted (as typed) or ``own`` (its own
        wording only: script, Taiwan wording, synonyms.txt)."""
        plain = own or not self.expand or term in self.literal
        return variants(term, NONE if plain else self.wordings)

    @property
    def expanded(self) -> bool:
        """Whether short forms or near-synonyms add to what a word of the query finds."""
        return any(self.variants(t) != self.variants(t, own=True) for t in self.terms)

    @cached_property
    def units(self) -> list[Unit]:
        """What the search requires: each group, a lone unquoted word cut into its pieces
        (while the query stays within ``MAX_TERMS`` pieces). Cut once: the plan, the marks
        and the page all ask (the groups do not change after :func:`parse`)."""
        out: list[Unit] = []
        budget = MAX_TERMS - len(self.terms)
        for term, group in enumerate(self.groups):
            cut = pieces(group[0]) if len(group) == 1 and group[0] not in self.literal else ()
            if 1 < len(cut) <= min(MAX_PIECES, budget + 1):
                budget -= len(cut) - 1
                whole = _uncovered(group[0], cut, self.variants)
                out.extend(Unit((p,), whole, term, True) for p in cut)
            else:
                out.append(Unit(tuple(group), term=term))
        return out

    @property
    def has_filters(self) -> bool:
        return bool(self.years) or bool(self.regions) or self.report is not None


_TOKEN = re.compile(r'-?["“”「」『』][^"“”「」『』]*["“”「」『』]?|\S+')
_QUOTES = '"“”「」『』'
_YEAR_FILTER = re.compile(r"^(\d{4})(?:[-–~～](\d{4}))?$")


def parse(text: str) -> ParsedQuery:
    """Parse a query string. Raises :class:`QueryError` only when it is too long."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"查询太长（{len(text)} 个字符；最多 {MAX_QUERY_CHARS} 个）。")
    parsed = ParsedQuery()
    pending_or = False
    tokens = _TOKEN.findall(text.replace("\u3000", " "))
    for i, tok in enumerate(tokens):
        negated = tok.startswith("-") and len(tok) > 1
        body = tok[1:] if negated else tok
        quoted = body[:1] in _QUOTES
        if quoted:
            body = body.strip(_QUOTES).strip()
            if not body:
                continue
            if not negated:
                parsed.literal.add(body)
        elif ":" in body or "：" in body:
            key, _, value = re.split(r"([:：])", body, maxsplit=1)
            if _apply_filter(parsed, key.lower(), value.strip()):
                continue
        if not quoted and body == "OR" and parsed.groups and i + 1 < len(tokens) and not negated:
            pending_or = True
            continue
        if not any(ch.isalnum() for ch in body) and not quoted and len(body) < 2:
            continue  # a lone '-' or punctuation mark
        if negated:
            parsed.excluded.append(body)
        elif pending_or:
            parsed.groups[-1].append(body)
            pending_or = False
        else:
            parsed.groups.append([body])
    # The same word twice asks for nothing more, and costs a full pass over its postings.
    parsed.groups = list({tuple(dict.fromkeys(g)): list(dict.fromkeys(g)) for g in parsed.groups}.values())
    parsed.excluded = list(dict.fromkeys(parsed.excluded))
    if len(parsed.terms) + len(parsed.excluded) > MAX_TERMS:
        raise QueryError(
            f"查询的词太多（{len(parsed.terms) + len(parsed.excluded)} 个；最多 {MAX_TERMS} 个）。"
        )
    return parsed


def year_range(value: str) -> tuple[int, int] | None:
    """``2017`` or ``2015-2018`` (either order, full-width digits too) as (from, to)."""
    m = _YEAR_FILTER.match(fold(value.strip()))
    if not m:
        return None
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    return min(lo, hi), max(lo, hi)


def _apply_filter(parsed: ParsedQuery, key: str, value: str) -> bool:
    if key == "year":
        years = year_range(value)
        if years is None:
            return False
        parsed.years.append(years)
        return True
    if key == "region" and value:
        parsed.regions.append(value)
        return True
    if key == "report" and value:
        parsed.report = value
        return True
    return False


# --- variants -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def synonyms() -> dict[str, set[str]]:
    """Equivalent wordings from ``synonyms.txt``, keyed by folded form: a line of words are
    all one (地铁 捷运); ``A => B C`` makes A one with B and one with C, but not B with C
    (GDP => 地区生产总值 国内生产总值)."""
    table: dict[str, set[str]] = {}
    if SYNONYMS_FILE.exists():
        for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            head, arrow, rest = line.partition("=>")
            words = [fold(w) for w in re.split(r"[\s,，]+", rest if arrow else line) if w]
            pairs = (
                [(fold(head.strip()), w) for w in words] if arrow else [(a, b) for a in words for b in words]
            )
            for a, b in pairs:
                table.setdefault(a, {a}).add(b)
                table.setdefault(b, {b}).add(a)
    return table


# Characters that stand for several (Ⅳ for IV, ㎡ for m2, ⑩ for 10): the folded text keeps
# them (folding keeps length), so a query's plain form also looks for them.
_COMPOSED = {
    nf: ch.lower()
    for ch in [chr(c) for c in range(0x2160, 0x2180)]
    + [chr(c) for c in range(0x2469, 0x2474)]
    + ["㎡", "㎏", "㎞", "㎝", "㎜"]
    if len(nf := unicodedata.normalize("NFKC", ch).lower()) > 1
}
_COMPOSABLE = re.compile(
    "(?<![a-z0-9])(" + "|".join(sorted(map(re.escape, _COMPOSED), key=len, reverse=True)) + ")(?![a-z0-9])"
)


def composed(folded: str) -> str:
    """``folded`` with plain forms written as the characters that stand for them where they
    stand apart from other Latin letters and digits: 国iv -> 国ⅳ, 100m2 stays."""
    return _COMPOSABLE.sub(lambda m: _COMPOSED[m.group(1)], folded)


def also_searched(parsed: ParsedQuery) -> list[str]:
    """The wordings ``synonyms.txt``, the short forms and near-synonyms add to the query's
    words (as the results page names them: 也搜索了：社会保险), each once."""
    out = []
    for unit in parsed.units:
        for term in unit.forms:
            scripts = {
                fold(term),
                fold(_s2twp.convert(term)),
                fold(_tw2sp.convert(term)),
                composed(fold(term)),
            }
            out += [v for v in parsed.variants(term) if v not in scripts]
        out += unit.whole
    # a full form as the reports write it (大众创业、万众创新) says it as typed without its 、
    return [v for v in dict.fromkeys(out) if not any(w != v and w.replace("、", "") == v for w in out)]


@lru_cache(maxsize=4096)
def variants(term: str, wordings: Wordings = NONE) -> tuple[str, ...]:
    """The folded strings that count as ``term``: both scripts, Taiwan and mainland wording
    (OpenCC's phrase tables), synonyms, and the short forms and near-synonyms of
    ``wordings`` (a search's generation: indexer.shortforms); the term's own folded form
    first. Texts are searched folded, so a variant in Simplified finds both scripts."""
    own = fold(term)
    found = [own, fold(_s2twp.convert(term)), fold(_tw2sp.convert(term)), composed(own)]
    syn = synonyms()
    for form in list(found):
        for key, group in syn.items():
            if key in form:
                found.extend(form.replace(key, other) for other in group)
    for form in found[:4]:
        found.extend(wordings.of(form))
    return tuple(dict.fromkeys(v for v in found if v.strip()))


def pieces(term: str) -> tuple[str, ...]:
    """``term`` cut where jieba's words of two or more characters start, as the index cuts
    its folded text: 医疗改革 -> 医疗, 改革; 2018年改革 -> 2018年, 改革. Characters that are
    not such a word (a single character, punctuation) stay with the word before them, so
    the pieces are the whole term and each is a substring of it."""
    starts = [start for word, _, start, _ in word_tokens(fold(term), search_mode=False) if len(word) > 1]
    bounds = [0, *starts[1:], len(term)]
    return tuple(p for a, b in zip(bounds, bounds[1:], strict=False) if (p := term[a:b].strip()))


def _uncovered(
    term: str, cut: tuple[str, ...], forms_of: Callable[[str], tuple[str, ...]] = variants
) -> tuple[str, ...]:
    """The variants of ``term`` (by ``forms_of``) that do not hold a form of every one of
    its pieces."""
    forms = [forms_of(p) for p in cut]
    return tuple(v for v in forms_of(term) if not all(any(f in v for f in fs) for fs in forms))


def needles(parsed: ParsedQuery) -> list[str]:
    """Every folded string to mark in the text for this query."""
    return list(
        dict.fromkeys(
            [
                *(v for t in parsed.terms for v in parsed.variants(t)),
                *(v for u in parsed.units for f in u.forms for v in parsed.variants(f)),
                *(w for u in parsed.units for w in u.whole),
            ]
        )
    )


# --- Whoosh query ----------------------------------------------------------------------------

CONTENT_BOOST = 2.0  # the query is a whole jieba word there, not just a substring


def _all_of(field_name: str, terms: list[str], boost: float = 1.0) -> wq.Query:
    """Every term anywhere in the field: a phrase without its position check. Only used
    to add to the score, where checking positions for every candidate costs more (Whoosh
    decodes them document by document) than the rare false bonus is worth."""
    terms = list(dict.fromkeys(terms))
    if len(terms) == 1:
        return wq.Term(field_name, terms[0], boost=boost)
    return wq.And([wq.Term(field_name, t) for t in terms], boost=boost)


def _chars(s: str, field_name: str = "chars") -> wq.Query:
    """``s`` as a substring: a phrase of its bigrams, or its one character (in the chars
    field, the prefix of the bigrams it starts: indexer.analysis.char_tokens)."""
    terms = query_chars(s)
    if len(terms) > 1:
        return wq.Phrase(field_name, terms)
    if field_name == "chars" and len(terms[0]) == 1:
        return wq.Prefix(field_name, terms[0])
    return wq.Term(field_name, terms[0])


def holding(folded: str) -> wq.Query:
    """The documents whose text holds ``folded`` (a folded string) as a substring."""
    return _chars(folded)


def _required(forms: tuple[str, ...]) -> wq.Query:
    """A term as a substring, in any of its variants ``forms``: this decides what matches."""
    return wq.Or([_chars(v) for v in forms])


def _words(variant: str) -> list[str]:
    """The jieba words of a folded variant, as the content field indexes them whole."""
    return [w for w, _, _, _ in word_tokens(variant, search_mode=False)]


def _scored(forms: tuple[str, ...]) -> list[wq.Query]:
    """Where a term (its variants ``forms``) is made of whole jieba words: these only add to
    the score."""
    return [_all_of("content", words, CONTENT_BOOST) for v in forms if (words := _words(v))]


@dataclass
class Plan:
    """A parsed query as Whoosh queries that are each run and scored on their own; the
    engine combines their scores (and caches them, so words that recur across queries
    are not scored again)."""

    required: list[list[wq.Query]]  # every unit must match; any query of a unit will do
    excluded: list[wq.Query]  # a document matching any of these is left out
    optional: list[wq.Query]  # add to the score of the documents that match
    filters: Filters  # restrict, do not score
    exact: wq.Query | None = None  # the query exactly as typed: these documents rank first
    # per unit, each variant's words of two or more characters (see search.scoring.about)
    about: list[list[tuple[str, ...]]] = field(default_factory=list)
    # per unit, the folded strings that satisfy it (for closeness: search.scoring.close)
    near: list[tuple[str, ...]] = field(default_factory=list)
    terms: list[int] = field(default_factory=list)  # per unit, the typed word it is (a piece of)
    pieces: list[bool] = field(default_factory=list)  # per unit, whether it is a piece of a typed word
    topic: bool = False  # one typed word (医疗改革, 学前教育): it names a topic
    labels: list[str] = field(default_factory=list)  # per unit, as shown to the user
    typed: str = ""  # the query as typed (its words side by side), when ``exact`` looks for it
    # per unit, its own wording only, when short forms or near-synonyms widened ``required``:
    # the documents holding every unit in the wording typed rank above the others
    own: list[list[wq.Query]] | None = None
    # the query as typed in a short form's or near-synonym's wording (珠三角一体化 for
    # 珠江三角洲一体化): these documents follow those holding it as typed
    alike: wq.Query | None = None
    plain: Plan | None = None  # the same query without them: how the wording typed is ranked


def plan(parsed: ParsedQuery) -> Plan:
    """Every unit's substring phrase required (minus exclusions and outside the filters);
    whole words add to the score; the query as typed (its words side by side,
    own wording, when it has no OR) marks the paragraphs that rank first; the units' words
    are looked up among the paragraphs' keywords."""
    units = parsed.units
    if units:
        required = [
            [*(_required(parsed.variants(f)) for f in u.forms), *(_chars(w) for w in u.whole)] for u in units
        ]
    else:
        required = [[wq.Or([wq.Term("kind", PARAGRAPH), wq.Term("kind", HEADING)])]]
    typed = "".join(g[0] for g in parsed.groups) if all(len(g) == 1 for g in parsed.groups) else ""
    exact = _chars(fold(typed)) if typed.strip() else None
    about = [
        [
            words
            for f in u.forms
            for v in parsed.variants(f)
            if (words := tuple(w for w in _words(v) if len(w) > 1))
        ]
        for u in units
    ]
    return Plan(
        required=required,
        excluded=[_chars(v) for t in parsed.excluded for v in variants(t)],
        optional=[q for u in units for f in u.forms for q in _scored(parsed.variants(f, own=True))],
        filters=Filters.of(parsed),
        exact=exact,
        about=about,
        near=[
            tuple(dict.fromkeys([*(v for f in u.forms for v in parsed.variants(f)), *u.whole])) for u in units
        ],
        labels=[u.label for u in units],
        typed=typed if exact else "",
        terms=[u.term for u in units],
        pieces=[u.piece for u in units],
        topic=len(parsed.groups) == 1 and len(parsed.groups[0]) == 1,
        own=_own(parsed) if parsed.expanded else None,
        alike=_alike(parsed, typed) if exact is not None and parsed.expanded else None,
        plain=plan(replace(parsed, expand=False)) if parsed.expanded else None,
    )


def _alike(parsed: ParsedQuery, typed: str) -> wq.Query | None:
    """The query as typed (its words side by side) in the wordings the short forms and
    near-synonyms give it, if any."""
    if any(t in parsed.literal for t in parsed.terms):
        return None
    own = set(parsed.variants(typed, own=True))
    other = [v for v in parsed.variants(typed) if v not in own]
    return wq.Or([_chars(v) for v in other]) if other else None


def _own(parsed: ParsedQuery) -> list[list[wq.Query]]:
    """Per unit, what it requires in the wording typed: its forms' own variants, and the
    whole typed word's own variants that do not hold its pieces."""
    out = []
    for u in parsed.units:
        cut = tuple(x.forms[0] for x in parsed.units if x.term == u.term)
        own = partial(parsed.variants, own=True)
        whole = _uncovered(parsed.groups[u.term][0], cut, own) if u.piece else ()
        out.append([*(_required(parsed.variants(f, own=True)) for f in u.forms), *(_chars(w) for w in whole)])
    return out


@dataclass(frozen=True)
class Filters:
    """Year, region and report filters (they restrict, they do not score): a document
    passes when its year is in one of ``years``, its place's path holds one of ``regions``
    (folded, white space left out: 广州 passes 广东省 › 广州市 › 荔湾区), and it is of ``report``."""

    years: tuple[tuple[int, int], ...] = ()
    regions: tuple[str, ...] = ()
    report: str | None = None

    @classmethod
    def of(cls, parsed: ParsedQuery) -> Filters:
        return cls(
            tuple(dict.fromkeys(parsed.years)),
            tuple(dict.fromkeys("".join(v.split()) for r in parsed.regions for v in variants(r))),
            parsed.report,
        )

    def without(self, facet: str) -> Filters:
        """These filters but the ``year`` or ``region`` ones: a facet's counts are of the
        documents the other filters let through, so its other values can still be chosen."""
        return replace(self, years=()) if facet == "year" else replace(self, regions=())

    def __bool__(self) -> bool:
        return bool(self.years or self.regions or self.report)
