"""What the index holds: its reports, its counts, the record of its last build."""

from __future__ import annotations

from indexer.places import place_key


def list_reports(meta: dict) -> list[dict]:
    """Every indexed report: id, title, region, place (its path), year, paragraph count; in
    the order of places (national first, then by province, city, district), newest first."""
    out = [
        {
            "id": rid,
            "title": s["title"],
            "region": s["region"],
            "place": s.get("place") or [s["region"]],
            "year": s["year"],
            "paragraphs": s["paragraphs"],
        }
        for rid, s in meta.get("summaries", {}).items()
    ]
    out.sort(key=lambda r: (place_key(r["place"]), -(r["year"] or 0), r["id"]))
    return out


def status(meta: dict, watch: dict | None = None) -> dict:
    """Counts (reports, paragraphs, regions, years), the record of the last build, where a
    report's text corrected its table's columns, and what the watcher (``watch``) did."""
    return {**_of_build(meta), "watch": watch}


_kept: list[tuple[dict, dict]] = []  # the last build record's status: every results page shows it


def _of_build(meta: dict) -> dict:
    """:func:`status` of a build record, worked out once per record (a generation's record is
    read once per process: indexer.generation.Generation.record)."""
    if _kept and _kept[-1][0] is meta:
        return _kept[-1][1]
    summaries = meta.get("summaries", {}).values()
    years = sorted({s["year"] for s in summaries if s.get("year")})
    out = {
        "reports": meta.get("reports", 0),
        "paragraphs": meta.get("paragraphs", 0),
        "regions": len({s["region"] for s in summaries}),
        "first_year": years[0] if years else None,
        "last_year": years[-1] if years else None,
        "built_at": meta.get("built_at"),
        "refused": meta.get("refused", []),
        "duplicates": meta.get("duplicates", []),
        "corrections": [
            {"report": rid, **c}
            for rid, s in sorted(meta.get("summaries", {}).items())
            for c in s.get("corrections", [])
        ],
    }
    _kept[:] = [(meta, out)]
    return out
