"""Similar passages (indexer.similar) as the site shows them: the reader's 相似段落 N and its
list, ``/reports/<id>/similar?p=`` (a paragraph beside each of its similar passages, what
they share and what differs marked), ``/api/reports/<id>/similar?p=``, the 另见 N 份报告 of a
search result, and which reports share most wording with a report (earliest in the library
first)."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

from flask import Blueprint, Flask, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from indexer.analysis import SIMPLIFIED, TRADITIONAL, fold
from indexer.similar import SIMILAR, SimilarPack

from .insights import _generation_data
from .views import _meta, _moved_or_404, _searcher

pages = Blueprint("similar", __name__)
api = Blueprint("similar_api", __name__, url_prefix="/api")

ANCHOR_MAX = 40  # characters of a ``p`` argument: anchors are 8 or so


def pack() -> SimilarPack:
    value = _generation_data(SIMILAR, SimilarPack)
    assert isinstance(value, SimilarPack)
    return value


@dataclass
class Shown:
    """A paragraph as a similar-passages answer gives it."""

    report_id: str
    anchor: str
    title: str
    place: list[str]
    year: int | None
    date: str
    text: str
    shared: float = 1.0
    earliest: bool = False  # the earliest in the library of a paragraph and its similar passages

    @property
    def when(self) -> tuple[int, str]:
        return (self.year or 0, self.date)

    def to_json(self) -> dict:
        return {
            "report_id": self.report_id,
            "title": self.title,
            "place": self.place,
            "year": self.year,
            "anchor": self.anchor,
            "shared": self.shared,
            "text": self.text,
        }


def _texts(report_id: str, anchors: set[str]) -> dict[str, str]:
    """The texts of a report's paragraphs ``anchors``, from its stored documents."""
    found = _searcher().documents(report_id=report_id)
    return {d["anchor"]: d["text"] for d in found if d.get("anchor") in anchors}


def _shown(report_id: str, anchor: str, text: str, shared: float = 1.0) -> Shown:
    s = _meta().get("summaries", {}).get(report_id, {})
    place = s.get("place") or [s.get("region", "")]
    return Shown(
        report_id, anchor, s.get("title", report_id), place, s.get("year"), s.get("date") or "", text, shared
    )


@pages.app_template_global()
def similar_lists(report_id: str) -> dict[str, list[Shown]]:
    """The reader's lists: each paragraph's similar passages (by anchor), oldest first,
    without their texts."""
    return {
        a: _ordered([_shown(p.report_id, p.anchor, "", p.shared) for p in found], _shown(report_id, a, ""))
        for a, found in pack().of_report(report_id).items()
    }


def _ordered(shown: list[Shown], own: Shown) -> list[Shown]:
    """Oldest first (by year, date, then report id); the first marked the earliest in the
    library when it came before ``own``."""
    out = sorted(shown, key=lambda s: (*s.when, s.report_id, s.anchor))
    if out and out[0].when < own.when:
        out[0].earliest = True
    return out


def similar_to(report_id: str, anchor: str) -> tuple[Shown, list[Shown]] | None:
    """A paragraph and its similar passages, oldest first (with their texts), or None when
    the report holds no paragraph ``anchor``."""
    own = _texts(report_id, {anchor})
    if anchor not in own:
        return None
    found = pack().of_paragraph(report_id, anchor)
    by_report: dict[str, set[str]] = {}
    for p in found:
        by_report.setdefault(p.report_id, set()).add(p.anchor)
    texts = {rid: _texts(rid, anchors) for rid, anchors in by_report.items()}
    shown = [
        _shown(p.report_id, p.anchor, texts[p.report_id][p.anchor], p.shared)
        for p in found
        if p.anchor in texts[p.report_id]
    ]
    paragraph = _shown(report_id, anchor, own[anchor])
    return paragraph, _ordered(shown, paragraph)


def _anchor_arg() -> str:
    anchor = request.args.get("p", "").strip()
    if not anchor:
        abort(400, "缺少参数“p”：段落的锚点（如 t3kq7zd）。")
    if len(anchor) > ANCHOR_MAX:
        abort(400, f"参数“p”过长（至多 {ANCHOR_MAX} 个字符）。")
    return anchor


def _found(
    report_id: str, endpoint: str
) -> tuple[tuple[Shown, list[Shown]] | None, ResponseReturnValue | None]:
    summaries = _meta().get("summaries", {})  # first: without an index, a 503
    anchor = _anchor_arg()
    if report_id not in summaries:
        return None, _moved_or_404(report_id, endpoint)
    found = similar_to(report_id, anchor)
    if found is None:
        abort(404, f"报告 {report_id} 中没有段落 {anchor}。")
    return found, None


@api.get("/reports/<path:report_id>/similar")
def api_similar(report_id: str) -> ResponseReturnValue:
    """``{paragraph, similar: [{report_id, title, place, year, anchor, shared, text}]}``."""
    found, other = _found(report_id, "similar_api.api_similar")
    if other is not None:
        return other
    assert found is not None
    paragraph, similar = found
    return jsonify({"paragraph": paragraph.to_json(), "similar": [s.to_json() for s in similar]})


_TOKEN = re.compile(r"\d+(?:\.\d+)?|.", re.S)  # a number whole, else a character


def side_by_side(a: str, b: str) -> tuple[Markup, Markup]:
    """Two texts (in one script) as HTML, what only ``a`` has in ``<del>``, what only ``b``
    has in ``<ins>`` (compared character by character, a number as a whole): the one place
    this page's text becomes HTML."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    matcher = difflib.SequenceMatcher(None, [fold(t) for t in ta], [fold(t) for t in tb], autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(escape("".join(ta[i1:i2])))
            right.append(escape("".join(tb[j1:j2])))
            continue
        if i2 > i1:
            left.append(Markup("<del>%s</del>") % "".join(ta[i1:i2]))
        if j2 > j1:
            right.append(Markup("<ins>%s</ins>") % "".join(tb[j1:j2]))
    return Markup("").join(left), Markup("").join(right)


@pages.get("/reports/<path:report_id>/similar")
def similar_page(report_id: str) -> ResponseReturnValue:
    """A paragraph, its similar passages oldest first, and one of them (``with`` and ``a``,
    else the oldest) beside it, in the reader's script (``script``, else the report's)."""
    found, other = _found(report_id, "similar.similar_page")
    if other is not None:
        return other
    assert found is not None
    paragraph, similar = found
    script = request.args.get("script", "")
    if script not in ("", "s", "t"):
        abort(400, "参数“script”应为 s（简体）或 t（繁體）。")
    if not script:
        script = "t" if _meta().get("summaries", {}).get(report_id, {}).get("traditional") else "s"
    convert = (TRADITIONAL if script == "t" else SIMPLIFIED).convert
    chosen = None
    if similar:
        wanted = (request.args.get("with", ""), request.args.get("a", ""))
        chosen = next((s for s in similar if (s.report_id, s.anchor) == wanted), similar[0])
    pair = side_by_side(convert(paragraph.text), convert(chosen.text)) if chosen else None
    return render_template(
        "similar.html",
        paragraph=paragraph,
        similar=similar,
        chosen=chosen,
        pair=pair,
        script=script,
    )


@pages.app_template_global()
def also_in(report_id: str, anchor: str) -> int:
    """For a search result: how many other reports hold a passage similar to it."""
    return len({p.report_id for p in pack().of_paragraph(report_id, anchor)})


@pages.app_template_global()
def shared_most(report_id: str, limit: int = 8) -> list[dict]:
    """The reports that share most paragraphs with ``report_id`` (how many, and whether the
    other is earlier in the library), most first."""
    counts = Counter(p.report_id for found in pack().of_report(report_id).values() for p in found)
    summaries = _meta().get("summaries", {})
    own = summaries.get(report_id, {})
    out = []
    for rid, n in counts.most_common(limit):
        s = summaries.get(rid, {})
        earlier = (s.get("year") or 0, s.get("date") or "") < (own.get("year") or 0, own.get("date") or "")
        out.append({"report_id": rid, "title": s.get("title", rid), "paragraphs": n, "earlier": earlier})
    return out


def register(app: Flask) -> None:
    app.register_blueprint(pages)
    app.register_blueprint(api)
