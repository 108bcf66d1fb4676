"""Metadata written above a report's text: a ``---`` header of ``key: value`` lines, and a
scraped page's label block (标题：… 发文单位：… 正文：)."""

from __future__ import annotations

import re

from .base import Line

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split a YAML-style ``---`` header of ``key: value`` lines off the text."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    meta = {}
    for row in m.group(1).splitlines():
        key, sep, value = row.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[m.end() :]


# A scraped page's label block (标题：… 发文单位：… 发文时间：… 报告人：… 来源URL：… 正文：):
# what the page said of the report, kept apart from what the report's own lines say.
_LABELS = {
    "标题": "page_title",
    "发文单位": "issuer",
    "发文时间": "page_date",
    "报告人": "speaker",
    "来源url": "source_url",
    "来源网址": "source_url",
    "正文": "",
}
_LABEL = re.compile(r"^\s*(标题|发文单位|发文时间|报告人|来源URL|来源网址|正文)\s*[:：]\s*(.*)$", re.I)


def split_label_block(lines: list[Line]) -> tuple[dict[str, str], list[Line]]:
    """Take a label block of two or more ``标题：…`` lines off the top, up to ``正文：``."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines):
        if not line.text.strip():
            continue
        m = _LABEL.match(line.text)
        if not m:
            break
        key = _LABELS[m.group(1).lower()]
        if not key:  # 正文: the report starts here
            rest = [Line(m.group(2))] if m.group(2).strip() else []
            return (meta, rest + lines[i + 1 :]) if len(meta) >= 2 else ({}, lines)
        if m.group(2).strip() not in ("", "未知"):
            meta[key] = m.group(2).strip()
    else:
        i = len(lines)
    return (meta, lines[i:]) if len(meta) >= 2 else ({}, lines)
