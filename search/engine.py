"""Searching the index: plain functions returning dataclasses, testable without HTTP."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import reduce
from itertools import chain, islice

import numpy as np
from markupsafe import Markup
from whoosh import query as wq
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from indexer.documents import read_report
from indexer.places import PLACE_SEP
from indexer.schema import BODY, NOTE
from indexer.shortforms import NONE
from indexer.structure import Report

from .query import Filters, ParsedQuery, Plan, also_searched, needles, plan
from .scoring import TIME_LIMIT, Columns, ScoreCache, Scorer, Scores, held
from .snippets import stored_snippet

__all__ = [
    "TIME_LIMIT",
    "busy",
    "Group",
    "Hit",
    "SearchResult",
    "SearchTimeout",
    "Series",
    "listing",
    "load_report",
    "search",
]

SMALL = 1023  # leads counted and keyword ranks (NOT_ABOUT: this) fit in 10 bits
HEAD = 500  # documents of a tier sorted at once (the others when a list is read past them)
FEW = 10  # fewer paragraphs than this hold every word: those holding all but one follow


def busy(limit: float) -> str:
    """What a search stopped at its time limit (``limit`` seconds) says to the reader."""
    return (
        f"这次搜索超过 {limit:g} 秒仍未完成，已停止。服务器可能正忙：请稍后再试，"
        "或加上更具体的词、年份或地区。"
    )


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
    anchor: str = ""  # the paragraph's anchor from its own text: the link that survives edits

    def to_json(self, url: str) -> dict:
        """The hit as the API gives it, with ``url``, its link (the views build links)."""
        return {
            "report_id": self.report_id,
            "title": self.title,
            "region": self.region,
            "place": self.place,
            "year": self.year,
            "paragraph_id": self.paragraph_id,
            "anchor": self.anchor,
            "section_path": self.section_path,
            "url": url,
            "snippet_html": str(self.snippet_html),
            "score": round(self.score, 4),
            "lacks": self.lacks,
        }


@dataclass(frozen=True)
class _Cells:
    """Paragraphs per place (a row per place of ``names``) and year (a column per year of
    the axis from ``first``)."""

    counts: np.ndarray
    first: int
    names: list[str]

    def grid(self) -> dict[str, dict[int, int]]:
        rows, columns = np.nonzero(self.counts)
        out: dict[str, dict[int, int]] = {}
        for r, c, n in zip(rows.tolist(), columns.tolist(), self.counts[rows, columns].tolist(), strict=True):
            out.setdefault(self.names[r], {})[self.first + c] = n
        return out


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
    reports: int = 0  # reports holding the listed paragraphs
    also: list[str] = field(default_factory=list)  # wordings searched too (GDP: 地区生产总值; 社保: 社会保险)
    expanded: bool = False  # short forms or near-synonyms searched too (expand=0 switches them off)
    groups: list[Group] | None = None  # grouped by report: this page's reports
    series: Series | None = None  # with facets: per year
    cells: _Cells | None = field(default=None, repr=False)  # with facets: paragraphs per place and year

    @property
    def grid(self) -> dict[str, dict[int, int]]:
        """With facets: place -> year -> paragraphs (its years on the series' axis), for the
        places holding any; built when asked (the overview), not for every search."""
        return self.cells.grid() if self.cells is not None else {}

    @property
    def pages(self) -> int:
        listed = self.reports if self.groups is not None else self.total
        return max(1, -(-listed // self.per_page))

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
        out = {
            "query": self.query,
            "words": self.words,
            "total": self.total,
            "matched": self.matched,
            "reports": self.reports,
            "also_searched": self.also,
            "expanded": self.expanded,
            "exact_first": self.exact_first,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": self.took_ms,
            "results": [h.to_json(link(h)) for h in self.hits],
            "facets": {"years": {str(y): n for y, n in self.years.items()}, "regions": self.regions},
        }
        if self.groups is not None:
            out["groups"] = [g.to_json(link) for g in self.groups]
        if self.series is not None:
            out["series"] = self.series.to_json()
        return out


@dataclass
class Group:
    """A report among grouped results: how many of its paragraphs match, its best ones."""

    report_id: str
    title: str
    place: list[str]
    year: int | None
    count: int
    hits: list[Hit]

    def to_json(self, link: Callable[[Hit], str]) -> dict:
        return {
            "report_id": self.report_id,
            "title": self.title,
            "place": self.place,
            "year": self.year,
            "count": self.count,
            "results": [h.to_json(link(h)) for h in self.hits],
        }


@dataclass
class Series:
    """Per year on a continuous axis (the first to the last year the filters let reports
    through, or the years chosen): the matching paragraphs, the reports holding them, and
    the reports the filters let through that year (0: no report, a gap in the series)."""

    years: list[int]
    paragraphs: list[int]
    reports: list[int]
    available: list[int]

    @property
    def share(self) -> list[float | None]:
        """Of each year's reports, the share holding a match (None in a gap)."""
        return [r / a if a else None for r, a in zip(self.reports, self.available, strict=True)]

    def to_json(self) -> dict:
        return {
            "years": self.years,
            "paragraphs": self.paragraphs,
            "reports": self.reports,
            "available": self.available,
            "share": [None if v is None else round(v, 4) for v in self.share],
        }


GROUP_HITS = 3  # grouped by report: the paragraphs shown of each


def search(
    searcher: Searcher,
    text: str,
    parsed: ParsedQuery,
    page: int = 1,
    per_page: int = 10,
    sort: str = "relevance",
    facets: bool = False,
    group: bool = False,
    deadline: float | None = None,
    cache: ScoreCache | None = None,
) -> SearchResult:
    """Run a parsed query; return one page of hits with snippets, or with ``group`` one page
    of reports (in the order of their best paragraph) with their best ``GROUP_HITS``
    paragraphs each. With ``facets``, the matching paragraphs per year and per place (each
    counted within the other filters, so that other years and places can be added), the
    series per year and the place × year grid. ``cache`` is what searches of this index
    keep (the index handle's); ``deadline`` the request's, else ``TIME_LIMIT`` from now.

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
    parsed = with_wordings(searcher, parsed)
    p = plan(parsed)
    needed = page * per_page
    try:
        everything = scorer.matching(p, Filters()) if facets and p.filters else None
        found = scorer.matching(p) if everything is None else everything.where(scorer.allowed(p.filters))
        misses, lacks = _near_misses(scorer, p, found)
        cols = scorer.columns()
        listed = found if len(found) else misses
        ordered = _Ordered(scorer, p, found, misses, lacks, cols, sort)
        stream = iter(ordered)
        if group:  # each report with its first GROUP_HITS documents in the order of the whole list
            reports = _first_reports(stream, cols, needed)[(page - 1) * per_page :]
            groups = [list(islice(mine, GROUP_HITS)) for mine in ordered.of_reports(reports)]
        else:
            docs = list(islice(stream, needed))[(page - 1) * per_page :]
    except TimeLimit:
        raise SearchTimeout("the search passed its deadline and was stopped") from None
    marks = needles(parsed)

    def hit(docnum: int) -> Hit:
        fields = searcher.stored_fields(docnum)
        lacking = _lacking(p, misses, lacks, docnum)
        return Hit(
            report_id=fields["report_id"],
            title=fields["title"],
            region=fields["region"],
            year=fields.get("year"),
            paragraph_id=fields["block_id"],
            section_path=fields["section"],
            snippet_html=stored_snippet(fields, marks),
            score=float((misses if lacking else found).at(np.array([docnum]))[0]),
            kind=fields["kind"],
            lacks=lacking,
            place=_place(fields),
            anchor=_anchor(fields),
        )

    per_report = np.bincount(cols.reports[listed.ids], minlength=len(cols.report_ids))
    exact = p.exact is not None and len(p.labels) > 1 and len(scorer.part(p.exact)) > 0
    result = SearchResult(
        query=text,
        total=len(found) + len(misses),
        page=page,
        per_page=per_page,
        took_ms=0.0,
        words=p.labels,
        matched=len(found),
        exact_first=p.typed if exact else None,
        reports=int(np.count_nonzero(per_report)),
        also=also_searched(parsed),
        expanded=parsed.expanded,
    )
    if group:
        result.groups = []
        for report_docs in groups:
            hits = [hit(d) for d in report_docs]
            first = hits[0]
            count = int(per_report[cols.reports[report_docs[0]]])
            result.groups.append(Group(first.report_id, first.title, first.place, first.year, count, hits))
            result.hits += hits
    else:
        result.hits = [hit(d) for d in docs]
    if facets:
        _count(scorer, p, result, found if everything is None else everything, misses, cols)
    result.took_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def listing(
    searcher: Searcher,
    parsed: ParsedQuery,
    sort: str = "relevance",
    deadline: float | None = None,
    cache: ScoreCache | None = None,
    maximum: int | None = None,
) -> tuple[int, Iterator[dict]]:
    """How many paragraphs a query lists, and every one of them in the order of its pages,
    lazily (an export streams it): report id, title, place, year, section path, paragraph
    id, text, and ``lacks``. The matching is done (within the deadline) before the first
    row; past ``maximum`` paragraphs no row is ranked or read (the caller refuses). The
    rows themselves have no deadline: their number is what bounds them."""
    scorer = Scorer(searcher, cache, time.perf_counter() + TIME_LIMIT if deadline is None else deadline)
    p = plan(with_wordings(searcher, parsed))
    try:
        found = scorer.matching(p)
        misses, lacks = _near_misses(scorer, p, found)
        total = len(found) + len(misses)
        if maximum is not None and total > maximum:
            return total, iter(())
        stream = iter(_Ordered(scorer, p, found, misses, lacks, scorer.columns(), sort))
        head = list(islice(stream, 1))  # the ranking's own work (leads, keyword ranks) done here
    except TimeLimit:
        raise SearchTimeout("the search passed its deadline and was stopped") from None
    scorer.deadline = math.inf
    return total, _rows(searcher, p, misses, lacks, chain(head, stream))


def with_wordings(searcher: Searcher, parsed: ParsedQuery) -> ParsedQuery:
    """``parsed`` with the short forms and near-synonyms of ``searcher``'s generation, unless
    the user switched them off (``expand``)."""
    wordings = getattr(getattr(searcher, "generation", None), "wordings", NONE)
    return replace(parsed, wordings=wordings) if parsed.expand and wordings is not parsed.wordings else parsed


def _rows(
    searcher: Searcher, p: Plan, misses: Scores, lacks: np.ndarray, stream: Iterator[int]
) -> Iterator[dict]:
    for docnum in stream:
        fields = searcher.stored_fields(docnum)
        yield {
            "report_id": fields["report_id"],
            "title": fields["title"],
            "place": _place(fields),
            "year": fields.get("year"),
            "section": fields["section"],
            "paragraph_id": fields["block_id"],
            "anchor": _anchor(fields),
            "text": fields["text"],
            "lacks": _lacking(p, misses, lacks, docnum),
        }


def _near_misses(scorer: Scorer, p: Plan, found: Scores) -> tuple[Scores, np.ndarray]:
    """The paragraphs lacking one word, when fewer than ``FEW`` hold them all."""
    return scorer.near_misses(p) if len(found) < FEW else (Scores.of({}), np.empty(0, np.int32))


def _lacking(p: Plan, misses: Scores, lacks: np.ndarray, docnum: int) -> str | None:
    """The word a listed document lacks (a near miss), else None."""
    if not held(np.array([docnum]), misses.ids)[0]:
        return None
    return p.labels[int(lacks[np.searchsorted(misses.ids, misses.ids.dtype.type(docnum))])]


def _place(fields: dict) -> list[str]:
    return (fields.get("place") or fields["region"]).split(PLACE_SEP)


def _anchor(fields: dict) -> str:
    return fields.get("anchor") or fields["block_id"]


@dataclass
class _Ordered:
    """A query's listed documents, iterated in order, lazily: those holding every word (by
    relevance, or by year), then the near misses (``lacks``: the unit each lacks)."""

    scorer: Scorer
    p: Plan
    found: Scores
    misses: Scores
    lacks: np.ndarray
    cols: Columns
    sort: str

    def __iter__(self) -> Iterator[int]:
        if self.sort == "relevance":
            yield from _ranked(self.scorer, self.p, self.found, self.cols)
        else:
            yield from self.found.ids[_by_year(self.found, self.cols, self.sort)].tolist()
        yield from self.misses.ids[_miss_order(self.misses, self.lacks, self.cols, self.sort)].tolist()

    def of_reports(self, reports: list[int]) -> list[_Ordered]:
        """The same list for each of ``reports`` (report numbers of ``cols``), of its
        documents only: the list's reports read once for a page of them."""
        wanted = np.array(reports, dtype=self.cols.reports.dtype)
        found_in, missed_in = (self.cols.reports[s.ids] for s in (self.found, self.misses))
        found_at, missed_at = (np.flatnonzero(np.isin(r, wanted)) for r in (found_in, missed_in))
        out = []
        for report in reports:
            mine = found_at[found_in[found_at] == report]
            near = missed_at[missed_in[missed_at] == report]
            out.append(
                replace(
                    self,
                    found=Scores(self.found.ids[mine], self.found.values[mine]),
                    misses=Scores(self.misses.ids[near], self.misses.values[near]),
                    lacks=self.lacks[near],
                )
            )
        return out


def _once_a_year(cols: Columns, reports: np.ndarray) -> np.ndarray:
    """The years of ``reports``, a place's two reports of one year (a new congress's year)
    counted once: the series counts places reporting, not files."""
    pairs = np.unique(cols.report_places[reports].astype(np.int64) * 10_000 + cols.report_years[reports])
    return pairs % 10_000


def _first_reports(stream: Iterator[int], cols: Columns, needed: int) -> list[int]:
    """The first ``needed`` reports to appear in ``stream`` (report numbers of ``cols``)."""
    seen: dict[int, None] = {}
    for d in stream:
        seen.setdefault(int(cols.reports[d]))
        if len(seen) == needed:
            break
    return list(seen)


def _count(
    scorer: Scorer, p: Plan, result: SearchResult, everything: Scores, misses: Scores, cols: Columns
) -> None:
    """The facets (each within the other filters), the series per year and the place × year
    grid of ``result``. ``everything`` holds every word, within no filter. Without filters
    (most searches) every count is of the same documents: their years and places are
    gathered once."""
    filters = p.filters
    if not result.matched:  # near misses only: their counts, within every filter
        everything = misses

    def within(f: Filters) -> np.ndarray:
        return everything.where(scorer.allowed(f)).ids if f else everything.ids

    listed = within(filters)
    years, places = cols.years[listed], cols.regions[listed]
    # a facet counts the documents the other filters let through: the listed ones if it has none
    by_year = np.bincount(cols.years[within(filters.without("year"))] if filters.years else years)
    result.years = {int(y): int(by_year[y]) for y in np.flatnonzero(by_year) if y}
    by_place = np.bincount(
        cols.regions[within(filters.without("region"))] if filters.regions else places,
        minlength=len(cols.region_names),
    )
    result.regions = {
        cols.region_names[r]: int(by_place[r]) for r in np.argsort(-by_place, kind="stable") if by_place[r]
    }
    # reports per year: of those holding a match, of those the filters let through
    holding = np.flatnonzero(np.bincount(cols.reports[listed], minlength=len(cols.report_ids)))
    axis = _once_a_year(cols, np.flatnonzero(scorer.allowed_reports(filters)))
    axis = axis[axis > 0]
    if filters.years:
        lo, hi = min(a for a, _ in filters.years), max(b for _, b in filters.years)
    elif len(axis):
        lo, hi = int(axis.min()), int(axis.max())
    else:
        return
    span = np.arange(lo, hi + 1)
    size = len(span) + 2  # 0: before the axis (or no year), 1 + i: the axis's i-th year, last: after

    def offsets(values: np.ndarray) -> np.ndarray:
        return np.where(values > 0, np.clip(values - lo + 1, 0, size - 1), 0)

    def per_year(values: np.ndarray) -> list[int]:
        return np.bincount(offsets(values), minlength=size)[1 : len(span) + 1].astype(int).tolist()

    # the listed paragraphs per place and year: the grid, and summed over places the series
    cells = np.bincount(
        places.astype(np.int64) * size + offsets(years), minlength=len(cols.region_names) * size
    )
    cells = cells.reshape(len(cols.region_names), size)
    result.series = Series(
        years=span.tolist(),
        paragraphs=cells.sum(axis=0)[1 : len(span) + 1].astype(int).tolist(),
        reports=per_year(_once_a_year(cols, holding)),
        available=per_year(axis),
    )
    result.cells = _Cells(cells[:, 1 : len(span) + 1], lo, cols.region_names)


def _year_key(ids: np.ndarray, cols: Columns, sort: str) -> np.ndarray:
    """Larger first: the newer (or, for ``oldest``, the older) report; no year last."""
    years = cols.years[ids].astype(np.float64)
    return np.where(years > 0, years * (-1 if sort == "oldest" else 1), -np.inf)


def _by_year(found: Scores, cols: Columns, sort: str) -> np.ndarray:
    """The order for newest or oldest first, then the higher score, then index order."""
    return np.lexsort((found.ids, -found.values, -_year_key(found.ids, cols, sort)))


def _ranked(scorer: Scorer, p: Plan, found: Scores, cols: Columns) -> Iterator[int]:
    """The documents of ``found`` by relevance (see :func:`search`), lazily. The tiers
    (exact, then paragraphs before fragments) are taken in order; within a tier, documents
    whose words stand close together come first, and closeness, read from a document's
    text, is asked of the documents in order only as far as the list is read."""
    ids = found.ids
    exact = held(ids, scorer.part(p.exact).ids) if p.exact is not None else np.zeros(len(ids), bool)
    body = in_body(p, cols.fragment[ids])
    own, alike = np.ones(len(ids), bool), np.zeros(len(ids), bool)
    if p.own is not None:  # a short form or near-synonym searched too: the wording typed first
        own = reduce(np.logical_and, [held(ids, scorer.part(wq.Or(u)).ids) for u in p.own])
    if p.alike is not None:
        alike = held(ids, scorer.part(p.alike).ids) & ~exact
    keys, near = _keys(scorer, p, ids, found.values, cols), scorer.close(p)
    # the wording typed is ranked as if nothing else were searched (a variant adds nothing to
    # a paragraph's score or keyword ranks there); the others by every wording
    keys_own, near_own = keys, near
    if p.plain is not None:
        plain = reduce(Scores.both, scorer.units(p.plain)).at(ids)
        keys_own, near_own = _keys(scorer, p.plain, ids, plain, cols), scorer.close(p.plain)
    own &= ~exact & ~alike
    rest = ~exact & ~alike & ~own

    def tier(mask: np.ndarray, keys: Keys, close: Callable[[int], bool] | None) -> Iterator[int]:
        """``mask``'s documents in the order of ``keys``, paragraphs before fragments; with
        ``close``, those whose words stand close together first within each."""
        for bodies in (True, False):
            apart: list[int] = []
            for part in _in_order(keys, np.flatnonzero(mask & (body == bodies))):
                docs = ids[part].tolist()
                if close is None:
                    yield from docs
                    continue
                for d in docs:
                    if close(d):
                        yield d
                    else:
                        apart.append(d)
            yield from apart

    yield from tier(exact, keys_own, None)
    if alike.any():  # the wording typed close together, then the query in a variant's wording
        close_own = np.zeros(len(ids), bool)
        close_own[own] = [near_own(d) for d in ids[own].tolist()]
        yield from tier(own & close_own, keys_own, None)
        yield from tier(alike, keys, None)
        yield from tier(own & ~close_own, keys_own, None)
    else:
        yield from tier(own, keys_own, near_own)
    yield from tier(rest, keys, near)


def in_body(p: Plan, fragment: np.ndarray) -> np.ndarray:
    """Which documents of a tier (by their ``fragment`` column) rank with the body, before
    the headings, status lines and (for a topic) notes that say the same thing."""
    return (fragment == BODY) | ((fragment == NOTE) & (not p.topic))


Keys = tuple[np.ndarray, ...]  # a sort's keys as np.lexsort takes them: the primary last


def _keys(scorer: Scorer, p: Plan, ids: np.ndarray, values: np.ndarray, cols: Columns) -> Keys:
    """What orders ``ids`` (sorted) by relevance within a tier: the lead first for a topic,
    then the keyword ranks, the lead, the score with its bonus, the newer report, index
    order (see :func:`_in_order`)."""
    lead, bonus = scorer.leads(p, ids)
    lead = lead.astype(np.int64)
    about = np.minimum(scorer.about(p, ids), SMALL).astype(np.int64)
    # the small whole numbers in one key (exact): a sort pass each costs as much as the score's
    first = (SMALL - (lead if p.topic else 0 * lead)) << 20 | about << 10 | (SMALL - lead)
    return (-_year_key(ids, cols, "newest"), -(values + bonus), first)


def _in_order(keys: Keys, docs: np.ndarray) -> Iterator[np.ndarray]:
    """``docs`` (positions in ``keys``, ascending) in the order of ``keys``, index order last,
    in two pieces: at once the first ``HEAD`` at least (every one ranked above the last of
    them), and the others only if a list is read past them. A common word matches a third
    of the library; a page shows its first few dozen."""
    mine = tuple(k[docs] for k in keys)
    chosen = np.arange(len(docs))
    need = HEAD
    sure: list[np.ndarray] = []
    for key in reversed(mine):  # the primary first: those surely ahead, and the ties to go on with
        if len(chosen) <= need:
            break
        values = key[chosen]
        kth = np.partition(values, need - 1)[need - 1]
        ahead = values < kth
        sure.append(chosen[ahead])
        need -= int(ahead.sum())
        chosen = chosen[values == kth]
    head = np.sort(np.concatenate([*sure, chosen]))  # every key tied past here: all of them
    head = head[np.lexsort(tuple(k[head] for k in mine))]
    yield docs[head]
    if len(head) < len(docs):
        yield docs[np.lexsort(mine)[len(head) :]]


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
    return read_report(searcher, report_id)
