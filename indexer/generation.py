"""An index generation: what one build leaves and a server reads, complete and unchanging.

::

    gen-<time>-<pid>/
        generation.json   the schema version and the shards, in document order
        record.json       the build record: each report's summary, refused files, duplicates
        docs.pack         per document of the whole generation: year, place, report, kind,
                          fragment kind, whether it is live, its lead's length, the lengths
                          Whoosh scores with (indexer.pack)
        vocab.pack        the generation's words and their document counts, sorted, with the
                          look-ups corrections use (search.vocabulary)
        shortforms.json   the short forms each report defines, and the reviewed list, as the
                          build found them (indexer.shortforms)
        shards/<name>/    one shard each: a Whoosh index and its data (indexer.shard)
        MANIFEST.json     every file, its size and checksum (indexer.store)

Every build writes a new generation and switches the served one in a ``rename``
(:func:`indexer.store.switch_to`); shards it keeps are hard links to the previous
generation's files, which no build changes once written (Whoosh writes a new table of
contents for deletions), so an incremental build costs what it adds. A server opens a
generation's files once and maps its packs: every worker reads the same pages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from whoosh.reading import IndexReader, MultiReader
from whoosh.searching import Searcher

from .documents import read_report
from .pack import Strings, read_pack
from .schema import SCHEMA_VERSION
from .shard import FIELDS, SUBSTRINGS, WHOLE, Shard
from .shortforms import Wordings
from .structure import Report

GENERATION = "generation.json"
RECORD = "record.json"
DOCS = "docs.pack"
VOCAB = "vocab.pack"
SHARDS = "shards"


class GenerationSearcher(Searcher):
    """A Whoosh searcher over a generation's shards that knows its generation."""

    generation: Generation


class Generation:
    """A built generation, opened: its shards' Whoosh indexes and the build's data, mapped.
    One per process and generation, shared by its threads (nothing here changes)."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        self.info = json.loads((path / GENERATION).read_text(encoding="utf-8"))
        self.shards = [Shard(path / SHARDS / s["name"]) for s in self.info["shards"]]
        self.offsets = np.zeros(len(self.shards) + 1, np.int64)
        np.cumsum([s.docs for s in self.shards], out=self.offsets[1:])
        self.docs = read_pack(path / DOCS)
        # mapped now, not on first use: a build that switches generations removes this one,
        # and a process that opened it (an export's, a worker's) must still read its words
        self._vocab = read_pack(path / VOCAB)
        self.region_names: list[str] = self.info["places"]
        self.report_ids: list[str] = self.info["reports"]
        self.indexes = [s.open_index() for s in self.shards]  # each reads its table of contents

    @property
    def schema_version(self) -> int | None:
        return self.info.get("schema_version")

    @cached_property
    def record(self) -> dict:
        """The build record (see :func:`indexer.build.plan_changes`)."""
        return json.loads((self.path / RECORD).read_text(encoding="utf-8"))

    @cached_property
    def wordings(self) -> Wordings:
        """The short forms and near-synonyms a search of this generation expands with."""
        return Wordings.of_generation(self.path)

    @property
    def doc_count_all(self) -> int:
        return int(self.offsets[-1])

    def document_frequency(self, fieldname: str, term: str) -> int:
        """How many documents hold a term, deleted ones too (as Whoosh counts a term's
        documents, for its inverse document frequency): a word's from the generation's
        words (Whoosh holds only the rare ones), a bigram's or character's from the
        shards' postings."""
        if fieldname == "content":
            words, counts = self.words
            at = words.find(term)
            return 0 if at is None else int(counts[at])
        found = (shard.impact(fieldname, term) for shard in self.shards)
        return sum(len(f[0]) for f in found if f is not None)

    @cached_property
    def words(self) -> tuple[Strings, np.ndarray]:
        """The generation's words (``content``), sorted, and how many documents hold each
        (indexer.vocabulary)."""
        pack = self._vocab
        return Strings(pack["words"], pack["offsets"]), pack["counts"]

    def field_length(self, fieldname: str) -> int:
        """A field's length summed over every document, deleted ones too, as Whoosh sums
        it: the bigrams (``chars``) or words (``content``) of the texts."""
        return sum(int(s.info[f"{fieldname}_length"]) for s in self.shards)

    def reports(self, ids: Iterable[str]) -> dict[str, Report]:
        """Reports of this generation by id, as their report documents keep them (an id it
        does not hold is left out)."""
        with self.searcher() as s:
            found = {rid: read_report(s, rid) for rid in ids}
        return {rid: report for rid, report in found.items() if report is not None}

    def searcher(self, **kwargs: object) -> GenerationSearcher:
        """A Whoosh searcher over every shard (documents numbered shard after shard)."""
        readers = [ix.reader() for ix in self.indexes]
        s = GenerationSearcher(MultiReader(readers), **kwargs)
        s.generation = self
        return s

    # --- per document ---------------------------------------------------------------------

    def column(self, name: str) -> np.ndarray:
        """A per-document array of docs.pack (``year``, ``place``, ``report``, ``kind``,
        ``fragment``, ``live``, ``lead_len``, ``len.chars``, ``len.content``) or a
        per-report one (``report_year``, ``report_place``)."""
        return self.docs[name]

    def shard_of(self, docs: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, docs, side="right") - 1

    def text(self, doc: int, what: str = "texts") -> str:
        """A document's folded text (or, with ``leads``, its lead), white space left out."""
        s = int(np.searchsorted(self.offsets, doc, side="right")) - 1
        strings: Strings = getattr(self.shards[s], what)
        return strings[doc - int(self.offsets[s])]

    def holding(
        self, docs: np.ndarray, forms: tuple[str, ...], what: str = "texts", within: int | None = None
    ) -> np.ndarray:
        """Which of ``docs`` hold one of ``forms`` in their text (or lead), starting in its
        first ``within`` characters if given: a mask."""
        return self._by_shard(docs, what, lambda strings, local, at: strings.holding(local, forms, within))

    def spelling(self, docs: np.ndarray, starts: np.ndarray, form: str) -> np.ndarray:
        """Which of ``docs`` spell ``form`` in their text from character ``starts`` on (see
        :meth:`indexer.pack.Strings.spelling`): a mask."""
        return self._by_shard(
            docs, "texts", lambda strings, local, at: strings.spelling(local, starts[at], form)
        )

    def _by_shard(
        self,
        docs: np.ndarray,
        what: str,
        check: Callable[[Strings, np.ndarray, np.ndarray], Sequence[bool] | np.ndarray],
    ) -> np.ndarray:
        """``check(strings, local, at)`` of each shard's texts (or leads), its documents
        among ``docs`` (numbers in the shard) and where they are in ``docs``: one mask."""
        out = np.zeros(len(docs), bool)
        if not len(docs):
            return out
        shard = self.shard_of(docs)
        for s in np.unique(shard).tolist():
            at = np.flatnonzero(shard == s)
            out[at] = check(getattr(self.shards[s], what), docs[at] - self.offsets[s], at)
        return out

    # --- postings -------------------------------------------------------------------------

    def postings(
        self, searcher: Searcher, fieldname: str, term: str, check: Callable[[], None] = lambda: None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """A term's live documents (generation numbers, sorted), its weight in each (the
        term frequency, or a keyword's rank), and for bigrams (``chars``) and characters
        (``chars1``) where each first starts (indexer.shard: ``NOWHERE`` past the first
        characters): the shards' stored postings where they keep them, Whoosh's own
        postings of ``searcher`` for a rare word. ``check`` is called between shards (the
        request's deadline)."""
        assert fieldname in FIELDS
        readers = searcher.reader().readers if len(self.shards) > 1 else [searcher.reader()]
        positions = fieldname in SUBSTRINGS
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        firsts: list[np.ndarray] = []
        for shard, reader, offset in zip(self.shards, readers, self.offsets.tolist(), strict=False):
            check()
            stored = shard.impact(fieldname, term)
            if stored is not None:
                docs, w, first = stored
            elif fieldname in WHOLE:  # a shard keeps every such term its documents hold
                continue
            else:
                docs, w = _whoosh_postings(reader, fieldname, term)
                first = None
            if len(docs):
                ids.append(docs.astype(np.int32) + offset)
                weights.append(w)
                if first is not None:
                    firsts.append(first)
        if not ids:
            return np.empty(0, np.int32), np.empty(0), np.empty(0, np.uint8) if positions else None
        out = np.concatenate(ids)
        weight = np.concatenate(weights).astype(np.float64)
        first_all: np.ndarray | None = np.concatenate(firsts) if positions else None
        live = self.docs["live"][out]
        if not live.all():
            out, weight = out[live], weight[live]
            first_all = None if first_all is None else first_all[live]
        return out, weight, first_all


def _whoosh_postings(reader: IndexReader, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """A rare term's postings in one shard, from Whoosh (deleted documents included: the
    generation's live mask leaves them out)."""
    if (fieldname, term) not in reader:
        return np.empty(0, np.int32), np.empty(0)
    m = reader.postings(fieldname, term)
    docs, weights = [], []
    while m.is_active():
        docs.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.array(docs, np.int32), np.array(weights)


# --- writing a generation's global files ---------------------------------------------------


def write_generation(
    path: Path, shard_names: list[str], deleted: dict[str, list[int]], removed: dict[str, list[str]]
) -> None:
    """Write ``generation.json`` and ``docs.pack`` for the shards ``shard_names`` (in this
    order) of the generation folder ``path``, whose documents ``deleted`` (local numbers,
    by shard), those of the reports ``removed`` from them, are no longer live."""
    from .pack import write_pack

    shards = [Shard(path / SHARDS / name) for name in shard_names]
    places = sorted({p for s in shards for p in s.info["places"]})
    reports = sorted({r for s in shards for r in s.info["reports"]})
    place_at = {p: i for i, p in enumerate(places)}
    report_at = {r: i for i, r in enumerate(reports)}
    parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "year",
            "place",
            "report",
            "kind",
            "fragment",
            "live",
            "lead_len",
            "len.chars",
            "len.content",
        )
    }
    for name, s in zip(shard_names, shards, strict=True):
        d = s.data
        parts["year"].append(d["year"].astype(np.int32))
        parts["place"].append(np.array([place_at[p] for p in s.info["places"]], np.int32)[d["place"]])
        parts["report"].append(np.array([report_at[r] for r in s.info["reports"]], np.int32)[d["report"]])
        for k in ("kind", "fragment", "lead_len", "len.chars", "len.content"):
            parts[k].append(np.asarray(d[k]))
        live = np.ones(s.docs, bool)
        live[deleted.get(name, [])] = False
        parts["live"].append(live)
    arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    report_year = np.zeros(len(reports), np.int32)
    report_place = np.zeros(len(reports), np.int32)
    if len(arrays["report"]):
        report_year[arrays["report"]] = arrays["year"]
        report_place[arrays["report"]] = arrays["place"]
    arrays["report_year"], arrays["report_place"] = report_year, report_place
    write_pack(path / DOCS, arrays)
    info = {
        "schema_version": SCHEMA_VERSION,
        "shards": [
            {"name": name, "docs": s.docs, "reports": s.info["reports"], "removed": removed.get(name, [])}
            for name, s in zip(shard_names, shards, strict=True)
        ],
        "places": places,
        "reports": reports,
    }
    tmp = path / f".{GENERATION}.{os.getpid()}"
    tmp.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path / GENERATION)


def link_tree(source: Path, target: Path) -> None:
    """``target`` as a copy of the folder ``source`` made of hard links (nothing is copied:
    neither Whoosh nor the build ever changes a file it wrote)."""
    for root, _, files in os.walk(source):
        rel = Path(root).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            if name.upper().endswith("LOCK"):
                continue
            os.link(Path(root) / name, target / rel / name)


@dataclass
class Derivation:
    """What a build step that derives data from the reports gets (indexer.build.DERIVED):
    the new generation being written (``path``: the step writes its files there, which the
    manifest then covers), the served generation it follows (``old``: None for a rebuild;
    its files are the step's previous results, to update rather than compute again), the
    reports new or changed in this build (``written``, by id: every report for a rebuild),
    those gone (``removed``: deleted, or replaced by a version in ``written``), and the new
    build record (``record["summaries"]``: place, year and title of every report).

    Key what you keep by report id and paragraph anchor, never by document number: a build
    renumbers documents when it merges shards."""

    path: Path
    old: Generation | None
    written: dict[str, Report]
    removed: set[str]
    record: dict

    def reports(self, ids: Iterable[str]) -> dict[str, Report]:
        """The new generation's reports ``ids``: those written now, and the others as the
        served generation keeps them."""
        wanted = list(ids)
        out = {r: self.written[r] for r in wanted if r in self.written}
        rest = [r for r in wanted if r not in out and r in self.record["summaries"]]
        if rest and self.old is not None:
            out.update(self.old.reports(rest))
        return out
