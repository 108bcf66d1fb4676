"""The index's own words, with how many paragraphs hold each: what completion offers while
someone types, and what "did you mean" proposes for a word the index does not hold (one
edit away, or sounding the same)."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable

import numpy as np

from indexer.analysis import word_tokens
from indexer.generation import VOCAB, Generation
from indexer.pack import Strings, read_pack
from indexer.vocabulary import MAX_EDIT_LENGTH, MIN_DOCS, chinese, deletions, sound, string_key

SAME_SOUND = 20  # a correction that sounds like the typed word, against one that does not
ALIKE_SOUND = 5
PHRASE_SAMPLE = 300  # paragraphs read to see what follows a typed prefix
PHRASE_REACH = 8  # characters past the prefix that a completion may run on
_PUNCT = re.compile(r"[^\w]")
SUFFIXES = set("区市省县镇乡化性型率度业")  # one character that ends a term jieba cuts off


class Vocabulary:
    """The jieba words of the ``content`` field, sorted (folded: Simplified, lower case), and
    the number of paragraphs that hold each, as the build wrote them (indexer.vocabulary);
    the words held by fewer than ``MIN_DOCS`` are left out of what this offers."""

    def __init__(self, pack: dict[str, np.ndarray]):
        self.pack = pack
        self.words = Strings(pack["words"], pack["offsets"])
        self.counts = pack["counts"]

    @classmethod
    def of(cls, gen: Generation) -> Vocabulary:
        return cls(read_pack(gen.path / VOCAB))

    def count(self, word: str) -> int:
        at = self.words.find(word)
        n = 0 if at is None else int(self.counts[at])
        return n if n >= MIN_DOCS else 0

    def complete(self, prefix: str, limit: int = 8) -> list[tuple[str, int]]:
        """The most frequent words that start with ``prefix`` (folded) and are longer."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        if hi <= lo:
            return []
        counts = self.counts[lo:hi]
        top = np.argsort(-counts, kind="stable")[: limit + 1]
        found = [(self.words[lo + i], int(counts[i])) for i in top.tolist() if counts[i] >= MIN_DOCS]
        return [(w, n) for w, n in found if w != prefix][:limit]

    def phrases(
        self, prefix: str, ids: np.ndarray, text: Callable[[int], str], limit: int = 8
    ) -> list[tuple[str, int]]:
        """What people type after ``prefix``: the prefix run on to the end of the word it
        ends in, or of the next word if it ends at one (乡村 -> 乡村振兴), read from the
        texts of ``ids`` (the documents holding it; ``PHRASE_SAMPLE`` of them, evenly
        spread), with the number of paragraphs that holds each estimated from the sample;
        and the words that start with it. The most frequent first."""
        step = max(1, len(ids) // PHRASE_SAMPLE)
        sampled = ids[::step][:PHRASE_SAMPLE]
        seen: Counter[str] = Counter()
        for d in sampled.tolist():
            body = text(d)
            at = body.find(prefix)
            if at < 0:
                continue
            window = _PUNCT.split(body[at : at + len(prefix) + PHRASE_REACH], maxsplit=1)[0]
            end = 0
            words = [w for w, _, _, _ in word_tokens(window, search_mode=False)]
            for i, word in enumerate(words):
                end += len(word)
                if end > len(prefix):
                    if i + 1 < len(words) and words[i + 1] in SUFFIXES:  # 粤港澳大湾 + 区
                        end += 1
                    if not (len(word) == 1 and end - 1 >= len(prefix)):  # not 医疗 + 等
                        seen[window[:end]] += 1
                    break
        scale = len(ids) / max(1, len(sampled))
        found = {p: round(n * scale) for p, n in seen.items() if n >= 2 or len(sampled) < 20}
        for word, n in self.complete(prefix, limit):
            found[word] = max(found.get(word, 0), n)
        return sorted(found.items(), key=lambda pn: (-pn[1], pn[0]))[:limit]

    # --- corrections ------------------------------------------------------------------------

    def _keyed(self, keys: str, words: str, key: int) -> list[int]:
        """The words filed under ``key`` in one of the build's look-ups (sorted keys and the
        words they name)."""
        table = self.pack[keys]
        lo, hi = np.searchsorted(table, key), np.searchsorted(table, key, side="right")
        return self.pack[words][lo:hi].tolist()

    def one_edit(self, word: str) -> list[tuple[str, int]]:
        """Words one character away from ``word`` (one changed, missing or extra), the most
        frequent first: the words that share one of its forms with a character deleted
        (indexer.vocabulary.deletions)."""
        if not 2 <= len(word) <= MAX_EDIT_LENGTH:
            return []
        found = {
            i for key in deletions(word) for i in self._keyed("edit.keys", "edit.words", string_key(key))
        }
        near = [(self.words[i], int(self.counts[i])) for i in found]
        return sorted(
            ((w, n) for w, n in near if w != word and _one_edit_apart(w, word)), key=lambda wc: -wc[1]
        )

    def corrections(self, word: str) -> list[tuple[str, int]]:
        """Words ``word`` may have been meant as, the likeliest first: those that sound the
        same, or are one character away, weighed by how many paragraphs hold them, a word
        that sounds the same counting ``SAME_SOUND`` times, one that sounds alike (zh/z,
        ing/in) ``ALIKE_SOUND`` times."""
        scored: dict[str, float] = {}
        for w, n in self.homophones(word):
            scored[w] = n * SAME_SOUND
        if chinese(word):
            alike = _alike(sound(word))
            for w, n in self.one_edit(word):
                scored.setdefault(w, n * (ALIKE_SOUND if chinese(w) and _alike(sound(w)) == alike else 1))
        else:
            for w, n in self.one_edit(word):
                scored.setdefault(w, n)
        return sorted(((w, self.count(w)) for w in scored), key=lambda wn: -scored[wn[0]])

    def homophones(self, word: str) -> list[tuple[str, int]]:
        """Words that sound like ``word`` (城市更薪 -> 城市更新), the most frequent first."""
        if not 2 <= len(word) <= MAX_EDIT_LENGTH or not chinese(word):
            return []
        spoken = sound(word)
        found = [self.words[i] for i in self._keyed("sound.keys", "sound.words", string_key(spoken))]
        same = [w for w in found if w != word and sound(w) == spoken]
        return sorted(((w, self.count(w)) for w in same), key=lambda wc: -wc[1])


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:k] + long[k + 1 :] == short for k in range(len(long)))


_ALIKE = [("zh", "z"), ("ch", "c"), ("sh", "s"), ("ing", "in"), ("eng", "en"), ("ang", "an")]


def _alike(sound: str) -> str:
    """A sound with the distinctions many speakers blur (zh/z, ing/in) removed."""
    for a, b in _ALIKE:
        sound = sound.replace(a, b)
    return sound
