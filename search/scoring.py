"""From a query plan to scored documents: each part of a query run through Whoosh once,
cached per index state, and combined as Whoosh would combine it (BM25F)."""

from __future__ import annotations

import threading
import time
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable

from whoosh import query as wq
from whoosh import scoring
from whoosh.collectors import ScoredCollector, TimeLimit, TimeLimitCollector
from whoosh.searching import Searcher

from indexer.analysis import query_chars

from .query import Plan

WEIGHTING = scoring.BM25F()  # every score computed (and cached) here uses this
CACHE_ENTRIES = 4_000_000  # document scores kept across queries: 12 bytes each, about 50 MB
WARM_MIN_DOCS = 300  # words in fewer paragraphs than this score in about a millisecond
TOP_KEYWORDS = 3  # a word among a paragraph's first this many keywords: what it is about
NOT_ABOUT = float("inf")  # the rank of a word that is not among a paragraph's keywords
GENERIC_SHARE = 0.1  # a word in more paragraphs than this share does not tell what one is about
NEAR_GAP = 8  # characters between a query's words that still count as close together


class ScoreCache:
    """Query parts' scores per index state, least recently used first out.

    The expensive parts of a query are its frequent words, and those are the words that
    recur across queries: scored once, they cost a dictionary lookup afterwards. Keys hold
    the index state (segments and their deletions), so a build never serves stale scores.
    Scores are kept as two arrays (document numbers, scores), a tenth of a dict's memory.
    """

    def __init__(self, max_entries: int = CACHE_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._data: OrderedDict = OrderedDict()  # key -> (value, size)
        self.size = 0

    def _lookup(self, key):
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
            return found[0]

    def _store(self, key, value, size: int) -> None:
        with self._lock:
            if key not in self._data:
                self._data[key] = (value, size)
                self.size += size
                while self.size > self.max_entries and len(self._data) > 1:
                    _, (_, old) = self._data.popitem(last=False)
                    self.size -= old

    def get(self, key, compute: Callable[[], dict[int, float]]) -> dict[int, float]:
        """Document scores: kept as two arrays (document numbers, scores)."""
        found = self._lookup(key)
        if found is not None:
            return dict(zip(*found))
        scores = compute()
        self._store(key, (array("i", scores.keys()), array("d", scores.values())), len(scores) + 1)
        return scores

    def positions(self, key, compute: Callable[[], dict[int, array]]) -> dict[int, array]:
        """Positions by document, kept as they are (callers do not change them)."""
        found = self._lookup(key)
        if found is None:
            found = compute()
            self._store(key, found, len(found) + sum(map(len, found.values())) + 1)
        return found

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.size = 0


CACHE = ScoreCache()


def index_state(searcher: Searcher) -> tuple:
    """What identifies the documents a searcher sees: its segments and their deletions."""
    return tuple((r.segment().segment_id(), r.segment().deleted_count())
                 for r, _ in searcher.reader().leaf_readers())


class _ScoreMap(ScoredCollector):
    """Collects every matching document with its score."""

    def prepare(self, top_searcher, q, context):
        super().prepare(top_searcher, q, context)
        self.scores: dict[int, float] = {}

    def _collect(self, global_docnum: int, score: float) -> int:
        self.scores[global_docnum] = score
        return 0

    def results(self) -> dict[int, float]:
        return self.scores


def _scores(searcher: Searcher, q, deadline: float) -> dict[int, float]:
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        raise TimeLimit
    collector = _ScoreMap()
    searcher.search_with_collector(q, TimeLimitCollector(collector, timelimit=remaining, use_alarm=False),
                                   context=searcher.context(weighting=WEIGHTING))
    return collector.scores


_columns_lock = threading.Lock()
_columns: dict[tuple, tuple[list, list, list]] = {}


def columns(searcher: Searcher) -> tuple[list, list, list]:
    """Year, region and what it is (:func:`indexer.build.fragment_kind`) of every
    document, by document number (for the latest state read)."""
    state = index_state(searcher)
    found = _columns.get(state)
    if found is None:
        reader = searcher.reader()
        found = (list(reader.column_reader("year")), list(reader.column_reader("region")),
                 list(reader.column_reader("fragment")))
        with _columns_lock:
            _columns.clear()
            _columns[state] = found
    return found


def frequent_words(searcher: Searcher, pause: Callable[[], None] = lambda: None) -> list[str]:
    """Jieba words (single characters among them) found in at least ``WARM_MIN_DOCS``
    paragraphs, the most frequent first. ``pause`` is called every thousand words read."""
    found: dict[str, int] = {}
    for n, (btext, info) in enumerate(searcher.reader().iter_field("content")):
        if n % 1000 == 999:
            pause()
        text = btext.decode("utf-8")
        if info.doc_frequency() >= WARM_MIN_DOCS and any(ch.isalnum() for ch in text):
            found[text] = info.doc_frequency()
    return sorted(found, key=lambda w: -found[w])


def _sum(a: dict[int, float], b: dict[int, float]) -> dict[int, float]:
    """Documents in both, scores added."""
    if len(a) > len(b):
        a, b = b, a
    return {d: s + b[d] for d, s in a.items() if d in b}


def _union(a: dict[int, float], b: dict[int, float]) -> dict[int, float]:
    """Documents in either, scores added."""
    if len(a) < len(b):
        a, b = b, a
    out = dict(a)
    for d, sc in b.items():
        out[d] = out.get(d, 0.0) + sc
    return out


def part_scores(searcher: Searcher, state: tuple, q, deadline: float) -> dict[int, float]:
    """The documents matching one query part, with scores; from the cache when it can.

    Boosts, And and Or are applied here to cached scores, as Whoosh would (a boost
    multiplies, And and Or add up the matching subqueries' scores): a query's words are
    each scored once, whatever else they are combined with.
    """
    if q.boost != 1.0:
        return {d: sc * q.boost for d, sc in part_scores(searcher, state, q.with_boost(1.0), deadline).items()}
    if isinstance(q, (wq.And, wq.Or)) and q.subqueries:
        subs = [part_scores(searcher, state, sub, deadline) for sub in q.subqueries]
        combined = subs[0]
        for sub in subs[1:]:
            combined = _sum(combined, sub) if isinstance(q, wq.And) else _union(combined, sub)
        return combined
    if isinstance(q, wq.Phrase):
        return CACHE.get((state, q), lambda: _phrase(searcher, state, q, deadline))
    return CACHE.get((state, q), lambda: _scores(searcher, q, deadline))


def _phrase(searcher: Searcher, state: tuple, q: wq.Phrase, deadline: float) -> dict[int, float]:
    """Whoosh scores a phrase as the sum of its terms' scores; here the documents are those
    where the terms stand in a row (:func:`starts`)."""
    terms = [part_scores(searcher, state, wq.Term(q.fieldname, w), deadline) for w in q.words]
    return {d: sum(t[d] for t in terms) for d in starts(searcher, state, q.fieldname, tuple(q.words), deadline)}


def starts(searcher: Searcher, state: tuple, fieldname: str, words: tuple[str, ...],
           deadline: float) -> dict[int, array]:
    """Where the terms ``words`` (a string's bigrams, or its one character) stand in a row
    in ``fieldname``: document -> the positions the first stands at. Whoosh's phrase matcher
    reads the positions of every term in every document that has them all; here the
    candidates come from the (cached) terms, and only a covering subset of the terms'
    positions is read: for overlapping terms (the bigrams of a string) every second one
    and the last. Cached, as closeness (:func:`close`) asks for them again."""

    def compute() -> dict[int, array]:
        terms = [part_scores(searcher, state, wq.Term(fieldname, w), deadline) for w in words]
        candidates = sorted(set(min(terms, key=len)).intersection(*terms))
        if not candidates:
            return {}
        cover = sorted({*range(0, len(words), 2), len(words) - 1})
        reader = searcher.reader()
        matchers = [(i, reader.postings(fieldname, words[i])) for i in cover]
        found = {}
        for n, d in enumerate(candidates):
            if n % 256 == 255 and time.perf_counter() > deadline:
                raise TimeLimit
            at: set[int] | None = None
            for i, m in matchers:
                m.skip_to(d)
                here = {p - i for p in m.value_as("positions")}
                at = here if at is None else at & here
                if not at:
                    break
            if at:
                found[d] = array("i", sorted(at))
        return found

    return CACHE.positions((state, "starts", fieldname, words), compute)


def telling(searcher: Searcher, plan: Plan, deadline: float) -> list[int]:
    """The units that say what a paragraph is about. Words found in more than
    ``GENERIC_SHARE`` of the paragraphs (发展, 建设, 改革) say little: as pieces of a typed
    word (旅游业发展) they do not count unless the query has only such words; a word the user
    typed on its own always counts."""
    state = index_state(searcher)
    generic = [piece and len(docs) > GENERIC_SHARE * searcher.doc_count()
               for piece, docs in zip(plan.pieces, _units(searcher, state, plan, deadline))]
    return [u for u, g in enumerate(generic) if not g] or list(range(len(generic)))


def leads(searcher: Searcher, plan: Plan, deadline: float) -> Counter:
    """For each document, how many telling units of the query (:func:`telling`) stand in
    its heading or first sentence, where a paragraph of a work report says what it is
    about (加强住房保障工作。)."""
    state = index_state(searcher)
    found: Counter = Counter()
    for u in telling(searcher, plan, deadline):
        found.update(set().union(*(part_scores(searcher, state, q, deadline).keys() for q in plan.lead[u])))
    return found


def close(searcher: Searcher, plan: Plan, docs, deadline: float) -> set[int]:
    """The documents among ``docs`` where the pieces of each word typed as one (医疗改革:
    医疗 + 改革) stand within :data:`NEAR_GAP` characters of each other (医疗卫生体制改革).
    Words the user typed apart are not asked to stand together."""
    typed: dict[int, list[int]] = {}
    for unit, (term, piece) in enumerate(zip(plan.terms, plan.pieces)):
        if piece:
            typed.setdefault(term, []).append(unit)
    if not typed:
        return set(docs)
    state = index_state(searcher)
    forms = [[(starts(searcher, state, "chars", tuple(query_chars(v)), deadline), len(v.replace(" ", "")))
              for v in variants] for variants in plan.near]
    return {d for d in docs if all(_within(d, [forms[u] for u in units]) for units in typed.values())}


def _within(d: int, units: list[list[tuple[dict[int, array], int]]]) -> bool:
    """Whether one occurrence of each unit (any of its forms: positions, length) stands in
    ``d`` within :data:`NEAR_GAP` characters of the others."""
    events = sorted((p, i, n) for i, unit in enumerate(units) for at, n in unit for p in at.get(d, ()))
    last: dict[int, tuple[int, int]] = {}
    for p, i, n in events:
        last[i] = (p, p + n)
        if len(last) == len(units):
            spans = last.values()
            if max(e for _, e in spans) - min(b for b, _ in spans) - sum(e - b for b, e in spans) <= NEAR_GAP:
                return True
    return False


def _units(searcher: Searcher, state: tuple, plan: Plan, deadline: float) -> list[dict[int, float]]:
    """Each unit's documents, with scores."""
    return [part_scores(searcher, state, group[0] if len(group) == 1 else wq.Or(group), deadline)
            for group in plan.required]


def _narrowed(searcher: Searcher, state: tuple, plan: Plan, result: dict, deadline: float) -> dict:
    """``result`` without the excluded documents and those outside the filter, the optional
    parts' scores added."""
    if plan.excluded:
        out = set().union(*(part_scores(searcher, state, q, deadline).keys() for q in plan.excluded))
        result = {d: sc for d, sc in result.items() if d not in out}
    if plan.filter is not None:
        allowed = CACHE.get((state, "filter", plan.filter),
                            lambda: dict.fromkeys(searcher.docs_for_query(plan.filter), 0.0))
        result = {d: sc for d, sc in result.items() if d in allowed}
    for q in plan.optional:
        scores = part_scores(searcher, state, q, deadline)
        for d in result.keys() & scores.keys():
            result[d] += scores[d]
    return result


def matching(searcher: Searcher, plan: Plan, deadline: float) -> dict[int, float]:
    """Every document the plan matches, with its score (BM25F: the sum of its parts')."""
    state = index_state(searcher)
    units = _units(searcher, state, plan, deadline)
    result = units[0]
    for unit in units[1:]:
        result = _sum(result, unit)
    return _narrowed(searcher, state, plan, result, deadline)


def near_misses(searcher: Searcher, plan: Plan, deadline: float) -> dict[int, tuple[int, float]]:
    """The documents that hold every unit of the query but one: document -> (the unit it
    lacks, score). Empty for a query of one unit."""
    state = index_state(searcher)
    units = _units(searcher, state, plan, deadline)
    if len(units) < 2:
        return {}
    found: dict[int, tuple[int, float]] = {}
    for lacking in range(len(units)):
        rest = [u for i, u in enumerate(units) if i != lacking]
        result = rest[0]
        for unit in rest[1:]:
            result = _sum(result, unit)
        result = {d: sc for d, sc in result.items() if d not in units[lacking]}
        for d, sc in _narrowed(searcher, state, plan, result, deadline).items():
            found[d] = (lacking, sc)
    return found


def _keyword_ranks(searcher: Searcher, word: str) -> dict[int, float]:
    """The documents that have ``word`` among their keywords, with its rank there."""
    reader = searcher.reader()
    if ("keywords", word) not in reader:
        return {}
    m = reader.postings("keywords", word)
    found = {}
    while m.is_active():
        found[m.id()] = m.weight()
        m.next()
    return found


def about(searcher: Searcher, plan: Plan, deadline: float) -> dict[int, float]:
    """How much each document is about the query: the rank among its keywords (see
    :func:`indexer.analysis.keywords`) of the query word that ranks lowest there, any
    rank up to ``TOP_KEYWORDS`` counted as that. Only telling units count (:func:`telling`);
    a unit's best variant counts; a document without every telling unit among its keywords
    is left out (it is ``NOT_ABOUT``).

    Relevance sorts on this before the score: of the paragraphs that hold the words,
    those that are about them come first. BM25 alone, which saturates term frequency and
    favours short text, puts short passages that merely mention the words above the
    paragraph that is about them."""
    state = index_state(searcher)
    result: dict[int, float] | None = None
    for group in (plan.about[u] for u in telling(searcher, plan, deadline) if plan.about[u]):
        best: dict[int, float] = {}
        for words in group:
            ranks = [CACHE.get((state, "keywords", w), lambda w=w: _keyword_ranks(searcher, w)) for w in words]
            for d in set(min(ranks, key=len)).intersection(*ranks):
                best[d] = min(best.get(d, NOT_ABOUT), max(r[d] for r in ranks))
        result = best if result is None else {d: max(r, result[d]) for d, r in best.items() if d in result}
        if not result:
            break
    return {d: max(r, TOP_KEYWORDS) for d, r in (result or {}).items()}
