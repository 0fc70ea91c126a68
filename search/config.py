"""Settings, nested by concern (env prefix ``AVATAR_SCHOLAR_``), built once at an edge.

The CLI, the API's app factory and the UI's entry script call `Settings.load` and pass
the result (or the part a function needs) down; nothing below them reads the
environment. The environment variable of each field is its name with the prefix, e.g.
``AVATAR_SCHOLAR_API_PORT`` or ``AVATAR_SCHOLAR_LLM_BASE_URL`` (see README and docs/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.config import IndexerSettings

_ENV = SettingsConfigDict(env_prefix="AVATAR_SCHOLAR_", extra="ignore")


class RankingSettings(BaseSettings):
    """How the engine retrieves and fuses."""

    model_config = _ENV

    candidates: int = Field(200, description="Chunks taken from each retriever before fusion.")
    fusion: Literal["convex", "rrf"] = Field(
        "convex", description="Score fusion: convex mix of normalised scores, or RRF."
    )
    zh_dense_weight: float = Field(
        0.6, description="Dense weight of a fully translated Chinese query (the encoder sees its "
        "English rendering), scaled down by the share of the query left untranslated."
    )
    min_match: float = Field(
        0.43, description="Below this match strength of the first papers (cosine + 0.3 × keyword "
        "share, see search/retrieval/floor.py) search notes that nothing matches closely; 0 turns "
        "the floor off."
    )
    body_discount: float = Field(
        0.1, ge=0.0, le=1.0, description="Cosine taken off a body passage (not a paper's front "
        "matter, abstract or digest summary) where it stands for its paper in paper search: a "
        "paper whose full text is indexed has dozens of passages, each a chance to match a topic "
        "it only mentions in passing."
    )
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, description="Weight of the dense ranking in the fusion.")
    sparse_weight: float = Field(1.0, description="Weight of the keyword ranking in the fusion.")
    max_query_chars: int = Field(1000, description="Longest query or question accepted.")


class ServiceSettings(BaseSettings):
    """Where the API and the UI listen, and how the UI finds the API."""

    model_config = _ENV

    api_host: str = Field("127.0.0.1", description="Where `serve` and `run` bind the API.")
    api_port: int = Field(8000, ge=1, le=65535, description="API port.")
    ui_port: int = Field(8501, ge=1, le=65535, description="Streamlit UI port.")
    api_url: str | None = Field(None, description="API base URL the UI talks to.")
    max_body_bytes: int = Field(
        65_536, ge=1024, description="Largest request body the API reads; larger ones get 413.")

    def ui_api_url(self) -> str:
        """The API URL the UI calls: `api_url`, else the API's host and port (loopback when
        the API binds every interface)."""
        if self.api_url:
            return self.api_url.rstrip("/")
        host = self.api_host if self.api_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"http://{host}:{self.api_port}"


class LLMSettings(BaseSettings):
    """The optional OpenAI-compatible endpoint that writes overviews."""

    model_config = SettingsConfigDict(env_prefix="AVATAR_SCHOLAR_LLM_", extra="ignore")

    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1")
    model: str | None = Field(None, description="Model name sent to the LLM endpoint.")
    api_key: str | None = Field(None, description="Bearer token for the LLM endpoint.")
    timeout: float = Field(20.0, gt=0, description="Seconds before an LLM call falls back.")
    max_concurrent: int = Field(
        4, ge=1, description="Asks the API lets wait on the LLM at once; more get 503 + Retry-After.")


class Settings(BaseModel):
    """Everything the CLI, the API and the UI are configured with."""

    index: IndexerSettings
    ranking: RankingSettings
    service: ServiceSettings
    llm: LLMSettings

    @classmethod
    def load(cls, data_dir: Path | str | None = None, *, ranking: dict[str, Any] | None = None,
             service: dict[str, Any] | None = None, llm: dict[str, Any] | None = None,
             **index: Any) -> Settings:
        """Settings from the environment; explicit arguments win over it.

        Args:
            data_dir: the index directory (else $AVATAR_SCHOLAR_DATA, else ./index_data).
            ranking, service, llm: field overrides for those parts.
            **index: overrides of `IndexerSettings` fields (vector_store=..., backend=...).
        """
        if data_dir is not None:
            index["data_dir"] = data_dir
        return cls(index=IndexerSettings(**index), ranking=RankingSettings(**(ranking or {})),
                   service=ServiceSettings(**(service or {})), llm=LLMSettings(**(llm or {})))

    @property
    def data_dir(self) -> Path:
        """The index directory (shorthand for ``index.data_dir``)."""
        return self.index.data_dir

    def secrets(self) -> list[str]:
        """Configured credentials, which must never be shown (API key, tokens, URL passwords)."""
        found = [self.llm.api_key, self.index.milvus_token]
        for url in (self.llm.base_url, self.index.milvus_uri, self.service.api_url):
            found.append(urlsplit(url).password if url else None)
        return [s for s in found if s]


_SECRET_FIELDS = frozenset({"api_key", "milvus_token", "base_url", "milvus_uri"})


def setting_error(exc: ValidationError) -> str:
    """One line naming the environment variable(s) of invalid settings, e.g.
    ``invalid setting AVATAR_SCHOLAR_API_PORT=-1: Input should be greater than or equal to 1``.

    Values of fields that may hold credentials are not echoed.
    """
    prefix = "AVATAR_SCHOLAR_LLM_" if exc.title == "LLMSettings" else "AVATAR_SCHOLAR_"
    parts = []
    for err in exc.errors():
        field = ".".join(str(x) for x in err.get("loc", ())) or "?"
        name = "AVATAR_SCHOLAR_DATA" if field == "data_dir" else prefix + field.upper()
        value = "" if field in _SECRET_FIELDS else f"={err.get('input')}"
        parts.append(f"{name}{value}: {err.get('msg', 'invalid')}")
    return "invalid setting " + "; ".join(parts)
