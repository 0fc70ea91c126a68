"""Candidate sentences of an answer: how they are embedded and which are quoted."""

from __future__ import annotations

import numpy as np

from indexer.model_spec import Embedder
from indexer.models import Paper
from indexer.textproc import tokenize
from search.answer.evidence import Evidence
from search.answer.keywords import Keywords
from search.answer.prepare import Found
from search.answer.question import intent
from search.answer.sentences import Sentence, embed
from search.models import Hit, PassageHit


def _passage(pid: str, text: str = "", score: float = 1.0) -> Evidence:
    """An evidence passage of paper `pid` (with no text: for tests of how picks are ordered)."""
    hit = PassageHit.model_construct(paper_id=pid, chunk_id=f"{pid}#0", text=text, section="3",
                                     page=1, score=score)
    return Evidence(hit, Paper.model_construct(paper_id=pid, title="", abstract=""), score)


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


def test_a_top_passages_sentence_that_outscores_every_candidate_leads() -> None:
    from search.answer.ask import _first
    from search.answer.keywords import Keywords
    from search.answer.prepare import Found
    from search.answer.question import intent
    from search.answer.sentences import Sentence
    trick = Sentence(0, 0, 1, "One can replace the initial noise zT with zt.", score=0.70, cover=True)
    other = Sentence(0, 2, 3, "PhotoVerse needs no test-time tuning.", score=0.52, cover=True)
    candidate = Sentence(1, 0, 1, "We generate five images per photo.", score=0.51)

    def found(*sents: Sentence) -> Found:
        return Found(intent("What trick reduces randomness?"), [], [_passage("a"), _passage("b")],
                     Keywords({}), list(sents), [], [], True)

    assert _first([candidate], found(trick, other, candidate)) is trick
    weaker = Sentence(0, 0, 1, "Our approach is fast.", score=0.4, cover=True)
    assert _first([candidate], found(weaker, candidate)) is candidate


def test_a_question_about_one_described_work_is_answered_from_the_first_ranked_paper() -> None:
    """'In the ResNet paper's CIFAR-10 experiments, …' is about the paper search ranks first
    even when it does not lead by a clear margin: its sentence leads over another paper's
    stronger-sounding one."""
    from search.answer.ask import LEAD_SHARE, _leading
    from search.answer.keywords import Keywords
    from search.answer.prepare import Found
    from search.answer.question import intent
    from search.answer.sentences import Sentence
    from search.models import Hit

    hits = [Hit.model_construct(paper_id=p, score=s) for p, s in (("resnet", 0.80), ("cookbook", 0.79))]
    other = Sentence(1, 0, 1, "Tabular data can be split into groups of columns.", score=0.60)
    own = Sentence(0, 0, 1, "Training length is determined on a 45k/5k train/val split.",
                   score=LEAD_SHARE * 0.60 + 0.01)

    def found(question: str) -> Found:
        return Found(intent(question), hits, [_passage("resnet"), _passage("cookbook")], Keywords({}),
                     [own, other], [], [], True)

    assert _leading([other, own], found("In the ResNet paper's CIFAR-10 experiments, on what "
                                        "data split was the training length determined?")) is own
    # a question about no one work keeps the best sentence
    assert _leading([other, own], found("On what data split is training length determined?")) is None


def test_a_question_naming_the_detail_it_asks_keeps_the_detail_among_the_candidates() -> None:
    # "What extra term does … add?" asks for one of the paper's details: its "we propose …"
    # sentences (what it does) must not crowd the sentence holding the term out of the
    # candidates. A question asking how it works still prefers them.
    from search.answer.sentences import MAX_CANDIDATES, candidates
    does = " ".join(f"We propose module {i} for avatars." for i in range(MAX_CANDIDATES + 4))
    detail = "An extra symmetry term is added to the objective of the generator."
    hit = PassageHit.model_construct(paper_id="a", chunk_id="a#0", text=f"{does} {detail}",
                                     section="3", page=1, score=1.0)
    ev = [Evidence(hit, Paper.model_construct(paper_id="a", title="", abstract=""), 1.0)]
    keywords = Keywords({"generator": 1.0, "avatar": 1.0})
    focused = "In the avatar generator paper, what extra term does the generator add?"
    assert intent(focused).focus and intent(focused).specific
    assert any(s.text == detail for s in candidates(ev, keywords, intent(focused)))
    how = "In the avatar generator paper, how is the generator built?"
    assert all(s.text != detail for s in candidates(ev, keywords, intent(how)))


def _found_for(question: str, first_title: str, relevance: float, margin: float) -> Found:
    """What `prepare` finds for a question whose one candidate sentence, of the first-ranked
    paper ("a", named by the question), has the given relevance."""
    hits = [Hit.model_construct(paper_id=pid, title=title, score=score)
            for pid, title, score in (("a", first_title, 0.95), ("b", "Other", 0.95 - margin))]
    sentence = Sentence(0, 0, 10, "Some text.", relevance=relevance)
    return Found(intent(question), hits, [_passage("a")], Keywords({}), [sentence], [], ["a"],
                 specific=True, close=True)


def test_a_question_naming_the_clearly_first_paper_by_its_own_name_needs_a_lower_floor() -> None:
    # "Why did TECA's perceptual study …": a long question far from any one sentence (0.28),
    # about a paper it names by its title's name and paper search clearly ranks first.
    from search.answer.ask import AGREED_RELEVANCE, NAMED_RELEVANCE, _too_far, writes_title_name
    from search.retrieval.query import parse_query
    question = "Why did TECA's perceptual study analyse the Likert ratings with a non-parametric test?"
    q, relevance = parse_query(question), (AGREED_RELEVANCE + NAMED_RELEVANCE) / 2
    assert writes_title_name(question, "TECA: Text-Guided Generation and Editing of 3D Avatars")
    assert not _too_far(q, _found_for(question, "TECA: Text-Guided Generation", relevance, 0.5))
    # A method the first paper merely uses ("BERT" for BigBird), or a paper not clearly
    # first, keeps the named floor.
    assert not writes_title_name("How do I fine-tune BERT?", "Big Bird: Transformers for Longer Sequences")
    assert _too_far(q, _found_for(question, "Big Bird: Transformers", relevance, 0.5))
    assert _too_far(q, _found_for(question, "TECA: Text-Guided Generation", relevance, 0.1))
    assert _too_far(q, _found_for(question, "TECA: Text-Guided Generation", AGREED_RELEVANCE - 0.05, 0.5))


def test_a_paper_named_by_its_own_name_answers_from_its_top_passages_sentences() -> None:
    # "In TRAvatar's decoder, … what is the added one for?": the sentence that answers is
    # one of the top passages' (`cover`), not among the candidates the pre-score chose.
    from dataclasses import replace

    from search.answer.ask import NAMED_RELEVANCE, _too_far
    from search.retrieval.passages import names_itself
    from search.retrieval.query import parse_query
    abstract = "In this paper, we propose a novel framework, Tracking-free Relightable Avatar (TRAvatar)."
    paper = Paper.model_construct(paper_id="a", title="Towards Relightable Avatars", abstract=abstract)
    assert names_itself(paper, "TRAvatar")
    assert not names_itself(Paper.model_construct(paper_id="b", title="Big Bird: Transformers",
                                                  abstract="Models such as BERT (BERT) are big."), "BERT")
    assert names_itself(Paper.model_construct(paper_id="c", title="AGG: Amortized Gaussians",
                                              abstract=""), "AGG")
    question = "In TRAvatar's decoder, what is the added one for?"
    found = _found_for(question, "Towards Relightable Avatars", NAMED_RELEVANCE - 0.05, 0.5)
    found.sentences.append(Sentence(0, 0, 10, "The plus one term.", relevance=NAMED_RELEVANCE + 0.05,
                                    cover=True))
    q = parse_query(question)
    assert not _too_far(q, replace(found, own=("a",)))
    # Named only by a method it builds on, its cover sentences do not count.
    assert _too_far(q, found)


def test_a_keyword_no_sentence_holds_does_not_crowd_the_one_that_does_out() -> None:
    # "deliberately" is rarer in the corpus than the fact's own word, so weighs more, but no
    # evidence sentence holds it: it must not shrink the share of the sentence that holds
    # "bernoulli" below the sentences of a better passage that hold no keyword at all.
    from search.answer.sentences import MAX_CANDIDATES, candidates
    words = "alpha beta gamma delta kappa sigma omega theta lambda zeta".split()
    filler = " ".join(f"The {a} and {b} panels are shown here." for a in words for b in words[:3])
    answer = "The decoder outputs a Bernoulli distribution over the pixels."

    ev = [_passage("a", filler, 1.0), _passage("b", answer, 0.3)]
    assert len(filler.split(".")) > MAX_CANDIDATES
    question = "Why did the authors deliberately choose a Bernoulli decoder?"
    keywords = Keywords({"bernoulli": 1.0, "deliberately": 9.0})
    assert any(s.text == answer for s in candidates(ev, keywords, intent(question)))


def test_a_sentence_citing_the_work_the_question_cites_by_author_is_a_candidate() -> None:
    # A survey's passage on early video methods: the sentence that cites "Wang and Gupta
    # [2015]" holds what they did, while its neighbours (other cited works) share more of
    # the question's words.
    from search.answer.sentences import MAX_CANDIDATES, candidates
    others = " ".join(f"Author{i} et al. [2016] collect video frames {i}."
                      for i in range(MAX_CANDIDATES + 4))
    answer = "Wang and Gupta [2015] pre-train a model with a triplet loss on the representations of tracked patches."
    hit = PassageHit.model_construct(paper_id="a", chunk_id="a#0", text=f"{others} {answer}",
                                     section="2", page=3, score=1.0)
    ev = [Evidence(hit, Paper.model_construct(paper_id="a", title="", abstract=""), 1.0)]
    keywords = Keywords({t: 1.0 for t in tokenize("video frames representations")})
    question = "In the SSL survey, how did Wang and Gupta (2015) learn image representations from video frames?"
    assert any(s.text == answer for s in candidates(ev, keywords, intent(question)))
    uncited = "In the SSL survey, how did the early methods learn image representations from video frames?"
    assert all(s.text != answer for s in candidates(ev, keywords, intent(uncited)))


def test_the_answer_sentence_is_the_likeliest_to_hold_the_fact_not_the_best_scored() -> None:
    # Fitted on the spent body questions: the passage that passage ranking puts first holds
    # the fact more often than a weaker passage's sentence that only shares more of the
    # question's words. The answer leads with the first; ranked for context, by the
    # hand-set weights, the keywords win.
    from search.answer.ask import _first
    from search.answer.sentences import score

    first = "The model is trained with a batch size of eight images."
    other = "Each image is rendered from a random camera pose at training time."
    ev = [_passage("a", first, 1.0), _passage("b", other, 0.5)]
    keywords = Keywords({"train": 1.0, "camera": 1.0})
    question = intent("How is the model trained with cameras?")
    sents = [Sentence(0, 0, len(first), first), Sentence(1, 0, len(other), other)]
    vecs = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32)  # the same cosine
    score(sents, vecs, np.array([0.5, 0.0], dtype=np.float32), keywords, question, ev)
    assert max(sents, key=lambda s: s.score).text == other
    found = Found(question, [], ev, keywords, sents, [], [], True)
    lead = _first(sents, found)
    assert lead is not None and lead.text == first


def test_a_question_asking_why_does_not_lead_with_a_table() -> None:
    # A table window can outscore the sentence that gives the reason (it holds the asked
    # metric's name and numbers), but rows say no why: it may be context, not the answer.
    from search.answer.ask import _first

    rows = "Encoder SVM Acc.\nPC-VAE 75.20\nVanilla VAE 10.60"
    reason = "A non-conditional VAE fails in SVM accuracy as it only reconstructs images."
    ev = [_passage("a", rows), _passage("a", reason)]
    question = intent("Why does the plain VAE do badly on the SVM accuracy of the latents?")
    assert {"metric", "reason"} <= set(question.kinds)
    table = Sentence(0, 0, len(rows), rows, table=True, score=0.9, fact_score=0.9)
    prose = Sentence(1, 0, len(reason), reason, score=0.7, fact_score=0.7)
    found = Found(question, [], ev, Keywords({"svm": 1.0}), [table, prose], [], [], True)
    assert _first([table, prose], found) is prose
    what = intent("What SVM accuracy does the plain VAE reach?")
    assert _first([table, prose], Found(what, [], ev, Keywords({"svm": 1.0}), [table, prose],
                                        [], [], True)) is table
