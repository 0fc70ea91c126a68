"""Paper records as JSON Lines (``.jsonl`` or ``.jsonl.gz``): read, write, export the library.

Schema (also in ``docs/jsonl-schema.md``): one JSON object per line, UTF-8; blank lines
are ignored, unknown keys are ignored (forward compatible).

==================  ======================  ======================================================
key                 type                    meaning
==================  ======================  ======================================================
``arxiv_id``        str (required\\*)       ``2401.08503`` (``v2``, ``arXiv:`` and URLs accepted)
``id``              str (required\\*)       other stable id (used when there is no ``arxiv_id``)
``title``           str (required)          title, whitespace collapsed
``version``         int                     arXiv version (default: from the id, if any)
``authors``         list[str] | str         ``["A", "B"]`` or ``"A, B"``
``abstract``        str                     English abstract → Passage(section="Abstract")
``comment``         str                     arXiv comment
``published``       ISO date                ``2024-01-16`` (a datetime's date part is taken)
``updated``         ISO date
``first_seen``      ISO date                first digest date
``digest_dates``    list[ISO date]
``topics``          list[str] | str         ``"元宇宙/虚拟人, NeRF"`` also accepted
``categories``      list[str] | str         arXiv categories
``links``           {kind: url}             e.g. ``{"code": "...", "project": "..."}``
``summary_zh``      str                     machine-generated (Gemini-Pro), not metadata
``takeaways_zh``    list[str]               machine-generated
``structured_zh``   str                     machine-generated
``text``            str                     full text → Passage(section="Body")
``sections``        [{section,page,text}]   full text by section → one Passage each
==================  ======================  ======================================================

\\* at least one of ``arxiv_id`` / ``id``. Passages are ordered Abstract, sections, Body.
The library bundle (`export_library`) holds only `LIBRARY_FIELDS`: arXiv metadata (CC0),
never the machine-generated ``*_zh`` text.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from indexer.errors import ParseError
from indexer.models import Document, Paper, Passage, SkipReport, parse_arxiv_id
from indexer.sources.digest import merge_documents, read_digest_tree

logger = logging.getLogger(__name__)

LIBRARY_FIELDS = (
    "arxiv_id",
    "version",
    "title",
    "authors",
    "abstract",
    "comment",
    "first_seen",
    "topics",
)
_GZIP_MAGIC = b"\x1f\x8b"
_STR_FIELDS = ("abstract", "comment", "summary_zh", "structured_zh")
_LIST_FIELDS = ("authors", "topics", "categories")
_DATE_FIELDS = ("published", "updated", "first_seen")


def _str_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise ValueError(f"'{key}' must be a list of strings or a comma-separated string")


def _iso_date(value: Any, key: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValueError(f"'{key}' is not an ISO date: {value!r}") from None


def _identity(obj: dict[str, Any]) -> tuple[str, str | None, int | None]:
    """(paper_id, arxiv_id, version) from ``arxiv_id`` (lenient) or ``id`` (exact)."""
    if raw := obj.get("arxiv_id"):
        found = parse_arxiv_id(str(raw))
        if found is None:
            raise ValueError(f"'arxiv_id' is not an arXiv id: {raw!r}")
        return found[0], found[0], found[1]
    raw = obj.get("id")
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("missing 'arxiv_id' or 'id'")
    raw = raw.strip()
    found = parse_arxiv_id(raw)
    bare = raw.lower().removeprefix("arxiv:")
    if found and bare in (found[0].lower(), f"{found[0].lower()}v{found[1]}"):
        return found[0], found[0], found[1]
    return raw, None, None


def _paper_fields(obj: dict[str, Any]) -> dict[str, Any]:
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("missing 'title'")
    paper_id, arxiv_id, version = _identity(obj)
    fields: dict[str, Any] = {
        "paper_id": paper_id,
        "arxiv_id": arxiv_id,
        "title": " ".join(title.split()),
    }
    fields["version"] = obj.get("version") or version
    fields |= {k: obj[k] for k in _STR_FIELDS if obj.get(k)}
    fields |= {k: _str_list(obj[k], k) for k in _LIST_FIELDS if obj.get(k)}
    fields |= {k: _iso_date(obj[k], k) for k in _DATE_FIELDS if obj.get(k)}
    if obj.get("digest_dates"):
        fields["digest_dates"] = sorted({_iso_date(d, "digest_dates") for d in obj["digest_dates"]})
    for key in ("links", "takeaways_zh"):
        if obj.get(key):
            fields[key] = obj[key]
    return fields


def _passages(obj: dict[str, Any], paper: Paper) -> list[Passage]:
    passages = [Passage(section="Abstract", text=paper.abstract)] if paper.abstract else []
    for sec in obj.get("sections") or []:
        if not isinstance(sec, dict):
            raise ValueError("'sections' must be a list of {section, page, text} objects")
        if sec.get("text"):
            passages.append(
                Passage(
                    section=sec.get("section") or "Body", page=sec.get("page"), text=sec["text"]
                )
            )
    if obj.get("text"):
        passages.append(Passage(section="Body", text=obj["text"]))
    return passages


def _document(obj: Any, path: Path) -> Document:
    """One record → Document; ValueError (one line) when it breaks the schema."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    try:
        paper = Paper(**_paper_fields(obj), source="jsonl", source_path=str(path))
        return Document(paper=paper, passages=_passages(obj, paper))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise ValueError(f"'{where}': {err['msg']}") from None


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as raw:
        gz = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        yield from stream


def _entry_name(obj: Any) -> str | None:
    if isinstance(obj, dict):
        name = obj.get("title") or obj.get("arxiv_id") or obj.get("id")
        return str(name) if name else None
    return None


def _bad_line_reason(exc: ValueError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at column {exc.colno})"
    return str(exc).splitlines()[0]


def read_jsonl(path: Path) -> tuple[list[Document], list[SkipReport]]:
    """Read paper records from a ``.jsonl`` or ``.jsonl.gz`` file (schema: module docstring).

    Returns:
        ``(documents, skipped)``: one Document per paper id (duplicates merged, sorted)
        and a SkipReport per bad line (``"line N: …"``) or for an unreadable file.

    Raises:
        ParseError: the path does not exist or is a directory.
    """
    if not path.is_file():
        raise ParseError(f"JSONL file not found: {path}")
    docs: list[Document] = []
    skipped: list[SkipReport] = []
    lineno = 0
    try:
        for lineno, line in enumerate(_lines(path), 1):
            if not line.strip():
                continue
            obj: Any = None
            try:
                obj = json.loads(line.decode("utf-8"))
                docs.append(_document(obj, path))
            except ValueError as exc:  # also UnicodeDecodeError and JSONDecodeError
                reason = _bad_line_reason(exc)
                entry = _entry_name(obj)
                skipped.append(
                    SkipReport(path=str(path), reason=f"line {lineno}: {reason}", entry=entry)
                )
    except (OSError, EOFError, zlib.error) as exc:
        reason = f"line {lineno + 1}: unreadable or truncated file ({exc})"
        skipped.append(SkipReport(path=str(path), reason=reason))
    if not docs and not skipped:
        skipped.append(SkipReport(path=str(path), reason="no records"))
    return merge_documents(docs), skipped


def _record(paper: Paper, fields: Sequence[str]) -> dict[str, Any]:
    data = paper.model_dump(mode="json", include=set(fields))
    record = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    if not record.get("arxiv_id"):
        record["id"] = paper.paper_id  # every record stays readable: an id and a title
    record["title"] = paper.title
    return record


def write_jsonl_gz(papers: Iterable[Paper], path: Path, *, fields: Sequence[str]) -> None:
    """Write papers as a deterministic, atomically replaced ``.jsonl.gz``.

    Records are sorted by paper id, keys sorted, empty values omitted; gzip has
    mtime 0 and no file name, so the same papers always give the same bytes.

    Args:
        papers: the papers to write.
        path: the output file (its directory is created if needed).
        fields: `Paper` field names to keep (an id and the title are always written).

    Raises:
        ValueError: a name in `fields` is not a `Paper` field.
    """
    unknown = sorted(set(fields) - set(Paper.model_fields))
    if unknown:
        raise ValueError(f"not Paper fields: {', '.join(unknown)}")
    lines = [
        json.dumps(_record(p, fields), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        for p in sorted(papers, key=lambda p: p.paper_id)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=9) as gz:
                gz.write("".join(f"{line}\n" for line in lines).encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_library(digest_root: Path, out: Path) -> int:
    """Bundle the arXiv metadata of every paper in the digests under `digest_root`.

    Returns:
        The number of papers written to `out` (a ``.jsonl.gz`` with `LIBRARY_FIELDS`).

    Raises:
        ParseError: `digest_root` does not exist.
    """
    docs, skipped = read_digest_tree(digest_root)
    for skip in skipped:
        logger.debug("skipped %s (%s): %s", skip.path, skip.entry or "whole file", skip.reason)
    write_jsonl_gz((d.paper for d in docs), out, fields=LIBRARY_FIELDS)
    logger.info("library %s: %d papers (%d inputs skipped)", out, len(docs), len(skipped))
    return len(docs)
