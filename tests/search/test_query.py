"""Query parsing: validation, truncation, arXiv ids, Chinese expansion (fast tier)."""

from __future__ import annotations

import pytest

from search.errors import QueryError
from search.retrieval.query import arxiv_id_query, parse_query


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_queries_are_refused(text: str) -> None:
    with pytest.raises(QueryError, match="empty query"):
        parse_query(text)


def test_long_queries_are_cut_at_a_word_with_a_notice() -> None:
    q = parse_query("word " * 50, max_chars=23)
    assert q.raw == "word word word word" and "truncated" in q.notices[0]


@pytest.mark.parametrize(("text", "found"), [
    ("2401.08503", "2401.08503"), ("arXiv:2401.08503v3", "2401.08503"),
    ("https://arxiv.org/pdf/2401.08503v1.pdf", "2401.08503"), ("hep-th/9901001", "hep-th/9901001"),
    ("talking heads 2401.08503", None), ("2401", None),
])
def test_a_whole_query_that_is_an_arxiv_id(text: str, found: str | None) -> None:
    assert arxiv_id_query(text) == found


def test_english_queries_go_to_both_retrievers_as_they_are() -> None:
    q = parse_query("  Gaussian   avatars ")
    assert q.raw == q.dense_text == "Gaussian avatars" and not q.chinese
    assert q.sparse_tokens == ["gaussian", "avatar"]


def test_an_en_dash_between_words_joins_them_as_papers_hyphenate_them() -> None:
    # The index keeps "image-text" whole; "image–text" (en dash) would split into two words
    # that miss it. What the user wrote stays as written.
    q = parse_query("Which methods exploit image–text pairs?")
    assert q.raw == "Which methods exploit image–text pairs?"
    assert "image-text" in q.sparse_tokens and "image-text" in q.dense_text
    assert "–" in parse_query("pages 3–5").dense_text  # a range of numbers is no compound


def test_chinese_queries_are_expanded_and_keep_latin_terms() -> None:
    q = parse_query("基于3DGS的数字人")
    assert q.chinese and q.expansions
    assert q.dense_text.startswith("3DGS") and "digital human" in q.dense_text
    assert "digital" in q.sparse_tokens  # expansions reach the keyword side too


def test_traditional_chinese_is_read_as_simplified() -> None:
    # Taiwan and Hong Kong wording (顯示卡 for 显卡, 解析度 for 分辨率) reaches the same
    # lexicon terms as the Simplified question; Simplified text is left as it is.
    traditional = parse_query("說話人頭像用什麼顯示卡訓練？解析度是多少？")
    simplified = parse_query("说话人头像用什么显卡训练？分辨率是多少？")
    assert traditional.raw == simplified.raw
    assert traditional.dense_text == simplified.dense_text and "talking head" in simplified.dense_text
    assert parse_query("数字人头像 3DGS").raw == "数字人头像 3DGS"
