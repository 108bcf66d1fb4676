"""Helpers shared by the benchmark scripts: where the shared reports are, a built index."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_REPORTS = ROOT.parent / "shared" / "reports"


def report_files() -> list[Path]:
    return sorted(p for p in SHARED_REPORTS.rglob("*") if p.is_file() and p.suffix != ".tsv")


def copy_corpus(target: Path) -> Path:
    """A corpus folder holding every shared report (SOURCES.tsv left out)."""
    for path in report_files():
        dest = target / path.relative_to(SHARED_REPORTS)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, dest)
    return target


def indexer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", *args], cwd=ROOT, capture_output=True, text=True)


def shared_index(path: Path | None) -> Path:
    """An up-to-date index of all shared reports, in ``path`` if given. The build is a no-op
    when the index is current, and rebuilds one written by an older schema."""
    path = path or Path(tempfile.gettempdir()) / "gov-report-bench-index"
    corpus = Path(tempfile.gettempdir()) / "gov-report-bench-corpus"
    if not corpus.exists():
        copy_corpus(corpus)
    print(f"bringing the benchmark index in {path} up to date …", file=sys.stderr)
    indexer("build", "--corpus", str(corpus), "--index", str(path))
    return path


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]
