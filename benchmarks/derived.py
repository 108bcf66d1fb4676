"""What the new wording (indexer.novelty) and the year's targets (indexer.targets) cost the
build and how fast their pages answer, at 1,000 reports.

The corpus: N synthesized reports (scale.py's way: the first half of one real report and the
second half of another, under a new place and year), in 40 places of 25 years each, one of
them the national series, so places have pasts and provinces a national report of their year.
It is built twice from scratch, in child processes, one after the other: with the build's
derivation steps as they are, and without these two (the other steps kept); the wall and CPU
times print side by side, with each step's own time from the build's log. Then one report is
added to a place's past (an incremental build), both ways again. Last, the pages and routes
of both features are requested from the built index (in process, as a worker answers them),
each several times (computed each time, not answered from the kept answers), beside the
reader of a report and /api/status in the same run: the first request (which reads what the
build derived), then the median and slowest.

Usage: python benchmarks/derived.py [--reports 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, percentile
from scale import real_reports

OURS = ("indexer.novelty", "indexer.targets")
PLACES = 40
BUILD = """
import sys, time
from pathlib import Path
import indexer.build as b
if sys.argv[3] == "without":
    b.DERIVED = tuple(step for step in b.DERIVED if step.__module__ not in {ours!r})
summary = b.build(Path(sys.argv[1]), Path(sys.argv[2]), log=lambda msg: print(msg, flush=True))
print(summary.line())
"""


def synthesize(target: Path, n: int, rng: random.Random) -> list[tuple[str, int]]:
    """``n`` reports in ``PLACES`` places (the first national) over consecutive years; the
    (place, year) of each."""
    reports = real_reports()
    years = -(-n // PLACES)
    written = []
    for i in range(n):
        place = "全国" if i % PLACES == 0 else f"第{i % PLACES}市"
        year = 2026 - years + 1 + i // PLACES
        (_, a), (_, b) = rng.sample(reports, 2)
        title = f"{year}年{'国务院' if place == '全国' else place}政府工作报告"
        lines = [
            title,
            f"——{year}年1月{rng.randint(5, 28)}日",
            "各位代表：",
            *a[: len(a) // 2],
            *b[len(b) // 2 :],
        ]
        folder = target / place
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{year}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append((place, year))
    return written


def build(corpus: Path, index: Path, how: str) -> dict:
    """A build in a child process: wall and CPU seconds, and each step's seconds as logged."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", BUILD.format(ours=OURS), str(corpus), str(index), how],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"build failed:\n{done.stderr[-2000:]}")
    steps = {m[1]: float(m[2]) for m in re.finditer(r"^(indexer\.\w+): ([\d.]+) s$", done.stdout, re.M)}
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall": wall, "cpu": cpu, "steps": steps, "line": done.stdout.strip().splitlines()[-1]}


def side_by_side(label: str, with_steps: dict, without: dict) -> None:
    ours = sum(v for k, v in with_steps["steps"].items() if k in OURS)
    print(
        f"{label:<26} with {with_steps['wall']:7.1f} s wall {with_steps['cpu']:7.1f} s CPU | "
        f"without {without['wall']:7.1f} s wall {without['cpu']:7.1f} s CPU | "
        f"wall +{(with_steps['wall'] / without['wall'] - 1) * 100:5.1f}% | the two steps {ours:5.1f} s "
        f"({ours / with_steps['wall'] * 100:4.1f}% of the build) {with_steps['steps']}"
    )


def latency(index: Path, written: list[tuple[str, int]], rounds: int) -> None:
    """Each page and route, ``rounds`` times after a first request, beside references."""
    sys.path.insert(0, str(ROOT))
    from search import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    place, year = written[len(written) // 2 + 5]
    rid = f"{place}/{year}"
    urls = [
        ("reference: /api/status", "/api/status"),
        ("reference: reader", f"/reports/{rid}"),
        ("/targets", "/targets"),
        ("/targets one place, jobs", f"/targets?place={place}&indicator=jobs"),
        ("/targets two places, years", f"/targets?place={place}&place=第3市&year=2010-2026"),
        ("/reports/<id>/new", f"/reports/{rid}/new"),
        ("/api/reports/<id>/new", f"/api/reports/{rid}/new"),
        ("/api/targets", "/api/targets?indicator=gdp"),
        ("/api/targets CSV", "/api/targets?format=csv"),
    ]
    print(f"\n{'page':<30}{'first':>9}{'p50':>9}{'max':>9}   (ms, {rounds} requests after the first)")
    for label, url in urls:
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        first = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for i in range(rounds):  # an argument the pages ignore: each answer computed, not a kept one
            started = time.perf_counter()
            client.get(f"{url}{'&' if '?' in url else '?'}n={i}").get_data()
            times.append((time.perf_counter() - started) * 1000)
        print(f"{label:<30}{first:9.1f}{percentile(times, 50):9.1f}{max(times):9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="keep the corpus and indexes here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="gov-report-derived-"))
    corpus = root / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    written = synthesize(corpus, args.reports, random.Random(27))
    size = sum(p.stat().st_size for p in corpus.rglob("*.txt")) / 1e6
    print(f"{args.reports} reports, {PLACES} places, {size:.0f} MB of text, built from scratch:")
    results = {}
    for how in ("with", "without"):
        index = root / f"index-{how}"
        shutil.rmtree(index, ignore_errors=True)
        results[how] = build(corpus, index, how)
    side_by_side("build", results["with"], results["without"])
    place, year = written[1]  # a place's first report: one added before it changes its later ones
    (corpus / place / f"{year - 1}.txt").write_text(
        (corpus / place / f"{year}.txt").read_text(encoding="utf-8").replace(f"{year}年", f"{year - 1}年"),
        encoding="utf-8",
    )
    added = {how: build(corpus, root / f"index-{how}", how) for how in ("with", "without")}
    side_by_side("add one report", added["with"], added["without"])
    latency(root / "index-with", written, args.rounds)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
