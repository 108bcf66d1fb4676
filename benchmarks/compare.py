"""Questions across many reports, at scale: for queries that match 10,000 paragraphs or
more, the grouped results page, the place × year overview and the counts per year, each
timed warm (p50/p95 over repeated requests to a server as ``make serve`` runs it), the
export of every matching paragraph as CSV (rows per second, read as it streams), and
completion while typing (every prefix of words people type).

The index is the one given (``--index``), else ``--reports`` synthesized reports built as
``benchmarks/scale.py`` builds them (1,000 by default: the scale issue's benchmark).

Usage: python benchmarks/compare.py [--index DIR | --reports 1000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import build, free_port, real_reports, serve, synthesize  # noqa: E402

BROAD = ["发展", "建设", "经济", "推进", "加强", "改革", "提高", "工作"]  # candidates for 10,000+ matches
MIN_MATCHES = 10_000


def get(port: int, path: str, args: dict) -> tuple[float, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", f"{path}?{urlencode(args, doseq=True)}")
    response = conn.getresponse()
    body = response.read()
    took = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{path} {args}: HTTP {response.status}: {body[:200]!r}")
    return took, body


def export_rate(port: int, query: str) -> tuple[int, float]:
    """Rows of the CSV export of ``query`` and the seconds it took, read as it streams."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", "/api/export?" + urlencode({"q": query, "format": "csv"}))
    response = conn.getresponse()
    rows = 0
    while chunk := response.read(1 << 16):
        rows += chunk.count(b"\n")  # a row ends in \r\n, which a chunk may split
    seconds = time.perf_counter() - started
    conn.close()
    return rows - 1, seconds  # the header is a line too


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, help="an index to serve (else one is built)")
    ap.add_argument("--reports", type=int, default=1000, help="synthesized reports to build")
    ap.add_argument("--repeat", type=int, default=20, help="warm requests of each kind and query")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gov-compare-"))
    index = args.index
    if index is None:
        corpus = work / "corpus"
        mb = synthesize(corpus, args.reports, real_reports(), random.Random(7))
        index = work / "index"
        (work / "tmp").mkdir()
        took = build(corpus, index, work / "tmp")
        print(f"built {args.reports} reports ({mb:.1f} MB) in {took['wall']:.0f} s")
    port = free_port()
    started = time.perf_counter()
    server = serve(index, port)
    print(f"server answering after {time.perf_counter() - started:.1f} s")
    try:
        queries = []
        for word in BROAD:
            _, body = get(port, "/api/search", {"q": word, "per_page": 1})
            total = json.loads(body)["total"]
            if total >= MIN_MATCHES:
                queries.append((word, total))
        print("queries:", ", ".join(f"{w} ({n:,} paragraphs)" for w, n in queries))
        kinds = {
            "grouped results page": ("/", {}),
            "overview (place x year)": ("/overview", {}),
            "counts per year": ("/api/export", {"data": "years", "format": "json"}),
            "counts per place": ("/api/export", {"data": "places", "format": "json"}),
        }
        for label, (path, extra) in kinds.items():
            times: list[float] = []
            for word, _ in queries:
                get(port, path, {"q": word, **extra})  # the first request of a kind: not warm
                times += [get(port, path, {"q": word, **extra})[0] for _ in range(args.repeat)]
            print(
                f"{label}: p50 {percentile(times, 0.5):.0f} ms  p95 {percentile(times, 0.95):.0f} ms  "
                f"max {max(times):.0f} ms  ({len(times)} warm requests)"
            )
        # completion while typing: every prefix of some words people type, warm
        times = []
        for word in ["乡村振兴", "营商环境", "高质量发展", "粤港澳大湾区", "新质生产力", "醫療衛生"]:
            for end in range(1, len(word) + 1):
                get(port, "/api/complete", {"q": word[:end]})
                times += [get(port, "/api/complete", {"q": word[:end]})[0] for _ in range(args.repeat)]
        print(
            f"completion: p50 {percentile(times, 0.5):.1f} ms  p95 {percentile(times, 0.95):.1f} ms  "
            f"max {max(times):.1f} ms  ({len(times)} warm requests)"
        )
        cold = [get(port, "/api/complete", {"q": w})[0] for w in ["城", "城市", "环", "环境保", "数字"]]
        print(f"completion, first request of a prefix: max {max(cold):.1f} ms")
        for word, _ in queries[:3]:
            rows, seconds = export_rate(port, word)
            print(f"export of {word}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
