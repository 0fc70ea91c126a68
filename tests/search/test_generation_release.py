"""Old generations are released after a switch (issue 14, item 8): once the last request
on a pruned generation has finished, none of its files is open or mapped in the server.

A real uvicorn server in this process (so /proc/self is the server) over the synthetic
index, with searches and asks running concurrently while generations are switched.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest

from indexer import store
from indexer.build import build
from indexer.models import SourceSpec
from search.config import Settings
from tests.fakes import HashEmbedder
from tests.synthetic import synthetic_records, write_synthetic
from tests.ui.support import serve_api

SWITCHES = 8


def held_generations(data_dir: Path) -> set[str]:
    """Generations of `data_dir` with a file open (fd) or mapped (mmap) in this process."""
    root = str((data_dir / "generations").resolve()) + "/"
    paths = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            paths.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # closed in between
            continue
    with open("/proc/self/maps", encoding="utf-8") as fh:
        paths += [line.split(maxsplit=5)[-1].strip() for line in fh if root in line]
    return {p[len(root):].split("/")[0] for p in paths if p.startswith(root)}


def wait_for(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_pruned_generations_hold_no_files_after_switches_under_load(
        tmp_path: Path, synthetic_index: Settings) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(synthetic_index.data_dir, data_dir)
    settings = Settings.load(data_dir)
    library = tmp_path / "library.jsonl"
    stop = threading.Event()
    errors: list[int] = []

    def load(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                for resp in (http.get("/api/search", params={"q": "gaussian talking head"}),
                             http.post("/api/ask", json={"question": "How are talking heads"
                                                                     " animated?"})):
                    if resp.status_code != 200:
                        errors.append(resp.status_code)

    with serve_api(settings, HashEmbedder()) as url:
        workers = [threading.Thread(target=load, args=(url,)) for _ in range(4)]
        for w in workers:
            w.start()
        try:
            for i in range(SWITCHES):
                records = synthetic_records()
                records[i]["abstract"] += f" revision {i}"
                write_synthetic(library, records)
                build([SourceSpec(kind="path", value=str(library))], settings.index, HashEmbedder,
                      mode="reindex", progress=False)
                current = store.current_generation(data_dir)
                assert wait_for(lambda c=current: httpx.get(f"{url}/api/health").json()
                                ["generation"] == c)
                on_disk = {p.name for p in (data_dir / "generations").iterdir()}
                # Requests that started on a pruned generation finish within moments.
                assert wait_for(lambda d=on_disk: held_generations(data_dir) <= d), \
                    held_generations(data_dir) - on_disk
        finally:
            stop.set()
            for w in workers:
                w.join()
    assert errors == []


@pytest.mark.slow
def test_milvus_lite_servers_of_old_generations_are_stopped(tmp_path: Path) -> None:
    """With Milvus Lite inside each generation, a switch stops the old generation's
    in-process Milvus server (and frees its files) once the old snapshot is gone."""
    from milvus_lite.server_manager import server_manager_instance

    from search.retrieval.engine import Searcher

    library = write_synthetic(tmp_path / "library.jsonl")
    settings = Settings.load(tmp_path / "data", vector_store="milvus")
    spec = [SourceSpec(kind="path", value=str(library))]
    build(spec, settings.index, HashEmbedder, progress=False)
    searcher = Searcher(settings, HashEmbedder)
    first = searcher.snapshot.generation
    assert searcher.search("gaussian talking head").hits
    lite = {p for p in server_manager_instance._servers if first in p}
    assert lite, "the first generation is served by a Milvus Lite server"
    for i in range(2):
        records = synthetic_records()
        records[i]["abstract"] += f" revision {i}"
        write_synthetic(library, records)
        build(spec, settings.index, HashEmbedder, mode="reindex", progress=False)
        assert searcher.refresh(min_interval=0).generation == store.current_generation(
            settings.data_dir)
        assert searcher.search("gaussian talking head").hits
    assert not (settings.data_dir / "generations" / first).exists()  # pruned
    assert not any(first in p for p in server_manager_instance._servers)
    assert first not in held_generations(settings.data_dir)
