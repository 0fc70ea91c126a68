"""The console script on bad input: one-line errors or skip reports, documented exit codes,
and an existing index left untouched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from indexer import store
from search.config import Settings
from tests.conftest import build_into
from tests.shared import REPO
from tests.stubs.atom_server import AtomServer


def cli(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1", **env}
    return subprocess.run([sys.executable, "-m", "search", "-q", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=full_env, cwd=REPO, timeout=600)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, embedder) -> Path:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("cli_index")
    build_into(data_dir, [corpus_dir / "2024-01-24" / "Talking Head Generation.md"], embedder)
    return data_dir


def _snapshot(data_dir: Path) -> tuple[str | None, list[str]]:
    gen = store.current_generation(data_dir)
    return gen, sorted(p.name for p in (data_dir / "generations").iterdir())


def _bad_inputs(folder: Path, shared_dir: Path) -> None:
    folder.mkdir()
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (folder / "empty.pdf").write_bytes(b"")
    real = shared_dir / "corpus" / "pdfs" / "2401.04099.pdf"
    (folder / "truncated.pdf").write_bytes(real.read_bytes()[:4096])
    doc = pymupdf.open(real)
    doc.save(folder / "encrypted.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256,
             user_pw="secret", owner_pw="owner")
    digest = (shared_dir / "corpus" / "chatpaperfree" / "2024-01-30" / "NeRF.md").read_text("utf-8")
    (folder / "truncated-digest.md").write_text(digest[: len(digest) // 3], encoding="utf-8")


def test_bad_files_are_skipped_with_reasons(tmp_path: Path, index_dir: Path,
                                            shared_dir: Path) -> None:
    data_dir = tmp_path / "idx"
    shutil.copytree(index_dir, data_dir)
    folder = tmp_path / "bad"
    _bad_inputs(folder, shared_dir)
    proc = cli(data_dir, "index", str(folder))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    skipped = [ln for ln in proc.stderr.splitlines() if ln.startswith("skipped:")]
    names = " ".join(skipped)
    for name in ("corrupt.pdf", "empty.pdf", "truncated.pdf", "encrypted.pdf"):
        assert name in names
    assert "encrypted" in names and "empty" in names
    assert proc.stderr.strip().splitlines()[-1].startswith("index: ")


@pytest.mark.parametrize("case", ["missing", "empty-dir", "only-bad", "arxiv-500", "arxiv-garbage"])
def test_failures_leave_the_index_untouched(case: str, tmp_path: Path, index_dir: Path,
                                            shared_dir: Path) -> None:
    data_dir = tmp_path / "idx"
    shutil.copytree(index_dir, data_dir)
    before = _snapshot(data_dir)
    env: dict[str, str] = {}
    with AtomServer() as srv:
        if case == "missing":
            args, expect = [str(tmp_path / "nope")], "no such file or directory"
        elif case == "empty-dir":
            (tmp_path / "empty").mkdir()
            args, expect = [str(tmp_path / "empty")], "no PDFs, digests or JSONL files found"
        elif case == "only-bad":
            (tmp_path / "bad").mkdir()
            (tmp_path / "bad" / "x.pdf").write_bytes(b"not a pdf at all")
            args, expect = [str(tmp_path / "bad")], "not a PDF"
        else:
            srv.fail("status" if case == "arxiv-500" else "garbage", status=500, times=None)
            env = {"AVATAR_SCHOLAR_ARXIV_URL": srv.url, "AVATAR_SCHOLAR_ARXIV_DELAY_SECONDS": "0.05"}
            args, expect = ["arxiv:talking head"], "arXiv query 'talking head' failed"
        proc = cli(data_dir, "index", *args, **env)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert expect in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    assert _snapshot(data_dir) == before


def test_no_index_yet_is_exit_code_4(tmp_path: Path) -> None:
    proc = cli(tmp_path / "empty", "search", "talking head")
    assert proc.returncode == 4
    assert proc.stderr.strip().splitlines() == [
        f"error: no index in {tmp_path / 'empty'}: build one with `avatar-scholar index SOURCE`"]


def test_search_cli_json_and_text(index_dir: Path) -> None:
    proc = cli(index_dir, "search", "one-shot 3D talking portrait from a single image", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["hits"][0]["arxiv_id"] == "2401.08503"
    assert set(data["hits"][0]) >= {"arxiv_id", "title", "authors", "published", "topics", "score",
                                    "excerpt", "section", "page", "url"}
    text = cli(index_dir, "search", "   ")
    assert text.returncode == 1 and text.stderr.strip().startswith("error: empty query")


def test_search_says_when_nothing_matches(index_dir: Path) -> None:
    from search.retrieval.floor import NO_MATCH, NO_MATCH_ZH, NONE_SHOWN

    proc = cli(index_dir, "search", "zzqxj qwertyuiop")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "no matching papers\n"
    assert proc.stderr.splitlines() == [f"note: {NO_MATCH} {NONE_SHOWN}"]
    zh = json.loads(cli(index_dir, "search", "犇骉羴猋", "--json").stdout)
    assert zh["notices"] == [f"{NO_MATCH_ZH} {NO_MATCH} {NONE_SHOWN}"] and zh["hits"] == []


@pytest.mark.slow
def test_every_subcommand_has_help() -> None:
    from search.cli.main import COMMANDS

    assert len({c.name for c in COMMANDS}) == len(COMMANDS) == 17
    for command in COMMANDS:
        proc = subprocess.run([sys.executable, "-m", "search", command.name, "--help"],
                              capture_output=True, text=True, cwd=REPO, timeout=60)
        assert proc.returncode == 0 and "usage: avatar-scholar" in proc.stdout, command.name


def test_settings_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATAR_SCHOLAR_DATA", str(tmp_path))
    monkeypatch.setenv("AVATAR_SCHOLAR_API_PORT", "8123")
    s = Settings.load()
    assert s.data_dir == tmp_path and s.service.api_port == 8123
