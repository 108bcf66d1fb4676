"""New wording (indexer.novelty): phrases read from what the shards keep, what a report is
compared with, incremental builds that recompute a place and keep the rest, and the national
series of the shipped library, whose first-time terms every reader knows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.analysis import fold, segmenter, word_starts
from indexer.build import build
from indexer.generation import Generation
from indexer.novelty import NOVELTY, TERMS, Library, NoveltyPack, phrases
from indexer.schema import REPORT as REPORT_KIND
from indexer.shard import KINDS, compact
from indexer.store import current_path
from indexer.targets import read as read_targets
from indexer.words import Words, string_hashes

from .conftest import ROOT


def words_of(*texts: str) -> Words:
    starts = b"".join(word_starts(fold(t), compact(t)) for t in texts)
    return Words.of([compact(t) for t in texts], np.frombuffer(starts, np.uint8))


def test_a_phrase_is_named_by_its_characters_wherever_it_stands():
    words = words_of("加快发展新质生产力。", "新质生产力发展")
    found = phrases(words, np.zeros(2, bool), np.zeros(2, np.int64))
    target = string_hashes(["新质生产力"])[0]
    assert (found.hash == target).sum() == 2
    assert set(found.doc[found.hash == target].tolist()) == {0, 1}


def test_a_term_stands_between_stops_and_a_fragment_does_not():
    words = words_of("积极打造商业航天、低空经济等新增长引擎。")
    found = phrases(words, np.zeros(1, bool), np.zeros(1, np.int64))
    term = dict(zip(found.hash.tolist(), found.term.tolist(), strict=True))
    assert term[int(string_hashes(["低空经济"])[0])]
    assert not term.get(int(string_hashes(["空经济"])[0]), False)
    # a phrase never starts with a word that leads one (积极, 打造) nor ends with a function word
    assert int(string_hashes(["积极打造"])[0]) not in term
    assert int(string_hashes(["低空经济等"])[0]) not in term


def test_what_a_report_is_compared_with():
    record = {
        "summaries": {
            rid: {"place": place, "region": place[-1], "year": year}
            for rid, place, year in [
                ("全国/2020", ["全国"], 2020),
                ("全国/2021", ["全国"], 2021),
                ("广东省/2020", ["广东省"], 2020),
                ("广东省/2021", ["广东省"], 2021),
                ("广州市/2022", ["广东省", "广州市"], 2022),
                ("海拉尔区/2021", ["内蒙古自治区", "呼伦贝尔市", "海拉尔区"], 2021),
            ]
        }
    }
    library = Library.of(record)
    assert library.compared_with("全国/2020") == []  # nothing earlier: nothing is new
    assert library.compared_with("全国/2021") == ["全国/2020"]
    assert library.compared_with("广东省/2021") == ["广东省/2020", "全国/2021"]
    assert library.compared_with("海拉尔区/2021") == ["全国/2021"]  # no earlier report of its place
    assert library.compared_with("广州市/2022") == ["全国/2021"]  # nor a national one of its year
    assert library.previous("广东省/2021") == "广东省/2020"


def test_the_words_read_from_a_built_shard_are_jiebas_and_each_document_keeps_its_anchor(index_dir):
    """What the shard keeps (its texts, UTF-16, and a bit per character where a word starts)
    gives back jieba's words of each paragraph, for the whole shard and for a few documents."""
    gen = Generation(current_path(index_dir))
    shard = gen.shards[0]
    docs = np.flatnonzero(shard.data["kind"] != KINDS[REPORT_KIND])
    with gen.searcher() as s:
        stored = {(d["report_id"], d["anchor"]): d["text"] for d in s.documents() if d.get("anchor")}
    some = docs[::7]
    for chosen in (np.arange(shard.docs), some):
        words = Words.of_shard(shard, chosen)
        cut: dict[int, list[str]] = {}
        for i, d in enumerate(words.doc.tolist()):
            cut.setdefault(d, []).append(words.text(int(words.start[i]), int(words.end[i])))
        for i, d in enumerate(chosen.tolist()):
            anchor = shard.anchors[d]
            report = shard.info["reports"][shard.data["report"][d]]
            if d not in docs:
                assert anchor == "" and i not in cut  # a report's own document: no text
                continue
            text = stored[(report, anchor)]
            expected = [w for w, _, _ in segmenter().tokenize(fold(text), HMM=True) if not w.isspace()]
            assert cut[i] == ["".join(w.split()) for w in expected if "".join(w.split())], (report, anchor)


REPORT = """{year}年{place}政府工作报告
——{year}年1月20日在{place}人民代表大会上
各位代表：
一、{last}年工作回顾
过去一年，我们推进河涌综合整治，改善城市环境。
二、{year}年工作安排
今年经济社会发展的主要预期目标是：地区生产总值增长{gdp}左右，城镇新增就业{jobs}万人以上。
{body}
"""


def write(corpus: Path, place: str, year: int, body: str, gdp: str = "6%") -> None:
    folder = corpus / place
    folder.mkdir(parents=True, exist_ok=True)
    text = REPORT.format(year=year, last=year - 1, place=place, body=body, gdp=gdp, jobs=year - 2000)
    (folder / f"{year}.txt").write_text(text, encoding="utf-8")


def entries(index: Path) -> dict[str, dict]:
    pack = NoveltyPack(current_path(index))
    return {rid: json.loads(raw) for rid, raw in pack.raw().items()}


def terms(entry: dict) -> list[str]:
    return [t["term"] for t in entry["new"]]


@pytest.mark.slow
def test_adding_a_report_to_a_places_past_recomputes_that_place_and_keeps_the_rest(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus, "测试市", 2021, "加强基层治理，完善社区服务。")
    write(corpus, "测试市", 2023, "深入开展“无废城市”建设，推广“一网统管”。加强基层治理。")
    write(corpus, "其他市", 2023, "建设“智慧港口”，发展临港产业。")
    build(corpus, index)
    before = entries(index)
    inodes = {p.name: p.stat().st_ino for p in (current_path(index) / TERMS).iterdir()}
    assert {"无废城市", "一网统管"} <= set(terms(before["测试市/2023"]))
    assert before["测试市/2023"]["compared_with"] == ["测试市/2021"]
    first = before["测试市/2023"]["new"][terms(before["测试市/2023"]).index("无废城市")]
    assert first["paragraphs"] == 1 and first["anchor"].startswith("t")

    write(corpus, "测试市", 2022, "启动“无废城市”试点，打造“零碳社区”。", gdp="5.5%")
    build(corpus, index)
    after = entries(index)
    new_gen = current_path(index)
    assert "无废城市" in terms(after["测试市/2022"])  # said first in 2022 now …
    assert "无废城市" not in terms(after["测试市/2023"])  # … so no longer new in 2023
    assert after["测试市/2023"]["compared_with"] == ["测试市/2021", "测试市/2022"]
    assert after["其他市/2023"] == before["其他市/2023"]  # another place is kept as it was
    kept = [name for name in inodes if (new_gen / TERMS / name).exists()]  # the kept shards' terms: linked
    assert kept and all((new_gen / TERMS / name).stat().st_ino == inodes[name] for name in kept)
    # the targets of the report arrive with it, the others' stay
    rows = {(t["report_id"], t["indicator"]): t["text"] for t in read_targets(new_gen)}
    assert rows[("测试市/2022", "gdp")] == "5.5%左右"
    assert rows[("测试市/2023", "gdp")] == "6%左右" and rows[("其他市/2023", "jobs")] == "23万人以上"

    (corpus / "测试市" / "2022.txt").unlink()
    build(corpus, index)
    again = entries(index)
    assert "测试市/2022" not in again and "无废城市" in terms(again["测试市/2023"])
    assert not any(t["report_id"] == "测试市/2022" for t in read_targets(current_path(index)))


def test_a_generation_keeps_its_new_wording_beside_its_shards(index_dir):
    gen = current_path(index_dir)
    assert (gen / NOVELTY).is_file() and any((gen / TERMS).iterdir())
    manifest = json.loads((gen / "MANIFEST.json").read_text(encoding="utf-8"))
    assert NOVELTY in manifest and any(name.startswith(f"{TERMS}/") for name in manifest)


# --- the national series of the shipped library -----------------------------------------------

PROOF = {
    2024: ["新质生产力", "低空经济"],
    2021: ["碳达峰", "新发展格局"],
    2018: ["乡村振兴", "雄安新区"],
    2016: ["供给侧结构性改革"],
    2015: ["互联网＋", "新常态"],
}
NEAR_THE_TOP = 10
COMMON = ["发展", "改革", "建设", "经济", "社会", "工作"]


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> dict[str, dict]:
    """The new wording of every report of the shipped library (its national series is
    ranked with what the other places say too), built as a user builds it."""
    root = tmp_path_factory.mktemp("library")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    build(root / "corpus", root / "index")
    return entries(root / "index")


@pytest.mark.slow
@pytest.mark.parametrize("year,expected", sorted(PROOF.items()))
def test_the_national_reports_first_time_terms_come_near_the_top(national, year, expected):
    listed = [fold(t) for t in terms(national[f"全国/{year}"])]
    for term in expected:
        assert fold(term) in listed[:NEAR_THE_TOP], (year, term, listed)


@pytest.mark.slow
def test_common_words_are_never_new_and_the_first_report_has_nothing_to_compare_with(national):
    for rid, entry in national.items():
        assert not set(COMMON) & set(terms(entry)), rid
    assert national["全国/1954"] == {"report_id": "全国/1954", "compared_with": [], "new": [], "dropped": []}
    assert national["全国/2024"]["compared_with"][-1] == "全国/2023"
    dropped = national["全国/2024"]["dropped"]
    assert dropped and all(d["last_seen"] == "全国/2023" for d in dropped)
