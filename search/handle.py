"""The served index: its generation opened once per app, a pool of searchers, and the cache
its searches share."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import EmptyIndexError

from indexer.analysis import segmenter
from indexer.generation import Generation, GenerationSearcher
from indexer.places import PLACE_SEP, place_key
from indexer.shard import TEXT_ENCODING
from indexer.similar import SIMILAR, SimilarPack
from indexer.store import IndexDamaged, IndexMissing, current_path, damage, open_current, read_manifest

from .query import synonyms
from .scoring import WEIGHTING, ScoreCache, index_state
from .status import status
from .vocabulary import Vocabulary

POOL = 16  # idle searchers kept per process (one per thread at most is in use)


class IndexHandle:
    """The served generation, opened once per app, with a pool of searchers.

    A request takes a searcher from the pool (no two threads share one) and gives it back
    when it ends. Every build writes a new generation and switches to it: the next request
    opens it, and the pool of the old one is emptied, so a running server sees every build
    within one request, without a restart. Nothing is read ahead: what a search needs
    beside Whoosh's postings was computed by the build and is memory-mapped
    (indexer.generation), so a server answers its first query as fast as its later ones.

    The handle owns what searches keep across requests: the score cache
    (:class:`search.scoring.ScoreCache`), handed to each search.
    """

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._gen: Generation | None = None
        self._pool: list[GenerationSearcher] = []  # idle searchers of the current generation
        # Idle searchers hold open files: close them when the handle goes (or on close()).
        self.close = weakref.finalize(self, _close_all, self._pool)
        self._manifest: tuple[Path | None, dict] = (None, {})  # a generation and its files' sizes
        self.cache = ScoreCache()
        self._loaded: Generation | None = None  # the generation :meth:`load` read last

    def generation(self) -> Generation:
        """The served generation, opened (once per generation and process)."""
        path = current_path(self.index_dir)
        if path is None:
            raise IndexMissing(f"no index in {self.index_dir}: run `python -m indexer build`")
        with self._lock:
            if path != self._manifest[0]:
                self._manifest = (path, read_manifest(path))
            manifest = self._manifest[1]
        problems = damage(path, manifest)  # a stat per file: a cut file is found at once
        if problems and current_path(self.index_dir) != path:
            return self.generation()  # a build switched and removed this one meanwhile: read the new one
        if problems:
            raise IndexDamaged("; ".join(problems[:3]))
        with self._lock:
            if self._gen is None or path != self._gen.path:
                self._gen = open_current(self.index_dir)
                _close_all(self._pool)
            return self._gen

    def derived(self, gen: Generation, key: str, load: Callable[[Path], object]) -> object:
        """What the build derived into ``gen`` beside the index (``load`` of its folder),
        read once per generation and process."""
        return self.cache.per_document(gen.name, key, lambda: load(gen.path))

    def vocabulary(self, searcher: GenerationSearcher) -> Vocabulary:
        """The generation's words and their paragraph counts (completion, corrections)."""
        return self.cache.per_document(
            index_state(searcher), "vocabulary", lambda: Vocabulary.of(searcher.generation)
        )

    def state(self, searcher: GenerationSearcher) -> str:
        """What names the index state ``searcher`` reads: its generation (every build that
        changes the index writes a new one). Conditional requests derive their ETags from
        it alone."""
        return index_state(searcher)

    def acquire(self) -> GenerationSearcher:
        """A searcher of the served generation; give it back with :meth:`release`."""
        for attempt in range(3):
            before = current_path(self.index_dir)
            try:
                gen = self.generation()
                with self._lock:
                    if self._pool and self._pool[-1].generation is gen:
                        return self._pool.pop()
                return _searcher(gen)
            except (EmptyIndexError, FileNotFoundError, IndexDamaged) as exc:
                # A build switched generations and removed the one this handle had open
                # between the look at `current` and the opening (half removed, it looks
                # damaged): open the current one. A damaged generation still served is damage.
                moved = current_path(self.index_dir) != before
                if attempt == 2 or (isinstance(exc, IndexDamaged) and not moved):
                    raise
                with self._lock:
                    self._gen = None
        raise AssertionError("unreachable")

    def load(self) -> Generation | None:
        """Read now what every search reads, once per generation and process: jieba's
        dictionary, and the served generation opened (its data mapped, to be shared by the
        processes forked from this one) with its build record (every results page shows its
        counts), its wordings and synonyms, its similar passages' table and the order of its
        places. None when there is no index that opens (the request says what is wrong).

        ``search.prepare`` calls it before a server forks its workers; a process not
        prepared (a development server, the tests') on its first request and on the first
        after each build, before the request's clock starts: loading is not the search's
        time, and a search stopped by it would be a 503 for nothing."""
        loaded = self._loaded
        if loaded is not None and current_path(self.index_dir) == loaded.path:
            return loaded
        segmenter()
        try:
            gen = self.generation()
        except (IndexMissing, IndexDamaged, EmptyIndexError, OSError):
            return None
        status(gen.record)
        _ = gen.wordings  # the short forms and near-synonyms every search expands with
        synonyms()
        for name in gen.region_names:  # the region facet orders places (and those above them) by these
            path = name.split(PLACE_SEP)
            for depth in range(1, len(path) + 1):
                place_key(path[:depth])
        self.derived(gen, SIMILAR, SimilarPack)  # every hit says in how many other reports it stands (另见)
        "".encode(TEXT_ENCODING)  # the texts' codec, looked up once
        self._loaded = gen
        return gen

    def prime(self) -> None:
        """In a process just forked: a searcher of its own, opened now and kept in the pool
        (one inherited would share its open files with the parent: closed here)."""
        _close_all(self._pool)
        try:
            self.release(self.acquire())
        except (IndexMissing, IndexDamaged, EmptyIndexError, OSError):
            pass  # the first request says what is wrong

    def release(self, s: GenerationSearcher) -> None:
        with self._lock:
            if s.generation is self._gen and len(self._pool) < POOL:
                self._pool.append(s)
                return
        s.close()

    @contextmanager
    def searcher(self) -> Iterator[GenerationSearcher]:
        s = self.acquire()
        try:
            yield s
        finally:
            self.release(s)


def _searcher(gen: Generation) -> GenerationSearcher:
    """A searcher with its segments' stored fields opened now. Whoosh opens them on first
    use; a build that removes the generation in the meantime deletes the file, and the
    search under way failed (a TypeError inside Whoosh, a 500). Opened, the file stays
    readable to the end (POSIX keeps a deleted file open). Gone already:
    FileNotFoundError, and the caller opens the index again."""
    s = gen.searcher(weighting=WEIGHTING)
    try:
        for leaf, _ in s.reader().leaf_readers():
            if leaf.doc_count_all():
                leaf.stored_fields(0)
    except (FileNotFoundError, TypeError) as exc:  # TypeError: Whoosh found no stored fields file
        s.close()
        raise FileNotFoundError(str(exc)) from None
    return s


def _close_all(searchers: list[GenerationSearcher]) -> None:
    while searchers:
        searchers.pop().close()
