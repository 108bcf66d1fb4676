"""A link to a passage keeps pointing at that passage: each paragraph's anchor comes from its
own text, so inserting, deleting or reordering other paragraphs, or reading the report in
another format or script, leaves it where it was."""

from __future__ import annotations

import re

import opencc
import pytest

from indexer.build import build
from search import create_app

from .browser import LiveServer

PARAGRAPHS = [
    "加强住房保障工作。新建公共租赁住房三千套，发放租赁补贴五百户。",
    "推进河涌整治。完成黑臭水体治理，群众满意度明显提升。",
    "各位代表！",
    "深化教育改革。新建中小学校十所，学前教育普及率提高到百分之九十。",
    "各位代表！",  # a text that repeats: its anchors are told apart
    "加快地铁建设。新开通地铁线路两条，轨道交通里程达到三百公里。",
]


def report(paragraphs: list[str]) -> str:
    return "2019年测试区政府工作报告\n各位代表：\n一、工作回顾\n" + "\n".join(paragraphs) + "\n"


def links(client, rid: str) -> dict[str, str]:
    """Each paragraph's anchor and the text a link to it lands on."""
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    found = re.findall(
        r'<p id="p\d+" class="para"><span class="target" id="([^"]+)"></span>.*?</a> (.*?) <button', page
    )
    return dict(found)


def indexed(tmp_path):
    """A corpus of one report of ``PARAGRAPHS``, built: its folder, index, file and a client."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    path = corpus / "ceshi-2019.txt"
    path.write_text(report(PARAGRAPHS), encoding="utf-8")
    build(corpus, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    return corpus, index, path, client


def test_links_survive_insertions_deletions_moves_formats_and_scripts(tmp_path):
    corpus, index, path, client = indexed(tmp_path)
    before = links(client, "ceshi-2019")
    assert len(before) == 7 and len(set(before.values())) == 6  # 各位代表！ twice: two anchors
    repeated = [a for a, t in before.items() if t == "各位代表！"]
    assert len(repeated) == 2 and repeated[1] == repeated[0] + "-2"
    # (a) a paragraph inserted at the top, (c) a neighbour deleted, a paragraph moved
    edited = ["新增：全面落实减税降费政策。", *PARAGRAPHS[:2], PARAGRAPHS[3], PARAGRAPHS[2]]
    path.write_text(report(edited), encoding="utf-8")
    build(corpus, index)
    after = links(client, "ceshi-2019")
    gone = {PARAGRAPHS[5], "各位代表！"}  # deleted: the 地铁 paragraph and the second 各位代表！
    kept = {a: t for a, t in before.items() if t not in gone or a == repeated[0]}
    assert len(kept) == 5 and all(after.get(a) == t for a, t in kept.items())  # each lands on its text
    # (e) the same report in Traditional characters and as Markdown: the same anchors
    path.unlink()
    traditional = opencc.OpenCC("s2t").convert(report(edited))
    assert traditional != report(edited)
    (corpus / "ceshi-2019.md").write_text(traditional, encoding="utf-8")
    build(corpus, index)
    assert set(links(client, "ceshi-2019")) == set(after)


def test_a_link_to_an_edited_or_deleted_paragraph_lands_on_the_closest_with_a_note(tmp_path):
    corpus, index, path, client = indexed(tmp_path)
    before = {t: a for a, t in links(client, "ceshi-2019").items()}
    positions = re.findall(
        r'<p id="(p\d+)" class="para"><span class="target" id="([^"]+)"',
        client.get("/reports/ceshi-2019").get_data(as_text=True),
    )
    # (b) a word edited in one paragraph, another deleted, one inserted at the top
    edited = ["新增：全面落实减税降费政策。", PARAGRAPHS[0].replace("三千套", "五千套"), *PARAGRAPHS[1:5]]
    path.write_text(report(edited), encoding="utf-8")
    build(corpus, index)
    moved = client.get("/api/reports/ceshi-2019").get_json()["moved"]
    now = {t: a for a, t in links(client, "ceshi-2019").items()}
    target, sim, opening = moved[before[PARAGRAPHS[0]]]
    assert target == now[edited[1]] and sim >= 0.5 and opening.startswith("加强住房保障工作")
    target, sim, _ = moved[before[PARAGRAPHS[5]]]  # deleted: the closest paragraph, not the same
    assert sim < 0.5 and target in now.values()
    # the positional links of the old version land on their text too
    for pid, anchor in positions:
        if anchor in set(links(client, "ceshi-2019")) and pid in moved:
            assert moved[pid][0] == anchor
    anchors_now = set(links(client, "ceshi-2019"))
    assert all(moved[pid][0] in anchors_now for pid, _ in positions if pid in moved)
    page = client.get("/reports/ceshi-2019").get_data(as_text=True)
    assert '<script type="application/json" id="moved">' in page


@pytest.mark.browser
def test_a_stale_link_opens_on_the_edited_paragraph_with_a_note(tmp_path, browser):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    path = corpus / "ceshi-2019.txt"
    path.write_text(report(PARAGRAPHS), encoding="utf-8")
    build(corpus, index)
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    stale = {t: a for a, t in links(app.test_client(), "ceshi-2019").items()}[PARAGRAPHS[1]]
    reader = app.test_client().get("/reports/ceshi-2019").get_data(as_text=True)
    first = re.search(
        r'<p id="(p\d+)" class="para"><span class="target" id="[^"]+"></span>.*?</a> 加强住房保障', reader
    )
    top = "新增：全面落实减税降费政策。"  # every paragraph's number moves down by one
    edited = [top, PARAGRAPHS[0], PARAGRAPHS[1].replace("明显提升", "大幅提升"), *PARAGRAPHS[2:]]
    path.write_text(report(edited), encoding="utf-8")
    build(corpus, index)
    with LiveServer(app) as live:
        page = browser.new_page()
        page.goto(f"{live.url}/reports/ceshi-2019#{stale}")
        page.wait_for_selector(".relinked")
        assert "大幅提升" in page.inner_text(".relinked")
        assert "此段已修改" in page.inner_text(".relink-note")
        assert "q=" in page.get_attribute(".relink-note a", "href")
        # an old #pN: its number names another paragraph now; it lands on its own text
        page.goto(f"{live.url}/reports/ceshi-2019#{first.group(1)}")
        page.reload()
        page.wait_for_selector(".relinked")
        assert "加强住房保障" in page.inner_text(".relinked") and page.locator(".relink-note").count() == 0
        page.close()


def test_a_report_keeps_its_links_when_its_file_moves(tmp_path):
    """(d) the file moved into a folder (and renamed): the old id redirects (308) to the new
    one, query kept; its paragraphs' anchors are the same; a link to an edited paragraph
    made before the move still lands on it."""
    corpus, index, path, client = indexed(tmp_path)
    before = links(client, "ceshi-2019")
    stale = {t: a for a, t in before.items()}[PARAGRAPHS[0]]
    path.unlink()
    (corpus / "测试区").mkdir()
    moved_text = report([PARAGRAPHS[0].replace("三千套", "五千套"), *PARAGRAPHS[1:]])
    (corpus / "测试区" / "2019.md").write_text(moved_text, encoding="utf-8")
    summary = build(corpus, index)
    assert summary.added == ["测试区/2019"] and summary.removed == ["ceshi-2019"]
    old = client.get("/reports/ceshi-2019", query_string={"q": "河涌"})
    assert old.status_code == 308 and old.headers["Location"].endswith(
        "/reports/%E6%B5%8B%E8%AF%95%E5%8C%BA/2019?q=%E6%B2%B3%E6%B6%8C"
    )
    assert client.get("/api/reports/ceshi-2019").status_code == 308
    after = links(client, "测试区/2019")
    assert {a: t for a, t in before.items() if a != stale} == {
        a: t for a, t in after.items() if a in before and a != stale
    }
    assert client.get("/api/reports/测试区/2019").get_json()["moved"][stale][0] in after
    assert client.get("/reports/nowhere-2019").status_code == 404
