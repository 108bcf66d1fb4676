"""Bring the index in line with the corpus folder: add, replace and delete reports."""

from __future__ import annotations

import ctypes
import json
import multiprocessing.util
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import first_sentence, fold, init_jieba, is_traditional
from .reading import ReadError
from .schema import BODY, FRAGMENT, HEADING, META, META_UID, NOTE, REPORT, SCHEMA_VERSION, IndexCodec
from .store import (
    MANIFEST,
    IndexMissing,
    build_lock,
    current_path,
    damage,
    new_generation,
    open_current,
    read_manifest,
    read_meta,
    remove_stale_generations,
    schema_is_current,
    switch_to,
    write_manifest,
)
from .structure import NATIONAL, Report, file_digest, read_reports

Log = Callable[[str], None]
PARALLEL_FROM = 20  # reports to (re)write before a build uses several processes
LIMIT_MB = 1024  # posting pool per writer process: past it, Whoosh sorts through temp files


@dataclass
class BuildSummary:
    """What a build did; ``refused`` and ``duplicates`` name files and reasons."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # {file, reason}
    duplicates: list[dict] = field(default_factory=list)  # {report, same_as}
    rebuilt: bool = False
    seconds: float = 0.0
    bytes_read: int = 0

    def line(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged, {len(self.refused)} refused"
                + (f", {len(self.duplicates)} duplicates skipped" if self.duplicates else "")
                + f" in {self.seconds:.1f} s")


def corpus_files(corpus: Path) -> list[Path]:
    """Every file under the corpus folder, sorted; hidden files and READMEs are not reports."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus} does not exist")
    files = []
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.stem.upper().startswith("README") or path.name == "SOURCES.tsv":
            continue  # the library's record of its files (indexer.library.RECORD)
        files.append(path)
    return files


class _Writers:
    """The key under which writer processes learn to die with their build (weakref-able)."""


_WRITERS = _Writers()
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int):
    """What a writer process forked by Whoosh runs first: ask the kernel (Linux) to kill it
    when ``parent``, the build, dies; a build killed with SIGKILL left its writers running,
    about 480 MB each, for minutes."""

    def arrange(_) -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # not Linux: the writers finish their queue and exit
            return
        if os.getppid() != parent:  # the build died before the request took effect
            os._exit(1)

    return arrange


def report_summary(report: Report) -> dict:
    """What the build record keeps of a report."""
    text = "".join(p.text for p in report.paragraphs)
    return {"digest": report.digest, "source": report.source, "title": report.title,
            "region": report.region, "year": report.year, "paragraphs": len(report.paragraphs),
            "chars": len(text), "traditional": is_traditional(text)}


def report_documents(report: Report) -> Iterator[dict]:
    """The Whoosh documents of one report: the report itself and each searchable block."""
    base = {"report_id": report.id, "title": report.title, "region": report.region,
            "region_key": report.region}
    if report.year is not None:
        base["year"] = report.year
    yield {**base, "uid": report.id, "kind": REPORT, "digest": report.digest,
           "data": json.dumps(report.to_dict(), ensure_ascii=False)}
    for order, block in enumerate(report.blocks):
        if block.kind == HEADING and block.inline:
            continue  # its words are the lead of the next paragraph, indexed there
        doc = {**base, "uid": f"{report.id}#{block.id}", "kind": block.kind,
               "block_id": block.id, "order": order, "section": block.section_path,
               "text": block.text, "content": block.text, "chars": block.text,
               "keywords": block.text}
        # A paragraph's first sentence says what it is about (加强住房保障工作。): it is
        # searched as its heading (search.engine ranks paragraphs whose lead holds the words).
        doc["heading"] = block.text if block.kind == HEADING else block.lead or first_sentence(block.text)
        doc["fragment"] = fragment_kind(block.kind, block.text)
        yield doc


FRAGMENT_CHARS = 20  # a paragraph shorter than this (a table's status line) is a fragment
# a numbered note explaining a term (名词解释: "12.“放管服”改革：指……", "[17]人才“双十条”：即……")
_NOTE = re.compile(r"^\s*[\[【(（]?\d{1,3}[\]】)）]?[.．、]?\s*[^（(：:]{1,40}[：:]")


def fragment_kind(kind: str, text: str) -> int:
    """``FRAGMENT`` for a block that only points at a subject (a heading, a table's status
    line such as ``7　住房保障　已完成。``), ``NOTE`` for a note explaining a term, else
    ``BODY``: search ranks the body above the others when they say the same thing."""
    if kind == HEADING or len("".join(text.split())) < FRAGMENT_CHARS:
        return FRAGMENT
    return NOTE if _NOTE.match(text) else BODY


def region_key(region: str) -> str:
    """The region as compared for duplicates: 国务院 and 全国 are one, scripts fold together."""
    key = fold(region).replace("人民政府", "")
    return NATIONAL if key in ("国务院", "中国", "中华人民共和国") else key


# The formats by how faithfully they carry the author's paragraphs: a Word document has them
# as written; text and Markdown as typed; CSV cells and web pages come with chrome; a PDF's
# lines are broken at the page width.
FORMAT_RANK = (".docx", ".md", ".markdown", ".txt", ".csv", ".html", ".htm", ".pdf")


def canonical_key(summary: dict, longest: int) -> tuple:
    """How to choose among copies of one report (the largest key is kept): a Simplified
    original over a Traditional conversion; of the copies holding about as much text as
    the longest (nine tenths), the one in the most faithful format; then more text."""
    suffix = Path(summary["source"]).suffix.lower()
    rank = FORMAT_RANK.index(suffix) if suffix in FORMAT_RANK else len(FORMAT_RANK)
    return not summary.get("traditional"), summary["chars"] >= 0.9 * longest, -rank, summary["chars"]


def _choose_canonical(reports: dict[str, dict]) -> dict[str, str]:
    """Map each duplicate report id to the one kept (same region and year; see
    :func:`canonical_key`)."""
    groups: dict[tuple, list[str]] = {}
    for rid, s in reports.items():
        if s.get("year") is not None:
            groups.setdefault((region_key(s["region"]), s["year"]), []).append(rid)
    dupes = {}
    for ids in groups.values():
        if len(ids) > 1:
            longest = max(reports[r]["chars"] for r in ids)
            keep = max(sorted(ids), key=lambda r: canonical_key(reports[r], longest))
            dupes.update({r: keep for r in ids if r != keep})
    return dupes


def build(corpus: Path, index_dir: Path, rebuild: bool = False, wait: float = 10.0,
          log: Log = lambda msg: None, progress=None) -> BuildSummary:
    """Update the index in ``index_dir`` from the files in ``corpus``.

    Unchanged files (same SHA-256) are left alone; new and changed ones are read and
    (re)indexed, vanished ones deleted, all in one commit. ``rebuild`` writes a complete
    new index aside and switches to it. ``progress`` wraps the file list (a progress bar).
    """
    started = time.monotonic()
    summary = BuildSummary()
    files = corpus_files(corpus)
    with build_lock(index_dir, wait):
        remove_stale_generations(index_dir)  # a killed rebuild's half-written generation
        ix, old_record = None, {}
        current = current_path(index_dir)
        damaged = damage(current, read_manifest(current), checksums=True) if current and not rebuild else []
        if damaged:
            log(f"the index is damaged ({'; '.join(damaged[:3])}); rebuilding")
            rebuild = summary.rebuilt = True
        if not rebuild and current is not None:
            try:
                ix = open_current(index_dir)
                with ix.searcher() as s:
                    old_record = read_meta(s)
            except IndexMissing as exc:
                log(f"{exc}; rebuilding")
                ix = None
            except Exception:  # an index written by another version may not even read
                old_record = {}
            if ix is not None and not schema_is_current(ix, old_record):
                log("the index was written by another version of the schema or analyzer; rebuilding")
                ix, old_record = None, {}
        summary.rebuilt = ix is None
        gen_path = None
        if ix is None:
            gen_path, ix = new_generation(index_dir)
        # What the last build saw: reports indexed, and duplicates it skipped (so an
        # unchanged duplicate file is not read again).
        indexed: dict[str, dict] = old_record.get("summaries", {})
        known = {**old_record.get("skipped", {}), **indexed}
        by_source: dict[str, set[str]] = {}
        for rid, s in known.items():
            by_source.setdefault(s["source"], set()).add(rid)

        wanted: dict[str, dict] = {}  # report id -> summary, for everything in the corpus
        fresh: dict[str, Report] = {}  # reports read this time (new or changed)
        owner: dict[str, Path] = {}  # report id -> file, to catch two files with one id
        for path in (progress(files) if progress else files):
            digest = file_digest(path)
            same = by_source.get(str(path), set())
            if same and all(known[r]["digest"] == digest for r in same):
                for rid in same:
                    wanted[rid] = known[rid]
                    owner[rid] = path
                continue
            summary.bytes_read += path.stat().st_size
            log(f"reading {path}")
            name = path.relative_to(corpus).as_posix()  # shown to users: no server paths
            try:
                reports = read_reports(path, corpus)
            except (ReadError, OSError) as exc:
                summary.refused.append({"file": name, "reason": str(exc)})
                continue
            for report in reports:
                if report.id in owner:
                    other = owner[report.id].relative_to(corpus).as_posix()
                    reason = f"same report id {report.id!r} as {other}; rename one of them"
                    summary.refused.append({"file": name, "reason": reason})
                    continue
                owner[report.id] = path
                wanted[report.id] = report_summary(report)
                fresh[report.id] = report

        dupes = _choose_canonical(wanted)
        summary.duplicates = [{"report": r, "same_as": keep} for r, keep in sorted(dupes.items())]
        for rid, keep in sorted(dupes.items()):
            log(f"{rid}: same region and year as {keep}; indexing only {keep}")

        for rid in sorted(wanted):  # a skipped duplicate whose original has gone: read it now
            if rid not in dupes and rid not in indexed and rid not in fresh:
                fresh.update((r.id, r) for r in read_reports(owner[rid], corpus) if r.id == rid)
        to_write = {rid: rep for rid, rep in fresh.items() if rid not in dupes}
        to_delete = [rid for rid in indexed if rid not in wanted or rid in dupes or rid in to_write]
        for rid in sorted(wanted):
            if rid in dupes:
                continue
            if rid in to_write:
                (summary.updated if rid in indexed else summary.added).append(rid)
            else:
                summary.unchanged.append(rid)
        summary.removed = sorted(r for r in indexed if r not in wanted or r in dupes)

        record = {"schema_version": SCHEMA_VERSION, "refused": summary.refused,
                  "duplicates": summary.duplicates}
        kept = {r: s for r, s in wanted.items() if r not in dupes}
        record["reports"] = len(kept)
        record["paragraphs"] = sum(s["paragraphs"] for s in kept.values())
        record["summaries"] = kept  # read by the next build and by the report list
        record["skipped"] = {r: wanted[r] for r in dupes}
        changed = bool(to_write or to_delete or summary.rebuilt)
        if changed or {k: old_record.get(k) for k in record} != record:
            record["built_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            if to_write or to_delete:
                log(f"writing {len(to_write)} reports, removing {len(to_delete)} from the index")
            if to_write:
                init_jieba()
            # Many reports to write: tokenize on every core (Whoosh's multiprocessing writer).
            procs = min(os.cpu_count() or 1, 4) if len(to_write) >= PARALLEL_FROM else 1
            options = {"procs": procs, "multisegment": True} if procs > 1 else {}
            if procs > 1:
                multiprocessing.util.register_after_fork(_WRITERS, _die_with(os.getpid()))
            # Separate segment files, not Whoosh's compound file: a reader of a compound
            # segment copies its postings into memory (150 MB per searcher on the shared
            # set), a reader of separate files reads them from the file.
            with ix.writer(limitmb=LIMIT_MB, codec=IndexCodec(), compound=False, **options) as w:
                for rid in to_delete:
                    w.delete_by_term("report_id", rid)
                for rid in sorted(to_write):
                    for doc in report_documents(to_write[rid]):
                        w.add_document(**doc)
                w.update_document(uid=META_UID, kind=META, data=json.dumps(record, ensure_ascii=False))
        served = gen_path or current_path(index_dir)
        if served is not None and (changed or not (served / MANIFEST).exists()):
            write_manifest(served)
        if gen_path is not None:
            switch_to(index_dir, gen_path)
    summary.seconds = time.monotonic() - started
    return summary
