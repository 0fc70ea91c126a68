"""Merge documents that describe the same paper (a digest entry, its PDF, its arXiv record)."""

from __future__ import annotations

from collections.abc import Iterable

from indexer.models import Document, Paper

# Which source's metadata wins when two disagree: arXiv itself, then curated records.
_META_RANK = {"arxiv": 0, "jsonl": 1, "digest": 2, "pdf": 3}


def _union(a: list, b: list) -> list:  # type: ignore[type-arg]
    return sorted(set(a) | set(b))


def merge_pair(a: Document, b: Document) -> Document:
    """One document from two of the same paper.

    Metadata comes from the more authoritative source (higher arXiv version first);
    topics, dates and links are unioned; full text (PDF passages) beats an abstract;
    machine-generated fields are kept from whichever side has them.
    """
    pa, pb = a.paper, b.paper
    key = lambda p: (-(p.version or 0), _META_RANK[p.source])  # noqa: E731
    first, second = (pa, pb) if key(pa) <= key(pb) else (pb, pa)
    merged: Paper = first.model_copy(
        update={
            "topics": _union(pa.topics, pb.topics),
            "digest_dates": _union(pa.digest_dates, pb.digest_dates),
            "categories": _union(pa.categories, pb.categories),
            "links": {**second.links, **first.links},
            "first_seen": min((d for d in (pa.first_seen, pb.first_seen) if d), default=None),
            "published": first.published or second.published,
            "updated": first.updated or second.updated,
            "abstract": first.abstract or second.abstract,
            "authors": first.authors or second.authors,
            "comment": first.comment or second.comment,
            "pdf_path": pa.pdf_path or pb.pdf_path,
            "summary_zh": pa.summary_zh or pb.summary_zh,
            "takeaways_zh": pa.takeaways_zh or pb.takeaways_zh,
            "structured_zh": pa.structured_zh or pb.structured_zh,
        }
    )
    full_text = [d for d in (a, b) if d.paper.source == "pdf"]
    passages = full_text[0].passages if full_text else (a.passages or b.passages)
    return Document(paper=merged, passages=passages)


def merge_all(docs: Iterable[Document]) -> list[Document]:
    """One document per paper id, in first-seen order."""
    out: dict[str, Document] = {}
    for doc in docs:
        pid = doc.paper.paper_id
        out[pid] = merge_pair(out[pid], doc) if pid in out else doc
    return list(out.values())
