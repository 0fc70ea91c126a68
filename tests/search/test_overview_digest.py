"""Per-paper overviews (machine fields, built-in, LLM) and the digest export round trip."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from indexer.embed import Embedder
from indexer.sources.digest import read_digest
from search.answer.llm import ChatClient
from search.answer.overview import MACHINE_SOURCE, paper_overview, parse_structured
from search.cli.main import main
from search.config import Settings
from search.errors import PaperNotFoundError
from search.export.digest import DEFAULT_TITLE, export_digest, render_digest
from search.retrieval.engine import Searcher
from tests.conftest import build_into
from tests.stubs.llm_server import LLMServer, StubReply

JSONL_PAPER = {
    "id": "local:gauss-heads", "title": "Audio-Driven Gaussian Head Avatars",
    "authors": ["Ada Lovelace", "Alan Turing"], "published": "2024-05-02",
    "abstract": (
        "Talking head avatars are central to telepresence and virtual assistants. Existing "
        "neural radiance field avatars render slowly and blur fine details around the mouth. "
        "We propose GaussHead, a method that drives 3D Gaussian splats of a head with speech "
        "audio through a learned deformation field. Our method renders at 120 frames per "
        "second on a single consumer GPU. Experiments on three talking head datasets show "
        "that GaussHead outperforms NeRF-based baselines in lip synchronization and image "
        "quality."),
    "sections": [
        {"section": "Method", "page": 3, "text": (
            "The deformation field maps audio features and expression codes to offsets of "
            "every Gaussian. A tri-plane encoder stores canonical features of the head. "
            "The rasterizer splats the deformed Gaussians into the image plane.")},
        {"section": "Results", "page": 6, "text": (
            "GaussHead improves the lip sync confidence score by 12 percent over the best "
            "baseline. Users preferred our avatars in 78 percent of paired comparisons.")},
    ],
}


@pytest.fixture(scope="module")
def jsonl_searcher(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Searcher:
    """A one-paper index from JSONL: no digest, so no machine-generated fields."""
    root = tmp_path_factory.mktemp("jsonl_overview")
    src = root / "paper.jsonl"
    src.write_text(json.dumps(JSONL_PAPER), encoding="utf-8")
    return Searcher(build_into(root / "index", [src], embedder), embedder_factory=lambda: embedder)


@pytest.fixture()
def server() -> Iterator[LLMServer]:
    with LLMServer() as srv:
        yield srv


def test_overview_from_the_digest_machine_fields(corpus_searcher: Searcher) -> None:
    paper = corpus_searcher.paper("2401.08503")
    ov = paper_overview(corpus_searcher, "2401.08503")
    assert ov.machine_generated and ov.generator == MACHINE_SOURCE and ov.lang == "zh"
    assert "machine-generated" in ov.source_note.lower() and "2024-01-24" in ov.source_note
    assert ov.one_line == paper.summary_zh.split("\n")[0]
    assert ov.takeaways == paper.takeaways_zh[:6] and 3 <= len(ov.takeaways) <= 6
    assert ov.background.startswith("说话人像生成旨在")
    assert ov.method.startswith("作者提出了一种名为 Real3D-Portrait 的框架")
    assert "平均重建误差" in ov.results
    # metadata comes from the source record, never from the generated text
    assert (ov.title, ov.authors, ov.url) == (paper.title, paper.authors, paper.url)
    assert ov.first_seen == paper.first_seen


def test_machine_fields_parse_for_most_of_the_corpus(corpus_searcher: Searcher) -> None:
    papers = [p for p in corpus_searcher.snapshot.papers if p.structured_zh]
    parsed = [parse_structured(p.structured_zh) for p in papers]
    for key in ("background", "method", "results"):
        share = sum(bool(x[key]) for x in parsed) / len(parsed)
        assert share > 0.85, (key, share)
    assert not any("xxx" in v for x in parsed for v in x.values())


def test_parse_structured_formats() -> None:
    template = ("摘要：\n(1)：研究背景：数字人需要实时渲染。\n(2)：过去的方法：速度慢。\n"
                "(3)：研究方法：用高斯泼溅。\n(4)：性能：达到 100 FPS。\n"
                "结论：\n（1）：xxx；\n（2）：创新点：xxx；性能：xxx；工作量：xxx；\n"
                "希望这个总结符合您的要求！")
    assert parse_structured(template) == {
        "background": "数字人需要实时渲染。", "method": "用高斯泼溅。", "results": "达到 100 FPS。"}
    english = ("6. Summary:\n- (1): The background is avatar rendering.\n- (2): Past work was slow.\n"
               "- (3): They splat Gaussians.\n- (4): It reaches 100 FPS.\n"
               "7. Methods:\n- (1): Fit FLAME.\n- (2): Bind Gaussians.\n"
               "8. Conclusion:\n- (1): The work matters a lot.")
    assert parse_structured(english) == {
        "background": "The background is avatar rendering.", "method": "They splat Gaussians.",
        "results": "It reaches 100 FPS."}
    headings_only = "方法：\n（1）：拟合 FLAME 模型；\n（2）：绑定高斯。\n结论：\n（1）：效果很好，速度很快。"
    assert parse_structured(headings_only) == {
        "background": "", "method": "拟合 FLAME 模型；\n绑定高斯。", "results": "效果很好，速度很快。"}
    assert parse_structured("") == {"background": "", "method": "", "results": ""}


def test_builtin_overview_quotes_a_paper_without_machine_fields(jsonl_searcher: Searcher) -> None:
    ov = paper_overview(jsonl_searcher, "local:gauss-heads")
    assert not ov.machine_generated and ov.generator == "builtin" and ov.lang == "en"
    assert ov.authors == ["Ada Lovelace", "Alan Turing"] and ov.published == date(2024, 5, 2)
    assert ov.one_line.startswith("We propose GaussHead")
    assert 3 <= len(ov.takeaways) <= 6
    text = " ".join(t for _, t, _ in jsonl_searcher.snapshot.chunks_of("local:gauss-heads"))
    for quoted in (ov.one_line, *ov.takeaways, ov.background, ov.method, ov.results):
        assert quoted and all(s in text for s in quoted.split(". ") if s), quoted
    assert ov.background.startswith("Talking head avatars are central")
    assert "outperforms" in ov.results or "improves" in ov.results


def test_llm_overview_when_configured_and_fallback(jsonl_searcher: Searcher,
                                                   server: LLMServer) -> None:
    fields = {"one_line": "GaussHead animates Gaussian heads from audio.",
              "takeaways": ["Fast.", "Lip sync improves.", "Users prefer it."],
              "background": "NeRF avatars are slow.", "method": "Audio deforms Gaussians.",
              "results": "120 FPS."}
    server.push(StubReply("```json\n" + json.dumps(fields) + "\n```"), StubReply("not json"))
    settings = Settings.load(jsonl_searcher.settings.data_dir,
                             llm={"base_url": server.url, "model": "stub-model", "timeout": 1})
    ov = paper_overview(jsonl_searcher, "local:gauss-heads", settings.llm)
    assert ov.machine_generated and ov.generator == "llm:stub-model"
    assert ov.takeaways == fields["takeaways"] and ov.results == "120 FPS."
    assert ov.authors == ["Ada Lovelace", "Alan Turing"]  # still from the source
    assert "<evidence" in server.requests[0].message("user")
    again = paper_overview(jsonl_searcher, "local:gauss-heads",
                           llm=ChatClient(server.url, "stub-model", timeout=1))
    assert again.generator == "builtin" and "LLM unavailable" in again.source_note


def test_unknown_paper_is_not_found(jsonl_searcher: Searcher) -> None:
    with pytest.raises(PaperNotFoundError):
        paper_overview(jsonl_searcher, "2501.00001")


def _round_trip(searcher: Searcher, tmp_path: Path, since: date, until: date | None,
                topic: str | None) -> list[str]:
    export = export_digest(searcher.snapshot, since, until, topic)
    out = tmp_path / "digest.md"
    out.write_text(export.text, encoding="utf-8")
    docs, skipped = read_digest(out)
    assert skipped == []
    back = {d.paper.paper_id: d.paper for d in docs}
    assert sorted(back) == sorted(export.paper_ids)
    for pid in export.paper_ids:
        src, got = searcher.paper(pid), back[pid]
        assert (got.title, got.authors, got.abstract) == (src.title, src.authors, src.abstract)
        assert (got.version, got.comment) == (src.version, src.comment)
        assert (got.summary_zh, got.takeaways_zh) == (src.summary_zh, src.takeaways_zh)
        assert (topic or DEFAULT_TITLE) in got.topics
    return export.paper_ids


def test_digest_round_trip_for_one_day_and_topic(corpus_searcher: Searcher,
                                                 tmp_path: Path) -> None:
    ids = _round_trip(corpus_searcher, tmp_path, date(2024, 1, 24), date(2024, 1, 24),
                      "Talking Head Generation")
    assert "2401.08503" in ids and len(ids) >= 5
    for pid in ids:
        paper = corpus_searcher.paper(pid)
        assert date(2024, 1, 24) in paper.digest_dates
        assert "Talking Head Generation" in paper.topics


def test_digest_round_trip_for_the_whole_corpus(corpus_searcher: Searcher, tmp_path: Path) -> None:
    ids = _round_trip(corpus_searcher, tmp_path, date(2023, 1, 1), None, None)
    assert len(ids) == len(corpus_searcher.snapshot.papers)


def test_digest_skips_papers_without_an_arxiv_id(jsonl_searcher: Searcher) -> None:
    export = render_digest(jsonl_searcher.snapshot.papers, "t", date(2024, 5, 2))
    assert export.paper_ids == [] and export.skipped == ["local:gauss-heads"]
    assert export_digest(jsonl_searcher.snapshot, date(2030, 1, 1)).paper_ids == []


def test_cli_digest_and_overview(corpus_index: Settings, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.md"
    data = str(corpus_index.data_dir)
    assert main(["--data-dir", data, "-q", "digest", "--since", "2024-01-24", "--until",
                 "2024-01-24", "--topic", "元宇宙/虚拟人", "--out", str(out)]) == 0
    docs, skipped = read_digest(out)
    assert docs and not skipped and out.read_text("utf-8").startswith("---\ntitle: 元宇宙/虚拟人\n")
    assert main(["--data-dir", data, "-q", "digest", "--since", "nope"]) == 1
    assert "not a date" in capsys.readouterr().err
    assert main(["--data-dir", data, "-q", "overview", "2401.08503", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["generator"] == MACHINE_SOURCE
    assert main(["--data-dir", data, "-q", "overview", "https://arxiv.org/abs/2401.08503v2"]) == 0
    assert "Real3D-Portrait" in capsys.readouterr().out
