"""Places as paths through China's divisions: names in either script, shortened names, names
several places share, places the divisions do not know; and the tree reports and facets use."""

from __future__ import annotations

import pytest

from indexer.places import place_key, place_path, place_tree


@pytest.mark.parametrize(
    "name, context, path",
    [
        ("荔灣區", "", ["广东省", "广州市", "荔湾区"]),  # Traditional: the path in Simplified
        ("海拉尔区", "", ["内蒙古自治区", "呼伦贝尔市", "海拉尔区"]),
        ("广州", "", ["广东省", "广州市"]),
        ("广西", "", ["广西壮族自治区"]),
        ("新疆", "", ["新疆维吾尔自治区"]),
        ("北京市", "", ["北京市"]),
        ("国务院", "", ["全国"]),
        ("朝阳区", "", ["北京市", "朝阳区"]),
        ("朝阳区", "在长春市朝阳区第十七届人民代表大会", ["吉林省", "长春市", "朝阳区"]),
        ("番禺市", "", ["广东省", "广州市", "番禺区"]),  # since renamed: the district it became
        ("測試區", "", ["测试区"]),  # unknown: on its own, in Simplified
    ],
)
def test_a_place_is_a_path_of_the_divisions(name, context, path):
    assert place_path(name, context) == path


def test_the_tree_of_places_puts_national_first_then_provinces_with_their_cities():
    entries = [
        (["广东省", "广州市", "荔湾区"], 1, "liwan"),
        (["广东省"], 1, "guangdong"),
        (["北京市"], 1, "beijing"),
        (["全国"], 2, "national"),
        (["广东省", "深圳市"], 1, "shenzhen"),
        (["广东省", "广州市"], 1, "guangzhou"),
    ]
    tree = place_tree(entries)
    assert [n.name for n in tree] == ["全国", "北京市", "广东省"]
    guangdong = tree[2]
    assert guangdong.total == 4 and guangdong.items == ["guangdong"]
    assert [c.name for c in guangdong.children] == ["广州市", "深圳市"]
    assert guangdong.children[0].total == 2 and guangdong.children[0].children[0].items == ["liwan"]
    assert sorted([["广东省"], ["全国"], ["北京市"]], key=place_key) == [["全国"], ["北京市"], ["广东省"]]
