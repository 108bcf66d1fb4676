"""The seed report's outline: metadata, chrome removed, sections and stable ids."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer.__main__ import cli
from indexer.structure import SECTION_SEP

from .conftest import SEED


@pytest.fixture(scope="module")
def outline() -> dict:
    result = CliRunner().invoke(cli, ["outline", str(SEED)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_metadata(outline):
    """The title in the report's script, its place in Simplified (for filtering) and as a
    path through the divisions."""
    assert outline["title"] == "2017年荔灣區政府工作報告"
    assert outline["region"] == "荔湾区"
    assert outline["place"] == ["广东省", "广州市", "荔湾区"]
    assert outline["year"] == 2017


def test_encyclopedia_chrome_is_gone(outline):
    text = "\n".join(p["text"] for p in outline["paragraphs"])
    for chrome in [
        "基本介紹",
        "中文名",
        "發布單位",
        "檔案類型",
        "是由荔灣區發布的報告",
        "相關詞條",
        "熱門詞條",
        "聯絡我們",
    ]:
        assert chrome not in text
    assert outline["paragraphs"][0]["text"].startswith("過去一年,區政府在市委")
    assert outline["paragraphs"][-1]["text"].startswith("三館一站")


def test_baietan_paragraph_is_under_its_section(outline):
    paras = [p for p in outline["paragraphs"] if p["text"].startswith("推進白鵝潭中心商務區建設")]
    assert len(paras) == 1
    assert SECTION_SEP.join(paras[0]["section_path"]) == "二、2017年工作安排 › (三)全力推進三大平台建設"


def test_headings_and_appendix(outline):
    titles = [h["title"] for h in outline["headings"]]
    assert "一、2016年主要工作回顧" in titles
    assert "二、2017年工作安排" in titles
    assert "(一)積極應對經濟下行壓力,經濟保持平穩增長" in titles
    assert any(t.startswith("附屬檔案") for t in titles)
    assert "名詞解釋" in titles
    glossary = [p for p in outline["paragraphs"] if p["text"].startswith("放管服")]
    assert glossary and glossary[0]["section_path"][-1] == "名詞解釋"


def test_ids_are_unique_ordered_and_stable(outline):
    ids = [p["id"] for p in outline["paragraphs"]]
    assert ids == [f"p{i}" for i in range(1, len(ids) + 1)]
    again = json.loads(CliRunner().invoke(cli, ["outline", str(SEED)]).output)
    assert again == outline


def test_outline_of_a_bad_file_fails_with_the_reason(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = CliRunner().invoke(cli, ["outline", str(bad)])
    assert result.exit_code != 0
    assert "empty.txt" in result.output and "empty" in result.output
