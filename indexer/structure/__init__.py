"""Find a report's title, region, year, headings and paragraphs from its lines, by job:
:mod:`.headings` (numbered, run-in, list items), :mod:`.blocks` (lines to headings and
paragraphs with section paths), :mod:`.metadata` (year, date, place, title, session and
speaker from the report's own lines), :mod:`.links` (anchors, and where old links land),
:mod:`.reports` (a file to reports), on the model of :mod:`.model`."""

from __future__ import annotations

from .blocks import build_blocks
from .headings import LIST_ITEM
from .links import EDITED, anchor_for, carry_links, set_anchors, similarity
from .metadata import parse_date, parse_year, report_title
from .model import SECTION_SEP, Block, Report, Reports
from .reports import RECORD, file_digest, read_reports, recorded_origin, report_from_source, report_id_for

__all__ = [
    "EDITED",
    "LIST_ITEM",
    "RECORD",
    "SECTION_SEP",
    "Block",
    "Report",
    "Reports",
    "anchor_for",
    "build_blocks",
    "carry_links",
    "file_digest",
    "parse_date",
    "parse_year",
    "read_reports",
    "recorded_origin",
    "report_from_source",
    "report_id_for",
    "report_title",
    "set_anchors",
    "similarity",
]
