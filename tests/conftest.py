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

# Reports of the shared set that the small test corpus holds besides the seed.
SMALL_CORPUS = [
    "lawtext-gov/guangzhou-city-2018.md",
    "derived/hulunbuir-hailar-2018-traditional.txt",
    "dxcarl/national-2017.txt",
]

XSS_REPORT = """2019年测试区政府工作报告
——2019年1月10日在测试区第一届人民代表大会第一次会议上
各位代表：
一、过去一年工作回顾
我们在<script>alert("x")</script>专项行动中取得进展，河涌治理&整治“<b>黑臭</b>”水体。
"""


def shared(rel: str) -> Path:
    path = SHARED_REPORTS / rel
    if not path.exists():
        pytest.fail(f"the shared report set is missing {path}")
    return path


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED, corpus / SEED.name)
    for rel in SMALL_CORPUS:
        target = corpus / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared(rel), target)
    (corpus / "test-xss-2019.txt").write_text(XSS_REPORT, encoding="utf-8")
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

@pytest.fixture(scope="session")
def live(app):
    with LiveServer(app) as server:
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
