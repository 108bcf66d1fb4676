"""A report file to :class:`Report` objects: its sources' lines, metadata and blocks, its
id, and where the library's record says it came from."""

from __future__ import annotations

import csv
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from ..analysis import fold, is_traditional
from ..places import NATIONAL, is_known, named_parent, pinyin_place, place_path
from ..reading import ReadError, Source, clean_text, drop_chrome, read_sources
from .blocks import build_blocks
from .metadata import (
    drop_preamble,
    parse_date,
    parse_year,
    read_front,
    region_from,
    region_from_path,
    speaker_of,
    split_run_together,
    titled,
)
from .model import Report, Reports

# --- the whole report ---------------------------------------------------------------------------


def report_from_source(
    source: Source, report_id: str, path: Path, digest: str, recorded: dict[str, str] | None = None
) -> Report:
    """Build a :class:`Report` from the lines and declared metadata of one source (and the
    library's ``recorded`` row for its file)."""
    lines = drop_chrome(source.lines)
    lines = drop_preamble(split_run_together(lines))
    front, body = read_front(lines)
    meta, columns = source.meta, source.columns
    title_meta = clean_text(meta.get("title", ""))
    if len(title_meta) % 2 == 0 and title_meta[: len(title_meta) // 2] * 2 == title_meta:
        title_meta = title_meta[: len(title_meta) // 2]  # some sites print the title twice
    # What the file declares (a --- header) overrides; then the report's own lines (its date
    # line, title, speaker); then a table's columns; then what a scraped page said of it;
    # then the file name, which is often wrong (河北省_2018_report.txt holds the 2019 report).
    page_title = clean_text(meta.get("page_title", ""))
    year = (
        _int(meta.get("year"))
        or front.year
        or _int(columns.get("year"))
        or parse_year(title_meta, bare=True)
        or parse_year(page_title, bare=True)
        or parse_year(path.stem, bare=True)
    )
    region = meta.get("region") or front.region or columns.get("region")
    for declared in (title_meta, page_title):
        region = region or (region_from(fold(declared), declared) if declared else None)
    issuer = re.sub(r"人民政府$", "", clean_text(meta.get("issuer", "")))
    blocks = build_blocks(body)
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    if not paragraphs:
        raise ReadError("no report text found (every line was empty or page chrome)")
    opening = "".join(ln.text for ln in lines[:60]) + columns.get("within", "")
    place = _place(region or issuer, path, opening)
    said = speaker_of(meta.get("speaker", "")) if meta.get("speaker") else None
    session = front.session or (recorded or {}).get("session") or None
    return Report(
        report_id,
        titled(year, place, is_traditional("".join(paragraphs)), "" if source.row else path.stem, session),
        place[-1],
        year,
        str(path),
        blocks,
        digest,
        place=place,
        date=front.date or parse_date(meta.get("date", "") or meta.get("page_date", "")),
        session=session,
        speaker=front.speaker or (said[1] if said else clean_text(meta.get("speaker", "")) or None),
        office=front.office or (said[0] if said else None),
        origin=meta.get("source_url") or meta.get("url") or None,
        row=source.row,
        text_column=source.text_column if source.row else None,
        corrections=_corrections(columns, place if front.region else None, year if front.year else None),
    )


def _place(region: str | None, path: Path, opening: str) -> list[str]:
    """The report's place: ``region`` among the divisions (a name several places share, 朝阳区,
    the one whose province or city the opening names), else the file's name or folder (in
    pinyin too: shenzhen-luohu); a place the divisions do not hold (大鹏新区) under the city
    the file name or the opening names."""
    named = region_from_path(path)
    by_pinyin = pinyin_place(named) if named.isascii() else []
    if not region and by_pinyin:
        return by_pinyin
    place = place_path(region or named, opening)
    if place and place != [NATIONAL] and not is_known(place[-1]):
        place = [*(by_pinyin or named_parent(opening))[:2], place[-1]]
    return place


def _corrections(columns: dict[str, str], place: list[str] | None, year: int | None) -> list[dict]:
    """Where a table's place or year columns say otherwise than the report's own text (the
    text wins): ``{field, column, text}``."""
    out: list[dict] = []
    said = columns.get("region")
    if said and place and place_path(said, columns.get("within", "")) != place:
        out.append({"field": "place", "column": said, "text": place[-1]})
    if columns.get("year") and year and _int(columns["year"]) != year:
        out.append({"field": "year", "column": columns["year"], "text": year})
    return out


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip()[:4])
    except (TypeError, ValueError):
        return None


def report_id_for(path: Path, corpus: Path | None) -> str:
    """A report's id: its path under the corpus folder, without extension, with ``/``."""
    try:
        rel = path.resolve().relative_to(corpus.resolve()) if corpus else Path(path.name)
    except ValueError:
        rel = Path(path.name)
    return rel.with_suffix("").as_posix()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


RECORD = "SOURCES.tsv"
"""A library's record of its files (indexer.library writes it; build skips it): where each
file came from."""


@lru_cache(maxsize=8)
def _record(record: Path, mtime: float) -> dict[str, dict[str, str]]:
    with record.open(encoding="utf-8", newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t") if row.get("file")}


def recorded_row(path: Path, corpus: Path | None) -> dict[str, str]:
    """The library's record of a corpus file (where it came from; the session its text does
    not name), or an empty dict."""
    if corpus is None or not (record := corpus / RECORD).is_file():
        return {}
    try:
        return _record(record, record.stat().st_mtime).get(
            path.resolve().relative_to(corpus.resolve()).as_posix(), {}
        )
    except (ValueError, OSError, csv.Error, KeyError):
        return {}


def origin_of(row: dict[str, str]) -> str | None:
    """Where a record's row says its file came from: the file in its repository."""
    repo = row.get("source_repository", "")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        return None  # the seed report, or a file of unknown origin
    where = row.get("path_in_repository", "")
    commit = row.get("commit") or "HEAD"
    return f"https://github.com/{repo}" + (f"/blob/{commit}/{where.replace('!', '#')}" if where else "")


def recorded_origin(path: Path, corpus: Path | None) -> str | None:
    """Where the library's record says a corpus file came from: the file in its repository."""
    return origin_of(recorded_row(path, corpus))


def read_reports(path: Path, corpus: Path | None = None) -> Reports:
    """Read every report in one file (and the table rows skipped). Raises :class:`ReadError`
    naming the reason."""
    digest = file_digest(path)
    base = report_id_for(path, corpus)
    sources = read_sources(path)
    row = recorded_row(path, corpus)
    reports = [
        report_from_source(s, base if s.row is None else f"{base}/{s.row}", path, digest, row)
        for s in sources
    ]
    origin = origin_of(row)
    for report in reports:
        report.origin = report.origin or origin
    return Reports(reports, sources.skipped)
