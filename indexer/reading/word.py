"""Word documents (``.docx``) with python-docx: the author's paragraphs, styles and tables."""

from __future__ import annotations

import io
import re

from .base import Line, Reader, ReadError, Source, table_row

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def read(data: bytes) -> list[Source]:
    """The paragraphs of a Word document in order, tables as rows of cells under the first row;
    a paragraph styled as a heading keeps its level, one set in bold all through is bold.
    python-docx reads the document's own paragraphs, so none is cut where a line ends."""
    import docx  # imported here: only Word files need it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, XML and key errors for damaged files
        raise ReadError(f"not a readable Word document ({type(exc).__name__}: {exc})") from None
    lines: list[Line] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            m = _HEADING_STYLE.match(para.style.name if para.style is not None else "")
            runs = [r for r in para.runs if r.text.strip()]
            bold = bool(runs) and all(r.bold for r in runs)
            lines.extend(Line(row, int(m.group(1)) if m else None, bold) for row in para.text.splitlines())
        elif tag == "tbl":
            rows = []
            for row in Table(child, document).rows:
                # a merged cell comes once per grid column it spans
                merged = {id(c._tc): c.text for c in row.cells}
                rows.append(list(merged.values()))
            if max((len(r) for r in rows), default=0) < 2:  # a frame around text, not a table
                lines.extend(Line(t) for r in rows for c in r for t in c.splitlines())
                continue
            header = tuple(c.strip() for c in rows[0]) if len(rows) > 1 else None
            lines.extend(line for r in (rows[1:] if header else rows) if (line := table_row(r, header)))
    return [Source(lines)]


READER = Reader("docx", (".docx",), read)
