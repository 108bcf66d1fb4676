"""The Flask app: a search page, a report reader and a JSON API over the Whoosh index."""

from __future__ import annotations

import gc
import math
import os
from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from indexer.schema import corpus_dir, index_dir

from .limits import DEFAULTS as LIMITS
from .scoring import TIME_LIMIT

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def _assets(name: str) -> Path:
    """``templates`` or ``static``: at the top of a checkout, inside the package once installed."""
    return ROOT / name if (ROOT / name).is_dir() else HERE / name


# what an export process's app takes from the app that asks it (search.forkserver)
EXPORT_SETTINGS = (
    "TESTING",
    "CORPUS_DIR",
    "TRUSTED_HOSTS",
    "PUBLIC_URL",
    "EXPORT_MAX_ROWS",
    "EXPORT_TIME_LIMIT",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Settings: defaults, then ``SEARCH_*`` environment variables, then
    ``test_config``. ``INDEX_DIR`` is where ``python -m indexer build`` wrote the index."""
    app = Flask(
        __name__,
        template_folder=str(_assets("templates")),
        static_folder=str(_assets("static")),
        instance_path=str(ROOT / "instance"),
    )
    # A URL is answered as sent: a doubled slash (a report id that starts with "/", %2F) is
    # that id, not a redirect Werkzeug would answer in HTML on the JSON API.
    app.url_map.merge_slashes = False
    app.config.from_mapping(
        INDEX_DIR=str(index_dir()),
        CORPUS_DIR=str(corpus_dir()),
        JSON_AS_ASCII=False,
        # Host names the site answers to (SEARCH_TRUSTED_HOSTS, comma-separated); any other
        # Host header is a 400, so no link is ever built from a name a client made up.
        TRUSTED_HOSTS=["127.0.0.1", "localhost", "::1"],
        PUBLIC_URL="http://127.0.0.1:8000",  # scheme and host of absolute links (OpenSearch); paths from url_for
        SEND_FILE_MAX_AGE_DEFAULT=31536000,  # static files: their URLs carry their version
        TIME_LIMIT=TIME_LIMIT,  # seconds a search may take before it is stopped (a 503 asking to retry)
        RESPONSE_CACHE_MB=64,  # answers kept per process until the next build (search.cache); 0: none
        EXPORT_MAX_ROWS=50_000,  # paragraphs one export lists at most (more: a 413 saying how to ask in parts)
        EXPORT_CONCURRENCY=4,  # exports one process streams at once (more: a 503 with Retry-After)
        EXPORT_TIMEOUT=120,  # seconds an export process may send nothing before the file is cut
        EXPORT_TIME_LIMIT=30,  # seconds an export's matching may take (its own process, lowest priority)
        **LIMITS,  # per client: LIMIT_EXPORT, LIMIT_OVERVIEW, LIMIT_COMPARE, LIMIT_COMPLETE; PROXIES
    )
    app.config.from_prefixed_env("SEARCH")
    if test_config:
        app.config.update(test_config)
    if isinstance(app.config["TRUSTED_HOSTS"], str):
        app.config["TRUSTED_HOSTS"] = [h.strip() for h in app.config["TRUSTED_HOSTS"].split(",") if h.strip()]
    try:
        app.config["TIME_LIMIT"] = limit = float(app.config["TIME_LIMIT"])
    except (TypeError, ValueError):
        limit = math.nan
    if not limit > 0:
        raise ValueError(f"SEARCH_TIME_LIMIT is seconds above 0, not {app.config['TIME_LIMIT']!r}")
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Chinese as it is, not \u escapes

    from .handle import IndexHandle

    index_path = Path(app.config["INDEX_DIR"])
    if not index_path.is_absolute():
        index_path = Path(os.getcwd()) / index_path
    app.extensions["search_index"] = IndexHandle(index_path)

    from . import errors, headers, insights, limits, similar, views, webapi
    from .cache import ResponseCache
    from .forkserver import Exports, ForkServer

    # the export processes' app: this one's settings (JSON), with the index path made absolute
    shared = {k: app.config[k] for k in EXPORT_SETTINGS}
    server = ForkServer(
        {**shared, "INDEX_DIR": str(index_path), "RATELIMIT_ENABLED": False},
        float(app.config["EXPORT_TIMEOUT"]),
    )
    app.extensions["exports"] = Exports(server, int(app.config["EXPORT_CONCURRENCY"]))

    app.register_blueprint(views.pages)
    app.register_blueprint(views.api)
    insights.register(app)
    similar.register(app)
    webapi.register(app)
    app.teardown_appcontext(views.release_searcher)
    errors.register(app)
    headers.register(app)
    limits.register(app)
    kept = int(float(app.config["RESPONSE_CACHE_MB"]) * 2**20)
    app.wsgi_app = ResponseCache(app.wsgi_app, index_path, kept)  # type: ignore[method-assign]
    return app


def prepare(app: Flask) -> None:
    """Do once, before ``gunicorn --preload`` forks its workers, what each worker would
    otherwise do on its first request: compile the templates and load what every search
    reads (:meth:`IndexHandle.load`: jieba's dictionary, the served generation opened, its
    data memory-mapped, so the workers share the pages). Each worker opens its searcher
    (Whoosh's files, its own) as it starts, before its first request. Without an index the
    first request says what is wrong.

    What is loaded then stays for the process's life: it is moved out of the garbage
    collector's sight (``gc.freeze``). A full collection visits every object it tracks,
    and with a 10,000-report record among them each took 56 ms in the middle of a search."""
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    handle = app.extensions["search_index"]
    if handle.load() is not None:
        os.register_at_fork(after_in_child=handle.prime)
    gc.freeze()
