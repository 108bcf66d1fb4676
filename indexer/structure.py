"""Find a report's title, region, year, headings and paragraphs from its lines."""

from __future__ import annotations

import base64
import csv
import hashlib
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis import SENTENCE_END, TRADITIONAL, fold, is_traditional, segmenter
from .places import NATIONAL, place_path
from .reading import Line, ReadError, Source, clean_text, drop_chrome, read_sources

if TYPE_CHECKING:
    import jieba.posseg

SECTION_SEP = " › "


@dataclass
class Block:
    """A heading or a paragraph of a report, in reading order."""

    kind: str  # "heading" | "paragraph"
    id: str  # s1… for headings, p1… for paragraphs
    text: str
    section_path: list[str]
    level: int = 0  # headings: 1 for 一、, 2 for （一）, …
    inline: bool = False  # a heading that is the lead sentence of the next paragraph
    lead: str = ""  # paragraphs: the heading lead they start with, shown in bold
    table: int = 0  # a table's row: the table's number in the report (1, 2, …); else 0
    cells: list[str] = field(default_factory=list)  # a row: its cells (text: side by side)
    header: list[str] = field(default_factory=list)  # a row: its table's column headers
    anchor: str = ""  # from its own text (see anchors): a link to it survives edits elsewhere


@dataclass
class Report:
    """One report, ready to index or to show."""

    id: str
    title: str
    region: str
    year: int | None
    source: str
    blocks: list[Block] = field(default_factory=list)
    digest: str = ""
    place: list[str] = field(default_factory=list)  # 广东省, 广州市, 荔湾区 (Simplified)
    date: str | None = None  # the day it was given, ISO (2019-03-05)
    session: str | None = None  # 第十三届全国人民代表大会第二次会议
    speaker: str | None = None  # 李克强
    office: str | None = None  # 国务院总理
    origin: str | None = None  # where the file came from (a web address), as its header says
    # links to earlier versions' paragraphs that are no longer here: anchor or #pN ->
    # [the closest paragraph's anchor, its similarity, the old text's opening] (carry_links)
    moved: dict[str, list] = field(default_factory=dict)

    @property
    def author(self) -> str:
        """Who gave the report, as a citation names it: the speaker, else the government."""
        if self.speaker:
            return self.speaker
        return "国务院" if self.place == [NATIONAL] else f"{self.region}人民政府"

    def citation(self) -> dict:
        """What a citation of the report needs (GB/T 7714: author, title, place, year,
        date); a paragraph adds its section and number, and a link."""
        return {
            "author": self.author,
            "title": self.title,
            "place": self.place,
            "year": self.year,
            "date": self.date,
            "session": self.session,
        }

    @property
    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "paragraph"]

    @property
    def headings(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading"]

    def outline(self) -> dict:
        """The JSON shape of ``python -m indexer outline`` and ``/api/reports/<id>``."""
        return {
            "id": self.id,
            "title": self.title,
            "region": self.region,
            "year": self.year,
            "place": self.place,
            "date": self.date,
            "session": self.session,
            "speaker": self.speaker,
            "office": self.office,
            "origin": self.origin,
            "citation": self.citation(),
            "moved": self.moved,
            "headings": [
                {
                    "id": b.id,
                    "anchor": b.anchor,
                    "level": b.level,
                    "title": b.text,
                    "section_path": b.section_path,
                }
                for b in self.headings
            ],
            "paragraphs": [
                {
                    "id": b.id,
                    "anchor": b.anchor,
                    "section_path": b.section_path,
                    "text": b.text,
                    **({"table": b.table, "header": b.header, "cells": b.cells} if b.table else {}),
                }
                for b in self.paragraphs
            ],
        }

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        blocks = [Block(**b) for b in data.pop("blocks")]
        return cls(**data, blocks=blocks)


# --- numbers and dates -------------------------------------------------------------------

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "○": 0,
    "Ｏ": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_YEAR = re.compile(r"((?:19|20)\d\d|[一二三四五六七八九〇零○Ｏ]{4})\s*年")


_BARE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_CN_NUMBER = "一二三四五六七八九十〇零○"
_DATE = re.compile(
    rf"((?:19|20)\d\d|[{_CN_NUMBER}Ｏ]{{4}})\s*年\s*(\d{{1,2}}|[{_CN_NUMBER}]{{1,3}})\s*月"
    rf"\s*(\d{{1,2}}|[{_CN_NUMBER}]{{1,3}})\s*日"
)


def _number(raw: str) -> int:
    """12, 十二, 二十三, 一九九三 (digit by digit when there is no 十)."""
    if raw.isdigit():
        return int(raw)
    if "十" not in raw:
        return int("".join(str(_CN_DIGITS[c]) for c in raw))
    tens, _, ones = raw.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def parse_date(text: str) -> str | None:
    """The first date in ``text`` (2019年3月5日, 一九五四年九月二十三日) as ISO 8601."""
    for m in _DATE.finditer(fold(text)):
        try:
            year, month, day = (_number(g) for g in m.groups())
        except KeyError:
            continue
        if 1949 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def parse_year(text: str, bare: bool = False) -> int | None:
    """The first plausible year in ``text``, in Arabic or Chinese numerals (一九九三年).

    Only ``…年`` counts, unless ``bare`` (a title or file name, where ``2017政府工作报告``
    or ``national-2017`` name the year without it).
    """
    folded = fold(text).replace(" ", "")
    for pattern in (_YEAR, _BARE_YEAR) if bare else (_YEAR,):
        for m in pattern.finditer(folded):
            raw = m.group(1)
            year = int(raw) if raw.isdigit() else int("".join(str(_CN_DIGITS[c]) for c in raw))
            if 1949 <= year <= 2100:
                return year
    return None


# --- headings -------------------------------------------------------------------------------

_NUM = "一二三四五六七八九十百"
_HEADING_PATTERNS = [  # (level, pattern on the folded line)
    (1, re.compile(rf"^[{_NUM}]+[、.]")),
    (2, re.compile(rf"^[(（][{_NUM}]+[)）]")),
]
# numbered items (1. （1） ①) are paragraphs of a list, not sections: shown with their lead
LIST_ITEM = re.compile(r"^(\d{1,2}[.．、](?!\d)|[(（]\d{1,2}[)）]|[①-⑳])")
_APPENDIX = re.compile(r"^(附件|附表|附录|附属档案|附属文件)\s*[\d一二三四五六七八九十]*([:：].{0,20})?$")
_GLOSSARY = re.compile(r"^(\d[.．、]\s*)?名词解释[:：]?$")
_MAX_HEADING = 60
_FIRST_NUMBER = re.compile(r"^一\s*[、.]")
_CONTENTS = re.compile(r"^目\s*录$")  # a list of the sections, not a part holding them


def _numbered(folded: str) -> tuple[int, int] | None:
    """A numbered heading's level and where its number (一、, （一）) ends, or None."""
    for level, pattern in _HEADING_PATTERNS:
        if m := pattern.match(folded):
            return level, m.end()
    return None


def _heading_level(folded: str) -> int | None:
    numbered = _numbered(folded)
    return numbered[0] if numbered else None


# A heading run into its text, without a stop (二、巩固农业基础地位，全面发展农业和农村经济坚持不懈
# 抓好农业，…): the heading ends on a noun and the text opens a sentence, with a time word or
# a verb that opens sentences of these reports (the commonest openers of sentences in the
# shared set that do not also run on inside headings, as 全面 and 推进 do: 全面进步, 推进…建设).
_OPENER = (
    "今年|去年|明年|过去|五年|目前|当前|随着|根据|按照|围绕|针对|面对|为了|坚持|加强|加快|加大|继续|进一步"
    "|认真|积极|大力|深入|深化|切实|全面贯彻|全面落实|努力|着力|紧紧|强化|抓好|抓紧|突出|充分|千方百计|以|把"
)
_OPENS = re.compile(rf"^({_OPENER})")
# in a report known to run its headings in (one found), also these and shorter sentences
_OPENS_TOO = re.compile(rf"^({_OPENER}|推进|推动|实施|完善|健全|促进|提高|改善|严格)")
_TIME_WORD = re.compile(r"^(今年|去年|明年|过去|五年)")
_NOUNS = ("n", "vn", "l", "an", "nz", "ns", "nt", "ng", "j")  # jieba's part-of-speech tags
RUN_IN = 28  # characters before the first stop from which a numbered line may hold its text


def _run_in(text: str, sure: bool) -> str | None:
    """The heading of a numbered line that runs on into its text without a stop, or None.

    ``sure``: only where the text opens with a common opener and its first sentence runs
    on for 12 characters or more; otherwise (in a report known to run its headings in)
    any opener and 6 characters.
    """
    numbered = _numbered(fold(text))
    if numbered is None:
        return None
    start = numbered[1] + len(text[numbered[1] :]) - len(text[numbered[1] :].lstrip())
    rest = text[start:]
    stop = SENTENCE_END.search(rest)
    if stop is None or stop.start() < (RUN_IN if sure else RUN_IN - 8):
        return None
    head = rest[: stop.start()]
    words = [tuple(pair) for pair in _tagger().cut(head)]
    at = 0
    for word, tag in words[:-1]:
        at += len(word)
        after, clause = head[at:], head[:at].split("，")[-1]
        if (
            at < 8
            or len(after) < (12 if sure else 6)
            or not tag.startswith(_NOUNS if sure else (*_NOUNS, "v"))
            or not (_OPENS if sure else _OPENS_TOO).match(after)
        ):
            continue
        time = _TIME_WORD.match(after)
        if (
            len(clause) < 6  # the heading's last phrase is whole
            or re.match(r"^[把将使对向在为与和]", clause)  # not a phrase waiting for its verb (把…切实转到)
            or re.search(r"[在了]", clause)  # nor a clause of a narrative (已经…了) or a frame (在…上)
            or (len(re.split(r"[，、]", after)[0]) < 6 and not time)  # the text's clause is whole
            or words[0][1].startswith("r")  # headings do not start with a pronoun (我国人民…)
            or "了" in head[:at]
        ):
            continue
        return text[: start + at]
    return None


@lru_cache(maxsize=1)
def _tagger() -> jieba.posseg.POSTokenizer:
    """jieba's part-of-speech tagger over this project's dictionary (loaded when first needed)."""
    import jieba.posseg

    return jieba.posseg.POSTokenizer(segmenter())


def _run_in_headings(lines: list[Line]) -> dict[int, str]:
    """For lines that run a numbered heading into its text, the heading (see ``_run_in``)."""
    found = {i: h for i, ln in enumerate(lines) if ln.cells is None and (h := _run_in(ln.text, True))}
    if found:  # this report runs its headings in: the less certain ones too
        found |= {
            i: h
            for i, ln in enumerate(lines)
            if ln.cells is None and i not in found and (h := _run_in(ln.text, False))
        }
    return found


def _lead(text: str) -> str | None:
    """The lead sentence of a line (text up to 。 or ：), if it is short enough for a heading."""
    m = SENTENCE_END.search(fold(text))
    colon = re.search(r"[:：]", text)
    if colon and (m is None or colon.start() < m.start()):
        m = colon
    if m is None:
        return text if len(text) <= _MAX_HEADING else None
    lead = text[: m.start()].strip()
    return lead if 0 < len(lead) <= _MAX_HEADING else None


# --- the front of a report --------------------------------------------------------------------

_TITLE = re.compile(r"政\s*府\s*工\s*作\s*报\s*告")
_DATE_LINE = re.compile(  # ——2019年3月5日在…会议上 (the dash or the date may be missing)
    r"^(?:[—─－―-]{1,4}\s*(?:.{0,12}年.{0,8}日)?|.{0,12}年.{0,8}日).{0,8}?在.{0,40}(会议|大会)"
)
_TITLES = "国务院总理|总理|省长|市长|区长|县长|旗长|州长|主席"  # who gives a government's report
_SPEAKER = re.compile(rf"({_TITLES})\s*\S{{0,5}}$")
_ADDRESS = re.compile(r"^各位代表[:：!！]?$")
_REGION_IN_DATE = re.compile(r"在(.{2,15}?)第[一二三四五六七八九十百\d]+届")
_REGION_IN_SPEAKER = re.compile(
    r"^(.{2,12}?[省市区县旗州])(人民政府)?(代理)?代?(省长|市长|区长|县长|旗长|州长|主席)"
)
_REGION_IN_TITLE = re.compile(
    r"(?:\d{4}|[一二三四五六七八九〇零○]{4})年(?:度)?(.{2,12}?)(?:人民)?政府工作报告"
)


def _region_from(folded_line: str, original: str) -> str | None:
    if "全国人民代表大会" in folded_line or "国务院" in folded_line:
        return NATIONAL
    for pattern in (_REGION_IN_DATE, _REGION_IN_SPEAKER, _REGION_IN_TITLE):
        m = pattern.search(folded_line)
        if m:
            name = original[m.start(1) : m.end(1)].strip()
            if name and not re.search(r"\d", name):
                return _shortest_name(name)
    return None


_PARENT = re.compile(r"^.{2,6}?[省市州盟](?=.{2,6}[区县旗市]$)")


def _shortest_name(name: str) -> str:
    """A district or county as people name it: 呼伦贝尔市海拉尔区 -> 海拉尔区 (so one region
    does not appear under two names when one year's report names its city too)."""
    while True:
        shorter = _PARENT.sub("", fold(name), count=1)
        if shorter == fold(name):
            return name
        name = name[len(name) - len(shorter) :]


_FILENAME_REGIONS = {"national": NATIONAL, "guowuyuan": NATIONAL, "china": NATIONAL}


def _region_from_path(path: Path) -> str:
    """The region a file name gives (national-2017.txt), or its folder (全国/2017.txt, as a
    library lays reports out)."""
    name = re.sub(r"[-_]?(19|20)\d\d.*$", "", path.stem) or (
        path.parent.name if path.parent.name else path.stem
    )
    return _FILENAME_REGIONS.get(name.lower(), name)


@dataclass
class _Front:
    title: str | None = None
    region: str | None = None
    year: int | None = None  # of the date line (the day the report was given), else the title
    date: str | None = None
    session: str | None = None
    speaker: str | None = None
    office: str | None = None


_SESSION = re.compile(
    r"第[一二三四五六七八九十百\d]+届.{0,16}?人民代表大会(?:常务委员会)?第[一二三四五六七八九十\d]+次(?:全体)?会议"
)
_SPEAKER_IN_DATE = re.compile(rf"日\s*([\u4e00-\u9fff]{{2,4}}?)\s*(代?(?:{_TITLES}))\s*在")
_OFFICE = re.compile(rf"^(.{{0,20}}?(?:{_TITLES}))\s*(\S(?:\s?\S){{0,4}})$")


def _speaker(line: str) -> tuple[str, str] | None:
    """``国务院总理 李克强`` -> (国务院总理, 李克强); a name may be spaced (李　强)."""
    m = _OFFICE.match(fold(line).strip())
    if not m:
        return None
    text = line.strip()
    office, name = text[: m.end(1)], text[m.start(2) : m.end(2)]
    return re.sub(r"\s+", "", office), re.sub(r"[^\u4e00-\u9fff·]", "", name)


def _split_run_together(lines: list[Line]) -> list[Line]:
    """Split ``政府工作报告——2024年3月5日在…会议上国务院总理 李强`` into its three lines,
    and join a date line that was wrapped after ``第十四届``."""
    out: list[Line] = []
    for line in lines:
        text = line.text
        m = re.match(r"^(.{0,30}政\s*府\s*工\s*作\s*报\s*告)\s*([—─]{1,2}.*)$", fold(text))
        if m and len(text) < 120:
            out.append(Line(text[: m.end(1)], line.heading, line.bold))
            rest = text[m.end(1) :].strip()
            m2 = re.search(r"(会议上|大会上)", fold(rest))
            if m2 and m2.end() < len(rest):
                out.append(Line(rest[: m2.end()]))
                out.append(Line(rest[m2.end() :].strip()))
            else:
                out.append(Line(rest))
            continue
        if (
            out
            and _DATE_LINE.match(fold(out[-1].text) + "在会议")
            and not re.search(r"(会议|大会)上?$", fold(out[-1].text))
            and re.search(r"会议上$", fold(text))
        ):
            out[-1] = Line(out[-1].text + text)
            continue
        out.append(line)
    return out


PREAMBLE_LINES = 100  # how far down a scraped page the report's date line is looked for
PREAMBLE_CHARS = 20  # a portal's menu items and widgets are short lines


def _drop_preamble(lines: list[Line]) -> list[Line]:
    """Drop a portal page's menus above the report (中国政府网, 长者模式, 首页, 大 中 小 …):
    when the report's date line stands within the first lines and only short lines stand
    above it, those that are not its title go."""
    for i, line in enumerate(lines[:PREAMBLE_LINES]):
        folded = fold(line.text)
        if _DATE_LINE.match(folded):
            above = lines[:i]
            if any(len(x.text) > PREAMBLE_CHARS or _ADDRESS.match(fold(x.text)) for x in above):
                return lines
            return [x for x in above if _is_title_line(fold(x.text))] + lines[i:]
    return lines


def _read_front(lines: list[Line]) -> tuple[_Front, list[Line]]:
    """Take the title line off the top and read region and year from the opening lines."""
    front = _Front()
    body: list[Line] = []
    date_year = title_year = date_region = title_region = None
    addressed = False  # past 各位代表: the opening lines are over
    for i, line in enumerate(lines):
        folded = fold(line.text)
        addressed = addressed or bool(_ADDRESS.match(folded))
        opening = i < 12 and not addressed
        if opening and front.title is None and _is_title_line(folded):
            compact = re.sub(r"\s+", "", line.text)
            front.title = compact if len(compact) <= 8 else line.text
            title_year = parse_year(line.text, bare=True)
            title_region = _region_from(folded, line.text)
            continue
        if opening and _DATE_LINE.match(folded):  # the report's own date and meeting decide
            date_year = date_year or parse_year(line.text)
            date_region = date_region or _region_from(folded, line.text)
            front.date = front.date or parse_date(line.text)
            session = _SESSION.search(folded)
            if session and not front.session:
                front.session = re.sub(r"\s+", "", line.text[session.start() : session.end()])
            inline = _SPEAKER_IN_DATE.search(folded)  # ——2025年1月15日龚正市长在…
            if inline and front.speaker is None:
                front.speaker, front.office = line.text[inline.start(1) : inline.end(1)], inline.group(2)
        elif opening and _SPEAKER.search(folded) and len(folded) < 40:
            title_year = title_year or parse_year(line.text)
            title_region = title_region or _region_from(folded, line.text)
            if front.speaker is None and (said := _speaker(line.text)):
                front.office, front.speaker = said
        body.append(line)
    front.year, front.region = date_year or title_year, date_region or title_region
    return front, body


# --- paragraphs and sections -----------------------------------------------------------------


def _is_title_line(folded: str) -> bool:
    return bool(_TITLE.search(folded)) and len(folded) <= 40 and not SENTENCE_END.search(folded)


def _drop_repeats(texts: list[str]) -> set[int]:
    """Indexes of paragraphs that repeat earlier text: a scraped page holding the report twice.

    A long paragraph (20+ characters) seen before is a repeat; a short one (各位代表！) only
    when a neighbour is a repeat too, since short lines recur in a report on their own.
    """
    seen: set[str] = set()
    earlier = []
    for t in texts:
        key = fold(t)
        earlier.append(key in seen)
        seen.add(key)
    repeats = {i for i, t in enumerate(texts) if earlier[i] and len(t) >= 20}
    changed = True
    while changed:
        changed = False
        for i in range(len(texts)):
            if earlier[i] and i not in repeats and ({i - 1, i + 1} & repeats):
                repeats.add(i)
                changed = True
    return repeats


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


def build_blocks(lines: list[Line]) -> list[Block]:
    """Headings and paragraphs with section paths, ids and anchors, in reading order."""
    repeats = _drop_repeats([ln.text for ln in lines])
    run_in = _run_in_headings(lines)
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []  # (level, title)
    n_heading = n_para = 0

    # a numbering that starts (一、) right under an unnumbered top heading (2000年工作意见 ›
    # 一、…; 附件1 › 一、…) sits one level below it, with the headings that continue it
    shift = 0
    part_open = False  # the last heading is an unnumbered top heading, nothing under it yet

    def add_heading(level: int, title: str, inline: bool, numbered: bool = False) -> None:
        nonlocal n_heading, shift, part_open
        if numbered:
            if level == 1 and _FIRST_NUMBER.match(fold(title)):
                shift = 1 if part_open else 0
            level += shift
            part_open = False
        else:
            # a top heading opens a part unless it lists the contents or is a bold sentence
            # (第一，基本建设规模的大小问题。)
            part_open = (
                level == 1 and not _CONTENTS.match(fold(title)) and not title.endswith(("。", "；", "！"))
            )
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        n_heading += 1
        blocks.append(Block("heading", f"s{n_heading}", title, [t for _, t in stack], level, inline))

    tables = 0
    for i, line in enumerate(lines):
        if i in repeats:
            continue
        if line.cells is not None:  # a table's row: a paragraph of its own, never a heading
            last = blocks[-1] if blocks else None
            if last is None or not last.table or last.header != list(line.header or []):
                tables += 1
            n_para += 1
            blocks.append(
                Block(
                    "paragraph",
                    f"p{n_para}",
                    line.text,
                    [t for _, t in stack],
                    table=tables,
                    cells=list(line.cells),
                    header=list(line.header or []),
                )
            )
            continue
        text = line.text
        folded = fold(text)
        level = _heading_level(folded)
        lead = run_in.get(i) or (_lead(text) if level is not None else None)
        if _APPENDIX.match(folded):
            add_heading(1, text, False)
            continue
        if _GLOSSARY.match(folded):
            top_is_appendix = bool(stack) and bool(_APPENDIX.match(fold(stack[-1][1])))
            add_heading(2 if top_is_appendix else 1, text, False)
            continue
        if level is None and _is_title_line(folded):
            continue  # the page repeating the report's title: not report text
        if level is not None and lead is not None:
            whole = lead == text or lead == text.rstrip("。.：:")
            if whole:
                add_heading(level, text.rstrip("。：:") if len(text) > 2 else text, False, numbered=True)
                continue
            add_heading(level, lead, True, numbered=True)
            n_para += 1
            blocks.append(Block("paragraph", f"p{n_para}", text, [t for _, t in stack], lead=lead))
            continue
        if LIST_ITEM.match(folded) or LIST_ITEM.match(text):
            n_para += 1
            item_lead = _lead(text)
            blocks.append(
                Block(
                    "paragraph",
                    f"p{n_para}",
                    text,
                    [t for _, t in stack],
                    lead=item_lead if item_lead and item_lead != text else "",
                )
            )
            continue
        if (
            (line.heading or line.bold)
            and len(text) <= _MAX_HEADING
            and not SENTENCE_END.search(folded.rstrip("。"))
            and not _SPEAKER.search(folded)
            and not _DATE_LINE.match(folded)
            and not _ADDRESS.match(folded)  # 各位代表： in bold is the address, not a section
        ):
            # an unnumbered Markdown/HTML heading: ## is the top level, as # is the title
            add_heading(min(max((line.heading or 2) - 1, 1), 4), text, False)
            continue
        n_para += 1
        blocks.append(Block("paragraph", f"p{n_para}", text, [t for _, t in stack]))
    set_anchors(blocks)
    return blocks


# --- the whole report ---------------------------------------------------------------------------


def report_from_source(source: Source, report_id: str, path: Path, digest: str) -> Report:
    """Build a :class:`Report` from the lines and declared metadata of one source."""
    lines = drop_chrome(source.lines)
    lines = _drop_preamble(_split_run_together(lines))
    front, body = _read_front(lines)
    meta = source.meta
    title_meta = clean_text(meta.get("title", ""))
    if len(title_meta) % 2 == 0 and title_meta[: len(title_meta) // 2] * 2 == title_meta:
        title_meta = title_meta[: len(title_meta) // 2]  # some sites print the title twice
    # What the file declares (a --- header, CSV columns) overrides; then the report's own
    # lines (its date line, title, speaker); then what a scraped page said of it; then the
    # file name, which is often wrong (河北省_2018_report.txt holds the 2019 report).
    page_title = clean_text(meta.get("page_title", ""))
    year = (
        _int(meta.get("year"))
        or front.year
        or parse_year(title_meta, bare=True)
        or parse_year(page_title, bare=True)
        or parse_year(path.stem, bare=True)
    )
    region = meta.get("region") or front.region
    for declared in (title_meta, page_title):
        region = region or (_region_from(fold(declared), declared) if declared else None)
    issuer = re.sub(r"人民政府$", "", clean_text(meta.get("issuer", "")))
    region = region or issuer or _region_from_path(path)
    blocks = build_blocks(body)
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    if not paragraphs:
        raise ReadError("no report text found (every line was empty or page chrome)")
    # a name several places share (朝阳区) is the one whose province or city the report names
    place = place_path(region, "".join(ln.text for ln in lines[:60]))
    said = _speaker(meta.get("speaker", "")) if meta.get("speaker") else None
    return Report(
        report_id,
        report_title(year, place, is_traditional("".join(paragraphs))),
        place[-1],
        year,
        str(path),
        blocks,
        digest,
        place=place,
        date=front.date or parse_date(meta.get("date", "") or meta.get("page_date", "")),
        session=front.session,
        speaker=front.speaker or (said[1] if said else clean_text(meta.get("speaker", "")) or None),
        office=front.office or (said[0] if said else None),
        origin=meta.get("source_url") or meta.get("url") or None,
    )


def report_title(year: int | None, place: list[str], traditional: bool = False) -> str:
    """``<year>年<place>政府工作报告`` (national: 国务院), in the report's script."""
    who = "国务院" if place == [NATIONAL] else place[-1] if place else ""
    title = f"{f'{year}年' if year else ''}{who}政府工作报告"
    return TRADITIONAL.convert(title) if traditional else title


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip()[:4])
    except (TypeError, ValueError):
        return None


def report_id_for(path: Path, corpus: Path | None) -> str:
    """A report's id: its path under the corpus folder, without extension, with ``/``."""
    try:
        rel = path.resolve().relative_to(corpus.resolve()) if corpus else Path(path.name)
    except ValueError:
        rel = Path(path.name)
    return rel.with_suffix("").as_posix()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


RECORD = "SOURCES.tsv"
"""A library's record of its files (indexer.library writes it; build skips it): where each
file came from."""


@lru_cache(maxsize=8)
def _record(record: Path, mtime: float) -> dict[str, dict[str, str]]:
    with record.open(encoding="utf-8", newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t") if row.get("file")}


def recorded_origin(path: Path, corpus: Path | None) -> str | None:
    """Where the library's record says a corpus file came from: the file in its repository."""
    if corpus is None or not (record := corpus / RECORD).is_file():
        return None
    try:
        row = _record(record, record.stat().st_mtime).get(
            path.resolve().relative_to(corpus.resolve()).as_posix()
        )
    except (ValueError, OSError, csv.Error, KeyError):
        return None
    repo = (row or {}).get("source_repository", "")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        return None  # the seed report, or a file of unknown origin
    where = (row or {}).get("path_in_repository", "")
    commit = (row or {}).get("commit") or "HEAD"
    return f"https://github.com/{repo}" + (f"/blob/{commit}/{where.replace('!', '#')}" if where else "")


def read_reports(path: Path, corpus: Path | None = None) -> list[Report]:
    """Read every report in one file. Raises :class:`ReadError` naming the reason."""
    digest = file_digest(path)
    base = report_id_for(path, corpus)
    sources = read_sources(path)
    reports = [
        report_from_source(s, base if s.row is None else f"{base}/{s.row}", path, digest) for s in sources
    ]
    recorded = recorded_origin(path, corpus)
    for report in reports:
        report.origin = report.origin or recorded
    return reports
