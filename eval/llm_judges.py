"""The LLM judges ``python -m eval judges --llm`` can measure: the bundled local models,
served for the run with a small context, and the configured endpoint. A judge that is not
installed or not configured is skipped with a one-line notice on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any

from chat.settings import LLMSettings

from .judge import JUDGE_TIMEOUT_S, LLMJudge, make_llm_judge
from .judges import LLM_CTX, Claim, llm_verdicts


def _local(size: str, stack: ExitStack) -> LLMJudge:
    import openai

    from chat.local_llm import LocalLLMServer, default_cache_dir, ensure_model

    server = LocalLLMServer(ensure_model(size, default_cache_dir(), progress=False), n_ctx=LLM_CTX)
    stack.enter_context(server)
    client = openai.OpenAI(base_url=server.base_url, api_key="none", max_retries=0)
    return LLMJudge(client, server.model_name, JUDGE_TIMEOUT_S)


@contextmanager
def llm_judges(
    names: Sequence[str], settings: LLMSettings, quiet: bool = False
) -> Iterator[dict[str, Callable[[Sequence[Claim]], list[bool | None]]]]:
    """Verdict functions by judge name; local servers live until the block ends. A local
    model's server starts when its turn comes, so only one model is in memory at a time."""
    runs: dict[str, Callable[[Sequence[Claim]], list[bool | None]]] = {}
    with ExitStack() as outer:
        for name in names:
            if name in ("0.5b", "1.5b"):
                runs[name] = partial(_run_local, name, quiet)
            elif name == "endpoint":
                judge = make_llm_judge(settings.model_copy(update={"local_llm": None}))
                if judge is None:
                    print(
                        "skipped LLM judge 'endpoint': RAG_LLM_BASE_URL is not set", file=sys.stderr
                    )
                    continue
                outer.callback(judge.close)
                runs[f"endpoint:{judge.model}"] = partial(llm_verdicts, judge, progress=not quiet)
            else:
                print(f"skipped LLM judge {name!r}: choose 0.5b, 1.5b or endpoint", file=sys.stderr)
        yield {k: v for k, v in runs.items() if k not in _unavailable(runs)}


def _unavailable(runs: dict[str, Any]) -> set[str]:
    """Local judges whose runtime or model parts are missing (notice printed once)."""
    from chat.local_llm import LocalLLMError, get_spec, part_paths

    out = set()
    for name in (n for n in runs if n in ("0.5b", "1.5b")):
        try:
            import xllamacpp  # noqa: F401

            part_paths(get_spec(name))
        except (ImportError, LocalLLMError) as e:
            print(f"skipped LLM judge {name!r}: {str(e).splitlines()[0]}", file=sys.stderr)
            out.add(name)
    return out


def _run_local(size: str, quiet: bool, claims: Sequence[Claim]) -> list[bool | None]:
    with ExitStack() as stack:
        judge = _local(size, stack)
        return llm_verdicts(judge, claims, progress=not quiet)
