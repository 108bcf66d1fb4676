"""CSV (``.csv``): one report per row (see :mod:`.table`), separated by commas, semicolons or
tabs."""

from __future__ import annotations

import csv
import io

from .base import Reader, ReadError, Source
from .decoding import decode_text
from .table import row_sources

MAX_FIELD = 20 * 1024 * 1024  # a cell may hold a whole report (a file holds at most MAX_FILE_BYTES)


def read(data: bytes) -> list[Source]:
    text = decode_text(data)
    csv.field_size_limit(MAX_FIELD)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # a comma, or a semicolon or tab as some tools write
    try:
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        rows = list(reader)
    except csv.Error as exc:
        raise ReadError(f"malformed CSV: {exc}") from None
    return row_sources(list(reader.fieldnames or []), rows, "CSV")


READER = Reader("csv", (".csv",), read)
