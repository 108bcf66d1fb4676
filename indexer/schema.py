"""The Whoosh schema, and where the corpus and the index live."""

from __future__ import annotations

import os
from pathlib import Path

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from .analysis import CharAnalyzer, JiebaAnalyzer

SCHEMA_VERSION = 5
"""Bump whenever the schema or an analyzer changes: older indexes are then rebuilt."""

DEFAULT_CORPUS_DIR = "corpus"
DEFAULT_INDEX_DIR = "instance/index"

# Document kinds: one per paragraph and per heading (searched), one per report (its full
# text for the reader and its digest for incremental builds), one for the build itself.
PARAGRAPH, HEADING, REPORT, META = "paragraph", "heading", "report", "meta"
META_UID = "_meta"


def corpus_dir(value: str | os.PathLike | None = None) -> Path:
    """The corpus folder: ``value``, else ``$SEARCH_CORPUS_DIR``, else ``corpus/``."""
    return Path(value or os.environ.get("SEARCH_CORPUS_DIR") or DEFAULT_CORPUS_DIR)


def index_dir(value: str | os.PathLike | None = None) -> Path:
    """The index folder: ``value``, else ``$SEARCH_INDEX_DIR``, else ``instance/index``."""
    return Path(value or os.environ.get("SEARCH_INDEX_DIR") or DEFAULT_INDEX_DIR)


def make_schema() -> Schema:
    """One document per searchable block, plus one per report and one for build metadata."""
    return Schema(
        uid=ID(unique=True, stored=True),  # report_id#block_id, report_id, or _meta
        kind=ID(stored=True),
        report_id=ID(stored=True),
        block_id=STORED(),
        order=STORED(),  # position of the block in the report
        title=STORED(),
        region=ID(stored=True, sortable=True),
        region_key=TEXT(analyzer=CharAnalyzer(), phrase=True),  # for region:广州 filters
        year=NUMERIC(stored=True, sortable=True),
        section=STORED(),  # the section path, a list of headings
        text=STORED(),
        content=TEXT(analyzer=JiebaAnalyzer(), phrase=True),
        chars=TEXT(analyzer=CharAnalyzer(), phrase=True),
        heading=TEXT(analyzer=CharAnalyzer(), phrase=True),
        digest=STORED(),
        data=STORED(),  # report docs: the report as JSON; the meta doc: the build record
    )
