"""Tables: each caption kept with its rows, rows rebuilt by baseline, prose left alone."""

from __future__ import annotations

import pytest

from indexer.sources.pdf_layout import Block, Line, reading_order
from indexer.sources.pdf_tables import group_tables
from tests.indexer.test_pdf import doc, norm

WIDTH, HEIGHT, BODY = 612.0, 792.0, 10.0


def line(text: str, x0: float, y0: float, x1: float, size: float = BODY) -> Line:
    return Line(text, (x0, y0, x1, y0 + size), size, False)


def block(*lines: Line) -> Block:
    return Block(list(lines))


PROSE = "we train the avatar model for two days and evaluate it on held out subjects here"


def test_caption_above_takes_the_rows_below_and_rebuilds_them_by_baseline() -> None:
    caption = block(line("Table 1: PSNR on the test subjects.", 320, 100, 558))
    names = block(line("Method", 330, 120, 380), line("NeRF", 330, 132, 380),
                  line("NHA", 330, 144, 380), line("Ours", 330, 156, 380))
    values = block(line("PSNR ↑", 450, 120, 500), line("20.64", 450, 132, 500),
                   line("24.94", 450, 144, 500), line("30.59", 450, 156, 500))
    prose = block(line(PROSE, 320, 180, 558), line(PROSE, 320, 192, 558))
    out = group_tables([caption, names, values, prose], WIDTH, BODY)
    tables = [b for b in out if b.table]
    assert len(tables) == 1 and prose in out and names not in out
    assert [ln.text for ln in tables[0].lines] == [
        "Table 1: PSNR on the test subjects.", "Method PSNR ↑", "NeRF 20.64", "NHA 24.94",
        "Ours 30.59"]


def test_caption_below_takes_the_rows_above_it() -> None:
    prose_above = block(line(PROSE, 54, 40, 293), line(PROSE, 54, 52, 293))
    rows = block(line("DreamBooth 0.102 0.720 5.770", 60, 80, 290),
                 line("Ours 0.566 0.730 6.218", 60, 92, 290))
    caption = block(line("Table 2: CSIM, style and aesthetic scores.", 54, 110, 293))
    prose_below = block(line(PROSE, 54, 130, 293), line(PROSE, 54, 142, 293))
    out = group_tables([prose_above, rows, caption, prose_below], WIDTH, BODY)
    table = next(b for b in out if b.table)
    assert table.lines[0].text.startswith("Table 2:") and table.lines[-1].text.startswith("Ours")
    assert prose_above in out and prose_below in out


@pytest.mark.parametrize("neighbour", [
    block(line("4.2 Results", 320, 120, 400, size=BODY)),  # a heading below the caption
    block(line("where z(t) is the latent", 320, 120, 450)),  # no numbers: not a table
    block(line(PROSE, 320, 120, 558)),  # running text
])
def test_a_caption_without_a_table_next_to_it_is_left_alone(neighbour: Block) -> None:
    caption = block(line("Table 3: Ablations.", 320, 100, 558))
    out = group_tables([caption, neighbour], WIDTH, BODY)
    assert out == [caption, neighbour] and not any(b.table for b in out)


def test_rows_in_the_other_column_are_not_taken() -> None:
    caption = block(line("Table 1: Results 1 2 3.", 54, 100, 293))
    rows = block(line("Ours 1.0 2.0 3.0 4.0", 60, 115, 290))
    other = block(line("Theirs 5.0 6.0 7.0 8.0", 330, 115, 558))
    out = group_tables([caption, rows, other], WIDTH, BODY)
    assert other in out and rows not in out


def test_a_table_between_two_halves_of_a_sentence_follows_the_sentence() -> None:
    left = block(line("We compare with DreamBooth and Textual", 54, 600, 293))
    table = Block([line("Table 2: User study 1 2 3.", 320, 50, 558),
                   line("Ours 4.055 4.165 4.293", 330, 70, 550)], table=True)
    right = block(line("Inversion using the same images.", 320, 200, 558))
    order = reading_order([left, table, right], WIDTH, HEIGHT, BODY)
    assert order == [left, right, table]


def test_a_sentence_ending_in_a_comma_is_not_interrupted_by_a_table() -> None:
    left = block(line("we use identity shortcuts in all cases (i.e., option A),", 54, 600, 293))
    table = Block([line("Table 6: Error 1 2 3.", 320, 50, 558)], table=True)
    right = block(line("so our residual models have the same depth.", 320, 200, 558))
    assert reading_order([left, table, right], WIDTH, HEIGHT, BODY) == [left, right, table]


def test_corpus_tables_keep_caption_header_and_rows_together() -> None:
    text = "\n".join(p.text for p in doc("2309.06895.pdf").passages if p.page == 4)
    lines = text.split("\n")
    at = next(i for i, t in enumerate(lines) if t.startswith("Table 1: Quantitative comparison"))
    assert lines[at + 1] == "Method CSIM ↑ Style ↑ Aesthetic ↑"
    assert "Ours 0.566 0.730 6.218" in lines[at + 2:at + 7]
    page5 = norm(" ".join(p.text for p in doc("2309.06895.pdf").passages if p.page == 5))
    assert "Textual Inversion [6], and Custom Diffusion [14] using the same" in page5


def test_a_table_on_a_page_where_the_references_start_is_kept() -> None:
    text = "\n".join(p.text for p in doc("2309.04247.pdf").passages if p.page == 10)
    lines = text.split("\n")
    at = lines.index("Table A1: Values of our hyperparameters.")
    assert "𝜆VGG 0.1 𝜆GAN 0.005 𝜆Lap 0.01" in lines[at + 1:at + 5]
