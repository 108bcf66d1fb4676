"""From a query plan to scored documents: each part of a query run through Whoosh once,
cached per index state, and combined as Whoosh would combine it (BM25F)."""

from __future__ import annotations

import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable

from whoosh import query as wq
from whoosh import scoring
from whoosh.collectors import ScoredCollector, TimeLimit, TimeLimitCollector
from whoosh.searching import Searcher

from .query import Plan

WEIGHTING = scoring.BM25F()  # every score computed (and cached) here uses this
CACHE_ENTRIES = 4_000_000  # document scores kept across queries: 12 bytes each, about 50 MB
WARM_MIN_DOCS = 300  # words in fewer paragraphs than this score in about a millisecond
TOP_KEYWORDS = 3  # a word among a paragraph's first this many keywords: what it is about
NOT_ABOUT = float("inf")  # the rank of a word that is not among a paragraph's keywords


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
        self._data: OrderedDict = OrderedDict()
        self.size = 0

    def get(self, key, compute: Callable[[], dict[int, float]]) -> dict[int, float]:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
        if found is not None:
            return dict(zip(*found))
        scores = compute()
        value = (array("i", scores.keys()), array("d", scores.values()))
        with self._lock:
            if key not in self._data:
                self._data[key] = value
                self.size += len(scores) + 1
                while self.size > self.max_entries and len(self._data) > 1:
                    _, (old, _) = self._data.popitem(last=False)
                    self.size -= len(old) + 1
        return scores

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
_columns: dict[tuple, tuple[list, list]] = {}


def columns(searcher: Searcher) -> tuple[list, list]:
    """Year and region of every document, by document number (for the latest state read)."""
    state = index_state(searcher)
    found = _columns.get(state)
    if found is None:
        reader = searcher.reader()
        found = list(reader.column_reader("year")), list(reader.column_reader("region"))
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
    """Whoosh scores a phrase as the sum of its terms' scores; its own matcher checks the
    positions of every term in every document that has them all. Here the candidates come
    from the (cached) terms, and only a covering subset of the terms' positions is read:
    for overlapping terms (the bigrams of a string) every second one and the last."""
    terms = [part_scores(searcher, state, wq.Term(q.fieldname, w), deadline) for w in q.words]
    candidates = sorted(set(min(terms, key=len)).intersection(*terms))
    if not candidates:
        return {}
    cover = sorted({*range(0, len(q.words), 2), len(q.words) - 1})
    reader = searcher.reader()
    matchers = [(i, reader.postings(q.fieldname, q.words[i])) for i in cover]
    found = {}
    for n, d in enumerate(candidates):
        if n % 256 == 255 and time.perf_counter() > deadline:
            raise TimeLimit
        starts: set[int] | None = None
        for i, m in matchers:
            m.skip_to(d)
            here = {p - i for p in m.value_as("positions")}
            starts = here if starts is None else starts & here
            if not starts:
                break
        if starts:
            found[d] = sum(t[d] for t in terms)
    return found


def matching(searcher: Searcher, plan: Plan, deadline: float) -> dict[int, float]:
    """Every document the plan matches, with its score (BM25F: the sum of its parts')."""
    state = index_state(searcher)

    def part(q) -> dict[int, float]:
        return part_scores(searcher, state, q, deadline)

    result: dict[int, float] | None = None
    for group in plan.required:
        either = part(group[0] if len(group) == 1 else wq.Or(group))
        result = either if result is None else _sum(result, either)
    assert result is not None
    if plan.excluded:
        out = set().union(*(part(q).keys() for q in plan.excluded))
        result = {d: sc for d, sc in result.items() if d not in out}
    if plan.filter is not None:
        allowed = CACHE.get((state, "filter", plan.filter),
                            lambda: dict.fromkeys(searcher.docs_for_query(plan.filter), 0.0))
        result = {d: sc for d, sc in result.items() if d in allowed}
    for q in plan.optional:
        scores = part(q)
        for d in result.keys() & scores.keys():
            result[d] += scores[d]
    return result


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


def about(searcher: Searcher, plan: Plan) -> dict[int, float]:
    """How much each document is about the query: the rank among its keywords (see
    :func:`indexer.analysis.keywords`) of the query word that ranks lowest there, any
    rank up to ``TOP_KEYWORDS`` counted as that. A query group's best variant counts; a
    document without every group among its keywords is left out (it is ``NOT_ABOUT``).

    Relevance sorts on this before the score: of the paragraphs that hold the words,
    those that are about them come first. BM25 alone, which saturates term frequency and
    favours short text, puts short passages that merely mention the words above the
    paragraph that is about them."""
    state = index_state(searcher)
    result: dict[int, float] | None = None
    for group in plan.about:
        best: dict[int, float] = {}
        for words in group:
            ranks = [CACHE.get((state, "keywords", w), lambda w=w: _keyword_ranks(searcher, w)) for w in words]
            for d in set(min(ranks, key=len)).intersection(*ranks):
                best[d] = min(best.get(d, NOT_ABOUT), max(r[d] for r in ranks))
        result = best if result is None else {d: max(r, result[d]) for d, r in best.items() if d in result}
        if not result:
            break
    return {d: max(r, TOP_KEYWORDS) for d, r in (result or {}).items()}
