"""``python -m ingest [DIR] [--data DIR]``: logs and the summary on stderr, nothing on stdout.

Every skipped file gets one ``WARNING`` line as it is met, even with ``--quiet``. Exit 0 when anything was
ingested (skipped files are warnings), 2 when nothing was or the outputs cannot be written; the
previous outputs are then left as they were.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .pipeline import IngestError, Report, ingest
from .settings import FLAGS


def print_summary(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="ingest")
    cols = (
        "files",
        "ingested",
        "articles",
        "chunks",
        "copy groups",
        "duplicates dropped",
        "warnings",
    )
    for col in cols:
        table.add_column(col, justify="right")
    table.add_row(
        str(report.files),
        str(report.ingested),
        str(report.articles),
        str(report.chunks),
        str(report.copy_groups),
        str(report.duplicates_dropped + report.duplicate_files),
        str(len(report.warnings)),
    )
    Console(stderr=True).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description=__doc__,
        parents=[FLAGS.parser("--data", quiet=False, aliases={"--data": "--out"})],
    )
    parser.add_argument("corpus", nargs="?", type=Path, help="corpus folder (RAG_CORPUS_DIR)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or table")
    args = parser.parse_args(argv)
    from tqdm.contrib.logging import logging_redirect_tqdm

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = FLAGS.settings(args, ("--data",), corpus_dir=args.corpus)
    try:
        with logging_redirect_tqdm():  # warnings print above the progress bar, not through it
            report = ingest(settings, progress=not args.quiet)
    except IngestError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not args.quiet:
        print_summary(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
