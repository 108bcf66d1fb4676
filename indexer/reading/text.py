"""Plain text (``.txt``): a line per line, a ``---`` header and a label block on top."""

from __future__ import annotations

import re
from collections.abc import Callable

from .base import Line, Reader, Source
from .decoding import decode_text
from .labels import split_front_matter, split_label_block

HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def text_lines(text: str) -> list[Line]:
    """The lines of a text, HTML comments dropped."""
    text = HTML_COMMENT.sub("\n", text)
    return [Line(row) for row in text.splitlines()]


def labelled_source(text: str, lines_of: Callable[[str], list[Line]]) -> Source:
    """One report's source from a decoded text: its ``---`` header, then the lines
    (``lines_of(text)``), then a label block above them."""
    meta, text = split_front_matter(text)
    lines = lines_of(text)
    labels, lines = split_label_block(lines)
    return Source(lines, {**labels, **meta})


def read(data: bytes) -> list[Source]:
    return [labelled_source(decode_text(data), text_lines)]


READER = Reader("text", (".txt",), read)
