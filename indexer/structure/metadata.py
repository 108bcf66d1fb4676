"""What a report says of itself: year and date, place, title, session and speaker, from its
opening lines (and, failing them, from its file's name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..analysis import SENTENCE_END, TRADITIONAL, fold
from ..places import NATIONAL, is_known
from ..reading import Line

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


def cn_number(raw: str) -> int:
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
            year, month, day = (cn_number(g) for g in m.groups())
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


# --- the front of a report --------------------------------------------------------------------

_TITLE = re.compile(r"政\s*府\s*工\s*作\s*报\s*告")
DATE_LINE = re.compile(  # ——2019年3月5日在…会议上 (the dash or the date may be missing)
    r"^(?:[—─－―-]{1,4}\s*(?:.{0,12}年.{0,8}日)?|.{0,12}年.{0,8}日).{0,8}?在.{0,40}(会议|大会)"
)
_TITLES = "国务院总理|总理|省长|市长|区长|县长|旗长|州长|主席"  # who gives a government's report
SPEAKER = re.compile(rf"({_TITLES})\s*\S{{0,5}}$")
ADDRESS = re.compile(r"^各位代表[:：!！]?$")
_REGION_IN_DATE = re.compile(r"在(.{2,15}?)第[一二三四五六七八九十百\d]+届")
_REGION_IN_SPEAKER = re.compile(
    r"^(.{2,12}?[省市区县旗州])(人民政府)?(代理)?代?(省长|市长|区长|县长|旗长|州长|主席)"
)
_REGION_IN_TITLE = re.compile(
    r"(?:\d{4}|[一二三四五六七八九〇零○]{4})年(?:度)?(.{2,12}?)(?:人民)?政府工作报告"
)


def region_from(folded_line: str, original: str) -> str | None:
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


def region_from_path(path: Path) -> str:
    """The region a file name gives (national-2017.txt), or its folder (全国/2017.txt, as a
    library lays reports out)."""
    name = re.sub(r"[-_]?(19|20)\d\d.*$", "", path.stem) or (
        path.parent.name if path.parent.name else path.stem
    )
    return _FILENAME_REGIONS.get(name.lower(), name)


@dataclass
class Front:
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


def speaker_of(line: str) -> tuple[str, str] | None:
    """``国务院总理 李克强`` -> (国务院总理, 李克强); a name may be spaced (李　强)."""
    m = _OFFICE.match(fold(line).strip())
    if not m:
        return None
    text = line.strip()
    office, name = text[: m.end(1)], text[m.start(2) : m.end(2)]
    return re.sub(r"\s+", "", office), re.sub(r"[^\u4e00-\u9fff·]", "", name)


def split_run_together(lines: list[Line]) -> list[Line]:
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
            and DATE_LINE.match(fold(out[-1].text) + "在会议")
            and not re.search(r"(会议|大会)上?$", fold(out[-1].text))
            and re.search(r"会议上$", fold(text))
        ):
            out[-1] = Line(out[-1].text + text)
            continue
        out.append(line)
    return out


PREAMBLE_LINES = 100  # how far down a scraped page the report's date line is looked for
PREAMBLE_CHARS = 20  # a portal's menu items and widgets are short lines


def drop_preamble(lines: list[Line]) -> list[Line]:
    """Drop a portal page's menus above the report (中国政府网, 长者模式, 首页, 大 中 小 …):
    when the report's date line stands within the first lines and only short lines stand
    above it, those that are not its title go."""
    for i, line in enumerate(lines[:PREAMBLE_LINES]):
        folded = fold(line.text)
        if DATE_LINE.match(folded):
            above = lines[:i]
            if any(len(x.text) > PREAMBLE_CHARS or ADDRESS.match(fold(x.text)) for x in above):
                return lines
            return [x for x in above if is_title_line(fold(x.text))] + lines[i:]
    return lines


def read_front(lines: list[Line]) -> tuple[Front, list[Line]]:
    """Take the title line off the top and read region and year from the opening lines."""
    front = Front()
    body: list[Line] = []
    date_year = title_year = date_region = title_region = None
    addressed = False  # past 各位代表: the opening lines are over
    for i, line in enumerate(lines):
        folded = fold(line.text)
        addressed = addressed or bool(ADDRESS.match(folded))
        opening = i < 12 and not addressed
        if opening and front.title is None and is_title_line(folded):
            compact = re.sub(r"\s+", "", line.text)
            front.title = compact if len(compact) <= 8 else line.text
            title_year = parse_year(line.text, bare=True)
            title_region = region_from(folded, line.text)
            continue
        if opening and DATE_LINE.match(folded):  # the report's own date and meeting decide
            date_year = date_year or parse_year(line.text)
            date_region = date_region or region_from(folded, line.text)
            front.date = front.date or parse_date(line.text)
            session = _SESSION.search(folded)
            if session and not front.session:
                front.session = re.sub(r"\s+", "", line.text[session.start() : session.end()])
            inline = _SPEAKER_IN_DATE.search(folded)  # ——2025年1月15日龚正市长在…
            if inline and front.speaker is None:
                front.speaker, front.office = line.text[inline.start(1) : inline.end(1)], inline.group(2)
        elif opening and SPEAKER.search(folded) and len(folded) < 40:
            title_year = title_year or parse_year(line.text)
            title_region = title_region or region_from(folded, line.text)
            if front.speaker is None and (said := speaker_of(line.text)):
                front.office, front.speaker = said
        body.append(line)
    front.year, front.region = date_year or title_year, date_region or title_region
    front.region = front.region or _region_on_behalf(lines[:OPENING_LINES])
    return front, body


OPENING_LINES = 15  # where a report says on whose behalf it is given (我代表…人民政府)
# 现在，我代表罗湖区人民政府（大鹏新区管理委员会，坪山区政府筹备组），向大会报告政府工作
_ON_BEHALF = re.compile(
    r"我代表([\u4e00-\u9fff]{2,12}?)(?:第?[一二三四五六七八九十]+届)?(?:人民政府|政府筹备组|管理委员会|管委会|党工委)"
)


def _region_on_behalf(lines: list[Line]) -> str | None:
    """The government a report is given on behalf of, when its opening lines name it."""
    for line in lines:
        m = _ON_BEHALF.search(fold(line.text))
        name = _shortest_name(line.text[m.start(1) : m.end(1)]) if m else ""
        if is_known(name) or re.fullmatch(r".{2,}新区", fold(name)):  # not 新区管委会 alone
            return name
    return None


_NUMBER = "一二三四五六七八九十"
_SESSION_PARTS = re.compile(rf"第?([{_NUMBER}\d]+)届.*?第?([{_NUMBER}\d]+)次")


def session_short(session: str | None) -> str | None:
    """``第八届人民代表大会第一次会议`` (or ``八届人大一次会议``) -> ``八届一次``."""
    m = _SESSION_PARTS.search(fold(session or ""))
    return f"{m.group(1)}届{m.group(2)}次" if m else None


# shenzhen-luohu-2021b.txt, 罗湖区/2021-2.txt: the second report of a year
_SECOND = re.compile(r"(?<!\d)(?:19|20)\d\d(?:-([2-9])|([b-i]))$")


def second_of_year(stem: str) -> int | None:
    """Which report of its year a file name marks (2 for ``2021b`` or ``2021-2``), or None."""
    m = _SECOND.search(stem.lower())
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else ord(m.group(2)) - ord("a") + 1


def is_title_line(folded: str) -> bool:
    return bool(_TITLE.search(folded)) and len(folded) <= 40 and not SENTENCE_END.search(folded)


def report_title(
    year: int | None, place: list[str], traditional: bool = False, which: str | None = None
) -> str:
    """``<year>年<place>政府工作报告`` (national: 国务院), in the report's script; ``which``
    (a second report of the year: its session, 八届一次) in brackets after it."""
    who = "国务院" if place == [NATIONAL] else place[-1] if place else ""
    title = f"{f'{year}年' if year else ''}{who}政府工作报告" + (f"（{which}）" if which else "")
    return TRADITIONAL.convert(title) if traditional else title


_ORDINAL = "〇一二三四五六七八九"


def titled(year: int | None, place: list[str], traditional: bool, stem: str, session: str | None) -> str:
    """A report's title (:func:`report_title`); a file named as the second report of its
    year (``stem``: 2021b, 2021-2) adds its session (八届一次), else 第二份."""
    which = second_of_year(stem)
    return report_title(
        year, place, traditional, (session_short(session) or f"第{_ORDINAL[which]}份") if which else None
    )
