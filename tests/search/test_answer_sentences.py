"""Candidate sentences of an answer: how they are embedded and which are quoted."""

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


def test_the_best_sentence_of_a_top_passage_is_quoted_beside_a_weaker_pick() -> None:
    from search.answer.ask import MAX_QUOTES, _cover
    from search.answer.sentences import Sentence
    weak = Sentence(0, 0, 1, "We capture a performance.", score=0.6)
    best = Sentence(0, 2, 3, "Each subject performs 41 expressions.", score=0.8, cover=True)
    other = [Sentence(ev, 0, 1, f"Sentence {ev}.", score=0.7) for ev in (1, 2, 5, 6, 7, 8, 9)]
    picks = [other[0], weak, *other[2:]]
    quoted = _cover(picks, [weak, best, *other])
    assert any(x is best for x in quoted) and len(quoted) <= MAX_QUOTES
    assert quoted[0] is other[0]  # the answer sentence stays first
    assert any(x is other[1] for x in quoted)  # passage 2's best, not picked, is quoted too
