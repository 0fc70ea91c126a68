"""Select the target papers for the Chinese query set and validate the finished files.

Usage (from the repo root):
    .venv/bin/python benchmarks/retrieval/zh/make_queries.py           # print the selection
    .venv/bin/python benchmarks/retrieval/zh/make_queries.py --check   # validate the files

Selection: every unique arXiv id in the ChatPaperFree digests is put in one stratum, the
first of STRATA it appears under (else "other"). Ids already used by a known-item query in
../queries.jsonl are removed, each stratum is sorted and shuffled with
random.Random(f"{SEED}-{stratum}"), and the first QUOTA[stratum] ids are the targets, in
that order. The check re-derives this and compares it with queries_zh.jsonl. Stdlib only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "chatpaperfree"
LIBRARY = REPO_ROOT / "index_data" / "library" / "avatar-papers-2024.jsonl.gz"
OLD_QUERIES = HERE.parent / "queries.jsonl"
QUERIES_ZH = HERE / "queries_zh.jsonl"
JUNK = HERE / "junk_queries.jsonl"

SEED = "zh-2026-11-27"
STRATA = ["元宇宙_虚拟人", "Talking Head Generation", "3DGS", "NeRF", "Diffusion Models"]
QUOTA = {"元宇宙_虚拟人": 18, "Talking Head Generation": 18, "3DGS": 18, "NeRF": 12,
         "Diffusion Models": 16, "other": 8}
COUNTS = {"known": 90, "topical": 20, "junk": 25, "offtopic": 25, "real-short": 25}
TOPICAL_SIZE = (5, 20)
TEST_SHARE = (0.35, 0.45)

PDF_LINK = re.compile(r"\[PDF\]\(https?://arxiv\.org/abs/(\d{4}\.\d{4,5})(?:v\d+)?\)")
CJK = re.compile(r"[\u4e00-\u9fff]")


def load_digests(corpus: Path = CORPUS) -> dict[str, dict]:
    """Map arXiv id -> {"title", "topics"} from the digest `## title ... [PDF](...)` entries."""
    papers: dict[str, dict] = {}
    for md in sorted(corpus.glob("*/*.md")):
        text = md.read_text(encoding="utf-8", errors="replace")
        for block in re.split(r"^## ", text, flags=re.M)[1:]:
            m = PDF_LINK.search(block)
            if not m:
                continue
            entry = papers.setdefault(m.group(1), {"title": " ".join(block.split("\n", 1)[0].split()),
                                                   "topics": set()})
            entry["topics"].add(md.stem)
    return papers


def load_library(path: Path = LIBRARY) -> dict[str, dict]:
    """Map arXiv id -> record of the bundled English library (title, authors, abstract...)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return {rec["arxiv_id"]: rec for rec in map(json.loads, fh) if rec.get("arxiv_id")}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def stratum(topics: set[str]) -> str:
    return next((s for s in STRATA if s in topics), "other")


def select(papers: dict[str, dict]) -> list[tuple[str, str]]:
    """Return the deterministic list of (stratum, arXiv id) known-item targets."""
    used = {i for r in read_jsonl(OLD_QUERIES) if r["type"] == "known" for i in r["relevant"]}
    chosen: list[tuple[str, str]] = []
    for name, quota in QUOTA.items():
        ids = sorted(i for i, p in papers.items() if stratum(p["topics"]) == name and i not in used)
        random.Random(f"{SEED}-{name}").shuffle(ids)
        chosen.extend((name, i) for i in ids[:quota])
    return chosen


def is_test(position: int) -> bool:
    """Split rule: the n-th query (1-based) of each type/kind is test when n % 5 is 2 or 4."""
    return position % 5 in (2, 4)


def check(papers: dict[str, dict], library: dict[str, dict]) -> list[str]:
    """Validate queries_zh.jsonl and junk_queries.jsonl; return a list of problems."""
    problems: list[str] = []
    rows, junk = read_jsonl(QUERIES_ZH), read_jsonl(JUNK)
    old_qids = {r["qid"] for r in read_jsonl(OLD_QUERIES)}
    qids = Counter(r.get("qid") for r in rows + junk)
    problems += [f"{q}: qid used {n} times" for q, n in qids.items() if n > 1]
    problems += [f"{q}: qid clashes with ../queries.jsonl" for q in qids if q in old_qids]
    texts = Counter(r.get("query", "").strip() for r in rows + junk)
    problems += [f"query repeated {n} times: {t!r}" for t, n in texts.items() if n > 1]

    position: Counter[str] = Counter()
    split_counts: Counter[tuple[str, str]] = Counter()
    known_targets: list[str] = []
    for r in rows:
        qid = r.get("qid")
        if set(r) != {"qid", "lang", "type", "query", "relevant", "split"}:
            problems.append(f"{qid}: keys {sorted(r)}")
            continue
        kind = r["type"]
        if r["lang"] != "zh" or kind not in ("known", "topical"):
            problems.append(f"{qid}: lang/type {r['lang']}/{kind}")
        if not CJK.search(r["query"]):
            problems.append(f"{qid}: query has no Chinese characters")
        rel = r["relevant"]
        if len(set(rel)) != len(rel):
            problems.append(f"{qid}: duplicate relevant ids")
        for i in rel:
            if i not in papers:
                problems.append(f"{qid}: {i} not in any digest [PDF] link")
            if i not in library:
                problems.append(f"{qid}: {i} not in {LIBRARY.name}")
        lo, hi = (1, 2) if kind == "known" else TOPICAL_SIZE
        if not lo <= len(rel) <= hi:
            problems.append(f"{qid}: {len(rel)} relevant ids (want {lo}-{hi})")
        if kind == "known" and rel:
            known_targets.append(rel[0])
        position[kind] += 1
        want = "test" if is_test(position[kind]) else "dev"
        if r["split"] != want:
            problems.append(f"{qid}: split {r['split']} (rule says {want})")
        split_counts[(kind, r["split"])] += 1

    expected = [i for _, i in select(papers)]
    if known_targets != expected:
        diff = [f"#{n + 1} {a} != {b}" for n, (a, b) in enumerate(zip(known_targets, expected, strict=False)) if a != b]
        problems.append(f"known targets differ from the selection ({len(known_targets)} vs "
                        f"{len(expected)}): {diff[:5]}")

    for r in junk:
        qid = r.get("qid")
        if set(r) != {"qid", "lang", "kind", "query", "split"}:
            problems.append(f"{qid}: keys {sorted(r)}")
            continue
        if r["kind"] not in ("junk", "offtopic", "real-short") or r["lang"] not in ("en", "zh"):
            problems.append(f"{qid}: kind/lang {r['kind']}/{r['lang']}")
            continue
        if r["lang"] == "zh" and not CJK.search(r["query"]):
            problems.append(f"{qid}: lang zh but no Chinese characters")
        position[r["kind"]] += 1
        want = "test" if is_test(position[r["kind"]]) else "dev"
        if r["split"] != want:
            problems.append(f"{qid}: split {r['split']} (rule says {want})")
        split_counts[(r["kind"], r["split"])] += 1

    for kind, n in COUNTS.items():
        if position[kind] != n:
            problems.append(f"{kind}: {position[kind]} queries (want {n})")
        share = split_counts[(kind, "test")] / max(position[kind], 1)
        if not TEST_SHARE[0] <= share <= TEST_SHARE[1]:
            problems.append(f"{kind}: test share {share:.2f}")
        print(f"{kind:11s} {position[kind]:3d} queries  dev {split_counts[(kind, 'dev')]:3d}"
              f"  test {split_counts[(kind, 'test')]:3d}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="validate the query files")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"error: corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    papers = load_digests()
    if not args.check:
        for n, (name, i) in enumerate(select(papers), 1):
            print(f"{n:3d}  {name:24s} {i}  {papers[i]['title']}")
        return 0
    problems = check(papers, load_library())
    for p in problems:
        print("FAIL", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
