"""Reading speed over ../shared/reports: files read, files refused and why, MB/s."""

from __future__ import annotations

import time

from common import SHARED_REPORTS, report_files

from indexer.analysis import segmenter
from indexer.reading import ReadError
from indexer.structure import read_reports


def main() -> None:
    segmenter()  # loaded once per process anyway; not part of reading speed
    files = report_files()
    total = sum(p.stat().st_size for p in files)
    refused = []
    reports = paragraphs = 0
    started = time.perf_counter()
    for path in files:
        try:
            for report in read_reports(path, SHARED_REPORTS):
                reports += 1
                paragraphs += len(report.paragraphs)
        except ReadError as exc:
            refused.append((path, str(exc)))
    seconds = time.perf_counter() - started
    print(f"files: {len(files)}  read: {len(files) - len(refused)}  refused: {len(refused)}")
    for path, reason in refused:
        print(f"  refused {path.relative_to(SHARED_REPORTS)}: {reason}")
    print(f"reports: {reports}  paragraphs: {paragraphs}")
    print(f"bytes: {total / 1e6:.2f} MB in {seconds:.2f} s = {total / 1e6 / seconds:.2f} MB/s")


if __name__ == "__main__":
    main()
