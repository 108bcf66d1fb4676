"""Markdown (``.md``, ``.markdown``) as its author wrote it, with markdown-it-py."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .base import SPACES, Line, Reader, Source, table_row
from .decoding import decode_text
from .html import html_source
from .text import HTML_COMMENT, labelled_source

_MD_FOOTNOTE = re.compile(r"\[\^[^\]]+\]:?\s*")
_MD_FOOTNOTE_DEF = re.compile(r"(?m)^\s{0,3}\[\^[^\]]+\]:[ \t]*")
_BR = re.compile(r"<br\s*/?>", re.I)
# CommonMark with GFM tables. Setext headings are off: a line of dashes under a paragraph is a
# rule in these reports, not a heading.
_MARKDOWN = MarkdownIt("commonmark").enable("table").disable("lheading")


def _inline_text(token: Token, breaks: str | None = None) -> list[tuple[str, bool]]:
    """The text of an inline token as lines (the author's line breaks kept; with ``breaks``
    joined by it instead), each with whether it is bold all through."""
    lines: list[tuple[str, bool]] = []
    buf: list[str] = []
    strong = 0
    plain = bold = False

    def end_line() -> None:
        nonlocal plain, bold
        text = _MD_FOOTNOTE.sub("", "".join(buf)).replace("**", "")
        lines.append((text, bold and not plain))
        buf.clear()
        plain = bold = False

    for child in token.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak") or (kind == "html_inline" and _BR.fullmatch(child.content)):
            if breaks is None:
                end_line()
            else:
                buf.append(breaks)
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong = max(0, strong - 1)
        elif kind in ("text", "code_inline"):
            buf.append(child.content)
            if child.content.strip(SPACES + "。."):
                bold, plain = bold or bool(strong), plain or not strong
    end_line()
    return [(t, b) for t, b in lines if t.strip(SPACES)] if breaks is None else lines


def markdown_lines(text: str) -> list[Line]:
    """Markdown as its author wrote it, read with markdown-it-py (CommonMark and GFM tables):
    headings keep their level, a line set in bold all through is bold, each line typed stays
    a line, a list item keeps its number (``44. 新建…``), a table is rows of cells (a cell's
    ``<br>`` a line break inside it) under its header, raw HTML is read as HTML."""
    lines: list[Line] = []
    heading: int | None = None
    number = ""  # an ordered list item's number, for its first line
    row: list[str] | None = None
    header: tuple[str, ...] | None = None
    in_head = False
    in_list = 0  # list items are paragraphs, never headings, even in bold
    # a footnote's text ([^1]: …) is report text, not a link reference definition
    text = _MD_FOOTNOTE_DEF.sub("", HTML_COMMENT.sub("\n", text))
    for token in _MARKDOWN.parse(text):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif kind == "heading_open":
            heading = int(token.tag[1])
        elif kind == "heading_close":
            heading = None
        elif kind == "list_item_open":
            number = f"{token.info}{token.markup} " if token.info else ""
        elif kind == "table_open":
            header = None
        elif kind in ("thead_open", "thead_close"):
            in_head = kind == "thead_open"
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            if in_head:
                header = tuple(c.strip(SPACES) for c in row)
            elif line := table_row(row, header):
                lines.append(line)
            row = None
        elif kind == "inline" and row is not None:
            row.append(_inline_text(token, breaks="\n")[0][0])
        elif kind == "inline":
            for line_text, bold in _inline_text(token):
                lines.append(Line(number + line_text, heading, bold and not in_list))
                number = ""
        elif kind in ("code_block", "fence"):
            lines.extend(Line(x) for x in token.content.splitlines())
        elif kind == "html_block":
            lines.extend(html_source(token.content).lines)
    return lines


def read(data: bytes) -> list[Source]:
    return [labelled_source(decode_text(data), markdown_lines)]


READER = Reader("markdown", (".md", ".markdown"), read)
