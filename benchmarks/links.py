"""Do links to passages survive typical corrections? Copy a link to every paragraph of some
shipped reports (its anchor, and its old positional #pN), correct each report as an editor
would (a paragraph inserted, one deleted, a word changed, a sentence appended; a third of
the files moved into a folder and renamed), rebuild incrementally, and follow every link as
the reader does (the report's record of moved links first, then the page's ids).

A link lands on its passage (the same text), on the edited passage with a note, on the
closest paragraph with a note (its passage was deleted), or silently on another paragraph —
which must never happen.

Usage: python benchmarks/links.py [--reports 40] [--seed 19]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.analysis import fold  # noqa: E402
from indexer.build import build, corpus_files  # noqa: E402
from indexer.reading import decode  # noqa: E402
from indexer.structure import EDITED  # noqa: E402
from search.engine import load_report  # noqa: E402
from search.handle import IndexHandle  # noqa: E402


def same(a: str, b: str) -> bool:
    return "".join(fold(a).split()) == "".join(fold(b).split())


def correct(text: str, rng: random.Random) -> str:
    """An editor's corrections: a paragraph inserted, one deleted, a word changed, a
    sentence appended to another."""
    lines = text.split("\n")
    body = [i for i, line in enumerate(lines) if len(line.strip()) >= 40]
    if len(body) < 8:
        return text
    a, b, c, d = rng.sample(body, 4)
    line = lines[c]
    at = rng.randrange(5, len(line) - 5)
    lines[c] = line[:at] + "进一步" + line[at + 2 :]  # a word changed
    lines[d] = lines[d].rstrip() + "同时加强督促检查，确保各项措施落到实处。"
    lines[b] = ""  # deleted
    lines.insert(a, "补充：各地区各部门要认真贯彻落实本报告提出的各项任务，结合实际细化措施。")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=40)
    ap.add_argument("--seed", type=int, default=19)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="gov-links-"))
    corpus, index = work / "corpus", work / "index"
    texts = [p for p in corpus_files(ROOT / "corpus") if p.suffix in (".md", ".txt")]
    chosen = rng.sample(texts, min(args.reports, len(texts)))
    corpus.mkdir()
    for i, path in enumerate(chosen):
        shutil.copyfile(path, corpus / f"r{i:03d}{path.suffix}")
    build(corpus, index)
    handle = IndexHandle(index)
    with handle.searcher() as s:
        before = {}
        for f in sorted(corpus.iterdir()):
            rid = f.stem
            report = load_report(s, rid)
            before[rid] = [(link, b.text) for b in report.paragraphs for link in (b.anchor, b.id)]
    moves = {}
    for i, f in enumerate(sorted(corpus.iterdir())):
        f.write_text(correct(decode(f.read_bytes()), rng), encoding="utf-8")
        if i % 3 == 0:  # moved into a folder and renamed
            (corpus / "moved").mkdir(exist_ok=True)
            target = corpus / "moved" / f"x{f.name}"
            f.rename(target)
            moves[f.stem] = f"moved/{target.stem}"
    build(corpus, index)
    counts = {
        "same": 0,
        "edited, with a note": 0,
        "closest, with a note": 0,
        "silently elsewhere": 0,
        "lost": 0,
    }
    with handle.searcher() as s:
        for rid, links in before.items():
            report = load_report(s, moves.get(rid, rid))
            blocks = {b.anchor: b for b in report.blocks} | {b.id: b for b in report.blocks}
            for link, text in links:
                relink = report.moved.get(link)
                landed = blocks.get(relink[0] if relink else link)
                if landed is None:
                    counts["lost"] += 1
                elif same(landed.text, text):
                    counts["same"] += 1
                elif relink and relink[1] < 1:
                    counts["edited, with a note" if relink[1] >= EDITED else "closest, with a note"] += 1
                else:
                    counts["silently elsewhere"] += 1
    total = sum(counts.values())
    print(
        f"{len(before)} reports corrected ({len(moves)} moved), {total} links copied before (anchor and #pN)"
    )
    for kind, n in counts.items():
        print(f"  {kind}: {n} ({n / total:.2%})")
    landed = counts["same"] + counts["edited, with a note"]
    print(f"on their passage: {landed / total:.2%}; silently elsewhere: {counts['silently elsewhere']}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
