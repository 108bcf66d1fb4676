"""Assemble a library: from a folder of report files as they were collected (several copies
of a report, in several formats and scripts, some with page chrome), one file per distinct
report, in its cleanest form, in a folder per place, with a record of where each came from.

``python -m indexer library SOURCE`` adds to ``corpus/`` the reports it does not hold yet.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .build import canonical_key, corpus_files, region_key, report_summary
from .reading import SUFFIXES, ReadError
from .structure import RECORD, Report, read_reports

RECORD_COLUMNS = [
    "file",
    "title",
    "region",
    "year",
    "source",
    "source_repository",
    "path_in_repository",
    "commit",
]


@dataclass
class Candidate:
    """One file holding one report."""

    path: Path
    report: Report

    @property
    def key(self) -> tuple[str, int | None]:
        return region_key(self.report.region), self.report.year


def _candidates(folder: Path, log: Callable[[str], None]) -> list[Candidate]:
    found = []
    for path in corpus_files(folder):
        if path.suffix.lower() not in SUFFIXES:
            continue  # a record, a licence: not a report
        try:
            reports = read_reports(path, folder)
        except ReadError as exc:
            log(f"skipped {path.relative_to(folder)}: {exc}")
            continue
        if len(reports) != 1 or reports[0].year is None:
            log(
                f"skipped {path.relative_to(folder)}: "
                + ("no year found" if len(reports) == 1 else f"{len(reports)} reports in one file")
            )
            continue
        found.append(Candidate(path, reports[0]))
    return found


def _provenance(source: Path) -> dict[str, dict[str, str]]:
    """Rows of the SOURCES*.tsv files in ``source`` (as ../shared/reports has), by file."""
    rows: dict[str, dict[str, str]] = {}
    for tsv in sorted(source.glob("SOURCES*.tsv")):
        for row in csv.DictReader(io.StringIO(tsv.read_text(encoding="utf-8")), delimiter="\t"):
            rows[row.get("file", "")] = row
    return rows


def target_name(report: Report, suffix: str) -> Path:
    """Where a report goes in the library: ``<place>/<year><suffix>`` (全国/2018.md)."""
    place = "".join(ch for ch in report.region if ch not in '/\\:*?"<>|').strip() or "未知地区"
    return Path(place) / f"{report.year}{suffix.lower()}"


def assemble(
    source: Path, library: Path, log: Callable[[str], None] = lambda msg: None
) -> list[dict[str, str]]:
    """Copy into ``library`` the cleanest file of each report in ``source`` that the library
    does not hold yet (same place and year, as the build compares them), and add a row to
    the library's record for each. Returns the rows added."""
    library.mkdir(parents=True, exist_ok=True)
    held = {c.key for c in _candidates(library, log)}
    groups: dict[tuple, list[Candidate]] = {}
    for c in _candidates(source, log):
        groups.setdefault(c.key, []).append(c)
    provenance = _provenance(source)
    record = library / RECORD
    rows = (
        list(csv.DictReader(io.StringIO(record.read_text(encoding="utf-8")), delimiter="\t"))
        if record.exists()
        else []
    )
    added = []
    for key, group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if key in held:
            continue
        summaries = [report_summary(c.report) for c in group]
        longest = max(s["chars"] for s in summaries)
        best = group[max(range(len(group)), key=lambda i: canonical_key(summaries[i], longest))]
        target = target_name(best.report, best.path.suffix)
        if (library / target).exists():
            log(f"skipped {best.path.relative_to(source)}: {target} exists")
            continue
        (library / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(best.path, library / target)
        rel = best.path.relative_to(source).as_posix()
        known = provenance.get(rel, {})
        row = {
            "file": target.as_posix(),
            "title": best.report.title,
            "region": best.report.region,
            "year": str(best.report.year),
            "source": rel,
            **{k: known.get(k, "") for k in ("source_repository", "path_in_repository", "commit")},
        }
        added.append(row)
        log(
            f"added {target} from {rel}"
            + (
                f" (not {', '.join(c.path.relative_to(source).as_posix() for c in group if c is not best)})"
                if len(group) > 1
                else ""
            )
        )
    if added:
        out = io.StringIO()
        writer = csv.DictWriter(out, RECORD_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows + added, key=lambda r: r["file"]))
        record.write_text(out.getvalue(), encoding="utf-8")
    return added
