"""What programs rely on besides the JSON routes: the API's description (and its page),
Atom feeds of queries, cross-origin access to the API, and conditional requests."""

from __future__ import annotations

import hashlib
import json
import uuid
from functools import cache
from typing import Any

from flask import Blueprint, Flask, Response, abort, g, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markdown_it import MarkdownIt
from markupsafe import Markup

from . import feeds
from .openapi import API_VERSION, description, fields, type_label
from .params import query_args
from .views import _handle, _meta, _searcher, public_origin, report_url

bp = Blueprint("webapi", __name__)

SAME_ORIGIN = {"api.export"}  # a heavy request: no other site's page may start it
CORS = {
    "Access-Control-Allow-Origin": "*",  # read-only and without cookies: any page may read it
    "Access-Control-Expose-Headers": "ETag, Retry-After, Location",
}
PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match",
    "Access-Control-Max-Age": "86400",
}


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    return jsonify(description(request.url_root))


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})  # raw HTML in a description is shown as text


def markdown(text: str) -> Markup:
    """A description of the API (ours, in CommonMark) as HTML; raw HTML in it is escaped."""
    return Markup(_markdown().render(text))


@bp.get("/docs/api")
def api_page() -> str:
    """The API's description as a page of the site: each route, its parameters, its answers
    and their fields."""
    spec = description(request.url_root)
    return render_template(
        "api.html",
        spec=spec,
        markdown=markdown,
        fields=lambda schema: fields(schema, spec),
        type_label=lambda schema: type_label(schema, spec),
        resolve=lambda item: _resolved(item, spec),
    )


def _resolved(item: dict, spec: dict) -> dict:
    """A parameter or response of ``spec``, its ``$ref`` followed."""
    ref = item.get("$ref")
    if not ref:
        return item
    kind, name = ref.removeprefix("#/components/").split("/")
    return spec["components"][kind][name]


@bp.get("/feed")
def feed() -> Response:
    """The Atom feed of a query (with the filters of the results page): its newest
    paragraphs first (see :mod:`search.feeds`), each linked to its passage."""
    text, parsed = query_args(request.args)
    if not parsed.terms and not parsed.excluded and not parsed.has_filters:
        abort(400, "没有可订阅的内容：请给出查询 q（或年份、地区筛选）。")
    meta = _meta()
    found = feeds.entries(_searcher(), parsed, meta, _handle().cache, g.deadline)
    origin = public_origin()
    args: dict[str, Any] = dict(sorted(request.args.to_dict(flat=False).items()))
    self_url = origin + url_for("webapi.feed", **args)

    def passage(entry: feeds.Entry) -> str:
        return origin + report_url(entry.report_id, entry.anchor)

    built = feeds.moment(meta.get("built_at")) or feeds.EPOCH
    xml = render_template(
        "feed.xml",
        q=feeds.xml_text(text),
        entries=found,
        feed_id=_urn(self_url),
        self_url=self_url,
        page_url=origin + url_for("pages.index", **args),
        home=origin + url_for("pages.index"),
        updated=max((e.updated for e in found), default=built),
        entry_id=lambda e: _urn(passage(e)),
        entry_url=lambda e: origin + report_url(e.report_id, e.anchor, q=text) if text else passage(e),
    )
    return Response(xml, mimetype="application/atom+xml")


def _urn(url: str) -> str:
    """An Atom id for ``url``: a UUID of its own, the same as long as the URL is."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def _conditional() -> bool:
    """Whether this request's answer depends on the index alone (with its arguments): the
    API's routes and the feeds."""
    return request.method in ("GET", "HEAD") and (
        request.blueprint in ("api", "insights_api", "similar_api") or request.endpoint == "webapi.feed"
    )


def etag() -> str:
    """This request's tag: the state of the index it reads (``IndexHandle.state``), its URL
    and arguments, and the API's version. A build that changes the index changes it."""
    state = _handle().state(_searcher())
    args = sorted(request.args.items(multi=True), key=lambda kv: kv[0])  # repeated values keep their order
    key = json.dumps([API_VERSION, repr(state), request.base_url, args], ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def not_modified() -> ResponseReturnValue | None:
        """304 to a request whose ``If-None-Match`` holds this request's tag, before any
        search is run: a poller costs a look at the index's state until a build."""
        if not _conditional():
            return None
        g.etag = etag()
        if request.if_none_match.contains_weak(g.etag):
            response = Response(status=304)
            response.set_etag(g.etag, weak=True)
            return response
        return None

    @app.after_request
    def tag_and_share(response: Response) -> Response:
        if response.status_code == 200 and "etag" in g:
            response.set_etag(g.etag, weak=True)
        if request.path.startswith("/api/") and request.endpoint not in SAME_ORIGIN:
            response.headers.update(CORS)
            if request.method == "OPTIONS":
                response.headers.update(PREFLIGHT)
        return response
