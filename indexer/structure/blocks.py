"""Lines to blocks: headings and paragraphs in reading order, with section paths and ids."""

from __future__ import annotations

from ..analysis import SENTENCE_END, fold
from ..reading import Line
from .headings import (
    APPENDIX,
    CONTENTS,
    FIRST_NUMBER,
    GLOSSARY,
    LIST_ITEM,
    MAX_HEADING,
    heading_level,
    lead_of,
    run_in_headings,
)
from .links import set_anchors
from .metadata import ADDRESS, DATE_LINE, SPEAKER, is_title_line
from .model import Block


def drop_repeats(texts: list[str]) -> set[int]:
    """Indexes of paragraphs that repeat earlier text: a scraped page holding the report twice.

    A long paragraph (20+ characters) seen before is a repeat; a short one (各位代表！) only
    when a neighbour is a repeat too, since short lines recur in a report on their own.
    """
    seen: set[str] = set()
    earlier = []
    for t in texts:
        key = fold(t)
        earlier.append(key in seen)
        seen.add(key)
    repeats = {i for i, t in enumerate(texts) if earlier[i] and len(t) >= 20}
    changed = True
    while changed:
        changed = False
        for i in range(len(texts)):
            if earlier[i] and i not in repeats and ({i - 1, i + 1} & repeats):
                repeats.add(i)
                changed = True
    return repeats


def build_blocks(lines: list[Line]) -> list[Block]:
    """Headings and paragraphs with section paths, ids and anchors, in reading order."""
    repeats = drop_repeats([ln.text for ln in lines])
    run_in = run_in_headings(lines)
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []  # (level, title)
    n_heading = n_para = 0

    # a numbering that starts (一、) right under an unnumbered top heading (2000年工作意见 ›
    # 一、…; 附件1 › 一、…) sits one level below it, with the headings that continue it
    shift = 0
    part_open = False  # the last heading is an unnumbered top heading, nothing under it yet

    def add_heading(level: int, title: str, inline: bool, numbered: bool = False) -> None:
        nonlocal n_heading, shift, part_open
        if numbered:
            if level == 1 and FIRST_NUMBER.match(fold(title)):
                shift = 1 if part_open else 0
            level += shift
            part_open = False
        else:
            # a top heading opens a part unless it lists the contents or is a bold sentence
            # (第一，基本建设规模的大小问题。)
            part_open = (
                level == 1 and not CONTENTS.match(fold(title)) and not title.endswith(("。", "；", "！"))
            )
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, title))
        n_heading += 1
        blocks.append(Block("heading", f"s{n_heading}", title, [t for _, t in stack], level, inline))

    tables = 0
    for i, line in enumerate(lines):
        if i in repeats:
            continue
        if line.cells is not None:  # a table's row: a paragraph of its own, never a heading
            last = blocks[-1] if blocks else None
            if last is None or not last.table or last.header != list(line.header or []):
                tables += 1
            n_para += 1
            blocks.append(
                Block(
                    "paragraph",
                    f"p{n_para}",
                    line.text,
                    [t for _, t in stack],
                    table=tables,
                    cells=list(line.cells),
                    header=list(line.header or []),
                )
            )
            continue
        text = line.text
        folded = fold(text)
        level = heading_level(folded)
        lead = run_in.get(i) or (lead_of(text) if level is not None else None)
        if APPENDIX.match(folded):
            add_heading(1, text, False)
            continue
        if GLOSSARY.match(folded):
            top_is_appendix = bool(stack) and bool(APPENDIX.match(fold(stack[-1][1])))
            add_heading(2 if top_is_appendix else 1, text, False)
            continue
        if level is None and is_title_line(folded):
            continue  # the page repeating the report's title: not report text
        if level is not None and lead is not None:
            whole = lead == text or lead == text.rstrip("。.：:")
            if whole:
                add_heading(level, text.rstrip("。：:") if len(text) > 2 else text, False, numbered=True)
                continue
            add_heading(level, lead, True, numbered=True)
            n_para += 1
            blocks.append(Block("paragraph", f"p{n_para}", text, [t for _, t in stack], lead=lead))
            continue
        if LIST_ITEM.match(folded) or LIST_ITEM.match(text):
            n_para += 1
            item_lead = lead_of(text)
            blocks.append(
                Block(
                    "paragraph",
                    f"p{n_para}",
                    text,
                    [t for _, t in stack],
                    lead=item_lead if item_lead and item_lead != text else "",
                )
            )
            continue
        if (
            (line.heading or line.bold)
            and len(text) <= MAX_HEADING
            and not SENTENCE_END.search(folded.rstrip("。"))
            and not SPEAKER.search(folded)
            and not DATE_LINE.match(folded)
            and not ADDRESS.match(folded)  # 各位代表： in bold is the address, not a section
        ):
            # an unnumbered Markdown/HTML heading: ## is the top level, as # is the title
            add_heading(min(max((line.heading or 2) - 1, 1), 4), text, False)
            continue
        n_para += 1
        blocks.append(Block("paragraph", f"p{n_para}", text, [t for _, t in stack]))
    set_anchors(blocks)
    return blocks
