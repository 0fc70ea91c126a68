"""Paper search weighs a paper's head (abstract, summary) above a passing mention in its body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.embed import Embedder
from search.retrieval.engine import Searcher
from tests.conftest import SMALL_DIGESTS, build_into

ABOUT = "2501.00001"  # a paper about few-step diffusion sampling
MENTIONS = "2501.00002"  # an audio codec whose discussion mentions it in passing
RECORDS = [
    {"arxiv_id": ABOUT, "title": "Few-Step Sampling for Latent Diffusion by Consistency Distillation",
     "abstract": "We distil a pretrained text-to-image latent diffusion model into a consistency "
                 "model that needs four network evaluations per image, cutting generation time "
                 "eightfold at similar FID."},
    {"arxiv_id": MENTIONS, "title": "Neural Audio Codecs with Residual Vector Quantization",
     "abstract": "We present a neural audio codec that compresses speech and music at low bitrates "
                 "with residual vector quantization and adversarial training.",
     "sections": [
         {"section": "3 Method", "page": 3,
          "text": "The encoder maps the waveform to latent frames at 75 Hz, which residual vector "
                  "quantization turns into codes from eight codebooks."},
         {"section": "5 Discussion", "page": 9,
          "text": "Our decoder is a diffusion model, so decoding is slow. Inference of diffusion "
                  "models can be made faster, for example by distilling them into few-step "
                  "samplers; faster diffusion inference would make our decoder real-time, which "
                  "we leave to future work."}]},
]
QUERY = "distilling diffusion models into few-step samplers"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path,
             embedder: Embedder) -> Searcher:
    tmp = tmp_path_factory.mktemp("bodies")
    records = tmp / "papers.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in RECORDS), encoding="utf-8")
    settings = build_into(tmp / "index", [records, corpus_dir / SMALL_DIGESTS[0]], embedder)
    return Searcher(settings, embedder_factory=lambda: embedder)


def test_the_paper_about_a_topic_outranks_one_that_mentions_it_in_its_body(
        searcher: Searcher) -> None:
    hits = searcher.search(QUERY, k=5).hits
    assert [h.paper_id for h in hits[:2]] == [ABOUT, MENTIONS]
    assert hits[1].section == "5 Discussion"  # still found, by its passage


def test_a_fact_question_lets_the_body_passage_count_in_full(searcher: Searcher) -> None:
    full = searcher.search(QUERY, k=5, bodies=True).hits
    assert full[0].paper_id == MENTIONS and full[0].section == "5 Discussion"
    discounted = {h.paper_id: h.score for h in searcher.search(QUERY, k=5).hits}
    scores = {h.paper_id: h.score for h in full}
    assert scores[ABOUT] == discounted[ABOUT]  # a head match is never discounted
    assert scores[MENTIONS] > discounted[MENTIONS]


def test_no_discount_restores_plain_best_passage_ranking(searcher: Searcher) -> None:
    plain = Searcher(searcher.settings.model_copy(update={
        "ranking": searcher.settings.ranking.model_copy(update={"body_discount": 0.0})}),
        embedder_factory=lambda: searcher.embedder)
    assert plain.search(QUERY, k=5).hits[0].paper_id == MENTIONS
