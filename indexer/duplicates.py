"""Copies of one report: the same text in several files (formats, scripts, a page's chrome
around it), told apart from two reports that share a place and a year (a district hears two
in the year it elects a new congress). One copy of each report is indexed: the cleanest."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .analysis import fold
from .places import NATIONAL, NATIONAL_NAMES

SHINGLE = 8  # characters: a run this long is rarely shared by two different reports
SKETCH = 32  # of a text's shingle hashes, the smallest kept (a bottom-k sketch): copies share
# 0.81–1.0 of their shingles in the shared set, two reports of one year 0.02–0.03
SAME_TEXT = 0.5  # estimated share of shingles in common from which two texts are one report
_NOT_TEXT = re.compile(r"[\W_]+")  # white space and punctuation: formatting, not text


def text_sketch(text: str) -> str:
    """The smallest ``SKETCH`` 32-bit hashes (in hex, as the build record keeps them) of the text's runs of ``SHINGLE`` characters, folded
    (Simplified, half-width) and without white space or punctuation: copies in other
    formats or scripts share most of them, different reports few."""
    chars = _NOT_TEXT.sub("", fold(text))
    if len(chars) < SHINGLE:
        chars = chars.ljust(SHINGLE, "\0")
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(len(codes) - SHINGLE + 1, dtype=np.uint64)
    for j in range(SHINGLE):  # a polynomial hash of each run, wrapping at 2**64
        h = h * np.uint64(1_000_003) + codes[j : len(codes) - SHINGLE + 1 + j]
    h ^= h >> np.uint64(31)  # mixed, so the smallest are a fair sample
    h *= np.uint64(0x9E3779B97F4A7C15)
    h ^= h >> np.uint64(29)
    h >>= np.uint64(32)
    k = SKETCH * 8
    while True:  # the smallest distinct values, without sorting them all
        smallest = np.unique(np.partition(h, k)[:k] if k < len(h) else h)
        if len(smallest) >= SKETCH or k >= len(h):
            return "".join(f"{int(x):08x}" for x in smallest[:SKETCH])
        k *= 8


def same_text(sketch_a: str, sketch_b: str) -> float:
    """The share of shingles two texts have in common, estimated from their sketches."""
    a, b = _hashes(sketch_a), _hashes(sketch_b)
    if not a or not b:
        return 0.0
    union = sorted(a | b)[:SKETCH]
    both = a & b
    return sum(x in both for x in union) / len(union)


def _hashes(sketch: str) -> set[str]:
    return {sketch[i : i + 8] for i in range(0, len(sketch), 8)}  # hex of one width sorts as numbers


def region_key(region: str) -> str:
    """The region as compared for duplicates: 国务院 and 全国 are one, scripts fold together."""
    key = fold(region).replace("人民政府", "")
    return NATIONAL if key in NATIONAL_NAMES else key


# The formats by how faithfully they carry the author's paragraphs: a Word document has them
# as written; text and Markdown as typed; table cells and web pages come with chrome; a PDF's
# lines are broken at the page width.
FORMAT_RANK = (".docx", ".md", ".markdown", ".txt", ".csv", ".xlsx", ".html", ".htm", ".pdf")


def canonical_key(summary: dict, longest: int) -> tuple:
    """How to choose among copies of one report (the largest key is kept): a Simplified
    original over a Traditional conversion; of the copies holding about as much text as
    the longest (nine tenths), the one in the most faithful format; then more text."""
    suffix = Path(summary["source"]).suffix.lower()
    rank = FORMAT_RANK.index(suffix) if suffix in FORMAT_RANK else len(FORMAT_RANK)
    return not summary.get("traditional"), summary["chars"] >= 0.9 * longest, -rank, summary["chars"]


def copies(summaries: dict[str, dict]) -> list[list[str]]:
    """The reports grouped into copies of one report: the same place and year, and the same
    text (a summary without a sketch, from an older build, is the same as any other)."""
    by_year: dict[tuple, list[str]] = {}
    for rid, s in sorted(summaries.items()):
        if s.get("year") is not None:
            by_year.setdefault((region_key(s["region"]), s["year"]), []).append(rid)
    groups: list[list[str]] = []
    for ids in by_year.values():
        found: list[list[str]] = []
        for rid in ids:
            group = next((g for g in found if _same(summaries[g[0]], summaries[rid])), None)
            if group is None:
                found.append([rid])
            else:
                group.append(rid)
        groups.extend(found)
    return groups


def _same(a: dict, b: dict) -> bool:
    if "sketch" not in a or "sketch" not in b:
        return True
    return same_text(a["sketch"], b["sketch"]) >= SAME_TEXT


def choose_canonical(summaries: dict[str, dict]) -> dict[str, str]:
    """Map each copy's report id to the one kept (see :func:`copies`, :func:`canonical_key`)."""
    dupes = {}
    for ids in copies(summaries):
        if len(ids) > 1:
            longest = max(summaries[r]["chars"] for r in ids)
            keep = max(ids, key=lambda r: canonical_key(summaries[r], longest))
            dupes.update({r: keep for r in ids if r != keep})
    return dupes
