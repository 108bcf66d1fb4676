"""The year's targets a report sets (indexer.targets): values as written and their bounds,
this year's targets only, and the hand-checked table of benchmarks/ as the measure."""

from __future__ import annotations

import sys

import pytest

from indexer.structure import Block, Report
from indexer.targets import BY_NAME, targets, value

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import targets_agreement  # noqa: E402  (benchmarks/ is not a package)


@pytest.mark.parametrize(
    "indicator,text,expected",
    [
        ("gdp", "5%左右，在实际工作中", ("5%左右", 5.0, 5.0)),
        ("gdp", "6%—6.5%；城镇新增", ("6%—6.5%", 6.0, 6.5)),
        ("gdp", "6%以上；", ("6%以上", 6.0, None)),
        ("gdp", "5.5％左右", ("5.5％左右", 5.5, 5.5)),
        ("gdp", "百分之八至九。", ("百分之八至九", 8.0, 9.0)),
        ("gdp", "百分之九", ("百分之九", 9.0, 9.0)),
        ("registered_unemployment", "低于4.6%；", ("低于4.6%", None, 4.6)),
        ("registered_unemployment", "4.6%以内", ("4.6%以内", None, 4.6)),
        ("jobs", "1200万人以上", ("1200万人以上", 1200.0, None)),
        ("jobs", "不少于26万人。", ("不少于26万人", 26.0, None)),
        ("grain", "1.3万亿斤以上", ("1.3万亿斤以上", 65000.0, None)),  # in 10,000 tonnes
        ("grain", "1955万吨以上", ("1955万吨以上", 1955.0, None)),
        ("jobs", "5%左右", None),  # a percentage is not a number of jobs
        ("gdp", "1200万人", None),
        ("gdp", "同步", None),
    ],
)
def test_a_value_as_written_and_its_bounds(indicator, text, expected):
    assert value(text, BY_NAME[indicator]) == expected


def report(*paragraphs: tuple[str, list[str]], year: int = 2024) -> Report:
    blocks = [
        Block("paragraph", f"p{i}", text, path, anchor=f"t{i}")
        for i, (text, path) in enumerate(paragraphs, 1)
    ]
    return Report("测试/2024", "2024年测试市政府工作报告", "测试市", year, "x.txt", blocks, place=["测试市"])


def found(r: Report) -> dict[str, tuple[str, float | None, float | None, str]]:
    return {t.indicator: (t.text, t.low, t.high, t.anchor) for t in targets(r)}


def test_the_statement_of_the_years_targets_not_last_years_results_nor_five_year_averages():
    r = report(
        ("去年地区生产总值增长5.2%，城镇新增就业62万人，居民消费价格上涨0.2%。", ["一、2023年工作回顾"]),
        ("今后五年，地区生产总值年均增长6%左右。", ["二、今后五年的主要目标"]),
        (
            "今年经济社会发展的主要预期目标是：地区生产总值增长5%左右；城镇调查失业率5.5%左右；"
            "居民消费价格涨幅3%左右。",
            ["三、2024年工作安排"],
        ),
        ("实施就业优先战略，城镇新增就业60万人以上。", ["三、2024年工作安排", "（八）保障和改善民生"]),
    )
    assert found(r) == {
        "gdp": ("5%左右", 5.0, 5.0, "t3"),
        "unemployment": ("5.5%左右", 5.5, 5.5, "t3"),
        "cpi": ("3%左右", 3.0, 3.0, "t3"),
        "jobs": ("60万人以上", 60.0, None, "t4"),  # the jobs target stands in the part on employment
    }


def test_a_report_that_sets_no_gdp_target_has_none():
    r = report(
        ("去年国内生产总值增长6.1%。", ["一、2019年工作回顾"]),
        ("今年要优先稳就业保民生；城镇新增就业900万人以上，城镇调查失业率6%左右。", ["二、今年发展主要目标"]),
        year=2020,
    )
    assert "gdp" not in found(r)
    assert found(r)["jobs"][0] == "900万人以上"


def test_several_targets_set_at_once():
    r = report(("主要预期目标是：城镇调查失业率、居民消费价格涨幅分别控制在5%和3%以内。", ["二、2025年工作"]))
    assert found(r)["unemployment"][:3] == ("5%", None, 5.0)
    assert found(r)["cpi"][:3] == ("3%以内", None, 3.0)


def test_the_deficit_set_beside_last_years_and_grain_in_the_reports_units():
    r = report(
        ("去年赤字率为2.8%，粮食产量1.37万亿斤。", ["一、2022年工作回顾"]),
        (
            "今年拟安排财政赤字1.62万亿元，比去年增加2700亿元，赤字率从去年的2.1%提高到2.3%。",
            ["二、2023年工作"],
        ),
        ("今年粮食产量要稳定在5.5亿吨以上。全年粮食播种面积1.1亿亩、产量825亿斤以上。", ["二、2023年工作"]),
        year=2023,
    )
    assert found(r)["deficit"][:3] == ("2.3%", 2.3, 2.3)  # last year's 2.1% (and 2.8%) are the past
    assert found(r)["grain"][:3] == ("5.5亿吨以上", 55000.0, None)  # in 10,000 tonnes
    later = report(
        ("全年粮食播种面积1.1亿亩、产量825亿斤以上；去年赤字率为2.8%。", ["二、2023年工作"]), year=2023
    )
    assert found(later) == {"grain": ("825亿斤以上", 4125.0, None, "t1")}


@pytest.mark.slow
def test_the_hand_checked_table_agrees():
    """benchmarks/targets-checked.tsv was read by hand from the reports (the national reports of
    2003–2026, the provincial reports of 31 places of 2025 and 2026): the text as written and
    both bounds agree for GDP in 95% of its rows and for every other indicator (prices, jobs,
    unemployment, and those read beyond them: grain, energy, income, the deficit) in 90% of the
    rows where a report states them; where it states none, none is read."""
    rows = targets_agreement.checked()
    assert len({r["report_id"] for r in rows if r["report_id"].startswith("全国/")}) >= 20
    assert len({r["report_id"] for r in rows if not r["report_id"].startswith("全国/")}) >= 20
    got = targets_agreement.found(ROOT / "corpus", {r["report_id"] for r in rows})
    counts, misses = targets_agreement.compare(rows, got)
    assert set(counts) == set(BY_NAME)  # every indicator the build reads is measured
    for indicator, (stated, agree, none, quiet, _) in counts.items():
        assert agree >= (0.95 if indicator == "gdp" else 0.9) * stated, (indicator, misses)
        assert quiet == none, (indicator, misses)
    assert ("全国/2020", "gdp") not in got  # the national report of 2020 set no GDP target
