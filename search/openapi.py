"""The API's contract: an OpenAPI 3.1 description of every ``/api/`` route.

Served at ``/api/openapi.json`` and rendered as the page ``/docs/api``. The tests validate
real responses of every route against it (``tests/test_api_contract.py``), so a response
that drifts from it fails them; the limits and choices it names come from the code that
enforces them (``params``, ``query``), so they cannot drift either.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.targets import BY_NAME

from .params import EXPORTS, FORMATS, GROUPS, MAX_PAGE, MAX_PER_PAGE, SORTS
from .query import MAX_QUERY_CHARS, MAX_TERMS

API_VERSION = "1.0.0"  # semantic: the major number changes only with a change a client must follow

COMPATIBILITY = """\
What a client may rely on within a major version (1.x):

- Routes and parameters stay; a parameter may gain values (a new `sort`), a route may gain
  parameters, and new routes are added.
- Every field listed in a response stays, under its name, with its type (a field that may be
  `null` says so). New fields may be added to any object: a client ignores fields it does not
  know.
- Errors stay JSON `{"error": message, "status": code}` with a 4xx or 5xx status; the message is
  for people (in Chinese) and may change.
- Links (`url`) are paths of this site or absolute URLs; a report's `id` and a paragraph's
  `anchor` are stable: a report whose file moved answers 308 with its id now.
- The order of results for a query may change between versions (ranking improves); counts,
  facets and series are exact for the index at hand.

A change that breaks any of these raises the major version of `info.version`. Scores
(`score`) only order the results of one query: compare them within an answer, not across
versions."""

DESCRIPTION = f"""\
Search the paragraphs of Chinese government work reports (政府工作报告), read reports, and
follow a query per year. Every route is read-only (`GET`).

**Cross-origin.** The API answers with `Access-Control-Allow-Origin: *` (preflight
requests too, allowing `If-None-Match`), so a page on another site can call it. The export
(`/api/export`) is a heavy request and is same-origin only; fetch it from a script or a server.

**Conditional requests.** Answers carry an `ETag` named after the state of the index, the
request's arguments and the API's version; send it back in `If-None-Match` and the answer is
`304 Not Modified`, with no body, until a build changes the index. A poller costs almost
nothing between builds.

**Feeds.** Every query has an Atom feed at `/feed?q=…` (the same `year`, `region` and
`report` filters), newest paragraphs first, for feed readers.

**Limits.** A query has at most {MAX_QUERY_CHARS} characters and {MAX_TERMS} words;
a search has a few seconds: past them the answer is 503 with `Retry-After`.

{COMPATIBILITY}"""


def _ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _object(description: str, properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """An object whose properties are all present, except ``optional`` ones."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [p for p in properties if p not in optional],
    }


def _said(schema: dict, description: str) -> dict:
    return {**schema, "description": description}


STRING = {"type": "string"}
STRINGS = _array(STRING)
INTEGER = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
COUNTS = _array(COUNT)
NULLABLE_STRING = {"type": ["string", "null"]}
YEAR = _said({"type": ["integer", "null"]}, "The report's year; null when it is not known.")
PLACE = _said(STRINGS, "The place as a path of administrative divisions: 广东省, 广州市, 荔湾区.")
SECTION = _said(STRINGS, "The headings the paragraph stands under, outermost first.")
ANCHOR = _said(STRING, "The paragraph's anchor, from its own text: links to it survive edits of the report.")
REPORT_ID = _said(STRING, "The report's id: its file's path under the corpus folder, without extension.")

SCHEMAS: dict[str, dict] = {
    "Error": _object(
        "An error: a message for people (in Chinese) and the HTTP status.",
        {"error": STRING, "status": _said(INTEGER, "The HTTP status, repeated.")},
    ),
    "Moved": _object(
        "A report whose file moved: its id now and its link (the `Location` header).",
        {"id": REPORT_ID, "url": STRING, "status": {"const": 308}},
    ),
    "Hit": _object(
        "A matching paragraph (or heading) with its snippet.",
        {
            "report_id": REPORT_ID,
            "title": _said(STRING, "The report's title."),
            "region": _said(STRING, "The place's name: its last part."),
            "place": PLACE,
            "year": YEAR,
            "paragraph_id": _said(
                STRING, "The paragraph's number in reading order (p12): shifts with edits."
            ),
            "anchor": ANCHOR,
            "section_path": SECTION,
            "url": _said(
                STRING, "The link to the paragraph in the reader: a path of this site with its #anchor."
            ),
            "snippet_html": _said(
                STRING,
                "The paragraph's matching sentences as HTML: the text escaped, the matches in <mark>.",
            ),
            "score": _said({"type": "number"}, "Orders the results of this answer only."),
            "lacks": _said(
                NULLABLE_STRING,
                "For a paragraph listed as a near miss (fewer than ten hold every word): the word it lacks.",
            ),
        },
    ),
    "Group": _object(
        "A report among grouped results: how many of its paragraphs are listed, its best ones.",
        {
            "report_id": REPORT_ID,
            "title": STRING,
            "place": PLACE,
            "year": YEAR,
            "count": COUNT,
            "results": _array(_ref("Hit")),
        },
    ),
    "Series": _object(
        "Per year, on a continuous axis (from the first to the last year the filters let through).",
        {
            "years": _array(INTEGER),
            "paragraphs": _said(COUNTS, "Matching paragraphs per year."),
            "reports": _said(COUNTS, "Reports holding a match, per year."),
            "available": _said(COUNTS, "Reports the filters let through, per year (0: a gap, no report)."),
            "share": _said(
                _array({"type": ["number", "null"], "minimum": 0, "maximum": 1}),
                "Of each year's reports, the share holding a match (null in a gap).",
            ),
        },
    ),
    "SearchResult": _object(
        "One page of results with the counts per year and place.",
        {
            "query": _said(STRING, "The query as typed."),
            "words": _said(STRINGS, "The words the query was cut into, as searched."),
            "total": _said(COUNT, "Paragraphs listed: those holding every word, then near misses."),
            "matched": _said(COUNT, "Paragraphs holding every word."),
            "reports": _said(COUNT, "Reports holding the listed paragraphs."),
            "also_searched": _said(
                STRINGS,
                "Other wordings searched too: synonyms, and short forms and near-synonyms (社保 for "
                "社会保险), unless `expand=0`.",
            ),
            "expanded": _said(
                {"type": "boolean"},
                "Whether short forms or near-synonyms were searched too (`expand=0` switches them off).",
            ),
            "exact_first": _said(
                NULLABLE_STRING, "The query as typed, when paragraphs holding it exactly come first."
            ),
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "took_ms": {"type": "number", "minimum": 0},
            "results": _array(_ref("Hit")),
            "facets": _object(
                "Matching paragraphs per year and per place, each counted within the other filters.",
                {
                    "years": {
                        "type": "object",
                        "propertyNames": {"pattern": "^[0-9]+$"},
                        "additionalProperties": COUNT,
                    },
                    "regions": {"type": "object", "additionalProperties": COUNT},
                },
            ),
            "series": _ref("Series"),
            "groups": _said(
                _array(_ref("Group")),
                "With `group=report`: this page's reports, each with its best paragraphs.",
            ),
        },
        optional=("series", "groups"),
    ),
    "Completions": _object(
        "Completions of the last word typed.",
        {
            "query": STRING,
            "completions": _array(
                _object(
                    "A word (or phrase) of the index that starts with the last word typed.",
                    {
                        "word": STRING,
                        "query": _said(STRING, "The whole query it makes."),
                        "paragraphs": _said(COUNT, "Paragraphs holding it."),
                    },
                )
            ),
        },
    ),
    "ReportSummary": _object(
        "A report of the library.",
        {
            "id": REPORT_ID,
            "title": STRING,
            "region": STRING,
            "place": PLACE,
            "year": YEAR,
            "paragraphs": COUNT,
            "url": _said(STRING, "The reader's path on this site."),
        },
    ),
    "Heading": _object(
        "A heading of a report.",
        {
            "id": STRING,
            "anchor": ANCHOR,
            "level": {"type": "integer", "minimum": 1},
            "title": STRING,
            "section_path": SECTION,
        },
    ),
    "Paragraph": _object(
        "A paragraph of a report; a table's row has its table number, header and cells.",
        {
            "id": STRING,
            "anchor": ANCHOR,
            "section_path": SECTION,
            "text": STRING,
            "table": INTEGER,
            "header": STRINGS,
            "cells": STRINGS,
        },
        optional=("table", "header", "cells"),
    ),
    "Report": _object(
        "A report: what is known of it, its headings and paragraphs.",
        {
            "id": REPORT_ID,
            "title": STRING,
            "region": STRING,
            "place": PLACE,
            "year": YEAR,
            "date": _said({"type": ["string", "null"], "format": "date"}, "The day it was given."),
            "session": NULLABLE_STRING,
            "speaker": NULLABLE_STRING,
            "office": NULLABLE_STRING,
            "origin": _said(NULLABLE_STRING, "Where the file came from, as its header says."),
            "citation": _object(
                "What a citation (GB/T 7714) needs.",
                {
                    "author": STRING,
                    "title": STRING,
                    "place": PLACE,
                    "year": YEAR,
                    "date": {"type": ["string", "null"], "format": "date"},
                    "session": NULLABLE_STRING,
                },
            ),
            "moved": _said(
                {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "prefixItems": [STRING, {"type": "number"}, STRING],
                        "items": False,
                    },
                },
                "Links to paragraphs of earlier versions: old anchor -> [the closest paragraph's "
                "anchor, its similarity, the old text's opening].",
            ),
            "url": _said(STRING, "The reader's absolute URL."),
            "headings": _array(_ref("Heading")),
            "paragraphs": _array(_ref("Paragraph")),
            "row": _said(INTEGER, "A table's report: its row, counting the rows under the header."),
            "text_column": _said(STRING, "A table's report: the column its text was read from."),
            "corrections": _array(_ref("Correction")),
        },
        optional=("row", "text_column", "corrections"),
    ),
    "Status": _object(
        "What the index holds and the record of its last build.",
        {
            "reports": COUNT,
            "paragraphs": COUNT,
            "regions": COUNT,
            "first_year": {"type": ["integer", "null"]},
            "last_year": {"type": ["integer", "null"]},
            "built_at": _said(NULLABLE_STRING, "When the last build changed the index (ISO 8601)."),
            "refused": _array(
                _object("A file the build could not read.", {"file": STRING, "reason": STRING})
            ),
            "duplicates": _array(
                _object("A report left out as a copy of another.", {"report": STRING, "same_as": STRING})
            ),
            "corrections": _array(
                {"allOf": [_ref("Correction"), _object("Of which report.", {"report": REPORT_ID})]}
            ),
            "watch": _said(
                {"oneOf": [_ref("Watch"), {"type": "null"}]},
                "What `python -m indexer watch` (run by `make serve`) did; null when no watcher ran.",
            ),
        },
    ),
    "Correction": _object(
        "Where a report's own text says otherwise than its table's column (the text wins).",
        {
            "field": {"enum": ["place", "year"]},
            "column": _said(STRING, "What the column says."),
            "text": _said({"type": ["string", "integer"]}, "What the report's text says."),
        },
    ),
    "Watch": _object(
        "The watcher of the corpus folder and its last automatic build.",
        {
            "started_at": STRING,
            "pid": INTEGER,
            "builds": COUNT,
            "last_build": {
                "oneOf": [
                    _object(
                        "The last automatic build.",
                        {
                            "at": _said(STRING, "When it started (ISO 8601)."),
                            "changed_files": COUNT,
                            "added": STRINGS,
                            "updated": STRINGS,
                            "removed": STRINGS,
                            "refused": _array(
                                _object(
                                    "A file the build could not read.", {"file": STRING, "reason": STRING}
                                )
                            ),
                            "seconds": {"type": "number"},
                        },
                    ),
                    {"type": "null"},
                ]
            },
            "last_error": {
                "oneOf": [
                    _object(
                        "A build that failed (the index served stayed), and the seconds until it is "
                        "tried again (doubling with each failure in a row, up to 300).",
                        {"at": STRING, "error": STRING, "retry_in": {"type": "number"}},
                        optional=("retry_in",),
                    ),
                    {"type": "null"},
                ]
            },
        },
    ),
    "ExportHit": _object(
        "A listed paragraph (`data=hits`).",
        {
            "report_id": REPORT_ID,
            "title": STRING,
            "place": PLACE,
            "year": YEAR,
            "section": SECTION,
            "paragraph_id": STRING,
            "anchor": ANCHOR,
            "url": _said(STRING, "The paragraph's absolute URL."),
            "text": STRING,
            "lacks": NULLABLE_STRING,
        },
    ),
    "ExportYear": _object(
        "The counts of one year (`data=years`).",
        {
            "year": INTEGER,
            "paragraphs": COUNT,
            "reports": COUNT,
            "available": COUNT,
            "share": {"type": ["number", "null"]},
        },
    ),
    "ExportPlace": _object(
        "The matching paragraphs of one place (`data=places`).", {"place": PLACE, "paragraphs": COUNT}
    ),
    "NewWording": _object(
        "What a report says for the first time (新提法), and what its place's previous report said "
        "prominently that it dropped.",
        {
            "report_id": REPORT_ID,
            "compared_with": _said(
                STRINGS,
                "The reports its wording is new against: its place's earlier reports and, below the "
                "nation, the national report of its year (a place's first report: that one, or the "
                "latest national report before it). Empty: nothing to compare with, nothing is new.",
            ),
            "new": _said(
                _array(
                    _object(
                        "A term none of those reports holds, the terms a reader would quote first.",
                        {
                            "term": _said(STRING, "As the index folds it (Simplified, half-width: 互联网+)."),
                            "paragraphs": _said({"type": "integer", "minimum": 1}, "Paragraphs that say it."),
                            "anchor": _said(STRING, "The anchor of the first paragraph that says it."),
                        },
                    )
                ),
                "Ranked by the evidence that each is a term (see the README).",
            ),
            "dropped": _array(
                _object(
                    "A term the place's previous report said prominently and this one does not say.",
                    {
                        "term": STRING,
                        "last_seen": _said(REPORT_ID, "The previous report, where it was said."),
                    },
                )
            ),
        },
    ),
    "Passage": _object(
        "A paragraph of a report, with the share of wording it has in common with the one asked about.",
        {
            "report_id": REPORT_ID,
            "title": _said(STRING, "The report's title."),
            "place": PLACE,
            "year": YEAR,
            "anchor": ANCHOR,
            "shared": _said(
                {"type": "number", "minimum": 0, "maximum": 1},
                "The share of the shorter paragraph's wording (punctuation left out, scripts folded, "
                "numbers masked) that the two have in common; 1 for the paragraph asked about.",
            ),
            "text": _said(STRING, "The paragraph's text, as the report has it."),
        },
    ),
    "SimilarPassages": _object(
        "A paragraph and the paragraphs of other reports that say it in largely the same words.",
        {
            "paragraph": _ref("Passage"),
            "similar": _said(
                _array(_ref("Passage")),
                "Oldest first (by year and date): the first is the earliest in the library. Formulas every "
                "report has, and paragraphs under 60 characters, are never listed (see the README).",
            ),
        },
    ),
    "Target": _object(
        "A target a report sets for its year (主要预期目标).",
        {
            "report_id": REPORT_ID,
            "place": PLACE,
            "year": YEAR,
            "indicator": {"enum": list(BY_NAME)},
            "text": _said(STRING, "As the report writes it: 5%左右, 6%—6.5%, 1200万人以上."),
            "low": _said(
                {"type": ["number", "null"]},
                "The lower bound in the indicator's unit (percent; jobs in 10,000 people, grain in "
                "10,000 tonnes); null when the target has none (4.6%以内).",
            ),
            "high": _said({"type": ["number", "null"]}, "The upper bound; null when it has none (6%以上)."),
            "anchor": _said(STRING, "The anchor of the paragraph that sets it."),
        },
    ),
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _repeated(name: str, description: str) -> dict:
    return {**_query(name, _array(STRING), description), "style": "form", "explode": True}


PARAMETERS = {
    "q": _query(
        "q",
        {"type": "string", "maxLength": MAX_QUERY_CHARS},
        'The query: words in Simplified or Traditional characters; `"…"` for a phrase, `-word` '
        "to exclude, `OR`, `year:2015-2018`, `region:广州`.",
    ),
    "page": _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "The page."),
    "per_page": _query(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10},
        "Results (or, grouped, reports) per page.",
    ),
    "year": _repeated("year", "A year (2017) or a range (2015-2018); several are any of them."),
    "region": _repeated("region", "A place (广州, 荔湾区, 广东省 › 广州市); several are any of them."),
    "report": _query("report", STRING, "Search within one report (its id)."),
    "expand": _query(
        "expand",
        {"enum": ["1", "0"], "default": "1"},
        "`0`: the words as typed only, without the short forms and near-synonyms the reports use for "
        "them (社保 for 社会保险, 双创 for 大众创业、万众创新); a quoted phrase is never widened.",
    ),
    "sort": _query("sort", {"enum": list(SORTS), "default": "relevance"}, "The order of the results."),
    "group": _query(
        "group",
        {"enum": list(GROUPS), "default": "paragraph"},
        "`report`: one entry per report (`groups`), its best paragraphs; `paragraph`: single paragraphs.",
    ),
    "If-None-Match": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "schema": STRING,
        "description": "The `ETag` of an earlier answer: 304 with no body while it still holds.",
    },
}
PARAMETERS["report_id"] = {
    "name": "report_id",
    "in": "path",
    "required": True,
    "schema": STRING,
    "description": "The report's id (`全国/2018`); a `/` in it may be sent as it is or as `%2F`.",
}
PARAMETERS["data"] = _query("data", {"enum": list(EXPORTS), "default": "hits"}, "What to export.")
PARAMETERS["place"] = _repeated(
    "place", "A place (广东, 广东省, 全国, 广东省 › 广州市); several are any of them."
)
PARAMETERS["indicator"] = {
    **_repeated("indicator", "An indicator; several are any of them."),
    "schema": _array({"enum": list(BY_NAME)}),
}
PARAMETERS["target_format"] = _query(
    "format",
    {"enum": ["json", "csv"]},
    "Given, the answer is a file to save: `json`, or `csv` (UTF-8 with a byte order mark, with each "
    "indicator's label and unit and the passage's absolute link).",
)
PARAMETERS["p"] = {
    **_query("p", {"type": "string", "minLength": 1, "maxLength": 40}, "A paragraph's anchor (`t3kq7zd`)."),
    "required": True,
}
PARAMETERS["format"] = _query("format", {"enum": list(FORMATS), "default": "csv"}, "CSV or JSON.")
FILTERS = ["q", "year", "region", "report", "expand"]

HEADERS = {
    "ETag": {
        "description": "Names the index state, the arguments and the API version (a weak tag).",
        "required": True,
        "schema": {"type": "string", "pattern": '^W/"[0-9a-f]+"$'},
    },
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": STRING},
    "Location": {"description": "The report's URL now.", "required": True, "schema": STRING},
    "X-Export-Rows": {
        "description": "The rows the export holds; a file cut short ends with a line `# 文件不完整：<reason>`.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _error(description: str, headers: dict | None = None) -> dict:
    return {
        "description": description,
        "content": _json(_ref("Error")),
        **({"headers": headers} if headers else {}),
    }


RESPONSES = {
    "BadRequest": _error("A bad argument (or a Host this site does not answer to): the message says which."),
    "NotFound": _error("No such report."),
    "Unavailable": _error(
        "No index yet, a damaged one, or a search past its time limit (then with `Retry-After`).",
        {"Retry-After": _ref("Retry-After", "headers")},
    ),
    "TooMany": _error(
        "This client asked for this route more often than its limit allows (the message says the "
        "limit): try again after `Retry-After` seconds. Limits are per client and per route.",
        {"Retry-After": _ref("Retry-After", "headers")},
    ),
    "NotModified": {
        "description": "The `If-None-Match` tag still holds: no body.",
        "headers": {"ETag": _ref("ETag", "headers")},
    },
}


def _operation(
    summary: str, description: str, parameters: list[str], ok: dict, extra: dict | None = None
) -> dict:
    """A GET of the API: conditional (200 with an ETag, 304), 400 and 503 besides ``extra``."""
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": [_ref(p, "parameters") for p in [*parameters, "If-None-Match"]],
            "responses": {
                "200": {**ok, "headers": {**ok.get("headers", {}), "ETag": _ref("ETag", "headers")}},
                "304": _ref("NotModified", "responses"),
                **(extra or {}),
                "400": _ref("BadRequest", "responses"),
                "503": _ref("Unavailable", "responses"),
            },
        }
    }


OF_A_REPORT = {  # what a route of one report answers besides its 200
    "308": {
        "description": "The report's file moved: its id now.",
        "headers": {"Location": _ref("Location", "headers")},
        "content": _json(_ref("Moved")),
    },
    "404": _ref("NotFound", "responses"),
}

PATHS = {
    "/api/search": _operation(
        "Search paragraphs",
        "One page of matching paragraphs (`group=report`: of reports, each with its best paragraphs), "
        "ranked, with snippets, the counts per year and per place, and the series per year. Without "
        "a query or filter, an empty result.",
        [*FILTERS, "page", "per_page", "sort", "group"],
        {"description": "The results.", "content": _json(_ref("SearchResult"))},
    ),
    "/api/export": _operation(
        "Export every listed paragraph, or the counts per year or per place",
        "Streamed: `data=hits` lists every paragraph in the order of the result pages "
        "(report, title, place, year, section path, paragraph id, anchor, absolute link, text), "
        "at most 50,000 of them (a larger export is a 413: ask for it by year or place); "
        "`data=years` and `data=places` the counts. CSV is UTF-8 with a byte order mark (a place is "
        "its path joined with ` › `). A file cut short (its process stopped) ends with a line "
        "`# 文件不完整：<reason>` (in JSON too, which then does not parse). Same-origin only: no "
        "CORS headers.",
        [*FILTERS, "sort", "data", "format"],
        {
            "description": "The rows, as an attachment.",
            "headers": {"X-Export-Rows": _ref("X-Export-Rows", "headers")},
            "content": {
                "text/csv": {"schema": STRING},
                "application/json": {
                    "schema": _array({"oneOf": [_ref("ExportHit"), _ref("ExportYear"), _ref("ExportPlace")]})
                },
            },
        },
        {
            "413": _error(
                "More paragraphs than one export lists: the message says how many, and to ask by year or place."
            ),
            "429": _ref("TooMany", "responses"),
        },
    ),
    "/api/complete": _operation(
        "Complete the last word typed",
        "The index's words and phrases that start with the last word of `q`, the most frequent "
        "first, in the script typed.",
        ["q"],
        {"description": "The completions.", "content": _json(_ref("Completions"))},
        {"429": _ref("TooMany", "responses")},
    ),
    "/api/reports": _operation(
        "List the reports",
        "Every report of the library, in the order of places (national first), newest first within a place.",
        [],
        {"description": "The reports.", "content": _json(_array(_ref("ReportSummary")))},
    ),
    "/api/reports/{report_id}": _operation(
        "Read a report",
        "A report's metadata, headings and paragraphs, each with its id and anchor. An id the report "
        "had before its file moved answers 308 with its id now.",
        ["report_id"],
        {"description": "The report.", "content": _json(_ref("Report"))},
        OF_A_REPORT,
    ),
    "/api/reports/{report_id}/new": _operation(
        "What a report says for the first time",
        "Its new wording (新提法): the terms its place's earlier reports never used (below the nation, "
        "nor the national report of its year), the terms a reader would quote first; and the terms "
        "its place's previous report used prominently that it dropped. Computed by the build.",
        ["report_id"],
        {"description": "The report's new wording.", "content": _json(_ref("NewWording"))},
        OF_A_REPORT,
    ),
    "/api/reports/{report_id}/similar": _operation(
        "Where else a paragraph's wording appears",
        "The paragraphs of other reports that say what the paragraph `p` says in largely the same "
        "words (verbatim, in the other script, with numbers or a few words changed, or taking over most "
        "of its sentences), oldest first, each with the share of wording in common. Computed by the "
        "build. 404 for a report or an anchor the library does not hold.",
        ["report_id", "p"],
        {"description": "The paragraph and its similar passages.", "content": _json(_ref("SimilarPassages"))},
        OF_A_REPORT,
    ),
    "/api/targets": _operation(
        "The year's targets the reports set",
        "Each report's targets for its year (主要预期目标: GDP growth, consumer prices, new urban jobs, "
        "the urban unemployment rates, grain output, energy intensity, residents' income, the fiscal "
        "deficit), as written, with their bounds and the paragraph that sets them; national first, then "
        "by place and year. A report that sets none for an indicator has no row for it.",
        ["place", "year", "indicator", "target_format"],
        {
            "description": "The targets.",
            "content": {
                "application/json": {
                    "schema": _object(
                        "The targets the filters let through.", {"targets": _array(_ref("Target"))}
                    )
                },
                "text/csv": {"schema": STRING},
            },
        },
    ),
    "/api/status": _operation(
        "The index's counts and last build",
        "How many reports, paragraphs, places and years the index holds, when it was built, and the "
        "files the build refused or left out as copies.",
        [],
        {"description": "The status.", "content": _json(_ref("Status"))},
    ),
    "/api/openapi.json": {
        "get": {
            "summary": "This description",
            "description": "The API's contract, as OpenAPI 3.1.",
            "responses": {
                "200": {"description": "The description.", "content": _json({"type": "object"})},
                "400": _ref("BadRequest", "responses"),
            },
        }
    },
}


def description(server: str = "/") -> dict:
    """The OpenAPI document, with ``server`` (the site's root URL) as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "政府工作报告检索 API",
            "version": API_VERSION,
            "summary": "Search Chinese government work reports by paragraph.",
            "description": DESCRIPTION,
            "license": {
                "name": "Reports: official documents, free of copyright (Copyright Law of the PRC, art. 5)"
            },
        },
        "servers": [{"url": server}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "headers": HEADERS,
            "responses": RESPONSES,
        },
    }


# --- the description as a page ------------------------------------------------------------


@dataclass
class Field:
    """A row of a schema's table on the documentation page."""

    name: str  # nested: the path to it (citation.date, completions[].word)
    type: str
    required: bool
    description: str


def _resolve(schema: dict, spec: dict) -> tuple[str | None, dict]:
    """A schema and the name it is referred to by, if any."""
    ref = schema.get("$ref", "")
    if not ref:
        return None, schema
    name = ref.rsplit("/", 1)[-1]
    return name, spec["components"]["schemas"][name]


def type_label(schema: dict, spec: dict) -> str:
    """A schema's type as the page says it: ``integer | null``, ``array of Hit``, ``one of a, b``."""
    name, schema = _resolve(schema, spec)
    if name:
        return name
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    if "const" in schema:
        return repr(schema["const"])
    if "oneOf" in schema:
        return " | ".join(type_label(s, spec) for s in schema["oneOf"])
    kind = schema.get("type", "any")
    if kind == "array" and "prefixItems" in schema:
        return "[" + ", ".join(type_label(s, spec) for s in schema["prefixItems"]) + "]"
    if kind == "array":
        return "array of " + type_label(schema.get("items", {}), spec)
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "object of " + type_label(schema["additionalProperties"], spec)
    return " | ".join(kind) if isinstance(kind, list) else kind


def fields(schema: dict, spec: dict, prefix: str = "") -> list[Field]:
    """The properties of an object schema, the properties of objects written in it (not
    named schemas, which have tables of their own) listed after theirs by their path."""
    rows = []
    for name, prop in _resolve(schema, spec)[1].get("properties", {}).items():
        rows.append(
            Field(
                prefix + name,
                type_label(prop, spec),
                name in schema.get("required", []),
                prop.get("description", ""),
            )
        )
        inner = prop.get("items", {}) if prop.get("type") == "array" else prop
        if inner.get("properties"):
            rows += fields(inner, spec, prefix + name + ("[]." if inner is not prop else "."))
    return rows
