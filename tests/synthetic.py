"""A small synthetic library for the fast tier: JSONL records with known words, dates and links.

Every paper pairs one representation with one task, so a test can ask for "gaussian
splatting talking head" and know which paper it means, without the real corpus or model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPRESENTATIONS = ["gaussian splatting", "neural radiance field", "diffusion model",
                   "parametric mesh", "point cloud"]
TASKS = ["talking head", "full body avatar", "hand reconstruction", "garment simulation",
         "face relighting", "motion capture"]
AUTHORS = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Émile Durkheim", "Wei Zhang"]


def synthetic_id(i: int) -> str:
    """The arXiv id of the i-th synthetic paper (2401.10000 + i)."""
    return f"2401.{10000 + i}"


def synthetic_records() -> list[dict[str, Any]]:
    """30 papers: one per (representation, task), with dates spread over six months."""
    out = []
    for i, (rep, task) in enumerate((r, t) for r in REPRESENTATIONS for t in TASKS):
        month = 1 + i % 6
        out.append({
            "arxiv_id": synthetic_id(i),
            "title": f"{rep.title()} for {task.title()} number {i}",
            "authors": [AUTHORS[i % len(AUTHORS)], AUTHORS[(i + 2) % len(AUTHORS)]],
            "abstract": (f"We present a {rep} method for {task}. The approach trains on "
                         f"multi-view video and renders at interactive rates. Experiments "
                         f"show that {rep} improves {task} quality over prior work."),
            "published": f"2024-{month:02d}-{1 + i % 27:02d}",
            "topics": ["3DGS" if rep == "gaussian splatting" else "Avatars"],
            "links": {"code": f"https://github.com/example/repo{i}"} if i % 3 == 0 else {},
        })
    return out


def write_synthetic(path: Path, records: list[dict[str, Any]] | None = None) -> Path:
    """Write the records (the synthetic library by default) as JSONL to `path`."""
    rows = synthetic_records() if records is None else records
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def write_paper_pdf(path: Path, metadata: dict[str, str] | None, author_line: str = "") -> Path:
    """A one-page paper PDF: a big title, an optional author line, an abstract, a footnote,
    and the document metadata given."""
    import pymupdf  # only the tests that write PDFs need it

    with pymupdf.open() as pdf:
        page = pdf.new_page()
        page.insert_text((72, 90), "Gaussian Head Avatars from Phone Videos", fontsize=20)
        if author_line:
            page.insert_text((72, 120), author_line, fontsize=12)
        page.insert_text((72, 160), "Abstract", fontsize=12, fontname="hebo")
        body = ("We reconstruct a drivable head avatar from a short phone video. The avatar "
                "renders in real time and keeps identity under new expressions.")
        page.insert_textbox(pymupdf.Rect(72, 170, 520, 260), body, fontsize=10)
        page.insert_text((72, 700), "*Equal contribution. Corresponding author: a@b.org",
                         fontsize=7)
        if metadata:
            pdf.set_metadata(metadata)
        pdf.save(path)
    return path
