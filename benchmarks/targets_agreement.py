"""How well the build reads the year's targets: against benchmarks/targets-checked.tsv, a table
written by hand from the reports (the national reports of 2003–2026, the provincial reports
of 31 places of 2025 and 2026), per indicator the rows where the report states a target and
where the build gives the same text and both bounds (agreement, or recall), the rows where the
report sets none and the build gives none, and of every value the build gives for a row of
the table, the share that is right (precision); then every miss.

Usage: python benchmarks/targets_agreement.py [--corpus corpus]
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

from common import ROOT

from indexer.structure import read_reports
from indexer.targets import INDICATORS, targets

TABLE = Path(__file__).resolve().parent / "targets-checked.tsv"


def checked() -> list[dict]:
    """The rows of the hand-checked table."""
    with TABLE.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def number(raw: str) -> float | None:
    return float(raw) if raw else None


def found(
    corpus: Path, report_ids: set[str]
) -> dict[tuple[str, str], tuple[str, float | None, float | None]]:
    """What the build reads from each report: (report, indicator) -> (text, low, high)."""
    out = {}
    for rid in sorted(report_ids):
        path = next(p for p in corpus.glob(rid + ".*") if p.suffix != ".tsv")
        for report in read_reports(path, corpus):
            for t in targets(report):
                out[(report.id, t.indicator)] = (t.text, t.low, t.high)
    return out


def compare(rows: list[dict], got: dict) -> tuple[dict[str, list[int]], list[str]]:
    """Per indicator [stated rows, agreeing, rows stating none, agreeing, values read], and
    the misses."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    misses = []
    for row in rows:
        key = (row["report_id"], row["indicator"])
        have = got.get(key)
        counts[row["indicator"]][4] += have is not None
        if row["text"] == "none":
            counts[row["indicator"]][2] += 1
            if have is None:
                counts[row["indicator"]][3] += 1
            else:
                misses.append(f"{key[0]} {key[1]}: none stated, read {have[0]!r}")
            continue
        want = (row["text"], number(row["low"]), number(row["high"]))
        counts[row["indicator"]][0] += 1
        if have == want:
            counts[row["indicator"]][1] += 1
        else:
            misses.append(f"{key[0]} {key[1]}: {want} by hand, read {have}")
    return counts, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args()
    rows = checked()
    counts, misses = compare(rows, found(args.corpus, {r["report_id"] for r in rows}))
    print(
        f"{'indicator':<26}{'stated':>7}{'agree':>7}{'recall':>8}{'none':>6}{'agree':>7}{'read':>6}{'precision':>10}"
    )
    for indicator in [i.name for i in INDICATORS if i.name in counts]:
        stated, agree, none, quiet, read = counts[indicator]
        recall = f"{agree / stated:.1%}" if stated else "-"
        precision = f"{agree / read:.1%}" if read else "-"
        print(f"{indicator:<26}{stated:>7}{agree:>7}{recall:>8}{none:>6}{quiet:>7}{read:>6}{precision:>10}")
    print(f"\n{len(misses)} misses")
    for miss in misses:
        print(" ", miss)


if __name__ == "__main__":
    main()
