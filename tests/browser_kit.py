"""Helpers for the browser tests: launching the app, Chromium, and page actions.

The app runs as ``python -m chat serve`` in a subprocess. Without ``/usr/bin/chromium`` the
tests are skipped, unless ``RAG_REQUIRE_BROWSER=1`` makes that a failure. Screenshots go to
``artifacts/`` and to the pytest temp folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "北京计划到2027年信息软件业营收达到多少？"
ANSWER_TIMEOUT_MS = 120_000


def need_browser() -> None:
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the Python playwright package is not installed"
    if missing:
        if os.environ.get("RAG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"RAG_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


@contextmanager
def running_app(data: Path, log_dir: Path, corpus: Path = SEEDS, **env_extra: str) -> Iterator[str]:
    """``python -m chat serve`` (via the load test's launcher) with no ``RAG_*``/``OPENAI_*``
    from this shell; output in ``log_dir/app-N.log``; always terminated on exit."""
    from eval.bench.common import launch_app

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env |= {"HF_HUB_OFFLINE": "1", **env_extra}
    log_path = log_dir / f"app-{len(list(log_dir.glob('app-*.log')))}.log"
    args = ["--data", str(data), "--corpus", str(corpus)]
    try:
        with launch_app(args, log_path, env, timeout_s=240) as (url, _pid):
            yield url
    except RuntimeError as e:
        pytest.fail(f"{e}:\n{log_path.read_text(errors='replace')}")


def private_copy(base: Path, corpus: Path, data: Path) -> tuple[Path, Path]:
    """Copies of a built corpus and data folder that one module may change (uploads, ratings)."""
    dst_corpus, dst_data = base / "corpus", base / "data"
    shutil.copytree(corpus, dst_corpus)
    shutil.copytree(data, dst_data)
    return dst_corpus, dst_data


@contextmanager
def chromium() -> Iterator[Any]:
    need_browser()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


def ask(page: Any, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()


def wait_text(page: Any, selector: str, text: str, timeout: int = ANSWER_TIMEOUT_MS) -> None:
    page.wait_for_function(
        "([sel, text]) => [...document.querySelectorAll(sel)]"
        ".some(el => el.innerText.includes(text))",
        arg=[selector, text],
        timeout=timeout,
    )


def answers(page: Any, n: int) -> None:
    """Wait until the chat shows ``n`` finished answers."""
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .rag-ans').length >= n",
        arg=n,
        timeout=ANSWER_TIMEOUT_MS,
    )


def shot(page: Any, name: str, tmp: Path) -> Path:
    """A screenshot in the pytest temp folder, copied to ``artifacts/``."""
    path = tmp / f"{name}.png"
    page.screenshot(path=str(path))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / path.name)
    return path
