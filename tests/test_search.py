"""Finding every passage: substrings in either script, variants, the query language, ranking."""

from __future__ import annotations

import re

import opencc
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from indexer.analysis import fold
from indexer.schema import HEADING, PARAGRAPH
from search.engine import IndexHandle, search
from search.query import filter_query, needles, parse, to_whoosh
from search.snippets import match_spans

S2T, T2S = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")


@pytest.fixture(scope="module")
def handle(index_dir):
    return IndexHandle(index_dir)


@pytest.fixture(scope="module")
def blocks(handle):
    with handle.searcher() as s:
        return sorted((d["report_id"], d["block_id"], d["text"]) for kind in (PARAGRAPH, HEADING)
                      for d in s.documents(kind=kind))


def found(handle, q: str) -> set[tuple[str, str]]:
    parsed = parse(q)
    with handle.searcher() as s:
        return {(h["report_id"], h["block_id"])
                for h in s.search(to_whoosh(parsed), filter=filter_query(parsed), limit=None)}


def _typeable(q: str) -> bool:
    """A cut string a user could type as one literal term (no space, quote or operator)."""
    return not re.search(r'[\s"“”「」『』]', q) and not q.startswith("-") and q != "OR" and \
        any(ch.isalnum() for ch in q) and not re.match(r"(?i)(year|region|report)[:：]", q)


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # of the fixtures
@given(which=st.integers(min_value=0), size=st.integers(1, 6), where=st.integers(min_value=0))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_substring_in_either_script_finds_its_paragraph(handle, blocks, which, size, where):
    """A 1–6-character string cut from an indexed paragraph, typed as cut and in the other
    script, finds that paragraph; every marked span folds to one of the query's forms."""
    rid, bid, text = blocks[which % len(blocks)]
    size = min(size, len(text))
    start = where % (len(text) - size + 1)
    q = text[start:start + size]
    assume(_typeable(q))
    other = T2S.convert(q) if fold(q) != q else S2T.convert(q)
    for typed in (q, other):
        assert (rid, bid) in found(handle, typed), typed
        forms = {v.replace(" ", "") for v in needles(parse(typed))}
        for s, e in match_spans(text, needles(parse(typed))):
            assert re.sub(r"\s", "", fold(text[s:e])) in forms


@pytest.mark.parametrize("q", ["6.3%", "GDP", "ＧＤＰ", "１９９８", "PM2.5", "的", "荔", "2016"])
def test_numbers_latin_and_single_characters_match_like_grep(handle, blocks, q):
    truth = {(r, b) for r, b, t in blocks if fold(q) in re.sub(r"\s", "", fold(t))}
    assert found(handle, q) == truth


@pytest.mark.parametrize("mainland, taiwan", [("互联网", "網際網路"), ("优化", "最佳化"),
                                              ("地铁", "捷運")])
def test_mainland_wording_finds_and_marks_taiwan_wording(handle, blocks, mainland, taiwan):
    truth = {(r, b) for r, b, t in blocks if taiwan in t}
    assert truth and truth <= found(handle, mainland)
    with handle.searcher() as s:
        result = search(s, mainland, parse(mainland), per_page=100)
    assert any(f"<mark>{taiwan}</mark>" in str(h.snippet_html) for h in result.hits)


def test_query_language(handle, blocks):
    both = found(handle, "河涌 整治")
    assert both and all("河涌" in fold(t) and "整治" in fold(t) for r, b, t in blocks if (r, b) in both)
    assert found(handle, "河涌 -整治").isdisjoint(both)
    assert found(handle, "河涌 OR 整治") >= both | found(handle, "河涌") | found(handle, "整治")
    years = {r: b for r, b in found(handle, "year:2017 发展")}
    assert years and all(r in ("guangzhou-liwan-2017", "dxcarl/national-2017") for r in years)
    assert {r for r, _ in found(handle, "year:2018-2018 发展")} <= {
        "lawtext-gov/guangzhou-city-2018", "derived/hulunbuir-hailar-2018-traditional"}
    assert {r for r, _ in found(handle, "region:荔湾 发展")} == {"guangzhou-liwan-2017"}
    phrase = found(handle, '"经济 发展"')
    assert phrase == found(handle, "经济发展")


def test_whole_word_ranks_above_substring(handle):
    with handle.searcher() as s:
        hits = search(s, "民生", parse("民生"), per_page=100).hits
    texts = [re.sub(r"<[^>]+>", "", str(h.snippet_html)) for h in hits]
    word = [i for i, t in enumerate(texts) if "民生" in t.replace("人民生", "")]
    only_sub = [i for i, t in enumerate(texts) if "民生" not in t.replace("人民生", "")]
    assert word and only_sub and max(word[:5]) < min(only_sub)


def test_suggestions_when_nothing_is_found(handle):
    from search.engine import suggestions

    def labels(q):
        with handle.searcher() as s:
            return {h.label: h.query for h in suggestions(s, q, parse(q))}

    assert labels("河涌整治行动计划")["换用繁体：河涌整治行動計劃"] == "河涌整治行動計劃"
    assert "河涌 整治 行动计划" in labels("河涌整治行动计划").values()
    assert "经济发展" in labels("经济发屏").values()  # Whoosh's corrector over indexed words
    dropped = labels("荔湾 河涌 坦克 year:2017")
    assert dropped["去掉“坦克”：荔湾 河涌"] == "荔湾 河涌 year:2017"
    assert "去掉年份和地区筛选" in dropped
