"""A generation's words, counted, and the look-ups that propose corrections: written by the
build (``vocab.pack``), read by completion and "did you mean" (search.vocabulary).

The words are those of the ``content`` field (jieba's), each with the number of documents
that hold it (summed over shards, as Whoosh counts a term's documents). Each build derives
them from the previous generation's (the shards it keeps) and the shards it writes or
drops, so that adding a report costs what the report brings; and the sound of each word
(its pinyin, for corrections by sound, a thousandth of a second each) is carried over.
"""

from __future__ import annotations

import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from .pack import Strings, read_pack, strings, write_pack

MIN_DOCS = 2  # a word in one paragraph only is as likely a slip as a word
SUGGEST_MIN_DOCS = 3  # a correction must be a word several paragraphs hold
MAX_EDIT_LENGTH = 8  # longer strings are not corrected: a typo is in a word, not a pasted line


def string_key(text: str) -> int:
    """A stable 32-bit key of a string (nonzero); look-ups by key check what they find."""
    return zlib.crc32(text.encode("utf-8")) or 1


def chinese(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


def sound(word: str) -> str:
    """A word's sound: its pinyin without tones."""
    from pypinyin import lazy_pinyin  # only corrections need it

    return " ".join(lazy_pinyin(word))


def correctable(word: str, count: int) -> bool:
    """Whether a word may be proposed as a correction."""
    return 2 <= len(word) <= MAX_EDIT_LENGTH and count >= SUGGEST_MIN_DOCS


def deletions(word: str) -> set[str]:
    """The word and each form of it with one character deleted: two strings one edit apart
    share one of these (symmetric deletion)."""
    return {word, *(word[:k] + word[k + 1 :] for k in range(len(word)))}


def shard_words(data: dict[str, np.ndarray]) -> Counter[str]:
    """A shard's words and their document counts (indexer.shard)."""
    words = Strings(data["vocab.words"], data["vocab.offsets"]).tolist()
    return Counter(dict(zip(words, data["vocab.counts"].tolist(), strict=True)))


def _correctable(words: list[str], counts: np.ndarray) -> np.ndarray:
    """Which of ``words`` (with their document ``counts``) may be proposed: a mask."""
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    return (lengths >= 2) & (lengths <= MAX_EDIT_LENGTH) & (counts >= SUGGEST_MIN_DOCS)


def write_vocabulary(path: Path, previous: Path | None, added: list[Path], dropped: list[Path]) -> None:
    """Write the vocabulary pack ``path``: the words of ``previous`` (a vocabulary pack of
    the generation this one follows, or None), plus those of the shards whose data packs
    are ``added``, minus those of the ``dropped`` ones. What ``previous`` computed for a
    word (its forms one edit away, its sound) is carried over: a build computes them only
    for the words it makes correctable, so adding a report costs what it brings."""
    counts: Counter[str] = Counter()
    old_words: list[str] = []
    old: dict[str, np.ndarray] = {}
    if previous is not None:
        old = read_pack(previous)
        old_words = Strings(old["words"], old["offsets"]).tolist()
        counts.update(dict(zip(old_words, old["counts"].tolist(), strict=True)))
    for pack in added:
        counts.update(shard_words(read_pack(pack)))
    for pack in dropped:
        counts.subtract(shard_words(read_pack(pack)))
    words = sorted(w for w, n in counts.items() if n > 0)
    count = np.array([counts[w] for w in words], dtype=np.int32)
    ok = _correctable(words, count)
    sound_keys = np.zeros(len(words), np.uint32)
    edit_keys = np.zeros(0, np.uint32)
    owners = np.zeros(0, np.int64)
    fresh = ok.copy()  # correctable words whose forms are not carried over
    if old_words:
        at = {w: i for i, w in enumerate(words)}
        moved = np.fromiter((at.get(w, -1) for w in old_words), np.int64, len(old_words))  # old -> new
        was = _correctable(old_words, old["counts"])
        kept = was & (moved >= 0)
        kept[kept] = ok[moved[kept]]  # correctable before and now
        fresh[moved[kept]] = False
        entries = kept[old["edit.words"]]
        edit_keys = old["edit.keys"][entries]
        owners = moved[old["edit.words"][entries]]
        sound_keys[moved[kept]] = old["sound"][kept]
    keys, new_owners = [], []
    for i in np.flatnonzero(fresh).tolist():
        w = words[i]
        for form in deletions(w):
            keys.append(string_key(form))
            new_owners.append(i)
        if chinese(w):
            sound_keys[i] = string_key(sound(w))
    edit_keys = np.concatenate([edit_keys, np.array(keys, dtype=np.uint32)])
    owners = np.concatenate([owners, np.array(new_owners, dtype=np.int64)])
    by_key = np.lexsort((owners, edit_keys))  # by key, then word: the same order however written
    blob, offsets = strings(words)
    spoken = np.flatnonzero(sound_keys)
    by_sound = spoken[np.argsort(sound_keys[spoken], kind="stable")].astype(np.int32)
    write_pack(
        path,
        {
            "words": blob,
            "offsets": offsets,
            "counts": count,
            "sound": sound_keys,
            "edit.keys": edit_keys[by_key],
            "edit.words": owners[by_key].astype(np.int32),
            "sound.words": by_sound,
            "sound.keys": sound_keys[by_sound],
        },
    )
