"""Fetch a query's series per year and its matching paragraphs from the site's API and
write them as two CSV files; uses only the documented API (/api/openapi.json) and Python's
standard library.

    python examples/query_csv.py 低空经济 --server http://127.0.0.1:8000 --out 低空经济

writes 低空经济-years.csv (year, paragraphs, reports, available, share) and
低空经济-paragraphs.csv (report_id, title, place, year, section, anchor, url, text).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

YEAR_COLUMNS = ["year", "paragraphs", "reports", "available", "share"]
PARAGRAPH_COLUMNS = ["report_id", "title", "place", "year", "section", "anchor", "url", "text"]


def get(server: str, path: str, **args: object) -> object:
    """The JSON answer of a GET; an error answer's message raised as SystemExit."""
    url = f"{server.rstrip('/')}{path}?{urlencode(args, doseq=True)}"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:  # the API says what was wrong: {"error": ..., "status": ...}
        raise SystemExit(f"{url}: {exc.code} {json.load(exc).get('error')}") from None


def series(server: str, query: str, years: list[str]) -> list[dict]:
    """The query's matching paragraphs, reports and share of reports per year."""
    answer = get(server, "/api/search", q=query, year=years, per_page=1)
    assert isinstance(answer, dict)
    per_year = answer.get("series") or {"years": []}
    return [
        {"year": year, **{c: per_year[c][i] for c in YEAR_COLUMNS[1:]}}
        for i, year in enumerate(per_year["years"])
    ]


def paragraphs(server: str, query: str, years: list[str]) -> list[dict]:
    """Every paragraph holding the query's words, newest report first."""
    rows = get(server, "/api/export", q=query, year=years, format="json", data="hits", sort="newest")
    assert isinstance(rows, list)
    return [
        {**row, "place": " › ".join(row["place"]), "section": " › ".join(row["section"])}
        for row in rows
        if row["lacks"] is None  # near misses (a paragraph lacking one word) left out
    ]


def write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open(
        "w", encoding="utf-8-sig", newline=""
    ) as out:  # a byte order mark: spreadsheets read UTF-8
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("query", help="what to search, as typed in the search box")
    parser.add_argument("--server", default="http://127.0.0.1:8000", help="the site (default: %(default)s)")
    parser.add_argument(
        "--year", action="append", default=[], help="a year or a range (2015-2018); repeatable"
    )
    parser.add_argument("--out", type=Path, help="the files' name before -years.csv (default: the query)")
    args = parser.parse_args(argv)
    stem = args.out or Path(args.query.replace("/", "_"))
    years = series(args.server, args.query, args.year)
    found = paragraphs(args.server, args.query, args.year)
    write(stem.with_name(stem.name + "-years.csv"), YEAR_COLUMNS, years)
    write(stem.with_name(stem.name + "-paragraphs.csv"), PARAGRAPH_COLUMNS, found)
    print(
        f"{len(years)} years, {len(found)} paragraphs: {stem}-years.csv, {stem}-paragraphs.csv",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
