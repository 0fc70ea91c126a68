"""Indexer settings (env prefix ``AVATAR_SCHOLAR_``). Built by the caller, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "index_data"


class IndexerSettings(BaseSettings):
    """Where the index lives and how text is chunked and embedded."""

    model_config = SettingsConfigDict(env_prefix="AVATAR_SCHOLAR_", extra="ignore")

    data_dir: Path = Field(
        default=DEFAULT_DATA_DIR,
        validation_alias=AliasChoices("AVATAR_SCHOLAR_DATA", "AVATAR_SCHOLAR_DATA_DIR", "data_dir"),
        description="Directory holding index generations, sources.toml, inbox/ and library/.",
    )
    chunk_words: int = Field(200, description="Target words per chunk (150–220 fits the model).")
    chunk_overlap: int = Field(30, description="Words repeated between neighbouring chunks.")
    max_tokens: int = Field(
        256, description="Model context in word pieces; longer chunks are split, never cut."
    )
    batch_size: int = Field(32, description="Texts per encoder batch.")
    # onnx-int8 is the default: ~3.9x raw torch encoding end to end (benchmarks/throughput.py,
    # 2 cores) with Recall@10 within 0.001 of torch on benchmarks/retrieval. Searches encode
    # queries with the backend recorded in the index manifest, so torch indexes keep working.
    backend: str = Field(
        "onnx-int8",
        description="Encoder backend for new builds: onnx-int8 (ONNX Runtime, dynamic int8),"
        " onnx (ONNX Runtime, fp32) or torch (PyTorch, fp32).",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "avatar-scholar",
        description="Where the ONNX export of the model is cached (onnx/<model-hash>/).",
    )
    keep_generations: int = Field(2, description="Index generations kept on disk.")
    check_free_space: bool = Field(
        True, description="Refuse a build early when the data directory's disk lacks room for"
        " a new generation (turn off for filesystems that misreport free space).")
    arxiv_delay_seconds: float = Field(3.0, description="Minimum pause between arXiv calls.")
    arxiv_url: str = Field(
        "https://export.arxiv.org/api/query",
        description="arXiv API endpoint (tests point it at a local Atom server).",
    )
    # Full text of arXiv papers (indexer/sources/arxiv_pdf.py, indexer/fulltext_job.py).
    fulltext: bool = Field(
        True,
        description="Download arXiv PDFs and index their full text (index arxiv:, update,"
        " fulltext, run); false = abstracts only, nothing downloaded.",
    )
    pdf_url: str = Field(
        "https://export.arxiv.org/pdf",
        description="Base URL of arXiv PDFs, fetched as <pdf_url>/<id>v<version> (tests use a stub).",
    )
    pdf_delay_seconds: float = Field(
        3.0, description="Minimum pause between PDF requests (never below 3 s for arxiv.org)."
    )
    pdf_max_mb: float = Field(60.0, description="Largest PDF downloaded, in MB; bigger ones are skipped.")
    pdf_timeout_seconds: float = Field(
        30.0, description="Seconds to wait for a connection or for the next bytes of a PDF."
    )
    keep_pdfs: bool = Field(
        True,
        description="Keep downloaded PDFs under pdfs/; false keeps only their parsed text"
        " (about 1 % of the disk), which is all the index needs.",
    )
    vector_store: Literal["faiss", "milvus"] = Field(
        "faiss",
        description="Where vectors are searched: FAISS files inside the generation (default),"
        " or Milvus (Lite inside the generation, or a cluster when milvus_uri is set).",
    )
    milvus_uri: str | None = Field(
        None,
        description="Milvus server/cluster URI (http://host:19530); unset = Milvus Lite data"
        " inside each generation directory. One collection per generation, dropped on prune.",
    )
    milvus_token: str | None = Field(
        None, description="Milvus credentials (user:password or API key) for milvus_uri."
    )
    vector_index: Literal["auto", "flat", "ivf-sq8", "hnsw-sq8"] = Field(
        "auto",
        description="Vector index type (FAISS or Milvus); auto = exact up to 200k vectors, IVF-SQ8 beyond.",
    )
