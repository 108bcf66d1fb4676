"""The API's description is its contract: every /api/ route is described, and real answers
of every route (errors, redirects and 304s included) validate against what is served at
/api/openapi.json, with openapi-core, for requests drawn from the description itself."""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.validation.exceptions import ValidationError
from werkzeug.test import TestResponse

from indexer.build import build
from search import create_app

SKIPPED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask for every route: not operations of their own


def strict(spec: dict) -> dict:
    """``spec`` with every object schema closed to fields it does not list: the published
    description lets clients ignore new fields, the tests want each field described."""
    spec = copy.deepcopy(spec)

    def close(node: object) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(spec["components"]["schemas"])
    return spec


class SentRequest(WerkzeugOpenAPIRequest):
    """The request as the client sent it: a report id's slash sent as %2F stays one path
    segment, as the description's path templates read it."""

    @property
    def path(self) -> str:
        return self.get_path(self.request.environ["REQUEST_URI"].split("?")[0])


@pytest.fixture(scope="module")
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(scope="module")
def contract(spec) -> OpenAPI:
    # from_dict checks the description against OpenAPI 3.1's own schema too; a CSV body is
    # text, checked as the string the description says it is
    config = Config(extra_media_type_deserializers={"text/csv": lambda body: body.decode("utf-8")})
    return OpenAPI.from_dict(strict(spec), config=config)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def validate(contract: OpenAPI, response: TestResponse) -> None:
    contract.validate_response(SentRequest(response.request), WerkzeugOpenAPIResponse(response))


def template(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/api/reports/<path:report_id>`` -> ``/api/reports/{report_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_described_and_every_described_route_exists(app, spec):
    """A route added under /api/ without its description fails here (and so does a
    description of a route that is gone)."""
    routes = {
        (template(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - SKIPPED_METHODS
    }
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert routes - described == set(), "routes missing from search/openapi.py"
    assert described - routes == set(), "described routes the app does not have"


def test_the_description_is_openapi_3_1_with_a_version_and_the_compatibility_promise(spec):
    assert spec["openapi"].startswith("3.1")
    assert re.fullmatch(r"\d+\.\d+\.\d+", spec["info"]["version"])
    assert "within a major version" in spec["info"]["description"]


# --- answers drawn from the description ----------------------------------------------------

WORDS = [
    "河涌",
    "发展",
    "荔灣",
    "医疗改革",
    "经济 发展",
    '"粤港澳"',
    "-河涌",
    "year:2017",
    "region:广州",
    "河涌 OR 地铁",
]
JUNK = st.one_of(st.text(max_size=12), st.integers(-3, 2000).map(str), st.just(""))


def values(param: dict) -> st.SearchStrategy:
    """Values for a described query parameter: what it allows, and what it does not."""
    schema = param["schema"]
    if param["name"] == "q":
        valid: st.SearchStrategy = st.one_of(
            st.sampled_from(WORDS), st.text(max_size=20), st.just("河" * 501)
        )
    elif "enum" in schema:
        valid = st.sampled_from(schema["enum"])
    elif schema.get("type") == "integer":
        valid = st.integers(schema.get("minimum", 0), schema.get("maximum", 10**6)).map(str)
    elif schema.get("type") == "array":
        valid = st.lists(
            st.one_of(st.sampled_from(["2017", "2015-2018", "广州", "荔湾区"]), JUNK), max_size=2
        )
    else:
        valid = st.sampled_from(["guangzhou-liwan-2017", "dxcarl/national-2017"])
    return st.one_of(valid, valid, JUNK)


@st.composite
def api_requests(draw: st.DrawFn, spec: dict, report_ids: list[str]) -> tuple[str, dict]:
    """A GET of a described route: its path parameters (report ids that exist, that do
    not, with slashes sent as %2F), and a draw of its query parameters."""
    path = draw(st.sampled_from(sorted(spec["paths"])))
    operation = spec["paths"][path]["get"]
    args = {}
    for ref in operation.get("parameters", []):
        param = spec["components"]["parameters"][ref["$ref"].rsplit("/", 1)[-1]]
        if param["in"] == "path":
            value = draw(st.one_of(st.sampled_from(report_ids), st.text(min_size=1, max_size=20)))
            path = path.replace("{" + param["name"] + "}", quote(value, safe=""))
        elif param["in"] == "query" and draw(st.booleans()):
            args[param["name"]] = draw(values(param))
    return path, args


@pytest.fixture(scope="module")
def report_ids(client) -> list[str]:
    return [r["id"] for r in client.get("/api/reports").get_json()]


@pytest.mark.filterwarnings("ignore:Generating overly large repr")  # of the fixtures
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_answer_of_every_route_validates_against_the_description(
    client, contract, spec, report_ids, data
):
    path, args = data.draw(api_requests(spec, report_ids))
    response = client.get(path, query_string=args)
    event(f"{re.sub(r'/api/reports/.+', '/api/reports/{report_id}', path)} {response.status_code}")
    validate(contract, response)  # a status the route does not describe fails too
    assert response.status_code in (200, 400, 404, 503), (path, args, response.status_code)
    if "ETag" in response.headers:  # every answer of the index has one (the description requires it)
        again = client.get(path, query_string=args, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
        validate(contract, again)


@pytest.mark.parametrize(
    "url,code",
    [
        ("/api/search?page=0", 400),
        ("/api/search?q=" + "河" * 501, 400),
        ("/api/export?q=河涌&format=xml", 400),
        ("/api/export", 400),
        ("/api/reports/no-such-report", 404),
        ("/api/reports/" + quote("广东省/no-such", safe=""), 404),
        ("/api/search?q=河涌&group=report&per_page=2", 200),
        ("/api/export?q=河涌&format=csv", 200),
        ("/api/export?q=河涌&format=json&data=hits", 200),
        ("/api/export?q=河涌&format=json&data=years", 200),
        ("/api/export?q=河涌&format=json&data=places", 200),
        ("/api/complete?q=河", 200),
        ("/api/reports/guangzhou-liwan-2017", 200),
        ("/api/reports/" + quote("lawtext-gov/guangzhou-city-2018", safe=""), 200),
        ("/api/reports/lawtext-gov/guangzhou-city-2018", 200),
        ("/api/reports/guangzhou-liwan-2017/new", 200),
        ("/api/reports/no-such-report/new", 404),
        ("/api/reports/guangzhou-liwan-2017/similar?p=" + "t3kq7zd", 404),
        ("/api/reports/no-such-report/similar?p=t3kq7zd", 404),
        ("/api/reports/guangzhou-liwan-2017/similar", 400),
        ("/api/reports/%2F0", 404),  # an id that starts with a slash: JSON, not Werkzeug's HTML redirect
        ("/api/reports/%2F0/similar?p=t3kq7zd", 404),
        ("/api/targets", 200),
        ("/api/targets?place=全国&year=2015-2018&indicator=gdp", 200),
        ("/api/targets?format=csv", 200),
        ("/api/targets?format=json&indicator=jobs", 200),
        ("/api/targets?indicator=growth", 400),
        ("/api/targets?year=20x", 400),
    ],
)
def test_errors_and_every_kind_of_answer_validate(client, contract, url, code):
    response = client.get(url)
    assert response.status_code == code
    if url.startswith("/api/reports/lawtext-gov/"):  # a slash sent as it is: a path the template cannot read
        return
    validate(contract, response)


def test_a_503_validates_without_an_index_and_when_a_search_runs_out_of_time(
    client, contract, spec, tmp_path, monkeypatch
):
    missing = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    for path in spec["paths"]:
        if path == "/api/openapi.json":
            continue
        response = missing.get(
            path.replace("{report_id}", "guangzhou-liwan-2017"), query_string={"q": "河涌"}
        )
        assert response.status_code == 503, path
        validate(contract, response)
    monkeypatch.setitem(client.application.config, "TIME_LIMIT", 1e-9)
    client.application.extensions["search_index"].cache.clear()  # nothing scored yet
    for path in ("/api/search", "/api/complete"):
        response = client.get(path, query_string={"q": "河涌 发展 改革"})
        assert response.status_code == 503 and response.headers["Retry-After"] == "5", path
        validate(contract, response)


@pytest.fixture(scope="module")
def moved_client(tmp_path_factory):
    """An index where a report's file moved: its old id answers 308."""
    root = tmp_path_factory.mktemp("moved")
    corpus = root / "corpus"
    corpus.mkdir()
    text = "2019年测试区政府工作报告\n各位代表：\n一、工作回顾\n推进河涌综合整治，建成碧道十公里。\n"
    (corpus / "ceshi-2019.txt").write_text(text, encoding="utf-8")
    build(corpus, root / "index")
    (corpus / "ceshi-2019.txt").unlink()
    (corpus / "测试区").mkdir()
    (corpus / "测试区" / "2019.txt").write_text(text, encoding="utf-8")
    build(corpus, root / "index")
    return create_app({"TESTING": True, "INDEX_DIR": str(root / "index")}).test_client()


def test_a_308_for_a_moved_report_is_json_and_validates(moved_client, contract):
    response = moved_client.get("/api/reports/ceshi-2019", query_string={"q": "河涌"})
    assert response.status_code == 308
    assert response.get_json()["id"] == "测试区/2019"
    assert response.headers["Location"] == response.get_json()["url"]
    assert response.headers["Location"].startswith("/api/reports/%E6%B5%8B%E8%AF%95%E5%8C%BA/2019?q=")
    validate(contract, response)
    followed = moved_client.get(response.headers["Location"])
    assert followed.get_json()["id"] == "测试区/2019"


def _with_body(response: TestResponse, body: object) -> TestResponse:
    changed = TestResponse(
        json.dumps(body, ensure_ascii=False),
        status=response.status,
        headers=response.headers,
        request=response.request,
    )
    changed.headers.pop("Content-Length", None)
    return changed


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("total"),  # a field removed
        lambda d: d.update(total=str(d["total"])),  # retyped
        lambda d: d["results"][0].pop("anchor"),  # a field of a nested schema removed
        lambda d: d["results"][0].update(year="2018"),
        lambda d: d.update(undocumented=1),  # a field the description does not name
        lambda d: d["series"].update(share=["half"]),
    ],
)
def test_an_answer_that_breaks_the_description_fails_validation(client, contract, change):
    """The contract has teeth: each change below, made to a real answer, fails it."""
    response = client.get("/api/search", query_string={"q": "河涌", "per_page": 2})
    validate(contract, response)
    body = response.get_json()
    change(body)
    with pytest.raises(ValidationError):
        validate(contract, _with_body(response, body))


def test_a_paragraphs_similar_passages_validate(client, contract):
    paragraphs = client.get("/api/reports/guangzhou-liwan-2017").get_json()["paragraphs"]
    for p in paragraphs[:3]:
        response = client.get("/api/reports/guangzhou-liwan-2017/similar", query_string={"p": p["anchor"]})
        assert response.status_code == 200
        assert response.get_json()["paragraph"]["text"] == p["text"]
        validate(contract, response)
