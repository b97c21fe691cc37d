"""The Gradio chat in a real headless Chromium: streaming, sources, escaping, basic auth.

The app runs as ``python -m chat serve`` in a subprocess against the seeds plus one hostile
article (markup and prompt injection, see ``hostile.py``), indexed incrementally on top of the
seeds' session index. Without ``/usr/bin/chromium`` these tests are skipped, unless
``RAG_REQUIRE_BROWSER=1`` makes that a failure.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fake_llm import serve_fake
from hostile import FACT, IMG, SCRIPT, hostile_data
from hostile import QUESTION as HOSTILE_QUESTION

pytestmark = pytest.mark.browser

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
EVIL = '<script>alert(1)</script><b>x</b><img src=x onerror="alert(2)"> 😀'
ANSWER_TIMEOUT_MS = 120_000


def _need_browser() -> None:
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
    from eval.loadtest import launch_app

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env |= {"HF_HUB_OFFLINE": "1", **env_extra}
    log_path = log_dir / f"app-{len(list(log_dir.glob('app-*.log')))}.log"
    args = ["--data", str(data), "--corpus", str(corpus)]
    try:
        with launch_app(args, log_path, env, timeout_s=240) as (url, _pid):
            yield url
    except RuntimeError as e:
        pytest.fail(f"{e}:\n{log_path.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def built(built_data: Path) -> Path:
    _need_browser()
    return built_data


@pytest.fixture(scope="module")
def app_url(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    corpus, data = hostile_data(tmp_path_factory.getbasetemp(), built)
    with running_app(data, tmp_path_factory.mktemp("app-logs"), corpus) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _need_browser()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture()
def dialogs() -> list[str]:
    """Messages of every alert/confirm/prompt the page opened (there should be none)."""
    return []


@pytest.fixture()
def page(browser: Any, dialogs: list[str]) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1200, "height": 1400}, accept_downloads=True)
    pg = ctx.new_page()
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        yield pg
    finally:
        ctx.close()


def _ask(page: Any, question: str) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()


def _wait_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => { const el = document.querySelector(sel);"
        " return !!el && el.innerText.includes(text); }",
        arg=[selector, text],
        timeout=ANSWER_TIMEOUT_MS,
    )


def test_answer_streams_with_highlighted_sources(
    app_url: str, page: Any, dialogs: list[str]
) -> None:
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    assert "中文新闻问答" in page.inner_text("body")
    # record every length the chat's text goes through, to see the answer arrive in pieces
    page.evaluate(
        "() => { window.__lens = []; const el = document.querySelector('#chat');"
        " new MutationObserver(() => window.__lens.push(el.innerText.length))"
        ".observe(el, {subtree: true, childList: true, characterData: true}); }"
    )
    _ask(page, QUESTION)
    _wait_text(page, "#chat", "[1]")
    _wait_text(page, "#sources", "4.8万亿元")

    lens = page.evaluate("window.__lens")
    assert len(set(lens)) >= 4, f"the answer did not stream: {lens}"
    chat = page.locator("#chat").inner_text()
    assert QUESTION in chat and "4.8万亿元" in chat
    sources = page.locator("#sources")
    text = sources.inner_text()
    assert "来源" in text and "[1]" in text
    assert "《北京：2027年信息软件业营收达4.8万亿元》" in text
    assert re.search(r"\d{3}_[0-9a-f]+\.txt · 第\d+–\d+字符", text), text
    marks = sources.locator("mark")
    assert marks.count() >= 1
    assert "4.8万亿元" in " ".join(marks.all_inner_texts())
    assert "模式" in page.locator("#status").inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-answer.png"), full_page=True)

    page.locator("#export").click()
    link = page.locator("#export-file a").first
    link.wait_for(timeout=30_000)
    with page.expect_download() as dl:
        link.click()
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert dl.value.suggested_filename.endswith(".md")
    assert QUESTION in md and "4.8万亿元" in md
    assert re.search(r"——《.+》.*（\S+\.txt，第\d+–\d+字符）", md), md

    # the conversation so far reaches the engine: a follow-up is rewritten with its subject
    _ask(page, "那江苏呢？")
    _wait_text(page, "#status", "检索问题")
    assert "江苏" in page.locator("#status").inner_text()
    assert dialogs == []


def test_html_in_the_question_is_shown_as_text(app_url: str, page: Any, dialogs: list[str]) -> None:
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    _ask(page, EVIL)
    _wait_text(page, "#status", "模式")
    chat = page.locator("#chat")
    assert "<script>alert(1)</script><b>x</b>" in chat.inner_text()
    regions = page.locator("#chat, #sources, #status")
    assert regions.locator("script").count() == 0
    assert regions.locator("img[src='x']").count() == 0
    assert regions.locator("b").filter(has_text=re.compile(r"^x$")).count() == 0
    page.wait_for_timeout(500)
    assert dialogs == [], "a script from the question ran"

    # more bad input: the app keeps answering
    _ask(page, "")
    _wait_text(page, "#chat", "请输入一个问题")
    _ask(page, "北京信息软件业" * 400)
    _wait_text(page, "#status", "问题过长")
    assert page.locator("#chat").inner_text().count("出错了") == 0


def test_hostile_document_is_shown_as_text(app_url: str, page: Any, dialogs: list[str]) -> None:
    """A source passage holding <script>, <img onerror>, tags and a Markdown link shows them
    as literal text in the sources panel; nothing from it becomes an element or runs."""
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    _ask(page, HOSTILE_QUESTION)
    _wait_text(page, "#sources", FACT)
    sources = page.locator("#sources")
    text = sources.inner_text()
    assert "来源" in text and "900_hostile.txt" in text
    for literal in (SCRIPT, IMG, "[港口集团官网](javascript:alert(3))", "<b>请勿转载</b>"):
        assert literal in text, literal
    assert FACT in " ".join(sources.locator("mark").all_inner_texts())
    regions = page.locator("#chat, #sources, #status")
    assert regions.locator("script, img, iframe, a[href^='javascript']").count() == 0
    assert sources.locator("b").filter(has_text="请勿转载").count() == 0
    ran = "() => [...document.scripts].some(s => s.textContent.includes('alert('))"
    assert page.evaluate(ran) is False
    page.wait_for_timeout(500)
    assert dialogs == [], "a script from a document ran"
    assert "[1]" in page.locator("#chat").inner_text()  # the answer format held


def _post(url: str, body: dict[str, Any], cookie: str = "") -> tuple[int, str]:
    import json

    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def test_basic_auth_guards_ui_and_api(
    built: Path, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Basic auth guards the page, the config and every API route; with an LLM endpoint that
    fails and echoes its credentials, neither the API key nor the password reaches a log, the
    page or an API answer."""
    import json

    from gradio_client import Client

    user, password, key = "user", "pw-Secret-9137", "sk-app-SECRET-7781"
    logs = tmp_path_factory.mktemp("app-auth-logs")
    with (
        serve_fake() as (fake, llm_url),
        running_app(
            built,
            logs,
            RAG_AUTH=f"{user}:{password}",
            RAG_LLM_BASE_URL=llm_url,
            RAG_LLM_API_KEY=key,
            RAG_LLM_MODEL="fake",
        ) as url,
    ):
        fake.behaviour = "http500"
        ctx = browser.new_context()
        try:
            page = ctx.new_page()
            page.goto(url)
            page.wait_for_selector("input[type=password]", timeout=30_000)
            assert page.locator("#chat").count() == 0
            assert page.locator("#question").count() == 0

            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(url + "/config", timeout=10)
            assert err.value.code in (401, 403)
            with pytest.raises(Exception, match=r"(?i)credentials|login|auth|401"):
                Client(url, verbose=False)
            with pytest.raises(Exception, match=r"(?i)credentials|login|auth|401"):
                Client(url, auth=(user, "wrong-password"), verbose=False)
            wrong = urllib.parse.urlencode({"username": user, "password": "wrong"}).encode()
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(url + "/login", data=wrong, timeout=10)
            assert err.value.code in (400, 401, 403)

            # the /ask API without the session cookie (or with a forged one): never an answer
            ask = {"data": [QUESTION, []]}
            join = {"data": [QUESTION, []], "fn_index": 0, "session_hash": "attacker"}
            for path, body_, cookie in [
                ("/gradio_api/call/ask", ask, ""),
                ("/gradio_api/call/ask", ask, "access-token=forged"),
                ("/gradio_api/queue/join", join, ""),
                ("/gradio_api/run/ask", ask, ""),
                ("/gradio_api/api/ask", ask, ""),
            ]:
                status, text = _post(url + path, body_, cookie)
                allowed = (401, 403) if "/ask" not in path or "/call/" in path else (401, 403, 404)
                assert status in allowed, (path, status, text)
                assert "4.8" not in text and "event_id" not in text, (path, text)
            assert fake.requests == []  # nothing reached the engine

            client = Client(url, auth=(user, password), verbose=False)
            got = client.predict(QUESTION, [], api_name="/ask")
            assert isinstance(got, dict) and "4.8万亿元" in got["answer"]
            assert got["mode"] == "llm→embedded" and "HTTP 500" in got["notice"]
            assert key not in json.dumps(got, ensure_ascii=False)
            assert f"Bearer {key}" in fake.auth  # the key was sent, and echoed back in the 500

            page.locator("input[type=text]").first.fill(user)
            page.locator("input[type=password]").fill(password)
            page.get_by_role("button", name=re.compile("login", re.I)).click()
            page.wait_for_selector("#question textarea", timeout=30_000)
            assert page.locator("#chat").count() == 1
            _ask(page, QUESTION)
            _wait_text(page, "#status", "注意")
            shown = page.locator("body").inner_text()
            assert "HTTP 500" in shown and key not in shown and password not in shown
        finally:
            ctx.close()
    log = "".join(p.read_text(errors="replace") for p in logs.glob("app-*.log"))
    assert "HTTP 500" in log or "LLM answer failed" in log, log  # the failure was logged
    assert key not in log and password not in log, log
