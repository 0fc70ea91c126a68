"""Keep credentials and server paths out of what users and logs see.

`redact` removes secrets from any text: the user:password part of URLs, secret query
parameters (``api_key=``, ``token=``, ...), bearer tokens, ``sk-...`` style keys and any
value it is told is secret (the configured API key or Milvus token). `public_path` shows a
path relative to the data directory, or only its file name when it lies outside, and
`public_text` applies that to every absolute path in a message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from indexer.models import JobReport, SourceSpec

HIDDEN = "***"
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)[^/@\s]+@", re.IGNORECASE)
_SECRET_PARAM = re.compile(
    r"(?P<key>[?&;](?:api[_\-]?key|apikey|key|token|access[_\-]?token|auth|password|passwd"
    r"|secret|sig|signature)=)[^&#\s]+", re.IGNORECASE)
_BEARER = re.compile(r"(?P<key>\bbearer\s+)[\w.~+/=\-]+", re.IGNORECASE)
_KEY_LIKE = re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}")
# A run of path components "/a/b/" before a final name; the name itself is kept.
_ABS_DIRS = re.compile(r"(?<![\w.:/~])(?:/[^/\s'\"()\[\]<>|,;]+)+/")


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with credentials replaced by ``***`` (see the module docstring)."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{HIDDEN}@", text)
    text = _SECRET_PARAM.sub(lambda m: f"{m.group('key')}{HIDDEN}", text)
    text = _BEARER.sub(lambda m: f"{m.group('key')}{HIDDEN}", text)
    return _KEY_LIKE.sub(HIDDEN, text)


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """`url` without its user:password part, and that pair (None when it has none)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (parts.username, parts.password or "")


def public_path(path: str | Path, data_dir: Path) -> str:
    """A path as the API shows it: relative to the data directory, else its file name."""
    p = Path(path)
    if not p.is_absolute():
        return str(p)
    for root in dict.fromkeys((data_dir.absolute(), data_dir.resolve())):
        try:
            return str(p.relative_to(root)) or "."
        except ValueError:
            continue
    return p.name


def public_text(text: str, data_dir: Path, known: Iterable[str] = ()) -> str:
    """`text` with each absolute path shown as `public_path` would show it.

    `known` paths (which may hold spaces) are replaced exactly first; any other absolute
    path loses its directories.
    """
    for path in sorted({k for k in known if k.startswith("/")}, key=len, reverse=True):
        text = text.replace(path, public_path(path, data_dir))
    for root in dict.fromkeys((str(data_dir.resolve()), str(data_dir.absolute()))):
        text = text.replace(root + "/", "")
    return _ABS_DIRS.sub("", text)


def public_source(spec: SourceSpec, data_dir: Path) -> SourceSpec:
    """A recorded source as the API shows it (a local path made relative or a file name)."""
    if spec.kind == "arxiv":
        return spec
    return spec.model_copy(update={"value": public_path(spec.value, data_dir)})


def public_job(report: JobReport, data_dir: Path, secrets: Iterable[str | None] = ()) -> JobReport:
    """A job report as the API shows it: no absolute paths, no credentials."""
    known = [s.path for s in report.skipped]
    keys = list(secrets)

    def clean(text: str) -> str:
        return redact(public_text(text, data_dir, known), keys)

    skipped = [s.model_copy(update={"path": public_path(s.path, data_dir), "reason": clean(s.reason)})
               for s in report.skipped]
    omitted = [o.model_copy(update={"path": public_path(o.path, data_dir)}) for o in report.omitted]
    return report.model_copy(update={
        "notices": [clean(n) for n in report.notices], "skipped": skipped, "omitted": omitted,
        "error": clean(report.error) if report.error else report.error,
    })


class RedactingFilter(logging.Filter):
    """A log filter that passes every record with its credentials replaced (`redact`)."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True
