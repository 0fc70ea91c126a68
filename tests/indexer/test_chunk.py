"""Chunking: sections respected, nothing over the model window, spans and pages kept."""

from __future__ import annotations

from indexer.chunk import chunk_document, word_count
from indexer.embed import Embedder
from indexer.models import Document, Paper, Passage

SENTENCE = "Gaussian avatars are driven by audio features and rendered in real time. "


def _doc(passages: list[Passage], **paper: object) -> Document:
    return Document(paper=Paper(paper_id="2401.00001", title="T", source="pdf", **paper),
                    passages=passages)


def test_chunks_never_cross_sections_and_keep_pages() -> None:
    doc = _doc([
        Passage(section="Abstract", page=1, text=SENTENCE * 5),
        Passage(section="Introduction", page=1, text=SENTENCE * 30),
        Passage(section="Introduction", page=2, text="Second page sentence about lips. " * 30),
        Passage(section="Method", page=3, text=SENTENCE * 3),
    ])
    chunks = chunk_document(doc, words=120, overlap=20)
    assert [c.section for c in chunks][0] == "Abstract"
    assert {c.section for c in chunks} == {"Abstract", "Introduction", "Method"}
    intro = [c for c in chunks if c.section == "Introduction"]
    assert len(intro) >= 3
    assert intro[0].page == 1 and intro[-1].page == 2
    assert all(word_count(c.text) <= 140 for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(c.chunk_id == f"2401.00001#{c.ordinal}" for c in chunks)


def test_overlap_repeats_the_previous_sentences() -> None:
    text = " ".join(f"Sentence number {i} talks about facial expression transfer." for i in range(60))
    chunks = chunk_document(_doc([Passage(section="Body", text=text)]), words=100, overlap=20)
    assert len(chunks) > 2
    for a, b in zip(chunks, chunks[1:], strict=False):
        last_of_a = a.text.split(". ")[-1].rstrip(".")
        assert last_of_a in b.text  # the tail of one chunk opens the next


def test_no_chunk_exceeds_the_model_window(embedder: Embedder) -> None:
    # Long tokens (formulas, URLs) cost many word pieces per word: the word target alone
    # would overflow 256 pieces, so the token budget must split further.
    weird = " ".join(f"x_{{t-{i}}}^{{(l)}}=σ(W_{{{i}}}h_{{t}})" for i in range(300)) + "."
    doc = _doc([Passage(section="Method", page=4, text=weird),
                Passage(section="Abstract", page=1, text=SENTENCE * 20)])
    chunks = chunk_document(doc, words=200, overlap=30, budget=240,
                            count_tokens=embedder.count_tokens)
    assert chunks
    assert max(embedder.count_tokens(c.text) for c in chunks) <= 240
    joined = " ".join(c.text for c in chunks if c.section == "Method")
    assert "W_{299}" in joined and "W_{0}" in joined  # nothing dropped


def test_spans_point_into_the_section_text() -> None:
    text = SENTENCE * 40
    chunks = chunk_document(_doc([Passage(section="Body", text=text)]), words=80, overlap=10)
    for c in chunks:
        assert text[c.start:c.end].split() == c.text.split()


def test_chinese_machine_summary_is_a_separate_keyword_chunk() -> None:
    doc = _doc([Passage(section="Abstract", text=SENTENCE)],
               summary_zh="提出了一种基于高斯泼溅的数字人方法。", takeaways_zh=["实时渲染", "音频驱动"])
    chunks = chunk_document(doc)
    zh = [c for c in chunks if c.lang == "zh"]
    assert len(zh) == 1 and "高斯泼溅" in zh[0].text and "音频驱动" in zh[0].text
    assert zh[0].section == "Summary (machine-generated)"
    assert all(c.lang == "en" for c in chunks if c is not zh[0])


TABLE = ("Table 1: Quantitative comparison on the test set.\nMethod CSIM ↑ Style ↑\n"
         "DreamBooth 0.102 0.720\nOurs 0.566 0.730")


def test_a_table_stays_whole_with_its_caption_and_rows_on_their_lines() -> None:
    prose = " ".join(f"Sentence {i} describes the identity loss in detail." for i in range(12))
    text = f"{prose}\n{TABLE}\nAfter the table the text goes on. " + prose
    doc = _doc([Passage(section="Experiments", page=5, text=text)])
    chunks = chunk_document(doc, words=70, overlap=10)
    holding = [c for c in chunks if "Table 1:" in c.text]
    assert holding and all(TABLE in c.text for c in holding)  # never cut inside the table
    assert all(text[c.start:c.end].split() == c.text.split() for c in chunks)


def test_a_long_table_is_split_between_rows() -> None:
    rows = "\n".join(f"Method{i} {i}.1 {i}.2 {i}.3 {i}.4" for i in range(60))
    text = f"Table 2: Many rows.\n{rows}"
    chunks = chunk_document(_doc([Passage(section="Appendix", text=text)]), words=50, overlap=0)
    assert len(chunks) > 3
    for c in chunks:
        assert all(len(ln.split()) == 5 or ln.startswith("Table 2") for ln in c.text.split("\n"))


def test_rows_split_from_their_caption_repeat_its_opening() -> None:
    rows = "\n".join(f"Method{i} (Author et al., 2022) {i}.4" for i in range(40))
    caption = ("Table 1: Results of unsupervised segmentation on COCO-Stuff-27. Other results "
               "are taken from the papers that report them.")
    chunks = chunk_document(_doc([Passage(section="Experiments", text=f"{caption}\n{rows}")]),
                            words=60, overlap=0)
    head = "Table 1: Results of unsupervised segmentation on COCO-Stuff-27."
    assert len(chunks) > 2 and chunks[0].text.startswith(caption)
    for c in chunks[1:]:  # later pieces say which table their rows belong to
        assert c.text.startswith(f"{head}\n") and c.text.count("Table 1") == 1
    assert chunks[-1].text.endswith("Method39 (Author et al., 2022) 39.4")


def test_a_heading_stays_a_line_of_its_own_in_a_chunk() -> None:
    text = ("The previous section ends here with a full sentence.\n3.2 CONSTRUCTING MAPS\n"
            "To handle real images, we first invert them through DDPM-based inversion.")
    chunks = chunk_document(_doc([Passage(section="Method", text=text)]), words=200)
    assert "full sentence. 3.2 CONSTRUCTING MAPS\nTo handle real images" in chunks[0].text
