"""The watched corpus on the shipped library: from a file dropped into corpus/ to a search
that finds it, and how many builds a burst of files takes.

Copies corpus/ (the shipped library) aside, builds it, serves it with gunicorn as ``make
serve`` does (loopback only) beside ``python -m indexer watch``, then drops reports in: one
at a time (``--drops``), timing each from the write to the first ``/api/search`` that finds
its word; then a burst of ``--burst`` files, timing until ``/api/status`` counts them all and
counting the watcher's builds. As a reference measured in the same run: an incremental
``python -m indexer build`` that adds one report, by hand.

Usage: python benchmarks/watch.py [--drops 3] [--burst 300] [--index instance/index]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import ROOT
from scale import free_port, serve

from indexer.watch import read_state

SOURCE = "罗湖区/2021.txt"  # the text each dropped report is made from, under a new place and year


NAMES = "甲乙丙丁戊己庚辛壬癸"


def report(text: str, n: int, word: str) -> str:
    """A report of its own (a place of its own, 测甲乙丙县: not a copy of ``text``'s), holding
    ``word``."""
    place = NAMES[n // 100 % 10] + NAMES[n // 10 % 10] + NAMES[n % 10]
    return f"2030年测{place}县政府工作报告\n各位代表：\n我们建设{word}。\n{text}"


def indexer(work: Path, *args: str) -> None:
    """``python -m indexer`` on ``work``'s corpus and index, named as ``make index`` names them."""
    subprocess.run(
        [sys.executable, "-m", "indexer", *args, "--corpus", "corpus", "--index", "index"],
        cwd=work,
        check=True,
        capture_output=True,
    )


def get(port: int, path: str, **query: str) -> dict:
    url = f"http://127.0.0.1:{port}{path}?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def until(check, seconds: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise TimeoutError(f"not within {seconds} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drops", type=int, default=3)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument(
        "--index",
        type=Path,
        help="an index of corpus/ built from the repository (make index): copied, not rebuilt",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="watch-bench-"))
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    text = (corpus / SOURCE).read_text(encoding="utf-8")
    if args.index:  # its record names files as corpus/…, as it will be run here
        shutil.copytree(args.index, index, symlinks=True)
    indexer(work, "build")

    # the reference: the same drop, indexed by hand
    (corpus / "hand").mkdir()
    (corpus / "hand" / "2099.txt").write_text(report(text, 999, "手工参照园"), encoding="utf-8")
    started = time.monotonic()
    indexer(work, "build")
    by_hand = time.monotonic() - started

    port = free_port()
    server = serve(index, port)
    log = (work / "watch.log").open("w")
    watcher = subprocess.Popen(
        [sys.executable, "-m", "indexer", "watch", "--corpus", "corpus", "--index", "index"],
        cwd=work,
        stderr=log,
    )
    try:
        until(lambda: (read_state(index) or {}).get("builds") == 1)
        reports = get(port, "/api/status")["reports"]
        found = []
        for n in range(args.drops):
            word = f"第{n}号观测站"
            started = time.monotonic()
            (corpus / f"drop-{n}.txt").write_text(report(text, n, word), encoding="utf-8")
            until(lambda: get(port, "/api/search", q=word)["total"] > 0)  # noqa: B023
            found.append(time.monotonic() - started)
            time.sleep(1)
        before = read_state(index)["builds"]
        burst = corpus / "burst"
        burst.mkdir()
        started = time.monotonic()
        for n in range(args.burst):
            (burst / f"{n:03d}.txt").write_text(report(text, 100 + n, f"第{n}号试验田"), encoding="utf-8")
        written = time.monotonic() - started
        expected = reports + args.drops + args.burst
        until(lambda: get(port, "/api/status")["reports"] >= expected, 600)
        burst_took = time.monotonic() - started
        builds = read_state(index)["builds"] - before
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait(60)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(60)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"library: {reports} reports served by gunicorn (2 workers), watched by python -m indexer watch")
    print(f"reference: an incremental build adding one report, run by hand: {by_hand:.1f} s")
    print(
        "drop to searchable: "
        + ", ".join(f"{s:.1f} s" for s in found)
        + f" (max {max(found):.1f} s, {max(found) / by_hand:.2f}x the build by hand)"
    )
    print(
        f"burst: {args.burst} files written in {written:.1f} s, all searchable after {burst_took:.1f} s, in {builds} builds"
    )


if __name__ == "__main__":
    main()
