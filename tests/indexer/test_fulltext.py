"""Full text for arXiv papers: the job, the build's attach stage, resuming, against a real
local PDF mirror (tests/stubs/pdf_server.py) with generated PDFs and the model-free encoder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer import store
from indexer.build import build
from indexer.config import IndexerSettings
from indexer.fulltext_job import FulltextReport, run_fulltext
from indexer.models import Document, SourceSpec
from tests.fakes import HashEmbedder
from tests.stubs.atom_server import unused_url
from tests.stubs.pdf_server import PdfServer, paper_pdf

IDS = [f"2401.1000{i}" for i in range(5)]


def record(arxiv_id: str, version: int = 1) -> dict[str, Any]:
    """A metadata-only library record (what the bundled library holds)."""
    n = int(arxiv_id[-1])
    return {"arxiv_id": arxiv_id, "version": version, "title": f"Metadata title {n}",
            "abstract": f"Metadata abstract of avatar paper {n}.", "published": f"2024-01-0{n + 1}"}


def fact(arxiv_id: str) -> str:
    return f"The lip loss weight of paper {arxiv_id[-1]} is 0.{arxiv_id[-1]}7."


@pytest.fixture
def srv(monkeypatch: pytest.MonkeyPatch) -> Iterator[PdfServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with PdfServer() as server:
        for arxiv_id in IDS:
            server.add(arxiv_id, paper_pdf(arxiv_id, title=f"PDF title {arxiv_id}", fact=fact(arxiv_id)))
        yield server


@pytest.fixture
def lib(tmp_path: Path, srv: PdfServer) -> IndexerSettings:
    """A metadata-only index of the five papers, full text pointed at the stub."""
    library = tmp_path / "library.jsonl"
    library.write_text("".join(json.dumps(record(i)) + "\n" for i in IDS), encoding="utf-8")
    settings = IndexerSettings(data_dir=tmp_path / "data", pdf_url=srv.url, pdf_delay_seconds=0.01,
                               pdf_timeout_seconds=0.5)
    build([SourceSpec(kind="library", value=str(library))], settings, HashEmbedder, progress=False)
    return settings


def enrich(settings: IndexerSettings, **kw: Any) -> FulltextReport:
    return run_fulltext(settings, HashEmbedder, progress=False, **kw)


def docs(settings: IndexerSettings) -> dict[str, Document]:
    con = store.connect_readonly(store.generation_path(settings.data_dir))
    try:
        return {pid: d for pid, (d, _) in store.read_documents(con).items()}
    finally:
        con.close()


def chunk_texts(settings: IndexerSettings, paper_id: str) -> list[str]:
    con = store.connect_readonly(store.generation_path(settings.data_dir))
    try:
        return [c.text for c, _ in store.read_chunks(con) if c.paper_id == paper_id]
    finally:
        con.close()


def sections(doc: Document) -> list[str]:
    return list(dict.fromkeys(p.section for p in doc.passages))


def test_bodies_attach_under_the_paper_id_with_sections_and_pages(lib: IndexerSettings,
                                                                   srv: PdfServer) -> None:
    report = enrich(lib, batch=2)
    assert (report.attached, report.downloaded, report.total, report.left) == (5, 5, 5, 0)
    assert len(report.batches) == 3 and not report.skipped  # 2 + 2 + 1 papers
    assert srv.paths() == [f"/pdf/{i}v1" for i in reversed(IDS)]  # newest first
    for arxiv_id in IDS:
        doc = docs(lib)[arxiv_id]
        n = arxiv_id[-1]
        assert doc.paper.title == f"Metadata title {n}"  # the metadata wins
        assert doc.passages[0].text == f"Metadata abstract of avatar paper {n}."
        assert sections(doc) == ["Abstract", "Front matter", "1 Introduction", "2 Method",
                                 "3 Experiments"]  # references dropped
        assert {p.page for p in doc.passages if p.section != "Abstract"} >= {1, 2}
        assert any(fact(arxiv_id) in t for t in chunk_texts(lib, arxiv_id))
        assert Path(doc.paper.pdf_path or "").name == f"{arxiv_id}v1.pdf"
    progress = store.read_progress(lib.data_dir)
    assert progress is not None
    assert (progress.state, progress.done, progress.total, progress.with_text) == ("done", 5, 5, 5)


def test_a_cached_paper_is_never_fetched_again(lib: IndexerSettings, srv: PdfServer) -> None:
    enrich(lib)
    again = enrich(lib)
    assert len(srv.requests) == 5 and again.total == 0 and not again.batches
    # the index itself gone: a first build of the same library takes the bodies from the cache
    shutil.rmtree(lib.data_dir / "generations")
    (lib.data_dir / "CURRENT").unlink()
    build(_library_spec(lib), lib, HashEmbedder, progress=False)
    assert all(len(sections(d)) > 1 for d in docs(lib).values())
    assert enrich(lib).total == 0 and len(srv.requests) == 5


def _library_spec(settings: IndexerSettings) -> list[SourceSpec]:
    return [SourceSpec(kind="library", value=str(settings.data_dir.parent / "library.jsonl"))]


def test_reindex_keeps_bodies_and_vectors(lib: IndexerSettings, srv: PdfServer) -> None:
    enrich(lib)
    before = {pid: chunk_texts(lib, pid) for pid in IDS}
    report = build(_library_spec(lib), lib, HashEmbedder, mode="reindex", progress=False)
    assert report.generation and report.embedded == 0 and report.unchanged == 5
    assert {pid: chunk_texts(lib, pid) for pid in IDS} == before
    assert len(srv.requests) == 5


def test_each_failure_is_a_skip_line_and_the_paper_keeps_its_abstract(
        lib: IndexerSettings, srv: PdfServer) -> None:
    srv.fault(IDS[0], "status", status=404)
    srv.fault(IDS[1], "html")
    srv.fault(IDS[2], "truncated")
    srv.fault(IDS[3], "oversized", size=10**9)
    report = enrich(lib)
    assert report.attached == 1 and report.left == 4
    reasons = {s.path.rsplit("/", 1)[1]: s.reason for s in report.skipped}
    assert reasons == {
        f"{IDS[0]}v1": "no PDF on arXiv (HTTP 404)",
        f"{IDS[1]}v1": "not a PDF (the server sent text/html, 88 bytes)",
        f"{IDS[2]}v1": reasons[f"{IDS[2]}v1"],
        f"{IDS[3]}v1": "PDF is 1000.0 MB, over the 60.0 MB cap (AVATAR_SCHOLAR_PDF_MAX_MB)",
    }
    assert reasons[f"{IDS[2]}v1"].startswith("truncated PDF")
    assert all(s.entry and s.entry.startswith("Metadata title") for s in report.skipped)
    now = docs(lib)
    for arxiv_id in IDS[:4]:
        assert [p.text for p in now[arxiv_id].passages] == [record(arxiv_id)["abstract"]]
    assert len(sections(now[IDS[4]])) > 1
    # permanent failures (404, too large) are not asked again; the others are
    srv.requests.clear()
    second = enrich(lib)
    assert sorted(srv.paths()) == [f"/pdf/{IDS[1]}v1", f"/pdf/{IDS[2]}v1"]
    assert second.given_up == 2
    srv.requests.clear()
    enrich(lib, retry_skipped=True)
    assert f"/pdf/{IDS[0]}v1" in srv.paths()


@pytest.mark.slow  # real servers and waits: seconds each
def test_the_job_stops_when_the_network_goes(lib: IndexerSettings, srv: PdfServer) -> None:
    for arxiv_id in IDS:
        srv.fault(arxiv_id, "stall")
    report = enrich(lib)
    assert len(report.skipped) == 3 and report.attached == 0
    assert "arXiv stopped answering (3 papers in a row failed" in report.notices[-1]
    # three papers, four attempts each; the download thread may have begun a fourth paper
    assert 3 * 4 <= len(srv.requests) <= 4 * 4


def test_interrupted_job_resumes_without_downloading_again(
        lib: IndexerSettings, srv: PdfServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.fulltext_job as job

    real, calls = job.publish, []

    def publish_then_interrupt(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(*args)

    monkeypatch.setattr(job, "publish", publish_then_interrupt)
    first = enrich(lib, batch=2)
    assert first.interrupted and first.attached == 2 and first.left == 3
    assert "interrupted" in first.notices[-1]
    progress = store.read_progress(lib.data_dir)
    assert progress is not None and progress.state == "stopped" and progress.done == 4
    assert sum(len(sections(d)) > 1 for d in docs(lib).values()) == 2  # the first batch is live
    cached = {p.stem for p in store.pdf_dir(lib.data_dir).glob("*.pdf")}
    assert len(cached) >= 4  # the download thread runs ahead of the batches
    monkeypatch.setattr(job, "publish", real)
    before = len(srv.requests)
    second = enrich(lib, batch=2)
    fetched_again = [p.rsplit("/", 1)[1] for p in srv.paths()[before:]]
    assert not set(fetched_again) & cached  # nothing downloaded is downloaded again
    assert set(fetched_again) | cached == {f"{i}v1" for i in IDS}
    assert second.attached == 3 and second.left == 0
    assert all(len(sections(d)) > 1 for d in docs(lib).values())


def test_opt_out_downloads_nothing(lib: IndexerSettings, srv: PdfServer) -> None:
    off = lib.model_copy(update={"fulltext": False})
    report = enrich(off)
    assert report.notices == ["full text is switched off (AVATAR_SCHOLAR_FULLTEXT=false):"
                              " nothing downloaded"]
    assert not srv.requests and not store.pdf_dir(lib.data_dir).exists()


def test_offline_is_one_notice(lib: IndexerSettings) -> None:
    offline = lib.model_copy(update={"pdf_url": unused_url().replace("/api/query", "/pdf")})
    report = enrich(offline)
    assert report.offline and report.total == 0 and report.attached == 0
    assert len(report.notices) == 1 and report.notices[0].startswith("arXiv unreachable (http://127.0.0.1:")
    progress = store.read_progress(lib.data_dir)
    assert progress is not None and progress.state == "offline"


def test_only_and_limit(lib: IndexerSettings, srv: PdfServer) -> None:
    assert enrich(lib, only={IDS[1], IDS[3]}).attached == 2
    assert enrich(lib, limit=1).attached == 1
    assert srv.paths() == [f"/pdf/{IDS[3]}v1", f"/pdf/{IDS[1]}v1", f"/pdf/{IDS[4]}v1"]


def test_a_new_version_replaces_the_body_and_an_old_body_stands_in(
        lib: IndexerSettings, srv: PdfServer, tmp_path: Path) -> None:
    enrich(lib)
    new_fact = "The lip loss weight of the second version is 0.99."
    srv.add(IDS[2], paper_pdf(IDS[2], version=2, fact=new_fact), version=2)
    library = tmp_path / "library.jsonl"
    library.write_text("".join(json.dumps(record(i, 2 if i == IDS[2] else 1)) + "\n" for i in IDS),
                       encoding="utf-8")
    build(_library_spec(lib), lib, HashEmbedder, mode="reindex", progress=False)
    stale = docs(lib)[IDS[2]]  # v2 metadata, v1 body until v2 is fetched
    assert stale.paper.version == 2 and Path(stale.paper.pdf_path or "").name == f"{IDS[2]}v1.pdf"
    report = enrich(lib)
    assert report.attached == 1 and srv.paths()[-1] == f"/pdf/{IDS[2]}v2"
    assert any(new_fact in t for t in chunk_texts(lib, IDS[2]))
    assert not any(fact(IDS[2]) in t for t in chunk_texts(lib, IDS[2]))


def test_keep_pdfs_false_keeps_only_the_parsed_text(lib: IndexerSettings) -> None:
    lean = lib.model_copy(update={"keep_pdfs": False})
    assert enrich(lean).attached == 5
    names = sorted(p.name for p in store.pdf_dir(lib.data_dir).iterdir())
    assert not [n for n in names if n.endswith(".pdf")]
    assert len([n for n in names if n.endswith(".passages.json.gz")]) == 5
    assert enrich(lean).total == 0  # still never fetched again
