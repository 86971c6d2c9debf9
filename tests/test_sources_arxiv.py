"""The arXiv source: batches, the papers it reads, the failures it reports.

Every request goes to a loopback pytest-httpserver. Hand-built feeds follow
the documented Atom format
(https://info.arxiv.org/help/api/user-manual.html#_details_of_atom_results_returned);
real recorded feeds (arxiv.py's test data, see tests/data/fixtures) check
that what arXiv really sends is read.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import requests
from werkzeug import Request, Response

from pelican_hotpapers import __version__
from pelican_hotpapers.models import Paper
from pelican_hotpapers.sources.arxiv import ArxivError, ArxivOptions, ArxivSource
from pelican_hotpapers.sources.session import HttpOptions

from .remote import closed_port, requests_seen, split_options

FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures"
PATH = "/api/query"
ATOM = "application/atom+xml; charset=utf-8"
WITHDRAWN = "This paper has been withdrawn by the author"
ERROR_FEED = "arxivpy_id_abc_s0_m100_b79c8dcf6bc3.xml"


# --- builders ---------------------------------------------------------------


def entry(
    arxiv_id: str,
    *,
    version: int = 1,
    title: str | None = None,
    summary: str | None = None,
    authors: Iterable[str] = ("Ada  Lovelace", "Alan\n      Turing"),
    primary: str = "cs.LG",
    categories: Iterable[str] = ("cs.LG", "stat.ML"),
    published: str = "2021-01-07T18:59:59Z",
    comment: str | None = "12 pages, 3 figures",
) -> str:
    title = title if title is not None else f"A study of\n  paper   {arxiv_id}"
    summary = (
        summary
        if summary is not None
        else f"  We study {arxiv_id}\n  and find it   interesting.\n"
    )
    authors_xml = "".join(
        f"\n    <author>\n      <name>{escape(name)}</name>\n    </author>"
        for name in authors
    )
    categories_xml = "".join(
        f'\n    <category term="{term}" scheme="http://arxiv.org/schemas/atom"/>'
        for term in categories
    )
    comment_xml = (
        f"\n    <arxiv:comment>{escape(comment)}</arxiv:comment>" if comment else ""
    )
    return f"""
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v{version}</id>
    <title>{escape(title)}</title>
    <updated>2021-01-08T10:00:00Z</updated>
    <link href="https://arxiv.org/abs/{arxiv_id}v{version}" rel="alternate" \
type="text/html"/>
    <link href="https://arxiv.org/pdf/{arxiv_id}v{version}" rel="related" \
type="application/pdf" title="pdf"/>
    <summary>{escape(summary)}</summary>{categories_xml}
    <published>{published}</published>{comment_xml}
    <arxiv:primary_category term="{primary}"/>{authors_xml}
  </entry>"""


def feed(entries: Iterable[str], total: int | None = None) -> bytes:
    entries = list(entries)
    count = len(entries) if total is None else total
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/test</id>
  <title>arXiv Query: id_list</title>
  <updated>2026-04-12T22:10:19Z</updated>
  <opensearch:itemsPerPage>{count}</opensearch:itemsPerPage>
  <opensearch:totalResults>{count}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>{"".join(entries)}
</feed>
""".encode()


def feed_for(ids: Iterable[str], **entry_options: Any) -> bytes:
    """A feed that answers for every id in ``ids``."""
    return feed(entry(arxiv_id, **entry_options) for arxiv_id in ids)


def atom(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type=ATOM)


def asked_ids(request: Request) -> list[str]:
    value = request.args.get("id_list", "")
    return value.split(",") if value else []


def serve(
    httpserver,
    known: Callable[[str], bool] = lambda _: True,
    refuse: Iterable[str] = (),
    entries: Callable[[str], str] | None = None,
) -> None:
    """Answer like arXiv: an entry for each known id asked for.

    A request that names an id in ``refuse`` gets HTTP 400 and arXiv's real
    error feed, as arXiv answers a whole batch that holds one id it rejects.
    """
    refused = set(refuse)
    error_feed = (FIXTURES / ERROR_FEED).read_bytes()
    make_entry = entries or entry

    def handler(request: Request) -> Response:
        ids = asked_ids(request)
        if refused.intersection(ids):
            return atom(error_feed, status=400)
        return atom(feed(make_entry(i) for i in ids if known(i)))

    httpserver.expect_request(PATH).respond_with_handler(handler)


def make_source(httpserver, *, batch_size: int = 100, **kwargs: Any) -> ArxivSource:
    options: dict[str, Any] = {
        "api_url": httpserver.url_for(PATH),
        "delay": 0,
        "timeout": 2.0,
        "retries": 2,
        "backoff": 0,
    }
    options.update(kwargs)
    return ArxivSource(*split_options(ArxivOptions, **options), batch_size=batch_size)


def new_ids(count: int, month: str = "2101") -> list[str]:
    return [f"{month}.{n:05d}" for n in range(1, count + 1)]


def wait_for_requests(httpserver, count: int) -> None:
    """Let a held-back handler finish, so it cannot log into the next test."""
    deadline = time.monotonic() + 2
    while len(httpserver.log) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def assert_arxiv_error(exc: ArxivError) -> None:
    assert exc.service == "arXiv API"
    assert str(exc).startswith("arXiv API: ")


# --- batches ------------------------------------------------------------------


def test_150_ids_are_sent_as_batches_of_100_and_50(httpserver):
    serve(httpserver)
    ids = new_ids(150)

    papers = make_source(httpserver).fetch_papers(ids)

    first, second = requests_seen(httpserver)
    assert asked_ids(first) == ids[:100]
    assert asked_ids(second) == ids[100:]
    assert first.args["max_results"] == "100"
    assert second.args["max_results"] == "50"
    assert first.args["start"] == second.args["start"] == "0"
    assert sorted(papers) == ids


def test_100_ids_are_one_request(httpserver):
    serve(httpserver)
    ids = new_ids(100)

    papers = make_source(httpserver).fetch_papers(ids)

    (request,) = requests_seen(httpserver)
    assert asked_ids(request) == ids
    assert request.args["max_results"] == "100"
    assert len(papers) == 100


def test_a_smaller_batch_size_is_honoured(httpserver):
    serve(httpserver)
    ids = new_ids(7)

    papers = make_source(httpserver, batch_size=3).fetch_papers(ids)

    assert [asked_ids(r) for r in requests_seen(httpserver)] == [
        ids[0:3],
        ids[3:6],
        ids[6:7],
    ]
    assert [r.args["max_results"] for r in requests_seen(httpserver)] == [
        "3",
        "3",
        "1",
    ]
    assert len(papers) == 7


def test_batch_size_is_never_above_100(httpserver):
    serve(httpserver)

    make_source(httpserver, batch_size=500).fetch_papers(new_ids(101))

    assert [len(asked_ids(r)) for r in requests_seen(httpserver)] == [100, 1]


def test_no_ids_no_request(httpserver):
    serve(httpserver)

    assert make_source(httpserver).fetch_papers([]) == {}
    assert httpserver.log == []


def test_ids_are_normalised_and_asked_once(httpserver):
    serve(httpserver)

    papers = make_source(httpserver).fetch_papers(
        ["arXiv:2101.02831v2", "2101.02831", " 2101.02831v1 ", "hep-th/9901001v3"]
    )

    (request,) = requests_seen(httpserver)
    assert asked_ids(request) == ["2101.02831", "hep-th/9901001"]
    assert sorted(papers) == ["2101.02831", "hep-th/9901001"]
    assert papers["hep-th/9901001"].arxiv_id == "hep-th/9901001"


def test_requests_are_spaced_by_the_delay(httpserver):
    arrivals: list[float] = []

    def handler(request: Request) -> Response:
        arrivals.append(time.monotonic())
        return atom(feed_for(asked_ids(request)))

    httpserver.expect_request(PATH).respond_with_handler(handler)

    make_source(httpserver, delay=0.4, batch_size=2).fetch_papers(new_ids(4))

    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.35


# --- what a paper holds -------------------------------------------------------------


def test_paper_fields_are_read_and_whitespace_collapsed(httpserver):
    serve(
        httpserver,
        entries=lambda arxiv_id: entry(
            arxiv_id,
            version=3,
            title="Attention Is\n  All You   Need",
            summary="\n  The dominant sequence\n  transduction models\tare based.\n",
            authors=("Ashish  Vaswani", "Noam\n   Shazeer", "Łukasz Kaiser"),
            primary="cs.CL",
            categories=("cs.CL", "cs.LG"),
            published="2017-06-12T17:57:34Z",
        ),
    )

    papers = make_source(httpserver).fetch_papers(["1706.03762"])

    assert papers == {
        "1706.03762": Paper(
            arxiv_id="1706.03762",
            title="Attention Is All You Need",
            authors=("Ashish Vaswani", "Noam Shazeer", "Łukasz Kaiser"),
            abstract="The dominant sequence transduction models are based.",
            primary_category="cs.CL",
            categories=("cs.CL", "cs.LG"),
            published=dt.date(2017, 6, 12),
        )
    }


def test_requests_name_pelican_hotpapers(httpserver):
    serve(httpserver)

    make_source(httpserver).fetch_papers(["2101.02831"])

    (request,) = requests_seen(httpserver)
    user_agent = request.headers["User-Agent"]
    assert user_agent.startswith(f"pelican-hotpapers/{__version__} ")
    assert "arxiv.py/" in user_agent  # and says which client library it uses


def test_every_request_has_a_timeout(httpserver, monkeypatch):
    timeouts: list[Any] = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    serve(httpserver)

    make_source(httpserver, timeout=7.5, batch_size=2).fetch_papers(new_ids(3))

    assert timeouts == [7.5, 7.5]


def test_each_batch_is_one_request(httpserver):
    serve(httpserver)
    source = make_source(httpserver)

    source.fetch_papers(new_ids(150))

    assert len(requests_seen(httpserver)) == 2


def test_the_options_are_taken_over():
    options = ArxivOptions(api_url="http://127.0.0.1:9/api/query", delay=4.0)
    http = HttpOptions(timeout=12.0, retries=1, backoff=0.5)

    source = ArxivSource(options, http)

    assert source.base_url == "http://127.0.0.1:9/api/query"
    assert source.client.delay_seconds == 4.0
    assert source.client.num_retries == 0  # retries are our Session's job
    assert source.session.timeout == 12.0
    assert "127.0.0.1:9" in repr(source)


# --- papers left out ----------------------------------------------------------------


def test_unknown_ids_are_dropped_with_a_debug_line(httpserver, hotpapers_log):
    serve(httpserver, known=lambda arxiv_id: arxiv_id != "2101.00002")

    papers = make_source(httpserver).fetch_papers(new_ids(3))

    assert sorted(papers) == ["2101.00001", "2101.00003"]
    dropped = [
        r
        for r in hotpapers_log.records
        if r.levelno == logging.DEBUG and "2101.00002" in r.getMessage()
    ]
    assert len(dropped) == 1
    assert "no paper" in dropped[0].getMessage()


def test_malformed_ids_are_never_sent(httpserver, hotpapers_log):
    serve(httpserver)

    papers = make_source(httpserver).fetch_papers(
        ["abc", "2101.02831", "0000.0000", "0808.05394", "2113.00001", "", "1234"]
    )

    (request,) = requests_seen(httpserver)
    assert asked_ids(request) == ["2101.02831"]
    assert list(papers) == ["2101.02831"]
    messages = " ".join(r.getMessage() for r in hotpapers_log.records)
    assert "'abc' is not an arXiv id" in messages


def test_only_malformed_ids_make_no_request(httpserver):
    serve(httpserver)

    assert make_source(httpserver).fetch_papers(["abc", "0000.0000"]) == {}
    assert httpserver.log == []


def test_http_400_splits_the_batch_to_isolate_the_refused_id(httpserver, hotpapers_log):
    ids = new_ids(6)
    bad = ids[3]
    serve(httpserver, refuse=[bad])

    papers = make_source(httpserver).fetch_papers(ids)

    assert sorted(papers) == [i for i in ids if i != bad]
    assert (
        [asked_ids(r) for r in requests_seen(httpserver)]
        == [
            ids,  # 400
            ids[:3],
            ids[3:],  # 400
            [bad],  # 400: dropped
            ids[4:],
        ]
    )
    assert [r.status_code for _, r in httpserver.log] == [400, 200, 400, 400, 200]
    messages = [r.getMessage() for r in hotpapers_log.records]
    assert any("refused id 2101.00004" in m for m in messages)


def test_http_400_for_a_lone_id_is_dropped_not_an_error(httpserver):
    serve(httpserver, refuse=["2101.02831"])

    assert make_source(httpserver).fetch_papers(["2101.02831"]) == {}
    assert len(httpserver.log) == 1


def test_http_400_split_in_a_second_batch(httpserver):
    ids = new_ids(103)
    serve(httpserver, refuse=[ids[101]])

    papers = make_source(httpserver).fetch_papers(ids)

    assert len(papers) == 102
    assert ids[101] not in papers
    assert [len(asked_ids(r)) for r in requests_seen(httpserver)] == [
        100,
        3,
        1,
        2,
        1,
        1,
    ]


@pytest.mark.parametrize(
    "withdrawn",
    [
        {"comment": WITHDRAWN},
        {"comment": "This paper has been withdrawn by the authors due to an error"},
        {"comment": "Withdrawn by the authors; see 2101.00009"},
        {"summary": "This paper has been withdrawn by the author."},
        {"summary": "  This article is withdrawn.  ", "comment": None},
    ],
    ids=["comment", "comment-authors", "comment-start", "summary", "summary-only"],
)
def test_withdrawn_papers_are_dropped(httpserver, hotpapers_log, withdrawn):
    serve(
        httpserver,
        entries=lambda arxiv_id: entry(
            arxiv_id, **(withdrawn if arxiv_id == "2101.00002" else {})
        ),
    )

    papers = make_source(httpserver).fetch_papers(new_ids(3))

    assert sorted(papers) == ["2101.00001", "2101.00003"]
    assert any(
        "2101.00002 is withdrawn" in r.getMessage() for r in hotpapers_log.records
    )


def test_a_paper_that_talks_about_withdrawal_is_kept(httpserver):
    serve(
        httpserver,
        entries=lambda arxiv_id: entry(
            arxiv_id,
            title="Why authors withdrawn papers",
            summary="We study why a paper has been withdrawn by its authors.",
            comment="Replaces a version withdrawn from a conference",
        ),
    )

    assert list(make_source(httpserver).fetch_papers(["2101.00001"])) == ["2101.00001"]


# --- failures -------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_reported(httpserver, status):
    httpserver.expect_request(PATH).respond_with_data("oops", status=status)

    with pytest.raises(ArxivError) as caught:
        make_source(httpserver, retries=2).fetch_papers(["2101.02831"])

    assert f"HTTP {status}" in str(caught.value)
    assert_arxiv_error(caught.value)
    assert len(httpserver.log) == 3


def test_a_server_error_then_success_is_a_success(httpserver):
    answers = [
        Response("busy", status=503),
        atom(feed_for(["2101.02831"])),
    ]
    httpserver.expect_request(PATH).respond_with_handler(lambda _: answers.pop(0))

    papers = make_source(httpserver, retries=2).fetch_papers(["2101.02831"])

    assert list(papers) == ["2101.02831"]
    assert len(httpserver.log) == 2


@pytest.mark.parametrize("status", [403, 404])
def test_other_refusals_are_reported_without_retry(httpserver, status):
    httpserver.expect_request(PATH).respond_with_data("no", status=status)

    with pytest.raises(ArxivError) as caught:
        make_source(httpserver).fetch_papers(["2101.02831"])

    assert f"HTTP {status}" in str(caught.value)
    assert len(httpserver.log) == 1


def cut_off_feed() -> bytes:
    whole = feed_for(new_ids(4))
    return whole[: len(whole) // 2]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Rate '
            b"exceeded</title></head><body><p>Rate exceeded.<br></body></html>",
            "text/html",
            "not a complete Atom feed",
        ),
        (
            b"<html><head><title>Maintenance</title></head><body/></html>",
            "text/html",
            "not an Atom feed",
        ),
        (cut_off_feed(), ATOM, "not a complete Atom feed"),
        (b"", ATOM, "not a complete Atom feed"),
        (b'{"error": "nope"}', "application/json", "not a complete Atom feed"),
    ],
    ids=["html", "xhtml", "cut-off", "empty", "json"],
)
def test_answers_that_are_not_whole_feeds_fail(
    httpserver, body, content_type, expected
):
    httpserver.expect_request(PATH).respond_with_data(body, content_type=content_type)

    with pytest.raises(ArxivError) as caught:
        make_source(httpserver).fetch_papers(new_ids(4))

    assert expected in str(caught.value)
    assert_arxiv_error(caught.value)


def test_a_cut_off_feed_in_a_later_batch_fails_the_whole_lookup(httpserver):
    def handler(request: Request) -> Response:
        ids = asked_ids(request)
        body = feed_for(ids)
        return atom(body if len(ids) == 100 else body[: len(body) - 40])

    httpserver.expect_request(PATH).respond_with_handler(handler)

    with pytest.raises(ArxivError):
        make_source(httpserver).fetch_papers(new_ids(120))
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    "answer",
    [
        lambda asked: ["2101.99999"],
        lambda asked: ["2101.99999", *asked],
        lambda asked: [asked[0], "2101.99999"],
    ],
    ids=["instead", "before", "after-a-missing-one"],
)
def test_an_entry_not_asked_for_fails(httpserver, answer):
    def handler(request: Request) -> Response:
        return atom(feed_for(answer(asked_ids(request))))

    httpserver.expect_request(PATH).respond_with_handler(handler)

    with pytest.raises(ArxivError) as caught:
        make_source(httpserver).fetch_papers(["2101.00001", "2101.00002"])

    assert "2101.99999v1" in str(caught.value)
    assert "not asked for" in str(caught.value)
    assert_arxiv_error(caught.value)


def test_connection_refused(httpserver):
    port = closed_port()
    source = ArxivSource(
        *split_options(
            ArxivOptions,
            api_url=f"http://127.0.0.1:{port}/api/query",
            delay=0,
            timeout=1,
            retries=1,
            backoff=0,
        )
    )

    started = time.monotonic()
    with pytest.raises(ArxivError) as caught:
        source.fetch_papers(["2101.02831"])

    assert "refused" in str(caught.value)
    assert_arxiv_error(caught.value)
    assert time.monotonic() - started < 1.5


def test_timeout(httpserver):
    released = threading.Event()

    def slow(request: Request) -> Response:
        released.wait(1.2)
        return atom(feed_for(asked_ids(request)))

    httpserver.expect_request(PATH).respond_with_handler(slow)

    started = time.monotonic()
    try:
        with pytest.raises(ArxivError) as caught:
            make_source(httpserver, timeout=0.3, retries=0).fetch_papers(["2101.02831"])
        elapsed = time.monotonic() - started
    finally:
        released.set()
        wait_for_requests(httpserver, 1)

    assert elapsed < 0.9
    assert "timed out" in str(caught.value)
    assert_arxiv_error(caught.value)


# --- real recorded feeds --------------------------------------------------------------


def serve_file(httpserver, name: str, status: int = 200) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        (FIXTURES / name).read_bytes(), status=status, content_type=ATOM
    )


def test_recorded_single_paper(httpserver):
    serve_file(httpserver, "arxivpy_id_1605.08386_s0_m100_199195aa31ad.xml")

    papers = make_source(httpserver).fetch_papers(["1605.08386"])

    (request,) = requests_seen(httpserver)
    assert asked_ids(request) == ["1605.08386"]
    paper = papers["1605.08386"]
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.authors == ("Caprice Stanley", "Tobias Windisch")
    assert paper.abstract.startswith("Graphs on lattice points are studied")
    assert paper.abstract.endswith("is an expander in fixed dimension.")
    assert paper.primary_category == "math.CO"
    assert paper.categories == ("math.CO", "math.ST")
    assert paper.published == dt.date(2016, 5, 26)


def test_recorded_feed_with_one_paper_missing(httpserver):
    # 0808.05394 cannot exist (four-digit numbers until 1412), so it is not
    # even sent; the recorded answer holds only 1707.08567.
    serve_file(httpserver, "arxivpy_id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml")

    papers = make_source(httpserver).fetch_papers(["0808.05394", "1707.08567"])

    (request,) = requests_seen(httpserver)
    assert asked_ids(request) == ["1707.08567"]
    assert list(papers) == ["1707.08567"]
    paper = papers["1707.08567"]
    assert paper.title == (
        "Proceedings of Workshop AEW10: Concepts in Information Theory and "
        "Communications"
    )
    assert paper.authors[0] == "Kees A. Schouhamer Immink"
    assert paper.primary_category == "cs.IT"
    assert paper.published == dt.date(2017, 7, 27)


def test_recorded_empty_feed(httpserver, hotpapers_log):
    serve_file(httpserver, "arxivpy_id_0000.0000_s0_m100_8b51d9633a68.xml")

    papers = make_source(httpserver).fetch_papers(["2101.99999"])

    assert papers == {}
    assert len(httpserver.log) == 1
    assert any("2101.99999" in r.getMessage() for r in hotpapers_log.records)


def test_recorded_error_feed_with_http_400_for_everything(httpserver, hotpapers_log):
    """When both halves are refused, the fault is not one id: give up, loudly."""
    serve_file(httpserver, ERROR_FEED, status=400)

    with pytest.raises(ArxivError, match="refused"):
        make_source(httpserver).fetch_papers(["2101.02831", "2101.03164"])

    # The batch of two, then each half once; no endless halving.
    assert [asked_ids(r) for r in requests_seen(httpserver)] == [
        ["2101.02831", "2101.03164"],
        ["2101.02831"],
        ["2101.03164"],
    ]


def test_recorded_error_feed_served_with_200_is_not_a_paper(httpserver):
    # The error entry has no <published>, so arxiv.py skips it: no paper.
    serve_file(httpserver, ERROR_FEED)

    assert make_source(httpserver).fetch_papers(["2101.02831"]) == {}
    assert len(httpserver.log) == 1


RECORDED_SEARCH_IDS = [
    "2202.12139",
    "2405.13786",
    "2005.14124",
    "2204.08348",
    "2302.03287",
    "1202.4527",
    "2503.05378",
    "1205.1866",
    "2502.07719",
    "1812.11470",
]


def test_recorded_feed_of_ten_papers(httpserver):
    serve_file(httpserver, "arxivpy_q_testing_s0_m10_bc5a6c384fe9.xml")

    papers = make_source(httpserver).fetch_papers(RECORDED_SEARCH_IDS)

    assert sorted(papers) == sorted(RECORDED_SEARCH_IDS)
    assert len(httpserver.log) == 1
    first = papers["2202.12139"]
    assert first.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple "
        "Testing Techniques"
    )
    assert first.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert first.categories == ("cs.SE", "cs.LG")
    assert papers["1205.1866"].primary_category == "cs.AR"
    for paper in papers.values():
        assert paper.title == " ".join(paper.title.split())
        assert paper.abstract == " ".join(paper.abstract.split())
        assert paper.abstract
        assert paper.authors
        assert paper.published is not None
