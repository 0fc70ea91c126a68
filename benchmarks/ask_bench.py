"""Ask benchmark: built-in answer latency, citation validity and top-cited accuracy, in-process.

Usage (from the repo root; the index must exist, e.g. one built from the shared corpus):
    .venv/bin/python benchmarks/ask_bench.py --data-dir benchmarks/results/corpus_index [-k 8] [--repeat 1]

For ~30 English and Chinese questions, each written for one paper of the shared corpus,
it runs `search.answer.ask.answer` with the built-in generator and reports:
  * latency p50 / p95 (target: p50 <= 400 ms on the shared corpus);
  * citation validity: share of answers whose every sentence has a marker and every
    marker resolves, numbered by first use (target 100%), and share whose excerpts are
    verbatim stored text (each sentence in a chunk: an excerpt may cross a chunk boundary);
  * how often the top-cited paper ([1]) is the expected one, and how often the expected
    paper is cited at all;
  * abstention on off-topic questions (must abstain, with no citations).
Prints markdown tables with the machine's details.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from indexer.errors import IndexNotFoundError  # noqa: E402
from indexer.sentences import split_sentences  # noqa: E402
from search.answer.ask import ABSTAIN, answer  # noqa: E402
from search.answer.llm import check_overview  # noqa: E402
from search.config import Settings  # noqa: E402
from search.models import Answer  # noqa: E402
from search.retrieval.engine import Searcher  # noqa: E402

TARGET_P50_MS = 400.0

QUESTIONS: list[tuple[str, str]] = [
    ("How can a 3D talking portrait be built from a single photo?", "2401.08503"),
    ("How can lip synchronization be improved in NeRF-based talking head synthesis?", "2311.17590"),
    ("How can photorealistic head avatars be built from 3D Gaussians rigged to a parametric face mesh?", "2312.02069"),
    ("How can virtual try-on work without a human parser?", "2402.03047"),
    ("How is a Mamba-2 framework used for co-speech gesture generation?", "2408.00370"),
    ("How can 3D Gaussian splatting be compressed with a hash-grid context model?", "2403.14530"),
    ("How can human hair be reconstructed strand by strand with 3D Gaussians?", "2409.14778"),
    ("How can spoken language be translated into sign language performed by 3D avatars?", "2401.04730"),
    ("How can a 3D mesh be generated from a single image in about ten seconds?", "2404.07191"),
    ("How can score distillation sampling text-to-3D methods be evaluated quantitatively?", "2402.18780"),
    ("How can dense SLAM use Gaussian splatting with semantic information?", "2402.03246"),
    ("How can hand-object interaction be rendered from free viewpoints?", "2402.05532"),
    ("How can two interacting hands be generated with cascaded diffusion?", "2403.17422"),
    ("How can machine-generated text be detected without training data?", "2401.12070"),
    ("How can relightable and animatable human avatars be learned from videos?", "2312.12877"),
    ("How can garments be generated from text prompts with 3D Gaussians?", "2406.16815"),
    ("How can low-dose dental CBCT images be reconstructed iteratively?", "2411.09306"),
    ("How can diffusion models produce video virtual try-on?", "2405.11794"),
    ("How can speech-driven 3D facial animation adapt to a person's expressions and head poses?", "2310.07236"),
    ("How can anti-aliased radiance fields be rendered with ripmap encodings?", "2405.02386"),
    ("How can full-body Gaussian avatars show detailed facial expressions?", "2408.10588"),
    ("如何从单张照片生成三维说话人像？", "2401.08503"),
    ("无需人体解析器的虚拟试衣方法是怎样的？", "2402.03047"),
    ("如何把口语翻译成由三维虚拟人表演的手语？", "2401.04730"),
    ("如何用三维高斯重建头发？", "2409.14778"),
    ("如何从单张图像快速生成三维网格？", "2404.07191"),
    ("如何生成双手交互的动作？", "2403.17422"),
    ("如何检测机器生成的文本？", "2401.12070"),
]
OFF_TOPIC = [
    "best pizza recipe in Naples",
    "stock market prediction with LSTM",
    "how to train a dog to sit",
    "意大利面的做法",
]


def valid(a: Answer) -> bool:
    """Every sentence cites, every marker resolves, numbered by first use, none unused."""
    return bool(a.citations) and not check_overview(a.overview, len(a.citations))


def verbatim(searcher: Searcher, a: Answer) -> bool:
    """Every sentence of every excerpt stands verbatim in one of the cited paper's stored
    chunks (an excerpt may run across a chunk boundary)."""
    snap = searcher.snapshot
    return all(any(s in text for _, text, _ in snap.chunks_of(c.paper_id))
               for c in a.citations for s in split_sentences(c.excerpt))


def machine() -> list[tuple[str, str]]:
    """CPU, cores, load and library versions for the report."""
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    import torch

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [("CPU", cpu), ("cores", str(os.cpu_count())), ("torch threads", str(torch.get_num_threads())),
            ("load average (1/5/15 min)", load), ("Python", platform.python_version()),
            ("torch", importlib.metadata.version("torch")),
            ("sentence-transformers", importlib.metadata.version("sentence-transformers")),
            ("OS", platform.platform())]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest-rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def run(searcher: Searcher, k: int, repeat: int) -> None:
    """Answer every question, then print the summary and per-question tables."""
    for warm in ("warm-up: how are avatars animated?", "数字人如何驱动？"):  # loads jieba too
        answer(searcher, warm, k=k)
    rows: list[tuple[str, str, Answer, bool, bool, bool, bool]] = []
    times: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        rows.clear()
        for question, expected in QUESTIONS:
            c0 = time.process_time()
            a = answer(searcher, question, k=k)
            cpu.append((time.process_time() - c0) * 1000)
            times.append(a.took_ms)
            cited = [c.paper_id for c in a.citations]
            rows.append((question, expected, a, valid(a), verbatim(searcher, a),
                         bool(cited) and cited[0] == expected, expected in cited))
    off = [answer(searcher, q, k=k) for q in OFF_TOPIC]
    abstained = sum(not a.citations and ABSTAIN in a.overview for a in off)
    n = len(rows)
    snap = searcher.snapshot
    print("## Ask benchmark (built-in generator)\n")
    print("| machine | |\n|---|---|")
    for key, value in machine():
        print(f"| {key} | {value} |")
    print(f"| index | {len(snap.papers)} papers, {len(snap.paper_of_row)} chunks |")
    print(f"| questions | {n} ({sum(1 for q, _ in QUESTIONS if not q.isascii())} Chinese) "
          f"x {repeat}, k={k} |\n")
    print("| metric | value | target |\n|---|---|---|")
    print(f"| p50 latency | {statistics.median(times):.0f} ms | <= {TARGET_P50_MS:.0f} ms |")
    print(f"| p95 latency | {pct(times, 0.95):.0f} ms | |")
    print(f"| mean latency | {statistics.fmean(times):.0f} ms | |")
    print(f"| CPU time per answer p50 / p95 (all threads) | {statistics.median(cpu):.0f} / "
          f"{pct(cpu, 0.95):.0f} ms | |")
    print(f"| citation validity | {sum(r[3] for r in rows)}/{n} ({100 * sum(r[3] for r in rows) / n:.0f}%) | 100% |")
    print(f"| excerpts verbatim | {sum(r[4] for r in rows)}/{n} | 100% |")
    print(f"| top-cited = expected | {sum(r[5] for r in rows)}/{n} ({100 * sum(r[5] for r in rows) / n:.0f}%) | |")
    print(f"| expected cited at all | {sum(r[6] for r in rows)}/{n} ({100 * sum(r[6] for r in rows) / n:.0f}%) | |")
    print(f"| off-topic abstained | {abstained}/{len(OFF_TOPIC)} | all |\n")
    print("| question | expected | [1] | cited | sentences | ms |\n|---|---|---|---|---|---|")
    for question, expected, a, _, _, top, any_cite in rows:
        first = a.citations[0].paper_id if a.citations else "-"
        sentences = a.overview.count("].") + a.overview.count("]。")
        print(f"| {question[:70]} | {expected} | {first}{' ✓' if top else ''} | "
              f"{'yes' if any_cite else 'no'} | {sentences} | {a.took_ms:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=REPO / "index_data")
    ap.add_argument("-k", type=int, default=8, help="papers per answer (default 8)")
    ap.add_argument("--repeat", type=int, default=1, help="passes over the questions")
    ap.add_argument("--torch-threads", type=int, help="torch intra-op threads (default: torch's)")
    args = ap.parse_args()
    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    logging.basicConfig(level=logging.WARNING)
    try:
        searcher = Searcher(Settings.load(args.data_dir))
    except IndexNotFoundError as exc:
        sys.exit(f"ask_bench: {exc} (or pass --data-dir)")
    run(searcher, args.k, args.repeat)


if __name__ == "__main__":
    main()
