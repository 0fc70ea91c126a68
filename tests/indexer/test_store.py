"""Generations, the CURRENT pointer, pruning, job reports and incremental reuse (fast tier).

Builds use the model-free encoder over the synthetic library, so the store's logic is
tested in seconds; crash safety with the real model is in test_build.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import store
from indexer.build import build
from indexer.config import IndexerSettings
from indexer.errors import IndexNotFoundError, LockedError
from indexer.models import JobReport, SourceSpec
from tests.fakes import HashEmbedder
from tests.synthetic import synthetic_records, write_synthetic


def _build(data_dir: Path, src: Path, enc: HashEmbedder, **kw: object) -> tuple[str | None, int]:
    settings = IndexerSettings(data_dir=data_dir)
    report = build([SourceSpec(kind="path", value=str(src))], settings, lambda: enc,
                   progress=False, **kw)  # type: ignore[arg-type]
    return report.generation, report.embedded


def test_an_empty_directory_has_no_index(tmp_path: Path) -> None:
    assert store.current_generation(tmp_path) is None
    with pytest.raises(IndexNotFoundError, match="avatar-scholar index"):
        store.generation_path(tmp_path)


def test_builds_publish_generations_and_keep_the_last_two(tmp_path: Path) -> None:
    enc, data = HashEmbedder(), tmp_path / "data"
    records = synthetic_records()
    names = []
    for n in (10, 20, 30):
        gen, _ = _build(data, write_synthetic(tmp_path / "lib.jsonl", records[:n]), enc)
        names.append(gen)
        assert store.current_generation(data) == gen
        manifest = store.read_manifest(store.generation_path(data))
        assert manifest.papers == n and manifest.model_id == HashEmbedder.model_id
    left = sorted(p.name for p in (data / "generations").iterdir())
    assert left == sorted(names[1:])  # keep_generations = 2, the oldest pruned
    assert not list((data / "generations").glob(".tmp-*"))


def test_unchanged_papers_keep_their_vectors(tmp_path: Path) -> None:
    enc, data = HashEmbedder(), tmp_path / "data"
    records = synthetic_records()
    _, first = _build(data, write_synthetic(tmp_path / "a.jsonl", records[:20]), enc)
    _, again = _build(data, write_synthetic(tmp_path / "a.jsonl", records[:25]), enc)
    assert first > 0 and 0 < again < first  # only the 5 new papers are embedded
    changed = [dict(r) for r in records[:25]]
    changed[0]["abstract"] += " Now with more words."
    _, third = _build(data, write_synthetic(tmp_path / "a.jsonl", changed), enc, mode="reindex")
    assert third == 1  # the one changed paper's single abstract chunk


def test_the_lock_admits_one_job(tmp_path: Path) -> None:
    with (store.job_lock(tmp_path), pytest.raises(LockedError, match="another indexing job"),
          store.job_lock(tmp_path)):
        pass
    with store.job_lock(tmp_path):  # released after the first job
        pass


def test_job_reports_round_trip_newest_first(tmp_path: Path) -> None:
    for kind in ("index", "reindex"):
        store.write_job_report(tmp_path, JobReport(kind=kind, finished="2024-01-01T00:00:00Z",
                                                   papers=3))
    (tmp_path / "jobs" / "zz-broken.json").write_text("{not json", encoding="utf-8")
    reports = store.read_job_reports(tmp_path)
    assert [r.kind for r in reports] == ["reindex", "index"]  # the broken one is left out


def test_json_is_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "x.json"
    store.write_json(target, {"a": 1})
    store.write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
