"""Incremental builds while the site serves: add/edit/delete, readers, crashes, locks, schema."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.__main__ import cli
from indexer.build import build
from indexer.generation import GENERATION
from indexer.store import build_lock, current_path, open_current, write_manifest
from search import create_app
from search.handle import IndexHandle

from .conftest import ROOT, SEED, shared

REPORT = """2021年样本区政府工作报告
——2021年1月10日在样本区第一届人民代表大会第一次会议上
各位代表：
一、过去一年工作回顾
{body}
"""


def write(corpus: Path, name: str, body: str) -> Path:
    path = corpus / name
    path.write_text(REPORT.format(body=body).replace("2021", name[-8:-4]), encoding="utf-8")
    return path


def total(client, q: str) -> int:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_json()["total"]


@pytest.fixture()
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus"
    path.mkdir()
    (path / SEED.name).write_bytes(SEED.read_bytes())
    return path


def test_add_edit_delete_seen_by_a_running_app(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    assert total(client, "紫荆花开") == 0

    write(corpus, "yangben-2021.txt", "紫荆花开，河涌清澈。")
    s = build(corpus, index)
    assert (s.added, s.updated, s.removed) == (["yangben-2021"], [], [])
    assert total(client, "紫荆花开") == 1

    write(corpus, "yangben-2021.txt", "木棉花开，河涌清澈。")
    s = build(corpus, index)
    assert (s.added, s.updated, s.unchanged) == ([], ["yangben-2021"], ["guangzhou-liwan-2017"])
    assert total(client, "紫荆花开") == 0 and total(client, "木棉花开") == 1

    (corpus / "yangben-2021.txt").unlink()
    s = build(corpus, index)
    assert s.removed == ["yangben-2021"]
    assert total(client, "木棉花开") == 0
    assert client.get("/reports/yangben-2021").status_code == 404


def test_noop_build_changes_nothing_and_says_so(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    generation = current_path(index).name
    result = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0
    assert "0 added, 0 updated, 0 removed, 1 unchanged, 0 refused" in result.output
    assert current_path(index).name == generation


@pytest.mark.slow
def test_readers_never_see_fewer_results_during_a_build(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    before = total(client, "河涌")
    seen: list[int] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            seen.append(total(client, "河涌"))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(3):
            write(corpus, f"more-{2020 + i}.txt", f"第{i}次河涌整治。" * 3)
            build(corpus, index)
        build(corpus, index, rebuild=True)
    finally:
        stop.set()
        thread.join()
    assert seen and min(seen) >= before
    assert total(client, "河涌") == before + 3


def test_rebuild_switches_generation_and_removes_the_old_one(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    old = current_path(index)
    summary = build(corpus, index, rebuild=True)
    assert summary.rebuilt and current_path(index) != old and not old.exists()


def test_loading_a_generation_is_not_charged_to_the_search_that_meets_it(corpus, tmp_path, monkeypatch):
    """A process not prepared before it forked (a development server, the tests') loads what
    every search reads on its first request and on the first after each build, before that
    request's clock starts: a load slowed by a busy machine is not a search stopped with a 503."""
    from search import handle as served

    index = tmp_path / "index"
    build(corpus, index)
    opened = served.open_current

    def slow_open(index_dir: Path):
        time.sleep(0.8)  # longer than the time limit below: a busy machine's first request
        return opened(index_dir)

    monkeypatch.setattr(served, "open_current", slow_open)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index), "TIME_LIMIT": 0.5}).test_client()
    assert client.get("/api/search", query_string={"q": "河涌"}).status_code == 200
    write(corpus, "more-2020.txt", "第一次碧道建设。" * 3)
    build(corpus, index)
    found = client.get("/api/search", query_string={"q": "碧道建设"})
    assert found.status_code == 200 and found.get_json()["matched"] == 1


def test_second_build_waits_then_fails_with_a_message(corpus, tmp_path):
    index = tmp_path / "index"
    with build_lock(index, wait=0):
        result = CliRunner().invoke(
            cli, ["build", "--corpus", str(corpus), "--index", str(index), "--wait", "0.3"]
        )
    assert result.exit_code != 0
    assert "another build is running" in result.output
    assert current_path(index) is None  # nothing was written by the refused build


@pytest.mark.slow
def test_two_concurrent_builds_never_both_write(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for rel in ["lawtext-gov/guangzhou-city-2018.md", "lawtext-gov/national-2018.md"]:
        (corpus / Path(rel).name).write_bytes(shared(rel).read_bytes())
    index = tmp_path / "index"
    cmd = [
        sys.executable,
        "-m",
        "indexer",
        "build",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        "--wait",
        "120",
    ]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sorted(o.split(",")[0] for o in outs) == ["0 added", "2 added"]
    with open_current(index).searcher() as s:
        uids = [d["uid"] for d in s.all_stored_fields()]
    assert len(uids) == len(set(uids))


@pytest.mark.slow
def test_kill_9_mid_build_keeps_the_old_state_and_the_next_build_repairs(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    before = total(client, "河涌")
    for rel in [
        "lawtext-gov/guangzhou-city-2018.md",
        "lawtext-gov/guangzhou-city-2019.md",
        "lawtext-gov/national-2018.md",
        "lawtext-gov/national-2019.md",
    ]:
        (corpus / Path(rel).name).write_bytes(shared(rel).read_bytes())
    log = tmp_path / "build.log"
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        deadline = time.monotonic() + 60
        while "writing" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # until the new reports are read and being written
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    assert total(client, "河涌") == before  # the previous state still serves
    summary = build(corpus, index)  # the lock died with the process
    assert summary.added and not summary.refused
    with open_current(index).searcher() as s:
        uids = [d["uid"] for d in s.all_stored_fields()]
    assert len(uids) == len(set(uids))
    fresh = tmp_path / "fresh"
    build(corpus, fresh)
    with open_current(fresh).searcher() as s:
        assert sorted(uids) == sorted(d["uid"] for d in s.all_stored_fields())


def test_an_index_from_an_older_schema_is_rebuilt_with_a_message(corpus, tmp_path):
    index = tmp_path / "index"
    build(corpus, index)
    gen = current_path(index)  # as an older version of the indexer left it
    info = json.loads((gen / GENERATION).read_text(encoding="utf-8"))
    (gen / GENERATION).write_text(json.dumps({**info, "schema_version": 0}), encoding="utf-8")
    write_manifest(gen)
    result = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0
    assert "another version of the schema" in result.output
    assert "1 added" in result.output


def test_status_lists_counts_and_refused_files(corpus, tmp_path):
    (corpus / "broken.txt").write_bytes(b"")
    index = tmp_path / "index"
    build(corpus, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    status = client.get("/api/status").get_json()
    assert status["reports"] == 1 and status["paragraphs"] == 72 and status["built_at"]
    assert status["refused"] == [{"file": "broken.txt", "reason": "the file is empty"}]  # no server paths
    page = client.get("/").get_data(as_text=True)
    assert "1 份报告 · 72 个段落" in page


@pytest.mark.slow
def test_every_gunicorn_worker_sees_a_build_without_restart(corpus, tmp_path):

    import socket
    import urllib.request

    index = tmp_path / "index"
    build(corpus, index)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "SEARCH_INDEX_DIR": str(index)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def totals(n: int = 12) -> set[int]:
        seen = set()
        for _ in range(n):
            url = f"http://127.0.0.1:{port}/api/search?q=%E7%B4%AB%E8%8D%86%E8%8A%B1%E5%BC%80"
            with urllib.request.urlopen(url, timeout=10) as response:
                seen.add(json.load(response)["total"])
        return seen

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert totals(1) == {0}
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert totals() == {0}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert "gunicorn" not in response.headers.get("Server", "")  # no banner
        write(corpus, "yangben-2021.txt", "紫荆花开，河涌清澈。")
        build(corpus, index)
        assert totals() == {1}
        build(corpus, index, rebuild=True)
        assert totals() == {1}
    finally:
        server.terminate()
        server.wait(10)


def test_build_outside_a_terminal_logs_plain_lines(corpus, tmp_path):
    result = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert f"reading {corpus / SEED.name}" in lines
    assert "writing 1 reports, removing 0 from the index" in lines
    assert lines[-1].startswith("1 added, 0 updated, 0 removed, 0 unchanged, 0 refused in ")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # Whoosh leaves
def test_an_index_that_cannot_be_opened_is_rebuilt_and_the_app_says_so(corpus, tmp_path):  # the file open
    index = tmp_path / "index"
    build(corpus, index)
    for toc in current_path(index).rglob("*.toc"):
        toc.write_bytes(toc.read_bytes()[:40])  # as if written by something else
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    response = client.get("/api/search?q=河涌")
    assert response.status_code == 503 and "indexer build" in response.get_json()["error"]
    result = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 0 and "rebuilding" in result.output and "1 added" in result.output

    assert total(create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client(), "河涌") > 0


def test_a_searcher_reads_the_index_files_instead_of_copying_them(index_dir):
    """Whoosh's compound segments are copied into memory by every searcher (the server
    holds one per thread); separate segment files are read in place."""
    size = sum(p.stat().st_size for p in current_path(index_dir).rglob("*") if p.is_file())
    ix = open_current(index_dir)
    tracemalloc.start()
    try:
        with ix.searcher():
            used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert used < size / 4, (used, size)


@pytest.mark.slow
def test_writer_processes_die_with_a_killed_build_and_the_next_build_clears_its_leftovers(tmp_path):
    """A parallel build forks Whoosh's writer processes; killed with SIGKILL, it used to
    leave them running (about 480 MB each) and its half-written generation on disk."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    body = SEED.read_text(encoding="utf-8")
    for i in range(24):  # enough to write with several processes (build.PARALLEL_FROM)
        write(corpus, f"yangben{i}-{2000 + i}.txt", f"{2000 + i}年样本{i}区政府工作报告\n" + body)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "indexer",
            "build",
            "--rebuild",
            "--corpus",
            str(corpus),
            "--index",
            str(index),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def writers() -> list[str]:
        return subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # until shards are being written
        if writers() and list(index.glob("gen-*/shards/*")):
            break
        time.sleep(0.05)
    children = writers()
    assert children, "the build finished before its writers could be seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < gone:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    assert list(index.glob("gen-*"))  # the half-written generation
    build(corpus, index)
    assert [p.name for p in index.glob("gen-*")] == [current_path(index).name]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["toc", "trm", "pst", "col", "pack", "json"])  # every kind a build writes
def test_a_damaged_index_file_is_a_503_and_the_next_build_repairs_it(corpus, tmp_path, kind):
    """Cut in half, a file of the served index is found at the next search (sizes are
    checked on every search; an answer computed before, kept until the next build, is still
    given) and answered with a 503 that says so; overwritten with other bytes of the same
    size, it is found by the next build (checksums). Either way the next build rebuilds the
    index without being asked."""
    index = tmp_path / "index"
    build(corpus, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    before = total(client, "河涌")
    files = sorted(
        f for f in current_path(index).rglob("*") if f.suffix == f".{kind}" and f.name != "MANIFEST.json"
    )
    assert files, kind
    victim = max(files, key=lambda f: f.stat().st_size)
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    response = client.get("/api/search", query_string={"q": "河涌 整治"})
    assert response.status_code == 503 and "已损坏" in response.get_json()["error"]
    assert client.get("/", query_string={"q": "河涌 整治"}).status_code == 503
    assert build(corpus, index).rebuilt and total(client, "河涌") == before
    victim = max(
        (f for f in current_path(index).rglob("*") if f.suffix == f".{kind}" and f.name != "MANIFEST.json"),
        key=lambda f: f.stat().st_size,
    )
    victim.write_bytes(bytes(b ^ 0x5A for b in victim.read_bytes()))  # same size, other bytes
    summary = build(corpus, index)
    assert summary.rebuilt and total(client, "河涌") == before


# Whoosh leaves the table of contents open when it cannot parse it (closed when collected).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_index_that_cannot_be_opened_is_called_damaged_not_missing(corpus, tmp_path):
    """A table of contents overwritten with other bytes of the same size passes the size
    check and fails to open: the page says the index is damaged and the next build repairs
    it, not that it was never built."""
    index = tmp_path / "index"
    build(corpus, index)
    toc = next(f for f in current_path(index).rglob("*") if f.suffix == ".toc")
    toc.write_bytes(b"\0" * toc.stat().st_size)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    error = client.get("/api/search", query_string={"q": "河涌"}).get_json()["error"]
    assert "已损坏" in error and "尚未建立" not in error


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_search_under_way_reads_its_index_state_to_the_end_while_a_build_removes_it(
    corpus, tmp_path, rebuild
):
    """A searcher taken before a build keeps reading the state it was opened on, though the
    build merges that state's segments away (or a rebuild removes its generation): its
    files are opened with it. Before, its first read of stored text after the build failed
    (a TypeError in Whoosh: the file was gone), a 500 for a search under way."""
    index = tmp_path / "index"
    build(corpus, index)
    write(corpus, "more-2020.txt", "河涌整治。")
    build(corpus, index)  # two segments: the next build merges them
    handle = IndexHandle(index)
    searcher = handle.acquire()
    for name in ("more-2021.txt", "more-2022.txt"):
        write(corpus, name, "河涌整治。")
    (corpus / "more-2020.txt").unlink()
    build(corpus, index, rebuild=rebuild)
    texts = [fields.get("text", "") for fields in searcher.all_stored_fields()]
    assert sum("河涌整治。" in t for t in texts) == 1  # more-2020.txt, gone from the corpus now
    handle.release(searcher)
    with handle.searcher() as fresh:  # and the next search reads the new state
        texts = [fields.get("text", "") for fields in fresh.all_stored_fields()]
        assert sum("河涌整治。" in t for t in texts) == 2


def test_the_served_generation_is_found_while_a_rebuild_switches_it(tmp_path, monkeypatch):
    """The link read just before a rebuild switched it names a generation removed since:
    the link is read again (a search under way answered 503 "no index" before)."""
    (tmp_path / "gen-new").mkdir()
    os.symlink("gen-new", tmp_path / "current")
    reads = iter(["gen-old"])
    real = os.readlink
    monkeypatch.setattr("indexer.store.os.readlink", lambda p: next(reads, None) or real(p))
    assert current_path(tmp_path) == (tmp_path / "gen-new").resolve()


def test_a_builds_vocabulary_is_what_it_would_be_written_from_scratch(corpus, tmp_path):
    """Each build carries the previous vocabulary's words over (their forms one edit away,
    their sounds) and counts what it adds and drops: after adds, an edit and a removal, the
    vocabulary is the one written from the generation's shards alone."""
    import numpy as np

    from indexer.generation import SHARDS, VOCAB
    from indexer.pack import read_pack
    from indexer.shard import DATA
    from indexer.vocabulary import write_vocabulary

    index = tmp_path / "index"

    def same_as_from_scratch() -> None:
        gen = current_path(index)
        scratch = tmp_path / "scratch.pack"
        write_vocabulary(scratch, None, sorted((gen / SHARDS).glob(f"*/{DATA}")), [])
        built, expected = read_pack(gen / VOCAB), read_pack(scratch)
        assert built.keys() == expected.keys()
        for name in expected:
            assert np.array_equal(built[name], expected[name]), name

    build(corpus, index)
    body = "\n".join(["紫荆花开满城，河涌清澈见底。", "紫荆花开处处，经济发展向好。", "紫荆花开又一年。"])
    write(corpus, "yangben-2021.txt", body)  # 紫荆 becomes a word three paragraphs hold
    write(corpus, "yangben-2022.txt", "木棉花开，河涌清澈。")
    build(corpus, index)
    same_as_from_scratch()
    write(corpus, "yangben-2021.txt", "紫荆花开一处。")  # 紫荆 held by one paragraph again
    build(corpus, index)
    same_as_from_scratch()
    (corpus / "yangben-2022.txt").unlink()
    build(corpus, index)
    same_as_from_scratch()


def test_the_step_run_beside_the_others_gets_the_served_index_and_its_failure_fails_the_build(
    corpus, tmp_path, monkeypatch
):
    """A build on two cores runs its longest derivation step (new wording) in a forked
    process beside the others. That process has the step as the build has it (the served
    generation, whose files are mapped, is not sent to it: an index that held them failed
    every incremental build with "cannot pickle 'mmap.mmap' object"); what it raises, the
    build raises, and the index served stays as it was."""
    import errno

    import indexer.build as building

    monkeypatch.setattr(building, "PARALLEL_FROM", 1)  # the small corpus: a build of several
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    index = tmp_path / "index"
    build(corpus, index)
    write(corpus, "样本区-2022.txt", "推进石榴园区建设。")
    build(corpus, index)  # the served generation handed to new wording, beside the others
    served = current_path(index)
    assert (served / "novelty.pack").exists() and total(
        create_app({"INDEX_DIR": str(index)}).test_client(), "石榴园区"
    ) > 0

    def fails(step) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(building, "APART", (fails,))
    monkeypatch.setattr(
        building, "DERIVED", tuple(fails if d is building.novelty.derive else d for d in building.DERIVED)
    )
    write(corpus, "样本区-2023.txt", "推进蜜柚园区建设。")
    with pytest.raises(OSError, match="No space left"):
        build(corpus, index)
    assert current_path(index) == served
