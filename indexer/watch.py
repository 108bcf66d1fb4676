"""``python -m indexer watch``: keep the index in line with the corpus folder as files arrive.

The folder is watched with watchfiles (inotify through Rust's notify, no polling of our own):
events are gathered until the folder has been quiet for ``STEP_MS`` (at most ``DEBOUNCE_MS``),
so a burst of files is one batch; each changed file must then keep its size and time for
``SETTLE`` seconds (a file being copied grows), and the batch is one incremental build
through :func:`indexer.build.build`. A file that cannot be read is refused by the build
and named; a build that fails (the lock held, a full disk) leaves the served index as it
was and is tried again after ``RETRY`` seconds, twice that after a second failure in a
row, and so on up to ``MAX_RETRY``: a disk that stays full is not written to in a loop.
What the watcher did is logged and kept in ``watch.json`` beside the
index generations (``/api/status`` shows it).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .build import BuildSummary, build, preload

STATE = "watch.json"
DEBOUNCE_MS = 2000  # the longest a batch gathers events before it is built
STEP_MS = 300  # the quiet that ends a batch: files copied together arrive closer than this
SETTLE = 1.0  # seconds a changed file keeps its size and time before it is read
RETRY = 5.0  # seconds before a failed build is tried again (with nothing new in the folder)
MAX_RETRY = 300.0  # ... doubling with each failure in a row, up to this
Log = Callable[[str], None]


def read_state(index_dir: Path) -> dict | None:
    """What the watcher of ``index_dir`` last recorded, or None when none has run."""
    try:
        return json.loads((index_dir / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_state(index_dir: Path, state: dict) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".{STATE}.{os.getpid()}"
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, index_dir / STATE)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:  # gone (removed or moved): nothing to wait for
        return None
    return st.st_size, st.st_mtime_ns


def wait_until_settled(paths: set[Path], settle: float, stop: threading.Event) -> None:
    """Return once every file of ``paths`` has kept its size and modification time for
    ``settle`` seconds: a file still being copied is not read half-written."""
    stamps = {p: _stamp(p) for p in paths}
    quiet_since = time.monotonic()
    while not stop.is_set() and time.monotonic() - quiet_since < settle:
        stop.wait(min(0.2, settle))
        now = {p: _stamp(p) for p in paths}
        if now != stamps:
            stamps, quiet_since = now, time.monotonic()


def _visible(corpus: Path) -> Callable[[object, str], bool]:
    """Watchfiles' filter: the files a build reads (hidden files, editors' and copiers'
    temporary files are not reports)."""
    from watchfiles import DefaultFilter

    default = DefaultFilter()

    def accept(change: object, path: str) -> bool:
        try:
            rel = Path(path).relative_to(corpus)
        except ValueError:
            return False
        return default(change, path) and not any(part.startswith(".") for part in rel.parts)  # type: ignore[arg-type]

    return accept


class Watcher:
    """Builds the index of ``corpus`` in ``index_dir`` after each batch of changes."""

    def __init__(
        self,
        corpus: Path,
        index_dir: Path,
        settle: float = SETTLE,
        wait: float = 10.0,
        log: Log = print,
        stop: threading.Event | None = None,
    ) -> None:
        # as given, as `python -m indexer build` names it: the build record keeps each file by
        # its path, so a build by another spelling of the folder would read every file again
        self.corpus = corpus
        self.index_dir = index_dir
        self.settle = settle
        self.wait = wait
        self.log = log
        self.stop = stop or threading.Event()
        self.state: dict = {
            "started_at": _now(),
            "pid": os.getpid(),
            "builds": 0,
            "last_build": None,
            "last_error": None,
        }
        self.failures = 0  # builds failed in a row
        self.retry_at = 0.0  # no build before this (time.monotonic), after a failure

    def run(self) -> None:
        """Catch up with what changed while no one watched, then build after each batch."""
        from watchfiles import watch

        self.log(f"watching {self.corpus}")
        preload()  # a dropped report then waits for its own build only
        pending = not self.build_now(0)
        changed: set[Path] = set()
        for changes in watch(
            self.corpus,
            watch_filter=_visible(self.corpus.resolve()),
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=self.stop,
            rust_timeout=int(RETRY * 1000),
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            changed |= {Path(p) for _, p in changes}
            if (not changed and not pending) or time.monotonic() < self.retry_at:
                continue  # nothing to do, or backing off after a failed build
            wait_until_settled(changed, self.settle, self.stop)
            if self.stop.is_set():
                break
            pending = not self.build_now(len(changed))
            changed = set()
        self.log("stopped watching")

    def build_now(self, files: int) -> bool:
        """One incremental build; whether it succeeded (a failure is logged and recorded,
        and the index served stays as it was)."""
        started = _now()
        try:
            summary = build(self.corpus, self.index_dir, wait=self.wait, log=self.log)
        except Exception as exc:  # a build that fails must not end the watching
            self.failures += 1
            delay = min(RETRY * 2 ** (self.failures - 1), MAX_RETRY)
            self.retry_at = time.monotonic() + delay
            self.log(
                f"build failed ({type(exc).__name__}: {exc}); the index served is unchanged; "
                f"trying again in {delay:g} s"
            )
            error = {"at": started, "error": f"{type(exc).__name__}: {exc}", "retry_in": delay}
            self.state["last_error"] = error
            try:
                _write_state(self.index_dir, self.state)
            except OSError as unwritten:  # the disk is full: the log says it all the same
                self.log(f"watch.json not written ({unwritten})")
            return False
        self.failures, self.retry_at = 0, 0.0
        self.state["builds"] += 1
        self.state["last_build"] = _record(summary, started, files)
        self.state["last_error"] = None
        _write_state(self.index_dir, self.state)
        for item in summary.refused:
            self.log(f"refused {item['file']}: {item['reason']}")
        self.log(f"build after {files} changed files: {summary.line()}")
        return True


def _record(summary: BuildSummary, started: str, files: int) -> dict:
    """What ``/api/status`` says of an automatic build."""
    return {
        "at": started,
        "changed_files": files,
        "added": summary.added,
        "updated": summary.updated,
        "removed": summary.removed,
        "refused": summary.refused,
        "seconds": round(summary.seconds, 2),
    }


_PR_SET_PDEATHSIG = 1


def exit_with_parent() -> None:
    """Ask the kernel (Linux) for SIGTERM when the process that started this one dies: the
    watcher ``make serve`` starts beside gunicorn stops with it, however gunicorn stops."""
    import ctypes

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: stopped by the terminal's Ctrl-C instead
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT end the watching (after the build under way, if any)."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
