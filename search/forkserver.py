"""Exports in processes of their own, so a download of the whole library never holds the
threads that serve searches.

Each app starts (on its first export) a fork server: a fresh interpreter (forking a
threaded gunicorn worker is unsafe) that loads the app and jieba once, listens on a Unix
socket, and forks one child per export. The child lowers its priority to the least
(``nice 19``: searches come first on a busy machine), answers the export in a request
context of its own app (the same view code, links and errors as in the worker), and sends
it in frames; the worker's view streams them to the client, its thread waiting on a socket
(no CPU, no GIL). The server exits when its worker does (its stdin, a pipe from the
worker, ends).

A frame is a kind byte, a 4-byte length and the payload: ``H`` the header (JSON: the
status, and the row count or the error answer), ``D`` a chunk of the body, ``E`` the end
of a complete body, ``X`` a body cut short (the reason, in Chinese). A stream that ends
without ``E`` or ``X`` was cut too (the child died): the view says so in the file.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Generator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

_FRAME = struct.Struct("!cI")
SEND_AHEAD = 1 << 16  # bytes an export runs ahead of its reader: one that stops reading stops it
READY = b"ready\n"


def send(conn: socket.socket, kind: bytes, payload: bytes = b"") -> None:
    conn.sendall(_FRAME.pack(kind, len(payload)) + payload)


def receive(stream: IO[bytes]) -> tuple[bytes, bytes] | None:
    """The next frame of ``stream``, or None when it ends (cut mid-frame too)."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    kind, size = _FRAME.unpack(head)
    payload = stream.read(size)
    return (kind, payload) if len(payload) == size else None


class ForkServer:
    """The fork server of one app (one per process that exports): started on first use,
    started again if it died, stopped when the app goes."""

    def __init__(self, config: dict, timeout: float):
        self.config = config  # the app's settings the server's app is made with (JSON)
        self.timeout = timeout  # seconds a read from an export may wait
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {}
        self.close = weakref.finalize(self, _stop, self._state)

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (its children are the exports under way)."""
        if self._state.get("shared"):
            return self._state["pid"] if _alive(self._state["pid"]) else None
        proc: subprocess.Popen | None = self._state.get("proc")
        return proc.pid if proc is not None and proc.poll() is None else None

    def _socket(self) -> str:
        with self._lock:
            if self._state.get("shared") and _alive(self._state["pid"]):
                return self._state["socket"]
            proc: subprocess.Popen | None = self._state.get("proc")
            if proc is None or proc.poll() is not None or os.getpid() != self._state.get("owner"):
                self._start()
            return self._state["socket"]

    def fork_from(self, app: Flask) -> bool:
        """Start the server as a fork of this process when it runs one thread only
        (gunicorn's master with ``--preload``: the app and jieba loaded, its workers not yet
        forked), for every worker: the server and its exports share those pages with the
        workers instead of loading their own (an interpreter of its own is about 165 MB).
        Whether it did; else each process starts its own on its first export."""
        for other in threading.enumerate():  # the rate limits' memory starts a 10 ms timer (limits 5.8)
            if isinstance(other, threading.Timer) and other is not threading.current_thread():
                other.join(timeout=1.0)
        if threading.active_count() != 1:
            return False
        folder = tempfile.mkdtemp(prefix="exports-")
        path = os.path.join(folder, "server.sock")
        stop_read, stop_write = os.pipe()  # ends when this process and its workers have all gone
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                os.close(stop_write)
                os.close(ready_read)
                serve(path, answerer(app), os.fdopen(ready_write, "wb"), stop_read)
                status = 0
            finally:
                os._exit(status)
        os.close(stop_read)
        os.close(ready_write)
        with os.fdopen(ready_read, "rb") as ready:
            if ready.readline() != READY:
                raise RuntimeError("the export server did not start")
        self._state.update(
            shared=True, pid=pid, socket=path, folder=folder, owner=os.getpid(), stop=stop_write
        )
        return True

    def _start(self) -> None:
        _stop(self._state)
        folder = tempfile.mkdtemp(prefix="exports-")
        path = os.path.join(folder, "server.sock")
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}  # nothing to fork but us
        proc = subprocess.Popen(
            [sys.executable, "-m", "search.forkserver", path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=str(Path(__file__).resolve().parent.parent),
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(self.config).encode() + b"\n")
        proc.stdin.flush()
        ready = proc.stdout.readline()  # the app loaded: or the end, if it failed
        if ready != READY:
            proc.kill()
            proc.wait()
            raise RuntimeError("the export server did not start")
        self._state.update(proc=proc, socket=path, folder=folder, owner=os.getpid())

    def open(self, request: dict) -> socket.socket:
        """A connection to a new export process answering ``request`` (path, query string,
        base URL); its frames are read with :func:`receive`."""
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(self.timeout)
        try:
            conn.connect(self._socket())
            conn.sendall(json.dumps(request).encode() + b"\n")
        except BaseException:
            conn.close()
            raise
        return conn


class Exports:
    """An app's exports: its fork server, and the exports a process runs at once."""

    def __init__(self, server: ForkServer, concurrency: int):
        self.server = server
        self.concurrency = concurrency
        self.slots = threading.BoundedSemaphore(concurrency)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(state: dict) -> None:
    """Stop the server ``state`` describes (if this process started it) and forget it."""
    mine = state.get("owner") == os.getpid()
    stop = state.pop("stop", None)
    if stop is not None and mine:
        os.close(stop)  # a shared server ends once the workers have gone too
    state.pop("shared", None)
    proc: subprocess.Popen | None = state.pop("proc", None)
    if proc is not None and mine:
        if proc.stdin is not None:
            proc.stdin.close()  # the server's signal to exit
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    folder = state.pop("folder", None)
    if folder is not None and mine:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


# --- the server and its children ------------------------------------------------------------

Answer = Callable[[dict, socket.socket], None]


def serve(path: str, answer: Answer, ready: IO[bytes], stop: int) -> None:
    """Listen on ``path`` and fork a child per connection that runs ``answer`` at the lowest
    priority, until the pipe ``stop`` ends (every process holding it has gone)."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    ready.write(READY)
    ready.flush()
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(stop, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is not listener:
                if not os.read(stop, 4096):  # the processes it serves are gone
                    return
                continue
            conn, _ = listener.accept()
            if os.fork() == 0:
                status = 1
                try:
                    listener.close()
                    os.nice(19)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    conn.settimeout(None)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_AHEAD)
                    request = json.loads(conn.makefile("rb").readline())
                    answer(request, conn)
                    status = 0
                finally:
                    os._exit(status)
            conn.close()


def answerer(app: Flask) -> Answer:
    """What an export process runs: the export, in a request context of ``app``."""
    from . import views

    def answer(request: dict, conn: socket.socket) -> None:
        with app.test_request_context(
            request["path"], base_url=request["base_url"], query_string=request["query"]
        ):
            views.export_frames(lambda kind, payload: send(conn, kind, payload), time.perf_counter())

    return answer


def main() -> None:
    """A server of its own (``python -m search.forkserver SOCKET``, the app's settings as a
    line of JSON on stdin): until stdin ends."""
    config = json.loads(sys.stdin.buffer.readline())
    from indexer.analysis import segmenter

    from . import create_app

    app = create_app(config)
    segmenter()  # jieba's dictionary, loaded once before the children fork
    serve(sys.argv[1], answerer(app), sys.stdout.buffer, sys.stdin.fileno())


def frames(conn: socket.socket, timeout: float) -> Generator[tuple[bytes, bytes], None, None]:
    """The frames an export process sends, until they end; a wait longer than ``timeout``
    ends them with an ``X`` frame that says so."""
    stream = conn.makefile("rb")
    try:
        while True:
            try:
                frame = receive(stream)
            except TimeoutError:
                yield b"X", f"导出进程 {timeout:g} 秒没有送出数据，已停止".encode()
                return
            if frame is None:
                return
            yield frame
    finally:
        stream.close()
        conn.close()


if __name__ == "__main__":
    main()
