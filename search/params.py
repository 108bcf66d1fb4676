"""Request arguments -> validated values; bad values are a 400 with a plain message."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from .query import ParsedQuery, QueryError, parse, year_range

MAX_PAGE = 1000
MAX_PER_PAGE = 100
SORTS = ("relevance", "newest", "oldest")


def _int_arg(args: MultiDict, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,7}", raw):
        raise BadRequest(f"'{name}' must be a whole number from {lo} to {hi}, not {raw[:20]!r}.")
    value = int(raw)
    if not lo <= value <= hi:
        raise BadRequest(f"'{name}' must be from {lo} to {hi}, not {value}.")
    return value


def page_args(args: MultiDict, per_page_default: int = 10) -> tuple[int, int]:
    """``page`` (1…1000) and ``per_page`` (1…100)."""
    return (
        _int_arg(args, "page", 1, 1, MAX_PAGE),
        _int_arg(args, "per_page", per_page_default, 1, MAX_PER_PAGE),
    )


def sort_arg(args: MultiDict) -> str:
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise BadRequest(f"'sort' must be one of {', '.join(SORTS)}, not {sort[:20]!r}.")
    return sort


def query_args(args: MultiDict) -> tuple[str, ParsedQuery]:
    """The query text and its parse, with ``year``, ``region`` and ``report`` arguments applied."""
    text = args.get("q", "")
    try:
        parsed = parse(text)
    except QueryError as exc:
        raise BadRequest(str(exc)) from exc
    year = args.get("year", "").strip()
    if year:
        years = year_range(year)
        if years is None:
            raise BadRequest(f"'year' must be a year like 2017 or a range like 2015-2018, not {year[:20]!r}.")
        parsed.year_from, parsed.year_to = years
    for region in args.getlist("region"):
        if region.strip():
            parsed.regions.append(region.strip()[:50])
    report = args.get("report", "").strip()
    if report:
        parsed.report = report[:200]
    return text, parsed
