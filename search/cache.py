"""Answers kept per index generation: the same request, asked again before the next build,
is answered from memory without running the search or rendering the page.

A popular query (the examples on the home page, a search linked from a news story, a
newsroom's chart polling the API) otherwise costs as much the thousandth time as the
first. The cache sits in front of the Flask app (a WSGI middleware), so a hit costs a
look-up; it keeps complete answers (status 200, a body of known length: not the streamed
export), keyed by the request's path, arguments, host and mount point, and each is valid for the
generation it was computed on only: every build writes a new one (indexer.store), so a new
build is never answered from the old. A conditional request whose tag matches a kept
answer's ``ETag`` gets a 304, as the app itself would answer it.

The server's worker processes share what they keep: each answer is also written to a file
of the index folder (``answers/<server>/<generation>/``, up to the same size per process),
so a request one worker answered is a look-up for the others too (a client's connection
stays with one worker: without this, the same search from the next client costs a search
again half the time). The workers share a folder when they are forked from the app the
server loaded (gunicorn's ``--preload``, as ``make serve`` runs it); a server started
removes what an earlier one left, and a worker that sees a new generation the folders of
older ones. A server that may not write there keeps its answers in memory only.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.http import parse_etags

from indexer.store import CURRENT

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]

ANSWERS = "answers"  # the index folder's folder of answers shared by the workers
MAX_ANSWER = 2 << 20  # bytes: a larger answer (a long report's page) is not kept
_ENTITY = {"content-length", "content-type"}  # what a 304 leaves out
# what names an answer: where the site is mounted, the path and arguments, the host and scheme
# its absolute links are made with
_KEY = ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "HTTP_HOST", "wsgi.url_scheme")


class ResponseCache:
    """A WSGI middleware keeping answers per generation, least recently used first out
    once they hold ``max_bytes``."""

    def __init__(self, app: WSGIApp, index_dir: Path, max_bytes: int):
        self.app = app
        self.link = index_dir / CURRENT
        # this server's folder: its workers (forked from it, gunicorn --preload) share it;
        # another server, or the same one started again, starts afresh
        shutil.rmtree(index_dir / ANSWERS, ignore_errors=True)
        self.shared = index_dir / ANSWERS / secrets.token_hex(8)
        self.max_bytes = max_bytes
        self.size = 0
        self.written: dict[str, int] = {}  # bytes this process wrote to the shared folder, per generation
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple, tuple[str, str, list[tuple[str, str]], bytes]] = OrderedDict()

    def _generation(self) -> str | None:
        try:
            return os.readlink(self.link)
        except OSError:
            return None

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or not self.max_bytes:
            return self.app(environ, start_response)
        generation = self._generation()
        if generation is None:
            return self.app(environ, start_response)
        key = tuple(environ.get(name, "") for name in _KEY)
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None and kept[0] == generation:
                self._answers.move_to_end(key)
            else:
                kept = None
        if kept is None:
            kept = self._read_shared(key, generation)
        if kept is not None:
            return self._answer(kept[1:], environ, start_response)
        return self._keep(key, generation, environ, start_response)

    def _file(self, key: tuple, generation: str) -> Path:
        name = hashlib.sha256(json.dumps(key).encode("utf-8")).hexdigest()[:32]
        return self.shared / generation / name

    def _read_shared(
        self, key: tuple, generation: str
    ) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
        """An answer another worker kept, kept here too; None if there is none."""
        try:
            data = self._file(key, generation).read_bytes()
        except OSError:
            return None
        head, _, body = data.partition(b"\n")
        stored_key, status, headers = json.loads(head)
        if tuple(stored_key) != key:  # another request's name (a hash collision)
            return None
        answer = (generation, status, [tuple(h) for h in headers], body)
        self._store(key, answer)
        return answer

    def _write_shared(self, key: tuple, answer: tuple[str, str, list[tuple[str, str]], bytes]) -> None:
        """Write an answer for the other workers (best effort: a full disk or a read-only
        folder leaves it in this process's memory only)."""
        generation, status, headers, body = answer
        if generation not in self.written:
            self.written[generation] = 0
            self._remove_older(generation)
        if self.written[generation] + len(body) > self.max_bytes:
            return
        path = self._file(key, generation)
        head = json.dumps([list(key), status, headers], ensure_ascii=False).encode("utf-8")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
            tmp.write_bytes(head + b"\n" + body)
            os.replace(tmp, path)
        except OSError:
            return
        self.written[generation] += len(body)

    def _remove_older(self, generation: str) -> None:
        """Remove the shared answers of every generation but ``generation`` (none is served
        again: a build always writes a new one)."""
        try:
            older = [p for p in self.shared.iterdir() if p.name != generation]
        except OSError:
            return
        for path in older:
            shutil.rmtree(path, ignore_errors=True)

    def _answer(
        self, kept: tuple[str, list[tuple[str, str]], bytes], environ: dict, start_response: StartResponse
    ) -> Iterable[bytes]:
        status, headers, body = kept
        tag = next((v for k, v in headers if k.lower() == "etag"), None)
        asked = environ.get("HTTP_IF_NONE_MATCH")
        if tag and asked and parse_etags(asked).contains_weak(tag.removeprefix("W/").strip('"')):
            start_response("304 NOT MODIFIED", [(k, v) for k, v in headers if k.lower() not in _ENTITY])
            return [b""]
        start_response(status, headers)
        return [body]

    def _keep(
        self, key: tuple, generation: str, environ: dict, start_response: StartResponse
    ) -> Iterable[bytes]:
        seen: list = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, capture)
        status, headers = seen or ("", [])
        length = next((v for k, v in headers if k.lower() == "content-length"), None)
        if not status.startswith("200") or length is None or int(length) > MAX_ANSWER:
            return result  # an error, a streamed answer (the export) or a large one: as it is
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        answer = (generation, status, list(headers), body)
        self._store(key, answer)
        self._write_shared(key, answer)
        return [body]

    def _store(self, key: tuple, answer: tuple[str, str, list[tuple[str, str]], bytes]) -> None:
        size = len(answer[3]) + 512
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self.size -= len(old[3]) + 512
            self._answers[key] = answer
            self.size += size
            while self.size > self.max_bytes and self._answers:
                _, gone = self._answers.popitem(last=False)
                self.size -= len(gone[3]) + 512

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.size = 0
