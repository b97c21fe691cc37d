"""The Gradio chat: a thin adapter over the same ``Engine.answer`` the CLI uses.

Everything that comes from a document or from the user is HTML-escaped before it reaches the
page; the only markup this module emits is its own (``<mark>`` around a quote, layout tags).
Gradio is imported inside the functions, after analytics are switched off.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import queue
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import Filters
from ingest import Settings

from .api import ANSWER_CONCURRENCY
from .api import register as register_api
from .models import Answer, Citation

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

EXAMPLES = [
    "北京计划到2027年信息软件业营收达到多少？",
    "江苏机器人产业链规模到2025年达到多少？",
    "What is Jiangsu's robot industry target for 2025?",
]
MODES = {
    "embedded": "内置引文模式（无生成模型）",
    "llm": "大模型模式",
    "llm→embedded": "大模型不可用或未通过核验，已改用内置引文模式",
    "auto": "自动",
}
STEP = 6  # characters per streamed piece when the engine hands over a whole answer at once
DELAY_S = 0.015
MAX_SHOWN = 2000  # longest user message echoed into the chat
BOX = "border:1px solid #ddd;border-radius:8px;padding:8px 12px;margin:8px 0"


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def highlight(passage: str, quote: str) -> str:
    """The escaped passage with the quote wrapped in ``<mark>``.

    The quote is located in the raw passage (whitespace-insensitively, since the cleaner may have
    kept spaces the quote lacks); every piece is escaped before the tags are put around it.
    """
    core = "".join(quote.split())
    m = None
    if core:
        m = re.search(r"\s*".join(re.escape(ch) for ch in core), passage)
    if m is None:  # not inside its passage: show the quote above the passage
        head = f"<mark>{esc(quote)}</mark>" if quote else ""
        return head + (f"<br><small>{esc(passage)}</small>" if passage else "")
    a, b = m.span()
    return f"{esc(passage[:a])}<mark>{esc(passage[a:b])}</mark>{esc(passage[b:])}"


def citation_html(c: Citation) -> str:
    who = f" · {esc(c.byline)}" if c.byline else ""
    return (
        f'<div class="rag-cite" style="{BOX}">'
        f"<div><b>[{c.n}]</b> 《{esc(c.title)}》{who}</div>"
        f'<div style="color:#666;font-size:.9em">{esc(c.source)} · 第{c.start}–{c.end}字符</div>'
        f'<div style="margin-top:6px;line-height:1.7;white-space:pre-wrap">{highlight(c.passage or c.quote, c.quote)}'
        "</div></div>"
    )


def sources_html(ans: Answer | None) -> str:
    if ans is None:
        return ""
    if ans.citations:
        head, cites = "来源", ans.citations
    elif ans.related:
        head, cites = "相关资料", ans.related
    else:
        return ""
    return f"<h3>{head}</h3>" + "".join(citation_html(c) for c in cites)


def status_html(ans: Answer) -> str:
    parts = [f"模式：{esc(MODES.get(ans.mode, ans.mode))}"]
    if ans.rewritten_query and ans.rewritten_query != ans.question.strip():
        parts.append(f"检索问题：{esc(ans.rewritten_query)}")
    if not ans.verified:
        parts.append("部分句子未通过核验，已删除")
    if ans.notice:
        parts.append(f"注意：{esc(ans.notice)}")
    return '<div class="rag-status">' + "｜".join(parts) + "</div>"


def to_markdown(ans: Answer) -> str:
    from .quotes import cite_line, md

    lines = [f"# 问题\n\n{md(ans.question)}\n", f"## 回答\n\n{md(ans.answer)}\n"]
    if ans.rewritten_query != ans.question.strip():
        lines.append(f"检索问题：{md(ans.rewritten_query)}\n")
    cites = ans.citations or ans.related
    if cites:
        lines.append("## 来源\n" if ans.citations else "## 相关资料\n")
        lines += [f"{c.n}. “{md(c.quote)}”\n   {md(cite_line(c))}\n" for c in cites]
    lines.append(f"模式：{ans.mode}" + (f"；注意：{md(ans.notice)}" if ans.notice else ""))
    return "\n".join(lines) + "\n"


def error_message(e: BaseException) -> str:
    """One Chinese line for the chat; unexpected errors also log their traceback."""
    from index import EmbedderError, IndexError_, StoreError

    detail = " ".join(str(e).split())[:200]
    if isinstance(e, IndexError_ | StoreError):
        what = "索引或向量库不可用，请用 python -m index build 重建"
    elif isinstance(e, EmbedderError):
        what = "向量模型无法加载"
    else:
        log.error("answer failed", exc_info=e)
        return f"⚠️ 出错了：内部错误，请稍后再试（{type(e).__name__}）"
    log.warning("answer failed: %s", detail)
    return f"⚠️ 出错了：{what}（{detail}）"


def stream_answer(
    settings: Settings,
    question: str,
    history: list[dict[str, str]],
    filters: Filters | None = None,
) -> Iterator[tuple[str, Answer | None]]:
    """Yield the growing answer text, then ``(final text, Answer)``; errors become one line."""
    from .answer import get_engine

    tokens: queue.Queue[str | None] = queue.Queue()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            engine = get_engine(settings)
            box["answer"] = engine.answer(
                question, history=history, on_token=tokens.put, filters=filters
            )
        except Exception as e:  # shown in the chat as one line, see error_message
            box["error"] = e
        finally:
            tokens.put(None)

    threading.Thread(target=work, name="rag-answer", daemon=True).start()
    text = ""
    while (tok := tokens.get()) is not None:
        for i in range(0, len(tok), STEP):
            text += tok[i : i + STEP]
            yield text, None
            if len(tok) > STEP:
                time.sleep(DELAY_S)
    if "error" in box:
        yield error_message(box["error"]), None
    else:
        ans: Answer = box["answer"]
        yield ans.answer, ans


def build_app(settings: Settings) -> gr.Blocks:
    """The chat page; models load on the first question (``serve`` warms them up)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    export_dir = Path(tempfile.mkdtemp(prefix="zh-news-rag-export-"))

    def respond(
        question: str,
        chat: list[dict[str, Any]],
        raw: list[dict[str, str]],
        since: str = "",
        until: str = "",
        outlets: list[str] | None = None,
        source: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        question = question or ""
        try:
            flt = Filters(
                since.strip() or None,
                until.strip() or None,
                tuple(outlets or ()),
                tuple(source.split()),
            )
        except ValueError:
            gr.Warning("日期格式应为 2023、2023-08 或 2023-08-14。", title="筛选条件有误")
            yield chat, question, gr.skip(), gr.skip(), raw, gr.skip(), gr.skip()
            return
        shown = question if len(question) <= MAX_SHOWN else question[:MAX_SHOWN] + "…"
        chat = [*chat, {"role": "user", "content": esc(shown) or "（空）"}]
        waiting = "<div class='rag-status'>正在检索…</div>"
        reply = {"role": "assistant", "content": "…"}
        yield [*chat, reply], "", "", waiting, raw, gr.skip(), gr.File(visible=False)
        ans: Answer | None = None
        for text, got in stream_answer(settings, question, list(raw), flt):
            ans = got or ans
            reply = {"role": "assistant", "content": esc(text)}
            yield [*chat, reply], "", gr.skip(), gr.skip(), raw, gr.skip(), gr.skip()
        if ans is None:  # an error message is already in the chat
            yield [*chat, reply], "", "", "", raw, gr.skip(), gr.skip()
            return
        turns = [
            {"role": "user", "content": question},
            {"role": "assistant", "content": ans.answer},
        ]
        yield (
            [*chat, reply],
            "",
            sources_html(ans),
            status_html(ans),
            [*raw, *turns],
            ans,
            gr.skip(),
        )

    def export(last: Answer | None) -> Any:
        if last is None:
            gr.Warning("还没有可以导出的回答。")
            return gr.File(value=None, visible=False)
        path = export_dir / f"answer-{time.strftime('%Y%m%d-%H%M%S')}.md"
        path.write_text(to_markdown(last), encoding="utf-8")
        return gr.File(value=str(path), visible=True)

    def clear() -> tuple[Any, ...]:
        return [], "", "", "", [], None, gr.File(value=None, visible=False)

    with gr.Blocks(title="中文新闻问答", analytics_enabled=False) as demo:
        gr.Markdown("## 中文新闻问答\n每句回答都引用资料原文，并标注出处与字符位置。")
        chatbot = gr.Chatbot(
            label="对话",
            elem_id="chat",
            height=420,
            render_markdown=False,  # escaped text, shown verbatim (quotes are not Markdown)
            sanitize_html=True,
            allow_tags=False,
            latex_delimiters=[],
            feedback_options=None,
            buttons=["copy"],
            placeholder="请在下方输入关于资料的问题。",
        )
        with gr.Row():
            box = gr.Textbox(
                show_label=False,
                placeholder="输入问题，按回车提问…",
                elem_id="question",
                scale=8,
                lines=1,
                max_lines=4,
            )
            ask = gr.Button("提问", variant="primary", elem_id="ask", scale=1)
        with (
            gr.Accordion("筛选资料（日期、媒体、文件）", open=False, elem_id="filters"),
            gr.Row(),
        ):
            since = gr.Textbox(label="起始日期", placeholder="2023-08-01", elem_id="since")
            until = gr.Textbox(label="截止日期", placeholder="2023-12-31", elem_id="until")
            outlet = gr.Dropdown(
                choices=outlet_choices(settings),
                multiselect=True,
                label="媒体",
                elem_id="outlet",
            )
            source = gr.Textbox(label="文件名（可用通配符 *）", elem_id="source")
        gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[box], label="示例问题")
        status = gr.HTML("", elem_id="status")
        sources = gr.HTML("", elem_id="sources")
        with gr.Row():
            export_btn = gr.Button("导出上一条回答（Markdown）", elem_id="export")
            clear_btn = gr.Button("清空对话", elem_id="clear")
        md_file = gr.File(
            label="下载 Markdown", interactive=False, visible=False, elem_id="export-file"
        )
        raw = gr.State([])
        last = gr.State(None)

        outs = [chatbot, box, sources, status, raw, last, md_file]
        for trigger in (box.submit, ask.click):
            # one queue shared with /ask, ANSWER_CONCURRENCY answers at a time; a question
            # sent while this chat's previous answer still streams is answered next, not dropped
            trigger(
                respond,
                [box, chatbot, raw, since, until, outlet, source],
                outs,
                api_name=False,
                concurrency_id="answer",
                concurrency_limit=ANSWER_CONCURRENCY,
                trigger_mode="always_last",
            )
        export_btn.click(export, [last], [md_file], api_name=False)
        for trigger in (clear_btn.click, chatbot.clear):
            trigger(clear, None, outs, api_name=False)
        register_api(settings)
    return demo


def outlet_choices(settings: Settings) -> list[str]:
    """The outlets named in the indexed chunks, most frequent first (empty before a build)."""
    from collections import Counter

    from ingest import load_chunks

    if not settings.chunks_path.exists():
        return []
    counts = Counter(c.outlet for c in load_chunks(settings.chunks_path) if c.outlet)
    return [o for o, _ in counts.most_common()]


def parse_auth(settings: Settings) -> tuple[str, str] | None:
    if settings.auth is None:
        return None
    user, sep, password = settings.auth.get_secret_value().partition(":")
    if not (user and sep and password):
        raise SystemExit("error: RAG_AUTH must look like user:pass")
    return user, password


def limit_malloc_arenas(n: int = 2) -> None:
    """Cap glibc's malloc arenas before the server's worker threads start.

    glibc gives each new thread its own arena, and Gradio answers from a pool of threads; the
    arenas' free memory is not returned, so RSS crept up by ~135 MB over 1,000 questions (26%).
    With two arenas it grew by 19 MB (python -m eval.loadtest --questions 1000). Same effect as
    MALLOC_ARENA_MAX=2, which only works if set before the interpreter starts.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name and "musl" not in name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).mallopt(-8, n)  # M_ARENA_MAX


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Build the index if missing, load the models, then serve the chat until interrupted."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    limit_malloc_arenas()
    import gradio as gr

    from .__main__ import ensure_index
    from .answer import get_engine

    auth = parse_auth(settings)
    ensure_index(settings)
    get_engine(settings)  # fail fast, and keep the first question quick
    build_app(settings).launch(
        share=False,
        server_name=host,
        server_port=port,
        auth=auth,
        auth_message="请登录后使用。" if auth else None,
        show_error=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"]),
    )
