"""Syndicated copies: chunks of one report carried by several files share a ``copy_group``.

Outlets re-run agency copy with small edits (a different lede, a trimmed paragraph, their own
boilerplate), so exact hashes miss them. Each chunk becomes a set of character 5-grams of its
letters and digits (punctuation, spaces and layout ignored; digits kept, so templated reports
about different companies or figures stay apart); MinHash LSH proposes candidate pairs from
other files, and a pair is kept only when the exact shingle sets overlap enough. Connected
chunks form a group whose id is derived from its first member, so output is deterministic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .models import Chunk

SHINGLE = 5  # characters per shingle: 5-grams of Chinese text are rare enough to be specific
NUM_PERM = 64  # MinHash permutations: LSH recall at the threshold below vs. hashing time
LSH_THRESHOLD = 0.4  # candidate Jaccard estimate: low enough to catch a copy that is a subset
MIN_CONTAINMENT = 0.7  # share of the smaller chunk's shingles found in the other: a copy
MIN_SHINGLES = 8  # chunks shorter than this (a headline) are too short to call copies


def shingles(text: str) -> set[str]:
    s = "".join(ch.lower() for ch in text if ch.isalnum())
    if len(s) <= SHINGLE:
        return {s} if s else set()
    return {s[i : i + SHINGLE] for i in range(len(s) - SHINGLE + 1)}


def _minhash(grams: Iterable[str]):  # -> datasketch.MinHash
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch([g.encode() for g in sorted(grams)])
    return m


def copy_groups(chunks: list[Chunk]) -> dict[str, str]:
    """Chunk id → group id for every chunk that has a near-identical copy in another file."""
    from datasketch import MinHashLSH

    sets = [shingles(c.text) for c in chunks]
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    hashes = {}
    for i, grams in enumerate(sets):
        if len(grams) >= MIN_SHINGLES:
            hashes[i] = _minhash(grams)
            lsh.insert(str(i), hashes[i])
    parent = list(range(len(chunks)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, mh in hashes.items():
        for key in sorted(lsh.query(mh), key=int):
            j = int(key)
            if j <= i or chunks[j].source == chunks[i].source:
                continue
            a, b = sets[i], sets[j]
            if len(a & b) >= MIN_CONTAINMENT * min(len(a), len(b)):
                ri, rj = root(i), root(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    members: dict[int, list[int]] = {}
    for i in range(len(chunks)):
        members.setdefault(root(i), []).append(i)
    out: dict[str, str] = {}
    for first, group in members.items():
        if len({chunks[i].source for i in group}) < 2:
            continue
        gid = "cg" + hashlib.sha1(chunks[first].id.encode()).hexdigest()[:12]
        for i in group:
            out[chunks[i].id] = gid
    return out


def mark_copies(chunks: list[Chunk]) -> tuple[list[Chunk], int]:
    """The chunks with ``copy_group`` set, and the number of groups found."""
    groups = copy_groups(chunks)
    marked = [
        c.model_copy(update={"copy_group": groups[c.id]}) if c.id in groups else c for c in chunks
    ]
    return marked, len(set(groups.values()))
