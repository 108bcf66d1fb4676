"""The library that ships in corpus/, and ``python -m indexer library`` that assembles one.

These read corpus/ only (a fresh clone has no ../shared beside it)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import opencc
import pytest
from click.testing import CliRunner

from indexer.__main__ import cli
from indexer.analysis import fold
from indexer.build import corpus_files
from indexer.duplicates import region_key
from indexer.library import RECORD
from indexer.structure import read_reports
from search.query import parse, variants
from search.views import EXAMPLES

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def library():
    """Every report of the shipped library, by file (relative to corpus/)."""
    return {
        path.relative_to(CORPUS).as_posix(): report
        for path in corpus_files(CORPUS)
        for report in read_reports(path, CORPUS)
    }


def test_the_library_holds_the_distinct_reports_recorded_with_their_sources(library):
    assert len(library) >= 420
    places = {region_key(r.region) for r in library.values()}
    assert len(places) >= 35
    years = [r.year for r in library.values()]
    assert min(years) == 1954 and max(years) == 2026
    copies = Counter((region_key(r.region), r.year) for r in library.values())
    # one file per report; two reports of one year (a new congress elected) in two files
    assert sorted(k for k, n in copies.items() if n > 1) == [
        ("宝安区", 2016),
        ("宝安区", 2021),
        ("福田区", 2021),
        ("罗湖区", 2021),
        ("龙华区", 2021),
    ]
    assert {f for f, r in library.items() if copies[region_key(r.region), r.year] > 1 and "-2." in f} == {
        "宝安区/2016-2.txt",
        "宝安区/2021-2.txt",
        "福田区/2021-2.txt",
        "罗湖区/2021-2.txt",
        "龙华区/2021-2.txt",
    }
    assert library["罗湖区/2021-2.txt"].title == "2021年罗湖区政府工作报告（八届一次）"
    assert library["罗湖区/2021.txt"].title == "2021年罗湖区政府工作报告"
    record = list(csv.DictReader(io.StringIO((CORPUS / RECORD).read_text(encoding="utf-8")), delimiter="\t"))
    assert {row["file"] for row in record} == set(library)
    for row in record:
        report = library[row["file"]]
        assert (row["region"], int(row["year"])) == (report.region, report.year) and row["source"]
    suffixes = Counter(Path(f).suffix for f in library)
    assert suffixes[".docx"] >= 25 and suffixes[".md"] >= 100  # Word files read, cleanest kept


def _finds(query: str, reports) -> bool:
    """Whether a paragraph of ``reports`` holds every word of ``query``, within its filters."""
    parsed = parse(query)
    for report in reports:
        if parsed.years and not any(lo <= (report.year or 0) <= hi for lo, hi in parsed.years):
            continue
        if parsed.regions and not any(fold(r) in "".join(report.place) for r in parsed.regions):
            continue
        for block in report.blocks:
            text = re.sub(r"\s", "", fold(block.text))
            if all(
                any(re.sub(r"\s", "", v) in text for f in u.forms for v in variants(f))
                or any(w in text for w in u.whole)
                for u in parsed.units
            ):
                return True
    return False


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_home_page_example_finds_something_in_the_library(library, example):
    assert _finds(example, library.values()), example


REPORT = """{year}年样本市政府工作报告
——{year}年1月10日在样本市第一届人民代表大会第一次会议上
各位代表：
一、过去一年工作回顾
我们推进河涌整治，完成黑臭水体治理，群众满意度明显提升。城市更新稳步推进，老旧小区改造完成三百个。
二、今年工作安排
加快建设现代化产业体系，推动制造业高质量发展，扩大有效投资，办好十件民生实事。
""" + "".join(
    f"第{i}项，我们坚持稳中求进工作总基调，统筹发展和安全，持续改善民生，推进城乡融合发展。\n"
    for i in range(140)
)


def test_assembling_keeps_the_cleanest_copy_of_each_report_once(tmp_path):
    source, into = tmp_path / "collected", tmp_path / "library"
    (source / "web").mkdir(parents=True)
    text = REPORT.format(year=2019)
    (source / "plain-2019.txt").write_text(text, encoding="utf-8")
    (source / "web" / "page.html").write_text(
        "<html><body><p>当前位置：首页</p>"
        + "".join(f"<p>{line}</p>" for line in text.splitlines())
        + "</body></html>",
        encoding="utf-8",
    )
    (source / "traditional.txt").write_text(opencc.OpenCC("s2t").convert(text), encoding="utf-8")
    (source / "next.md").write_text(REPORT.format(year=2020), encoding="utf-8")
    (source / "notes.xlsx").write_bytes(b"PK")  # not a report: passed over
    result = CliRunner().invoke(cli, ["library", str(source), "--into", str(into)])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()) == [
        "SOURCES.tsv",
        "样本市/2019.txt",
        "样本市/2020.md",
    ]
    assert (into / "样本市" / "2019.txt").read_text(encoding="utf-8") == text
    record = (into / RECORD).read_text(encoding="utf-8")
    assert "样本市/2019.txt\t2019年样本市政府工作报告\t样本市\t2019\tplain-2019.txt" in record
    again = CliRunner().invoke(cli, ["library", str(source), "--into", str(into)])
    assert "0 reports added" in again.output and (into / RECORD).read_text(encoding="utf-8") == record


def test_two_reports_of_a_year_stay_two_and_a_tables_rows_become_files(tmp_path):
    """Two reports of one place and year (a new congress elected) are both added, the second
    as ``<year>-2``; a spreadsheet's rows become text files (their literal \\r\\n as lines)."""
    import openpyxl

    source, into = tmp_path / "collected", tmp_path / "library"
    source.mkdir()
    first = REPORT.format(year=2019)
    second = first.replace(
        "我们坚持稳中求进工作总基调，统筹发展和安全，持续改善民生，推进城乡融合发展。",
        "过去五年，我们完成了换届以来确定的各项目标任务，五年规划圆满收官。",
    )
    (source / "yangben-2019.txt").write_text(first, encoding="utf-8")
    (source / "yangben-2019b.txt").write_text(second, encoding="utf-8")
    book = openpyxl.Workbook()
    book.active.append(["地区", "年份", "报告全文"])
    for year in (2020, 2021):
        book.active.append(["样本市", str(year), REPORT.format(year=year).replace("\n", "\\r\\n")])
    book.save(source / "reports.xlsx")
    result = CliRunner().invoke(cli, ["library", str(source), "--into", str(into)])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(into).as_posix() for p in into.rglob("*.*") if p.name != RECORD) == [
        "样本市/2019-2.txt",
        "样本市/2019.txt",
        "样本市/2020.txt",
        "样本市/2021.txt",
    ]
    assert (into / "样本市" / "2019-2.txt").read_text(encoding="utf-8") == second
    assert (
        (into / "样本市" / "2020.txt")
        .read_text(encoding="utf-8")
        .startswith("2020年样本市政府工作报告\n——2020年")
    )
    reports = {p.stem: read_reports(p, into)[0] for p in (into / "样本市").iterdir()}
    assert (
        reports["2019-2"].title == "2019年样本市政府工作报告（一届一次）"
    )  # its session, from its date line
    assert "reports.xlsx#1" in (into / RECORD).read_text(encoding="utf-8")
