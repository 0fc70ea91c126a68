"""Full text from the outside: the `fulltext` command, `index arxiv:`, `run`'s background job
and /api/fulltext, against real local arXiv stubs (Atom API and PDF mirror)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer import store
from indexer.embed import Embedder
from indexer.models import FulltextProgress
from search.cli.fulltext import start_background
from search.config import Settings
from search.retrieval.engine import Searcher
from search.service.app import create_app
from tests.conftest import build_into
from tests.fakes import HashEmbedder
from tests.shared import REPO
from tests.stubs.atom_server import AtomServer, StubEntry, unused_url
from tests.stubs.pdf_server import PdfServer
from tests.synthetic import write_synthetic
from tests.ui.support import free_port

# Three small PDFs of the shared corpus (≈ 40 pages together), and a paper arXiv has no PDF for.
PAPERS = {"1810.02054": "Gradient Descent Provably Optimizes Over-parameterized Neural Networks",
          "2309.04247": "Towards Practical Capture of High-Fidelity Relightable Avatars",
          "1512.03385": "Deep Residual Learning for Image Recognition"}
NO_PDF = "2401.99999"
DEAD_PDF_URL = unused_url().replace("/api/query", "/pdf")


def cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1",
            "AVATAR_SCHOLAR_PDF_DELAY_SECONDS": "0.05", **env}
    return subprocess.run([sys.executable, "-m", "search", "-q", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=full, cwd=REPO, timeout=600)


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


@pytest.fixture
def pdfs(monkeypatch: pytest.MonkeyPatch, shared_dir: Path) -> Iterator[PdfServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with PdfServer() as server:
        for arxiv_id in PAPERS:
            server.add(arxiv_id, shared_dir / "corpus" / "pdfs" / f"{arxiv_id}.pdf")
        yield server


def metadata_index(tmp_path: Path, embedder: Embedder | HashEmbedder, ids: list[str]) -> Path:
    """An abstract-only index of `ids`, as the bundled library gives it."""
    src = tmp_path / "library.jsonl"
    src.write_text("".join(json.dumps({"arxiv_id": i, "version": 1, "title": PAPERS.get(i, "No PDF"),
                                       "abstract": f"Abstract of {i}."}) + "\n" for i in ids), "utf-8")
    build_into(tmp_path / "data", [src], embedder)
    return tmp_path / "data"


# ---- fast: no model ----------------------------------------------------------------------


@pytest.fixture
def synthetic_dir(tmp_path: Path) -> Path:
    return build_into(tmp_path / "data", [write_synthetic(tmp_path / "lib.jsonl")],
                      HashEmbedder()).data_dir


def test_run_says_in_one_line_that_arxiv_is_unreachable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings.load(tmp_path, pdf_url=DEAD_PDF_URL)
    assert start_background(settings, dict(os.environ)) is None
    assert lines(capsys.readouterr().err) == [
        f"full text: arXiv unreachable ({DEAD_PDF_URL}); serving abstracts only"
        " (`avatar-scholar fulltext` fetches them later)"]
    assert start_background(Settings.load(tmp_path, fulltext=False), dict(os.environ)) is None
    assert capsys.readouterr().err == ""


@pytest.mark.slow  # real servers and waits: seconds each
def test_offline_opt_out_and_lock_are_one_line_each(synthetic_dir: Path) -> None:
    offline = cli(synthetic_dir, "fulltext", AVATAR_SCHOLAR_PDF_URL=DEAD_PDF_URL)
    assert (offline.returncode, lines(offline.stderr)) == (0, [
        f"fulltext: arXiv unreachable ({DEAD_PDF_URL}): no PDFs downloaded; the papers keep"
        " their abstracts"])
    off = cli(synthetic_dir, "fulltext", AVATAR_SCHOLAR_FULLTEXT="false")
    assert (off.returncode, lines(off.stderr)) == (0, [
        "fulltext: full text is switched off (AVATAR_SCHOLAR_FULLTEXT=false): nothing downloaded"])
    with store.fetch_lock(synthetic_dir):
        locked = cli(synthetic_dir, "fulltext", AVATAR_SCHOLAR_PDF_URL=DEAD_PDF_URL)
    assert locked.returncode == 3 and lines(locked.stderr) == [
        f"error: another full-text job is running on {synthetic_dir}"]
    assert cli(synthetic_dir.parent / "none", "fulltext").returncode == 4
    bad = cli(synthetic_dir, "fulltext", "not-an-id")
    assert bad.returncode == 2 and "not an arXiv id" in bad.stderr
    assert all(r.kind != "fulltext" for r in store.read_job_reports(synthetic_dir))


def test_api_serves_the_jobs_progress(synthetic_dir: Path) -> None:
    settings = Settings.load(synthetic_dir)
    app = create_app(settings, lambda: Searcher(settings, embedder_factory=HashEmbedder))
    with TestClient(app) as client:
        assert client.get("/api/fulltext").json() is None
        now = datetime.now(UTC).replace(microsecond=0)
        running = FulltextProgress(state="running", started=now, updated=now, done=3, total=10,
                                   papers=30, with_text=3, eta_seconds=21.0, pid=os.getpid())
        store.write_progress(synthetic_dir, running)
        got = client.get("/api/fulltext").json()
        assert (got["state"], got["done"], got["total"], got["eta_seconds"]) == ("running", 3, 10, 21.0)
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        store.write_progress(synthetic_dir, running.model_copy(update={"pid": dead.pid}))
        got = client.get("/api/fulltext").json()  # the job died without saying so
        assert (got["state"], got["eta_seconds"]) == ("stopped", None)


# ---- slow: the real model in the CLI's processes --------------------------------------------


def test_fulltext_command_end_to_end(tmp_path: Path, embedder: Embedder, pdfs: PdfServer) -> None:
    data_dir = metadata_index(tmp_path, embedder, [*PAPERS, NO_PDF])
    env = {"AVATAR_SCHOLAR_PDF_URL": pdfs.url}
    first = cli(data_dir, "fulltext", "--batch", "2", **env)
    assert first.returncode == 0, first.stderr
    out = lines(first.stderr)
    assert out[-1].startswith("fulltext: 3 full texts added, 1 skipped; 3 PDFs downloaded (")
    assert out[-1].split("; ")[2:4] == ["1 paper still without full text", "2 generations published"]
    assert f"skipped: {pdfs.url}/{NO_PDF}v1 [No PDF]: no PDF on arXiv (HTTP 404)" in out
    job = store.read_job_reports(data_dir, 1)[0]
    assert (job.kind, job.updated, len(job.skipped)) == ("fulltext", 3, 1)
    found = json.loads(cli(data_dir, "search", "--json", "-k", "3",
                           "residual learning framework shortcut connections").stdout)
    top = found["hits"][0]
    assert top["arxiv_id"] == "1512.03385" and top["section"] != "Abstract" and top["page"]

    again = cli(data_dir, "fulltext", **env)
    assert (again.returncode, lines(again.stderr)) == (0, [
        "fulltext: nothing to do: 1 paper without full text (1 given up earlier;"
        " --retry-skipped asks again)"])
    assert len(pdfs.requests) == 4 and pdfs.max_in_flight == 1


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path: Path, embedder: Embedder,
                                                      pdfs: PdfServer) -> None:
    data_dir = metadata_index(tmp_path, embedder, list(PAPERS))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1",
           "AVATAR_SCHOLAR_PDF_URL": pdfs.url, "AVATAR_SCHOLAR_PDF_DELAY_SECONDS": "2"}
    # A suite started in the background (`make test &`) ignores SIGINT, and so would the
    # job: give it Ctrl-C's default handling, as in a terminal.
    proc = subprocess.Popen([sys.executable, "-m", "search", "-q", "--data-dir", str(data_dir),
                             "fulltext", "--batch", "1"], env=env, cwd=REPO, text=True,
                            stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = store.read_progress(data_dir)
        if progress and progress.attached >= 1:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "note: interrupted; downloaded PDFs are kept and the next run resumes" in err
    progress = store.read_progress(data_dir)
    assert progress is not None and progress.state == "stopped" and progress.attached >= 1
    cached = {p.stem for p in store.pdf_dir(data_dir).glob("*.pdf")}
    before = len(pdfs.requests)
    resumed = cli(data_dir, "fulltext", AVATAR_SCHOLAR_PDF_URL=pdfs.url)
    assert resumed.returncode == 0 and "0 papers still without full text" in resumed.stderr
    again = {p.rsplit("/", 1)[1] for p in pdfs.paths()[before:]}
    assert not again & cached and again | cached == {f"{i}v1" for i in PAPERS}


def test_index_arxiv_query_fetches_the_new_papers_full_text(tmp_path: Path, embedder: Embedder,
                                                            pdfs: PdfServer) -> None:
    with AtomServer() as atom:
        atom.add(*[StubEntry(i, title=t, abstract=f"An avatar paper: {t}.") for i, t in PAPERS.items()],
                 StubEntry(NO_PDF, title="An avatar paper without a PDF"))
        env = {"AVATAR_SCHOLAR_ARXIV_URL": atom.url, "AVATAR_SCHOLAR_ARXIV_DELAY_SECONDS": "0.05",
               "AVATAR_SCHOLAR_PDF_URL": pdfs.url}
        off = cli(tmp_path / "off", "index", "arxiv:avatar", **env, AVATAR_SCHOLAR_FULLTEXT="false")
        assert off.returncode == 0 and not pdfs.requests
        done = cli(tmp_path / "on", "index", "arxiv:avatar", **env)
    assert done.returncode == 0, done.stderr
    out = lines(done.stderr)
    assert any(ln.startswith("index: 4 papers") for ln in out)
    assert out[-1].startswith("fulltext: 3 full texts added, 1 skipped")
    assert sorted(pdfs.paths()) == sorted(f"/pdf/{i}v1" for i in [*PAPERS, NO_PDF])


def test_run_enriches_in_the_background_and_stops_it(tmp_path: Path, embedder: Embedder,
                                                     pdfs: PdfServer) -> None:
    data_dir = metadata_index(tmp_path, embedder, list(PAPERS))
    api = free_port()
    env = {**os.environ, "AVATAR_SCHOLAR_API_PORT": str(api), "AVATAR_SCHOLAR_UI_PORT": str(free_port()),
           "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1", "AVATAR_SCHOLAR_PDF_URL": pdfs.url,
           "AVATAR_SCHOLAR_PDF_DELAY_SECONDS": "0.05"}
    proc = subprocess.Popen([sys.executable, "-m", "search", "--data-dir", str(data_dir), "run"],
                            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        job = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not (job and job["state"] == "done"):
            time.sleep(1)
            try:
                job = httpx.get(f"http://127.0.0.1:{api}/api/fulltext", timeout=5).json()
            except httpx.HTTPError:
                job = None
        assert job and (job["state"], job["with_text"], job["papers"]) == ("done", 3, 3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert "full text: fetching arXiv PDFs in the background" in err
        log = store.background_log(data_dir).read_text("utf-8")
        assert "fulltext: 3 full texts added, 0 skipped" in log
    finally:
        if proc.poll() is None:
            proc.kill()
