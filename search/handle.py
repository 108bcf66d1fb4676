"""The served index: opened once per app, a pool of searchers, and the cache its searches
share, warmed before queries ask."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import EmptyIndexError, Index
from whoosh.searching import Searcher

from indexer.store import IndexDamaged, IndexMissing, current_path, damage, open_current, read_manifest

from .query import parse, plan
from .scoring import LEAD, TIME_LIMIT, WEIGHTING, ScoreCache, Scorer, frequent_words, index_state
from .vocabulary import Vocabulary

WARM_SHARE = 0.6  # of the score cache filled ahead of queries with the index's most frequent words


class IndexHandle:
    """The served index, opened once per app, with a pool of searchers.

    A request takes a searcher from the pool (no two threads share one) and gives it back
    when it ends. A searcher is refreshed when a build has committed since it was opened,
    and the pool is emptied when a rebuild switches generation, so a running server sees
    every build within one request, without a restart.

    The handle owns what searches keep across requests: the score cache
    (:class:`search.scoring.ScoreCache`), handed to each search. With ``warm``, each index
    state's most frequent words are scored into it by a background thread as soon as a
    searcher first reads it.
    """

    def __init__(self, index_dir: Path, warm: bool = True):
        self.index_dir = index_dir
        self.warm = warm
        self._warming: tuple | None = None  # the index state being (or last) warmed
        self._in_use = 0  # searchers handed out and not yet given back
        self._lock = threading.Lock()
        self._ix: Index | None = None
        self._path: Path | None = None
        self._pool: list[Searcher] = []  # idle searchers of the current generation
        # Idle searchers hold open files: close them when the handle goes (or on close()).
        self.close = weakref.finalize(self, _close_all, self._pool)
        self._owner: dict[int, Index] = {}  # searcher -> the index (generation) it reads
        self._manifest: tuple[Path | None, dict] = (None, {})  # a generation and its files' sizes
        self.cache = ScoreCache()

    def _index(self) -> Index:
        path = current_path(self.index_dir)
        if path is None:
            raise IndexMissing(f"no index in {self.index_dir}: run `python -m indexer build`")
        with self._lock:
            if path != self._manifest[0]:
                self._manifest = (path, read_manifest(path))
            manifest = self._manifest[1]
        problems = damage(path, manifest)  # a stat per file: a cut file is found at once
        if problems:
            raise IndexDamaged("; ".join(problems[:3]))
        with self._lock:
            if self._ix is None or path != self._path:
                self._ix, self._path = open_current(self.index_dir), path
                old = self._pool[:]
                self._pool.clear()
                for s in old:
                    self._owner.pop(id(s), None)
                    s.close()
            return self._ix

    def vocabulary(self, searcher: Searcher, pause: Callable[[], None] = lambda: None) -> Vocabulary:
        """The index's words and their paragraph counts (completion, corrections, warm-up),
        read once per index state."""
        return self.cache.per_document(
            index_state(searcher), "vocabulary", lambda: Vocabulary.read(searcher, pause)
        )

    def state(self, searcher: Searcher) -> tuple:
        """What names the index state ``searcher`` (one of this handle's) reads: its
        generation's folder and its segments with their deletions. Every build that changes
        the index changes it; conditional requests derive their ETags from it alone."""
        ix = self._owner.get(id(searcher))
        return (ix.storage.folder if ix is not None else None, index_state(searcher))

    def acquire(self) -> Searcher:
        """A searcher showing the latest committed state; give it back with :meth:`release`."""
        with self._lock:
            self._in_use += 1
        try:
            return self._acquire()
        except BaseException:
            with self._lock:
                self._in_use -= 1
            raise

    def _acquire(self) -> Searcher:
        for attempt in range(3):
            try:
                return self._open_searcher()
            except (EmptyIndexError, FileNotFoundError):
                # A rebuild switched generations and removed the one this handle had open
                # between the look at `current` and the opening: open the current one.
                if attempt == 2:
                    raise
                with self._lock:
                    self._ix = self._path = None
        raise AssertionError("unreachable")

    def _open_searcher(self) -> Searcher:
        ix = self._index()
        with self._lock:
            s = self._pool.pop() if self._pool else None
        if s is not None and s.up_to_date():
            return s
        if s is not None:  # not s.refresh(): it reuses segment readers whose deletions changed
            with self._lock:
                self._owner.pop(id(s), None)
            s.close()
        s = _searcher(ix)
        self._owner[id(s)] = ix
        if self.warm:
            self._start_warming(ix, index_state(s))
        return s

    def _start_warming(self, ix: Index, state: tuple) -> None:
        with self._lock:
            if self._warming == state:
                return
            self._warming = state
        threading.Thread(target=self._warm, args=(ix, state), daemon=True, name="warm-score-cache").start()

    def _warm(self, ix: Index, state: tuple) -> None:
        """Score the index's most frequent words and characters before anyone asks: a
        query of common words then costs dictionary lookups from its first run. Works
        only while no searcher is in use (under load, the queries fill the cache and
        should not share the CPU with this); stops when the index changes (a newer
        warm-up takes over) or the cache share is full."""
        try:
            with _searcher(ix) as s:
                if index_state(s) != state:
                    return

                def pause() -> None:
                    while self._in_use and self._warming == state:
                        time.sleep(0.01)

                pause()
                scorer = Scorer(s, self.cache)
                scorer.columns()
                scorer.texts()  # strings are checked in the text, leads in the first sentence
                scorer.texts(LEAD)
                vocabulary = self.vocabulary(s, pause)
                vocabulary.prepare()
                for word in frequent_words(vocabulary):
                    pause()
                    if self._warming != state or self.cache.size > self.cache.max_entries * WARM_SHARE:
                        return
                    p = plan(parse(word))
                    scorer.deadline = time.perf_counter() + TIME_LIMIT
                    ids = scorer.matching(p).ids
                    scorer.about(p, ids)
                    scorer.leads(p, ids)
        except Exception:  # warming only saves time; a query will score what it needs
            logging.getLogger(__name__).exception("warming the score cache failed")

    def warm_now(self) -> None:
        """Score the index's most frequent words in this thread and close what it opened.
        A server that loads the app before it forks its workers (``gunicorn --preload``)
        warms once, before any worker takes traffic, and every worker has the scores; a
        worker that loads the app itself warms before it answers."""
        if not self.warm:
            return
        try:
            ix = self._index()
        except (IndexMissing, IndexDamaged):  # served as a 503 until the next build
            return
        with _searcher(ix) as s:
            state = index_state(s)
        self._warming = state  # workers find this state warmed and do not start again
        self._warm(ix, state)
        with self._lock:
            _close_all(self._pool)
            self._owner.clear()
            self._ix = self._path = None  # each process opens the index itself

    def release(self, s: Searcher) -> None:
        with self._lock:
            self._in_use -= 1
            ix = self._owner.pop(id(s), None)
            if ix is not None and ix is self._ix and len(self._pool) < 16:
                self._owner[id(s)] = ix
                self._pool.append(s)
                return
        s.close()

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        s = self.acquire()
        try:
            yield s
        finally:
            self.release(s)


def _searcher(ix: Index) -> Searcher:
    """A searcher with its segments' stored fields opened now. Whoosh opens them on first
    use; a build that merges a segment away (or a rebuild that removes its generation) in
    the meantime deletes the file, and the search under way failed (a TypeError inside
    Whoosh, a 500). Opened, the file stays readable to the end (POSIX keeps a deleted file
    open). Gone already: FileNotFoundError, and the caller opens the index again."""
    s = ix.searcher(weighting=WEIGHTING)
    try:
        for leaf, _ in s.reader().leaf_readers():
            if leaf.doc_count_all():
                leaf.stored_fields(0)
    except (FileNotFoundError, TypeError) as exc:  # TypeError: Whoosh found no stored fields file
        s.close()
        raise FileNotFoundError(str(exc)) from None
    return s


def _close_all(searchers: list[Searcher]) -> None:
    while searchers:
        searchers.pop().close()
