"""From a query plan to scored documents: each part of a query scored as Whoosh would score
it (BM25F), kept in the index handle's cache, and combined as arrays.

Documents and their scores travel as sorted numpy arrays (:class:`Scores`). A term's
postings come from what the build stored beside Whoosh (indexer.shard: the postings of
every term a shard's documents hold often, memory-mapped) or, for a rare term, from
Whoosh's own postings: a word found in a third of ten thousand reports' paragraphs is
scored, combined and ranked in milliseconds, from the first query a server answers. The
texts a string is checked in, each document's year, place and lengths are the build's too
(indexer.generation): nothing is read into a worker's memory before it answers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sized
from dataclasses import dataclass
from functools import reduce
from typing import Any, TypeVar

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.collectors import ScoredCollector, TimeLimit, TimeLimitCollector
from whoosh.searching import Searcher

from indexer.analysis import fold, query_chars
from indexer.generation import Generation
from indexer.shard import KINDS, NOWHERE

from .query import Filters, Plan

TIME_LIMIT = 3.0  # seconds one search may take before it is stopped
T = TypeVar("T")
S = TypeVar("S", bound=Sized)
WEIGHTING = scoring.BM25F()  # every score computed (and cached) here uses this
CACHE_ENTRIES = 8_000_000  # documents kept across queries: 12 bytes each, about 100 MB
TOP_KEYWORDS = 3  # a word among a paragraph's first this many keywords: what it is about
NOT_ABOUT = math.inf  # the rank of a word that is not among a paragraph's keywords
GENERIC_SHARE = 0.1  # a word in more paragraphs than this share does not tell what one is about
NEAR_GAP = 8  # characters between a query's words that still count as close together
TEXT, LEAD = "texts", "leads"  # what a string is checked in: whole texts, or leads
LEAD_BOOST = 1.5  # a unit in a paragraph's lead counts its score once more, times this
EARLY = 50  # characters: a word that starts this early in a paragraph is what it is about


@dataclass(frozen=True)
class Scores:
    """Documents (sorted, distinct document numbers) and their scores."""

    ids: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, found: dict[int, float]) -> Scores:
        ids = np.fromiter(found, dtype=np.int32, count=len(found))
        values = np.fromiter(found.values(), dtype=np.float64, count=len(found))
        order = np.argsort(ids, kind="stable")
        return cls(ids[order], values[order])

    def __len__(self) -> int:
        return len(self.ids)

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.ids.tolist(), self.values.tolist(), strict=True))

    def times(self, factor: float) -> Scores:
        return Scores(self.ids, self.values * factor)

    def both(self, other: Scores) -> Scores:
        """Documents in both, scores added."""
        if _dense_pays(len(self), len(other)):
            theirs = _spread(other, np.nan)[np.minimum(self.ids, _size(other) - 1)]
            theirs[self.ids >= _size(other)] = np.nan
            keep = ~np.isnan(theirs)
            return Scores(self.ids[keep], self.values[keep] + theirs[keep])
        ids, mine, theirs_at = np.intersect1d(self.ids, other.ids, assume_unique=True, return_indices=True)
        return Scores(ids, self.values[mine] + other.values[theirs_at])

    def either(self, other: Scores) -> Scores:
        """Documents in either, scores added."""
        if _dense_pays(len(self), len(other)):
            size = max(_size(self), _size(other))
            values = np.zeros(size)
            present = np.zeros(size, bool)
            for part in (self, other):
                values[part.ids] += part.values
                present[part.ids] = True
            ids = np.flatnonzero(present).astype(np.int32)
            return Scores(ids, values[ids])
        ids = np.union1d(self.ids, other.ids)
        values = np.zeros(len(ids))
        values[np.searchsorted(ids, self.ids)] += self.values
        values[np.searchsorted(ids, other.ids)] += other.values
        return Scores(ids, values)

    def at(self, ids: np.ndarray, missing: float = 0.0) -> np.ndarray:
        """The scores of ``ids`` (sorted), ``missing`` for those not here (this one's own
        array where ``ids`` are its documents: read it, never write it)."""
        if not len(self):
            return np.full(len(ids), missing)
        if same(ids, self.ids):
            return self.values
        if _dense_pays(len(ids), len(self)):
            dense = _spread(self, missing)
            out = np.full(len(ids), missing)
            inside = ids < len(dense)
            out[inside] = dense[ids[inside]]
            return out
        out = np.full(len(ids), missing)
        where = np.minimum(np.searchsorted(self.ids, ids), len(self) - 1)
        hit = self.ids[where] == ids
        out[hit] = self.values[where[hit]]
        return out

    def plus(self, other: Scores) -> Scores:
        """These documents, with ``other``'s scores added where it has them."""
        return Scores(self.ids, self.values + other.at(self.ids))

    def keep(self, mask: np.ndarray) -> Scores:
        return Scores(self.ids[mask], self.values[mask])

    def where(self, mask: np.ndarray) -> Scores:
        """Those documents that ``mask`` (by document number) lets through."""
        keep = mask[self.ids]
        return Scores(self.ids[keep], self.values[keep])

    def among(self, ids: np.ndarray) -> Scores:
        return self.keep(held(self.ids, ids))

    def without(self, ids: np.ndarray) -> Scores:
        return self.keep(~held(self.ids, ids))


def same(ids: np.ndarray, sorted_ids: np.ndarray) -> bool:
    """Whether two sorted, distinct arrays of documents are the same ones: a word's
    documents are often looked up among themselves (535,194 at 10,000 reports for 建), which
    no search need do."""
    n = len(ids)
    return n == len(sorted_ids) and (
        ids is sorted_ids
        or n == 0
        or (ids[0] == sorted_ids[0] and ids[-1] == sorted_ids[-1] and np.array_equal(ids, sorted_ids))
    )


def held(ids: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` are in ``sorted_ids`` (sorted, distinct): a binary search each, so a
    page's few documents are looked up in a word's many without sorting them again; a
    mask over the documents when both are many."""
    if not len(sorted_ids):
        return np.zeros(len(ids), bool)
    if same(ids, sorted_ids):
        return np.ones(len(ids), bool)
    if _dense_pays(len(ids), len(sorted_ids)):
        mask = np.zeros(int(sorted_ids[-1]) + 1, bool)
        mask[sorted_ids] = True
        out = np.zeros(len(ids), bool)
        inside = ids < len(mask)
        out[inside] = mask[ids[inside]]
        return out
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[at] == ids


def _dense_pays(n: int, m: int) -> bool:
    """Whether looking ``n`` documents up among ``m`` (or the other way) costs less through
    an array over every document number than by binary searches: when both are many, and
    neither is more than a few times the other."""
    return min(n, m) > 2048 and min(n, m) * 16 > max(n, m)


def _size(scores: Scores) -> int:
    return int(scores.ids[-1]) + 1 if len(scores) else 0


def _spread(scores: Scores, missing: float) -> np.ndarray:
    """``scores`` as an array over document numbers, ``missing`` where it has none."""
    dense = np.full(_size(scores), missing)
    dense[scores.ids] = scores.values
    return dense


EMPTY = Scores(np.empty(0, np.int32), np.empty(0))


@dataclass(frozen=True)
class Columns:
    """Per document, by document number: its year (0 when unknown), its place (an index
    into ``region_names``, each a path such as 广东省 › 广州市 › 荔湾区), its report (an index
    into ``report_ids``), what it is (:func:`indexer.documents.fragment_kind`)."""

    years: np.ndarray
    regions: np.ndarray
    region_names: list[str]
    reports: np.ndarray
    report_ids: list[str]
    fragment: np.ndarray
    report_years: np.ndarray  # per report (by its index): its year, its place
    report_places: np.ndarray

    @classmethod
    def of(cls, gen: Generation) -> Columns:
        """The generation's columns, as the build wrote them (memory-mapped)."""
        return cls(
            years=gen.column("year"),
            regions=gen.column("place"),
            region_names=gen.region_names,
            reports=gen.column("report"),
            report_ids=gen.report_ids,
            fragment=gen.column("fragment"),
            report_years=gen.column("report_year"),
            report_places=gen.column("report_place"),
        )

    def allowed(self, filters: Filters, per_report: bool = False) -> np.ndarray:
        """Which documents (with ``per_report``, which reports) the filters let through: a
        mask by document number (by report index)."""
        years, places = (self.report_years, self.report_places) if per_report else (self.years, self.regions)
        mask = np.ones(len(years), bool)
        if filters.years:
            mask &= np.logical_or.reduce([(years >= lo) & (years <= hi) for lo, hi in filters.years])
        if filters.regions:
            chosen = [
                i for i, n in enumerate(self.region_names) if any(r in _compact(n) for r in filters.regions)
            ]
            mask &= np.isin(places, chosen)
        if filters.report is not None:
            found = self.report_ids.index(filters.report) if filters.report in self.report_ids else -1
            mask &= (np.arange(len(years)) if per_report else self.reports) == found
        return mask


def _compact(label: str) -> str:
    return "".join(fold(label).split())


class ScoreCache:
    """What searches of one index keep across requests, owned by the app's index handle:
    query parts' scores per index state (least recently used first out) and the latest
    state's columns, vocabulary and build record.

    The expensive parts of a query are its frequent words, and those are the words that
    recur across queries: scored once, they cost a dictionary lookup afterwards. Keys hold
    the index state (segments and their deletions), so a build never serves stale scores.
    """

    def __init__(self, max_entries: int = CACHE_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._data: OrderedDict = OrderedDict()  # key -> (value, size)
        self.size = 0
        self._latest: tuple[Hashable, dict[Hashable, Any]] = ((), {})  # a state, what it keeps whole

    def _lookup(self, key: Hashable) -> Any:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
            return found[0]

    def _store(self, key: Hashable, value: object, size: int) -> None:
        with self._lock:
            if key not in self._data:
                self._data[key] = (value, size)
                self.size += size
                while self.size > self.max_entries and len(self._data) > 1:
                    _, (_, old) = self._data.popitem(last=False)
                    self.size -= old

    def get(self, key: Hashable, compute: Callable[[], S]) -> S:
        found = self._lookup(key)
        if found is None:
            found = compute()
            self._store(key, found, len(found) + 1)
        return found

    def per_document(self, state: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        """A value over the whole index state ``state`` (its columns, vocabulary, build
        record): kept for the latest state only, outside the size limit."""
        with self._lock:
            latest, values = self._latest
            if latest == state and key in values:
                return values[key]
        value = compute()
        with self._lock:
            if self._latest[0] != state:
                self._latest = (state, {})
            self._latest[1][key] = value
        return value

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.size = 0
            self._latest = ((), {})


def index_state(searcher: Searcher) -> str:
    """What identifies the documents a searcher sees: its generation (every build writes a
    new one)."""
    return searcher.generation.name


class _ScoreMap(ScoredCollector):
    """Collects every matching document with its score."""

    def prepare(self, top_searcher: Searcher, q: wq.Query, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        self.scores: dict[int, float] = {}

    def _collect(self, global_docnum: int, score: float) -> int:
        self.scores[global_docnum] = score
        return 0

    def results(self) -> dict[int, float]:
        return self.scores


@dataclass(frozen=True)
class Postings:
    """A term's documents, its weight in each, and for bigrams and characters where each
    first starts (see :meth:`indexer.generation.Generation.postings`)."""

    ids: np.ndarray
    weights: np.ndarray
    first: np.ndarray | None

    def __len__(self) -> int:
        return len(self.ids)

    def first_at(self, ids: np.ndarray) -> np.ndarray:
        """Where the term first starts in each of ``ids`` (sorted): ``NOWHERE`` in those
        that do not hold it (the postings' own array where ``ids`` are their documents:
        read it, never write it)."""
        assert self.first is not None
        if len(self) and same(ids, self.ids):
            return self.first
        out = np.full(len(ids), NOWHERE, np.uint8)
        if len(self):
            at = held(ids, self.ids)
            out[at] = self.first[np.searchsorted(self.ids, ids[at])]
        return out


SCORED_APART = 8  # a word holding this many times the documents asked about is scored at those alone


class Scorer:
    """One search's view of the index: its searcher (of a generation), the handle's cache
    and the request's deadline (past it, :class:`whoosh.collectors.TimeLimit` is raised)."""

    def __init__(self, searcher: Searcher, cache: ScoreCache | None = None, deadline: float = math.inf):
        self.searcher = searcher
        self.generation: Generation = searcher.generation
        self.cache = ScoreCache() if cache is None else cache
        self.deadline = deadline
        self.state = index_state(searcher)
        self._units: tuple[Plan | None, list[Scores]] = (None, [])  # the last plan's units

    def _check_time(self) -> None:
        if time.perf_counter() > self.deadline:
            raise TimeLimit

    def columns(self) -> Columns:
        return self.cache.per_document(self.state, "columns", lambda: Columns.of(self.generation))

    def _lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in ``fieldname`` as Whoosh scores it."""
        return self.generation.column(f"len.{fieldname}")

    # --- query parts ---------------------------------------------------------------------

    def part(self, q: wq.Query) -> Scores:
        """The documents matching one query part, with scores; from the cache when it can.

        Boosts, And and Or are applied here to cached scores, as Whoosh would (a boost
        multiplies, And and Or add up the matching subqueries' scores): a query's words are
        each scored once, whatever else they are combined with.
        """
        if q.boost != 1.0:
            return self.part(q.with_boost(1.0)).times(q.boost)
        if isinstance(q, (wq.And, wq.Or)) and q.subqueries:
            subs = [self.part(sub) for sub in q.subqueries]
            if isinstance(q, wq.And):
                return reduce(Scores.both, subs)
            return reduce(Scores.either, subs)
        if isinstance(q, wq.Phrase):
            return self.cache.get((self.state, q), lambda: self._phrase(q))
        if isinstance(q, wq.Term) and q.fieldname == "kind":
            return self.cache.get((self.state, q), lambda: self._kind(q.text))
        if isinstance(q, wq.Term):
            return self.cache.get((self.state, q), lambda: self._term(q.fieldname, q.text))
        if isinstance(q, wq.Prefix):
            return self.cache.get((self.state, q), lambda: self._prefix(q))
        return self.cache.get((self.state, q), lambda: self._collected(q))

    def part_at(self, q: wq.Query, ids: np.ndarray) -> Scores:
        """:meth:`part` at ``ids`` (sorted) only, the same scores there: a word whose
        documents far outnumber ``ids`` (的 in 800,000 paragraphs, as an optional part of a
        query 20 paragraphs match) is scored at those alone, unless it was scored whole
        before."""
        if q.boost != 1.0:
            return self.part_at(q.with_boost(1.0), ids).times(q.boost)
        if isinstance(q, (wq.And, wq.Or)) and q.subqueries:
            subs = [self.part_at(sub, ids) for sub in q.subqueries]
            return reduce(Scores.both if isinstance(q, wq.And) else Scores.either, subs)
        if isinstance(q, wq.Term) and q.fieldname != "kind" and (self.state, q) not in self.cache:
            found = self.postings(q.fieldname, q.text)
            if len(ids) * SCORED_APART < len(found):
                at = np.minimum(np.searchsorted(found.ids, ids), len(found) - 1)
                at = at[found.ids[at] == ids]
                if not len(at):
                    return EMPTY
                mine = Postings(found.ids[at], found.weights[at], None)
                return self._bm25(q.fieldname, self._idf(q.fieldname, q.text), mine)
        return self.part(q)

    def postings(self, fieldname: str, text: str) -> Postings:
        """A term's postings (``chars1``: a character's, as the bigrams it starts), read
        once per index state."""

        def read() -> Postings:
            self._check_time()
            return Postings(*self.generation.postings(self.searcher, fieldname, text, self._check_time))

        return self.cache.get((self.state, "postings", fieldname, text), read)

    def _kind(self, kind: str) -> Scores:
        """Every live document of a kind (paragraph, heading), each scored 1 as Whoosh scores
        a match in a field without lengths."""
        kinds = self.generation.column("kind")
        ids = np.flatnonzero((kinds == KINDS.get(kind, -1)) & self.generation.column("live")).astype(np.int32)
        return Scores(ids, np.ones(len(ids)))

    def _bm25(self, fieldname: str, idf: float, found: Postings) -> Scores:
        """Whoosh's BM25F (what whoosh.scoring.BM25FScorer computes per posting), for all
        of a term's postings at once."""
        values = scoring.bm25(
            idf,
            found.weights,
            self._lengths(fieldname)[found.ids].astype(np.float64),
            self._average_length(fieldname) or 1,
            WEIGHTING.B,
            WEIGHTING.K1,
        )
        return Scores(found.ids, values)

    def _average_length(self, fieldname: str) -> float:
        """A field's average length, as Whoosh computes it (its lengths summed, deleted
        documents' too, over the live documents), from the build's counts."""
        return self.generation.field_length(fieldname) / (self.searcher.doc_count() or 1)

    def _idf(self, fieldname: str, text: str) -> float:
        """A term's inverse document frequency, as Whoosh computes it (Searcher.idf), from
        the build's counts."""
        frequency = self.generation.document_frequency(fieldname, text)
        return math.log(self.searcher.doc_count_all() / (frequency + 1)) + 1

    def _term(self, fieldname: str, text: str) -> Scores:
        """Whoosh's BM25F for one term."""
        found = self.postings(fieldname, text)
        if not len(found):
            return EMPTY
        return self._bm25(fieldname, self._idf(fieldname, text), found)

    def _prefix(self, q: wq.Prefix) -> Scores:
        """One character, as the bigrams it starts (:func:`indexer.analysis.char_tokens`),
        scored as Whoosh would score the character itself: BM25F with its frequency in a
        document (each occurrence starts one bigram) and the documents holding any of them."""
        found = self.postings("chars1", q.text)
        if not len(found):
            return EMPTY
        idf = math.log(self.searcher.doc_count_all() / (len(found) + 1)) + 1  # as Searcher.idf
        return self._bm25(q.fieldname, idf, found)

    def _collected(self, q: wq.Query) -> Scores:
        """Any other query, through Whoosh's own matchers and scorer."""
        remaining = self.deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeLimit
        collector = _ScoreMap()
        self.searcher.search_with_collector(
            q,
            TimeLimitCollector(collector, timelimit=remaining, use_alarm=False),
            context=self.searcher.context(weighting=WEIGHTING),
        )
        return Scores.of(collector.scores)

    def _phrase(self, q: wq.Phrase) -> Scores:
        """Whoosh scores a phrase as the sum of its terms' scores; here the documents are
        those that hold all its terms (a string's bigrams) and, read in their text, the
        string itself. The index keeps no positions, only where each bigram first starts in a
        text: a document whose bigrams first start one after another holds the string there;
        the others that hold every bigram are checked against their text, as exact and
        cheaper than writing a position for every character of the collection."""
        terms = [self.part(wq.Term(q.fieldname, w)) for w in q.words]
        fewest, *others = sorted(terms, key=len)
        candidates = reduce(lambda ids, term: ids[held(ids, term.ids)], others, fewest.ids)  # every term
        needle = q.words[0] + "".join(w[1:] for w in q.words[1:])
        self._check_time()
        holds = np.zeros(len(candidates), bool)
        if q.fieldname == "chars":
            # where each bigram first starts (kept by the build): bigrams first starting one
            # after another spell the string there, with no text read
            firsts = [self.postings("chars", w).first_at(candidates).astype(np.int64) for w in q.words]
            holds = firsts[0] < NOWHERE
            for i, first in enumerate(firsts[1:], 1):
                holds &= (first == firsts[0] + i) & (first < NOWHERE)
            # else the string may stand where one of its bigrams first starts (质量发展 where
            # 量发 does, though 发展 came earlier)
            holds |= self._spelled(candidates, firsts, needle, ~holds)
        check = np.flatnonzero(~holds)
        holds[check] = self.generation.holding(candidates[check], (needle,))
        found = candidates[holds]
        return reduce(Scores.plus, terms, Scores(found, np.zeros(len(found))))

    def _spelled(
        self,
        ids: np.ndarray,
        firsts: list[np.ndarray],
        form: str,
        pending: np.ndarray,
        last: int | np.ndarray | None = None,
    ) -> np.ndarray:
        """Which of the ``pending`` documents of ``ids`` spell ``form`` where one of its
        bigrams first starts (``firsts``: where each does, ``NOWHERE`` past the first
        characters), starting at ``last`` at most if given: the few characters there read
        for all of them at once (:meth:`indexer.generation.Generation.spelling`)."""
        proven = np.zeros(len(ids), bool)
        for j, first in enumerate(firsts):
            start = first.astype(np.int64) - j
            maybe = pending & ~proven & (first < NOWHERE) & (start >= 0)
            if last is not None:
                maybe &= start <= last
            at = np.flatnonzero(maybe)
            proven[at[self.generation.spelling(ids[at], start[at], form)]] = True
        return proven

    # --- a query plan --------------------------------------------------------------------

    def units(self, plan: Plan) -> list[Scores]:
        """Each unit's documents, with scores (combined once per plan: matching, near misses,
        closeness and leads all ask)."""
        if self._units[0] is not plan:
            self._units = (
                plan,
                [self.part(group[0] if len(group) == 1 else wq.Or(group)) for group in plan.required],
            )
        return self._units[1]

    def allowed(self, filters: Filters) -> np.ndarray:
        """Which documents ``filters`` let through: a mask by document number, kept per
        index state (the filters of a page, its facets and its pages recur)."""
        return self.cache.get((self.state, "allowed", filters), lambda: self.columns().allowed(filters))

    def allowed_reports(self, filters: Filters) -> np.ndarray:
        """Which reports ``filters`` let through: a mask by report index (see :class:`Columns`)."""
        return self.cache.get((self.state, "reports", filters), lambda: self.columns().allowed(filters, True))

    def _narrowed(self, plan: Plan, result: Scores, filters: Filters | None = None) -> Scores:
        """``result`` without the excluded documents and those outside the filters (the
        plan's, unless given), the optional parts' scores added."""
        for q in plan.excluded:
            result = result.without(self.part(q).ids)
        filters = plan.filters if filters is None else filters
        if filters:
            result = result.where(self.allowed(filters))
        for q in plan.optional:
            result = result.plus(self.part_at(q, result.ids))
        return result

    def matching(self, plan: Plan, filters: Filters | None = None) -> Scores:
        """Every document the plan matches, with its score (BM25F: the sum of its parts'),
        within the plan's filters (or ``filters``)."""
        return self._narrowed(plan, reduce(Scores.both, self.units(plan)), filters)

    def near_misses(self, plan: Plan) -> tuple[Scores, np.ndarray]:
        """The documents that hold every unit of the query but one, with their scores, and
        for each the unit it lacks. Empty for a query of one unit."""
        units = self.units(plan)
        if len(units) < 2:
            return EMPTY, np.empty(0, np.int32)
        found: list[Scores] = []
        lacks: list[np.ndarray] = []
        for lacking in range(len(units)):
            rest = reduce(Scores.both, [u for i, u in enumerate(units) if i != lacking])
            missed = self._narrowed(plan, rest.without(units[lacking].ids))
            found.append(missed)
            lacks.append(np.full(len(missed), lacking, np.int32))
        ids = np.concatenate([f.ids for f in found])
        order = np.argsort(ids, kind="stable")  # a document lacks one unit: the ids are distinct
        return (
            Scores(ids[order], np.concatenate([f.values for f in found])[order]),
            np.concatenate(lacks)[order],
        )

    def telling(self, plan: Plan) -> list[int]:
        """The units that say what a paragraph is about. Words found in more than
        ``GENERIC_SHARE`` of the paragraphs (发展, 建设, 改革) say little: as pieces of a
        typed word (旅游业发展) they do not count unless the query has only such words; a
        word the user typed on its own always counts."""
        limit = GENERIC_SHARE * self.searcher.doc_count()
        # a query of exclusions or filters only has no units, and one required part
        generic = [
            piece and len(docs) > limit for piece, docs in zip(plan.pieces, self.units(plan), strict=False)
        ]
        return [u for u, g in enumerate(generic) if not g] or list(range(len(generic)))

    def _lead(self, plan: Plan, u: int, early: bool = False) -> np.ndarray:
        """The documents whose lead (a heading, or a paragraph's first sentence) holds unit
        ``u``; with ``early``, whose text holds it starting in its first ``EARLY`` characters."""
        forms = tuple("".join(v.split()) for v in plan.near[u])
        found = self.units(plan)[u]
        key = (self.state, TEXT if early else LEAD, EARLY if early else 0, forms)
        return self.cache.get(key, lambda: found.keep(self._opening(found.ids, forms, early))).ids

    def _opening(self, ids: np.ndarray, forms: tuple[str, ...], early: bool) -> np.ndarray:
        """Which of ``ids`` hold one of ``forms`` in their lead (with ``early``: starting in
        their first ``EARLY`` characters), read from where the form's bigrams first start
        (the build keeps it, indexer.shard): a form of one or two characters is settled by
        that alone, a longer one is read where one of its bigrams first starts and then, if
        not found there, searched in the text of the documents it lets through, and so is a
        document whose lead does not open its text."""
        out = np.zeros(len(ids), bool)
        lead_len = self.generation.column("lead_len")[ids].astype(np.int32)
        for form in (f for f in forms if f):
            grams = query_chars(form)
            field = "chars1" if len(form) == 1 else "chars"
            firsts = [self.postings(field, g).first_at(ids) for g in grams]
            exact = np.full(len(ids), len(form) <= 2)
            if early:
                maybe = firsts[0] <= EARLY - 1
            else:
                irregular = lead_len < 0
                reach = lead_len - (1 if len(form) == 1 else 2)
                maybe = reduce(np.logical_and, [f <= reach for f in firsts]) | irregular
                exact &= ~irregular
            out |= maybe & exact
            pending = maybe & ~exact & ~out
            if len(form) > 2:  # read where one of its bigrams first starts
                last = EARLY - 1 if early else np.where(lead_len < 0, -1, lead_len - len(form))
                spelled = self._spelled(ids, firsts, form, pending, last)
                out |= spelled
                pending &= ~spelled
            check = np.flatnonzero(pending)
            if len(check):
                self._check_time()
                out[check] = self.generation.holding(
                    ids[check], (form,), TEXT if early else LEAD, EARLY if early else None
                )
        return out

    def leads(self, plan: Plan, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``ids``: how much its opening says it is about the query, and a score
        for the units its lead holds (each unit's own score again, times ``LEAD_BOOST``).

        A paragraph of a work report says what it is about first: in its lead
        (加强住房保障工作。) or in the words right after it (推进健康中国建设。城乡居民医保财政
        补助…). Each telling unit (:meth:`telling`) counts once for standing in the lead and
        once for starting in the first ``EARLY`` characters; on the judged queries of
        ``benchmarks/search.py``, of two paragraphs graded apart the better one has the
        higher count in nine pairs of ten where the counts differ."""
        count = np.zeros(len(ids), np.int32)
        bonus = np.zeros(len(ids))
        telling = set(self.telling(plan))
        for u, unit in enumerate(self.units(plan)[: len(plan.near)]):
            in_lead = held(ids, self._lead(plan, u))
            bonus += LEAD_BOOST * in_lead * unit.at(ids)
            if u in telling:
                count += in_lead
                count += held(ids, self._lead(plan, u, early=True))
        return count, bonus

    def about(self, plan: Plan, ids: np.ndarray) -> np.ndarray:
        """How much each of ``ids`` is about the query: the rank among its keywords (see
        :func:`indexer.analysis.keywords`) of the query word that ranks lowest there, any
        rank up to ``TOP_KEYWORDS`` counted as that. Only telling units count
        (:meth:`telling`); a unit's best variant counts; a document without every telling
        unit among its keywords is ``NOT_ABOUT``.

        Relevance sorts on this before the score: of the paragraphs that hold the words,
        those that are about them come first. BM25 alone, which saturates term frequency
        and favours short text, puts short passages that merely mention the words above the
        paragraph that is about them."""
        result = None
        for group in (plan.about[u] for u in self.telling(plan) if plan.about[u]):
            best = np.full(len(ids), NOT_ABOUT)  # of the unit's variants, the best
            for words in group:
                worst = np.full(len(ids), -math.inf)  # of a variant's words, the lowest ranked
                for w in words:
                    ranks = self.postings("keywords", w)
                    worst = np.maximum(worst, Scores(ranks.ids, ranks.weights).at(ids, NOT_ABOUT))
                best = np.minimum(best, worst)
            result = best if result is None else np.maximum(result, best)
        return np.full(len(ids), NOT_ABOUT) if result is None else np.maximum(result, TOP_KEYWORDS)

    def close(self, plan: Plan) -> Callable[[int], bool]:
        """Whether a document holds the pieces of each word typed as one (医疗改革: 医疗 +
        改革) within :data:`NEAR_GAP` characters of each other (医疗卫生体制改革), read from
        its text. Words the user typed apart are not asked to stand together."""
        typed: dict[int, list[int]] = {}
        for unit, (term, piece) in enumerate(zip(plan.terms, plan.pieces, strict=True)):
            if piece:
                typed.setdefault(term, []).append(unit)
        forms = [["".join(v.split()) for v in variants] for variants in plan.near]

        text = self.generation.text

        def near(d: int) -> bool:
            return all(_within(text(d), [forms[u] for u in units]) for units in typed.values())

        return near


def _within(text: str, units: list[list[str]]) -> bool:
    """Whether one occurrence of each unit (any of its forms) stands in ``text`` within
    :data:`NEAR_GAP` characters of the others."""
    events = sorted(
        (p, i, len(form)) for i, unit in enumerate(units) for form in unit for p in _occurrences(text, form)
    )
    last: dict[int, tuple[int, int]] = {}
    for p, i, n in events:
        last[i] = (p, p + n)
        if len(last) == len(units):
            spans = last.values()
            if max(e for _, e in spans) - min(b for b, _ in spans) - sum(e - b for b, e in spans) <= NEAR_GAP:
                return True
    return False


def _occurrences(text: str, form: str) -> Iterable[int]:
    at = text.find(form)
    while at >= 0 and form:
        yield at
        at = text.find(form, at + 1)
