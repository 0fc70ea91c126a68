"""Questions that describe a paper instead of naming it, on real PDFs with the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.embed import Embedder
from search.answer.ask import ABSTAIN, FAR_RELEVANCE, answer
from search.answer.evidence import leader
from search.answer.prepare import prepare
from search.models import Filters, PassageSearchResponse
from search.retrieval.engine import Searcher
from search.retrieval.query import ParsedQuery
from tests.conftest import SMALL_DIGESTS, build_into

BIGBIRD = "2007.14062"
PDFS = (f"{BIGBIRD}.pdf", "2110.02037.pdf", "1312.6114.pdf")  # BigBird, ARDM, the VAE
CHROMATIN = ("For the chromatin-profile prediction task of the sparse-attention transformer that "
             "mixes random, sliding-window and global tokens, how were the training, validation "
             "and test data split, and how was the strong class imbalance handled?")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path, corpus_dir: Path,
             embedder: Embedder) -> Searcher:
    paths = [shared_dir / "corpus" / "pdfs" / name for name in PDFS]
    settings = build_into(tmp_path_factory.mktemp("described"),
                          [*paths, corpus_dir / SMALL_DIGESTS[0]], embedder)
    return Searcher(settings, embedder_factory=lambda: embedder)


def test_a_specific_question_about_the_clearly_leading_paper_is_answered(searcher: Searcher) -> None:
    found = prepare(searcher, searcher.parse(CHROMATIN), 8)
    # A long two-part question is far from any one sentence: below the floor for a question
    # paper search finds no close match for (the top passages' `cover` sentences are not
    # evidence for it) ...
    assert max(s.relevance for s in found.sentences if not s.cover) < FAR_RELEVANCE
    assert leader(found.hits) == BIGBIRD  # ... but paper search clearly picks BigBird
    a = answer(searcher, CHROMATIN)
    assert a.citations and a.citations[0].paper_id == BIGBIRD
    assert any("Chromosome 8 and 9 were excluded" in c.excerpt for c in a.citations[:3])


def test_a_broad_question_below_the_floor_still_abstains(searcher: Searcher) -> None:
    question = "How do I fine-tune BERT for sentiment classification on movie reviews?"
    assert leader(prepare(searcher, searcher.parse(question), 8).hits) == BIGBIRD  # not on topic
    a = answer(searcher, question)
    assert a.overview.startswith(ABSTAIN) and not a.citations


def test_the_ask_after_a_long_description_searches_the_paper_alone(searcher: Searcher) -> None:
    """The description ("the paper that unifies …") matches the paper's introduction; what it
    asks ("what data is used …") searches the paper's body on its own."""
    question = ("In the paper that unifies order-agnostic autoregressive models with absorbing "
                "discrete diffusion, how many audio clips are in the training, validation and test "
                "splits?")
    searched: list[str] = []
    passages = searcher.passages

    def recording(query: str | ParsedQuery, k: int = 10, filters: Filters | None = None,
                  papers: list[str] | None = None) -> PassageSearchResponse:
        searched.append(query if isinstance(query, str) else "")
        return passages(query, k=k, filters=filters, papers=papers)

    searcher.passages = recording  # type: ignore[method-assign]
    try:
        found = prepare(searcher, searcher.parse(question), 8)
    finally:
        del searcher.passages
    assert "how many audio clips are in the training, validation and test splits?" in searched
    assert any("31158/3643/4107" in e.text for e in found.evidence[:10])
