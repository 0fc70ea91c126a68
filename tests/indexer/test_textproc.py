"""Keyword tokens shared by the index build and the query side."""

from __future__ import annotations

from indexer.textproc import tokenize


def test_a_possessive_is_its_name() -> None:
    # "MagiCapture's related work" must meet the paper that writes "MagiCapture"
    assert tokenize("MagiCapture's related work") == tokenize("MagiCapture related work")
    # the BM25 index keeps it as written: its term weights stay those it was built with
    assert tokenize("MagiCapture's avatars", keep_possessives=True) == ["magicapture's", "avatar"]
    # a common noun's possessive stays as written: "person" alone would match every paper
    # about people
    assert tokenize("a specific person's speaking style")[1] == "person's"
    # an apostrophe inside a word is kept
    assert "o'neil" in tokenize("O'Neil et al.")


def test_stop_words_go_and_suffixes_fold() -> None:
    assert tokenize("The avatars are rendering") == ["avatar", "render"]
