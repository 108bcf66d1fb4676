"""Every route of the app through the test client, bad input and escaping included."""

from __future__ import annotations

import re
import urllib.request
from html import unescape as html_unescape
from urllib.parse import quote, unquote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SEED_ID = "guangzhou-liwan-2017"


def test_home_page_has_a_search_box(client):
    page = client.get("/").get_data(as_text=True)
    assert '<input id="q" name="q"' in page
    assert 'lang="zh-Hans"' in page


@pytest.mark.parametrize("q", ["河涌", "荔湾", "荔灣"])
def test_search_page_lists_marked_results_with_passage_links(client, q):
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    assert "<mark>" in page
    assert re.search(r'href="/reports/[^"#]+#t[a-z2-7]{7}(-\d+)?"', page)  # a paragraph's own anchor
    assert "找到" in page


def test_simplified_query_marks_traditional_original(client):
    data = client.get("/api/search", query_string={"q": "荔湾"}).get_json()
    assert data["total"] > 0
    seed_hits = [r for r in data["results"] if r["report_id"] == SEED_ID]
    assert seed_hits and "<mark>荔灣</mark>" in seed_hits[0]["snippet_html"]


def test_api_search_shape(client):
    data = client.get("/api/search", query_string={"q": "河涌", "per_page": 3}).get_json()
    assert set(data) == {
        "query",
        "words",
        "total",
        "matched",
        "reports",
        "also_searched",
        "expanded",
        "exact_first",
        "page",
        "per_page",
        "took_ms",
        "results",
        "facets",
        "series",
    }
    assert data["per_page"] == 3 and len(data["results"]) <= 3
    assert data["words"] == ["河涌"] and data["matched"] == data["total"]
    first = data["results"][0]
    assert set(first) == {
        "report_id",
        "title",
        "region",
        "place",
        "year",
        "paragraph_id",
        "anchor",
        "section_path",
        "url",
        "snippet_html",
        "score",
        "lacks",
    }
    assert first["url"] == f"/reports/{first['report_id']}#{first['anchor']}"  # the stable link


def test_a_query_of_exclusions_only_lists_the_other_paragraphs(client):
    """Like a filter alone, ``-河涌`` alone narrows down every paragraph (it used to show
    the home page, as if nothing had been typed)."""
    everything = client.get("/api/search", query_string={"q": "year:2010-2030"}).get_json()["total"]
    without = client.get("/api/search", query_string={"q": "-河涌"}).get_json()
    holding = client.get("/api/search", query_string={"q": "河涌"}).get_json()["total"]
    assert without["total"] == everything - holding > 0
    assert "河涌" not in "".join(r["snippet_html"] for r in without["results"])
    assert "找到" in client.get("/", query_string={"q": "-河涌"}).get_data(as_text=True)


def test_paging_returns_other_results(client):
    one = client.get("/api/search", query_string={"q": "发展", "per_page": 5}).get_json()
    two = client.get("/api/search", query_string={"q": "发展", "per_page": 5, "page": 2}).get_json()
    assert one["total"] == two["total"] > 10
    assert {r["url"] for r in one["results"]}.isdisjoint({r["url"] for r in two["results"]})
    page = client.get("/", query_string={"q": "发展", "page": 2, "group": "paragraph"}).get_data(as_text=True)
    assert 'aria-current="page">2<' in page


def test_report_page_has_paragraph_anchors(client):
    page = client.get(f"/reports/{SEED_ID}").get_data(as_text=True)
    assert "<h1>2017年荔灣區政府工作報告</h1>" in page
    assert 'id="p1"' in page and 'id="p71"' in page
    assert "二、2017年工作安排" in page


def test_report_page_marks_the_query(client):
    page = client.get(f"/reports/{SEED_ID}", query_string={"q": "白鹅潭"}).get_data(as_text=True)
    assert "<mark>白鵝潭</mark>" in page


def test_api_reports(client):
    reports = client.get("/api/reports").get_json()
    seed = next(r for r in reports if r["id"] == SEED_ID)
    assert seed == {
        "id": SEED_ID,
        "title": "2017年荔灣區政府工作報告",
        "region": "荔湾区",
        "place": ["广东省", "广州市", "荔湾区"],
        "year": 2017,
        "paragraphs": 72,
        "url": f"/reports/{SEED_ID}",
    }
    one = client.get(f"/api/reports/{SEED_ID}").get_json()
    assert one["id"] == SEED_ID and len(one["paragraphs"]) == 72
    assert set(one["paragraphs"][0]) == {"id", "anchor", "section_path", "text"}


def test_reports_list_page(client):
    page = client.get("/reports/").get_data(as_text=True)
    assert f'href="/reports/{SEED_ID}"' in page


@pytest.mark.parametrize(
    "url, code",
    [
        ("/reports/no-such-report", 404),
        ("/api/reports/no-such-report", 404),
        ("/?q=河涌&page=-1", 400),
        ("/?q=河涌&page=abc", 400),
        ("/api/search?q=河涌&page=-1", 400),
        ("/api/search?q=河涌&page=abc", 400),
        ("/api/search?q=河涌&per_page=101", 400),
        ("/api/search?q=河涌&per_page=0", 400),
        ("/api/search?q=河涌&sort=bogus", 400),
        ("/api/search?q=河涌&year=20x7", 400),
        ("/api/search?q=" + "河" * 5000, 400),
        ("/?q=" + "河" * 5000, 400),
        ("/no/such/page", 404),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(client, url, code):
    response = client.get(url)
    assert response.status_code == code
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    if url.startswith("/api/"):
        assert response.get_json()["error"]
    else:
        assert "<h1>" in body


@pytest.mark.parametrize(
    "q",
    [
        '"河涌',
        '河涌"',
        '"',
        "-",
        "OR",
        "河涌 OR",
        "year:",
        "region:",
        "((",
        "*",
        "河涌 AND NOT",
        "\\",
        "<script>",
    ],
)
def test_odd_queries_are_searched_not_errors(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    assert client.get("/", query_string={"q": q}).status_code == 200


def test_markup_in_reports_and_queries_is_escaped(client):
    data = client.get("/api/search", query_string={"q": "专项行动"}).get_json()
    snippet = data["results"][0]["snippet_html"]
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "<b>" not in snippet
    page = client.get("/reports/test-xss-2019").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    page = client.get("/", query_string={"q": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_missing_index_is_a_clear_503(tmp_path):
    from search import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    response = client.get("/api/search?q=河涌")
    assert response.status_code == 503
    assert "indexer build" in response.get_json()["error"]


def test_search_within_one_report(client):
    data = client.get("/api/search", query_string={"q": "河涌", "report": SEED_ID}).get_json()
    assert data["total"] > 0 and {r["report_id"] for r in data["results"]} == {SEED_ID}
    page = client.get(f"/reports/{SEED_ID}", query_string={"q": "河涌"}).get_data(as_text=True)
    assert "本报告中" in page and page.count("<mark>") >= 3
    assert 'action="/reports/guangzhou-liwan-2017"' in page


def test_reader_in_simplified_and_traditional(client):
    simplified = client.get(f"/reports/{SEED_ID}?script=s").get_data(as_text=True)
    assert "<h1>2017年荔湾区政府工作报告</h1>" in simplified and 'id="p71"' in simplified
    assert client.get(f"/reports/{SEED_ID}?script=x").status_code == 400


def test_report_list_follows_the_tree_of_places(client):
    """National first, then each province with its cities and their districts; a title
    names its year, so the year is not shown twice."""
    page = client.get("/reports/").get_data(as_text=True)
    heads = re.findall(r"<h(\d) id=\"place-[^\"]*\">([^<]+?) <span", page)
    assert heads[0] == ("2", "全国")
    assert heads.index(("2", "广东省")) < heads.index(("3", "广州市")) < heads.index(("4", "荔湾区"))
    assert "2017 · 2017年" not in page


def test_expensive_queries_are_refused_not_left_running(client, monkeypatch):
    many = " ".join(f"词{i}" for i in range(13))
    response = client.get("/api/search", query_string={"q": many})
    assert response.status_code == 400 and "查询的词太多" in response.get_json()["error"]
    repeated = client.get("/api/search", query_string={"q": "发展 " * 100})
    assert repeated.status_code == 200  # the same word 100 times is one word
    monkeypatch.setitem(client.application.config, "TIME_LIMIT", 1e-9)
    client.application.extensions["search_index"].cache.clear()  # nothing scored yet
    slow = client.get("/api/search", query_string={"q": "发展 经济"})
    assert slow.status_code == 503 and "超过" in slow.get_json()["error"]  # not the query's fault
    assert slow.headers["Retry-After"] == "5"
    page = client.get("/", query_string={"q": "发展 经济"})
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and "请稍后再试" in html  # said in Chinese,
    assert 'value="发展 经济"' in html and 'role="search"' in html  # on a page that keeps the search box


def test_the_time_limit_is_a_setting_said_in_the_message(index_dir, monkeypatch):
    from search import create_app

    monkeypatch.setenv("SEARCH_TIME_LIMIT", "0.000001")
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    assert app.config["TIME_LIMIT"] == 1e-6
    app.extensions["search_index"].load()  # opened now: that is not the search's time
    slow = app.test_client().get("/api/search", query_string={"q": "河涌 发展 改革"})
    assert slow.status_code == 503 and "超过 1e-06 秒" in slow.get_json()["error"]
    for bad in ("0", "-1", "soon", "nan"):
        monkeypatch.setenv("SEARCH_TIME_LIMIT", bad)
        with pytest.raises(ValueError, match="SEARCH_TIME_LIMIT"):
            create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})


def test_filters_narrow_the_results(client):
    everything = client.get("/api/search", query_string={"q": "发展"}).get_json()["total"]
    for args in ({"q": "发展 year:2017"}, {"q": "发展", "year": "2017"}, {"q": "发展 region:荔湾"}):
        data = client.get("/api/search", query_string=args).get_json()
        assert 0 < data["total"] < everything, args


@pytest.mark.parametrize("host", ["evil.example", "a" * 64 + ".example", "localhost.evil.example:8000"])
def test_a_host_the_site_does_not_answer_to_is_a_400_page_that_renders(client, host):
    page = client.get("/", headers={"Host": host})
    assert page.status_code == 400 and "主机名不是本站的名称" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    api = client.get("/api/search", query_string={"q": "河涌"}, headers={"Host": host})
    assert api.status_code == 400 and "error" in api.get_json()


def test_trusted_hosts_and_the_public_address_come_from_configuration(index_dir, monkeypatch):
    from search import create_app

    monkeypatch.setenv("SEARCH_TRUSTED_HOSTS", "search.example.org, localhost")
    monkeypatch.setenv("SEARCH_PUBLIC_URL", "https://search.example.org")
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    assert app.config["TRUSTED_HOSTS"] == ["search.example.org", "localhost"]
    c = app.test_client()
    xml = c.get("/opensearch.xml", headers={"Host": "search.example.org"}).get_data(as_text=True)
    assert 'template="https://search.example.org/?q={searchTerms}"' in xml
    assert c.get("/opensearch.xml", headers={"Host": "127.0.0.1"}).status_code == 400  # not listed


def test_every_response_carries_the_security_headers_and_fitting_caching(client):
    page = client.get("/", query_string={"q": "河涌"})
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-cache"
    css = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{12})"', page.get_data(as_text=True)).group(1)
    static = client.get(css)
    static.close()  # the file it streams
    assert (
        static.status_code == 200 and static.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    )
    assert client.get("/api/status").headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.slow
def test_odd_queries_beside_plain_ones_keep_to_the_request_deadline(app):
    """Eight odd requests at once (a 499-character word, a dozen unknown words: the spelling
    corrector used to hold a thread 15-30 s for them) and a plain search beside them: each
    answers within the request's deadline (3 s of search and suggestions) plus rendering."""
    import threading
    import time as clock

    from .browser import LiveServer

    odd = ["a" * 499, " ".join(f"a{i}" for i in range(11)), "zzzz yyyy xxxx wwww vvvv", "qqqqqqqq" * 8]
    timings: dict[str, float] = {}

    def fetch(name: str, q: str) -> None:
        started = clock.perf_counter()
        with urllib.request.urlopen(f"{server.url}/?{urlencode({'q': q})}", timeout=60) as response:
            response.read()
        timings[name] = clock.perf_counter() - started

    with LiveServer(app) as server:
        threads = [threading.Thread(target=fetch, args=(f"odd{i}", odd[i % len(odd)])) for i in range(8)]
        threads.append(threading.Thread(target=fetch, args=("plain", "河涌")))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(timings) == 9
    assert max(timings.values()) < app.config["TIME_LIMIT"] + 2.0, timings


ROUTES = [
    "/",
    "/reports/",
    "/reports/guangzhou-liwan-2017",
    "/api/search",
    "/api/reports",
    "/api/reports/guangzhou-liwan-2017",
    "/api/status",
    "/opensearch.xml",
    "/static/style.css",
]
ARGS = ["q", "page", "per_page", "year", "region", "report", "sort", "script"]


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # of the fixtures
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.one_of(
        st.sampled_from(ROUTES),
        st.text(max_size=40).map(lambda s: "/reports/" + s),
        st.text(max_size=40).map(lambda s: "/" + s),
    ),
    args=st.dictionaries(
        st.sampled_from(ARGS),
        st.one_of(
            st.text(max_size=60),
            st.integers(-(10**9), 10**9).map(str),
            st.sampled_from(["河涌", "医疗改革", '"经济', "-", "OR", "year:2017", "region:", "a" * 500]),
        ),
        max_size=5,
    ),
    host=st.one_of(
        st.none(),
        st.sampled_from(["127.0.0.1", "localhost:8000", "a" * 70, "x.example"]),
        st.text(max_size=30),
    ),
)
def test_no_request_is_a_5xx_or_later_than_the_deadline(client, route, args, host):
    import time as clock

    from search.suggest import SUGGEST_TIME

    headers = {} if host is None else {"Host": host}
    started = clock.perf_counter()
    try:
        response = client.get(route, query_string=args, headers=headers)
    except (ValueError, UnicodeError):  # not an HTTP request at all: the client refuses to send it
        return
    response.close()
    assert response.status_code < 500, (route, args, host, response.status_code)
    assert clock.perf_counter() - started < client.application.config["TIME_LIMIT"] + SUGGEST_TIME + 1.0


ODD_ID = "荔湾#草稿 ?%20 2017"  # a fragment mark, a query mark, a percent escape, spaces, Chinese


@pytest.fixture(scope="module")
def odd_app(tmp_path_factory):
    """A report whose file name holds every character a URL treats specially."""
    from indexer.build import build
    from search import create_app

    root = tmp_path_factory.mktemp("odd")
    (root / "corpus").mkdir()
    (root / "corpus" / f"{ODD_ID}.txt").write_text(
        "2017年荔湾区政府工作报告\n各位代表：\n一、工作回顾\n推进河涌综合整治，建成碧道十公里。\n",
        encoding="utf-8",
    )
    assert not build(root / "corpus", root / "index").refused
    return create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})


def _links(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def test_a_report_id_with_url_characters_links_to_itself(odd_app):
    """Links to a report are built in one place (url_for): its id escaped once, whatever it
    holds; every link on the results page, the reader and the API leads back to it."""
    client = odd_app.test_client()
    hit = client.get("/api/search", query_string={"q": "河涌"}).get_json()["results"][0]
    assert hit["report_id"] == ODD_ID
    path, _, anchor = hit["url"].partition("#")
    assert anchor == hit["anchor"] and unquote(path) == f"/reports/{ODD_ID}"
    reader = client.get(path)
    assert reader.status_code == 200 and "碧道" in reader.get_data(as_text=True)
    assert client.get(f"/api{path}").get_json()["id"] == ODD_ID
    page = client.get("/", query_string={"q": "河涌"}).get_data(as_text=True)
    to_report = [link for link in _links(html_unescape(page)) if link.startswith("/reports/%")]
    assert to_report and all(
        unquote(link.split("#")[0].split("?")[0]) == f"/reports/{ODD_ID}" for link in to_report
    )
    form = re.search(r'<form class="search"[^>]*action="([^"]*)"', reader.get_data(as_text=True))
    assert form and unquote(html_unescape(form.group(1))) == f"/reports/{ODD_ID}"  # finds within it


def test_every_link_keeps_a_url_prefix(odd_app):
    """Mounted under /gov (SCRIPT_NAME), every page links within /gov: pages, reports,
    static files, the API and the OpenSearch description."""
    client = odd_app.test_client()
    prefix = {"SCRIPT_NAME": "/gov"}
    for path, args in (
        ("/", {"q": "河涌"}),
        ("/reports/", {}),
        (f"/reports/{quote(ODD_ID)}", {"q": "河涌"}),
        ("/", {"q": "没有的词语"}),
    ):
        response = client.get(path, query_string=args, environ_overrides=prefix)
        assert response.status_code == 200, path
        links = [
            link for link in _links(html_unescape(response.get_data(as_text=True))) if link.startswith("/")
        ]
        assert links and all(link.startswith("/gov/") for link in links), (path, links)
    xml = client.get("/opensearch.xml", environ_overrides=prefix).get_data(as_text=True)
    assert "127.0.0.1:8000/gov/?q={searchTerms}" in xml and "127.0.0.1:8000/gov/api/search?" in xml
    hit = client.get("/api/search", query_string={"q": "河涌"}, environ_overrides=prefix).get_json()[
        "results"
    ][0]
    assert hit["url"].startswith("/gov/reports/")


def test_every_page_and_static_file_ships_in_the_package():
    """A wheel carries templates/ and static/ inside the search package (pyproject's package
    data): every file there matches one of its patterns, so an installed site has its pages."""
    import fnmatch
    import tomllib

    from .conftest import ROOT

    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    for folder in ("templates", "static"):
        package = f"search.{folder}"
        assert package in setup["packages"] and setup["package-dir"][package] == folder
        patterns = setup["package-data"][package]
        files = [p.name for p in (ROOT / folder).iterdir() if p.is_file()]
        assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), folder


def test_a_region_filter_matches_every_level_of_a_place(client):
    """region:广州 finds Guangzhou's own report and its districts' (荔灣區, in Traditional);
    region:广东 its cities too; region:荔湾 only the district."""

    def reports(q: str) -> set[str]:
        hits = client.get("/api/search", query_string={"q": q, "per_page": 50}).get_json()["results"]
        return {h["report_id"] for h in hits}

    guangzhou = {SEED_ID, "lawtext-gov/guangzhou-city-2018"}
    assert reports("发展 region:广州") == guangzhou
    assert reports("发展 region:廣東") == guangzhou
    assert reports("发展 region:荔湾") == {SEED_ID}
    assert reports("发展 region:内蒙古") == {"derived/hulunbuir-hailar-2018-traditional"}


def test_the_region_facet_follows_the_tree_of_places(client):
    page = client.get("/", query_string={"q": "发展"}).get_data(as_text=True)
    facet = re.findall(r'<li class="depth-(\d)">.*?data-facet="region">([^<]+)</a>', page)
    assert facet[0] == ("0", "全国") and ("0", "广东省") in facet and ("0", "内蒙古自治区") in facet
    # within 广东省: its cities and districts open; the other places still counted, to add
    page = client.get("/", query_string={"q": "发展", "region": "广东省"}).get_data(as_text=True)
    facet = re.findall(
        r'<li class="depth-(\d)">.*?(?:data-facet="region">|aria-current="true">)([^<]+)<', page
    )
    assert facet[0] == ("0", "全国") and ("0", "内蒙古自治区") in facet
    at = facet.index(("0", "广东省"))
    assert facet[at : at + 3] == [("0", "广东省"), ("1", "广州市"), ("2", "荔湾区")]


def test_the_reader_and_the_api_give_the_date_speaker_session_and_source(client):
    one = client.get("/api/reports/lawtext-gov/guangzhou-city-2018").get_json()
    assert (one["date"], one["session"], one["office"], one["speaker"]) == (
        "2018-01-11",
        "第十五届人民代表大会第三次会议",
        "广州市市长",
        "温国辉",
    )
    assert one["place"] == ["广东省", "广州市"]
    assert one["citation"] == {
        "author": "温国辉",
        "title": "2018年广州市政府工作报告",
        "place": ["广东省", "广州市"],
        "year": 2018,
        "date": "2018-01-11",
        "session": "第十五届人民代表大会第三次会议",
    }
    assert one["url"] == "http://localhost/reports/lawtext-gov/guangzhou-city-2018"
    page = client.get("/reports/lawtext-gov/guangzhou-city-2018").get_data(as_text=True)
    assert (
        '<time datetime="2018-01-11">' in page and "广州市市长 温国辉" in page and "广东省 › 广州市" in page
    )


def test_a_table_row_is_found_linked_and_shown_with_its_column_headers(client):
    hits = client.get("/api/search", query_string={"q": "就业保障 已完成"}).get_json()["results"]
    row = next(h for h in hits if h["report_id"] == "lawtext-gov/guangzhou-city-2018")
    assert '<span class="col">民生领域</span> <mark>就业保障</mark>' in row["snippet_html"]
    assert "|" not in row["snippet_html"]
    one = client.get("/api/reports/lawtext-gov/guangzhou-city-2018").get_json()
    listed = next(p for p in one["paragraphs"] if p["id"] == row["paragraph_id"])
    assert listed["header"] == ["序号", "民生领域", "完成情况"] and listed["cells"][:2] == ["2", "就业保障"]
    page = client.get(row["url"].split("#")[0]).get_data(as_text=True)
    assert '<th scope="col">民生领域</th>' in page
    assert re.search(rf'<tr id="{row["paragraph_id"]}" class="row">.*?<td>就业保障</td>', page, re.S)


def test_error_pages_are_in_chinese_with_the_search_box_and_the_query_kept(client):
    bad = client.get("/", query_string={"q": "河涌", "page": "abc"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "400 请求有误" in page and "参数“page”应为" in page
    assert '<input id="q" name="q" type="search" value="河涌"' in page
    missing = client.get("/nowhere", query_string={"q": "河涌"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "找不到页面" in page and 'value="河涌"' in page
    assert "Not Found" not in page and "must be" not in page
    report = client.get("/reports/no-such-report").get_data(as_text=True)
    assert "没有这份报告" in report
    assert (
        "参数“year”" in client.get("/api/search", query_string={"q": "x", "year": "soon"}).get_json()["error"]
    )


def test_dates_read_as_people_write_them_and_traditional_uses_taiwan_forms(client):
    page = client.get("/", query_string={"q": "河涌"}).get_data(as_text=True)
    assert re.search(r"索引更新于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", page) and "+0000" not in page
    reader = client.get("/reports/lawtext-gov/guangzhou-city-2018").get_data(as_text=True)
    assert '<time datetime="2018-01-11">2018年1月11日</time>' in reader
    traditional = client.get("/reports/lawtext-gov/guangzhou-city-2018", query_string={"script": "t"})
    text = traditional.get_data(as_text=True)
    assert "為" in text and "爲" not in text  # Taiwan's standard form, not OpenCC's


def test_a_heading_that_leads_a_paragraph_is_linked_to_that_paragraph(client):
    page = client.get("/reports/lawtext-gov/guangzhou-city-2018").get_data(as_text=True)
    toc = re.search(r'<details class="toc".*?</details>', page, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert targets and all(re.search(rf'<span class="target" id="{t}">', page) for t in targets)


def test_a_paragraph_shows_the_heading_it_starts_with_in_bold(client):
    """（一）…。 run into its paragraph (or run on without a stop) reads as a heading: bold."""
    page = client.get("/reports/lawtext-gov/guangzhou-city-2018", query_string={"q": "经济"}).get_data(
        as_text=True
    )
    leads = re.findall(r'<p id="(p\d+)" class="para">.*?<strong class="lead">(.*?)</strong>', page)
    assert len(leads) >= 5
    toc = re.findall(
        r'<a href="#([^"]+)"[^>]*>([^<]+)</a>',
        re.search(r'<details class="toc".*?</details>', page, re.S).group(0),
    )
    assert {re.sub(r"<[^>]+>", "", lead) for _, lead in leads} >= {
        text for _, text in toc if "（" in text[:1]
    }
