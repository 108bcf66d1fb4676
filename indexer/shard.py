"""One shard of an index generation: a Whoosh index of some reports, written whole by one
process, and what the build computes beside it for the query engine.

A shard's documents are analysed once: the words go to Whoosh (as its format would write
them, :class:`indexer.analysis.Analyzed`), and the same analysis fills ``data.pack``
(:mod:`indexer.pack`), which searches memory-map:

- per document: kind, year, place, report, fragment kind, the lengths scores are computed
  with (Whoosh's, quantized as Whoosh keeps them), the folded text and its lead (white space
  left out), the lead's length;
- the substring net (DESIGN: "any cheaper structure that gives the same result"): every
  bigram of the folded texts (``chars``) and every character (``chars1``, each as the
  bigrams it starts), with the documents that hold it, how often, and where it first
  starts. A string is found by the documents holding all its bigrams, checked in their
  text. These postings are not in Whoosh: they are most of a collection's postings, and
  Whoosh writes each with a pickle and keeps each term's with some 90 bytes of overhead;
- every paragraph's keywords (``keywords``: a keyword's weight is its rank), whole: they are
  a precomputed ranking signal, read per query word, never searched for on their own, and
  kept in Whoosh they cost a third of its postings writing (benchmarks/scale.py);
- for the words (``content``), the postings of the terms held by at least
  ``IMPACT_MIN_DOCS`` of the shard's documents; only the rarer words are written to
  Whoosh, and read from its postings (a few at most per shard): each word's postings are
  in one place, and the others, 91% of the postings (three quarters of the words are
  rarer), cost Whoosh nothing (it writes a posting with a dozen Python calls: Whoosh's
  part of a shard writer's time was 30% with the words in fewer than 96 documents, 22%
  with those in fewer than 8). What Whoosh would count for a word
  (the documents that hold it, the field's length) is counted by the build: the shard's
  words with their documents below, and ``content_length`` in ``shard.json``;
- the shard's words (``content``) with the number of its documents that hold each;
- per paragraph long enough to compare, the LSH band keys of its MinHash signature
  (``similar.docs``, ``similar.keys``: :mod:`indexer.similar`);
- per document its anchor, and where each of jieba's words starts in its text (one bit per
  character of the texts): what the build derives from the reports (indexer.novelty) reads
  the words from here instead of cutting the text again, which costs as much as the cut
  this shard made.

Terms are looked up by a hash of their text.

The shard is immutable once written, like a Whoosh segment: a later build that deletes
some of its reports marks them deleted in Whoosh (its table of contents) and in the
generation's ``live`` mask, and a generation reuses the files of every shard it keeps.
"""

from __future__ import annotations

import io
import json
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from types import TracebackType

import numpy as np
from whoosh import index as whoosh_index
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import IndexWriter

from .analysis import END, Analyzed, first_sentence, fold, keyword_ranks, word_starts, words
from .pack import Strings, read_pack, strings, write_pack
from .schema import HEADING, REPORT, IndexCodec, make_schema
from .similar import bands, keys_of, signature

WHOOSH = "whoosh"  # the shard's Whoosh index, a folder of its own
DATA = "data.pack"
INFO = "shard.json"
IMPACT_MIN_DOCS = 8  # a word in fewer of a shard's documents is read from Whoosh
MAX_DOCS = 65535  # documents of a shard: numbered in two bytes
BIG_WEIGHT = 255  # a weight this high or higher is kept at full size, apart
FIELDS = ("chars", "chars1", "content", "keywords")  # chars1: one character, as the bigrams it starts
SUBSTRINGS = ("chars", "chars1")  # with where each first starts
WHOLE = (*SUBSTRINGS, "keywords")  # every term's postings kept here, none in Whoosh
KINDS = {REPORT: 0, "paragraph": 1, HEADING: 2}
NOWHERE = 255  # the first position of a bigram that starts past PREFIX_CHARS
PREFIX_CHARS = 254  # how far into a text bigrams' first positions are kept
TEXT_ENCODING = "utf-16-le"  # two bytes a Chinese character, against three in UTF-8
LIMIT_MB = 1024  # Whoosh's posting pool in a shard writer; a shard's text keeps well under it


def term_key(term: str) -> int:
    """A term's key in the postings table of a shard (a 32-bit CRC; a term is checked
    against the stored text of the term found, so keys may collide)."""
    return zlib.crc32(term.encode("utf-8"))


@dataclass
class _Postings:
    """One field's postings as they are produced, document by document."""

    terms: dict[str, int] = field(default_factory=dict)
    tids: array = field(default_factory=lambda: array("I"))
    docs: array = field(default_factory=lambda: array("H"))  # a shard holds under 65,536 documents
    weights: array = field(default_factory=lambda: array("I"))
    first: array = field(default_factory=lambda: array("B"))  # chars: where each starts first

    def add(self, doc: int, counts: dict[str, int], first: dict[str, int] | None = None) -> None:
        # per term, loops of C (map, extend), not of Python: a build adds a posting for
        # every distinct bigram, character, word and keyword of every paragraph
        terms = self.terms
        for term in sorted(set(counts).difference(terms)):  # a look-up per new term; numbered stably
            terms[term] = len(terms)
        self.tids.extend(map(terms.__getitem__, counts))
        self.docs.extend(repeat(doc, len(counts)))
        self.weights.extend(counts.values())
        if first is not None:
            self.first.extend(map(first.get, counts, repeat(NOWHERE)))

    def arrays(self, name: str, min_docs: int = 1) -> dict[str, np.ndarray]:
        """The postings of the terms held by ``min_docs`` documents, by term key: documents
        (2 bytes), weights (1 byte; the few above 254 in a table of their own) and, for
        bigrams and characters, first positions (1 byte)."""
        tids = np.frombuffer(self.tids, dtype=np.uint32)
        df = np.bincount(tids, minlength=len(self.terms)) if len(tids) else np.zeros(0, np.int64)
        names = list(self.terms)
        kept = np.flatnonzero(df >= min_docs)
        keys = np.array([term_key(names[t]) for t in kept], dtype=np.uint32)
        by_key = np.argsort(keys, kind="stable")
        kept, keys = kept[by_key], keys[by_key]
        rank = np.full(len(names), -1, np.int64)
        rank[kept] = np.arange(len(kept))
        chosen = np.flatnonzero(rank[tids] >= 0) if len(tids) else np.zeros(0, np.int64)
        order = chosen[np.argsort(rank[tids[chosen]], kind="stable")]  # by term, then document
        starts = np.zeros(len(kept) + 1, np.int64)
        np.cumsum(df[kept], out=starts[1:])
        starts = starts.astype(np.uint32)  # a shard's postings number far fewer than 2**32
        weights = np.frombuffer(self.weights, dtype=np.uint32)[order]
        big = np.flatnonzero(weights >= BIG_WEIGHT)
        blob, offsets = strings([names[t] for t in kept])
        out: dict[str, np.ndarray] = {
            f"{name}.keys": keys,
            f"{name}.starts": starts,
            f"{name}.terms": blob,
            f"{name}.term_offsets": offsets,
            f"{name}.docs": np.frombuffer(self.docs, dtype=np.uint16)[order],
            f"{name}.weights": np.minimum(weights, BIG_WEIGHT).astype(np.uint8),
            f"{name}.big_at": big.astype(np.int64),
            f"{name}.big_weights": weights[big],
        }
        if self.first:
            out[f"{name}.first"] = np.frombuffer(self.first, dtype=np.uint8)[order]
        return out

    def vocabulary(self) -> dict[str, np.ndarray]:
        """Every term with the number of documents holding it, sorted (the words of a shard)."""
        names = sorted(self.terms)
        df = np.bincount(np.frombuffer(self.tids, dtype=np.uint32), minlength=len(self.terms))
        blob, offsets = strings(names)
        counts = np.array([df[self.terms[w]] for w in names], dtype=np.int32)
        return {"vocab.words": blob, "vocab.offsets": offsets, "vocab.counts": counts}


_CHAR_BITS = 21  # a character's code point, in a bigram's number
_TERM_BITS = 2 * _CHAR_BITS  # a bigram, as two code points
_DOC_BITS = 16  # a document's number (MAX_DOCS), below its term's


def _substrings(texts: list[str]) -> tuple[_Postings, _Postings]:
    """The postings of the chars and chars1 fields of a shard's ``texts`` (in order): each
    text's bigrams (:func:`indexer.analysis.char_tokens`: each character with the next, the
    last with ``END``) and characters, counted, with where each first starts in the first
    ``PREFIX_CHARS`` (terms numbered as first met, a document's new ones in order), as
    :meth:`_Postings.add` would take them text by text; computed as arrays over the shard's
    whole text: one Counter, dict and list of strings per text cost a third of a shard
    writer's own time."""
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    # each character as its code point (a lone surrogate too, as the text holds it)
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.uint64)
    if not len(codes):
        return _Postings(), _Postings()
    ends = np.cumsum(lengths)
    doc = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)
    at = np.arange(len(codes)) - np.repeat(ends - lengths, lengths)  # where in its text
    following = np.empty_like(codes)
    following[:-1] = codes[1:]
    following[ends[lengths > 0] - 1] = ord(END)  # a text's last character, with END
    grams = _grouped(doc, codes << np.uint64(_CHAR_BITS) | following, at, 2)
    return grams, _grouped(doc, codes, at, 1)


def _grouped(doc: np.ndarray, term: np.ndarray, at: np.ndarray, chars: int) -> _Postings:
    """The postings of the terms ``term`` (``chars`` code points each) found in documents
    ``doc`` at ``at``: per document and term, how often and where first (in the first
    ``PREFIX_CHARS``, else ``NOWHERE``). One sort, by term and then document: a term's
    postings in the order of its documents, as :meth:`_Postings.arrays` keeps them."""
    key = term << np.uint64(_DOC_BITS) | doc
    order = np.argsort(key)
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    first = np.minimum.reduceat(at[order], starts)
    terms = key[starts] >> np.uint64(_DOC_BITS)
    docs = key[starts] & np.uint64((1 << _DOC_BITS) - 1)
    opens = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]])  # each term's first document
    # terms numbered as first met: by the document they first appear in, then in order
    by_met = np.argsort(docs[opens] << np.uint64(_TERM_BITS) | terms[opens])
    numbers = np.empty(len(opens), np.uint32)
    numbers[by_met] = np.arange(len(opens), dtype=np.uint32)
    points = terms[opens][by_met]
    if chars == 2:
        points = np.stack([points >> np.uint64(_CHAR_BITS), points & np.uint64((1 << _CHAR_BITS) - 1)], 1)
    joined = points.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    names = [joined[i : i + chars] for i in range(0, len(joined), chars)]
    out = _Postings(terms=dict(zip(names, range(len(names)), strict=True)))
    out.tids.frombytes(np.repeat(numbers, np.diff(np.r_[opens, len(terms)])).tobytes())
    out.docs.frombytes(docs.astype(np.uint16).tobytes())
    out.weights.frombytes(np.diff(np.r_[starts, len(key)]).astype(np.uint32).tobytes())
    out.first.frombytes(np.where(first < PREFIX_CHARS, first, NOWHERE).astype(np.uint8).tobytes())
    return out


def lead_of(doc: dict) -> str:
    """A block's lead as search ranks it: a heading's own text, else the heading that leads
    the paragraph, else its first sentence."""
    text = doc.get("text", "")
    if doc["kind"] == HEADING:
        return text
    return doc.get("lead") or first_sentence(text)


def compact(text: str) -> str:
    """``text`` folded, white space left out: what the chars field and the texts hold."""
    return "".join(fold(text).split())


class ShardWriter:
    """Writes one shard: :meth:`add` each document in order, then :meth:`finish`."""

    def __init__(self, path: Path):
        self.path = path
        (path / WHOOSH).mkdir(parents=True)
        self.ix = whoosh_index.create_in(str(path / WHOOSH), make_schema())
        # Separate segment files, not Whoosh's compound file: a reader of a compound
        # segment copies its postings into memory (150 MB per searcher on the shared set).
        self.writer = self.ix.writer(limitmb=LIMIT_MB, codec=IndexCodec(), compound=False)
        self.postings = {name: _Postings() for name in FIELDS}
        self.columns: dict[str, array] = {
            "kind": array("b"),
            "year": array("h"),
            "fragment": array("b"),
            "place": array("i"),
            "report": array("i"),
            "lead_len": array("h"),
            "len.chars": array("I"),  # Whoosh's lengths are whole numbers
            "len.content": array("I"),
        }
        self.places: dict[str, int] = {}
        self.reports: dict[str, int] = {}
        self.texts: list[str] = []
        self.leads: list[str] = []
        self.anchors: list[str] = []
        self.starts = bytearray()  # per character of the texts: 1 where a jieba word starts
        self.sketched: list[int] = []  # paragraphs long enough to compare (indexer.similar)
        self.signatures: list[np.ndarray] = []  # their MinHash signatures: band keys at :meth:`finish`
        self.text_bytes = 0
        self.chars_length = 0  # the bigrams of every text: for the average length BM25 scores with
        self.content_length = 0  # the words of every text, as Whoosh would sum them
        # the documents, written to Whoosh when the shard is complete (:meth:`finish`: only
        # its rare words then known), and where each one's words start in the postings
        self.pending: list[dict] = []
        self.words_at = array("I")

    def add(self, doc: dict) -> None:
        """Analyse ``doc`` (a dict of Whoosh fields, as :func:`indexer.documents.report_documents`
        makes them), write it to Whoosh and keep what the query engine needs."""
        number = len(self.texts)
        if number >= MAX_DOCS:
            raise ValueError(f"a shard holds at most {MAX_DOCS:,} documents")
        cols = self.columns
        cols["kind"].append(KINDS[doc["kind"]])
        cols["year"].append(doc.get("year") or 0)
        cols["fragment"].append(doc.pop("fragment", 0))
        cols["place"].append(self.places.setdefault(doc["place"], len(self.places)))
        cols["report"].append(self.reports.setdefault(doc["report_id"], len(self.reports)))
        self.anchors.append(doc.get("anchor", ""))
        self.pending.append(doc)
        self.words_at.append(len(self.postings["content"].tids))
        if doc["kind"] == REPORT:
            self.texts.append("")
            self.leads.append("")
            cols["lead_len"].append(0)
            cols["len.chars"].append(0)
            cols["len.content"].append(0)
            return
        text = doc["text"]
        self.text_bytes += len(text.encode("utf-8"))
        folded = fold(text)
        stripped = "".join(folded.split())
        lead = compact(lead_of(doc))
        self.texts.append(stripped)
        self.leads.append(lead)
        # the lead's length where it opens the text (the bigrams' first positions then say
        # whether a word is in it), else -1: the lead is checked in its own text
        regular = stripped.startswith(lead) and len(lead) < PREFIX_CHARS
        cols["lead_len"].append(len(lead) if regular else -1)
        searched, own = words(folded)
        counted = Counter(searched)
        self.starts += word_starts(folded, stripped)
        ranks = keyword_ranks(text, own)
        self.chars_length += len(stripped)  # a bigram per character
        length = len(searched)
        self.content_length += length
        cols["len.chars"].append(byte_to_length(length_to_byte(len(stripped))))
        cols["len.content"].append(byte_to_length(length_to_byte(length)))
        self.postings["content"].add(number, counted)
        sig = signature(stripped) if doc["kind"] != HEADING else None
        if sig is not None:
            self.sketched.append(number)
            self.signatures.append(sig)
        self.postings["keywords"].add(number, ranks)
        doc.pop("content", None)  # the text again: its words are in the postings

    def _write_whoosh(self) -> None:
        """Write the documents to Whoosh, each with its words that fewer than
        ``IMPACT_MIN_DOCS`` documents of the shard hold, and commit (one segment)."""
        words = self.postings["content"]
        tids = np.frombuffer(words.tids, dtype=np.uint32)
        df = np.bincount(tids, minlength=len(words.terms)) if len(tids) else np.zeros(0, np.int64)
        rare = np.flatnonzero(df[tids] < IMPACT_MIN_DOCS) if len(tids) else np.zeros(0, np.int64)
        names = list(words.terms)
        rare_terms = [names[t] for t in tids[rare].tolist()]
        rare_weights = np.frombuffer(words.weights, dtype=np.uint32)[rare].tolist()
        cuts = np.searchsorted(rare, [*self.words_at, len(tids)]).tolist()
        for doc, begin, end in zip(self.pending, cuts[:-1], cuts[1:], strict=True):
            if doc["kind"] != REPORT:
                doc["content"] = Analyzed.frequencies(
                    dict(zip(rare_terms[begin:end], rare_weights[begin:end], strict=True))
                )
            self.writer.add_document(**doc)
        self.pending = []
        self.writer.commit(merge=False)

    def finish(self) -> dict:
        """Commit the Whoosh index (one segment) and write the shard's data; its summary."""
        self._write_whoosh()
        # every bigram and character (each starts one bigram: how often, and where first)
        self.postings["chars"], self.postings["chars1"] = _substrings(self.texts)
        arrays: dict[str, np.ndarray] = {
            name: np.frombuffer(values, dtype=values.typecode) for name, values in self.columns.items()
        }
        for name, texts in (("texts", self.texts), ("leads", self.leads)):
            arrays[f"{name}.blob"], arrays[f"{name}.offsets"] = strings(texts, TEXT_ENCODING)
        arrays["anchors.blob"], arrays["anchors.offsets"] = strings(self.anchors)  # ASCII: UTF-8
        arrays["similar.docs"] = np.array(self.sketched, np.uint32)
        # the band keys of every signature at once: a few array operations per band, not per paragraph
        arrays["similar.keys"] = (
            keys_of(np.stack(self.signatures)) if self.signatures else np.zeros((0, bands()[0]), np.uint64)
        )
        arrays["words.starts"] = np.packbits(np.frombuffer(self.starts, np.uint8))
        # where each text's flags start, in characters (4 bytes each, as the texts' offsets)
        arrays["words.offsets"] = np.cumsum([0, *map(len, self.texts)], dtype=np.int64).astype(np.uint32)
        for name, postings in self.postings.items():
            arrays.update(postings.arrays(name, 1 if name in WHOLE else IMPACT_MIN_DOCS))
        arrays.update(self.postings["content"].vocabulary())
        write_pack(self.path / DATA, arrays)
        info = {
            "docs": len(self.texts),
            "text_bytes": self.text_bytes,
            "chars_length": self.chars_length,
            "content_length": self.content_length,
            "places": list(self.places),
            "reports": list(self.reports),
        }
        (self.path / INFO).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        return info


def _close_files(obj: object, depth: int = 6, seen: set[int] | None = None) -> None:
    """Close the open files ``obj`` holds, in its attributes (and theirs, ``depth`` deep)."""
    seen = set() if seen is None else seen
    if isinstance(obj, io.IOBase):
        obj.close()
        return
    if depth == 0 or id(obj) in seen or not hasattr(obj, "__dict__"):
        return
    seen.add(id(obj))
    for value in vars(obj).values():
        if isinstance(value, dict):
            value = list(value.values())
        for item in value if isinstance(value, list | tuple) else (value,):
            _close_files(item, depth - 1, seen)


def write_shard(path: Path, documents: Iterable[dict]) -> dict:
    """Write a shard of ``documents`` into the new folder ``path``; its summary."""
    writer = None
    try:
        writer = ShardWriter(path)
        for doc in documents:
            writer.add(doc)
        return writer.finish()
    except BaseException:
        abandon(writer.ix if writer else None, writer.writer if writer else None, sys.exc_info()[2])
        raise


def abandon(ix: whoosh_index.Index | None, writer: IndexWriter | None, failure: TracebackType | None) -> None:
    """Close every file a failed Whoosh write left open (``failure``: its traceback), so
    the build that removes its folder at once gets the space back at once (a full disk).
    Whoosh closes its files in a commit or a cancel that succeeds; on a full disk both fail
    halfway (a flush raises before its file is closed; a column file or a new table of
    contents is a local of the function writing it), so what is still open is closed
    underneath: in the writer, and in the frames the failure went through."""
    while failure is not None:
        for value in failure.tb_frame.f_locals.values():
            _close_files(value, 2)
        failure = failure.tb_next
    if writer is not None and not writer.is_closed:
        try:
            writer.cancel()
        except Exception:  # a flush that fails again: close the files below
            for part in (writer.perdocwriter, writer.fieldwriter, writer.pool):
                _close_files(part)
            if writer.writelock:
                writer.writelock.release()
    if ix is not None:
        ix.close()


class Shard:
    """A written shard, read: its Whoosh index and its data, memory-mapped."""

    def __init__(self, path: Path):
        self.path = path
        self.info = json.loads((path / INFO).read_text(encoding="utf-8"))
        self.data = data = read_pack(path / DATA)
        self.texts, self.leads = (
            Strings(data[f"{name}.blob"], data[f"{name}.offsets"], TEXT_ENCODING, data.finder(f"{name}.blob"))
            for name in ("texts", "leads")
        )
        self.anchors = Strings(self.data["anchors.blob"], self.data["anchors.offsets"])
        self._terms = {
            name: Strings(self.data[f"{name}.terms"], self.data[f"{name}.term_offsets"]) for name in FIELDS
        }

    @property
    def docs(self) -> int:
        return int(self.info["docs"])

    def open_index(self) -> whoosh_index.Index:
        return whoosh_index.open_dir(str(self.path / WHOOSH))

    def impact(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
        """The stored postings of ``term`` (documents of this shard, weights, and for bigrams
        and characters where each first starts), or None when the shard keeps none for it (a
        term of ``WHOLE`` none of its documents holds; a rare word: read Whoosh's postings)."""
        keys = self.data[f"{fieldname}.keys"]
        key = keys.dtype.type(term_key(term))  # a Python int: numpy would cast all the keys, per look-up
        at = int(np.searchsorted(keys, key))
        terms = self._terms[fieldname]
        while at < len(keys) and keys[at] == key:
            if terms[at] == term:
                return self._slice(fieldname, *self.data[f"{fieldname}.starts"][at : at + 2].tolist())
            at += 1
        return None

    def _slice(
        self, fieldname: str, begin: int, end: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        data = self.data
        weights = data[f"{fieldname}.weights"][begin:end]
        big = data[f"{fieldname}.big_at"]
        lo, hi = np.searchsorted(big, begin), np.searchsorted(big, end)
        if hi > lo:  # weights too large for a byte
            weights = weights.astype(np.uint32)
            weights[big[lo:hi] - begin] = data[f"{fieldname}.big_weights"][lo:hi]
        first = data.get(f"{fieldname}.first")
        return data[f"{fieldname}.docs"][begin:end], weights, None if first is None else first[begin:end]
