"""The Whoosh schema, and where the corpus and the index live."""

from __future__ import annotations

import os
from pathlib import Path

from whoosh.analysis import Tokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, STORED, TEXT, Schema

from .analysis import (
    FoldedFrequency,
    JiebaAnalyzer,
)

SCHEMA_VERSION = 30
"""Bump whenever the schema, an analyzer or how a report is cut into blocks changes: older
indexes are then rebuilt."""

DEFAULT_CORPUS_DIR = "corpus"
DEFAULT_INDEX_DIR = "instance/index"

# Document kinds: one per paragraph and per heading (searched), one per report (its full
# text for the reader and its digest for incremental builds).
PARAGRAPH, HEADING, REPORT = "paragraph", "heading", "report"
# What a searchable block is, for ranking (its ``fragment`` column; see documents.fragment_kind).
BODY, FRAGMENT, NOTE = 0, 1, 2


def corpus_dir(value: str | os.PathLike | None = None) -> Path:
    """The corpus folder: ``value``, else ``$SEARCH_CORPUS_DIR``, else ``corpus/``."""
    return Path(value or os.environ.get("SEARCH_CORPUS_DIR") or DEFAULT_CORPUS_DIR)


def index_dir(value: str | os.PathLike | None = None) -> Path:
    """The index folder: ``value``, else ``$SEARCH_INDEX_DIR``, else ``instance/index``."""
    return Path(value or os.environ.get("SEARCH_INDEX_DIR") or DEFAULT_INDEX_DIR)


class IndexCodec(W3Codec):
    """Whoosh's codec without per-block field-length statistics. They only serve block
    skipping by score bounds, which the search engine does not use (it collects every
    match), and gathering them costs a length lookup per posting: a sixth of a build."""

    length_stats = False


def _text(analyzer: Tokenizer) -> TEXT:
    """A text field fed by one of the folding tokenizers, keeping term frequencies only: a
    search checks a string against the text (search.scoring.Scorer._phrase), not positions."""
    field = TEXT(analyzer=analyzer, phrase=False)
    field.format = FoldedFrequency(field_boost=field.format.field_boost)
    return field


def make_schema() -> Schema:
    """One document per searchable block, plus one per report. What a search sorts and
    filters on (year, place, report, fragment kind) is in the shard's data, not in Whoosh
    columns (indexer.shard)."""
    return Schema(
        # report_id#block_id, or report_id; not indexed: a report is found by its id and
        # kind, and a term per document cost a fifth of the Whoosh terms a build writes
        uid=STORED(),
        kind=ID(stored=True),
        report_id=ID(stored=True),
        block_id=STORED(),
        anchor=STORED(),  # the block's anchor from its own text (indexer.structure.anchor_for)
        order=STORED(),  # position of the block in the report
        title=STORED(),
        region=STORED(),  # the report's own place (荔湾区)
        place=STORED(),  # its path (广东省 › 广州市 › 荔湾区): the region facet
        year=STORED(),
        section=STORED(),  # the section path, a list of headings
        text=STORED(),
        content=_text(JiebaAnalyzer()),  # scored as whole words, never a phrase
        lead=STORED(),
        cells=STORED(),  # a table's row: its cells, and its table's column headers
        header=STORED(),  # a heading that leads the paragraph (else its first sentence is its lead)
        digest=STORED(),
        data=STORED(),  # report docs: the report as JSON
    )
