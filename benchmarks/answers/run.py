"""Answers benchmark: do cited excerpts hold the facts asked, and do overviews state key points?

Usage (from the repo root; builds the index on first use, ~2 min on 2 cores):
    .venv/bin/python benchmarks/answers/run.py [--split dev|test|all|late|late2|…|broad3|…]
        [--data-dir DIR] [-v]

Index: the shared digest corpus plus the 27 shared PDFs (benchmarks/results/qa_index).
Body questions (body_questions.jsonl): a question counts as answered when a citation of
the right paper has an excerpt matching the question's pattern (whitespace-normalised,
case-insensitive), and as "in [1]-[3]" when one of the first three citations does.
Baselines on the same index: a chunk-level BM25 and a chunk-level dense retriever (the
raw question, no translation), answered when an answer-bearing chunk of the right paper
is in their top 5. Broad questions (broad_questions.jsonl): the share of key points whose
pattern matches the overview itself, beside a length-matched baseline (the first two
sentences of each of the top three search hits' abstracts). Also ask latency p50/p95.
`--split late` scores the late body and broad sets; `--split late2` / `late3` / `late5` / …
the later blind body sets (body_questions_lateN.jsonl) alone; `--split late4` the fourth
blind body set with the second blind broad set (broad_questions_late2.jsonl); `--split
broad3` / `broad4` / … the later blind broad sets (broad_questions_lateN.jsonl, N ≥ 3) alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.answers.sets import late_sets  # noqa: E402
from benchmarks.machine import machine  # noqa: E402
from indexer.build import build  # noqa: E402
from indexer.embed import embedder_for  # noqa: E402
from indexer.models import SourceSpec  # noqa: E402
from indexer.sentences import split_sentences  # noqa: E402
from indexer.textproc import tokenize  # noqa: E402
from search.answer.ask import answer  # noqa: E402
from search.config import Settings  # noqa: E402
from search.models import Answer  # noqa: E402
from search.retrieval.engine import Searcher  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_INDEX = REPO / "benchmarks" / "results" / "qa_index"
TOP_BASELINE = 5
Row = dict[str, Any]


def load(name: str, split: str) -> list[Row]:
    """The questions of one file and split ("all" for both)."""
    rows = [json.loads(line) for line in (HERE / name).read_text("utf-8").splitlines() if line]
    return [r for r in rows if split == "all" or r["split"] == split]


def ensure_index(data_dir: Path) -> Settings:
    """The digest corpus + shared PDFs index, built with the default backend if missing."""
    settings = Settings.load(data_dir)
    if not (data_dir / "CURRENT").is_file():
        specs = [SourceSpec(kind="path", value=str(CORPUS / d)) for d in ("chatpaperfree", "pdfs")]
        print(f"building {data_dir} ...", file=sys.stderr)
        build(specs, settings.index, lambda: embedder_for(settings.index), progress=True)
    return settings


def norm(text: str) -> str:
    return " ".join(text.split())


def matcher(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern, re.IGNORECASE)
    return lambda text: bool(compiled.search(norm(text)))


def paper_ids(searcher: Searcher) -> dict[str, str]:
    """Question `paper` field → paper id: arXiv ids map to themselves, file names to local ids."""
    out: dict[str, str] = {}
    for p in searcher.snapshot.papers:
        out[p.paper_id] = p.paper_id
        for path in (p.pdf_path, p.source_path):
            if path:
                out.setdefault(Path(path).name, p.paper_id)
    return out


def judge_answer(a: Answer, pid: str, hit: Callable[[str], bool]) -> tuple[bool, bool]:
    """(a cited excerpt of the paper holds the answer, one of [1]-[3] does)."""
    good = [c.n for c in a.citations if c.paper_id == pid and hit(c.excerpt)]
    return bool(good), any(n <= 3 for n in good)


def baseline_hits(searcher: Searcher, question: str, pid: str, hit: Callable[[str], bool]
                  ) -> tuple[bool, bool]:
    """(BM25 top-5 chunk holds it, dense top-5 chunk holds it), on the raw question."""
    snap = searcher.snapshot
    sparse_rows, _ = snap.sparse(tokenize(question), TOP_BASELINE, None)
    qvec = searcher.embedder.embed([question])[0]
    dense_rows, _ = snap.dense(qvec, TOP_BASELINE, None)
    target = snap.paper_index.get(pid, -1)

    def holds(rows: list[int]) -> bool:
        return any(int(snap.paper_of_row[r]) == target and hit(snap.chunk(r)[0]) for r in rows)

    return holds(sparse_rows), holds(dense_rows)


def run_body(searcher: Searcher, rows: list[Row], verbose: bool) -> list[Row]:
    ids = paper_ids(searcher)
    out = []
    for r in rows:
        pid = ids.get(r["paper"], r["paper"])
        hit = matcher(r["pattern"])
        a = answer(searcher, r["question"])
        cited, top3 = judge_answer(a, pid, hit)
        bm25, dense = baseline_hits(searcher, r["question"], pid, hit)
        out.append({**r, "cited": cited, "top3": top3, "bm25": bm25, "dense": dense,
                    "ms": a.took_ms, "n_cites": len(a.citations)})
        if verbose:
            mark = "✓" if cited else "✗"
            print(f"{mark} {r['qid']} {r['question'][:70]} | [1]={a.citations[0].paper_id if a.citations else '-'}"
                  f" | {a.overview[:200]!r}", file=sys.stderr)
    return out


def run_broad(searcher: Searcher, rows: list[Row], verbose: bool) -> list[Row]:
    out = []
    for r in rows:
        a = answer(searcher, r["question"])
        hits = searcher.search(r["question"], k=3).hits
        abstracts = [searcher.paper(h.paper_id).abstract for h in hits]
        baseline = " ".join(" ".join(split_sentences(ab)[:2]) for ab in abstracts)
        points = [matcher(p["pattern"]) for p in r["key_points"]]
        stated = sum(f(a.overview) for f in points)
        base = sum(f(baseline) for f in points)
        sentences = len([s for s in split_sentences(a.overview) if "[" in s])
        out.append({**r, "stated": stated, "base": base, "points": len(points),
                    "sentences": sentences, "ms": a.took_ms})
        if verbose:
            print(f"{r['qid']} {stated}/{len(points)} (baseline {base}) {sentences} sentences\n"
                  f"{a.overview}\n", file=sys.stderr)
    return out


def share(rows: list[Row], key: str) -> str:
    n = len(rows)
    got = sum(bool(r[key]) for r in rows)
    return f"{got}/{n} ({100 * got / n:.0f}%)" if n else "-"


def report(body: list[Row], broad: list[Row], split: str, snap_desc: str) -> None:
    print(f"Machine: {machine()}\nIndex: {snap_desc}; split: {split}\n")
    print("| body questions | n | cited excerpt holds the answer | in [1]-[3] "
          f"| BM25 top-{TOP_BASELINE} chunk | dense top-{TOP_BASELINE} chunk |")
    print("|---|---|---|---|---|---|")
    for label, part in (("all", body), ("English", [r for r in body if r["lang"] == "en"]),
                        ("Chinese", [r for r in body if r["lang"] == "zh"])):
        print(f"| {label} | {len(part)} | {share(part, 'cited')} | {share(part, 'top3')} | "
              f"{share(part, 'bm25')} | {share(part, 'dense')} |")
    total = sum(r["points"] for r in broad)
    if total:
        print("\n| broad questions | n | key points stated by the overview | baseline (2 sentences"
              " × top-3 abstracts) | overview sentences (mean / max) |\n|---|---|---|---|---|")
        stated, base = sum(r["stated"] for r in broad), sum(r["base"] for r in broad)
        sents = [r["sentences"] for r in broad]
        print(f"| all | {len(broad)} | {stated}/{total} ({100 * stated / total:.0f}%) | "
              f"{base}/{total} ({100 * base / total:.0f}%) | {statistics.fmean(sents):.1f} / {max(sents)} |")
    times = sorted(r["ms"] for r in body + broad)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"\nask latency over {len(times)} questions: p50 {statistics.median(times):.0f} ms, "
          f"p95 {p95:.0f} ms")


# Later blind body sets scored alone (the fourth is scored with the second broad set), and
# later blind broad sets scored alone (the first two go with a body set).
LATE_BODY = tuple(name for name, _ in late_sets("body_questions_", numbered_only=True)
                  if name != "late4")
BROAD_ALONE = tuple(f"broad{name.removeprefix('late')}"
                    for name, _ in late_sets("broad_questions_", numbered_only=True)
                    if int(name.removeprefix("late")) >= 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_INDEX)
    ap.add_argument("--split", choices=["dev", "test", "all", "late", "late4", *LATE_BODY, *BROAD_ALONE],
                    default="dev")
    ap.add_argument("-v", "--verbose", action="store_true", help="per-question lines on stderr")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    searcher = Searcher(ensure_index(args.data_dir))
    answer(searcher, "warm-up: how are avatars animated? 数字人如何驱动？")
    broad: list[Row] = []
    if args.split in LATE_BODY:  # later body sets, each written blind after tuning
        body = run_body(searcher, load(f"body_questions_{args.split}.jsonl", args.split),
                        args.verbose)
    elif args.split in ("late", "late4"):  # a blind body set with its blind broad set
        body = run_body(searcher, load(f"body_questions_{args.split}.jsonl", args.split),
                        args.verbose)
        name, split = (("broad_questions_late.jsonl", "late") if args.split == "late"
                       else ("broad_questions_late2.jsonl", "late2"))
        if (HERE / name).is_file():
            broad = run_broad(searcher, load(name, split), args.verbose)
    elif args.split in BROAD_ALONE:  # the later blind broad sets, alone
        n = args.split.removeprefix("broad")
        body, broad = [], run_broad(searcher, load(f"broad_questions_late{n}.jsonl", f"late{n}"),
                                    args.verbose)
    else:
        body = run_body(searcher, load("body_questions.jsonl", args.split), args.verbose)
        broad = run_broad(searcher, load("broad_questions.jsonl", args.split), args.verbose)
    snap = searcher.snapshot
    report(body, broad, args.split, f"{len(snap.papers)} papers, {len(snap.paper_of_row)} chunks")


if __name__ == "__main__":
    main()
