"""Pool a judged set's candidate paragraphs for a grader who reads them blind.

For each query of a set written as queries first (the wording set, ``queries-wording.tsv``;
the held-out set, ``queries-held.tsv``): the first 10 paragraphs (the paragraph list, not
grouped by report; ``--depth`` for more of the query as typed) that the engine checked out lists for the query as
typed and for each of its other searches (each variant wording on its own, and the variants
together with OR), so that the paragraphs a better system should find are graded too; they are
added to the set's pool (``pool-wording.tsv``, ``pool-held.tsv``). With ``--set first``, for
each query of ``judgments.tsv``: the first 10 for the query as typed, added to ``pool.tsv``.
What is there stays: run it again after a ranking changes to pool that ranking's top 10. One
row per paragraph as the judgments name it (year and first 24 characters), shuffled within each
query and with nothing saying which search found it.

Usage: python benchmarks/pool.py [--set wording|first|held] [--depth 10] [--index DIR]
       [--ungraded FILE]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from common import shared_index
from judged import SETS, Key, judgments, rows, top

from search.handle import IndexHandle
from search.scoring import ScoreCache

HEADER = (
    "# Candidate paragraphs of {queries}, to be graded blind into\n"
    "# {judgments}: 2 the paragraph is about the need (one to cite), 1 it treats it in\n"
    "# passing or in part, 0 it only holds the words. A paragraph is named by its report's year\n"
    "# and its first 24 characters (white space removed). Pooled by benchmarks/pool.py from the\n"
    "# top 10 of the engine for each query{variants}; shuffled within a query.\n"
    "query\tyear\tregion\tstarts\tsection\ttext\n"
)


def header(chosen) -> str:
    """The pool's comment lines and header for the set ``chosen``."""
    named = f"the {chosen.name}'s queries" + (f" ({chosen.queries.name})" if chosen.queries else "")
    variants = " and its variant wordings" if chosen.queries else " as typed"
    return HEADER.format(queries=named, judgments=chosen.judgments.name, variants=variants)


def pooled(path: Path) -> dict[str, dict[Key, list[str]]]:
    """The pool written so far: query -> paragraph -> its row."""
    out: dict[str, dict[Key, list[str]]] = {}
    for row in rows(path) if path.exists() else []:
        out.setdefault(row[0], {})[(row[1], row[3])] = row
    return out


def flat(text: str) -> str:
    """``text`` on one line of one cell."""
    return " ".join(text.split())


def grow(
    pool: dict[Key, list[str]], searcher, query: str, searches: list[str], cache: ScoreCache, depth: int
) -> int:
    """Add to ``pool`` the paragraphs it lacks of the first ``depth`` of the query as typed and
    the first 10 of each other search; how many were added."""
    added = 0
    for i, typed in enumerate(searches):
        for item in top(searcher, typed, cache, depth if i == 0 else 10)[1]:
            if item.key not in pool:
                year, starts = item.key
                pool[item.key] = [query, year, item.region, starts, flat(item.section), flat(item.text)]
                added += 1
    return added


def write(path: Path, pool: dict[str, dict[Key, list[str]]], header: str) -> None:
    """The pool, each query's rows in an order drawn from the query (the same every run)."""
    lines = [header]
    for query, paragraphs in pool.items():
        listed = sorted(paragraphs.values())
        random.Random(query).shuffle(listed)
        lines += ["\t".join(row) + "\n" for row in listed]
    path.write_text("".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=SETS, default="wording", help="the judged set to pool")
    ap.add_argument("--depth", type=int, default=10, help="pool the first N paragraphs of the query as typed")
    ap.add_argument("--index", type=Path)
    ap.add_argument("--ungraded", type=Path, help="also write the pooled paragraphs not yet graded here")
    args = ap.parse_args()
    handle = IndexHandle(shared_index(args.index))
    searcher = handle.acquire()
    cache = ScoreCache()
    chosen = SETS[args.set]
    old = pooled(chosen.pool)
    graded = judgments(chosen.judgments)
    pool: dict[str, dict[Key, list[str]]] = {}
    for query, searches in chosen.searches().items():
        pool[query] = dict(old.get(query, {}))
        added = grow(pool[query], searcher, query, searches, cache, args.depth)
        ungraded = len(set(pool[query]) - set(graded.get(query, {})))
        print(f"{query}: {len(pool[query])} pooled ({added} new, {ungraded} not graded)")
    handle.release(searcher)
    write(chosen.pool, pool, header(chosen))
    print(f"{sum(map(len, pool.values()))} paragraphs for {len(pool)} queries in {chosen.pool.name}")
    if args.ungraded:
        todo = {q: {k: r for k, r in p.items() if k not in graded.get(q, {})} for q, p in pool.items()}
        write(args.ungraded, todo, header(chosen))


if __name__ == "__main__":
    main()
