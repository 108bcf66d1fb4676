"""Questions across reports: results grouped by report, the series per year (gaps, shares),
facets that combine, the place × year overview, term comparison, and exports."""

from __future__ import annotations

import csv
import io
import re

import pytest

from indexer.build import build
from search import create_app

pytestmark = pytest.mark.usefixtures("index_dir")


@pytest.fixture(scope="module")
def client(index_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir)}).test_client()


def api(client, **args):
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_grouped_results_are_one_card_per_report_with_its_best_paragraphs(client):
    flat = {"results": client.get("/api/export", query_string={"q": "发展", "format": "json"}).get_json()}
    assert len(flat["results"]) == api(client, q="发展")["total"]  # the export lists every paragraph
    grouped = api(client, q="发展", group="report", per_page=2)
    assert grouped["reports"] == len({r["report_id"] for r in flat["results"]}) >= 3
    assert len(grouped["groups"]) == 2
    for group in grouped["groups"]:
        mine = [r for r in flat["results"] if r["report_id"] == group["report_id"]]
        assert group["count"] == len(mine)
        assert [r["paragraph_id"] for r in group["results"]] == [r["paragraph_id"] for r in mine[:3]]
    # reports in the order of their best paragraph
    firsts = list(dict.fromkeys(r["report_id"] for r in flat["results"]))
    assert [g["report_id"] for g in grouped["groups"]] == firsts[:2]
    second = api(client, q="发展", group="report", per_page=2, page=2)
    assert [g["report_id"] for g in second["groups"]] == firsts[2:4]


def test_the_grouped_page_says_how_many_more_a_report_holds(client):
    page = client.get("/", query_string={"q": "发展"}).get_data(as_text=True)
    assert 'class="result group"' in page and "本报告另有" in page
    more = re.search(r'<a class="more" href="([^"]+)">本报告另有 (\d+) 处</a>', page)
    assert more and "q=" in more.group(1) and "#t" in more.group(1)


def _report(place: str, year: int, text: str) -> str:
    return f"{year}年{place}政府工作报告\n各位代表：\n一、工作回顾\n{text}\n二、今年安排\n继续推进各项工作，确保完成全年目标任务。\n"


@pytest.fixture(scope="module")
def years_client(tmp_path_factory):
    """Reports of 2015 and 2018 only (2016 and 2017 are gaps); two of 2018, one of which
    speaks of 河长制."""
    corpus = tmp_path_factory.mktemp("years")
    mention = "全面推行河长制，河长制工作体系基本建立，河湖面貌明显改善。"
    other = "深化教育改革，新建中小学校十所，学前教育普及率提高。"
    (corpus / "a-2015.txt").write_text(_report("广州市", 2015, mention), encoding="utf-8")
    (corpus / "a-2018.txt").write_text(_report("广州市", 2018, mention), encoding="utf-8")
    (corpus / "b-2018.txt").write_text(_report("深圳市", 2018, other), encoding="utf-8")
    index = tmp_path_factory.mktemp("years-index")
    assert not build(corpus, index).refused
    return create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()


def test_the_series_has_every_year_its_gaps_and_shares(years_client):
    series = api(years_client, q="河长制")["series"]
    assert series["years"] == [2015, 2016, 2017, 2018]  # continuous
    assert series["available"] == [1, 0, 0, 1 + 1]  # 2016, 2017: no report, a gap
    assert series["reports"] == [1, 0, 0, 1] and series["paragraphs"] == [1, 0, 0, 1]
    assert series["share"] == [1.0, None, None, 0.5]  # of the year's reports, those mentioning it
    page = years_client.get("/", query_string={"q": "河长制", "measure": "share"}).get_data(as_text=True)
    assert page.count('class="gap"') == 2 and 'data-measure="share"' in page
    assert "<td>无报告</td>" in page  # the table behind the chart
    # within a region, the other region's reports are not counted as available
    assert api(years_client, q="河长制", region="广州")["series"]["available"] == [1, 0, 0, 1]


def test_facets_combine_and_count_the_values_not_chosen(client):
    everything = api(client, q="发展")["facets"]
    one_year = api(client, q="发展", year="2018")
    assert one_year["facets"]["years"] == everything["years"]  # other years still counted
    both = api(client, q="发展", year=["2017", "2018"])
    assert both["total"] == sum(everything["years"].get(y, 0) for y in ("2017", "2018"))
    places = api(client, q="发展", region=["广州", "海拉尔"])
    assert {r["place"][1] for r in places["results"]} <= {"广州市", "呼伦贝尔市"}
    assert places["facets"]["regions"] == everything["regions"]
    assert (
        api(client, q="发展", year="2010-2018")["total"]
        == everything["years"]["2017"] + everything["years"]["2018"]
    )


def test_the_overview_is_a_place_by_year_grid_of_links(client):
    page = client.get("/overview", query_string={"q": "发展"}).get_data(as_text=True)
    assert "地区 × 年份" in page
    rows = re.findall(r'<tr class="depth-(\d)">', page)
    assert rows and set(rows) == {"0"}  # provinces only, until one is opened
    opened = client.get("/overview", query_string={"q": "发展", "open": "广东省"}).get_data(as_text=True)
    assert "depth-1" in opened and "广州市" in opened
    assert re.search(r'href="/\?q=%E5%8F%91%E5%B1%95&amp;region=[^"]+&amp;year=\d{4}"', page)


def test_compare_draws_up_to_six_queries_on_one_axis(client):
    page = client.get("/compare", query_string={"q": ["发展", "河涌", "改革"]}).get_data(as_text=True)
    assert page.count("<polyline") == 3 and 'class="legend"' in page
    assert client.get("/compare", query_string={"q": [f"词{i}" for i in range(7)]}).status_code == 400
    assert client.get("/compare").status_code == 200


def test_export_hits_as_csv_opens_in_a_spreadsheet_and_round_trips(client):
    response = client.get("/api/export", query_string={"q": "河涌", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with a byte order mark
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    listed = api(client, q="河涌", per_page=100)
    assert [r["paragraph_id"] for r in rows] == [r["paragraph_id"] for r in listed["results"]]
    assert set(rows[0]) == {
        "report_id",
        "title",
        "place",
        "year",
        "section",
        "paragraph_id",
        "anchor",
        "url",
        "text",
        "lacks",
    }
    assert all("河涌" in r["text"] or "河湧" in r["text"] for r in rows)
    assert rows[0]["url"].startswith("http://localhost/reports/")


def test_export_as_json_and_the_counts(client):
    hits = client.get("/api/export", query_string={"q": "河涌", "format": "json"}).get_json()
    assert hits and {"report_id", "place", "section", "text"} <= set(hits[0])
    years = client.get(
        "/api/export", query_string={"q": "发展", "format": "json", "data": "years"}
    ).get_json()
    series = api(client, q="发展")["series"]
    assert [y["year"] for y in years] == series["years"]
    assert [y["paragraphs"] for y in years] == series["paragraphs"]
    places = client.get("/api/export", query_string={"q": "发展", "data": "places"}).get_data(as_text=True)
    assert places.startswith("\ufeffplace,paragraphs") and "广东省 › 广州市" in places
    assert client.get("/api/export").status_code == 400
    assert client.get("/api/export", query_string={"q": "河涌", "format": "xls"}).status_code == 400
