"""Credentials and server paths are taken out of user-facing text (issue 14, item 5)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from indexer.models import Paper, SourceSpec
from indexer.redact import (
    RedactingFilter,
    public_path,
    public_source,
    public_text,
    redact,
    split_credentials,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("cannot reach http://user:pass@llm.local:8080/v1/chat/completions: ConnectError",
     "cannot reach http://***@llm.local:8080/v1/chat/completions: ConnectError"),
    ("https://api.example.com/v1?api-key=abc123&model=x", "https://api.example.com/v1?api-key=***&model=x"),
    ("https://h/x?token=t0k3n#frag", "https://h/x?token=***#frag"),
    ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
    ("key sk-proj-AbCdEf0123456789 leaked", "key *** leaked"),
    ("https://arxiv.org/abs/2401.08503 stays", "https://arxiv.org/abs/2401.08503 stays"),
])
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_known_secrets_anywhere() -> None:
    assert redact("token milvus-root:Milvus is wrong", ["milvus-root:Milvus"]) == "token *** is wrong"
    assert redact("short ab stays", ["ab"]) == "short ab stays"  # too short to be a secret


def test_split_credentials() -> None:
    assert split_credentials("http://u:p%40ss@[::1]:9000/v1") == ("http://[::1]:9000/v1", ("u", "p%40ss"))
    assert split_credentials("http://127.0.0.1:8080/v1") == ("http://127.0.0.1:8080/v1", None)


def test_public_paths(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert public_path(data / "inbox" / "a b.pdf", data) == "inbox/a b.pdf"
    assert public_path("/home/ann/My Papers/x.pdf", data) == "x.pdf"
    assert public_path("relative/y.md", data) == "relative/y.md"
    text = (f"cannot read file (Permission denied): /home/ann/My Papers/x.pdf and {data}/inbox/c.pdf"
            f" and /var/lib/z.md; see https://arxiv.org/abs/1 and docs/operations.md")
    assert public_text(text, data, ["/home/ann/My Papers/x.pdf"]) == (
        "cannot read file (Permission denied): x.pdf and inbox/c.pdf and z.md;"
        " see https://arxiv.org/abs/1 and docs/operations.md")
    spec = SourceSpec(kind="path", value="/home/ann/papers")
    assert public_source(spec, data).value == "papers"
    arxiv = SourceSpec(kind="arxiv", value="talking head")
    assert public_source(arxiv, data) == arxiv


def test_local_papers_have_no_filesystem_url() -> None:
    local = Paper(paper_id="local:abc", title="T", source="pdf", source_path="/srv/x.pdf",
                  pdf_path="/srv/x.pdf")
    assert local.url == ""
    assert Paper(paper_id="2401.1", arxiv_id="2401.1", title="T", source="pdf").url == \
        "https://arxiv.org/abs/2401.1"


def test_log_filter(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.redact")
    log.addFilter(RedactingFilter(["hunter22"]))
    with caplog.at_level(logging.INFO):
        log.info("connecting to %s with %s", "http://a:b@h/v1", "hunter22")
    log.filters.clear()
    assert caplog.messages == ["connecting to http://***@h/v1 with ***"]
