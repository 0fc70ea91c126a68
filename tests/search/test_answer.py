"""Ask with the built-in generator, on the real model and the whole shared corpus."""

from __future__ import annotations

import json
import re

import pytest

from indexer.models import Paper
from indexer.sentences import split_sentences
from search.answer.ask import ABSTAIN, FAR_RELEVANCE, MIN_RELEVANCE, answer
from search.answer.compose import described_name
from search.answer.llm import MARKER, check_overview, marker_ids
from search.answer.prepare import prepare
from search.cli.main import main
from search.config import Settings
from search.errors import QueryError
from search.models import Answer
from search.retrieval.engine import Searcher

# (question, a paper the answer must cite); every id is in the shared corpus.
ENGLISH = [
    ("How can a 3D talking portrait be built from a single photo?", "2401.08503"),
    ("How can lip synchronization be improved in NeRF-based talking head synthesis?", "2311.17590"),
    ("How can photorealistic head avatars be built from 3D Gaussians rigged to a parametric "
     "face mesh?", "2312.02069"),
    ("How can human hair be reconstructed strand by strand with 3D Gaussians?", "2409.14778"),
    ("How can spoken language be translated into sign language performed by 3D avatars?",
     "2401.04730"),
    ("How can garments be generated from text prompts with 3D Gaussians?", "2406.16815"),
    ("How can diffusion models produce video virtual try-on?", "2405.11794"),
]
CHINESE = [
    ("如何从单张照片生成三维说话人像？", "2401.08503"),
    ("无需人体解析器的虚拟试衣方法是怎样的？", "2402.03047"),
    ("如何把口语翻译成由三维虚拟人表演的手语？", "2401.04730"),
    ("如何用三维高斯重建头发？", "2409.14778"),
    # Names a method; the lexicon renders too little of it to pass the general floor.
    ("AGG 的两个阶段分别做什么？", "2401.04099"),
]
OFF_TOPIC = ["best pizza recipe in Naples", "stock market prediction with LSTM", "意大利面的做法",
             "What is the capital of Australia?", "How?",
             # a sentence about counting calories comes close; no paper does
             "how many calories in a banana"]


def assert_grounded(a: Answer, searcher: Searcher) -> None:
    """Markers resolve, every sentence cites, excerpts are verbatim index text."""
    assert a.citations, a.overview
    assert check_overview(a.overview, len(a.citations)) == []
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    snap = searcher.snapshot
    for c in a.citations:
        assert searcher.paper(c.paper_id).title == c.title
        chunks = [text for _, text, _ in snap.chunks_of(c.paper_id)]
        # An excerpt may run across a chunk boundary: each of its sentences is stored text.
        assert all(any(s in text for text in chunks) for s in split_sentences(c.excerpt)), (
            c.paper_id, c.excerpt)


OPENER = re.compile(r"^(?:One line of work builds on|Another uses|A third line relies on"
                    r"|Other work takes different routes|The closest match is|一类工作基于|另一类采用"
                    r"|第三类依赖|其他工作另辟蹊径|最相关的是)")
ATTRIBUTION = re.compile(r"^(?:According to [^:]+: |据《[^》]+》：|[^(:：]{1,160}(?: \([^)]*\))?[:：] "
                         r"|[^(]{1,160}?(?: \([^)]*\))? (?:proposes|presents|introduces|develops"
                         r"|designs|uses|builds|describes|shows|studies|explores|addresses|leverages"
                         r"|adopts|employs|is) )")


def assert_extractive(a: Answer) -> None:
    """Built-in overviews quote: every sentence but a line-of-work opener ends in words that
    stand verbatim in the excerpt it cites; openers cite the papers they name."""
    excerpts = {c.n: c.excerpt for c in a.citations}
    titles = {c.n: c.title for c in a.citations}
    sentences = split_sentences(a.overview)
    assert 1 <= len(sentences) <= 8
    for sentence in sentences:
        body = MARKER.sub("", sentence).strip().rstrip(".。").strip()
        if OPENER.match(body):
            assert marker_ids(sentence), sentence
            continue
        quotes = _unattributed(body, [titles[n] for n in marker_ids(sentence)])
        assert any(q and q in excerpts[n].lower() for q in quotes for n in marker_ids(sentence)), sentence


def _unattributed(body: str, titles: list[str]) -> list[str]:
    """The quote a sentence holds, lower-case (trimming may change one capital), without its
    attribution: by the usual verbs, or by the cited paper's name ("This paper moves …" is
    "NeRF-AD (…) moves …")."""
    quotes = [ATTRIBUTION.sub("", body, count=1).lower()]
    for title in titles:
        name = described_name(Paper.model_validate({"paper_id": "p", "title": title,
                                                    "abstract": "", "source": "jsonl"}))
        if body.startswith(name):
            quotes.append(body[len(name):].strip().lower())
    return quotes


@pytest.mark.parametrize(("question", "expected"), ENGLISH)
def test_english_questions_are_answered_with_grounded_citations(
        corpus_searcher: Searcher, question: str, expected: str) -> None:
    a = answer(corpus_searcher, question)
    assert a.generator == "builtin"
    assert_grounded(a, corpus_searcher)
    assert_extractive(a)
    assert expected in [c.paper_id for c in a.citations]


def test_the_most_relevant_paper_is_cited_first(corpus_searcher: Searcher) -> None:
    question, expected = ENGLISH[0]
    assert answer(corpus_searcher, question).citations[0].paper_id == expected


@pytest.mark.parametrize(("question", "expected"), CHINESE)
def test_chinese_questions_quote_english_evidence_under_a_chinese_lead(
        corpus_searcher: Searcher, question: str, expected: str) -> None:
    a = answer(corpus_searcher, question)
    assert_grounded(a, corpus_searcher)
    assert_extractive(a)
    assert expected in [c.paper_id for c in a.citations]
    assert re.match(r"^(?:据《|一类工作基于|最相关的是)", a.overview), a.overview
    summarised = [c for c in a.citations if corpus_searcher.paper(c.paper_id).summary_zh]
    assert any(c.machine_zh for c in summarised)  # a machine-written line beside the excerpt


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_abstain_without_citations(
        corpus_searcher: Searcher, question: str) -> None:
    a = answer(corpus_searcher, question)
    assert a.citations == []
    assert ABSTAIN in a.overview
    assert not re.search(r"\[\d+\]", a.overview)


def test_a_generic_question_that_paper_search_matches_is_answered(corpus_searcher: Searcher) -> None:
    """A long, generic question is far from any one sentence, but paper search finds papers
    that match it closely: the lower floor applies and it gets an answer."""
    question = "How do researchers check whether vision models break on corrupted or unusual inputs?"
    found = prepare(corpus_searcher, corpus_searcher.parse(question), 8)
    assert found.close and not found.specific
    best = max(s.relevance for s in found.ordinary)
    assert MIN_RELEVANCE <= best < FAR_RELEVANCE
    a = answer(corpus_searcher, question)
    assert ABSTAIN not in a.overview
    assert_grounded(a, corpus_searcher)


def test_answers_are_deterministic_and_respect_k(corpus_searcher: Searcher) -> None:
    question = ENGLISH[1][0]
    first, again = answer(corpus_searcher, question), answer(corpus_searcher, question)
    assert first.overview == again.overview and first.citations == again.citations
    narrow = answer(corpus_searcher, question, k=3)
    assert_grounded(narrow, corpus_searcher)
    assert len({c.paper_id for c in narrow.citations}) <= 3
    assert narrow.took_ms > 0


def test_a_broad_question_gets_lines_of_work(corpus_searcher: Searcher) -> None:
    a = answer(corpus_searcher, "What are the approaches to animatable human avatars with "
                                "Gaussian splatting?")
    assert_grounded(a, corpus_searcher)
    assert_extractive(a)
    openers = [s for s in split_sentences(a.overview) if OPENER.match(s)]
    assert 2 <= len(openers) <= 4 and a.overview.startswith("One line of work builds on")
    assert len({c.paper_id for c in a.citations}) >= 3
    assert not re.search(r"\b(?:In this paper|In this work), we\b", a.overview)


def test_a_broad_answer_names_more_papers_than_it_quotes(corpus_searcher: Searcher) -> None:
    """Eight sentences quote six papers at most (two openers, six quotes); the papers past
    that budget are still named, with what they use, in an opener."""
    a = answer(corpus_searcher, "What are the main approaches to audio-driven talking head generation?")
    assert_grounded(a, corpus_searcher)
    assert_extractive(a)
    cited = {c.paper_id for c in a.citations}
    assert len(cited) >= 7
    quoted = {n for s in split_sentences(a.overview) if not OPENER.match(s) for n in marker_ids(s)}
    assert len({c.paper_id for c in a.citations if c.n in quoted}) < len(cited)


def test_a_broad_answer_says_what_its_papers_do_not_what_they_run_on(
        corpus_searcher: Searcher) -> None:
    a = answer(corpus_searcher, "How is 3D Gaussian Splatting used in SLAM systems?")
    openers = [s for s in split_sentences(a.overview) if OPENER.match(s)]
    assert openers
    # Before, these openers read "… with rasterization and CUDA implementation, …
    # CG-SLAM with volume rendering and during optimization, MM3DGS SLAM with
    # high-resolution and Experimental evaluation".
    noise = re.compile(r"\b(?:GPUs?|CUDA|FPS|frame rate|during|evaluation|high-resolution"
                       r"|applications?|memory \w+)\b", re.I)
    assert not any(noise.search(s) for s in openers), openers


def test_an_arxiv_id_question_summarises_that_paper(corpus_searcher: Searcher) -> None:
    a = answer(corpus_searcher, "arXiv:2401.08503")
    assert_grounded(a, corpus_searcher)
    assert {c.paper_id for c in a.citations} == {"2401.08503"}


def test_an_empty_question_is_a_query_error(corpus_searcher: Searcher) -> None:
    with pytest.raises(QueryError):
        answer(corpus_searcher, "   ")


def test_cli_ask_prints_overview_and_numbered_citations(
        corpus_index: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    question = ENGLISH[0][0]
    assert main(["--data-dir", str(corpus_index.data_dir), "-q", "ask", question, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["generator"] == "builtin" and data["question"] == question
    assert check_overview(data["overview"], len(data["citations"])) == []
    assert {"n", "arxiv_id", "paper_id", "title", "section", "page", "excerpt", "url"} <= set(
        data["citations"][0])
    assert main(["--data-dir", str(corpus_index.data_dir), "-q", "ask", question, "-k", "4"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "\n[1] " in out and "https://arxiv.org/abs/" in out


@pytest.mark.parametrize(("question", "lines"), [
    ("What strategies have recent single-image 3D reconstruction papers used to recover the "
     "parts of an object that the image does not show?", True),
    ("Why do radiance-field methods struggle with mirrors?", True),
    ("How many points per ray does TECA sample?", False),  # a kind of fact
    ("How does AGG model the texture of its Gaussians?", False),  # names a paper
    ("In the monocular-video avatar work that combines a mesh with a NeRF, how is hair "
     "modelled?", False),  # describes one work
])
def test_a_question_answered_as_lines_of_work_gathers_their_evidence(
        corpus_searcher: Searcher, question: str, lines: bool) -> None:
    q = corpus_searcher.parse(question)
    found = prepare(corpus_searcher, q, 8)
    assert found.intent.specific is not lines
    if lines:  # paper search on abstracts: the hits are those of a plain search
        plain = corpus_searcher.search(question, k=8).hits
        assert [h.paper_id for h in found.hits] == [h.paper_id for h in plain]
        assert not found.specific
