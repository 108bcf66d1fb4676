"""The running site under mixed traffic while the index is rebuilt beneath it.

Serves a copy of the library with gunicorn as ``make serve`` does (loopback only), then
drives it with mixed queries from a few concurrent clients, phase by phase: idle; while an
incremental build adds a report; while ``--rebuild`` writes a new generation and switches to
it; and after. Prints, per phase, the requests, the failed ones (anything but a 200) and the
latency percentiles; and how long after the incremental build the new report was found.
Bounded in time: each phase ends with its build (or after ``--idle`` seconds).

Usage: python benchmarks/load.py [--clients 4] [--idle 10]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT, percentile
from scale import free_port, mixed, real_reports, serve

HELD_BACK = "全国/2026.md"  # added by the incremental build
PROBE = "held-back-report-probe"


class Traffic:
    """Client threads that query the server until stopped, recording each answer by phase."""

    def __init__(self, port: int, queries: list[str], clients: int):
        self.port, self.queries = port, queries
        self.phase = "idle"
        self.results: dict[str, list[tuple[float, bool]]] = {}
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._client, args=(i,)) for i in range(clients)]

    def _client(self, n: int) -> None:
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            q = rng.choice(self.queries)
            path = rng.choice(["/?", "/api/search?"]) + urlencode({"q": q})
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            with self.lock:
                self.results.setdefault(self.phase, []).append(((time.perf_counter() - started) * 1000, ok))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def indexer(corpus: Path, index: Path, *args: str, wait: int = 300) -> subprocess.Popen:
    """``python -m indexer build`` of ``corpus`` into ``index``, waiting up to ``wait`` seconds
    for another build, quietly."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "indexer",
            "build",
            "--corpus",
            str(corpus),
            "--index",
            str(index),
            "--wait",
            str(wait),
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def found(port: int, q: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/search?" + urlencode({"q": q}))
    import json

    return json.loads(conn.getresponse().read())["total"] > 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--idle", type=float, default=10.0)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gov-report-load-"))
    try:
        corpus, index = work / "corpus", work / "index"
        shutil.copytree(ROOT / "corpus", corpus)
        aside = work / "held-back.md"
        shutil.move(corpus / HELD_BACK, aside)
        aside.write_text(aside.read_text(encoding="utf-8") + f"\n{PROBE}。\n", encoding="utf-8")
        if indexer(corpus, index).wait() not in (0, 1):
            sys.exit("the first build failed")
        queries = mixed(real_reports(), 300, random.Random(7))
        port = free_port()
        server = serve(index, port)
        try:
            with Traffic(port, queries, args.clients) as traffic:
                time.sleep(args.idle)
                traffic.phase = "incremental build"
                shutil.copy(aside, corpus / HELD_BACK)
                indexer(corpus, index).wait()
                built = time.perf_counter()
                while not found(port, PROBE) and time.perf_counter() - built < 60:
                    time.sleep(0.1)
                seen = time.perf_counter() - built
                traffic.phase = "rebuild"
                indexer(corpus, index, "--rebuild").wait()
                traffic.phase = "after"
                time.sleep(args.idle)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        for phase in ("idle", "incremental build", "rebuild", "after"):
            rows = traffic.results.get(phase, [])
            times = [ms for ms, _ in rows] or [0.0]
            failed = sum(not ok for _, ok in rows)
            print(
                f"{phase}: {len(rows)} requests, {failed} failed; p50 {percentile(times, 50):.0f} ms  "
                f"p95 {percentile(times, 95):.0f} ms  p99 {percentile(times, 99):.0f} ms  "
                f"max {max(times):.0f} ms"
            )
        print(f"the added report was found {seen:.1f} s after its build ended")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
