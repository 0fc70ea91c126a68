"""Full text from the shared corpus's real PDFs, served by arXiv id by the local PDF mirror."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import store
from indexer.build import build
from indexer.config import IndexerSettings
from indexer.fulltext_job import run_fulltext
from indexer.models import SourceSpec
from tests.fakes import HashEmbedder
from tests.stubs.pdf_server import PdfServer, manifest_ids


@pytest.fixture
def srv(monkeypatch: pytest.MonkeyPatch, shared_dir: Path) -> Iterator[PdfServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with PdfServer() as server:
        server.add_manifest(shared_dir / "corpus" / "pdfs")
        yield server


def test_every_shared_arxiv_pdf_becomes_a_body_under_its_paper_id(
        tmp_path: Path, srv: PdfServer, shared_dir: Path) -> None:
    pdfs = manifest_ids(shared_dir / "corpus" / "pdfs")
    assert len(pdfs) >= 20
    library = tmp_path / "library.jsonl"
    library.write_text("".join(json.dumps({"arxiv_id": i, "version": 1, "title": f"Record {i}",
                                           "abstract": f"Metadata abstract of {i}."}) + "\n"
                               for i in pdfs), encoding="utf-8")
    settings = IndexerSettings(data_dir=tmp_path / "data", pdf_url=srv.url, pdf_delay_seconds=0)
    build([SourceSpec(kind="library", value=str(library))], settings, HashEmbedder, progress=False)

    report = run_fulltext(settings, HashEmbedder, progress=False, batch=10)
    assert (report.attached, len(report.skipped), report.left) == (len(pdfs), 0, 0)
    assert len(report.batches) == -(-len(pdfs) // 10)
    assert srv.max_in_flight == 1 and len(srv.requests) == len(pdfs)

    con = store.connect_readonly(store.generation_path(settings.data_dir))
    try:
        docs = store.read_documents(con)
        chunks = [c for c, _ in store.read_chunks(con)]
    finally:
        con.close()
    assert set(docs) == set(pdfs)
    for arxiv_id, (doc, _) in docs.items():
        assert doc.paper.title == f"Record {arxiv_id}"
        assert doc.passages[0].section == "Abstract"
        assert doc.passages[0].text == f"Metadata abstract of {arxiv_id}."
        body = [p for p in doc.passages if p.section != "Abstract"]
        assert len({p.section for p in body}) >= 3, arxiv_id
        assert max(p.page or 0 for p in body) >= 5, arxiv_id
    resnet = {c.section for c in chunks if c.paper_id == "1512.03385"}
    assert any("Introduction" in s for s in resnet) and any("Experiments" in s for s in resnet)
    per_paper = len([c for c in chunks if c.section != "Abstract"]) / len(pdfs)
    assert per_paper >= 20  # tens of chunks per paper, as the benchmark assumes
