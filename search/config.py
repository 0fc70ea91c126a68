"""Search and service settings (env prefix ``AVATAR_SCHOLAR_``). Built by the caller."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from indexer.config import IndexerSettings


class SearchSettings(IndexerSettings):
    """Everything the engine, the API and the UI launcher read from the environment."""

    candidates: int = Field(200, description="Chunks taken from each retriever before fusion.")
    fusion: Literal["convex", "rrf"] = Field(
        "convex", description="Score fusion: convex mix of normalised scores, or RRF."
    )
    zh_dense_weight: float = Field(
        0.6, description="Dense weight for Chinese queries (the encoder sees a glossary translation)."
    )
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in the fusion.")
    sparse_weight: float = Field(1.0, description="Weight of the keyword ranking in the fusion.")
    max_query_chars: int = Field(1000, description="Longer queries are truncated with a notice.")
    api_host: str = Field("127.0.0.1", description="Where `serve` and `run` bind the API.")
    api_port: int = Field(8000, description="API port.")
    ui_port: int = Field(8501, description="Streamlit UI port.")
    api_url: str | None = Field(None, description="API base URL the UI talks to.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1")
    llm_model: str | None = Field(None, description="Model name sent to the LLM endpoint.")
    llm_api_key: str | None = Field(None, description="Bearer token for the LLM endpoint.")
    llm_timeout: float = Field(60.0, description="Seconds before an LLM call falls back.")
