"""Take the screenshots in docs/screenshots/ from the benchmark index (the shared report
set), in light and dark schemes, at desktop and phone width, with Debian's Chromium.

Usage: python docs/screenshots.py
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from common import shared_index  # noqa: E402

from search import create_app  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SHOTS = [  # (path, file name, width, colour scheme)
    ("/?q=乡村振兴", "results", 1280, "light"),
    ("/?q=乡村振兴", "results-dark", 1280, "dark"),
    ("/?q=乡村振兴", "results-phone", 390, "light"),
    ("/?q=城市更薪", "did-you-mean", 1280, "light"),
    ("/reports/lawtext-gov/guangzhou-city-2018?q=食品安全", "reader", 1280, "light"),
    ("/reports/lawtext-gov/guangzhou-city-2018?q=食品安全", "reader-dark", 1280, "dark"),
    ("/overview?q=碳达峰&open=广东省", "overview", 1280, "light"),
    ("/compare?q=碳达峰&q=碳中和&q=新质生产力&measure=share", "compare", 1280, "light"),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, create_app({"INDEX_DIR": shared_index(None)}), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path, name, width, scheme in SHOTS:
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
            page = context.new_page()
            page.goto(base + path)
            time.sleep(0.5)
            page.screenshot(path=str(OUT / f"{name}.png"))
            context.close()
        context = browser.new_context(viewport={"width": 1280, "height": 600})
        page = context.new_page()
        page.goto(base + "/")
        page.locator("#q").type("高质量")
        page.wait_for_selector("#completions [role=option]")
        page.keyboard.press("ArrowDown")
        page.screenshot(path=str(OUT / "completion.png"))
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
