"""One report per row of a table (CSV, spreadsheet): the text column, the place and year
columns, rows too short to be a report skipped and counted, and the debris collected data
carries in its cells (literal ``\\r\\n`` for line breaks, ``&nbsp;``, ``????`` for
characters lost on the way)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .base import ReadError, Source, Sources
from .text import text_lines

TEXT_COLUMNS = ("full_text", "text", "content", "body", "报告全文", "正文", "全文", "内容")
# Place columns, the most specific first; a row's region is the first one filled in.
PLACE_COLUMNS = (
    ("region", "district", "county", "区县名称", "区县", "县区", "地区"),
    ("city", "所属城市", "城市"),
    ("province", "所属省份", "省份"),
)
YEAR_COLUMNS = ("year", "年份", "年度")
TITLE_COLUMNS = ("title", "报告标题", "标题")
MIN_ROW_CHARS = 2000  # a row's text shorter than this is a fragment (a teaser cut off), not a report
MAX_NAME = 40  # characters of a column name; a longer one is a row of text: the table has no header
MIN_TEXT_COLUMN = 200  # characters a row holds on average in the column read as the text

_LITERAL_BREAK = re.compile(r"\\r\\n|\\n|\\r")
_LOST = re.compile(r"\?{2,}")  # characters a conversion could not encode (全角 spaces, mostly)


def cell_text(value: object) -> str:
    """A cell's text with literal ``\\r\\n`` sequences as line breaks, HTML entities decoded
    and runs of ``?`` (characters lost in a conversion) as a space."""
    text = "" if value is None else str(value)
    text = _LITERAL_BREAK.sub("\n", text)
    if "&" in text:
        text = html.unescape(text)
    return _LOST.sub("\u3000", text)


def text_column(header: Sequence[str], rows: list[dict[str, str]]) -> str:
    """The column holding the reports' text: one named as a text column, else the one with
    the longest text (a column named by a long text is no column: the table has no header)."""
    columns = {c.strip().lower(): c for c in header if c}
    named = next((columns[c] for c in TEXT_COLUMNS if c in columns), None)
    if named is not None:
        return named
    length = {c: sum(len(r.get(c) or "") for r in rows) for c in header if c and len(c) <= MAX_NAME}
    best = max(length, key=lambda c: length[c], default=None)
    if best is None or length[best] < MIN_TEXT_COLUMN * max(1, len(rows)):
        raise ReadError(
            f"no text column (one of {', '.join(TEXT_COLUMNS)}, or a column of long texts); "
            f"its first row is {'|'.join(c for c in header if c)[:40]!r}"
        )
    return best


def _first(row: dict[str, str], names: Sequence[str]) -> str:
    return next((row[n].strip() for n in names if (row.get(n) or "").strip()), "")


def row_sources(header: Sequence[str], rows: list[dict[str, str]], kind: str) -> Sources:
    """One source per row whose text is long enough to be a report; the others counted in
    ``skipped``. Year and place columns go to ``columns`` (the report's own text wins over
    them), the others to ``meta``."""
    if not rows:
        raise ReadError(f"the {kind} has no rows")
    column = text_column(header, rows)
    out = Sources()
    for n, row in enumerate(rows, 1):
        body = cell_text(row.get(column))
        size = len("".join(body.split()))
        if size < MIN_ROW_CHARS:
            out.skipped.append(
                {"row": n, "reason": "empty" if not size else f"too short ({size:,} characters)"}
            )
            continue
        fields = {k.strip().lower(): cell_text(v).strip() for k, v in row.items() if k and k != column}
        places = [_first(fields, names) for names in PLACE_COLUMNS]
        columns = {"year": _first(fields, YEAR_COLUMNS), "region": next((p for p in places if p), "")}
        columns["within"] = " ".join(p for p in places[1:] if p)
        meta = {k: v for k, v in fields.items() if k not in {*YEAR_COLUMNS, *sum(PLACE_COLUMNS, ())}}
        if title := _first(fields, TITLE_COLUMNS):
            meta["title"] = title
        out.append(Source(text_lines(body), meta, n if len(rows) > 1 else None, columns, column))
    if not out:
        raise ReadError(_nothing_to_read(kind, column, rows, out.skipped))
    return out


def _nothing_to_read(kind: str, column: str, rows: list[dict[str, str]], skipped: list[dict]) -> str:
    """Why no row of a table is a report: all empty (the text in another column: a quote
    left open?) or all too short."""
    if any(s["reason"] != "empty" for s in skipped):
        return f"no row of the {kind} holds a report: every text in column {column!r} is under {MIN_ROW_CHARS:,} characters"
    elsewhere = max(
        ((len(v or ""), k) for row in rows for k, v in row.items() if k != column and isinstance(v, str)),
        default=(0, ""),
    )
    hint = (
        f"; the text is in column {elsewhere[1]!r} instead: a quote left open?" if elsewhere[0] > 200 else ""
    )
    return f"the {kind} column {column!r} is empty in every row{hint}"
