"""A query's feed: its matching paragraphs, the newest news first.

A report is news from the day it was given, or from the day the library first indexed it
when that is later (the build record's ``indexed``): a report of 2019 added today is today's
news, so a build that adds a matching report puts its paragraphs at the top.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
from whoosh.searching import Searcher

from .engine import with_wordings
from .query import ParsedQuery, needles, plan
from .scoring import TIME_LIMIT, ScoreCache, Scorer
from .snippets import stored_snippet

FEED_ENTRIES = 50  # paragraphs in a feed
CHINA = timezone(timedelta(hours=8))  # a report's date is a day in China
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# characters XML 1.0 does not allow, even escaped (a control character in a file or a query)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML document cannot hold."""
    return NOT_XML.sub("", text)


def _bold_marks(html: str) -> str:
    """Matches in ``<mark><b>``: feed readers' sanitizers (feedparser's among them) drop
    ``<mark>``, an element of HTML5, and keep ``<b>``. Every ``<`` of the text is escaped,
    so the only tags are the snippet's own."""
    return html.replace("<mark>", "<mark><b>").replace("</mark>", "</b></mark>")


@dataclass
class Entry:
    """A paragraph of a feed: its report, place in it, marked snippet and news time."""

    report_id: str
    anchor: str
    title: str
    section: list[str]
    snippet_html: str
    updated: datetime


def moment(value: str | None) -> datetime | None:
    """An ISO date (a day in China) or time (with its offset; UTC without) as a time, or None."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if len(value) == 10:  # a day: its start in China
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), CHINA)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def news_time(summary: dict, built_at: str | None) -> datetime:
    """When a report became news: the later of the day it was given and the day it was
    first indexed (a record from before that note: the last build)."""
    given = moment(summary.get("date"))
    indexed = moment(summary.get("indexed") or built_at)
    return max((t for t in (given, indexed) if t is not None), default=EPOCH)


def entries(
    searcher: Searcher,
    parsed: ParsedQuery,
    meta: dict,
    cache: ScoreCache | None = None,
    deadline: float | None = None,
    limit: int = FEED_ENTRIES,
) -> list[Entry]:
    """The first ``limit`` paragraphs holding every word of ``parsed`` (within its filters):
    those of the report that became news last first (then of the one given last), each
    report's in reading order. ``meta`` is the index's build record."""
    scorer = Scorer(searcher, cache, time.perf_counter() + TIME_LIMIT if deadline is None else deadline)
    found = scorer.matching(plan(with_wordings(searcher, parsed))).ids
    cols = scorer.columns()
    summaries = meta.get("summaries", {})
    reports = cols.reports[found]
    present = np.unique(reports)

    def key(number: int) -> tuple:
        rid = cols.report_ids[number]
        summary = summaries.get(rid, {})
        return (
            news_time(summary, meta.get("built_at")),
            summary.get("date") or str(summary.get("year") or ""),
            rid,
        )

    rank = np.zeros(len(cols.report_ids), np.int64)
    rank[sorted(present.tolist(), key=key, reverse=True)] = np.arange(len(present))
    docs = found[np.lexsort((found, rank[reports]))][:limit]
    marks = needles(parsed)
    out = []
    for docnum in docs.tolist():
        fields = searcher.stored_fields(docnum)
        rid = fields["report_id"]
        out.append(
            Entry(
                report_id=rid,
                anchor=fields.get("anchor") or fields["block_id"],
                title=xml_text(fields["title"]),
                section=[xml_text(s) for s in fields["section"]],
                snippet_html=_bold_marks(xml_text(str(stored_snippet(fields, marks)))),
                updated=news_time(summaries.get(rid, {}), meta.get("built_at")),
            )
        )
    return out
