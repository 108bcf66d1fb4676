"""New wording (新提法): for each report, the words and phrases it is the first of its place to
use, ranked so that the terms a reader would quote come first, and the terms its place's
previous report used prominently that it dropped.

A *phrase* is a run of one to ``MAX_WORDS`` of jieba's words within a sentence, of
``MIN_CHARS``–``MAX_CHARS`` Chinese characters (a ``+`` may follow a word: 互联网+), that
does not start with a function word or a verb that leads a phrase (的, 加快, 推进 …) nor end
with a function word (的, 等 …). It *stands as a term* where nothing of the sentence runs on
into it: the word before it is punctuation, a function word or a verb (建设|雄安新区), and so
is the word after. A phrase is *new* in a report when none of the reports it is compared
with holds it: its place's earlier reports and, for a province, city or district, the
national report of the same year (what a province says that Beijing did not); a place's
first report is compared with the national report of its year (or the latest before it).

New phrases that stand as terms somewhere in the report are ranked by the evidence that
they are terms (``score``): later reports of the place keep using them (within ``WINDOW``
years), other places use them in the same years but not before, the report says them in
several paragraphs, in a heading or a paragraph's first sentence, or in quotation marks;
a phrase that ends in a verb or adverb, runs to many words, is mostly numerals, or is a
name alone ranks lower; one that at least half of the library's reports hold is a common
word (发展, 改革, 建设), never new. A term inside a higher-ranked one (or holding one) is
left out.

The build computes this (:func:`derive`, a step of ``indexer.build.DERIVED``) from what the
shards keep, without cutting any text again (:mod:`indexer.words`); it keeps, per shard,
the terms each report holds (``terms/<shard>.pack``, the evidence other places give) and
per report what was found (``novelty.pack``). A build recomputes the places whose reports
changed (a report added to a place's past changes its later reports' new wording), and,
when a national report changes, the reports of that year; every other report keeps what
the previous build found.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from .analysis import dictionary_cache, segmenter
from .generation import GENERATION, SHARDS, Derivation
from .pack import Strings, read_pack, strings, write_pack
from .places import NATIONAL, place_label
from .schema import HEADING
from .shard import KINDS, Shard
from .words import Words, string_hashes

NOVELTY = "novelty.pack"
TERMS = "terms"  # a folder: one pack per shard

MAX_WORDS = 6
MIN_CHARS, MAX_CHARS = 2, 12
WINDOW = 3  # years after a report in which later reports and other places count as using its terms
SHOWN_NEW = 30
SHOWN_DROPPED = 15
COMMON = 0.5  # a phrase held by this share of the library's reports is a common word
SHORTLIST = 100000  # new terms of a report looked up in the library, the best by the report's own evidence

FUNCTION_WORDS = "的 了 和 与 及 等 是 在 对 把 为 以 从 向 将 要 并 或 也 都 而 之 其 中 上 下 个 这 那 着 地 得 所 被 由 于 同 跟 给 让 使"
LEADING = (
    FUNCTION_WORDS
    + " 我们 我国 进一步 加快 推进 推动 加强 深化 全面 坚持 不断 着力 大力 积极 持续 扎实 切实 实施"
    " 构建 促进 提高 完善 支持 开展 做好 抓好 深入 落实 贯彻 保持 实现 加大 强化 优化 提升 健全 建立 推行 发挥"
    " 坚决 努力 继续 更加 更好 发展 建设 培育 打造 形成 进入 稳步 有序 统筹 巩固 拓展 全力 加速 探索 启动"
    " 开工 建成 完成 确保 争取 力争 围绕 今年 去年 明年 全年"
).split()
TRAILING = (FUNCTION_WORDS + " 方面 工作 问题 领域 有 各 多 再 等等 不 后 前").split()
STRONG_TAGS = {"v", "vd", "d", "ad"}  # verbs and adverbs: a phrase surely stops before or after them
WEAK_TAGS = {"p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "f", "y"}  # 和, 于, 的: it may run on
WEAK_END_TAGS = {"v", "vd", "a", "ad", "d"}  # a phrase ending in one is rarely a term (清醒看到, 继续下降)
NAME_TAGS = {"nr", "nrfg", "nrt", "ns"}
NUMERALS = set("一二三四五六七八九十百千万亿两零〇")
QUOTES_OPEN = {ord(c) for c in "“「‘"}
QUOTES_CLOSE = {ord(c) for c in "”」’"}


# --- the words jieba's dictionary tags -----------------------------------------------------


@dataclass(frozen=True)
class Tagged:
    """Hashes (sorted) of jieba's dictionary words by what they tell of a phrase."""

    strong: np.ndarray  # verbs and adverbs: a phrase stops before or after them
    weak: np.ndarray  # connectives and particles (和, 于, 的): a phrase may run on through them
    weak_end: np.ndarray
    name: np.ndarray
    verb: np.ndarray
    known: np.ndarray  # every word of the dictionary: a phrase holding another is a new coinage or a name
    leading: np.ndarray
    trailing: np.ndarray


TAGS_VERSION = 1  # of the cached tables below: raise it when the lists or tags above change


@cache
def tagged() -> Tagged:
    """The hashes of the words in jieba's dictionary by their part of speech, and of the
    words phrases do not start or end with: made from the dictionary once (a second) and
    kept beside jieba's prefixes (:func:`indexer.analysis.dictionary_cache`)."""
    return dictionary_cache(segmenter(), f"novelty-tags-{TAGS_VERSION}", _tagged)


def _tagged() -> Tagged:
    by: dict[str, list[str]] = defaultdict(list)
    with segmenter().get_dict_file() as fh:  # jieba's own dictionary, as bytes
        for line in fh:
            parts = line.decode("utf-8").split()
            if len(parts) == 3:
                by[parts[2]].append(parts[0])

    def hashes(words: Iterable[str]) -> np.ndarray:
        return np.unique(string_hashes([w for w in words if w]))

    return Tagged(
        strong=hashes(
            [*(w for t in STRONG_TAGS for w in by[t]), *(w for w in LEADING + TRAILING if len(w) > 1), "等"]
        ),
        weak=hashes([*(w for t in WEAK_TAGS for w in by[t]), *FUNCTION_WORDS.split()]),
        weak_end=hashes(w for t in WEAK_END_TAGS for w in by[t]),
        name=hashes(w for t in NAME_TAGS for w in by[t]),
        verb=hashes(w for t in ("v", "vd") for w in by[t]),
        known=hashes(w for words in by.values() for w in words),
        leading=hashes(LEADING),
        trailing=hashes(TRAILING),
    )


def member(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``table`` (sorted, unique): a binary search each, which
    unlike ``np.isin`` sorts nothing (a tenth of the time for a shard's words)."""
    if not len(table):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(table, values), len(table) - 1)
    return table[at] == values


# --- phrases --------------------------------------------------------------------------------


@dataclass
class Phrases:
    """Every occurrence of a phrase in some documents (see the module's description)."""

    hash: np.ndarray
    doc: np.ndarray  # the document (within the Words)
    start: np.ndarray  # characters
    end: np.ndarray
    term: np.ndarray  # stands as a term here: a stop on each side, one of them firm (a verb, punctuation)
    edge: np.ndarray  # stops on one side at least: it is said here, not only as a part of a longer phrase
    head: np.ndarray  # in a heading or a paragraph's first sentence
    quoted: np.ndarray
    unknown: np.ndarray  # holds a word jieba's dictionary does not (新质, 雄安, 碳达峰)
    penalty: np.ndarray  # what makes it less likely a term (see ``score``)


def phrases(words: Words, heading: np.ndarray, lead: np.ndarray) -> Phrases:
    """The phrases of ``words``; ``heading`` and ``lead`` say, per document, whether it is a
    heading and the length of its first sentence (or the heading that leads it)."""
    tags = tagged()
    n = len(words)
    wh = words.hashes()
    chinese = words.chinese()
    plus = (words.end - words.start == 1) & (words.cp[words.start] == ord("+"))
    kinds, kind = np.unique(wh, return_inverse=True)  # a shard has a tenth as many kinds of words as words

    def tagged_as(table: np.ndarray) -> np.ndarray:
        return member(kinds, table)[kind]

    strong = ~chinese | tagged_as(tags.strong)
    stops = strong | tagged_as(tags.weak)
    starts_ok = chinese & ~plus & ~tagged_as(tags.leading)
    ends_ok = chinese & ~tagged_as(tags.trailing)
    weak = tagged_as(tags.weak_end)
    name = tagged_as(tags.name)
    verb = tagged_as(tags.verb)
    unknown = np.zeros(n + 1, np.int64)
    np.cumsum(chinese & ~plus & ~tagged_as(tags.known), out=unknown[1:])
    outside = np.zeros(n + 1, np.int64)
    np.cumsum(~chinese, out=outside[1:])
    numeral = np.isin(words.cp, np.array([ord(c) for c in NUMERALS], np.uint32))
    numerals = np.zeros(len(words.cp) + 1, np.int64)
    np.cumsum(numeral, out=numerals[1:])
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    first = np.flatnonzero(starts_ok)
    for size in range(1, MAX_WORDS + 1):
        k = first[first + size <= n]
        last = k + size - 1
        a, b = words.start[k], words.end[last]
        keep = (
            (words.doc[last] == words.doc[k])
            & (outside[last + 1] == outside[k])
            & ends_ok[last]
            & (b - a >= MIN_CHARS)
            & (b - a <= MAX_CHARS)
        )
        k, last, a, b = k[keep], last[keep], a[keep], b[keep]
        doc = words.doc[k]
        before = k - 1
        after = last + 1
        b_at, a_at = np.maximum(before, 0), np.minimum(after, n - 1)
        left_edge = (before < 0) | (words.doc[b_at] != doc)
        right_edge = (after >= n) | (words.doc[a_at] != doc)
        left = left_edge | stops[b_at]
        right = right_edge | stops[a_at]
        firm = left_edge | right_edge | strong[b_at] | strong[a_at]
        term = left & right & firm
        # what ranks a term is needed where a phrase stands as one (a fifth of them)
        t = np.flatnonzero(term)
        kt, lt, at_, bt, dt = k[t], last[t], a[t], b[t], doc[t]
        opened = (at_ > words.doc_start[dt]) & np.isin(words.cp[np.maximum(at_ - 1, 0)], list(QUOTES_OPEN))
        closed = (bt < words.doc_start[dt + 1]) & np.isin(
            words.cp[np.minimum(bt, len(words.cp) - 1)], list(QUOTES_CLOSE)
        )
        quoted = np.zeros(len(k), bool)
        quoted[t] = opened & closed
        penalty = np.zeros(len(k))
        penalty[t] = (
            0.5 * weak[lt]
            + 0.4 * max(size - 3, 0)
            + 3.0 * (2 * (numerals[bt] - numerals[at_]) >= bt - at_) * ~quoted[t]
            + 1.0 * ((size == 1) & name[kt])
            + 0.5 * verb[kt]
        )
        head = np.zeros(len(k), bool)
        head[t] = heading[dt] | (bt - words.doc_start[dt] <= lead[dt])
        unknown_here = np.zeros(len(k), bool)
        unknown_here[t] = unknown[lt + 1] > unknown[kt]
        parts["hash"].append(words.span_hash(a, b, doc))
        parts["doc"].append(doc)
        parts["start"].append(a)
        parts["end"].append(b)
        parts["term"].append(term)
        parts["edge"].append(left | right)
        parts["head"].append(head)
        parts["quoted"].append(quoted)
        parts["unknown"].append(unknown_here)
        parts["penalty"].append(penalty)
    return Phrases(**{name: np.concatenate(arrays) for name, arrays in parts.items()})


# --- a report's phrases ---------------------------------------------------------------------


@dataclass
class Profile:
    """A report's phrases: every one (hashes, sorted), and those that stand as terms
    somewhere in it, each with the report's own evidence and where it is first said."""

    every: np.ndarray
    held: np.ndarray  # the phrases it says on their own, on one side at least (the evidence others give)
    terms: np.ndarray
    paragraphs: np.ndarray
    head: np.ndarray
    quoted: np.ndarray
    unknown: np.ndarray
    penalty: np.ndarray
    first: np.ndarray  # the document of its first occurrence (within the Words)
    span: np.ndarray  # its characters there, (start, end)
    words: Words | None = None
    anchors: list[str] = field(default_factory=list)  # per document of the Words

    def local(self) -> np.ndarray:
        """Each term's evidence within the report alone (what ``SHORTLIST`` keeps)."""
        return np.log(self.paragraphs) + 0.7 * self.head + 1.0 * self.quoted - self.penalty

    def text(self, i: int) -> str:
        assert self.words is not None
        return self.words.text(int(self.span[i, 0]), int(self.span[i, 1]))


def profiles(
    found: Phrases, report_of_doc: np.ndarray, words: Words, anchors: list[str]
) -> dict[int, Profile]:
    """Each report's profile, by the number ``report_of_doc`` gives its documents."""
    report = report_of_doc[found.doc]
    # by report, phrase, document: three stable sorts, of which only the phrases' costs much
    # (the phrases come in runs of document order, a shard's reports are few)
    order = np.argsort(found.doc, kind="stable")
    order = order[np.argsort(found.hash[order], kind="stable")]
    small = np.uint16 if report.max(initial=0) < 1 << 16 else np.int64
    order = order[np.argsort(report[order].astype(small), kind="stable")]
    cuts = np.flatnonzero(np.diff(report[order])) + 1
    return {
        int(report[rows[0]]): _profile(found, rows, words, anchors)
        for rows in np.split(order, cuts)
        if len(rows)
    }


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array."""
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _profile(found: Phrases, rows: np.ndarray, words: Words, anchors: list[str]) -> Profile:
    """The profile of one report, from its phrases' ``rows`` (by phrase, then document)."""
    every = _sorted_unique(found.hash[rows])
    held = _sorted_unique(found.hash[rows[found.edge[rows]]])
    rows = rows[found.term[rows]]
    h = found.hash[rows]
    docs = found.doc[rows]
    begin = np.flatnonzero(np.r_[True, h[1:] != h[:-1]]) if len(rows) else np.empty(0, np.int64)
    if not len(rows):
        none = np.empty(0, np.int64)
        flags = none.astype(bool)
        return Profile(
            every,
            held,
            none.astype(np.uint64),
            none,
            flags,
            flags,
            flags,
            none.astype(float),
            none,
            np.empty((0, 2), np.int64),
            words,
            anchors,
        )
    new_doc = np.r_[True, (h[1:] != h[:-1]) | (docs[1:] != docs[:-1])]
    return Profile(
        every=every,
        held=held,
        terms=h[begin],
        paragraphs=np.add.reduceat(new_doc.astype(np.int64), begin),
        head=np.maximum.reduceat(found.head[rows], begin),
        quoted=np.maximum.reduceat(found.quoted[rows], begin),
        unknown=found.unknown[rows][begin],
        penalty=found.penalty[rows][begin],
        first=docs[begin],
        span=np.stack([found.start[rows][begin], found.end[rows][begin]], 1),
        words=words,
        anchors=anchors,
    )


# --- the library: what each report is compared with ------------------------------------------


@dataclass
class Library:
    """The new generation's reports: each one's place (a label) and year, and each place's
    reports, oldest first."""

    place: dict[str, str]
    year: dict[str, int | None]
    by_place: dict[str, list[str]]

    @property
    def places(self) -> list[str]:
        return list(self.by_place)

    @classmethod
    def of(cls, record: dict) -> Library:
        summaries = record["summaries"]
        place = {rid: place_label(s.get("place") or [s["region"]]) for rid, s in summaries.items()}
        year = {rid: s.get("year") for rid, s in summaries.items()}
        by_place: dict[str, list[str]] = defaultdict(list)
        for rid in sorted(summaries, key=lambda r: (year[r] or 0, r)):
            by_place[place[rid]].append(rid)
        return cls(place, year, dict(by_place))

    def earlier(self, rid: str) -> list[str]:
        """The reports of ``rid``'s place from before its year, oldest first."""
        year = self.year[rid]
        if year is None:
            return []
        return [r for r in self.by_place[self.place[rid]] if (self.year[r] or year) < year]

    def compared_with(self, rid: str) -> list[str]:
        """What a report's wording is new against: its place's earlier reports, and for a
        place below the nation the national report of its year; a place's first report
        without one, the latest national report before it."""
        year = self.year[rid]
        if year is None:
            return []
        earlier = self.earlier(rid)
        if self.place[rid] == NATIONAL:
            return earlier
        national = [r for r in self.by_place.get(NATIONAL, []) if self.year[r] == year]
        if earlier or national:
            return earlier + national
        before = [r for r in self.by_place.get(NATIONAL, []) if (self.year[r] or year) < year]
        return before[-1:]

    def previous(self, rid: str) -> str | None:
        earlier = self.earlier(rid)
        return earlier[-1] if earlier else None

    def places_in(self, first: int, last: int) -> dict[str, int]:
        """How many places other than each have a report in the years ``first``..``last``:
        by place, the number of *other* places (see :func:`score`)."""
        present = {
            p for p, ids in self.by_place.items() if any(first <= (self.year[r] or 0) <= last for r in ids)
        }
        return {p: len(present - {p}) for p in self.by_place}


# --- evidence from the library ---------------------------------------------------------------


@dataclass
class Holders:
    """For some terms (hashes, sorted), the reports that hold each as a term: ``term[i]``
    is held by report ``report[i]`` (an index into ``ids``)."""

    terms: np.ndarray
    term: np.ndarray
    report: np.ndarray
    ids: list[str]
    year: np.ndarray  # per report of ``ids``
    place: np.ndarray  # per report of ``ids``: its place's number in ``Library.places``

    @cached_property
    def offsets(self) -> np.ndarray:
        """Where the pairs of each term start in ``term`` (and the end)."""
        return np.searchsorted(self.term, np.arange(len(self.terms) + 1))

    def of(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``hashes``: pairs (its position in ``hashes``, a report holding it)."""
        at = np.minimum(np.searchsorted(self.terms, hashes), max(len(self.terms) - 1, 0))
        known = (self.terms[at] == hashes) if len(self.terms) else np.zeros(len(hashes), bool)
        starts = self.offsets[at[known]]
        counts = self.offsets[at[known] + 1] - starts
        which = np.repeat(np.flatnonzero(known), counts)
        rows = (
            np.arange(counts.sum())
            - np.repeat(np.cumsum(counts) - counts, counts)
            + np.repeat(starts, counts)
        )
        return which, self.report[rows]


def holders(
    packs: list[tuple[dict[str, np.ndarray], set[str]]], wanted: np.ndarray, library: Library
) -> Holders:
    """Which live reports hold each of the terms ``wanted`` (sorted unique hashes), from
    the shards' term packs (each with the reports no longer live in it)."""
    ids: list[str] = []
    terms_out, reports_out = [], []
    for data, dead in packs:
        names = Strings(data["reports.blob"], data["reports.offsets"]).tolist()
        hashes = data["hash"]
        offsets = np.zeros(len(hashes) + 1, np.int64)
        np.cumsum(data["count"], out=offsets[1:])
        at = np.minimum(np.searchsorted(hashes, wanted), max(len(hashes) - 1, 0))
        held = hashes[at] == wanted if len(hashes) else np.zeros(len(wanted), bool)
        lo = offsets[at]
        counts = np.where(held, offsets[at + 1] - lo, 0)
        which = np.repeat(np.arange(len(wanted)), counts)
        rows = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
        local = data["report"][rows].astype(np.int64)
        alive = np.array([n not in dead for n in names], bool)
        keep = alive[local] if len(names) else np.zeros(0, bool)
        terms_out.append(which[keep])
        reports_out.append(local[keep] + len(ids))
        ids += names
    term = np.concatenate(terms_out) if terms_out else np.empty(0, np.int64)
    report = np.concatenate(reports_out) if reports_out else np.empty(0, np.int64)
    order = np.argsort(term, kind="stable")
    number = {p: i for i, p in enumerate(library.places)}
    year = np.array([library.year.get(r) or 0 for r in ids], np.int64)
    place = np.array([number.get(library.place.get(r, ""), -1) for r in ids], np.int64)
    return Holders(wanted, term[order], report[order], ids, year, place)


def write_terms(path: Path, ids: list[str], found: dict[int, Profile]) -> None:
    """The terms pack of a shard: every phrase its reports say on their own (hashes, sorted,
    each once), how many of its reports say each, and those reports (by phrase), each array
    in the smallest type that holds it (half a phrase's pairs are of one report)."""
    hashes = [p.held for p in found.values()]
    reports = [np.full(len(p.held), i, np.int64) for i, p in found.items()]
    h = np.concatenate(hashes) if hashes else np.empty(0, np.uint64)
    r = np.concatenate(reports) if reports else np.empty(0, np.int64)
    order = np.argsort(h, kind="stable")
    unique, counts = np.unique(h[order], return_counts=True)
    blob, offsets = strings(ids)
    write_pack(
        path,
        {
            "hash": unique,
            "count": counts.astype(_smallest(counts.max(initial=0))),
            "report": r[order].astype(_smallest(len(ids))),
            "reports.blob": blob,
            "reports.offsets": offsets,
        },
    )


def _smallest(most: int) -> type:
    """The smallest unsigned integer type that holds ``most``."""
    return next(t for t in (np.uint8, np.uint16, np.uint32) if most <= np.iinfo(t).max)


# --- ranking -----------------------------------------------------------------------------------


def score(
    profile: Profile,
    rows: np.ndarray,
    library: Library,
    rid: str,
    found: Holders,
    others: dict[str, int],
) -> np.ndarray:
    """The evidence that each of the terms ``rows`` of ``profile`` (the report ``rid``'s) is
    a term a reader would quote, from the reports ``found`` holding them; ``others`` counts
    the other places with a report in the years of ``WINDOW``. -inf for a common word."""
    year = library.year[rid] or 0
    place = library.places.index(library.place[rid])
    which, holder = found.of(profile.terms[rows])
    n = len(rows)
    h_year, h_place = found.year[holder], found.place[holder]
    same = h_place == place
    later = np.bincount(which[same & (h_year > year)], minlength=n)
    coming = sum(1 for r in library.by_place[library.place[rid]] if (library.year[r] or 0) > year)
    other = ~same & (h_year >= year) & (h_year <= year + WINDOW)
    after = _distinct(which[other], h_place[other], n)
    past = ~same & (h_year < year)
    before = _distinct(which[past], h_place[past], n)
    total = np.bincount(which, minlength=n)
    common = total >= max(COMMON * len(library.place), 8)
    share = after / max(others.get(library.place[rid], 0), 1)
    emerging = after / np.maximum(after + before, 1)
    evidence = (
        np.log1p(later)
        + 2.0 * later / max(coming, 1)
        + np.log1p(after)
        + 1.5 * share
        - 2.0 * (before > 0) * (1 - emerging)
        + 0.7 * profile.unknown[rows] * ((later > 0) | (after > 1))
    )
    out = profile.local()[rows] + evidence
    out[common] = -np.inf
    return out


def _distinct(which: np.ndarray, places: np.ndarray, n: int) -> np.ndarray:
    """How many distinct places stand beside each term."""
    pairs = np.sort(which.astype(np.int64) << 32 | places.astype(np.int64))
    return np.bincount(_sorted_unique(pairs) >> 32, minlength=n)


NESTED = 1.0  # a term inside a chosen one replaces it when it scores at most this much lower


def _chosen(profile: Profile, rows: np.ndarray, scores: np.ndarray, limit: int) -> list[int]:
    """The best ``limit`` of ``rows`` by ``scores``, none inside another chosen one or holding
    it: of two nested terms, the shorter where it is nearly as long and scores nearly as
    well (乡村振兴 before 乡村振兴战略)."""
    chosen: list[tuple[int, str, float]] = []
    for i in np.argsort(-scores, kind="stable").tolist():
        if not np.isfinite(scores[i]) or len(chosen) >= limit:
            break
        text = profile.text(int(rows[i]))
        outer = [k for k, (_, t, _) in enumerate(chosen) if text in t]
        near = (
            outer
            and 3 * len(text) >= 2 * len(chosen[outer[0]][1])
            and scores[i] >= chosen[outer[0]][2] - NESTED
        )
        if near and not any(t in text for _, t, _ in chosen):
            chosen[outer[0]] = (int(rows[i]), text, float(scores[i]))
            continue
        if outer or any(t in text for _, t, _ in chosen):
            continue
        chosen.append((int(rows[i]), text, float(scores[i])))
    return [r for r, _, _ in chosen]


# --- the build step ------------------------------------------------------------------------------


@dataclass
class _Shards:
    """The new generation's shards: where each live report is, and its reports' profiles
    as they are computed."""

    path: Path
    entries: dict[str, dict]
    located: dict[str, tuple[str, int]] = field(default_factory=dict)  # report -> shard, its number there
    found: dict[str, Profile] = field(default_factory=dict)
    opened: dict[str, Shard] = field(default_factory=dict)

    @classmethod
    def of(cls, path: Path) -> _Shards:
        info = json.loads((path / GENERATION).read_text(encoding="utf-8"))
        out = cls(path, {s["name"]: s for s in info["shards"]})
        for name, entry in out.entries.items():
            dead = set(entry.get("removed", []))
            out.located.update((rid, (name, i)) for i, rid in enumerate(entry["reports"]) if rid not in dead)
        return out

    def shard(self, name: str) -> Shard:
        if name not in self.opened:
            self.opened[name] = Shard(self.path / SHARDS / name)
        return self.opened[name]

    def read(self, name: str, reports: list[int] | None = None) -> dict[str, Profile]:
        """The profiles of ``reports`` (local numbers; every report) of the shard ``name``."""
        shard = self.shard(name)
        report_of_doc = shard.data["report"].astype(np.int64)
        docs = np.arange(shard.docs) if reports is None else np.flatnonzero(np.isin(report_of_doc, reports))
        words = Words.of_shard(shard, docs)
        heading = (shard.data["kind"] == KINDS[HEADING])[docs]
        lead = np.maximum(shard.data["lead_len"].astype(np.int64), 0)[docs]
        anchors = [shard.anchors[d] for d in docs.tolist()]
        found = profiles(phrases(words, heading, lead), report_of_doc[docs], words, anchors)
        names = self.entries[name]["reports"]
        return {names[i]: p for i, p in found.items()}

    def profiles(self, ids: Iterable[str]) -> dict[str, Profile]:
        """The profiles of the reports ``ids``, computed where not yet."""
        missing: dict[str, list[int]] = defaultdict(list)
        for rid in ids:
            if rid not in self.found and rid in self.located:
                name, i = self.located[rid]
                missing[name].append(i)
        for name, local in missing.items():
            self.found.update(self.read(name, local))
        return {rid: self.found[rid] for rid in ids if rid in self.found}


def derive(step: Derivation) -> None:
    """Write ``terms/`` and ``novelty.pack`` for the new generation ``step.path``."""
    library = Library.of(step.record)
    shards = _Shards.of(step.path)
    old_terms = step.old.path / TERMS if step.old is not None else None
    (step.path / TERMS).mkdir(exist_ok=True)
    for name in shards.entries:
        target = step.path / TERMS / f"{name}.pack"
        if old_terms is not None and (old_terms / f"{name}.pack").exists():
            os.link(old_terms / f"{name}.pack", target)  # a kept shard: its reports are as they were
            continue
        found = shards.read(name)
        shards.found.update(found)
        ids = shards.entries[name]["reports"]
        write_terms(target, ids, {ids.index(rid): p for rid, p in found.items()})
    before = read_all(step.old.path) if step.old is not None and (step.old.path / NOVELTY).exists() else {}
    redo = _affected(step, library, before)
    packs: list[tuple[dict[str, np.ndarray], set[str]]] = [
        (read_pack(step.path / TERMS / f"{name}.pack"), set(entry.get("removed", [])))
        for name, entry in shards.entries.items()
    ]
    fresh = _novelty(library, shards, sorted(redo), packs)
    out = {rid: before[rid] for rid in library.place if rid not in redo and rid in before}
    out.update(fresh)
    write(step.path / NOVELTY, out)


def _affected(step: Derivation, library: Library, before: dict[str, str]) -> set[str]:
    """The reports whose new wording this build finds again: every one after a rebuild;
    else those of the places a report was written to or removed from, and those compared
    with another report than before (a national report of their year came or went)."""
    if not before:
        return set(library.place)
    changed = set(step.written) | step.removed
    old_places = {
        place_label(s.get("place") or [s["region"]])
        for rid, s in (step.old.record if step.old else {}).get("summaries", {}).items()
        if rid in step.removed
    }
    places = {library.place[r] for r in step.written if r in library.place} | old_places
    out = {rid for rid, place in library.place.items() if place in places or rid not in before}
    for rid in library.place:
        compared = library.compared_with(rid)
        if set(compared) & changed or (
            rid in before and json.loads(before[rid])["compared_with"] != compared
        ):
            out.add(rid)
    return out


def _first_years(
    found: dict[str, Profile], library: Library, ids: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """For the phrases of the reports ``ids`` (one place's), the year each was first said
    there: (hashes sorted, years)."""
    parts = [(found[r].every, library.year[r] or 0) for r in ids if r in found]
    if not parts:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    hashes = np.concatenate([h for h, _ in parts])
    years = np.concatenate([np.full(len(h), y, np.int64) for h, y in parts])
    order = np.lexsort((years, hashes))
    hashes, years = hashes[order], years[order]
    first = np.r_[True, hashes[1:] != hashes[:-1]]
    return hashes[first], years[first]


def _year_of(table: tuple[np.ndarray, np.ndarray], hashes: np.ndarray) -> np.ndarray:
    keys, years = table
    at = np.minimum(np.searchsorted(keys, hashes), max(len(keys) - 1, 0))
    if not len(keys):
        return np.zeros(len(hashes), np.int64)
    return np.where(keys[at] == hashes, years[at], 0)


def _novelty(
    library: Library, shards: _Shards, redo: list[str], packs: list[tuple[dict[str, np.ndarray], set[str]]]
) -> dict[str, str]:
    """The new wording of the reports ``redo``, as JSON by report."""
    out: dict[str, str] = {}
    plans = []
    wanted = []
    by_place: dict[str, list[str]] = defaultdict(list)
    for rid in redo:
        by_place[library.place[rid]].append(rid)
    for place, ids in by_place.items():
        series = library.by_place[place]
        found = shards.profiles(series + [c for r in ids for c in library.compared_with(r)])
        first = _first_years(found, library, series)
        for rid in ids:
            compared = library.compared_with(rid)
            profile = found.get(rid)
            if profile is None or library.year[rid] is None or not compared:
                out[rid] = _json(rid, compared, [], [])
                continue
            others = [found[c].every for c in compared if library.place[c] != place and c in found]
            fresh = _year_of(first, profile.terms) == library.year[rid]
            for every in others:  # each sorted and distinct
                fresh &= ~member(profile.terms, every)
            rows = np.flatnonzero(fresh)
            rows = rows[np.argsort(-profile.local()[rows], kind="stable")[:SHORTLIST]]
            previous = library.previous(rid)
            old = found.get(previous) if previous else None
            gone = np.empty(0, np.int64)
            if old is not None:
                prominent = (old.paragraphs >= 2) | old.head | old.quoted
                gone = np.flatnonzero(prominent & ~member(old.terms, profile.every))
                gone = gone[np.argsort(-old.local()[gone], kind="stable")[:SHORTLIST]]
                wanted.append(old.terms[gone])
            wanted.append(profile.terms[rows])
            plans.append((rid, compared, profile, rows, previous, old, gone, first))
    terms = _sorted_unique(np.sort(np.concatenate(wanted))) if wanted else np.empty(0, np.uint64)
    found_in = holders(packs, terms, library)
    windows: dict[int, dict[str, int]] = {}
    for rid, compared, profile, rows, previous, old, gone, first in plans:
        year = library.year[rid] or 0
        if year not in windows:
            windows[year] = library.places_in(year, year + WINDOW)
        ranked = score(profile, rows, library, rid, found_in, windows[year])
        new = [
            {
                "term": profile.text(i),
                "paragraphs": int(profile.paragraphs[i]),
                "anchor": profile.anchors[profile.first[i]],
            }
            for i in _chosen(profile, rows, ranked, SHOWN_NEW)
        ]
        dropped = []
        if old is not None and previous is not None:
            which, _ = found_in.of(old.terms[gone])
            common = np.bincount(which, minlength=len(gone)) >= max(COMMON * len(library.place), 8)
            recent = _year_of(first, old.terms[gone]) >= (library.year[previous] or 0) - WINDOW
            ranked = old.local()[gone] + 1.0 * recent
            ranked[common] = -np.inf
            dropped = [
                {"term": old.text(i), "last_seen": previous}
                for i in _chosen(old, gone, ranked, SHOWN_DROPPED)
            ]
        out[rid] = _json(rid, compared, new, dropped)
    return out


def _json(rid: str, compared: list[str], new: list[dict], dropped: list[dict]) -> str:
    return json.dumps(
        {"report_id": rid, "compared_with": compared, "new": new, "dropped": dropped}, ensure_ascii=False
    )


def write(path: Path, entries: dict[str, str]) -> None:
    """``novelty.pack``: each report's new wording as JSON, by report id (sorted)."""
    ids = sorted(entries)
    id_blob, id_offsets = strings(ids)
    blob, offsets = strings([entries[r] for r in ids])
    write_pack(
        path, {"ids.blob": id_blob, "ids.offsets": id_offsets, "json.blob": blob, "json.offsets": offsets}
    )


class NoveltyPack:
    """A generation's ``novelty.pack``, mapped: a report's new wording is decoded when asked for."""

    def __init__(self, generation: Path):
        if not (generation / NOVELTY).exists():  # a generation built without the step: nothing found
            self.ids: dict[str, int] = {}
            self.entries = Strings(np.zeros(0, np.uint8), np.zeros(1, np.int64))
            return
        data = read_pack(generation / NOVELTY)
        self.ids = {rid: i for i, rid in enumerate(Strings(data["ids.blob"], data["ids.offsets"]).tolist())}
        self.entries = Strings(data["json.blob"], data["json.offsets"])

    def get(self, report_id: str) -> dict | None:
        at = self.ids.get(report_id)
        return None if at is None else json.loads(self.entries[at])

    def raw(self) -> dict[str, str]:
        return {rid: self.entries[i] for rid, i in self.ids.items()}


def read_all(generation: Path) -> dict[str, str]:
    return NoveltyPack(generation).raw()
