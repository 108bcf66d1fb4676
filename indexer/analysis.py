"""Text normalization and the Whoosh analyzers for Chinese report text.

Matching happens on a *folded* copy of the text: NFKC (full-width letters and digits to
half-width), lower case and Traditional -> Simplified characters, one character for one
character. Because the folded copy has exactly the length of the original, every offset
computed on it points into the original text, so highlights land on the original
characters whatever script the report is written in.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache, lru_cache, partial
from itertools import accumulate, repeat
from operator import mul
from pathlib import Path
from typing import Any, TypeVar

import jieba
import numpy as np
import opencc
from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Frequency
from whoosh.system import pack_uint

__all__ = [
    "END",
    "Analyzed",
    "BigramAnalyzer",
    "FoldedFrequency",
    "JiebaAnalyzer",
    "first_sentence",
    "fold",
    "is_traditional",
    "keyword_ranks",
    "keywords",
    "query_chars",
    "word_tokens",
    "words",
]

_t2s = opencc.OpenCC("t2s")
# Traditional as Traditional readers expect it: Taiwan's standard forms (為, 峰, 著), for titles
# and for the reader's 繁 view
TRADITIONAL = opencc.OpenCC("s2tw")
SIMPLIFIED = _t2s


class _FoldTable(dict):
    """A ``str.translate`` table that folds each character on first sight and remembers it."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        nf = unicodedata.normalize("NFKC", ch)
        if len(nf) != 1:  # ㈠ -> (一), ½ -> 1⁄2: keep the length, keep the character
            nf = ch
        nf = nf.lower()
        if len(nf) != 1:
            nf = ch
        if "\u3400" <= nf <= "\u9fff" or "\uf900" <= nf <= "\ufaff":
            simplified = _t2s.convert(nf)
            if len(simplified) == 1:
                nf = simplified
        self[code] = nf
        return nf


_FOLD = _FoldTable()


FOLD_KEPT_CHARS = 4096  # folded texts up to this length are kept (lines, paragraphs), not whole reports


FOLD_ARRAY_CHARS = 128  # texts this long or longer are folded as an array of code points
_UNKNOWN = 0xFFFFFFFF  # a code point not folded yet


def fold(text: str) -> str:
    """Return the matching form of ``text``: same length, NFKC, lower case, Simplified.
    Recent lines and paragraphs are kept: reading folds each line in six passes, and
    indexing each paragraph for three fields (a character costs a quarter of a microsecond)."""
    return _fold_kept(text) if len(text) <= FOLD_KEPT_CHARS else _translate(text)


@lru_cache(maxsize=2048)
def _fold_kept(text: str) -> str:
    return _translate(text)


@cache
def _fold_codes() -> np.ndarray:
    """Every code point's folded one (``_FOLD``'s), filled in as they are met."""
    return np.full(0x110000, _UNKNOWN, np.uint32)


def _translate(text: str) -> str:
    """``text.translate(_FOLD)``; a longer text (a paragraph, a report) as an array of code
    points looked up at once: 3 to 9 times faster than ``str.translate``'s dict look-up per
    character (a build folds every line, paragraph and report)."""
    if len(text) < FOLD_ARRAY_CHARS:
        return text.translate(_FOLD)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    table = _fold_codes()
    out = table[codes]
    new = codes[out == _UNKNOWN]
    if len(new):
        for code in np.unique(new).tolist():
            table[code] = ord(_FOLD[code])
        out = table[codes]
    return out.tobytes().decode("utf-32-le", "surrogatepass")


def is_traditional(text: str) -> bool:
    """Whether ``text`` is written in Traditional characters (over 2% of it changes when
    folded to Simplified)."""
    a = np.frombuffer(text.encode("utf-32-le"), np.uint32)  # per character, at C speed: a
    b = np.frombuffer(fold(text).encode("utf-32-le"), np.uint32)  # report's whole text is read
    changed = np.count_nonzero((a != b) & (a >= 0x4E00) & (a <= 0x9FFF))
    return bool(changed > len(text) * 0.02)


# --- jieba ---------------------------------------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "gov-report-search"


_NOT_A_PREFIX = 1.0  # no log probability is above 0
CUT_BLOCKS = 65536  # blocks (runs of words between punctuation) whose cuts a process keeps


class Segmenter(jieba.Tokenizer):
    """jieba's tokenizer with its accurate mode and HMM (the cut this project makes of every
    text) twice as fast: the same words, found by the same maximum-probability route over
    the same dictionary, but in one pass per block of text where jieba builds the graph of
    words (a dict of lists) and then walks it with a generator per character (jieba's cut
    was a third of a shard writer's time). The dictionary is jieba's, never changed."""

    initialized: bool
    FREQ: dict[str, int]
    total: int

    def initialize(self, dictionary: str | None = None) -> None:
        if dictionary is not None or self.dictionary is not None:
            raise ValueError("this tokenizer cuts with jieba's default dictionary")
        with self.lock:
            if self.initialized:
                return
            # jieba's prefix dictionary (every prefix of a word, 0 for one that is no word),
            # kept as a pickle: read in a third of the time of jieba's own cache (marshal)
            made = partial(self.gen_pfdict, self.get_dict_file())
            self.FREQ, self.total = dictionary_cache(self, "prefixes", made)
            # every prefix -> the word's log probability as jieba's ``calc`` computes it
            # (``log(freq) - log(total)``), None for a prefix that is no word
            logtotal = math.log(self.total)
            self._logp = {w: (math.log(f) - logtotal if f else None) for w, f in self.FREQ.items()}
            self._unknown = math.log(1) - logtotal  # a character the dictionary lacks (``freq or 1``)
            # the last blocks' cuts: reports repeat their formulas (14.5% of the characters of
            # the shipped library's blocks are in a block met in the 65,536 before; ~650 bytes each)
            self._block = lru_cache(maxsize=CUT_BLOCKS)(self._cut_block)
            self.initialized = True

    def cut(
        self, sentence: str, cut_all: bool = False, HMM: bool = True, use_paddle: bool = False
    ) -> Iterator[str]:
        if cut_all or not HMM or use_paddle or not isinstance(sentence, str):
            return super().cut(sentence, cut_all, HMM, use_paddle)
        self.check_initialized()
        out: list[str] = []
        han, skip = jieba.re_han_default, jieba.re_skip_default
        for block in han.split(sentence):
            if not block:
                continue
            if han.match(block):
                out += self._block(block)
            else:
                for part in skip.split(block):
                    if skip.match(part):
                        out.append(part)
                    else:
                        out.extend(part)  # one character a word
        return iter(out)

    def _cut_block(self, text: str) -> tuple[str, ...]:
        """jieba's ``__cut_DAG`` of a block of words (``get_DAG``, ``calc`` and the walk):
        from the last character back, the best route from each character to the end (the
        longest word wins a tie, as jieba's ``max`` over ``(score, end)`` has it); then the
        route's words, runs of single characters the dictionary lacks as a word cut by the
        HMM."""
        n = len(text)
        score = [0.0] * (n + 1)
        end = [0] * n
        logp = self._logp.get
        no = _NOT_A_PREFIX
        for k in range(n - 1, -1, -1):
            best = -math.inf
            x = -1
            i = k
            p = logp(text[k], no)
            while p != no:
                if p is not None:
                    s = p + score[i + 1]
                    if s >= best:
                        best, x = s, i
                i += 1
                if i == n:
                    break
                p = logp(text[k : i + 1], no)
            if x < 0:  # no word starts here: the character alone
                p = logp(text[k])
                best, x = (self._unknown if p is None else p) + score[k + 1], k
            score[k], end[k] = best, x
        out: list[str] = []
        singles = ""  # a run of single characters
        at = 0
        while at <= n:
            stop = end[at] + 1 if at < n else n + 1
            if at < n and stop - at == 1:
                singles += text[at]
            else:
                if len(singles) == 1 or (singles and self.FREQ.get(singles)):
                    out.extend(singles)
                elif singles:
                    out += _unknown_words(singles)
                singles = ""
                if at < n:
                    out.append(text[at:stop])
            at = stop
        return tuple(out)


@lru_cache(maxsize=CUT_BLOCKS)
def _unknown_words(run: str) -> tuple[str, ...]:
    """jieba's HMM cut of a run of characters its dictionary has no word for (names, rare
    words: they recur, in other blocks; the HMM was a fifth of a cut)."""
    return tuple(jieba.finalseg.cut(run))


@cache
def segmenter() -> Segmenter:
    """This project's jieba tokenizer (jieba's default dictionary), loaded once per
    process. jieba's shared default tokenizer is left as it is."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = Segmenter()
    tokenizer.initialize()
    return tokenizer


T = TypeVar("T")
CACHE_VERSION = 1  # of what :func:`dictionary_cache` keeps: raise it when what is made changes


def dictionary_cache(tokenizer: jieba.Tokenizer, name: str, make: Callable[[], T]) -> T:
    """What ``make`` makes from jieba's dictionary (its prefixes, its words' tags …), made
    once and kept in this project's cache folder as a pickle named by ``name`` and the
    dictionary file's size and time, read in a fraction of the time it takes to make (a
    second each, in every process that builds or serves). A cache that cannot be read is
    made again; one that cannot be written is not kept."""
    with tokenizer.get_dict_file() as fh:
        stat = os.fstat(fh.fileno())
    path = cache_dir() / f"{name}-{CACHE_VERSION}-{stat.st_size}-{stat.st_mtime_ns}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # not made yet, or damaged (a pickle cut short raises what it meets)
        pass
    made = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(pickle.dumps(made, pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:  # a read-only cache folder: made again next time
        pass
    return made


_is_word = re.compile(r"[^\W_]").search  # a letter or digit (str.isalnum) in the token


@lru_cache(maxsize=2)
def _cut(folded: str) -> tuple[str, ...]:
    """jieba's words of ``folded`` (white space and punctuation too: each word starts where
    the one before ends). The last texts' cuts are kept: indexing cuts each paragraph for
    its words, keywords and where its words start, one after the other."""
    return tuple(segmenter().cut(folded))


def word_tokens(folded: str, search_mode: bool = True) -> Iterator[tuple[str, int, int, int]]:
    """Yield ``(word, position, start, end)`` for the jieba words of folded text.

    Positions are a running count of jieba's words (punctuation takes a position but is
    not yielded, so a phrase never matches across it). In search mode the dictionary
    words inside a longer word are yielded too, at the position of the longer word.
    """
    pos = -1
    end = 0
    for word in _cut(folded):
        start, end = end, end + len(word)
        if word.isspace():
            continue
        pos += 1
        if not _is_word(word):
            continue
        yield word, pos, start, end
        if search_mode and len(word) > 2:
            for gram, i in _inside(word, segmenter().FREQ):
                yield gram, pos, start + i, start + i + len(gram)


def _inside(word: str, freq: dict[str, int]) -> Iterator[tuple[str, int]]:
    """The dictionary words of two and three characters inside a longer ``word`` (jieba's
    search mode), with where each starts in it."""
    for n in (2, 3):
        for i in range(len(word) - n + 1):
            gram = word[i : i + n]
            if gram != word and freq.get(gram):
                yield gram, i


@lru_cache(maxsize=65536)
def _within(word: str) -> tuple[str, ...]:
    """:func:`_inside`'s words, without their places: a report's long words recur."""
    return tuple(gram for gram, _ in _inside(word, segmenter().FREQ))


def words(folded: str) -> tuple[list[str], list[str]]:
    """The words of folded text as :func:`word_tokens` yields them, without their places:
    in search mode, and jieba's own only. One pass over the cut for both, and no tuple per
    word: the shard writer takes a paragraph's words for the word field and its keywords."""
    searched: list[str] = []
    own: list[str] = []
    for word in _cut(folded):
        if not _is_word(word):  # white space and punctuation: no word
            continue
        own.append(word)
        searched.append(word)
        if len(word) > 2:
            searched += _within(word)
    return searched, own


def word_starts(folded: str, stripped: str) -> bytes:
    """Where jieba's words (punctuation too) of ``folded`` start in ``stripped``, the same
    text without its white space: one byte per character of ``stripped``, 1 at a start."""
    out = bytearray(len(stripped))
    cut = _cut(folded)
    starts = accumulate(map(len, cut[:-1]), initial=0) if cut else iter(())
    if len(stripped) == len(folded):
        for start in starts:
            out[start] = 1
        return bytes(out)
    at = [0] * (len(folded) + 1)  # a position of the folded text -> of the stripped one
    n = 0
    for i, ch in enumerate(folded):
        at[i] = n
        n += not ch.isspace()
    at[len(folded)] = n
    for word, start in zip(cut, starts, strict=False):
        if not word.isspace() and at[start] < len(stripped):
            out[at[start]] = 1
    return bytes(out)


KEYWORDS = 20  # a paragraph's keywords kept in the index


# jieba.analyse's stop words (KeywordExtractor.STOP_WORDS). Importing jieba.analyse costs
# half a second (its IDF table, and jieba.posseg's models): the table is read here instead.
_STOP_WORDS = frozenset(
    (
        "the",
        "of",
        "is",
        "and",
        "to",
        "in",
        "that",
        "we",
        "for",
        "an",
        "are",
        "by",
        "be",
        "as",
        "on",
        "with",
        "can",
        "if",
        "from",
        "which",
        "you",
        "it",
        "this",
        "then",
        "at",
        "have",
        "all",
        "not",
        "one",
        "has",
        "or",
    )
)


@lru_cache(maxsize=1)
def keyword_weights() -> tuple[dict[str, float], float]:
    """jieba.analyse's inverse document frequencies and their median, read from its idf.txt
    as its keyword extractor reads them."""
    parts = (Path(jieba.__file__).parent / "analyse" / "idf.txt").read_text(encoding="utf-8").split()
    idf = dict(zip(parts[::2], map(float, parts[1::2]), strict=True))  # lines of "word value"
    return idf, sorted(idf.values())[len(idf) // 2]


def keywords(folded: str, limit: int | None = KEYWORDS) -> list[str]:
    """The paragraph's words of two or more characters, the most telling first: by TF-IDF
    as ``jieba.analyse.extract_tags`` ranks them, with jieba's inverse document
    frequencies (from a general corpus, so a paragraph's keywords do not change as
    reports are added) and stop words; equal weights keep the order of first sight."""
    return _ranked([w for w, _, _, _ in word_tokens(folded, search_mode=False)], limit)


def _ranked(own: list[str], limit: int | None) -> list[str]:
    """:func:`keywords` of a text's jieba words ``own`` (:func:`words`)."""
    counts = Counter(own)  # counted in C, then the words that are no keywords dropped
    for w in [w for w in counts if len(w) < 2 or w in _STOP_WORDS]:
        del counts[w]
    idf, median = keyword_weights()
    # each weight computed once (in C: map), the sort keyed by position, the heaviest first
    # (a reversed sort keeps equal weights in their order): no Python function per word
    weights = list(map(mul, counts.values(), map(idf.get, counts, repeat(median))))
    terms = list(counts)
    return [terms[i] for i in sorted(range(len(terms)), key=weights.__getitem__, reverse=True)[:limit]]


END = "\ufffe"  # a noncharacter: after a text's last character, so that every character starts a bigram


def char_tokens(folded: str) -> Iterator[tuple[str, int, int, int]]:
    """Yield ``(bigram, position, start, end)``: each non-space character with the next one,
    and the last with :data:`END`, at the position of its first character (a running count
    of non-space characters). Any typed string is found as the bigrams it is made of, white
    space inside the text skipped (``政 府`` is found by ``政府``); one character is found by
    the bigrams it starts (a prefix of the field's terms), so single characters need no
    postings of their own.
    """
    prev = None  # (char, start) of the previous non-space character
    pos = -1
    for i, ch in enumerate(folded):
        if ch.isspace():
            continue
        if prev is not None:
            yield prev[0] + ch, pos, prev[1], i + 1
        pos += 1
        prev = (ch, i)
    if prev is not None:
        yield prev[0] + END, pos, prev[1], prev[1] + 1


def query_chars(folded: str) -> list[str]:
    """The chars-field terms that find ``folded`` as a phrase: its bigrams, or one character."""
    chars = [ch for ch in folded if not ch.isspace()]
    if len(chars) == 1:
        return chars
    return [a + b for a, b in zip(chars, chars[1:], strict=False)]


class _FoldingTokenizer(Tokenizer):
    """Base for tokenizers that work on the folded text and report original offsets."""

    def _grams(self, folded: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = fold(value)
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for gram, pos, start, end in self._grams(fold(value), mode):
            t.text = gram
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class JiebaTokenizer(_FoldingTokenizer):
    """jieba words of the folded text (search mode when indexing), original offsets."""

    def _grams(self, folded: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        return word_tokens(folded, search_mode=(mode != "query"))


class BigramTokenizer(_FoldingTokenizer):
    """Overlapping bigrams of the folded text (:func:`char_tokens`)."""

    def _grams(self, folded: str, mode: str) -> Iterator[tuple[str, int, int, int]]:
        return char_tokens(folded)


class Analyzed(tuple):
    """A field's postings for one document, computed by the build (indexer.shard), which
    analyses each text once for Whoosh and for its own data: ``(term, frequency, weight,
    encoded value)`` as a format's ``word_values`` yields them; the formats below pass them
    on as they are."""

    @classmethod
    def frequencies(cls, counts: dict[str, int]) -> Analyzed:
        """Terms and how often each occurs: the postings of a frequency format."""
        return cls((term, n, float(n), pack_uint(n)) for term, n in counts.items())


class FoldedFrequency(Frequency):
    """Whoosh's frequency format fed straight from a folding tokenizer's grams (or from the
    build's own analysis, :class:`Analyzed`): the same postings as through Whoosh's Token
    objects, without making and updating a Token for each of the millions of grams of a
    build; no positions (a search checks a string in the text)."""

    def word_values(
        self, value: str, analyzer: Any, **kwargs: Any
    ) -> Iterator[tuple[str, int, float, bytes]]:
        if isinstance(value, Analyzed):
            for term, n, weight, encoded in value:
                yield term, n, weight * self.field_boost, encoded
            return
        if not isinstance(analyzer, _FoldingTokenizer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        counts = Counter(gram for gram, _, _, _ in analyzer._grams(fold(value), kwargs.get("mode", "")))
        for gram, n in counts.items():
            yield gram, n, n * self.field_boost, pack_uint(n)


def keyword_ranks(text: str, own: list[str] | None = None) -> dict[str, int]:
    """A paragraph's :func:`keywords` with their ranks (1 for the most telling word). A
    Traditional paragraph's keywords are those of its Simplified form and of its own text,
    folded (the better rank counts): the keywords a reader picks from it are cut from the
    text they read. ``own``: the jieba words of ``fold(text)`` (:func:`words`), where the
    caller has them."""
    folded = fold(text)
    ranks = {w: r for r, w in enumerate(keywords(folded) if own is None else _ranked(own, KEYWORDS), 1)}
    if is_traditional(text):  # jieba cuts Traditional text its own way: 基礎 建設 設施
        for r, w in enumerate(map(fold, keywords(text.lower())), 1):
            ranks[w] = min(r, ranks.get(w, r))
    return ranks


def JiebaAnalyzer() -> JiebaTokenizer:
    """The analyzer of the word field."""
    return JiebaTokenizer()


def BigramAnalyzer() -> BigramTokenizer:
    """The analyzer of the substring field (any string the user types)."""
    return BigramTokenizer()


SENTENCE_END = re.compile(r"[。！？；!?;]")
"""Where a Chinese sentence ends (used to cut snippets and heading leads)."""

LEAD_CHARS = 40  # of a first sentence, the most searched as its lead: a topic sentence is short


def first_sentence(text: str) -> str:
    """``text`` up to its first sentence end (at most ``LEAD_CHARS`` characters)."""
    m = SENTENCE_END.search(text, 0, LEAD_CHARS)
    return text[: m.start() if m else LEAD_CHARS]
