"""HTTP views: the search page, the report reader, and the JSON API."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ServiceUnavailable
from whoosh.searching import Searcher

from indexer.analysis import fold
from indexer.places import PLACE_SEP, PlaceNode, place_key, place_tree
from indexer.structure import EDITED, Block
from indexer.watch import read_state

from . import engine, forkserver
from .engine import SearchResult
from .forkserver import Exports
from .handle import IndexHandle
from .params import EXPORTS, FORMATS, GROUPS, MEASURES, choice_arg, page_args, query_args, sort_arg
from .query import ParsedQuery, holding, needles
from .scoring import Scorer
from .snippets import mark_html, match_spans
from .status import list_reports, status
from .suggest import SUGGEST_TIME, TO_SCRIPT, Suggestion, did_you_mean, suggestions

pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__, url_prefix="/api")


@pages.before_app_request
def start_the_clock() -> None:
    """One deadline for the whole request: the search, then the suggestions with what is left
    (they are dropped, not late, when nothing is). It starts once what every search reads
    is loaded (already, in a server prepared before it forked; else now, on a process's first
    request and the first after a build)."""
    _handle().load()
    g.deadline = time.perf_counter() + current_app.config["TIME_LIMIT"]


def _handle() -> IndexHandle:
    return current_app.extensions["search_index"]


def _searcher() -> Searcher:
    """This request's searcher, taken from the app's pool and given back at teardown."""
    if "searcher" not in g:
        g.searcher = _handle().acquire()
    return g.searcher


def _meta() -> dict:
    """The build record of the generation this request reads (parsed once per process)."""
    return _searcher().generation.record


def release_searcher(exc: BaseException | None = None) -> None:
    s = g.pop("searcher", None)
    if s is not None:
        current_app.extensions["search_index"].release(s)


def _run_search(
    per_page_default: int = 10,
    facets: bool = False,
    group: str = "paragraph",
    query: str | None = None,
    deadline: float | None = None,
) -> tuple[str, ParsedQuery, SearchResult | None]:
    """This request's search (``query`` instead of its ``q``, if given): grouped by report
    when ``group`` (or the request's ``group``) says so; stopped at ``deadline``, else at
    the request's."""
    args: MultiDict = request.args
    if query is not None:
        args = args.copy()
        args.setlist("q", [query])
    text, parsed = query_args(args)
    page, per_page = page_args(args, per_page_default)
    sort = sort_arg(args)
    grouped = choice_arg(args, "group", GROUPS, group) == "report"
    if not parsed.terms and not parsed.excluded and not parsed.has_filters:
        return text, parsed, None
    result = engine.search(
        _searcher(),
        text,
        parsed,
        page=page,
        per_page=per_page,
        sort=sort,
        facets=facets,
        group=grouped,
        deadline=g.deadline if deadline is None else deadline,
        cache=_handle().cache,
    )
    return text, parsed, result


@pages.app_template_global()
def report_url(report_id: str, paragraph_id: str | None = None, **args: Any) -> str:
    """The link to a report (to one of its paragraphs), query arguments in ``args``: the
    one place report links are made, for pages and API alike."""
    return url_for("pages.report", report_id=report_id, _anchor=paragraph_id, **args)


@pages.app_template_filter("day")
def day(value: str | None) -> str:
    """An ISO date or time as people write it: 2019年3月5日 (with the time, 2019年3月5日 12:37)."""
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("+0000", "+00:00"))
    except ValueError:
        return value
    text = f"{when.year}年{when.month}月{when.day}日"
    return text + (f" {when:%H:%M}" if "T" in value else "")


@pages.app_template_global()
def url_with(**changes: object) -> str:
    """This page's URL with arguments changed (``None`` removes one); paging starts over."""
    args = request.args.to_dict(flat=False)
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [str(value)]
    query = urlencode(args, doseq=True)
    return url_for(request.endpoint or "pages.index", **(request.view_args or {})) + (
        f"?{query}" if query else ""
    )


EXAMPLES = [
    "乡村振兴",
    "医疗改革",
    "老旧小区改造",
    "营商环境 year:2018-2026",
    '"粤港澳大湾区"',
    "地铁 region:广州",
    "荔灣",
]


@pages.get("/")
def index() -> ResponseReturnValue:
    try:
        text, parsed, result = _run_search(facets=True, group="report")
    except engine.SearchTimeout:  # the server's problem, said in the page that keeps the query
        text, parsed = query_args(request.args)
        busy = engine.busy(current_app.config["TIME_LIMIT"])
        return _index_page(text, parsed, None, busy=busy), 503, {"Retry-After": "5"}
    hints: list[Suggestion] = []
    corrected = None
    if result is not None and result.matched < engine.FEW:
        deadline = min(g.deadline, time.perf_counter() + SUGGEST_TIME)
        vocabulary = _handle().vocabulary(_searcher())

        def count(query: str) -> int | None:
            """A correction's paragraphs; None when the suggestions' time ran out counting
            them (the page is served without a correction, not as a 503)."""
            try:
                _, _, found = _run_search(per_page_default=1, query=query, deadline=deadline)
            except engine.SearchTimeout:
                return None
            return found.matched if found else 0

        corrected = did_you_mean(vocabulary, text, parsed, result.matched, count, deadline)
        if not result.total:
            hints += suggestions(text, parsed)
    return _index_page(text, parsed, result, hints=hints, corrected=corrected)


def _index_page(
    text: str,
    parsed: ParsedQuery,
    result: SearchResult | None,
    hints: Sequence[Suggestion] = (),
    busy: str | None = None,
    corrected: Suggestion | None = None,
) -> str:
    return render_template(
        "index.html",
        q=text,
        parsed=parsed,
        result=result,
        hints=hints,
        corrected=corrected,
        busy=busy,
        status=status(_meta()),
        examples=EXAMPLES,
        sort=request.args.get("sort", "relevance"),
        group=choice_arg(request.args, "group", GROUPS, "report"),
        measure=choice_arg(request.args, "measure", MEASURES, "paragraphs"),
        years=[y for y in request.args.getlist("year") if y.strip()],
        regions=request.args.getlist("region"),
        region_rows=region_facet(result.regions, request.args.getlist("region")) if result else [],
    )


FACET_PLACES = 40  # rows of the region facet at most


def region_facet(counts: dict[str, int], chosen: list[str]) -> list[tuple[int, str, int, bool]]:
    """The region facet as rows (depth, place, matches, chosen) of the tree of places that
    hold matches: provinces (national first), and below a province its cities (below a
    city its districts) where it is the only place at its level or a chosen place lies in it."""
    wanted = [fold(c) for c in chosen]
    rows: list[tuple[int, str, int, bool]] = []

    def walk(entries: list[tuple[tuple[str, ...], int]], depth: int) -> None:
        """The places ``depth`` deep of ``entries`` (paths below one place, and matches), in
        the order of places; a place's own places only where it is opened, and only until
        the facet is full (a common word's matches lie in thousands of places)."""
        below: dict[tuple[str, ...], list[tuple[tuple[str, ...], int]]] = {}
        for path, n in entries:
            below.setdefault(path[: depth + 1], []).append((path, n))
        places = sorted(below, key=place_key)
        for place in places:
            if len(rows) >= FACET_PLACES:
                return
            rows.append(
                (depth, place[-1], sum(n for _, n in below[place]), any(w == fold(place[-1]) for w in wanted))
            )
            if len(places) == 1 or any(w in fold(name) for w in wanted for name in place):
                walk([(path, n) for path, n in below[place] if len(path) > depth + 1], depth + 1)

    walk([(tuple(label.split(PLACE_SEP)), n) for label, n in counts.items()], 0)
    return rows[:FACET_PLACES]


@pages.get("/overview")
def overview() -> ResponseReturnValue:
    """A query's place × year grid: matching paragraphs per place (provinces, a province's
    cities and a city's districts when opened with ``open``) and year, with the first and
    last year that mentions it; each cell links to those results."""
    text, parsed, result = _run_search(facets=True, per_page_default=1)
    if result is None:
        return _index_page(text, parsed, None)
    per_place: dict[tuple[str, ...], dict[int, int]] = {}
    for label, counts in result.grid.items():
        path = tuple(label.split(PLACE_SEP))
        for depth in range(len(path)):
            row = per_place.setdefault(path[: depth + 1], {})
            for year, n in counts.items():
                row[year] = row.get(year, 0) + n
    opened = set(request.args.getlist("open"))
    rows: list[tuple[int, PlaceNode, dict[int, int]]] = []

    def walk(nodes: list[PlaceNode], depth: int) -> None:
        for node in nodes:
            rows.append((depth, node, per_place.get(node.path, {})))
            if node.name in opened:
                walk(node.children, depth + 1)

    walk(place_tree((label.split(PLACE_SEP), sum(c.values()), None) for label, c in result.grid.items()), 0)
    years = result.series.years if result.series else sorted({y for c in result.grid.values() for y in c})
    return render_template("overview.html", q=text, result=result, rows=rows, years=years, opened=opened)


MAX_COMPARE = 6  # queries on one chart


@pages.get("/compare")
def compare() -> ResponseReturnValue:
    """Up to ``MAX_COMPARE`` queries (``q`` repeated) on one series per year, within the
    same filters, counted as paragraphs, reports mentioning, or share of the year's reports."""
    queries = list(dict.fromkeys(q.strip() for q in request.args.getlist("q") if q.strip()))
    if len(queries) > MAX_COMPARE:
        abort(400, f"最多比较 {MAX_COMPARE} 个词，而不是 {len(queries)} 个。")
    lines: list[tuple[str, engine.Series]] = []
    totals = []
    for query in queries:
        _, _, result = _run_search(facets=True, per_page_default=1, query=query)
        if result is not None and result.series is not None:
            lines.append((query, result.series))
            totals.append((query, result.matched, result.reports))
    axis = sorted({y for _, series in lines for y in series.years})
    aligned = [(name, _aligned(series, axis)) for name, series in lines]
    return render_template(
        "compare.html",
        queries=queries,
        slots=queries + [""] * (MAX_COMPARE - len(queries)),
        lines=aligned,
        totals=totals,
        measure=choice_arg(request.args, "measure", MEASURES, "paragraphs"),
    )


def _aligned(series: engine.Series, axis: list[int]) -> engine.Series:
    """``series`` on ``axis`` (a year it lacks counts zero, with no report)."""
    at = {y: i for i, y in enumerate(series.years)}

    def on_axis(values: list[int]) -> list[int]:
        return [values[at[y]] if y in at else 0 for y in axis]

    return engine.Series(axis, on_axis(series.paragraphs), on_axis(series.reports), on_axis(series.available))


@pages.get("/reports/")
def reports() -> str:
    """Every report, in the tree of places (national first, then each province with its
    cities and their districts), newest first within a place."""
    tree = place_tree((r["place"], 1, r) for r in list_reports(_meta()))
    return render_template("reports.html", tree=tree)


@dataclass
class Table:
    """A table of a report as the reader shows it: its header, its rows (each a block,
    with its cells marked)."""

    number: int
    header: list[str]
    rows: list[tuple[Block, list[Markup]]] = field(default_factory=list)


@pages.get("/reports/<path:report_id>")
def report(report_id: str) -> ResponseReturnValue:
    found = engine.load_report(_searcher(), report_id)
    if found is None:
        return _moved_or_404(report_id, "pages.report")
    script = request.args.get("script", "")
    if script and script not in TO_SCRIPT:
        abort(400, "参数“script”应为 s（简体）或 t（繁體）。")
    convert = TO_SCRIPT[script].convert if script else (lambda t: t)
    text, parsed = query_args(request.args)
    marks = needles(parsed)
    matches = 0

    def marked(text: str, lead: str = "") -> Markup:
        """The text as shown, its matches marked and its lead (a heading it starts with) bold."""
        nonlocal matches
        shown = convert(text)
        spans = match_spans(shown, marks)
        matches += len(spans)
        shown_lead = convert(lead)
        bold = len(shown_lead) if lead and shown.startswith(shown_lead) else 0
        if not bold:
            return mark_html(shown, spans)
        return Markup('<strong class="lead">%s</strong>%s') % (
            mark_html(shown, spans, 0, bold),
            mark_html(shown, spans, bold),
        )

    # the report as shown: blocks, and each table's rows (blocks too) under its header
    parts: list[tuple[Block, Markup] | Table] = []
    for b in found.blocks:
        if b.inline:  # shown as the bold lead of the next paragraph: marked there
            parts.append((b, Markup("")))
            continue
        if not b.table:
            parts.append((b, marked(b.text, b.lead)))
            continue
        if not parts or not isinstance(parts[-1], Table) or parts[-1].number != b.table:
            parts.append(Table(b.table, [convert(h) for h in b.header]))
        table = parts[-1]
        assert isinstance(table, Table)
        table.rows.append((b, [marked(c) for c in b.cells]))
    # a heading that leads a paragraph lands on that paragraph
    led = {
        b.id: nxt.anchor or nxt.id for b, nxt in zip(found.blocks, found.blocks[1:], strict=False) if b.inline
    }
    toc = [(b, convert(b.text), led.get(b.id, b.anchor or b.id)) for b in found.headings]
    return render_template(
        "report.html",
        report=found,
        title=convert(found.title),
        parts=parts,
        toc=toc,
        q=text,
        matches=matches,
        script=script,
        citation={**found.citation(), "url": report_url(found.id, _external=True)},
        moved={"links": found.moved, "edited": EDITED, "search": url_for("pages.index", report=found.id)},
    )


def _moved_or_404(report_id: str, endpoint: str) -> ResponseReturnValue:
    """A report whose file moved within the corpus: a permanent redirect (308) to its id
    now, keeping the query (and, in the browser, the #anchor); else a 404."""
    now = _meta().get("aliases", {}).get(report_id)
    if now is None:
        abort(404, f"没有这份报告：{report_id}。")
    query = urlencode(request.args.to_dict(flat=False), doseq=True)
    target = url_for(endpoint, report_id=now) + (f"?{query}" if query else "")
    if endpoint.startswith("api."):  # the API answers in JSON, its redirects too
        return jsonify({"id": now, "url": target, "status": 308}), 308, {"Location": target}
    return redirect(target, 308)


def public_origin() -> str:
    """The scheme and host of absolute links (``PUBLIC_URL``); their paths come from url_for."""
    public = urlsplit(current_app.config["PUBLIC_URL"])
    return f"{public.scheme}://{public.netloc}"


@pages.get("/opensearch.xml")
def opensearch() -> Response:
    xml = render_template("opensearch.xml", origin=public_origin())
    return Response(xml, mimetype="application/opensearchdescription+xml")


@api.get("/search")
def api_search() -> Response:
    """One page of hits (``group=report``: of reports, each with its best paragraphs), with
    the counts per year and per place and the series per year."""
    text, _, result = _run_search(facets=True)
    if result is None:
        page, per_page = page_args(request.args)
        result = engine.SearchResult(query=text, total=0, page=page, per_page=per_page, took_ms=0)
    return jsonify(result.to_json(lambda hit: report_url(hit.report_id, hit.anchor)))


COMPLETIONS = 8  # words offered while typing


@api.get("/complete")
def complete() -> Response:
    """Completions of the last word being typed (``q``): the index's words that start with
    it, the most frequent first, in the script typed; each with the whole query it makes."""
    text = request.args.get("q", "")[:100]
    head, _, last = text.rpartition(" ")
    folded = "".join(fold(last).split())
    words = []
    if folded:
        scorer = Scorer(_searcher(), _handle().cache, g.deadline)
        ids = scorer.part(holding(folded)).ids
        words = _handle().vocabulary(_searcher()).phrases(folded, ids, scorer.generation.text, COMPLETIONS)
    traditional = fold(last) != last
    out = []
    for word, paragraphs in words:
        shown = TO_SCRIPT["t"].convert(word) if traditional else word
        out.append({"word": shown, "query": f"{head} {shown}".strip(), "paragraphs": paragraphs})
    return jsonify({"query": text, "completions": out})


def _export_args() -> tuple[str, str, str, ParsedQuery]:
    """What an export lists and how (``data``, ``format``, the query as typed and parsed),
    or a 400."""
    data = choice_arg(request.args, "data", EXPORTS, "hits")
    fmt = choice_arg(request.args, "format", FORMATS, "csv")
    text, parsed = query_args(request.args)
    if not parsed.terms and not parsed.excluded and not parsed.has_filters:
        abort(400, "没有可导出的内容：请给出查询 q（或年份、地区筛选）。")
    return data, fmt, text, parsed


@api.get("/export")
def export() -> Response:
    """The listed paragraphs (``data=hits``: report, title, place, year, section path,
    paragraph id, link, text), or the counts per year or per place, as CSV (UTF-8 with a
    byte order mark, so a spreadsheet opens it) or JSON; at most ``EXPORT_MAX_ROWS``
    paragraphs (more: a 413 that says how to ask in parts). Made by a process of its own
    (search.forkserver) and streamed from it: a file cut short says so in its last line."""
    data, fmt, _, _ = _export_args()
    exports: Exports = current_app.extensions["exports"]
    if not exports.slots.acquire(blocking=False):
        message = f"同时进行的导出已达上限（每个服务进程 {exports.concurrency} 个）。请稍后再试。"
        raise ServiceUnavailable(message, retry_after=10)
    try:
        conn = exports.server.open(
            {
                "path": request.path,
                # bytes past ASCII (a client may send UTF-8 as it is) escaped: the same arguments
                "query": "".join(chr(b) if b < 128 else f"%{b:02X}" for b in request.query_string),
                "base_url": request.url_root,
            }
        )
    except BaseException:
        exports.slots.release()
        raise
    stream = forkserver.frames(conn, exports.server.timeout)
    finished: list[bool] = []

    def finish() -> None:
        """The connection closed (the export process stops if it has not) and the slot freed."""
        if not finished:
            finished.append(True)
            stream.close()
            exports.slots.release()

    response = _exported(stream, fmt, finish)
    response.call_on_close(finish)  # a client gone before the first byte
    if response.status_code == 200:
        response.headers["Content-Disposition"] = f'attachment; filename="export-{data}.{fmt}"'
    return response


def _exported(stream: Iterator[tuple[bytes, bytes]], fmt: str, finish: Callable[[], None]) -> Response:
    """The answer of an export process: its error, or its rows streamed (``finish`` once
    the answer is over)."""
    kind, payload = next(stream, (b"", b""))
    head: dict = json.loads(payload) if kind == b"H" else {"status": 503}
    if head["status"] != 200:
        finish()
        if "body" not in head:
            abort(503, "导出进程未能启动，请稍后再试。")
        return Response(head["body"], head["status"], head.get("headers"), mimetype="application/json")

    def body() -> Iterator[bytes]:
        try:
            for kind, payload in stream:
                if kind == b"D":
                    yield payload
                elif kind == b"E":
                    return
                elif kind == b"X":
                    yield cut_line(fmt, payload.decode())
                    return
            yield cut_line(fmt, "导出进程意外中止")
        finally:
            finish()

    response = Response(body(), mimetype="text/csv" if fmt == "csv" else "application/json")
    response.headers["X-Export-Rows"] = str(head["rows"])
    return response


def cut_line(fmt: str, reason: str) -> bytes:
    """The last line of an export cut short: a spreadsheet shows it as the last row, and a
    JSON file stops parsing there."""
    line = f"# 文件不完整：{reason}"
    return (f"{line}\r\n" if fmt == "csv" else f"\n{line}\n").encode()


def export_frames(send: Callable[[bytes, bytes], None], started: float) -> None:
    """An export, answered in an export process (search.forkserver) inside a request
    context: the header frame (the row count, or the error as this app renders it), then
    the body in frames, ending with ``E`` or, cut short, ``X`` and the reason."""
    limit = float(current_app.config["EXPORT_TIME_LIMIT"])
    g.deadline = started + limit
    try:
        try:
            rows, chunks = _export_body()
        except engine.SearchTimeout:
            message = (
                f"这次导出的检索超过 {limit:g} 秒仍未完成，已停止。服务器可能正忙："
                "请稍后再试，或按年份、地区分批导出。"
            )
            raise ServiceUnavailable(message, retry_after=30) from None
    except Exception as exc:  # the error as the app answers it: its handlers, its JSON
        answer = current_app.make_response(current_app.handle_user_exception(exc))
        headers = {k: v for k, v in answer.headers.items() if k == "Retry-After"}
        head = {"status": answer.status_code, "body": answer.get_data(as_text=True), "headers": headers}
        send(b"H", json.dumps(head).encode())
        return
    send(b"H", json.dumps({"status": 200, "rows": rows}).encode())
    try:
        for chunk in chunks:
            send(b"D", chunk.encode())
    except OSError:  # the client (and the worker's read) went away: nothing to tell
        return
    except Exception as exc:
        current_app.logger.exception("an export failed")
        send(b"X", f"导出出错（{type(exc).__name__}）".encode())
        return
    send(b"E", b"")


def _export_body() -> tuple[int, Iterator[str]]:
    """An export's row count and its text, in chunks."""
    data, fmt, text, parsed = _export_args()
    if data == "hits":
        maximum = int(current_app.config["EXPORT_MAX_ROWS"])
        total, rows = engine.listing(
            _searcher(), parsed, sort_arg(request.args), g.deadline, _handle().cache, maximum
        )
        if total > maximum:
            abort(
                413,
                f"这次导出有 {total:,} 段，超过一次导出的上限 {maximum:,} 段。请分批导出："
                f"按年份（如 year=2018，或在查询中写 year:2015-2018）或按地区（如 region=广东省），"
                f"每批不超过 {maximum:,} 段。",
            )
        columns = [
            "report_id",
            "title",
            "place",
            "year",
            "section",
            "paragraph_id",
            "anchor",
            "url",
            "text",
            "lacks",
        ]

        def linked() -> Iterator[dict]:
            for row in rows:
                yield {**row, "url": report_url(row["report_id"], row["anchor"], _external=True)}

        records: Iterable[dict] = linked()
    else:
        _, _, result = _run_search(facets=True, query=text)
        assert result is not None
        if data == "years":
            columns = ["year", "paragraphs", "reports", "available", "share"]
            series = result.series.to_json() if result.series else {"years": []}
            records = [
                {c: series[c if c != "year" else "years"][i] for c in columns}
                for i in range(len(series["years"]))
            ]
        else:
            columns = ["place", "paragraphs"]
            records = [
                {"place": label.split(PLACE_SEP), "paragraphs": n} for label, n in result.regions.items()
            ]
        total = len(records)
    return total, (_csv(records, columns) if fmt == "csv" else _json(records))


def _csv(records: Iterable[dict], columns: list[str]) -> Iterator[str]:
    yield "\ufeff"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for i, record in enumerate(records):
        writer.writerow(
            [
                PLACE_SEP.join(v) if isinstance(v, list) else ("" if v is None else v)
                for v in (record.get(c) for c in columns)
            ]
        )
        if i % 200 == 0 or out.tell() > 1 << 16:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _json(records: Iterable[dict]) -> Iterator[str]:
    yield "["
    for i, record in enumerate(records):
        yield ("," if i else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


@api.get("/reports")
def api_reports() -> Response:
    return jsonify([{**r, "url": report_url(r["id"])} for r in list_reports(_meta())])


@api.get("/reports/<path:report_id>")
def api_report(report_id: str) -> ResponseReturnValue:
    found = engine.load_report(_searcher(), report_id)
    if found is None:
        return _moved_or_404(report_id, "api.api_report")
    return jsonify({**found.outline(), "url": report_url(found.id, _external=True)})


@api.get("/status")
def api_status() -> Response:
    return jsonify(status(_meta(), read_state(_handle().index_dir)))
