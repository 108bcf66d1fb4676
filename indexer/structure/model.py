"""A report as the indexer keeps it: its blocks (headings and paragraphs) and metadata."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ..places import NATIONAL

SECTION_SEP = " › "


@dataclass
class Block:
    """A heading or a paragraph of a report, in reading order."""

    kind: str  # "heading" | "paragraph"
    id: str  # s1… for headings, p1… for paragraphs
    text: str
    section_path: list[str]
    level: int = 0  # headings: 1 for 一、, 2 for （一）, …
    inline: bool = False  # a heading that is the lead sentence of the next paragraph
    lead: str = ""  # paragraphs: the heading lead they start with, shown in bold
    table: int = 0  # a table's row: the table's number in the report (1, 2, …); else 0
    cells: list[str] = field(default_factory=list)  # a row: its cells (text: side by side)
    header: list[str] = field(default_factory=list)  # a row: its table's column headers
    anchor: str = ""  # from its own text (see anchors): a link to it survives edits elsewhere


@dataclass
class Report:
    """One report, ready to index or to show."""

    id: str
    title: str
    region: str
    year: int | None
    source: str
    blocks: list[Block] = field(default_factory=list)
    digest: str = ""
    place: list[str] = field(default_factory=list)  # 广东省, 广州市, 荔湾区 (Simplified)
    date: str | None = None  # the day it was given, ISO (2019-03-05)
    session: str | None = None  # 第十三届全国人民代表大会第二次会议
    speaker: str | None = None  # 李克强
    office: str | None = None  # 国务院总理
    origin: str | None = None  # where the file came from (a web address), as its header says
    # links to earlier versions' paragraphs that are no longer here: anchor or #pN ->
    # [the closest paragraph's anchor, its similarity, the old text's opening] (carry_links)
    moved: dict[str, list] = field(default_factory=dict)
    row: int | None = None  # a table's report: its row (under the header), and the text column
    text_column: str | None = None
    # a table's columns that the report's own text contradicts: [{field, column, text}]
    corrections: list[dict] = field(default_factory=list)

    @property
    def author(self) -> str:
        """Who gave the report, as a citation names it: the speaker, else the government."""
        if self.speaker:
            return self.speaker
        return "国务院" if self.place == [NATIONAL] else f"{self.region}人民政府"

    def citation(self) -> dict:
        """What a citation of the report needs (GB/T 7714: author, title, place, year,
        date); a paragraph adds its section and number, and a link."""
        return {
            "author": self.author,
            "title": self.title,
            "place": self.place,
            "year": self.year,
            "date": self.date,
            "session": self.session,
        }

    @property
    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "paragraph"]

    @property
    def headings(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading"]

    def outline(self) -> dict:
        """The JSON shape of ``python -m indexer outline`` and ``/api/reports/<id>``."""
        return {
            "id": self.id,
            "title": self.title,
            "region": self.region,
            "year": self.year,
            "place": self.place,
            "date": self.date,
            "session": self.session,
            "speaker": self.speaker,
            "office": self.office,
            "origin": self.origin,
            "citation": self.citation(),
            "moved": self.moved,
            **({"row": self.row, "text_column": self.text_column} if self.row else {}),
            **({"corrections": self.corrections} if self.corrections else {}),
            "headings": [
                {
                    "id": b.id,
                    "anchor": b.anchor,
                    "level": b.level,
                    "title": b.text,
                    "section_path": b.section_path,
                }
                for b in self.headings
            ],
            "paragraphs": [
                {
                    "id": b.id,
                    "anchor": b.anchor,
                    "section_path": b.section_path,
                    "text": b.text,
                    **({"table": b.table, "header": b.header, "cells": b.cells} if b.table else {}),
                }
                for b in self.paragraphs
            ],
        }

    def to_dict(self) -> dict:
        """The report as ``asdict`` gives it, for JSON: the blocks new dicts, but the lists
        and dicts they and the report hold are the report's own, not copies (asdict's deep
        copy of every block cost a shard writer more than its JSON)."""
        out = {name: getattr(self, name) for name in _REPORT_FIELDS}
        out["blocks"] = [{name: getattr(b, name) for name in _BLOCK_FIELDS} for b in self.blocks]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        blocks = [Block(**b) for b in data.pop("blocks")]
        return cls(**data, blocks=blocks)


_BLOCK_FIELDS = tuple(f.name for f in fields(Block))
_REPORT_FIELDS = tuple(f.name for f in fields(Report))


class Reports(list[Report]):
    """The reports of one file, and the rows of a table skipped (``{row, reason}``)."""

    def __init__(self, reports: list[Report] | None = None, skipped: list[dict] | None = None) -> None:
        super().__init__(reports or [])
        self.skipped = skipped or []
