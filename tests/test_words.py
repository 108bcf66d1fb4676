"""Helping people find words: "did you mean" from the index's own words (by sound, one
character away, in the script typed), completion while typing, and the combobox."""

from __future__ import annotations

import re

import pytest

from search import create_app


@pytest.fixture(scope="module")
def client(index_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir)}).test_client()


def corrected(client, q: str) -> str | None:
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    m = re.search(r"data-corrected>([^<]+)<", page)
    return m.group(1) if m else None


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("河甬", "河涌"),  # sounds the same (yǒng)
        ("河涌整知", "河涌整治"),  # a piece of the typed word, by sound
        ("营商环竟", "营商环境"),
        ("旧城该造", "旧城改造"),  # one character changed
        ("營商環竟", "營商環境"),  # in the script typed
    ],
)
def test_did_you_mean_corrects_real_misspellings_from_the_index_words(client, typed, meant):
    assert corrected(client, typed) == meant


def test_did_you_mean_is_shown_only_when_it_finds_more(client):
    assert corrected(client, "河涌") is None  # a word the index holds
    assert corrected(client, "发展") is None
    page = client.get("/", query_string={"q": "河甬"}).get_data(as_text=True)
    found = int(re.search(r"data-corrected>[^<]+</a>（(\d+) 个段落）", page).group(1))
    assert found == client.get("/api/search", query_string={"q": "河涌"}).get_json()["matched"] > 0


def test_a_correction_out_of_time_is_dropped_and_the_results_served(index_dir, monkeypatch):
    """Counting a correction's paragraphs runs under the suggestions' own deadline; when it
    runs out (a busy server), the page is the search's, without a correction, not a 503."""
    from search import engine

    search = engine.search

    def slow_corrections(searcher, text, *args, **kwargs):
        if text != "河甬 year:2017":
            raise engine.SearchTimeout("the correction's count ran out of time")
        return search(searcher, text, *args, **kwargs)

    monkeypatch.setattr(engine, "search", slow_corrections)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)}).test_client()
    response = client.get("/", query_string={"q": "河甬 year:2017"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "data-corrected" not in page
    assert 'value="河甬 year:2017"' in page


def test_completion_offers_the_index_words_and_phrases_most_frequent_first(client):
    data = client.get("/api/complete", query_string={"q": "发展"}).get_json()
    counts = [c["paragraphs"] for c in data["completions"]]
    assert counts and counts == sorted(counts, reverse=True)
    assert all(c["word"].startswith("发展") and c["word"] != "发展" for c in data["completions"])
    two = client.get("/api/complete", query_string={"q": "荔灣 發展"}).get_json()["completions"]
    assert two and all(
        c["query"].startswith("荔灣 發展") for c in two
    )  # the script typed, the words before kept
    assert client.get("/api/complete", query_string={"q": ""}).get_json()["completions"] == []
    assert (
        client.get("/api/complete", query_string={"q": "黑臭"})
        .get_json()["completions"][0]["word"]
        .startswith("黑臭")
    )


@pytest.mark.browser
def test_completion_is_an_accessible_combobox(live, page):
    page.goto(live.url + "/")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.type("发展")
    page.wait_for_selector("#completions [role=option]")
    assert (
        box.get_attribute("aria-expanded") == "true" and box.get_attribute("aria-controls") == "completions"
    )
    first = page.locator("#completions [role=option]").first
    word = first.inner_text().split()[0]
    page.keyboard.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Escape")
    assert page.locator("#completions").is_hidden() and box.get_attribute("aria-expanded") == "false"
    box.type("理")
    page.wait_for_selector("#completions [role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    assert page.input_value("#q").startswith("发展理") and word
