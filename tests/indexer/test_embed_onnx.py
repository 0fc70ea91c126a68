"""The ONNX Runtime backends against the torch one, with the real model exported into tmp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer import store
from indexer.build import embed_text
from indexer.chunk import chunk_document
from indexer.config import IndexerSettings
from indexer.embed import Embedder, SentenceTransformerEmbedder, embedder_for, load_embedder
from indexer.embed_onnx import OnnxEmbedder, cache_root
from indexer.errors import StoreError
from indexer.sources.digest import read_digest_tree
from search.retrieval.engine import Searcher
from tests.conftest import build_into

pytestmark = pytest.mark.slow

TEXTS_DAY = "2024-01-30"  # four digests, ≈ 50 real chunks
TINY_DIGEST = "2024-03-04/Diffusion Models.md"  # 5 papers: indexes in seconds


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexerSettings]:
    """Settings with a fresh export cache, read from the environment as the CLI reads it."""
    cache = tmp_path_factory.mktemp("onnx_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AVATAR_SCHOLAR_CACHE_DIR", str(cache))
        yield IndexerSettings()


@pytest.fixture(scope="module")
def fp32(onnx_cache: IndexerSettings) -> OnnxEmbedder:
    made = embedder_for(onnx_cache, "onnx")
    assert isinstance(made, OnnxEmbedder)
    return made


@pytest.fixture(scope="module")
def int8(fp32: OnnxEmbedder, onnx_cache: IndexerSettings) -> OnnxEmbedder:
    made = embedder_for(onnx_cache, "onnx-int8")
    assert isinstance(made, OnnxEmbedder)
    return made


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    """The reference: sentence-transformers on PyTorch."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def texts(corpus_dir: Path, torch_embedder: Embedder) -> list[str]:
    """Real chunk texts, exactly as the indexer embeds them, and one past the 256-token window."""
    docs, _ = read_digest_tree(corpus_dir / TEXTS_DAY)
    out = [embed_text(d.paper.title, c) for d in docs
           for c in chunk_document(d, count_tokens=torch_embedder.count_tokens) if c.lang == "en"]
    assert len(out) >= 30
    return [*out, " ".join(out[:3])]


@pytest.fixture(scope="module")
def torch_vectors(texts: list[str], torch_embedder: Embedder) -> np.ndarray:
    return torch_embedder.embed(texts)


def test_export_is_cached_under_the_configured_dir(onnx_cache: IndexerSettings, fp32: OnnxEmbedder,
                                                  int8: OnnxEmbedder) -> None:
    assert cache_root(onnx_cache.cache_dir) == onnx_cache.cache_dir / "onnx"
    assert fp32.path.parent.parent == onnx_cache.cache_dir / "onnx"
    assert {fp32.path.name, int8.path.name} == {"model.onnx", "model-int8.onnx"}
    assert int8.path.stat().st_size < fp32.path.stat().st_size / 3


def test_fp32_vectors_match_torch(fp32: OnnxEmbedder, texts: list[str],
                                  torch_vectors: np.ndarray) -> None:
    vecs = fp32.embed(texts)
    assert vecs.shape == (len(texts), 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    cos = (vecs * torch_vectors).sum(axis=1)
    assert cos.min() >= 0.999  # measured: 0.9999998 on 500 chunks


def test_int8_vectors_stay_close_to_torch(int8: OnnxEmbedder, texts: list[str],
                                          torch_vectors: np.ndarray) -> None:
    vecs = int8.embed(texts)
    assert vecs.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    cos = (vecs * torch_vectors).sum(axis=1)
    # measured: mean 0.994, min 0.985 on 500 chunks
    assert cos.mean() >= 0.985 and cos.min() >= 0.97


def test_order_and_calls_are_kept(fp32: OnnxEmbedder, texts: list[str]) -> None:
    sample = [texts[0], "a short one", texts[5]]
    before = fp32.calls
    forward, backward = fp32.embed(sample), fp32.embed(sample[::-1])
    np.testing.assert_allclose(forward, backward[::-1], atol=1e-5)
    assert fp32.calls == before + 6
    assert fp32.embed([]).shape == (0, 384)


def test_count_tokens_equals_torch(fp32: OnnxEmbedder, torch_embedder: Embedder,
                                   texts: list[str]) -> None:
    samples = [*texts[:10], "", "3DGS 数字人 talking-head", "word " * 400]
    assert ([fp32.count_tokens(t) for t in samples]
            == [torch_embedder.count_tokens(t) for t in samples])


def test_manifest_and_queries_use_the_building_backend(
        tmp_path: Path, corpus_dir: Path, fp32: OnnxEmbedder, torch_embedder: Embedder,
        onnx_cache: IndexerSettings) -> None:
    cache = {"cache_dir": onnx_cache.cache_dir}
    onnx_settings = build_into(tmp_path / "onnx", [corpus_dir / TINY_DIGEST], fp32, **cache)
    torch_settings = build_into(tmp_path / "torch", [corpus_dir / TINY_DIGEST], torch_embedder,
                                **cache)
    for settings, backend in ((onnx_settings, "onnx"), (torch_settings, "torch")):
        gen = store.generation_path(settings.data_dir)
        assert store.read_manifest(gen).backend == backend
        searcher = Searcher(settings)  # no factory: the manifest decides
        assert searcher.embedder.backend == backend
        assert searcher.search("diffusion model", k=3, mode="dense").hits


@pytest.mark.parametrize("name", ["tensorflow", "", "ONNX"])
def test_unknown_backend_is_a_one_line_store_error(name: str) -> None:
    with pytest.raises(StoreError) as info:
        load_embedder(name)
    assert "\n" not in str(info.value) and "onnx-int8" in str(info.value)


def test_failed_export_is_a_one_line_store_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.embed_onnx as embed_onnx

    def broken(model_dir: Path, out: Path) -> None:
        raise RuntimeError("tracer exploded\nat a very long stack")

    monkeypatch.setattr(embed_onnx, "_export_fp32", broken)
    with pytest.raises(StoreError) as info:
        OnnxEmbedder(cache_dir=tmp_path)
    assert str(info.value).count("\n") == 0 and "tracer exploded" in str(info.value)


def test_cached_export_is_reused(fp32: OnnxEmbedder, onnx_cache: IndexerSettings,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.embed_onnx as embed_onnx

    def forbidden(model_dir: Path, out: Path) -> None:
        raise AssertionError("exported again despite the cache")

    monkeypatch.setattr(embed_onnx, "_export_fp32", forbidden)
    again = embedder_for(onnx_cache, "onnx")
    assert again.backend == "onnx" and again.embed(["cached"]).shape == (1, 384)
