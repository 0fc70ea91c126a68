"""Themes and the map: quality on the corpus, build cost, and the cost at 5k-20k papers.

Usage (from the repo root; any built index of the shared corpus):
    .venv/bin/python benchmarks/themes.py --data-dir benchmarks/results/corpus_index

Reads the served generation's papers and mean chunk vectors and, in one process:
(1) fits themes and the map as a build does, timing the layout and the whole stage
(median of `--repeat` runs); (2) reports the number of themes, the share of papers in
one, the adjusted mutual information with the digests' own topic labels (a sanity
check, not a target) and five example themes; (3) fits papers dated before `--split`
and extends the themes to the rest, as a build that adds a month does, against a full
refit; (4) times the stage at 5k, 10k and 20k papers made from the corpus vectors
(each a real paper's vector plus noise, cosine ≈ 0.88 to it, with its text).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from machine import machine  # noqa: E402
from sklearn.metrics import adjusted_mutual_info_score as ami  # noqa: E402

from indexer import store  # noqa: E402
from indexer.layout import tsne_layout  # noqa: E402
from indexer.themes import ThemeData, extend_themes, fit_themes, theme_text  # noqa: E402

NOISE = 0.0275  # per dimension: cosine ≈ 0.88 between a synthetic paper and its source


def load(data_dir: Path) -> tuple[list, np.ndarray]:  # type: ignore[type-arg]
    """The served generation's documents and their mean chunk vectors."""
    gen = store.generation_path(data_dir)
    con = store.connect_readonly(gen)
    docs = [d for d, _ in store.read_documents(con).values()]
    con.close()
    return docs, np.asarray(store.read_rows(gen).paper_vectors)


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median seconds of `repeat` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def quality(docs: list, x: np.ndarray, data: ThemeData) -> None:  # type: ignore[type-arg]
    labels = [d.paper.topics[0] if d.paper.topics else "" for d in docs]
    themed = data.theme_of >= 0
    print(f"| themes | {len(data.themes.themes)} |")
    print(f"| papers in a theme | {themed.sum():,} of {len(docs):,} ({themed.mean():.1%}) |")
    print(f"| AMI with the digests' first topic, all papers (unthemed = one label) | "
          f"{ami(labels, data.theme_of):.3f} |")
    print(f"| AMI, papers in a theme only | "
          f"{ami(np.array(labels)[themed], data.theme_of[themed]):.3f} |")
    print("\nLargest themes (name · size · three papers nearest the centre):\n")
    sizes = {t.theme_id: int((data.theme_of == t.theme_id).sum()) for t in data.themes.themes}
    largest = sorted(enumerate(data.themes.themes), key=lambda rt: -sizes[rt[1].theme_id])
    for row, theme in largest[:5]:
        members = np.nonzero(data.theme_of == theme.theme_id)[0]
        print(f"- **{theme.name}** ({sizes[theme.theme_id]} papers; also: "
              f"{', '.join(theme.terms[2:5])})")
        for i in members[np.argsort(-(x[members] @ data.centroids[row]))[:3]]:
            print(f"  - {docs[i].paper.title} ({docs[i].paper.arxiv_id or docs[i].paper.paper_id})")


def incremental(docs: list, x: np.ndarray, split: date) -> None:  # type: ignore[type-arg]
    ids = [d.paper.paper_id for d in docs]
    texts = [theme_text(d) for d in docs]
    old = [i for i, d in enumerate(docs) if (d.paper.published or d.paper.first_seen or split) < split]
    new = [i for i in range(len(docs)) if i not in set(old)]
    t0 = time.perf_counter()
    base = fit_themes([ids[i] for i in old], [texts[i] for i in old], x[old])
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    grown = extend_themes(base, [ids[i] for i in old], ids, x)
    t_extend = time.perf_counter() - t0
    t0 = time.perf_counter()
    refit = fit_themes(ids, texts, x)
    t_refit = time.perf_counter() - t0
    joined = (grown.theme_of[new] >= 0).mean()
    print(f"| fit on papers dated before {split} | {len(old):,} papers, "
          f"{len(base.themes.themes)} themes, {t_fit:.1f} s |")
    print(f"| add the {len(new):,} later papers to those themes | {t_extend:.2f} s; "
          f"{joined:.0%} joined a theme |")
    print(f"| full refit of all {len(docs):,} papers | {t_refit:.1f} s, "
          f"{len(refit.themes.themes)} themes |")
    print(f"| AMI between the added papers' themes and the refit's | "
          f"{ami(grown.theme_of[new], refit.theme_of[new]):.3f} |")


def scaled(docs: list, x: np.ndarray, sizes: list[int]) -> None:  # type: ignore[type-arg]
    rng = np.random.default_rng(0)
    texts = [theme_text(d) for d in docs]
    for n in sizes:
        src = rng.integers(0, len(x), size=n)
        y = x[src] + NOISE * rng.standard_normal((n, x.shape[1])).astype(np.float32)
        y /= np.linalg.norm(y, axis=1, keepdims=True)
        ids = [f"s{i}" for i in range(n)]
        t_layout, _ = timed(lambda: tsne_layout(y), 1)  # noqa: B023 - called at once
        t_all, data = timed(lambda: fit_themes(ids, [texts[i] for i in src], y), 1)  # noqa: B023
        assert isinstance(data, ThemeData)
        print(f"| {n:,} | {t_layout:.1f} | {t_all:.1f} | {len(data.themes.themes)} | "
              f"{(data.theme_of >= 0).mean():.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "benchmarks/results/corpus_index")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--split", type=date.fromisoformat, default=date(2024, 10, 1))
    parser.add_argument("--sizes", default="5000,10000,20000")
    args = parser.parse_args()
    docs, x = load(args.data_dir)
    ids, texts = [d.paper.paper_id for d in docs], [theme_text(d) for d in docs]
    print(f"Machine: {machine()}; load average before: {os.getloadavg()[0]:.1f}\n")
    t_layout, _ = timed(lambda: tsne_layout(x), args.repeat)
    t_all, data = timed(lambda: fit_themes(ids, texts, x), args.repeat)
    print("| measure | value |\n|---|---|")
    print(f"| themes + map, {len(docs):,} papers (median of {args.repeat}) | {t_all:.1f} s "
          f"(layout {t_layout:.1f} s) |")
    quality(docs, x, data)  # type: ignore[arg-type]
    print("\n| incremental | |\n|---|---|")
    incremental(docs, x, args.split)
    print("\n| papers | layout s | themes + layout s | themes | in a theme |\n|---|---|---|---|---|")
    scaled(docs, x, [int(s) for s in args.sizes.split(",") if s])
    print(f"\nLoad average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
