"""A full disk: a build that runs out of space stops with a clear message, removes what it
half wrote at once (and holds no file of it open), and the served generation keeps serving,
intact; the next build, with space again, succeeds. The disk is made full by failing every
write to the index folder past a budget with ENOSPC, in the build's process and in the
writer processes it forks (each with the budget left when it forked)."""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
from concurrent.futures.process import _RemoteTraceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.__main__ import cli
from indexer.build import PARALLEL_FROM, build
from indexer.store import current_path, damage, read_manifest
from search import create_app

from .conftest import SEED, SMALL_CORPUS

_open = io.open


class Disk:
    """Writes to files under ``folder`` count against ``budget`` bytes; past it, ENOSPC."""

    def __init__(self, folder: Path, budget: float = float("inf")):
        self.folder = str(folder.resolve())
        self.budget = budget
        self.written = 0

    def open(self, file, mode="r", *args, **kwargs):
        fh = _open(file, mode, *args, **kwargs)
        if isinstance(file, int) or not set(mode) & set("wax+"):
            return fh
        if not os.path.abspath(os.fspath(file)).startswith(self.folder):
            return fh
        return _Filling(fh, self)


class _Filling:
    def __init__(self, fh, disk: Disk):
        self._fh = fh
        self._disk = disk

    def write(self, data):
        disk = self._disk
        if disk.written + len(data) > disk.budget:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._fh.name)
        disk.written += len(data)
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()

    def __iter__(self):
        return iter(self._fh)


@pytest.fixture()
def disk(monkeypatch, tmp_path):
    made = Disk(tmp_path / "index")
    monkeypatch.setattr(io, "open", made.open)
    monkeypatch.setattr(builtins, "open", made.open)
    return made


def small_corpus(folder: Path) -> Path:
    shutil.copytree(SMALL_CORPUS, folder)
    shutil.copy(SEED, folder / SEED.name)
    return folder


def many_reports(folder: Path, count: int) -> None:
    """``count`` reports of their own places, each a different run of the national report's
    lines (no two the same text): enough for a build to write shards in writer processes."""
    lines = [
        line
        for line in (SMALL_CORPUS / "dxcarl" / "national-2017.txt").read_text(encoding="gb18030").splitlines()
        if len(line) > 40
    ]
    step = max(1, len(lines) // count)
    for i in range(count):
        body = "\n".join(lines[i * step : i * step + step] or lines[:3])
        text = f"2019年测试{i}县政府工作报告\n各位代表：\n一、工作回顾\n{body}\n二、今年安排\n第{i}项工作继续推进。\n"
        (folder / f"测试{i}县").mkdir()
        (folder / f"测试{i}县" / "2019.txt").write_text(text, encoding="utf-8")


def out_of_space(*args, **kwargs) -> bool:
    """Run a build that must run out of space; whether a writer process did (the exception
    is not kept: what it held is let go, as the watcher lets it go)."""
    try:
        build(*args, **kwargs)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
        return isinstance(exc.__cause__, _RemoteTraceback)
    pytest.fail("the build did not run out of space")


def open_in(folder: Path, served: Path) -> list[str]:
    """The files under ``folder`` but outside the generation ``served`` this process holds open."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder.resolve())) and not target.startswith(str(served)):
            found.append(target)
    return found


def assert_served_intact(index: Path, served: Path) -> None:
    """Only the served generation is left, as its build wrote it, and it answers."""
    assert current_path(index) == served
    assert sorted(p.name for p in index.iterdir() if p.name.startswith(("gen-", ".gen", ".current"))) == [
        served.name
    ]
    manifest = read_manifest(served)
    assert manifest and damage(served, manifest, checksums=True) == []
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    found = client.get("/api/search", query_string={"q": "河涌"})
    assert found.status_code == 200 and found.get_json()["total"] > 0


@pytest.mark.parametrize("share", [0.05, 0.5, 0.95])
@pytest.mark.parametrize("change", ["add", "remove"])
def test_an_incremental_build_out_of_space_leaves_nothing_and_the_next_one_succeeds(
    tmp_path, disk, share, change
):
    """Out of space after a share of what the build writes (a report added: a new shard;
    one removed: Whoosh's deletions in a kept shard)."""
    corpus = small_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build(corpus, index)
    served = current_path(index)
    if change == "add":
        many_reports(corpus, 1)
    else:
        (corpus / "test-xss-2019.txt").unlink()
    trial = tmp_path / "trial"  # the same build on a copy: how much it writes
    shutil.copytree(index, trial, symlinks=True)
    disk.folder, disk.written = str(trial.resolve()), 0
    build(corpus, trial)
    needed = disk.written
    assert needed > 0
    disk.folder, disk.budget, disk.written = str(index.resolve()), int(needed * share), 0
    assert not out_of_space(corpus, index)
    assert open_in(index, served) == []  # no file of the removed generation kept open
    assert_served_intact(index, served)
    disk.budget = float("inf")  # space again
    summary = build(corpus, index)
    assert (summary.added if change == "add" else summary.removed) == (
        ["测试0县/2019"] if change == "add" else ["test-xss-2019"]
    )
    assert current_path(index) != served


def test_a_rebuild_whose_writer_processes_run_out_of_space_leaves_nothing(tmp_path, disk):
    corpus = small_corpus(tmp_path / "corpus")
    many_reports(corpus, PARALLEL_FROM + 2)
    index = tmp_path / "index"
    build(corpus, index)
    served = current_path(index)
    disk.budget = 50_000  # each writer process fails partway through its shard
    assert out_of_space(corpus, index, rebuild=True)  # in a writer process
    assert open_in(index, served) == []
    assert_served_intact(index, served)
    disk.budget = float("inf")
    assert build(corpus, index, rebuild=True).rebuilt and current_path(index) != served


def test_the_command_says_the_disk_is_full_and_exits_1(tmp_path, disk):
    corpus = small_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build(corpus, index)
    served = current_path(index)
    disk.budget = 10_000
    result = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--index", str(index), "--rebuild"])
    assert result.exit_code == 1
    assert "disk is full" in result.output and "unchanged" in result.output
    assert "Traceback" not in result.output
    assert_served_intact(index, served)


def test_a_generation_removed_mid_read_leaves_no_file_open_once_its_readers_are_done(tmp_path):
    """A search holds a searcher of the served generation while a build switches to a new
    one and removes the old: once that search is done and the next has opened the new
    generation, no file of the old one stays open (its space is free)."""
    corpus = small_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    build(corpus, index)
    old = current_path(index)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    client = app.test_client()
    assert client.get("/api/search", query_string={"q": "河涌"}).status_code == 200
    handle = app.extensions["search_index"]
    handle.cache.clear()
    handle._gen = None  # the next search opens the generation afresh (as an export process does)
    reading = handle.acquire()  # a search under way
    reading.stored_fields(0)
    build(corpus, index, rebuild=True)
    new = current_path(index)
    assert new != old and not old.exists()
    # the search goes on reading the removed generation: its words too (mapped when opened)
    assert reading.generation.document_frequency("content", "发展") > 0
    handle.release(reading)  # the search ends
    del reading
    assert client.get("/api/search", query_string={"q": "河涌"}).status_code == 200
    deleted = [f for f in open_in(index, new) if f.endswith("(deleted)")]
    assert deleted == []
