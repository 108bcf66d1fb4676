"""Search recall against a brute-force substring scan, and query latency.

Recall: random 1–6-character strings cut from indexed paragraphs, typed in the same and in
the other script, searched; every paragraph whose folded text contains the string must come
back; and each other kind of query the issue names. Ranking: mean reciprocal rank of the
paragraph that 2–3 keywords were taken from, beside the best any ranking can reach while
putting the query as typed first. Latency: mixed queries cut from the reports (words, pairs, phrases, substrings, single
characters, the other script, numbers, Latin, filters), each run once, half in-process and
half through /api/search over loopback HTTP.

Judged ranking, for each judged set apart: ``judgments.tsv`` (topics typed as people type
them, no spaces) and the wording set (``queries-wording.tsv``, graded in
``judgments-wording.tsv``: queries whose best paragraphs may use other wording) and the
held-out set (``queries-held.tsv``, ``judgments-held.tsv``: written and graded before the
ranking was tuned on the other two, never tuned on), with the paragraphs a reader would cite graded by hand: nDCG@10 and precision@10 over the graded
queries, the queries that find nothing, and the share of the top 10 not graded;
``--per-query`` adds each query's nDCG@10 and names those below 0.5.

Usage: python benchmarks/search.py [--index DIR] [--samples N] [--queries N] [--judged-only]
       [--per-query]
"""

from __future__ import annotations

import argparse
import http.client
import logging
import math
import random
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import jieba
import jieba.analyse
import opencc
from common import percentile, shared_index
from judged import SETS, Key, ndcg, top
from werkzeug.serving import make_server

from indexer.analysis import fold, is_traditional, segmenter, word_tokens
from indexer.documents import fragment_kind
from indexer.schema import BODY, HEADING, PARAGRAPH
from search import create_app
from search.engine import search, with_wordings
from search.handle import IndexHandle
from search.query import parse, plan
from search.scoring import ScoreCache, Scorer

SCORES = ScoreCache()  # what the searches of the benchmark index share, as a server's would
QUERIES = [
    "民生",
    "营商环境",
    "河涌",
    "荔湾",
    "互联网",
    "地铁",
    "的",
    "河",
    "6.3%",
    "PM2.5",
    "GDP",
    "经济 发展",
    '"经济 发展"',
    "改革 -农村",
    "创新 OR 改革",
    "year:2017 改革",
    "year:2015-2018 生态",
    "region:广州 地铁",
    "供给侧结构性改革",
    "乡村振兴",
    "人民生活",
    "粤港澳大湾区",
    "一带一路",
    "白鹅潭",
    "三大平台",
    "高质量发展",
    "脱贫攻坚",
    "新冠",
    "碳达峰",
    "放管服",
]


def all_blocks(searcher) -> list[tuple[str, str, str]]:
    """Every paragraph and heading, in a fixed order (document numbers vary between builds)."""
    return sorted(
        (d["report_id"], d["block_id"], d["text"])
        for kind in (PARAGRAPH, HEADING)
        for d in searcher.documents(kind=kind)
    )


def random_queries(blocks, n: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < n:
        _, _, text = rng.choice(blocks)
        size = rng.randint(1, 6)
        if len(text) < size:
            continue
        start = rng.randrange(len(text) - size + 1)
        q = text[start : start + size]
        if _typeable(q):
            out.append(q)
    return out


def recall(searcher, blocks, queries: list[str], sources: list | None = None) -> float:
    """Mean share of the paragraphs holding the query (folded, white space ignored) that
    the search finds; a query's source paragraph, when given, must be found too."""
    folded = [(rid, bid, re.sub(r"\s", "", fold(t))) for rid, bid, t in blocks]
    scores = []
    for q, source in zip(queries, sources or [None] * len(queries), strict=True):
        needle = re.sub(r"\s", "", fold(q))
        truth = {(rid, bid) for rid, bid, t in folded if needle in t} | ({source} if source else set())
        docs = Scorer(searcher, SCORES).matching(plan(with_wordings(searcher, parse(q)))).ids.tolist()
        found = {(f["report_id"], f["block_id"]) for f in map(searcher.stored_fields, docs)}
        scores.append(len(truth & found) / len(truth) if truth else 1.0)
        if truth - found:
            print(f"  missed {len(truth - found)} of {len(truth)} for {q!r}")
    return sum(scores) / len(scores)


NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|％|亿元|万元|元|万人|人|公里|平方米|万吨|吨|个|项|家|所)")
LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]{2,}[0-9０-９.]*")


def kind_queries(blocks, n: int, rng: random.Random) -> dict[str, tuple[list[str], list]]:
    """Queries of each kind the issue names, cut from random paragraphs: (queries, the
    paragraph each must find or None)."""
    tw2sp = opencc.OpenCC("tw2sp")
    # Traditional paragraphs (a Simplified one through tw2sp only shows OpenCC's slips)
    taiwan = [b for b in blocks if is_traditional(b[2]) and fold(tw2sp.convert(b[2])) != fold(b[2])]
    kinds: dict[str, tuple[list[str], list]] = {}

    def collect(name, pool, pick):
        queries, sources = [], []
        for _ in range(n * 50):
            if len(queries) >= n or not pool:
                break
            rid, bid, text = rng.choice(pool)
            q = pick(text)
            if q and _typeable(q):
                queries.append(q)
                sources.append((rid, bid) if name.startswith("mainland") else None)
        kinds[name] = (queries, sources)

    def words(text):
        return [w for w, _, _, _ in word_tokens(fold(text), search_mode=False) if len(w) >= 2]

    collect("dictionary words", blocks, lambda t: rng.choice(words(t) or [""]))
    collect("numbers with units or percent", blocks, lambda t: rng.choice(NUMBER.findall(t) or [""]))
    collect("Latin abbreviations", blocks, lambda t: rng.choice(LATIN.findall(t) or [""]))
    collect(
        "mainland wording of Taiwan wording",
        taiwan,
        lambda t: rng.choice(
            [w for w in words(tw2sp.convert(t)) if w not in fold(t) and segmenter().FREQ.get(w)] or [""]
        ),
    )
    collect("single characters", blocks, lambda t: rng.choice([c for c in t if c.isalnum()] or [""]))
    return kinds


def _typeable(q: str) -> bool:
    """Whether ``q`` is searched as one literal term, as typed (no space, quote, operator)."""
    return parse(q).groups == [[q]]


KEYWORDS = {
    "jieba": "its top TF-IDF keywords by jieba.analyse",
    "corpus": "its top TF-IDF words, IDF from the index",
    "any": "any of its words",
}


def keyword_queries(searcher, blocks, n: int, rng: random.Random, mode: str) -> list[tuple[str, str, str]]:
    """2–3 keywords from one paragraph, chosen as ``KEYWORDS[mode]`` says."""
    docs = searcher.doc_count()
    out = []
    while len(out) < n:
        rid, bid, text = rng.choice(blocks)
        words = [
            w for w, _, _, _ in word_tokens(fold(text), search_mode=False) if len(w) >= 2 and not w.isdigit()
        ]
        if mode == "jieba":
            words = jieba.analyse.extract_tags(text, topK=3)
        elif mode == "corpus":
            tf = {w: words.count(w) for w in set(words)}
            idf = {w: math.log(docs / (1 + searcher.generation.document_frequency("content", w))) for w in tf}
            words = sorted(tf, key=lambda w: (-tf[w] * idf[w], w))[:3]
        else:
            words = list(dict.fromkeys(words))
        if len(words) < 3:
            continue
        out.append((rid, bid, " ".join(rng.sample(words, rng.choice([2, 3])))))
    return out


def mean_reciprocal_rank(searcher, items, group: bool = False) -> float:
    """Of the paragraph each query was cut from, the mean reciprocal rank among the
    paragraphs listed (grouped by report: in the order the cards show them)."""
    total = 0.0
    for rid, bid, q in items:
        result = search(searcher, q, parse(q), per_page=100 if not group else 34, group=group, cache=SCORES)
        ranks = [i for i, h in enumerate(result.hits, 1) if (h.report_id, h.paragraph_id) == (rid, bid)]
        total += 1 / ranks[0] if ranks else 0.0
    return total / len(items)


def exact_first_bound(blocks, items) -> float:
    """The highest mean reciprocal rank any ranking can reach that puts the paragraphs
    holding the query as typed (its words side by side, in order) first, as the issue
    asks: when the source paragraph does not hold it, every one that does ranks above."""
    folded = {(rid, bid): re.sub(r"\s", "", fold(t)) for rid, bid, t in blocks}
    total = 0.0
    for rid, bid, q in items:
        joined = "".join(fold(w) for w in q.split())
        if joined not in folded[(rid, bid)]:
            total += 1 / (1 + sum(joined in t for t in folded.values()))
        else:
            total += 1.0
    return total / len(items)


def counting_bound(blocks, items) -> float:
    """The highest mean reciprocal rank any ranking can reach that counts words: one that
    never puts a paragraph below another that holds every query word at least as often, is
    no longer, and holds the query as typed if it does (a paragraph whose words tell it
    apart by their counts). Copies of the same text share their rank."""
    folded = {(rid, bid): re.sub(r"\s", "", fold(t)) for rid, bid, t in blocks}
    total = 0.0
    for rid, bid, q in items:
        words = [fold(w) for w in q.split()]
        joined = "".join(words)
        target = folded[(rid, bid)]
        counts = [target.count(w) for w in words]
        above = 0.0
        for key, text in folded.items():
            if key == (rid, bid) or not all(w in text for w in words):
                continue
            if text == target:
                above += 0.5
            elif (
                all(text.count(w) >= c for w, c in zip(words, counts, strict=True))
                and len(text) <= len(target)
                and (joined in text or joined not in target)
            ):
                above += 1
        total += 1 / (1 + above)
    return total / len(items)


@dataclass
class Judged:
    """One judged query's top 10 against its grades."""

    query: str
    found: int  # paragraphs the query finds
    ndcg: float | None  # None until the query is graded
    relevant: int  # of the top k, paragraphs graded 1 or 2
    unjudged: int  # of the top k, paragraphs not graded
    shown: int


def judge(searcher, query: str, grades: dict[Key, int], typed: str, k: int = 10) -> Judged:
    """nDCG@k of ``typed`` (an unjudged paragraph counts as 0, as does one graded 0), and
    the counts precision and the unjudged share are drawn from."""
    found, listed = top(searcher, typed, SCORES, k)
    gains = [grades.get(item.key) for item in listed]
    return Judged(
        query,
        found,
        ndcg(gains, grades, k) if grades else None,
        sum((g or 0) >= 1 for g in gains),
        sum(g is None for g in gains),
        len(gains),
    )


def summary(results: list[Judged], k: int = 10) -> str:
    """Mean nDCG@k and precision@k over the graded queries (the top k's share graded 1 or 2,
    unjudged counting as not relevant, a short list's missing places too), the queries with
    no result, and the share of the top k that is unjudged."""
    graded = [r for r in results if r.ndcg is not None]
    empty = [r.query for r in results if not r.found]
    scores = (
        f"nDCG@{k} {sum(r.ndcg or 0 for r in graded) / len(graded):.3f}, precision@{k} "
        f"{sum(r.relevant for r in graded) / (k * len(graded)):.3f}"
        if graded
        else "nDCG and precision: none graded yet"
    )
    names = f" ({', '.join(empty)})" if empty else ""
    unjudged = sum(r.unjudged for r in results) / max(1, sum(r.shown for r in results))
    return (
        f"{scores}, no results {len(empty) / len(results):.0%}{names}, unjudged in the top {k} {unjudged:.0%}"
    )


def per_query(results: list[Judged], k: int = 10) -> None:
    """Each query's nDCG@k and precision@k (- until graded) and what it finds, then the
    graded queries below 0.5."""
    for r in results:
        scores = (
            f"{r.ndcg:.3f}  precision {r.relevant / k:.1f}" if r.ndcg is not None else "  -    precision  - "
        )
        print(f"  {scores}  unjudged {r.unjudged}/{r.shown}  found {r.found:5d}  {r.query}")
    if any(r.ndcg is not None for r in results):
        low = [r.query for r in results if r.ndcg is not None and r.ndcg < 0.5]
        print(f"  below 0.5: {', '.join(low) if low else 'none'}")


def judged_sets(searcher, show: bool) -> None:
    """Each judged set, as typed and as one literal string; with ``show``, per query."""
    for name, graded in ((chosen.name, chosen.graded()) for chosen in SETS.values()):
        for label, as_typed in (
            ("as typed", lambda q: q),
            ('as one literal string ("…", as before #11)', lambda q: f'"{q}"'),
        ):
            results = [judge(searcher, q, grades, as_typed(q)) for q, grades in graded.items()]
            done = sum(r.ndcg is not None for r in results)
            print(f"judged queries, {name} ({len(results)}, {done} graded), {label}: {summary(results)}")
            if show and label == "as typed":
                per_query(results)


def mixed_queries(blocks, n: int, rng: random.Random) -> list[str]:
    """Queries like users type, cut from the paragraphs: words (one, two, a quoted pair),
    substrings, single characters, the other script, numbers, Latin, filters."""
    s2t = opencc.OpenCC("s2t")
    out = list(QUERIES)
    while len(out) < n:
        rid, _, text = rng.choice(blocks)
        words = [w for w, _, _, _ in word_tokens(fold(text), search_mode=False) if len(w) >= 2]
        kind = rng.random()
        if not words:
            continue
        if kind < 0.3:
            q = rng.choice(words)
        elif kind < 0.45:
            q = " ".join(rng.sample(words, 2)) if len(words) > 1 else words[0]
        elif kind < 0.55:
            i = rng.randrange(len(words) - 1) if len(words) > 1 else 0
            q = '"' + " ".join(words[i : i + 2]) + '"'
        elif kind < 0.65:
            size = rng.randint(2, 6)
            start = rng.randrange(max(1, len(text) - size))
            q = re.sub(r'[\s"“”「」『』-]', "", text[start : start + size])
        elif kind < 0.75:
            q = rng.choice([ch for ch in text if ch.isalnum()] or ["的"])
        elif kind < 0.85:
            q = s2t.convert(rng.choice(words))
        elif kind < 0.9:
            found = re.findall(r"\d+(?:\.\d+)?(?:%|亿元|万元|万人|公里)", text)
            q = rng.choice(found) if found else rng.choice(words)
        elif kind < 0.95:
            found = re.findall(r"[A-Za-z][A-Za-z0-9.]+", text)
            q = rng.choice(found) if found else rng.choice(words)
        else:
            m = re.search(r"(\d{4})", rid)
            q = f"{rng.choice(words)} year:{m.group(1)}" if m else rng.choice(words)
        if q.strip():
            out.append(q)
    return out


def private_mb() -> float:
    """This process's private resident memory (Linux), in MB."""
    status = Path("/proc/self/status")
    if not status.exists():
        return float("nan")
    kb = next(
        (line.split()[1] for line in status.read_text().splitlines() if line.startswith("RssAnon")), "nan"
    )
    return float(kb) / 1024


def latency_in_process(index: Path, queries: list[str]) -> list[float]:
    started = time.perf_counter()
    handle = IndexHandle(index)
    handle.release(handle.acquire())
    print(f"index opened in {time.perf_counter() - started:.2f} s; process memory {private_mb():.0f} MB")
    times = []
    for q in queries:
        started = time.perf_counter()
        with handle.searcher() as s:
            search(s, q, parse(q), cache=handle.cache)
        times.append((time.perf_counter() - started) * 1000)
    return times


def latency_http(index: Path, queries: list[str]) -> list[float]:
    app = create_app({"INDEX_DIR": str(index)})
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port)
    times = []
    try:
        conn.request("GET", "/api/status")
        conn.getresponse().read()
        for q in queries:
            started = time.perf_counter()
            conn.request("GET", "/api/search?" + urlencode({"q": q}))
            response = conn.getresponse()
            response.read()
            assert response.status == 200, (q, response.status)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        server.shutdown()
    return times


def report(label: str, times: list[float]) -> None:
    print(
        f"{label}: p50 {percentile(times, 50):.1f} ms  p95 {percentile(times, 95):.1f} ms  "
        f"p99 {percentile(times, 99):.1f} ms  ({len(times)} queries)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--queries", type=int, default=600, help="mixed queries, each run once")
    ap.add_argument("--judged-only", action="store_true", help="only the judged queries' nDCG@10")
    ap.add_argument(
        "--per-query", action="store_true", help="each judged query's nDCG@10, and those below 0.5"
    )
    args = ap.parse_args()
    index = shared_index(args.index)
    handle = IndexHandle(index)
    searcher = handle.acquire()
    judged_sets(searcher, args.per_query)
    if args.judged_only:
        return
    blocks = all_blocks(searcher)
    rng = random.Random(2017)
    same = random_queries(blocks, args.samples, rng)
    s2t, t2s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    other = [t2s.convert(q) if fold(q) != q else s2t.convert(q) for q in same]
    print(f"{len(blocks)} indexed paragraphs and headings")
    print(f"recall, random 1-6 character strings, as cut: {recall(searcher, blocks, same):.4f}")
    print(f"recall, the same strings in the other script: {recall(searcher, blocks, other):.4f}")
    for kind, (queries, sources) in kind_queries(blocks, args.samples, rng).items():
        print(f"recall, {kind}: {recall(searcher, blocks, queries, sources):.4f} ({len(queries)} queries)")
    # Headings, short lines and notes rank below the paragraphs that say the same thing, so
    # their keywords bring back those paragraphs first: sources are also drawn from the body.
    body = sorted(
        (d["report_id"], d["block_id"], d["text"])
        for d in searcher.documents(kind=PARAGRAPH)
        if fragment_kind(PARAGRAPH, d["text"]) == BODY
    )
    for mode, label in KEYWORDS.items():
        for sources, of in ((blocks, "any paragraph or heading"), (body, "a body paragraph")):
            items = keyword_queries(searcher, sources, args.samples, rng, mode)
            print(
                f"mean reciprocal rank, 2-3 words of {of} ({label}): "
                f"{mean_reciprocal_rank(searcher, items):.3f}, grouped by report "
                f"{mean_reciprocal_rank(searcher, items, group=True):.3f}; the best possible with "
                f"the query as typed first: {exact_first_bound(blocks, items):.3f}, by counting "
                f"words: {counting_bound(blocks, items):.3f}"
            )
    handle.release(searcher)
    queries = mixed_queries(blocks, args.queries, random.Random(2026))
    report("latency in-process", latency_in_process(index, queries[: len(queries) // 2]))
    report("latency via /api/search", latency_http(index, queries[len(queries) // 2 :]))


if __name__ == "__main__":
    main()
