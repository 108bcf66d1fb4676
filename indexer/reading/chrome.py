"""Page chrome: the lines around a report that a site or a collection added (navigation,
share links, footers, encyclopedia boxes), removed from every format's lines alike."""

from __future__ import annotations

import re
from dataclasses import replace

from ..analysis import fold
from .base import SPACES, Line

_U_ESCAPE = re.compile(r"<U\+([0-9A-Fa-f]{4,6})>")
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
_TAIL_START = re.compile(r"^免责声明[:：]")  # a site's disclaimer, then its tags and links
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_CLOSING = re.compile(r"^[。，、；：！？”’」』）)]+$")
# A news site's block above an article (阅读：/ 175 / 评论：/ 0 / 内容摘要：/ the excerpt……),
# its share links below it, and a data vendor's watermark at the end of a line.
_LABEL_THEN = {
    re.compile(r"^(.*\s)?(阅读|评论|浏览|点击)(次数|量)?[:：]$"): re.compile(r"^\d{1,9}$"),
    re.compile(r"^内容(摘要|提要)[:：]$"): re.compile(r".*(\.{3}|…)$"),
}
_SHARE = re.compile(
    r"^(工作报告|qq空间|qq好友|新浪微博|腾讯微博|人人网|开心网|百度空间|百度贴吧|和讯|天涯社区|豆瓣网?)$"
)
_PAGES = re.compile(r"^(上一页|下一页|尾页)$")
_WATERMARK = re.compile(
    r"[\s。]*(来自|来源[:：]|(微信|关注)?公众号|搜索|详见官网[:：]?)?\s*(百度)?(马\s*克\s*数\s*据\s*网|www\.macrodatas\.cn).*$"
)
_NAV = re.compile(r"^(\S{1,6}\s+){2,}\S{1,6}$")  # 首页 政务公开 政府公报 …: menus


def clean_text(text: str) -> str:
    """Strip literal junk from a line: ``<U+00A0>`` escapes and outer white space."""
    text = _U_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text.strip(SPACES)


def drop_chrome(lines: list[Line]) -> list[Line]:
    """Remove chrome lines; stop at the links an encyclopedia or news page puts after the text."""
    kept: list[Line] = []
    then: re.Pattern | None = None  # what the line after a label is when it is the label's value
    for line in lines:
        text = clean_text(line.text)
        if not text:
            continue
        value, then = then, None
        if value is not None and value.match(fold(text)):
            continue
        if line.cells is not None:  # a table's row: report text, whatever its cells look like
            kept.append(replace(line, text=text, cells=tuple(clean_text(c) for c in line.cells)))
            continue
        folded = fold(text)
        if _TAIL.match(folded) or _TAIL_START.match(folded):
            break
        if label := next((p for p in _LABEL_THEN if p.match(folded)), None):
            then = _LABEL_THEN[label]
            continue
        if len(folded) <= MAX_CHROME_CHARS and _CHROME.match(folded):
            continue
        if _NAV.match(folded) and "首页" in folded:
            continue
        if _SHARE.match(folded):
            continue
        if _PAGES.match(folded):  # a page's links to the article's other pages: 1 2 3 4 下一页
            while kept and kept[-1].text.isdigit():
                kept.pop()
            continue
        # a watermark names 马克数据网 or its address: a search of every line for it, from
        # every character (the optional words before it), only where it can be
        if ("马" in folded or "www.macrodatas.cn" in folded) and (mark := _WATERMARK.search(folded)):
            text, folded = text[: mark.start()], folded[: mark.start()]
            if not text:
                continue
        if _PUNCT_ONLY.match(text):
            if _CLOSING.match(text) and kept:  # a sentence end wrapped onto its own line
                kept[-1] = Line(kept[-1].text + text, kept[-1].heading, kept[-1].bold)
            continue
        kept.append(Line(text, line.heading, line.bold))
    return kept
