"""The one sentence splitter, shared by the chunker and the answers (fast tier)."""

from __future__ import annotations

from indexer.sentences import sentence_spans, split_sentences


def test_sentence_splitting_keeps_markers_and_abbreviations() -> None:
    text = "Methods, e.g. NeRF by Mildenhall et al. [2], render views [1]. Fig. 3 shows it. [2] Done?"
    assert split_sentences(text) == [
        "Methods, e.g. NeRF by Mildenhall et al. [2], render views [1].",
        "Fig. 3 shows it. [2]", "Done?"]
    assert split_sentences("第一句[1]。第二句。[2]\n第三行") == ["第一句[1]。", "第二句。[2]", "第三行"]
    assert sentence_spans("") == []


def test_spans_are_offsets_into_the_text() -> None:
    text = "  First one. Second, with 3.5 dB gain!\nThird line without end"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "First one.", "Second, with 3.5 dB gain!", "Third line without end"]


def test_lower_case_after_a_period_does_not_split() -> None:
    assert split_sentences("We use the data. then more") == ["We use the data. then more"]
    assert split_sentences("Trained by J. Smith. It works.") == ["Trained by J. Smith.", "It works."]


def test_table_spans_are_a_caption_line_and_the_rows_after_it() -> None:
    from indexer.sentences import is_row, table_spans

    text = ("We compare in Table 1.\nTable 1: PSNR per subject.\nMethod PSNR\nOurs 30.59\n"
            "The table shows that our method is best.\nTable 2: No rows follow this caption.")
    spans = table_spans(text)
    assert [text[a:b] for a, b in spans] == ["Table 1: PSNR per subject.\nMethod PSNR\nOurs 30.59"]
    assert is_row("Ours 0.566 0.730 6.218") and not is_row("It is best.") and not is_row("")


def test_a_list_number_opens_its_item_rather_than_ending_a_sentence() -> None:
    text = ("The estimation consists of three stages: 1. Sample L values. 2. Fit a density "
            "estimator q(z). 3. Sample again. Results are in Section 7. We stop.")
    assert split_sentences(text) == [
        "The estimation consists of three stages: 1. Sample L values.",
        "2. Fit a density estimator q(z).", "3. Sample again.",
        "Results are in Section 7.", "We stop."]
