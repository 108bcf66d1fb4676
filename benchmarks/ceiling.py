"""The best nDCG@10 each judged set could reach, by how much of the ranking is kept.

The engine ranks in tiers (search.engine): paragraphs holding the query exactly as typed
first, then the query in a variant's wording, then the words apart; within each, body
paragraphs before headings, status lines and (for a topic) notes. A better order *within*
the tiers is all that ranking work can change while exact-as-typed first holds. This script
takes each judged query's first ``--depth`` paragraphs as the engine lists them, sorts them
by their grades (an ungraded paragraph counts as 0) while keeping, in turn:

- every tier as listed (runs of the same exact / variant / body kind: an upper bound, since a
  run may join two of the engine's finer tiers),
- only the exact-as-typed tier (body and the rest mixed below it),
- only body before the rest (the exact tier dropped),
- nothing,

and prints each set's mean nDCG@10 and the queries left below 0.5: the ceiling a
within-tier ranking (a better centrality signal, a learned order) cannot pass.

Usage: python benchmarks/ceiling.py [--index DIR] [--depth 300] [--per-query]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import numpy as np
from common import shared_index
from judged import SETS, Key, ndcg, paragraph_key

from search.engine import _ranked, in_body, with_wordings
from search.handle import IndexHandle
from search.query import parse, plan
from search.scoring import ScoreCache, Scorer, held

Row = tuple[int, bool, bool, bool]  # grade, exact, in a variant's wording, body


def _runs(rows: list[Row]) -> list[int]:
    """Each row's run: rows in a row of the same tier kind (exact, variant, body)."""
    out, run, last = [], 0, None
    for r in rows:
        run += r[1:] != last
        last = r[1:]
        out.append(run)
    return out


def _sorted(rows: list[Row], kept: list) -> list[int]:
    """The grades sorted best first within each value of ``kept`` (one per row), those
    values in their order."""
    return [rows[i][0] for i in sorted(range(len(rows)), key=lambda i: (kept[i], -rows[i][0], i))]


ORDERS: dict[str, Callable[[list[Row]], list[int]]] = {
    "today's ranking": lambda rows: [r[0] for r in rows],
    "best keeping every tier": lambda rows: _sorted(rows, _runs(rows)),
    "best keeping exact-as-typed first only": lambda rows: _sorted(rows, [not r[1] for r in rows]),
    "best keeping body first only": lambda rows: _sorted(rows, [not r[3] for r in rows]),
    "best in any order": lambda rows: _sorted(rows, [0] * len(rows)),
}


def listed(searcher, cache: ScoreCache, query: str, grades: dict[Key, int], depth: int) -> list[Row]:
    """The query's first ``depth`` paragraphs as the engine ranks them: grade and tier kind."""
    p = plan(with_wordings(searcher, parse(query)))
    scorer = Scorer(searcher, cache)
    found = scorer.matching(p)
    cols = scorer.columns()
    ids = np.array(list(islice(_ranked(scorer, p, found, cols), depth)), dtype=np.int32)
    exact = held(ids, scorer.part(p.exact).ids) if p.exact is not None else np.zeros(len(ids), bool)
    alike = held(ids, scorer.part(p.alike).ids) & ~exact if p.alike is not None else np.zeros(len(ids), bool)
    body = in_body(p, cols.fragment[ids])
    out = []
    for i, d in enumerate(ids.tolist()):
        fields = searcher.stored_fields(d)
        grade = grades.get(paragraph_key(fields.get("year"), fields["text"]), 0)
        out.append((grade, bool(exact[i]), bool(alike[i]), bool(body[i])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path)
    ap.add_argument("--depth", type=int, default=300, help="paragraphs of each query's list to reorder")
    ap.add_argument("--per-query", action="store_true")
    args = ap.parse_args()
    handle = IndexHandle(shared_index(args.index))
    searcher = handle.acquire()
    cache = ScoreCache()
    for chosen in SETS.values():
        graded = {q: g for q, g in chosen.graded().items() if g}
        rows = {q: listed(searcher, cache, q, g, args.depth) for q, g in graded.items()}
        print(f"{chosen.name} ({len(graded)} graded queries, first {args.depth} paragraphs of each):")
        for label, order in ORDERS.items():
            scores = {q: ndcg(order(rows[q]), g) for q, g in graded.items()}
            low = sorted(q for q, s in scores.items() if s < 0.5)
            print(f"  {label:48s} nDCG@10 {sum(scores.values()) / len(scores):.3f}, below 0.5: {len(low)}")
            if args.per_query and low:
                print(f"    {', '.join(low)}")
    handle.release(searcher)


if __name__ == "__main__":
    main()
