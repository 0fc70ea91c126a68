"""Fit the weights that pick a specific answer's lead sentence (`sentences.FACT_WEIGHTS`).

Usage (from the repo root; ~5 min to prepare the questions, then a minute):
    .venv/bin/python benchmarks/answers/fit_weights.py [--through lateN] [--data-dir DIR]

Each spent body question is prepared once: its candidate sentences, their score terms
(`Sentence.features`) and which of them hold the answer (the right paper, the pattern).
The weights maximise the likelihood that a softmax over a question's candidates puts on
the answer-bearing ones (a listwise ranking loss), pulled toward the hand-set `WEIGHTS`.
Five folds by question set say whether a fit carries over: how often an answer-bearing
sentence ranks first and in the first three, beside the hand-set weights. Then whole
answers, with the lead chosen by the hand-set and by the fitted weights.
The blind set not yet scored (the newest) is never used: `--through` names the last set used.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.answers.run import (  # noqa: E402
    DEFAULT_INDEX,
    HERE,
    ensure_index,
    judge_answer,
    matcher,
    paper_ids,
)
from benchmarks.answers.sets import late_sets  # noqa: E402
from search.answer import ask  # noqa: E402
from search.answer.prepare import Found, prepare  # noqa: E402
from search.answer.sentences import FEATURES, WEIGHTS  # noqa: E402
from search.models import Answer  # noqa: E402
from search.retrieval.engine import Searcher  # noqa: E402
from search.retrieval.query import ParsedQuery  # noqa: E402

TEMPERATURE = 0.05  # of the softmax over a question's candidates
PULL = 10.0  # weight of the squared distance to the hand-set weights
FOLDS = 5


@dataclass
class Case:
    """One prepared question: what `ask` found, and how to judge an answer to it."""

    key: str
    q: ParsedQuery
    found: Found
    abstains: bool
    paper: str
    pattern: str


def body_sets() -> list[tuple[str, Path]]:
    """(split, path) of every body question file: the first set, then the late sets."""
    return [("", HERE / "body_questions.jsonl"), *late_sets("body_questions_")]


def body_files(through: str) -> list[Path]:
    """The body question files up to and including the `through` blind set."""
    sets = body_sets()
    names = [name for name, _ in sets]
    return [path for _, path in sets[:names.index(through) + 1]]


def prepare_all(searcher: Searcher, files: Iterable[Path]) -> list[Case]:
    """Every question of the files, prepared once."""
    ids = paper_ids(searcher)
    cases = []
    for path in files:
        for line in path.read_text("utf-8").splitlines():
            if line:
                row = json.loads(line)
                q = searcher.parse(row["question"])
                found = prepare(searcher, q, 8)
                cases.append(Case(f"{path.stem}:{row['qid']}", q, found, ask._too_far(q, found),
                                  ids.get(row["paper"], row["paper"]), row["pattern"]))
    return cases


def judge(searcher: Searcher, cases: list[Case], weights: np.ndarray) -> tuple[int, int]:
    """(answers citing the answer, answers citing it in [1]-[3]) with each specific
    answer's lead chosen by `weights`."""
    cited = top3 = 0
    for case in cases:
        found = case.found
        if case.abstains or not found.sentences:
            continue
        sents = [copy.copy(s) for s in found.sentences]  # answering re-points sentences
        for s in sents:
            s.fact_score = float(weights @ s.features)
        trial = replace(found, sentences=sents, evidence=list(found.evidence))
        text, cites = ask.builtin_overview(searcher, case.q, trial, 8)
        a = Answer(question=case.q.raw, overview=text, citations=cites, generator="builtin",
                   took_ms=0.0, notices=[])
        c, t = judge_answer(a, case.paper, matcher(case.pattern))
        cited, top3 = cited + c, top3 + t
    return cited, top3


def ranking_data(cases: list[Case]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(set, candidate terms, answer-bearing mask) of each question with an answer-bearing
    candidate."""
    out = []
    for case in cases:
        sents, hit = case.found.sentences, matcher(case.pattern)
        holds = np.array([case.found.evidence[s.ev].paper.paper_id == case.paper and hit(s.text)
                          for s in sents], dtype=bool)
        if holds.any():
            out.append((case.key.split(":")[0], np.array([s.features for s in sents]), holds))
    return out


def fit(data: list[tuple[str, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Weights maximising the softmax likelihood of the answer-bearing candidates."""
    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = PULL * float(((w - WEIGHTS) ** 2).sum()), 2 * PULL * (w - WEIGHTS)
        for _, x, holds in data:
            z = x @ w / TEMPERATURE
            p = np.exp(z - z.max())
            p /= p.sum()
            mass = p[holds].sum()
            total -= float(np.log(mass))
            grad += (p @ x - p[holds] @ x[holds] / mass) / TEMPERATURE
        return total, grad

    return np.asarray(minimize(loss, WEIGHTS, jac=True, method="L-BFGS-B").x)


def ranks(data: list[tuple[str, np.ndarray, np.ndarray]], w: np.ndarray) -> tuple[int, int]:
    """(questions whose first candidate holds the answer, whose first three do)."""
    first = top3 = 0
    for _, x, holds in data:
        best = int(np.flatnonzero(holds[np.argsort(-(x @ w), kind="stable")])[0])
        first, top3 = first + (best < 1), top3 + (best < 3)
    return first, top3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [name for name, _ in body_sets()][1:]
    parser.add_argument("--through", default=names[-2], choices=names, metavar="lateN",
                        help="the last blind set to fit on (default: all but the newest)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_INDEX)
    args = parser.parse_args()
    searcher = Searcher(ensure_index(args.data_dir))
    files = body_files(args.through)
    cases = prepare_all(searcher, files)
    print(f"{len(cases)} questions of {len(files)} sets")
    data = ranking_data(cases)
    sets = sorted({name for name, _, _ in data})
    fitted, hand = [0, 0], [0, 0]
    for k in range(FOLDS):
        held = set(sets[k::FOLDS])
        w = fit([d for d in data if d[0] not in held])
        for got, weights in ((fitted, w), (hand, WEIGHTS)):
            first, top3 = ranks([d for d in data if d[0] in held], weights)
            got[0], got[1] = got[0] + first, got[1] + top3
    print(f"{len(data)} questions with an answer-bearing candidate; held-out folds, first / "
          f"in the first three: fitted {fitted}, hand-set {hand}")
    w = fit(data)
    print("fitted on all: " + ", ".join(f"{n} {v:.2f}" for n, v in zip(FEATURES, w, strict=True)))
    print(f"whole answers, cited / in [1]-[3]: lead by the hand-set weights "
          f"{judge(searcher, cases, WEIGHTS)}, by the fitted {judge(searcher, cases, w)}")


if __name__ == "__main__":
    main()
