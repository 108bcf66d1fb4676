"""What to try when a search finds nothing: the other script, a spelling from the index's
own words, the query without one of its words or without its filters."""

from __future__ import annotations

import time
from dataclasses import dataclass

import opencc
from whoosh.searching import Searcher

from indexer.analysis import fold, word_tokens

from .query import ParsedQuery


@dataclass
class Suggestion:
    label: str
    query: str
    drop_filters: bool = False


# Simplified; Traditional in Taiwan's standard forms (為, 峰, 著), as Traditional readers expect
TO_SCRIPT = {"s": opencc.OpenCC("t2s"), "t": opencc.OpenCC("s2tw")}


SUGGEST_TIME = 1.0  # seconds the spelling corrector may take for one page
MAX_CORRECTED = 8  # longer words are not looked up: a typo is in a word, not a pasted line


def suggestions(
    searcher: Searcher, text: str, parsed: ParsedQuery, deadline: float | None = None
) -> list[Suggestion]:
    """What to try when nothing was found: the other script, a spelling from the index's own
    words (Whoosh's corrector, for words of 2 to ``MAX_CORRECTED`` characters, until
    ``deadline``: each look-up walks the whole vocabulary, half a second for a long Latin
    string), the query without one of its words, without its filters."""
    deadline = time.perf_counter() + SUGGEST_TIME if deadline is None else deadline
    out: list[Suggestion] = []
    other = TO_SCRIPT["s" if fold(text) != text else "t"].convert(text)
    if other != text:
        out.append(Suggestion(f"换用{'简体' if fold(text) != text else '繁体'}：{other}", other))
    corrected = text
    for term in parsed.terms:
        for word, _, _, _ in word_tokens(fold(term), search_mode=False):
            if time.perf_counter() > deadline:
                break
            if 1 < len(word) <= MAX_CORRECTED and not searcher.doc_frequency("content", word):
                found = searcher.suggest("content", word, limit=1, maxdist=1)
                if found:
                    corrected = fold(corrected).replace(word, found[0])
    if corrected != text and fold(corrected) != fold(text):
        out.append(Suggestion(f"您是不是要找：{corrected}", corrected))
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
