"""HTTP views: the search page, the report reader, and the JSON API."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request

from . import engine
from .params import page_args, query_args, sort_arg
from .query import needles
from .snippets import mark_html, match_spans

pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__, url_prefix="/api")


def _searcher():
    """This request's searcher, taken from the app's pool and given back at teardown."""
    if "searcher" not in g:
        g.searcher = current_app.extensions["search_index"].acquire()
    return g.searcher


def release_searcher(exc=None) -> None:
    s = g.pop("searcher", None)
    if s is not None:
        current_app.extensions["search_index"].release(s)


def _run_search(per_page_default: int = 10):
    text, parsed = query_args(request.args)
    page, per_page = page_args(request.args, per_page_default)
    sort = sort_arg(request.args)
    if not parsed.terms and not parsed.has_filters:
        return text, parsed, None
    result = engine.search(_searcher(), text, parsed, page=page, per_page=per_page, sort=sort)
    return text, parsed, result


@pages.get("/")
def index():
    text, parsed, result = _run_search()
    searcher = _searcher()
    return render_template("index.html", q=text, parsed=parsed, result=result,
                           status=engine.status(searcher), sort=request.args.get("sort", "relevance"))


@pages.get("/reports/")
def reports():
    return render_template("reports.html", reports=engine.list_reports(_searcher()))


@pages.get("/reports/<path:report_id>")
def report(report_id: str):
    found = engine.load_report(_searcher(), report_id)
    if found is None:
        abort(404, f"There is no report {report_id!r}.")
    text, parsed = query_args(request.args)
    marks = needles(parsed)
    blocks = [(b, mark_html(b.text, match_spans(b.text, marks))) for b in found.blocks]
    return render_template("report.html", report=found, blocks=blocks, q=text)


@api.get("/search")
def api_search():
    text, parsed, result = _run_search()
    if result is None:
        page, per_page = page_args(request.args)
        return jsonify({"query": text, "total": 0, "page": page, "per_page": per_page,
                        "took_ms": 0, "results": []})
    return jsonify({"query": text, "total": result.total, "page": result.page,
                    "per_page": result.per_page, "took_ms": result.took_ms,
                    "results": [h.to_json() for h in result.hits]})


@api.get("/reports")
def api_reports():
    return jsonify(engine.list_reports(_searcher()))


@api.get("/reports/<path:report_id>")
def api_report(report_id: str):
    found = engine.load_report(_searcher(), report_id)
    if found is None:
        abort(404, f"There is no report {report_id!r}.")
    return jsonify(found.outline())


@api.get("/status")
def api_status():
    return jsonify(engine.status(_searcher()))
