"""Searching the index: plain functions returning dataclasses, testable without HTTP."""

from __future__ import annotations

import heapq
import json
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import opencc
from markupsafe import Markup
from whoosh.collectors import TimeLimit
from whoosh.index import Index
from whoosh.searching import Searcher

from indexer.analysis import fold, word_tokens
from indexer.schema import BODY, NOTE, REPORT
from indexer.store import IndexDamaged, IndexMissing, current_path, damage, open_current, read_manifest, read_meta
from indexer.structure import Report

from . import scoring
from .query import ParsedQuery, QueryError, needles, parse, plan
from .scoring import (NOT_ABOUT, WEIGHTING, about, close, columns, frequent_words, index_state, leads,
                      matching, near_misses, part_scores)
from .snippets import match_spans, snippet_html

MAX_PER_PAGE = 100
TIME_LIMIT = 3.0  # seconds one search may take before it is stopped
WARM_SHARE = 0.6  # of the score cache filled ahead of queries with the index's most frequent words


class SearchTimeout(Exception):
    """A search stopped at its time limit: the server is busy or the query reaches too far
    (a 503 for the user to retry, not a fault of the query)."""


class IndexHandle:
    """The served index, opened once per app, with a pool of searchers.

    A request takes a searcher from the pool (no two threads share one) and gives it back
    when it ends. A searcher is refreshed when a build has committed since it was opened,
    and the pool is emptied when a rebuild switches generation, so a running server sees
    every build within one request, without a restart.

    With ``warm``, each index state's most frequent words are scored into the
    score cache (:class:`search.scoring.ScoreCache`) by a background thread as soon as a
    searcher first reads it.
    """

    def __init__(self, index_dir: Path, warm: bool = True):
        self.index_dir = index_dir
        self.warm = warm
        self._warming: tuple | None = None  # the index state being (or last) warmed
        self._in_use = 0  # searchers handed out and not yet given back
        self._lock = threading.Lock()
        self._ix: Index | None = None
        self._path: Path | None = None
        self._pool: list[Searcher] = []  # idle searchers of the current generation
        # Idle searchers hold open files: close them when the handle goes (or on close()).
        self.close = weakref.finalize(self, _close_all, self._pool)
        self._owner: dict[int, Index] = {}  # searcher -> the index (generation) it reads
        self._manifest: tuple[Path | None, dict] = (None, {})  # a generation and its files' sizes

    def _index(self) -> Index:
        path = current_path(self.index_dir)
        if path is None:
            raise IndexMissing(f"no index in {self.index_dir}: run `python -m indexer build`")
        with self._lock:
            if path != self._manifest[0]:
                self._manifest = (path, read_manifest(path))
            manifest = self._manifest[1]
        problems = damage(path, manifest)  # a stat per file: a cut file is found at once
        if problems:
            raise IndexDamaged("; ".join(problems[:3]))
        with self._lock:
            if self._ix is None or path != self._path:
                self._ix, self._path = open_current(self.index_dir), path
                old = self._pool[:]
                self._pool.clear()
                for s in old:
                    self._owner.pop(id(s), None)
                    s.close()
            return self._ix

    def acquire(self) -> Searcher:
        """A searcher showing the latest committed state; give it back with :meth:`release`."""
        with self._lock:
            self._in_use += 1
        try:
            return self._acquire()
        except BaseException:
            with self._lock:
                self._in_use -= 1
            raise

    def _acquire(self) -> Searcher:
        ix = self._index()
        with self._lock:
            s = self._pool.pop() if self._pool else None
        if s is not None and s.up_to_date():
            return s
        if s is not None:  # not s.refresh(): it reuses segment readers whose deletions changed
            with self._lock:
                self._owner.pop(id(s), None)
            s.close()
        s = ix.searcher(weighting=WEIGHTING)
        self._owner[id(s)] = ix
        if self.warm:
            self._start_warming(ix, index_state(s))
        return s

    def _start_warming(self, ix: Index, state: tuple) -> None:
        with self._lock:
            if self._warming == state:
                return
            self._warming = state
        threading.Thread(target=self._warm, args=(ix, state), daemon=True,
                         name="warm-score-cache").start()

    def _warm(self, ix: Index, state: tuple) -> None:
        """Score the index's most frequent words and characters before anyone asks: a
        query of common words then costs dictionary lookups from its first run. Works
        only while no searcher is in use (under load, the queries fill the cache and
        should not share the CPU with this); stops when the index changes (a newer
        warm-up takes over) or the cache share is full."""
        try:
            with ix.searcher(weighting=WEIGHTING) as s:
                if index_state(s) != state:
                    return

                def pause() -> None:
                    while self._in_use and self._warming == state:
                        time.sleep(0.01)

                pause()
                columns(s)
                for word in frequent_words(s, pause):
                    pause()
                    if self._warming != state or scoring.CACHE.size > scoring.CACHE.max_entries * WARM_SHARE:
                        return
                    p = plan(parse(word))
                    matching(s, p, time.perf_counter() + TIME_LIMIT)
                    about(s, p, time.perf_counter() + TIME_LIMIT)
        except Exception:  # warming only saves time; a query will score what it needs
            logging.getLogger(__name__).exception("warming the score cache failed")

    def warm_now(self) -> None:
        """Score the index's most frequent words in this thread and close what it opened.
        A server that loads the app before it forks its workers (``gunicorn --preload``)
        warms once, before any worker takes traffic, and every worker has the scores; a
        worker that loads the app itself warms before it answers."""
        if not self.warm:
            return
        try:
            ix = self._index()
        except (IndexMissing, IndexDamaged):  # served as a 503 until the next build
            return
        with ix.searcher(weighting=WEIGHTING) as s:
            state = index_state(s)
        self._warming = state  # workers find this state warmed and do not start again
        self._warm(ix, state)
        with self._lock:
            _close_all(self._pool)
            self._owner.clear()
            self._ix = self._path = None  # each process opens the index itself

    def release(self, s: Searcher) -> None:
        with self._lock:
            self._in_use -= 1
            ix = self._owner.pop(id(s), None)
            if ix is not None and ix is self._ix and len(self._pool) < 16:
                self._owner[id(s)] = ix
                self._pool.append(s)
                return
        s.close()

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        s = self.acquire()
        try:
            yield s
        finally:
            self.release(s)


def _close_all(searchers: list[Searcher]) -> None:
    while searchers:
        searchers.pop().close()


@dataclass
class Hit:
    report_id: str
    title: str
    region: str
    year: int | None
    paragraph_id: str
    section_path: list[str]
    url: str
    snippet_html: Markup
    score: float
    kind: str
    lacks: str | None = None  # a near miss: the query word it does not hold

    def to_json(self) -> dict:
        return {"report_id": self.report_id, "title": self.title, "region": self.region,
                "year": self.year, "paragraph_id": self.paragraph_id,
                "section_path": self.section_path, "url": self.url,
                "snippet_html": str(self.snippet_html), "score": round(self.score, 4),
                "lacks": self.lacks}


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit] = field(default_factory=list)
    years: dict[int, int] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # what was searched: each word the query was cut into
    matched: int = 0  # paragraphs holding every word; the rest of ``total`` lack one
    exact_first: str | None = None  # the query as typed, when paragraphs holding it were put first

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def sections(self) -> list[tuple[str | None, int, list[Hit]]]:
        """The hits in runs of the same missing word: (the word, or None for hits that hold
        every word; the rank of the run's first hit; its hits)."""
        out: list[tuple[str | None, int, list[Hit]]] = []
        for rank, hit in enumerate(self.hits, (self.page - 1) * self.per_page + 1):
            if not out or out[-1][0] != hit.lacks:
                out.append((hit.lacks, rank, []))
            out[-1][2].append(hit)
        return out

    def to_json(self) -> dict:
        return {"query": self.query, "words": self.words, "total": self.total, "matched": self.matched,
                "exact_first": self.exact_first, "page": self.page, "per_page": self.per_page,
                "took_ms": self.took_ms, "results": [h.to_json() for h in self.hits]}


def report_url(report_id: str, block_id: str | None = None) -> str:
    return f"/reports/{quote(report_id)}" + (f"#{block_id}" if block_id else "")


SORTS = ("relevance", "newest", "oldest")


FEW = 10  # fewer paragraphs than this hold every word: those holding all but one follow


def search(searcher: Searcher, text: str, parsed: ParsedQuery, page: int = 1, per_page: int = 10,
           sort: str = "relevance", facets: bool = False, deadline: float | None = None) -> SearchResult:
    """Run a parsed query; return one page of hits with snippets (and, with ``facets``,
    the number of matching paragraphs per year and per region). By relevance: paragraphs
    holding the query exactly as typed (its words side by side, in its own wording) first,
    then paragraphs before fragments (headings, short lines; notes that explain terms, for
    a query of one typed word), then those where the words
    stand close together (:func:`search.scoring.close`), then those more about the query
    (:func:`search.scoring.about`) and whose first sentence holds more of its words
    (:func:`search.scoring.leads`; first of the two when the query is one typed word, which
    names a topic: 学前教育, 医疗改革), then the higher score, then the newer report. When
    fewer than ``FEW`` paragraphs hold every word, those holding all but one follow."""
    started = time.perf_counter()
    deadline = started + TIME_LIMIT if deadline is None else deadline  # the request's, if given
    p = plan(parsed)
    try:
        found = matching(searcher, p, deadline)
        exact = set() if p.exact is None else part_scores(searcher, index_state(searcher), p.exact, deadline).keys()
        misses = near_misses(searcher, p, deadline) if len(found) < FEW else {}
        years, regions, fragment = columns(searcher)
        needed = page * per_page
        if sort == "relevance":
            top = _by_relevance(searcher, p, found, exact, fragment, years, needed, deadline)
        else:
            top = heapq.nlargest(needed, found, key=_by_year(found, years, sort))
        if len(top) < needed:
            top += heapq.nlargest(needed - len(top), misses, key=_miss_key(misses, fragment, years, sort))
    except TimeLimit:
        raise SearchTimeout(f"the search took longer than {TIME_LIMIT:g} s and was stopped") from None
    marks = needles(parsed)
    hits = []
    for docnum in top[(page - 1) * per_page:]:
        hit = searcher.stored_fields(docnum)
        text_ = hit["text"]
        hits.append(Hit(
            report_id=hit["report_id"], title=hit["title"], region=hit["region"],
            year=hit.get("year"), paragraph_id=hit["block_id"], section_path=hit["section"],
            url=report_url(hit["report_id"], hit["block_id"]),
            snippet_html=snippet_html(text_, match_spans(text_, marks)),
            score=found[docnum] if docnum in found else misses[docnum][1], kind=hit["kind"],
            lacks=p.labels[misses[docnum][0]] if docnum not in found else None))
    result = SearchResult(query=text, total=len(found) + len(misses), page=page, per_page=per_page,
                          took_ms=0.0, hits=hits, words=p.labels, matched=len(found),
                          exact_first=p.typed if exact and len(p.labels) > 1 else None)
    if facets:
        listed = found or misses
        result.years = dict(Counter(years[d] for d in listed if years[d]))
        result.regions = dict(Counter(regions[d] for d in listed).most_common())
    result.took_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _by_year(found: dict[int, float], years: list, sort: str):
    """The sort key for newest or oldest first (then the higher score); reports without a
    year last."""
    sign = -1 if sort == "oldest" else 1
    return lambda d: (sign * years[d] if years[d] else float("-inf"), found[d], -d)


def _by_relevance(searcher: Searcher, p, found: dict[int, float], exact, fragment: list, years: list,
                  needed: int, deadline: float) -> list[int]:
    """The first ``needed`` documents by relevance (see :func:`search`). The tiers are taken
    in order, and closeness, the costly key, is computed only for the tiers that reach into
    the first ``needed``: a frequent query as typed fills the first page on its own."""
    ranks = about(searcher, p, deadline)
    lead = leads(searcher, p, deadline)
    tiers: dict[tuple[bool, bool], list[int]] = {}
    for d in found:
        body = fragment[d] == BODY or (fragment[d] == NOTE and not p.topic)
        tiers.setdefault((d in exact, body), []).append(d)
    top: list[int] = []
    for tier in sorted(tiers, reverse=True):
        if len(top) >= needed:
            break
        docs = tiers[tier]
        near = set(docs) if tier[0] else close(searcher, p, docs, deadline)
        top += heapq.nlargest(needed - len(top), docs, key=lambda d: (
            d in near, p.topic and lead[d], -ranks.get(d, NOT_ABOUT), lead[d], found[d],
            years[d] or float("-inf"), -d))
    return top


def _miss_key(misses: dict[int, tuple[int, float]], fragment: list, years: list, sort: str):
    """Near misses: grouped by the word they lack, the word the fewest lack first (the
    others hold the query's rarer words; the unit's number keeps runs of equal size apart);
    then paragraphs before fragments, then the score (or the year, when sorting by year)."""
    lacking = Counter(unit for unit, _ in misses.values())
    by_year = _by_year({d: sc for d, (_, sc) in misses.items()}, years, sort)
    return lambda d: (-lacking[misses[d][0]], -misses[d][0],
                      *(by_year(d) if sort != "relevance" else (not fragment[d], misses[d][1], -d)))


def load_report(searcher: Searcher, report_id: str) -> Report | None:
    doc = searcher.document(uid=report_id, kind=REPORT)
    if doc is None:
        return None
    return Report.from_dict(json.loads(doc["data"]))


def list_reports(searcher: Searcher) -> list[dict]:
    """Every indexed report: id, title, region, year, paragraph count, url."""
    out = [{"id": rid, "title": s["title"], "region": s["region"], "year": s["year"],
            "paragraphs": s["paragraphs"], "url": report_url(rid)}
           for rid, s in read_meta(searcher).get("summaries", {}).items()]
    out.sort(key=lambda r: (r["region"], -(r["year"] or 0), r["id"]))
    return out


@dataclass
class Suggestion:
    label: str
    query: str
    drop_filters: bool = False


TO_SCRIPT = {"s": opencc.OpenCC("t2s"), "t": opencc.OpenCC("s2t")}  # Simplified, Traditional


SUGGEST_TIME = 1.0  # seconds the spelling corrector may take for one page
MAX_CORRECTED = 8  # longer words are not looked up: a typo is in a word, not a pasted line


def suggestions(searcher: Searcher, text: str, parsed: ParsedQuery,
                deadline: float | None = None) -> list[Suggestion]:
    """What to try when nothing was found: the other script, a spelling from the index's own
    words (Whoosh's corrector, for words of 2 to ``MAX_CORRECTED`` characters, until
    ``deadline``: each look-up walks the whole vocabulary, half a second for a long Latin
    string), the query without one of its words, without its filters."""
    deadline = time.perf_counter() + SUGGEST_TIME if deadline is None else deadline
    out: list[Suggestion] = []
    other = TO_SCRIPT["s" if fold(text) != text else "t"].convert(text)
    if other != text:
        out.append(Suggestion(f"换用{'简体' if fold(text) != text else '繁体'}：{other}", other))
    corrected = text
    for term in parsed.terms:
        for word, _, _, _ in word_tokens(fold(term), search_mode=False):
            if time.perf_counter() > deadline:
                break
            if 1 < len(word) <= MAX_CORRECTED and not searcher.doc_frequency("content", word):
                found = searcher.suggest("content", word, limit=1, maxdist=1)
                if found:
                    corrected = fold(corrected).replace(word, found[0])
    if corrected != text and fold(corrected) != fold(text):
        out.append(Suggestion(f"您是不是要找：{corrected}", corrected))
    years = [] if parsed.year_from is None else [
        f"year:{parsed.year_from}" + (f"-{parsed.year_to}" if parsed.year_to != parsed.year_from else "")]
    filters = " ".join(years + [f"region:{r}" for r in parsed.regions])
    if len(parsed.groups) > 1:
        for group in parsed.groups:
            rest = " ".join(" OR ".join(g) for g in parsed.groups if g is not group)
            out.append(Suggestion(f"去掉“{' OR '.join(group)}”：{rest}", f"{rest} {filters}".strip()))
    if parsed.has_filters and parsed.terms:
        out.append(Suggestion("去掉年份和地区筛选", " ".join(" OR ".join(g) for g in parsed.groups),
                              drop_filters=True))
    return out


def status(searcher: Searcher) -> dict:
    """Counts (reports, paragraphs, regions, years) and the record of the last build."""
    meta = read_meta(searcher)
    summaries = meta.get("summaries", {}).values()
    years = sorted({s["year"] for s in summaries if s.get("year")})
    return {"reports": meta.get("reports", 0), "paragraphs": meta.get("paragraphs", 0),
            "regions": len({s["region"] for s in summaries}),
            "first_year": years[0] if years else None, "last_year": years[-1] if years else None,
            "built_at": meta.get("built_at"), "refused": meta.get("refused", []),
            "duplicates": meta.get("duplicates", [])}
