"""Two reports of one place and year stay two (罗湖区 2021: the 七届八次 session's in January,
the 八届一次 session's later); copies of one report, in another script, stay one."""

from __future__ import annotations

import shutil

import pytest

from indexer.build import build
from search import create_app

from .conftest import shared

LUOHU = "zizheng-shenzhen-districts/shenzhen-luohu-2021{}.txt"
HAILAR = ("derek-s-hailar/hulunbuir-hailar-2018.txt", "derived/hulunbuir-hailar-2018-traditional.txt")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    corpus, index = tmp_path_factory.mktemp("corpus"), tmp_path_factory.mktemp("index")
    for rel in (LUOHU.format(""), LUOHU.format("b"), *HAILAR):
        shutil.copy(shared(rel), corpus / shared(rel).name)
    summary = build(corpus, index)
    assert summary.duplicates == [
        {"report": "hulunbuir-hailar-2018-traditional", "same_as": "hulunbuir-hailar-2018"}
    ]
    return create_app({"TESTING": True, "INDEX_DIR": str(index), "CORPUS_DIR": str(corpus)}).test_client()


def _ids(client, query: str) -> set[str]:
    data = client.get("/api/search", query_string={"q": query}).get_json()
    return {r["report_id"] for r in data["results"]}


def test_both_reports_of_a_year_are_searchable_with_links_of_their_own(client):
    assert _ids(client, "三人小组") == {"shenzhen-luohu-2021b"}  # the January report's words
    assert _ids(client, "区七届人大一次会议以来") == {"shenzhen-luohu-2021"}
    both = client.get("/api/search", query_string={"q": "湾区枢纽", "group": "report"}).get_json()
    assert {g["report_id"] for g in both["groups"]} == {"shenzhen-luohu-2021", "shenzhen-luohu-2021b"}
    urls = {r["url"].split("#")[0] for r in both["results"]}
    assert urls == {"/reports/shenzhen-luohu-2021", "/reports/shenzhen-luohu-2021b"}
    titles = {g["title"] for g in both["groups"]}
    assert titles == {
        "2021年罗湖区政府工作报告",
        "2021年罗湖区政府工作报告（第二份）",
    }  # no session in the text


def test_both_are_listed_and_counted_and_the_copy_is_not(client):
    listed = [r for r in client.get("/api/reports").get_json() if r["region"] == "罗湖区"]
    assert sorted(r["id"] for r in listed) == ["shenzhen-luohu-2021", "shenzhen-luohu-2021b"]
    assert [r["place"] for r in listed] == [["广东省", "深圳市", "罗湖区"]] * 2
    status = client.get("/api/status").get_json()
    assert status["reports"] == 3  # 罗湖区 twice, 海拉尔区 once (its Traditional copy skipped)
    data = client.get("/api/search", query_string={"q": "湾区枢纽 region:深圳"}).get_json()
    assert data["facets"]["years"] == {"2021": data["total"]} or data["facets"]["years"] == {
        2021: data["total"]
    }
    series = data["series"]
    at = series["years"].index(2021)
    assert series["reports"][at] == 1 and series["available"][at] == 1  # a place's year counted once


def test_the_overview_shows_the_place_and_year_with_both_reports_paragraphs(client):
    query = {"q": "湾区枢纽", "open": ["广东省", "深圳市"]}
    page = client.get("/overview", query_string=query).get_data(as_text=True)
    assert "罗湖区" in page and "2021" in page
    both = client.get("/api/search", query_string={"q": "湾区枢纽"}).get_json()["total"]
    alone = client.get("/api/search", query_string={"q": "湾区枢纽 -三人小组"}).get_json()["total"]
    assert both > 0 and f">{both}<" in page.replace(" ", "")  # the cell counts both reports' paragraphs
    assert alone <= both
