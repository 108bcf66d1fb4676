"""Short forms and near-synonyms: mined from the reports by the build, kept with the generation,
searched together with the wording typed (both ways, both scripts), said on the page and in the
API, switched off by ``expand=0`` and by quotes, and ranked below the wording typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.build import build
from indexer.shortforms import REVIEWED, SHORTFORMS, Pair, Wordings, mine, reviewed, valid
from indexer.store import read_manifest
from search import create_app

# --- mining --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("深入推进大众创业、万众创新（以下简称“双创”），激发活力", ("双创", "大众创业、万众创新")),
        ("完善最低生活保障（以下简称“低保”）制度", ("低保", "最低生活保障")),
        ("加快推进社会保险（简称社保）扩面", ("社保", "社会保险")),
        ("推进长江三角洲（以下简称长三角）一体化", ("长三角", "长江三角洲")),
        ("在全区实施宫颈癌及乳腺癌（简称“两癌”）防治项目", ("两癌", "宫颈癌及乳腺癌")),
        ("17.“智改数转”：智能化改造和数字化转型的简称。", ("智改数转", "智能化改造和数字化转型")),
        ("[19]“双碳”：碳达峰与碳中和的简称。中国力争", ("双碳", "碳达峰与碳中和")),
        ("15.控规：是控制性详细规划的简称，指以城市总体规划", ("控规", "控制性详细规划")),
        (
            "1.“放管服”:是指简政放权、放管结合、优化服务的简称。“放”即简政放权",
            ("放管服", "简政放权、放管结合、优化服务"),
        ),
        ("坚持把“三农”即农业、农村、农民，作为重中之重", ("三农", "农业、农村、农民")),
        ("全面推進社會保險（以下簡稱“社保”）擴面", ("社保", "社會保險")),
    ],
)
def test_a_definition_gives_its_pair(text, pair):
    found = [p for p in mine(text) if valid(p.short, p.full)]
    assert Pair(*pair) in found


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("实施《珠江三角洲地区改革发展规划纲要》（以下简称《规划纲要》），", "a book title"),
        ("股票指数——香蜜湖金融科技指数(简称“金融科技”，代码", "a piece of its full form"),
        ("加强科技创新能力建设（以下简称“创新”）", "a common word on its own"),
        ("效减轻学生过重作业负担和校外培训负担（简称“双减”）", "its characters not in order"),
        ("坚持把“三农”即农业、农村、农民问题作为重中之重的工作", "parts unlike each other"),
        ("（以下简称“本规划”）", "no full form before it"),
    ],
)
def test_a_bad_pair_is_refused(text, why):
    assert [p for p in mine(text) if valid(p.short, p.full)] == [], why


def test_the_reviewed_list_reads_and_has_the_common_ones():
    rows = {(a, b) for a, b, _ in reviewed()}
    assert {("社保", "社会保险"), ("三农", "农业、农村、农民"), ("国民生产总值", "国内生产总值")} <= rows


def test_a_refused_short_form_is_never_searched_for(tmp_path):
    """千万工程 stands inside 百千万工程: the reviewed list refuses it, even where a report
    defines it."""
    (tmp_path / SHORTFORMS).write_text(
        json.dumps(
            {
                "reviewed": [["千万工程", "-", "inside 百千万工程"], ["社保", "社会保险", ""]],
                "mined": {"zhejiang/2024": [["千万工程", "千村示范、万村整治工程"]]},
            }
        ),
        encoding="utf-8",
    )
    w = Wordings.of_generation(tmp_path)
    assert w.of("千万工程") == [] and w.of("千村示范、万村整治工程") == [] and w.of("社保") == ["社会保险"]


def test_wordings_go_both_ways_and_a_listed_full_form_is_also_typed_without_its_commas():
    w = Wordings([("双创", "大众创业、万众创新")])
    assert w.of("双创示范基地") == ["大众创业、万众创新示范基地"]
    assert w.of("大众创业、万众创新") == ["双创"]
    assert w.of("创新") == []


# --- searching -----------------------------------------------------------------------------

REPORTS = {
    "ceshi-2019.txt": (
        "2019年测试县政府工作报告\n各位代表：\n一、工作回顾\n"
        "深入推进大众创业、万众创新（以下简称“双创”），全县市场活力明显增强。\n"
        "双创活动周吸引万人参加，建成示范基地三个。\n"
        "完善社会保险制度，社会保险覆盖全县城乡居民。\n"
        "社保卡发放十万张，社保扩面成效明显。\n"
        "加强科技创新，创新驱动发展成效显著。\n"
    ),
    "ceshi-2020.txt": (
        "2020年測試市政府工作報告\n各位代表：\n一、工作回顧\n"
        "支持大眾創業、萬眾創新，新登記市場主體兩萬戶。\n"
        "推進長江三角洲地區協調發展，加快區域市場一體化。\n"
        "长江三角洲一体化示范区挂牌。\n"
        "融入长三角一体化发展，承接产业转移。\n"
    ),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shortforms")
    for name, text in REPORTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(corpus, tmp_path_factory):
    index = tmp_path_factory.mktemp("shortforms-index")
    assert not build(corpus, index).refused
    return create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()


def _search(client, q: str, **args) -> dict:
    return client.get("/api/search", query_string={"q": q, "per_page": 20, **args}).get_json()


def _texts(data: dict) -> list[str]:
    return [r["snippet_html"] for r in data["results"]]


def _plain(data: dict) -> list[str]:
    return [t.replace("<mark>", "").replace("</mark>", "") for t in _texts(data)]


@pytest.mark.parametrize(
    ("q", "variant", "finds"),
    [
        ("社会保险", "社保", "社保卡发放"),  # full form -> short form
        ("社保", "社会保险", "完善"),  # short form -> full form
        ("社會保險", "社保", "社保卡发放"),  # in Traditional
        ("雙創", "大众创业、万众创新", "新登記市場主體"),  # a mined pair, found in a Traditional text
        ("大众创业万众创新", "双创", "双创活动周"),  # typed without its 、
        ("长三角", "长江三角洲", "推進"),  # from the reviewed list, in a Traditional text
    ],
)
def test_a_short_form_and_its_full_form_are_searched_together_and_said(client, q, variant, finds):
    data = _search(client, q)
    assert variant in data["also_searched"] and data["expanded"] is True
    assert any(finds in t for t in _plain(data)), _texts(data)
    page = client.get("/", query_string={"q": q}).get_data(as_text=True)
    assert f"也搜索了：{variant}" in page or f"、{variant}" in page
    assert 'data-expand="0"' in page


def test_the_wording_typed_ranks_first(client):
    """Every paragraph holding 社保 comes before those holding only 社会保险, and the other way."""
    for q, own in (("社保", "社保"), ("社会保险", "社会保险")):
        holds = [f"<mark>{own}</mark>" in t for t in _texts(_search(client, q))]
        assert holds == sorted(holds, reverse=True) and holds[0] and not holds[-1], (q, holds)


def test_the_query_in_a_variants_wording_follows_the_query_as_typed(client):
    """长江三角洲一体化: the paragraph holding it as typed, then the one holding 长三角一体化,
    then those holding its words apart (words close together would come before 长三角一体化:
    they are the wording typed)."""
    plain = _plain(_search(client, "长江三角洲一体化"))
    assert [t[:6] for t in plain] == ["长江三角洲一", "融入长三角一", "推進長江三角"], plain


def test_a_variant_does_not_flood_with_something_else(client):
    """双创 finds what it stands for, not every paragraph about 创新."""
    texts = _plain(_search(client, "双创"))
    assert len(texts) == 3 and not any("科技创新" in t for t in texts)


@pytest.mark.parametrize("q", ['"社保"', "社保"])
def test_quotes_and_the_switch_keep_the_words_as_typed(client, q):
    args = {} if q.startswith('"') else {"expand": "0"}
    data = _search(client, q, **args)
    assert data["total"] == 1 and data["also_searched"] == [] and data["expanded"] is False
    assert "社保卡" in _plain(data)[0]


def test_the_page_switched_off_says_so_and_links_back(client):
    page = client.get("/", query_string={"q": "社保", "expand": "0"}).get_data(as_text=True)
    assert "只搜输入的词，不含简称和近义词" in page and 'data-expand="1"' in page
    assert "也搜索了" not in page


def test_a_bad_switch_is_a_400(client):
    response = client.get("/api/search", query_string={"q": "社保", "expand": "maybe"})
    assert response.status_code == 400 and "expand" in response.get_json()["error"]


# --- kept with the generation, updated when reports arrive ----------------------------------


def _generation(index: Path) -> Path:
    return max(index.glob("gen-*"))


def _mined(index: Path) -> dict:
    return json.loads((_generation(index) / SHORTFORMS).read_text(encoding="utf-8"))["mined"]


def test_pairs_are_kept_with_the_generation_and_follow_the_reports(corpus, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in REPORTS:
        (folder / name).write_text((corpus / name).read_text(encoding="utf-8"), encoding="utf-8")
    index = tmp_path / "index"
    build(folder, index)
    assert _mined(index) == {"ceshi-2019": [["双创", "大众创业、万众创新"]]}
    assert SHORTFORMS in read_manifest(_generation(index))
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    assert _search(client, "控规")["total"] == 0

    (folder / "ceshi-2021.txt").write_text(
        "2021年测试区政府工作报告\n各位代表：\n一、工作回顾\n"
        "编制控制性详细规划（以下简称“控规”），覆盖全区。\n控规调整实行公示。\n",
        encoding="utf-8",
    )
    summary = build(folder, index)
    assert summary.added == ["ceshi-2021"] and not summary.rebuilt  # the others' pairs are kept
    assert _mined(index) == {
        "ceshi-2019": [["双创", "大众创业、万众创新"]],
        "ceshi-2021": [["控规", "控制性详细规划"]],
    }
    data = _search(client, "控制性详细规划")
    assert data["total"] == 2 and "控规" in data["also_searched"]

    (folder / "ceshi-2021.txt").unlink()
    build(folder, index)
    assert _mined(index) == {"ceshi-2019": [["双创", "大众创业、万众创新"]]}
    assert _search(client, "控制性详细规划")["also_searched"] == []


def test_an_edited_reviewed_list_is_a_new_generation(corpus, tmp_path, monkeypatch):
    """A pair added to the reviewed list is searched after the next build, which writes a new
    generation though no report changed."""
    index = tmp_path / "index"
    build(corpus, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    assert _search(client, "科创")["total"] == 0
    first = _generation(index)
    edited = tmp_path / "shortforms.tsv"
    edited.write_text(REVIEWED.read_text(encoding="utf-8") + "科创\t科技创新\ttest\n", encoding="utf-8")
    monkeypatch.setattr("indexer.shortforms.REVIEWED", edited)
    summary = build(corpus, index)
    assert not summary.added and not summary.updated and _generation(index) != first
    data = _search(client, "科创")
    assert data["total"] == 1 and data["also_searched"] == ["科技创新"]
