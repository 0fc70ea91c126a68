"""The bundled library and `run`: freshness of the bundle, a default build, port errors."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from indexer.build import build
from indexer.defaults import arxiv_specs, default_specs
from indexer.embed import Embedder
from indexer.sources.jsonl import export_library
from search.config import Settings
from search.retrieval.engine import Searcher
from tests.shared import REPO

BUNDLE = REPO / "index_data" / "library" / "avatar-papers-2024.jsonl.gz"


def test_committed_bundle_is_up_to_date(tmp_path: Path, corpus_dir: Path) -> None:
    fresh = tmp_path / "bundle.jsonl.gz"
    export_library(corpus_dir, fresh)
    assert fresh.read_bytes() == BUNDLE.read_bytes(), (
        "index_data/library is stale: run `avatar-scholar export-library "
        "../shared/corpus/chatpaperfree`")
    assert BUNDLE.stat().st_size < 1.5e6
    with gzip.open(BUNDLE, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    assert len(records) >= 1650
    assert not any(k.endswith("_zh") for r in records for k in r)  # no machine-generated text


def test_default_sources_from_sources_toml(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "library").mkdir(parents=True)
    (data_dir / "library" / "lib.jsonl.gz").write_bytes(BUNDLE.read_bytes())
    (data_dir / "sources.toml").write_text(
        'library = "library/lib.jsonl.gz"\ninbox = "inbox"\n'
        '[arxiv]\nsince = 2024-01-01\nmax_results = 50\nqueries = ["talking head", "digital human"]\n',
        encoding="utf-8")
    specs = default_specs(data_dir)
    assert [s.kind for s in specs] == ["library", "arxiv", "arxiv"]  # empty inbox: not a source
    assert (data_dir / "inbox").is_dir()
    assert arxiv_specs(data_dir)[0].max_results == 50
    (data_dir / "inbox" / "paper.pdf").write_bytes(b"%PDF")
    assert [s.kind for s in default_specs(data_dir)] == ["library", "path", "arxiv", "arxiv"]


def test_default_build_from_a_slice_of_the_bundle(tmp_path: Path, embedder: Embedder) -> None:
    """The first-run build on a slice of the bundle, offline; then a known paper comes first."""
    data_dir = tmp_path / "data"
    (data_dir / "library").mkdir(parents=True)
    with gzip.open(BUNDLE, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    picked = [ln for ln in lines if '"2401.08503"' in ln] + lines[:150]
    with gzip.open(data_dir / "library" / "slice.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(picked) + "\n")
    (data_dir / "sources.toml").write_text(
        'library = "library/slice.jsonl.gz"\n[arxiv]\nqueries = ["talking head"]\n', encoding="utf-8")
    settings = Settings.load(data_dir, arxiv_url="http://127.0.0.1:9/api/query")
    report = build(default_specs(data_dir), settings.index, lambda: embedder, progress=False)
    assert report.papers == len(set(picked)) and report.generation
    assert any("arXiv unreachable" in n and "skipped" in n for n in report.notices)
    hits = Searcher(settings, lambda: embedder).search("one-shot 3D talking portrait from a single image").hits
    assert hits[0].arxiv_id == "2401.08503"


def test_run_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "AVATAR_SCHOLAR_API_PORT": str(port),
               "AVATAR_SCHOLAR_UI_PORT": str(_free_port()),
               "HF_HUB_OFFLINE": "1"}
        proc = subprocess.run([sys.executable, "-m", "search", "--data-dir", str(tmp_path), "run"],
                              capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: API port {port} on 127.0.0.1 is already in use (set AVATAR_SCHOLAR_API_PORT to another port)"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_serves_api_and_ui_then_stops_both_on_sigterm(small_index: Settings) -> None:
    import signal
    import time

    import httpx

    api, ui = _free_port(), _free_port()
    env = {**os.environ, "AVATAR_SCHOLAR_API_PORT": str(api), "AVATAR_SCHOLAR_UI_PORT": str(ui),
           "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "search", "--data-dir", str(small_index.data_dir),
                             "run"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and health is None:
            time.sleep(1)
            try:
                health = httpx.get(f"http://127.0.0.1:{api}/api/health", timeout=2).json()
                httpx.get(f"http://127.0.0.1:{ui}/", timeout=2).raise_for_status()
            except httpx.HTTPError:
                health = None
        assert health and health["status"] == "ok" and health["papers"] > 0
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert f"http://127.0.0.1:{api}" in out and f"http://127.0.0.1:{ui}" in out
        time.sleep(1)
        for port in (api, ui):  # both children are gone: the ports are free again
            with socket.socket() as s:
                assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
