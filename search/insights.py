"""What is new in each report and the targets it sets, as pages and API routes: ``/targets``
(place × year per indicator, the GDP chart, CSV and JSON export), ``/reports/<id>/new``,
``/api/targets`` and ``/api/reports/<id>/new``; and what the reader shows of them (its
本报告新提法 panel, the targets beside the paragraph that sets them)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, jsonify, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from indexer.novelty import NOVELTY, NoveltyPack
from indexer.targets import BY_NAME, INDICATORS, TARGETS
from indexer.targets import read as read_targets

from .params import choice_arg
from .query import year_range
from .targets_table import Filters, Targets, chart, grid
from .views import _csv, _handle, _meta, _moved_or_404, _searcher, report_url

insights = Blueprint("insights", __name__)
api = Blueprint("insights_api", __name__, url_prefix="/api")

TARGET_FORMATS = ("json", "csv")
COLUMNS = ["report_id", "place", "year", "indicator", "label", "text", "low", "high", "unit", "anchor", "url"]


def _generation_data(key: str, load: Callable[[Path], object]) -> object:
    """What the build derived into the served generation (``load`` of its folder), read once
    per generation and process."""
    return _handle().derived(_searcher().generation, key, load)


def targets() -> Targets:
    value = _generation_data(TARGETS, lambda path: Targets(read_targets(path)))
    assert isinstance(value, Targets)
    return value


def novelty() -> NoveltyPack:
    value = _generation_data(NOVELTY, NoveltyPack)
    assert isinstance(value, NoveltyPack)
    return value


def filters(args: MultiDict) -> Filters:
    """``place``, ``year`` and ``indicator`` (each may repeat), checked: a bad one is a 400."""
    out = Filters(places=[p.strip()[:50] for p in args.getlist("place") if p.strip()])
    for raw in args.getlist("year"):
        if raw.strip():
            years = year_range(raw)
            if years is None:
                abort(400, f"参数“year”应为年份（如 2017）或年份范围（如 2015-2018），而不是 {raw[:20]!r}。")
            out.years.append(years)
    for name in args.getlist("indicator"):
        if name and name not in BY_NAME:
            abort(400, f"参数“indicator”应为 {'、'.join(BY_NAME)} 之一，而不是 {name[:20]!r}。")
        if name:
            out.indicators.append(name)
    return out


@insights.app_template_global()
def report_insights(report_id: str) -> dict:
    """What the reader shows beside a report: its new wording (and what it was compared
    with, said), its targets by the paragraph that sets them."""
    entry = novelty().get(report_id)
    return {
        "new": entry,
        "compared": compared_text(entry, _meta().get("summaries", {})) if entry else "",
        "targets": targets().of_report(report_id),
    }


def compared_text(entry: dict, summaries: dict) -> str:
    """What a report's wording was compared with, said: 与本地区2000–2023年的24份报告及
    2024年国务院政府工作报告相比."""
    own = summaries.get(entry["report_id"], {}).get("place")
    same = [summaries.get(r, {}) for r in entry["compared_with"] if summaries.get(r, {}).get("place") == own]
    other = [summaries.get(r, {}) for r in entry["compared_with"] if summaries.get(r, {}).get("place") != own]
    parts = []
    if same:
        years = [s.get("year") for s in same if s.get("year")]
        span = f"{min(years)}–{max(years)}年的" if len(years) > 1 else (f"{years[0]}年的" if years else "")
        parts.append(f"本地区{span}{len(same)}份报告")
    parts += [s.get("title", "") for s in other]
    if not parts:
        return "库中没有可比较的更早报告"
    note = "" if same else "（本地区此前没有报告）"
    return f"与{'及'.join(parts)}相比{note}"


@insights.app_template_global()
def indicator_label(name: str) -> str:
    return BY_NAME[name].label


@insights.get("/targets")
def targets_page() -> ResponseReturnValue:
    """The targets place × year for one indicator, with filters, the GDP chart and export."""
    args = request.args
    chosen = filters(args)
    indicator = choice_arg(args, "indicator", tuple(BY_NAME), "gdp")
    table = targets()
    rows = table.select(Filters(chosen.places, chosen.years, []))
    return render_template(
        "targets.html",
        link=_linker(),
        grid=grid(rows, indicator),
        chart=chart(rows, chosen.places),
        indicators=INDICATORS,
        indicator=indicator,
        places=table.places,
        chosen=chosen.places,
        year=args.get("year", ""),
        export={k: v for k, v in args.to_dict(flat=False).items() if k in ("place", "year")},
    )


@api.get("/targets")
def api_targets() -> Response:
    """The targets the filters let through (``{targets: [...]}``); ``format=csv`` (UTF-8 with a
    byte order mark) or ``format=json`` as a file to save."""
    fmt = choice_arg(request.args, "format", TARGET_FORMATS, "json")
    rows = targets().select(filters(request.args))
    if "format" not in request.args:
        return jsonify({"targets": rows})
    if fmt == "json":
        response = Response(json.dumps({"targets": rows}, ensure_ascii=False), mimetype="application/json")
    else:
        response = Response(
            stream_with_context(_csv(_linked(rows), COLUMNS)), mimetype="text/csv; charset=utf-8"
        )
    response.headers["Content-Disposition"] = f'attachment; filename="targets.{fmt}"'
    return response


def _linker() -> Callable[[str, str], str]:
    """``report_url`` for many passages: each report's link made once (a table links a
    passage of each of hundreds of reports, and url_for is most of a page's time)."""
    made: dict[str, str] = {}

    def link(report_id: str, anchor: str) -> str:
        if report_id not in made:
            made[report_id] = report_url(report_id)
        return f"{made[report_id]}#{anchor}"

    return link


def _linked(rows: list[dict]) -> Iterator[dict]:
    """Rows with their indicator's label and unit and the passage's absolute link."""
    for row in rows:
        indicator = BY_NAME[row["indicator"]]
        url = report_url(row["report_id"], row["anchor"], _external=True)
        yield {**row, "label": indicator.label, "unit": indicator.unit, "url": url}


def _report_novelty(report_id: str, endpoint: str) -> tuple[dict | None, ResponseReturnValue | None]:
    """A report's new wording, or the answer for a report that is not there (308, 404)."""
    found = novelty().get(report_id)
    if found is None:
        return None, _moved_or_404(report_id, endpoint)
    return found, None


@api.get("/reports/<path:report_id>/new")
def api_new(report_id: str) -> ResponseReturnValue:
    """``{report_id, compared_with, new: [{term, paragraphs, anchor}], dropped: [{term, last_seen}]}``."""
    found, other = _report_novelty(report_id, "insights_api.api_new")
    return jsonify(found) if other is None else other


@insights.get("/reports/<path:report_id>/new")
def new_page(report_id: str) -> ResponseReturnValue:
    """A report's new wording, what it was compared with, the terms it dropped, its targets."""
    found, other = _report_novelty(report_id, "insights.new_page")
    if other is not None:
        return other
    assert found is not None
    summaries = _meta().get("summaries", {})
    return render_template(
        "new.html",
        entry=found,
        compared=compared_text(found, summaries),
        summary=summaries.get(report_id, {}),
        titles={rid: summaries.get(rid, {}).get("title", rid) for rid in found["compared_with"]},
        targets=targets().by_report.get(report_id, []),
    )


def register(app: Flask) -> None:
    app.register_blueprint(insights)
    app.register_blueprint(api)
