"""Fakes for the fast tier: a deterministic encoder that needs no model.

`HashEmbedder` maps each keyword token to a few hashed dimensions, so texts that
share words have a positive cosine, which is all the logic around the model needs.
Tests of the model itself, and of ranking quality, use the real one (marked slow).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from indexer.textproc import tokenize


class HashEmbedder:
    """Bag-of-words hashed into `dim` dimensions, L2-normalised; counts what it encodes."""

    model_id = "test/hash-bow"
    backend = "hash"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.calls = 0

    def count_tokens(self, text: str) -> int:
        """Roughly the word pieces a BERT tokenizer makes: 1.3 per word plus [CLS]/[SEP]."""
        return int(len(text.split()) * 1.3) + 2

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """One normalised vector per text (a text without tokens gets a fixed direction)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in tokenize(text) or ["\x00empty"]:
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
                for j in range(0, 8, 2):
                    out[i, int.from_bytes(digest[j:j + 2], "little") % self.dim] += 1.0
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        self.calls += len(texts)
        return out
