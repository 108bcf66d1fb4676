"""Assemble a library: from a folder of report files as they were collected (several copies
of a report, in several formats and scripts, some with page chrome; tables of reports, a
row each), one file per distinct report, in its cleanest form, in a folder per place, with
a record of where each came from.

``python -m indexer library SOURCE`` adds to ``corpus/`` the reports it does not hold yet.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .analysis import is_traditional
from .build import corpus_files, report_summary
from .duplicates import canonical_key, copies, region_key
from .reading import SUFFIXES, ReadError, read_sources
from .structure import RECORD, Report, read_reports
from .structure.metadata import cn_number, session_short, titled

RECORD_COLUMNS = [
    "file",
    "title",
    "region",
    "year",
    "source",
    "source_repository",
    "path_in_repository",
    "commit",
    "session",
]
MIN_REPORT_CHARS = 5000  # a shorter text is a fragment (a news summary, a first page): the
# shortest whole report collected, the State Council's of 1975, has 5,252 characters
_SESSION_NOTE = re.compile(r"\bto ([区县市]?[一二三四五六七八九十]+届人大[一二三四五六七八九十]+次会议)")


@dataclass
class Candidate:
    """One report of a file (a table's row, or the whole file)."""

    path: Path
    report: Report
    name: str  # where it came from, relative to its folder (a table's row after #)
    text: str | None = None  # a table's row: the text to write as a file of its own

    @property
    def key(self) -> tuple[str, int | None]:
        return region_key(self.report.region), self.report.year


def _candidates(folder: Path, log: Callable[[str], None]) -> list[Candidate]:
    found = []
    for path in corpus_files(folder):
        if path.suffix.lower() not in SUFFIXES:
            continue  # a record, a licence: not a report
        rel = path.relative_to(folder).as_posix()
        try:
            reports = read_reports(path, folder)
            rows = read_sources(path) if reports[0].row else None
        except ReadError as exc:
            log(f"skipped {rel}: {exc}")
            continue
        for i, report in enumerate(reports):
            name = f"{rel}#{report.row}" if report.row else rel
            chars = sum(len(p.text) for p in report.paragraphs)
            if report.year is None or chars < MIN_REPORT_CHARS:
                log(
                    f"skipped {name}: "
                    + ("no year found" if report.year is None else f"{chars:,} characters, a fragment")
                )
                continue
            text = "\n".join(line.text for line in rows[i].lines) + "\n" if rows else None
            found.append(Candidate(path, report, name, text))
    return found


def _provenance(source: Path) -> dict[str, dict[str, str]]:
    """Rows of the SOURCES*.tsv files in ``source`` (as ../shared/reports has), by file."""
    rows: dict[str, dict[str, str]] = {}
    for tsv in sorted(source.glob("SOURCES*.tsv")):
        for row in csv.DictReader(io.StringIO(tsv.read_text(encoding="utf-8")), delimiter="\t"):
            rows[row.get("file", "")] = row
    return rows


def target_name(report: Report, suffix: str, which: int = 1) -> Path:
    """Where a report goes in the library: ``<place>/<year><suffix>`` (全国/2018.md); the
    second report of a place and year ``<place>/<year>-2<suffix>``."""
    place = "".join(ch for ch in report.region if ch not in '/\\:*?"<>|').strip() or "未知地区"
    return Path(place) / f"{report.year}{'' if which == 1 else f'-{which}'}{suffix.lower()}"


def _free_name(library: Path, report: Report, suffix: str) -> Path:
    """The first name of the report's place and year not taken (in any format: ``a.md`` and
    ``a.txt`` would have one id)."""
    which = 1
    while any(
        (library / target_name(report, "", which)).parent.glob(f"{target_name(report, '', which).name}.*")
    ):
        which += 1
    return target_name(report, suffix, which)


def _session(candidate: Candidate, known: dict[str, str]) -> str:
    """The session a report was given to: its own text's, else the one its provenance notes
    name (区八届人大一次会议), else none."""
    if candidate.report.session:
        return candidate.report.session
    m = _SESSION_NOTE.search(known.get("note", ""))
    return m.group(1) if m else ""


def _order(session: str) -> tuple[int, int]:
    """A session's place in the order they met (七届八次 before 八届一次)."""
    term, _, number = (session_short(session) or "").rstrip("次").partition("届")
    return cn_number(term), cn_number(number)


def _in_order(chosen: list[tuple[Candidate, list[Candidate], str]]) -> list:
    """The reports to add by place and year; two of one place and year in the order their
    sessions met when both are known (the first keeps ``<year>``), else by file name."""
    by_year: dict[tuple, list] = {}
    for item in sorted(chosen, key=lambda x: x[0].name):
        by_year.setdefault((item[0].key[0], item[0].key[1] or 0), []).append(item)
    out = []
    for _, items in sorted(by_year.items()):
        if all(session_short(session) for _, _, session in items):
            items.sort(key=lambda x: _order(x[2]))
        out.extend(items)
    return out


def assemble(
    source: Path, library: Path, log: Callable[[str], None] = lambda msg: None
) -> list[dict[str, str]]:
    """Copy into ``library`` the cleanest file of each report in ``source`` that the library
    does not hold yet (the same text, as the build compares them), and add a row to the
    library's record for each; a table's row becomes a text file of its own. Returns the
    rows added."""
    library.mkdir(parents=True, exist_ok=True)
    held = _candidates(library, log)
    found = _candidates(source, log)
    everyone = held + found
    summaries = {str(i): report_summary(c.report) for i, c in enumerate(everyone)}
    provenance = _provenance(source)
    record = library / RECORD
    rows = (
        list(csv.DictReader(io.StringIO(record.read_text(encoding="utf-8")), delimiter="\t"))
        if record.exists()
        else []
    )
    chosen: list[tuple[Candidate, list[Candidate], str]] = []
    for ids in copies(summaries):
        group = [everyone[int(i)] for i in ids]
        if any(int(i) < len(held) for i in ids):
            continue  # the library holds this report
        longest = max(summaries[i]["chars"] for i in ids)
        best = everyone[int(max(ids, key=lambda i: canonical_key(summaries[i], longest)))]
        chosen.append((best, group, _session(best, provenance.get(best.name.split("#")[0], {}))))
    added = []
    for best, group, session in _in_order(chosen):
        target = _free_name(library, best.report, ".txt" if best.text else best.path.suffix)
        (library / target).parent.mkdir(parents=True, exist_ok=True)
        if best.text is not None:
            (library / target).write_text(best.text, encoding="utf-8")
        else:
            shutil.copyfile(best.path, library / target)
        known = provenance.get(best.name.split("#")[0], {})
        report = best.report
        title = titled(
            report.year, report.place, is_traditional(report.title), target.stem, report.session or session
        )
        row = {
            "file": target.as_posix(),
            "title": title,
            "region": best.report.region,
            "year": str(best.report.year),
            "source": best.name,
            **{k: known.get(k, "") for k in ("source_repository", "path_in_repository", "commit")},
            "session": "" if best.report.session else session,  # only what the text does not say
        }
        added.append(row)
        others = [c.name for c in group if c is not best]
        log(f"added {target} from {best.name}" + (f" (not {', '.join(others)})" if others else ""))
    if added:
        out = io.StringIO()
        writer = csv.DictWriter(out, RECORD_COLUMNS, delimiter="\t", lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(sorted(rows + added, key=lambda r: r["file"]))
        record.write_text(out.getvalue(), encoding="utf-8")
    return added
