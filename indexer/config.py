"""Indexer settings (env prefix ``AVATAR_SCHOLAR_``). Built by the caller, never at import."""

from __future__ import annotations

from pathlib import Path

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
    backend: str = Field("torch", description="Encoder backend: torch (fp32).")
    keep_generations: int = Field(2, description="Index generations kept on disk.")
    arxiv_delay_seconds: float = Field(3.0, description="Minimum pause between arXiv calls.")
    arxiv_url: str = Field(
        "https://export.arxiv.org/api/query",
        description="arXiv API endpoint (tests point it at a local Atom server).",
    )
