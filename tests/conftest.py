"""Shared fixtures: a small corpus built into a temporary index, the app and its client."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexer.build import build
from search import create_app

from .browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, require_chromium

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "guangzhou-liwan-2017.txt"
SHARED_REPORTS = ROOT.parent / "shared" / "reports"
# The small test corpus besides the seed: three reports of the shared set (Guangzhou 2018
# in Markdown, Hailar 2018 in Traditional characters, the national report of 2017) kept
# at their paths there, and a report written to test escaping.
SMALL_CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
# Per-client limits are off in every app the tests make (and the servers they start), but
# for the apps of tests/test_limits.py, which turn them on.
os.environ.setdefault("SEARCH_RATELIMIT_ENABLED", "false")


def shared(rel: str = "") -> Path:
    """A file of the shared report set beside the project (``../shared/reports``). A clone
    without it skips the tests that read it, except in CI (``CI=true``), where they fail."""
    path = SHARED_REPORTS / rel
    if not path.exists():
        message = f"the shared report set is missing {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copytree(SMALL_CORPUS, corpus, dirs_exist_ok=True)
    shutil.copy(SEED, corpus / SEED.name)
    return corpus


@pytest.fixture(scope="session")
def index_dir(corpus_dir, tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("index")
    summary = build(corpus_dir, index)
    assert not summary.refused, summary.refused
    return index


@pytest.fixture(scope="session")
def app(index_dir, corpus_dir):
    return create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus_dir)})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Keep jieba's cache inside the test run's temporary folder unless one is set."""
    os.environ.setdefault("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


# --- the browser ---------------------------------------------------------------------------


# The browser tests' searches are not stopped at the served 3 s: they test what pages do, on
# a machine running two test processes, their browsers and builds at once (CI answered one a
# 503 there). The limit itself is tested on the session app (test_app, test_api_contract).
BROWSER_TIME_LIMIT = 20.0  # under Playwright's 30 s wait


@pytest.fixture(scope="session")
def live(index_dir, corpus_dir):
    """The session's index served to Chromium, by an app of its own."""
    config = {"INDEX_DIR": str(index_dir), "CORPUS_DIR": str(corpus_dir), "TIME_LIMIT": BROWSER_TIME_LIMIT}
    with LiveServer(create_app({"TESTING": True, **config})) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()
