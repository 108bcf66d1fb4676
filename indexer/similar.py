"""Passages that travel: for every paragraph, the paragraphs of *other* reports that say the
same thing in largely the same words (a province's copy of the national report, a district's
of its city's, last year's paragraph with new numbers, the same paragraph in the other
script).

How a pair is found:

1. Each paragraph's *wording* (:func:`wording`): its folded text (Simplified, half-width,
   lower case: :func:`indexer.analysis.fold`), punctuation and white space left out, every
   run of digits one ``0``: a copy in the other script or with new numbers has the same
   wording.
2. The shard writer sketches every paragraph of at least ``MIN_CHARS`` characters of
   wording (:func:`band_keys`): datasketch's MinHash of its runs of ``HASHED`` characters,
   cut into the bands of locality-sensitive hashing (``BANDS`` × ``ROWS``, datasketch's
   choice for a Jaccard threshold of ``CANDIDATE``), each band a 64-bit key kept in the
   shard's data pack. Paragraphs that share a key are candidates. The keys are written
   once, with the shard, by the process that writes it: a build sketches only what it
   writes, and a new report's paragraphs are looked up among the stored keys of the rest.
3. Common wording is no passage worth showing: a key held by paragraphs of at least
   ``COMMON_PLACES`` places *and* ``COMMON_YEARS`` years is a formula every report has
   (我代表…人民政府向大会报告工作，请予审议, the thanks to 各位代表, the closing call, the
   list of the year's targets with its numbers masked), and a paragraph holding such a key
   is left out. A wording copied from the national report by the provinces of one year, or
   repeated by one place year after year, stays. This also bounds the pairs a key makes,
   so the work stays linear in the collection.
4. Each candidate pair is checked on the texts (:func:`shared`): the share of the shorter
   paragraph's wording that stands in a run of ``VERIFIED`` characters the other holds too.
   Pairs from two reports with ``shared`` ≥ ``SHARED`` are kept.

The build step (:func:`derive`) keeps the pairs in ``similar.pack``, by report id and
anchor: a build checks only the pairs with a report it writes, and keeps the others' pairs
as the served generation found them (those with a report removed or replaced are dropped).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from datasketch import MinHash, MinHashLSH

from .pack import Strings, read_pack, strings, write_pack

if TYPE_CHECKING:  # the shard writer imports this module, and the generation the shard
    from .generation import Derivation
    from .shard import Shard

SIMILAR = "similar.pack"

MIN_CHARS = 60  # characters of wording: shorter paragraphs are formulas (各位代表：, 请予审议 …)
HASHED = 5  # characters per MinHash shingle: four changed words leave most of them
PERMUTATIONS = 64
CANDIDATE = 0.3  # Jaccard similarity of shingles from which pairs are likely candidates
VERIFIED = 8  # characters: a run this long in common is rarely chance (cf. indexer.duplicates)
SHARED = 0.8  # share of the shorter paragraph's wording in common from which a pair is shown
COMMON_PLACES = 4  # a band key held by this many places and ...
COMMON_YEARS = 4  # ... this many years is common wording (a formula), not a copy
FILTER_BITS = 24  # a table of 16 MB: which low bits the keys near a fresh paragraph have

_NOT_TEXT = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")  # a number, decimals and all


def wording(stripped: str) -> str:
    """A paragraph's folded text (as a shard keeps it) as compared: without punctuation or
    white space, every run of digits one ``0``."""
    return _NOT_TEXT.sub("", _DIGITS.sub("0", stripped))


@cache
def bands() -> tuple[int, int]:
    """Bands and rows of the MinHash signature: datasketch's choice for ``CANDIDATE``."""
    lsh = MinHashLSH(threshold=CANDIDATE, num_perm=PERMUTATIONS)
    return lsh.b, lsh.r


@cache
def _minhash() -> MinHash:
    """An empty MinHash (its permutations made once): its scheme and permutations are those
    :func:`signature` computes with."""
    return MinHash(num_perm=PERMUTATIONS, seed=1, hashfunc=int)


def _shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the runs of ``HASHED`` characters of ``text`` (a polynomial hash,
    mixed), as many as there are runs (a run twice, its hash twice: a minimum does not
    care): computed as arrays, so MinHash only permutes them."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - HASHED + 1
    h = np.zeros(n, np.uint64)
    for j in range(HASHED):
        h = h * np.uint64(1_000_003) + codes[j : j + n]
    h ^= h >> np.uint64(29)
    h *= np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(32)
    return (h & np.uint64(0xFFFFFFFF)).astype(np.uint32)


_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's ``affine32`` scheme mixes a value."""
    s1, m1, s2, m2, s3 = _FMIX32
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


def signature(stripped: str) -> np.ndarray | None:
    """The MinHash signature (``PERMUTATIONS`` values) of a paragraph's folded text, or None
    for a paragraph too short to compare. The values datasketch's ``MinHash.update_batch``
    computes (its ``affine32`` scheme: mixed, permuted, the least per permutation), as
    arrays: a MinHash object per paragraph, copied and fed a list, cost a build more than
    the hashing (tests/test_similar.py holds the two equal)."""
    text = wording(stripped)
    if len(text) < MIN_CHARS:
        return None
    m = _minhash()
    if m.scheme != "affine32":  # another datasketch: its own way
        m = m.copy()
        m.update_batch(_shingle_hashes(text).tolist())
        return m.hashvalues
    a, b = m.permutations
    return np.minimum(m.hashvalues, (_fmix32(_shingle_hashes(text))[:, None] * a + b).min(axis=0))


def band_keys(stripped: str) -> np.ndarray | None:
    """The LSH band keys (``BANDS`` 64-bit values) of a paragraph's folded text, or None for
    a paragraph too short to compare (a shard computes its paragraphs' keys at once:
    :func:`signature`, :func:`keys_of`)."""
    sig = signature(stripped)
    return None if sig is None else keys_of(sig[None, :])[0]


def keys_of(signatures: np.ndarray) -> np.ndarray:
    """Band keys of MinHash signatures (one per row): each band's values hashed into one
    64-bit key, which holds the band's number too."""
    b, r = bands()
    sig = signatures.astype(np.uint64)
    out = np.zeros((len(sig), b), np.uint64)
    for i in range(b):
        key = np.full(len(sig), i, np.uint64)
        for j in range(r):
            key = key * np.uint64(0x100000001B3) + sig[:, i * r + j]
        out[:, i] = key
    return out


def shared(a: str, b: str) -> float:
    """The share of the shorter wording's characters that stand in a run of ``VERIFIED``
    characters the other wording holds too (both as :func:`wording` gives them)."""
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return 0.0
    if a == b:  # a copy (most pairs between reports are): each character is in a run both hold
        return 1.0 if len(a) >= VERIFIED else 0.0
    held = {b[i : i + VERIFIED] for i in range(len(b) - VERIFIED + 1)}
    covered = bytearray(len(a))
    for i in range(len(a) - VERIFIED + 1):
        if a[i : i + VERIFIED] in held:
            covered[i : i + VERIFIED] = b"\1" * VERIFIED
    return sum(covered) / len(a)


# --- the build step ---------------------------------------------------------------------------


@dataclass
class _Sketched:
    """Every live sketched paragraph of a generation, as arrays (one row each)."""

    keys: np.ndarray  # (n, bands) uint64
    report: np.ndarray  # index into ``reports``
    place: np.ndarray
    year: np.ndarray
    shard: np.ndarray  # index into ``shards``
    local: np.ndarray  # document number in its shard
    reports: list[str]
    shards: list[Shard]


def _sketched(path: Path) -> _Sketched:
    from .generation import GENERATION, SHARDS
    from .shard import Shard

    info = json.loads((path / GENERATION).read_text(encoding="utf-8"))
    report_at: dict[str, int] = {}
    places: dict[str, int] = {}
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("keys", "report", "place", "year", "shard", "local")
    }
    shards = []
    for n, entry in enumerate(info["shards"]):
        shard = Shard(path / SHARDS / entry["name"])
        shards.append(shard)
        data = shard.data
        docs = data["similar.docs"].astype(np.int64)
        dead = set(entry.get("removed", []))
        ids = [report_at.setdefault(r, len(report_at)) for r in shard.info["reports"]]
        alive = np.array([r not in dead for r in shard.info["reports"]], bool)
        rep = data["report"].astype(np.int64)[docs]
        keep = alive[rep] if len(alive) else np.zeros(len(docs), bool)
        docs, rep = docs[keep], rep[keep]
        place_ids = np.array([places.setdefault(p, len(places)) for p in shard.info["places"]], np.int64)
        parts["keys"].append(data["similar.keys"][keep])
        parts["report"].append(np.array(ids, np.int64)[rep] if len(ids) else rep)
        parts["place"].append(place_ids[data["place"].astype(np.int64)[docs]] if len(place_ids) else rep)
        parts["year"].append(data["year"].astype(np.int64)[docs])
        parts["shard"].append(np.full(len(docs), n, np.int64))
        parts["local"].append(docs)
    reports = sorted(report_at, key=report_at.__getitem__)
    b, _ = bands()
    arrays = {
        k: np.concatenate(v)
        if v
        else np.zeros((0, b) if k == "keys" else 0, np.uint64 if k == "keys" else np.int64)
        for k, v in parts.items()
    }
    return _Sketched(**arrays, reports=reports, shards=shards)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``values`` sorted, each once (numpy's own unique hashes: several times slower here)."""
    v = np.sort(values)
    return v[np.r_[True, v[1:] != v[:-1]]] if len(v) else v


def _distinct(bucket: np.ndarray, values: np.ndarray) -> np.ndarray:
    """How many distinct ``values`` each bucket (numbered 0…) holds."""
    pairs = _sorted_unique(bucket.astype(np.int64) << np.int64(32) | values.astype(np.int64))
    return np.bincount(pairs >> np.int64(32), minlength=int(bucket.max()) + 1 if len(bucket) else 0)


def _holding(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which rows of ``keys`` hold one of the keys ``wanted``. The keys are hashes: their low
    ``FILTER_BITS`` bits, looked up in a table of the wanted ones', rule out nearly every key
    at once; the few left are looked up exactly."""
    table = _sorted_unique(wanted.ravel())
    out = np.zeros(len(keys), bool)
    if not len(table):
        return out
    low = np.uint64((1 << FILTER_BITS) - 1)
    marked = np.zeros(1 << FILTER_BITS, bool)
    marked[(table & low).astype(np.intp)] = True
    rows, cols = np.nonzero(marked[(keys & low).astype(np.intp)])
    maybe = keys[rows, cols]
    at = np.minimum(np.searchsorted(table, maybe), len(table) - 1)
    out[rows[table[at] == maybe]] = True
    return out


def candidates(s: _Sketched, fresh: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of rows (of two reports, at least one ``fresh``) that share a band key, leaving
    out rows that hold a common key (of ``COMMON_PLACES`` places and ``COMMON_YEARS``
    years). Only the keys of the rows that could pair with a fresh one are counted, so an
    incremental build sorts only the keys of the rows near a fresh one."""
    n, b = s.keys.shape
    subset = np.arange(n)
    if fresh.any() and not fresh.all():
        # an incremental build: only the keys of the rows sharing one with a fresh row count,
        # each with every row holding it (whether it is common): not the library's every key
        near = _holding(s.keys, s.keys[fresh])
        subset = np.flatnonzero(_holding(s.keys, s.keys[near]))
    flat = s.keys[subset].ravel()
    order = np.argsort(flat, kind="stable")
    key, owner = flat[order], np.repeat(subset, b)[order]
    new = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    bucket = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, len(key)])
    touched = (sizes > 1) & (np.logical_or.reduceat(fresh[owner], starts) if len(key) else sizes > 1)
    # the rows that could pair with a fresh one, and every bucket of theirs: whether it is common
    rows = np.zeros(n, bool)
    rows[owner[touched[bucket]]] = True
    counted = np.zeros(len(sizes), bool)
    counted[bucket[rows[owner]]] = True
    at = np.flatnonzero(counted[bucket])
    common_bucket = np.zeros(len(sizes), bool)
    if len(at):
        places = _distinct(bucket[at], s.place[owner[at]])
        years = _distinct(bucket[at], s.year[owner[at]])
        common_bucket[: len(places)] = (places >= COMMON_PLACES) & (years >= COMMON_YEARS)
    common = np.zeros(n, bool)
    common[owner[common_bucket[bucket]]] = True
    # the buckets with two rows that are not common, one of them fresh
    kept = ~common[owner]
    if len(key):
        touched &= (np.add.reduceat(kept, starts) > 1) & np.logical_or.reduceat(fresh[owner] & kept, starts)
    # each such bucket's rows that are not common, paired: buckets of one size at a time
    keep_el = touched[bucket] & kept
    members, group = owner[keep_el], bucket[keep_el]
    firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, np.int64)
    counts = np.diff(np.r_[firsts, len(group)])
    found: list[np.ndarray] = []
    for k in np.unique(counts).tolist():
        at = firsts[counts == k]
        rows_k = members[at[:, None] + np.arange(k)]  # one bucket a line
        x, y = np.triu_indices(k, 1)
        i, j = rows_k[:, x].ravel(), rows_k[:, y].ravel()
        ok = (s.report[i] != s.report[j]) & (fresh[i] | fresh[j])
        i, j = np.minimum(i[ok], j[ok]), np.maximum(i[ok], j[ok])
        found.append(i.astype(np.int64) * n + j)
    codes = _sorted_unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
    return {(int(c) // n, int(c) % n) for c in codes.tolist()}


def derive(step: Derivation) -> None:
    """Write ``similar.pack`` for the new generation: the pairs of the reports written now,
    found among every report's stored keys and checked on the texts, and the other pairs as
    the served generation keeps them."""
    s = _sketched(step.path)
    fresh = (
        np.array([r in step.written for r in s.reports], bool)[s.report]
        if len(s.report)
        else np.zeros(0, bool)
    )
    texts: dict[int, str] = {}

    def text(row: int) -> str:
        if row not in texts:
            shard = s.shards[int(s.shard[row])]
            texts[row] = wording(shard.texts[int(s.local[row])])
        return texts[row]

    def anchor(row: int) -> str:
        shard = s.shards[int(s.shard[row])]
        return shard.anchors[int(s.local[row])]

    rows: list[tuple[str, str, str, str, int]] = []
    for i, j in sorted(candidates(s, fresh)):
        share = shared(text(i), text(j))
        if share >= SHARED:
            pct = int(round(share * 100))
            a, b = s.reports[int(s.report[i])], s.reports[int(s.report[j])]
            rows.append((a, anchor(i), b, anchor(j), pct))
            rows.append((b, anchor(j), a, anchor(i), pct))
    old = SimilarPack(step.old.path) if step.old is not None else None
    write(step.path / SIMILAR, rows, old, step.removed | set(step.written))


def write(
    path: Path,
    rows: list[tuple[str, str, str, str, int]],
    old: SimilarPack | None = None,
    gone: set[str] | frozenset[str] = frozenset(),
) -> None:
    """``similar.pack``: each pair both ways, sorted by report and anchor: the report ids
    (sorted), and per row the two reports (their numbers), the two anchors, the share. The
    pairs are ``rows`` and those of ``old`` whose reports are not ``gone``; these are taken as
    they are stored (sorted already) and ``rows`` put in among them, so a build that adds a
    report decodes only the rows it compares with, not every pair of the library."""
    rows = sorted(set(rows))
    old = old or SimilarPack(None)
    dead = np.array([rid in gone for rid in old.ids], bool)
    kept = np.flatnonzero(~(dead[old.a] | dead[old.b])) if len(old.a) else np.zeros(0, np.int64)
    held = np.unique(np.r_[old.a[kept], old.b[kept]]).tolist()
    ids = sorted({old.ids[i] for i in held} | {r[0] for r in rows} | {r[2] for r in rows})
    at = {rid: i for i, rid in enumerate(ids)}
    number = np.array([at.get(rid, -1) for rid in old.ids], np.int64)

    def old_row(k: int) -> tuple[str, str, str, str]:
        i = int(kept[k])
        return (old.ids[int(old.a[i])], old.anchor_a[i], old.ids[int(old.b[i])], old.anchor_b[i])

    # where each new row goes among the kept ones: its index in the merged list
    into = [bisect.bisect_left(range(len(kept)), r[:4], key=old_row) for r in rows]
    new_at = np.array(into, np.int64) + np.arange(len(rows))
    total = len(kept) + len(rows)
    is_new = np.zeros(total, bool)
    is_new[new_at] = True
    arrays: dict[str, np.ndarray] = {}
    arrays["ids.blob"], arrays["ids.offsets"] = strings(ids)
    for name, side, column in (("a", 0, old.a), ("b", 2, old.b)):
        out = np.empty(total, np.int32)
        out[~is_new] = number[column[kept]]
        out[is_new] = [at[r[side]] for r in rows]
        arrays[name] = out
    shared = np.empty(total, np.uint8)
    shared[~is_new] = old.share[kept]
    shared[is_new] = [r[4] for r in rows]
    arrays["shared"] = shared
    arrays["anchor_a.blob"], arrays["anchor_a.offsets"] = _merged(
        old.anchor_a, kept, [r[1] for r in rows], is_new
    )
    arrays["anchor_b.blob"], arrays["anchor_b.offsets"] = _merged(
        old.anchor_b, kept, [r[3] for r in rows], is_new
    )
    write_pack(path, arrays)


def _merged(
    column: Strings, kept: np.ndarray, new: list[str], is_new: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The strings ``kept`` of ``column`` and ``new`` as one blob and its offsets, ``new``
    where ``is_new`` says, without decoding the kept ones."""
    added_blob, added_offsets = strings(new)
    starts = np.empty(len(is_new), np.int64)
    sizes = np.empty(len(is_new), np.int64)
    offsets = column.offsets.astype(np.int64)
    starts[~is_new], sizes[~is_new] = offsets[kept], offsets[kept + 1] - offsets[kept]
    base = len(column.blob)
    added = added_offsets.astype(np.int64)
    starts[is_new], sizes[is_new] = base + added[:-1], np.diff(added)
    source = np.concatenate([np.asarray(column.blob, np.uint8), added_blob])
    out = np.zeros(len(is_new) + 1, np.int64)
    np.cumsum(sizes, out=out[1:])
    gather = np.repeat(starts - out[:-1], sizes) + np.arange(out[-1])
    if out[-1] < 2**32:
        out = out.astype(np.uint32)
    return source[gather], out


@dataclass(frozen=True)
class Passage:
    """A similar passage of another report: where it is and how much wording it shares."""

    report_id: str
    anchor: str
    shared: float  # 0–1


class SimilarPack:
    """A generation's ``similar.pack``, mapped: a report's pairs are decoded when asked for."""

    def __init__(self, generation: Path | None):
        if generation is None or not (generation / SIMILAR).exists():  # none, or built without the step
            self.ids: list[str] = []
            self.at: dict[str, int] = {}
            self.a = self.b = np.zeros(0, np.int32)
            self.share = np.zeros(0, np.uint8)
            empty = Strings(np.zeros(0, np.uint8), np.zeros(1, np.int64))
            self.anchor_a = self.anchor_b = empty
            return
        data = read_pack(generation / SIMILAR)
        self.ids = Strings(data["ids.blob"], data["ids.offsets"]).tolist()
        self.at = {rid: i for i, rid in enumerate(self.ids)}
        self.a, self.b, self.share = data["a"], data["b"], data["shared"]
        self.anchor_a = Strings(data["anchor_a.blob"], data["anchor_a.offsets"])
        self.anchor_b = Strings(data["anchor_b.blob"], data["anchor_b.offsets"])

    def _range(self, report_id: str) -> range:
        i = self.at.get(report_id)
        if i is None:
            return range(0)
        at = self.a.dtype.type(i)  # a Python int would have numpy cast the whole column, per look-up
        return range(int(np.searchsorted(self.a, at)), int(np.searchsorted(self.a, at, side="right")))

    def of_report(self, report_id: str) -> dict[str, list[Passage]]:
        """The similar passages of each paragraph (by anchor) of a report."""
        out: dict[str, list[Passage]] = {}
        for k in self._range(report_id):
            out.setdefault(self.anchor_a[k], []).append(self._passage(k))
        return out

    def _passage(self, k: int) -> Passage:
        """Row ``k``'s other paragraph."""
        return Passage(self.ids[int(self.b[k])], self.anchor_b[k], int(self.share[k]) / 100)

    def of_paragraph(self, report_id: str, anchor: str) -> list[Passage]:
        """The similar passages of one paragraph (by anchor) of a report: its rows are found
        by halving (a report's rows are sorted by anchor), none of the others decoded."""
        rows = self._range(report_id)
        k = bisect.bisect_left(self.anchor_a, anchor, rows.start, rows.stop)
        out = []
        while k < rows.stop and self.anchor_a[k] == anchor:
            out.append(self._passage(k))
            k += 1
        return out

    def rows(self) -> list[tuple[str, str, str, str, int]]:
        a, b = self.a.tolist(), self.b.tolist()
        anchors_a, anchors_b = self.anchor_a.tolist(), self.anchor_b.tolist()
        share = self.share.tolist()
        return [(self.ids[a[k]], anchors_a[k], self.ids[b[k]], anchors_b[k], share[k]) for k in range(len(a))]
