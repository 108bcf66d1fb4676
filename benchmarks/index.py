"""Index build speed over ../shared/reports: full build, add one report, no-op, size, memory.

Each build runs as `python -m indexer build` in a child process, as a user would run it;
peak memory is the largest resident set of those children.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import copy_corpus, indexer, report_files


def timed(*args: str) -> float:
    started = time.perf_counter()
    result = indexer(*args)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"build failed: {result.stderr}")
    print(f"  {' '.join(args[:1] + args[-1:])}: {result.stdout.strip().splitlines()[-1]}")
    return seconds


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="gov-report-index-bench-"))
    try:
        corpus, index = work / "corpus", work / "index"
        copy_corpus(corpus)
        held_back = corpus / "lawtext-gov" / "national-2026.md"
        aside = work / "national-2026.md"
        shutil.move(held_back, aside)
        text_mb = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6
        full = timed("build", "--corpus", str(corpus), "--index", str(index))
        shutil.move(aside, held_back)
        add_one = timed("build", "--corpus", str(corpus), "--index", str(index))
        noop = timed("build", "--corpus", str(corpus), "--index", str(index))
        size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 1e6
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"full build: {full:.1f} s for {text_mb:.2f} MB = {text_mb / full:.2f} MB/s "
            f"({len(report_files()) - 1} files)"
        )
        print(f"add one report to the full index: {add_one:.2f} s")
        print(f"no-op build: {noop:.2f} s")
        print(f"index size on disk: {size:.1f} MB")
        print(f"peak memory of a build: {peak:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
