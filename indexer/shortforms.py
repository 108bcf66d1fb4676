"""Short forms and near-synonyms: what the reports call a thing, found by the build.

The reports define their abbreviations (``……（以下简称“双创”）``, ``简称“两癌”``, a note's
``“智改数转”：智能化改造和数字化转型的简称``, ``“三农”即农业、农村、农民``); the build mines
those pairs from every report it reads, keeps the ones that pass :func:`valid`, adds the
reviewed list ``shortforms.tsv`` (the fixed ones the texts never define, and near-synonyms:
wordings the reports use for one thing in different years and places), and writes them into
the generation (``shortforms.json``), per report, so an incremental build mines only what it
reads. A search looks for a full form and its short form together (search.query.variants).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis import fold, segmenter, word_tokens

if TYPE_CHECKING:  # the generation opens its table (Generation.wordings): no import cycle
    from .generation import Derivation
    from .structure import Report

SHORTFORMS = "shortforms.json"
REVIEWED = Path(__file__).with_name("shortforms.tsv")

MIN_SHORT, MAX_SHORT = 2, 8  # characters of a short form
MIN_FULL, MAX_FULL = 3, 30  # of a full form
COMMON = 1000  # a short form jieba counts this often is a common word on its own (创新, 方案)
AMBIGUOUS = 2  # a short form defined as more full forms than this names nothing in particular
REFUSED = "-"  # a reviewed row with this variant: the short form is never searched for (mined or not)

_Q = "“”\"‘’'「」『』"
_OPEN, _CLOSE = '[“"‘「『]?', '[”"’」』]?'
_SHORT = rf"{_OPEN}(?P<short>[^，。；：、“”\"‘’「」『』（）()《》\s]{{{MIN_SHORT},{MAX_SHORT}}}){_CLOSE}"
# A full form and its definition after it: ……（以下简称“X”）, ……（简称X）, ……，简称“X”, ……（“X”）
_AFTER = re.compile(rf"(?:[（(](?:以下|下)?简称|[，,]\s*(?:以下)?简称|[（(](?=[“\"‘「『])){_SHORT}")
# A note: “X”：（是|即|指）……的简称; and a short form explained by 即: “X”即……, X（即……）
_NOTE = re.compile(
    rf"^(?:\[?\d+[.．、\]]\s*)?{_SHORT}(?:改革|工程)?[:：]\s*\**(?:就是|是指|即|是|指)?"
    rf"{_OPEN}(?P<full>[^。；：]{{{MIN_FULL},{MAX_FULL}}}?){_CLOSE}的(?:英文)?简称"
)
_IS = re.compile(
    rf"[“\"‘「『](?P<short>[^“”\"‘’「」『』，。；：]{{{MIN_SHORT},{MAX_SHORT}}})[”\"’」』][，,]?[（(]?即"
    rf"{_OPEN}(?P<full>[^，。；：（）()“”\"]{{{MIN_FULL},{MAX_FULL}}}?){_CLOSE}(?=[，,。；;：:）)]|$)"
)
_CLAUSE = re.compile(r"[，,。；;：:！？!?“”\"‘’「」『』（）()《》\s]")  # a full form does not cross these
_PARTS = re.compile(r"[、和与及]")  # an enumeration's parts (三农: 农业、农村、农民)
_NUMERALS = {
    "两": 2,
    "双": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}


@dataclass(frozen=True)
class Pair:
    """A short form (or a near-synonym) and the full form it stands for, as written."""

    short: str
    full: str

    def to_json(self) -> list[str]:
        return [self.short, self.full]


def in_order(short: str, full: str) -> bool:
    """Whether the characters of ``short`` appear in ``full`` in that order (长三角 in 长江三角洲)."""
    rest = iter(full)
    return all(ch in rest for ch in short)


def _numbered(short: str, full: str) -> bool:
    """A numeral short form: its number counts the full form's parts, each holding the rest of
    its characters in order (三农: 农业、农村、农民; 双碳: 碳达峰与碳中和; 两癌: 宫颈癌及乳腺癌)."""
    n = _NUMERALS.get(short[0])
    parts = [p for p in _PARTS.split(full) if p]
    return (
        n is not None
        and len(parts) == n
        and all(in_order(short[1:], p) for p in parts)
        and max(map(len, parts)) <= 2 * min(map(len, parts))  # parts alike, not a sentence's tail
    )


def valid(short: str, full: str) -> bool:
    """Whether a mined pair is kept: both within their lengths, the short one shorter and not
    a piece of the full one (a search for it finds the full form already), its characters in
    the full form in order (or a numeral counting its parts), no book title (《规划纲要》 names
    a document of its report), and not a common word on its own."""
    s, f = fold(short), fold(full)
    return (
        MIN_SHORT <= len(s) <= MAX_SHORT
        and MIN_FULL <= len(f) <= MAX_FULL
        and len(s) < len(f)
        and s not in f
        and not any(ch in "《》〈〉" for ch in short + full)
        and (in_order(s, f) or _numbered(s, f))
        and segmenter().FREQ.get(s, 0) < COMMON
    )


def _word_start(text: str, at: int) -> int:
    """Where the jieba word holding ``text[at]`` starts (最低 for 低保's 低 in 最低生活保障)."""
    for _, _, start, end in word_tokens(fold(text), search_mode=False):
        if start <= at < end:
            return start
    return at


def full_before(text: str, short: str) -> str | None:
    """The full form that ``text`` (what stands before a definition of ``short``) ends with:
    from the nearest start that holds the short form's characters in order, widened to the
    start of its word; for a numeral short form, as many parts of an enumeration as it counts
    (the first trimmed to the last one's length)."""
    clause = _CLAUSE.split(text)[-1]
    if not clause:
        return None
    n = _NUMERALS.get(short[0])
    if n is not None and not in_order(short, clause):
        parts = [p for p in re.split(r"(?=[、和与及])", clause) if p]
        if len(parts) < n:
            return None
        first = parts[-n][-len(parts[-1].lstrip("、和与及")) :]
        return first + "".join(parts[-n + 1 :])
    for start in range(len(clause) - 1, -1, -1):
        if clause[start] == short[0] and in_order(short, clause[start:]):
            return clause[_word_start(clause, start) :]
    return None


def mine(text: str) -> Iterator[Pair]:
    """The (short, full) pairs a paragraph defines, as written, before validation."""
    folded = fold(text)  # the same length: the patterns read it, the pairs are cut from the text
    for m in _AFTER.finditer(folded):
        full = full_before(folded[: m.start()], m.group("short"))
        if full:
            yield Pair(text[slice(*m.span("short"))], text[m.start() - len(full) : m.start()])
    for pattern in (_NOTE, _IS):
        for m in pattern.finditer(folded):
            full = re.sub(f"[{_Q}*\\s]", "", text[slice(*m.span("full"))])
            yield Pair(text[slice(*m.span("short"))], full)


def mined(reports: Iterable[Report]) -> dict[str, list[list[str]]]:
    """Each report's valid pairs (report id -> [short, full] pairs, first seen first)."""
    out: dict[str, list[list[str]]] = {}
    for report in reports:
        pairs = dict.fromkeys(p for b in report.blocks for p in mine(b.text) if valid(p.short, p.full))
        if pairs:
            out[report.id] = [p.to_json() for p in pairs]
    return out


def reviewed(path: Path | None = None) -> list[list[str]]:
    """The reviewed list: [wording, variant, why] rows (a short form and its full form, or two
    wordings of one thing; a variant ``-``: a short form refused, whatever a report says),
    read as they are (they need not pass :func:`valid`)."""
    rows = []
    for line in (path or REVIEWED).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cells = line.split("\t")
            if len(cells) >= 2 and cells[0] != "wording":
                rows.append([cells[0].strip(), cells[1].strip(), cells[2].strip() if len(cells) > 2 else ""])
    return rows


def derive(step: Derivation) -> None:
    """Write ``shortforms.json`` for the new generation: the pairs of the reports written now,
    the others' as the served generation found them, and the reviewed list as the repository
    holds it now."""
    kept: dict[str, list[list[str]]] = {}
    if step.old is not None and (step.old.path / SHORTFORMS).exists():
        gone = step.removed | set(step.written)
        kept = {r: p for r, p in read(step.old.path)["mined"].items() if r not in gone}
    kept.update(mined(step.written.values()))
    data = {"reviewed": reviewed(), "mined": dict(sorted(kept.items()))}
    (step.path / SHORTFORMS).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def read(path: Path) -> dict:
    """The generation ``path``'s pairs: ``{"reviewed": [...], "mined": {report: [...]}}``
    (empty for one built without the step)."""
    if not (path / SHORTFORMS).exists():
        return {"reviewed": [], "mined": {}}
    return json.loads((path / SHORTFORMS).read_text(encoding="utf-8"))


class Wordings:
    """The pairs a search expands with (folded), both ways: a wording and each variant.
    Compared by identity (one per generation), so a search's cached variants are per table."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        table: dict[str, set[str]] = {}
        for a, b in pairs:
            for x, y in ((a, b), (b, a)):
                if x and y and x != y:
                    table.setdefault(x, set()).add(y)
        self.table = {k: tuple(sorted(v)) for k, v in table.items()}

    def __len__(self) -> int:
        return len(self.table)

    def of(self, form: str) -> list[str]:
        """``form`` (folded) with each wording it holds replaced by each of its variants."""
        return [
            form.replace(key, other) for key, others in self.table.items() if key in form for other in others
        ]

    @classmethod
    def of_generation(cls, path: Path) -> Wordings:
        """The generation's table: the reviewed pairs, and the mined ones of short forms not
        defined as more than ``AMBIGUOUS`` full forms; a full form written with its
        enumeration's 、 is also one without it (大众创业万众创新, as typed)."""
        data = read(path)
        fulls: dict[str, set[str]] = {}
        for pairs in data["mined"].values():
            for short, full in pairs:
                fulls.setdefault(fold(short), set()).add(fold(full))
        refused = {fold(a) for a, b, *_ in data["reviewed"] if b == REFUSED}
        pairs = [(fold(a), fold(b)) for a, b, *_ in data["reviewed"] if b != REFUSED]
        pairs += [(s, f) for s, fs in fulls.items() if len(fs) <= AMBIGUOUS and s not in refused for f in fs]
        out = []
        for a, b in pairs:
            out.append((a, b))
            for x, y in ((a, b), (b, a)):
                if "、" in x:
                    out.append((x.replace("、", ""), y))
                    out.append((x.replace("、", ""), x))
        return cls(out)


NONE = Wordings()
