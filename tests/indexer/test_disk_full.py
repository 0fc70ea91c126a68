"""A disk that fills up during a build (issue 14, item 1): one line naming the data
directory and the space needed, no staging left behind, a job report, and the next run
works once space is freed.

The disk is a real 32 MB tmpfs where the test may mount one (root); elsewhere the same
test runs on the fault hooks: `indexer.space.free_bytes` reports the space left, and
AVATAR_SCHOLAR_DISK_FULL_AT makes SQLite's write raise its real "database or disk is full".
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import space, store
from indexer.build import build
from indexer.errors import DiskFullError
from indexer.models import SourceSpec
from indexer.verify import verify_generation
from search.config import Settings
from tests.fakes import HashEmbedder
from tests.shared import REPO
from tests.synthetic import synthetic_records, write_synthetic

MB = 1024 * 1024


class SmallDisk:
    """A 32 MB filesystem to fill up: a tmpfs when it can be mounted, else the fault hooks."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.monkeypatch = root, monkeypatch
        root.mkdir()
        self.real = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(root)],
                                   capture_output=True).returncode == 0
        self.filler = root / "filler"

    def fill(self, leave: int) -> None:
        """Leave only `leave` bytes free."""
        if self.real:
            with open(self.filler, "ab") as fh:
                fh.write(b"\0" * max(0, space.free_bytes(self.root) - leave))
            return
        self.monkeypatch.setattr(space, "free_bytes", lambda path: leave)
        self.monkeypatch.setenv("AVATAR_SCHOLAR_DISK_FULL_AT", "sqlite")

    def free(self) -> None:
        """Free the space again."""
        if self.real:
            self.filler.unlink(missing_ok=True)
        else:
            self.monkeypatch.undo()

    def unmount(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.root)], check=False)


@pytest.fixture()
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    small = SmallDisk(tmp_path / "disk", monkeypatch)
    try:
        yield small
    finally:
        small.unmount()


def _build(settings: Settings, library: Path, change: str = "") -> str | None:
    records = synthetic_records()
    records[0]["abstract"] += change
    write_synthetic(library, records)
    return build([SourceSpec(kind="path", value=str(library))], settings.index, HashEmbedder,
                 mode="reindex", progress=False).generation


def _left_behind(data_dir: Path) -> list[str]:
    return [p.name for p in (data_dir / "generations").iterdir() if p.name.startswith(".")]


def test_a_full_disk_fails_cleanly_and_the_next_run_works(disk: SmallDisk, tmp_path: Path) -> None:
    data_dir, library = disk.root / "data", tmp_path / "library.jsonl"
    settings = Settings.load(data_dir)
    first = _build(settings, library)
    assert first
    # 1. Too little room even for a copy of the current generation: refused before reading.
    disk.fill(leave=MB)
    with pytest.raises(DiskFullError) as early:
        _build(settings, library, " two")
    message = str(early.value)
    assert message.startswith(f"not enough free space for a new index generation in {data_dir}:"
                              " it needs about ") and "free some space" in message
    assert len(message.splitlines()) == 1
    # 2. The check is off (or the disk fills behind its back): the write itself fails.
    unchecked = Settings.load(data_dir, check_free_space=False)
    disk.fill(leave=64 * 1024)
    with pytest.raises(DiskFullError) as late:
        _build(unchecked, library, " three")
    message = str(late.value)
    assert message.startswith(f"disk full while writing a new index generation in {data_dir}:"
                              " it needs about ") and "the index is unchanged" in message
    assert len(message.splitlines()) == 1
    assert _left_behind(data_dir) == [] and store.current_generation(data_dir) == first
    verify_generation(store.generation_path(data_dir))  # the served generation is intact
    failed = [r for r in store.read_job_reports(data_dir) if r.error]
    assert [r.error for r in failed] == [str(late.value), str(early.value)]
    assert all(r.kind == "reindex" and r.generation is None for r in failed)
    # 3. Space freed: the next run works without anyone cleaning up.
    disk.free()
    second = _build(settings, library, " four")
    assert second and second != first and store.current_generation(data_dir) == second


@pytest.mark.parametrize("where", ["sqlite", "vectors", "pointer"])
def test_every_write_of_a_generation_reports_a_full_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """SQLite's OperationalError, OSError(ENOSPC) from numpy, and the CURRENT pointer
    failing after the rename: each becomes the same one-line error, and nothing of the
    new generation remains."""
    data_dir, library = tmp_path / "data", tmp_path / "library.jsonl"
    settings = Settings.load(data_dir)
    first = _build(settings, library)
    monkeypatch.setenv("AVATAR_SCHOLAR_DISK_FULL_AT", where)
    with pytest.raises(DiskFullError, match=f"^disk full while writing a new index generation in {data_dir}"):
        _build(settings, library, " two")
    assert _left_behind(data_dir) == []
    assert sorted(p.name for p in (data_dir / "generations").iterdir()) == [first]
    assert store.current_generation(data_dir) == first
    monkeypatch.delenv("AVATAR_SCHOLAR_DISK_FULL_AT")
    assert _build(settings, library, " three")


def test_is_disk_full() -> None:
    import errno
    import sqlite3

    assert space.is_disk_full(sqlite3.OperationalError("database or disk is full"))
    assert space.is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert space.is_disk_full(RuntimeError("Error: 'ret == (n)' failed: write error: No space left on device"))
    assert not space.is_disk_full(sqlite3.OperationalError("no such table: papers"))
    assert not space.is_disk_full(OSError(errno.EACCES, "Permission denied"))


def test_the_cli_reports_a_full_disk_in_one_line(tmp_path: Path, shared_dir: Path) -> None:
    """Through the console script with the real model: one `error:` line, exit code 1."""
    data_dir = tmp_path / "data"
    library = write_synthetic(tmp_path / "library.jsonl")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "search", "-q", "--data-dir", str(data_dir), "index", str(library)]
    assert subprocess.run(cmd, env=env, capture_output=True, cwd=REPO, timeout=600).returncode == 0
    records = synthetic_records()
    records[2]["abstract"] += " revised"
    write_synthetic(library, records)
    proc = subprocess.run(cmd, env={**env, "AVATAR_SCHOLAR_DISK_FULL_AT": "sqlite"},
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"error: disk full while writing a new index generation in {data_dir}: it needs about")
    assert _left_behind(data_dir) == []
    jobs = subprocess.run([*cmd[:6], "jobs", "--json"], env=env, capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert '"error": "disk full while writing' in jobs.stdout
    assert subprocess.run(cmd, env=env, capture_output=True, cwd=REPO, timeout=600).returncode == 0
