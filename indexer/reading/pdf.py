"""PDFs with a text layer (``.pdf``), with pdfminer.six's layout analysis: printed lines
joined into the author's paragraphs, page numbers and running headers dropped."""

from __future__ import annotations

import io
import re
from collections import Counter

from .base import SPACES, Line, Reader, ReadError, Source
from .decoding import CHINESE

MIN_PDF_HAN = 50  # Chinese characters a PDF's text layer must hold (a report has thousands)
_PAGE_NUMBER = re.compile(r"^[-—－–\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*/\s*\d{1,4})?[-—－–\s]*$")
_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])")  # "2025 年", "各机制 作用"


def read(data: bytes) -> list[Source]:
    """The paragraphs of a PDF's text layer (pdfminer.six's layout analysis: it keeps each
    line's position). A printed line that reaches the right margin continues in the next
    one, also across a page; a line that starts indented, or follows a line that ends
    short of the margin, starts a paragraph. Page numbers and running headers (a line on
    most pages) are dropped, and the spaces a PDF puts beside Chinese characters removed."""
    from pdfminer.high_level import extract_pages  # imported here: only PDFs need it
    from pdfminer.layout import LTTextContainer, LTTextLine
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[list[tuple[float, float, str]]] = []
    try:
        for page in extract_pages(io.BytesIO(data)):
            rows = [
                (line.x0, line.x1, line.get_text().rstrip("\n"))
                for box in page
                if isinstance(box, LTTextContainer)
                for line in box
                if isinstance(line, LTTextLine) and line.get_text().strip()
            ]
            pages.append([r for r in rows if not _PAGE_NUMBER.match(r[2])])
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise ReadError(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    rows = [r for page in pages for r in page]
    if sum(len(CHINESE.findall(text)) for _, _, text in rows) < MIN_PDF_HAN:
        raise ReadError("a PDF without a text layer (a scan?): it holds no Chinese text to read")
    running = {
        t.strip()
        for t, n in Counter(r[2].strip() for r in rows).items()
        if len(pages) >= 4 and n >= len(pages) / 2 and len(t.strip()) <= 40
    }
    left = min(x0 for x0, _, _ in rows)
    right = max(x1 for _, x1, _ in rows)
    width = 12.0  # about one Chinese character, in points: the slack of a full line
    paragraphs: list[str] = []
    open_ = False  # the last paragraph runs on into the next line
    for x0, x1, text in rows:
        if text.strip() in running:
            continue
        starts = x0 > left + width / 2 or text[:1] in SPACES
        if open_ and not starts:
            paragraphs[-1] += text.strip(SPACES)
        else:
            paragraphs.append(text.strip(SPACES))
        open_ = x1 >= right - 2 * width
    return [Source([Line(_SPACE_BY_CJK.sub("", p)) for p in paragraphs])]


READER = Reader("pdf", (".pdf",), read)
