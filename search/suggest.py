"""What to try when a search finds little: a correction from the index's own words; when it
finds nothing, the other script, the query without one of its words or without its filters."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from indexer.analysis import SIMPLIFIED, TRADITIONAL, fold

from .query import ParsedQuery, pieces
from .vocabulary import Vocabulary


@dataclass
class Suggestion:
    label: str
    query: str
    drop_filters: bool = False
    found: int = 0  # a correction: the paragraphs it finds


TO_SCRIPT = {"s": SIMPLIFIED, "t": TRADITIONAL}


SUGGEST_TIME = 1.0  # seconds the suggestions may take for one page
TRIED = 4  # corrections counted at most, the likeliest first


def did_you_mean(
    vocabulary: Vocabulary,
    text: str,
    parsed: ParsedQuery,
    matched: int,
    count: Callable[[str], int | None],
    deadline: float,
) -> Suggestion | None:
    """A correction of the query from the index's own words, weighted by how many
    paragraphs hold them: for a typed word the index does not hold, a word that sounds the
    same (城市更薪 -> 城市更新), one character away (changed, missing or extra), or its other
    script. Offered only when it finds more paragraphs than the query (``matched``);
    ``count`` counts a query's (None: out of time, and so no correction)."""
    for term in parsed.terms:
        if term in parsed.literal or vocabulary.count(fold(term)):
            continue
        # the typed word, else each of its pieces the index does not hold (乡村振心: 振心)
        candidates: dict[tuple[str, str], int] = {}  # (what to replace, by what): its rank
        for part in (term, *(p for p in pieces(term) if p != term)):
            folded = fold(part)
            if vocabulary.count(folded):
                continue
            for rank, (word, _) in enumerate(vocabulary.corrections(folded)):
                shown = TO_SCRIPT["t"].convert(word) if folded != part else word
                candidates.setdefault((part, shown), rank)
        for part, shown in sorted(candidates, key=lambda c: candidates[c])[:TRIED]:
            if time.perf_counter() > deadline:
                return None
            corrected = text.replace(part, shown)
            found = count(corrected)
            if found is None:
                return None
            if found > matched:
                return Suggestion(corrected, corrected, found=found)
    return None


def suggestions(text: str, parsed: ParsedQuery) -> list[Suggestion]:
    """What else to try when nothing was found: the other script, the query without one
    of its words, without its filters."""
    out: list[Suggestion] = []
    other = TO_SCRIPT["s" if fold(text) != text else "t"].convert(text)
    if other != text:
        out.append(Suggestion(f"换用{'简体' if fold(text) != text else '繁体'}：{other}", other))
    years = [f"year:{lo}" + (f"-{hi}" if hi != lo else "") for lo, hi in parsed.years]
    filters = " ".join(years + [f"region:{r}" for r in parsed.regions])
    if len(parsed.groups) > 1:
        for group in parsed.groups:
            rest = " ".join(" OR ".join(g) for g in parsed.groups if g is not group)
            out.append(Suggestion(f"去掉“{' OR '.join(group)}”：{rest}", f"{rest} {filters}".strip()))
    if parsed.has_filters and parsed.terms:
        out.append(
            Suggestion(
                "去掉年份和地区筛选", " ".join(" OR ".join(g) for g in parsed.groups), drop_filters=True
            )
        )
    return out
