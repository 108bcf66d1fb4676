"""End-to-end in Chromium through Playwright: search, click, land on the paragraph."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_search_click_and_land_on_the_paragraph(live, page):
    page.goto(live.url + "/")
    page.fill("#q", "白鹅潭")
    page.press("#q", "Enter")
    page.wait_for_selector(".result mark")
    assert page.locator(".result mark").first.inner_text() == "白鵝潭"
    first = page.locator(".result h2 a").first
    href = first.get_attribute("href")
    target_id = href.split("#", 1)[1]
    assert target_id.startswith("t")  # the paragraph's own anchor, from its text
    first.click()
    page.wait_for_url("**/reports/**")
    targeted = page.evaluate("document.querySelector(':target') && document.querySelector(':target').id")
    assert targeted == target_id
    paragraph = page.locator(f"[id='{target_id}']").locator("xpath=..")
    assert "白鵝潭" in paragraph.inner_text()
    background = paragraph.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
