"""How cost grows with the collection: build and serve N synthesized reports.

A synthesized report mixes the paragraphs of two real reports of corpus/ (the first half of
one, the second half of the other) under a new place and year, so the text has the real
vocabulary and length and no two reports repeat each other. For each N it builds them with
``python -m indexer build`` in a child process (wall and CPU time, MB/s, CPU-s per MB, peak
memory, the largest temporary disk use beside the index, index size over text size, and what
similar passages add: the CPU time of sketching every paragraph, measured apart on the same
texts, and of their build step, over the rest of the build, and the keys and pairs kept), then
serves them with gunicorn as ``make serve`` does (``--preload``, 2 workers x 8 threads,
loopback only): how soon it answers (a page that searches nothing: its workers have started),
then its first search and how long that search took, a pass
of mixed queries on the server fresh from its start, then the same pass again (p50/p95/p99/
max latency and failed queries of each), the workers' memory (proportional set size: their
own, and the share of mapped index files the page cache holds for them), and the time from
adding one report to the collection to finding it on the running server. At the first size
it also builds the same reports with the tutorial pipeline (jieba's ChineseAnalyzer into one
Whoosh TEXT field, one writer), as the reference the build speed is judged by on a shared,
noisy machine: the two builds one after the other, ``--pairs`` times (the speed of this
machine changes by a third from one minute to the next), and the median of the pairs'
ratios.

Usage: python benchmarks/scale.py [--sizes 200 1000 3000 10000] [--queries 400] [--clients 1]
       [--pairs 3] [--keep DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT, percentile

from indexer.build import corpus_files
from indexer.structure import read_reports

PLACES = "东西南北中上下前后左右"


def real_reports() -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of every report in the shipped library."""
    corpus = ROOT / "corpus"
    out = []
    for path in corpus_files(corpus):
        for report in read_reports(path, corpus):
            out.append((report.title, [b.text for b in report.blocks]))
    return out


def synthesize(target: Path, n: int, reports, rng: random.Random) -> float:
    """Write ``n`` mixed reports into ``target``; return their size in MB."""
    target.mkdir(parents=True, exist_ok=True)
    size = 0
    for i in range(n):
        (_, a), (_, b) = rng.sample(reports, 2)
        year = rng.randint(1990, 2026)
        place = f"{PLACES[i % len(PLACES)]}{i // len(PLACES) + 1}市"
        lines = [
            f"{year}年{place}政府工作报告",
            f"——{year}年1月{rng.randint(5, 28)}日在{place}第一届人民代表大会第{i % 9 + 1}次会议上",
            "各位代表：",
            *a[: len(a) // 2],
            *b[len(b) // 2 :],
        ]
        text = "\n".join(lines) + "\n"
        folder = target / place
        folder.mkdir(exist_ok=True)
        (folder / f"{year}.txt").write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
    return size / 1e6


def folder_mb(path: Path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / 1e6


def build(corpus: Path, index: Path, tmp: Path) -> dict:
    """Build in a child process; watch the disk it takes beside the finished index (the
    index folder while it is written, and the temporary folder)."""
    env = {**os.environ, "TMPDIR": str(tmp)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_tmp = 0.0
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    while child.poll() is None:
        peak_tmp = max(peak_tmp, folder_mb(tmp) + folder_mb(index))
        time.sleep(0.5)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode not in (0, 1):
        sys.exit(f"build failed ({child.returncode})")
    return {
        "wall": wall,
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "peak_rss": after.ru_maxrss / 1024,
        "peak_disk": peak_tmp,
        "index": folder_mb(index),
        "line": child.stdout.read().strip().splitlines()[-1],
    }


def similar_cost(corpus: Path, index: Path) -> dict:
    """What similar passages (indexer.similar) add to a build, in CPU seconds: sketching every
    paragraph (what the shard writers do besides, measured apart on the same texts) and the
    build step (run again on a copy of the generation made of hard links, every report new);
    and what they keep: the band keys in the shards' packs and the pairs' ``similar.pack``."""
    import json

    from indexer.generation import RECORD, Derivation, Generation, link_tree
    from indexer.shard import compact
    from indexer.similar import SIMILAR, SimilarPack, band_keys, derive
    from indexer.store import current_path

    texts = [
        compact(b.text)
        for path in corpus_files(corpus)
        for report in read_reports(path, corpus)
        for b in report.blocks
        if b.kind != "heading"
    ]
    started = time.process_time()
    for text in texts:
        band_keys(text)
    sketch = time.process_time() - started
    path = current_path(index)
    assert path is not None
    with tempfile.TemporaryDirectory(dir=index) as tmp:
        copy = Path(tmp) / "generation"
        link_tree(path, copy)
        record = json.loads((copy / RECORD).read_text(encoding="utf-8"))
        started = time.process_time()
        derive(Derivation(copy, None, dict.fromkeys(record["summaries"]), set(), record))
        step = time.process_time() - started
    gen = Generation(path)
    keys = sum(s.data["similar.keys"].nbytes + s.data["similar.docs"].nbytes for s in gen.shards)
    return {
        "sketch": sketch,
        "step": step,
        "keys_mb": keys / 1e6,
        "pairs": len(SimilarPack(path).rows()) // 2,
        "pack_mb": (path / SIMILAR).stat().st_size / 1e6,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(index: Path, port: int) -> subprocess.Popen:
    """gunicorn as `make serve` runs it, answering once it does."""
    env = {**os.environ, "SEARCH_INDEX_DIR": str(index)}
    errors = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--preload",
            "--workers",
            "2",
            "--threads",
            "8",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    errors.seek(0)
    sys.exit("gunicorn did not start:\n" + errors.read().decode(errors="replace")[-2000:])


def run_pass(port: int, queries: list[str], clients: int = 1) -> tuple[list[float], int]:
    """Every query once, from ``clients`` concurrent connections: latencies (ms), failures."""
    times: list[float] = []
    failures = 0
    lock = threading.Lock()
    todo = list(queries)

    def client() -> None:
        nonlocal failures
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not todo:
                    break
                q = todo.pop()
            started = time.perf_counter()
            try:
                conn.request("GET", "/?" + urlencode({"q": q}))
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                times.append((time.perf_counter() - started) * 1000)
                failures += not ok

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, failures


def workers_memory_mb(server: subprocess.Popen) -> dict[str, float]:
    """The server's workers' memory, summed, in MB: resident, proportional (``pss``), and
    of that their own (anonymous) pages and the mapped files' (the page cache)."""
    pids = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    total = {"rss": 0.0, "pss": 0.0, "pss_anon": 0.0, "pss_file": 0.0}
    names = {"Rss:": "rss", "Pss:": "pss", "Pss_Anon:": "pss_anon", "Pss_File:": "pss_file"}
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            key, *rest = line.split()
            if key in names:
                total[names[key]] += int(rest[0]) / 1024
    return total


def tutorial_build(corpus: Path, target: Path) -> tuple[float, float]:
    """Seconds and CPU-seconds the tutorial pipeline takes to index ``corpus`` (jieba's
    ChineseAnalyzer into one Whoosh TEXT field, one writer): the reference for our build
    speed (its CPU time too: on a loaded machine wall time favours a build of several
    processes, and CPU time tells the work apart from the waiting). Both are of its whole
    process, as our build's are: its seconds were timed from inside it, after its imports,
    while ours counted our process's start."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from jieba.analyse import ChineseAnalyzer\n"
        "from whoosh.fields import ID, TEXT, Schema\n"
        "from whoosh.index import create_in\n"
        "corpus, target = Path(sys.argv[1]), Path(sys.argv[2])\n"
        "target.mkdir(parents=True)\n"
        "schema = Schema(path=ID(stored=True), content=TEXT(stored=True, analyzer=ChineseAnalyzer()))\n"
        "ix = create_in(str(target), schema)\n"
        "w = ix.writer()\n"
        "for f in sorted(corpus.rglob('*.txt')):\n"
        "    w.add_document(path=str(f), content=f.read_text(encoding='utf-8'))\n"
        "w.commit()\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(corpus), str(target)], capture_output=True, check=True)
    wall = time.perf_counter() - started  # the whole process, as ours is timed (its start and imports too)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def first_answer(port: int, started: float, query: str) -> tuple[float, float, float]:
    """Seconds from ``started`` until the server answers a page that searches nothing (its
    workers have started: a request sent before waits in the socket's queue until one has,
    and timing the search from then would time the start), seconds until it answers a
    search sent then, and that search's ms."""
    ready = 0.0
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            sent = time.perf_counter()
            conn.request("GET", "/?" + urlencode({"q": query}) if ready else "/opensearch.xml")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done = time.perf_counter()
                if ready:
                    return ready, done - started, (done - sent) * 1000
                ready = done - started
                continue
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)


def add_one(corpus: Path, index: Path, port: int, reports, rng: random.Random) -> tuple[float, float]:
    """Add one synthesized report (with a phrase of its own) to a served collection and
    build: the build's seconds, and the seconds until the server finds the phrase."""
    folder = corpus / "新增市"
    folder.mkdir(exist_ok=True)
    phrase = f"独有标记{rng.randrange(10**6):06d}号"
    (_, a), (_, b) = rng.sample(reports, 2)
    text = "\n".join(
        ["2027年新增市政府工作报告", "——2027年1月10日在新增市人民代表大会上", phrase, *a[:20], *b[-20:]]
    )
    started = time.perf_counter()
    (folder / "2027.txt").write_text(text + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index)],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    built = time.perf_counter() - started
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/api/search?" + urlencode({"q": phrase}))
        response = conn.getresponse()
        body = response.read()
        if response.status == 200 and b'"total": 0' not in body and b'"total":0' not in body:
            return built, time.perf_counter() - started
        time.sleep(0.1)


def mixed(reports, n: int, rng: random.Random) -> list[str]:
    """Queries like people type: words and compounds, two words, substrings, the other
    script, numbers, Latin, single characters."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    out: list[str] = []
    while len(out) < n:
        _, blocks = rng.choice(reports)
        text = rng.choice(blocks)
        words = re.findall(r"[\u4e00-\u9fff]{2,4}", text)
        if not words:
            continue
        kind = rng.random()
        if kind < 0.35:
            q = rng.choice(words)
        elif kind < 0.5:
            q = " ".join(rng.sample(words, 2)) if len(words) > 1 else words[0]
        elif kind < 0.65:
            start = rng.randrange(max(1, len(text) - 6))
            q = re.sub(r'[\s"“”「」『』-]', "", text[start : start + rng.randint(2, 6)])
        elif kind < 0.75:
            q = s2t.convert(rng.choice(words))
        elif kind < 0.85:
            q = rng.choice(re.findall(r"\d+(?:\.\d+)?%|\d+亿元", text) or words)
        elif kind < 0.9:
            q = rng.choice(re.findall(r"[A-Za-z]{2,}", text) or words)
        else:
            q = rng.choice([ch for ch in text if "\u4e00" <= ch <= "\u9fff"] or ["的"])
        if q.strip():
            out.append(q)
    return out


def report_pass(label: str, times: list[float], failures: int) -> None:
    print(
        f"    {label}: p50 {percentile(times, 50):.0f} ms  p95 {percentile(times, 95):.0f} ms  "
        f"p99 {percentile(times, 99):.0f} ms  max {max(times):.0f} ms  failed {failures} of {len(times)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--clients", type=int, default=1, help="concurrent connections of a pass")
    ap.add_argument("--pairs", type=int, default=3, help="builds beside the tutorial's at the first size")
    ap.add_argument("--keep", type=Path, help="keep the corpora and indexes here")
    ap.add_argument("--reuse", action="store_true", help="with --keep: serve what a kept run built")
    args = ap.parse_args()
    rng = random.Random(2026)
    reports = real_reports()
    queries = mixed(reports, args.queries, random.Random(12))
    work = args.keep or Path(tempfile.mkdtemp(prefix="gov-report-scale-"))
    per_mb = {}
    try:
        for n in args.sizes:
            corpus, index, tmp = work / f"corpus-{n}", work / f"index-{n}", work / f"tmp-{n}"
            if args.reuse and (index / "current").exists():
                text_mb = folder_mb(corpus)
                print(f"{n} reports, {text_mb:.1f} MB of text: served as a kept run built them")
            else:
                for path in (corpus, index, tmp):
                    shutil.rmtree(path, ignore_errors=True)
                tmp.mkdir(parents=True)
                text_mb = synthesize(corpus, n, reports, rng)
                ratios = []
                b = None  # the last pair's build is the one measured and served below
                for _ in range(args.pairs if n == args.sizes[0] else 0):
                    tutorial, tutorial_cpu = tutorial_build(corpus, tmp / "tutorial")
                    shutil.rmtree(tmp / "tutorial", ignore_errors=True)
                    shutil.rmtree(index, ignore_errors=True)
                    b = build(corpus, index, tmp)
                    ratios.append(tutorial / b["wall"])
                    print(
                        f"    tutorial pipeline: {tutorial:.0f} s, {text_mb / tutorial:.2f} MB/s, "
                        f"{tutorial_cpu / text_mb:.1f} CPU-s per MB; then ours: {b['wall']:.0f} s, "
                        f"{text_mb / b['wall']:.2f} MB/s, {b['cpu'] / text_mb:.1f} CPU-s per MB: "
                        f"{ratios[-1]:.2f} x its MB/s, {b['cpu'] / tutorial_cpu:.2f} x its CPU time"
                    )
                if b is None:
                    b = build(corpus, index, tmp)
                per_mb[n] = b["cpu"] / text_mb
                print(f"{n} reports, {text_mb:.1f} MB of text: {b['line']}")
                print(
                    f"    build: {b['wall']:.0f} s wall, {b['cpu']:.0f} CPU-s, {text_mb / b['wall']:.2f} MB/s, "
                    f"{per_mb[n]:.1f} CPU-s per MB, peak memory {b['peak_rss']:.0f} MB, "
                    f"peak disk while building {b['peak_disk']:.0f} MB"
                )
                if ratios:
                    print(
                        f"    ours against the tutorial pipeline on the same reports: "
                        f"{statistics.median(ratios):.2f} x its MB/s (median of {len(ratios)} pairs)"
                    )
                print(f"    index: {b['index']:.0f} MB = {b['index'] / text_mb:.1f} x the text")
                sim = similar_cost(corpus, index)
                added = sim["sketch"] + sim["step"]
                print(
                    f"    similar passages: {added:.1f} CPU-s = {added / (b['cpu'] - added) * 100:.1f}% more than the "
                    f"build without them (sketching {sim['sketch']:.1f} s, the step {sim['step']:.1f} s); "
                    f"{sim['pairs']} pairs; kept: band keys {sim['keys_mb']:.1f} MB + pairs {sim['pack_mb']:.2f} MB "
                    f"= {(sim['keys_mb'] + sim['pack_mb']) * 1e6 / n / 1e3:.0f} kB per report"
                )
            port = free_port()
            started = time.perf_counter()
            server = serve(index, port)
            ready, answered, first = first_answer(port, started, queries[0])
            print(
                f"    answered {ready:.1f} s after the server started, its first search {answered:.1f} s "
                f"after; that search took {first:.0f} ms"
            )
            try:
                report_pass("first pass, fresh server", *run_pass(port, queries, args.clients))
                report_pass("second pass", *run_pass(port, queries, args.clients))
                mem = workers_memory_mb(server)
                print(
                    f"    workers' memory: resident {mem['rss']:.0f} MB, proportional {mem['pss']:.0f} MB "
                    f"= their own {mem['pss_anon']:.0f} MB + mapped index files {mem['pss_file']:.0f} MB "
                    "(the page cache, shared)"
                )
                built, found = add_one(corpus, index, port, reports, rng)
                print(
                    f"    one report added: built in {built:.1f} s, found by the server {found:.1f} s after it was dropped"
                )
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
        if len(per_mb) > 1:
            sizes = sorted(per_mb)
            print(
                f"CPU-s per MB at {sizes[-1]} over that at {sizes[0]}: {per_mb[sizes[-1]] / per_mb[sizes[0]]:.2f}"
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
