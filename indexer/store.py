"""Where index generations live on disk, how one is switched in, and the build lock.

``SEARCH_INDEX_DIR`` holds one folder per index generation (``gen-<time>-<pid>``) and a
symbolic link ``current`` to the one being served. Incremental builds commit into the
current generation (Whoosh commits are atomic: readers see the state before or after);
a full rebuild writes a new generation aside and replaces the link in one ``rename``.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import EmptyIndexError, Index
from whoosh.searching import Searcher

from .schema import META_UID, SCHEMA_VERSION, make_schema

CURRENT = "current"
LOCK_FILE = "build.lock"


class BuildLocked(RuntimeError):
    """Another build holds the lock."""


class IndexMissing(RuntimeError):
    """There is no built index yet."""


class IndexDamaged(RuntimeError):
    """A file of the served index is not as its build left it (cut, grown, overwritten)."""


MANIFEST = "MANIFEST.json"
"""In each generation: every file the last build left there, with its size and SHA-256."""


def _files(path: Path) -> list[Path]:
    return sorted(
        f
        for f in path.iterdir()
        if f.is_file() and f.name != MANIFEST and not f.name.upper().endswith("LOCK")
    )


def write_manifest(path: Path) -> None:
    """Record every file of the generation ``path`` with its size and checksum (after a
    commit: Whoosh never changes a file it wrote, it writes new ones)."""
    entries = {}
    for f in _files(path):
        digest = hashlib.sha256()
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        entries[f.name] = [f.stat().st_size, digest.hexdigest()]
    tmp = path / f".{MANIFEST}.{os.getpid()}"
    tmp.write_text(json.dumps(entries, indent=0), encoding="utf-8")
    os.replace(tmp, path / MANIFEST)


def read_manifest(path: Path) -> dict[str, list]:
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # an index built before manifests: nothing to compare with


def damage(path: Path, manifest: dict[str, list], checksums: bool = False) -> list[str]:
    """How the files of ``path`` differ from ``manifest``: sizes (a stat each: cheap enough
    for every search), and with ``checksums`` their content (read in full: for builds). A
    listed file that is gone is passed over: a build that just merged segments deletes
    files before it writes the next manifest, and Whoosh reports a file it needs."""
    problems = []
    for name, (size, digest) in manifest.items():
        try:
            actual = (path / name).stat().st_size
        except FileNotFoundError:
            continue
        if actual != size:
            problems.append(f"{name} has {actual:,} bytes, not {size:,}")
        elif checksums and hashlib.sha256((path / name).read_bytes()).hexdigest() != digest:
            problems.append(f"{name} was overwritten")
    return problems


def current_path(index_dir: Path) -> Path | None:
    """The generation folder being served, or None before the first build."""
    link = index_dir / CURRENT
    for _ in range(3):
        try:
            target = os.readlink(link)
        except OSError:
            return None
        path = (index_dir / target).resolve()
        if path.is_dir():
            return path
        # a rebuild may have switched the link and removed this generation since it was
        # read (a search then saw "no index" during a rebuild): read the link again
    return None


def open_current(index_dir: Path) -> Index:
    """Open the generation being served. Raises :class:`IndexMissing` if there is none,
    :class:`IndexDamaged` if it cannot be opened."""
    path = current_path(index_dir)
    if path is None:
        raise IndexMissing(f"no index in {index_dir}: run `python -m indexer build`")
    try:
        return whoosh_index.open_dir(str(path))
    except EmptyIndexError as exc:
        problem = f"the index in {path} is empty or damaged: {exc}"
    except Exception as exc:  # e.g. a schema pickled by another version of the analyzers
        problem = (
            f"the index in {path} cannot be opened ({type(exc).__name__}: {exc}); "
            "rebuild it with `python -m indexer build --rebuild`"
        )
    # Raised here, not inside the except: the failed open's frames (and the file Whoosh
    # left open in them) are freed instead of living on in the exception's context.
    raise IndexDamaged(problem)


def new_generation(index_dir: Path) -> tuple[Path, Index]:
    """Create an empty index in a new generation folder (not yet served)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir()
    return path, whoosh_index.create_in(str(path), make_schema())


def switch_to(index_dir: Path, path: Path) -> None:
    """Serve ``path`` from now on (atomic), then remove every other generation."""
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(path.name, tmp)
    os.replace(tmp, index_dir / CURRENT)
    remove_stale_generations(index_dir)


def remove_stale_generations(index_dir: Path) -> None:
    """Delete generation folders other than the current one (left by rebuilds or crashes)."""
    keep = current_path(index_dir)
    for child in index_dir.glob("gen-*"):
        if child.is_dir() and child.resolve() != keep:
            shutil.rmtree(child, ignore_errors=True)


def read_meta(searcher: Searcher) -> dict:
    """The record of the last build stored in the index (empty for an unbuilt one)."""
    doc = searcher.document(uid=META_UID)
    return json.loads(doc["data"]) if doc else {}


def schema_is_current(ix: Index, meta: dict) -> bool:
    """Whether the index (with build record ``meta``) was written by this version of the
    schema and analyzers."""
    return meta.get("schema_version") == SCHEMA_VERSION and set(ix.schema.names()) == set(
        make_schema().names()
    )


@contextmanager
def build_lock(index_dir: Path, wait: float) -> Iterator[None]:
    """Hold the build lock; wait up to ``wait`` seconds for another build to finish.

    The lock is an ``flock`` on a file: the kernel releases it when its holder dies, so
    a build killed with SIGKILL never blocks the next one.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                    raise BuildLocked(f"another build is running (pid {holder}); waited {wait:g} s") from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock
