"""What programs get: Atom feeds of queries, conditional requests, cross-origin access to
the API (not to pages or the export), the API's documentation page, and an example client."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.build import build
from search import create_app
from search.headers import SECURITY

from .browser import LiveServer, require_chromium
from .conftest import ROOT

PUBLIC = "https://search.example.org"


def report(place: str, year: int, body: str) -> str:
    return (
        f"{year}年{place}政府工作报告\n——{year}年1月10日在{place}第一届人民代表大会第三次会议上\n"
        f"各位代表：\n一、工作回顾\n{body}\n二、{year}年工作安排\n推进营商环境改革。\n"
    )


class Library:
    """A corpus folder and its index in ``root``, built as a user builds, and the app."""

    def __init__(self, root: Path):
        self.corpus, self.index = root / "corpus", root / "index"
        self.corpus.mkdir()
        self.app = create_app({"TESTING": True, "INDEX_DIR": str(self.index), "PUBLIC_URL": PUBLIC})
        self.client = self.app.test_client()

    def add(self, name: str, text: str) -> None:
        path = self.corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def build(self, rebuild: bool = False) -> None:
        time.sleep(1.05)  # the record notes times to the second: each build a second of its own
        assert not build(self.corpus, self.index, rebuild=rebuild).refused

    def record(self) -> dict:
        return {r["id"]: r for r in _summaries(self.index)}


def _summaries(index: Path) -> list[dict]:
    from indexer.store import open_current

    return [{"id": rid, **summary} for rid, summary in open_current(index).record["summaries"].items()]


@pytest.fixture()
def library(tmp_path) -> Library:
    lib = Library(tmp_path)
    lib.add(
        "测试区/2019.txt", report("测试区", 2019, "推进河涌综合整治，建成碧道十公里。\n河涌两岸绿化提升。")
    )
    lib.add("样本市/2018.txt", report("样本市", 2018, "加强住房保障工作。"))
    lib.build()
    return lib


def feed(client, **args):
    response = client.get("/feed", query_string=args)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


@pytest.mark.slow
def test_the_build_record_notes_when_each_report_was_first_indexed_and_keeps_it(library):
    first = library.record()
    assert first["测试区/2019"]["date"] == "2019-01-10" and first["测试区/2019"]["indexed"]
    library.add(
        "测试区/2019.txt", report("测试区", 2019, "推进河涌综合整治，建成碧道二十公里。")
    )  # corrected
    library.add("新区/2015.txt", report("新区", 2015, "河涌清淤。"))
    library.build()
    second = library.record()
    assert second["测试区/2019"]["indexed"] == first["测试区/2019"]["indexed"]  # changed, not new
    assert second["新区/2015"]["indexed"] > first["测试区/2019"]["indexed"]  # new: now
    library.build(rebuild=True)
    assert {r: s["indexed"] for r, s in library.record().items()} == {
        r: s["indexed"] for r, s in second.items()
    }  # a rebuild carries them over
    (library.corpus / "新区" / "2015.txt").rename(library.corpus / "新区" / "2015-moved.txt")
    library.build()
    assert library.record()["新区/2015-moved"]["indexed"] == second["新区/2015"]["indexed"]  # a file moved


@pytest.mark.slow
def test_a_query_feed_gains_the_paragraphs_of_a_report_a_build_adds_at_its_top(library):
    response, before = feed(library.client, q="河涌")
    assert [e.title for e in before.entries] == ["2019年测试区政府工作报告 · 一、工作回顾"] * 2
    first = before.entries[0]
    assert first.id.startswith("urn:uuid:") and first.link.startswith(f"{PUBLIC}/reports/")
    assert "#" in first.link and "q=" in first.link  # the passage, its matches marked
    assert "<b>河涌</b>" in first.content[0].value  # the marked snippet, unescaped once
    assert (
        "<mark><b>河涌</b></mark>"
        in feedparser.parse(response.data, sanitize_html=False).entries[0].content[0].value
    )
    assert before.feed.links[0].rel == "self" and before.feed.links[0].href.startswith(f"{PUBLIC}/feed?q=")
    assert any(link.rel == "alternate" and link.type == "text/html" for link in before.feed.links)
    page = library.client.get("/", query_string={"q": "河涌"}).get_data(as_text=True)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" [^>]*href="/feed\?q=', page)
    # an older report (given in 2015) added today is today's news: first in the feed
    library.add("新区/2015.txt", report("新区", 2015, "河涌清淤，碧道贯通。"))
    library.build()
    _, after = feed(library.client, q="河涌")
    assert len(after.entries) == len(before.entries) + 1
    assert after.entries[0].title == "2015年新区政府工作报告 · 一、工作回顾"
    assert [e.id for e in after.entries[1:]] == [e.id for e in before.entries]  # ids stable per paragraph
    assert after.entries[0].updated_parsed > before.entries[0].updated_parsed
    assert after.feed.updated_parsed == after.entries[0].updated_parsed
    assert feed(library.client, q="河涌", year="2019")[1].entries[0].title.startswith("2019年测试区")


@pytest.mark.slow
def test_a_matching_etag_is_a_304_until_a_build_changes_the_index(library):
    client = library.client
    for url in ("/api/search?q=河涌", "/api/status", "/api/reports", "/feed?q=河涌", "/api/complete?q=河"):
        first = client.get(url)
        tag = first.headers["ETag"]
        assert first.status_code == 200 and tag.startswith('W/"'), url
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag, url
    tag = client.get("/api/search?q=河涌").headers["ETag"]
    assert client.get("/api/search?q=河涌&page=2").headers["ETag"] != tag  # the arguments count
    assert client.get("/api/search?q=营商").headers["ETag"] != tag
    library.build()  # nothing changed: the same index, the same tag
    assert client.get("/api/search?q=河涌", headers={"If-None-Match": tag}).status_code == 304
    library.add("新区/2015.txt", report("新区", 2015, "推进营商环境改革。"))
    library.build()
    after = client.get("/api/search?q=河涌", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert (
        client.get("/api/search?q=河涌", headers={"If-None-Match": after.headers["ETag"]}).status_code == 304
    )


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.one_of(
        st.sampled_from(["河涌", "发展 改革", "<script>", "a&b", "year:2017", "-河涌"]), st.text(max_size=15)
    )
)
def test_any_query_feed_is_well_formed_atom(client, q):
    """Whatever is typed (control characters, markup, ampersands), the feed is valid XML
    that feedparser reads without complaint, or a 400 for a query there is nothing to read."""
    response = client.get("/feed", query_string={"q": q})
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 200:
        parsed = feedparser.parse(response.data)
        assert not parsed.bozo, (q, parsed.get("bozo_exception"))
        assert all(e.id and e.updated and e.link and e.title for e in parsed.entries)
        assert len({e.id for e in parsed.entries}) == len(parsed.entries)  # an id names one entry


def test_markup_in_a_report_reaches_the_feed_escaped_once(client):
    _, parsed = feed(client, q="专项行动")
    html = parsed.entries[0].content[0].value
    assert "&lt;script&gt;" in html and "<script>" not in html and "<b>专项行动</b>" in html


def test_the_api_is_cross_origin_and_pages_feeds_and_the_export_are_not(client):
    for url in (
        "/api/search?q=河涌",
        "/api/status",
        "/api/reports",
        "/api/reports/nope",
        "/api/openapi.json",
    ):
        response = client.get(url, headers={"Origin": "https://newsroom.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", url
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    for url in ("/", "/?q=河涌", "/reports/", "/feed?q=河涌", "/docs/api", "/api/export?q=河涌&format=json"):
        response = client.get(url, headers={"Origin": "https://newsroom.example"})
        assert "Access-Control-Allow-Origin" not in response.headers, url
    preflight = {
        "Origin": "https://newsroom.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    answer = client.options("/api/search?q=河涌", headers=preflight)
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in answer.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in answer.headers["Access-Control-Allow-Headers"]
    assert (
        "Access-Control-Allow-Origin" not in client.options("/api/export?q=河涌", headers=preflight).headers
    )


@pytest.mark.browser
def test_a_page_on_another_site_reads_the_api_but_not_the_export(live, page):
    """In Chromium: a newsroom's page (another origin) fetches a search and, with the tag,
    a 304 (a preflight for If-None-Match); the export is refused to it."""
    require_chromium()
    with LiveServer(_newsroom) as newsroom:  # another origin, on loopback as the site is
        page.goto(newsroom.url.replace("127.0.0.1", "localhost"))
        result = _fetch_from_another_site(page, live.url)
    assert result["total"] > 0 and result["tag"].startswith('W/"')
    assert result["again"] == 304 and result["exported"] == "refused"


def _newsroom(environ: dict, start_response) -> list[bytes]:
    """Another site: a page that charts what it fetches from ours."""
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<!doctype html><title>chart</title>"]


def _fetch_from_another_site(page, base: str) -> dict:
    return page.evaluate(
        """async (base) => {
            const first = await fetch(base + "/api/search?q=河涌");
            const body = await first.json();
            const tag = first.headers.get("ETag");
            const again = await fetch(base + "/api/search?q=河涌", {headers: {"If-None-Match": tag}, cache: "no-store"});
            let exported = "read";
            try { await fetch(base + "/api/export?q=河涌&format=json"); } catch (e) { exported = "refused"; }
            return {total: body.total, tag, again: again.status, exported};
        }""",
        base,
    )


def test_the_api_page_documents_every_route_with_the_sites_own_assets(client):
    response = client.get("/docs/api")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == SECURITY["Content-Security-Policy"]
    spec = client.get("/api/openapi.json").get_json()
    for path in spec["paths"]:
        assert f"GET {path}</code>" in html, path
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html, name
    assert "snippet_html" in html and "citation.date" in html and "completions[].word" in html
    assert "within a major version" in html  # the compatibility promise
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links and all(link.startswith(("/", "#")) for link in links), links  # nothing from elsewhere
    assert "<script" not in html.replace('<script src="/static/app.js', "") and " style=" not in html
    assert 'href="/docs/api"' in client.get("/").get_data(as_text=True)  # linked from every page


@pytest.mark.slow
def test_the_example_script_writes_the_series_and_paragraphs_of_a_query(app, client, tmp_path):
    def example(*args: str) -> subprocess.CompletedProcess:
        script = str(ROOT / "examples" / "query_csv.py")
        command = [sys.executable, script, "河涌", "--server", server.url, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)

    with LiveServer(app) as server:
        run = example("--out", str(tmp_path / "河涌"))
        assert run.returncode == 0, run.stderr
        bad = example("--year", "20x7")
    assert bad.returncode != 0 and "year" in bad.stderr  # the API's message, not a traceback
    answer = client.get("/api/search", query_string={"q": "河涌"}).get_json()
    with (tmp_path / "河涌-years.csv").open(encoding="utf-8-sig") as f:
        years = list(csv.DictReader(f))
    assert [int(r["year"]) for r in years] == answer["series"]["years"]
    assert [int(r["paragraphs"]) for r in years] == answer["series"]["paragraphs"]
    with (tmp_path / "河涌-paragraphs.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == answer["matched"] and all("河涌" in r["text"] for r in rows)
    assert all(r["url"].startswith("http") and "#" in r["url"] for r in rows)
