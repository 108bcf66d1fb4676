"""The year's targets (主要预期目标) a report sets: GDP growth, consumer prices, new urban jobs,
the urban unemployment rates, grain output, energy intensity, residents' income and the
fiscal deficit, each as the report writes it (``5%左右``, ``6%—6.5%``, ``1200万人以上``) with
its numeric bounds and the anchor of the paragraph that states it.

Where a report sets them: its statement of the year's main targets (``今年发展主要预期目标
是：…``), read first; then, for an indicator that statement leaves out, the paragraphs after
it of the year's tasks (a section titled with the report's year, 今年, 主要任务, 工作安排 …:
the jobs target often stands in the part on employment) and sentences that announce a target
for the year (``今年经济增长预期目标为7%左右``, ``调控目标定为8%``). Never the review of the
last year (a section titled 回顾, 过去, the previous year …), a sentence about the last year
or five years (去年, 上年, 年均, 五年 …), nor a clause that compares (比上年).

The build computes them per report (:func:`derive`, a step of ``indexer.build.DERIVED``)
into ``targets.json``; a report keeps its targets until it changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from .generation import Derivation
from .structure import Block, Report

TARGETS = "targets.json"


# what marks a clause as a statement of the past (outside the statement of the year's targets)
PAST = r"去年|上年|过去|年均|五年|以来|累计|比.{0,6}增长|超过.{0,4}预期目标|完成了|实际"


@dataclass(frozen=True)
class Indicator:
    """What a target measures: its name in the API, its label, the unit of its bounds, and
    what a report calls it (a pattern that ends right before the value)."""

    name: str
    label: str
    unit: str
    subject: str
    past: str = PAST


_SET = r"(?:控制在|保持在|稳定保持在|稳定在|继续保持|保持|稳定|在|为|定为|达到|达|实现)?"
INDICATORS = (
    Indicator(
        "gdp",
        "经济增长",
        "%",
        r"(?:(?<!单位)(?<!单位国内)(?<!单位地区)(?:国内|地区|全市|全省|全区|国民)?生产总值|GDP)按?(?:增长|增速)"
        r"(?:预期目标)?"
        + _SET
        + r"|经济增长(?:速度)?(?:的)?(?:预期目标|宏观调控目标|调控目标|预期)?[，,]?(?:定为|为|是)?",
    ),
    Indicator(
        "cpi",
        "居民消费价格涨幅",
        "%",
        r"(?:居民消费价格|商品零售价格|零售物价|物价)(?:总水平|指数)?(?:上涨幅度|涨幅|上涨|增长)" + _SET,
    ),
    Indicator("jobs", "城镇新增就业", "万人", r"(?:城镇新增就业|新增城镇就业)(?:人数|岗位)?" + _SET),
    Indicator("unemployment", "城镇调查失业率", "%", r"城镇调查失业率(?:全年)?" + _SET),
    Indicator("registered_unemployment", "城镇登记失业率", "%", r"城镇登记失业率" + _SET),
    Indicator(
        "grain",
        "粮食产量",
        "万吨",
        # 粮食总产稳定在1100亿斤以上, 今年粮食产量要稳定在5.5亿吨以上, 粮食播种面积1530万亩、总产量125亿斤
        r"粮食(?:(?:播种)?面积[^，；。、]{0,12}、)?(?:总产量?|产量)要?" + _SET,
    ),
    Indicator(
        "energy",
        "单位GDP能耗降低",
        "%",
        r"(?:单位(?:国内|地区)?生产总值能耗|单位GDP能耗|能耗强度|能源消耗强度)要?(?:降低|下降)",
    ),
    Indicator("income", "居民人均可支配收入增长", "%", r"(?<!城镇)(?<!农村)(?:全体)?居民人均可支配收入增长"),
    Indicator(
        "deficit",
        "赤字率",
        "%",
        r"赤字率(?:拟按|按|拟|稳定在|在|(?:从[^，；。]{0,10}?)?(?:提高|下降|降低)到)?",
        # the budget sets it beside last year's (比去年增加2000亿元, 从去年的2.1%提高到2.3%):
        # only last year's own rate is the past
        r"(?:去年|上年)[^，；。]*赤字率|过去|年均|五年|以来|累计|一直|实际",
    ),
)
BY_NAME = {i.name: i for i in INDICATORS}

_CN = "零〇一二三四五六七八九十"
_NUMBER = rf"(?:\d+(?:\.\d+)?|[{_CN}]+)"
_UNIT = r"(?:%|％|万亿斤|亿斤|亿吨|万吨|亿公斤|万人|万个)"
_VALUE = re.compile(
    rf"(?P<text>(?P<qualifier>不低于|不少于|低于|不超过|超过|高于)?(?P<pct>百分之)?(?P<a>{_NUMBER})(?P<unit_a>{_UNIT})?"
    rf"(?:(?:—|－|-|~|～|至|到)(?:百分之)?(?P<b>{_NUMBER}))?(?P<unit>{_UNIT})?(?P<tail>左右|以上|以内|以下)?)"
)
# to 万吨 (tonnes); 1 吨 = 2,000 斤
_SCALE = {
    "万亿斤": 1e12 / 2000 / 1e4,
    "亿斤": 1e8 / 2000 / 1e4,
    "亿公斤": 1e8 / 1000 / 1e4,
    "亿吨": 1e4,
    "万吨": 1.0,
}

_PAST_SECTION = re.compile(r"回顾|过去|以来|五年|时期|成就|成绩|主要情况")
_PRESENT_SECTION = re.compile(
    r"今年|主要任务|重点任务|工作任务|目标任务|工作安排|重点工作|总体要求|政策取向|工作的建议|工作建议"
)
_STATEMENT = re.compile(r"(?:主要预期目标|主要目标|预期目标|调控目标)(?:建议)?(?:是|为|：|:|建议为)")
_PLAN = re.compile(r"五年|十[一二三四五六七八九]五|“十.五”|年均")
_CUE = re.compile(r"今年|本年|预期|目标|计划|力争|确保")
_CLAUSE = re.compile(r"[；;。]|，(?=[^，；;。]{0,30}?(?:增长|涨幅|就业|失业率|产量|能耗|赤字率))")


@dataclass(frozen=True)
class Target:
    """A target a report sets for its year (the shape of ``/api/targets``)."""

    report_id: str
    place: list[str]
    year: int | None
    indicator: str
    text: str
    low: float | None
    high: float | None
    anchor: str

    def to_json(self) -> dict:
        return asdict(self)


def _number(raw: str) -> float:
    """12, 6.5, 八, 十五 (Chinese numerals as a report writes a percentage)."""
    if raw[0].isdigit():
        return float(raw)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
    if "十" not in raw:
        return float(digits[raw[-1]])
    tens, _, ones = raw.partition("十")
    return float((digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0))


def value(text: str, indicator: Indicator) -> tuple[str, float | None, float | None] | None:
    """The value that opens ``text`` (right after the indicator's name): as written, and its
    bounds in the indicator's unit; None when no number opens it or its unit is another's."""
    m = _VALUE.match(text)
    if m is None or (m["a"][0] not in "0123456789" and not m["pct"]):
        return None
    unit = m["unit"] or m["unit_a"] or ""
    percent = unit in ("%", "％") or bool(m["pct"])
    if (indicator.unit == "%") != percent or (indicator.name == "jobs" and unit not in ("万人", "万个")):
        return None
    scale = _SCALE.get(unit, 1.0) if indicator.name == "grain" else 1.0
    if indicator.name == "grain" and unit not in _SCALE:
        return None
    a = _number(m["a"]) * scale
    b = _number(m["b"]) * scale if m["b"] else None
    qualifier, tail = m["qualifier"] or "", m["tail"] or ""
    low: float | None = a
    high: float | None = b if b is not None else a
    if qualifier in ("不低于", "不少于", "超过", "高于") or tail == "以上":
        high = b
    if qualifier in ("低于", "不超过") or tail in ("以内", "以下"):
        low = None if b is None else a
    return m["text"], _round(low), _round(high)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _clauses(text: str) -> Iterator[str]:
    """The parts of a statement that each set one or a few targets."""
    yield from (c for c in _CLAUSE.split(text) if c.strip())


_RESPECTIVELY = re.compile(r"([^，；;。：:]+?)分别" + _SET + r"(.+)")


def _respectively(clause: str, indicator: Indicator) -> tuple[str, float | None, float | None] | None:
    """The value a clause that sets several targets at once gives ``indicator``
    (``城镇调查失业率、居民消费价格涨幅分别控制在5%和3%以内``): the one in its place; a
    qualifier after the last (以内) holds for each."""
    m = _RESPECTIVELY.search(clause)
    if m is None:
        return None
    subjects = re.split(r"[、和]", m[1])
    values, rest = [], m[2]
    while (v := _VALUE.match(rest)) is not None:
        values.append(v)
        rest = rest[v.end() :]
        if not rest or rest[0] not in "和、":
            break
        rest = rest[1:]
    if len(values) != len(subjects) or len(values) < 2:
        return None
    for subject, v in zip(subjects, values, strict=True):
        if re.fullmatch(indicator.subject, subject.strip()):
            tail = "" if v["tail"] else values[-1]["tail"] or ""
            found = value(v["text"] + tail, indicator)
            return (v["text"], found[1], found[2]) if found else None
    return None


def _found(text: str, indicator: Indicator, strict: bool) -> tuple[str, float | None, float | None] | None:
    """The first value ``text`` sets for ``indicator``; ``strict`` (outside the statement of
    the year's targets) passes over clauses that speak of the past."""
    pattern = re.compile(indicator.subject)
    for clause in _clauses(text):
        if strict and re.search(indicator.past, clause):
            continue
        if "分别" in clause and (found := _respectively(clause, indicator)) is not None:
            return found
        for m in pattern.finditer(clause):
            found = value(clause[m.end() :], indicator)
            if found is not None:
                return found
    return None


def _statement(report: Report) -> list[Block]:
    """The paragraph that states the year's main targets: the first that announces them
    and sets one (a five-year plan's are not the year's)."""
    for block in report.paragraphs:
        at = _statement_start(block.text)
        if at is not None and any(_found(block.text[at:], ind, False) for ind in INDICATORS):
            return [block]
    return []


def _statement_start(text: str) -> int | None:
    """Where the sentence that announces the year's targets starts in ``text`` (None: it
    announces none, or a five-year plan's: “十五五”时期…主要目标是)."""
    m = _STATEMENT.search(text)
    if m is None:
        return None
    start = max(text.rfind(stop, 0, m.start()) for stop in "。；;") + 1
    return None if _PLAN.search(text[start : m.start()]) else start


def _past(block: Block, year: int | None) -> bool:
    """Whether a paragraph stands in a part that reviews the past (回顾, 过去, the last year)."""
    path = " ".join(block.section_path)
    return bool(_PAST_SECTION.search(path) or (year and f"{year - 1}年" in path))


def _this_year(block: Block, year: int | None) -> bool:
    """Whether a paragraph of a report without a statement of its targets speaks of the
    year: in a part of the year's tasks, or announcing a target."""
    path = " ".join(block.section_path)
    present = _PRESENT_SECTION.search(path) or (year and f"{year}年" in path)
    return not _past(block, year) and bool(present or _CUE.search(block.text))


def targets(report: Report) -> list[Target]:
    """The targets ``report`` sets for its year, one per indicator at most."""
    statement = _statement(report)
    if statement:  # a report reviews the last year first: the year's tasks come after its targets
        after = report.paragraphs[report.paragraphs.index(statement[0]) + 1 :]
        rest = [b for b in after if not _past(b, report.year)]
    else:
        rest = [b for b in report.paragraphs if _this_year(b, report.year)]
    out = []
    for indicator in INDICATORS:
        for block, strict in [*((b, False) for b in statement), *((b, True) for b in rest)]:
            text = block.text if strict else block.text[_statement_start(block.text) or 0 :]
            found = _found(text, indicator, strict)
            if found is not None:
                out.append(Target(report.id, report.place, report.year, indicator.name, *found, block.anchor))
                break
    return out


def derive(step: Derivation) -> None:
    """Write ``targets.json`` for the new generation: the targets of the reports written
    now, and the others' as the served generation found them."""
    kept: list[dict] = []
    if step.old is not None and (step.old.path / TARGETS).exists():
        gone = step.removed | set(step.written)
        kept = [t for t in read(step.old.path) if t["report_id"] not in gone]
    fresh = [t.to_json() for report in step.written.values() for t in targets(report)]
    rows = sorted(
        kept + fresh, key=lambda t: (t["report_id"], [i.name for i in INDICATORS].index(t["indicator"]))
    )
    (step.path / TARGETS).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def read(path: Path) -> list[dict]:
    """The targets of the generation ``path`` (none for one built without the step)."""
    if not (path / TARGETS).exists():
        return []
    return json.loads((path / TARGETS).read_text(encoding="utf-8"))
