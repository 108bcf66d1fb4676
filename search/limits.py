"""Per-client limits on the expensive routes (Flask-Limiter), and the client's address.

An export, an overview or a comparison costs many searches' work, and completion is asked
at every key press: one client may not ask for more than ``LIMIT_*`` of them (a limit
string of the `limits` library: ``6/minute``, ``10/second;300/minute``). Past it, a 429
with ``Retry-After`` and a page in Chinese that keeps the query (JSON under /api/); other
clients and plain searches are not affected. Counts are kept in memory, per server
process (``RATELIMIT_STORAGE_URI`` may name a shared store, e.g. ``redis://``). An answer
the response cache gives (search.cache) costs nothing and is not counted.

The client is the socket's address, unless ``PROXIES`` (the number of reverse proxies in
front of the site) says to take it from ``X-Forwarded-For``, as many entries from the right
as there are proxies (Werkzeug's ProxyFix): never from a header a client can send itself.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, g
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import render_error

# endpoint -> the setting holding its limit
LIMITED = {
    "api.export": "LIMIT_EXPORT",
    "pages.overview": "LIMIT_OVERVIEW",
    "pages.compare": "LIMIT_COMPARE",
    "api.complete": "LIMIT_COMPLETE",
}
DEFAULTS: dict[str, Any] = {
    "LIMIT_EXPORT": "6/minute",
    "LIMIT_OVERVIEW": "30/minute",
    "LIMIT_COMPARE": "30/minute",
    "LIMIT_COMPLETE": "10/second;300/minute",  # typing is bursts: ten keys a second, not for long
    "PROXIES": 0,  # reverse proxies in front (0: the client is the socket's address)
    "RATELIMIT_STORAGE_URI": "memory://",
}
UNITS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天"}


def _said(breached: RequestLimit) -> str:
    """A limit as a sentence: 每分钟最多 6 次."""
    item = breached.limit
    unit = UNITS.get(item.GRANULARITY.name, item.GRANULARITY.name)
    return f"每{item.multiples if item.multiples > 1 else ''}{unit}最多 {item.amount} 次"


def register(app: Flask) -> None:
    """Limit the expensive routes of ``app`` (they are registered already), and read the
    client's address behind ``PROXIES`` proxies."""
    proxies = int(app.config["PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=0, x_host=0)  # type: ignore[method-assign]
    limiter = Limiter(get_remote_address, app=app, on_breach=_note_breach)
    app.extensions["search_limiter"] = limiter  # the limited views hold it weakly: the app keeps it
    for endpoint, setting in LIMITED.items():
        limit = str(app.config[setting])
        view: Any = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(limit)(view)  # the view, counted for its client

    @app.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded) -> ResponseReturnValue:
        wait = g.get("retry_after", 60)
        message = (
            f"请求太频繁：这项功能每个访问者{g.get('limit_said', '')}。请 {wait} 秒后再试；搜索不受影响。"
        )
        return render_error(TooManyRequests(message, retry_after=wait))


def _note_breach(breached: RequestLimit) -> None:
    """What the 429 says: the limit, and when to try again."""
    g.retry_after = max(1, math.ceil(breached.reset_at - time.time()))
    g.limit_said = _said(breached)
