"""Candidate sentences of an answer: how they are embedded."""

from __future__ import annotations

import numpy as np

from indexer.model_spec import Embedder
from search.answer.sentences import embed


def test_a_sentence_is_embedded_the_same_whatever_shares_its_batch(embedder: Embedder) -> None:
    # The int8 model scales activations per batch: batched, a sentence's cosine moved by 0.01.
    a = "AGG decomposes the generation of 3D Gaussian locations and appearance attributes."
    alone = embed(embedder, [a])[0]
    for other in ("Short one.", "A much longer sentence about relightable head avatars " * 6):
        assert np.array_equal(embed(embedder, [a, other])[0], alone)
