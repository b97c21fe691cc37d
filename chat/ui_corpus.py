"""The corpus tab: which articles the index holds, and adding ``.txt`` files to it.

An upload is copied into the corpus folder under a name no existing file has (nothing is
overwritten), then the usual incremental ``ingest`` + ``index.build`` run while the chat keeps
answering from the engine it has; the new engine replaces it only once it is loaded. Files that
ingest skips are removed again and reported with ingest's one-line reason.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest import DataSettings

from .settings import Settings
from .ui_render import esc

log = logging.getLogger(__name__)

MAX_ROWS = 300  # rows drawn in the article list; a search narrows the rest
_BUILD_LOCK = threading.Lock()  # one ingest + build at a time (they write the same files)


def articles_table(settings: DataSettings, query: str = "") -> str:
    """The article list as escaped HTML: title, date, outlet, chunks, file."""
    from ingest import load_articles, load_chunks

    if not settings.articles_path.exists():
        return "<div class='rag-empty'>资料库还没有建立索引。</div>"
    chunks = Counter(c.article_id for c in load_chunks(settings.chunks_path))
    q = (query or "").strip().lower()
    rows = [
        a
        for a in load_articles(settings.articles_path)
        if not q or q in f"{a.title} {a.outlet or ''} {a.date or ''} {a.source}".lower()
    ]
    body = "".join(
        f"<tr><td>{esc(a.title)}</td><td>{esc((a.date or '')[:10])}</td>"
        f"<td>{esc(a.outlet or '')}</td><td>{chunks.get(a.id, 0)}</td>"
        f"<td class='rag-file'>{esc(a.source)}</td></tr>"
        for a in rows[:MAX_ROWS]
    )
    more = f"（只显示前{MAX_ROWS}篇，请用搜索缩小范围）" if len(rows) > MAX_ROWS else ""
    return (
        f"<div class='rag-count'>共 {len(rows)} 篇文章{more}</div>"
        "<div style='overflow-x:auto'><table class='rag-table'><thead><tr><th>标题</th>"
        "<th>日期</th><th>媒体</th><th>段落数</th><th>文件</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


class ArticleTexts:
    """The cleaned article a citation comes from (``articles.jsonl``), for "open article".

    Reloaded when the file changes (an upload); looked up by source file and the raw span
    holding the quote, so the chat never reads the raw corpus.
    """

    def __init__(self, settings: DataSettings) -> None:
        self.path = settings.articles_path
        self.stamp: float | None = None
        self.by_source: dict[str, list[Any]] = {}
        self.lock = threading.Lock()

    def __call__(self, c: Any) -> str | None:
        from ingest import load_articles

        with self.lock:
            stamp = self.path.stat().st_mtime if self.path.exists() else None
            if stamp != self.stamp:
                self.by_source = {}
                for a in load_articles(self.path) if stamp is not None else []:
                    self.by_source.setdefault(a.source, []).append(a)
                self.stamp = stamp
        for a in self.by_source.get(c.source, []):
            if any(s <= c.start < e for s, e in a.spans):
                return str(a.text)
        return None


def index_status(settings: DataSettings) -> str:
    from index import read_manifest

    m = read_manifest(settings)
    if m is None:
        return "索引状态：尚未建立"
    return f"索引状态：已建立 · {len(m.ids)} 个段落 · 向量模型 {esc(m.embedder)} · 更新于 {esc(m.built_at)}"


def outlet_choices(settings: DataSettings) -> list[str]:
    """The outlets named in the indexed chunks, most frequent first (empty before a build)."""
    from ingest import load_chunks

    if not settings.chunks_path.exists():
        return []
    counts = Counter(c.outlet for c in load_chunks(settings.chunks_path) if c.outlet)
    return [o for o, _ in counts.most_common()]


def free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2.txt``, ``name-3.txt``… when that file already exists."""
    stem, suffix = Path(name).stem, Path(name).suffix
    path, i = folder / name, 1
    while path.exists():
        i += 1
        path = folder / f"{stem}-{i}{suffix}"
    return path


def reload_engine(settings: Settings) -> None:
    """Load an engine over the new index, then swap it in for this settings' cached one."""
    from . import answer

    fresh = answer.Engine(settings)
    keys = [k for k, e in answer._ENGINES.items() if e.settings == settings]
    for k in keys:
        answer._ENGINES[k] = fresh
    if not keys:
        answer.get_engine(settings)


def add_files(settings: Settings, uploads: list[str] | None) -> Iterator[str]:
    """Copy, ingest, index, reload; yields one Chinese progress line per step."""
    from index import build
    from ingest import ingest

    files = [Path(u) for u in uploads or []]
    if not files:
        yield "请先选择要上传的 .txt 文件。"
        return
    bad = [f.name for f in files if f.suffix.lower() != ".txt"]
    if bad:
        yield f"只能上传 .txt 文件：{esc('、'.join(bad))}"
        return
    if not _BUILD_LOCK.acquire(blocking=False):
        yield "另一批文件正在加入资料库，请稍后再试。"
        return
    try:
        folder = settings.corpus_dir
        copied = []
        for f in files:
            dst = free_name(folder, f.name)
            shutil.copyfile(f, dst)
            copied.append(dst)
        yield f"已复制 {len(copied)} 个文件，正在切分文章…"
        report = ingest(settings, progress=False)
        lines = []
        for dst in copied:
            why = [w for w in report.warnings if dst.name in w]
            if why:  # skipped by ingest: take it out again, keep the reason
                dst.unlink(missing_ok=True)
                lines.append(f"✗ {esc(why[0])}")
            else:
                lines.append(f"✓ {esc(dst.name)}")
        yield "<br>".join([*lines, "正在建立索引…"])
        build(settings, progress=False)
        yield "<br>".join([*lines, "正在载入新索引…"])
        reload_engine(settings)
        yield "<br>".join([*lines, "完成：新文章已可检索。"])
    except Exception as e:  # one line in the tab; the old index and engine keep serving
        log.error("adding files failed", exc_info=e)
        yield f"加入资料库失败：{esc(' '.join(str(e).split())[:200])}"
    finally:
        _BUILD_LOCK.release()


def corpus_tab(settings: Settings) -> None:
    """The tab's components and events (call inside a ``gr.Tab``)."""
    import gradio as gr

    status = gr.Markdown(index_status(settings), elem_id="index-status")
    with gr.Accordion("添加文章（.txt）", open=True):
        upload = gr.File(
            label="选择 .txt 文件",
            file_count="multiple",
            file_types=[".txt"],
            elem_id="upload",
            height=140,
        )
        add = gr.Button("加入资料库", variant="primary", elem_id="add-docs")
        progress = gr.HTML("", elem_id="upload-status")
    search = gr.Textbox(label="搜索标题、媒体、日期或文件名", elem_id="corpus-search")
    table = gr.HTML(articles_table(settings), elem_id="corpus-list")

    def run(uploads: list[str] | None) -> Iterator[tuple[Any, ...]]:
        for line in add_files(settings, uploads):
            yield line, gr.skip(), gr.skip()
        yield gr.skip(), index_status(settings), articles_table(settings)

    search.change(lambda q: articles_table(settings, q), search, table, api_name=False)
    add.click(
        run,
        upload,
        [progress, status, table],
        api_name=False,
        concurrency_id="upload",
        concurrency_limit=1,
    )
