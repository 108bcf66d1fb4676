"""Exports: complete, or refused before the first byte (413 past the maximum, with the way
to ask in parts), or cut with a last line that says so; made by processes of their own,
a few at a time per server process."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from search import create_app, forkserver, views

from .conftest import ROOT

DEADLINE = 60.0  # seconds a condition may take to hold on a loaded machine


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"not within {DEADLINE:g} s: {what}"
        time.sleep(0.05)


def exporting(app) -> list[int]:
    """The export processes under way: the children of the app's fork server."""
    server = app.extensions["exports"].server.pid
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == server and fields[0] != "Z":
            children.append(int(stat.parent.name))
    return children


@pytest.fixture(scope="module")
def app(index_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False})


@pytest.fixture()
def client(app):
    return app.test_client()


EVERYTHING = {"q": "-某词"}  # every paragraph of the library


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_whole_export_is_complete_and_says_how_many_rows_it_holds(client, fmt):
    response = client.get("/api/export", query_string={**EVERYTHING, "format": fmt})
    assert response.status_code == 200
    rows = rows_of(response) if fmt == "csv" else response.get_json()
    assert len(rows) == int(response.headers["X-Export-Rows"]) > 300
    assert "文件不完整" not in response.get_data(as_text=True)
    total = client.get("/api/search", query_string=EVERYTHING).get_json()["total"]
    assert len(rows) == total


def test_a_query_sent_as_utf_8_bytes_exports_the_same_as_escaped(client):
    """curl sends ``?q=河涌`` as it is, a browser escapes it: the same export."""
    raw = client.get("/api/export?q=河涌&format=json")
    escaped = client.get("/api/export", query_string={"q": "河涌", "format": "json"})
    assert raw.status_code == escaped.status_code == 200
    assert raw.get_json() == escaped.get_json() and len(raw.get_json()) > 0


def test_an_export_past_the_maximum_is_refused_before_the_first_byte_and_says_how_to_ask_in_parts(
    client, index_dir
):
    """Refused with a 413 and a message naming year and region; asked year by year, every
    part is within the maximum and together they are the whole export."""
    whole = rows_of(client.get("/api/export", query_string=EVERYTHING))
    years = client.get("/api/search", query_string=EVERYTHING).get_json()["facets"]["years"]
    maximum = max(years.values())
    assert len(whole) > maximum
    small = create_app(
        {"TESTING": True, "INDEX_DIR": str(index_dir), "EXPORT_MAX_ROWS": maximum}
    ).test_client()
    refused = small.get("/api/export", query_string=EVERYTHING)
    assert refused.status_code == 413 and refused.mimetype == "application/json"
    error = refused.get_json()["error"]
    assert f"{len(whole):,}" in error and f"{maximum:,}" in error and "year" in error and "region" in error
    parts = []
    for year in years:
        part = small.get("/api/export", query_string={**EVERYTHING, "year": year})
        assert part.status_code == 200, year
        parts += rows_of(part)
    assert sorted(r["anchor"] + r["report_id"] for r in parts) == sorted(
        r["anchor"] + r["report_id"] for r in whole if r["year"]
    )


def test_an_export_whose_search_runs_out_of_time_is_a_503_before_the_first_byte(index_dir):
    client = create_app(
        {"TESTING": True, "INDEX_DIR": str(index_dir), "EXPORT_TIME_LIMIT": 1e-9}
    ).test_client()
    response = client.get("/api/export", query_string=EVERYTHING)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "导出的检索超过" in response.get_json()["error"] and "X-Export-Rows" not in response.headers


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_whose_process_dies_ends_with_a_line_that_says_the_file_is_cut(app, client, fmt):
    """The export process killed at some point of its work: the rows it sent (the export is
    larger than what a process sends ahead of its reader, so it cannot have finished), then
    the line."""
    response = client.get("/api/export", query_string={**EVERYTHING, "format": fmt}, buffered=False)
    assert response.status_code == 200
    # unread, the export (larger than what a process sends ahead) waits for its reader
    wait_for(lambda: len(exporting(app)) == 1, "one export process")
    for pid in exporting(app):
        os.kill(pid, signal.SIGKILL)
    body = response.get_data(as_text=True)
    response.close()
    assert body.endswith("# 文件不完整：导出进程意外中止" + ("\r\n" if fmt == "csv" else "\n"))
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        assert rows[-1] == ["# 文件不完整：导出进程意外中止"]
        assert len(rows) - 2 < int(response.headers["X-Export-Rows"])
    else:
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)


def test_a_few_exports_at_once_per_process_then_a_503_with_retry_after(app, client):
    open_ = [client.get("/api/export", query_string=EVERYTHING, buffered=False) for _ in range(4)]
    assert [r.status_code for r in open_] == [200] * 4
    busy = client.get("/api/export", query_string=EVERYTHING)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "10"
    assert "导出" in busy.get_json()["error"]
    assert client.get("/api/search", query_string={"q": "河涌"}).status_code == 200  # searches are not held
    open_.pop().close()  # a client gone: its place is free at once
    again = client.get("/api/export", query_string={"q": "河涌"})
    assert again.status_code == 200 and int(again.headers["X-Export-Rows"]) == len(rows_of(again))
    for response in open_:
        response.close()
    wait_for(lambda: not exporting(app), "the export processes whose readers went away stopped")


def test_a_silent_export_process_cuts_the_file_with_the_reason():
    """The worker reads with a timeout: an export process that sends nothing more ends the
    file with the line, not a wait without end."""
    ours, theirs = socket.socketpair()
    ours.settimeout(0.2)
    forkserver.send(theirs, b"H", json.dumps({"status": 200, "rows": 5}).encode())
    forkserver.send(theirs, b"D", "\ufeffreport_id\r\n".encode())
    finished = []
    response = views._exported(forkserver.frames(ours, 0.2), "csv", lambda: finished.append(True))
    body = b"".join(response.response).decode()  # type: ignore[arg-type]
    theirs.close()
    assert response.headers["X-Export-Rows"] == "5"
    assert body == "\ufeffreport_id\r\n# 文件不完整：导出进程 0.2 秒没有送出数据，已停止\r\n"
    assert finished == [True] and ours.fileno() == -1


def test_gunicorns_master_forks_one_export_server_for_its_workers_which_ends_with_them(index_dir):
    """wsgi.py, imported by gunicorn's master (one thread, before the workers fork), forks
    the export server from it: it answers, and it ends when the processes it serves end."""
    code = (
        "import os, sys\n"
        "from search import create_app\n"
        "app = create_app({'TESTING': True, 'INDEX_DIR': sys.argv[1]})\n"
        "server = app.extensions['exports'].server\n"
        "assert server.fork_from(app)\n"
        "r = app.test_client().get('/api/export', query_string={'q': '河涌', 'format': 'json'})\n"
        "assert r.status_code == 200 and len(r.get_json()) == int(r.headers['X-Export-Rows']) > 0\n"
        "stat = open(f'/proc/{server.pid}/stat').read()\n"
        "assert int(stat.rsplit(')', 1)[1].split()[1]) == os.getpid()  # a fork of this process\n"
        "print(server.pid)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(index_dir)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    server = int(done.stdout)

    def gone() -> bool:
        try:
            return Path(f"/proc/{server}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return True

    wait_for(gone, "the export server ended with the process it served")
