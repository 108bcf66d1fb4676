"""Response headers every page and file gets: a strict content policy, no sniffing, no
framing, no referrer to other sites, and caching that fits what is sent."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, request

SECURITY = {
    # every script, style, image and form of the site is its own; nothing is inline
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
API_MAX_AGE = 60  # seconds a search or status answer may be reused: a build shows within a minute


@lru_cache(maxsize=64)
def _version(path: Path, mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def register(app: Flask) -> None:
    static = Path(app.static_folder or "")

    @app.url_defaults
    def versioned_static(endpoint: str, values: dict) -> None:
        """``/static/style.css?v=<hash of the file>``: cached for a year, and a new file is a
        new URL."""
        if endpoint == "static" and "filename" in values:
            path = static / values["filename"]
            if path.is_file():
                values["v"] = _version(path, path.stat().st_mtime)

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in SECURITY.items():
            response.headers.setdefault(name, value)
        if request.endpoint == "static":
            if request.args.get("v"):
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif request.path.startswith("/api/"):
            response.headers["Cache-Control"] = f"public, max-age={API_MAX_AGE}"
        else:
            response.headers.setdefault("Cache-Control", "no-cache")
        return response
