"""A fake OpenAI-compatible server: the one true external boundary the tests replace.

A real ``openai`` client talks to it over loopback, so streaming, timeouts, HTTP errors and
broken bodies exercise the same code paths as a real server. ``Fake.behaviour`` says what the
"model" does next; ``say`` makes it return any text, e.g. an injected instruction obeyed.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BAD = "北京信息软件业营收规模将达到9.9万亿元[1]。"
REFUSAL = "资料中未找到相关信息。"


class Fake:
    """What the fake server does next, and what it was sent."""

    def __init__(self) -> None:
        self.behaviour = "good"
        self.rewrite = "江苏机器人产业链规模到2025年达到多少？"
        self.say = ""  # the answer when behaviour == "say"
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str] = []

    def reset(self) -> Fake:
        self.behaviour, self.say, self.requests, self.auth = "good", "", [], []
        self.rewrite = "江苏机器人产业链规模到2025年达到多少？"
        return self

    def answer(self, body: dict[str, Any]) -> str:
        user = body["messages"][-1]["content"]
        if "改写后的问题" in user:
            return self.rewrite
        first = re.search(r"^\[1\](?:《[^》\n]*》)?\s*([^。\n]*。)", user, re.M)
        good = first.group(1)[:-1] + "[1]。" if first else ""
        return {
            "good": good,
            "good+bad": good + BAD,
            "bad": BAD,
            "refuse": REFUSAL,
            "say": self.say,
        }.get(self.behaviour, "")


def _handler(fake: Fake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200, "application/json", b'{"object":"list","data":[{"id":"fake"}]}')

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append(body)
            auth = self.headers.get("Authorization", "")
            fake.auth.append(auth)
            how = fake.behaviour
            if how == "slow":
                time.sleep(3)
            if how == "http500":  # a careless server that echoes the credentials
                err = {"error": {"message": f"internal error, auth was {auth}"}}
                return self._send(500, "application/json", json.dumps(err).encode())
            if how == "html":
                return self._send(200, "text/html", b"<html>502 Bad Gateway</html>")
            if how == "garbage":
                return self._send(200, "text/event-stream", b"data: {not json\n\n")
            text = fake.answer(body)
            events = [text[i : i + 5] for i in range(0, len(text), 5)]
            out = b"".join(
                b"data: "
                + json.dumps(
                    {
                        "id": "x",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": "fake",
                        "choices": [{"index": 0, "delta": {"content": e}, "finish_reason": None}],
                    },
                    ensure_ascii=False,
                ).encode()
                + b"\n\n"
                for e in events
            )
            self._send(200, "text/event-stream", out + b"data: [DONE]\n\n")

    return Handler


@contextlib.contextmanager
def serve_fake(fake: Fake | None = None) -> Iterator[tuple[Fake, str]]:
    """``(fake, base_url)`` of a fake server on a free loopback port, for the block's duration."""
    fake = fake or Fake()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
