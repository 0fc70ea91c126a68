"""Keyword tokens shared by the index build and the query side."""

from __future__ import annotations

from indexer.textproc import space_scripts, tokenize


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


def test_chinese_and_latin_runs_are_set_apart() -> None:
    assert space_scripts("TECA算FID的时候用了8块A100") == "TECA 算 FID 的时候用了 8 块 A100"
    # Terms keep their own hyphens and digits, and text already spaced stays as it is.
    assert space_scripts("SMPL-X网格和3D高斯") == "SMPL-X 网格和 3D 高斯"
    assert space_scripts("TECA 用的是什么 GPU？") == "TECA 用的是什么 GPU？"
