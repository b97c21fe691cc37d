"""Stage 2: embeddings in Chroma plus a Chinese BM25 index (work in progress)."""
