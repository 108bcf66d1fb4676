"""Headings: numbered (一、, （一）), run into their text, list items and appendices."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import IO, TYPE_CHECKING

from ..analysis import SENTENCE_END, dictionary_cache, fold, segmenter
from ..reading import Line

if TYPE_CHECKING:
    import jieba.posseg

# --- headings -------------------------------------------------------------------------------

_NUM = "一二三四五六七八九十百"
_HEADING_PATTERNS = [  # (level, pattern on the folded line)
    (1, re.compile(rf"^[{_NUM}]+[、.]")),
    (2, re.compile(rf"^[(（][{_NUM}]+[)）]")),
]
# numbered items (1. （1） ①) are paragraphs of a list, not sections: shown with their lead
LIST_ITEM = re.compile(r"^(\d{1,2}[.．、](?!\d)|[(（]\d{1,2}[)）]|[①-⑳])")
APPENDIX = re.compile(r"^(附件|附表|附录|附属档案|附属文件)\s*[\d一二三四五六七八九十]*([:：].{0,20})?$")
GLOSSARY = re.compile(r"^(\d[.．、]\s*)?名词解释[:：]?$")
MAX_HEADING = 60
FIRST_NUMBER = re.compile(r"^一\s*[、.]")
CONTENTS = re.compile(r"^目\s*录$")  # a list of the sections, not a part holding them


def _numbered(folded: str) -> tuple[int, int] | None:
    """A numbered heading's level and where its number (一、, （一）) ends, or None."""
    for level, pattern in _HEADING_PATTERNS:
        if m := pattern.match(folded):
            return level, m.end()
    return None


def heading_level(folded: str) -> int | None:
    numbered = _numbered(folded)
    return numbered[0] if numbered else None


# A heading run into its text, without a stop (二、巩固农业基础地位，全面发展农业和农村经济坚持不懈
# 抓好农业，…): the heading ends on a noun and the text opens a sentence, with a time word or
# a verb that opens sentences of these reports (the commonest openers of sentences in the
# shared set that do not also run on inside headings, as 全面 and 推进 do: 全面进步, 推进…建设).
_OPENER = (
    "今年|去年|明年|过去|五年|目前|当前|随着|根据|按照|围绕|针对|面对|为了|坚持|加强|加快|加大|继续|进一步"
    "|认真|积极|大力|深入|深化|切实|全面贯彻|全面落实|努力|着力|紧紧|强化|抓好|抓紧|突出|充分|千方百计|以|把"
)
_OPENS = re.compile(rf"^({_OPENER})")
# in a report known to run its headings in (one found), also these and shorter sentences
_OPENS_TOO = re.compile(rf"^({_OPENER}|推进|推动|实施|完善|健全|促进|提高|改善|严格)")
_TIME_WORD = re.compile(r"^(今年|去年|明年|过去|五年)")
_NOUNS = ("n", "vn", "l", "an", "nz", "ns", "nt", "ng", "j")  # jieba's part-of-speech tags
RUN_IN = 28  # characters before the first stop from which a numbered line may hold its text


def _run_in(text: str, sure: bool) -> str | None:
    """The heading of a numbered line that runs on into its text without a stop, or None.

    ``sure``: only where the text opens with a common opener and its first sentence runs
    on for 12 characters or more; otherwise (in a report known to run its headings in)
    any opener and 6 characters.
    """
    numbered = _numbered(fold(text))
    if numbered is None:
        return None
    start = numbered[1] + len(text[numbered[1] :]) - len(text[numbered[1] :].lstrip())
    rest = text[start:]
    stop = SENTENCE_END.search(rest)
    if stop is None or stop.start() < (RUN_IN if sure else RUN_IN - 8):
        return None
    head = rest[: stop.start()]
    words = [tuple(pair) for pair in tagger().cut(head)]
    at = 0
    for word, tag in words[:-1]:
        at += len(word)
        after, clause = head[at:], head[:at].split("，")[-1]
        if (
            at < 8
            or len(after) < (12 if sure else 6)
            or not tag.startswith(_NOUNS if sure else (*_NOUNS, "v"))
            or not (_OPENS if sure else _OPENS_TOO).match(after)
        ):
            continue
        time = _TIME_WORD.match(after)
        if (
            len(clause) < 6  # the heading's last phrase is whole
            or re.match(
                r"^[把将使对向在为与和以]", clause
            )  # not a phrase waiting for its verb (把…切实转到, 以…为契机)
            or re.search(r"[在了]", clause)  # nor a clause of a narrative (已经…了) or a frame (在…上)
            or (len(re.split(r"[，、]", after)[0]) < 6 and not time)  # the text's clause is whole
            or words[0][1].startswith("r")  # headings do not start with a pronoun (我国人民…)
            or "了" in head[:at]
        ):
            continue
        return text[: start + at]
    return None


@lru_cache(maxsize=1)
def tagger() -> jieba.posseg.POSTokenizer:
    """jieba's part-of-speech tagger over this project's dictionary (loaded when first
    needed), its words' tags kept beside the dictionary's prefixes (read in half the time
    jieba takes to read them from the dictionary)."""
    import jieba.posseg

    class Tagger(jieba.posseg.POSTokenizer):
        def load_word_tag(self, f: IO[bytes]) -> None:
            f.close()

            def made() -> dict[str, str]:
                jieba.posseg.POSTokenizer.load_word_tag(self, self.tokenizer.get_dict_file())
                return self.word_tag_tab

            self.word_tag_tab = dictionary_cache(self.tokenizer, "word-tags", made)

    return Tagger(segmenter())


def run_in_headings(lines: list[Line]) -> dict[int, str]:
    """For lines that run a numbered heading into its text, the heading (see ``_run_in``)."""
    found = {i: h for i, ln in enumerate(lines) if ln.cells is None and (h := _run_in(ln.text, True))}
    if found:  # this report runs its headings in: the less certain ones too
        found |= {
            i: h
            for i, ln in enumerate(lines)
            if ln.cells is None and i not in found and (h := _run_in(ln.text, False))
        }
    return found


def lead_of(text: str) -> str | None:
    """The lead sentence of a line (text up to 。 or ：), if it is short enough for a heading."""
    m = SENTENCE_END.search(fold(text))
    colon = re.search(r"[:：]", text)
    if colon and (m is None or colon.start() < m.start()):
        m = colon
    if m is None:
        return text if len(text) <= MAX_HEADING else None
    lead = text[: m.start()].strip()
    return lead if 0 < len(lead) <= MAX_HEADING else None
