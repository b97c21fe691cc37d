"""Progress for long stages: a tqdm bar on a terminal, a log line every 10 s otherwise.

A bar redraws in place, which a log file or CI console shows as one line at the end (or not at
all), so a long build piped to a file looks hung. When stderr is not a terminal a background
timer prints ``desc: done/total unit (pct), rate/s, ETA`` at a fixed interval instead, so a
slow single step (one large batch) still produces a line on time.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
EVERY_S = 10.0  # seconds between log lines: a log reader sees progress at least this often


def _fmt_eta(seconds: float) -> str:
    s = int(seconds + 0.5)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class Progress:
    """Counts work done; ``with Progress(...) as p: p.update(n)`` or :func:`progress`."""

    def __init__(
        self,
        total: int | None = None,
        desc: str = "",
        unit: str = "it",
        enabled: bool = True,
        every: float = EVERY_S,
        stream: TextIO | None = None,
    ) -> None:
        self.total, self.desc, self.unit, self.every = total, desc, unit, every
        self.stream = stream or sys.stderr
        self.done = 0
        self.enabled = enabled
        self._bar = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()

    def __enter__(self) -> Progress:
        if not self.enabled:
            return self
        if self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=self.desc, unit=self.unit, file=self.stream)
        else:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        rate = self.done / elapsed
        if self.total:
            pct = 100 * self.done / self.total
            eta = _fmt_eta((self.total - self.done) / rate) if rate > 0 else "?"
            return (
                f"{self.desc}: {self.done}/{self.total} {self.unit} ({pct:.0f}%), "
                f"{rate:.1f} {self.unit}/s, ETA {eta}"
            )
        return f"{self.desc}: {self.done} {self.unit}, {rate:.1f} {self.unit}/s"

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            print(self.line(), file=self.stream, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            print(self.line() + " (done)", file=self.stream, flush=True)


def progress(
    items: Iterable[T],
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool = True,
    every: float = EVERY_S,
) -> Iterator[T]:
    """Yield ``items`` while reporting progress (see the module docstring)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(total, desc, unit, enabled, every) as p:
        for item in items:
            yield item
            p.update()
