"""Bring the index in line with the corpus folder: add, replace and delete reports."""

from __future__ import annotations

import ctypes
import json
import math
import multiprocessing
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from . import novelty, shortforms, similar, targets
from .analysis import is_traditional, keyword_weights, segmenter
from .documents import read_report, report_documents
from .duplicates import SAME_TEXT, choose_canonical, region_key, text_sketch
from .duplicates import same_text as same_text_share
from .generation import RECORD, SHARDS, VOCAB, Derivation, Generation, link_tree, write_generation
from .reading import ReadError
from .schema import SCHEMA_VERSION
from .shard import DATA, MAX_DOCS, abandon, write_shard
from .store import (
    IndexMissing,
    build_lock,
    current_path,
    damage,
    new_generation,
    open_current,
    read_manifest,
    remove_stale_generations,
    schema_is_current,
    switch_to,
    write_manifest,
)
from .structure import Report, carry_links, file_digest, read_reports
from .structure.headings import tagger
from .vocabulary import sound, write_vocabulary

Log = Callable[[str], None]
Progress = Callable[[list[Path]], Iterable[Path]]  # wraps the file list (a progress bar)
PARALLEL_FROM = 20  # reports to (re)write before a build uses several processes
SHARD_MB = 16  # text per shard: a writer's postings (about 1 GB) stay in memory
SMALL_SHARD_MB = 2  # shards below this (an incremental build's) are merged ...
MAX_SMALL = 4  # ... once there are this many of them
MIN_LIVE = 0.5  # a shard whose live documents fall below this share is written again

# What each build derives from the reports beside the index, one step each (see
# indexer.generation.Derivation): every step writes its files into the new generation.
# No step reads what another writes.
DERIVED: tuple[Callable[[Derivation], None], ...] = (
    targets.derive,
    novelty.derive,
    similar.derive,
    shortforms.derive,
)
# on a machine of several cores, run one after another beside the others (and the vocabulary):
# the longest step, and the one that makes the two sides about as long (at 200 reports: 7.0 s
# beside, 6.4 s here)
APART = (novelty.derive, similar.derive)


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
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.refused)} refused"
            + (f", {len(self.duplicates)} duplicates skipped" if self.duplicates else "")
            + f" in {self.seconds:.1f} s"
        )


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


_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """What a writer process runs first: ask the kernel (Linux) to kill it when ``parent``,
    the build, dies; a build killed with SIGKILL left its writers running, about 480 MB
    each, for minutes."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the writers finish their shard and exit
        return
    if os.getppid() != parent:  # the build died before the request took effect
        os._exit(1)


def preload() -> None:
    """Load what builds load when they first need it (jieba's dictionary and tagger, the
    keywords' weights, pinyin): for a process that builds again and again (the watcher),
    so that its first build after a report arrives costs what the report brings (2-4 s
    less)."""
    segmenter(), tagger(), keyword_weights(), sound("")


def _chars(report: Report) -> int:
    """The length of a report's text, as its summary counts it."""
    return sum(len(p.text) for p in report.paragraphs)


def report_summary(report: Report) -> dict:
    """What the build record keeps of a report."""
    text = "".join(p.text for p in report.paragraphs)
    return {
        "digest": report.digest,
        "source": report.source,
        "title": report.title,
        "region": report.region,
        "place": report.place,
        "year": report.year,
        "date": report.date,
        "paragraphs": len(report.paragraphs),
        "chars": len(text),
        "traditional": is_traditional(text),
        "sketch": text_sketch(text),  # copies of one report share it (indexer.duplicates)
        **({"corrections": report.corrections} if report.corrections else {}),
    }


@dataclass
class Scan:
    """What the corpus holds, against what the last build indexed."""

    wanted: dict[str, dict] = field(default_factory=dict)  # report id -> summary, everything in the corpus
    fresh: dict[str, Report] = field(default_factory=dict)  # reports read this time (new or changed)
    owner: dict[str, Path] = field(default_factory=dict)  # report id -> its file
    refused: list[dict] = field(default_factory=list)  # {file, reason}
    bytes_read: int = 0


@dataclass
class Changes:
    """What a build writes: the reports to (re)write, those to delete, the build record."""

    to_write: dict[str, Report]
    to_delete: list[str]
    record: dict
    dupes: dict[str, str]  # duplicate report id -> the one kept
    moved: dict[str, str] = field(default_factory=dict)  # new report id -> the id it had (a file moved)

    @property
    def any(self) -> bool:
        return bool(self.to_write or self.to_delete)


def _read(path: Path, corpus: Path, refused: list[dict]) -> list[Report]:
    """The reports in ``path``; a file that cannot be read is refused with the reason."""
    try:
        return read_reports(path, corpus)
    except (ReadError, OSError) as exc:
        refused.append({"file": path.relative_to(corpus).as_posix(), "reason": str(exc)})  # no server paths
        return []


def scan(
    corpus: Path,
    files: list[Path],
    old_record: dict,
    log: Log = lambda msg: None,
    progress: Progress | None = None,
) -> Scan:
    """Read the files that are new or changed since the build that left ``old_record``
    (same SHA-256: not read again); summaries of the others come from the record."""
    indexed: dict[str, dict] = old_record.get("summaries", {})
    known = {**old_record.get("skipped", {}), **indexed}  # duplicates the last build skipped too
    by_source: dict[str, set[str]] = {}
    for rid, summary in known.items():
        by_source.setdefault(summary["source"], set()).add(rid)
    out = Scan()
    changed: dict[Path, list[int]] = {}  # files to read, and their size and time before reading
    for path in files:
        same = by_source.get(str(path), set())
        try:
            stat = _stat(path)
            # a file whose size and time are as the last build saw them is not read again
            # (as git does); else its checksum says whether it changed
            unchanged = same and all(known[r].get("stat") == stat for r in same)
            if not unchanged and same:
                digest = file_digest(path)
                unchanged = all(known[r]["digest"] == digest for r in same)
        except OSError as exc:  # gone or unreadable since the folder was listed
            out.refused.append({"file": path.relative_to(corpus).as_posix(), "reason": str(exc)})
            continue
        if unchanged:
            for rid in same:
                out.wanted[rid] = {**known[rid], "stat": stat}
                out.owner[rid] = path
        else:
            changed[path] = stat
    for path, reports, refused in _read_all(corpus, list(changed), progress):
        out.bytes_read += path.stat().st_size
        log(f"reading {path}")
        out.refused += refused
        for report, summary in reports:
            if report.id in out.owner:
                other = out.owner[report.id].relative_to(corpus).as_posix()
                out.refused.append(
                    {
                        "file": path.relative_to(corpus).as_posix(),
                        "reason": f"same report id {report.id!r} as {other}; rename one of them",
                    }
                )
                continue
            out.owner[report.id] = path
            out.wanted[report.id] = {**summary, "stat": changed[path]}
            out.fresh[report.id] = report
    return out


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _read_one(path: Path, corpus: Path) -> tuple[list[tuple[Report, dict]], list[dict]]:
    refused: list[dict] = []
    return [(r, report_summary(r)) for r in _read(path, corpus, refused)], refused


def _read_all(
    corpus: Path, paths: list[Path], progress: Progress | None
) -> Iterator[tuple[Path, list[tuple[Report, dict]], list[dict]]]:
    """Each of ``paths`` read (its reports with their summaries, and why it was refused if
    it was), in order: many files on every core (reading a report, finding its headings and
    place, sketching its text, is a sixth of the work of indexing it)."""
    shown = progress(paths) if progress else paths
    if len(paths) < PARALLEL_FROM:
        for path in shown:
            yield path, *_read_one(path, corpus)
        return
    procs = min(os.cpu_count() or 1, 4)
    segmenter(), tagger()  # loaded once, before the processes fork, not in each (a second each)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        procs, mp_context=context, initializer=_die_with, initargs=(os.getpid(),)
    ) as pool:
        done = pool.map(_read_one, paths, [corpus] * len(paths), chunksize=4)
        for path, (reports, refused) in zip(shown, done, strict=True):
            yield path, reports, refused


def plan_changes(found: Scan, old_record: dict, corpus: Path, summary: BuildSummary) -> Changes:
    """What to write and delete so the index holds the corpus (one copy of each report),
    noted in ``summary``; reads a skipped duplicate whose original has gone."""
    indexed: dict[str, dict] = old_record.get("summaries", {})
    dupes = choose_canonical(found.wanted)
    summary.duplicates = [{"report": r, "same_as": keep} for r, keep in sorted(dupes.items())]
    for rid in sorted(found.wanted):  # a skipped duplicate whose original has gone: read it now
        if rid not in dupes and rid not in indexed and rid not in found.fresh:
            found.fresh.update(
                (r.id, r) for r in _read(found.owner[rid], corpus, found.refused) if r.id == rid
            )
    summary.refused = found.refused
    summary.bytes_read = found.bytes_read
    to_write = {rid: rep for rid, rep in found.fresh.items() if rid not in dupes}
    for rid in sorted(found.wanted):
        if rid in dupes:
            continue
        if rid in to_write:
            (summary.updated if rid in indexed else summary.added).append(rid)
        elif rid in indexed:
            summary.unchanged.append(rid)
    summary.removed = sorted(r for r in indexed if r not in found.wanted or r in dupes)
    kept = {r: s for r, s in found.wanted.items() if r not in dupes and (r in to_write or r in indexed)}
    moved = _moves(indexed, kept, summary)
    aliases = _aliases({**old_record.get("aliases", {}), **{old: new for new, old in moved.items()}}, kept)
    record = {
        "schema_version": SCHEMA_VERSION,
        "refused": summary.refused,
        "duplicates": summary.duplicates,
        "reports": len(kept),
        "paragraphs": sum(s["paragraphs"] for s in kept.values()),
        "summaries": kept,  # read by the next build and by the report list
        "skipped": {r: found.wanted[r] for r in dupes},
        "aliases": aliases,  # an id a report had before its file moved -> its id now
    }
    return Changes(
        to_write=to_write,
        to_delete=[r for r in indexed if r not in kept or r in to_write],
        record=record,
        dupes=dupes,
        moved=moved,
    )


def _moves(indexed: dict[str, dict], kept: dict[str, dict], summary: BuildSummary) -> dict[str, str]:
    """Reports whose file moved or was renamed within the corpus: a report gone and one
    added that is the same report (the same text; or, edited, the only report of its place
    and year gone and added). New id -> old id."""
    gone = [r for r in summary.removed if r not in kept]
    moved: dict[str, str] = {}
    for rid in summary.added:
        new = kept[rid]
        same_year = [old for old in gone if new.get("year") and _place_year(indexed[old]) == _place_year(new)]
        for old in gone:
            was = indexed[old]
            same_text = was.get("digest") == new.get("digest") or (
                "sketch" in was and same_text_share(was["sketch"], new.get("sketch", "")) >= SAME_TEXT
            )
            if old not in moved.values() and (same_text or same_year == [old]):
                moved[rid] = old
                break
    return moved


def _place_year(summary: dict) -> tuple:
    return region_key(summary["region"]), summary["year"]


def _aliases(aliases: dict[str, str], kept: dict[str, dict]) -> dict[str, str]:
    """Old ids -> the ids their reports have now (a chain of moves followed to its end);
    an id that names a report again is no alias."""
    out = {}
    for old, new in aliases.items():
        seen = {old}
        while new in aliases and new not in kept and new not in seen:
            seen.add(new)
            new = aliases[new]
        if old not in kept and new in kept:
            out[old] = new
    return out


def note_first_indexed(record: dict, earlier: dict, moved: dict[str, str], now: str) -> None:
    """Note in each summary of ``record`` when its report was first indexed (``indexed``):
    as ``earlier``, the record of the build before, says (under the id the report had
    before its file moved, too), else ``now``. A feed dates a report by it: one added to
    the library is news, however long ago it was given."""
    before = earlier.get("summaries", {})
    for rid, summary in record["summaries"].items():
        was = before.get(rid) or before.get(moved.get(rid, ""))
        when = now
        if was is not None:  # a record from before this note: its build is the latest it can be
            when = was.get("indexed") or earlier.get("built_at") or now
        record["summaries"][rid] = {**summary, "indexed": when}


def _carry_links(old: Generation, reports: dict[str, Report], moved: dict[str, str]) -> None:
    """For each report that replaces an indexed version (under its id, or the id it had
    before its file moved), where the links to the old version's paragraphs land now
    (indexer.structure.carry_links)."""
    with old.searcher() as s:
        for rid, report in reports.items():
            before = read_report(s, moved.get(rid, rid))
            if before is not None:
                carry_links(before, report)


@dataclass
class _Kept:
    """What a build does with the served generation's shards: those it keeps (by name, with
    the reports to delete from each and each one's deleted documents), those it drops,
    and the reports of dropped shards still to index (written again into new shards)."""

    shards: list[str] = field(default_factory=list)
    deleting: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)  # shard -> every report deleted from it
    deleted: dict[str, list[int]] = field(default_factory=dict)  # shard -> its deleted documents
    dropped: list[str] = field(default_factory=list)
    rewrite: list[str] = field(default_factory=list)


def _keep(old: Generation | None, gone: set[str], adding: bool) -> _Kept:
    """Which shards of ``old`` the next generation keeps, when the reports ``gone`` are
    deleted (removed, or written again) and new ones are ``adding``: a shard left with no
    report is dropped; one whose live documents fall below ``MIN_LIVE`` of them, and the
    small shards once there would be more than ``MAX_SMALL`` of them, are dropped and their
    reports written again (so the number of shards stays near the text over ``SHARD_MB``)."""
    kept = _Kept()
    if old is None:
        return kept
    small: list[tuple[str, list[str]]] = []
    for entry, shard in zip(old.info["shards"], old.shards, strict=True):
        name = entry["name"]
        removed = set(entry.get("removed", []))
        now = [r for r in entry["reports"] if r not in removed and r in gone]
        remaining = [r for r in entry["reports"] if r not in removed and r not in gone]
        if not remaining:
            kept.dropped.append(name)
            continue
        local = [i for i, r in enumerate(shard.info["reports"]) if r in removed or r in now]
        deleted = np.flatnonzero(np.isin(shard.data["report"], local)).tolist() if local else []
        if len(deleted) > (1 - MIN_LIVE) * shard.docs:
            kept.dropped.append(name)
            kept.rewrite += remaining
            continue
        if shard.info["text_bytes"] < SMALL_SHARD_MB * 1e6:
            small.append((name, remaining))
        kept.shards.append(name)
        kept.deleting[name] = now
        kept.removed[name] = sorted(removed | set(now))
        kept.deleted[name] = deleted
    if len(small) + adding > MAX_SMALL:
        for name, remaining in small:
            kept.shards.remove(name)
            kept.dropped.append(name)
            kept.rewrite += remaining
    return kept


def _link_kept(old: Generation, path: Path, kept: _Kept) -> None:
    """The kept shards in the new generation ``path``: hard links to their files, and in
    Whoosh the reports deleted since (a new table of contents; the linked files stay as
    the served generation has them)."""
    for name in kept.shards:
        target = path / SHARDS / name
        link_tree(old.path / SHARDS / name, target)
        if kept.deleting[name]:
            ix = whoosh_index.open_dir(str(target / "whoosh"))
            w = ix.writer()
            try:
                for rid in kept.deleting[name]:
                    w.delete_by_term("report_id", rid)
                w.commit(merge=False)
            except BaseException:
                abandon(ix, w, sys.exc_info()[2])
                raise
            ix.close()


def _portions(reports: dict[str, Report], parts: int) -> list[list[Report]]:
    """The reports in ``parts`` runs of about equal text (more where a run would hold more
    documents than a shard can), in the order of their ids."""
    ordered = [reports[r] for r in sorted(reports)]
    sizes = [_chars(r) for r in ordered]
    share = sum(sizes) / parts
    out: list[list[Report]] = [[]]
    filled = 0.0
    docs = 0
    for report, size in zip(ordered, sizes, strict=True):
        count = len(report.blocks) + 1
        full = filled + size / 2 > share * len(out) and len(out) < parts
        if out[-1] and (full or docs + count > MAX_DOCS):
            out.append([])
            docs = 0
        out[-1].append(report)
        filled += size
        docs += count
    return out


def _write_one(path: Path, reports: list[Report]) -> dict:
    """Write one shard of ``reports`` (in a writer process)."""
    return write_shard(path, chain.from_iterable(report_documents(r) for r in reports))


def _write_shards(path: Path, reports: dict[str, Report], log: Log) -> list[str]:
    """Write ``reports`` into new shards of the generation ``path``, about ``SHARD_MB`` of
    text each; several reports on every core (a process per shard, which dies with the
    build). The new shards' names, in order."""
    if not reports:
        return []
    procs = min(os.cpu_count() or 1, 4) if len(reports) >= PARALLEL_FROM else 1
    text = sum(_chars(r) * 3 for r in reports.values())
    parts = max(math.ceil(text / (SHARD_MB * 1e6)), procs)
    portions = _portions(reports, min(parts, len(reports)))
    stamp = f"{time.time_ns() // 1000:x}"
    names = [f"s{stamp}-{i}" for i in range(len(portions))]
    (path / SHARDS).mkdir(exist_ok=True)
    started = time.monotonic()
    if procs == 1:
        for name, portion in zip(names, portions, strict=True):
            _write_one(path / SHARDS / name, portion)
        return names
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        procs, mp_context=context, initializer=_die_with, initargs=(os.getpid(),)
    ) as pool:
        futures = [
            pool.submit(_write_one, path / SHARDS / name, portion)
            for name, portion in zip(names, portions, strict=True)
        ]
        for n, future in enumerate(futures, 1):
            future.result()
            log(f"wrote shard {n} of {len(futures)} in {time.monotonic() - started:.1f} s")
    return names


def write_changes(old: Generation | None, path: Path, changes: Changes, log: Log = lambda msg: None) -> None:
    """Write the generation ``path`` that holds ``old`` (the served generation, or None for
    a rebuild) with ``changes``: its shards kept (hard links, the replaced and removed
    reports deleted), the new and changed reports in new shards (with the reports of any
    shard written again, see :func:`_keep`), and the generation's data and build record."""
    to_write = dict(changes.to_write)
    if to_write:
        segmenter(), keyword_weights()  # loaded once, before the writer processes fork
        if old is not None:
            _carry_links(old, to_write, changes.moved)
    kept = _keep(old, set(changes.to_delete), bool(to_write))
    if old is not None:
        to_write.update(old.reports(r for r in kept.rewrite if r not in to_write))
        _link_kept(old, path, kept)
    added = _write_shards(path, to_write, log)
    write_generation(path, kept.shards + added, kept.deleted, kept.removed)
    (path / RECORD).write_text(json.dumps(changes.record, ensure_ascii=False), encoding="utf-8")
    vocabulary = partial(
        write_vocabulary,
        path / VOCAB,
        old.path / VOCAB if old is not None else None,
        [path / SHARDS / name / DATA for name in added],
        [old.path / SHARDS / name / DATA for name in kept.dropped] if old is not None else [],
    )
    _derive(Derivation(path, old, changes.to_write, set(changes.to_delete), changes.record), log, vocabulary)


def _timed(derive: Callable[[Derivation], None], step: Derivation) -> float:
    """Run one derivation step; its seconds."""
    started = time.monotonic()
    derive(step)
    return time.monotonic() - started


def _derive(step: Derivation, log: Log, vocabulary: Callable[[], None]) -> None:
    """Write the generation's ``vocabulary`` and run the derivation steps (``DERIVED``; none
    reads the vocabulary). With more than one core, the ``APART`` steps run in a process of their own
    (forked: it gets the step as it is, and dies with the build) while this one runs the
    rest: they take a few seconds of a full build one after another, and a core would sit
    idle. A build of fewer than ``PARALLEL_FROM`` reports (a report added) runs them one
    after another: they take a fraction of a second, less than forking this process."""
    apart = (os.cpu_count() or 1) > 1 and len(step.written) >= PARALLEL_FROM
    here = [derive for derive in DERIVED if derive not in APART or not apart]
    if len(here) == len(DERIVED):
        vocabulary()
        for derive in here:
            log(f"{derive.__module__}: {_timed(derive, step):.1f} s")
        return
    # a process forked with the step in its memory: the step holds the served generation,
    # whose files are mapped, and is not sent (pickled) to it
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_beside, args=(APART, step, os.getpid(), send), daemon=True)
    child.start()
    send.close()
    answered = False
    try:
        vocabulary()
        for derive in here:
            log(f"{derive.__module__}: {_timed(derive, step):.1f} s")
        try:
            outcome = receive.recv()
        except EOFError:
            raise RuntimeError(f"{_names(APART)} stopped without finishing") from None
        answered = True
    finally:
        if not answered:  # this build failed: the step beside it is of no use
            child.kill()
        child.join()
        receive.close()
    if isinstance(outcome, BaseException):
        raise outcome
    log(f"{_names(APART)}: {outcome:.1f} s (beside the others)")


def _names(steps: Iterable[Callable[[Derivation], None]]) -> str:
    return ", ".join(derive.__module__ for derive in steps)


def _beside(
    steps: Iterable[Callable[[Derivation], None]], step: Derivation, parent: int, send: Connection
) -> None:
    """In a process forked by :func:`_derive`: run ``steps`` one after another and send back
    their seconds, or what one raised (as it is where it pickles, else as a RuntimeError
    naming it)."""
    _die_with(parent)
    try:
        outcome: float | BaseException = sum(_timed(derive, step) for derive in steps)
    except BaseException as exc:
        outcome = exc
    try:
        send.send(outcome)
    except Exception:  # an error that does not pickle
        send.send(RuntimeError(f"{_names(steps)}: {outcome!r}"))
    send.close()


def _open_existing(index_dir: Path, log: Log) -> tuple[Generation | None, dict]:
    """The served generation and its build record, or ``(None, {})`` when it has to be
    rebuilt."""
    try:
        gen = open_current(index_dir)
        record = gen.record
    except IndexMissing as exc:
        log(f"{exc}; rebuilding")
        return None, {}
    except Exception as exc:  # an index written by another version may not even read
        log(f"the index cannot be read ({type(exc).__name__}: {exc}); rebuilding")
        return None, {}
    if not schema_is_current(gen):
        log("the index was written by another version of the schema or analyzer; rebuilding")
        return None, {}
    return gen, record


def _last_record(index_dir: Path) -> dict:
    """The build record of the served generation, whatever its version (a rebuild carries
    its dates over), or ``{}``."""
    path = current_path(index_dir)
    try:
        return json.loads((path / RECORD).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):  # none, damaged, or of another version: nothing to carry over
        return {}


def build(
    corpus: Path,
    index_dir: Path,
    rebuild: bool = False,
    wait: float = 10.0,
    log: Log = lambda msg: None,
    progress: Progress | None = None,
) -> BuildSummary:
    """Update the index in ``index_dir`` from the files in ``corpus``.

    Unchanged files (same SHA-256) are left alone; new and changed ones are read and
    (re)indexed, vanished ones deleted (:func:`scan`, :func:`plan_changes`,
    :func:`write_changes`), in a new generation switched in when it is complete; a build
    that fails removes what it wrote and leaves the served generation as it was.
    ``rebuild`` writes every report again. ``progress`` wraps the file list (a progress
    bar).
    """
    started = time.monotonic()
    summary = BuildSummary()
    files = corpus_files(corpus)
    with build_lock(index_dir, wait):
        remove_stale_generations(index_dir)  # a killed build's half-written generation
        current = current_path(index_dir)
        manifest = read_manifest(current) if current else {}
        damaged = damage(current, manifest, checksums=True) if current and not rebuild else []
        if damaged:
            log(f"the index is damaged ({'; '.join(damaged[:3])}); rebuilding")
            rebuild = True
        old: Generation | None = None
        old_record: dict = {}
        if not rebuild and current is not None:
            old, old_record = _open_existing(index_dir, log)
        summary.rebuilt = old is None
        changes = plan_changes(scan(corpus, files, old_record, log, progress), old_record, corpus, summary)
        for rid, keep in sorted(changes.dupes.items()):
            log(f"{rid}: the same report as {keep}; indexing only {keep}")
        record = changes.record
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        earlier = old_record or _last_record(index_dir)
        note_first_indexed(record, earlier, changes.moved, now)
        reviewed = old is not None and shortforms.read(old.path)["reviewed"] != shortforms.reviewed()
        if changes.any or summary.rebuilt or reviewed or {k: old_record.get(k) for k in record} != record:
            record["built_at"] = now
            if changes.any:
                log(
                    f"writing {len(changes.to_write)} reports, removing {len(changes.to_delete)} from the index"
                )
            path = new_generation(index_dir)
            try:
                write_changes(old, path, changes, log)
                write_manifest(path, manifest if old is not None else None)
                switch_to(index_dir, path)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)  # nothing half written stays
                raise
    summary.seconds = time.monotonic() - started
    return summary
