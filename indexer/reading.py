"""Turn a report file (txt, md, html, csv in any of the usual Chinese encodings; Word .docx;
PDF with a text layer) into lines.

A *source* is one report's worth of lines plus the metadata the file itself declares (YAML
front matter, CSV columns, an HTML title). Chrome around the report — site navigation,
encyclopedia info boxes, share links, footers — is dropped here; the report's structure is
found from the lines by :mod:`indexer.structure`.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import charset_normalizer
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .analysis import fold

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Files above this size are refused: the largest real report is well under 1 MB."""

SUFFIXES = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
    ".docx": "docx",
    ".pdf": "pdf",
}


class ReadError(ValueError):
    """A file that cannot be read as a report; the message says why."""


@dataclass
class Line:
    """One line of report text; ``heading`` is a level when the markup says it is a heading;
    a row of a table has its ``cells`` (its text is the cells side by side) and the table's
    column ``header``, if it has one."""

    text: str
    heading: int | None = None
    bold: bool = False
    cells: tuple[str, ...] | None = None
    header: tuple[str, ...] | None = None


CELL_SEP = "\u3000"  # between the cells of a row in its text


def table_row(cells: list[str], header: tuple[str, ...] | None = None) -> Line | None:
    """A row of a table as a line, or None for a row with no text."""
    cells = [c.strip(_SPACES) for c in cells]
    if not any(cells):
        return None
    return Line(CELL_SEP.join(c.replace("\n", " ") for c in cells if c), cells=tuple(cells), header=header)


@dataclass
class Source:
    """The lines of one report as found in a file, and the metadata the file declares."""

    lines: list[Line]
    meta: dict[str, str] = field(default_factory=dict)
    row: int | None = None  # the CSV row (1-based) when a file holds several reports


# --- decoding ----------------------------------------------------------------------------

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# A declared or detected legacy encoding is read with its superset: pages declared
# gb2312 routinely contain GBK/GB18030 characters, and Big5 files HKSCS/CP950 ones.
_SUPERSET = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "euc_cn": "gb18030",
    "hz": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
}
_CANDIDATES = ["utf-8", "gb18030", "big5hkscs"]
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def _codec(name: str) -> str:
    name = codecs.lookup(name).name.replace("-", "_")
    return _SUPERSET.get(name, name)


def _han_share(text: str) -> float:
    """Share of common Chinese characters among the non-ASCII characters of ``text``.

    charset-normalizer is good at telling UTF-8 from legacy encodings but sometimes
    prefers a Big5 reading of GBK bytes (both decode without error); the reading that
    is real Chinese is the one made of common characters: folded to Simplified, the
    3,755 of GB 2312's first level.
    """
    sample = [ch for ch in text[:20000] if ord(ch) > 127 and not ch.isspace()]
    if not sample:
        return 1.0
    return sum(map(_common, fold("".join(sample)))) / len(sample)


def _common(ch: str) -> bool:
    """Whether ``ch`` is among GB 2312's first-level (most common) Chinese characters."""
    try:
        code = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0xB0 <= code[0] <= 0xD7


def _truncated(data: bytes, codec: str) -> bool:
    """Whether ``data`` is good ``codec`` text but for a character cut off at the very end."""
    for cut in (1, 2, 3):
        try:
            text = data[:-cut].decode(codec)
        except UnicodeDecodeError:
            continue
        return _han_share(text) >= 0.8
    return False


MIN_CHINESE = 0.3  # of a report's characters (white space aside) that are Chinese: most are


_CHINESE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def chinese_share(text: str) -> float:
    """The share of Chinese characters among the characters of ``text`` (white space aside)."""
    sample = "".join(text[:50000].split())
    return len(_CHINESE.findall(sample)) / max(1, len(sample))


def _not_chinese(text: str) -> str:
    """Why a decoded text that is not Chinese was refused: what it looks like."""
    share = chinese_share(text)
    try:
        once = text.encode("cp1252" if any("\u0152" <= ch <= "\u2122" for ch in text[:5000]) else "latin-1")
        if chinese_share(once.decode("utf-8")) >= MIN_CHINESE:
            return (
                f"UTF-8 encoded twice: it reads as {text.strip()[:12]!r}…; decode it once and save it again"
            )
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return (
        f"does not read as Chinese: {share:.0%} of its characters are Chinese "
        f"(it begins {text.strip()[:20]!r}); another language, or an encoding this reader "
        "does not know"
    )


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode report bytes: BOM, then a declared charset, then detection among Chinese codecs.

    Valid UTF-8 wins outright (legacy double-byte text is practically never valid UTF-8).
    Otherwise charset-normalizer proposes an encoding, and each legacy reading is checked
    for being made of common Chinese characters (see :func:`_han_share`).
    """
    if not data.strip():
        raise ReadError("the file is empty")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                if exc.start >= len(data) - 4:
                    raise ReadError(f"truncated: the last character is cut off ({codec})") from None
                raise ReadError(f"not valid {codec} after its byte-order mark: {exc.reason}") from None
    if b"\x00" in data[:4096]:
        for codec in ("utf-16-le", "utf-16-be"):  # UTF-16 without its byte-order mark
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if chinese_share(text) >= MIN_CHINESE and _han_share(text) >= 0.8:  # common characters
                return text
        raise ReadError(
            "binary data (NUL bytes), not a text file"
            + (" (nor UTF-16 Chinese text without a byte-order mark)" if len(data) % 2 == 0 else "")
        )
    if declared:
        try:
            return data.decode(_codec(declared))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: detect instead
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _truncated(data, "utf-8"):
        raise ReadError("truncated: the last character is cut off (UTF-8)")
    guess = charset_normalizer.from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    readings: dict[str, str] = {}
    for codec in dict.fromkeys(([_codec(guess.encoding)] if guess else []) + _CANDIDATES[1:]):
        try:
            readings[codec] = data.decode(codec)
        except UnicodeDecodeError:
            continue
    if readings:
        share, text = max((_han_share(t), t) for t in readings.values())
        if share >= 0.6:
            return text
    for codec in _CANDIDATES[1:]:
        if _truncated(data, codec):
            raise ReadError(f"truncated: the last character is cut off ({codec.upper()})")
    western = data.decode("cp1252", errors="replace")
    looks = (
        f"; it reads as Western text in Windows-1252 ({western.strip()[:20]!r}…)"
        if sum(ch.isascii() and ch.isalpha() for ch in western) > len(western) / 2
        else ""
    )
    raise ReadError(f"cannot be decoded as UTF-8, UTF-16, GB18030 or Big5 Chinese text{looks}")


# --- cleaning lines ------------------------------------------------------------------------

_U_ESCAPE = re.compile(r"<U\+([0-9A-Fa-f]{4,6})>")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SPACES = " \t\r\n\u3000\xa0\u2002\u2003\u2009\u200b\ufeff"
# Lines that are page chrome, matched on the folded (Simplified, half-width) text.
_CHROME = re.compile(
    r"^(当前位置|您现在的位置|首页\s*>|.*【字[体号]|字[体号][:：]|"
    r"[(（]?责任编辑|(.*\s)?版权所有|.*网站标识码|.*icp备|分享到|.*e-mail推荐|【打印|【关闭|打印本页|关闭窗口|"
    r"主办[:：]|承办[:：]|发布日期[:：]|发布时间[:：]|来源[:：]|.*中央政府门户网站\s*www|"
    r"登录\s*\|\s*注册|基本介绍$|[•·]\s*\S{1,8}[:：]|.*是由.{1,20}发布的报告。?$|"
    r"扫一扫|微信$|微博$|返回顶部|上一篇|下一篇|相关链接|时间[:：]\s*\d|"
    r"(下载|打印|全屏|收藏|加大|还原|减小|放大|缩小|默认)$|.*记者.{0,10}摄$)",
    re.I,
)
MAX_CHROME_CHARS = 80  # page chrome comes in short lines; a long one is report text
# Lines after which nothing belongs to the report any more.
_TAIL = re.compile(r"^(相关词条|热门词条|联络我们|联系我们|相关报道|相关新闻|相关阅读|相关文章)[:：]?$")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_CLOSING = re.compile(r"^[。，、；：！？”’」』）)]+$")
_NAV = re.compile(r"^(\S{1,6}\s+){2,}\S{1,6}$")  # 首页 政务公开 政府公报 …: menus


def clean_text(text: str) -> str:
    """Strip literal junk from a line: ``<U+00A0>`` escapes and outer white space."""
    text = _U_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text.strip(_SPACES)


def drop_chrome(lines: list[Line]) -> list[Line]:
    """Remove chrome lines; stop at the links an encyclopedia or news page puts after the text."""
    kept: list[Line] = []
    for line in lines:
        text = clean_text(line.text)
        if not text:
            continue
        if line.cells is not None:  # a table's row: report text, whatever its cells look like
            kept.append(replace(line, text=text, cells=tuple(clean_text(c) for c in line.cells)))
            continue
        folded = fold(text)
        if _TAIL.match(folded):
            break
        if len(folded) <= MAX_CHROME_CHARS and _CHROME.match(folded):
            continue
        if _NAV.match(folded) and "首页" in folded:
            continue
        if _PUNCT_ONLY.match(text):
            if _CLOSING.match(text) and kept:  # a sentence end wrapped onto its own line
                kept[-1] = Line(kept[-1].text + text, kept[-1].heading, kept[-1].bold)
            continue
        kept.append(Line(text, line.heading, line.bold))
    return kept


# --- front matter ----------------------------------------------------------------------------

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split a YAML-style ``---`` header of ``key: value`` lines off the text."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    meta = {}
    for row in m.group(1).splitlines():
        key, sep, value = row.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[m.end() :]


# A scraped page's label block (标题：… 发文单位：… 发文时间：… 报告人：… 来源URL：… 正文：):
# what the page said of the report, kept apart from what the report's own lines say.
_LABELS = {
    "标题": "page_title",
    "发文单位": "issuer",
    "发文时间": "page_date",
    "报告人": "speaker",
    "来源url": "source_url",
    "来源网址": "source_url",
    "正文": "",
}
_LABEL = re.compile(r"^\s*(标题|发文单位|发文时间|报告人|来源URL|来源网址|正文)\s*[:：]\s*(.*)$", re.I)


def split_label_block(lines: list[Line]) -> tuple[dict[str, str], list[Line]]:
    """Take a label block of two or more ``标题：…`` lines off the top, up to ``正文：``."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines):
        if not line.text.strip():
            continue
        m = _LABEL.match(line.text)
        if not m:
            break
        key = _LABELS[m.group(1).lower()]
        if not key:  # 正文: the report starts here
            rest = [Line(m.group(2))] if m.group(2).strip() else []
            return (meta, rest + lines[i + 1 :]) if len(meta) >= 2 else ({}, lines)
        if m.group(2).strip() not in ("", "未知"):
            meta[key] = m.group(2).strip()
    else:
        i = len(lines)
    return (meta, lines[i:]) if len(meta) >= 2 else ({}, lines)


# --- formats ---------------------------------------------------------------------------------


def _text_lines(text: str) -> list[Line]:
    text = _HTML_COMMENT.sub("\n", text)
    return [Line(row) for row in text.splitlines()]


_MD_FOOTNOTE = re.compile(r"\[\^[^\]]+\]:?\s*")
_MD_FOOTNOTE_DEF = re.compile(r"(?m)^\s{0,3}\[\^[^\]]+\]:[ \t]*")
_TAG = re.compile(r"<[^>]+>")
_BR = re.compile(r"<br\s*/?>", re.I)
# CommonMark with GFM tables. Setext headings are off: a line of dashes under a paragraph is a
# rule in these reports, not a heading.
_MARKDOWN = MarkdownIt("commonmark").enable("table").disable("lheading")


def _inline_text(token: Token, breaks: str | None = None) -> list[tuple[str, bool]]:
    """The text of an inline token as lines (the author's line breaks kept; with ``breaks``
    joined by it instead), each with whether it is bold all through."""
    lines: list[tuple[str, bool]] = []
    buf: list[str] = []
    strong = 0
    plain = bold = False

    def end_line() -> None:
        nonlocal plain, bold
        text = _MD_FOOTNOTE.sub("", "".join(buf)).replace("**", "")
        lines.append((text, bold and not plain))
        buf.clear()
        plain = bold = False

    for child in token.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak") or (kind == "html_inline" and _BR.fullmatch(child.content)):
            if breaks is None:
                end_line()
            else:
                buf.append(breaks)
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong = max(0, strong - 1)
        elif kind in ("text", "code_inline"):
            buf.append(child.content)
            if child.content.strip(_SPACES + "。."):
                bold, plain = bold or bool(strong), plain or not strong
    end_line()
    return [(t, b) for t, b in lines if t.strip(_SPACES)] if breaks is None else lines


def _markdown_lines(text: str) -> list[Line]:
    """Markdown as its author wrote it, read with markdown-it-py (CommonMark and GFM tables):
    headings keep their level, a line set in bold all through is bold, each line typed stays
    a line, a list item keeps its number (``44. 新建…``), a table is rows of cells (a cell's
    ``<br>`` a line break inside it) under its header, raw HTML is read as HTML."""
    lines: list[Line] = []
    heading: int | None = None
    number = ""  # an ordered list item's number, for its first line
    row: list[str] | None = None
    header: tuple[str, ...] | None = None
    in_head = False
    in_list = 0  # list items are paragraphs, never headings, even in bold
    # a footnote's text ([^1]: …) is report text, not a link reference definition
    text = _MD_FOOTNOTE_DEF.sub("", _HTML_COMMENT.sub("\n", text))
    for token in _MARKDOWN.parse(text):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
        elif kind == "heading_open":
            heading = int(token.tag[1])
        elif kind == "heading_close":
            heading = None
        elif kind == "list_item_open":
            number = f"{token.info}{token.markup} " if token.info else ""
        elif kind == "table_open":
            header = None
        elif kind in ("thead_open", "thead_close"):
            in_head = kind == "thead_open"
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            if in_head:
                header = tuple(c.strip(_SPACES) for c in row)
            elif line := table_row(row, header):
                lines.append(line)
            row = None
        elif kind == "inline" and row is not None:
            row.append(_inline_text(token, breaks="\n")[0][0])
        elif kind == "inline":
            for line_text, bold in _inline_text(token):
                lines.append(Line(number + line_text, heading, bold and not in_list))
                number = ""
        elif kind in ("code_block", "fence"):
            lines.extend(Line(x) for x in token.content.splitlines())
        elif kind == "html_block":
            lines.extend(_html_source(token.content).lines)
    return lines


class _HTMLLines(HTMLParser):
    """Collect the text of an HTML page as lines, block by block, without scripts and styles."""

    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "nav",
        "aside",
        "main",
        "body",
        "hr",
    }
    SKIP = {"script", "style", "noscript", "template", "head", "iframe", "svg", "select", "button", "form"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.heading: int | None = None
        self.bold_depth = 0
        self.bold_only = True
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.saw_bold = False
        self.link_depth = 0
        self.links = 0
        self.plain = False  # text outside links in the current block
        self.table: _Table | None = None  # the table being read (see _Table)

    def flush(self) -> None:
        text = "".join(self.buf)
        navigation = self.links >= 2 and not self.plain  # a block made only of links
        if text.strip(_SPACES) and not navigation:
            self.lines.append(Line(text, self.heading, self.bold_only and self.saw_bold))
        self.buf = []
        self.bold_only = True
        self.saw_bold = False
        self.links = 0
        self.plain = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in self.SKIP:
            self.skip += 1
            return
        if self.table is not None:
            self.table.start(tag)
            return
        if tag == "table":
            self.flush()
            self.table = _Table()
            return
        if tag in self.BLOCK:
            self.flush()
            if tag[0] == "h" and tag[1:].isdigit():
                self.heading = int(tag[1:])
        if tag in ("strong", "b"):
            self.bold_depth += 1
        if tag == "a":
            self.link_depth += 1
            self.links += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.table is not None:
            if self.table.end(tag):
                self.lines.extend(self.table.lines())
                self.table = None
            return
        if tag in ("strong", "b"):
            self.bold_depth = max(0, self.bold_depth - 1)
        if tag == "a":
            self.link_depth = max(0, self.link_depth - 1)
        if tag in self.BLOCK:
            self.flush()
            self.heading = None

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if self.skip:
            return
        if self.table is not None:
            self.table.data(data)
            return
        if data.strip(_SPACES):
            if self.bold_depth:
                self.saw_bold = True
            else:
                self.bold_only = False
            if not self.link_depth:
                self.plain = True
        self.buf.append(data.replace("\n", " "))


MAX_CELL_CHARS = 2000  # a table with a longer cell lays out a page; it is not a table of data


@dataclass
class _Table:
    """An HTML table being read: its rows of cells (a block inside a cell, or a table
    nested in one, is a line break in the cell) and whether each row is of header cells."""

    rows: list[tuple[list[str], bool]] = field(default_factory=list)
    row: list[str] | None = None
    cell: list[str] | None = None
    head: bool = True  # the row so far has only <th> cells (or stands in <thead>)
    in_head: bool = False
    nested: int = 0

    def start(self, tag: str) -> None:
        if tag == "table":
            self.nested += 1
        if self.nested:
            if tag in _HTMLLines.BLOCK:
                self.data("\n")
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row, self.head = [], True
        elif tag in ("td", "th"):
            self.cell = []
            self.head = self.head and (tag == "th" or self.in_head)
        elif tag in _HTMLLines.BLOCK:
            self.data("\n")

    def end(self, tag: str) -> bool:
        """Whether the table is over."""
        if tag == "table":
            if not self.nested:
                return True
            self.nested -= 1
        elif self.nested:
            return False
        elif tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(re.sub(r"[ \t]*\n\s*", "\n", "".join(self.cell)).strip(_SPACES))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append((self.row, self.head and bool(self.row)))
            self.row = None
        return False

    def data(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text if text == "\n" else text.replace("\n", " "))

    def lines(self) -> list[Line]:
        """Rows under the header row, if the first row is one; a table that only lays out a
        page (one column, or a cell the length of an article) as the lines of its cells."""
        cells = [c for r, _ in self.rows for c in r]
        if not cells:
            return []
        if max(len(r) for r, _ in self.rows) < 2 or max(len(c) for c in cells) > MAX_CELL_CHARS:
            return [Line(t) for c in cells for t in c.split("\n") if t.strip(_SPACES)]
        header = tuple(self.rows[0][0]) if self.rows[0][1] and len(self.rows) > 1 else None
        rows = [r for r, _ in self.rows[1:]] if header else [r for r, _ in self.rows]
        return [line for r in rows if (line := table_row(r, header))]


def _html_source(text: str) -> Source:
    parser = _HTMLLines()
    parser.feed(text)
    parser.close()
    parser.flush()
    title = "".join(parser.title).strip()
    meta = {"title": re.split(r"[_|－—-]{1,2}", title)[0].strip()} if title else {}
    return Source(parser.lines, meta)


_TEXT_COLUMNS = ("full_text", "text", "content", "body", "正文", "全文", "内容")


def _csv_sources(text: str) -> list[Source]:
    csv.field_size_limit(MAX_FILE_BYTES)
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)  # a comma, or a semicolon or tab as some tools write
    try:
        rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise ReadError(f"malformed CSV: {exc}") from None
    if not rows or not rows[0]:
        raise ReadError("the CSV has no rows")
    columns = {c.strip().lower(): c for c in rows[0] if c}
    text_col = next((columns[c] for c in _TEXT_COLUMNS if c in columns), None)
    if text_col is None:
        raise ReadError(
            f"the CSV has no text column (one of {', '.join(_TEXT_COLUMNS)}); "
            f"its first row is {header[:40]!r}"
        )
    sources = []
    for n, row in enumerate(rows, 1):
        body = row.get(text_col) or ""
        if not body.strip():
            continue
        meta = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k and k != text_col}
        if "province" in meta and "region" not in meta:
            meta["region"] = meta["province"]
        sources.append(Source(_text_lines(body), meta, row=n if len(rows) > 1 else None))
    if not sources:
        elsewhere = max(
            (
                (len(v or ""), k)
                for row in rows
                for k, v in row.items()
                if k != text_col and isinstance(v, str)
            ),
            default=(0, ""),
        )
        hint = (
            f"; the text is in column {elsewhere[1]!r} instead: a quote left open?"
            if elsewhere[0] > 200
            else ""
        )
        raise ReadError(f"the CSV column {text_col!r} is empty in every row{hint}")
    return sources


# --- Word and PDF ----------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def _docx_source(data: bytes) -> Source:
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
    return Source(lines)


MIN_PDF_HAN = 50  # Chinese characters a PDF's text layer must hold (a report has thousands)
_PAGE_NUMBER = re.compile(r"^[-—－–\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*/\s*\d{1,4})?[-—－–\s]*$")
_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])")  # "2025 年", "各机制 作用"


def _pdf_source(data: bytes) -> Source:
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
    if sum(len(_CHINESE.findall(text)) for _, _, text in rows) < MIN_PDF_HAN:
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
        starts = x0 > left + width / 2 or text[:1] in _SPACES
        if open_ and not starts:
            paragraphs[-1] += text.strip(_SPACES)
        else:
            paragraphs.append(text.strip(_SPACES))
        open_ = x1 >= right - 2 * width
    return Source([Line(_SPACE_BY_CJK.sub("", p)) for p in paragraphs])


def read_sources(path: Path) -> list[Source]:
    """Read a report file into one source per report it holds (a CSV may hold several)."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ReadError(
            f"unsupported file type {path.suffix or '(no extension)'!r}; "
            f"use one of {', '.join(sorted(SUFFIXES))}"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ReadError(f"too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
    data = path.read_bytes()
    if kind == "docx":
        return [_docx_source(data)]
    if kind == "pdf":
        return [_pdf_source(data)]
    declared = None
    if kind == "html":
        m = _META_CHARSET.search(data[:4096])
        declared = m.group(1).decode("ascii") if m else None
    text = decode(data, declared)
    if "\ufffd" in text[:2000] and text.count("\ufffd") > len(text) // 100:
        raise ReadError("the text is full of replacement characters (damaged encoding)")
    if kind != "html" and chinese_share(text) < MIN_CHINESE:  # a French file read as GB18030
        raise ReadError(_not_chinese(text))
    if kind == "csv":
        return _csv_sources(text)
    meta, text = split_front_matter(text)
    if kind == "html":
        source = _html_source(text)
        if chinese_share("".join(line.text for line in source.lines)) < MIN_CHINESE:  # markup aside
            raise ReadError(_not_chinese(html.unescape(_TAG.sub(" ", text))))
        source.meta = {**source.meta, **meta}
        return [source]
    lines = _markdown_lines(text) if kind == "markdown" else _text_lines(text)
    labels, lines = split_label_block(lines)
    return [Source(lines, {**labels, **meta})]
