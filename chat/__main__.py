"""``python -m chat [serve] | ask [QUESTION] [--json] | quotes QUERY [--format md|json|csv] [-k N]``.

Answers and quotes go to stdout; logs, progress and errors to stderr. ``ask`` without a question
reads one question per line from stdin and writes one JSON line per question, in order, loading
the models once.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys

from index import EmbedderError, Filters, IndexUnavailableError, StoreError, ensure_built
from ingest import IngestError

from .settings import FLAGS as STAGE_FLAGS
from .settings import Settings

FLAGS = ("--data", "--corpus", "--chroma-url", "--embedder", "--mode", "--local-llm")


def format_answer(ans: object) -> str:
    from .models import Answer

    assert isinstance(ans, Answer)
    lines = [ans.answer, ""]
    if ans.rewritten_query != ans.question.strip():
        lines.insert(0, f"（检索问题：{ans.rewritten_query}）")
    cites = ans.citations or ans.related
    if cites:
        lines.append("来源：" if ans.citations else "相关资料：")
    for c in cites:
        who = f"，{c.byline}" if c.byline else ""
        lines.append(f"[{c.n}] 《{c.title}》{who}，{c.source} 第{c.start}–{c.end}字符")
        lines.append(f"    “{c.quote}”")
    if ans.notice:
        lines.append(f"注意：{ans.notice}")
    return "\n".join(lines)


def filters_of(a: argparse.Namespace) -> Filters:
    """``--since/--until/--outlet/--source`` as one filter (a bad date is a ValueError)."""
    return Filters(a.since, a.until, tuple(a.outlet or ()), tuple(a.source or ()))


def cmd_ask(a: argparse.Namespace, settings: Settings) -> int:
    from .answer import get_engine

    engine = get_engine(settings)
    flt = filters_of(a)
    if a.question:
        ans = engine.answer(" ".join(a.question), filters=flt)
        print(json.dumps(ans.public(), ensure_ascii=False) if a.json else format_answer(ans))
        return 0
    if isinstance(sys.stdin, io.TextIOWrapper):  # a bare \r is not a line end; bad bytes are text
        sys.stdin.reconfigure(errors="replace", newline="\n")
    for line in sys.stdin:
        q = line.rstrip("\r\n")
        try:
            out = engine.answer(q, filters=flt).public()
        except (StoreError, IndexUnavailableError) as e:
            out = {"question": q, "error": str(e)}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def cmd_quotes(a: argparse.Namespace, settings: Settings) -> int:
    from .quotes import find_quotes, render

    quotes = find_quotes(" ".join(a.query), settings, a.k or 5, filters_of(a))
    print(render(quotes, a.format))
    return 0


def cmd_serve(a: argparse.Namespace, settings: Settings) -> int:
    from .app import serve

    serve(settings, host=a.host or settings.host, port=a.port or settings.port)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m chat")
    common = STAGE_FLAGS.parser(*FLAGS)
    flt = argparse.ArgumentParser(add_help=False)
    flt.add_argument("--since", help="only articles dated on or after YYYY[-MM[-DD]]")
    flt.add_argument("--until", help="only articles dated on or before YYYY[-MM[-DD]]")
    flt.add_argument("--outlet", action="append", help="only this outlet, e.g. 新华社 (repeatable)")
    flt.add_argument(
        "--source", action="append", help="only files matching this name or glob (repeatable)"
    )
    sub = p.add_subparsers(dest="cmd")
    ask = sub.add_parser("ask", parents=[common, flt], help="answer a question (or stdin lines)")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("-k", type=int, help="passages to retrieve (RAG_TOP_K)")
    quotes = sub.add_parser("quotes", parents=[common, flt], help="verbatim quotes for reporters")
    quotes.add_argument("query", nargs="+")
    quotes.add_argument("--format", choices=["md", "json", "csv"], default="md")
    quotes.add_argument("-k", type=int, help="number of quotes")
    serve = sub.add_parser("serve", parents=[common], help="the Gradio chat (default)")
    for sp in (serve, p):
        sp.add_argument("--host", help="bind address (RAG_HOST, default 127.0.0.1)")
        sp.add_argument("--port", type=int, help="port (RAG_PORT, default 7860)")
    for action in common._actions:
        p._add_action(action)
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = STAGE_FLAGS.settings(a, FLAGS, top_k=getattr(a, "k", None))
        if a.cmd in ("ask", "quotes"):
            try:
                filters_of(a)
            except ValueError as e:  # checked before the index loads: a typo costs no wait
                print(f"error: {e}", file=sys.stderr)
                return 2
        ensure_built(settings, progress=not a.quiet)
        if a.cmd == "ask":
            return cmd_ask(a, settings)
        if a.cmd == "quotes":
            return cmd_quotes(a, settings)
        return cmd_serve(a, settings)
    except (IngestError, IndexUnavailableError, StoreError, EmbedderError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
