"""Where index generations live on disk, how one is switched in, and the build lock.

``SEARCH_INDEX_DIR`` holds one folder per index generation (``gen-<time>-<pid>``, see
indexer.generation) and a symbolic link ``current`` to the one being served. Every build
writes a new generation aside (an incremental one shares the unchanged files of the
served one as hard links) and replaces the link in one ``rename``: a server sees the
state before or after, never a generation half written.
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

from .generation import Generation
from .schema import SCHEMA_VERSION

CURRENT = "current"
LOCK_FILE = "build.lock"


class BuildLocked(RuntimeError):
    """Another build holds the lock."""


class IndexMissing(RuntimeError):
    """There is no built index yet."""


class IndexDamaged(RuntimeError):
    """A file of the served index is not as its build left it (cut, grown, overwritten)."""


MANIFEST = "MANIFEST.json"
"""In each generation: every file the build left there (paths relative to it), with its
size, SHA-256, and the inode and modification time it had when it was hashed."""


def _files(path: Path) -> list[Path]:
    return sorted(
        f
        for f in path.rglob("*")
        if f.is_file() and f.name != MANIFEST and not f.name.upper().endswith("LOCK")
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(path: Path, previous: dict[str, list] | None = None) -> None:
    """Record every file of the generation ``path`` with its size and checksum. A file
    that is the same as one of ``previous`` (a manifest of another generation, whose files
    this one shares as hard links: same size, inode and time) keeps its checksum unread:
    a build reads what it wrote, not the whole index."""
    known = {(e[0], *e[2:]): e[1] for e in (previous or {}).values() if len(e) == 4}
    entries = {}
    for f in _files(path):
        st = f.stat()
        ident = (st.st_size, st.st_ino, st.st_mtime_ns)
        digest = known.get(ident) or _sha256(f)
        entries[f.relative_to(path).as_posix()] = [st.st_size, digest, st.st_ino, st.st_mtime_ns]
    tmp = path / f".{MANIFEST}.{os.getpid()}"
    tmp.write_text(json.dumps(entries, indent=0), encoding="utf-8")
    os.replace(tmp, path / MANIFEST)


def read_manifest(path: Path) -> dict[str, list]:
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a generation cut short before its manifest: compared with nothing


def damage(path: Path, manifest: dict[str, list], checksums: bool = False) -> list[str]:
    """How the files of ``path`` differ from ``manifest``: sizes (a stat each: cheap enough
    for every search), and with ``checksums`` their content, read where a file's inode or
    modification time is not what was hashed (for builds). A listed file that is gone is
    damage too: no build changes a generation once it is served."""
    problems = []
    for name, (size, digest, *ident) in manifest.items():
        try:
            st = (path / name).stat()
        except FileNotFoundError:
            problems.append(f"{name} is missing")
            continue
        if st.st_size != size:
            problems.append(f"{name} has {st.st_size:,} bytes, not {size:,}")
        elif checksums and ident != [st.st_ino, st.st_mtime_ns] and _sha256(path / name) != digest:
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


def open_current(index_dir: Path) -> Generation:
    """Open the generation being served. Raises :class:`IndexMissing` if there is none,
    :class:`IndexDamaged` if it cannot be opened."""
    path = current_path(index_dir)
    if path is None:
        raise IndexMissing(f"no index in {index_dir}: run `python -m indexer build`")
    try:
        return Generation(path)
    except FileNotFoundError:
        if not path.is_dir():
            raise  # removed by a build since the link was read: the caller opens the new one
        problem = f"the index in {path} is missing a file; rebuild it with `python -m indexer build`"
    except Exception as exc:  # cut, overwritten, written by another version: Whoosh raises many kinds
        problem = (
            f"the index in {path} cannot be opened ({type(exc).__name__}: {exc}); "
            "rebuild it with `python -m indexer build --rebuild`"
        )
    # Raised here, not inside the except: the failed open's frames (and any file left open
    # in them) are freed instead of living on in the exception's context.
    raise IndexDamaged(problem)


def new_generation(index_dir: Path) -> Path:
    """Create the folder of a new generation (not yet served)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir()
    return path


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


def schema_is_current(gen: Generation) -> bool:
    """Whether the generation was written by this version of the schema and analyzers."""
    return gen.schema_version == SCHEMA_VERSION


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
