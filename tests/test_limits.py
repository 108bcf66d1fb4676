"""Per-client limits on the expensive routes: a 429 with Retry-After and a message in
Chinese (a page that keeps the query, JSON under /api/); other clients and searches
unaffected; the client's address from the proxy header only when proxies are configured."""

from __future__ import annotations

import pytest

from search import create_app

# an hour's window: the counts cannot run out between two requests of a slow test
LIMITED = {
    "TESTING": True,
    "RATELIMIT_ENABLED": True,
    "LIMIT_EXPORT": "2/hour",
    "LIMIT_OVERVIEW": "2/hour",
    "LIMIT_COMPARE": "2/hour",
    "LIMIT_COMPLETE": "3/hour",
    "RESPONSE_CACHE_MB": 0,  # every request reaches the app (a kept answer is not counted)
}


@pytest.fixture()
def limited(index_dir):
    return create_app({**LIMITED, "INDEX_DIR": str(index_dir)})


def as_client(address: str, forwarded: str | None = None) -> dict:
    out: dict = {"environ_overrides": {"REMOTE_ADDR": address}}
    if forwarded is not None:
        out["headers"] = {"X-Forwarded-For": forwarded}
    return out


def test_the_limits_and_their_settings_are_the_documented_ones(index_dir, monkeypatch):
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    assert app.config["LIMIT_EXPORT"] == "6/minute"
    assert app.config["LIMIT_OVERVIEW"] == app.config["LIMIT_COMPARE"] == "30/minute"
    assert app.config["LIMIT_COMPLETE"] == "10/second;300/minute"
    assert app.config["PROXIES"] == 0
    monkeypatch.setenv("SEARCH_LIMIT_EXPORT", "1/hour")
    monkeypatch.setenv("SEARCH_RATELIMIT_ENABLED", "true")
    client = create_app({"INDEX_DIR": str(index_dir), "RESPONSE_CACHE_MB": 0}).test_client()
    query = {"q": "河涌", "data": "years"}
    assert client.get("/api/export", query_string=query).status_code == 200
    assert client.get("/api/export", query_string=query).status_code == 429


@pytest.mark.parametrize(
    "path,args",
    [
        ("/api/export", {"q": "河涌", "data": "years", "format": "json"}),
        ("/api/complete", {"q": "河"}),
    ],
)
def test_the_api_past_its_limit_answers_429_in_json_with_retry_after(limited, path, args):
    client = limited.test_client()
    allowed = 3 if path == "/api/complete" else 2
    for _ in range(allowed):
        assert client.get(path, query_string=args).status_code == 200
    refused = client.get(path, query_string=args)
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert 0 < int(refused.headers["Retry-After"]) <= 3601  # the window, rounded up
    error = refused.get_json()
    assert error["status"] == 429 and f"每小时最多 {allowed} 次" in error["error"]


@pytest.mark.parametrize("path", ["/overview", "/compare"])
def test_a_page_past_its_limit_is_a_chinese_page_that_keeps_the_query(limited, path):
    client = limited.test_client()
    for _ in range(2):
        assert client.get(path, query_string={"q": "河涌"}).status_code == 200
    refused = client.get(path, query_string={"q": "河涌<b>"})
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    assert int(refused.headers["Retry-After"]) > 0
    page = refused.get_data(as_text=True)
    assert "请求太频繁" in page and "每小时最多 2 次" in page
    assert 'value="河涌&lt;b&gt;"' in page  # the query kept in the search box, escaped


def test_other_clients_and_searches_are_not_affected(limited):
    client = limited.test_client()
    args = {"q": "河涌", "data": "years"}
    for _ in range(2):
        client.get("/api/export", query_string=args, **as_client("10.0.0.1"))
    assert client.get("/api/export", query_string=args, **as_client("10.0.0.1")).status_code == 429
    assert client.get("/api/export", query_string=args, **as_client("10.0.0.2")).status_code == 200
    for _ in range(5):  # searching is not limited, for the limited client either
        assert (
            client.get("/api/search", query_string={"q": "河涌"}, **as_client("10.0.0.1")).status_code == 200
        )
        assert client.get("/", query_string={"q": "河涌"}, **as_client("10.0.0.1")).status_code == 200


def test_without_proxies_a_forwarded_header_changes_nothing(limited):
    client = limited.test_client()
    codes = [
        client.get(
            "/api/complete", query_string={"q": "河"}, **as_client("10.0.0.1", f"192.0.2.{i}")
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]  # one client, whatever it says it forwards


def test_behind_a_proxy_the_client_is_the_address_the_proxy_added(index_dir):
    client = create_app({**LIMITED, "INDEX_DIR": str(index_dir), "PROXIES": 1}).test_client()
    proxy = "127.0.0.1"

    def complete(forwarded: str) -> int:
        return client.get(
            "/api/complete", query_string={"q": "河"}, **as_client(proxy, forwarded)
        ).status_code

    assert [complete("198.51.100.7") for _ in range(4)] == [200, 200, 200, 429]
    assert complete("198.51.100.8") == 200  # another client behind the same proxy
    # a client that sends its own header: the proxy appends the address it saw, which counts
    assert complete("203.0.113.99, 198.51.100.7") == 429
