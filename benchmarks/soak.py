"""Soak test of generation switches: server memory and open files over many switches under load.

Usage (from the repo root):
    .venv/bin/python benchmarks/soak.py [--index benchmarks/results/corpus_index]
        [--switches 30] [--clients 4] [--warmup 60] [--server-path DIR] [--control]

Copies the current generation of `--index` (the full-corpus index; built from
../shared/corpus/chatpaperfree when missing) into a scratch data directory and starts a
real `avatar-scholar serve` on it. While `--clients` threads search (and every fifth
request asks) without pause, this process publishes `--switches` new generations, each
adding one changed paper (so every build rewrites the whole generation and the server
loads it). After each switch it records the server's RSS, its anonymous part, and the
files of pruned generations the server still has open or mapped.
Target: RSS after the last switch within +20 % of the RSS after the first, no pruned file
held, no failed request. Load runs `--warmup` seconds before the first switch, so the
query encoder's buffers and the thread pool have grown to their working size. `--control`
does the same builds into a copy the server does not serve: the memory of the same load
without switches. `--server-path` runs the server from another checkout (e.g. the code
before a fix) for a side-by-side comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from api_latency import QUERIES, QUESTIONS  # noqa: E402
from machine import machine  # noqa: E402

from indexer import store  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.embed import embedder_for  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from search.config import Settings  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "chatpaperfree"
TARGET_GROWTH = 0.20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, anonymous RSS) of a process in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["RssAnon"]


def held_pruned(pid: int, data_dir: Path) -> int:
    """Files of generations no longer on disk that the process has open or mapped."""
    root = str((data_dir / "generations").resolve()) + "/"
    paths = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            paths.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        if root in line:
            paths.add(line.split(maxsplit=5)[-1])
    live = {p.name for p in (data_dir / "generations").iterdir()}
    return sum(1 for p in paths if p.startswith(root) and p[len(root):].split("/")[0] not in live)


def scratch_copy(index: Path, into: Path) -> Path:
    """A data directory holding only the current generation of `index`."""
    name = store.current_generation(index)
    if name is None:
        sys.exit(f"no index in {index}")
    shutil.copytree(store.generation_path(index, name), into / "generations" / name)
    (into / "CURRENT").write_text(name + "\n", encoding="utf-8")
    return into


def load(url: str, stop: threading.Event, statuses: Counter[int], lock: threading.Lock) -> None:
    """Search without pause; every fifth request is an ask."""
    with httpx.Client(base_url=url, timeout=120) as http:
        i = 0
        while not stop.is_set():
            if i % 5 == 4:
                resp = http.post("/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
            else:
                resp = http.get("/api/search", params={"q": QUERIES[i % len(QUERIES)]})
            with lock:
                statuses[resp.status_code] += 1
            i += 1


def switch(data_dir: Path, embedder, i: int, work: Path) -> str:  # type: ignore[no-untyped-def]
    """Publish a new generation that adds one paper changed for round `i`."""
    record = {"id": "soak-paper", "title": "Soak test paper on talking head avatars",
              "abstract": f"Round {i}: a talking head avatar driven by audio, revision {i}."}
    path = work / "soak.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = build([SourceSpec(kind="path", value=str(path))], Settings.load(data_dir).index,
                   lambda: embedder, mode="add", progress=False)
    assert report.generation, report.notices
    return report.generation


def wait_generation(url: str, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/api/health", timeout=10).json().get("generation") == name:
            return
        time.sleep(0.2)
    sys.exit(f"the server did not switch to {name}")


def start(data_dir: Path, server_path: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(server_path), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "search", "-q", "--data-dir", str(data_dir), "serve",
           "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=server_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    sys.exit(f"server not ready:\n{log.read_text()[-2000:]}")


def ensure_index(index: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    if store.current_generation(index):
        return
    print(f"building the corpus index in {index} (once)", file=sys.stderr)
    build([SourceSpec(kind="path", value=str(CORPUS))], Settings.load(index).index,
          lambda: embedder, progress=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=REPO / "benchmarks" / "results" / "corpus_index")
    ap.add_argument("--switches", type=int, default=30)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--server-path", type=Path, default=REPO, help="checkout the server runs from")
    ap.add_argument("--warmup", type=float, default=60.0, help="seconds of load before switch 1")
    ap.add_argument("--control", action="store_true",
                    help="build into a copy the server does not serve (no switches)")
    args = ap.parse_args()
    settings = Settings.load(args.index)
    embedder = embedder_for(settings.index)
    ensure_index(args.index, embedder)
    work = Path(tempfile.mkdtemp(prefix="soak_"))
    data_dir = scratch_copy(args.index, work / "data")
    built = scratch_copy(args.index, work / "control") if args.control else data_dir
    proc, url = start(data_dir, args.server_path.resolve(), work / "server.log")
    statuses: Counter[int] = Counter()
    lock, stop = threading.Lock(), threading.Event()
    clients = [threading.Thread(target=load, args=(url, stop, statuses, lock))
               for _ in range(args.clients)]
    rows = []
    try:
        start_rss = memory_mb(proc.pid)
        for c in clients:
            c.start()
        time.sleep(args.warmup)
        for i in range(1, args.switches + 1):
            name = switch(built, embedder, i, work)
            if not args.control:
                wait_generation(url, name)
            time.sleep(3.0)  # requests on the old generation finish, its memory is trimmed
            rows.append((i, *memory_mb(proc.pid), held_pruned(proc.pid, data_dir)))
            print(f"switch {i}: RSS {rows[-1][1]:.0f} MiB, held pruned files {rows[-1][3]}",
                  file=sys.stderr)
    finally:
        stop.set()
        for c in clients:
            if c.is_alive():
                c.join()
        proc.terminate()
        proc.wait(timeout=30)
    report(args, start_rss, rows, statuses)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def report(args: argparse.Namespace, start_rss: tuple[float, float],
           rows: list[tuple[int, float, float, int]], statuses: Counter[int]) -> None:
    first, last = rows[0], rows[-1]
    growth = last[1] / first[1] - 1
    what = "builds the server does not see (control)" if args.control else "generation switches"
    print(f"\n### Soak: {len(rows)} {what} under load ({args.clients} clients,"
          f" {args.warmup:.0f} s warm-up)\n")
    print(f"Machine: {machine()}; load average before the run "
          f"{os.getloadavg()[0]:.1f}; server from {args.server_path.resolve()}\n")
    print("| after switch | RSS MiB | anonymous MiB | files of pruned generations held |")
    print("|---|---|---|---|")
    print(f"| (before load and warm-up) | {start_rss[0]:.0f} | {start_rss[1]:.0f} | - |")
    for i, rss, anon, held in rows:
        if i in (1, 2, 5, 10, 15, 20, 25) or i == len(rows):
            print(f"| {i} | {rss:.0f} | {anon:.0f} | {held} |")
    failed = sum(n for code, n in statuses.items() if code != 200)
    print(f"\nRSS after the last switch vs the first: **{growth:+.1%}** (target ≤ "
          f"+{TARGET_GROWTH:.0%}); peak {max(r[1] for r in rows):.0f} MiB; requests"
          f" {sum(statuses.values())}, failed {failed} ({dict(statuses)}); pruned files held at"
          f" the end: {last[3]}. Target {'met' if growth <= TARGET_GROWTH and not failed else 'MISSED'}.")


if __name__ == "__main__":
    sys.exit(main())
