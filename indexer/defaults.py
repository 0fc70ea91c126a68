"""The default library: sources.toml (bundled JSONL library, inbox folder, arXiv queries)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from indexer import store
from indexer.models import SourceSpec


def _config(data_dir: Path) -> dict[str, Any]:
    return store.read_sources_toml(data_dir)


def arxiv_specs(data_dir: Path) -> list[SourceSpec]:
    """One arXiv source per configured topic query."""
    cfg = _config(data_dir).get("arxiv", {})
    since = cfg.get("since")
    since_d = since if isinstance(since, date) else (date.fromisoformat(since) if since else None)
    return [
        SourceSpec(kind="arxiv", value=q, since=since_d, max_results=int(cfg.get("max_results", 200)))
        for q in cfg.get("queries", [])
    ]


def local_specs(data_dir: Path) -> list[SourceSpec]:
    """The bundled library file and the inbox folder (created if missing)."""
    cfg = _config(data_dir)
    specs: list[SourceSpec] = []
    library = cfg.get("library")
    if library and (data_dir / library).is_file():
        specs.append(SourceSpec(kind="library", value=str((data_dir / library).resolve())))
    inbox = data_dir / cfg.get("inbox", "inbox")
    inbox.mkdir(parents=True, exist_ok=True)
    if any(p.is_file() and not p.name.startswith(".") for p in inbox.rglob("*")):
        specs.append(SourceSpec(kind="path", value=str(inbox.resolve())))
    return specs


def default_specs(data_dir: Path) -> list[SourceSpec]:
    """Everything the first build reads: library, inbox, then arXiv (skipped offline)."""
    return local_specs(data_dir) + arxiv_specs(data_dir)
