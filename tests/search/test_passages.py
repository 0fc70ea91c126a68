"""Passage-level search and answers from paper bodies, on real PDFs with the real model."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.embed import Embedder
from indexer.sentences import split_sentences
from search.answer.ask import answer
from search.answer.evidence import gather
from search.answer.question import intent
from search.answer.sections import in_parts
from search.cli.main import main
from search.config import Settings
from search.retrieval.engine import Searcher
from search.service.app import create_app
from tests.conftest import SMALL_DIGESTS, build_into

PDFS = ("2309.07125.pdf", "2401.04099.pdf", "2402.11929.pdf",  # TECA, AGG, DiLightNet,
        "1312.6114.pdf")  # and the VAE paper, which names AEVB only in its body
TECA = "2309.07125"


@pytest.fixture(scope="module")
def pdf_index(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path, corpus_dir: Path,
              embedder: Embedder) -> Settings:
    """Three paper PDFs (full bodies) beside a digest day (abstracts only)."""
    paths = [shared_dir / "corpus" / "pdfs" / name for name in PDFS]
    return build_into(tmp_path_factory.mktemp("pdf_index"),
                      [*paths, corpus_dir / SMALL_DIGESTS[0]], embedder)


@pytest.fixture(scope="module")
def searcher(pdf_index: Settings, embedder: Embedder) -> Searcher:
    return Searcher(pdf_index, embedder_factory=lambda: embedder)


def test_passages_come_from_bodies_several_per_paper(searcher: Searcher) -> None:
    resp = searcher.passages("points sampled per ray during NeRF training", k=8)
    assert resp.unit == "passage" and len(resp.passages) == 8
    assert [p.paper_id for p in resp.passages].count(TECA) >= 2
    assert any("96 points" in p.text for p in resp.passages)
    assert all(p.section and p.page for p in resp.passages if p.paper_id == TECA)


def test_passage_search_within_one_paper(searcher: Searcher) -> None:
    resp = searcher.passages("loss weights", k=5, papers=[TECA])
    assert {p.paper_id for p in resp.passages} == {TECA}
    assert any("λsym" in p.text or "sym =" in p.text for p in resp.passages)


def test_neighbouring_passages_stay_in_their_paper_and_section(searcher: Searcher) -> None:
    resp = searcher.passages("loss weights", k=5, papers=[TECA])
    for p in resp.passages:
        for near in (searcher.preceding(p), searcher.following(p)):
            assert near is None or (near.paper_id == TECA and near.section == p.section
                                    and near.chunk_id != p.chunk_id)
    first = searcher.passages("TECA", k=200, papers=[TECA]).passages
    chain = [p for p in first if searcher.following(p) is not None]
    assert chain and searcher.preceding(searcher.following(chain[0])).chunk_id == chain[0].chunk_id


def test_a_question_naming_a_method_leads_with_the_fact(searcher: Searcher) -> None:
    a = answer(searcher, "How many points per ray does TECA sample when training its NeRF?")
    assert a.overview.startswith("According to TECA:")
    first = a.citations[0]
    assert first.paper_id == TECA and "96 points" in first.excerpt
    assert first.section and first.page  # cited as paper · section · page


def test_a_specific_answer_quotes_the_fact_then_context(searcher: Searcher) -> None:
    from search.answer.ask import MAX_QUOTES, SPECIFIC_CONTEXT

    a = answer(searcher, "What loss weights does TECA use for its NeRF?")
    quoted = re.findall(r" \[\d+\][.。]", a.overview)  # the marker that ends a quote
    # The answer sentence, then as many context sentences as clear the floor (TECA's body
    # has more than enough about its losses), and perhaps a top passage's own sentence.
    assert SPECIFIC_CONTEXT + 1 <= len(quoted) <= MAX_QUOTES == 8
    assert any("λsym = 0.5" in c.excerpt for c in a.citations[:3])


@pytest.mark.parametrize("question", [
    "How many points per ray does TECA sample when training its NeRF?",
    "What loss weights does TECA use for its NeRF?",
    "Which lighting conditions does DiLightNet render its training images under, and how many?",
])
def test_a_specific_answer_quotes_each_of_the_best_passages(searcher: Searcher,
                                                            question: str) -> None:
    from search.answer.prepare import COVER_PASSAGES, prepare

    # Whatever the sentence score prefers, the passages ranked first are each quoted: the
    # passage ranking finds a fact's passage more often than the sentence score its sentence.
    top = prepare(searcher, searcher.parse(question), 8).evidence[:COVER_PASSAGES]
    a = answer(searcher, question)
    for ev in top:  # (an excerpt may run on into the passage next to it)
        assert any(c.paper_id == ev.paper.paper_id and set(split_sentences(c.excerpt))
                   & set(split_sentences(ev.text)) for c in a.citations), (ev.hit.section, ev.text[:80])


def test_a_quote_at_a_passages_edge_runs_on_across_the_chunk_boundary(searcher: Searcher) -> None:
    from search.answer.cite import excerpt
    from search.answer.evidence import Evidence
    from search.answer.joined import join_edges
    from search.answer.sentences import Sentence

    # A passage whose last sentence the next passage does not repeat (longer than the overlap).
    passages = searcher.passages("TECA", k=200, papers=[TECA]).passages
    pairs = [(p, n) for p in passages if (n := searcher.following(p)) is not None
             and split_sentences(p.text)[-1] not in n.text]
    assert pairs
    p, nxt = pairs[0]
    last = split_sentences(p.text)[-1]
    start = p.text.rindex(last)
    evidence = [Evidence(p, searcher.paper(TECA), 1.0)]
    pick = Sentence(0, start, start + len(last), last)
    join_edges(searcher, evidence, [pick])
    joined = evidence[pick.ev].text
    assert joined[pick.start:pick.end] == last and evidence[pick.ev].hit.page == p.page
    got = excerpt(joined, [pick])
    assert last in got and split_sentences(nxt.text)[0] in got  # what follows it, verbatim
    chunks = [t for _, t, _ in searcher.snapshot.chunks_of(TECA)]
    assert all(any(s in t for t in chunks) for s in split_sentences(got))


def test_every_passage_of_a_named_paper_counts_as_named_however_it_was_found(
        searcher: Searcher) -> None:
    from search.answer.prepare import prepare
    found = prepare(searcher, searcher.parse("What loss weights does TECA use for its NeRF?"), 8)
    assert found.named == [TECA]
    teca = [e for e in found.evidence if e.paper.paper_id == TECA]
    # The corpus-wide search finds TECA's best passages before its body search does.
    assert len(teca) > 10 and all(e.focus for e in teca)
    assert not any(e.focus for e in found.evidence if e.paper.paper_id != TECA)


def test_a_question_naming_a_paper_asks_for_its_details(searcher: Searcher) -> None:
    from search.answer.prepare import prepare
    from search.answer.question import intent
    question = "How are DiLightNet's radiance hints rendered?"
    assert not intent(question).specific  # no kind of fact the patterns know
    found = prepare(searcher, searcher.parse(question), 8)
    assert found.named == ["2402.11929"]
    # Like a specific answer, it quotes each of the best passages: their sentences are
    # candidates.
    assert any(s.cover for s in found.sentences)
    a = answer(searcher, question)
    assert a.citations[0].paper_id == "2402.11929"


def test_a_name_defined_only_in_the_body_finds_its_paper(searcher: Searcher) -> None:
    assert searcher.named_papers("In the AEVB experiments, which step sizes were tried?") == \
        [("AEVB", "1312.6114")]
    a = answer(searcher, "In the AEVB experiments, which step sizes were tried?")
    assert a.citations and a.citations[0].paper_id == "1312.6114"


def test_a_chinese_question_gets_a_chinese_frame(searcher: Searcher) -> None:
    a = answer(searcher, "TECA 用了什么损失权重？")
    assert a.overview.startswith("据《TECA》：") and a.citations[0].paper_id == TECA


def test_a_chinese_question_without_spaces_is_answered_like_a_spaced_one(searcher: Searcher) -> None:
    # "哪块GPU" hides GPU from the hardware cue's word boundary until the scripts are apart.
    tight = answer(searcher, "TECA训练NeRF每条光线采样多少个点，用的哪块GPU")
    spaced = answer(searcher, "TECA 训练 NeRF 每条光线采样多少个点，用的哪块 GPU")
    assert tight.question == spaced.question
    assert [c.excerpt for c in tight.citations] == [c.excerpt for c in spaced.citations]


def test_api_offers_passage_search(pdf_index: Settings, embedder: Embedder) -> None:
    app = create_app(pdf_index, lambda: Searcher(pdf_index, embedder_factory=lambda: embedder))
    with TestClient(app) as client:
        resp = client.get("/api/search", params={"q": "amortized Gaussian generation", "k": 6,
                                                 "unit": "passage"})
        assert resp.status_code == 200
        body = resp.json()
        assert body["unit"] == "passage" and len(body["passages"]) == 6
        assert {"paper_id", "section", "page", "text", "score", "chunk_id"} <= set(body["passages"][0])
        assert client.get("/api/search", params={"q": "x", "unit": "chunk"}).status_code == 422
        assert client.get("/api/search", params={"q": "avatar"}).json()["unit"] == "paper"


def test_cli_lists_passages(pdf_index: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--data-dir", str(pdf_index.data_dir), "-q", "search", "lighting control", "--passages"]
    assert main([*args, "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n 1. ") + out.startswith(" 1. ") == 1 and " 3. " in out and ", p. " in out
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unit"] == "passage"



def test_a_question_pointing_to_the_appendix_prefers_its_passages(searcher: Searcher) -> None:
    # The same question and passages, with and without the part it points to: the appendix
    # passages come first only when the question says "in the appendix".
    question = "In the appendix of Auto-Encoding Variational Bayes, how is the marginal likelihood estimated?"
    q, want = searcher.parse(question), intent(question)
    assert want.parts == {"appendix"}
    hits = searcher.search(q, k=8, bodies=want.specific).hits
    names = searcher.named_papers(question)
    pointed = gather(searcher, q, hits, want, names)
    plain = gather(searcher, q, hits, replace(want, parts=frozenset()), names)
    assert all(in_parts(e.hit.section, want.parts) for e in pointed[:2])
    assert not all(in_parts(e.hit.section, want.parts) for e in plain[:2])
