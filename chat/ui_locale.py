"""Gradio's own labels in Chinese whatever the browser's language.

Gradio's front end picks its interface language from ``navigator.language`` when its module
scripts start, before any ``head`` content of the app is added; so an English browser gets
"Drop File Here" in a Chinese page. This ASGI middleware puts one fixed script at the top of
every HTML page the server sends (the app and its login page) that answers ``zh-CN`` instead.
It touches only ``text/html`` responses and inserts no request or document data.
"""

from __future__ import annotations

from typing import Any

SCRIPT = (
    b"<script>try{Object.defineProperty(Navigator.prototype,'language',{get:()=>'zh-CN'});"
    b"Object.defineProperty(Navigator.prototype,'languages',{get:()=>['zh-CN','zh']});}"
    b"catch(e){}</script>"
)


def with_script(body: bytes) -> bytes:
    """``body`` with :data:`SCRIPT` right after ``<head>`` (or first, if there is none)."""
    at = body.lower().find(b"<head>")
    if at < 0:
        return SCRIPT + body
    at += len(b"<head>")
    return body[:at] + SCRIPT + body[at:]


class ChineseLocale:
    """Pure ASGI middleware (streaming bodies pass through untouched unless HTML)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def wrapped(msg: dict[str, Any]) -> None:
            if msg["type"] == "http.response.start":
                headers = dict(msg.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    start.update(msg)  # hold it until the whole page is here
                    return
                await send(msg)
            elif msg["type"] == "http.response.body" and start:
                chunks.append(msg.get("body", b""))
                if msg.get("more_body"):
                    return
                body = with_script(b"".join(chunks))
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(msg)

        await self.app(scope, receive, wrapped)
