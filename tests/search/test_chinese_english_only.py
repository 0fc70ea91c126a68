"""Chinese queries over English-only papers, and the no-match floor, with the real model.

The index is a slice of the bundled library (arXiv metadata only, no Chinese text), so
every Chinese query has to get through the lexicon's translation. The queries were
written for these tests from the papers' titles and abstracts; none is in the
benchmark sets.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from indexer.embed import Embedder
from search.config import Settings
from search.retrieval.engine import Searcher
from search.retrieval.floor import NO_MATCH
from tests.conftest import build_into
from tests.shared import REPO

BUNDLE = REPO / "index_data" / "library" / "avatar-papers-2024.jsonl.gz"
QUERIES = {
    "从单张室内全景图合成新视角": "2408.11413",  # Pano2Room
    "多视角草图引导的文本生成3D": "2401.14257",  # Sketch2NeRF
    "语义高斯泼溅 稠密SLAM": "2402.03246",  # SGS-SLAM
    "频率感知引导的盲图像复原 扩散模型": "2411.12450",
}


@pytest.fixture(scope="module")
def english_only(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Searcher:
    """An index of 250 bundled papers (the targets among them) with the real model."""
    root = tmp_path_factory.mktemp("english_only")
    with gzip.open(BUNDLE, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    picked = [ln for ln in lines if any(f'"{t}"' in ln for t in QUERIES.values())] + lines[:250]
    sliced = root / "slice.jsonl.gz"
    with gzip.open(sliced, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(dict.fromkeys(picked)) + "\n")
    settings: Settings = build_into(root / "data", [Path(sliced)], embedder)
    return Searcher(settings, embedder_factory=lambda: embedder)


@pytest.mark.parametrize(("query", "target"), QUERIES.items())
def test_a_chinese_query_finds_the_english_paper_first(english_only: Searcher, query: str,
                                                       target: str) -> None:
    resp = english_only.search(query, k=10)
    assert resp.hits and resp.hits[0].arxiv_id == target, resp.expanded_query
    assert resp.expanded_query and resp.expanded_query.isascii()  # what the encoder saw
    assert not resp.notices


@pytest.mark.parametrize(("query", "listed"), [
    ("zzqxj qwertyuiop", False), ("😀😀😂🤣", False), ("犇骉羴猋", False),
    ("红烧肉的做法", None), ("贵州茅台今天股价", None), ("how to fix a flat bicycle tire", True),
])
def test_nonsense_and_off_topic_get_the_no_match_notice(english_only: Searcher, query: str,
                                                        listed: bool | None) -> None:
    """Nothing is listed when no keyword is in the index; else the nearest papers are
    (None: either, depending on what the translation's few words match)."""
    resp = english_only.search(query)
    assert any(NO_MATCH in n for n in resp.notices)
    if listed is not None:
        assert bool(resp.hits) == listed


@pytest.mark.parametrize("query", ["NeRF", "数字人", "SMPL", "talking head", "高斯泼溅"])
def test_short_real_queries_still_match(english_only: Searcher, query: str) -> None:
    resp = english_only.search(query)
    assert resp.hits and not resp.notices
