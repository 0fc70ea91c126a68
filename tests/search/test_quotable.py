"""What a passage offers to quote for a fact: table windows and how they are scored, and an
equation's closing clause."""

from __future__ import annotations

import numpy as np

from indexer.models import Paper
from search.answer.evidence import Evidence
from search.answer.keywords import Keywords
from search.answer.question import intent
from search.answer.sentences import Sentence, candidates, score
from search.answer.tables import is_table, own_row, table_runs, table_windows
from search.models import PassageHit

ABLATION = ("The results show that each part plays a role in keeping the identity.\n"
            "Table 1: Ablation study results of 4 components on ID similarity of 4 races.\n"
            "Method Black Brown White Yellow All\n"
            "w/o visual conditioning branch 0.561 0.563 0.584 0.556 0.556\n"
            "w/o LS reg 0.566 0.573 0.589 0.550 0.569\n"
            "w/o Lface 0.632 0.658 0.663 0.622 0.643\n"
            "w/o LT reg 0.650 0.668 0.678 0.657 0.663\n"
            "PhotoVerse 0.685 0.702 0.715 0.682 0.696")


def test_counts_out_of_trials_are_numbers() -> None:
    rows = ("Controller Type Actor No Actor Underconfident 30/30 0/30 Overconfident 0/30 30/30 "
            "CARFF (n=2) 17/30 30/30 CARFF (n=10) 30/30 30/30 CARFF (n=35) 30/30 19/30")
    assert is_table(rows)
    assert not is_table("We use w/o and/or in the table header for both of the variants.")


def test_a_table_offers_a_window_around_the_method_named_in_the_question() -> None:
    (lo, hi), = table_runs(ABLATION)
    assert not table_windows(ABLATION[lo:hi], {"sparsity"})  # no asked word is a cell
    question = ("In PhotoVerse's ablation table, what ID similarity does the model reach "
                "without the sparsity regularization?")
    # The keyword is "photoverse's"; the row is labelled with the name the question writes.
    keywords = Keywords({"photoverse's": 2.0, "sparsity": 5.0, "regularization": 4.0})
    found = candidates([_evidence(ABLATION)], keywords, intent(question))
    assert any(s.table and "PhotoVerse 0.685" in s.text for s in found)


def test_the_papers_own_row_is_ours_or_its_name() -> None:
    assert own_row("Ours 33.1 45.7 Baseline 30.2 41.0")
    assert own_row("DELTA 0.039 21.33 NHA 0.054 16.01", {"delta"})
    assert not own_row("NHA 0.054 16.01 IMavatar 0.049 17.2", {"delta"})


def test_a_results_table_window_with_the_own_row_scores_higher_for_a_metric() -> None:
    ev = [_evidence("")]
    rows = [Sentence(0, 0, 1, "Ours 33.1 45.7", table=True),
            Sentence(0, 0, 1, "Baseline 30.2 41.0", table=True)]
    vecs = np.ones((2, 4), dtype=np.float32) / 2
    for question, higher in (("What mIoU does it reach on PASCAL-Context?", True),
                             ("What learning rate is used for training?", False)):
        score(rows, vecs, vecs[0], Keywords({"miou": 1.0}), intent(question), ev)
        assert (rows[0].score > rows[1].score) is higher, question


def test_a_table_window_may_be_quoted_a_little_further_below_the_best_sentence() -> None:
    from search.answer.ask import above_floor
    best = Sentence(0, 0, 1, "We train for 40 hours.", score=1.0)
    prose = Sentence(0, 0, 1, "The metrics are PSNR and SSIM.", score=0.55)
    window = Sentence(0, 0, 1, "Ours 0.039 21.33 0.835", table=True, score=0.55)
    assert above_floor([best, prose, window]) == [best, window]


def _evidence(text: str) -> Evidence:
    paper = Paper.model_construct(paper_id="a", title="A paper", abstract="")
    hit = PassageHit.model_construct(paper_id="a", chunk_id="a:0", text=text, section="4",
                                     page=1, score=1.0)
    return Evidence(hit, paper, 1.0)



def test_an_equations_closing_clause_is_quotable_after_its_number() -> None:
    from search.answer.quotable import quotable_spans
    text = ("\x1aaz, z ≥0, ab (exp (z) −1) , z < 0, (172) where a > 1 and b are predefined "
            "parameters [1, 309]; the recommended values are a ≈1.05078 and b ≈1.6733 [309]. "
            "The loss is the sum of two terms, (3) where the first one is weighted by 0.5.")
    spans = [text[a:b] for a, b, _ in quotable_spans(text, ("number",), set())]
    assert any(s.startswith("where a > 1") and "1.6733" in s for s in spans)
    # A sentence usable as it is keeps its opening.
    assert any(s.startswith("The loss is the sum") for s in spans)


def test_a_closing_clause_that_sets_a_value_in_words_is_quotable() -> None:
    from search.answer.quotable import quotable_spans
    # The clause starts in lower case and so does the sentence after it, which no split
    # separates: the clause is quoted up to the value's sentence end.
    text = ("renorm(v) = v max(∥v∥2 + ϵ), (10) where ϵ is often set at 1−12. fθs is the online "
            "encoder network often denoted as the student parametrized by θs, and pγ is the "
            "predictor network. x ∼X is the fθ(x)dx = 1 during training\npT |V (T = 1|V = v) =")
    spans = [text[a:b] for a, b, _ in quotable_spans(text, ("value",), set())]
    assert spans == ["where ϵ is often set at 1−12."]
    weights = ("The weights are computed as: wξ(x) −wi\n∥x −vi∥2\nω(x, vi) =\nwhere ξ(x) is the "
               "index of the vertex in V that is closest to x. wi is the i-th column of W , and τ is "
               "0.2. Mesh-Integrated Volumetric Rendering.")
    spans = [weights[a:b] for a, b, _ in quotable_spans(weights, ("number", "value"), set())]
    assert any(s.startswith("where ξ(x)") and s.endswith("τ is 0.2.") for s in spans)
    # A clause that sets nothing stays unquotable.
    assert quotable_spans("where ξ(x) is the index of the closest vertex to x in V.", ("value",),
                          set()) == []


def test_a_question_about_a_figure_may_be_answered_from_its_caption() -> None:
    from search.answer.quotable import quotable_spans
    text = ("Best viewed in color. Figure 4: Two attention heads, also in layer 5 of 6, apparently "
            "involved in anaphora resolution. Top: Full attentions for head 5.")
    caption = "Two attention heads, also in layer 5 of 6, apparently involved in anaphora resolution."
    asks = intent("In the attention visualizations, which heads are involved in anaphora resolution?")
    assert asks.figures
    assert [text[a:b] for a, b, _ in quotable_spans(text, asks.kinds, set(), asks.figures)] == [caption]
    # Any other question leaves captions out: they are rarely what it asks.
    assert not intent("How do avatar methods figure out the head pose?").figures
    other = intent("Which heads are involved in anaphora resolution?")
    assert not other.figures and quotable_spans(text, other.kinds, set(), other.figures) == []
