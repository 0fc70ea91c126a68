"""A damaged generation (a truncated papers.sqlite named by CURRENT) is never served
(issue 14, item 2): builds verify before switching, servers keep the previous generation
and say "degraded", the CLI prints one line. Synthetic index, model-free encoder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import store
from indexer.build import build
from indexer.errors import StoreError
from indexer.models import SourceSpec
from indexer.verify import check_sqlite_file, verify_generation
from search.config import Settings
from search.retrieval.engine import Searcher
from search.service.app import create_app
from tests.fakes import HashEmbedder
from tests.shared import REPO
from tests.synthetic import synthetic_records, write_synthetic

REFRESH = 1.1  # seconds: a server checks CURRENT at most once a second
QUERIES = ["gaussian splatting talking head", "neural radiance field", "diffusion model garment",
           "parametric mesh hand reconstruction", "point cloud motion capture", "face relighting",
           "2401.10003", "full body avatar"]


def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def rebuild(settings: Settings, library: Path, change: str) -> str:
    """Publish a new generation with one paper's abstract changed; its name."""
    records = synthetic_records()
    records[0]["abstract"] += f" {change}"
    write_synthetic(library, records)
    report = build([SourceSpec(kind="path", value=str(library))], settings.index, HashEmbedder,
                   mode="reindex", progress=False)
    assert report.generation
    return report.generation


@pytest.fixture()
def library(tmp_path: Path) -> tuple[Settings, Path]:
    library = write_synthetic(tmp_path / "library.jsonl")
    settings = Settings.load(tmp_path / "data")
    build([SourceSpec(kind="path", value=str(library))], settings.index, HashEmbedder,
          progress=False)
    return settings, library


def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, lambda: Searcher(settings, HashEmbedder,
                                                            fallback=True)))


@pytest.mark.slow  # real servers and waits: seconds each
def test_a_server_keeps_the_previous_generation_when_the_new_one_is_damaged(
        library: tuple[Settings, Path]) -> None:
    settings, lib = library
    first = store.current_generation(settings.data_dir)
    with client(settings) as http:
        assert http.get("/api/health").json()["status"] == "ok"
        second = rebuild(settings, lib, "version two")
        truncate(store.generation_path(settings.data_dir, second) / "papers.sqlite")
        time.sleep(REFRESH)  # servers look at CURRENT at most once a second
        health = http.get("/api/health").json()
        assert (health["status"], health["generation"]) == ("degraded", first)
        assert "truncated" in health["detail"] and first in health["detail"]
        assert str(settings.data_dir) not in health["detail"]
        codes = [http.get("/api/search", params={"q": q}).status_code for q in QUERIES * 25]
        codes += [http.post("/api/ask", json={"question": q}).status_code for q in QUERIES]
        assert set(codes) == {200}, codes  # 2 % of them used to be 500s
        # The next build repairs it: it builds on the intact older generation and says so.
        third = rebuild(settings, lib, "version three")
        time.sleep(REFRESH)
        health = http.get("/api/health").json()
        assert (health["status"], health["generation"], health["detail"]) == ("ok", third, None)


def test_a_build_on_a_damaged_generation_builds_on_the_intact_older_one(
        library: tuple[Settings, Path]) -> None:
    settings, lib = library
    second = rebuild(settings, lib, "two")
    truncate(store.generation_path(settings.data_dir, second) / "papers.sqlite")
    records = synthetic_records()
    records[0]["abstract"] += " three"
    write_synthetic(lib, records)
    report = build([SourceSpec(kind="path", value=str(lib))], settings.index, HashEmbedder,
                   mode="reindex", progress=False)
    assert any(f"generation {second} is damaged" in n for n in report.notices)
    assert report.generation and report.embedded <= 2  # the older vectors were reused
    verify_generation(store.generation_path(settings.data_dir))


def test_a_server_starting_on_a_damaged_generation_serves_the_older_one(
        library: tuple[Settings, Path]) -> None:
    settings, lib = library
    first = store.current_generation(settings.data_dir)
    second = rebuild(settings, lib, "two")
    truncate(store.generation_path(settings.data_dir, second) / "papers.sqlite", keep=0.3)
    with client(settings) as http:
        health = http.get("/api/health").json()
        assert (health["status"], health["generation"]) == ("degraded", first)
        assert http.get("/api/search", params={"q": QUERIES[0]}).status_code == 200


def test_the_cli_says_it_in_one_line(library: tuple[Settings, Path]) -> None:
    settings, lib = library
    second = rebuild(settings, lib, "two")
    db = store.generation_path(settings.data_dir, second) / "papers.sqlite"
    truncate(db)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for args in (["search", "talking head"], ["similar", "2401.10001"], ["digest", "--since", "2024-01-01"]):
        proc = subprocess.run([sys.executable, "-m", "search", "-q", "--data-dir",
                               str(settings.data_dir), *args], capture_output=True, text=True,
                              cwd=REPO, env=env, timeout=120)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.splitlines() == [
            f"error: damaged index database {db}: truncated to {db.stat().st_size:,} of"
            f" {2 * db.stat().st_size:,} bytes"], proc.stderr


@pytest.mark.parametrize("damage", ["papers.sqlite", "vectors.faiss", "bm25/indptr.csc.index.npy"])
def test_a_build_never_publishes_a_generation_that_fails_its_check(
        library: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    """Something writes a broken file into the staged generation: the build fails in one
    line, CURRENT stays, and the staging directory is gone."""
    settings, lib = library
    before = store.current_generation(settings.data_dir)
    real = store.write_json

    def write_then_damage(path: Path, data: object) -> None:
        real(path, data)
        if path.name == "manifest.json":
            truncate(path.parent / damage, keep=0.25)

    monkeypatch.setattr(store, "write_json", write_then_damage)
    records = synthetic_records()
    records[1]["abstract"] += " changed"
    write_synthetic(lib, records)
    with pytest.raises(StoreError) as info:
        build([SourceSpec(kind="path", value=str(lib))], settings.index, HashEmbedder,
              mode="reindex", progress=False)
    assert len(str(info.value).splitlines()) == 1
    assert store.current_generation(settings.data_dir) == before
    assert not list((settings.data_dir / "generations").glob(".tmp-*"))


def test_check_sqlite_file(tmp_path: Path, library: tuple[Settings, Path]) -> None:
    settings, _ = library
    db = store.generation_path(settings.data_dir) / "papers.sqlite"
    check_sqlite_file(db)
    copy = tmp_path / "copy.sqlite"
    shutil.copy(db, copy)
    truncate(copy, keep=0.9)
    with pytest.raises(StoreError, match="truncated"):
        check_sqlite_file(copy)
    copy.write_bytes(b"not a database")
    with pytest.raises(StoreError, match="not an SQLite file"):
        check_sqlite_file(copy)
