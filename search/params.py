"""Request arguments -> validated values; bad values are a 400 with a plain message."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from .query import ParsedQuery, QueryError, parse, year_range

MAX_PAGE = 1000
MAX_PER_PAGE = 100
SORTS = ("relevance", "newest", "oldest")
GROUPS = ("report", "paragraph")  # results one card per report, or one per paragraph
MEASURES = ("paragraphs", "reports", "share")  # what the series per year counts
EXPORTS = ("hits", "years", "places")  # what /api/export lists
FORMATS = ("csv", "json")


def _int_arg(args: MultiDict, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,7}", raw):
        raise BadRequest(f"参数“{name}”应为 {lo} 到 {hi} 之间的整数，而不是 {raw[:20]!r}。")
    value = int(raw)
    if not lo <= value <= hi:
        raise BadRequest(f"参数“{name}”应在 {lo} 到 {hi} 之间，而不是 {value}。")
    return value


def page_args(args: MultiDict, per_page_default: int = 10) -> tuple[int, int]:
    """``page`` (1…1000) and ``per_page`` (1…100)."""
    return (
        _int_arg(args, "page", 1, 1, MAX_PAGE),
        _int_arg(args, "per_page", per_page_default, 1, MAX_PER_PAGE),
    )


def sort_arg(args: MultiDict) -> str:
    return choice_arg(args, "sort", SORTS, "relevance")


def choice_arg(args: MultiDict, name: str, choices: tuple[str, ...], default: str) -> str:
    """``name`` as one of ``choices`` (``default`` when absent)."""
    value = args.get(name, "") or default
    if value not in choices:
        raise BadRequest(f"参数“{name}”应为 {'、'.join(choices)} 之一，而不是 {value[:20]!r}。")
    return value


def query_args(args: MultiDict) -> tuple[str, ParsedQuery]:
    """The query text and its parse, with ``year`` (each a year or a range), ``region`` and
    ``report`` arguments applied; several years or regions are any of them."""
    text = args.get("q", "")
    try:
        parsed = parse(text)
    except QueryError as exc:
        raise BadRequest(str(exc)) from exc
    for year in args.getlist("year"):
        if not year.strip():
            continue
        years = year_range(year)
        if years is None:
            raise BadRequest(
                f"参数“year”应为年份（如 2017）或年份范围（如 2015-2018），而不是 {year[:20]!r}。"
            )
        parsed.years.append(years)
    for region in args.getlist("region"):
        if region.strip():
            parsed.regions.append(region.strip()[:50])
    report = args.get("report", "").strip()
    if report:
        parsed.report = report[:200]
    # expand=0: the words as typed only, without the short forms and near-synonyms
    parsed.expand = choice_arg(args, "expand", ("1", "0"), "1") == "1"
    return text, parsed
