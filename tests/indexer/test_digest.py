"""ChatPaperFree digest reader: the real 2024 corpus, the seed digest and broken inputs."""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path

import pytest

from indexer.errors import ParseError
from indexer.models import Document, Paper
from indexer.sources.digest import merge_documents, read_digest, read_digest_tree
from tests.shared import require_shared

REAL3D = "2401.08503"
MINI_DIGEST = """
---
title: 元宇宙/虚拟人
tags:
    - 元宇宙/虚拟人
---

## No   Link
**Authors:A B**

Some abstract.

## No Abstract
**Authors:A B**

[PDF](http://arxiv.org/abs/2403.00002v1)

## Good  One
**Authors:A B, C D**

An abstract
on two lines.

[PDF](http://arxiv.org/abs/2403.00003v3) CVPR 2024; code: github.com/x/y.

**摘要**
总结。

**要点**
- 一
+ 二

**[ChatPaperFree](x)**

<p>a &amp; b</p>


<details>
<img src=x>
</details>
"""


@pytest.fixture(scope="module")
def corpus() -> Path:
    return require_shared() / "corpus" / "chatpaperfree"


@pytest.fixture(scope="module")
def papers(corpus: Path) -> dict[str, Paper]:
    docs, _ = read_digest_tree(corpus)
    return {d.paper.paper_id: d.paper for d in docs}


def _entry(path: Path, title_start: str) -> Paper:
    docs, _ = read_digest(path)
    return next(d.paper for d in docs if d.paper.title.startswith(title_start))


@pytest.mark.slow
def test_whole_corpus_parses_quietly(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    docs, skipped = read_digest_tree(corpus)
    elapsed = time.perf_counter() - started
    assert elapsed < 10  # ~1 s here; the brief asks for < 5 s, the slack is for slow CI
    ids = [d.paper.paper_id for d in docs]
    assert len(ids) == len(set(ids)) >= 1650
    for doc in docs:
        paper = doc.paper
        assert paper.arxiv_id == paper.paper_id and paper.version
        assert paper.title and paper.abstract and paper.topics and paper.first_seen
        assert paper.source == "digest" and Path(paper.source_path).is_file()
        assert [p.section for p in doc.passages] == ["Abstract"]
        assert doc.passages[0].text == paper.abstract
    assert len(skipped) <= 5
    assert all(s.reason and s.path for s in skipped)
    # the one known skip: an empty 3DGS digest (front matter, no entries)
    assert any(s.path.endswith("2024-05-06/3DGS.md") and "no '## '" in s.reason for s in skipped)
    assert capsys.readouterr() == ("", "")


@pytest.mark.slow
def test_real3d_portrait(papers: dict[str, Paper]) -> None:
    paper = papers[REAL3D]
    assert paper.title == "Real3D-Portrait: One-shot Realistic 3D Talking Portrait Synthesis"
    assert paper.version == 2
    assert "ICLR 2024" in paper.comment
    assert paper.links == {"project": "https://real3dportrait.github.io"}
    assert paper.authors[0] == "Zhenhui Ye" and len(paper.authors) == 14
    assert paper.abstract.startswith("One-shot 3D talking portrait generation")
    assert paper.summary_zh and "逼真" in paper.summary_zh
    assert len(paper.takeaways_zh) == 6
    assert paper.takeaways_zh[0] == "提出 Real3D-Portrait 框架，用于生成逼真的说话肖像视频。"
    assert paper.topics == ["Talking Head Generation"]
    assert paper.first_seen == date(2024, 1, 24)


@pytest.mark.slow
def test_structured_summary_is_plain_text(papers: dict[str, Paper]) -> None:
    structured = papers[REAL3D].structured_zh
    assert structured.startswith("标题：Real3D-Portrait")
    assert "<li>" not in structured and "<p>" not in structured and "</ol>" not in structured
    assert "\n作者：" in structured  # one line per list item
    assert "点此查看论文截图" not in structured and "<img" not in structured  # <details> cut
    entities = [p.structured_zh for p in papers.values() if "&lt;" in p.structured_zh]
    assert not entities


@pytest.mark.slow
def test_code_and_project_links(papers: dict[str, Paper]) -> None:
    assert papers["2311.16096"].links == {
        "project": "https://animatable-gaussians.github.io/",
        "code": "https://github.com/lizhe00/AnimatableGaussians",
    }
    # a bare "aigc3d.github.io/VideoMV/" (no scheme) still counts
    assert any(
        p.links.get("project") == "https://aigc3d.github.io/VideoMV/" for p in papers.values()
    )
    assert not any("arxiv.org" in url for p in papers.values() for url in p.links.values())


@pytest.mark.slow
def test_paper_under_several_topics_and_versions_is_merged(papers: dict[str, Paper]) -> None:
    paper = papers["2402.16607"]  # v1 in 3DGS on 02-29, v2 in 元宇宙/虚拟人 on 04-01
    assert paper.topics == ["3DGS", "元宇宙/虚拟人"]
    assert paper.digest_dates == [date(2024, 2, 29), date(2024, 4, 1)]
    assert paper.first_seen == date(2024, 2, 29)
    assert paper.version == 2
    assert papers["2408.05008"].topics == ["3DGS", "Diffusion Models", "NeRF"]


@pytest.mark.slow
def test_title_with_extra_spaces_is_collapsed(papers: dict[str, Paper]) -> None:
    title = papers["2311.16096"].title  # "...Gaussian Maps for   High-fidelity..." in the file
    assert title == (
        "Animatable Gaussians: Learning Pose-dependent Gaussian Maps for High-fidelity "
        "Human Avatar Modeling"
    )
    assert not any("  " in p.title or p.title != p.title.strip() for p in papers.values())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("relpath", "title_start", "style"),
    [
        ("2024-01-24/Talking Head Generation.md", "Real3D-Portrait", "**摘要** / **要点**"),
        ("2024-01-24/3DGS.md", "CoSSegGaussians", "**Summary:** / **Key Takeaways:**"),
        ("2024-01-24/GAN.md", "Efficient generative adversarial", "**摘要** / **关键要点**"),
        ("2024-06-14/Diffusion Models.md", "COVE", "**Summary**：inline text"),
        ("2024-11-27/3DGS.md", "Quadratic Gaussian Splatting", "**Summary** / numbered list"),
    ],
)
def test_summary_styles(corpus: Path, relpath: str, title_start: str, style: str) -> None:
    paper = _entry(corpus / relpath, title_start)
    assert paper.summary_zh, style
    assert not paper.summary_zh.startswith(("**", "：", ":")), style
    assert len(paper.takeaways_zh) >= 3, style
    assert not any(t.startswith(("-", "*", "1.")) for t in paper.takeaways_zh), style


@pytest.mark.slow
def test_seed_digest_parses() -> None:
    seed = sorted((require_shared() / "seed").glob("*.txt"))
    assert seed
    docs, skipped = read_digest(seed[0])
    assert not skipped and len(docs) >= 3
    first = next(d.paper for d in docs if d.paper.paper_id == "2407.13038")
    assert first.title == "Universal Facial Encoding of Codec Avatars from VR Headsets"
    assert first.comment.startswith("SIGGRAPH 2024")
    assert first.topics == ["元宇宙/虚拟人"] and first.digest_dates == [date(2024, 7, 26)]
    assert first.summary_zh and len(first.takeaways_zh) == 7
    assert first.structured_zh.startswith("1. Title:")


def test_merge_prefers_highest_version_and_latest_machine_text() -> None:
    def doc(version: int, day: int, topic: str, summary: str) -> Document:
        paper = Paper(
            paper_id="2401.00001", arxiv_id="2401.00001", version=version, title=f"T v{version}",
            abstract=f"A v{version}", first_seen=date(2024, 1, day),
            digest_dates=[date(2024, 1, day)], topics=[topic], summary_zh=summary, source="digest",
        )  # fmt: skip
        return Document(paper=paper)

    (merged,) = merge_documents(
        [doc(2, 5, "NeRF", "old"), doc(1, 9, "3DGS", "new"), doc(1, 7, "3DGS", "")]
    )
    assert merged.paper.title == "T v2" and merged.paper.version == 2
    assert merged.paper.summary_zh == "new"
    assert merged.paper.topics == ["3DGS", "NeRF"]
    assert merged.paper.first_seen == date(2024, 1, 5)
    assert len(merged.paper.digest_dates) == 3


# ---- broken inputs ---------------------------------------------------------------------


@pytest.mark.slow
def test_truncated_digest_keeps_complete_entries(corpus: Path, tmp_path: Path) -> None:
    text = (corpus / "2024-01-24/Talking Head Generation.md").read_text(encoding="utf-8")
    real3d_pdf = text.index(f"[PDF](http://arxiv.org/abs/{REAL3D}")
    next_pdf = text.index("[PDF](", text.index("\n## ", real3d_pdf))
    for name, cut in [
        ("abstract.md", next_pdf - 60),  # the entry after Real3D cut mid-abstract
        ("pdf.md", next_pdf + 30),  # cut inside that entry's [PDF](…) link
        ("struct.md", text.index("<li>作者：叶振辉") + 10),  # cut in the structured summary
    ]:
        path = tmp_path / name
        path.write_text(text[:cut], encoding="utf-8")
        docs, skipped = read_digest(path)
        assert REAL3D in {d.paper.paper_id for d in docs}, name
        assert all(d.paper.abstract and d.paper.title for d in docs)
        if name == "struct.md":  # everything before the cut was there: parsed, not skipped
            assert not skipped and docs[-1].paper.paper_id == REAL3D
            assert docs[-1].paper.structured_zh.startswith("标题：Real3D-Portrait")
        else:
            assert len(skipped) == 1 and skipped[0].reason.startswith("truncated entry")
            assert skipped[0].entry and skipped[0].path == str(path)


def test_markdown_without_entries_is_one_skip(tmp_path: Path) -> None:
    plain = tmp_path / "notes.md"
    plain.write_text("# Notes\n\nNothing to see, no front matter.\n", encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text(
        "---\ntitle: NeRF\ndate: 2024-02-02 10:00:00\n---\n\n# 更新\n", encoding="utf-8"
    )
    for path, reason in [(plain, "no front matter"), (empty, "no '## ' paper entries")]:
        docs, skipped = read_digest(path)
        assert docs == []
        assert len(skipped) == 1 and reason in skipped[0].reason and skipped[0].entry is None


def test_missing_path_is_one_line_parse_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    for reader in (read_digest, read_digest_tree):
        with pytest.raises(ParseError) as info:
            reader(missing)
        assert str(missing) in str(info.value) and "\n" not in str(info.value)


def test_binary_and_non_utf8_files_are_skipped(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.md"
    garbage.write_bytes(random.Random(0).randbytes(4096))
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("---\ntitle: NeRF\n---\n## Café\n".encode("latin-1"))
    nul = tmp_path / "nul.md"
    nul.write_bytes(b"---\ntitle: x\n---\n\x00\x00")
    for path in (garbage, latin1, nul):
        docs, skipped = read_digest(path)
        assert docs == [] and len(skipped) == 1 and skipped[0].reason, path


def test_entry_without_link_or_abstract_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "2024-03-01" / "元宇宙_虚拟人.md"
    path.parent.mkdir()
    path.write_text(MINI_DIGEST.replace("\n", "\r\n"), encoding="utf-8")  # CRLF too
    docs, skipped = read_digest_tree(path.parent)
    assert [(s.entry, s.reason) for s in skipped] == [
        ("No Link", "no arXiv [PDF] link"),
        ("No Abstract", "no abstract"),
    ]
    (paper,) = [d.paper for d in docs]
    assert paper.title == "Good One" and paper.version == 3
    assert paper.authors == ["A B", "C D"]
    assert paper.abstract == "An abstract on two lines."
    assert paper.comment == "CVPR 2024; code: github.com/x/y."
    assert paper.links == {"code": "https://github.com/x/y"}
    assert paper.summary_zh == "总结。" and paper.takeaways_zh == ["一", "二"]
    assert paper.structured_zh == "a & b"
    assert paper.topics == ["元宇宙/虚拟人"] and paper.first_seen == date(2024, 3, 1)


@pytest.mark.slow
def test_tree_mixes_good_and_bad_files(corpus: Path, tmp_path: Path) -> None:
    good = (corpus / "2024-01-24/Talking Head Generation.md").read_bytes()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "digest.md").write_bytes(good)
    (tmp_path / "b.txt").write_bytes(good.replace(b"Talking Head Generation", b"Talking Heads"))
    (tmp_path / "README.md").write_text("# readme\n", encoding="utf-8")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF-1.4")
    docs, skipped = read_digest_tree(tmp_path)
    assert [s.path for s in skipped] == [str(tmp_path / "README.md")]
    single, _ = read_digest(tmp_path / "a" / "digest.md")
    assert len(docs) == len(single)
    assert all(d.paper.topics == ["Talking Head Generation", "Talking Heads"] for d in docs)
