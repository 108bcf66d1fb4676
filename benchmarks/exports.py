"""Plain searches while whole-library exports run.

Serves the shipped library with gunicorn as ``make serve`` does (loopback only; per-client
limits off, as every request comes from one address here; no response cache, so every
search is searched), then runs one pass of mixed queries from two clients alone (the
reference), and the same number of other queries while ``--exports`` clients download the
whole library (``/api/export?q=-某词``, every paragraph) again and again (the downloads
under way when the searches end are finished). Prints the search latency of both passes,
and the exports: complete, cut (the file's last line says so), refused (503: a worker's
exports all busy), rows and seconds.

Usage: python benchmarks/exports.py [--exports 8] [--queries 300] [--index DIR]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, indexer, percentile
from scale import free_port, mixed, real_reports, run_pass, serve

EVERYTHING = "/api/export?q=-%E6%9F%90%E8%AF%8D"  # q=-某词: every paragraph


def shipped_index(path: Path | None) -> Path:
    """An up-to-date index of the shipped library (a no-op build when it is current)."""
    path = path or Path(tempfile.gettempdir()) / "gov-report-bench-shipped-index"
    print(f"bringing the index of corpus/ in {path} up to date …", file=sys.stderr)
    indexer("build", "--corpus", str(ROOT / "corpus"), "--index", str(path))
    return path


class Exports:
    """Clients downloading the whole library until stopped."""

    def __init__(self, port: int, clients: int):
        self.port = port
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.done: list[tuple[str, int, float]] = []  # (outcome, rows, seconds)
        self.threads = [threading.Thread(target=self._client) for _ in range(clients)]

    def _client(self) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            try:
                conn.request("GET", EVERYTHING)
                response = conn.getresponse()
                body = response.read()
                if response.status == 200:
                    rows = body.count(b"\r\n") - 1
                    cut = "文件不完整".encode() in body[-300:]
                    outcome = "cut" if cut else "complete"
                    if not cut and rows != int(response.headers["X-Export-Rows"]):
                        outcome = "short"  # never: a file ends complete or says it is cut
                else:
                    rows, outcome = 0, str(response.status)
                    time.sleep(1)  # as a client told Retry-After would, roughly
            except (OSError, http.client.HTTPException) as exc:
                rows, outcome = 0, type(exc).__name__
            finally:
                conn.close()
            with self.lock:
                self.done.append((outcome, rows, time.perf_counter() - started))

    def __enter__(self) -> Exports:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def line(name: str, times: list[float], failures: int) -> str:
    return (
        f"{name}: {len(times)} searches, {failures} failed; p50 {percentile(times, 50):.0f} ms  "
        f"p95 {percentile(times, 95):.0f} ms  p99 {percentile(times, 99):.0f} ms  max {max(times):.0f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exports", type=int, default=8)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--index", type=Path)
    args = ap.parse_args()
    index = shipped_index(args.index)
    queries = mixed(real_reports(), 2 * args.queries, random.Random(11))
    os.environ.update(SEARCH_RATELIMIT_ENABLED="false", SEARCH_RESPONSE_CACHE_MB="0")
    port = free_port()
    server = serve(index, port)
    try:
        run_pass(port, queries[:20], 2)  # warm: the fork servers and the page cache
        alone, failed_alone = run_pass(port, queries[: args.queries], 2)
        with Exports(port, args.exports) as exports:
            time.sleep(2)  # the exports under way
            during, failed_during = run_pass(port, queries[args.queries :], 2)
        finished = list(exports.done)  # with the downloads under way when the searches ended
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    print(line("searches alone", alone, failed_alone))
    print(line(f"searches while {args.exports} clients export the whole library", during, failed_during))
    outcomes: dict[str, list[tuple[int, float]]] = {}
    for outcome, rows, seconds in finished:
        outcomes.setdefault(outcome, []).append((rows, seconds))
    for outcome, runs in sorted(outcomes.items()):
        rows = max(r for r, _ in runs)
        secs = sorted(s for _, s in runs)
        print(
            f"exports {outcome}: {len(runs)}"
            + (f", {rows:,} rows each, {percentile(secs, 50):.1f} s median" if outcome == "complete" else "")
        )
    print(f"load average: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
