"""``python -m index build|status|drop``: progress and logs on stderr, ``status --json`` on stdout."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from ingest import IngestError

from .build import build, drop, status
from .embed import EmbedderError
from .settings import FLAGS as STAGE_FLAGS
from .store import StoreError

FLAGS = ("--data", "--corpus", "--embedder", "--chroma-url", "--bm25-tokenizer")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m index", parents=[STAGE_FLAGS.parser(*FLAGS)])
    p.add_argument("command", choices=["build", "status", "drop"])
    p.add_argument("--reingest", action="store_true", help="run ingest before building")
    p.add_argument("--json", action="store_true", help="status as JSON on stdout")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = STAGE_FLAGS.settings(a, FLAGS)
    try:
        if a.command == "build":
            if a.reingest:
                from ingest import ingest

                ingest(settings, progress=not a.quiet)
            r = build(settings, progress=not a.quiet)
            print(
                f"index: {r.chunks} chunks, embedded {r.embedded}, reused {r.reused}, "
                f"deleted {r.deleted} in {r.seconds:.1f}s",
                file=sys.stderr,
            )
        elif a.command == "status":
            st = status(settings)
            if a.json:
                print(json.dumps(st, ensure_ascii=False, indent=2))
            else:
                for k, v in st.items():
                    print(f"{k:>15}: {v}", file=sys.stderr)
        else:
            drop(settings)
            print(f"dropped the index in {settings.data_dir}", file=sys.stderr)
    except (IngestError, EmbedderError, StoreError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # e.g. the disk filled up mid-build: the previous manifest still rules
        where = f" ({e.filename})" if e.filename else ""
        print(f"error: {e.strerror or e}{where}; the previous index is kept", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
