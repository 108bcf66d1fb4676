"""The judged query sets: their queries, their graded paragraphs, how a paragraph is named, and
a query's top paragraphs as the benchmarks read them (``search.py`` scores them, ``pool.py``
pools them for grading)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from common import ROOT

from indexer.documents import stored_block
from search.engine import search
from search.query import parse
from search.scoring import ScoreCache

HERE = ROOT / "benchmarks"  # importing common first puts the packages before this folder

Key = tuple[str, str]


def paragraph_key(year: object, text: str) -> Key:
    """How the judgments name a paragraph: its report's year and its first 24 characters,
    white space removed (the region column is for the reader: how a place is named may
    change)."""
    return (str(year or ""), re.sub(r"\s", "", text)[:24])


def rows(path: Path) -> list[list[str]]:
    """A tab-separated file's rows after its comment lines and its header (none if it is not
    written yet)."""
    if not path.exists():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [line.split("\t") for line in lines[1:] if line]


def judgments(path: Path) -> dict[str, dict[Key, int]]:
    """Query -> graded paragraphs (0 holds the words only, 1 in passing, 2 about it)."""
    graded: dict[str, dict[Key, int]] = {}
    for q, year, _region, starts, grade in rows(path):
        graded.setdefault(q, {})[(year, starts)] = int(grade)
    return graded


@dataclass
class JudgedSet:
    """A judged set: its graded paragraphs, the candidates pooled for its grader, and, for a
    set written as queries first (query, variant wordings separated by |, why), that file."""

    name: str
    judgments: Path
    pool: Path
    queries: Path | None = None

    def searches(self) -> dict[str, list[str]]:
        """Query -> the searches pooled for it: as typed, then each variant wording (on its
        own, and together with OR)."""
        if self.queries is None:
            return {q: [q] for q in judgments(self.judgments)}
        return {
            q: [q, *(v.strip() for v in variants.split("|") if v.strip())]
            for q, variants, _why in rows(self.queries)
        }

    def graded(self) -> dict[str, dict[Key, int]]:
        """Every query of the set with its graded paragraphs (none until it is graded)."""
        graded = judgments(self.judgments)
        return {q: graded.get(q, {}) for q in self.searches()}


SETS = {
    # topics as people type them (no spaces)
    "first": JudgedSet("first set", HERE / "judgments.tsv", HERE / "pool.tsv"),
    # queries whose best paragraphs may use other wording (issue #28)
    "wording": JudgedSet(
        "wording set", HERE / "judgments-wording.tsv", HERE / "pool-wording.tsv", HERE / "queries-wording.tsv"
    ),
    # written and graded before the ranking within the as-typed tier was tuned on the two
    # sets above, and never tuned on: the held-out measure of that tuning
    "held": JudgedSet(
        "held-out set", HERE / "judgments-held.tsv", HERE / "pool-held.tsv", HERE / "queries-held.tsv"
    ),
}


def ndcg(gains: list[int | None], grades: dict[Key, int], k: int = 10) -> float:
    """nDCG@k of a list's grades (None, not graded, counts as 0) against the best order of
    every graded paragraph of the query."""
    dcg = sum((2 ** (g or 0) - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:k]))
    return dcg / best if best else 0.0


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
        text = stored_block(searcher, hit.report_id, hit.paragraph_id)["text"]
        listed.append(Listed(paragraph_key(hit.year, text), hit.region, " › ".join(hit.section_path), text))
    return result.total, listed
