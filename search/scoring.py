"""From a query plan to scored documents: each part of a query scored once per index state,
kept in the index handle's cache, and combined as Whoosh would combine it (BM25F).

Documents and their scores travel as sorted numpy arrays (:class:`Scores`): a word found in
a third of a thousand reports' paragraphs is scored, combined and ranked in a few
milliseconds, where one Python call per posting (Whoosh's collectors) took a third of a
second. The arrays hold no Python objects, so a cache warmed before ``gunicorn --preload``
forks its workers stays in pages the workers share.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sized
from dataclasses import dataclass
from functools import partial, reduce
from typing import Any, TypeVar

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.collectors import ScoredCollector, TimeLimit, TimeLimitCollector
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from indexer.analysis import first_sentence, fold
from indexer.schema import HEADING

from .query import Filters, Plan
from .vocabulary import Vocabulary

TIME_LIMIT = 3.0  # seconds one search may take before it is stopped
T = TypeVar("T")
S = TypeVar("S", bound=Sized)
WEIGHTING = scoring.BM25F()  # every score computed (and cached) here uses this
CACHE_ENTRIES = 24_000_000  # documents kept across queries: 12 bytes each, about 290 MB
WARM_MIN_DOCS = 300  # words in fewer paragraphs than this score in about a millisecond
TOP_KEYWORDS = 3  # a word among a paragraph's first this many keywords: what it is about
NOT_ABOUT = math.inf  # the rank of a word that is not among a paragraph's keywords
GENERIC_SHARE = 0.1  # a word in more paragraphs than this share does not tell what one is about
NEAR_GAP = 8  # characters between a query's words that still count as close together
CHECK_EVERY = 4096  # postings read between two looks at the clock
TEXT, LEAD = "texts", "leads"  # what Scorer.texts reads: whole texts, or leads
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
        ids, mine, theirs = np.intersect1d(self.ids, other.ids, assume_unique=True, return_indices=True)
        return Scores(ids, self.values[mine] + other.values[theirs])

    def either(self, other: Scores) -> Scores:
        """Documents in either, scores added."""
        ids = np.union1d(self.ids, other.ids)
        values = np.zeros(len(ids))
        values[np.searchsorted(ids, self.ids)] += self.values
        values[np.searchsorted(ids, other.ids)] += other.values
        return Scores(ids, values)

    def at(self, ids: np.ndarray, missing: float = 0.0) -> np.ndarray:
        """The scores of ``ids`` (sorted), ``missing`` for those not here."""
        out = np.full(len(ids), missing)
        if len(self):
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


def held(ids: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """Which of ``ids`` are in ``sorted_ids`` (sorted, distinct): a binary search each, so a
    page's few documents are looked up in a word's many without sorting them again."""
    if not len(sorted_ids):
        return np.zeros(len(ids), bool)
    at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return sorted_ids[at] == ids


EMPTY = Scores(np.empty(0, np.int32), np.empty(0))


@dataclass(frozen=True)
class Columns:
    """Per document, by document number: its year (0 when unknown), its place (an index
    into ``region_names``, each a path such as 广东省 › 广州市 › 荔湾区), its report (an index
    into ``report_ids``), what it is (:func:`indexer.build.fragment_kind`)."""

    years: np.ndarray
    regions: np.ndarray
    region_names: list[str]
    reports: np.ndarray
    report_ids: list[str]
    fragment: np.ndarray
    report_years: np.ndarray  # per report (by its index): its year, its place
    report_places: np.ndarray

    @classmethod
    def read(cls, searcher: Searcher) -> Columns:
        reader = searcher.reader()
        names, regions = np.unique(
            np.array(list(reader.column_reader("place")), dtype=object), return_inverse=True
        )
        ids, reports = np.unique(
            np.array(list(reader.column_reader("report_id")), dtype=object), return_inverse=True
        )
        years = np.array([y or 0 for y in reader.column_reader("year")], dtype=np.int64)
        years[years > 9999] = 0  # a document without a year (the build record) reads as the column's maximum
        report_years = np.zeros(len(ids), np.int64)
        report_places = np.zeros(len(ids), np.int32)
        report_years[reports], report_places[reports] = years, regions  # alike within a report
        return cls(
            years=years,
            regions=regions.astype(np.int32),
            region_names=[str(n) for n in names],
            reports=reports.astype(np.int32),
            report_ids=[str(r) for r in ids],
            fragment=np.array(list(reader.column_reader("fragment")), dtype=np.int64),
            report_years=report_years,
            report_places=report_places,
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
    state's columns and field lengths.

    The expensive parts of a query are its frequent words, and those are the words that
    recur across queries: scored once, they cost a dictionary lookup afterwards. Keys hold
    the index state (segments and their deletions), so a build never serves stale scores.
    """

    def __init__(self, max_entries: int = CACHE_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._data: OrderedDict = OrderedDict()  # key -> (value, size)
        self.size = 0
        self._latest: tuple[tuple, dict[Hashable, Any]] = ((), {})  # a state, its per-document arrays
        self._segments: dict[tuple, Any] = {}  # (what, segment id) -> value, for the latest state

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

    def per_document(self, state: tuple, key: Hashable, compute: Callable[[], T]) -> T:
        """An array over every document of the index state ``state`` (columns, field
        lengths): kept for the latest state only, outside the size limit."""
        with self._lock:
            latest, arrays = self._latest
            if latest == state and key in arrays:
                return arrays[key]
        value = compute()
        with self._lock:
            if self._latest[0] != state:
                self._latest = (state, {})
                ids = {segment for segment, _ in state}
                self._segments = {k: v for k, v in self._segments.items() if k[-1] in ids}
            self._latest[1][key] = value
        return value

    def per_segment(self, key: tuple, compute: Callable[[], T]) -> T:
        """A value computed from one segment (which never changes once written): kept
        while the latest index state has the segment."""
        with self._lock:
            if key in self._segments:
                return self._segments[key]
        value = compute()
        with self._lock:
            self._segments[key] = value
        return value

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.size = 0
            self._latest = ((), {})
            self._segments.clear()


def index_state(searcher: Searcher) -> tuple:
    """What identifies the documents a searcher sees: its segments and their deletions."""
    return tuple(
        (r.segment().segment_id(), r.segment().deleted_count()) for r, _ in searcher.reader().leaf_readers()
    )


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


def frequent_words(vocabulary: Vocabulary) -> list[str]:
    """Jieba words found in at least ``WARM_MIN_DOCS`` paragraphs, the most frequent first,
    each followed by its characters not listed yet (one typed character reads every bigram
    it starts)."""
    listed: dict[str, None] = {}
    for word in vocabulary.frequent(WARM_MIN_DOCS):
        listed.update(dict.fromkeys([word, *word]))
    return list(listed)


class Scorer:
    """One search's view of the index: its searcher, the handle's cache and the request's
    deadline (past it, :class:`whoosh.collectors.TimeLimit` is raised)."""

    def __init__(self, searcher: Searcher, cache: ScoreCache | None = None, deadline: float = math.inf):
        self.searcher = searcher
        self.cache = ScoreCache() if cache is None else cache
        self.deadline = deadline
        self.state = index_state(searcher)
        self._units: tuple[Plan | None, list[Scores]] = (None, [])  # the last plan's units

    def _check_time(self) -> None:
        if time.perf_counter() > self.deadline:
            raise TimeLimit

    def columns(self) -> Columns:
        return self.cache.per_document(self.state, "columns", lambda: Columns.read(self.searcher))

    def _lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in ``fieldname`` as Whoosh scores it (1 when it has none)."""

        def compute() -> np.ndarray:
            reader = self.searcher.reader()
            n = reader.doc_count_all()
            return np.fromiter(
                (reader.doc_field_length(d, fieldname, 1) for d in range(n)), dtype=np.float64, count=n
            )

        return self.cache.per_document(self.state, ("lengths", fieldname), compute)

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
        if isinstance(q, wq.Term):
            return self.cache.get((self.state, q), lambda: self._term(q.fieldname, q.text))
        if isinstance(q, wq.Prefix):
            return self.cache.get((self.state, q), lambda: self._prefix(q))
        return self.cache.get((self.state, q), lambda: self._collected(q))

    def _postings(self, fieldname: str, text: str) -> Scores:
        """A term's documents with its weight in each (the term frequency, or the rank of a
        keyword)."""
        reader = self.searcher.reader()
        if (fieldname, text) not in reader:
            return EMPTY
        self._check_time()
        ids, weights = array("i"), array("d")
        m = reader.postings(fieldname, text)
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
            if len(ids) % CHECK_EVERY == 0:
                self._check_time()
        return Scores(np.frombuffer(ids, dtype=np.int32), np.frombuffer(weights))

    def _term(self, fieldname: str, text: str) -> Scores:
        """Whoosh's BM25F for one term, computed over its postings at once."""
        found = self._postings(fieldname, text)
        if not len(found):
            return found
        # what whoosh.scoring.BM25FScorer computes per posting, for all of them
        values = scoring.bm25(
            self.searcher.idf(fieldname, text),
            found.values,
            self._lengths(fieldname)[found.ids],
            self.searcher.avg_field_length(fieldname) or 1,
            WEIGHTING.B,
            WEIGHTING.K1,
        )
        return Scores(found.ids, values)

    def _prefix(self, q: wq.Prefix) -> Scores:
        """One character, as the bigrams it starts (:func:`indexer.analysis.char_tokens`),
        scored as Whoosh would score the character itself: BM25F with its frequency in a
        document (the sum of those bigrams' frequencies: each occurrence starts one) and
        the documents holding any of them."""
        found = [
            self._postings(q.fieldname, t) for t in self.searcher.reader().expand_prefix(q.fieldname, q.text)
        ]
        if not found:
            return EMPTY
        ids, where = np.unique(np.concatenate([f.ids for f in found]), return_inverse=True)
        frequency = np.bincount(where, weights=np.concatenate([f.values for f in found]))
        idf = math.log(self.searcher.doc_count_all() / (len(ids) + 1)) + 1  # as Searcher.idf
        values = scoring.bm25(
            idf,
            frequency,
            self._lengths(q.fieldname)[ids],
            self.searcher.avg_field_length(q.fieldname) or 1,
            WEIGHTING.B,
            WEIGHTING.K1,
        )
        return Scores(ids, values)

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
        string itself. The index keeps no positions: checking the few documents that hold
        every bigram against their text is as exact and costs less than writing a position
        for every character of the collection."""
        terms = [self.part(wq.Term(q.fieldname, w)) for w in q.words]
        candidates = reduce(
            lambda a, b: np.intersect1d(a, b, assume_unique=True), sorted((t.ids for t in terms), key=len)
        )
        needle = q.words[0] + "".join(w[1:] for w in q.words[1:])
        held = self._holding(Scores(candidates, np.zeros(len(candidates))), (needle,), self.texts())
        return reduce(Scores.plus, terms, held)

    def texts(self, what: str = TEXT) -> list[str]:
        """Every document's text (or, with ``LEAD``, its lead: a heading, or a paragraph's
        first sentence) as the chars field reads it, folded, white space left out; empty for
        documents without text; by document number. Read once per segment."""

        def compute() -> list[str]:
            out: list[str] = []
            for leaf, _ in self.searcher.reader().leaf_readers():
                key = (what, leaf.segment().segment_id())
                out += self.cache.per_segment(key, partial(_leaf_texts, leaf, what))
            return out

        return self.cache.per_document(self.state, what, compute)

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
            result = result.plus(self.part(q))
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
        what = TEXT if early else LEAD
        return self.cache.get(
            (self.state, what, EARLY if early else 0, forms),
            lambda: self._holding(self.units(plan)[u], forms, self.texts(what), EARLY if early else None),
        ).ids

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

    def _holding(
        self, found: Scores, forms: tuple[str, ...], texts: list[str], within: int | None = None
    ) -> Scores:
        """The documents of ``found`` whose text (of ``texts``) holds one of ``forms``
        (starting in its first ``within`` characters, if given)."""
        self._check_time()
        ids = np.fromiter(
            (
                d
                for d in found.ids.tolist()
                if any(
                    texts[d].find(f, 0, None if within is None else within + len(f) - 1) >= 0 for f in forms
                )
            ),
            dtype=np.int32,
        )
        return found.among(ids)

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
                    ranks = self.cache.get(
                        (self.state, "keywords", w), partial(self._postings, "keywords", w)
                    )
                    worst = np.maximum(worst, ranks.at(ids, NOT_ABOUT))
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

        texts = self.texts() if typed else []

        def near(d: int) -> bool:
            return all(_within(texts[d], [forms[u] for u in units]) for units in typed.values())

        return near


def _leaf_texts(reader: IndexReader, what: str) -> list[str]:
    """The texts or leads of one segment's documents (see :meth:`Scorer.texts`)."""
    out = []
    for d in range(reader.doc_count_all()):
        fields = reader.stored_fields(d)
        text = fields.get("text", "")
        if what == LEAD and fields.get("kind") != HEADING:
            text = fields.get("lead") or first_sentence(text)
        out.append("".join(fold(text).split()))
    return out


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
