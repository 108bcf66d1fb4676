"""Similar passages (indexer.similar): a synthetic district report of 2024 that copies three
paragraphs of the national report of 2024 (one verbatim, one in Traditional characters,
one with its numbers and four words changed) and writes the rest itself; found by the
build, kept incrementally, served by the API and the reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexer.build import build
from indexer.pack import read_pack
from indexer.similar import MIN_CHARS, SIMILAR, SimilarPack, shared, wording
from indexer.store import current_path
from search import create_app

from .conftest import ROOT

DISTRICT = Path(__file__).resolve().parent / "data" / "similar"
NATIONAL = "全国/2024"
COPIES = {  # the district's paragraph (its opening words) -> the national paragraph it copies
    "深入推进数字经济创新发展": "深入推进数字经济创新发展",
    "積極培育新興產業和未來產業": "积极培育新兴产业和未来产业",
    "积极的财政政策要持续加力": "积极的财政政策要适度加力",
}
OWN = "扎实推进珠江新城"  # a paragraph the district wrote itself
CHANGED_WORDS = ("持续", "完善", "压减", "反对")  # in the copy with new numbers: 适度, 优化, 严控, 制止


def corpus(tmp: Path, with_district: bool = True) -> Path:
    out = tmp / "corpus"
    (out / "全国").mkdir(parents=True)
    shutil.copy(ROOT / "corpus" / "全国" / "2024.md", out / "全国" / "2024.md")
    if with_district:
        shutil.copytree(DISTRICT, out, dirs_exist_ok=True)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("similar")
    source = corpus(tmp)
    index = tmp / "index"
    summary = build(source, index)
    assert not summary.refused
    return source, index


@pytest.fixture(scope="module")
def client(built):
    source, index = built
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "CORPUS_DIR": str(source)})
    return app.test_client()


def district_id(client) -> str:
    ids = [r["id"] for r in client.get("/api/reports").get_json()]
    (rid,) = [r for r in ids if r != NATIONAL]
    return rid


def paragraphs(client, rid: str) -> list[dict]:
    return client.get(f"/api/reports/{rid}").get_json()["paragraphs"]


def anchor_of(client, rid: str, opening: str) -> str:
    (found,) = [p["anchor"] for p in paragraphs(client, rid) if p["text"].startswith(opening)]
    return found


def test_wording_folds_script_digits_and_punctuation():
    assert wording("赤字率拟按3%安排，赤字规模4.06万亿元。") == wording(
        "赤字率拟按2.5%安排,赤字规模0.86万亿元"
    )
    assert shared(wording("一二三四五六七八九十" * 3), wording("一二三四五六七八九十" * 3 + "甲乙丙")) == 1.0
    assert shared("甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉") == 0.0
    # a copy (most pairs of a library are) is all shared, as a run-by-run count has it: a text
    # shorter than a run has none
    assert (
        shared("一二三四五六七八九十", "一二三四五六七八九十")
        == 1.0
        == shared("一二三四五六七八九十", "一二三四五六七八九十乙")
    )
    assert shared("一二三四五六七", "一二三四五六七") == 0.0 == shared("一二三四五六七", "一二三四五六七乙")


def test_each_copied_paragraph_lists_the_national_one_and_the_own_one_none(client):
    rid = district_id(client)
    for copy, original in COPIES.items():
        answer = client.get(f"/api/reports/{rid}/similar", query_string={"p": anchor_of(client, rid, copy)})
        assert answer.status_code == 200, copy
        body = answer.get_json()
        assert body["paragraph"]["anchor"] == anchor_of(client, rid, copy)
        first = body["similar"][0]
        assert (first["report_id"], first["anchor"]) == (NATIONAL, anchor_of(client, NATIONAL, original)), (
            copy
        )
        assert first["title"] == "2024年国务院政府工作报告" and first["year"] == 2024
        assert first["place"] == ["全国"]
        assert 0.8 <= first["shared"] <= 1.0 and first["text"].startswith(original)
    own = client.get(f"/api/reports/{rid}/similar", query_string={"p": anchor_of(client, rid, OWN)})
    assert own.status_code == 200 and own.get_json()["similar"] == []
    # nothing else of the district's is a copy: the three, and only they, are paired
    pack = SimilarPack(
        current_path(client.application.config["INDEX_DIR"] and Path(client.application.config["INDEX_DIR"]))
    )
    assert sorted(pack.of_report(rid)) == sorted(anchor_of(client, rid, c) for c in COPIES)


def test_the_verbatim_copy_shares_everything_and_the_national_paragraph_lists_the_copy(client):
    rid = district_id(client)
    body = client.get(
        f"/api/reports/{rid}/similar", query_string={"p": anchor_of(client, rid, "深入推进数字经济")}
    ).get_json()
    assert body["similar"][0]["shared"] == 1.0
    back = client.get(
        f"/api/reports/{NATIONAL}/similar", query_string={"p": body["similar"][0]["anchor"]}
    ).get_json()
    assert [s["report_id"] for s in back["similar"]] == [rid]


@pytest.mark.parametrize(
    "path, status",
    [
        ("/api/reports/nowhere/2024/similar?p=abc", 404),
        ("/api/reports/全国/2024/similar?p=nothere", 404),
        ("/api/reports/全国/2024/similar", 400),
        ("/api/reports/全国/2024/similar?p=", 400),
    ],
)
def test_unknown_report_or_anchor_is_a_4xx(client, path, status):
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.get_json()["status"] == status


def test_the_reader_shows_the_count_and_the_list(client):
    rid = district_id(client)
    html = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert html.count("相似段落 1") == 3
    assert "2024年国务院政府工作报告" in html


def test_the_side_by_side_marks_the_changed_words(client):
    rid = district_id(client)
    page = client.get(
        f"/reports/{rid}/similar",
        query_string={
            "p": anchor_of(client, rid, "积极的财政政策"),
            "with": NATIONAL,
            "a": anchor_of(client, NATIONAL, "积极的财政政策要适度加力"),
        },
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # the district's own words on its side, the national report's on the other
    left, right = html.split('<p class="pair-text">')[1:3]
    for word in CHANGED_WORDS:
        assert f"<del>{word}</del>" in left and f"<ins>{word}" not in right, word
    for word in ("适度", "优化", "严控", "制止"):
        assert f"<ins>{word}</ins>" in right and f"<del>{word}" not in left, word
    # the changed numbers too, each whole
    assert "<del>2.5</del>%" in left and "<ins>3</ins>%" in right
    assert "<del>0.86</del>万亿元" in left and "<ins>4.06</ins>万亿元" in right
    # four words, eight numbers (1万亿元 → 60亿元 one edit): nothing else is marked
    assert left.count("<del>") == 4 + 7 and right.count("<ins>") == 4 + 7


def test_a_report_added_later_is_found_by_the_stored_keys_and_removed_with_its_pairs(tmp_path):
    source = corpus(tmp_path, with_district=False)
    index = tmp_path / "index"
    build(source, index)
    assert SimilarPack(current_path(index)).rows() == []
    shutil.copytree(DISTRICT, source, dirs_exist_ok=True)
    summary = build(source, index)
    assert len(summary.added) == 1 and not summary.rebuilt
    rows = SimilarPack(current_path(index)).rows()
    assert len(rows) == 6 and {r[0] for r in rows} == {NATIONAL, summary.added[0]}
    assert (current_path(index) / SIMILAR).exists()
    shutil.rmtree(source / "天河区")
    build(source, index)
    assert SimilarPack(current_path(index)).rows() == []


def test_a_builds_pairs_are_the_kept_ones_and_the_new_ones_as_if_written_anew(tmp_path):
    """A build writes the served pairs of the reports it keeps as they are stored and puts the
    new ones in among them: the pack is the one written from every row, sorted (so a
    paragraph's rows are found by halving), and a removed report's pairs are gone."""
    import random

    from indexer.similar import write

    rng = random.Random(31)
    reports = [f"r{i:02d}" for i in range(12)]

    def pairs(n: int, among: list[str]) -> list[tuple[str, str, str, str, int]]:
        out = []
        for _ in range(n):
            a, b = rng.sample(among, 2)
            x, y, share = f"{rng.randrange(40):x}p", f"{rng.randrange(40):x}q", rng.randrange(80, 101)
            out += [(a, x, b, y, share), (b, y, a, x, share)]
        return out

    first = pairs(300, reports[:10])
    for name in ("old", "merged", "anew"):
        (tmp_path / name).mkdir()
    write(tmp_path / "old" / SIMILAR, first)
    gone = {"r03", "r07"}
    fresh = pairs(40, ["r03", "r10", "r11", "r05"])  # r03 written again, two new reports
    write(tmp_path / "merged" / SIMILAR, fresh, SimilarPack(tmp_path / "old"), gone)
    kept = [r for r in first if r[0] not in gone and r[2] not in gone]
    write(tmp_path / "anew" / SIMILAR, kept + fresh)
    arrays = [
        {k: v.tolist() for k, v in read_pack(tmp_path / n / SIMILAR).items()} for n in ("merged", "anew")
    ]
    assert arrays[0] == arrays[1]
    merged = SimilarPack(tmp_path / "merged")
    assert merged.rows() == sorted(set(kept + fresh)) and len(merged.rows()) > 300
    for rid, x, b, y, share in kept + fresh:
        assert (b, y, share / 100) in {(p.report_id, p.anchor, p.shared) for p in merged.of_paragraph(rid, x)}


def test_a_report_written_again_is_compared_through_the_keys_near_it_as_through_all(built, monkeypatch):
    """An incremental build sorts only the keys of the rows near a fresh one (each with
    every row holding it): the candidate pairs are those the whole library's keys give."""
    import numpy as np

    from indexer import similar

    s = similar._sketched(current_path(built[1]))
    for rid in range(len(s.reports)):
        fresh = s.report == rid
        near = similar.candidates(s, fresh)
        with monkeypatch.context() as m:
            m.setattr(similar, "_holding", lambda keys, wanted: np.ones(len(keys), bool))
            assert similar.candidates(s, fresh) == near
    assert any(similar.candidates(s, s.report == rid) for rid in range(len(s.reports)))
    # a row sharing a key with the fresh one holds a formula too (a key of 4 places and 4
    # years), which the fresh row does not: it is left out, so the formula's every row counts
    keys = np.array([[1, 10], [1, 2], [3, 2], [4, 2], [5, 2], [6, 2], [7, 8]], np.uint64)
    rows = len(keys)
    made = similar._Sketched(
        keys,
        np.arange(rows),
        np.arange(rows),
        2000 + np.arange(rows),
        np.zeros(rows, int),
        np.arange(rows),
        [f"r{i}" for i in range(rows)],
        [],
    )
    fresh = np.arange(rows) == 0
    assert similar.candidates(made, fresh) == set()
    made.keys[1, 1] = 9  # no formula: the copy is found
    assert similar.candidates(made, fresh) == {(0, 1)}


def test_short_paragraphs_are_not_compared():
    from indexer.similar import band_keys

    assert band_keys("现在，我代表区人民政府，向大会报告工作，请予审议。") is None
    assert band_keys("数" * MIN_CHARS) is not None


def test_a_signature_is_datasketchs_minhash():
    from datasketch import MinHash

    from indexer.similar import PERMUTATIONS, _shingle_hashes, signature, wording

    text = "今年政府工作的总体要求是，坚持稳中求进工作总基调，完整准确全面贯彻新发展理念" * 3
    m = MinHash(num_perm=PERMUTATIONS, seed=1, hashfunc=int)
    m.update_batch(sorted(set(_shingle_hashes(wording(text)).tolist())))
    sig = signature(text)
    assert sig is not None and sig.dtype == m.hashvalues.dtype
    assert sig.tolist() == m.hashvalues.tolist()


def test_a_search_result_says_where_else_it_appears_and_the_report_who_shares_most(client):
    rid = district_id(client)
    html = client.get("/", query_string={"q": "深入推进数字经济创新发展"}).get_data(as_text=True)
    assert html.count("另见 1 份报告") == 2  # the national paragraph and the district's copy
    assert "另见" not in client.get("/", query_string={"q": "猎德涌"}).get_data(as_text=True)
    page = client.get(f"/reports/{rid}").get_data(as_text=True)
    shared_with = page.split('<details class="shared-with">')[1].split("</details>")[0]
    assert "2024年国务院政府工作报告" in shared_with and "3 段" in shared_with
    assert '<span class="earliest">库中更早</span>' in shared_with  # the national report came first
    national = client.get(f"/reports/{NATIONAL}").get_data(as_text=True)
    assert "天河区" in national and '<span class="earliest">' not in national


def test_the_earlier_report_is_marked_earliest_in_the_library_and_never_a_source(client):
    rid = district_id(client)
    html = client.get(f"/reports/{rid}").get_data(as_text=True)
    assert html.count('<span class="earliest">库中最早</span>') == 3  # the national report, 5 March
    national = client.get(f"/reports/{NATIONAL}").get_data(as_text=True)
    assert "库中最早" not in national  # the district's report came after it
    assert "出处" not in html.replace("不一定是出处", "") and "来源于" not in html
