"""Requests per second the site serves, against the floor of a no-op Flask app.

Both run under the same gunicorn settings (loopback only) and are driven by wrk (Debian's
package: ``apt-get install wrk``) with the same connections, on this machine, in one run:
the no-op app's rate is the floor a page of ours is judged against (the machine is shared and
noisy; the ratio is what compares runs). Measured:

- the JSON API over a mix of real queries (cut from the library's reports as people type
  them), HTML results pages over the same mix, and one query's page asked again and again;
- each first as a cold pass (every query of the mix once, from one client: the cost of a
  search no one asked before), then in the steady state wrk reaches (the answers kept per
  generation, search.cache);
- for several worker models (processes x threads), so the one ``make serve`` uses is chosen
  by measurement.

Usage: python benchmarks/throughput.py [--index DIR] [--seconds 20] [--connections 16]
       [--queries 475] [--models 2x4 4x1 3x2]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT, indexer, percentile
from scale import free_port, mixed, real_reports

NOOP = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
"""

LUA = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def serve(module: str, port: int, workers: int, threads: int, env: dict, cwd: Path) -> subprocess.Popen:
    """gunicorn as ``make serve`` runs it (``--preload``), with this worker model."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--preload",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            module,
        ],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/")
            if conn.getresponse().status < 500:
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    sys.exit(f"{module} did not start")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def wrk(port: int, paths: list[str], seconds: int, connections: int, work: Path) -> tuple[float, float, int]:
    """Requests per second wrk reaches on ``paths`` (in turn), its p99 latency (ms), and the
    answers that were not 2xx or 3xx."""
    listing = work / "paths.txt"
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = work / "paths.lua"
    script.write_text(LUA % listing, encoding="utf-8")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return (
        rate,
        float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        int(errors.group(1)) if errors else 0,
    )


def cold_pass(port: int, paths: list[str]) -> tuple[float, list[float], int]:
    """Every path once, one client: requests per second, latencies (ms), failures."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times, failures = [], 0
    started = time.perf_counter()
    for path in paths:
        sent = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        failures += response.status != 200
        times.append((time.perf_counter() - sent) * 1000)
    return len(paths) / (time.perf_counter() - started), times, failures


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, help="an index of the library (built from corpus/ if not given)")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--queries", type=int, default=475)
    ap.add_argument("--models", nargs="+", default=["2x4", "4x1", "3x2"], help="workers x threads")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gov-report-throughput-"))
    try:
        index = args.index
        if index is None:
            index = work / "index"
            indexer("build", "--index", str(index))
        queries = mixed(real_reports(), args.queries, random.Random(475))
        mixes = {
            "JSON API, mixed queries": [f"/api/search?{urlencode({'q': q})}" for q in queries],
            "HTML results, mixed queries": [f"/?{urlencode({'q': q})}" for q in queries],
            "HTML results, one query repeated": [f"/?{urlencode({'q': '乡村振兴'})}"],
        }
        (work / "noop.py").write_text(NOOP, encoding="utf-8")
        print(
            f"wrk, {args.connections} connections, {args.seconds} s per measure; "
            f"{len(queries)} queries; gunicorn --preload on 127.0.0.1"
        )
        for model in args.models:
            workers, threads = (int(x) for x in model.split("x"))
            port = free_port()
            server = serve("noop:app", port, workers, threads, {}, work)
            try:
                floor = wrk(port, ["/"], args.seconds, args.connections, work)[0]
            finally:
                stop(server)
            print(
                f"{workers} workers x {threads} threads: no-op Flask app {floor:,.0f} requests/s (the floor)"
            )
            port = free_port()
            server = serve("wsgi:app", port, workers, threads, {"SEARCH_INDEX_DIR": str(index)}, ROOT)
            try:
                for name, paths in mixes.items():
                    rate, times, failed = cold_pass(port, paths)
                    steady, p99, errors = wrk(port, paths, args.seconds, args.connections, work)
                    print(
                        f"    {name}: cold pass {rate:,.0f} requests/s (p50 {percentile(times, 50):.0f} ms, "
                        f"p99 {percentile(times, 99):.0f} ms, {failed} failed); steady {steady:,.0f} requests/s "
                        f"= {steady / floor:.1%} of the floor (p99 {p99:.1f} ms, {errors} not 2xx/3xx)"
                    )
            finally:
                stop(server)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
