"""Find matched spans in original text and render them escaped, with <mark> around matches.

This is the only place that builds HTML from report text: everything is escaped here
and the result is a ``Markup`` that templates output as is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from indexer.analysis import SENTENCE_END, fold

SNIPPET_CHARS = 180


@lru_cache(maxsize=2048)
def _needle_re(needle: str) -> re.Pattern:
    chars = [re.escape(ch) for ch in needle if not ch.isspace()]
    return re.compile(r"\s*".join(chars))


def match_spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` whose folded form is one of the folded ``needles``, sorted.

    Folding keeps length, so the spans slice the original characters. Overlapping spans
    (two variants matching across each other) are merged; touching ones are not, so each
    mark stays one occurrence of a query form (``1`` in ``11`` is marked twice).
    """
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for needle in needles:
        if needle.strip():
            spans.extend(m.span() for m in _needle_re(needle).finditer(folded) if m.end() > m.start())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark_html(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> Markup:
    """``text[start:end]`` escaped, with every span inside it wrapped in ``<mark>``."""
    end = len(text) if end is None else end
    out, pos = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:end]))
    return Markup("").join(out)


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in SENTENCE_END.finditer(text):
        bounds.append((start, m.end()))
        start = m.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def snippet_html(text: str, spans: list[tuple[int, int]], limit: int = SNIPPET_CHARS) -> Markup:
    """Whole sentences (cut at 。！？；) that hold matches, up to about ``limit`` characters."""
    if len(text) <= limit:
        return mark_html(text, spans)
    sentences = _sentences(text)
    chosen: list[tuple[int, int]] = []
    total = 0
    for s, e in sentences:
        if any(a < e and b > s for a, b in spans) and (total == 0 or total + (e - s) <= limit):
            chosen.append((s, e))
            total += e - s
        if total >= limit:
            break
    if not chosen:
        chosen = [sentences[0]]
    parts = []
    for s, e in chosen:
        if e - s > limit:  # one very long sentence: a window around its first match
            first = next((a for a, b in spans if s <= a < e), s)
            s = max(s, first - limit // 3)
            e = min(e, s + limit)
        parts.append((s, e))
    out = []
    prev_end = 0
    for s, e in parts:
        if s > prev_end:
            out.append(Markup("…"))
        out.append(mark_html(text, spans, s, e))
        prev_end = e
    if prev_end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)


CELL_CHARS = 40  # a cell without a match shows this much of itself


def row_snippet_html(cells: list[str], header: list[str], needles: list[str]) -> Markup:
    """A table's row as a result shows it: each cell after its column's header
    (``民生领域`` 食品安全 · ``完成情况`` 已完成。…), the sentences of a cell that hold matches,
    the start of one that holds none."""
    parts = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        spans = match_spans(cell, needles)
        shown = snippet_html(cell, spans, SNIPPET_CHARS if spans else CELL_CHARS)
        label = header[i] if i < len(header) else ""
        parts.append((Markup('<span class="col">%s</span> ') % label if label else Markup("")) + shown)
    return Markup(" · ").join(parts)


def stored_snippet(fields: dict, needles: list[str]) -> Markup:
    """The snippet of an indexed block from its stored fields: a table's row by its cells,
    any other block by its text."""
    if fields.get("cells"):
        return row_snippet_html(fields["cells"], fields.get("header") or [], needles)
    return snippet_html(fields["text"], match_spans(fields["text"], needles))
