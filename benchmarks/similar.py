"""Precision of similar passages on the shipped library: 100 of the (paragraph, similar
passage) pairs the build keeps, drawn with a fixed seed, written to
benchmarks/similar-pairs.tsv (both texts) to be read by a person; the verdicts read
(benchmarks/similar-precision.tsv: pair, verdict ``same`` or ``different``, a note) are
counted against the pairs drawn now, and the pairs in the library by share in common.

Usage: python benchmarks/similar.py [--index DIR] [--corpus corpus] [--pairs 100] [--seed 31]
(without --index the shipped library is built into a temporary folder first)
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
from collections import Counter
from pathlib import Path

from common import ROOT, indexer

from indexer.generation import Generation
from indexer.similar import SimilarPack
from indexer.store import current_path

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "similar-pairs.tsv"
VERDICTS = HERE / "similar-precision.tsv"


def drawn(index: Path, n: int, seed: int) -> tuple[list[dict], list[tuple]]:
    """``n`` distinct pairs of the build (each once, its reports in id order), with texts."""
    path = current_path(index)
    assert path is not None, f"no index in {index}"
    rows = sorted({r for r in SimilarPack(path).rows() if r[0] < r[2]})
    chosen = random.Random(seed).sample(rows, min(n, len(rows)))
    gen = Generation(path)
    reports = gen.reports({r[0] for r in chosen} | {r[2] for r in chosen})
    text = {(rid, b.anchor): b.text for rid, rep in reports.items() for b in rep.blocks}
    return [
        {
            "pair": i,
            "report_a": a,
            "anchor_a": pa,
            "report_b": b,
            "anchor_b": pb,
            "shared": share,
            "text_a": text[(a, pa)],
            "text_b": text[(b, pb)],
        }
        for i, (a, pa, b, pb, share) in enumerate(chosen, 1)
    ], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    index = args.index or Path(tempfile.gettempdir()) / "gov-report-similar-index"
    if args.index is None:
        print(f"building the library into {index} …")
        indexer("build", "--corpus", str(args.corpus), "--index", str(index))
    pairs, rows = drawn(index, args.pairs, args.seed)
    with PAIRS.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, list(pairs[0]), delimiter="\t", lineterminator="\n")
        out.writeheader()
        out.writerows(pairs)
    by_share = Counter(min(r[4] // 5 * 5, 95) for r in rows)
    print(f"{len(rows)} pairs in the library; by share in common (%):")
    print("  " + "  ".join(f"{k}–{k + 5 if k < 95 else 100}: {by_share[k]}" for k in sorted(by_share)))
    print(f"{len(pairs)} drawn (seed {args.seed}) into {PAIRS.relative_to(ROOT)}")
    if not VERDICTS.exists():
        print(f"no verdicts yet: read the pairs and write {VERDICTS.relative_to(ROOT)}")
        return
    with VERDICTS.open(encoding="utf-8") as fh:  # a verdict belongs to its pair, wherever it is drawn
        verdicts = {
            (r["report_a"], r["anchor_a"], r["report_b"], r["anchor_b"]): r
            for r in csv.DictReader(fh, delimiter="\t")
        }
    keys = [(p["report_a"], p["anchor_a"], p["report_b"], p["anchor_b"]) for p in pairs]
    judged = [verdicts[k] for k in keys if k in verdicts]
    unread = [p["pair"] for p, k in zip(pairs, keys, strict=True) if k not in verdicts]
    same = sum(v["verdict"] == "same" for v in judged)
    print(f"verdicts for {len(judged)} of the {len(pairs)} pairs drawn now; not read yet: {unread}")
    print(f"the same wording: {same} of {len(judged)}")
    for v in judged:
        if v["verdict"] != "same":
            print(f"  {v['report_a']} | {v['report_b']}: {v['verdict']} ({v['note']})")


if __name__ == "__main__":
    main()
