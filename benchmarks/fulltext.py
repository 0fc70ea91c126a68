"""Full-text throughput: PDF parsing overlapped with embedding, and the time to enrich the library.

Usage (from the repo root):
    .venv/bin/python benchmarks/fulltext.py [--rounds 2] [--batch 8] [--no-paced] [--no-scale]

1. Side by side: the arXiv PDFs of ../shared/corpus/pdfs (by the ids of MANIFEST.tsv), served
   by the local PDF mirror of the tests (tests/stubs/pdf_server.py) with no pause, so downloads
   cost next to nothing, are enriched by the real `fulltext` job into a metadata-only index of
   the same papers: once as shipped, parsing in the job's own thread ("sequential"), and once
   with `OverlappedPipeline`, a worker process that parses each PDF as soon as it is
   downloaded, while the job embeds ("overlapped"), in alternating order for --rounds rounds,
   with one loaded encoder (the default backend). chunks/s = chunks embedded / wall.
2. Paced: one run as shipped with arXiv's 3 s pause: do the downloads hide the rest?
3. Scale: what publishing one batch costs (every stage but embedding) once the index holds the
   whole bundled library with full text: bodies dealt round-robin from the shared PDFs' parsed
   text, indexed with the model-free encoder (only the write cost is measured here).
The projection for the bundled library combines them: downloads at ≥ 3 s each (plus transfer
at an assumed bandwidth), parsing and embedding at the measured rates for the mean chunks per
paper of the shared PDFs, and a publish per batch at the mean of the small and full-size cost.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from machine import machine  # noqa: E402

from indexer import store  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.config import IndexerSettings  # noqa: E402
from indexer.embed import Embedder, load_embedder  # noqa: E402
from indexer.errors import PdfFetchError  # noqa: E402
from indexer.fulltext import Parsed, parse_to_cache  # noqa: E402
from indexer.fulltext_job import FulltextReport, run_fulltext  # noqa: E402
from indexer.fulltext_pipeline import Pipeline, Task  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from tests.fakes import HashEmbedder  # noqa: E402
from tests.stubs.pdf_server import PdfServer, manifest_ids  # noqa: E402

PDFS = REPO.parent / "shared" / "corpus" / "pdfs"
LIBRARY = REPO / "index_data" / "library" / "avatar-papers-2024.jsonl.gz"
ARXIV_PAUSE = 3.0
LABELS = {"sequential": "as shipped: parse in the job's thread, then embed",
          "overlapped": "worker process parses while the job embeds (dropped)"}
ASSUMED_MB_PER_S = 5.0  # transfer from export.arxiv.org; not measurable here (no internet)


class OverlappedPipeline(Pipeline):
    """The variant that was measured and dropped: parsing in a worker process, started by the
    download thread as soon as a PDF is on disk, so it runs while the job embeds."""

    def __init__(self, tasks: list[Task], settings: IndexerSettings) -> None:
        super().__init__(tasks, settings)
        spawn = multiprocessing.get_context("spawn")  # the caller holds threads (ONNX Runtime)
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=spawn)
        self.futures: dict[str, Future[Parsed]] = {}

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.pool.shutdown(cancel_futures=True)

    def downloaded(self, task: Task, failure: PdfFetchError | None) -> None:
        if failure is None:
            self.futures[task.key] = self.pool.submit(parse_to_cache, task.arxiv_id, task.version,
                                                      self.data_dir, self.keep_pdfs)

    def parse(self, task: Task) -> Parsed:
        return self.futures.pop(task.key).result()


def metadata_index(data_dir: Path, ids: list[str], embedder: Embedder, srv: PdfServer,
                   delay: float = 0.0) -> IndexerSettings:
    """An abstract-only index of the papers (untimed), full text pointed at the stub."""
    titles = {r[1]: r[2] for r in (ln.split("\t") for ln in
                                   (PDFS / "MANIFEST.tsv").read_text("utf-8").splitlines()[1:])}
    data_dir.mkdir(parents=True)
    lib = data_dir / "library.jsonl"
    lib.write_text("".join(json.dumps({"arxiv_id": i, "version": 1, "title": titles[i],
                                       "abstract": f"{titles[i]}."}) + "\n" for i in ids), "utf-8")
    settings = IndexerSettings(data_dir=data_dir, pdf_url=srv.url, pdf_delay_seconds=delay)
    build([SourceSpec(kind="library", value=str(lib))], settings, lambda: embedder, progress=False)
    return settings


def enrich(settings: IndexerSettings, embedder: Embedder, batch: int,
           pipeline: type[Pipeline] = Pipeline) -> FulltextReport:
    report = run_fulltext(settings, lambda: embedder, batch=batch, pipeline=pipeline,
                          progress=False)
    if report.skipped or not report.attached:
        raise SystemExit(f"the job did not attach every body: {report.summary()}")
    return report


def side_by_side(ids: list[str], embedder: Embedder, srv: PdfServer, work: Path, rounds: int,
                 batch: int) -> dict[str, list[FulltextReport]]:
    """Both contenders on fresh copies of the same index, alternating who goes first."""
    runs: dict[str, list[FulltextReport]] = {"sequential": [], "overlapped": []}
    for r in range(rounds):
        order = ["sequential", "overlapped"] if r % 2 == 0 else ["overlapped", "sequential"]
        for name in order:
            settings = metadata_index(work / f"{name}-{r}", ids, embedder, srv)
            pipeline = OverlappedPipeline if name == "overlapped" else Pipeline
            runs[name].append(enrich(settings, embedder, batch, pipeline))
            print(f"round {r + 1}: {name} {runs[name][-1].wall:.1f}s", file=sys.stderr)
    return runs


def publish_cost_at_scale(parsed_dir: Path, work: Path, batch: int) -> tuple[float, int, int]:
    """(seconds per publish without embedding, papers, chunks) for the full-text library."""
    bodies = sorted(parsed_dir.glob("*.passages.json.gz"))
    with gzip.open(LIBRARY, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    data_dir = work / "scale"
    settings = IndexerSettings(data_dir=data_dir)
    store.pdf_dir(data_dir).mkdir(parents=True)

    def give_bodies(recs: list[dict[str, Any]], start: int) -> None:
        for i, rec in enumerate(recs, start):
            key = store.pdf_key(rec["arxiv_id"], rec.get("version"))
            (store.passages_file(data_dir, key)).write_bytes(bodies[i % len(bodies)].read_bytes())

    give_bodies(records[:-batch], 0)
    spec = SourceSpec(kind="library", value=str(LIBRARY))
    print(f"scale: indexing {len(records)} papers with full text (model-free encoder)...",
          file=sys.stderr)
    build([spec], settings, HashEmbedder, progress=False)
    give_bodies(records[-batch:], len(records) - batch)
    t0 = time.perf_counter()
    report = build([], settings, HashEmbedder, mode="add", progress=False)
    wall = time.perf_counter() - t0
    return wall - report.seconds.get("embed", 0.0), report.papers, report.chunks


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8, help="papers per published generation")
    parser.add_argument("--library-batch", type=int, default=50, help="the job's default --batch")
    parser.add_argument("--no-paced", action="store_true", help="skip the run with 3 s pauses")
    parser.add_argument("--no-scale", action="store_true", help="skip the full-library publish cost")
    args = parser.parse_args()
    ids = sorted(manifest_ids(PDFS))
    embedder = load_embedder(IndexerSettings().backend)
    embedder.embed(["warm up the encoder"] * 32)
    load_before = os.getloadavg()[0]
    with PdfServer() as srv, tempfile.TemporaryDirectory() as tmp:
        srv.add_manifest(PDFS)
        work = Path(tmp)
        runs = side_by_side(ids, embedder, srv, work, args.rounds, args.batch)
        paced = None
        if not args.no_paced:
            settings = metadata_index(work / "paced", ids, embedder, srv, delay=ARXIV_PAUSE)
            paced = enrich(settings, embedder, args.batch)
        per_paper = chunks_per_paper(work / "sequential-0")
        scale = None if args.no_scale else publish_cost_at_scale(
            store.pdf_dir(work / "sequential-0"), work, args.library_batch)
    load_after = os.getloadavg()[0]
    report(runs, paced, scale, ids, args, (load_before, load_after), per_paper)


def chunks_per_paper(data_dir: Path) -> list[int]:
    """Chunks of each paper in an index (abstract and body)."""
    con = store.connect_readonly(store.generation_path(data_dir))
    try:
        rows = con.execute("SELECT COUNT(*) FROM chunks GROUP BY paper_id").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def report(runs: dict[str, list[FulltextReport]], paced: FulltextReport | None,
           scale: tuple[float, int, int] | None, ids: list[str], args: argparse.Namespace,
           load: tuple[float, float], counts: list[int]) -> None:
    """Print the tables (markdown) and the projection."""
    n = len(ids)
    mb = sum((PDFS / f"{i}.pdf").stat().st_size for i in ids) / 1e6
    print(f"Machine: {machine()}; load average {load[0]:.1f} before, {load[1]:.1f} after")
    print(f"PDFs: {n} arXiv PDFs of ../shared/corpus/pdfs ({mb:.0f} MB), batches of {args.batch},"
          f" {args.rounds} rounds alternating\n")
    print("| run | wall s | parse PDFs s | embed s | other index s | chunks embedded | chunks/s |"
          " × as shipped |")
    print("|---|---|---|---|---|---|---|---|")
    seq_wall = statistics.mean(r.wall for r in runs["sequential"])
    for name, reps in runs.items():
        wall = statistics.mean(r.wall for r in reps)
        parse = statistics.mean(r.stages.get("parse PDFs", 0) for r in reps)
        embed = statistics.mean(r.stages.get("index embed", 0) for r in reps)
        index = statistics.mean(sum(r.stages.values()) for r in reps) - parse - embed
        chunks = reps[0].embedded
        print(f"| {LABELS[name]} | {wall:.1f} | {parse:.1f} | {embed:.1f} | {index:.1f} | {chunks} |"
              f" {chunks / wall:.1f} | {seq_wall / wall:.2f} |")
    seq = runs["sequential"]
    per_paper = seq[0].embedded / n
    parse_s = statistics.mean(r.stages["parse PDFs"] for r in seq) / n
    embed_rate = seq[0].embedded / statistics.mean(r.stages["index embed"] for r in seq)
    small = statistics.mean(sum(v for k, v in r.stages.items() if k.startswith("index ")
                                and k != "index embed") for r in seq) / len(seq[0].batches)
    if paced:
        print(f"\nPaced ({ARXIV_PAUSE:.0f} s between requests, as shipped): {paced.wall:.1f} s for"
              f" {n} papers; the pauses alone are {n * ARXIV_PAUSE:.0f} s")
    print(f"\nChunks per paper: mean {statistics.mean(counts):.1f}, median"
          f" {statistics.median(counts):.0f}, min {min(counts)}, max {max(counts)}")
    print(f"Per paper: {per_paper:.1f} chunks embedded, parse {parse_s:.2f} s;"
          f" embedding {embed_rate:.1f} chunks/s; publish (all but embedding) {small:.1f} s"
          f" per batch at this size")
    if scale:
        full, papers, chunks = scale
        project(per_paper, parse_s, embed_rate, small, full, papers, chunks, mb / n, args)


def project(per_paper: float, parse_s: float, embed_rate: float, small: float, full: float,
            papers: int, chunks: int, mean_mb: float, args: argparse.Namespace) -> None:
    """The time to enrich the bundled library: one step after the other, and as the job runs
    (downloads in their own thread, overlapping the parsing, embedding and publishing)."""
    batches = math.ceil(papers / args.library_batch)
    download = papers * (ARXIV_PAUSE + mean_mb / ASSUMED_MB_PER_S)
    parse, embed = papers * parse_s, papers * per_paper / embed_rate
    publish = batches * (small + full) / 2
    cpu = parse + embed + publish
    print(f"Publishing one batch of {args.library_batch} into the full-text library ({papers} papers,"
          f" {chunks} chunks): {full:.1f} s without embedding\n")
    print(f"| projected, bundled library ({papers} papers) | time |")
    print("|---|---|")
    print(f"| downloads: {papers} × ({ARXIV_PAUSE:.0f} s pause + {mean_mb:.1f} MB at"
          f" {ASSUMED_MB_PER_S:.0f} MB/s, assumed) | {hours(download)} |")
    print(f"| parse PDFs ({parse_s:.2f} s each) | {hours(parse)} |")
    print(f"| embed {papers * per_paper:,.0f} chunks ({embed_rate:.0f}/s) | {hours(embed)} |")
    print(f"| publish {batches} batches of {args.library_batch} | {hours(publish)} |")
    print(f"| one step after the other (sum) | {hours(download + cpu)} |")
    print(f"| **the job as shipped** (downloads overlap the rest: the larger of the two) |"
          f" **{hours(max(download, cpu))}** |")


if __name__ == "__main__":
    main()
