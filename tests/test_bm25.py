"""The fast BM25 build path gives exactly the index the plain path gives.

``Tokens`` makes bigrams as integer keys and the index build is vectorised; both are speed
work only, so these tests pin them to the reference: ``tokenize`` for the tokens and bm25s's
own ``index`` for the scores.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.bm25 import MODES, BM25Index, Tokens, tokenize

# Invented passages covering what the key arithmetic must get right: one-character Han runs,
# CJK extension A and compatibility ideographs, Latin words and numbers inside Han text,
# full-width punctuation, an empty text and one with no token at all.
TEXTS = [
    "某市今年新建5G基站1.2万个，同比增长13.7%。",
    "甲 乙丙 丁",
    "\u3400\u4dbf与\uf900\ufaff并列",
    "ABC公司发布AI-Pro 2.0，售价3999元。",
    "",
    "！！？",
    "中",
    "新能源汽车销量增长，新能源汽车出口增长。" * 3,
]


@pytest.mark.parametrize("mode", MODES)
def test_tokens_match_tokenize(mode: str) -> None:
    tok = Tokens(mode).add(TEXTS[:3]).add(TEXTS[3:])  # two batches: ids carry across
    inverse = {i: w for w, i in tok.vocab.items()}
    assert len(tok.vocab) == len(set(tok.vocab.values()))
    for text, doc in zip(TEXTS, tok.docs.arrays(), strict=True):
        assert Counter(inverse[int(i)] for i in doc) == Counter(tokenize(text, mode) or ["\x00"])


def test_vectorised_build_equals_bm25s() -> None:
    texts = [t for t in TEXTS if t] * 2 + ["基站建设提速", "汽车出口增长"]
    tok = Tokens("bigram+jieba").add(texts)
    ref = bm25s.BM25()
    ref.index((tok.docs, dict(tok.vocab)), show_progress=False)
    ours = BM25Index.build([f"c{i}" for i in range(len(texts))], texts, "bigram+jieba", tok)
    for key in ("indices", "indptr"):
        assert np.array_equal(ours.model.scores[key], ref.scores[key])  # type: ignore[attr-defined]
    assert np.allclose(ours.model.scores["data"], ref.scores["data"], rtol=1e-6)  # type: ignore[attr-defined]
    for query in ("新能源汽车出口", "5G基站", "ai-pro售价"):
        ids = [ref.vocab_dict[t] for t in tokenize(query) if t in ref.vocab_dict]
        assert np.allclose(ours.scores(query), ref.get_scores_from_ids(ids), rtol=1e-6)
    assert ours.search("新能源汽车出口", 1)[0][0] in {"c6", "c13", "c15"}


def test_saved_index_loads_with_plain_bm25s(tmp_path: Path) -> None:
    texts = ["某市新建基站", "某县修建公路", "基站覆盖全县"]
    BM25Index.build(["a", "b", "c"], texts, "bigram").save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert type(loaded.model) is bm25s.BM25
    assert {cid for cid, _ in loaded.search("基站", 3)} == {"a", "c"}
