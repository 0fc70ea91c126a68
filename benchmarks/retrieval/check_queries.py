"""Validate benchmarks/retrieval/queries.jsonl against the shared ChatPaperFree corpus.

Run from anywhere:  python3 benchmarks/retrieval/check_queries.py [--quiet]

Checks (stdlib only):
  * every line is a JSON object with qid, lang, type, query, relevant; qids are unique;
  * lang is "en" or "zh", type is "known" or "topical"; zh queries contain CJK text;
  * counts per lang/type meet the targets (en known >= 110, zh known >= 35, topical >= 24);
  * every relevant id is an arXiv id that occurs in a `[PDF](http://arxiv.org/abs/<id>...)`
    link of a digest under ../shared/corpus/chatpaperfree (relative to the repo root);
  * topical queries have 3-15 distinct relevant ids; known-item queries have 1-3;
  * English known-item queries are 6-20 words long and do not leak the target paper:
      - no 3 consecutive words shared with the target's title,
      - no distinctive title word (the method name before the colon, acronyms,
        CamelCase or digit-bearing names such as "GGAvatar", "S^3D-NeRF"),
      - no 3 consecutive words shared with the target's abstract, counting only
        word triples with at least two content (non-stop) words.

Exit status is 0 when nothing is flagged, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
QUERIES = REPO_ROOT / "benchmarks" / "retrieval" / "queries.jsonl"
CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "chatpaperfree"

MIN_COUNTS = {("en", "known"): 110, ("zh", "known"): 35}
MIN_TOPICAL = 24
EN_WORDS = (6, 20)
TOPICAL_SIZE = (3, 15)

PDF_LINK = re.compile(r"\[PDF\]\(https?://arxiv\.org/abs/(\d{4}\.\d{4,5})(?:v\d+)?\)")
ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")
CJK = re.compile(r"[\u4e00-\u9fff]")
# words keep inner hyphens/apostrophes/carets so "text-to-image" or "S^3D-NeRF" is one token
WORD = re.compile(r"[A-Za-z0-9]+(?:[-'^][A-Za-z0-9]+)*")

STOP = set(
    """a an the of and or for in on with to from by via into onto at as is are be been being
    this that these those it its their his her our we you they which who whom whose what when
    where how why than then so such not no nor only also both either each every any all some
    can could may might will would should shall must do does did done has have had having
    using use used based without within between across over under up down out off per while
    via vs versus one two three more most less least very much many few new""".split()
)

# Field vocabulary that may appear capitalised in titles but is not a paper's own name.
GENERIC_NAMES = {
    w.lower()
    for w in """NeRF NeRFs 3D 2D 4D 6D 3DGS 2DGS 4DGS GS SMPL SMPL-X FLAME 3DMM 3DMMs GAN GANs LLM
    LLMs MLLM MLLMs VLM VLMs VR AR XR MR HDR LDR RGB RGB-D RGBD SLAM SDF SDFs UDF CLIP ViT DiT
    DiTs UV AI TTS ASR CT MRI PET OCT EEG X-Ray X-Rays COVID-19 6DoF LiDAR UAV UAVs GPT GPT-4V
    DRL RL SDS CNN CNNs MLP VAE VQ-VAE LoRA MoE PBR FPS WiFi SDXL IoT 6G ISAC CAD SfM MVS
    T2I T2V I2V VVC ODE SDE DDPM DDIM PF-ODE CTC SNR HOI VQA OCR MAE MCMC
    UCB DTCWT LRM NLP RAG TSDF MPI""".split()
}


def tokens(text: str) -> list[str]:
    return WORD.findall(text)


def norm(tok: str) -> str:
    return tok.lower()


def ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def load_corpus(corpus: Path) -> dict[str, dict[str, str]]:
    """Map arXiv id -> {"title": ..., "abstract": ...} from the digest markdown files."""
    papers: dict[str, dict[str, str]] = {}
    for md in sorted(corpus.glob("*/*.md")):
        text = md.read_text(encoding="utf-8", errors="replace")
        for block in re.split(r"^## ", text, flags=re.M)[1:]:
            m = PDF_LINK.search(block)
            if not m:
                continue
            title = " ".join(block.split("\n", 1)[0].split())
            head = block[: m.start()].split("\n")[1:]
            abstract = " ".join(
                ln.strip() for ln in head if ln.strip() and not ln.startswith("**Authors")
            )
            entry = papers.setdefault(m.group(1), {"title": title, "abstract": ""})
            if len(abstract) > len(entry["abstract"]):
                entry["abstract"] = abstract
    return papers


def distinctive_title_words(title: str) -> tuple[set[str], str | None]:
    """Return (distinctive single tokens, short method-name phrase or None)."""
    found: set[str] = set()
    phrase = None
    if ":" in title:
        name_toks = tokens(title.split(":", 1)[0])
        if 1 <= len(name_toks) <= 3:
            phrase = " ".join(norm(t) for t in name_toks)
            if len(name_toks) == 1 and norm(name_toks[0]) not in GENERIC_NAMES:
                found.add(norm(name_toks[0]))
    for tok in tokens(title):
        low = norm(tok)
        if low in GENERIC_NAMES or len(tok) < 2:
            continue
        if "^" in tok or any(_name_like(part) for part in re.split(r"[-']", tok)):
            found.add(low)
    return found, phrase


def _name_like(part: str) -> bool:
    """CamelCase, ALL-CAPS or letter+digit parts that are not generic field vocabulary."""
    if len(part) < 2 or part.lower() in GENERIC_NAMES:
        return False
    inner_upper = any(c.isupper() for c in part[1:])
    digit_mix = any(c.isdigit() for c in part) and any(c.isalpha() for c in part)
    return inner_upper or digit_mix


def check_known_en(row: dict, paper: dict[str, str]) -> list[str]:
    flags: list[str] = []
    query = row["query"]
    q_words = [norm(t) for t in tokens(query)]
    if not EN_WORDS[0] <= len(q_words) <= EN_WORDS[1]:
        flags.append(f"length {len(q_words)} words (want {EN_WORDS[0]}-{EN_WORDS[1]})")

    t_words = [norm(t) for t in tokens(paper["title"])]
    shared_title = [g for g in ngrams(q_words, 3) & ngrams(t_words, 3) if not set(g) <= STOP]
    if shared_title:
        flags.append(
            "shares 3 consecutive title words: " + "; ".join(" ".join(g) for g in shared_title)
        )

    words, phrase = distinctive_title_words(paper["title"])
    q_set = set(q_words)
    leaked = sorted(words & q_set)
    if leaked:
        flags.append("uses distinctive title word(s): " + ", ".join(leaked))
    if phrase and re.search(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", " ".join(q_words)):
        flags.append(f"uses the method name '{phrase}'")

    a_words = [norm(t) for t in tokens(paper["abstract"])]
    shared_abs = [
        g for g in ngrams(q_words, 3) & ngrams(a_words, 3) if sum(w not in STOP for w in g) >= 2
    ]
    if shared_abs:
        flags.append(
            "shares 3 consecutive abstract words: "
            + "; ".join(sorted(" ".join(g) for g in shared_abs))
        )
    return flags


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--quiet", action="store_true", help="only print problems and the summary")
    args = ap.parse_args()

    if not args.corpus.is_dir():
        print(f"error: corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    papers = load_corpus(args.corpus)
    problems: list[str] = []
    rows: list[dict] = []
    with args.queries.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                problems.append(f"line {lineno}: blank line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"line {lineno}: invalid JSON ({exc})")
                continue
            missing = {"qid", "lang", "type", "query", "relevant"} - row.keys()
            if missing:
                problems.append(f"line {lineno}: missing keys {sorted(missing)}")
                continue
            rows.append(row)

    qid_counts = Counter(r["qid"] for r in rows)
    for qid, n in qid_counts.items():
        if n > 1:
            problems.append(f"{qid}: qid used {n} times")
    query_counts = Counter(r["query"].strip() for r in rows)
    for q, n in query_counts.items():
        if n > 1:
            problems.append(f"query text repeated {n} times: {q!r}")

    counts: Counter[tuple[str, str]] = Counter()
    relevant_total: Counter[str] = Counter()
    for r in rows:
        qid, lang, qtype, rel = r["qid"], r["lang"], r["type"], r["relevant"]
        counts[(lang, qtype)] += 1
        if lang not in {"en", "zh"}:
            problems.append(f"{qid}: unknown lang {lang!r}")
        if qtype not in {"known", "topical"}:
            problems.append(f"{qid}: unknown type {qtype!r}")
        if not isinstance(r["query"], str) or not r["query"].strip():
            problems.append(f"{qid}: empty query")
            continue
        if lang == "zh" and not CJK.search(r["query"]):
            problems.append(f"{qid}: zh query without Chinese characters")
        if not isinstance(rel, list) or not rel:
            problems.append(f"{qid}: relevant must be a non-empty list")
            continue
        if len(set(rel)) != len(rel):
            problems.append(f"{qid}: duplicate ids in relevant")
        for pid in rel:
            relevant_total[pid] += 1
            if not isinstance(pid, str) or not ARXIV_ID.match(pid):
                problems.append(f"{qid}: malformed id {pid!r} (want e.g. 2401.08503, no version)")
            elif pid not in papers:
                problems.append(f"{qid}: id {pid} not found in the corpus")
        if qtype == "topical" and not TOPICAL_SIZE[0] <= len(set(rel)) <= TOPICAL_SIZE[1]:
            problems.append(f"{qid}: topical set has {len(set(rel))} ids (want 3-15)")
        if qtype == "known" and len(rel) > 3:
            problems.append(f"{qid}: known-item query with {len(rel)} relevant ids")
        if qtype == "known" and lang == "en" and rel[0] in papers:
            for flag in check_known_en(r, papers[rel[0]]):
                problems.append(f"{qid}: {flag}  [{papers[rel[0]]['title']}]")

    for key, need in MIN_COUNTS.items():
        if counts[key] < need:
            problems.append(f"only {counts[key]} {key[0]}/{key[1]} queries (want >= {need})")
    n_topical = sum(v for (lang, t), v in counts.items() if t == "topical")
    if n_topical < MIN_TOPICAL:
        problems.append(f"only {n_topical} topical queries (want >= {MIN_TOPICAL})")

    known_targets = Counter(
        r["relevant"][0] for r in rows if r["type"] == "known" and r["relevant"]
    )
    for pid, n in known_targets.items():
        if n > 1:
            problems.append(f"paper {pid} is the target of {n} known-item queries")

    for p in problems:
        print("FLAG", p)
    if not args.quiet or problems:
        print(f"corpus: {len(papers)} unique arXiv ids")
    print(f"queries: {len(rows)} total")
    for (lang, qtype), n in sorted(counts.items()):
        print(f"  {lang:2s} {qtype:8s} {n}")
    topical_sizes = [len(r["relevant"]) for r in rows if r["type"] == "topical"]
    if topical_sizes:
        print(
            f"  topical relevant-set sizes: min {min(topical_sizes)}, max {max(topical_sizes)}, "
            f"mean {sum(topical_sizes) / len(topical_sizes):.1f}"
        )
    print(f"  distinct relevant papers: {len(relevant_total)}")
    print("OK" if not problems else f"{len(problems)} problem(s) flagged")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
