"""Index-data I/O for the array files of a generation: vectors, row arrays, FAISS, BM25.

Part of `indexer.store` (which re-exports every function here): together they are the
one place that reads or writes ``index_data/``. Everything that scales with the number
of chunks is a ``.npy`` file or a FAISS index opened memory-mapped, so a serving process
pays in RAM only for the pages its queries touch and several workers share one copy
through the page cache.

Files of a generation written here::

    embeddings.npy      float32 vectors of the English chunks, row = vector row
    vec_rows.npy        int64 chunk row of each vector row
    paper_of_row.npy    int32 paper number (papers table order) of each chunk row
    lang_of_row.npy     <U2 language ("en"/"zh") of each chunk row
    first_row.npy       int64 default excerpt row of each paper (-1 for none)
    paper_vectors.npy   float32 normalised mean chunk vector of each paper
    vectors.faiss       FAISS index over embeddings.npy (vector_store = "faiss")
    vectors.milvus.db/  Milvus Lite data directory (vector_store = "milvus", no URI)
    bm25/               keyword index over every chunk (row = chunk row)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import StoreError
from indexer.faults import disk_full
from indexer.vectors import RowArrays

ROW_FILES = ("paper_of_row", "lang_of_row", "first_row", "paper_vectors")


def write_embeddings(gen_dir: Path, embeddings: np.ndarray, vec_rows: np.ndarray) -> None:
    """Persist the vectors (so any index can be rebuilt without re-embedding) and their rows."""
    disk_full("vectors", gen_dir / "embeddings.npy")
    np.save(gen_dir / "embeddings.npy", np.ascontiguousarray(embeddings, dtype=np.float32))
    np.save(gen_dir / "vec_rows.npy", np.asarray(vec_rows, dtype=np.int64))


def read_embeddings(gen_dir: Path) -> tuple[Any, Any]:
    """Embeddings (memory-mapped) and their chunk rows of a generation."""
    try:
        emb = np.load(gen_dir / "embeddings.npy", mmap_mode="r")
        rows = np.load(gen_dir / "vec_rows.npy", mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise StoreError(f"unreadable embeddings in {gen_dir}: {exc}") from exc
    return emb, rows


def write_rows(gen_dir: Path, arrays: RowArrays) -> None:
    """Persist the per-row and per-paper arrays that search loads memory-mapped."""
    for name in ROW_FILES:
        np.save(gen_dir / f"{name}.npy", getattr(arrays, name))


def read_rows(gen_dir: Path) -> RowArrays:
    """The row arrays of a generation, memory-mapped (nothing is copied into RAM)."""
    try:
        loaded = {name: np.load(gen_dir / f"{name}.npy", mmap_mode="r") for name in ROW_FILES}
        row_of_vec = np.load(gen_dir / "vec_rows.npy", mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"row arrays missing or unreadable in {gen_dir} ({exc}); the index was built"
            " by an older version: rebuild it with `avatar-scholar reindex`"
        ) from exc
    return RowArrays(row_of_vec=row_of_vec, **loaded)


def write_faiss(gen_dir: Path, index: Any) -> None:
    """Persist a FAISS index."""
    import faiss

    faiss.write_index(index, str(gen_dir / "vectors.faiss"))


def read_faiss(gen_dir: Path) -> Any:
    """The FAISS index of a generation, memory-mapped where FAISS supports it.

    Flat codes (exact and HNSW storage) map with IO_FLAG_MMAP_IFC; IVF inverted lists
    map with IO_FLAG_MMAP. Either way the file's pages are shared and loaded on demand.
    """
    import faiss

    path = str(gen_dir / "vectors.faiss")
    ro = faiss.IO_FLAG_READ_ONLY
    error = RuntimeError("no attempt")
    for flags in (faiss.IO_FLAG_MMAP | faiss.IO_FLAG_MMAP_IFC | ro, faiss.IO_FLAG_MMAP | ro, 0):
        try:
            return faiss.read_index(path, flags)
        except RuntimeError as exc:
            error = exc
    raise StoreError(f"unreadable FAISS index {path}: {str(error).splitlines()[0]}") from error


def faiss_size(gen_dir: Path) -> int:
    """Bytes of a generation's FAISS file (0 when it has none)."""
    path = gen_dir / "vectors.faiss"
    return path.stat().st_size if path.is_file() else 0


def milvus_lite_path(gen_dir: Path) -> Path:
    """Where a generation keeps its Milvus Lite data (inside it, so generations stay atomic)."""
    return gen_dir / "vectors.milvus.db"


def write_bm25(gen_dir: Path, bm25: Any) -> None:
    """Persist the keyword index."""
    bm25.save(str(gen_dir / "bm25"), show_progress=False)


def read_bm25(gen_dir: Path) -> Any:
    """Load the keyword index (memory-mapped)."""
    import bm25s

    try:
        return bm25s.BM25.load(str(gen_dir / "bm25"), mmap=True, show_progress=False)
    except (OSError, ValueError) as exc:
        raise StoreError(f"unreadable keyword index in {gen_dir}: {exc}") from exc
