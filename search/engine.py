"""Searching the index: plain functions returning dataclasses, testable without HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from indexer.places import PLACE_SEP
from indexer.schema import BODY, NOTE, REPORT
from indexer.structure import Report

from .query import ParsedQuery, Plan, needles, plan
from .scoring import TIME_LIMIT, Columns, ScoreCache, Scorer, Scores
from .snippets import match_spans, row_snippet_html, snippet_html

__all__ = ["TIME_LIMIT", "Hit", "SearchResult", "SearchTimeout", "load_report", "search"]

FEW = 10  # fewer paragraphs than this hold every word: those holding all but one follow


class SearchTimeout(Exception):
    """A search stopped at its time limit: the server is busy or the query reaches too far
    (a 503 for the user to retry, not a fault of the query)."""


@dataclass
class Hit:
    report_id: str
    title: str
    region: str
    year: int | None
    paragraph_id: str
    section_path: list[str]
    snippet_html: Markup
    score: float
    kind: str
    lacks: str | None = None  # a near miss: the query word it does not hold
    place: list[str] = field(default_factory=list)  # the region's path: 广东省, 广州市, 荔湾区

    def to_json(self, url: str) -> dict:
        """The hit as the API gives it, with ``url``, its link (the views build links)."""
        return {
            "report_id": self.report_id,
            "title": self.title,
            "region": self.region,
            "place": self.place,
            "year": self.year,
            "paragraph_id": self.paragraph_id,
            "section_path": self.section_path,
            "url": url,
            "snippet_html": str(self.snippet_html),
            "score": round(self.score, 4),
            "lacks": self.lacks,
        }


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

    def to_json(self, link: Callable[[Hit], str]) -> dict:
        """The result as the API gives it; ``link`` gives each hit's URL."""
        return {
            "query": self.query,
            "words": self.words,
            "total": self.total,
            "matched": self.matched,
            "exact_first": self.exact_first,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": self.took_ms,
            "results": [h.to_json(link(h)) for h in self.hits],
        }


def search(
    searcher: Searcher,
    text: str,
    parsed: ParsedQuery,
    page: int = 1,
    per_page: int = 10,
    sort: str = "relevance",
    facets: bool = False,
    deadline: float | None = None,
    cache: ScoreCache | None = None,
) -> SearchResult:
    """Run a parsed query; return one page of hits with snippets (and, with ``facets``,
    the number of matching paragraphs per year and per region). ``cache`` is what searches
    of this index keep (the index handle's); ``deadline`` the request's, else
    ``TIME_LIMIT`` from now.

    By relevance: paragraphs holding the query exactly as typed (its words side by side,
    in its own wording) first, then paragraphs before fragments (headings, short lines;
    notes that explain terms, for a query of one typed word), then those where the words
    stand close together (:meth:`search.scoring.Scorer.close`), then those more about the
    query (:meth:`~search.scoring.Scorer.about`) and whose opening holds more of its
    words (:meth:`~search.scoring.Scorer.leads`; first of the two when the query is one
    typed word, which names a topic: 学前教育, 医疗改革), then the higher score, then the
    newer report. When fewer than ``FEW`` paragraphs hold every word, those holding all but
    one follow. ``sort`` may also be ``newest`` or ``oldest``."""
    started = time.perf_counter()
    scorer = Scorer(searcher, cache, started + TIME_LIMIT if deadline is None else deadline)
    p = plan(parsed)
    needed = page * per_page
    try:
        found = scorer.matching(p)
        misses, lacks = scorer.near_misses(p) if len(found) < FEW else (Scores.of({}), np.empty(0, np.int32))
        cols = scorer.columns()
        if sort == "relevance":
            top = _by_relevance(scorer, p, found, cols, needed)
        else:
            top = found.ids[_by_year(found, cols, sort)[:needed]].tolist()
        if len(top) < needed:
            top += misses.ids[_miss_order(misses, lacks, cols, sort)[: needed - len(top)]].tolist()
    except TimeLimit:
        raise SearchTimeout(f"the search took longer than {TIME_LIMIT:g} s and was stopped") from None
    marks = needles(parsed)
    hits = []
    for docnum in top[(page - 1) * per_page :]:
        hit = searcher.stored_fields(docnum)
        text_ = hit["text"]
        holds = bool(np.isin(docnum, found.ids))
        lacking = None if holds else p.labels[int(lacks[np.searchsorted(misses.ids, docnum)])]
        score = (found if holds else misses).at(np.array([docnum]))[0]
        hits.append(
            Hit(
                report_id=hit["report_id"],
                title=hit["title"],
                region=hit["region"],
                year=hit.get("year"),
                paragraph_id=hit["block_id"],
                section_path=hit["section"],
                snippet_html=(
                    row_snippet_html(hit["cells"], hit.get("header") or [], marks)
                    if hit.get("cells")
                    else snippet_html(text_, match_spans(text_, marks))
                ),
                score=float(score),
                kind=hit["kind"],
                lacks=lacking,
                place=(hit.get("place") or hit["region"]).split(PLACE_SEP),
            )
        )
    exact = p.exact is not None and len(p.labels) > 1 and len(scorer.part(p.exact)) > 0
    result = SearchResult(
        query=text,
        total=len(found) + len(misses),
        page=page,
        per_page=per_page,
        took_ms=0.0,
        hits=hits,
        words=p.labels,
        matched=len(found),
        exact_first=p.typed if exact else None,
    )
    if facets:
        listed = (found if len(found) else misses).ids
        by_year = np.bincount(cols.years[listed])
        result.years = {int(y): int(by_year[y]) for y in np.flatnonzero(by_year) if y}
        by_region = np.bincount(cols.regions[listed], minlength=len(cols.region_names))
        result.regions = {
            cols.region_names[r]: int(by_region[r])
            for r in np.argsort(-by_region, kind="stable")
            if by_region[r]
        }
    result.took_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def _year_key(ids: np.ndarray, cols: Columns, sort: str) -> np.ndarray:
    """Larger first: the newer (or, for ``oldest``, the older) report; no year last."""
    years = cols.years[ids].astype(np.float64)
    return np.where(years > 0, years * (-1 if sort == "oldest" else 1), -np.inf)


def _by_year(found: Scores, cols: Columns, sort: str) -> np.ndarray:
    """The order for newest or oldest first, then the higher score, then index order."""
    return np.lexsort((found.ids, -found.values, -_year_key(found.ids, cols, sort)))


def _by_relevance(scorer: Scorer, p: Plan, found: Scores, cols: Columns, needed: int) -> list[int]:
    """The first ``needed`` documents by relevance (see :func:`search`). The tiers (exact,
    then paragraphs before fragments) are taken in order; within a tier, documents whose
    words stand close together come first, and closeness, read from a document's text, is
    asked of the documents in order only until ``needed`` of them are close."""
    ids = found.ids
    exact = np.isin(ids, scorer.part(p.exact).ids) if p.exact is not None else np.zeros(len(ids), bool)
    fragment = cols.fragment[ids]
    body = (fragment == BODY) | ((fragment == NOTE) & (not p.topic))
    lead, bonus = scorer.leads(p, ids)
    order = np.lexsort(
        (
            ids,
            -_year_key(ids, cols, "newest"),
            -(found.values + bonus),
            -lead,
            scorer.about(p, ids),
            -(lead if p.topic else 0 * lead),
        )
    )
    near = scorer.close(p)
    top: list[int] = []
    for in_exact, in_body in ((True, True), (True, False), (False, True), (False, False)):
        want = needed - len(top)
        if want <= 0:
            break
        docs = ids[order[(exact[order] == in_exact) & (body[order] == in_body)]].tolist()
        if in_exact:  # the query as typed: its words stand together
            top += docs[:want]
            continue
        close: list[int] = []
        apart: list[int] = []
        for d in docs:
            (close if near(d) else apart).append(d)
            if len(close) == want:
                break
        top += (close + apart)[:want]
    return top


def _miss_order(misses: Scores, lacks: np.ndarray, cols: Columns, sort: str) -> np.ndarray:
    """Near misses: grouped by the word they lack, the word the fewest lack first (the
    others hold the query's rarer words; the unit's number keeps runs of equal size apart);
    then paragraphs before fragments, then the score (or the year, when sorting by year)."""
    lacking = np.bincount(lacks)[lacks] if len(lacks) else lacks
    if sort == "relevance":
        within = (misses.ids, -misses.values, cols.fragment[misses.ids] != BODY)
    else:
        within = (misses.ids, -misses.values, -_year_key(misses.ids, cols, sort))
    return np.lexsort((*within, lacks, lacking))


def load_report(searcher: Searcher, report_id: str) -> Report | None:
    doc = searcher.document(uid=report_id, kind=REPORT)
    if doc is None:
        return None
    return Report.from_dict(json.loads(doc["data"]))
