"""The analyzers: offsets into the original text, positions, script folding."""

from __future__ import annotations

from collections import Counter
from functools import cache

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.formats import Frequency
from whoosh.query import Phrase, Term

from indexer.analysis import (
    END,
    KEYWORDS,
    BigramAnalyzer,
    FoldedFrequency,
    JiebaAnalyzer,
    dictionary_cache,
    fold,
    query_chars,
    segmenter,
)

from .conftest import SEED

TRAD = "推進白鵝潭中心商務區建設，加快河涌整治，ＧＤＰ增長6.3%。"


def test_fold_keeps_length_and_simplifies():
    assert fold(TRAD) == "推进白鹅潭中心商务区建设,加快河涌整治,gdp增长6.3%。"
    assert len(fold(TRAD)) == len(TRAD)


def test_jieba_tokens_point_into_the_original():
    tokens = [
        (t.text, t.pos, TRAD[t.startchar : t.endchar])
        for t in JiebaAnalyzer()(TRAD, positions=True, chars=True)
    ]
    for text, _, original in tokens:
        assert fold(original) == text
    words = [t for t, _, _ in tokens]
    assert "白鹅" in words and "商务区" in words and "gdp" in words
    positions = [p for _, p, _ in tokens]
    assert positions == sorted(positions)  # a running count, sub-words share their word's


def test_char_tokens_cover_every_character_with_its_bigram():
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in BigramAnalyzer()("河 涌整", positions=True, chars=True)
    ]
    assert tokens == [("河涌", 0, 0, 3), ("涌整", 1, 2, 4), ("整" + END, 2, 3, 4)]


@given(st.text(alphabet=st.sampled_from(list("河涌發展经济ＡＢab12 .%，。")), max_size=40))
@settings(max_examples=200, deadline=None)
def test_every_token_slices_the_original_to_its_text(text):
    for analyzer in (JiebaAnalyzer(), BigramAnalyzer()):
        for t in analyzer(text, positions=True, chars=True):
            original = text[t.startchar : t.endchar]
            assert fold(original).replace(" ", "") == t.text.removesuffix(END)


def test_simplified_query_finds_traditional_text():
    schema = Schema(
        content=TEXT(analyzer=JiebaAnalyzer(), phrase=True),
        chars=TEXT(analyzer=BigramAnalyzer(), phrase=True),
    )
    ix = RamStorage().create_index(schema)
    with ix.writer() as w:
        w.add_document(content=TRAD, chars=TRAD)
    with ix.searcher() as s:
        assert len(s.search(Term("content", fold("白鹅")))) == 1
        assert len(s.search(Phrase("chars", query_chars(fold("鹅潭中心"))))) == 1
        assert len(s.search(Phrase("chars", query_chars(fold("潭中心商务区"))))) == 1
        assert len(s.search(Phrase("chars", query_chars(fold("中心潭"))))) == 0


@given(st.text(alphabet=st.sampled_from(list("河涌發展经济发展白鹅潭ＡＢab12 .%，。")), max_size=60))
@settings(max_examples=200, deadline=None)
def test_the_builds_postings_are_what_whooshs_formats_write(text):
    """The shortcuts past Whoosh's Token objects (the folded format, and the build's own
    analysis of a text, indexer.shard) change the cost of indexing, not a byte."""
    from collections import Counter

    from indexer.analysis import Analyzed, word_tokens

    for analyzer in (JiebaAnalyzer(), BigramAnalyzer()):
        for boost in (1.0, 2.0):
            ours = sorted(FoldedFrequency(field_boost=boost).word_values(text, analyzer, mode="index"))
            whooshs = sorted(Frequency(field_boost=boost).word_values(text, analyzer, mode="index"))
            assert ours == whooshs
    whooshs = sorted(Frequency().word_values(text, BigramAnalyzer(), mode="index"))
    build = Analyzed.frequencies(_bigrams("".join(fold(text).split()))[0])
    assert sorted(FoldedFrequency().word_values(build, None)) == whooshs
    whooshs = sorted(Frequency().word_values(text, JiebaAnalyzer(), mode="index"))
    build = Analyzed.frequencies(Counter(w for w, _, _, _ in word_tokens(fold(text))))
    assert sorted(FoldedFrequency().word_values(build, None)) == whooshs


@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("河涌發展经济发展白鹅潭ab1%，\ud800")), max_size=300),
        max_size=6,
    )
)
@settings(max_examples=200, deadline=None)
def test_a_shards_substring_postings_are_those_of_its_texts_one_by_one(texts):
    """The chars and chars1 postings a shard computes as arrays over all its texts are what
    adding each text's bigrams and characters one by one gives (indexer.shard._Postings)."""
    from collections import Counter

    from indexer.shard import _Postings, _substrings

    grams, chars = _Postings(), _Postings()
    for doc, text in enumerate(texts):
        grams.add(doc, *_bigrams(text))
        chars.add(doc, Counter(text), _firsts(list(text)))
    for ours, theirs in zip(_substrings(texts), (grams, chars), strict=True):
        assert list(ours.terms.items()) == list(theirs.terms.items())
        assert sorted(zip(ours.tids, ours.docs, ours.weights, ours.first, strict=True)) == sorted(
            zip(theirs.tids, theirs.docs, theirs.weights, theirs.first, strict=True)
        )


@given(
    st.text(
        alphabet=st.sampled_from(list("河涌發展经济发展白鹅潭中华人民共和国ＡＢab12 .%，。")), max_size=80
    )
)
@settings(max_examples=200, deadline=None)
def test_a_shards_words_and_keywords_are_those_of_the_tokenizers(text):
    """The shard writer's one pass over a text's cut (words) gives word_tokens' words, and
    the keywords and ranks computed from it are those of the text on its own."""
    from indexer.analysis import is_traditional, keyword_ranks, keywords, word_tokens, words

    folded = fold(text)
    searched, own = words(folded)
    assert searched == [w for w, _, _, _ in word_tokens(folded, search_mode=True)]
    assert own == [w for w, _, _, _ in word_tokens(folded, search_mode=False)]
    assert keyword_ranks(text, own) == keyword_ranks(text)
    assert list(keyword_ranks(text, own)) == keywords(folded) or is_traditional(text)


def test_keywords_are_jieba_extract_tags_ranking_of_the_folded_text():
    """A paragraph's keywords (indexed with their rank, for ranking by what a paragraph is
    about) are jieba.analyse's TF-IDF keywords of its folded text, in the same order."""
    import warnings

    from indexer.analysis import keywords

    with warnings.catch_warnings():  # jieba reads idf.txt without closing the file
        warnings.simplefilter("ignore", ResourceWarning)
        from jieba.analyse import default_tfidf as extractor
    text = SEED.read_text(encoding="utf-8")
    paragraphs = [fold(p) for p in text.splitlines() if len(p) > 40][:40]
    assert len(paragraphs) == 40
    for p in paragraphs:
        expected = [w for w in extractor.extract_tags(p, topK=None) if any(ch.isalnum() for ch in w)]
        assert keywords(p, limit=None) == expected
        assert keywords(p) == expected[:KEYWORDS]


def test_a_traditional_paragraphs_keywords_include_those_of_its_own_cut():
    """jieba cuts 基礎設施 as 基礎 設施 in Traditional text but 基础设施 in Simplified: a
    reader picking keywords from the text they read gets the first, so both count."""
    from indexer.analysis import keyword_ranks, keywords

    text = "基礎設施建設有新成效。如意坊隧道及其放射線、快捷路二期納入廣州市2017年重點建設預備項目。"
    assert "设施" not in keywords(fold(text))[:3]
    ranks = keyword_ranks(text)
    assert ranks["建设"] == 1 and ranks["基础"] <= 3 and ranks["设施"] <= 3


@given(st.text(min_size=100, max_size=400) | st.text(alphabet=st.characters(), min_size=100, max_size=400))
@settings(max_examples=200, deadline=None)
def test_a_long_text_is_folded_as_str_translate_folds_it(text):
    """Texts long enough are folded as arrays of code points (indexer.analysis._translate):
    the same characters as the fold table's one by one, lone surrogates and all."""
    from indexer.analysis import _FOLD, _translate

    text = text + "\ud800臺灣ＡＢ"
    assert _translate(text) == text.translate(_FOLD)
    assert fold(text * 12) == (text * 12).translate(_FOLD)


def _firsts(items: list[str]) -> dict[str, int]:
    """Where each of ``items`` first stands among the first ``PREFIX_CHARS``."""
    from indexer.shard import PREFIX_CHARS

    first: dict[str, int] = {}
    for at, item in enumerate(items[:PREFIX_CHARS]):
        first.setdefault(item, at)
    return first


def _bigrams(stripped: str) -> tuple[Counter[str], dict[str, int]]:
    """The bigrams the chars field indexes, text by text (each character with the next, the
    last with ``END``), counted, and where each first starts: what a shard computes for all
    its texts at once (indexer.shard._substrings)."""
    if not stripped:
        return Counter(), {}
    grams = [a + b for a, b in zip(stripped, stripped[1:] + END, strict=True)]
    return Counter(grams), _firsts(grams)


@cache
def _jieba() -> jieba.Tokenizer:
    """jieba's own tokenizer over the same dictionary, the reference :class:`Segmenter` cuts as."""
    reference = jieba.Tokenizer()
    reference.initialize()
    return reference


# the characters of a report, its punctuation and white space, Latin letters, digits and
# the signs jieba keeps inside a block (+#&._%-), characters its dictionary lacks, and
# some that are no word on their own but start one (仫佬族, 偺们)
_CUT_ALPHABET = list("推进白鹅潭中心商务区建设加快河涌整治增长改革开放经济发展坚持以人民为中心醃鱻犇龘")
_CUT_ALPHABET += ["仫", "佬", "族", "偺", "们", "仫佬", "偺们", "改革", "开放"]
_CUT_ALPHABET += list("，。、；：！？（）“”《》 \t\n\r\u3000ＧＤＰgdpAB0123456789+#&._%-")


@given(st.lists(st.sampled_from(_CUT_ALPHABET), max_size=100).map("".join))
@settings(max_examples=400, deadline=None)
def test_the_segmenter_cuts_as_jieba_does(text):
    """This project's jieba tokenizer finds jieba's own words, in jieba's order (accurate
    mode with HMM, the cut of every text), and its other modes are jieba's."""
    seg = segmenter()
    assert list(seg.cut(text)) == list(_jieba().cut(text))
    assert list(seg.cut(text)) == list(seg.cut(text))  # a block's cut kept, given again
    assert list(seg.tokenize(text, mode="search")) == list(_jieba().tokenize(text, mode="search"))
    assert list(seg.cut(text, HMM=False)) == list(_jieba().cut(text, HMM=False))


def test_the_segmenter_cuts_the_seed_report_as_jieba_does():
    """Every line of a real report, folded and as written (Traditional)."""
    for line in SEED.read_text(encoding="utf-8").splitlines():
        for text in (line, fold(line)):
            assert list(segmenter().cut(text)) == list(_jieba().cut(text))


def test_what_is_made_from_the_dictionary_is_kept_and_made_again_when_damaged(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    made = []

    def make() -> dict[str, int]:
        made.append(1)
        return {"政府": 1}

    assert dictionary_cache(segmenter(), "test", make) == {"政府": 1}
    assert dictionary_cache(segmenter(), "test", make) == {"政府": 1} and len(made) == 1  # kept
    [kept] = (tmp_path / "gov-report-search").glob("test-*.pickle")
    kept.write_bytes(kept.read_bytes()[:10])  # cut short
    assert dictionary_cache(segmenter(), "test", make) == {"政府": 1} and len(made) == 2
    assert dictionary_cache(segmenter(), "test", make) == {"政府": 1} and len(made) == 2  # kept again
