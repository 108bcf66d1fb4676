"""Links that last: each block's anchor from its own text, and where the links to an
earlier version's paragraphs land in the next (``carry_links``)."""

from __future__ import annotations

import base64
import hashlib

from ..analysis import fold
from .model import Block, Report

EDITED = 0.5  # of two texts' character pairs, the share in common above which one is the other edited


def _pairs(text: str) -> set[str]:
    folded = "".join(fold(text).split())
    return {folded[i : i + 2] for i in range(len(folded) - 1)} or {folded}


def similarity(a: set[str], b: set[str]) -> float:
    """Dice's coefficient of two texts' character pairs (1: the same text)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def carry_links(old: Report, new: Report) -> None:
    """Where the links to ``old``'s paragraphs land in ``new`` (its next version): an anchor
    or positional id (#pN) that no longer leads to the same text leads to the closest
    paragraph of ``new``, with the similarity (``EDITED`` and above: the same passage,
    edited), recorded when the new version is indexed; ``old``'s own such records carry
    over."""
    kept = {b.anchor for b in new.blocks}
    by_id = {b.id: b for b in new.blocks}
    targets = [(b.anchor, _pairs(b.text)) for b in new.blocks if b.kind == "paragraph"]
    if not targets:
        return
    texts = {b.anchor: b.text for b in old.blocks}

    def closest(text: str) -> list:
        pairs = _pairs(text)
        anchor, sim = max(((a, similarity(pairs, p)) for a, p in targets), key=lambda x: x[1])
        return [anchor, round(sim, 3), text[:40]]

    moved: dict[str, list] = {}
    for b in old.blocks:
        if b.anchor not in kept:
            moved[b.anchor] = closest(b.text)
        now = by_id.get(b.id)
        if now is None or now.anchor != b.anchor:  # #pN names another paragraph now
            moved[b.id] = [b.anchor, 1.0, b.text[:40]] if b.anchor in kept else closest(b.text)
    for link, (target, sim, opening) in old.moved.items():  # links to still older versions
        if link not in moved and link not in kept:
            moved[link] = [target, sim, opening] if target in kept else closest(texts.get(target, opening))
    new.moved = moved


ANCHOR_CHARS = 7  # of a block's fingerprint: 35 bits, unique within a report


def anchor_for(kind: str, text: str) -> str:
    """A short fingerprint of a block's text, folded and without white space (``t3kq7zd``
    for a paragraph, ``h…`` for a heading): the same text gets the same anchor whatever
    stands before or after it."""
    digest = hashlib.blake2b("".join(fold(text).split()).encode("utf-8"), digest_size=8).digest()
    return ("h" if kind == "heading" else "t") + base64.b32encode(digest).decode("ascii").lower()[
        :ANCHOR_CHARS
    ]


def set_anchors(blocks: list[Block]) -> None:
    """Give each block its anchor; a text that repeats in the report gets ``-2``, ``-3`` in
    the order the repeats stand."""
    seen: dict[str, int] = {}
    for b in blocks:
        base = anchor_for(b.kind, b.text)
        seen[base] = seen.get(base, 0) + 1
        b.anchor = base if seen[base] == 1 else f"{base}-{seen[base]}"
