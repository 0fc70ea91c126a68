"""The lexicon miner on a synthetic aligned corpus (fast), and the shipped lexicon (slow)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from search.errors import LexiconError
from search.lexicon import model1
from search.lexicon.build import build_lexicon
from search.lexicon.mine import Entry, MiningParams, curated_entries, llr, merge, mine
from search.lexicon.pairs import AlignedPair, chinese_title, paper_pairs
from search.lexicon.table import LEXICON, packaged_text, parse, parse_glossary, render
from tests.shared import REPO

# Words jieba keeps whole, and what they mean.
TRUTH = {"音乐": "music", "电影": "movie", "医院": "hospital", "汽车": "car", "天气": "weather",
         "学校": "school", "银行": "bank", "城市": "city"}


def synthetic_pairs(n: int = 80, seed: int = 0) -> list[AlignedPair]:
    """Pairs that each name three random concepts in both languages, in shuffled orders.

    Every pair about 电影 (and a third of the others) also carries the Latin word NeRF on
    both sides: copied, not translated, so "nerf" must not become a translation of 电影.
    """
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        zh = rng.sample(sorted(TRUTH), 3)
        en = [TRUTH[w] for w in zh]
        rng.shuffle(en)
        latin = " NeRF" if "电影" in zh or rng.random() < 0.33 else ""
        pairs.append(AlignedPair(zh="，".join(zh) + "的研究" + latin,
                                 en="a study of " + " and ".join(en) + latin.lower()))
    return pairs


def test_the_miner_recovers_known_translations() -> None:
    entries = {e.zh: e for e in mine(synthetic_pairs())}
    for zh, en in TRUTH.items():
        assert entries[zh].en[0] == en, entries[zh]
        assert entries[zh].weights[0] > 0.4 and entries[zh].source == "mined"
        assert entries[zh].df >= 3
    assert "nerf" not in entries["电影"].en  # the Chinese side wrote it in Latin letters
    assert not any(k in entries for k in ("的", "研究", "NeRF", "nerf"))  # stop words, Latin


def test_mining_is_deterministic_and_order_is_by_term() -> None:
    a, b = mine(synthetic_pairs()), mine(synthetic_pairs())
    assert a == b
    assert [e.zh for e in a] == sorted(e.zh for e in a)


def test_rare_terms_and_weak_pairs_are_not_kept() -> None:
    pairs = [*synthetic_pairs(), AlignedPair(zh="红烧肉", en="braised pork belly")] * 1
    entries = {e.zh for e in mine(pairs, MiningParams(min_df=3))}
    assert "红烧肉" not in entries  # one segment: below min_df


def test_model1_probabilities_are_distributions() -> None:
    segs = [(["甲", "乙"], ["a", "b"], 1.0), (["甲"], ["a"], 1.0), (["乙"], ["b"], 1.0)]
    al = model1.train(segs, iterations=10, min_df=1)
    for f in range(len(al.source)):
        assert np.sum(al.prob[al.f == f]) <= 1.0 + 1e-9
    best = {al.source[al.f[i]]: al.target[al.e[i]] for i in np.argsort(al.prob)}
    assert best == {"甲": "a", "乙": "b"}  # the last (highest) pair per source wins
    for e in range(len(al.target)):
        assert np.sum(al.back[al.e == e]) <= 1.0 + 1e-9


def test_llr_is_zero_for_independence_and_grows_with_association() -> None:
    assert llr(25, 50, 50, 100) == 0.0  # exactly as expected by chance
    assert llr(10, 50, 50, 100) == 0.0  # less than chance: no evidence for a translation
    assert llr(40, 50, 50, 100) > 10.83 > llr(30, 50, 50, 100) > 0


def test_curated_entries_win_and_are_ranked() -> None:
    mined = [Entry(zh="说话", en=["speaking"], weights=[0.4], source="mined", df=9),
             Entry(zh="外观", en=["appearance"], weights=[0.9], source="mined", df=50)]
    curated = curated_entries(parse_glossary("zh\ten\n说话\ttalking|speaking\n"))
    table = {e.zh: e for e in merge(mined, curated)}
    assert table["说话"].source == "curated" and table["说话"].en == ["talking", "speaking"]
    assert table["说话"].weights[0] == 1 > table["说话"].weights[1]
    assert table["外观"].source == "mined"


def test_the_file_round_trips_and_bad_rows_are_named() -> None:
    entries = [Entry(zh="位姿", en=["pose"], weights=[0.956], source="mined", df=43)]
    text = render(entries, ["provenance line"])
    assert text.startswith("# provenance line\nzh\ten\tweights\tsource\tdf\n")
    assert parse(text) == {"位姿": entries[0]}
    with pytest.raises(LexiconError, match="line 4"):
        parse(text + "坏\tpose\tnot-a-number\tmined\t1\n")
    with pytest.raises(LexiconError, match="2 translations but 1 weights"):
        parse(text + "坏\tpose|stance\t0.5\tmined\t1\n")


def test_pairs_come_from_the_chinese_title_and_summaries() -> None:
    from indexer.models import Paper

    structured = ("1. **标题**：基于高斯的头像（Gaussian Head Avatars）\n\n2. **作者**：张三\n\n"
                  "摘要：\n（1）研究背景：头像重建。\n\nMethods:\n(1) 细节")
    paper = Paper(paper_id="2401.00001", title="Gaussian Head Avatars", abstract="We build avatars.",
                  summary_zh="高斯头像。", takeaways_zh=["要点一"], structured_zh=structured,
                  source="digest")
    title, body = paper_pairs(paper)
    assert chinese_title(structured) == "基于高斯的头像"
    assert (title.zh, title.en, title.weight) == ("基于高斯的头像", "Gaussian Head Avatars", 3.0)
    assert "头像重建" in body.zh and "张三" not in body.zh and "细节" not in body.zh
    assert body.en == "Gaussian Head Avatars\nWe build avatars."


def test_a_folder_without_chinese_summaries_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d.md").write_text("---\ntitle: NeRF\ndate: 2024-01-01\n---\n\n## A paper\n\n"
                                   "An abstract.\n\n[PDF](http://arxiv.org/abs/2401.00001v1)\n",
                                   encoding="utf-8")
    with pytest.raises(LexiconError, match="no digest entries with Chinese summaries"):
        build_lexicon([tmp_path])


@pytest.mark.slow
def test_committed_lexicon_is_up_to_date(corpus_dir: Path) -> None:
    """The shipped lexicon is exactly what the miner makes of the shared corpus."""
    fresh = build_lexicon([corpus_dir])
    assert fresh == packaged_text(LEXICON), (
        "search/data/lexicon_zh_en.tsv is stale: run `avatar-scholar lexicon "
        "../shared/corpus/chatpaperfree`")


@pytest.mark.slow
def test_the_lexicon_command_writes_what_search_reads(tmp_path: Path, corpus_dir: Path) -> None:
    out = tmp_path / "lexicon.tsv"
    day = corpus_dir / "2024-01-24"
    proc = subprocess.run([sys.executable, "-m", "search", "lexicon", str(day), "-o", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert f"written to {out}" in proc.stderr.splitlines()[-1]
    table = parse(out.read_text("utf-8"))
    assert sum(e.source == "mined" for e in table.values()) > 50
    assert out.read_text("utf-8").startswith("# Avatar Scholar Chinese→English term lexicon")
    assert "source: ChatPaperFree digests in 2024-01-24" in out.read_text("utf-8")


@pytest.mark.slow
def test_the_shipped_lexicon_knows_everyday_terms() -> None:
    """Terms the glossary missed (issue 13) are mined; common ones map as a researcher expects."""
    from search.lexicon.table import packaged_lexicon

    table = packaged_lexicon()
    assert len(table) > 3000
    for zh, en in {"位姿": "pose", "外观": "appearance", "低光": "low-light", "隐式": "implicit",
                   "水印": "watermarking"}.items():
        assert table[zh].en[0] == en and table[zh].source == "mined"
    # Words of a question about a paper's body, which the digests' summaries rarely write.
    for zh, en in {"推荐": "recommended", "作者": "authors", "点光源": "point light",
                   "可训练": "trainable",
                   # "采样点是怎么选的": jieba leaves 选 alone; 均匀, 闪光 and 动捕 are everyday
                   # words the summaries never needed.
                   "选": "select", "均匀": "uniform", "闪光": "flash", "动捕": "motion capture",
                   "去掉": "remove",
                   # Mined wrongly from too few pairs (减小 → "here", 缩小 → "narrow").
                   "减小": "reduce", "缩小": "reduce", "保留": "keep", "加噪": "noise",
                   "推测": "hypothesize", "零": "zero"}.items():
        assert table[zh].en[0] == en and table[zh].source == "curated"


def test_training_details_in_chinese_translate_whole() -> None:
    """Body-text questions ask for settings: 学习率 is "learning rate", not "learning"."""
    from search.lexicon.table import packaged_lexicon

    table = packaged_lexicon()
    for zh, en in {"学习率": "learning rate", "批大小": "batch size", "显存": "GPU memory",
                   "训练步数": "training steps", "温度": "temperature", "上界": "upper bound"}.items():
        assert table[zh].en[0] == en and table[zh].source == "curated"


def test_everyday_research_words_translate_but_name_no_technique() -> None:
    """A body question's plain words (附录 appendix, 标定 calibration) are translated, and a
    wrong mined sense is replaced (宽度 was "verify"); they are no field terms, so a line of
    work is never named "appendix"."""
    from search.lexicon.table import english_key, field_terms, packaged_lexicon

    table = packaged_lexicon()
    for zh, en in {"附录": "appendix", "标定": "calibration", "单层": "single layer",
                   "宽度": "width", "上采样": "upsampling", "峰值信噪比": "PSNR",
                   "四维": "4D",
                   # signal and maths words the digests rarely write (指数 was "uniqueness",
                   # 张量 "synergistic")
                   "振幅": "amplitude", "范数": "norm", "脚注": "footnote",
                   "指数": "exponential", "张量": "tensor",
                   "大约": "approximately", "预备知识": "preliminaries"}.items():
        assert table[zh].en[0] == en and table[zh].source == "curated"
    assert english_key("appendix") not in field_terms()
    assert english_key("calibration") not in field_terms()
    assert english_key("NeRF") in field_terms()

