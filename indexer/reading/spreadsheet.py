"""Spreadsheets (``.xlsx``) with openpyxl in read-only mode: one report per row of the first
sheet that has a text column, read as CSV rows are (see :mod:`.table`)."""

from __future__ import annotations

import io
import zipfile

from .base import Reader, ReadError, Source
from .table import row_sources


def _rows(data: bytes) -> list[tuple[list[str], list[dict[str, str]]]]:
    """Each sheet's header (its first row) and the rows under it, as text."""
    import openpyxl  # imported here: only spreadsheets need it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReadError(f"not a readable spreadsheet ({type(exc).__name__}: {exc})") from None
    sheets = []
    try:
        for sheet in book.worksheets:
            values = sheet.iter_rows(values_only=True)
            header = [str(c).strip() if c is not None else "" for c in next(values, ())]
            rows = [
                {h: ("" if v is None else str(v)) for h, v in zip(header, row, strict=False) if h}
                for row in values
                if any(v is not None for v in row)
            ]
            sheets.append((header, rows))
    finally:
        book.close()
    return sheets


def read(data: bytes) -> list[Source]:
    sheets = _rows(data)
    error: ReadError | None = None
    for header, rows in sheets:
        try:
            return row_sources(header, rows, "spreadsheet")
        except ReadError as exc:  # a sheet of notes or figures: try the next
            error = error or exc
    raise error or ReadError("the spreadsheet has no sheets")


READER = Reader("xlsx", (".xlsx",), read)
