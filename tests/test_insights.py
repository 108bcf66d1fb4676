"""The pages and API routes of the new wording and the targets, without a browser: what they
answer, their exports, bad arguments, escaping."""

from __future__ import annotations

import csv
import io

import pytest


def test_the_api_gives_a_reports_new_wording_in_the_issues_shape(client):
    body = client.get("/api/reports/lawtext-gov/guangzhou-city-2018/new").get_json()
    assert set(body) == {"report_id", "compared_with", "new", "dropped"}
    # Guangzhou's first report in this library: compared with the latest national report before it
    assert body["compared_with"] == ["dxcarl/national-2017"]
    assert body["new"] and set(body["new"][0]) == {"term", "paragraphs", "anchor"}
    report = client.get("/api/reports/lawtext-gov/guangzhou-city-2018").get_json()
    anchors = {p["anchor"] for p in report["paragraphs"]} | {h["anchor"] for h in report["headings"]}
    assert all(t["anchor"] in anchors for t in body["new"])


def test_targets_filter_by_place_year_and_indicator(client):
    every = client.get("/api/targets").get_json()["targets"]
    assert {t["report_id"] for t in every} >= {"dxcarl/national-2017", "lawtext-gov/guangzhou-city-2018"}
    national = client.get("/api/targets?place=全国&indicator=gdp").get_json()["targets"]
    assert national == [t for t in every if t["place"] == ["全国"] and t["indicator"] == "gdp"]
    assert national[0]["text"] == "6.5%左右" and national[0]["low"] == national[0]["high"] == 6.5
    city = client.get("/api/targets?place=广州&year=2018").get_json()["targets"]
    assert city and all(t["place"][:2] == ["广东省", "广州市"] and t["year"] == 2018 for t in city)
    assert client.get("/api/targets?year=1990").get_json() == {"targets": []}


def test_targets_export_as_csv_with_a_byte_order_mark_and_as_json(client):
    response = client.get("/api/targets?format=csv&place=全国")
    assert response.headers["Content-Disposition"] == 'attachment; filename="targets.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffreport_id,place,year,indicator,label,text,low,high,unit,anchor,url")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    gdp = next(r for r in rows if r["indicator"] == "gdp")
    assert gdp["label"] == "经济增长" and gdp["unit"] == "%" and gdp["url"].endswith("#" + gdp["anchor"])
    saved = client.get("/api/targets?format=json&place=全国")
    assert saved.headers["Content-Disposition"] == 'attachment; filename="targets.json"'
    assert saved.get_json()["targets"] == client.get("/api/targets?place=全国").get_json()["targets"]


def test_the_targets_page_lays_them_out_place_by_year_and_links_each_to_its_passage(client):
    page = client.get("/targets").get_data(as_text=True)
    assert "<h1>主要预期目标</h1>" in page and 'class="targets"' in page
    assert ">6.5%左右</a>" in page and "/reports/dxcarl/national-2017#tclctqkc" in page
    assert "<svg" in page and "polyline" in page  # the GDP chart, drawn by the server
    jobs = client.get("/targets?indicator=jobs&place=广州").get_data(as_text=True)
    assert ">20万人</a>" in jobs and "1100万人以上" not in jobs


def test_a_reports_new_wording_page_and_the_readers_panel(client):
    page = client.get("/reports/lawtext-gov/guangzhou-city-2018/new").get_data(as_text=True)
    assert "本报告新提法" in page and "2017年国务院政府工作报告" in page and "本地区此前没有报告" in page
    reader = client.get("/reports/lawtext-gov/guangzhou-city-2018").get_data(as_text=True)
    assert '<details class="new-terms" open>' in reader and "本段设定的目标" in reader
    # the library's first national report: nothing to compare it with, and the panel says so
    first = client.get("/reports/dxcarl/national-2017").get_data(as_text=True)
    assert '<details class="new-terms">' in first and "库中没有可比较的更早报告" in first


@pytest.mark.parametrize(
    "url,code,message",
    [
        ("/targets?indicator=growth", 400, "indicator"),
        ("/targets?year=20x", 400, "year"),
        ("/reports/no-such-report/new", 404, "没有这份报告"),
    ],
)
def test_bad_arguments_get_a_chinese_message_not_a_traceback(client, url, code, message):
    response = client.get(url)
    assert response.status_code == code
    text = response.get_data(as_text=True)
    assert message in text and "Traceback" not in text


def test_a_place_given_is_shown_escaped(client):
    page = client.get("/targets", query_string={"place": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
