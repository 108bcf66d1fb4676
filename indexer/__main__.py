"""``python -m indexer build|watch|outline|library``: the indexer's command line."""

from __future__ import annotations

import errno
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import click

from . import watch as watching
from .build import build as run_build
from .library import assemble
from .reading import ReadError
from .schema import corpus_dir, index_dir
from .store import BuildLocked
from .structure import read_reports
from .watch import SETTLE

F = TypeVar("F", bound=Callable[..., None])


def folders(command: F) -> F:
    """The ``--corpus`` and ``--index`` options of a command."""
    command = click.option(
        "--index",
        "index",
        type=click.Path(file_okay=False, path_type=Path),
        help="Index folder [default: $SEARCH_INDEX_DIR or instance/index].",
    )(command)
    return click.option(
        "--corpus",
        "corpus",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of report files [default: $SEARCH_CORPUS_DIR or corpus/].",
    )(command)


@click.group()
def cli() -> None:
    """Index Chinese government work reports for search."""


@cli.command()
@folders
@click.option("--rebuild", is_flag=True, help="Build a complete new index aside and switch to it.")
@click.option(
    "--wait",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds to wait for another running build before giving up.",
)
def build(corpus: Path | None, index: Path | None, rebuild: bool, wait: float) -> None:
    """Bring the index up to date with the corpus folder (incremental by default)."""
    corpus, index = corpus_dir(corpus), index_dir(index)
    tty = sys.stderr.isatty()

    def log(msg: str) -> None:
        if not tty or not msg.startswith("reading "):  # in a terminal the bar names the file
            click.echo(msg, err=True)

    def progress(files: list[Path]) -> Iterable[Path]:
        if not tty:
            return files
        return _ProgressFiles(files)

    try:
        summary = run_build(corpus, index, rebuild=rebuild, wait=wait, log=log, progress=progress)
    except BuildLocked as exc:
        raise click.ClickException(str(exc)) from exc
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise click.ClickException(
            f"the disk is full ({exc.strerror}: {exc.filename or index}): the build stopped and removed "
            "what it had written; the index served is unchanged. Free space and build again."
        ) from None
    for item in summary.refused:
        click.echo(f"refused {item['file']}: {item['reason']}", err=True)
    click.echo(summary.line())
    if summary.refused:
        sys.exit(1)


class _ProgressFiles:
    """Iterate files under a click progress bar that names the file being read."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files

    def __iter__(self) -> Iterator[Path]:
        with click.progressbar(
            self.files, label="Indexing", file=sys.stderr, item_show_func=lambda p: str(p) if p else ""
        ) as bar:
            yield from bar


@cli.command()
@folders
@click.option(
    "--settle",
    type=float,
    default=SETTLE,
    show_default=True,
    help="Seconds a changed file must keep its size before it is read.",
)
@click.option(
    "--wait",
    type=float,
    default=10.0,
    show_default=True,
    help="Seconds a build waits for another running build before it fails (and is retried).",
)
@click.option("--exit-with-parent", is_flag=True, help="Stop when the process that started this one stops.")
def watch(
    corpus: Path | None, index: Path | None, settle: float, wait: float, exit_with_parent: bool
) -> None:
    """Watch the corpus folder and index what is added, changed, moved or removed, a few
    seconds after writes settle, while the site keeps serving."""
    corpus, index = corpus_dir(corpus), index_dir(index)
    if not corpus.is_dir():
        raise click.ClickException(f"corpus folder {corpus} does not exist")
    if exit_with_parent:
        watching.exit_with_parent()
    stop = threading.Event()
    watching.stop_on_signals(stop)

    def log(msg: str) -> None:
        if not msg.startswith("reading "):
            click.echo(f"{time.strftime('%H:%M:%S')} watch: {msg}", err=True)

    watching.Watcher(corpus, index, settle=settle, wait=wait, log=log, stop=stop).run()


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def outline(file: Path) -> None:
    """Print the parsed report in FILE as JSON: title, region, year, headings, paragraphs; for
    a table of reports (CSV, spreadsheet), each report and the rows skipped."""
    try:
        reports = read_reports(file, corpus_dir() if _inside(file, corpus_dir()) else None)
    except ReadError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    if len(reports) == 1 and not reports.skipped:
        data: dict = reports[0].outline()
    else:
        data = {
            "file": file.name,
            "text_column": reports[0].text_column,
            "reports": [r.outline() for r in reports],
            "skipped": reports.skipped,
        }
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--into",
    "into",
    type=click.Path(file_okay=False, path_type=Path),
    help="The library folder [default: $SEARCH_CORPUS_DIR or corpus/].",
)
def library(source: Path, into: Path | None) -> None:
    """Add to the library the reports in SOURCE it does not hold yet: of several copies of a
    report the cleanest, as <place>/<year>.<ext>, recorded in SOURCES.tsv."""
    into = corpus_dir(into)
    added = assemble(source, into, log=lambda msg: click.echo(msg, err=True))
    click.echo(f"{len(added)} reports added to {into}")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


if __name__ == "__main__":
    cli(prog_name="python -m indexer")
