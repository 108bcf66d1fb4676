"""Reading any report a user drops into corpus/: formats, encodings, chrome, bad files."""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.__main__ import cli
from indexer.analysis import fold
from indexer.build import build
from indexer.places import place_path, stem
from indexer.reading import MAX_FILE_BYTES, ReadError
from indexer.structure import LIST_ITEM, parse_year, read_reports
from indexer.structure.metadata import second_of_year

from .conftest import SHARED_REPORTS, shared

# --- every real report in ../shared/reports ---------------------------------------------------


def shared_sources() -> list[dict]:
    """The rows of the shared set's SOURCES.tsv and SOURCES-more.tsv: one per report file."""
    return [
        row
        for name in ("SOURCES.tsv", "SOURCES-more.tsv")
        for row in csv.DictReader(
            (SHARED_REPORTS / name).read_text(encoding="utf-8").splitlines(), delimiter="\t"
        )
    ]


def pytest_generate_tests(metafunc):
    """One test per shared report file (``row``), read when the tests are collected; without
    the shared set beside the project, one test says so (skipped, or failed in CI)."""
    if "row" in metafunc.fixturenames:
        try:
            rows = shared_sources()
        except OSError as exc:
            rows = [{"file": f"(the shared report set: {exc})"}]
        rows = [r for r in rows if not r["file"].endswith(".xlsx")]  # one report a file (a table: below)
        metafunc.parametrize("row", rows, ids=[r["file"] for r in rows])


MARKUP = ["**", "##", "<br", "<p>", "</", "&nbsp;", "<U+", "<!--", "-->", "](http"]
CHROME = [
    "当前位置",
    "【字体",
    "字号：",
    "责任编辑",
    "版权所有",
    "网站标识码",
    "E-mail推荐",
    "分享到：",
    "相关词条",
    "热门词条",
    "联络我们",
    "基本介绍",
    "中文名:",
    "ICP备",
]


def test_every_shared_report_reads_cleanly(row):
    reports = read_reports(shared(row["file"]), SHARED_REPORTS)
    assert len(reports) == 1
    report = reports[0]
    assert report.year == int(row["year"])
    assert parse_year(report.title, bare=True) == report.year, report.title  # the text decides
    expected_region = fold(row["region"].split(" (")[0])
    assert (
        fold(stem(report.region)) in expected_region  # 坪山新区's reports: 坪山区, the district it became
        or (report.region == "全国" and "全国" in expected_region)
    )
    texts = [p.text for p in report.paragraphs]
    joined = "\n".join(texts + [h.text for h in report.headings])
    folded = fold(joined)
    for junk in MARKUP:
        assert junk not in joined, junk
    for chrome in CHROME:
        assert fold(chrome) not in folded, chrome
    long_ones = [fold(t) for t in texts if len(t) >= 20]
    assert len(long_ones) == len(set(long_ones)), "a paragraph is repeated"
    if "flattened one cell per line" not in row.get("note", ""):  # a table's numbers, a line each
        assert not [t for t in texts if re.fullmatch(r"[-—－\s]*\d{1,3}[-—－\s]*", t)], "a page number"
    raw = shared(row["file"]).read_bytes()
    if re.search(rb"\n\W{0,12}(\xe4\xb8\x80|\xd2\xbb)\xe3\x80\x81", raw):  # 一、 in UTF-8 or GBK
        assert report.headings, "the report has 一、 headings"
    assert len(joined) > 2000
    # the title in the form 2019年国务院政府工作报告 / 2017年荔灣區政府工作報告, in the report's script
    who = "国务院" if report.place == ["全国"] else report.place[-1]
    second = "（第二份）" if second_of_year(Path(row["file"]).stem) else ""  # 2021b: no session said
    assert fold(report.title) == fold(f"{report.year}年{who}政府工作报告{second}"), report.title
    title = report.title.split("（")[0]  # a second report's session in full-width brackets after it
    assert (title != fold(title)) == row.get("script", "").startswith("traditional"), report.title
    # the place as a path of the divisions, in Simplified, its last step the report's region
    assert report.place[-1] == report.region == fold(report.region)
    assert report.place == ["全国"] or len(place_path(report.place[0])) == 1, report.place
    # headings are headings: not numbered list items, table cells or rows
    for h in report.headings:
        assert not LIST_ITEM.match(fold(h.text)) and "|" not in h.text, h.text
    assert not [t for t in texts if "|" in t], "a table's markup in the text"
    # a heading run into its text is split off there, in the reports that run them in only
    assert len(_run_in(report)) == RUN_IN.get(row["file"], 0), _run_in(report)
    assert report.date is None or int(report.date[:4]) == report.year, report.date


# Reports whose numbered headings run on into their text without a stop, and how many of
# their headings do (each read and checked by hand; the split is tested below).
RUN_IN = {
    "lawtext-gov/guangdong-province-2000.md": 10,
    "lawtext-gov/guangdong-province-2001.md": 9,
    "lawtext-gov/guangdong-province-2002.md": 11,
    "lawtext-gov/guangdong-province-2006.md": 12,
    "lawtext-gov/guangzhou-city-1994.md": 1,
    "lawtext-gov/guangzhou-city-1998.md": 2,
    "lawtext-gov/innermongolia-province-2015.md": 3,
}


def _run_in(report) -> list[str]:
    """The headings of ``report`` that its paragraph continues without a stop."""
    blocks = report.blocks
    return [
        h.text
        for h, p in zip(blocks, blocks[1:], strict=False)
        if h.inline and p.text.startswith(h.text) and p.text[len(h.text)] not in "。：:；;.！!？?"
    ]


def test_a_heading_run_into_its_text_is_split_off():
    """二、巩固农业基础地位，全面发展农业和农村经济坚持不懈抓好农业，…: the heading is the part
    before the text, the paragraph keeps the whole line, and no heading is skipped."""
    report = read_reports(shared("lawtext-gov/guangdong-province-2000.md"))[0]
    assert _run_in(report) == [
        "一、大力推进国有企业改革，加快完善社会保障体系",
        "二、巩固农业基础地位，全面发展农业和农村经济",
        "三、加快科技创新与教育发展，推动产业结构优化升级",
        "四、继续有效扩大内需，大力开拓国内市场",
        "五、千方百计扩大出口和积极有效利用外资，进一步发展外向型经济",
        "六、努力促进经济与人口、资源、环境的协调发展",
        "七、加强财税管理，继续防范化解金融风险",
        "八、加快经济特区和珠江三角洲率先基本实现现代化建设步伐，推动全省梯次发展",
        "九、推进精神文明建设和社会各项事业发展",
        "十、坚持依法治省，建设文明法治的社会环境",
    ]
    agriculture = next(p for p in report.paragraphs if p.text.startswith("二、巩固农业"))
    assert agriculture.lead == "二、巩固农业基础地位，全面发展农业和农村经济"
    assert agriculture.text.startswith(agriculture.lead + "坚持不懈抓好农业")
    assert agriculture.section_path[-1] == agriculture.lead
    numbers = "一 二 三 四 五 六 七 八 九 十 十一 十二".split()
    for name, count in [("2000", 10), ("2002", 12), ("2006", 12)]:
        report = read_reports(shared(f"lawtext-gov/guangdong-province-{name}.md"))[0]
        found = [re.match(r"[一二三四五六七八九十]+(?=、)", h.text) for h in report.headings]
        assert [m.group(0) for m in found if m] == numbers[:count], name  # the contents skip none
    guangzhou = read_reports(shared("lawtext-gov/guangzhou-city-1994.md"))[0]
    assert _run_in(guangzhou) == ["（一）国民经济持续、快速、健康发展"]  # 去年，我市国民经济保持了…


def test_a_numbering_under_an_unnumbered_heading_sits_below_it():
    """2000年工作意见 › 一、大力推进国有企业改革…; 附件1's 2016年省十件民生实事 › 一、巩固提升底线
    民生保障水平, after the report's own 一、二、三 at the top; 各位代表： is the address, not a
    section; a numbering interrupted by bold lines keeps its level (1990: 一、二、… 三、)."""
    report = read_reports(shared("lawtext-gov/guangdong-province-2000.md"))[0]
    first = next(h for h in report.headings if h.text.startswith("一、"))
    assert first.section_path == ["2000年工作意见", "一、大力推进国有企业改革，加快完善社会保障体系"]
    assert first.level == 2
    report = read_reports(shared("lawtext-gov/guangdong-province-2016.md"))[0]
    numbered = [
        (h.level, h.text[:2]) for h in report.headings if re.match(r"[一二三四五六七八九十]+、", h.text)
    ]
    assert numbered[:3] == [(1, "一、"), (1, "二、"), (1, "三、")]
    assert numbered[3:] == [(2, t) for t in "一、 二、 三、 四、 五、 六、 七、 八、 九、 十、".split()]
    assert (
        next(h for h in report.headings if h.text.startswith("一、巩固")).section_path[0]
        == "2016年省十件民生实事"
    )
    for name in ("shenzhen-city-2024", "guangzhou-city-2013"):
        report = read_reports(shared(f"lawtext-gov/{name}.md"))[0]
        assert not [h for h in report.headings if h.text.startswith("各位代表")], name
        assert report.headings[0].text.startswith("一、") and report.headings[0].level == 1, name
    report = read_reports(shared("lawtext-gov/national-1990.md"))[0]
    assert {h.level for h in report.headings if re.match(r"[一二三]、", h.text)} == {2}


@pytest.mark.parametrize(
    "line",
    [
        "（三）全面深化改革扎实起步，对内对外开放进一步扩大。今年新出台改革措施一百项。",
        "（二）深化供给侧结构性改革，大力实施创新驱动发展战略，以制造业为主体的实体经济加快转型升级。全年工业增加值增长5%。",
        "（三）聚焦重点领域和关键环节深化改革，更大激发市场活力和社会创造力。推进国企改革深化提升行动。",
        "一、我国人民已经推翻了帝国主义者在中国的统治，帝国主义者已经不可能象过去那样掠夺我国人民的大量财富。",
        "（五）以增强出口创汇能力为中心，推动对外经济贸易和技术交流进一步向纵深发展。出口总额增长一成。",
        "（一）坚决打好“三大攻坚战”，努力在决胜高质量全面建成小康社会上取得新突破。脱贫攻坚成效明显。",
    ],
)
def test_a_whole_heading_with_its_stop_is_not_split(tmp_path, line):
    """Headings that end at their stop, as most do (a subject and its verb: 实体经济加快转型
    升级; a narrative sentence; 在…上), keep every word."""
    path = tmp_path / "ceshi-2019.txt"
    path.write_text(f"2019年测试区政府工作报告\n各位代表：\n{line}\n二、今年工作安排\n", encoding="utf-8")
    heading = read_reports(path)[0].headings[0]
    assert heading.text == line.split("。")[0] or not heading.inline


@pytest.mark.parametrize(
    "pdf, word",
    [
        ("beijing-2025-from-docx.pdf", "2025年北京市政府工作报告.docx"),
        ("sichuan-2025-from-docx.pdf", "2025年四川省政府工作报告.docx"),
    ],
)
def test_a_pdf_reads_as_the_word_document_it_was_printed_from(pdf, word):
    """Lines broken at the page width are joined, paragraphs end where the author's end,
    page numbers go, and the spaces the PDF puts beside Chinese characters are removed: the
    PDF gives the Word document's paragraphs and headings, character for character."""
    printed = read_reports(shared(f"derived/{pdf}"))[0]
    written = read_reports(shared(f"alexzhu0-docx/{word}"))[0]
    assert (printed.title, printed.region, printed.year) == (written.title, written.region, written.year)
    assert [(b.kind, re.sub(r"\s", "", b.text)) for b in printed.blocks] == [
        (b.kind, re.sub(r"\s", "", b.text)) for b in written.blocks
    ]
    assert len(written.headings) >= 10 and len(written.paragraphs) >= 60


def test_the_report_text_decides_year_and_place_over_file_name_and_page_labels():
    """河北省_2018_report.txt holds the 2019 report (二〇一九年一月十四日在河北省……会议上),
    under a scraped label block that says 2018."""
    report = read_reports(shared("hebei-gaoyang/河北省_2018_report.txt"))[0]
    assert (report.title, report.region, report.year) == ("2019年河北省政府工作报告", "河北省", 2019)
    assert not any(p.text.startswith(("标题", "发文单位", "来源URL")) for p in report.paragraphs)


def test_repeated_page_yields_the_report_once():
    report = read_reports(shared("ljtyduyu-boilerplate/national-1975.txt"))[0]
    starts = [p for p in report.paragraphs if p.text.startswith("根据中共中央的决定")]
    assert len(starts) == 1


def test_csv_row_and_html_page_keep_the_report_text():
    md = read_reports(shared("lawtext-gov/national-2020.md"))[0]
    page = read_reports(shared("derived/national-2020-gbk.html"))[0]
    md_text = re.sub(r"\W", "", "".join(p.text for p in md.paragraphs))
    page_text = re.sub(r"\W", "", "".join(b.text for b in page.blocks if not b.inline))
    kept = sum(len(p) for p in (re.sub(r"\W", "", x.text) for x in md.paragraphs) if p in page_text)
    assert kept / len(md_text) >= 0.985


# --- small files made here ---------------------------------------------------------------------

TRAD = """2019年測試區政府工作報告
——2019年1月10日在測試區第一屆人民代表大會第一次會議上
測試區區長 王某
各位代表：
一、過去一年工作回顧
（一）經濟運行穩中有進。地區生產總值增長6.5%，網際網路產業快速發展。
1．推進河涌整治。完成黑臭水體治理，群眾滿意度明顯提升。
二、今年工作安排
堅持穩中求進工作總基調，推動高質量發展。
"""
SIMP = fold(TRAD).replace(",", "，")


def _outline(path):
    return read_reports(path)[0]


@pytest.mark.parametrize(
    "encoding, text",
    [
        ("utf-8", SIMP),
        ("utf-8-sig", SIMP),
        ("utf-16", SIMP),
        ("gb18030", SIMP),
        ("gbk", SIMP),
        ("big5", TRAD),
    ],
)
def test_encodings(tmp_path, encoding, text):
    path = tmp_path / "ceshi-2019.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    report = _outline(path)
    assert report.year == 2019
    assert fold(report.region) == "测试区"
    assert [fold(h.text) for h in report.headings if not h.inline][:2] == [
        "一、过去一年工作回顾",
        "二、今年工作安排",
    ]
    assert any("河涌" in fold(p.text) for p in report.paragraphs)


def test_markdown_with_front_matter_and_markup(tmp_path):
    path = tmp_path / "r.md"
    path.write_text(
        "---\ntitle: 2019年测试区政府工作报告\nsource: http://example.gov.cn/x\n---\n\n"
        "**政府工作报告**\n\n——2019年1月10日在测试区第一届人民代表大会第一次会议上\n\n"
        "**测试区区长 王某**\n\n- **序号** **事项** **内容**\n\n"
        "## 一、过去一年工作回顾\n\n**——经济综合实力迈上新台阶。**地区生产总值增长6.5%。<br>第二行。\n\n"
        "| 指标 | 数值 |\n|---|---|\n| 增长 | 6.5% |\n\n### （一）推进河涌整治\n\n完成黑臭水体治理。\n",
        encoding="utf-8",
    )
    report = _outline(path)
    assert report.title == "2019年测试区政府工作报告"
    texts = [p.text for p in report.paragraphs]
    assert "——经济综合实力迈上新台阶。地区生产总值增长6.5%。" in texts
    assert "第二行。" in texts
    assert "增长\u30006.5%" in texts
    assert [h.text for h in report.headings] == ["一、过去一年工作回顾", "（一）推进河涌整治"]
    para = next(p for p in report.paragraphs if p.text == "完成黑臭水体治理。")
    assert para.section_path == ["一、过去一年工作回顾", "（一）推进河涌整治"]


def test_html_page_with_declared_charset_and_chrome(tmp_path):
    page = (
        "<html><head><meta charset='gbk'><title>2019年测试区政府工作报告_测试区政府网</title>"
        "<script>var a = '政府';</script><style>p{}</style></head><body>"
        "<div class='nav'><a href='/'>首页</a><a href='/x'>政务公开</a><a href='/y'>互动交流</a></div>"
        "<div>当前位置：首页 &gt; 政府公报</div><div>【字体：大 中 小】</div><!-- 注释 -->"
        "<h1>2019年测试区政府工作报告</h1><p>——2019年1月10日在测试区第一届人民代表大会第一次会议上</p>"
        "<h2>一、过去一年工作回顾</h2><p>地区生产总值增长6.5%&nbsp;，河涌整治成效明显。</p>"
        "<div class='share'>分享到：微信 微博</div><div>版权所有 测试区政府 网站标识码：123</div>"
        "</body></html>"
    )
    path = tmp_path / "r.html"
    path.write_bytes(page.encode("gbk"))
    report = _outline(path)
    assert report.year == 2019 and report.region == "测试区"
    texts = "\n".join(p.text for p in report.paragraphs)
    assert "河涌整治成效明显" in texts
    for chrome in ("首页", "政务公开", "当前位置", "字体", "注释", "分享到", "版权所有", "var a"):
        assert chrome not in texts


def test_csv_with_several_reports(tmp_path):
    path = tmp_path / "reports.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["province", "year", "title", "full_text"])
        w.writerow(
            ["甲省", "2019", "2019年甲省政府工作报告", f"各位代表：\n一、回顾\n甲省经济平稳增长。{BODY}"]
        )
        w.writerow(
            ["乙省", "2020", "2020年乙省政府工作报告", f"各位代表：\n一、回顾\n乙省河涌治理见效。{BODY}"]
        )
    reports = read_reports(path, tmp_path)
    assert [(r.id, r.region, r.year) for r in reports] == [
        ("reports/1", "甲省", 2019),
        ("reports/2", "乙省", 2020),
    ]


def test_metadata_from_file_name_and_from_a_header(tmp_path):
    plain = tmp_path / "national-2022.txt"
    plain.write_text("各位代表：\n现在，我代表国务院，向大会报告政府工作。\n", encoding="utf-8")
    assert (_outline(plain).region, _outline(plain).year) == ("全国", 2022)
    headed = tmp_path / "whatever.txt"
    headed.write_text(
        "---\nregion: 荔湾区\nyear: 2016\ntitle: 2016年荔湾区政府工作报告\n---\n"
        "各位代表：\n过去一年，我们扎实工作。\n",
        encoding="utf-8",
    )
    report = _outline(headed)
    assert (report.region, report.year, report.title) == ("荔湾区", 2016, "2016年荔湾区政府工作报告")


def test_chinese_numeral_date_line(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text(
        "政府工作报告\n——一九九三年三月十五日在第八届全国人民代表大会第一次会议上\n"
        "国务院总理 李鹏\n各位代表：\n现在我代表国务院作报告。\n",
        encoding="utf-8",
    )
    report = _outline(path)
    assert (report.region, report.year) == ("全国", 1993)


def blank_pdf() -> bytes:
    """A valid one-page PDF with nothing on the page: what a scan without OCR reads as."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


BAD_FILES = {
    "empty.txt": (b"", "empty"),
    "blank.txt": (b"  \r\n\r\n", "empty"),
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary"),
    "truncated.txt": (("政府工作报告" * 50).encode("utf-8")[:-1], "truncated"),
    "truncated-gbk.txt": (("政府工作报告" * 50).encode("gbk")[:-1], "truncated"),
    "garbage.txt": (bytes(range(0x80, 0x100)) * 40, "cannot be decoded"),
    "report.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" * 8, "unsupported file type"),
    "report.docx": (b"PK\x03\x04", "not a readable Word document"),
    "report.pdf": (b"%PDF-1.4\n%garbage", "not a readable PDF"),
    "scan.pdf": (blank_pdf(), "without a text layer"),
    "chrome-only.html": ("<html><body><div>版权所有</div></body></html>".encode(), "no report text"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_refused_with_the_reason(tmp_path, name):
    data, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError, match=reason):
        read_reports(path)
    result = CliRunner().invoke(cli, ["outline", str(path)])
    assert result.exit_code != 0 and name in result.output and reason in result.output


def test_oversize_file_is_refused(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ReadError, match="too large"):
        read_reports(path)


def test_build_names_bad_files_indexes_the_rest_and_exits_non_zero(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "good-2019.txt").write_text(SIMP, encoding="utf-8")
    (corpus / "sub" / "good-2019.txt").write_bytes(TRAD.replace("測試區", "樣本區").encode("big5"))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "notes.doc").write_bytes(b"PK")
    result = CliRunner().invoke(cli, ["build", "--corpus", str(corpus), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert "empty.txt: the file is empty" in result.output
    assert "notes.doc: unsupported file type" in result.output
    assert "2 added" in result.output


def test_two_files_with_one_id_are_an_error_naming_both(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "r-2019.txt").write_text(SIMP, encoding="utf-8")
    (corpus / "r-2019.md").write_text(SIMP.replace("测试区", "样本区"), encoding="utf-8")
    summary = build(corpus, tmp_path / "ix")
    assert len(summary.added) == 1
    (refused,) = summary.refused
    named = refused["file"] + " " + refused["reason"]
    assert "r-2019.md" in named and "r-2019.txt" in named and "same report id" in named


def test_same_report_twice_is_reported_and_indexed_once(tmp_path, app):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "simplified.txt").write_text(SIMP, encoding="utf-8")
    (corpus / "traditional.txt").write_text(TRAD, encoding="utf-8")
    index = tmp_path / "ix"
    summary = build(corpus, index)
    assert summary.duplicates == [{"report": "traditional", "same_as": "simplified"}]
    from search import create_app

    # no warm-up: a thread still opening the index when it is deleted below leaves a file
    # open (Whoosh does not close the files of a segment it failed to open)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    data = client.get("/api/search?q=河涌整治").get_json()
    assert data["total"] == 1
    again = build(corpus, index)  # the skipped copy is remembered, not read again
    assert again.bytes_read == 0 and again.duplicates == summary.duplicates
    (corpus / "simplified.txt").unlink()
    after = build(corpus, index)  # the original gone, the copy is indexed
    assert after.added == ["traditional"] and after.removed == ["simplified"]
    assert client.get("/api/search?q=河涌整治").get_json()["results"][0]["report_id"] == "traditional"
    shutil.rmtree(index)


_PIECES = list("政府工作报告一二三、（）()1.．*#<>/|-\n\r \t\u3000年月日在会议上各位代表：河涌,\"'") + [
    "<p>",
    "</p>",
    "<h2>",
    "<!--",
    "-->",
    "**",
    "---\ntitle: x\n---\n",
    "\ufeff",
    "<U+00A0>",
    "——",
]


@given(
    text=st.lists(st.sampled_from(_PIECES), max_size=80).map("".join),
    suffix=st.sampled_from([".txt", ".md", ".html", ".csv"]),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
)
@settings(max_examples=150, deadline=None)
def test_reading_anything_either_works_or_says_why(text, suffix, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"report{suffix}"
        path.write_bytes(text.encode(encoding, errors="ignore"))
        try:
            reports = read_reports(path)
        except ReadError as exc:
            assert str(exc)
        else:
            assert all(r.paragraphs for r in reports)


def test_report_sentences_that_start_like_page_widgets_are_kept(tmp_path):
    path = tmp_path / "r-2019.txt"
    long_one = "加强知识产权保护，维护版权所有人合法权益，在中央政府门户网站公开征求意见。"
    path.write_text(
        "各位代表：\n关闭落后产能企业23家。\n打印机产业快速发展。\n微信政务服务全面上线。\n"
        f"{long_one}\n【打印】\n【关闭窗口】\n微信\n主办：某某政府 版权所有\n",
        encoding="utf-8",
    )
    texts = [p.text for p in read_reports(path)[0].paragraphs]
    assert texts == [
        "各位代表：",
        "关闭落后产能企业23家。",
        "打印机产业快速发展。",
        "微信政务服务全面上线。",
        long_one,
    ]


NOT_CHINESE = {
    "french.txt": (
        ("Rapport sur le développement économique et social. " * 40).encode("latin-1"),
        "Western text in Windows-1252",
    ),
    "french-gb.txt": (
        ("Rapport sur le développement économique. " * 40).encode("latin-1"),
        "does not read as Chinese|Western text",
    ),
    "english.html": (
        ("<p>Government work report of the test district.</p>" * 40).encode(),
        "does not read as Chinese",
    ),
    "twice.txt": (TRAD.encode("utf-8").decode("latin-1").encode("utf-8"), "UTF-8 encoded twice"),
}


@pytest.mark.parametrize("name", NOT_CHINESE)
def test_text_that_is_not_chinese_is_refused_with_what_it_looks_like(tmp_path, name):
    """A Latin-1 French file decodes as GB18030 (d関eloppement) and double-encoded UTF-8 is
    valid UTF-8: both used to be indexed as paragraphs of mojibake."""
    data, reason = NOT_CHINESE[name]
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ReadError, match=reason):
        read_reports(tmp_path / name)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, codec):
    (tmp_path / "r.txt").write_bytes(TRAD.encode(codec))
    report = read_reports(tmp_path / "r.txt")[0]
    assert (report.year, report.region) == (2019, "测试区")  # the place in Simplified


BODY = (  # a report's length: a table's row under 2,000 characters is a fragment, skipped
    "我们推进河涌整治，完成黑臭水体治理，群众满意度明显提升。城市更新稳步推进，老旧小区改造完成三百个。" * 45
)


@pytest.mark.parametrize(
    "name, text, outcome",
    [
        ("semicolon.csv", f"title;year;full_text\n测试区报告;2019;{BODY}\n", 2019),
        ("tab.csv", f"title\tyear\tfull_text\n测试区报告\t2019\t{BODY}\n", 2019),
        (
            "open-quote.csv",
            f'title,full_text\n"测试区报告,"{BODY}\n',
            "the text is in column 'title' instead",
        ),
        ("no-header.csv", f"{BODY}\n{BODY}\n", "its first row is"),
    ],
)
def test_a_csv_is_read_with_its_own_separator_or_refused_saying_what_is_wrong(tmp_path, name, text, outcome):
    """A malformed CSV was refused as 'column is empty in every row', which sends a user
    looking for an empty column rather than an open quote."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if isinstance(outcome, int):
        assert read_reports(path)[0].year == outcome
    else:
        with pytest.raises(ReadError, match=re.escape(outcome)):
            read_reports(path)


# --- tables ----------------------------------------------------------------------------------

TABLE_HEAD = ("序号", "民生领域", "完成情况")
TABLE_ROWS = [
    ("1", "食品安全", "已完成。\n（1）抽检28340批次。\n（2）快检66.9万批次。"),
    ("2", "就业保障", "已完成。"),
]


def _rows(report):
    return [(b.cells, b.header, b.table) for b in report.paragraphs if b.table]


def _check_table(report):
    """Each row a paragraph with its cells under the table's header; no cell or row is a
    heading, no cell's numbered item (（1）) a section, no ``|`` in the text."""
    assert _rows(report) == [(list(r), list(TABLE_HEAD), 1) for r in TABLE_ROWS]
    assert [h.text for h in report.headings] == ["一、民生实事"]
    assert not [b for b in report.blocks if "|" in b.text]
    row = next(b for b in report.paragraphs if b.table)
    assert row.section_path == ["一、民生实事"] and "食品安全" in row.text


def test_a_markdown_table_is_rows_of_cells(tmp_path):
    rows = "\n".join(f"| **{a}** | {b} | {c.replace(chr(10), '<br>')} |" for a, b, c in TABLE_ROWS)
    path = tmp_path / "ceshi-2019.md"
    path.write_text(
        "# 2019年测试区政府工作报告\n\n## 一、民生实事\n\n"
        f"| {' | '.join(TABLE_HEAD)} |\n| --- | --- | --- |\n{rows}\n\n各位代表，以上是民生实事。\n",
        encoding="utf-8",
    )
    _check_table(_outline(path))


def test_an_html_table_is_rows_of_cells_and_a_layout_table_is_text(tmp_path):
    head = "".join(f"<th>{h}</th>" for h in TABLE_HEAD)
    body = "".join(
        "<tr>" + "".join(f"<td>{c.replace(chr(10), '<br>')}</td>" for c in r) + "</tr>" for r in TABLE_ROWS
    )
    path = tmp_path / "ceshi-2019.html"
    path.write_text(
        "<html><body><h1>2019年测试区政府工作报告</h1><h2>一、民生实事</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "<p>各位代表，以上是民生实事。</p></body></html>",
        encoding="utf-8",
    )
    _check_table(_outline(path))
    # a page laid out in a one-column table: its paragraphs stay paragraphs
    layout = tmp_path / "layout-2019.html"
    layout.write_text(
        "<html><body><table><tr><td><h1>2019年测试区政府工作报告</h1><p>一、民生实事</p>"
        "<p>各位代表，我们完成了十件民生实事，群众满意度明显提升。</p></td></tr></table></body></html>",
        encoding="utf-8",
    )
    report = _outline(layout)
    assert not _rows(report) and [h.text for h in report.headings] == ["一、民生实事"]
    assert [p.text for p in report.paragraphs] == ["各位代表，我们完成了十件民生实事，群众满意度明显提升。"]


def test_a_word_table_is_rows_of_cells(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("2019年测试区政府工作报告")
    document.add_heading("一、民生实事", level=1)
    table = document.add_table(rows=1 + len(TABLE_ROWS), cols=3)
    for i, row in enumerate([TABLE_HEAD, *TABLE_ROWS]):
        for j, text in enumerate(row):
            table.rows[i].cells[j].text = text
    document.add_paragraph("各位代表，以上是民生实事。")
    path = tmp_path / "ceshi-2019.docx"
    document.save(str(path))
    _check_table(_outline(path))


def test_the_shared_guangzhou_table_of_livelihood_projects():
    """The 2018 Guangzhou report's table of 民生实事 (Markdown): ten rows under its header; its
    cells' numbered items are lines of a cell, not level-4 headings."""
    report = read_reports(shared("lawtext-gov/guangzhou-city-2018.md"))[0]
    rows = [b for b in report.paragraphs if b.table]
    assert len(rows) == 10 and {tuple(b.header) for b in rows} == {("序号", "民生领域", "完成情况")}
    assert rows[1].cells[:2] == ["2", "就业保障"] and rows[1].cells[2].startswith("已完成。\n（1）2017年")
    assert not [h for h in report.headings if "2017年，我市共帮扶" in h.text]
