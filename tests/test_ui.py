"""The search page and the report reader in Chromium: facets, sort, paging, the year chart,
copy link, 简/繁, suggestions, a phone-width viewport, an axe-core scan, screenshots."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlparse

import pytest

from .browser import require_chromium
from .conftest import ROOT

pytestmark = pytest.mark.browser

SHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SEED_URL = "/reports/guangzhou-liwan-2017"


def args(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def search(page, live, q: str) -> None:
    page.goto(live.url + "/")
    page.fill("#q", q)
    page.press("#q", "Enter")
    page.wait_for_selector(".count")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_home_page_offers_examples_and_an_overview(live, page):
    page.goto(live.url + "/")
    assert "已收录 5 份报告" in page.inner_text(".overview")
    page.click(".examples a >> nth=0")
    page.wait_for_selector(".count")
    assert args(page.url)["q"] == "乡村振兴"
    page.goto(live.url + "/")
    shot(page, "home")


def test_type_submit_and_keep_the_query(live, page):
    search(page, live, "河涌")
    assert args(page.url) == {"q": "河涌"}
    assert page.input_value("#q") == "河涌"
    # grouped by report (the default): one card per report, as many as the count says
    reports = int(page.locator(".count strong").nth(1).inner_text())
    assert reports == len(page.query_selector_all(".result.group")) or page.query_selector(".pager")
    shot(page, "results")


def test_facet_apply_and_remove(live, page):
    search(page, live, "发展")
    total = int(page.inner_text(".count strong"))
    page.click("[data-facet=year] >> nth=0")
    page.wait_for_selector(".chip")
    year = args(page.url)["year"]
    filtered = int(page.inner_text(".count strong"))
    assert filtered < total
    assert all(year in m for m in page.locator(".result .meta").all_inner_texts())
    page.click("[data-facet=region] >> nth=0")
    page.wait_for_url(re.compile("region="))
    assert "year" in args(page.url) and "region" in args(page.url)
    page.click("[data-remove=year]")
    page.wait_for_url(lambda url: "year=" not in url)
    assert "region" in args(page.url)
    page.click("[data-remove=region]")
    page.wait_for_url(lambda url: "region=" not in url)
    assert int(page.inner_text(".count strong")) == total


def test_sort_newest_and_oldest(live, page):
    search(page, live, "发展")
    page.click("[data-sort=newest]")
    page.wait_for_url(re.compile("sort=newest"))
    years = [int(re.search(r"\d{4}", m).group()) for m in page.locator(".result .meta").all_inner_texts()]
    assert years == sorted(years, reverse=True)
    page.click("[data-sort=oldest]")
    page.wait_for_url(re.compile("sort=oldest"))
    years = [int(re.search(r"\d{4}", m).group()) for m in page.locator(".result .meta").all_inner_texts()]
    assert years == sorted(years)


def test_page_forward(live, page):
    page.goto(live.url + "/?q=发展&group=paragraph")
    first = page.locator(".result .passage").first.get_attribute("href")
    page.click(".pager a[rel=next]")
    page.wait_for_url(re.compile("page=2"))
    assert page.locator(".result .passage").first.get_attribute("href") != first
    assert page.inner_text(".pager [aria-current=page]") == "2"


def test_year_bar_filters_to_its_year(live, page):
    search(page, live, "发展")
    bar = page.locator(".chart a.bar").first
    year = bar.get_attribute("data-year")
    bar.click()
    page.wait_for_url(re.compile(f"year={year}"))
    assert all(year in m for m in page.locator(".result .meta").all_inner_texts())


def test_result_lands_on_the_highlighted_paragraph(live, page):
    search(page, live, "白鹅潭")
    link = page.locator(".result h2 a").first
    target = link.get_attribute("href").split("#")[1]
    link.click()
    page.wait_for_url(re.compile("/reports/"))
    assert page.evaluate("document.querySelector(':target').id") == target
    paragraph = page.locator(f"[id='{target}']").locator("xpath=..")
    assert paragraph.locator("mark").count() >= 1
    assert paragraph.evaluate("""el => { const r = el.getBoundingClientRect();
        return r.top < innerHeight && r.bottom > 0; }""")
    page.click(".match-next")
    assert page.locator("mark.current").count() == 1
    shot(page, "reader")


def test_copy_paragraph_link(live, page):
    page.goto(live.url + SEED_URL)
    page.click("#p5 button.copy")
    page.wait_for_function("document.querySelector('#p5 button.copy').textContent === '已复制'")
    anchor = page.get_attribute("#p5 button.copy", "data-id")
    copied = page.evaluate("navigator.clipboard.readText()")
    # the paragraph's own anchor, and its opening words for browsers that know text fragments
    assert copied.startswith(f"{live.url}{SEED_URL}#{anchor}:~:text=") and anchor.startswith("t")


def test_cite_a_paragraph(live, page):
    """引用 copies a GB/T 7714 citation: author, title, section and paragraph, [R/OL], place,
    date (the year when the report gives no day), the day it was cited, and the link."""
    page.goto(live.url + "/reports/lawtext-gov/guangzhou-city-2018")
    block = page.locator(".para").nth(4)
    pid = block.get_attribute("id")
    anchor = block.locator("button.cite").get_attribute("data-id")
    section = block.locator("button.cite").get_attribute("data-section")
    block.locator("button.cite").click()
    page.wait_for_function(f"document.querySelector('#{pid} button.cite').textContent === '已复制'")
    cited = page.evaluate("navigator.clipboard.readText()")
    today = page.evaluate("new Date().toISOString().slice(0, 10)")
    assert cited == (
        f"温国辉. 2018年广州市政府工作报告：{section}，第{pid[1:]}段[R/OL]. 广东省广州市, 2018-01-11[{today}]. "
        f"{live.url}/reports/lawtext-gov/guangzhou-city-2018#{anchor}."
    )


def test_switch_simplified_and_traditional_keeps_anchors(live, page):
    page.goto(live.url + SEED_URL + "#p22")
    assert "荔灣" in page.inner_text("h1")
    page.click("[data-script=s]")
    page.wait_for_url(re.compile("script=s"))
    assert "荔湾区" in page.inner_text("h1")
    assert "荔湾的发展" in page.inner_text("#p22")
    assert page.url.endswith("#p22")  # the paragraph the reader was at
    page.click("[data-script=t]")
    page.wait_for_url(re.compile("script=t"))
    assert "荔灣的發展" in page.inner_text("#p22") and page.url.endswith("#p22")


def test_no_results_offers_a_suggestion_that_works(live, page):
    search(page, live, "白鹅潭 year:1990")
    assert page.inner_text(".count strong") == "0"
    assert "没有找到" in page.inner_text(".empty")
    page.click(".suggestions a:has-text('去掉年份和地区筛选')")
    page.wait_for_url(lambda url: "1990" not in url)
    assert int(page.inner_text(".count strong")) > 0


def test_phone_width_has_no_horizontal_scroll(live, browser):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    for path in ["/", "/?q=发展", SEED_URL + "?q=河涌", "/reports/"]:
        page.goto(live.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=河涌",
        SEED_URL + "?q=河涌",
        "/reports/",
        "/overview?q=发展",
        "/compare?q=发展&q=改革",
        "/targets",
        "/reports/lawtext-gov/guangzhou-city-2018/new",
        "/reports/lawtext-gov/guangzhou-city-2018",
        "/docs/api",
        "/nope",
    ],
)
def test_accessibility_scan_has_no_serious_violations(live, browser, path, scheme):
    require_chromium()
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: `make test` installs axe-core from the npm registry")
        pytest.skip("axe-core is not installed (npm install --no-save axe-core)")
    # the site's policy forbids the injected scanner; both colour schemes follow the system's
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    page.goto(live.url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    bad = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad


def test_opensearch_description_is_linked_and_served(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="search" type="application/opensearchdescription+xml"' in page
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    assert "/?q={searchTerms}" in response.get_data(as_text=True)


def test_every_asset_is_served_by_the_app(client):
    page = client.get("/?q=河涌").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+\.(?:css|js))"', page):
        assert url.startswith("/"), url
        with client.get(url) as response:
            assert response.status_code == 200


@pytest.mark.parametrize("fragment", ["#%", "#%E4%B8", "#p1%"])
def test_a_malformed_link_fragment_raises_no_script_error(live, page, fragment):
    """``/reports/<id>#%`` threw URIError in app.js, which then stopped before its end."""
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live.url + SEED_URL + "?q=河涌" + fragment)
    page.keyboard.press("n")
    assert errors == [] and page.locator("mark.current").count() == 1


def test_a_table_scrolls_sideways_on_a_phone(live, browser):
    """A report's table is a table in the reader; on a phone it scrolls inside its frame,
    the page itself does not."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(live.url + "/reports/lawtext-gov/guangzhou-city-2018")
    frame = page.locator(".table-wrap").first
    assert frame.locator("th").count() >= 3 and frame.locator("tr.row").count() == 10
    assert frame.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_grouped_results_overview_and_compare_at_phone_and_desktop_width(live, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    fits = "document.documentElement.scrollWidth <= innerWidth"
    page.goto(live.url + "/?q=发展")
    cards = page.locator(".result.group")
    assert cards.count() >= 3 and cards.first.locator(".group-hits > li").count() >= 1
    assert page.evaluate(fits)
    drawer = page.locator("details.drawer")
    # on a phone the facets come before the results, folded; on a desktop beside them, open
    assert drawer.evaluate("d => d.open") == (width > 640)
    assert drawer.bounding_box()["y"] < cards.first.bounding_box()["y"] or width > 640
    if width <= 640:
        page.click("details.drawer > summary")
    page.click("[data-facet=year] >> nth=0")
    page.wait_for_selector(".chip")
    if width <= 640:
        page.click("details.drawer > summary")
    page.click("[data-facet=year] >> nth=1")  # a second year: both apply
    page.wait_for_function("document.querySelectorAll('.chip').length === 2")
    shot(page, f"grouped-{width}")
    page.goto(live.url + "/overview?q=发展")
    assert page.locator(".grid tbody tr").count() >= 3 and page.evaluate(fits)
    page.click("[data-place=广东省]")
    page.wait_for_selector(".grid tr.depth-1")
    shot(page, f"overview-{width}")
    page.goto(live.url + "/compare?q=发展&q=改革")
    assert page.locator(".chart polyline").count() == 2
    page.fill("input[name=q] >> nth=2", "河涌")
    page.click("form.compare button")
    page.wait_for_function("document.querySelectorAll('.chart polyline').length === 3")
    assert page.evaluate(fits)
    shot(page, f"compare-{width}")
    context.close()


def test_the_reader_lands_on_the_first_match_counts_agree_and_its_bar_stays(live, page):
    page.goto(live.url + SEED_URL + "?q=河涌")
    count = int(page.get_attribute(".match-count", "data-total"))
    assert count == page.locator(".report .body mark").count() > 1  # the count and n/p agree
    page.wait_for_selector("mark.current")
    assert page.evaluate("""(() => { const r = document.querySelector('mark.current').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight; })()""")
    assert page.inner_text(".match-count") == f"第 1 / {count} 处匹配"
    page.keyboard.press("n")
    assert page.inner_text(".match-count") == f"第 2 / {count} 处匹配"
    assert page.locator(".matches").bounding_box()["y"] < 2  # the bar stays at the top
    assert "n" in page.inner_text(".matches kbd >> nth=1")


def test_link_and_citation_controls_show_on_hover_and_focus(live, page):
    page.goto(live.url + SEED_URL)
    opacity = "el => getComputedStyle(el).opacity"
    button = page.locator("#p5 button.cite")
    assert button.evaluate(opacity) == "0"
    page.hover("#p5")
    assert button.evaluate(opacity) == "1"
    page.mouse.move(0, 0)
    page.focus("#p6 a.anchor")
    assert page.locator("#p6 button.copy").evaluate(opacity) == "1"


def test_the_table_of_contents_lands_on_its_section_highlighted(live, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live.url + "/reports/lawtext-gov/guangzhou-city-2018")
    toc = page.locator("details.toc")
    assert toc.evaluate("d => d.open") and toc.bounding_box()["x"] < 300  # beside the text
    link = page.locator(".toc a").nth(3)
    target = link.get_attribute("href")[1:]
    link.click()
    page.wait_for_url(re.compile("#" + target))
    landed = page.locator(f"[id='{target}']")
    assert landed.evaluate("el => el.matches(':target') && el.parentElement.textContent.trim().length > 0")
    shade = landed.evaluate("el => getComputedStyle(el.closest('.para, .heading')).backgroundColor")
    assert shade not in ("rgba(0, 0, 0, 0)", "transparent")
    context.close()
    phone = browser.new_context(viewport={"width": 375, "height": 800})
    page = phone.new_page()
    page.goto(live.url + "/reports/lawtext-gov/guangzhou-city-2018")
    assert not page.locator("details.toc").evaluate("d => d.open")  # folded away on a phone
    phone.close()


def test_keyboard_slash_j_k_and_the_list_of_keys(live, page):
    page.goto(live.url + "/?q=发展")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    first = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == first
    assert page.evaluate("document.activeElement.closest('.result') !== null")
    page.keyboard.press("?")
    assert page.locator("dialog.keys").evaluate("d => d.open")
    assert "跳到搜索框" in page.inner_text("dialog.keys")


def test_the_skip_link_leads_past_the_search_box_and_facets_to_the_results(live, page):
    """From the top of a results page: Tab reaches 跳到搜索结果, Enter moves there, and the
    next Tab is on the first result (it took 34 presses)."""
    page.goto(live.url + "/?q=发展")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到搜索结果"
    page.keyboard.press("Enter")
    presses = 0
    while presses < 6 and not page.evaluate("!!document.activeElement.closest('.result')"):
        page.keyboard.press("Tab")
        presses += 1
    assert page.evaluate("!!document.activeElement.closest('.result')") and presses <= 5
