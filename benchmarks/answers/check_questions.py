"""Validate the answers benchmark: body_questions.jsonl, broad_questions.jsonl and the
held-out late sets body_questions_late.jsonl and broad_questions_late.jsonl.

Run from the repo root:  .venv/bin/python benchmarks/answers/check_questions.py

Checks both files for JSON fields, unique qids, languages, the split rule (a question is
"test" exactly when its qid number is divisible by 3) and compilable, non-trivial regexes.
Set 1 (body questions): the PDF exists under ../shared/corpus/pdfs and is in MANIFEST.tsv
with a text layer; `paper` matches the manifest id; the pattern matches at least one
whitespace-normalised non-Abstract passage of read_pdf's output, and matches neither the
normalised title+abstract (read_pdf's, plus the digest abstract when the paper is in the
digests) nor the question itself. Set 2 (broad questions): every source id occurs in the
ChatPaperFree digests and every key point's pattern matches at least one source abstract.
The late sets (body_questions_late.jsonl, qids late-001..., and the later blind sets
body_questions_late2/3/4/5/6/7.jsonl) get the same Set 1 checks, and the late broad sets
(broad_questions_late.jsonl, broad_questions_late2.jsonl, …) the Set 2 checks,
but every question must have its set's split ("late", "late2", …) and the divisible-by-3
rule does not apply to them.
Prints a summary table and exits 1 on any failure.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.answers.sets import late_sets  # noqa: E402
from indexer.sources.digest import read_digest_tree  # noqa: E402
from indexer.sources.pdf import read_pdf  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = REPO_ROOT.parent / "shared" / "corpus"
PDF_DIR = SHARED / "pdfs"
DIGESTS = SHARED / "chatpaperfree"
LANGS = {"en", "zh"}
SPLITS = {"dev", "test"}
TYPES = {"number", "value", "dataset", "method", "hardware", "other"}
CJK = re.compile(r"[\u4e00-\u9fff]")
Row = dict[str, object]


def norm(text: str) -> str:
    return " ".join(text.split())


def load(path: Path, fields: set[str], errors: list[str]) -> list[Row]:
    rows: list[Row] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: invalid JSON ({exc})")
            continue
        if not isinstance(row, dict) or set(row) != fields:
            got = sorted(row) if isinstance(row, dict) else type(row).__name__
            errors.append(f"{path.name}:{n}: fields {got}, want {sorted(fields)}")
            continue
        rows.append(row)
    return rows


def compile_pattern(qid: str, pattern: object, errors: list[str]) -> re.Pattern[str] | None:
    try:
        rx = re.compile(str(pattern), re.IGNORECASE)
    except re.error as exc:
        errors.append(f"{qid}: regex does not compile: {exc}")
        return None
    if not isinstance(pattern, str) or rx.search(" "):
        errors.append(f"{qid}: pattern must be a string that cannot match blank text: {pattern!r}")
        return None
    return rx


def check_common(
    rows: list[Row], prefix: str, errors: list[str], splits: set[str] | None = None
) -> None:
    """Fields common to all sets. With `splits` given, the split must be one of them and
    the divisible-by-3 rule is not applied (the late set)."""
    dupes = [q for q, n in Counter(str(r["qid"]) for r in rows).items() if n > 1]
    errors.extend(f"{q}: qid used more than once" for q in dupes)
    for r in rows:
        qid = str(r["qid"])
        m = re.fullmatch(prefix + r"-(\d{3})", qid)
        if not m:
            errors.append(f"{qid}: qid should look like {prefix}-001")
            continue
        if r["lang"] not in LANGS or r["split"] not in (splits or SPLITS):
            errors.append(f"{qid}: bad lang {r['lang']!r} or split {r['split']!r}")
        if splits is None and (r["split"] == "test") != (int(m.group(1)) % 3 == 0):
            errors.append(f"{qid}: split {r['split']!r} breaks the rule (test iff number % 3 == 0)")
        if not isinstance(r["question"], str) or not r["question"].strip():
            errors.append(f"{qid}: empty question")
        elif (r["lang"] == "zh") != bool(CJK.search(r["question"])):
            errors.append(f"{qid}: lang {r['lang']} does not fit the question text")


def check_counts(rows: list[Row], name: str, total: int, zh: int, errors: list[str]) -> None:
    langs = Counter(str(r["lang"]) for r in rows)
    tests = [r for r in rows if r["split"] == "test"]
    if len(rows) < total or langs["zh"] < zh:
        errors.append(f"{name}: {len(rows)} questions / {langs['zh']} zh (want >= {total} / {zh})")
    if rows and not 0.28 <= len(tests) / len(rows) <= 0.40:
        errors.append(f"{name}: test share {len(tests)}/{len(rows)} is not about one third")
    if sum(r["lang"] == "zh" for r in tests) < 2 or sum(r["lang"] == "en" for r in tests) < 2:
        errors.append(f"{name}: test split must hold >= 2 questions in each language")


def digest_abstracts() -> dict[str, str]:
    docs, _ = read_digest_tree(DIGESTS)
    return {d.paper.arxiv_id or "": norm(f"{d.paper.title} {d.paper.abstract}") for d in docs}


def check_body(rows: list[Row], digests: dict[str, str], errors: list[str]) -> None:
    with (PDF_DIR / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        manifest = {m["file"]: m for m in csv.DictReader(fh, delimiter="\t")}
    cache: dict[str, tuple[list[str], str]] = {}
    for r in rows:
        qid, pdf = str(r["qid"]), str(r["pdf"])
        if r["type"] not in TYPES:
            errors.append(f"{qid}: unknown type {r['type']!r}")
        entry = manifest.get(pdf)
        if entry is None or not (PDF_DIR / pdf).is_file():
            errors.append(f"{qid}: PDF {pdf} missing from {PDF_DIR} or its MANIFEST")
            continue
        if entry["has_text_layer"] != "yes":
            errors.append(f"{qid}: {pdf} has no text layer")
        want = entry["arxiv_id"] if entry["arxiv_id"] != "-" else pdf
        if r["paper"] != want:
            errors.append(f"{qid}: paper {r['paper']!r} should be {want!r}")
        rx = compile_pattern(qid, r["pattern"], errors)
        if rx is None:
            continue
        if pdf not in cache:
            doc = read_pdf(PDF_DIR / pdf)
            body = [norm(p.text) for p in doc.passages if p.section != "Abstract"]
            front = norm(f"{doc.paper.title} {doc.paper.abstract} {digests.get(want, '')}")
            cache[pdf] = (body, front)
        body, front = cache[pdf]
        if not any(rx.search(text) for text in body):
            errors.append(f"{qid}: pattern not found in the body text of {pdf}: {rx.pattern!r}")
        if rx.search(front):
            errors.append(f"{qid}: pattern also matches the title/abstract of {pdf}")
        if rx.search(norm(str(r["question"]))):
            errors.append(f"{qid}: pattern matches the question itself (answer leak)")


def check_broad(rows: list[Row], digests: dict[str, str], errors: list[str]) -> None:
    for r in rows:
        qid, sources, points = str(r["qid"]), r["sources"], r["key_points"]
        if not isinstance(sources, list) or not 3 <= len(set(sources)) == len(sources) <= 8:
            errors.append(f"{qid}: sources must be 3-8 distinct arXiv ids")
            continue
        missing = [s for s in sources if s not in digests]
        if missing:
            errors.append(f"{qid}: sources not in the digest corpus: {missing}")
        texts = [digests[s] for s in sources if s in digests]
        if not isinstance(points, list) or not 3 <= len(points) <= 5:
            errors.append(f"{qid}: need 3-5 key points")
            continue
        for i, kp in enumerate(points, 1):
            if not isinstance(kp, dict) or set(kp) != {"point", "pattern"} or not kp["point"]:
                errors.append(f"{qid} kp{i}: key point must have 'point' and 'pattern'")
                continue
            rx = compile_pattern(f"{qid} kp{i}", kp["pattern"], errors)
            if rx is not None and not any(rx.search(t) for t in texts):
                errors.append(f"{qid} kp{i}: pattern matches no source abstract: {rx.pattern!r}")


def table(rows: list[Row], name: str) -> None:
    splits = {str(r["split"]) for r in rows}
    if len(splits) == 1 and not splits & {"dev", "test"}:  # a late set: one split of its own
        langs = Counter(str(r["lang"]) for r in rows)
        print(f"\n{name}: {len(rows)} questions (split {splits.pop()})")
        print("  " + ", ".join(f"{la} {langs[la]}" for la in sorted(LANGS)))
        return
    cells = Counter((str(r["lang"]), str(r["split"])) for r in rows)
    print(f"\n{name}: {len(rows)} questions\n  lang   dev  test  total")
    for lang in [*sorted(LANGS), "all"]:
        dev = sum(n for (la, s), n in cells.items() if s == "dev" and lang in (la, "all"))
        test = sum(n for (la, s), n in cells.items() if s == "test" and lang in (la, "all"))
        print(f"  {lang:4s} {dev:5d} {test:5d} {dev + test:6d}")


def main() -> int:
    errors: list[str] = []
    body_fields = {"qid", "lang", "paper", "pdf", "question", "answer", "pattern", "type", "split"}
    body = load(HERE / "body_questions.jsonl", body_fields, errors)
    broad_fields = {"qid", "lang", "question", "key_points", "sources", "split"}
    broad = load(HERE / "broad_questions.jsonl", broad_fields, errors)
    late = load(HERE / "body_questions_late.jsonl", body_fields, errors)
    digests = digest_abstracts()
    check_common(body, "body", errors)
    check_common(broad, "broad", errors)
    check_counts(body, "body", 42, 7, errors)
    check_counts(broad, "broad", 24, 4, errors)
    pdfs = {str(r["pdf"]) for r in body}
    if len(pdfs) < 18:
        errors.append(f"body: only {len(pdfs)} distinct PDFs (want >= 18)")
    check_body(body, digests, errors)
    check_common(late, "late", errors, splits={"late"})
    late_langs = Counter(str(r["lang"]) for r in late)
    late_pdfs = {str(r["pdf"]) for r in late}
    if len(late) < 24 or late_langs["zh"] < 4 or len(late_pdfs) < 14:
        errors.append(
            f"late: {len(late)} questions / {late_langs['zh']} zh / {len(late_pdfs)} PDFs"
            " (want >= 24 / 4 / 14)"
        )
    check_body(late, digests, errors)
    check_broad(broad, digests, errors)
    extra: dict[str, list[Row]] = {}  # the later blind body sets, when present
    for name, path in late_sets("body_questions_", numbered_only=True):  # late2, late3, …
        extra[name] = load(path, body_fields, errors)
        if extra[name]:
            check_common(extra[name], name, errors, splits={name})
            check_body(extra[name], digests, errors)
    late_broads: dict[str, list[Row]] = {}  # broad_questions_late.jsonl, _late2, …, in order
    for name, path in late_sets("broad_questions_"):
        late_broads[name] = load(path, broad_fields, errors)
        if late_broads[name]:
            check_common(late_broads[name], f"{name}-broad", errors, splits={name})
            check_broad(late_broads[name], digests, errors)

    table(body, "Set 1 body_questions.jsonl")
    types = sorted(Counter(str(r["type"]) for r in body).items())
    print("  types: " + ", ".join(f"{t} {n}" for t, n in types))
    print(f"  distinct PDFs: {len(pdfs)}")
    table(late, "Late set body_questions_late.jsonl")
    types = sorted(Counter(str(r["type"]) for r in late).items())
    print("  types: " + ", ".join(f"{t} {n}" for t, n in types))
    print(f"  distinct PDFs: {len(late_pdfs)}")
    table(broad, "Set 2 broad_questions.jsonl")
    n_kp = sum(len(r["key_points"]) for r in broad if isinstance(r["key_points"], list))
    n_src = len({s for r in broad if isinstance(r["sources"], list) for s in r["sources"]})
    print(f"  key points: {n_kp}, distinct source papers: {n_src}, digest papers: {len(digests)}")
    for name, rows in extra.items():
        langs = Counter(str(r["lang"]) for r in rows)
        if rows:
            print(f"\nLate set body_questions_{name}.jsonl: {len(rows)} questions, "
                  f"{langs['en']} en / {langs['zh']} zh, {len({str(r['pdf']) for r in rows})} PDFs")
    for name, rows in late_broads.items():
        if rows:
            table(rows, f"Late broad set broad_questions_{name}.jsonl")
            print(f"  key points: {sum(len(r['key_points']) for r in rows)}")
    for e in errors:
        print("FAIL", e)
    print("\nOK" if not errors else f"\n{len(errors)} failure(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
