"""One error handler: an HTML page, or JSON under /api/, never a traceback."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from indexer.store import IndexDamaged, IndexMissing

from .engine import TIME_LIMIT, SearchTimeout


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(exc: HTTPException) -> tuple[Response | str, int]:
    message = exc.description or exc.name
    if _wants_json():
        return jsonify({"error": message, "status": exc.code}), exc.code or 500
    if request_ctx.url_adapter is None:  # the Host header was refused: no URL can be built
        return render_template("error_plain.html", code=exc.code, name=exc.name), exc.code or 500
    return render_template("error.html", code=exc.code, name=exc.name, message=message), exc.code or 500


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        return render_error(exc)

    @app.errorhandler(IndexDamaged)
    def damaged(exc: IndexDamaged) -> ResponseReturnValue:
        app.logger.error("the index is damaged: %s", exc)
        return render_error(
            ServiceUnavailable(
                "The search index is damaged (a file is not as its build left it). The next "
                "`python -m indexer build` repairs it without being asked."
            )
        )

    @app.errorhandler(IndexMissing)
    def no_index(exc: IndexMissing) -> ResponseReturnValue:
        app.logger.error("%s", exc)
        return render_error(
            ServiceUnavailable("The search index has not been built yet. Run `python -m indexer build`.")
        )

    @app.errorhandler(SearchTimeout)
    def timed_out(exc: SearchTimeout) -> ResponseReturnValue:
        response = render_error(
            ServiceUnavailable(
                f"The search took longer than {TIME_LIMIT:g} s and was stopped: the server may be busy. "
                "Try again in a moment, or add a more specific word, a year or a region."
            )
        )
        return response[0], 503, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error on %s", request.path)
        return render_error(InternalServerError("Something went wrong on our side."))
