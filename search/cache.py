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
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.http import parse_etags

from indexer.store import CURRENT

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]

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
        self.max_bytes = max_bytes
        self.size = 0
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
        if kept is not None:
            return self._answer(kept[1:], environ, start_response)
        return self._keep(key, generation, environ, start_response)

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
        self._store(key, (generation, status, list(headers), body))
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
