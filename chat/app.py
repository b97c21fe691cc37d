"""The Gradio chat: a thin adapter over the same engine the CLI uses (via ``answer_stream``).

Rendering lives in :mod:`chat.ui_render` (every document or user string escaped there), export
in :mod:`chat.export`, ratings in :mod:`chat.feedback`, the corpus tab in :mod:`chat.ui_corpus`.
Gradio is imported inside the functions, after analytics are switched off.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import Filters, ensure_built

from .api import ANSWER_CONCURRENCY
from .api import register as register_api
from .export import to_docx, to_markdown
from .models import Answer
from .settings import AppSettings, Settings
from .ui_assets import CSS, HEAD
from .ui_corpus import outlet_choices
from .ui_render import esc, filter_chips, message_html, sources_html

if TYPE_CHECKING:
    import gradio as gr

__all__ = ["CSS", "HEAD", "build_app", "serve", "to_markdown"]

log = logging.getLogger(__name__)

EXAMPLES = [
    "北京计划到2027年信息软件业营收达到多少？",
    "江苏机器人产业链规模到2025年达到多少？",
    "What is Jiangsu's robot industry target for 2025?",
]
MAX_SHOWN = 2000  # longest user message echoed into the chat
TOAST = "提示"  # a toast's title where Gradio shows one (the page script renames the rest)


def error_message(e: BaseException) -> str:
    """One Chinese line for the chat; unexpected errors also log their traceback."""
    from index import EmbedderError, IndexUnavailableError, StoreError

    detail = " ".join(str(e).split())[:200]
    if isinstance(e, IndexUnavailableError | StoreError):
        what = "索引或向量库不可用，请用 python -m index build 重建"
    elif isinstance(e, EmbedderError):
        what = "向量模型无法加载"
    else:
        log.error("answer failed", exc_info=e)
        return f"⚠️ 出错了：内部错误，请稍后再试（{type(e).__name__}）"
    log.warning("answer failed: %s", detail)
    return f"⚠️ 出错了：{what}（{detail}）"


def filters_from_inputs(since: str, until: str, outlets: list[str] | None, source: str) -> Filters:
    """The filter row's values → :class:`Filters` (a bad date raises ``ValueError``)."""
    return Filters(
        (since or "").strip() or None,
        (until or "").strip() or None,
        tuple(outlets or ()),
        tuple((source or "").split()),
    )


def history_of(answers: list[Answer | None]) -> list[dict[str, str]]:
    """Earlier turns as the engine takes them (failed turns left out)."""
    turns: list[dict[str, str]] = []
    for a in answers:
        if a is not None:
            turns += [
                {"role": "user", "content": a.question},
                {"role": "assistant", "content": a.answer},
            ]
    return turns


def build_app(settings: Settings) -> gr.Blocks:
    """The chat page; models load on the first question (``serve`` warms them up)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio as gr

    from .answer import get_engine
    from .feedback import record
    from .stream import answer_stream
    from .ui_corpus import ArticleTexts

    export_dir = Path(tempfile.mkdtemp(prefix="zh-news-rag-export-"))
    full = ArticleTexts(settings)  # "open article" on each source card

    def respond(
        question: str,
        chat: list[dict[str, Any]],
        answers: list[Answer | None],
        since: str = "",
        until: str = "",
        outlets: list[str] | None = None,
        source: str = "",
    ) -> Iterator[tuple[Any, ...]]:
        question = question or ""
        if not question.strip():  # the button is disabled; Enter on an empty box does nothing
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        try:
            flt = filters_from_inputs(since, until, outlets, source)
        except ValueError:
            gr.Warning("日期格式应为 2023、2023-08 或 2023-08-14。", title="筛选条件有误")
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        shown = question if len(question) <= MAX_SHOWN else question[:MAX_SHOWN] + "…"
        chat = [*chat, {"role": "user", "content": esc(shown)}]
        reply = {"role": "assistant", "content": "…"}
        yield [*chat, reply], "", gr.skip(), answers
        ans: Answer | None = None
        try:
            engine = get_engine(settings)
            for step in answer_stream(engine, question, history_of(answers), flt):
                if step.kind == "answer":
                    ans = step.answer
                    break
                css = "rag-meta" if step.kind == "status" else "rag-line"
                reply = {
                    "role": "assistant",
                    "content": f"<div class='{css}'>{esc(step.text)}</div>",
                }
                yield [*chat, reply], "", gr.skip(), answers
        except Exception as e:  # shown in the chat as one line, see error_message
            reply = {"role": "assistant", "content": esc(error_message(e))}
        answers = [*answers, ans]
        if ans is not None:
            reply = {"role": "assistant", "content": message_html(len(answers) - 1, ans)}
        yield [*chat, reply], "", sources_html(answers, full), answers

    def export(answers: list[Answer | None], kind: str) -> Any:
        done = [a for a in answers if a is not None]
        if not done:
            gr.Warning("还没有可以导出的回答。", title=TOAST)
            return gr.File(value=None, visible=False)
        path = export_dir / f"对话-{time.strftime('%Y%m%d-%H%M%S')}.{kind}"
        if kind == "docx":
            to_docx(done, path)
        else:
            path.write_text(to_markdown(done), encoding="utf-8")
        return gr.File(value=str(path), visible=True)

    def rate(answers: list[Answer | None], comment: str, data: gr.LikeData) -> Any:
        k = data.index[0] if isinstance(data.index, list | tuple) else data.index
        ans = answers[k // 2] if isinstance(k, int) and 0 <= k // 2 < len(answers) else None
        if ans is None or data.liked not in (True, False):
            return gr.skip()
        record(settings, ans, "up" if data.liked else "down", comment or "")
        gr.Info("感谢反馈，已记录。", title=TOAST)
        return ""

    rate.__annotations__["data"] = gr.LikeData  # Gradio reads it; the string form won't resolve

    def clear() -> tuple[Any, ...]:
        return [], "", sources_html([]), [], gr.File(value=None, visible=False)

    with gr.Blocks(title="中文新闻问答", analytics_enabled=False) as demo:
        gr.Markdown("## 中文新闻问答\n每句回答都摘自资料原文，并标注出处、日期与字符位置。")
        with gr.Tabs():
            with gr.Tab("问答", id="qa"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=340):
                    chatbot = gr.Chatbot(
                        label="对话",
                        elem_id="chat",
                        height=520,
                        render_markdown=False,  # our own escaped HTML, see ui_render
                        sanitize_html=True,
                        allow_tags=False,
                        latex_delimiters=[],
                        buttons=[],
                        placeholder="请在下方输入关于资料的问题。",
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            label="问题",
                            show_label=False,
                            placeholder="输入问题，按回车提问…",
                            elem_id="question",
                            scale=8,
                            lines=1,
                            max_lines=4,
                        )
                        ask = gr.Button(
                            "提问", variant="primary", elem_id="ask", scale=1, interactive=False
                        )
                    chips = gr.HTML("", elem_id="filter-chips")
                    with gr.Row(elem_id="examples"):
                        example_btns = [
                            gr.Button(q, size="sm", elem_classes=["rag-example"]) for q in EXAMPLES
                        ]
                    with (
                        gr.Accordion("筛选资料（日期、媒体、文件）", open=False, elem_id="filters"),
                        gr.Row(),
                    ):
                        since = gr.Textbox(
                            label="起始日期", placeholder="2023-08-01", elem_id="since"
                        )
                        until = gr.Textbox(
                            label="截止日期", placeholder="2023-12-31", elem_id="until"
                        )
                        outlet = gr.Dropdown(
                            choices=outlet_choices(settings),
                            multiselect=True,
                            label="媒体",
                            elem_id="outlet",
                        )
                        source = gr.Textbox(label="文件名（可用通配符 *）", elem_id="source")
                    comment = gr.Textbox(
                        label="反馈意见（可选，点回答下方的“赞”或“踩”时一并提交）",
                        elem_id="comment",
                        lines=1,
                    )
                    with gr.Row():
                        md_btn = gr.Button("导出对话（Markdown）", elem_id="export", size="sm")
                        docx_btn = gr.Button("导出对话（Word）", elem_id="export-docx", size="sm")
                        clear_btn = gr.Button("清空对话", elem_id="clear", size="sm")
                    out_file = gr.File(
                        label="下载", interactive=False, visible=False, elem_id="export-file"
                    )
                with gr.Column(scale=2, min_width=300, elem_id="side"):
                    sources = gr.HTML(sources_html([]), elem_id="sources")
            with gr.Tab("资料库", id="corpus"):
                from .ui_corpus import corpus_tab

                corpus_tab(settings)
        answers = gr.State([])

        outs = [chatbot, box, sources, answers]
        flt_in = [since, until, outlet, source]
        ask_args: dict[str, Any] = {
            "api_name": False,
            # one queue shared with /ask, ANSWER_CONCURRENCY answers at a time; a question
            # sent while this chat's previous answer still streams is answered next
            "concurrency_id": "answer",
            "concurrency_limit": ANSWER_CONCURRENCY,
            "trigger_mode": "always_last",
        }
        for trigger in (box.submit, ask.click):
            trigger(respond, [box, chatbot, answers, *flt_in], outs, **ask_args)
        for btn, q in zip(example_btns, EXAMPLES, strict=True):
            btn.click(lambda q=q: q, None, box, api_name=False, queue=False).then(
                respond, [box, chatbot, answers, *flt_in], outs, **ask_args
            )
        box.change(
            lambda q: gr.Button(interactive=bool((q or "").strip())),
            box,
            ask,
            api_name=False,
            queue=False,
            show_progress="hidden",
        )
        for f in flt_in:
            f.change(filter_chips, flt_in, chips, api_name=False, queue=False)
        md_btn.click(lambda a: export(a, "md"), [answers], [out_file], api_name=False)
        docx_btn.click(lambda a: export(a, "docx"), [answers], [out_file], api_name=False)
        chatbot.like(rate, [answers, comment], [comment], api_name=False)
        clear_out = [chatbot, box, sources, answers, out_file]
        for trigger in (clear_btn.click, chatbot.clear):
            trigger(clear, None, clear_out, api_name=False)
        register_api(settings)
    return demo


def parse_auth(settings: AppSettings) -> tuple[str, str] | None:
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
    With two arenas it grew by 19 MB (python -m eval.bench.load --questions 1000). Same effect as
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
    from starlette.middleware import Middleware

    from .answer import get_engine
    from .ui_locale import ChineseLocale

    auth = parse_auth(settings)
    ensure_built(settings)
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
        footer_links=[],
        app_kwargs={"middleware": [Middleware(ChineseLocale)]},
        css=CSS,
        head=HEAD,
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"]),
    )
