"""A report as Whoosh documents, and back: one document for the report (what only the
report has: its metadata, its inline headings, where its links land) and one for each of its
searchable blocks (its text, section, anchor, lead, cells), each text stored once."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from whoosh.searching import Searcher

from .places import place_label
from .schema import BODY, FRAGMENT, HEADING, NOTE, REPORT
from .structure import Report

# what a block's own document keeps, left out of the report's
_IN_BLOCK_DOC = ("text", "section_path", "anchor", "cells", "header")


def _indexed(block_kind: str, inline: bool) -> bool:
    return not (block_kind == HEADING and inline)  # an inline heading's words lead the next paragraph


def report_documents(report: Report) -> Iterator[dict]:
    """The Whoosh documents of one report: the report itself and each searchable block."""
    base: dict[str, object] = {
        "report_id": report.id,
        "title": report.title,
        "region": report.region,
        "place": place_label(report.place),
    }
    if report.year is not None:
        base["year"] = report.year
    data = report.to_dict()
    for b in data["blocks"]:
        if _indexed(b["kind"], b["inline"]):
            for name in _IN_BLOCK_DOC:
                del b[name]
    yield {
        **base,
        "uid": report.id,
        "kind": REPORT,
        "digest": report.digest,
        "data": json.dumps(data, ensure_ascii=False),
    }
    for order, block in enumerate(report.blocks):
        if not _indexed(block.kind, block.inline):
            continue
        doc = {
            **base,
            "uid": f"{report.id}#{block.id}",
            "kind": block.kind,
            "block_id": block.id,
            "anchor": block.anchor,
            "order": order,
            "section": block.section_path,
            "text": block.text,
            "content": block.text,
        }
        # A paragraph's first sentence says what it is about (加强住房保障工作。): search
        # ranks paragraphs whose lead holds the words higher (search.scoring.Scorer.leads).
        # Kept only where it is not the first sentence of the text: a heading that leads it.
        if block.kind != HEADING and block.lead:
            doc["lead"] = block.lead
        if block.table:
            doc["cells"], doc["header"] = block.cells, block.header
        doc["fragment"] = fragment_kind(block.kind, block.text)
        yield doc


FRAGMENT_CHARS = 20  # a paragraph shorter than this (a table's status line) is a fragment
# a numbered note explaining a term (名词解释: "12.“放管服”改革：指……", "[17]人才“双十条”：即……")
_NOTE = re.compile(r"^\s*[\[【(（]?\d{1,3}[\]】)）]?[.．、]?\s*[^（(：:]{1,40}[：:]")


def fragment_kind(kind: str, text: str) -> int:
    """``FRAGMENT`` for a block that only points at a subject (a heading, a table's status
    line such as ``7　住房保障　已完成。``), ``NOTE`` for a note explaining a term, else
    ``BODY``: search ranks the body above the others when they say the same thing."""
    if kind == HEADING or len("".join(text.split())) < FRAGMENT_CHARS:
        return FRAGMENT
    return NOTE if _NOTE.match(text) else BODY


def read_report(searcher: Searcher, report_id: str) -> Report | None:
    """A report as :func:`report_documents` keeps it, or None when the index holds none by
    that id."""
    doc = searcher.document(report_id=report_id, kind=REPORT)
    if doc is None:
        return None
    data = json.loads(doc["data"])
    blocks = {f["block_id"]: f for f in searcher.documents(report_id=report_id) if f["kind"] != REPORT}
    for b in data["blocks"]:
        stored = blocks.get(b["id"]) if _indexed(b["kind"], b["inline"]) else None
        if stored is not None:
            b.update(
                text=stored["text"],
                section_path=stored["section"],
                anchor=stored.get("anchor", ""),
                cells=stored.get("cells") or [],
                header=stored.get("header") or [],
            )
    return Report.from_dict(data)


def stored_block(searcher: Searcher, report_id: str, block_id: str) -> dict:
    """The stored fields of a report's block (a paragraph or heading a search found)."""
    return next(f for f in searcher.documents(report_id=report_id) if f.get("block_id") == block_id)
