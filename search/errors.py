"""One error handler: an HTML page, or JSON under /api/, never a traceback."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable
from whoosh.collectors import TimeLimit

from indexer.store import IndexDamaged, IndexMissing

from .engine import SearchTimeout, busy


def _wants_json() -> bool:
    return request.path.startswith("/api/")


NAMES = {  # the status as a page says it
    400: "请求有误",
    404: "找不到页面",
    405: "不支持此请求方式",
    413: "请求太大",
    429: "请求太频繁",
    500: "服务器出错",
    503: "暂时无法服务",
}
DEFAULT_MESSAGES = {
    404: "没有这个页面。请检查网址，或在上面搜索。",
    405: "这个地址不接受此种请求。",
}


def render_error(exc: HTTPException) -> tuple[Response | str, int, dict[str, str]]:
    """The error as a page in Chinese with the search box and the query kept, or as JSON
    under /api/; werkzeug's own English descriptions are replaced."""
    code = exc.code or 500
    own = exc.description != type(exc).description  # a message of ours, not werkzeug's default
    message = (
        exc.description if own and exc.description else DEFAULT_MESSAGES.get(code, NAMES.get(code, exc.name))
    )
    # what the error says besides its page (Retry-After of a 429 or a 503)
    headers = {k: v for k, v in exc.get_headers() if k == "Retry-After"}
    if _wants_json():
        return jsonify({"error": message, "status": code}), code, headers
    name = NAMES.get(code, exc.name)
    if request_ctx.url_adapter is None:  # the Host header was refused: no URL can be built
        return render_template("error_plain.html", code=code, name=name), code, headers
    return (
        render_template("error.html", code=code, name=name, message=message, q=request.args.get("q", "")),
        code,
        headers,
    )


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return render_error(exc)

    @app.errorhandler(IndexDamaged)
    def damaged(exc: IndexDamaged) -> ResponseReturnValue:
        app.logger.error("the index is damaged: %s", exc)
        return render_error(
            ServiceUnavailable(
                "搜索索引已损坏（有文件与构建时不一致）。下一次运行 `python -m indexer build` 会自动修复。"
            )
        )

    @app.errorhandler(IndexMissing)
    def no_index(exc: IndexMissing) -> ResponseReturnValue:
        app.logger.error("%s", exc)
        return render_error(ServiceUnavailable("搜索索引尚未建立。请运行 `python -m indexer build`。"))

    @app.errorhandler(SearchTimeout)
    @app.errorhandler(TimeLimit)  # a deadline passed outside engine.search (completion, a feed)
    def timed_out(exc: Exception) -> ResponseReturnValue:
        return render_error(ServiceUnavailable(busy(app.config["TIME_LIMIT"]), retry_after=5))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error on %s", request.path)
        return render_error(InternalServerError("服务器出错了，请稍后再试。"))
