"""Answer building blocks on synthetic text (fast tier): intents, fact cues, names, groups,
boilerplate trimming, excerpts and the overview's shapes."""

from __future__ import annotations

import pytest

from indexer.models import Paper
from search.answer.compose import broad_text, short_name, specific_text, trim_opening
from search.answer.facts import counts_near, describes_method, names_near, section_fit, supplies
from search.answer.grouping import Group, group_papers, terms_of
from search.answer.keywords import Keywords, asked_after_clause, identifying_words
from search.answer.machine import machine_sentence
from search.answer.prepare import answers_one
from search.answer.question import cited_works, cites, intent
from search.answer.sections import asked_parts, in_parts
from search.answer.sentences import about_others
from search.retrieval.passages import NameIndex
from search.retrieval.query import parse_query


def paper(pid: str, title: str, abstract: str = "", **extra: object) -> Paper:
    return Paper.model_validate({"paper_id": pid, "title": title, "abstract": abstract,
                                 "source": "jsonl", **extra})


@pytest.mark.parametrize(("question", "kinds", "broad"), [
    ("How long does DELTA's optimization take, and on which GPU?", {"duration", "hardware"}, False),
    ("How many points per ray does TECA sample?", {"number"}, False),
    ("What learning rate does AGG use?", {"value"}, False),
    ("What PSNR does it reach on People-Snapshot?", {"metric"}, False),
    ("How does DiLightNet compare quantitatively with Lasagna?", {"method", "metric"}, False),
    ("On what TPU configurations were the models trained?", {"hardware"}, False),
    ("Which datasets were used to train the network?", {"dataset"}, False),
    ("Which off-the-shelf grasp planner proposes grasps?", {"name"}, False),
    ("With which image-space losses does AGG supervise its renderings?", {"name"}, False),
    ("What shortcomings and biases do MagiCapture's authors acknowledge?", {"limitation"}, False),
    ("TECA 生成的头像有什么缺点？", {"limitation"}, False),
    # "which scenes does it handle badly", "what shortcomings": limitations in other words
    ("LERF-TOGO 的分组遇到什么样的场景会不好处理？", {"limitation"}, False),
    ("CARFF 的判别式基线在场景预测上有什么不足？", {"limitation"}, False),
    ("TECA 训练要多久？用的什么显卡？", {"duration", "hardware"}, False),
    ("What are the main approaches to audio-driven talking head generation?", set(), True),
    ("有哪些方法可以压缩 3DGS？", set(), True),
    ("How is 3D Gaussian Splatting extended to dynamic scenes?", set(), False),
    ("Where on the body are the six IMUs placed?", {"place"}, False),
    ("IMU 放在哪些位置？", {"place"}, False),
    ("Where does the method fail?", set(), False),
    ("AGG 的 texture field 是用什么表示实现的？", {"name"}, False),
    ("前景分割用的是哪个现成网络？", {"name"}, False),
    ("TECA 用的是什么 GPU？", {"hardware"}, False),
    # a measured quantity asked for is a value, not a line of work
    ("Up to what frequency can each group of lights be modulated?", {"value"}, False),
    ("At what speed does the robot arm move during the scan?", {"value"}, False),
    ("灯组的亮度最高能以多快的频率调制？", {"value"}, False),
    ("What depth regularization is applied to glossy table surfaces?", set(), False),
    # a device by its version, a compute cost, the sizes of something
    ("On which TPUv3 slices were the base models fine-tuned?", {"hardware"}, False),
    ("What training cost in FLOPs is listed for the big model?", {"number"}, False),
    ("Which shorter-side sizes are used for multi-scale testing?", {"value"}, False),
    ("What translation error on TotalCapture is listed for PIP?", {"metric"}, False),
    # a quoted phrase names a section or a term; it asks nothing (an apostrophe is no quote)
    ("In the 'Why Self-Attention' discussion, what would the maximum path length become?",
     set(), False),
    ("Why can't a 'hardware' fix such as one shared wire guarantee agreement?", {"reason"}, False),
    ("Why does the authors' second ablation fail on the 'hard' split?", {"reason"}, False),
    # "how small can it get" asks a value, "how quickly" a time; a title's "A Survey" names a paper
    ("How small can the batch get while still reaching top performance?", {"value"}, False),
    ("How quickly can the capture sphere switch between lighting patterns?", {"duration"}, False),
    ("What is the inner dimensionality of the feed-forward sub-layer?", {"value"}, False),
    ("Diffusion Model-Based Image Editing: A Survey 在预备知识部分说 guidance scale w 一般取在什么范围？",
     {"value"}, False),
    # what a paper says about something asks for what it states, not how a method works
    ("What does the OSEDiff paper say about the GAN-based methods LDL and DeSRA?", set(), False),
    ("What does the gating branch compute?", {"method"}, False),
    # how another method did something; how a model scored is no method
    ("How did Wang and Gupta (2015) use video frames for pre-training?", {"method"}, False),
    ("How did the model without global tokens score on MNLI?", set(), False),
    ("PSoftplus 的两个固定超参数 a 和 b 推荐取多少？", {"number", "value"}, False),
])
def test_intent_reads_what_a_question_asks(question: str, kinds: set[str], broad: bool) -> None:
    got = intent(question)
    assert set(got.kinds) == kinds and got.broad is broad


def test_focus_is_the_phrase_after_the_question_word() -> None:
    assert intent("How many synthetic objects are in the training set?").focus == {"synthetic",
                                                                                    "object"}
    assert intent("Which off-the-shelf grasp planner proposes grasps?").focus >= {"grasp",
                                                                                  "planner"}
    # A modal verb ends the phrase like any auxiliary: "must" is no word of the answer.
    assert intent("What property must the communication graph have for the algorithm to "
                  "work?").focus == {"property"}
    # "which two methods": the count is the question's, not a word the answer holds
    assert "two" not in intent("Which two methods does the related work say are not "
                               "comparable?").focus


def test_fact_cues_in_sentences() -> None:
    assert supplies("It trains for about two days on a single NVIDIA V100.", ("duration", "hardware")) == 1
    assert supplies("See Fig. 3 and [12] from 2019 for 3D results.", ("number",)) == 0
    assert supplies("It reaches 30.59 dB PSNR on male-3-casual.", ("metric",)) == 1
    assert counts_near("In total, our training set contains 25K synthetic objects.", {"object"})
    assert not counts_near("Objects are shown in Figure 3 of the paper we wrote in 2019.", {"object"})
    assert counts_near("We limit the number of Gaussians, K = 2.", {"gaussian"})
    assert not counts_near("The output is a mixture of Gaussian q(zt|It−1 c) from an MLP.", {"gaussian"})
    assert supplies("We use 6 IMUs mounted on the forearms, head and pelvis.", ("place",)) == 1
    assert supplies("IMUs are cheap and light.", ("place",)) == 0
    # A range of values ("a ∈ [1, 10]") is a setting, though "[1, 10]" reads like citations;
    # a set membership without a number is no setting.
    assert supplies("Seo, Lee, and Kim recommended a ∈[1, 10] in [242].", ("value",)) > 0
    assert supplies("For every x ∈ R^d the map is defined.", ("value",)) == 0
    # What a part is made of describes it, however the sentence says so.
    assert supplies("Each lighting unit comprises 132 LEDs on an embedded board.", ("method",)) == 1
    # A disadvantage is a limitation, as a drawback is.
    assert supplies("The disadvantage may be that full probability vectors may not fit in memory.",
                    ("limitation",)) == 1
    assert supplies("The rig is equipped with 24 cameras.", ("method",)) == 1
    assert supplies("The lighting is uniform.", ("method",)) == 0
    # What the paper does with a thing describes its method: "we simply pick …", and so does
    # what a work cited by number does.
    assert supplies("During training, we simply pick the first frame of the video as the "
                    "reference.", ("method",)) == 1
    assert supplies("One-2345 [23] leverages Zero123 [24] to fuse multi-view generations.",
                    ("method",)) == 1
    assert supplies("The first frame of the video is the reference.", ("method",)) == 0
    # What cited work proposes describes its method, as what "we" propose does ours.
    assert supplies("Li et al. [2022d] propose an approach to masking that accounts for the "
                    "hierarchical structure of pyramid ViTs.", ("method",)) == 1
    # Hardware is a device by model or by count, not the word "GPUs" in passing.
    assert supplies("Compute resources: 8 × 8 TPUv3.", ("hardware",)) == 1
    assert supplies("We train on 4 GPUs for 500k steps.", ("hardware", "duration")) == 1
    assert supplies("Hardware accelerators like GPUs and TPUs shine on coalesced memory.",
                    ("hardware",)) == 0
    assert describes_method("We propose a hybrid representation of meshes and NeRF.")
    assert not describes_method("Avatars are important for telepresence.")


def test_sections_where_details_live() -> None:
    assert section_fit("4.1 Implementation Details", ("number",)) == 1
    assert section_fit("Abstract", ("number",)) == 0
    assert section_fit("3 Method", ("number",)) == 0.5
    assert section_fit("Abstract", ()) == 0.5  # no fact asked: no preference


def test_a_long_title_written_in_a_question_names_its_paper() -> None:
    papers = [paper("a", "A Cookbook of Self-Supervised Learning"),
              paper("b", "TECA: Text-Guided Generation and Editing of Compositional 3D Avatars"),
              paper("c", "Learning to Animate Faces"), paper("d", "Learning to Animate Faces")]
    names = NameIndex(papers)
    title = "A Cookbook of Self-Supervised Learning"
    assert names.named_in(f"What does '{title}' suggest for mixed precision?") == [(title, 0)]
    assert names.named_in("In a cookbook of self supervised learning, which optimizer?")[0][1] == 0
    # The part after a colon is a title too; the head still names the paper as well.
    sub = names.named_in("What GPU does Text-Guided Generation and Editing of Compositional 3D "
                         "Avatars use?")
    assert [p for _, p in sub] == [1]
    assert names.named_in("What is a cookbook of self-supervised methods?") == []  # not the title
    assert names.named_in("Is Learning to Animate Faces fast?") == []  # two papers share it


def test_a_long_title_head_written_in_a_question_names_its_paper() -> None:
    # Questions quote a long title by the part before its colon as often as by the part after.
    title = "Three Decades of Activations: A Comprehensive Survey of 400 Activation Functions"
    names = NameIndex([paper("a", title), paper("b", "Avatars Made Easy and Fast: Heads"),
                       paper("c", "Avatars Made Easy and Fast: Bodies")])
    assert names.named_in("In 'Three Decades of Activations', how is the tent initialised?") == [
        (title, 0)]
    assert names.named_in("Are avatars made easy and fast?") == []  # two papers share the head


def test_a_title_head_names_its_paper_however_it_is_capitalised() -> None:
    papers = [paper("a", "Emerdiff: Emerging Pixel-level Semantic Knowledge in Diffusion Models"),
              paper("b", "Relightable: Avatars from Light Stages"),
              *(paper(f"r{i}", "Lighting", "We render relightable avatars.") for i in range(5))]
    names = NameIndex(papers)
    assert names.named_in("What caption does EmerDiff give the U-Net?") == [("Emerdiff", 0)]
    assert names.named_in("How is the Relightable avatar lit?") == [("Relightable", 1)]
    # Other abstracts write "relightable" as a word: only the title's own spelling names it.
    assert names.named_in("How are relightable avatars lit?") == []


def test_method_names_find_their_papers() -> None:
    papers = [paper("a", "TECA: Text-Guided Generation of Avatars"),
              paper("b", "Learning Avatars", "We propose TRAvatar, a relightable avatar."),
              paper("c", "Another Avatar Paper: A Survey", "Avatars and more avatars."),
              paper("d", "Avatar Study", "Avatar study."), paper("e", "Avatar things", "Avatar.")]
    names = NameIndex(papers)
    assert names.named_in("How long does TECA train?") == [("TECA", 0)]
    assert names.named_in("teca, on which GPU?") == [("TECA", 0)]  # acronyms in any case
    assert names.named_in("What does TRAvatar's light stage capture?") == [("TRAvatar", 1)]
    assert names.named_in("how are avatars made? travatar") == []  # CamelCase names exactly
    common = NameIndex([*papers, paper("f", "WARM: On the Benefits of Weight Averaged Reward "
                                       "Models", "We propose WARM.")], frozenset({"warm"}))
    assert common.named_in("How is the learning rate warm up done?") == []  # a word, not WARM
    assert common.named_in("What does WARM average?") == [("WARM", 5)]
    assert common.named_in("teca, on which GPU?") == [("TECA", 0)]

    opening = "Real-world image super-resolution is hard. " * 20  # the name comes after 600 chars
    late = NameIndex([paper("g", "One-Step Effective Diffusion Network", opening
                            + "We propose OSEDiff, compared with StableSR. OSEDiff is fast.")])
    assert late.named_in("How does OSEDiff get its prompt?") == [("OSEDiff", 0)]
    assert late.named_in("What does StableSR do?") == []  # named once: a method compared with

    vae = [paper("h", "Auto-Encoding Variational Bayes", "We introduce a stochastic algorithm.")]
    assert NameIndex(vae).named_in("In the AEVB experiments, which step sizes?") == []
    assert NameIndex(vae, defined={0: {"AEVB"}}).named_in(
        "In the AEVB experiments, which step sizes?") == [("AEVB", 0)]


def test_a_short_title_names_its_paper() -> None:
    names = NameIndex([paper("k", "Generative Image Dynamics", "We model image-space motion."),
                       paper("l", "Learning Avatars from Many Monocular Videos of People")])
    assert names.named_in("How does Generative Image Dynamics simulate the modal coordinates?") \
        == [("Generative Image Dynamics", 0)]
    assert names.named_in("What do generative image dynamics methods do?") == []  # as written
    assert names.named_in("How are Learning Avatars trained?") == []  # a long title's words


def test_an_acronym_names_its_paper_in_either_number() -> None:
    ardm = paper("i", "Autoregressive Diffusion Models", "We introduce ARDMs. ARDMs are simple.")
    names = NameIndex([ardm, paper("j", "TECA: Text-Guided Avatars")])
    assert names.named_in("How does the order-agnostic ARDM model audio?") == [("ARDM", 0)]
    assert names.named_in("Which GPU do TECAs need?") == [("TECAs", 1)]
    assert names.named_in("How are Avatars made?") == []  # no acronym: no other number


def test_a_paper_defines_its_own_names_in_its_body() -> None:
    from search.retrieval.passages import _DEFINES
    found = [m.group(1) for m in _DEFINES.finditer(
        "For this case we propose the Auto-Encoding VB (AEVB) algorithm. We compare with "
        "StableSR (StableSR) baselines. Following DINOv2 (Oquab et al.), we train it.")]
    assert found == ["AEVB"]


def test_boilerplate_openings_become_attributions() -> None:
    assert trim_opening("In this paper, we propose a new avatar.", "TECA") == "TECA proposes a new avatar."
    assert trim_opening("Our method renders in real time.", "AGG") == "AGG renders in real time."
    assert trim_opening("Hair is hard to model.", "DELTA") == "DELTA: Hair is hard to model."
    assert trim_opening("This paper introduces a game.", "FML") == "FML introduces a game."


def test_an_attribution_does_not_name_the_paper_twice() -> None:
    name = "FATE (Full-head Gaussian Avatar with Textural Editing)"
    assert (trim_opening("We introduce FATE, a novel method for editable avatars.", name)
            == f"{name} is a novel method for editable avatars.")
    assert (trim_opening("We present ViViD (Video Virtual try-on), a framework for video.", "ViViD")
            == "ViViD is a framework for video.")
    assert (trim_opening("We introduce FATEful, a new method.", "FATE")
            == "FATE introduces FATEful, a new method.")  # another name


def test_a_papers_second_quote_goes_on_without_its_title() -> None:
    metaverse = paper("1", "MetaTrading: An Immersion-Aware Model Trading Framework")
    text = broad_text([Group(["auction"], ["1"])],
                      {"1": [("We model the trading as an equilibrium problem.", 1),
                             ("moreover, we formulate the rewards as a Markov decision process.", 2),
                             ("In this paper, we show that costs fall.", 1)]},
                      {"1": metaverse}, {"1": 1}, chinese=False)
    assert text.count("An Immersion-Aware") == 1  # the first quote introduces the paper ...
    assert "[1]. Moreover, we formulate the rewards" in text  # ... the next goes on ...
    assert "MetaTrading shows that costs fall [1]." in text  # ... or names it briefly
    assert short_name(paper("x", "TECA: Text-Guided Generation")) == "TECA"
    assert short_name(paper("x", "A Very Long Title About Many Different Things Here")).endswith("…")


def test_papers_group_by_shared_method_terms() -> None:
    docs = {"a": "Neural radiance fields (NeRF) for talking heads with audio.",
            "b": "Talking heads with NeRF conditioned on audio features.",
            "c": "Talking heads from a diffusion model with landmark guidance.",
            "d": "A latent diffusion model generates talking heads from landmark maps.",
            "e": "Talking heads by warping with optical flow."}
    groups = group_papers(docs, {"talk", "head"}, lambda key: 1.0)
    named = {tuple(g.papers) for g in groups if g.terms}
    assert ("a", "b") in named and ("c", "d") in named
    assert groups[-1] == Group([], ["e"])  # the rest: other routes
    assert groups[0].terms == ["radiance fields (NeRF)"]  # the acronym joins its long form
    assert {"nerf", "talk head"} <= set(terms_of(docs["b"]))


def test_specific_answers_lead_with_the_answer_and_broad_ones_open_each_line() -> None:
    teca, agg = paper("1", "TECA: Avatars"), paper("2", "AGG: Gaussians")
    text = specific_text([("We sample 96 points per ray.", teca, 1),
                          ("In this work, we use 8 GPUs.", agg, 2)], chinese=False)
    assert text == "According to TECA: We sample 96 points per ray [1]. AGG uses 8 GPUs [2]."
    assert specific_text([("We sample 96 points.", teca, 1)], chinese=True) == \
        "据《TECA》：We sample 96 points [1]。"
    groups = [Group(["NeRF", "audio features"], ["1"]), Group([], ["2"])]
    broad = broad_text(groups, {"1": [("We propose a NeRF avatar.", 1)]},
                       {"1": teca, "2": agg}, {"1": 1, "2": 2}, chinese=False)
    assert broad == ("One line of work builds on NeRF and audio features (TECA) [1]. "
                     "TECA (Avatars) proposes a NeRF avatar [1].\n\n"
                     "Other work takes different routes (AGG) [2].")
    zh = broad_text(groups, {}, {"1": teca, "2": agg}, {"1": 1, "2": 2}, chinese=True)
    assert zh.startswith("一类工作基于神经辐射场（NeRF）、audio features（TECA） [1]。")


def test_names_in_answers() -> None:
    from search.answer.compose import described_name
    from search.lexicon.table import chinese_name

    dawn = paper("d", "DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion Framework")
    assert described_name(dawn) == ("DAWN (Dynamic Frame Avatar with Non-autoregressive "
                                    "Diffusion Framework)")
    assert described_name(paper("x", "Learning to Animate Heads")) == "Learning to Animate Heads"
    assert chinese_name("point clouds") == "点云（point clouds）"  # from the curated glossary
    assert chinese_name("zqx widget") == "zqx widget"


def test_the_machine_summary_line_matches_the_question() -> None:
    p = paper("x", "T", summary_zh="本文提出一种头像方法。训练在单张 A100 上需要三小时。")
    q = parse_query("训练需要多久？")
    assert machine_sentence(p, q) == "训练在单张 A100 上需要三小时。"
    assert machine_sentence(paper("y", "T"), q) == ""


def test_table_text_offers_windows_around_the_words_asked() -> None:
    from search.answer.tables import is_table, table_windows

    table = ("Method PSNR SSIM NHA 12.15 0.843 IMavatar 20.64 0.899 male-3-casual 20.64 23.74 "
             "24.94 29.37 30.59 .899 .923 .943 .970 .977 Ours 30.59 0.977")
    assert is_table(table) and not is_table("We train for 40 hours on one V100 GPU in total.")
    spans = table_windows(table, {"male-3-casual"})
    assert any("male-3-casual 20.64 23.74 24.94 29.37 30.59" in table[a:b] for a, b in spans)
    assert any("Ours 30.59" in table[a:b] for a, b in spans)  # the paper's own row


def test_a_table_window_is_scored_with_the_caption_before_it() -> None:
    from search.answer.sentences import Sentence
    from search.answer.tables import CONTEXT_WORDS, window_context

    caption = "Table 2: PSNR on People-Snapshot subjects. Method NHA IMavatar Ours"
    assert window_context("male-3-casual", caption).startswith("Table 2: PSNR")
    assert len(window_context("x " * 200, caption).split()) == CONTEXT_WORDS  # the nearest words
    s = Sentence(0, 0, 5, "20.64", table=True, context="PSNR male-3-casual")
    assert s.scored_text == "PSNR male-3-casual 20.64" and Sentence(0, 0, 1, "a").scored_text == "a"


def test_a_fact_query_drops_the_words_that_pick_the_paper_out() -> None:
    from search.answer.evidence import Evidence
    from search.answer.sentences import Sentence, fact_queries
    from search.models import PassageHit
    from search.retrieval.query import ParsedQuery

    p = paper("a", "Generative Image Dynamics")
    hit = PassageHit.model_construct(paper_id="a", chunk_id="a:0", text="K = 16.", section="3",
                                     page=1, score=1.0)
    ev = [Evidence(hit, p, 1.0)]
    q = ParsedQuery(raw="x", dense_text="How many Fourier terms does Generative Image Dynamics keep?")
    assert fact_queries(q, [Sentence(0, 0, 7, "K = 16.")], ev) == {"a": "How many Fourier terms does keep?"}
    q2 = ParsedQuery(raw="x", dense_text="How many Fourier terms are kept?")
    assert fact_queries(q2, [Sentence(0, 0, 7, "K = 16.")], ev) == {}  # nothing to drop


@pytest.mark.parametrize(("question", "kinds", "definite"), [
    ("In the tuning-free personalization method, by what factor are face boxes enlarged?",
     {"value"}, True),
    ("During which training phase does MagiCapture apply its Attention Refocusing loss?",
     {"stage"}, False),
    ("In the Byzantine Generals paper, how can a system detect a missing message?", set(), True),
    ("单目图像 + 稀疏 IMU 融合动捕的那篇里，阈值设成多少？", {"value", "number"}, True),
    ("How do NeRF methods scale to city-scale scenes?", set(), False),
    ("The monocular avatar method that keeps the body as a mesh was run on dress videos. "
     "Why does it fail on them?", {"reason"}, True),  # opens by describing its one work
    ("Why does the text-driven avatar generator that puts NeRF hair on a mesh blur?", {"reason"},
     True),
    ("The methods that animate avatars: why do they blur?", {"reason"}, False),
    # a sentence about one work, then the question
    ("The streaming avatar work with a mesh body notes that masks are noisy. What could fix "
     "that?", set(), True),
    ("What do its authors suggest for noisy masks?", set(), True),
    # A work described by what kind of transformer it is ("the sparse-attention transformer
    # that mixes random, sliding-window and global tokens": BigBird).
    ("Where does the sparse-attention transformer that mixes random and global tokens use "
     "its sparse attention, and why?", {"reason"}, True),
    # A guide, a cookbook or a review is one work too.
    ("In the practical guide to self-supervised learning by Balestriero and colleagues, how "
     "are the masked entries filled in?", set(), True),
    ("How are masked entries filled in for tabular self-supervised learning?", set(), False),
])
def test_questions_about_one_described_work(question: str, kinds: set[str], definite: bool) -> None:
    got = intent(question)
    assert set(got.kinds) == kinds and got.definite is definite
    assert got.specific is (bool(kinds) or definite) and not got.broad


@pytest.mark.parametrize(("question", "named", "one"), [
    ("How do methods make 3D Gaussian avatars animatable?", [], False),  # methods of many papers
    ("How are TRAvatar's lighting units wired?", ["2309.04247"], True),  # a named paper's details
    # a fact across papers, not asked as lines of work
    ("Which datasets are used to evaluate talking heads?", [], True),
    ("In the Byzantine Generals paper, how can a system detect a missing message?", [], True),
    ("What are the main approaches to talking heads, like TRAvatar?", ["2309.04247"], False),
    # asked as lines of work, a kind of fact does not make it one paper's fact
    ("What are the main approaches to relighting avatars, and which datasets do they use?", [], False),
])
def test_which_questions_are_answered_with_one_fact(question: str, named: list[str], one: bool) -> None:
    assert answers_one(intent(question), named, parse_query(question)) is one


def test_an_arxiv_id_alone_asks_for_the_papers_gist() -> None:
    q = parse_query("2309.04247")
    assert q.arxiv_id and not answers_one(intent(q.raw), [q.arxiv_id], q)


def test_a_chinese_question_about_that_one_method_is_definite() -> None:
    got = intent("那个用 anchor 点驱动 Gaussian 运动、做 streaming 动态场景重建的方法，渲染时用的是哪种"
                 " rasterization？")
    assert got.definite and got.specific and not got.broad


def test_a_chinese_question_asking_inside_one_paper_is_definite() -> None:
    # "ResNet 论文里" is "in the ResNet paper", "… A Survey 里介绍的" "introduced in the survey":
    # read like their English wording, never as a request for lines of work.
    for question in ("ResNet 论文里，如果 residual function F 只有一层，作者说会怎样？",
                     "Diffusion Model-Based Image Editing: A Survey 里介绍的 InstructAny2Pix "
                     "用什么 encoder？"):
        got = intent(question)
        assert got.definite and got.specific and not got.broad
    assert intent("扩散模型在三维重建中有哪些应用？").broad
    assert intent("最近的论文中有哪些方法用高斯表示头发？").broad  # "in recent papers"


def test_a_chinese_question_without_spaces_reads_like_a_spaced_one() -> None:
    # Python counts a Chinese character as a word character: "算FID的" hides FID from
    # \\bFID\\b until the scripts are set apart, as `answer` does before reading a question.
    from indexer.textproc import space_scripts

    for tight, kind in (("TECA训练用的是哪块GPU", "hardware"), ("消融实验里SSIM是多少", "metric")):
        assert kind not in intent(tight).kinds
        assert kind in intent(space_scripts(tight)).kinds


def test_a_recalled_work_is_one_work() -> None:
    # "有篇…的综述" is "there is a survey that …": the writer recalls one work by what it does,
    # even when it is a survey and the question goes on with "为什么" or "多少".
    for question in ("有篇把三十年来几百种激活函数都整理了一遍的长综述，里面提到的某个函数最初是为什么提出的？",
                     "记得有一篇用扩散模型做重光照的论文，训练用了多少个物体？",
                     "There's a survey that catalogues activation functions: which one is proposed for "
                     "diabetes classification?"):
        got = intent(question)
        assert got.definite and got.specific and not got.broad
    assert intent("有没有关于数字人驱动的综述？").broad


def test_a_part_of_one_named_paper_is_definite() -> None:
    # "ResNet 论文附录里" is "in the ResNet paper's appendix": a fact inside one paper, even
    # when the question goes on with "哪些" ("which") as lines-of-work questions do.
    for question in ("DreamFusion 论文附录里，SDS 的权重 w(t) 是怎么设的？",
                     "NeRF 论文的实验部分中用了哪些数据集？"):
        got = intent(question)
        assert got.definite and got.specific and not got.broad
    assert intent("最近的论文附录中有哪些常见的训练技巧？").broad


def test_a_named_survey_doing_something_is_one_work() -> None:
    # "… editing 综述在讨论…时" is "when the … editing survey discusses …": a fact inside it.
    got = intent("Diffusion model-based image editing 综述在讨论光照编辑的难点时，提到 Total Relighting "
                 "是用什么方式得到重打光效果的？")
    assert got.definite and got.specific and not got.broad
    assert intent("有没有关于数字人驱动的综述？").broad


def test_a_survey_named_as_one_work_is_not_a_request_for_an_overview() -> None:
    assert not intent("Which model does the diffusion image-editing survey use?").broad
    when = intent("When the survey of image editing compares its metric with CLIPScore, how "
                  "does it relate each metric to the user study?")
    assert when.definite and when.specific and not when.broad
    assert intent("Is there a survey of talking head generation?").broad
    # "the survey of …" is one work the question names, as "the … paper" is.
    assert not intent("In 'Three Decades of Activations', the survey of 400 activation "
                      "functions, how is the tent initialised?").broad
    cited = intent("According to the survey of diffusion-model-based image editing, how does "
                   "Imagen Editor obtain its masks?")
    assert cited.definite and cited.specific and not cited.broad


def test_a_broad_answer_quotes_how_a_paper_works_not_why() -> None:
    from search.answer.evidence import Evidence
    from search.answer.quotes import QuoteJudge
    from search.answer.sentences import Sentence
    from search.models import PassageHit

    def ev(section: str) -> Evidence:
        hit = PassageHit(paper_id="1", arxiv_id=None, title="VectorTalker", authors=[],
                         published=None, section=section, page=None, text="", score=1.0,
                         chunk_id="c", url="")
        return Evidence(hit, paper("1", "VectorTalker"), 1.0, 0.0)

    evidence = [ev("Abstract"), ev("5 Experiments")]
    known = {"1": {"talk", "head", "gener", "vectortalker"}}
    judge, problems = QuoteJudge(evidence, known, False), QuoteJudge(evidence, known, True)
    scene = Sentence(0, 0, 1, "Audio-driven talking head generation has been a key research topic.",
                     score=0.6)
    how = Sentence(0, 0, 1, "We use facial landmarks as intermediate motion representation and a "
                   "landmark-driven vector image deformation module.", score=0.5)
    assert judge.value(how, set()) > judge.value(scene, set())
    problem = Sentence(0, 0, 1, "However, SDS suffers from the Janus problem and over-saturation.",
                       score=0.6)
    assert problems.value(problem, set()) > judge.value(problem, set())
    # The same sentence says less about what the paper is when it comes from its experiments.
    late = Sentence(1, 0, 1, how.text, score=0.5)
    assert judge.value(how, set()) > judge.value(late, set())
    # A sentence leaning on one before it ("This is because …") does not stand alone.
    leaning = Sentence(0, 0, 1, f"This is because {how.text[0].lower()}{how.text[1:]}", score=0.5)
    assert judge.value(how, set()) > judge.value(leaning, set())


def test_an_abstracts_opening_background_is_not_what_a_paper_does() -> None:
    from search.answer.evidence import Evidence
    from search.answer.quotes import QuoteJudge, background_of
    from search.answer.sentences import Sentence
    from search.models import PassageHit

    abstract = ("Conditional diffusion models have shown remarkable success in visual content "
                "generation, largely due to classifier-free guidance. Guidance for unconditional "
                "models relies on heuristics. In this work, we propose Smoothed Energy Guidance, "
                "which reduces the curvature of the energy of self-attention.")
    seg = paper("1", "Smoothed Energy Guidance: Guiding Diffusion Models", abstract)
    assert background_of(seg) == {
        "Conditional diffusion models have shown remarkable success in visual content "
        "generation, largely due to classifier-free guidance.",
        "Guidance for unconditional models relies on heuristics."}
    # An abstract that never speaks of itself has no opening to tell apart; its name counts.
    assert background_of(paper("2", "X", "Diffusion models excel. Guidance helps.")) == set()
    named = paper("3", "SEG: Smoothed Energy Guidance", "Guidance matters. SEG smooths attention.")
    assert background_of(named) == {"Guidance matters."}
    hit = PassageHit(paper_id="1", arxiv_id=None, title=seg.title, authors=[], published=None,
                     section="Abstract", page=None, text=abstract, score=1.0, chunk_id="c", url="")
    evidence = [Evidence(hit, seg, 1.0, 0.0)]
    judge, problems = QuoteJudge(evidence, {"1": set()}, False), QuoteJudge(evidence, {"1": set()}, True)
    opening = Sentence(0, 0, 1, abstract.split(". ")[0] + ".", score=0.7)
    method = Sentence(0, 0, 1, abstract.split(". ")[2], score=0.25)
    assert judge.sets_scene(opening) and not judge.sets_scene(method)
    assert judge.value(method, set()) > judge.value(opening, set())
    # Asked for problems, the background is what the question wants: no penalty.
    assert problems.value(opening, set()) > judge.value(opening, set())


def test_a_quotes_connective_goes_with_the_sentence_it_joined() -> None:
    assert (trim_opening("Furthermore, we propose a completion framework.", "FATE")
            == "FATE proposes a completion framework.")
    assert trim_opening("Specifically, our model is built on SD.", "X") == "X is built on SD."


def test_few_lines_of_work_keep_more_papers_each() -> None:
    from search.answer.synthesis import _keep
    pool = list("abcdefgh")
    # A line of work keeps five papers: its opener names them all, the best-ranked quoted.
    kept = _keep([Group(["x"], list("abcdefg")), Group(["y"], list("h"))], pool, 8)
    assert [g.papers for g in kept] == [list("abcde"), list("h")]
    kept = _keep([Group(["x"], list("abcde")), Group(["y"], list("fgh"))], pool, 6)
    assert [g.papers for g in kept] == [list("abcde"), list("f")]
    kept = _keep([Group(["x"], list("ab")), Group(["y"], list("cd")), Group(["z"], list("efg"))],
                 pool, 6)
    assert [g.papers for g in kept] == [list("ab"), list("cd"), list("ef")]


def test_a_best_paper_outside_every_line_of_work_leads_alone_without_an_opener() -> None:
    from search.answer.synthesis import _keep
    pool = list("abcdefg")
    kept = _keep([Group(["x"], list("bcde")), Group([], list("afg"))], pool, 6)
    assert [g.papers for g in kept] == [["a"], list("bcde")]  # the lead, then 5 in the line
    teca, agg = paper("1", "TECA: Avatars"), paper("2", "AGG: Gaussians")
    text = broad_text([Group([], ["1"]), Group(["NeRF"], ["2"])],
                      {"1": [("We propose a NeRF avatar.", 1)], "2": [("We use NeRF.", 2)]},
                      {"1": teca, "2": agg}, {"1": 1, "2": 2}, chinese=False)
    assert text == ("TECA (Avatars) proposes a NeRF avatar [1].\n\n"
                    "One line of work builds on NeRF (AGG) [2]. AGG (Gaussians) uses NeRF [2].")


def test_an_acronym_in_a_sentence_counts_as_the_words_it_stands_for() -> None:
    from search.answer.keywords import Keywords, acronyms_of
    assert {"bits", "dimension"} <= acronyms_of("How many bits per dimension on CIFAR-10?")["bpd"]
    keywords = Keywords({"bits": 2.0, "dimension": 2.0, "compression": 1.0},
                        "How many bits per dimension does lossless compression need?")
    sentence = "ARDMs need only 2.71 bpd for compression."
    assert keywords.coverage(keywords.tokens(sentence)) == 1.0
    assert keywords.coverage(sentence) < 0.5  # the raw words alone miss "bits per dimension"


def test_an_announcing_sentence_brings_what_it_announces_into_the_excerpt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from search.answer import cite
    from search.answer.cite import announces, excerpt
    from search.answer.sentences import Sentence
    monkeypatch.setattr(cite, "MIN_WORDS", 0)
    text = ("We study convergence. In this section, we use synthetic data. We use the "
            "initialization of Section 1. We generate n = 1000 points on a unit sphere. Then more.")
    start = text.index("In this section")
    used = [Sentence(0, start, text.index(" We use the"), "In this section, we use synthetic data.")]
    assert announces(used[0].text) and not announces("We use the initialization.")
    assert excerpt(text, used).endswith("We use the initialization of Section 1. "
                                        "We generate n = 1000 points on a unit sphere.")


def test_an_excerpt_takes_in_the_sentence_that_concludes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from search.answer import cite
    from search.answer.cite import excerpt, leads_on
    from search.answer.sentences import Sentence
    monkeypatch.setattr(cite, "MIN_WORDS", 0)
    text = ("We ran an ablation on context length. The loss plot allows observations: the first "
            "bits are easy. In contrast, later stages are harder. This indicates that the model is "
            "more uncertain for the less significant bits. We then train longer.")
    start = text.index("The loss plot")
    used = [Sentence(0, start, text.index(" In contrast"), text[start:text.index(" In contrast")])]
    assert excerpt(text, used).endswith("more uncertain for the less significant bits.")
    # A pointer to a figure brings in the finding stated next; other sentences do not.
    assert leads_on("Accuracy with increasing length is shown in Fig. 8.", "Longer context helps.")
    assert not leads_on("We use the MLM task.", "We then train longer.")
    plain = text.replace("This indicates that the model is", "Here the model is")
    assert excerpt(plain, used).endswith("later stages are harder.")


def test_a_sentence_closed_by_a_quotation_mark_is_quotable() -> None:
    from search.answer.extract import usable_sentence
    assert usable_sentence("Li et al. propose an approach to masking that accounts for the "
                           "hierarchical structure of these models called \u201cuniform masking.\u201d")
    assert usable_sentence('They ask: "from where has each point been seen?"')
    assert not usable_sentence("They call this approach to masking \u201cuniform masking\u201d")


def test_task_names_are_not_settings_and_for_the_method_is_one_work() -> None:
    assert intent("How are diffusion models applied to real-world image super-resolution?").kinds == ()
    assert "value" in intent("At what resolution is the model trained?").kinds
    asked = intent("For the training-free segmentation method that upsamples attention maps, "
                   "which checkpoint and sampling schedule are used?")
    assert asked.definite and "name" in asked.kinds


def test_data_as_the_topic_of_a_broad_question_asks_for_no_dataset() -> None:
    assert intent("How are text-to-image diffusion models used to generate synthetic training "
                  "data for recognition tasks?").kinds == ()
    assert intent("What privacy risks do diffusion models pose for their training data?").kinds == ()
    assert "dataset" in intent("What training data does OSEDiff use?").kinds
    assert "dataset" in intent("How were the training, validation and test data split?").kinds
    assert "dataset" in intent("DiLightNet 的合成训练数据是怎么来的？").kinds


def test_a_size_setting_asks_for_a_value() -> None:
    assert "value" in intent("What size of crop is fed to the network during training?").kinds
    assert "value" in intent("Which beam size and length penalty were used?").kinds
    assert "value" not in intent("How do recent methods scale model size?").kinds


def test_how_often_asks_for_a_number_and_by_doing_says_how() -> None:
    assert "number" in intent("How often were its videos preferred over Make-A-Video?").kinds
    assert "number" in intent("What fraction of the samples is memorized?").kinds
    how = "He orders an attack by sending an attack time of 1:00."
    assert supplies(how, ("method",)) == 1
    assert supplies("The attack time is 1:00.", ("method",)) == 0


def test_each_paper_of_a_line_is_named_with_what_it_uses_that_the_others_do_not() -> None:
    from search.answer.grouping import signature_terms
    docs = {"a": "We drive talking heads with facial landmarks and a vector image deformation "
                 "module. Talking heads are rendered in real time.",
            "b": "Talking heads are generated in a latent motion space with head pose control. "
                 "Talking heads are rendered in real time.",
            "c": "Talking heads use optical flow."}
    known = {pid: {"talk", "head"} for pid in docs}
    traits = signature_terms(docs, known, lambda key: 1.0,
                             lambda key, form: " " in key and "time" not in key)
    assert "facial landmarks" in traits["a"] and "latent motion space" in traits["b"]
    assert traits["c"] == ["optical flow"]
    assert not any("real time" in t for ts in traits.values() for t in ts)  # shared: not a trait
    text = broad_text([Group(["NeRF"], ["1"])], {}, {"1": paper("1", "TECA: Avatars")}, {"1": 1},
                      chinese=False, traits={"1": ["facial landmarks", "SDS"]})
    assert text == "One line of work builds on NeRF (TECA with facial landmarks and SDS) [1]."


def test_only_technical_terms_name_lines_of_work() -> None:
    docs = {"a": "Talking heads with remarkable success and NeRF.",
            "b": "Talking heads with remarkable success and NeRF features.",
            "c": "Talking heads with remarkable success via diffusion."}
    groups = group_papers(docs, {"talk", "head"}, lambda key: 1.0,
                          technical=lambda key, form: "success" not in key)
    assert all("success" not in t.lower() for g in groups for t in g.terms)
    assert any("NeRF" in t for g in groups for t in g.terms)


def test_a_line_of_work_is_named_only_by_terms_that_may_stand_beside_its_papers() -> None:
    docs = {"a": "Talking heads with NeRF and GPU kernels.", "b": "Talking heads: NeRF and GPU kernels."}
    nerf_first = lambda key: 2.0 if key == "nerf" else 1.0  # noqa: E731
    everything = group_papers(docs, {"talk", "head"}, nerf_first, terms_per_group=3)
    named = group_papers(docs, {"talk", "head"}, nerf_first, terms_per_group=3,
                         naming=lambda key, form: "gpu" not in key)
    assert any("GPU" in t for t in everything[0].terms)
    assert everything[0].papers == named[0].papers  # the same line, named without "GPU"
    assert not any("GPU" in t for t in named[0].terms)


@pytest.mark.parametrize("form", ["GPU", "virtual reality", "memory footprint", "frame rate",
                                  "high-quality renderings", "during optimization", "SOTA",
                                  "Experimental evaluation", "real-world applications"])
def test_where_a_method_runs_or_how_good_it_looks_is_no_trait(form: str) -> None:
    from search.answer.vocabulary import Vocabulary

    # Rejected before the index is consulted, so no searcher is needed.
    assert not Vocabulary(None).trait(form.lower(), form)  # type: ignore[arg-type]


def test_a_name_the_question_writes_is_not_the_name_it_asks_for() -> None:
    asked = intent("Which large multimodal model computes the LMM Score on EditEval?")
    assert asked.given == {"lmm", "editeval"}
    named = "We employ an LMM, specifically GPT-4V, for this evaluation."
    echoed = "We propose LMM Score, which uses large multimodal models (LMMs) on EditEval."
    assert supplies(named, asked.kinds, asked.focus, asked.given) > \
        supplies(echoed, asked.kinds, asked.focus, asked.given)


def test_a_lone_lead_still_opens_in_chinese_for_a_chinese_question() -> None:
    teca, agg = paper("1", "TECA: Avatars"), paper("2", "AGG: Gaussians")
    text = broad_text([Group([], ["1"]), Group(["NeRF"], ["2"])],
                      {"1": [("We propose a NeRF avatar.", 1)]}, {"1": teca, "2": agg},
                      {"1": 1, "2": 2}, chinese=True)
    assert text.startswith("最相关的是TECA [1]。 TECA (Avatars) proposes a NeRF avatar [1]。")


def test_a_number_next_to_what_is_counted_outweighs_any_digit() -> None:
    asked = intent("How many Fourier terms does the model keep?")
    kept = "In practice, the first K = 16 Fourier terms are sufficient."
    stray = "The spectrum S(p) = FFT(F(p)) is computed at T 2 −1 frequencies."
    near = asked.focus
    assert supplies(kept, asked.kinds, near, asked.given, True) == 1
    assert supplies(stray, asked.kinds, near, asked.given, True) == 0.5
    assert supplies(stray, asked.kinds, near, asked.given) == 1  # no focus: any number is a sign


def test_a_number_the_question_writes_is_not_the_count_it_asks_for() -> None:
    asked = intent("How many steps does each of its two training stages take?")
    assert "two" in asked.given
    assert not counts_near("Training happens in two stages.", {"train", "stage"}, asked.given)
    assert counts_near("The model trains for 500k steps in stage one.", {"train", "step"},
                       asked.given)
    assert counts_near("We set warmup_steps = 4000.", {"warmup", "step"})


def test_a_name_next_to_what_is_asked_for_supplies_it() -> None:
    assert names_near("We reproject the 2D keypoints, detected by MediaPipe, onto a plane.",
                      {"detector", "keypoint"}, frozenset())
    assert not names_near("Keypoints are noisy when the detector misses a hand.",
                          {"detector"}, frozenset())
    assert not names_near("The MediaPipe detector finds keypoints.", {"detector"},
                          frozenset({"mediapipe"}))


def test_sentences_about_cited_work_are_told_apart() -> None:
    assert about_others("Song et al. [27] demonstrate that biasing a grasp planner works.")
    assert about_others("Additionally, [Li et al. 2022; Ye et al. 2022] use VR devices.")
    assert not about_others("We use GraspNet [15] to propose grasps.")
    assert not about_others("[12] is a pointer to the code.")
    # … unless the question asks about that work ("what did LeCun et al. propose").
    assert not about_others("Lecun et al. proposed using a = 1.7159.", {"lecun", "propos"})


def test_a_work_the_question_cites_by_author_is_found_where_a_sentence_cites_it() -> None:
    assert cited_works("Which values do Yu et al. suggest?") == {"yu et al"}
    assert cited_works("How did Wang and Gupta (2015) use video frames?") == {"wang and gupta"}
    assert cited_works("How did Austin et al.'s model fare?") == {"austin et al"}
    # Two names without a year are methods or metrics as often as authors.
    assert not cited_works("What MUSIQ and CLIPIQA does it get?")
    assert not cited_works("How do Make-A-Video and Imagen compare?")
    assert cites("Wang and Gupta [2015] pre-train a model.", {"wang and gupta"})
    assert cites("If fixed, Yu et al. recommend a = 0.8944.", {"yu et al"})
    assert not cites("Yuan et al. recommend a = 1.", {"yu et al"})
    assert not cites("Wang et al. [2020] use a triplet loss.", {"wang and gupta"})


def test_a_short_excerpt_grows_forwards_then_backwards_within_its_passage() -> None:
    from search.answer.cite import MIN_WORDS, excerpt
    from search.answer.sentences import Sentence
    filler = " ".join(f"Sentence {i} says little of note here." for i in range(12))
    text = f"{filler} Training uses synthetic data. It has n = 1000 points. The end."
    start = text.index("Training")
    used = [Sentence(0, start, start + len("Training uses synthetic data."),
                     "Training uses synthetic data.")]
    got = excerpt(text, used)
    assert got.endswith("The end.") and "n = 1000" in got  # forwards first, to the end
    assert len(got.split()) >= MIN_WORDS and got in text  # then backwards, verbatim
    assert not got.startswith("Sentence 0")


def test_picked_sentences_do_not_repeat_each_other() -> None:
    import numpy as np

    from search.answer.ask import _diverse
    from search.answer.sentences import Sentence
    same, other = np.array([1.0, 0.0], dtype=np.float32), np.array([0.0, 1.0], dtype=np.float32)
    a = Sentence(0, 0, 1, "A mixture of Gaussians.", score=0.70, vector=same)
    b = Sentence(1, 0, 1, "The mixture of Gaussians is sampled.", score=0.69, vector=same)
    c = Sentence(2, 0, 1, "We limit the number of Gaussians, K = 2.", score=0.66, vector=other)
    assert [s.text for s in _diverse([a, b, c], 2)] == [a.text, c.text]
    assert len(_diverse([a, b, c], 5)) == 3
    assert [s.text for s in _diverse([a, b, c], 2, first=c)] == [c.text, a.text]


def test_a_formula_symbol_counts_as_the_words_it_abbreviates() -> None:
    from search.answer.keywords import Keywords
    keywords = Keywords({"identity": 2.0, "attention": 2.0, "refocus": 3.0, "weight": 1.0,
                         "volume": 1.0, "reconstruction": 1.0})
    tail = "where λid = 1 and λattn = 2.5 is used for all experiments."
    assert {"identity", "attention", "weight"} <= keywords.tokens(tail)
    assert "refocus" not in keywords.tokens("Lrec is small.")  # r…e…c is no sketch of it
    assert "reconstruction" in keywords.tokens("Lrec is small.")
    assert {"volume", "weight"} <= keywords.tokens("We set 𝜆𝑣𝑜𝑙 = 0.01.")  # math italic
    assert "weight" not in keywords.tokens("The loss is small.")
    vgg = Keywords({"vgg": 2.0, "pip": 1.0, "weight": 1.0})
    assert {"vgg", "weight"} <= vgg.tokens("𝜆VGG 0.1 𝜆GAN 0.005")  # capital subscripts
    assert "pip" not in vgg.tokens("LPIPS is low.")  # a metric, not L with a subscript


def test_a_symbol_defined_as_the_count_asked_for_stands_for_it() -> None:
    from search.answer.question import with_symbols
    asked = with_symbols(intent("How many Fourier frequency terms does the model keep?"),
                         ["a map with 4K channels, where K << T is the number of frequencies"])
    assert asked.symbols == {"k"}
    assert counts_near("In practice, the first K = 16 are enough.", asked.near)
    unrelated = with_symbols(intent("How many videos were collected?"),
                             ["where K is the number of frequencies"])
    assert not unrelated.symbols


def test_an_acronym_the_papers_define_otherwise_is_not_the_question_s() -> None:
    from search.answer.keywords import Keywords
    keywords = Keywords({"fourier": 1.0, "frequency": 1.0, "term": 1.0},
                        "How many Fourier frequency terms are kept?")
    assert "fft" in keywords.acronyms
    keywords.drop_defined_acronyms(["are related by the Fast Fourier transform (FFT): S(p)"])
    assert "fft" not in keywords.acronyms
    kept = Keywords({"bit": 1.0, "dimension": 1.0}, "How many bits per dimension?")
    kept.drop_defined_acronyms(["measured in bits per dimension (bpd) on CIFAR-10"])
    assert "bpd" in kept.acronyms
    assert "many" not in Keywords.tokens_of(parse_query("How many bits per dimension?"))


def test_the_words_that_frame_a_question_are_no_keywords() -> None:
    framed = Keywords.tokens_of(parse_query("According to the paper, how do the authors say "
                                            "an hourglass could be modelled?"))
    assert "hourglass" in framed
    assert not {"accord", "paper", "author", "say", "could"} & set(framed)


@pytest.mark.parametrize(("question", "focus"), [
    ("OSEDiff 训练时 batch size 是多少？", {"batch", "size"}),
    ("DiLightNet 用了几张 radiance hint？", {"radiance", "hint"}),
    ("融合时上下阈值分别设成多少？", {"upper", "lower", "threshold"}),
    ("TECA 的学习率分别设成多少？", {"learn", "rate"}),
    ("TECA 用的是什么 GPU？", set()),
])
def test_a_chinese_question_has_the_focus_it_counts_or_sets(question: str, focus: set[str]) -> None:
    assert intent(question).focus == focus


def _hit(pid: str, score: float) -> object:
    from search.models import Hit
    return Hit(arxiv_id=None, paper_id=pid, title=pid, authors=[], published=None, topics=[],
               score=score, excerpt="", section="", page=None, url="")


def test_a_name_written_in_passing_does_not_pull_the_answer_to_another_paper() -> None:
    from search.answer.evidence import leader
    from search.answer.prepare import _agreed
    travatar = [_hit("travatar", 1.0), _hit("dilightnet", 0.31)]
    assert leader(travatar) == "travatar"
    assert leader([_hit("only", 0.9)]) == "only"
    assert leader([_hit("a", 0.9), _hit("b", 0.8)]) is None
    # "the perceptual (VGG) loss" names ResNet, which paper search ranks nowhere
    assert _agreed([("VGG", "resnet")], travatar) == []
    assert _agreed([("VGG", "resnet")], [_hit("a", 0.9), _hit("b", 0.8)]) == [("VGG", "resnet")]
    assert _agreed([("TRAvatar", "travatar")], travatar) == [("TRAvatar", "travatar")]
    # ranked, but far below the paper that clearly leads: "the sloped ReLU" in a question
    # about a survey does not mean the paper that defines ReLU
    survey = [_hit("survey", 1.0), _hit("other", 0.6), _hit("relu", 0.0)]
    assert _agreed([("ReLU", "relu")], survey) == []
    assert _agreed([("Other", "other")], survey) == [("Other", "other")]


def test_a_table_inside_prose_offers_windows_for_a_metric_question() -> None:
    from search.answer.sentences import _quotables
    prose = ("We compare with four methods on 40 prompts and report the CLIP score and FID of "
             "each in the table below, where higher CLIP scores mean better text alignment and "
             "a lower FID means more realistic avatars, as is usual in this line of work. ")
    table = ("Method CLIP Score ↑ FID↓ SJC [62] 0.2979 27.50 Latent-NeRF [42] 0.3025 24.49 "
             "Latent-Paint [42] 0.2854 38.33 TEXTure [52] 0.2761 29.51 Ours 0.3213 14.98 4.4.")
    text = prose + table
    asked = intent("What CLIP score and FID does TECA achieve?")
    assert asked.kinds == ("metric",)
    windows = [s for s in _quotables(0, text, asked, {"clip", "score"}) if s.table]
    assert any("Ours 0.3213 14.98" in s.text for s in windows)
    assert all(s.text == text[s.start:s.end] for s in windows)  # verbatim spans
    assert not [s for s in _quotables(0, prose, asked, {"clip"}) if s.table]


def test_seconds_and_reached_scores_are_asked_for() -> None:
    assert "duration" in intent("处理一张 512×512 的输入大约要多少秒？").kinds
    assert "metric" in intent("What identity similarity and aesthetic score does it reach?").kinds
    assert "metric" not in intent("How does OSEDiff obtain the text prompt?").kinds


def test_an_excerpt_quoting_a_table_caption_takes_in_its_rows() -> None:
    from search.answer.cite import excerpt
    from search.answer.sentences import Sentence
    caption = "Our method outperforms the baselines in CSIM, style and aesthetic score."
    text = (f"Table 1: Quantitative comparison. {caption}\nMethod CSIM Style Aesthetic\n"
            + "\n".join(f"Baseline{i} 0.{i}01 0.{i}02 5.{i}" for i in range(8))
            + "\nOurs 0.566 0.730 6.218 After the table, prose goes on for a while here.")
    start = text.index(caption)
    got = excerpt(text, [Sentence(0, start, start + len(caption), caption)])
    assert "Ours 0.566 0.730 6.218" in got and got in text


def test_rows_on_their_own_lines_are_a_table_run() -> None:
    from search.answer.tables import table_runs
    rows = "\n".join(f"Method{i} {i}.1 {i}.2 {i}.3" for i in range(4))
    prose = "The prose around the table says what the scores mean and why they differ. " * 3
    text = f"{prose}\nTable 1: Scores.\n{rows}\n{prose}"
    runs = table_runs(text)
    assert len(runs) == 1 and text[runs[0][0]:runs[0][1]] == rows


def test_a_caption_line_that_ends_in_its_header_opens_the_table() -> None:
    from search.answer.tables import table_runs
    caption = "Table 1. T2V results on UCF-101. Method Pretrain Resolution IS ↑ FVD ↓"
    rows = "Zero-Shot Setting\nCogVideo Yes 480×480 23.55 751.34\nOurs Yes 256×256 71.61 554"
    text = f"We compare with CogVideo.\n{caption}\n{rows}"
    assert [text[a:b] for a, b in table_runs(text)] == [rows]  # 5 numbers under a caption


def test_a_caption_that_opens_a_passage_is_found_after_the_previous_passage() -> None:
    from search.answer.tables import window_context
    got = window_context("Table 1. T2V results on UCF-101. Method IS ↑ FVD ↓\n",
                         "… the generated frames of 2https://github.com/CompVi")
    assert got.startswith("Table 1. T2V results on UCF-101.")


def test_a_table_window_is_scored_with_its_caption_and_header_not_just_the_rows_before() -> None:
    from search.answer.tables import window_context
    caption = ("Table 1: Results of unsupervised segmentation on COCO-Stuff-27. "
               + "Other results are taken from the papers that report them. " * 4)
    rows = "\n".join(f"Method{i} (Author et al., 2022) {i}.5" for i in range(12))
    got = window_context(f"Prose ends here. {caption}\nmIoU (↑) mIoU (↑)\n{rows}\n")
    assert got.startswith("Table 1: Results of unsupervised segmentation on COCO-Stuff-27.")
    assert "mIoU (↑) mIoU (↑)" in got and got.endswith("11.5")
    assert window_context("as shown in Table 1. The text goes on.") == (
        "as shown in Table 1. The text goes on.")  # a mention is no caption


def test_a_short_sentence_that_sets_a_value_can_be_quoted() -> None:
    from search.answer.quotable import _gives_fact
    assert _gives_fact("We used warmup_steps = 4000.", ("value",)) and _gives_fact("We set K = 2.", ("number",))
    assert not _gives_fact("K = 2.", ("value",)) and not _gives_fact("This is fine.", ("value",))
    assert _gives_fact("Training takes approximately 4 days.", ("duration",))
    assert not _gives_fact("Training takes approximately 4 days.", ("dataset",))
    assert not _gives_fact("See Section 4.", ("duration",))


def test_a_formula_symbol_in_a_table_is_the_word_it_abbreviates() -> None:
    from search.answer.tables import table_windows
    table = ("Parameter Value Parameter Value 𝑁𝑚𝑒𝑠ℎ 7306 𝑁𝑝𝑟𝑖𝑚 16384 𝑀 8 "
             + " ".join(f"x{i} {i}.5" for i in range(30)) + " 𝜆VGG 0.1 𝜆GAN 0.005")
    spans = table_windows(table, {"vgg"})
    assert len(spans) == 1 and table[spans[0][0]:spans[0][1]].endswith("𝜆VGG 0.1 𝜆GAN 0.005")


def test_hardware_in_a_table_is_quoted_by_its_device() -> None:
    from search.answer.question import intent
    from search.answer.quotable import quotable_spans
    want = intent("On what TPU configurations were the summarization models trained?")
    assert "hardware" in want.kinds
    text = "Table 17: Encoder hyperparameters.\nCompute resources 4 × 4 TPUv3 4 × 8 TPUv3"
    quoted = [text[a:b] for a, b, table in quotable_spans(text, want.kinds, {"tpu"}) if table]
    assert quoted == ["Compute resources 4 × 4 TPUv3 4 × 8 TPUv3"]  # TPUv3 is a TPU


def test_a_focus_paper_is_also_searched_without_the_words_that_describe_it() -> None:
    from search.answer.evidence import _fact_query
    from search.retrieval.query import parse_query
    p = paper("x", "Instant Gaussian Stream: Streaming Dynamic Scene Reconstruction",
              "We drive Gaussian motion with anchor points and key frames.")
    q = parse_query("In the streaming method that drives Gaussian motion with anchor points,"
                    " what PSNR does it reach on the Meeting Room dataset?")
    fact = _fact_query(q, p)
    assert "psnr" in fact.lower() and "meeting" in fact.lower()
    assert "anchor" not in fact.lower() and "streaming" not in fact.lower()
    assert _fact_query(parse_query("Gaussian streaming anchor"), p) == ""  # nothing left


def test_a_long_complete_sentence_from_a_body_can_be_quoted() -> None:
    from search.answer.quotable import _long_sentence
    long = ("We render each of the synthetic objects from four viewpoints uniformly sampled on "
            "the hemisphere " + "with a radius sampled at random, " * 12
            + "and each view is lit with 12 different lighting conditions.")
    assert 70 < len(long.split()) <= 100 and _long_sentence(long)
    assert not _long_sentence(long[:-1])  # no full stop: a fragment
    assert not _long_sentence(" ".join(["0.5 1.2 3.4"] * 30) + ".")  # numbers, a table


def test_a_clause_that_picks_the_paper_out_weighs_less_than_the_question_proper() -> None:
    question = ("In the sparse-attention transformer with random, sliding-window and global "
                "tokens, on what hardware was the DNA model pretrained?")
    assert identifying_words(question) == {"sparse-attention", "transformer", "random",
                                           "sliding-window", "global", "token"}
    assert identifying_words("In X-Net, how many A, B and C are used?") == {"x-net"}
    assert identifying_words("What learning rate does X-Net use, in the end?") == set()
    zh = identifying_words("那篇完全用 self-attention 取代 RNN 的机器翻译论文，label smoothing 设的是多少？")
    assert {"self-attention", "rnn", "translation"} <= zh and not zh & {"label", "smooth"}
    keywords = Keywords({"transformer": 2.0, "hardware": 1.0, "dna": 3.0, "pretrain": 1.0})
    keywords.discount_identifying(question)
    assert keywords.weights["transformer"] < 1.0 and keywords.weights["dna"] == 3.0
    assert keywords.coverage("the transformer") < 0.1 < keywords.coverage("hardware")


def test_ratings_and_chinese_counts_of_times_ask_for_numbers() -> None:
    assert "metric" in intent("What average ratings did the method receive?").kinds
    assert "number" in intent("采样数 n=2 的 controller 30 次里成功几次？").kinds


def test_a_specific_answer_reads_paper_by_paper() -> None:
    from search.answer.ask import _by_paper
    from search.answer.evidence import Evidence
    from search.answer.sentences import Sentence
    from search.models import PassageHit

    def ev(pid: str) -> Evidence:
        hit = PassageHit.model_construct(paper_id=pid, chunk_id=f"{pid}:0", text="", section="3",
                                         page=1, score=1.0)
        return Evidence(hit, paper(pid, pid.upper()), 1.0)

    evidence = [ev("a"), ev("b"), ev("a"), ev("c")]
    picks = [Sentence(i, 0, 1, f"s{i}") for i in (0, 1, 2, 3)] + [Sentence(2, 2, 3, "s4")]
    # The answer's paper keeps the lead and says all it has; others follow in pick order.
    assert [s.text for s in _by_paper(picks, evidence)] == ["s0", "s2", "s4", "s1", "s3"]


@pytest.mark.parametrize(("question", "parts"), [
    ("How are TRAvatar's lighting units wired to the control side, how quickly can a new "
     "lighting pattern be switched in, and how is the brightness of each LED group set?",
     ["How are TRAvatar's lighting units wired to the control side",
      "how quickly can a new lighting pattern be switched in",
      "how is the brightness of each LED group set?"]),
    # The clause that says which paper asks nothing by itself.
    ("In the tracking-free relightable head avatar captured in a Light Stage, how many "
     "volumetric primitives does the model use?", []),
    ("What canonical isotropic scale does AGG give each Gaussian, and how many Gaussians "
     "does it produce per object?",
     ["What canonical isotropic scale does AGG give each Gaussian",
      "how many Gaussians does it produce per object?"]),
    ("TECA 生成一个带头发和配饰的头像，平均要跑多久？用的是什么 GPU？",
     ["平均要跑多久", "用的是什么 GPU？"]),  # within the paper, the ask is enough
    ("Which GPU does TECA train on?", []),
])
def test_a_question_that_asks_several_things_is_split_into_its_asks(question: str,
                                                                    parts: list[str]) -> None:
    from search.answer.evidence import question_parts
    assert question_parts(question) == parts


@pytest.mark.parametrize(("question", "ask"), [
    ("In the monocular-video avatar work that models the hair with a NeRF, how were the "
     "held-out frames chosen?", "how were the held-out frames chosen?"),
    ("For the chromatin task of the sparse-attention transformer, on what data is it trained?",
     "on what data is it trained?"),
    ("How were the held-out frames chosen?", ""),  # no clause to take away
    ("In 2023, many avatars appeared.", ""),  # a clause, but no question after it
])
def test_the_ask_after_a_paper_picking_clause(question: str, ask: str) -> None:
    assert asked_after_clause(question) == ask


def test_a_limitation_is_found_where_papers_admit_them() -> None:
    kinds = intent("What are the limitations of MagiCapture?").kinds
    assert kinds == ("limitation",)
    assert supplies("Our method struggles to generate images of men with long hair.", kinds) == 1.0
    assert supplies("We train for 1200 steps with a learning rate of 5e-4.", kinds) == 0.0
    # A related-work clause names another method's shortcoming with "but … still".
    assert supplies("AvatarReX learns a full-body avatar with disentangled face and hands, but the "
                    "clothing is still entangled with body.", kinds) == 1.0
    assert supplies("LDL can suppress artifacts, yet it is difficult to generate natural details.",
                    kinds) == 1.0
    assert supplies("But we train it on more data.", kinds) == 0.0
    # The items of a list of shortcomings the sentence before announces.
    announced = "However, hybrid representation also inevitably introduces some shortcomings. "
    first = "First, the rendering process for hybrid representation becomes highly nontrivial."
    assert supplies(first, kinds, before=announced) == 1.0
    assert supplies(first, kinds, before="We render the hybrid representation in one pass. ") == 0.0
    assert supplies("Its main weakness is speed.", kinds) == 1.0
    assert section_fit("6 Limitations and Future Work", kinds) == 1.0
    assert section_fit("4.2 Implementation Details", kinds) == 0.5


def test_a_why_question_asks_for_the_sentence_that_gives_a_reason() -> None:
    kinds = intent("Why does AGG use a separate second-stage network for more Gaussians?").kinds
    assert kinds == ("reason",)
    assert intent("DiLightNet 为什么要对 mesh 做平滑？").kinds == ("reason",)
    reason = ("Generating high-resolution 3D Gaussians requires many learnable queries, which "
              "are computationally expensive due to the quadratic cost of self-attention.")
    assert supplies(reason, kinds) == 1.0
    assert supplies("We apply a Laplace smoothing filter to reduce high-frequency noise.", kinds) == 1.0
    assert supplies("The second stage predicts 32K Gaussians from the coarse ones.", kinds) == 0.0
    assert supplies("We attribute this to their over-smoothed pixel embeddings.", kinds) == 1.0
    assert supplies("Considering the structured effect of each light, we use convolutions.", kinds) == 1.0
    assert supplies("By considering the context, the model predicts the next frame.", kinds) == 0.0
    # An explanation the authors put forward is a reason, and asking for it asks for one.
    assert supplies("We conjecture that deep plain nets may have low convergence rates.", kinds) == 1.0
    assert supplies("This suggests that a better compatibility function may help.", kinds) == 1.0
    # A reason named as one, and a purpose: "to facilitate", "to limit".
    assert supplies("The most possible reason is that our training data differ from UCF-101.",
                    kinds) == 1.0
    assert supplies("We add 'white background' to the prompt to facilitate foreground "
                    "detection.", kinds) == 1.0
    assert supplies("The encoder has fewer channels to limit memory usage.", kinds) == 1.0
    # What the authors believe because of something: the because is stated before "so".
    assert supplies("Our proof only uses linear algebra so we believe it generalizes easily.",
                    kinds) == 1.0
    assert supplies("We believe it generalizes easily.", kinds) == 0.0
    assert intent("What do the authors conjecture about the gap?").kinds == ("reason",)
    assert intent("作者由此推测了什么？").kinds == ("reason",)
    # An explanation asked for ("怎么解释 …"), and one given ("This is why …").
    assert intent("怎么解释 Semantic Abstraction 常常得到空的 relevancy 响应？").kinds == ("reason",)
    assert "reason" in intent("How do the authors explain the blurry results?").kinds
    assert supplies("This is why the results of Make-A-Video are more blurry.", kinds) == 1.0
    # "thus", "since", "to avoid" run through every argument: given with none of the
    # question's words, a reason is only half a sign.
    words = {"daniely", "stochastic", "question"}
    assert supplies("Thus unless m grows, their result does not imply zero loss.", kinds,
                    words) == 0.5
    assert supplies("Daniely showed SGD fails here, since the net is deep.", kinds,
                    words) == 1.0
    # ... unless the text before it holds them: "this" points back to what was asked.
    attributed = "We attribute this to their over-smoothed pixel embeddings."
    words = {"clippy", "marginal", "gain"}
    assert supplies(attributed, kinds, words) == 0.5
    assert supplies(attributed, kinds, words, before="The gain of CLIPpy is marginal.") == 1.0
    # A reason can be given anywhere in a paper, its introduction too.
    assert section_fit("1 Introduction", kinds) == section_fit("4.2 Implementation", kinds) == 0.5
    # Why alone asks no fact: "why do methods …" is still about lines of work.
    query = parse_query("Why do recent talking-head methods use 3D Gaussians?")
    assert not answers_one(intent(query.raw), [], query)


def test_an_excerpt_quoting_a_numbered_list_item_takes_in_the_items_after_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from search.answer import cite
    from search.answer.cite import excerpt
    from search.answer.sentences import Sentence
    monkeypatch.setattr(cite, "MIN_WORDS", 0)
    used = "We want the marginal likelihood of a datapoint."
    text = (f"Some background comes first. {used} The process has three stages: 1. Sample "
            "values with MCMC. 2. Fit a density estimator q(z) to these samples. 3. Plug them "
            "into the estimator. 5. An unrelated numbered remark. After the list, more prose.")
    start = text.index(used)
    got = excerpt(text, [Sentence(0, start, start + len(used), used)])
    assert got.endswith("3. Plug them into the estimator.") and got in text


def test_a_symbol_the_question_writes_is_what_its_value_stands_next_to() -> None:
    from search.answer.facts import supplies
    asked = intent("What value does the constant σ in the blending weights take?")
    assert "σ" in asked.near
    # PDFs write the symbol in math italics.
    assert supplies("We choose 𝜎= 0.1 for all runs.", asked.kinds, asked.near, asked.given,
                    bool(asked.focus)) == 1.0
    assert supplies("The weights blend 0.1 of each vertex.", asked.kinds, asked.near, asked.given,
                    bool(asked.focus)) < 1.0


def test_a_table_split_between_passages_joins_on_its_own_lines() -> None:
    from search.answer.joined import _separator
    assert _separator("Table 1. Ablation (rows 1-3),\nw/o Color 22.54 0.8161", "w/o Mask 22.23") == "\n"
    assert _separator("Full Augmentation 22.97 0.8249", "Ours 21.09 0.8443 0.1152") == "\n"
    assert _separator("For each video, we select frames 0-400.", "We use six outfits.") == " "


def test_a_question_points_to_a_part_of_the_paper() -> None:
    assert asked_parts("In the appendix proof of Theorem 2, what is bounded?") == {"appendix"}
    assert asked_parts("ResNet 论文附录里，检测用了什么技巧？") == {"appendix"}
    assert asked_parts("What does the related-work section of AGG say about SDS?") == {"related"}
    assert asked_parts("在 DreamFusion 的相关工作里，哪篇先用了 CLIP？") == {"related"}
    assert asked_parts("How does TECA fit SMPL-X to the landmarks?") == frozenset()
    assert asked_parts("In the introduction of TECA, what is motivated?") == frozenset()
    assert asked_parts("DiLightNet 的消融实验里，哪种增强帮助最大？") == {"ablation"}
    assert intent("In the supplementary material of AGG, which optimizer is used?").parts == {"appendix"}


def test_a_section_belongs_to_a_part_by_its_title() -> None:
    # Appendices by their letter or their name; related work by the words its titles use.
    for title in ("A Technical Proofs for Section 3", "B.2 Training Details", "Supplementry Materials",
                  "Appendix C: More Results"):
        assert in_parts(title, {"appendix"})
    for title in ("4 Experiments", "Abstract", "3 A Cook's Guide to Training", "1 Introduction",
                  "a note on terms"):
        assert not in_parts(title, {"appendix"})
    assert in_parts("2 Comparison with Previous Results", {"related"})
    assert in_parts("2 Background", {"related"}) and not in_parts("3 Method", {"related"})
    assert in_parts("6 Discussion and Limitation", {"conclusion"})
    # An ablation is reported in its own section or among the experiments.
    assert in_parts("7 Ablation Study", {"ablation"}) and in_parts("5 Experiments", {"ablation"})
    assert not in_parts("3 Method", {"ablation"})
    assert not in_parts("A Technical Proofs", frozenset())


def test_a_small_number_of_things_asks_no_number() -> None:
    # "a small number of traitors" describes; "what number of", "the number of" ask a count.
    assert "number" not in intent("Why can a small number of traitors not change the plan?").kinds
    assert "number" not in intent("How does a number of works handle occlusion?").kinds
    assert "number" in intent("What is the number of Gaussians after densification?").kinds
