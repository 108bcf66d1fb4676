"""The judged query sets: their queries, their graded paragraphs, how a paragraph is named, and
a query's top paragraphs as the benchmarks read them (``search.py`` scores them, ``pool.py``
pools them for grading)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from common import ROOT

from search.engine import search
from search.query import parse
from search.scoring import ScoreCache

HERE = ROOT / "benchmarks"  # importing common first puts the packages before this folder
JUDGMENTS = HERE / "judgments.tsv"  # the first set: topics as people type them
POOL = HERE / "pool.tsv"  # the first set's candidates pooled since, for a blind grader
WORDING = HERE / "queries-wording.tsv"  # the wording set: queries, the variant wordings pooled, why
WORDING_JUDGMENTS = HERE / "judgments-wording.tsv"
WORDING_POOL = HERE / "pool-wording.tsv"  # the wording set's candidates, for a blind grader

Key = tuple[str, str]


def paragraph_key(year: object, text: str) -> Key:
    """How the judgments name a paragraph: its report's year and its first 24 characters,
    white space removed (the region column is for the reader: how a place is named may
    change)."""
    return (str(year or ""), re.sub(r"\s", "", text)[:24])


def rows(path: Path) -> list[list[str]]:
    """A tab-separated file's rows after its comment lines and its header."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [line.split("\t") for line in lines[1:] if line]


def judgments(path: Path = JUDGMENTS) -> dict[str, dict[Key, int]]:
    """Query -> graded paragraphs (0 holds the words only, 1 in passing, 2 about it)."""
    graded: dict[str, dict[Key, int]] = {}
    for q, year, _region, starts, grade in rows(path):
        graded.setdefault(q, {})[(year, starts)] = int(grade)
    return graded


def wording_queries() -> dict[str, list[str]]:
    """The wording set: query -> the other searches pooled for it (its variant wordings, each
    on its own, and together with OR)."""
    return {q: [v.strip() for v in variants.split("|") if v.strip()] for q, variants, _why in rows(WORDING)}


def wording_judgments() -> dict[str, dict[Key, int]]:
    """Every query of the wording set with its graded paragraphs (none until it is graded)."""
    graded = judgments(WORDING_JUDGMENTS)
    return {q: graded.get(q, {}) for q in wording_queries()}


@dataclass
class Listed:
    """One paragraph of a query's top list, as the judgments and the pool name it."""

    key: Key
    region: str
    section: str
    text: str


def top(searcher, typed: str, cache: ScoreCache, k: int = 10) -> tuple[int, list[Listed]]:
    """The number of paragraphs ``typed`` finds and its first ``k``, in the order of the
    paragraph list (not grouped by report), however long it takes (this measures what is
    found: a busy machine must not cut a search short)."""
    result = search(searcher, typed, parse(typed), per_page=k, cache=cache, deadline=math.inf)
    listed = []
    for hit in result.hits:
        text = searcher.document(uid=f"{hit.report_id}#{hit.paragraph_id}")["text"]
        listed.append(Listed(paragraph_key(hit.year, text), hit.region, " › ".join(hit.section_path), text))
    return result.total, listed
