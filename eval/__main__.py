"""``python -m eval judges [--llm 0.5b,1.5b,endpoint] [--sample N] [--out FILE]``,
``python -m eval bench [--quick] [--out bench.json] [--sections ...]`` or
``python -m eval run [--gold FILE ...] [--mode embedded|llm] [--retrieval hybrid|dense|bm25]
[--out DIR] [--compare] [--data DIR] [--limit N] [--no-gate] [--judge-llm]``.

The metrics table goes to stdout; progress, logs and gate failures to stderr. Exit codes: 0 ok,
1 a metric missed its threshold (``eval/thresholds.toml``), 2 bad input (gold file, thresholds,
missing index or endpoint).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from chat.settings import FLAGS, Settings
from index import EmbedderError, IndexUnavailableError, StoreError, ensure_built
from ingest import IngestError

from .gate import gate, load_thresholds
from .gold import SPLITS, GoldError, load_gold, split

DATA_FLAGS = ("--data", "--corpus")
RUN_FLAGS = (*DATA_FLAGS, "--local-llm")  # run's own --mode is eval's, not RAG_MODE


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser(
        "run", parents=[FLAGS.parser(*RUN_FLAGS)], help="answer the gold set and score it"
    )
    r.add_argument("--gold", nargs="+", type=Path, help="gold .jsonl files (default: eval/gold/)")
    r.add_argument("--mode", choices=["embedded", "llm"], default="embedded")
    r.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], default="hybrid")
    r.add_argument("--out", type=Path, help="report folder (default: DATA/eval)")
    r.add_argument("--compare", action="store_true", help="dense, BM25, hybrid (+LLM) side by side")
    r.add_argument("--limit", type=int, help="only the first N gold items")
    r.add_argument(
        "--split",
        choices=SPLITS,
        default="all",
        help="dev (tuned on) or holdout (never tuned on) part of the gold set",
    )
    r.add_argument("--no-gate", action="store_true", help="never exit 1 on thresholds")
    r.add_argument(
        "--thresholds", type=Path, help="thresholds file (default: eval/thresholds.toml)"
    )
    r.add_argument("--judge-llm", action="store_true", help="also judge claims with the LLM")
    f = sub.add_parser(
        "fusion",
        parents=[FLAGS.parser(*DATA_FLAGS)],
        help="score every retrieval fusion rule on a gold set",
    )
    f.add_argument("--gold", nargs="+", type=Path, help="gold .jsonl files (default: eval/gold/)")
    f.add_argument("--pool", type=int, default=20, help="top n of each retriever (default 20)")
    j = sub.add_parser("judges", help="accuracy of the faithfulness judges on labelled claims")
    j.add_argument("--claims", type=Path, help="claims .jsonl (default: eval/gold/claims.jsonl)")
    j.add_argument("--llm", default="", help="also LLM judges: comma list of 0.5b, 1.5b, endpoint")
    j.add_argument("--sample", default="", help="stratified sample per LLM judge, e.g. 1.5b=200")
    j.add_argument("--out", type=Path, help="results JSON (default: DATA/eval/judges.json)")
    j.add_argument(
        "--reuse", type=Path, help="re-score the LLM verdicts stored in this results JSON"
    )
    j.add_argument("--quiet", action="store_true", help="no progress bars")
    fb = sub.add_parser(
        "feedback",
        parents=[FLAGS.parser("--data", quiet=False)],
        help="readers' 👎 ratings as candidate gold lines (stdout)",
    )
    fb.add_argument("--file", type=Path, help="ratings (default: DATA/feedback.jsonl)")
    b = sub.add_parser(
        "bench",
        parents=[FLAGS.parser(*DATA_FLAGS, quiet=False)],
        help="performance benchmark with targets and a baseline",
    )
    b.add_argument("--quick", action="store_true", help="small sizes, one round (a few minutes)")
    b.add_argument("--out", default="bench.json", help="results file (default: bench.json)")
    b.add_argument("--sections", help="comma-separated subset (default: all)")
    b.add_argument("--sizes", help="scaling sizes in chunks, e.g. 1000,10000")
    b.add_argument("--limit", type=int, help="only N gold items (evenly spread)")
    return p


def cmd_run(a: argparse.Namespace) -> int:
    from .judge import make_llm_judge
    from .report import metrics_table, tokenizer_table, write_reports
    from .run import configurations, evaluate, has_llm

    try:
        items = split(load_gold(a.gold), a.split)
        thresholds = load_thresholds(a.thresholds)
    except (GoldError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.limit is not None:
        items = items[: max(0, a.limit)]
    settings = FLAGS.settings(a, RUN_FLAGS)
    if a.mode == "llm" and not has_llm(settings):
        print("error: --mode llm needs RAG_LLM_BASE_URL or --local-llm", file=sys.stderr)
        return 2
    ensure_built(settings, progress=not a.quiet)
    judge = make_llm_judge(settings) if a.judge_llm else None
    if a.judge_llm and judge is None:
        print("error: --judge-llm needs RAG_LLM_BASE_URL or --local-llm", file=sys.stderr)
        return 2
    try:
        configs = configurations(a.mode, a.retrieval, a.compare, settings)
        result = evaluate(settings, items, configs, judge, progress=not a.quiet)
    finally:
        if judge is not None:
            judge.close()
    failed = None if a.no_gate else gate(result.summaries[configs[0].name], thresholds)
    paths = write_reports(result, a.out or settings.data_dir / "eval", thresholds, failed)
    print(metrics_table(result, thresholds))
    if a.compare:
        print()
        print(tokenizer_table(result))
    print(f"reports: {', '.join(map(str, paths))} ({result.info['seconds']} s)", file=sys.stderr)
    for line in failed or []:
        print(f"gate failed: {line}", file=sys.stderr)
    return 1 if failed else 0


def cmd_fusion(a: argparse.Namespace) -> int:
    from .fusion import compare, table

    try:
        items = load_gold(a.gold)
    except GoldError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    settings = FLAGS.settings(a, DATA_FLAGS)
    ensure_built(settings, progress=not a.quiet)
    print(table(compare(settings, items, a.pool, not a.quiet), settings.fusion))
    return 0


def cmd_judges(a: argparse.Namespace) -> int:
    from .judges import CLAIMS, ClaimsError, load_claims, measure, table
    from .llm_judges import llm_judges

    try:
        claims = load_claims(a.claims or CLAIMS)
        samples = {k: int(v) for k, v in (x.split("=") for x in a.sample.split(",") if x)}
        reuse = json.loads(a.reuse.read_text(encoding="utf-8")) if a.reuse else None
    except (ClaimsError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    settings = Settings()
    with llm_judges([x.strip() for x in a.llm.split(",") if x.strip()], settings, a.quiet) as runs:
        result = measure(claims, runs, samples, reuse)
    out = a.out or settings.data_dir / "eval" / "judges.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(table(result))
    print(f"results: {out}", file=sys.stderr)
    return 0


def cmd_bench(a: argparse.Namespace) -> int:
    from .bench.perf import SECTIONS, main, plan_of

    sections = [s.strip() for s in (a.sections or ",".join(SECTIONS)).split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        print(
            f"error: unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}",
            file=sys.stderr,
        )
        return 2
    settings = FLAGS.settings(a, DATA_FLAGS, mode="embedded")
    return main(settings, plan_of(a.quick, a.sizes, a.limit), sections, Path(a.out))


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if a.cmd == "bench":
            return cmd_bench(a)
        if a.cmd == "fusion":
            return cmd_fusion(a)
        if a.cmd == "judges":
            return cmd_judges(a)
        if a.cmd == "feedback":
            from .feedback import cmd_feedback

            data = FLAGS.settings(a, ("--data",)).data_dir
            return cmd_feedback(a.file or data / "feedback.jsonl")
        return cmd_run(a)
    except (IngestError, IndexUnavailableError, StoreError, EmbedderError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
