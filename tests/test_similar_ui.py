"""Similar passages in Chromium, at a phone's width and a desktop's: the reader's 相似段落 N,
its list (place, year, title, share, links), and the side-by-side view with the changed words
marked; over the test corpus of tests/test_similar.py (a district copying the national report
of 2024)."""

from __future__ import annotations

import re

import pytest

from indexer.build import build
from search import create_app

from .browser import LiveServer
from .test_similar import NATIONAL, corpus
from .test_ui import AXE, shot

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= innerWidth"


@pytest.fixture(scope="module")
def similar_live(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("similar-ui")
    source = corpus(tmp)
    build(source, tmp / "index")
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp / "index"), "CORPUS_DIR": str(source)})
    with LiveServer(app) as server:
        yield server


@pytest.mark.parametrize("width", [375, 1280])
def test_the_count_the_list_and_the_side_by_side(similar_live, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    district = next(
        r["id"] for r in page.request.get(similar_live.url + "/api/reports").json() if r["id"] != NATIONAL
    )
    page.goto(similar_live.url + "/reports/" + district)
    notes = page.locator("details.similar-note")
    assert notes.count() == 3
    fiscal = page.locator("p.para", has_text="积极的财政政策").locator("xpath=following-sibling::details[1]")
    summary = fiscal.locator("summary")
    assert summary.inner_text() == "相似段落 1"
    assert not fiscal.locator(".similar-list").is_visible()
    summary.click()
    item = fiscal.locator(".similar-list li").first
    assert item.is_visible()
    text = item.inner_text()
    assert "全国" in text and "2024" in text and "2024年国务院政府工作报告" in text
    assert re.search(r"共同 (8\d|9\d|100)%", text)
    assert page.evaluate(FITS)
    shot(page, f"similar-list-{width}")
    item.locator("a.compare").click()
    page.wait_for_url(re.compile("/similar\\?"))
    pair = page.locator(".similar-pair")
    left, right = pair.locator(".pair-text").nth(0), pair.locator(".pair-text").nth(1)
    assert left.locator("del").all_inner_texts()[:2] == ["持续", "完善"]
    assert right.locator("ins").all_inner_texts()[:2] == ["适度", "优化"]
    marked = left.locator("del").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert marked not in ("rgba(0, 0, 0, 0)", "transparent")
    # side by side on a desktop, one above the other on a phone
    a, b = left.bounding_box(), right.bounding_box()
    assert (a["y"] < b["y"]) if width == 375 else (abs(a["y"] - b["y"]) < 5 and a["x"] < b["x"])
    assert page.evaluate(FITS)
    shot(page, f"similar-pair-{width}")
    pair.locator("figcaption a").nth(1).click()  # the national paragraph, in its report
    page.wait_for_url(re.compile("/reports/"))
    target = page.evaluate("document.querySelector(':target').id")
    assert "积极的财政政策要适度加力" in page.locator(f"[id='{target}']").locator("xpath=..").inner_text()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("where", ["reader", "pair"])
def test_accessibility_scan_of_the_list_and_the_pair(similar_live, browser, where, scheme):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm install --no-save axe-core)")
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    district = next(
        r["id"] for r in page.request.get(similar_live.url + "/api/reports").json() if r["id"] != NATIONAL
    )
    page.goto(similar_live.url + "/reports/" + district)
    page.locator("details.similar-note summary").first.click()
    if where == "pair":
        page.locator("details.similar-note a.compare").first.click()
        page.wait_for_url(re.compile("/similar\\?"))
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    bad = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad
