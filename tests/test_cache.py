"""Answers kept per generation (search.cache): asked again, a page costs a look-up; a build
is never answered from the generation before it."""

from __future__ import annotations

import shutil

import pytest

from indexer.build import build
from search import create_app, engine

from .conftest import SEED


@pytest.fixture()
def library(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    build(corpus, tmp_path / "index")
    return corpus, tmp_path / "index"


def _counting(monkeypatch) -> list[str]:
    searched: list[str] = []
    real = engine.search

    def search(searcher, text, *args, **kwargs):
        searched.append(text)
        return real(searcher, text, *args, **kwargs)

    monkeypatch.setattr(engine, "search", search)
    return searched


@pytest.mark.parametrize("path", ["/", "/api/search"])
def test_the_same_request_is_answered_from_memory_until_a_build(library, monkeypatch, path):
    corpus, index = library
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    searched = _counting(monkeypatch)
    first = client.get(path, query_string={"q": "河涌"})
    again = client.get(path, query_string={"q": "河涌"})
    assert first.status_code == again.status_code == 200 and first.data == again.data
    assert searched.count("河涌") == 1  # the second answer ran no search
    (corpus / "more-2020.txt").write_text("2020年测试区政府工作报告\n河涌整治全面完成。\n", encoding="utf-8")
    build(corpus, index)
    after = client.get(path, query_string={"q": "河涌"})
    assert searched.count("河涌") == 2 and after.data != first.data  # a build: searched again
    if path == "/api/search":
        assert after.get_json()["total"] == first.get_json()["total"] + 1


def test_a_kept_answer_is_not_modified_for_its_tag_and_others_are_searched(library, monkeypatch):
    _, index = library
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    searched = _counting(monkeypatch)
    tag = client.get("/api/search", query_string={"q": "河涌"}).headers["ETag"]
    kept = client.get("/api/search", query_string={"q": "河涌"}, headers={"If-None-Match": tag})
    assert kept.status_code == 304 and kept.headers["ETag"] == tag and not kept.data
    assert kept.headers["Access-Control-Allow-Origin"] == "*"
    other = client.get("/api/search", query_string={"q": "河涌"}, headers={"If-None-Match": 'W/"other"'})
    assert other.status_code == 200 and searched == ["河涌"]
    client.get("/api/search", query_string={"q": "河涌 整治"})
    assert searched == ["河涌", "河涌 整治"]  # arguments name an answer


def test_streamed_errors_and_other_mounts_are_not_answered_from_memory(library, monkeypatch):
    _, index = library
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    cache = client.application.wsgi_app
    for _ in range(2):
        assert client.get("/api/export", query_string={"q": "河涌"}).status_code == 200
        assert client.get("/api/search", query_string={"q": "x" * 501}).status_code == 400
    assert cache.size == 0  # the streamed export and the error were not kept
    client.get("/", query_string={"q": "河涌"})
    mounted = client.get("/", query_string={"q": "河涌"}, environ_overrides={"SCRIPT_NAME": "/gov"})
    assert "/gov/reports/" in mounted.get_data(as_text=True)


def test_the_cache_keeps_to_its_size(library):
    _, index = library
    client = create_app({"TESTING": True, "INDEX_DIR": str(index), "RESPONSE_CACHE_MB": 0.05}).test_client()
    cache = client.application.wsgi_app
    for word in ("河涌", "改革", "发展", "城市", "建设", "民生"):
        client.get("/", query_string={"q": word})
        assert 0 < cache.size <= 0.05 * 2**20


def test_the_workers_of_one_server_share_what_they_keep(library, monkeypatch):
    """A worker forked from the server's app (gunicorn --preload) answers a request another
    worker answered from the file that one kept; a build's first answer removes the older
    generation's files; a server started again starts afresh."""
    import copy
    import threading
    from collections import OrderedDict

    from werkzeug.test import Client

    from indexer.store import CURRENT
    from search.cache import ANSWERS

    corpus, index = library
    app = create_app({"TESTING": True, "INDEX_DIR": str(index)})
    one = app.wsgi_app
    other = copy.copy(one)  # what a fork leaves the second worker: its own memory from here on
    other._answers, other.size, other.written, other._lock = OrderedDict(), 0, {}, threading.Lock()
    searched = _counting(monkeypatch)
    first = Client(one).get("/api/search", query_string={"q": "河涌"})
    second = Client(other).get("/api/search", query_string={"q": "河涌"})
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert searched == ["河涌"]  # the second worker ran no search
    assert other.size > 0  # and keeps the answer in its own memory now
    server = next((index / ANSWERS).iterdir())
    assert len(list(server.iterdir())) == 1  # the generation's folder

    (corpus / "more-2020.txt").write_text("2020年测试区政府工作报告\n河涌整治全面完成。\n", encoding="utf-8")
    build(corpus, index)
    after = Client(other).get("/api/search", query_string={"q": "河涌"})
    assert after.get_json()["total"] == first.get_json()["total"] + 1 and searched == ["河涌", "河涌"]
    assert [p.name for p in server.iterdir()] == [(index / CURRENT).readlink().name]

    create_app({"TESTING": True, "INDEX_DIR": str(index)})  # the server started again
    assert not (index / ANSWERS).exists()
