"""A long day: mixed traffic for a long time, with builds beneath it, watching memory and
open files.

Serves a copy of the shipped library with gunicorn as ``make serve`` does (loopback only;
per-client limits off, as every client here has one address), and drives it from several
clients with what people do: search pages, the search API, report pages, completion, the
overview, comparisons and small exports. Every ``--build-every`` seconds an incremental
build adds (or, the next time, removes) a report; ``--rebuilds`` full rebuilds are spread
over the run. Every ``--sample`` seconds it prints the requests and failures since the last
sample, their p95, the workers' memory (proportional set size: their own pages and the
mapped index files) and the files they hold open (with their export processes'); at the
end, the latency per phase and the memory and descriptor series. Memory and descriptors
should level off, not climb.

Usage: python benchmarks/soak.py [--minutes 3] [--build-every 60] [--rebuilds 2] [--clients 4]
(an hour: --minutes 60 --build-every 180)
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
from urllib.parse import quote, urlencode

from common import ROOT, percentile
from load import indexer
from scale import free_port, mixed, real_reports, serve, workers_memory_mb

HELD_BACK = "全国/2026.md"  # added by one incremental build, removed by the next
WORK = Path(tempfile.gettempdir()) / "gov-report-soak"  # kept between runs: the first build is long


def build(corpus: Path, index: Path, *args: str) -> int:
    return indexer(corpus, index, *args, wait=600).wait()


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (workers, their export servers and exports)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def pss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in lines if line.startswith("Pss:")) / 1024
    return total


def open_files(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue
    return total


class Traffic:
    """Clients doing what people do until stopped, each answer noted with the phase."""

    def __init__(self, port: int, queries: list[str], reports: list[str], clients: int):
        self.port, self.queries, self.reports = port, queries, reports
        self.phase = "steady"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.results: list[tuple[float, str, float, bool]] = []  # (when, phase, ms, ok)
        self.slowest: list[tuple[float, str]] = []  # (ms, path): the slowest few
        self.failures: list[str] = []  # the first few failed requests, and why
        self.threads = [threading.Thread(target=self._client, args=(i,)) for i in range(clients)]

    def _request(self, rng: random.Random) -> str:
        q = rng.choice(self.queries)
        kind = rng.random()
        if kind < 0.45:
            return "/?" + urlencode({"q": q})
        if kind < 0.6:
            return "/api/search?" + urlencode({"q": q, "page": rng.randint(1, 3)})
        if kind < 0.72:
            return "/reports/" + quote(rng.choice(self.reports)) + "?" + urlencode({"q": q})
        if kind < 0.84:
            return "/api/complete?" + urlencode({"q": q[: rng.randint(1, 2)]})
        if kind < 0.9:
            return "/overview?" + urlencode({"q": q})
        if kind < 0.96:
            return "/compare?" + urlencode({"q": [q, rng.choice(self.queries)]}, doseq=True)
        return "/api/export?" + urlencode({"q": q, "year": rng.randint(2015, 2025), "format": "json"})

    def _client(self, seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop.is_set():
            path = self._request(rng)
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and "文件不完整".encode() not in body[-300:]
                why = f"{response.status} {body[-200:].decode(errors='replace')!r}"
            except (OSError, http.client.HTTPException) as exc:
                ok, why = False, type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            ms = (time.perf_counter() - started) * 1000
            with self.lock:
                self.results.append((time.monotonic(), self.phase, ms, ok))
                self.slowest = sorted([*self.slowest, (ms, path)], reverse=True)[:5]
                if not ok and len(self.failures) < 10:
                    self.failures.append(f"{path}: {why}")

    def __enter__(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--build-every", type=float, default=60.0, help="seconds between incremental builds")
    ap.add_argument("--rebuilds", type=int, default=2, help="full rebuilds, spread over the run")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--sample", type=float, default=15.0, help="seconds between samples")
    args = ap.parse_args()
    corpus, index = WORK / "corpus", WORK / "index"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus)
    held = WORK / "held-back.md"
    if not held.exists():
        shutil.move(corpus / HELD_BACK, held)
    (corpus / HELD_BACK).unlink(missing_ok=True)
    print(f"bringing {index} up to date …", file=sys.stderr)
    if build(corpus, index) not in (0, 1):
        sys.exit("the first build failed")
    reports = real_reports()
    queries = mixed(reports, 400, random.Random(5))
    ids = [p.relative_to(ROOT / "corpus").with_suffix("").as_posix() for p in (ROOT / "corpus").rglob("*.*")]
    ids = [i for i in ids if "/" in i and not i.endswith("SOURCES")][:200]
    os.environ.update(SEARCH_RATELIMIT_ENABLED="false")
    port = free_port()
    server = serve(index, port)
    duration = args.minutes * 60
    rebuild_at = [duration * (i + 1) / (args.rebuilds + 1) for i in range(args.rebuilds)]
    samples: list[tuple[float, str, float, float, int, float]] = []
    builds: list[str] = []
    started = time.monotonic()
    try:
        with Traffic(port, queries, ids, args.clients) as traffic:

            def builder() -> None:
                next_build, added = args.build_every, False
                while not traffic.stop.is_set():
                    elapsed = time.monotonic() - started
                    if rebuild_at and elapsed >= rebuild_at[0]:
                        rebuild_at.pop(0)
                        traffic.phase = "rebuild"
                        t = time.monotonic()
                        code = build(corpus, index, "--rebuild")
                        builds.append(
                            f"rebuild at {elapsed:.0f} s: {time.monotonic() - t:.0f} s, exit {code}"
                        )
                        traffic.phase = "steady"
                    elif elapsed >= next_build:
                        next_build = elapsed + args.build_every  # after a long rebuild: not a burst
                        if added:
                            (corpus / HELD_BACK).unlink()
                        else:
                            shutil.copy(held, corpus / HELD_BACK)
                        added = not added
                        traffic.phase = "incremental build"
                        t = time.monotonic()
                        code = build(corpus, index)
                        what = "adding" if added else "removing"
                        builds.append(
                            f"incremental build {what} a report at {elapsed:.0f} s: "
                            f"{time.monotonic() - t:.0f} s, exit {code}"
                        )
                        traffic.phase = "steady"
                    else:
                        traffic.stop.wait(1)

            building = threading.Thread(target=builder)
            building.start()
            seen = 0
            print(
                "  time  phase               requests  failed  p95 ms   workers' PSS MB (own + files)"
                "   export servers' PSS MB   open files"
            )
            while time.monotonic() - started < duration or building.is_alive() and rebuild_at:
                time.sleep(args.sample)
                with traffic.lock:
                    recent = traffic.results[seen:]
                    seen = len(traffic.results)
                mem = workers_memory_mb(server)
                below = descendants(server.pid)
                fds = open_files(below)
                workers = set(
                    subprocess.run(
                        ["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True
                    ).stdout.split()
                )
                exporting = pss_mb([p for p in below if str(p) not in workers])
                times = [ms for _, _, ms, _ in recent] or [0.0]
                failed = sum(not ok for *_, ok in recent)
                elapsed = time.monotonic() - started
                samples.append((elapsed, traffic.phase, mem["pss"], mem["pss_anon"], fds, exporting))
                print(
                    f"{elapsed:6.0f}  {traffic.phase:<18}  {len(recent):8}  {failed:6}  {percentile(times, 95):6.0f}"
                    f"   {mem['pss']:6.0f} ({mem['pss_anon']:.0f} + {mem['pss_file']:.0f})"
                    f"   {exporting:6.0f}   {fds:10}",
                    flush=True,
                )
            traffic.stop.set()
            building.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        (corpus / HELD_BACK).unlink(missing_ok=True)
    print()
    for line in builds:
        print(line)
    for phase in ("steady", "incremental build", "rebuild"):
        rows = [(ms, ok) for _, p, ms, ok in traffic.results if p == phase]
        if not rows:
            continue
        times = [ms for ms, _ in rows]
        print(
            f"{phase}: {len(rows)} requests, {sum(not ok for _, ok in rows)} failed; "
            f"p50 {percentile(times, 50):.0f} ms  p95 {percentile(times, 95):.0f} ms  max {max(times):.0f} ms"
        )
    for failure in traffic.failures:
        print(f"failed: {failure}")
    for ms, path in traffic.slowest:
        print(f"slow: {ms:.0f} ms {path}")
    print("workers' own memory (PSS anon, MB):", " ".join(f"{s[3]:.0f}" for s in samples))
    print("export servers' and exports' memory (PSS, MB):", " ".join(f"{s[5]:.0f}" for s in samples))
    print("open files (workers and exports):", " ".join(str(s[4]) for s in samples))
    print(f"load average: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
