"""Web pages (``.html``, ``.htm``): the text block by block, tables as rows of cells, without
scripts, menus and other blocks made only of links."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .base import SPACES, Line, Reader, ReadError, Source, table_row
from .decoding import MIN_CHINESE, chinese_share, decode_text, not_chinese
from .labels import split_front_matter

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
_TAG = re.compile(r"<[^>]+>")


class _HTMLLines(HTMLParser):
    """Collect the text of an HTML page as lines, block by block, without scripts and styles."""

    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "nav",
        "aside",
        "main",
        "body",
        "hr",
    }
    SKIP = {"script", "style", "noscript", "template", "head", "iframe", "svg", "select", "button", "form"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.heading: int | None = None
        self.bold_depth = 0
        self.bold_only = True
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.saw_bold = False
        self.link_depth = 0
        self.links = 0
        self.plain = False  # text outside links in the current block
        self.table: _Table | None = None  # the table being read (see _Table)

    def flush(self) -> None:
        text = "".join(self.buf)
        navigation = self.links >= 2 and not self.plain  # a block made only of links
        if text.strip(SPACES) and not navigation:
            self.lines.append(Line(text, self.heading, self.bold_only and self.saw_bold))
        self.buf = []
        self.bold_only = True
        self.saw_bold = False
        self.links = 0
        self.plain = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skip += 1
            return
        if self.table is not None:
            self.table.start(tag)
            return
        if tag == "table":
            self.flush()
            self.table = _Table()
            return
        if tag in self.BLOCK:
            self.flush()
            if tag[0] == "h" and tag[1:].isdigit():
                self.heading = int(tag[1:])
        if tag in ("strong", "b"):
            self.bold_depth += 1
        if tag == "a":
            self.link_depth += 1
            self.links += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.table is not None:
            if self.table.end(tag):
                self.lines.extend(self.table.lines())
                self.table = None
            return
        if tag in ("strong", "b"):
            self.bold_depth = max(0, self.bold_depth - 1)
        if tag == "a":
            self.link_depth = max(0, self.link_depth - 1)
        if tag in self.BLOCK:
            self.flush()
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if self.skip:
            return
        if self.table is not None:
            self.table.data(data)
            return
        if data.strip(SPACES):
            if self.bold_depth:
                self.saw_bold = True
            else:
                self.bold_only = False
            if not self.link_depth:
                self.plain = True
        self.buf.append(data.replace("\n", " "))


MAX_CELL_CHARS = 2000  # a table with a longer cell lays out a page; it is not a table of data


@dataclass
class _Table:
    """An HTML table being read: its rows of cells (a block inside a cell, or a table
    nested in one, is a line break in the cell) and whether each row is of header cells."""

    rows: list[tuple[list[str], bool]] = field(default_factory=list)
    row: list[str] | None = None
    cell: list[str] | None = None
    head: bool = True  # the row so far has only <th> cells (or stands in <thead>)
    in_head: bool = False
    nested: int = 0

    def start(self, tag: str) -> None:
        if tag == "table":
            self.nested += 1
        if self.nested:
            if tag in _HTMLLines.BLOCK:
                self.data("\n")
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row, self.head = [], True
        elif tag in ("td", "th"):
            self.cell = []
            self.head = self.head and (tag == "th" or self.in_head)
        elif tag in _HTMLLines.BLOCK:
            self.data("\n")

    def end(self, tag: str) -> bool:
        """Whether the table is over."""
        if tag == "table":
            if not self.nested:
                return True
            self.nested -= 1
        elif self.nested:
            return False
        elif tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(re.sub(r"[ \t]*\n\s*", "\n", "".join(self.cell)).strip(SPACES))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append((self.row, self.head and bool(self.row)))
            self.row = None
        return False

    def data(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text if text == "\n" else text.replace("\n", " "))

    def lines(self) -> list[Line]:
        """Rows under the header row, if the first row is one; a table that only lays out a
        page (one column, or a cell the length of an article) as the lines of its cells."""
        cells = [c for r, _ in self.rows for c in r]
        if not cells:
            return []
        if max(len(r) for r, _ in self.rows) < 2 or max(len(c) for c in cells) > MAX_CELL_CHARS:
            return [Line(t) for c in cells for t in c.split("\n") if t.strip(SPACES)]
        header = tuple(self.rows[0][0]) if self.rows[0][1] and len(self.rows) > 1 else None
        rows = [r for r, _ in self.rows[1:]] if header else [r for r, _ in self.rows]
        return [line for r in rows if (line := table_row(r, header))]


def html_source(text: str) -> Source:
    parser = _HTMLLines()
    parser.feed(text)
    parser.close()
    parser.flush()
    title = "".join(parser.title).strip()
    meta = {"title": re.split(r"[_|－—-]{1,2}", title)[0].strip()} if title else {}
    return Source(parser.lines, meta)


def read(data: bytes) -> list[Source]:
    """A page in the charset it declares (if it does), checked for Chinese with its markup
    aside."""
    m = _META_CHARSET.search(data[:4096])
    text = decode_text(data, m.group(1).decode("ascii") if m else None, check_chinese=False)
    meta, text = split_front_matter(text)
    source = html_source(text)
    if chinese_share("".join(line.text for line in source.lines)) < MIN_CHINESE:  # markup aside
        raise ReadError(not_chinese(html.unescape(_TAG.sub(" ", text))))
    source.meta = {**source.meta, **meta}
    return [source]


READER = Reader("html", (".html", ".htm"), read)
