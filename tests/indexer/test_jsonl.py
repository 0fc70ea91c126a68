"""JSONL paper records: schema, bad lines, gzip, deterministic library export."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from indexer.errors import ParseError
from indexer.models import Paper
from indexer.sources.digest import read_digest
from indexer.sources.jsonl import LIBRARY_FIELDS, export_library, read_jsonl, write_jsonl_gz
from tests.shared import require_shared

# every Paper field a record can carry (provenance fields are set by the reader)
RECORD_FIELDS = tuple(
    f for f in Paper.model_fields if f not in ("source", "source_path", "pdf_path")
)


def _full_paper() -> Paper:
    return Paper(
        paper_id="2401.08503", arxiv_id="2401.08503", version=2, title="Real3D-Portrait",
        authors=["Zhenhui Ye", "Tianyun Zhong"], abstract="One-shot 3D talking portrait…",
        comment="ICLR 2024", published=date(2024, 1, 16), updated=date(2024, 3, 1),
        first_seen=date(2024, 1, 24), digest_dates=[date(2024, 1, 24), date(2024, 2, 2)],
        topics=["Talking Head Generation", "元宇宙/虚拟人"], categories=["cs.CV"],
        links={"project": "https://real3dportrait.github.io"}, summary_zh="总结",
        takeaways_zh=["一", "二"], structured_zh="标题：…\n作者：…", source="digest",
    )  # fmt: skip


def _seed_papers() -> list[Paper]:
    seed = sorted((require_shared() / "seed").glob("*.txt"))[0]
    return [d.paper for d in read_digest(seed)[0]]


def _write_lines(path: Path, lines: list[str | bytes]) -> None:
    raw = b"\n".join(x if isinstance(x, bytes) else x.encode("utf-8") for x in lines) + b"\n"
    path.write_bytes(gzip.compress(raw) if path.name.endswith(".gz") else raw)


@pytest.mark.slow
def test_round_trip_on_every_field(tmp_path: Path) -> None:
    local = Paper(paper_id="local:abc123", title="A local PDF", source="pdf")
    papers = [_full_paper(), local, *_seed_papers()]
    out = tmp_path / "papers.jsonl.gz"
    write_jsonl_gz(papers, out, fields=RECORD_FIELDS)
    docs, skipped = read_jsonl(out)
    assert skipped == []
    got = {d.paper.paper_id: d.paper for d in docs}
    assert sorted(got) == sorted(p.paper_id for p in papers)
    for paper in papers:
        back = got[paper.paper_id]
        assert back.model_dump(include=set(RECORD_FIELDS)) == paper.model_dump(
            include=set(RECORD_FIELDS)
        )
        assert back.source == "jsonl" and back.source_path == str(out)
    assert got["local:abc123"].arxiv_id is None
    assert docs[0].paper.paper_id == "2401.08503"  # sorted by paper id
    assert [p.section for p in docs[0].passages] == ["Abstract"]


def test_optional_shapes_and_passages(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    records = [
        {"id": "arXiv:2401.00001v3", "title": "  Spaced   title ", "authors": "A, B ,C",
         "topics": "NeRF, 3DGS", "published": "2024-01-02T10:11:12Z", "abstract": "Abs.",
         "sections": [{"section": "Intro", "page": 1, "text": "Hello."}, {"text": ""}],
         "text": "Full body.", "future_key": {"ignored": True}},
        {"id": "doi:10.1000/182", "title": "Not on arXiv"},
    ]  # fmt: skip
    _write_lines(path, [json.dumps(r, ensure_ascii=False) for r in records])
    docs, skipped = read_jsonl(path)
    assert skipped == []
    by_id = {d.paper.paper_id: d for d in docs}
    first = by_id["2401.00001"]
    assert first.paper.arxiv_id == "2401.00001" and first.paper.version == 3
    assert first.paper.title == "Spaced title"
    assert first.paper.authors == ["A", "B", "C"] and first.paper.topics == [
        "3DGS",
        "NeRF",
    ]  # merged: sorted
    assert first.paper.published == date(2024, 1, 2)
    assert [(p.section, p.page, p.text) for p in first.passages] == [
        ("Abstract", None, "Abs."),
        ("Intro", 1, "Hello."),
        ("Body", None, "Full body."),
    ]
    assert by_id["doi:10.1000/182"].paper.arxiv_id is None


@pytest.mark.parametrize("name", ["bad.jsonl", "bad.jsonl.gz"])
def test_bad_lines_are_reported_with_line_numbers(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _write_lines(
        path,
        [
            '{"arxiv_id": "2401.00001", "title": "Good one"}',
            '{"arxiv_id": "2401.00002", "title": ',  # 2: cut JSON
            '["a list"]',  # 3
            '{"arxiv_id": "2401.00004"}',  # 4: no title
            '{"title": "No id"}',  # 5
            "",  # 6: blank, ignored
            '{"arxiv_id": "2401.00007", "title": "Bad date", "published": "soon"}',  # 7
            '{"arxiv_id": "not an id", "title": "Bad id"}',  # 8
            b'{"arxiv_id": "2401.00009", "title": "caf\xe9"}',  # 9: latin-1
            '{"arxiv_id": "2401.00010", "title": "Bad type", "takeaways_zh": "one string"}',
            '{"arxiv_id": "2401.00011", "title": "Good two"}',
        ],
    )
    docs, skipped = read_jsonl(path)
    assert [d.paper.paper_id for d in docs] == ["2401.00001", "2401.00011"]
    reasons = [s.reason for s in skipped]
    assert [r.split(":")[0] for r in reasons] == [f"line {n}" for n in (2, 3, 4, 5, 7, 8, 9, 10)]
    assert "invalid JSON" in reasons[0] and "missing 'title'" in reasons[2]
    assert "missing 'arxiv_id' or 'id'" in reasons[3] and "ISO date" in reasons[4]
    assert "UTF-8" in reasons[6] and "takeaways_zh" in reasons[7]
    assert skipped[4].entry == "Bad date"
    assert all("\n" not in r and s.path == str(path) for r, s in zip(reasons, skipped, strict=True))


@pytest.mark.slow
def test_truncated_gzip_keeps_earlier_records(tmp_path: Path) -> None:
    full = tmp_path / "full.jsonl.gz"
    write_jsonl_gz(_seed_papers(), full, fields=LIBRARY_FIELDS)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(full.read_bytes()[:-200])
    docs, skipped = read_jsonl(cut)
    assert docs and len(skipped) == 1 and "truncated" in skipped[0].reason


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="nope.jsonl"):
        read_jsonl(tmp_path / "nope.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert read_jsonl(empty)[1][0].reason == "no records"


@pytest.mark.slow
def test_write_is_deterministic_and_atomic(tmp_path: Path) -> None:
    papers = [*_seed_papers(), _full_paper()]
    a, b = tmp_path / "a" / "lib.jsonl.gz", tmp_path / "b" / "lib.jsonl.gz"
    write_jsonl_gz(papers, a, fields=LIBRARY_FIELDS)
    write_jsonl_gz(reversed(papers), b, fields=LIBRARY_FIELDS)
    write_jsonl_gz(papers, a, fields=LIBRARY_FIELDS)  # replaces in place
    data = a.read_bytes()
    assert data == b.read_bytes()
    assert data[3] == 0 and data[4:8] == b"\0\0\0\0"  # no FNAME flag, mtime 0
    assert sorted(p.name for p in a.parent.iterdir()) == ["lib.jsonl.gz"]  # no temp files left
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    ids = [json.loads(line)["arxiv_id"] for line in lines]
    assert ids == sorted(ids)
    compact = json.dumps(
        json.loads(lines[0]), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert lines[0] == compact
    with pytest.raises(ValueError, match="bogus"):
        write_jsonl_gz(papers, a, fields=("title", "bogus"))


def test_library_fields_are_metadata_only() -> None:
    assert not [f for f in LIBRARY_FIELDS if f.endswith("_zh")]
    assert set(LIBRARY_FIELDS) <= set(Paper.model_fields)
    assert {"arxiv_id", "title", "abstract"} <= set(LIBRARY_FIELDS)


@pytest.mark.slow
def test_export_library_on_real_corpus(tmp_path: Path) -> None:
    out = tmp_path / "library" / "papers.jsonl.gz"
    count = export_library(require_shared() / "corpus" / "chatpaperfree", out)
    assert count >= 1650
    assert out.stat().st_size < 1_500_000
    records = [json.loads(line) for line in gzip.decompress(out.read_bytes()).splitlines()]
    assert len(records) == count
    assert set().union(*records) <= set(LIBRARY_FIELDS)  # no *_zh text in the bundle
    assert all(r["arxiv_id"] and r["title"] and r["abstract"] and r["topics"] for r in records)
    docs, skipped = read_jsonl(out)
    assert len(docs) == count and skipped == []
    again = tmp_path / "again.jsonl.gz"
    export_library(require_shared() / "corpus" / "chatpaperfree", again)
    assert again.read_bytes() == out.read_bytes()
