"""Incremental builds, generations, the job lock and crash safety, with the real model."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from indexer import store
from indexer.build import build
from indexer.embed import Embedder
from indexer.errors import LockedError
from indexer.models import SourceSpec
from search.config import Settings
from search.retrieval.engine import Searcher
from tests.shared import REPO

DIGEST_A = "2024-01-24/Talking Head Generation.md"
DIGEST_B = "2024-01-30/Talking Head Generation.md"


class CountingEmbedder:
    """The real embedder, counting how many texts it was asked to encode."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id, self.dim, self.backend = inner.model_id, inner.dim, inner.backend
        self.texts = 0

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def _build(settings: Settings, embedder: CountingEmbedder, *paths: Path,
           mode: str = "add", keep_removed: bool = False):  # type: ignore[no-untyped-def]
    specs = [SourceSpec(kind="path", value=str(p)) for p in paths]
    return build(specs, settings.index, lambda: embedder, mode=mode,  # type: ignore[arg-type]
                 keep_removed=keep_removed, progress=False)


def _new_ids(a: Path, b: Path) -> set[str]:
    """Papers of digest b that digest a does not have (or has at another version)."""
    def entries(p: Path) -> set[str]:
        return set(re.findall(r"abs/(\d{4}\.\d{4,5}v\d+)", p.read_text(encoding="utf-8")))

    return {e.split("v")[0] for e in entries(b) - entries(a)}


def _ids(settings: Settings) -> set[str]:
    con = store.connect_readonly(store.generation_path(settings.data_dir))
    try:
        return set(store.read_papers(con))
    finally:
        con.close()


@pytest.fixture()
def digests(tmp_path: Path, corpus_dir: Path) -> tuple[Path, Path]:
    """Private copies of two real digests, so tests can edit and delete entries."""
    folder = tmp_path / "digests"
    folder.mkdir()
    a, b = folder / "a.md", folder / "b.md"
    shutil.copy(corpus_dir / DIGEST_A, a)
    shutil.copy(corpus_dir / DIGEST_B, b)
    return a, b


def test_adding_a_source_embeds_only_new_papers(tmp_path: Path, digests: tuple[Path, Path],
                                                embedder: Embedder) -> None:
    a, b = digests
    settings = Settings.load(tmp_path / "idx")
    enc = CountingEmbedder(embedder)
    first = _build(settings, enc, a)
    assert first.added == first.papers > 20 and enc.texts == first.embedded
    enc.texts = 0
    second = _build(settings, enc, b)
    assert second.added > 0 and second.unchanged + second.updated == first.papers
    assert second.papers == len(_ids(settings)) == first.papers + second.added
    # Only the new and changed papers' chunks went through the encoder.
    con = store.connect_readonly(store.generation_path(settings.data_dir))
    before_ids = set(store.read_papers(con)) - _new_ids(a, b)
    fresh = [c for c, v in store.read_chunks(con) if v is not None and c.paper_id not in before_ids]
    con.close()
    assert enc.texts == second.embedded == len(fresh) > 0
    again = _build(settings, enc, a)
    assert again.added == again.updated == 0


def test_new_version_replaces_chunks_and_removed_entries_disappear(
        tmp_path: Path, digests: tuple[Path, Path], embedder: Embedder) -> None:
    a, _ = digests
    settings = Settings.load(tmp_path / "idx")
    enc = CountingEmbedder(embedder)
    _build(settings, enc, a.parent)
    text = a.read_text(encoding="utf-8")
    entries = re.findall(r"\[PDF\]\(http://arxiv\.org/abs/(\d{4}\.\d{4,5})v(\d+)\)", text)
    (changed, version), (removed, _) = entries[0], entries[1]
    text = text.replace(f"abs/{changed}v{version})", f"abs/{changed}v{int(version) + 1})")
    text = re.sub(r"(\n## [^\n]+\n\n\*\*Authors:[^\n]+\n\n)",
                  r"\1A brand-new opening sentence about volumetric lip retargeting. ", text, count=1)
    start = text.index(f"abs/{removed}v")
    block_start = text.rfind("\n## ", 0, start)
    block_end = text.find("\n## ", start)
    text = text[:block_start] + text[block_end:]
    a.write_text(text, encoding="utf-8")
    enc.texts = 0
    report = _build(settings, enc, a.parent, mode="reindex")
    assert report.updated == 1 and report.removed == 1 and report.added == 0
    assert enc.texts == report.embedded and 0 < report.embedded <= 3
    assert removed not in _ids(settings) and changed in _ids(settings)
    searcher = Searcher(settings, embedder_factory=lambda: embedder)
    assert searcher.paper(changed).version == int(version) + 1
    hit = searcher.search("volumetric lip retargeting", k=1).hits[0]
    assert hit.arxiv_id == changed and "volumetric lip retargeting" in hit.excerpt


def test_keep_removed_and_generation_pruning(tmp_path: Path, digests: tuple[Path, Path],
                                             embedder: Embedder) -> None:
    a, b = digests
    settings = Settings.load(tmp_path / "idx")
    enc = CountingEmbedder(embedder)
    _build(settings, enc, a.parent)
    before = _ids(settings)
    b.unlink()
    report = _build(settings, enc, a.parent, mode="reindex", keep_removed=True)
    assert report.removed == 0 and _ids(settings) == before
    report = _build(settings, enc, a.parent, mode="reindex")
    assert report.removed > 0 and _ids(settings) < before
    gens = [p for p in (settings.data_dir / "generations").iterdir()]
    assert len(gens) == 2  # the last two generations are kept
    assert store.current_generation(settings.data_dir) in {g.name for g in gens}


def test_second_job_is_refused_while_one_holds_the_lock(tmp_path: Path) -> None:
    data_dir = tmp_path / "idx"
    with store.job_lock(data_dir):
        with pytest.raises(LockedError), store.job_lock(data_dir):
            pass
        proc = _cli(data_dir, "index", str(tmp_path))
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [f"error: another indexing job is running on {data_dir}"]


def _cli(data_dir: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("AVATAR_SCHOLAR_CRASH_AT", None)
    if crash_at:
        env["AVATAR_SCHOLAR_CRASH_AT"] = crash_at
    return subprocess.run([sys.executable, "-m", "search", "-q", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=600)


@pytest.mark.parametrize("stage", ["parse", "embed", "write", "switch"])
def test_killed_build_leaves_previous_generation_serving(
        stage: str, tmp_path: Path, digests: tuple[Path, Path], embedder: Embedder) -> None:
    a, b = digests
    settings = Settings.load(tmp_path / "idx")
    _build(settings, CountingEmbedder(embedder), a)
    generation = store.current_generation(settings.data_dir)
    before = _ids(settings)
    crashed = _cli(settings.data_dir, "index", str(b), crash_at=stage)
    assert crashed.returncode == -9, crashed.stderr  # SIGKILL, mid-job
    assert store.current_generation(settings.data_dir) == generation
    searcher = Searcher(settings, embedder_factory=lambda: embedder)
    assert searcher.search("talking head video from audio", k=3).hits
    assert _ids(settings) == before
    done = _cli(settings.data_dir, "index", str(b))
    assert done.returncode == 0, done.stderr
    assert store.current_generation(settings.data_dir) != generation
    assert _ids(settings) > before
    assert not list((settings.data_dir / "generations").glob(".tmp-*"))


def test_search_keeps_answering_during_a_build_then_switches(
        tmp_path: Path, digests: tuple[Path, Path], embedder: Embedder) -> None:
    a, b = digests
    settings = Settings.load(tmp_path / "idx")
    _build(settings, CountingEmbedder(embedder), a)
    searcher = Searcher(settings, embedder_factory=lambda: embedder)
    old = searcher.snapshot.generation
    job = threading.Thread(target=_build, args=(settings, CountingEmbedder(embedder), b))
    job.start()
    answered = 0
    while job.is_alive():
        assert searcher.search("lip synchronization for talking faces", k=5).hits
        answered += 1
    job.join()
    assert answered > 0
    assert searcher.refresh(min_interval=0).generation != old
    assert searcher.snapshot.generation == store.current_generation(settings.data_dir)


def test_arxiv_update_asks_only_for_what_changed_since_the_watermark(
        tmp_path: Path, embedder: Embedder) -> None:
    from datetime import UTC, datetime

    from tests.stubs.atom_server import AtomServer, StubEntry, make_entries

    with AtomServer() as srv:
        about = "A talking head model that animates avatars from audio."
        srv.add(*make_entries(6, abstract=about))
        settings = Settings.load(tmp_path / "idx", arxiv_url=srv.url,
                                  arxiv_delay_seconds=0.05)
        spec = SourceSpec(kind="arxiv", value="talking head")
        first = build([spec], settings.index, lambda: embedder, progress=False)
        assert first.added == 6
        recorded = store.read_manifest(store.generation_path(settings.data_dir)).sources
        assert recorded[0].kind == "arxiv" and recorded[0].watermark is not None
        srv.add(StubEntry("2401.00003", version=2, title="A revised stub paper", abstract=about,
                          updated=datetime.now(UTC)),
                StubEntry("2411.99999", title="A brand-new avatar paper", abstract=about,
                          updated=datetime.now(UTC), published=datetime.now(UTC)))
        asked = len(srv.requests)
        enc = CountingEmbedder(embedder)
        second = build(recorded, settings.index, lambda: enc, mode="add", use_watermarks=True,
                       progress=False)
        new_requests = srv.requests[asked:]
    assert (second.added, second.updated, second.unchanged) == (1, 1, 6 - 1)
    assert enc.texts == second.embedded  # only the two changed papers were embedded
    assert all(r.params.get("sortBy") == "lastUpdatedDate" for r in new_requests)
    assert len(new_requests) == 1  # the old entries sit below the watermark: one page, early stop
    assert Searcher(settings, lambda: embedder).paper("2401.00003").version == 2
