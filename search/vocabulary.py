"""The index's own words, with how many paragraphs hold each: what completion offers while
someone types, and what "did you mean" proposes for a word the index does not hold (one
edit away, or sounding the same)."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable
from functools import cached_property

import numpy as np
from whoosh.searching import Searcher

from indexer.analysis import word_tokens

MIN_DOCS = 2  # a word in one paragraph only is as likely a slip as a word
SUGGEST_MIN_DOCS = 3  # a correction must be a word several paragraphs hold
MAX_EDIT_LENGTH = 8  # longer strings are not corrected: a typo is in a word, not a pasted line
SAME_SOUND = 20  # a correction that sounds like the typed word, against one that does not
ALIKE_SOUND = 5
PHRASE_SAMPLE = 300  # paragraphs read to see what follows a typed prefix
PHRASE_REACH = 8  # characters past the prefix that a completion may run on
_PUNCT = re.compile(r"[^\w]")
SUFFIXES = set("区市省县镇乡化性型率度业")  # one character that ends a term jieba cuts off


class Vocabulary:
    """The jieba words of the ``content`` field held by at least ``MIN_DOCS`` paragraphs,
    sorted (folded: Simplified, lower case), and their paragraph counts."""

    def __init__(self, words: list[str], counts: list[int]):
        self.words = words
        self.counts = np.array(counts, dtype=np.int64)
        self._index = {w: i for i, w in enumerate(words)}

    @classmethod
    def read(cls, searcher: Searcher, pause: Callable[[], None] = lambda: None) -> Vocabulary:
        """Read once per index state (a pass over the term dictionary: seconds at a thousand
        reports, so the server does it while warming up); ``pause`` is called every
        thousand words."""
        found: dict[str, int] = {}
        for n, (btext, info) in enumerate(searcher.reader().iter_field("content")):
            if n % 1000 == 999:
                pause()
            if info.doc_frequency() >= MIN_DOCS:
                text = btext.decode("utf-8")
                if any(ch.isalnum() for ch in text):
                    found[text] = info.doc_frequency()
        words = sorted(found)
        return cls(words, [found[w] for w in words])

    def prepare(self) -> None:
        """Build the look-ups corrections use (a second or two at a thousand reports): the
        warm-up does it before the workers fork, so no search pays for it."""
        _ = self._deletions, self._sounds

    def count(self, word: str) -> int:
        at = self._index.get(word)
        return 0 if at is None else int(self.counts[at])

    def frequent(self, min_docs: int) -> list[str]:
        """The words held by at least ``min_docs`` paragraphs, the most frequent first."""
        order = np.argsort(-self.counts, kind="stable")
        return [self.words[i] for i in order if self.counts[i] >= min_docs]

    def complete(self, prefix: str, limit: int = 8) -> list[tuple[str, int]]:
        """The most frequent words that start with ``prefix`` (folded) and are longer."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        if hi <= lo:
            return []
        counts = self.counts[lo:hi]
        top = np.argsort(-counts, kind="stable")[: limit + 1]
        return [(self.words[lo + i], int(counts[i])) for i in top if self.words[lo + i] != prefix][:limit]

    def phrases(
        self, prefix: str, ids: np.ndarray, texts: list[str], limit: int = 8
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
            text = texts[d]
            at = text.find(prefix)
            if at < 0:
                continue
            window = _PUNCT.split(text[at : at + len(prefix) + PHRASE_REACH], maxsplit=1)[0]
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

    @cached_property
    def _deletions(self) -> dict[str, list[int]]:
        """Each word of 2 to ``MAX_EDIT_LENGTH`` characters held by ``SUGGEST_MIN_DOCS``
        paragraphs, under itself and each form with one character deleted (so that two
        strings one edit apart share a key: symmetric deletion)."""
        table: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            if 2 <= len(w) <= MAX_EDIT_LENGTH and self.counts[i] >= SUGGEST_MIN_DOCS:
                for key in {w, *(w[:k] + w[k + 1 :] for k in range(len(w)))}:
                    table.setdefault(key, []).append(i)
        return table

    def one_edit(self, word: str) -> list[tuple[str, int]]:
        """Words one character away from ``word`` (one changed, missing or extra), the most
        frequent first."""
        if not 2 <= len(word) <= MAX_EDIT_LENGTH:
            return []
        keys = {word, *(word[:k] + word[k + 1 :] for k in range(len(word)))}
        found = {i for key in keys for i in self._deletions.get(key, ())}
        near = [i for i in found if self.words[i] != word and _one_edit_apart(self.words[i], word)]
        return sorted(((self.words[i], int(self.counts[i])) for i in near), key=lambda wc: -wc[1])

    @cached_property
    def _sounds(self) -> dict[str, list[int]]:
        """The same words by their sound (pinyin without tones)."""
        table: dict[str, list[int]] = {}
        for i, w in enumerate(self.words):
            if 2 <= len(w) <= MAX_EDIT_LENGTH and self.counts[i] >= SUGGEST_MIN_DOCS and _chinese(w):
                table.setdefault(_sound(w), []).append(i)
        return table

    def corrections(self, word: str) -> list[tuple[str, int]]:
        """Words ``word`` may have been meant as, the likeliest first: those that sound the
        same, or are one character away, weighed by how many paragraphs hold them, a word
        that sounds the same counting ``SAME_SOUND`` times, one that sounds alike (zh/z,
        ing/in) ``ALIKE_SOUND`` times."""
        scored: dict[str, float] = {}
        for w, n in self.homophones(word):
            scored[w] = n * SAME_SOUND
        if _chinese(word):
            alike = _alike(_sound(word))
            for w, n in self.one_edit(word):
                scored.setdefault(w, n * (ALIKE_SOUND if _chinese(w) and _alike(_sound(w)) == alike else 1))
        else:
            for w, n in self.one_edit(word):
                scored.setdefault(w, n)
        return sorted(((w, self.count(w)) for w in scored), key=lambda wn: -scored[wn[0]])

    def homophones(self, word: str) -> list[tuple[str, int]]:
        """Words that sound like ``word`` (城市更薪 -> 城市更新), the most frequent first."""
        if not 2 <= len(word) <= MAX_EDIT_LENGTH or not _chinese(word):
            return []
        found = [i for i in self._sounds.get(_sound(word), ()) if self.words[i] != word]
        return sorted(((self.words[i], int(self.counts[i])) for i in found), key=lambda wc: -wc[1])


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:k] + long[k + 1 :] == short for k in range(len(long)))


def _chinese(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


_ALIKE = [("zh", "z"), ("ch", "c"), ("sh", "s"), ("ing", "in"), ("eng", "en"), ("ang", "an")]


def _alike(sound: str) -> str:
    """A sound with the distinctions many speakers blur (zh/z, ing/in) removed."""
    for a, b in _ALIKE:
        sound = sound.replace(a, b)
    return sound


def _sound(word: str) -> str:
    from pypinyin import lazy_pinyin  # only corrections need it

    return " ".join(lazy_pinyin(word))
