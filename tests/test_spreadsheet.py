"""Spreadsheets of reports (.xlsx), one per row, as researchers keep them: the text column,
empty and short rows, literal line breaks, site chrome, and the text's place and year over
the columns'."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner

from indexer.__main__ import cli
from indexer.reading import ReadError
from indexer.structure import read_reports

from .conftest import shared

BAODING = "baoding-counties-xlsx/保定市各县政府工作报告.xlsx"


@pytest.fixture(scope="module")
def baoding() -> dict:
    result = CliRunner().invoke(cli, ["outline", str(shared(BAODING))])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_every_row_with_a_report_is_one_and_the_others_are_counted(baoding):
    """168 rows: 92 empty, 2 under 2,000 characters (涞水 2010, 2011), 74 reports, each with
    its own id from its row."""
    assert baoding["text_column"] == "报告全文"
    assert len(baoding["reports"]) == 74
    reasons = [s["reason"] for s in baoding["skipped"]]
    assert reasons.count("empty") == 92 and len(reasons) == 94
    assert {s["row"] for s in baoding["skipped"] if s["reason"] != "empty"} == {45, 46}
    ids = [r["id"] for r in baoding["reports"]]
    assert len(set(ids)) == 74 and ids[0] == "保定市各县政府工作报告/2"


def _report(baoding: dict, row: int) -> dict:
    return next(r for r in baoding["reports"] if r["row"] == row)


def test_literal_line_breaks_are_line_breaks(baoding):
    """清苑 2003 holds ``\\r\\n`` typed out: its paragraphs and headings are the lines."""
    report = _report(baoding, 7)
    texts = [p["text"] for p in report["paragraphs"]] + [h["title"] for h in report["headings"]]
    assert not [t for t in texts if "\\r" in t or "\\n" in t]
    assert "一、过去五年政府工作的简要回顾" in [h["title"] for h in report["headings"]]
    assert len(report["paragraphs"]) > 50


def test_a_news_sites_chrome_is_gone(baoding):
    """The 48 rows from 中国县域: the header block (阅读/评论 counts, 内容摘要 excerpt), the
    share links, the disclaimer and the lists of other reports below; and the watermark of a
    data vendor at the end of others."""
    for report in baoding["reports"]:
        texts = [p["text"] for p in report["paragraphs"]]
        joined = "\n".join(texts)
        for chrome in (
            "作者：中国县域",
            "QQ空间",
            "免责声明",
            "评论：",
            "内容摘要",
            "阅读排行",
            "马克数据",
            "马 克",
            "macrodatas",
            "&nbsp;",
            "??",
        ):
            assert chrome not in joined, (report["id"], chrome)
        assert not [t for t in texts[:3] if t.isdigit()], report["id"]  # 阅读：175 (a table's cells may be)
        assert texts[-1] not in ("唐县", "下一页"), report["id"]


def test_the_texts_place_and_year_win_over_the_columns_and_say_so(baoding):
    """The 唐县 rows of 2021–2025 hold 高唐县's reports (山东省 › 聊城市), the 易县 rows of
    2023–2024 米易县's (四川省), the 2024 one its 2022 report."""
    gaotang = [r for r in baoding["reports"] if r["region"] == "高唐县"]
    assert [r["year"] for r in gaotang] == [2021, 2022, 2023, 2024, 2025]
    for report in gaotang:
        assert report["place"] == ["山东省", "聊城市", "高唐县"]
        assert report["corrections"] == [{"field": "place", "column": "唐县", "text": "高唐县"}]
    miyi = [(r["year"], r["corrections"]) for r in baoding["reports"] if r["region"] == "米易县"]
    assert miyi == [
        (2023, [{"field": "place", "column": "易县", "text": "米易县"}]),
        (
            2022,
            [
                {"field": "place", "column": "易县", "text": "米易县"},
                {"field": "year", "column": "2024", "text": 2022},
            ],
        ),
    ]
    tang = _report(baoding, 84)  # 唐县 2020 is 唐县's own: nothing to say
    assert tang["place"] == ["河北省", "保定市", "唐县"] and "corrections" not in tang
    assert _report(baoding, 94)["place"] == ["河北省", "保定市", "容城县"]  # from the columns


def _sheet(path, header, rows) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


REPORT = "各位代表：\\r\\n现在，我代表县人民政府向大会报告工作。\\r\\n一、过去一年工作回顾\\r\\n" + (
    "我们推进河涌整治，完成黑臭水体治理，群众满意度明显提升。" * 80
)


def test_the_longest_column_is_the_text_and_the_outline_says_which(tmp_path):
    path = tmp_path / "reports.xlsx"
    _sheet(
        path,
        ["县", "年", "报告"],
        [["甲县", 2019, REPORT], ["乙县", 2020, None], ["丙县", 2021, "各位代表：简短。"]],
    )
    result = CliRunner().invoke(cli, ["outline", str(path)])
    data = json.loads(result.output)
    assert data["text_column"] == "报告"
    assert [r["row"] for r in data["reports"]] == [1]
    assert data["skipped"] == [
        {"row": 2, "reason": "empty"},
        {"row": 3, "reason": "too short (8 characters)"},
    ]
    report = data["reports"][0]
    assert report["headings"][0]["title"] == "一、过去一年工作回顾"
    assert report["paragraphs"][1]["text"] == "现在，我代表县人民政府向大会报告工作。"


@pytest.mark.parametrize(
    "content, reason",
    [(b"PK\x03\x04 not really a zip", "not a readable spreadsheet"), (None, "no text column")],
)
def test_a_spreadsheet_that_cannot_be_read_is_refused_saying_why(tmp_path, content, reason):
    path = tmp_path / "bad.xlsx"
    if content is None:
        _sheet(path, ["县", "年"], [["甲县", 2019]])
    else:
        path.write_bytes(content)
    with pytest.raises(ReadError, match=reason):
        read_reports(path)


@pytest.mark.slow
def test_a_spreadsheet_in_the_corpus_is_searchable_row_by_row_and_status_names_the_corrections(tmp_path):
    import shutil

    from indexer.build import build
    from search import create_app

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(shared(BAODING), corpus / "baoding.xlsx")
    summary = build(corpus, index)
    assert len(summary.added) == 74 and not summary.refused
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    status = client.get("/api/status").get_json()
    assert {"report": "baoding/85", "field": "place", "column": "唐县", "text": "高唐县"} in status[
        "corrections"
    ]
    assert len([c for c in status["corrections"] if c["text"] == "高唐县"]) == 5
    hits = client.get("/api/search", query_string={"q": "高唐", "region": "聊城"}).get_json()["results"]
    assert hits and {h["report_id"] for h in hits} <= {f"baoding/{n}" for n in range(85, 90)}
    assert hits[0]["url"].startswith("/reports/baoding/8")
