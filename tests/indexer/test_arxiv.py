"""arXiv fetching against a real local Atom server (tests/stubs/atom_server.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import arxiv
import pytest

from indexer.config import IndexerSettings
from indexer.errors import FetchError, ParseError
from indexer.models import Document, Passage
from indexer.sources.arxiv import (
    ArxivQuery,
    fetch_arxiv,
    make_client,
    network_available,
    paper_from_result,
)
from tests.stubs.atom_server import AtomServer, StubEntry, make_entries, unused_url

FAST = 0.05  # pause between calls and backoff base in tests (real default: 3 s)
TALKING = "We animate a talking head from speech audio."


@pytest.fixture
def srv(monkeypatch: pytest.MonkeyPatch) -> Iterator[AtomServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # loopback only, whatever the env
    with AtomServer() as server:
        yield server


def client_for(url: str, delay: float = FAST, **kwargs: float) -> arxiv.Client:
    return make_client(IndexerSettings(arxiv_url=url, arxiv_delay_seconds=delay), **kwargs)  # type: ignore[arg-type]


def fetch(srv: AtomServer, q: ArxivQuery | None = None, *, page_size: int = 2,
          **kwargs: datetime) -> list[Document]:
    client = client_for(srv.url, page_size=page_size)
    return list(fetch_arxiv(q or ArxivQuery("talking head"), client, **kwargs))


def assert_one_line(err: FetchError, reason: str) -> None:
    msg = str(err)
    assert msg.startswith("arXiv query 'talking head' failed: "), msg
    assert reason in msg and "\n" not in msg, msg


DETAILED = StubEntry(
    "2401.08503",
    version=2,
    title="  Audio-Driven\n  Talking   Head Synthesis with\n  Stub Gaussians ",
    authors=["Wei Zhang", "María José García", "Ada Lovelace"],
    abstract="  We present a\n  talking head model.\n",
    comment="ICLR 2024. Project page: https://stub-avatar.github.io/talk/. Code:\n https://github.com/stub/talk-head",
    published=datetime(2024, 3, 5, 17, 59, 46, tzinfo=UTC),
    updated=datetime(2024, 3, 20, 9, 0, tzinfo=UTC),
    categories=["cs.CV", "cs.GR"],
)


def test_fetch_across_pages_keeps_metadata_as_served(srv: AtomServer) -> None:
    srv.add(*make_entries(4, abstract=TALKING), DETAILED)
    srv.add(StubEntry("2401.09999", title="Garment draping", abstract="Cloth only."))
    docs = fetch(srv, ArxivQuery("talking head", topic="talking head"))

    assert [d.paper.arxiv_id for d in docs] == ["2401.08503", *(f"2401.{i:05d}" for i in range(1, 5))]
    assert len(srv.requests) == 3  # 5 results, 2 per page
    first = srv.requests[0].params
    assert first["search_query"] == 'all:"talking head"'
    assert (first["sortBy"], first["sortOrder"]) == ("submittedDate", "descending")
    assert [r.params["start"] for r in srv.requests] == ["0", "2", "4"]

    paper = docs[0].paper
    assert (paper.paper_id, paper.version) == ("2401.08503", 2)
    assert paper.title == "Audio-Driven Talking Head Synthesis with Stub Gaussians"
    assert paper.authors == ["Wei Zhang", "María José García", "Ada Lovelace"]
    assert paper.abstract == "We present a talking head model."
    assert paper.comment == (
        "ICLR 2024. Project page: https://stub-avatar.github.io/talk/. Code: "
        "https://github.com/stub/talk-head"
    )
    assert (paper.published, paper.updated) == (date(2024, 3, 5), date(2024, 3, 20))
    assert paper.categories == ["cs.CV", "cs.GR"]
    assert paper.links == {
        "pdf": "http://arxiv.org/pdf/2401.08503v2",
        "project": "https://stub-avatar.github.io/talk/",
        "code": "https://github.com/stub/talk-head",
    }
    assert (paper.topics, paper.source, paper.source_path) == (["talking head"], "arxiv", "talking head")
    assert docs[0].passages == [Passage(section="Abstract", text="We present a talking head model.")]

    plain = docs[1].paper  # no comment served: nothing invented
    assert (plain.comment, plain.links) == ("", {"pdf": "http://arxiv.org/pdf/2401.00001v1"})
    assert (plain.version, plain.summary_zh, plain.first_seen) == (1, "", None)


def test_query_syntax() -> None:
    assert ArxivQuery("  talking\n head ").search_query == 'all:"talking head"'
    assert ArxivQuery('"talking head"').search_query == 'all:"talking head"'
    assert ArxivQuery("ti:avatar AND cat:cs.CV").search_query == "ti:avatar AND cat:cs.CV"
    with pytest.raises(ValueError):
        ArxivQuery("  ")


def test_since_stops_early(srv: AtomServer) -> None:
    srv.add(*make_entries(6, abstract=TALKING))  # published 03-01, 02-29, 02-28, ...
    docs = fetch(srv, ArxivQuery("talking head", since=date(2024, 2, 28)))
    assert [d.paper.published for d in docs] == [date(2024, 3, 1), date(2024, 2, 29), date(2024, 2, 28)]
    assert len(srv.requests) == 2  # the third page is never asked for


def test_max_results_caps(srv: AtomServer) -> None:
    srv.add(*make_entries(5, abstract=TALKING))
    docs = fetch(srv, ArxivQuery("talking head", max_results=3))
    assert len(docs) == 3
    assert len(srv.requests) == 2


def test_updated_after_yields_only_newer(srv: AtomServer) -> None:
    entries = make_entries(6, abstract=TALKING)
    entries[4].updated = datetime(2024, 6, 1, tzinfo=UTC)  # an old paper revised lately
    entries[5].version, entries[5].updated = 3, datetime(2024, 5, 1, tzinfo=UTC)
    srv.add(*entries)
    docs = fetch(srv, updated_after=datetime(2024, 2, 29, 12, 0, tzinfo=UTC))
    assert [(d.paper.arxiv_id, d.paper.version) for d in docs] == [
        ("2401.00005", 1), ("2401.00006", 3), ("2401.00001", 1),
    ]
    assert srv.requests[0].params["sortBy"] == "lastUpdatedDate"
    assert len(srv.requests) == 2  # stopped at the watermark, before the last page
    naive = fetch(srv, updated_after=datetime(2024, 5, 15))  # naive: taken as UTC
    assert [d.paper.arxiv_id for d in naive] == ["2401.00005"]


def test_requests_are_spaced_even_across_clients(srv: AtomServer) -> None:
    srv.add(*make_entries(5, abstract=TALKING))
    client = client_for(srv.url, delay=0.2, page_size=2)
    assert len(list(fetch_arxiv(ArxivQuery("talking head"), client))) == 5
    assert len(list(fetch_arxiv(ArxivQuery("talking head", max_results=1), client))) == 1
    other = client_for(srv.url, delay=0.2, page_size=2)  # a second client, same host
    assert len(list(fetch_arxiv(ArxivQuery("talking head", max_results=1), other))) == 1
    assert len(srv.requests) == 5
    assert min(srv.gaps()) >= 0.2 - 1e-3, srv.gaps()


def test_client_settings(srv: AtomServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AVATAR_SCHOLAR_ARXIV_URL", "AVATAR_SCHOLAR_ARXIV_DELAY_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    assert make_client(IndexerSettings()).delay_seconds >= 3
    assert make_client(IndexerSettings(arxiv_delay_seconds=0.1)).delay_seconds == 3.0  # arxiv.org
    client = client_for(srv.url)
    assert client.delay_seconds == FAST
    assert client.query_url_format.startswith(srv.url + "?")


def test_server_error_is_retried_with_backoff(srv: AtomServer) -> None:
    srv.add(*make_entries(2, abstract=TALKING))
    srv.fail("status", status=500, times=2)
    assert len(fetch(srv)) == 2
    assert len(srv.requests) == 3
    gaps = srv.gaps()
    assert gaps[0] >= FAST and gaps[1] >= 2 * FAST  # exponential backoff


def test_server_error_forever_is_one_fetch_error(srv: AtomServer) -> None:
    srv.add(*make_entries(2, abstract=TALKING))
    srv.fail("status", status=500, times=None)
    with pytest.raises(FetchError) as err:
        fetch(srv)
    assert_one_line(err.value, "HTTP 500 from 127.0.0.1")
    assert isinstance(err.value.__cause__, arxiv.HTTPError)
    assert len(srv.requests) == 4  # the first try and 3 retries


def test_partial_fetch_keeps_what_was_yielded(srv: AtomServer) -> None:
    srv.add(*make_entries(5, abstract=TALKING))
    srv.fail("status", status=503, times=None, after=1)
    got: list[Document] = []
    with pytest.raises(FetchError) as err:
        for doc in fetch_arxiv(ArxivQuery("talking head"), client_for(srv.url, page_size=2)):
            got.append(doc)
    assert [d.paper.arxiv_id for d in got] == ["2401.00001", "2401.00002"]
    assert_one_line(err.value, "HTTP 503")


def test_client_error_is_not_retried(srv: AtomServer) -> None:
    srv.fail("status", status=400, times=None)
    with pytest.raises(FetchError) as err:
        fetch(srv)
    assert_one_line(err.value, "answered HTTP 400 (request rejected, not retried)")
    assert len(srv.requests) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [(None, "127.0.0.1:{port} answered something that is not an Atom feed (root <html>)"),
     (b"Internal oops", "answered something that is not XML"),
     (b"", "answered something that is not XML")],
)
def test_garbage_body_is_a_fetch_error(srv: AtomServer, body: bytes | None, reason: str) -> None:
    srv.add(*make_entries(2, abstract=TALKING))
    if body is None:
        srv.fail("garbage", times=None)  # an HTML error page with status 200
    else:
        srv.fail("garbage", times=None, body=body)
    with pytest.raises(FetchError) as err:
        fetch(srv)
    assert_one_line(err.value, reason.format(port=srv.port))
    assert len(srv.requests) == 1  # not retried


def test_empty_page_once_is_retried(srv: AtomServer) -> None:
    srv.add(*make_entries(4, abstract=TALKING))
    srv.fail("empty_page", times=1, after=1)
    assert len(fetch(srv)) == 4
    assert len(srv.requests) == 3


@pytest.mark.parametrize("after", [0, 1])  # an empty first page, or a later one
def test_empty_pages_that_claim_results_are_a_fetch_error(srv: AtomServer, after: int) -> None:
    srv.add(*make_entries(4, abstract=TALKING))
    srv.fail("empty_page", times=None, after=after)
    with pytest.raises(FetchError) as err:
        fetch(srv)
    assert_one_line(err.value, "arXiv kept answering an empty page")
    assert len(srv.requests) == after + 4


def test_no_results_is_not_an_error(srv: AtomServer) -> None:
    srv.add(StubEntry("2401.09999", title="Garment draping", abstract="Cloth only."))
    assert fetch(srv) == []
    assert len(srv.requests) == 1


def test_entries_without_id_or_title_are_skipped(srv: AtomServer, caplog: pytest.LogCaptureFixture) -> None:
    good, no_id, no_title, last = make_entries(4, abstract=TALKING)
    no_id.arxiv_id, no_title.title = "", None
    srv.add(good, no_id, no_title, last)
    with caplog.at_level(logging.WARNING):
        docs = fetch(srv, page_size=10)
    assert [d.paper.arxiv_id for d in docs] == ["2401.00001", "2401.00004"]
    assert "2401.00003 has no title" in caplog.text


def test_slow_server_times_out(srv: AtomServer) -> None:
    srv.add(*make_entries(1, abstract=TALKING))
    srv.fail("delay", seconds=5)
    started = time.monotonic()
    with pytest.raises(FetchError) as err:
        list(fetch_arxiv(ArxivQuery("talking head"), client_for(srv.url, timeout=0.3)))
    assert_one_line(err.value, "no answer from 127.0.0.1")
    assert time.monotonic() - started < 3


def test_closed_port_fails_fast() -> None:
    url = unused_url()
    assert not network_available(url, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(FetchError) as err:
        list(fetch_arxiv(ArxivQuery("talking head"), client_for(url)))
    assert_one_line(err.value, "cannot connect to 127.0.0.1")
    assert time.monotonic() - started < 3


def test_network_available_for_the_stub(srv: AtomServer) -> None:
    assert network_available(srv.url)
    assert not network_available("not a url")


def test_paper_from_result_is_pure() -> None:
    result = arxiv.Result(
        entry_id="http://arxiv.org/abs/cs/0112017v3",
        published=datetime(2001, 12, 10, 23, 30, tzinfo=UTC),
        updated=datetime(2002, 1, 2, 1, 0, tzinfo=UTC),
        title="Old\n  style id", summary="An abstract.", authors=[arxiv.Result.Author("A. Author")],
        comment="See http://example.org/demo, https://arxiv.org/abs/2301.00001 and github.com/x",
        primary_category="cs.GR", categories=["cs.CV", "cs.GR"],
    )
    paper = paper_from_result(result)
    assert (paper.paper_id, paper.version, paper.title) == ("cs/0112017", 3, "Old style id")
    assert paper.categories == ["cs.GR", "cs.CV"]  # primary first
    # no pdf link was served; a bare github.com/... address counts as code
    assert paper.links == {"project": "http://example.org/demo", "code": "https://github.com/x"}
    assert (paper.topics, paper.source_path, paper.published) == ([], "", date(2001, 12, 10))

    unversioned = paper_from_result(arxiv.Result("http://arxiv.org/abs/2401.00001", title="T"))
    assert (unversioned.version, unversioned.published) == (None, None)
    with pytest.raises(ParseError):
        paper_from_result(arxiv.Result("http://arxiv.org/abs/2401.00001v1", title=" "))
    with pytest.raises(ParseError):
        paper_from_result(arxiv.Result("http://example.org/not-an-id", title="T"))
