"""The targets the reports set (indexer.targets), as the /targets page and /api/targets show
them: filtered by place, year and indicator, laid out place × year, and the GDP targets
as lines over the years."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from indexer.analysis import fold
from indexer.places import NATIONAL, PLACE_SEP, place_key, stem
from indexer.targets import BY_NAME

MAX_PLACES = 60  # rows of one table; more are left to the filters (a page answers in well under 100 ms)
MAX_LINES = 6  # places on the chart besides the national line


@dataclass
class Filters:
    """What a request asks for: places (any of them, at any level), years (ranges, any of
    them) and indicators (any of them); empty is everything."""

    places: list[str] = field(default_factory=list)
    years: list[tuple[int, int]] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)

    def place_matches(self, place: list[str]) -> bool:
        if not self.places:
            return True
        names = {fold(p) for p in place} | {stem(fold(p)) for p in place} | {fold(PLACE_SEP.join(place))}
        return any(fold(p) in names or stem(fold(p)) in names for p in self.places)

    def matches(self, row: dict) -> bool:
        year = row["year"] or 0
        return (
            (not self.indicators or row["indicator"] in self.indicators)
            and (not self.years or any(a <= year <= b for a, b in self.years))
            and self.place_matches(row["place"])
        )


class Targets:
    """A generation's targets (``targets.json``), read once per generation and process."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.by_report: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            self.by_report[row["report_id"]].append(row)
        self.places = sorted(
            {PLACE_SEP.join(r["place"]) for r in rows}, key=lambda p: place_key(p.split(PLACE_SEP))
        )

    def select(self, filters: Filters) -> list[dict]:
        """The targets ``filters`` let through, by place (national first) and year."""
        found = [r for r in self.rows if filters.matches(r)]
        found.sort(key=lambda r: (place_key(r["place"]), r["year"] or 0, list(BY_NAME).index(r["indicator"])))
        return found

    def of_report(self, report_id: str) -> dict[str, list[dict]]:
        """A report's targets by the anchor of the paragraph that states them."""
        out: dict[str, list[dict]] = defaultdict(list)
        for row in self.by_report.get(report_id, []):
            out[row["anchor"]].append(row)
        return dict(out)


@dataclass
class Grid:
    """One indicator's targets as a table: a row per place, a column per year."""

    indicator: str
    years: list[int]
    rows: list[tuple[str, dict[int, dict]]]  # place label, year -> target
    more: int  # places left out (past MAX_PLACES)


def grid(rows: list[dict], indicator: str) -> Grid:
    """The table of ``indicator`` over ``rows`` (as :meth:`Targets.select` orders them)."""
    by_place: dict[str, dict[int, dict]] = {}
    for row in rows:
        if row["indicator"] == indicator and row["year"]:
            by_place.setdefault(PLACE_SEP.join(row["place"]), {})[row["year"]] = row
    years = sorted({y for cells in by_place.values() for y in cells})
    places = list(by_place.items())
    return Grid(indicator, years, places[:MAX_PLACES], max(0, len(places) - MAX_PLACES))


@dataclass
class Point:
    """A target on the chart: where it stands (x, its value, and its range), its target."""

    x: float
    y: float
    low: float
    high: float
    row: dict


@dataclass
class Chart:
    """GDP targets over the years, a line per place, in the SVG's coordinates."""

    width: int
    height: int
    years: list[int]
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal lines
    lines: list[tuple[str, list[Point]]]
    year_x: dict[int, float]


WIDTH, HEIGHT, PAD = 600, 200, 24


def chart(rows: list[dict], chosen: list[str]) -> Chart | None:
    """The GDP targets of the national government and the places ``chosen`` (else the
    places with the most targets), a line each; None when there are none."""
    gdp = [
        r
        for r in rows
        if r["indicator"] == "gdp" and r["year"] and (r["low"] is not None or r["high"] is not None)
    ]
    by_place: dict[str, list[dict]] = defaultdict(list)
    for row in gdp:
        by_place[PLACE_SEP.join(row["place"])].append(row)
    named = [p for p in by_place if any(fold(c) in fold(p) for c in chosen)]
    if not named:
        named = sorted(
            by_place, key=lambda p: (p != NATIONAL, -len(by_place[p]), place_key(p.split(PLACE_SEP)))
        )
    shown = ([NATIONAL] if NATIONAL in by_place else []) + [p for p in named if p != NATIONAL][:MAX_LINES]
    if not shown:
        return None
    plotted = [r for p in shown for r in by_place[p]]
    years = list(range(min(r["year"] for r in plotted), max(r["year"] for r in plotted) + 1))
    values = [v for r in plotted for v in (r["low"], r["high"]) if v is not None]
    top, bottom = max(values), min(values)
    top, bottom = float(int(top) + 1), float(max(int(bottom) - 1, 0))
    span = max(top - bottom, 1.0)
    step = (WIDTH - 2 * PAD) / max(len(years) - 1, 1)
    year_x = {y: PAD + i * step for i, y in enumerate(years)}

    def y_of(value: float) -> float:
        return round(PAD + (top - value) / span * (HEIGHT - 2 * PAD), 1)

    lines = []
    for place in shown:
        points = []
        for row in sorted(by_place[place], key=lambda r: r["year"]):
            low = row["low"] if row["low"] is not None else row["high"]
            high = row["high"] if row["high"] is not None else row["low"]
            points.append(
                Point(round(year_x[row["year"]], 1), y_of((low + high) / 2), y_of(low), y_of(high), row)
            )
        lines.append((place, points))
    ticks = [(y_of(v), v) for v in range(int(bottom), int(top) + 1)]
    return Chart(WIDTH, HEIGHT, years, ticks, lines, year_x)
