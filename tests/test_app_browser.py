"""The Gradio chat in a real headless Chromium: escaping of questions and documents, basic auth.

The app runs against the seeds plus one hostile article (markup and prompt injection, see
``hostile.py``), indexed incrementally on top of the seeds' session index. The newsroom
features (chips, per-answer sources, export, feedback, corpus tab) are in ``test_app_ui.py``.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import QUESTION, ask, chromium, need_browser, running_app, wait_text
from fake_llm import serve_fake
from hostile import FACT, IMG, SCRIPT, hostile_data
from hostile import QUESTION as HOSTILE_QUESTION

pytestmark = pytest.mark.browser

EVIL = '<script>alert(1)</script><b>x</b><img src=x onerror="alert(2)"> 😀'


@pytest.fixture(scope="module")
def built(built_data: Path) -> Path:
    need_browser()
    return built_data


@pytest.fixture(scope="module")
def app_url(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    corpus, data = hostile_data(tmp_path_factory.getbasetemp(), built)
    with running_app(data, tmp_path_factory.mktemp("app-logs"), corpus) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def dialogs() -> list[str]:
    """Messages of every alert/confirm/prompt the page opened (there should be none)."""
    return []


@pytest.fixture()
def page(browser: Any, dialogs: list[str]) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        yield pg
    finally:
        ctx.close()


def test_html_in_the_question_is_shown_as_text(app_url: str, page: Any, dialogs: list[str]) -> None:
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    ask(page, EVIL)
    wait_text(page, "#chat .rag-meta", "摘录")
    chat = page.locator("#chat")
    assert "<script>alert(1)</script><b>x</b>" in chat.inner_text()
    regions = page.locator("#chat, #sources")
    assert regions.locator("script").count() == 0
    assert regions.locator("img[src='x']").count() == 0
    assert regions.locator("b").filter(has_text=re.compile(r"^x$")).count() == 0
    page.wait_for_timeout(500)
    assert dialogs == [], "a script from the question ran"

    # more bad input: an empty question cannot be sent, an overlong one is cut with a notice
    page.locator("#question textarea").fill("   ")
    assert page.locator("#ask").is_disabled()
    page.locator("#question textarea").press("Enter")
    page.wait_for_timeout(1000)
    assert page.locator("#chat [data-testid='user']").count() == 1
    assert "（空）" not in chat.inner_text()
    ask(page, "北京信息软件业" * 400)
    wait_text(page, "#chat .rag-meta", "问题过长")
    assert chat.inner_text().count("出错了") == 0


def test_hostile_document_is_shown_as_text(app_url: str, page: Any, dialogs: list[str]) -> None:
    """A source passage holding <script>, <img onerror>, tags and a Markdown link shows them
    as literal text in the source card and the chip's popover; nothing becomes an element."""
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    ask(page, HOSTILE_QUESTION)
    wait_text(page, "#sources", FACT)
    sources = page.locator("#sources")
    text = sources.inner_text()
    assert "来源" in text and "900_hostile.txt" in text
    for literal in (SCRIPT, IMG, "[港口集团官网](javascript:alert(3))", "<b>请勿转载</b>"):
        assert literal in text, literal
    assert FACT in " ".join(sources.locator("mark").all_inner_texts())
    chip = page.locator("#chat .rag-chip").first
    chip.hover()
    assert "900_hostile" not in chip.inner_text()  # the popover names the title, not the file
    regions = page.locator("#chat, #sources")
    assert regions.locator("script, img, iframe, a[href^='javascript']").count() == 0
    assert sources.locator("b").filter(has_text="请勿转载").count() == 0
    ran = "() => [...document.scripts].some(s => s.textContent.includes('alert('))"
    assert page.evaluate(ran) is False
    page.wait_for_timeout(500)
    assert dialogs == [], "a script from a document ran"
    assert chip.is_visible()  # the answer format held


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
            api_body = {"data": [QUESTION, []]}
            join = {"data": [QUESTION, []], "fn_index": 0, "session_hash": "attacker"}
            for path, body_, cookie in [
                ("/gradio_api/call/ask", api_body, ""),
                ("/gradio_api/call/ask", api_body, "access-token=forged"),
                ("/gradio_api/queue/join", join, ""),
                ("/gradio_api/run/ask", api_body, ""),
                ("/gradio_api/api/ask", api_body, ""),
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
            page.get_by_role("button", name=re.compile("login|登录", re.I)).click()
            page.wait_for_selector("#question textarea", timeout=30_000)
            assert page.locator("#chat").count() == 1
            ask(page, QUESTION)
            wait_text(page, "#chat .rag-meta", "注意")
            shown = page.locator("body").inner_text()
            assert "HTTP 500" in shown and key not in shown and password not in shown
        finally:
            ctx.close()
    log = "".join(p.read_text(errors="replace") for p in logs.glob("app-*.log"))
    assert "HTTP 500" in log or "LLM answer failed" in log, log  # the failure was logged
    assert key not in log and password not in log, log
