"""Bytes to text: byte-order marks, a declared charset, else detection among the Chinese
encodings (UTF-8/16, GB18030, Big5), and the checks that the text is Chinese."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from ..analysis import fold
from .base import ReadError

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


CHINESE = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def chinese_share(text: str) -> float:
    """The share of Chinese characters among the characters of ``text`` (white space aside)."""
    sample = "".join(text[:50000].split())
    return len(CHINESE.findall(sample)) / max(1, len(sample))


def not_chinese(text: str) -> str:
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


def decode_text(data: bytes, declared: str | None = None, check_chinese: bool = True) -> str:
    """:func:`decode`, then refuse text full of replacement characters and (``check_chinese``)
    text that is not Chinese (a French file read as GB18030)."""
    text = decode(data, declared)
    if "\ufffd" in text[:2000] and text.count("\ufffd") > len(text) // 100:
        raise ReadError("the text is full of replacement characters (damaged encoding)")
    if check_chinese and chinese_share(text) < MIN_CHINESE:
        raise ReadError(not_chinese(text))
    return text
