"""Named numpy arrays in one file, read back as views of one memory map.

What the build computes beside Whoosh (a shard's texts, columns and postings, a
generation's vocabulary) is written here once and read by every server process through the
page cache: a worker maps the file instead of reading it into its own memory, so many
workers share one copy, and a restarted server finds it still cached.
"""

from __future__ import annotations

import bisect
import json
import mmap
import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

ALIGN = 64  # every array starts at a multiple of this: aligned views for any dtype
_HEADER = struct.Struct("<8sQ")  # magic, length of the JSON table that follows
MAGIC = b"GRSPACK1"


def write_pack(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` (contiguous, any fixed-size dtype) into ``path``, atomically."""
    table: dict[str, list] = {}
    offset = 0
    for name, array in arrays.items():
        table[name] = [array.dtype.str, list(array.shape), offset]
        offset += -(-array.nbytes // ALIGN) * ALIGN
    head = json.dumps(table, ensure_ascii=False).encode("utf-8")
    start = -(-(_HEADER.size + len(head)) // ALIGN) * ALIGN
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with tmp.open("wb") as fh:
        fh.write(_HEADER.pack(MAGIC, len(head)) + head)
        fh.write(b"\0" * (start - fh.tell()))
        for array in arrays.values():
            data = np.ascontiguousarray(array).tobytes()
            fh.write(data)
            fh.write(b"\0" * (-len(data) % ALIGN))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class PackError(ValueError):
    """A pack file that is not one (cut, overwritten, or of another version)."""


Finder = Callable[[bytes, int, int], int]
"""``find(sub, start, end)``: where ``sub`` first is in bytes ``start:end`` of an array, or -1."""


class Pack(dict[str, np.ndarray]):
    """A pack's arrays by name, each a read-only view of the file's one memory map."""

    def __init__(self, mapped: mmap.mmap, arrays: dict[str, np.ndarray], at: dict[str, int]):
        super().__init__(arrays)
        self._mapped = mapped
        self._at = at

    def finder(self, name: str) -> Finder:
        """A search in the bytes of the array ``name`` that copies nothing (the map's own
        ``find``): a string is looked for in many of a shard's texts at C speed."""
        mapped, base = self._mapped, self._at[name]

        def find(sub: bytes, start: int, end: int) -> int:
            at = mapped.find(sub, base + start, base + end)
            return at - base if at >= 0 else -1

        return find


def read_pack(path: Path) -> Pack:
    """The arrays of ``path``, as read-only views of one memory map (nothing is copied)."""
    size = path.stat().st_size
    if size < _HEADER.size:
        raise PackError(f"{path.name} is cut short")
    with path.open("rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    magic, length = _HEADER.unpack(mapped[: _HEADER.size])
    if magic != MAGIC or _HEADER.size + length > size:
        raise PackError(f"{path.name} is not a pack file of this version")
    try:
        table = json.loads(mapped[_HEADER.size : _HEADER.size + length])
    except ValueError as exc:
        raise PackError(f"{path.name} has a damaged table: {exc}") from None
    start = -(-(_HEADER.size + length) // ALIGN) * ALIGN
    out = {}
    at = {}
    for name, (dtype, shape, offset) in table.items():
        dt = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        at[name] = begin = start + offset
        if begin + count * dt.itemsize > size:
            raise PackError(f"{path.name} is cut short ({name})")
        out[name] = np.frombuffer(mapped, dtype=dt, count=count, offset=begin).reshape(shape)
    return Pack(mapped, out, at)


def strings(values: list[str], encoding: str = "utf-8") -> tuple[np.ndarray, np.ndarray]:
    """``values`` as one blob and the offsets of each (``len(values) + 1`` of them; 4 bytes
    each where the blob is under 4 GB)."""
    encoded = [v.encode(encoding) for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    if encoded:
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
    if offsets[-1] < 2**32:
        offsets = offsets.astype(np.uint32)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


class Strings:
    """A sequence of strings kept as a blob and offsets (see :func:`strings`): item ``i`` is
    decoded when asked for."""

    def __init__(
        self, blob: np.ndarray, offsets: np.ndarray, encoding: str = "utf-8", find: Finder | None = None
    ):
        self.blob = blob
        self.offsets = offsets
        self.encoding = encoding
        self._unit = 2 if encoding == "utf-16-le" else 1
        self._find = find  # in the blob's bytes (:meth:`Pack.finder`), else in a copy

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        return bytes(self.blob[int(self.offsets[i]) : int(self.offsets[i + 1])]).decode(self.encoding)

    def holding(self, items: np.ndarray, forms: tuple[str, ...], within: int | None = None) -> list[bool]:
        """Which of ``items`` hold one of ``forms``, starting in their first ``within`` units
        of the encoding if given (characters, but for the rare one outside the Basic
        Multilingual Plane in UTF-16). Their bytes are searched where they lie: a string
        checked in a hundred thousand texts decodes none of them."""
        find = self._find or bytes(self.blob).find
        unit = self._unit
        needles = [f.encode(self.encoding) for f in forms]
        starts = self.offsets[items].tolist()
        ends = self.offsets[items + 1].tolist()
        out = []
        for a, b in zip(starts, ends, strict=True):
            held = False
            for needle in needles:
                end = b if within is None else min(b, a + (within - 1) * unit + len(needle))
                at = find(needle, a, end)
                while at >= 0 and (at - a) % unit:  # a match across two characters' units
                    at = find(needle, at + 1, end)
                if at >= 0:
                    held = True
                    break
            out.append(held)
        return out

    def spelling(self, items: np.ndarray, starts: np.ndarray, form: str) -> np.ndarray:
        """Whether each of ``items`` spells ``form`` from its unit ``starts[i]`` of the
        encoding on (its character, but past a character outside the Basic Multilingual
        Plane in UTF-16): the bytes there compared for all at once, none decoded."""
        needle = np.frombuffer(form.encode(self.encoding), np.uint8)
        begin = self.offsets[items].astype(np.int64) + starts.astype(np.int64) * self._unit
        at = np.flatnonzero(begin + len(needle) <= self.offsets[items + 1])
        out = np.zeros(len(items), bool)
        if len(at) and len(needle):
            out[at] = (self.blob[begin[at, None] + np.arange(len(needle))] == needle).all(axis=1)
        return out

    def tolist(self) -> list[str]:
        data = bytes(self.blob)
        offsets = self.offsets.tolist()
        return [data[a:b].decode(self.encoding) for a, b in zip(offsets, offsets[1:], strict=False)]

    def find(self, item: str) -> int | None:
        """Where ``item`` is among these strings, sorted: its index, or None."""
        at = bisect.bisect_left(self, item)
        return at if at < len(self) and self[at] == item else None
