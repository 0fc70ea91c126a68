"""Chinese query translation and coverage-weighted fusion, with a small hand-made lexicon."""

from __future__ import annotations

import pytest

from search.config import RankingSettings
from search.lexicon.mine import Entry
from search.retrieval.fuse import zh_dense_share
from search.retrieval.query import parse_query
from search.retrieval.translate import translate


def _entry(zh: str, *pairs: tuple[str, float]) -> Entry:
    return Entry(zh=zh, en=[e for e, _ in pairs], weights=[w for _, w in pairs], source="mined")


LEXICON = {e.zh: e for e in [
    _entry("说话", ("talking", 0.8), ("speaking", 0.2)),
    _entry("人头", ("head", 0.6)),
    _entry("说话人头", ("talking head", 1.0), ("talking face", 0.667)),
    _entry("高斯", ("Gaussian", 1.0)),
    _entry("泼溅", ("splatting", 0.6), ("gaussian", 0.4)),
    _entry("头像", ("avatar", 0.9)),
    _entry("重建", ("reconstruction", 0.9)),
    _entry("低光", ("low-light", 0.8), ("lighting", 0.1)),
]}


def test_longest_terms_win_over_their_parts() -> None:
    t = translate("说话人头生成", LEXICON)
    assert [x.text for x in t.terms][:1] == ["说话人头"]
    assert "talking head" in t.expansions and "head" not in t.expansions


def test_latin_words_are_kept_untranslated_and_in_place() -> None:
    t = translate("基于3DGS的SMPL-X头像", LEXICON)
    assert [(x.text, x.latin) for x in t.terms] == [("3DGS", True), ("SMPL-X", True), ("头像", False)]
    assert t.dense_text() == "3DGS SMPL-X avatar"
    assert t.coverage == 1.0


def test_candidates_keep_their_weights_relative_to_the_best() -> None:
    t = translate("说话", LEXICON)
    assert t.terms[0].en == (("talking", 0.8), ("speaking", 0.2))
    weights = t.token_weights()
    assert weights["talk"] == 1.0 and weights["speak"] == pytest.approx(0.25)
    # the encoder sees the runner-up only when it is close to the best
    assert t.dense_text() == "talking"
    assert translate("泼溅", LEXICON).dense_text() == "splatting gaussian"


def test_stop_words_are_skipped_and_unknown_words_lower_the_coverage() -> None:
    t = translate("低光的红烧肉", LEXICON)
    assert [x.text for x in t.terms if x.en] == ["低光"]
    assert "的" not in [x.text for x in t.terms]
    assert t.coverage == pytest.approx(2 / 5)  # 低光 of 低光 + 红烧肉
    assert translate("的的的", LEXICON).coverage == 0.0


def test_terms_are_found_inside_words_jieba_keeps_whole() -> None:
    # jieba keeps 人头像 as one word; without 人头, the longest known piece inside is 头像
    lexicon = {k: v for k, v in LEXICON.items() if k != "人头"}
    t = translate("说话人头像", lexicon)
    assert [x.text for x in t.terms] == ["说话", "人", "头像"]
    assert "avatar" in t.expansions and t.coverage == pytest.approx(4 / 5)
    # a lone character inside a word is not translated even when it is a term
    assert translate("像素", {**LEXICON, "像": _entry("像", ("like", 0.9))}).expansions == []


def test_the_noun_a_counting_character_counts_is_translated() -> None:
    lexicon = {**LEXICON, "帧": _entry("帧", ("frames", 0.9)), "层": _entry("层", ("layers", 0.97)),
               "块": _entry("块", ("block", 0.7))}
    # jieba keeps 每帧 and 几层 whole: "per frame", "how many layers"
    assert translate("每帧", lexicon).expansions == ["frames"]
    assert translate("几层", lexicon).expansions == ["layers"]
    assert translate("几块", lexicon).expansions == []  # a measure word (几块 GPU), not a block
    # numerals and ordinals count too: "a two-layer network", "which layer is trained"
    assert "layers" in translate("两层", lexicon).expansions
    assert "layers" in translate("训练的是哪一层", lexicon).expansions
    assert "layers" in translate("固定第二层", lexicon).expansions
    # ... but not a measure word: 一场比赛 is one match, not a field
    assert translate("上一场", {**lexicon, "场": _entry("场", ("fields", 0.6))}).expansions == []
    assert translate("像素", {**lexicon, "像": _entry("像", ("like", 0.9))}).expansions == []


def test_a_numeral_that_counts_a_noun_is_translated() -> None:
    lexicon = {**LEXICON, "层": _entry("层", ("layers", 0.97))}
    # 只有一层: "only a single layer"; papers write the word or the digit
    one = translate("只有一层", lexicon)
    assert one.expansions == ["one", "single", "1", "layers"]
    assert one.dense_text() == "one single layers"
    assert translate("两层", lexicon).expansions == ["two", "2", "layers"]
    # ... not a numeral inside a longer number, an ordinal or a question word
    assert translate("十二层", lexicon).expansions == ["layers"]
    assert translate("训练的是哪一层", lexicon).expansions == ["layers"]
    assert translate("固定第一层", lexicon).expansions == ["layers"]
    # ... and not one that counts nothing the lexicon knows
    assert translate("一切", lexicon).expansions == []


def test_spaces_separate_words() -> None:
    assert [x.text for x in translate("高斯 泼溅", LEXICON).terms] == ["高斯", "泼溅"]


def test_terms_that_jieba_cuts_across_are_found() -> None:
    # jieba cuts 数字人头像 into 数字 | 人头 | 像, across both of its terms.
    lexicon = {**LEXICON, "数字": _entry("数字", ("digital", 0.7)),
               "数字人": _entry("数字人", ("digital human", 1.0))}
    t = translate("有哪些数字人头像重建方法", lexicon)
    assert [x.text for x in t.terms] == ["数字人", "头像", "重建"]
    assert t.coverage == 1.0
    # Where jieba's words translate as much, they stay: 说话人头 is one term either way.
    assert [x.text for x in translate("说话人头生成", LEXICON).terms][:1] == ["说话人头"]


def test_the_shipped_lexicon_reaches_both_retrievers() -> None:
    q = parse_query("低光增强 位姿 NeRF")
    assert q.chinese and q.dense_text.startswith("low-light") and "NeRF" in q.dense_text
    assert q.sparse_weights["pose"] == 1.0 and q.sparse_weights["nerf"] == 1.0
    assert q.sparse_weights["低光"] == 1.0  # the query's own words still match Chinese summaries
    assert set(q.sparse_tokens) == set(q.sparse_weights)
    assert q.coverage == 1.0


def test_the_shipped_lexicon_reads_the_fields_own_compounds() -> None:
    # 数字人头像 is cut by jieba across 数字人 | 头像; 说话人头像 was mined as "talking" alone.
    assert parse_query("数字人头像").dense_text.startswith("digital human")
    assert "avatar" in parse_query("数字人头像").dense_text
    assert parse_query("说话人头像").dense_text.startswith("talking head")


def test_english_queries_are_not_weighted() -> None:
    q = parse_query("Gaussian avatars")
    assert q.sparse_weights == {} and q.coverage == 1.0 and not q.chinese


@pytest.mark.parametrize(("coverage", "share"), [(1.0, 0.6), (0.5, 0.3), (0.0, 0.0)])
def test_the_dense_side_weighs_what_was_translated(coverage: float, share: float) -> None:
    q = parse_query("说话人头")
    q.coverage = coverage
    assert zh_dense_share(q, RankingSettings(zh_dense_weight=0.6)) == pytest.approx(share)
