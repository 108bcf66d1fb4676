"""The watched corpus: ``python -m indexer watch`` indexes what arrives while the site serves."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.store import build_lock
from indexer.watch import read_state
from search import create_app

from .conftest import ROOT, SMALL_CORPUS

pytestmark = pytest.mark.slow

FOUND_WITHIN = 10.0  # seconds from a file's arrival to a search finding it (the promise)


def _report(year: int, word: str, place: str = "测试县") -> str:
    return (
        f"{year}年{place}政府工作报告\n——{year}年1月10日在{place}第一届人民代表大会第一次会议上\n各位代表：\n"
        f"一、过去一年工作回顾\n我们推进{word}建设，完成黑臭水体治理，群众满意度明显提升。\n"
        "二、今年工作安排\n加快建设现代化产业体系，推动制造业高质量发展，办好十件民生实事。\n"
    )


def _until(check: Callable[[], bool], seconds: float) -> float | None:
    """Seconds until ``check`` holds, or None if it did not within ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


class Watched:
    """A corpus watched by ``python -m indexer watch`` and an app serving its index."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.corpus, self.index, self.log = tmp / "corpus", tmp / "index", tmp / "watch.log"
        shutil.copytree(SMALL_CORPUS, self.corpus)
        self.stderr = self.log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "indexer",
                "watch",
                "--corpus",
                str(self.corpus),
                "--index",
                str(self.index),
                *args,
            ],
            cwd=ROOT,
            stderr=self.stderr,
        )
        assert _until(lambda: (read_state(self.index) or {}).get("builds") == 1, 180), self.output()
        self.client = create_app({"TESTING": True, "INDEX_DIR": str(self.index)}).test_client()

    def hits(self, query: str) -> int:
        for _ in range(5):  # a busy machine may stop a cold search at its time limit (503)
            response = self.client.get("/api/search", query_string={"q": query})
            if response.status_code != 503:
                break
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["matched"]  # every word (near misses aside)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(30) == 0
        assert "stopped watching" in self.output()


@pytest.fixture()
def watched(tmp_path) -> Iterator[Watched]:
    w = Watched(tmp_path, "--settle", "1.0", "--wait", "0.5")
    yield w
    if w.proc.poll() is None:
        w.proc.kill()
        w.proc.wait()
    w.stderr.close()


def test_a_dropped_file_is_found_within_10_s_and_a_removed_one_is_gone(watched):
    path = watched.corpus / "ceshi-2019.txt"
    path.write_text(_report(2019, "蓝莓产业园"), encoding="utf-8")
    took = _until(lambda: watched.hits("蓝莓产业园") > 0, FOUND_WITHIN)
    assert took is not None, watched.output()
    status = watched.client.get("/api/status").get_json()
    assert status["watch"]["last_build"]["added"] == ["ceshi-2019"]  # what the last automatic build did
    assert status["watch"]["last_build"]["at"] and status["watch"]["last_error"] is None
    path.unlink()
    assert _until(lambda: watched.hits("蓝莓产业园") == 0, FOUND_WITHIN) is not None, watched.output()
    assert read_state(watched.index)["last_build"]["removed"] == ["ceshi-2019"]
    watched.stop()


def test_an_unreadable_file_is_refused_and_the_watching_goes_on(watched):
    (watched.corpus / "broken.txt").write_bytes(b"\x00\x01binary\x00" * 100)
    (watched.corpus / "ceshi-2020.txt").write_text(_report(2020, "猕猴桃基地"), encoding="utf-8")
    assert _until(lambda: watched.hits("猕猴桃基地") > 0, FOUND_WITHIN) is not None, watched.output()
    refused = read_state(watched.index)["last_build"]["refused"]
    assert [r["file"] for r in refused] == ["broken.txt"] and "binary" in refused[0]["reason"]
    assert "refused broken.txt" in watched.output()
    assert watched.proc.poll() is None


def test_a_half_copied_file_is_not_read_half(watched):
    """A copy that pauses mid-file (shorter than the settling time) is read once, whole."""
    whole = _report(2021, "樱桃小镇") + "三、附件\n" + "我们发展蓝海经济，建设海洋牧场示范区。\n" * 40
    path = watched.corpus / "ceshi-2021.txt"
    data = whole.encode("utf-8")
    with path.open("wb") as f:
        f.write(data[: len(data) // 2])
        f.flush()
        time.sleep(0.6)
        f.write(data[len(data) // 2 :])
    assert _until(lambda: watched.hits("樱桃小镇") > 0, FOUND_WITHIN) is not None, watched.output()
    assert _until(lambda: watched.hits("海洋牧场示范区") > 0, 2) is not None
    builds = [line for line in watched.output().splitlines() if "build after" in line]
    assert not [line for line in builds if " 1 updated" in line], builds  # never indexed half, then whole
    report = watched.client.get("/api/reports/ceshi-2021").get_json()
    assert report["paragraphs"][-1]["text"] == "我们发展蓝海经济，建设海洋牧场示范区。"


def test_a_burst_of_300_files_is_a_few_builds(watched):
    burst = watched.corpus / "burst"
    burst.mkdir()
    for n in range(300):
        (burst / f"ceshi{n:03d}-{1950 + n % 70}.txt").write_text(
            _report(1950 + n % 70, f"第{n}号试验田", place=f"试验{n:03d}县"), encoding="utf-8"
        )
    before = read_state(watched.index)["builds"]
    indexed = _until(lambda: watched.client.get("/api/status").get_json()["reports"] >= 300, 120)
    assert indexed is not None, watched.output()
    assert _until(lambda: read_state(watched.index)["builds"] - before <= 3, 1) is not None, watched.output()
    assert watched.hits("第299号试验田") > 0


def test_a_failed_build_leaves_the_old_index_serving_and_is_tried_again(watched):
    """While another build holds the lock the watcher's build fails: the site keeps
    answering from the index it had, and the build is tried again once the lock is free."""
    served = watched.hits("河涌")
    assert served > 0
    with build_lock(watched.index, 0):
        (watched.corpus / "ceshi-2022.txt").write_text(_report(2022, "石榴园区"), encoding="utf-8")
        assert _until(lambda: (read_state(watched.index) or {}).get("last_error") is not None, 15), (
            watched.output()
        )
        assert "another build is running" in read_state(watched.index)["last_error"]["error"]
        assert watched.hits("河涌") == served and watched.hits("石榴园区") == 0
    # tried again once its wait is over: 5 s after a failure, doubling with each in a row
    assert _until(lambda: watched.hits("石榴园区") > 0, 60) is not None, watched.output()
    assert read_state(watched.index)["last_error"] is None
    assert "build failed" in watched.output() and "trying again in 5 s" in watched.output()


def test_failed_builds_are_tried_again_later_and_later(tmp_path, monkeypatch):
    """A build that keeps failing (a full disk) is tried again after 5 s, then 10, 20, …,
    at most every 5 minutes; one that succeeds starts the count over."""
    import errno

    import indexer.watch as watching

    outcomes: list[Exception | None] = [OSError(errno.ENOSPC, "No space left on device")] * 8 + [None]

    def build(*args, **kwargs):
        failure = outcomes.pop(0)
        if failure is not None:
            raise failure
        return watching.BuildSummary()

    monkeypatch.setattr(watching, "build", build)
    lines: list[str] = []
    watcher = watching.Watcher(tmp_path / "corpus", tmp_path / "index", log=lines.append)
    waits = []
    for _ in range(8):
        before = time.monotonic()
        assert not watcher.build_now(1)
        waits.append(read_state(tmp_path / "index")["last_error"]["retry_in"])
        assert watcher.retry_at >= before + waits[-1]  # no build before then
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300]
    assert "No space left on device" in read_state(tmp_path / "index")["last_error"]["error"]
    assert watcher.build_now(1) and watcher.retry_at == 0 and watcher.failures == 0
    assert read_state(tmp_path / "index")["last_error"] is None
    assert sum("trying again in" in line for line in lines) == 8


def test_the_watcher_of_make_serve_stops_with_the_server(tmp_path):
    """``make serve`` runs the watcher with --exit-with-parent beside gunicorn: when the
    server goes (killed outright, even), the watcher goes too."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SMALL_CORPUS, corpus)
    server = subprocess.Popen(
        [
            "sh",
            "-c",
            f"{sys.executable} -m indexer watch --exit-with-parent --corpus {corpus} --index {index} & exec sleep 300",
        ],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    assert _until(lambda: (read_state(index) or {}).get("builds") == 1, 180)
    watcher = read_state(index)["pid"]
    server.kill()
    server.wait()
    assert _until(lambda: not _alive(watcher), 10) is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")  # a zombie has exited


def test_status_without_a_watcher_says_so(client):
    assert client.get("/api/status").get_json()["watch"] is None
    assert json.loads(json.dumps(client.get("/api/status").get_json()))["corrections"] == []
