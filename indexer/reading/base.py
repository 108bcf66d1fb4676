"""What every reader gives and shares: lines, sources, the reader interface, ``ReadError``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class ReadError(ValueError):
    """A file that cannot be read as a report; the message says why."""


SPACES = " \t\r\n\u3000\xa0\u2002\u2003\u2009\u200b\ufeff"


@dataclass
class Line:
    """One line of report text; ``heading`` is a level when the markup says it is a heading;
    a row of a table has its ``cells`` (its text is the cells side by side) and the table's
    column ``header``, if it has one."""

    text: str
    heading: int | None = None
    bold: bool = False
    cells: tuple[str, ...] | None = None
    header: tuple[str, ...] | None = None


CELL_SEP = "\u3000"  # between the cells of a row in its text


def table_row(cells: list[str], header: tuple[str, ...] | None = None) -> Line | None:
    """A row of a table as a line, or None for a row with no text."""
    cells = [c.strip(SPACES) for c in cells]
    if not any(cells):
        return None
    return Line(CELL_SEP.join(c.replace("\n", " ") for c in cells if c), cells=tuple(cells), header=header)


@dataclass
class Source:
    """The lines of one report as found in a file, and the metadata the file declares:
    ``meta`` overrides what the text says (a ``---`` header), ``columns`` (a table's row:
    its place, year and title columns) yields to it."""

    lines: list[Line]
    meta: dict[str, str] = field(default_factory=dict)
    row: int | None = None  # the table row (1-based) when a file holds several reports
    columns: dict[str, str] = field(default_factory=dict)
    text_column: str | None = None  # the table column that holds the text


class Sources(list[Source]):
    """The reports of one file, and the rows of a table skipped (``{row, reason}``)."""

    def __init__(self, sources: list[Source] | None = None, skipped: list[dict] | None = None) -> None:
        super().__init__(sources or [])
        self.skipped = skipped or []


@dataclass(frozen=True)
class Reader:
    """One format's reader (as markitdown has a converter per format, Tika a parser per
    type): whether it ``accepts`` a file, and ``read``, from the file's bytes, the reports
    it holds."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[bytes], list[Source]]

    def accepts(self, path: Path) -> bool:
        return path.suffix.lower() in self.suffixes
