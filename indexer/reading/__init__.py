"""Turn a report file into lines: one reader per format (text, Markdown, HTML, CSV, Word,
PDF, spreadsheet), each a module with a :class:`~.base.Reader` (``accepts``, ``read``),
registered in :data:`READERS`; adding a format is adding a module. What they share sits
beside them: decoding (:mod:`.decoding`), page chrome (:mod:`.chrome`), headers and label
blocks (:mod:`.labels`), one report per table row (:mod:`.table`).

A *source* is one report's worth of lines plus the metadata the file itself declares (YAML
front matter, a table's columns, an HTML title). The report's structure is found from the
lines by :mod:`indexer.structure`.
"""

from __future__ import annotations

from pathlib import Path

from . import delimited, html, markdown, pdf, spreadsheet, text, word
from .base import CELL_SEP, Line, Reader, ReadError, Source, Sources, table_row
from .chrome import clean_text, drop_chrome
from .decoding import MIN_CHINESE, chinese_share, decode
from .labels import split_front_matter, split_label_block

__all__ = [
    "CELL_SEP",
    "MAX_FILE_BYTES",
    "MIN_CHINESE",
    "READERS",
    "SUFFIXES",
    "Line",
    "ReadError",
    "Reader",
    "Source",
    "Sources",
    "chinese_share",
    "clean_text",
    "decode",
    "drop_chrome",
    "read_sources",
    "reader_for",
    "split_front_matter",
    "split_label_block",
    "table_row",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Files above this size are refused: the largest real report is well under 1 MB."""

READERS: list[Reader] = [
    text.READER,
    markdown.READER,
    html.READER,
    delimited.READER,
    word.READER,
    pdf.READER,
    spreadsheet.READER,
]
SUFFIXES = {suffix: r.name for r in READERS for suffix in r.suffixes}


def reader_for(path: Path) -> Reader:
    """The reader that accepts ``path``; :class:`ReadError` naming the formats if none does."""
    reader = next((r for r in READERS if r.accepts(path)), None)
    if reader is None:
        raise ReadError(
            f"unsupported file type {path.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(sorted(SUFFIXES))}"
        )
    return reader


def read_sources(path: Path) -> Sources:
    """Read a report file into one source per report it holds (a table may hold several,
    and say which rows it skipped)."""
    reader = reader_for(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ReadError(f"too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
    sources = reader.read(path.read_bytes())
    return sources if isinstance(sources, Sources) else Sources(sources)
