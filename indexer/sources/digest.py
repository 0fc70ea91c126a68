"""Read ChatPaperFree daily digests (markdown) into `Document`s.

A digest has front matter (``title`` = topic, ``date``, ``tags``), then one block per
paper: ``## Title``, ``**Authors:…**``, the English abstract, ``[PDF](arXiv link) comment``,
then Gemini-Pro text: ``**Summary**``/``**摘要**``, a ``**Key Takeaways**``/``**要点**``
bullet list and, after a ``**[ChatPaperFree](…)**`` marker, a long structured summary
(markdown or HTML) up to a ``<details>`` screenshot block. arXiv metadata goes to the
regular `Paper` fields, machine text only to the ``*_zh`` fields. Bad entries become
`SkipReport`s, never exceptions.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from indexer.errors import ParseError
from indexer.models import Document, Paper, Passage, SkipReport, parse_arxiv_id
from indexer.textproc import comment_links

logger = logging.getLogger(__name__)

DIGEST_SUFFIXES = frozenset({".md", ".txt"})
_ZH_FIELDS = ("summary_zh", "takeaways_zh", "structured_zh")

_ENTRY_START = re.compile(r"^##[ \t]+(?=\S)", re.MULTILINE)
_PDF_LINK = re.compile(
    r"\[PDF\]\((?P<url>https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/[^)\s]+)\)(?P<comment>.*)$"
)
_AUTHORS = re.compile(r"^\*\*\s*Authors\s*[:：]\s*(?P<names>.*?)\s*(?:\*\*)?\s*$")
_HEADER = re.compile(r"^\*\*(?P<label>[^*\n]{1,24}?)\s*[:：]?\s*\*\*\s*[:：]?\s*(?P<rest>.*)$")
_SUMMARY_LABEL = re.compile(r"^(?:summary|摘要|概述)$", re.IGNORECASE)
_TAKEAWAY_LABEL = re.compile(r"takeaways|要点|见解|关键点|主要结论|主要内容", re.IGNORECASE)
_MARKER = re.compile(r"^\s*\*\*\[ChatPaperFree\]\(")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)、])\s+(?P<text>\S.*)$")
_BOLD_LINE = re.compile(r"^\*\*(?P<text>.+?)\*\*$")
_HTML_TAG = re.compile(
    r"</?(?:p|li|ol|ul|strong|em|b|i|u|code|pre|a|h[1-6]|blockquote|br|hr|span|div|img|sup|sub"
    r"|table|thead|tbody|tr|td|th)\b[^>]*>",
    re.IGNORECASE,
)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_FM_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):\s*(?P<value>.*)$")
_FM_ITEM = re.compile(r"^\s+-\s*(?P<value>.*)$")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BLANK_RUN = re.compile(r"\n{3,}")

FrontMatter = dict[str, str | list[str]]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _skip(path: Path, reason: str, entry: str | None = None) -> SkipReport:
    return SkipReport(path=str(path), reason=reason, entry=entry)


def _split_front_matter(text: str) -> tuple[FrontMatter, str] | None:
    """Split ``---`` front matter from the body; None when there is none (or it's unclosed)."""
    lines = text.lstrip("\ufeff \t\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), None)
    if end is None:
        return None
    meta: FrontMatter = {}
    key = None
    for line in lines[1:end]:
        if m := _FM_KEY.match(line):
            key = m["key"]
            meta[key] = m["value"].strip().strip("'\"")
        elif (item := _FM_ITEM.match(line)) and key:
            current = meta.get(key)
            values = current if isinstance(current, list) else []
            meta[key] = [*values, item["value"].strip().strip("'\"")]
    return meta, "\n".join(lines[end + 1 :])


def _digest_date(meta: FrontMatter, path: Path) -> date | None:
    m = _ISO_DATE.search(str(meta.get("date") or "")) or _ISO_DATE.search(path.as_posix())
    try:
        return date.fromisoformat(m.group()) if m else None
    except ValueError:  # e.g. 2024-13-45
        return None


def _topics(meta: FrontMatter, path: Path) -> list[str]:
    tags = meta.get("tags") or []
    topics = [str(meta.get("title") or ""), *(tags if isinstance(tags, list) else [tags])]
    # no topic in the front matter: the file name (元宇宙_虚拟人 → 元宇宙/虚拟人)
    return sorted({t for t in map(_collapse, topics) if t} or {path.stem.replace("_", "/")})


def _machine_fields(lines: list[str]) -> tuple[str, list[str]]:
    """The machine summary and key takeaways between the PDF line and the marker."""
    summary: list[str] = []
    takeaways: list[str] = []
    state = ""
    for line in lines:
        header = _HEADER.match(line.strip())
        if header and _SUMMARY_LABEL.match(header["label"].strip()):
            state, line = "summary", header["rest"]
        elif header and _TAKEAWAY_LABEL.search(header["label"]):
            state, line = "takeaways", header["rest"]
        line = line.strip()
        if not line:
            continue
        if state == "summary":
            bold = _BOLD_LINE.match(line)
            summary.append(bold["text"].strip() if bold else line)
        elif state == "takeaways":
            takeaways.append(line)
    bullets = [b["text"].strip() for t in takeaways if (b := _BULLET.match(t))]
    # Chatty non-bullet lines ("以下是…") are dropped unless there are no bullets at all.
    return "\n".join(summary), bullets or takeaways


def _html_to_text(lines: list[str]) -> str:
    """Plain text of the structured summary: tags stripped, entities unescaped, lines kept."""
    text = html.unescape(_HTML_TAG.sub("", _BR.sub("\n", "\n".join(lines))))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUN.sub("\n\n", text).strip()


def _split_tail(lines: list[str]) -> tuple[list[str], list[str]]:
    """(summary/takeaways lines, structured-summary lines) after the PDF line."""
    end = next((i for i, line in enumerate(lines) if line.lstrip().startswith("<details")), None)
    lines = lines[:end]
    marker = next((i for i, line in enumerate(lines) if _MARKER.match(line)), None)
    if marker is None:
        return lines, []
    return lines[:marker], lines[marker + 1 :]


def _head_fields(head: list[str]) -> tuple[list[str], str]:
    """(authors, abstract) from the lines between the title and the PDF line."""
    authors: list[str] = []
    body: list[str] = []
    for line in head:
        if not authors and (m := _AUTHORS.match(line.strip())):
            authors = [a.strip() for a in m["names"].split(",") if a.strip()]
        elif line.strip():
            body.append(line)
    return authors, _collapse(" ".join(body))


def _parse_entry(block: str, path: Path, meta: FrontMatter, is_last: bool) -> Document | SkipReport:
    lines = block.split("\n")
    title = _collapse(lines[0])
    found = next(((i, m) for i, line in enumerate(lines) if (m := _PDF_LINK.search(line))), None)
    if found is None:
        reason = "no arXiv [PDF] link"
        return _skip(path, f"truncated entry: {reason}" if is_last else reason, title)
    pdf_at, pdf = found
    ident = parse_arxiv_id(pdf["url"])
    if ident is None:
        return _skip(path, f"unrecognised arXiv link {pdf['url']}", title)
    authors, abstract = _head_fields(lines[1:pdf_at])
    if not abstract:
        return _skip(path, "no abstract", title)
    machine, structured = _split_tail(lines[pdf_at + 1 :])
    summary, takeaways = _machine_fields(machine)
    comment = _collapse(pdf["comment"])
    digest_day = _digest_date(meta, path)
    paper = Paper(
        paper_id=ident[0], arxiv_id=ident[0], version=ident[1], title=title,
        authors=authors, abstract=abstract, comment=comment, first_seen=digest_day,
        digest_dates=[digest_day] if digest_day else [], topics=_topics(meta, path),
        links=comment_links(comment), summary_zh=summary, takeaways_zh=takeaways,
        structured_zh=_html_to_text(structured), source="digest", source_path=str(path),
    )  # fmt: skip
    return Document(paper=paper, passages=[Passage(section="Abstract", text=abstract)])


def _read_text(path: Path) -> str | SkipReport:
    if not path.exists():
        raise ParseError(f"digest not found: {path}")
    if path.is_dir():
        raise ParseError(f"expected a digest file, got a directory: {path}")
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return _skip(path, f"unreadable: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return _skip(path, "not a digest: not UTF-8 text")
    if "\x00" in text:
        return _skip(path, "not a digest: binary file")
    return text.replace("\r\n", "\n")


def read_digest(path: Path) -> tuple[list[Document], list[SkipReport]]:
    """Parse one ChatPaperFree digest (``.md``/``.txt``).

    Returns:
        ``(documents, skipped)``: one Document per arXiv paper in the file (duplicates
        merged) and a SkipReport per bad entry, or one for a file that is not a digest.

    Raises:
        ParseError: the path does not exist or is a directory.
    """
    text = _read_text(path)
    if isinstance(text, SkipReport):
        return [], [text]
    split = _split_front_matter(text)
    if split is None:
        return [], [_skip(path, "not a digest: no front matter")]
    meta, body = split
    blocks = _ENTRY_START.split(body)[1:]
    if not blocks:
        return [], [_skip(path, "not a digest: no '## ' paper entries")]
    results = [
        _parse_entry(b, path, meta, is_last=i == len(blocks) - 1) for i, b in enumerate(blocks)
    ]
    skipped = [r for r in results if isinstance(r, SkipReport)]
    return merge_documents(r for r in results if isinstance(r, Document)), skipped


def _digest_files(root: Path) -> list[Path]:
    if not root.exists():
        raise ParseError(f"digest path not found: {root}")
    if root.is_file():
        return [root]
    found = (p for p in root.rglob("*") if p.suffix.lower() in DIGEST_SUFFIXES and p.is_file())
    return sorted(p for p in found if not any(x.startswith(".") for x in p.relative_to(root).parts))


def read_digest_tree(root: Path) -> tuple[list[Document], list[SkipReport]]:
    """Parse every ``*.md``/``*.txt`` digest under `root` (or `root` itself if a file).

    Returns:
        ``(documents, skipped)`` with one Document per arXiv id across all files
        (see `merge_documents`), sorted by paper id.

    Raises:
        ParseError: `root` does not exist.
    """
    docs: list[Document] = []
    skipped: list[SkipReport] = []
    files = _digest_files(root)
    for path in files:
        file_docs, file_skipped = read_digest(path)
        docs.extend(file_docs)
        skipped.extend(file_skipped)
    merged = merge_documents(docs)
    logger.info(
        "digests %s: %d files, %d entries, %d papers, %d skipped",
        root, len(files), len(docs), len(merged), len(skipped),
    )  # fmt: skip
    return merged, skipped


def _latest(doc: Document) -> tuple[date, str]:
    return max(doc.paper.digest_dates, default=date.min), doc.paper.source_path


def _merge_group(group: list[Document]) -> Document:
    winner = max(group, key=lambda d: (d.paper.version or 0, _latest(d)))
    recent = [d.paper for d in sorted(group, key=_latest, reverse=True)]
    papers = [winner.paper, *recent]
    dates = sorted({d for p in papers for d in p.digest_dates})
    seen = [p.first_seen for p in papers if p.first_seen] + dates
    links = {kind: url for p in reversed(papers) for kind, url in p.links.items()}  # winner last
    update: dict[str, object] = {
        "first_seen": min(seen, default=None),
        "digest_dates": dates,
        "topics": sorted({t for p in papers for t in p.topics}),
        "categories": sorted({c for p in papers for c in p.categories}),
        "links": links,  # the winner's, completed from the most recent digests
        "published": min((p.published for p in papers if p.published), default=None),
        "updated": max((p.updated for p in papers if p.updated), default=None),
    }
    for name in _ZH_FIELDS:  # machine text: from the latest digest that has it
        update[name] = next(
            (v for p in recent if (v := getattr(p, name))), getattr(winner.paper, name)
        )
    return winner.model_copy(update={"paper": winner.paper.model_copy(update=update)})


def merge_documents(docs: Iterable[Document]) -> list[Document]:
    """Merge Documents of the same paper (same ``paper_id``) into one.

    Topics and digest dates are unioned (sorted); ``first_seen`` is the earliest date;
    title, authors, abstract, comment and passages come from the highest arXiv version
    (ties: the latest digest); each machine-generated ``*_zh`` field comes from the
    latest digest that has it.

    Returns:
        One Document per paper id, sorted by paper id.
    """
    groups: dict[str, list[Document]] = {}
    for doc in docs:
        groups.setdefault(doc.paper.paper_id, []).append(doc)
    return [_merge_group(group) for _, group in sorted(groups.items())]
