"""The new wording and the targets in Chromium: the reader's 本报告新提法 panel, the /targets
table and chart at a phone's width and a desktop's, and a value's link landing on its
paragraph."""

from __future__ import annotations

import re

import pytest

from .test_ui import shot

pytestmark = pytest.mark.browser

CITY = "/reports/lawtext-gov/guangzhou-city-2018"
FITS = "document.documentElement.scrollWidth <= innerWidth"


@pytest.mark.parametrize("width", [375, 1280])
def test_the_readers_new_wording_panel_links_each_term_to_its_paragraph_and_to_a_search(live, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live.url + CITY)
    panel = page.locator("details.new-terms")
    assert panel.locator("summary").inner_text() == "本报告新提法"
    terms = panel.locator("a.term")
    assert terms.count() >= 5 and page.evaluate(FITS)
    shot(page, f"new-terms-{width}")
    term = terms.first.inner_text()
    anchor = terms.first.get_attribute("href").split("#")[1]
    terms.first.click()
    page.wait_for_function(f"location.hash === '#{anchor}'")
    assert page.evaluate("document.querySelector(':target').id") == anchor
    block = page.locator(f"[id='{anchor}']").locator("xpath=..")
    assert term in block.inner_text().replace("＋", "+")
    assert block.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"
    )
    panel.locator("a.search-all").first.click()
    page.wait_for_selector(".count")
    assert re.search(r"[?&]q=", page.url) and page.input_value("#q") == term
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_targets_table_and_chart_and_a_value_landing_on_its_paragraph(live, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live.url + "/targets")
    table = page.locator("table.targets")
    assert table.locator("tbody tr").count() >= 2 and page.evaluate(FITS)
    chart = page.locator(".targets-chart svg")
    assert chart.locator("polyline").count() >= 1 and chart.locator("circle").count() >= 2
    assert chart.bounding_box()["width"] <= width
    shot(page, f"targets-{width}")
    page.select_option("select[name=indicator]", "jobs")
    page.click(".targets-filter button")
    page.wait_for_url(re.compile("indicator=jobs"))
    value = page.locator("table.targets td a").first
    text = value.inner_text()
    anchor = value.get_attribute("href").split("#")[1]
    value.click()
    page.wait_for_url(re.compile("/reports/"))
    assert page.evaluate("document.querySelector(':target').id") == anchor
    paragraph = page.locator(f"[id='{anchor}']").locator("xpath=..")
    assert text in paragraph.inner_text()
    assert paragraph.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; }"
    )
    note = page.locator(".targets-note").first  # the targets stand beside the paragraph that sets them
    assert "本段设定的目标" in note.inner_text() and page.evaluate(FITS)
    context.close()
