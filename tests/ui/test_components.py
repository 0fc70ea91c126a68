"""Pure helpers of the UI: Markdown escaping, [n] links, URLs, API schema checks, digest text."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from search.models import PaperDetail, PaperSummary
from ui.client import ApiError, _parse, unavailable_message
from ui.components import escape_md, link_markers, md_link, safe_url
from ui.digest import digest_markdown, file_name
from ui.indexing import safe_name


@pytest.mark.parametrize(("raw", "escaped"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"),
    ("**bold** [link](http://x)", "\\*\\*bold\\*\\* \\[link\\]\\(http\\://x\\)"),
    ("$E=mc^2$ :red[x] # h", "\\$E\\=mc^2\\$ \\:red\\[x\\] \\# h"),
    ("a & b > c", "a &amp; b &gt; c"),
    ("3D高斯泼溅：实时数字人【综述】", "3D高斯泼溅：实时数字人【综述】"),
    ("back\\slash `code` _it_ ~~s~~ | t |", "back\\\\slash \\`code\\` \\_it\\_ \\~\\~s\\~\\~ \\| t \\|"),
])
def test_escape_md(raw: str, escaped: str) -> None:
    assert escape_md(raw) == escaped


def test_link_markers_links_known_citations_only() -> None:
    md = link_markers("Lips sync [1]. Gaussians [2, 3]，实时 [9]. <b>x</b>", known=[1, 2, 3])
    assert md == ("Lips sync [\\[1\\]](#cite-1)\\. Gaussians [\\[2\\]](#cite-2)[\\[3\\]](#cite-3)，"
                  "实时 \\[9\\]\\. &lt;b&gt;x&lt;/b&gt;")


def test_safe_url_only_http_and_no_markdown_breakout() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,<script>") is None
    assert safe_url("https://example.org/a_(b) c") == "https://example.org/a_%28b%29%20c"
    assert md_link("code [x]", "javascript:x") == "code \\[x\\]"


def _summary(**fields: object) -> dict[str, object]:
    return {"paper_id": "a", "arxiv_id": None, "title": "T", "authors": [], "published": None,
            "first_seen": None, "digest_dates": [], "topics": [], "links": {}, "url": "",
            "abstract": "", **fields}


def test_client_validates_responses_with_the_api_models() -> None:
    detail = _summary(arxiv_id="2401.00001", links={"code": "https://c"}, version=1, updated=None,
                      comment="", categories=[], pdf_url=None, source="digest",
                      machine_generated={"generator": "G", "summary_zh": "摘要",
                                         "takeaways_zh": ["一"]})
    paper = _parse(httpx.Response(200, json=detail), "/api/papers/a", PaperDetail)
    assert isinstance(paper, PaperDetail) and paper.machine_generated is not None
    assert paper.machine_generated.summary_zh == "摘要" and paper.links == {"code": "https://c"}
    del detail["title"]
    with pytest.raises(ApiError, match="unexpected response from /api/papers/a: 1 field"):
        _parse(httpx.Response(200, json=detail), "/api/papers/a", PaperDetail)


def test_unavailable_message() -> None:
    assert unavailable_message("http://127.0.0.1:8000") == (
        "API not reachable at http://127.0.0.1:8000 — start it with `avatar-scholar serve`")


def test_digest_markdown_escapes_lists_in_order_and_counts() -> None:
    p = PaperSummary.model_validate(_summary(
        arxiv_id="2401.00001", title="<i>T</i> \\textbf{bold}", topics=["NeRF"],
        published="2024-01-02", abstract="x" * 700,
        machine_generated={"summary_zh": "摘要 **b**", "generator": "G"}))
    q = PaperSummary.model_validate(_summary(paper_id="b", title="Second", published="2024-01-01"))
    text = digest_markdown([p, q], date(2024, 1, 1), date(2024, 1, 31), None)
    assert text.startswith("# Avatar Scholar digest: all topics\n\n2 papers, 2024-01-01 – 2024-01-31, "
                           "newest first.")
    assert text.index("## &lt;i&gt;T&lt;/i&gt; bold") < text.index("## Second")
    assert "_unknown authors_ · 2024-01-02 · NeRF · [arXiv abstract]" in text
    assert "x" * 599 + "…" in text and "摘要 \\*\\*b\\*\\*" in text
    one = digest_markdown([q], None, None, "NeRF", False)
    assert "1 paper, the beginning – today" in one and "*Machine-generated summary" not in one


def test_digest_file_name_has_the_topic() -> None:
    assert file_name(date(2024, 7, 1), date(2024, 7, 31), "3DGS") == "digest-2024-07-01-2024-07-31-3dgs.md"
    assert file_name(date(2024, 7, 1), date(2024, 7, 31), "元宇宙/虚拟人") == \
        "digest-2024-07-01-2024-07-31-元宇宙-虚拟人.md"
    assert file_name(date(2024, 7, 1), date(2024, 7, 31), None) == "digest-2024-07-01-2024-07-31.md"


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd", "passwd.pdf"), ("C:\\x\\My Paper (v2).PDF", "My Paper _v2_.PDF"),
    ("论文.pdf", "论文.pdf"), ("...", "upload.pdf"),
])
def test_safe_upload_name(name: str, safe: str) -> None:
    assert safe_name(name) == safe
