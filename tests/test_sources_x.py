"""The X source: the requests it makes, the pages it reads, the errors it reports.

Every request goes to a loopback pytest-httpserver; the socket guard in
pyproject.toml fails any test that reaches further. Real recorded X API pages
(twarc-csv and tweepy test data, see tests/data/fixtures) check that the
parser accepts what X really sends.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug import Request, Response

from pelican_hotpapers import __version__
from pelican_hotpapers.models import Counts, Link
from pelican_hotpapers.sources.session import HttpOptions
from pelican_hotpapers.sources.x import (
    BearerAuth,
    XError,
    XOptions,
    XRateLimitError,
    XSource,
    parse_page,
    parse_tweet,
    snowflake_time,
)

from .remote import closed_port, requests_seen, split_options

FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures"
TOKEN = "AAAAtest-bearer-S3CR3T-token%2Fvalue"
RECENT = "/2/tweets/search/recent"
#: How long before the request the search window must end (X asks for 10 s).
MARGIN = dt.timedelta(seconds=30)
ALL = "/2/tweets/search/all"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
EXPECTED_PARAMS = {
    "query": 'url:"arxiv.org" -is:retweet',
    "start_time": "2026-03-01T00:00:00Z",
    "end_time": "2026-03-02T00:00:00Z",
    "tweet.fields": "created_at,public_metrics,entities,lang,author_id",
    "expansions": "author_id",
    "user.fields": "name,username,public_metrics",
    "max_results": "100",
}


# --- builders ---------------------------------------------------------------


def url_entity(
    expanded: str | None = None,
    *,
    unwound: str | None = None,
    short: str = "https://t.co/AbCdEf1234",
    display: str | None = None,
) -> dict[str, Any]:
    entity: dict[str, Any] = {"start": 0, "end": 23, "url": short}
    if expanded is not None:
        entity["expanded_url"] = expanded
        entity["display_url"] = display or expanded.split("://", 1)[-1][:30]
    if unwound is not None:
        entity["unwound_url"] = unwound
    return entity


def tweet(
    post_id: str,
    *urls: dict[str, Any],
    author_id: str = "101",
    metrics: dict[str, Any] | None = None,
    retweet_of: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": post_id,
        "text": f"A post {post_id} https://t.co/AbCdEf1234",
        "author_id": author_id,
        "created_at": "2026-03-01T10:00:00.000Z",
        "lang": "en",
        "public_metrics": metrics
        or {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4},
        "edit_history_tweet_ids": [post_id],
    }
    if urls:
        body["entities"] = {"urls": list(urls)}
    if retweet_of is not None:
        body["referenced_tweets"] = [{"type": "retweeted", "id": retweet_of}]
    body.update(extra)
    return body


def arxiv_tweet(post_id: str, arxiv_id: str = "2101.02831", **kwargs: Any):
    return tweet(post_id, url_entity(f"https://arxiv.org/abs/{arxiv_id}"), **kwargs)


USERS = [
    {"id": "101", "name": "Ada Lovelace", "username": "ada"},
    {"id": "102", "name": "Alan Turing", "username": "alan"},
]


def page(
    tweets: list[dict[str, Any]],
    next_token: str | None = None,
    users: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(tweets)}
    if tweets:
        meta["newest_id"] = tweets[0]["id"]
        meta["oldest_id"] = tweets[-1]["id"]
    if next_token is not None:
        meta["next_token"] = next_token
    body: dict[str, Any] = {"meta": meta}
    if tweets:
        body["data"] = tweets
        body["includes"] = {"users": USERS if users is None else users}
    return body


def filler(count: int, first: int = 1500000000000000000) -> list[dict[str, Any]]:
    """Tweets without links: read (and billed) but not papers."""
    return [tweet(str(first + n)) for n in range(count)]


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, mimetype="application/json"
    )


def serve_pages(httpserver, pages: dict[str | None, dict], path: str = RECENT):
    """Answer each request with the page for its next_token (None: first page)."""

    def handler(request: Request) -> Response:
        return json_response(pages[request.args.get("next_token")])

    httpserver.expect_request(path).respond_with_handler(handler)


def make_source(httpserver, **kwargs: Any) -> XSource:
    options: dict[str, Any] = {
        "api_url": httpserver.url_for("/2"),
        "timeout": 2.0,
        "retries": 2,
        "backoff": 0,
    }
    options.update(kwargs)
    return XSource(TOKEN, *split_options(XOptions, **options))


def search(source: XSource, start: dt.datetime = START, end: dt.datetime = END):
    return source.search_posts(start, end, now=NOW)


def assert_clean_error(exc: XError) -> None:
    """An XError names the service and never holds the token."""
    assert exc.service == "X API"
    assert str(exc).startswith("X API: ")
    assert TOKEN not in str(exc)
    assert TOKEN not in repr(exc)
    assert "S3CR3T" not in str(exc)


def read_jsonl(name: str) -> list[dict[str, Any]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def recorded_pages() -> list[tuple[str, dict[str, Any]]]:
    pages = [
        (f"{name}:{n}", body)
        for name in (
            "twarccsv_brexit.jsonl",
            "twarccsv_many_urls.jsonl",
            "twarccsv_two_tweets.jsonl",
        )
        for n, body in enumerate(read_jsonl(name))
    ]
    tweepy = json.loads(
        (FIXTURES / "tweepy_search_recent_decoded.json").read_text(encoding="utf-8")
    )
    pages.append(("tweepy_search_recent_decoded.json", tweepy["body"]))
    return pages


RECORDED_PAGES = recorded_pages()


def brexit_page() -> dict[str, Any]:
    return copy.deepcopy(read_jsonl("twarccsv_brexit.jsonl")[0])


def find_tweet(body: dict[str, Any], post_id: str) -> dict[str, Any]:
    return next(t for t in body["data"] if t["id"] == post_id)


# --- the requests -----------------------------------------------------------


def test_request_has_exact_path_parameters_and_headers(httpserver):
    serve_pages(httpserver, {None: page([arxiv_tweet("1600000000000000001")])})

    result = search(make_source(httpserver))

    assert len(result.posts) == 1
    (request,) = requests_seen(httpserver)
    assert request.method == "GET"
    assert request.path == RECENT
    assert request.args.to_dict(flat=False) == {
        key: [value] for key, value in EXPECTED_PARAMS.items()
    }
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.url
    assert "S3CR3T" not in request.query_string.decode()
    user_agent = request.headers["User-Agent"]
    assert user_agent.startswith(f"pelican-hotpapers/{__version__} ")


def test_query_is_configurable(httpserver):
    serve_pages(httpserver, {None: page([])})

    search(make_source(httpserver, query='url:"arxiv.org" lang:en'))

    (request,) = requests_seen(httpserver)
    assert request.args["query"] == 'url:"arxiv.org" lang:en'


def test_end_time_is_kept_before_now(httpserver):
    # X refuses an end_time less than 10 s before the request.
    serve_pages(httpserver, {None: page([])})

    make_source(httpserver).search_posts(START, NOW + dt.timedelta(hours=1), now=NOW)

    (request,) = requests_seen(httpserver)
    assert request.args["end_time"] == "2026-03-02T11:59:30Z"


def test_times_are_sent_in_utc(httpserver):
    serve_pages(httpserver, {None: page([])})
    paris = dt.timezone(dt.timedelta(hours=1))

    make_source(httpserver).search_posts(
        dt.datetime(2026, 3, 1, 1, 0, tzinfo=paris),
        dt.datetime(2026, 3, 2, 1, 0, tzinfo=paris),
        now=NOW,
    )

    (request,) = requests_seen(httpserver)
    assert request.args["start_time"] == "2026-03-01T00:00:00Z"
    assert request.args["end_time"] == "2026-03-02T00:00:00Z"


def test_a_quiet_day_is_an_empty_answer_not_an_error(httpserver):
    serve_pages(httpserver, {None: {"meta": {"result_count": 0}}})

    result = search(make_source(httpserver))

    assert result.posts == ()
    assert (result.reads, result.pages, result.capped) == (0, 1, False)


# --- pages and posts --------------------------------------------------------


def test_two_pages_are_followed_and_read_into_posts(httpserver):
    first = page(
        [
            tweet(
                "1600000000000000001",
                url_entity(
                    "https://arxiv.org/abs/2101.02831v2",
                    short="https://t.co/one",
                    display="arxiv.org/abs/2101.02831v2",
                ),
                author_id="101",
                metrics={
                    "retweet_count": 11,
                    "reply_count": 4,
                    "like_count": 31,
                    "quote_count": 2,
                    "impression_count": 9999,
                },
            ),
            # The expansion is a shortener; only unwound_url reaches arXiv.
            tweet(
                "1600000000000000002",
                url_entity(
                    "https://bit.ly/3xYz",
                    unwound="https://arxiv.org/pdf/2101.03164v1.pdf",
                    short="https://t.co/two",
                ),
                author_id="102",
            ),
            # A link to another post is not a paper.
            tweet(
                "1600000000000000003",
                url_entity("https://twitter.com/someone/status/1599999999999999999"),
            ),
        ],
        next_token="tok-page-2",
    )
    second = page(
        [
            tweet(
                "1600000000000000004",
                url_entity("https://x.com/someone/status/1599999999999999998"),
                url_entity("https://export.arxiv.org/abs/hep-th/9901001"),
                author_id="102",
            )
        ]
    )
    serve_pages(httpserver, {None: first, "tok-page-2": second})

    result = search(make_source(httpserver))

    first_request, second_request = requests_seen(httpserver)
    assert "next_token" not in first_request.args
    assert second_request.args["next_token"] == "tok-page-2"
    for request in (first_request, second_request):
        rest = {k: v for k, v in request.args.items() if k != "next_token"}
        assert rest == EXPECTED_PARAMS
    assert (result.reads, result.pages, result.capped) == (4, 2, False)

    posts = {post.id: post for post in result.posts}
    assert list(posts) == [
        "1600000000000000001",
        "1600000000000000002",
        "1600000000000000004",
    ]
    one = posts["1600000000000000001"]
    assert one.source == "x"
    assert (one.author_handle, one.author_name) == ("ada", "Ada Lovelace")
    assert one.url == "https://x.com/ada/status/1600000000000000001"
    assert one.counts == Counts(reposts=11, likes=31, quotes=2, replies=4)
    assert one.arxiv_ids == ("2101.02831",)
    assert one.links == (
        Link(
            "https://t.co/one",
            "https://arxiv.org/abs/2101.02831v2",
            "arxiv.org/abs/2101.02831v2",
        ),
    )
    assert one.created_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    assert one.lang == "en"
    assert one.text.startswith("A post 1600000000000000001")

    two = posts["1600000000000000002"]
    assert (two.author_handle, two.author_name) == ("alan", "Alan Turing")
    assert two.url == "https://x.com/alan/status/1600000000000000002"
    assert two.arxiv_ids == ("2101.03164",)
    assert two.links[0].url == "https://t.co/two"
    assert two.links[0].expanded_url == "https://arxiv.org/pdf/2101.03164v1.pdf"

    four = posts["1600000000000000004"]
    assert four.arxiv_ids == ("hep-th/9901001",)
    assert four.url == "https://x.com/alan/status/1600000000000000004"


def test_retweets_are_skipped_but_counted_as_reads(httpserver):
    serve_pages(
        httpserver,
        {
            None: page(
                [
                    arxiv_tweet(
                        "1600000000000000001", retweet_of="1599000000000000000"
                    ),
                    arxiv_tweet(
                        "1600000000000000002",
                        referenced_tweets=[
                            {"type": "quoted", "id": "1599000000000000000"}
                        ],
                    ),
                    arxiv_tweet(
                        "1600000000000000003",
                        referenced_tweets=[
                            {"type": "replied_to", "id": "1599000000000000000"}
                        ],
                    ),
                ]
            )
        },
    )

    result = search(make_source(httpserver))

    assert [post.id for post in result.posts] == [
        "1600000000000000002",
        "1600000000000000003",
    ]
    assert result.reads == 3


def test_a_post_seen_on_two_pages_is_counted_once(httpserver):
    serve_pages(
        httpserver,
        {
            None: page([arxiv_tweet("1600000000000000001")], next_token="t2"),
            "t2": page(
                [arxiv_tweet("1600000000000000001"), arxiv_tweet("1600000000000000002")]
            ),
        },
    )

    result = search(make_source(httpserver))

    assert sorted(post.id for post in result.posts) == [
        "1600000000000000001",
        "1600000000000000002",
    ]
    assert result.reads == 3
    assert result.pages == 2


# --- budget caps ------------------------------------------------------------


def test_max_pages_caps_the_requests(httpserver):
    pages = {None: page(filler(100), next_token="t1")}
    for n in range(1, 6):
        pages[f"t{n}"] = page(filler(100, 1500000000000001000 * n), f"t{n + 1}")
    serve_pages(httpserver, pages)

    result = search(make_source(httpserver, max_pages=3, max_posts=10_000))

    assert len(httpserver.log) == 3
    assert (result.pages, result.reads, result.capped) == (3, 300, True)


def test_max_posts_caps_reads_and_shrinks_the_last_page(httpserver):
    served = []

    def handler(request: Request) -> Response:
        size = int(request.args["max_results"])
        served.append(size)
        first = 1500000000000000000 + 1000 * len(served)
        return json_response(page(filler(size, first), next_token=f"t{len(served)}"))

    httpserver.expect_request(RECENT).respond_with_handler(handler)

    result = search(make_source(httpserver, max_pages=10, max_posts=150))

    assert served == [100, 50]
    assert (result.pages, result.reads, result.capped) == (2, 150, True)


def test_last_page_is_never_asked_below_ten(httpserver):
    served = []

    def handler(request: Request) -> Response:
        size = int(request.args["max_results"])
        served.append(size)
        first = 1500000000000000000 + 1000 * len(served)
        return json_response(page(filler(size, first), next_token=f"t{len(served)}"))

    httpserver.expect_request(RECENT).respond_with_handler(handler)

    result = search(make_source(httpserver, max_posts=103))

    assert served == [100, 10]
    assert result.reads == 110
    assert result.capped is True


def test_small_budget_asks_for_the_budget(httpserver):
    serve_pages(httpserver, {None: page(filler(20))})

    search(make_source(httpserver, max_posts=20))

    (request,) = requests_seen(httpserver)
    assert request.args["max_results"] == "20"


def test_not_capped_when_the_last_allowed_page_is_the_last_page(httpserver):
    serve_pages(
        httpserver,
        {None: page(filler(100), next_token="t1"), "t1": page(filler(5, 15 * 10**17))},
    )

    result = search(make_source(httpserver, max_pages=2, max_posts=200))

    assert (result.pages, result.reads, result.capped) == (2, 105, False)


# --- recent and full-archive search -------------------------------------------


def test_endpoint_depends_on_the_age_of_the_day(httpserver):
    recent = make_source(httpserver)
    archive = make_source(httpserver, full_archive=True)
    base = httpserver.url_for("/2")
    week_ago = NOW - dt.timedelta(days=7)
    older = NOW - dt.timedelta(days=8)

    assert recent.endpoint(week_ago, NOW) == f"{base}/tweets/search/recent"
    assert recent.endpoint(older, NOW) is None
    assert archive.endpoint(week_ago, NOW) == f"{base}/tweets/search/recent"
    assert archive.endpoint(older, NOW) == f"{base}/tweets/search/all"


def test_old_day_without_full_archive_fails_without_a_request(httpserver):
    serve_pages(httpserver, {None: page([])})
    start = NOW - dt.timedelta(days=9)

    with pytest.raises(XError) as caught:
        make_source(httpserver).search_posts(
            start, start + dt.timedelta(days=1), now=NOW
        )

    assert_clean_error(caught.value)
    assert "7 days" in str(caught.value)
    assert "HOTPAPERS_X_FULL_ARCHIVE" in str(caught.value)
    assert httpserver.log == []


def test_old_day_with_full_archive_uses_search_all(httpserver):
    serve_pages(httpserver, {None: page([arxiv_tweet("1200000000000000001")])}, ALL)
    start = NOW - dt.timedelta(days=30)

    result = make_source(httpserver, full_archive=True).search_posts(
        start, start + dt.timedelta(days=1), now=NOW
    )

    (request,) = requests_seen(httpserver)
    assert request.path == ALL
    assert request.args["start_time"] == "2026-01-31T12:00:00Z"
    assert request.args["end_time"] == "2026-02-01T12:00:00Z"
    assert [post.id for post in result.posts] == ["1200000000000000001"]


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "$X_BEARER_TOKEN was refused (HTTP 401)"),
        (403, "HTTP 403"),
        (400, "HTTP 400"),
        (404, "HTTP 404"),
    ],
)
def test_refusals_are_reported_without_retry(httpserver, status, expected):
    httpserver.expect_request(RECENT).respond_with_json(
        {"title": "Unauthorized", "detail": "Unauthorized", "status": status},
        status=status,
    )

    with pytest.raises(XError) as caught:
        search(make_source(httpserver, retries=2))

    assert expected in str(caught.value)
    assert not isinstance(caught.value, XRateLimitError)
    assert_clean_error(caught.value)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_reported(httpserver, status):
    httpserver.expect_request(RECENT).respond_with_data(
        "upstream trouble", status=status
    )

    with pytest.raises(XError) as caught:
        search(make_source(httpserver, retries=2))

    assert f"HTTP {status}" in str(caught.value)
    assert_clean_error(caught.value)
    assert len(httpserver.log) == 3


def test_a_server_error_then_success_is_a_success(httpserver):
    answers = [
        json_response({"title": "Service Unavailable"}, status=503),
        json_response(page([arxiv_tweet("1600000000000000001")])),
    ]
    httpserver.expect_request(RECENT).respond_with_handler(lambda _: answers.pop(0))

    result = search(make_source(httpserver, retries=2))

    assert [post.id for post in result.posts] == ["1600000000000000001"]
    assert len(httpserver.log) == 2


HTML = "<!DOCTYPE html><html><body><h1>Something went wrong</h1></body></html>"


@pytest.mark.parametrize(
    ("body", "mimetype", "expected"),
    [
        (HTML, "text/html", "not valid JSON"),
        (
            json.dumps(page([arxiv_tweet("1")]))[:57],
            "application/json",
            "not valid JSON",
        ),
        ("", "application/json", "not valid JSON"),
        (
            json.dumps(
                {
                    "errors": [
                        {
                            "title": "Invalid Request",
                            "detail": "One or more parameters to your request was "
                            "invalid.",
                        }
                    ]
                }
            ),
            "application/json",
            "no search results: One or more parameters",
        ),
        (json.dumps([1, 2, 3]), "application/json", "not a JSON object"),
        (json.dumps({"data": {"id": "1"}}), "application/json", "wrong shape"),
        (json.dumps({"data": [], "meta": []}), "application/json", "wrong shape"),
    ],
    ids=["html", "truncated", "empty", "errors", "list", "data-object", "meta-list"],
)
def test_bodies_that_are_not_search_pages_fail(httpserver, body, mimetype, expected):
    httpserver.expect_request(RECENT).respond_with_data(body, mimetype=mimetype)

    with pytest.raises(XError) as caught:
        search(make_source(httpserver))

    assert expected in str(caught.value)
    assert_clean_error(caught.value)


def test_a_bad_second_page_fails_the_whole_search(httpserver):
    # A partial answer must not be mistaken for a quiet day.
    def handler(request: Request) -> Response:
        if "next_token" in request.args:
            return Response('{"data": [{"id": "16', mimetype="application/json")
        return json_response(page([arxiv_tweet("1600000000000000001")], "t2"))

    httpserver.expect_request(RECENT).respond_with_handler(handler)

    with pytest.raises(XError):
        search(make_source(httpserver))
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    "tokens",
    [["A", "A"], ["A", "B", "A"]],
    ids=["same-token-twice", "back-to-first"],
)
def test_a_next_token_that_loops_back_fails(httpserver, tokens):
    pages: dict[str | None, dict] = {}
    previous = None
    for n, token in enumerate(tokens):
        pages.setdefault(previous, page(filler(10, 16 * 10**17 + 100 * n), token))
        previous = token
    serve_pages(httpserver, pages)

    with pytest.raises(XError) as caught:
        search(make_source(httpserver, max_pages=50))

    assert "looped" in str(caught.value)
    assert_clean_error(caught.value)
    assert len(httpserver.log) == len(tokens)


def test_connection_refused(httpserver):
    port = closed_port()
    source = XSource(
        TOKEN,
        *split_options(
            XOptions,
            api_url=f"http://127.0.0.1:{port}/2",
            timeout=1,
            retries=1,
            backoff=0,
        ),
    )

    started = time.monotonic()
    with pytest.raises(XError) as caught:
        search(source)

    assert "refused" in str(caught.value)
    assert str(port) not in str(caught.value)
    assert_clean_error(caught.value)
    assert time.monotonic() - started < 1.5


def test_timeout(httpserver):
    released = threading.Event()

    def slow(request: Request) -> Response:
        released.wait(1.2)
        return json_response(page([]))

    httpserver.expect_request(RECENT).respond_with_handler(slow)

    started = time.monotonic()
    try:
        with pytest.raises(XError) as caught:
            search(make_source(httpserver, timeout=0.3, retries=0))
        elapsed = time.monotonic() - started
    finally:
        # Let the held-back handler finish, so it cannot log into the next test.
        released.set()
        deadline = time.monotonic() + 2
        while not httpserver.log and time.monotonic() < deadline:
            time.sleep(0.01)

    assert elapsed < 0.9
    assert "timed out" in str(caught.value)
    assert_clean_error(caught.value)


# --- rate limits ------------------------------------------------------------


def test_rate_limit_reset_soon_is_waited_for(httpserver):
    arrivals: list[float] = []
    reset = int(time.time()) + 1
    if reset - time.time() < 0.3:  # make the wait long enough to measure
        reset += 1

    def handler(request: Request) -> Response:
        arrivals.append(time.time())
        if len(arrivals) == 1:
            return json_response(
                {"title": "Too Many Requests"},
                status=429,
                **{"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
            )
        return json_response(page([arxiv_tweet("1600000000000000001")]))

    httpserver.expect_request(RECENT).respond_with_handler(handler)

    result = search(make_source(httpserver, retries=2, rate_limit_max_wait=5))

    assert [post.id for post in result.posts] == ["1600000000000000001"]
    assert len(arrivals) == 2
    # The retry waited for the window to reopen (less a little clock slack).
    assert arrivals[1] >= reset - 0.05


def test_rate_limit_reset_beyond_the_allowed_wait_gives_up_at_once(httpserver):
    reset = int(time.time()) + 3600
    httpserver.expect_request(RECENT).respond_with_json(
        {"title": "Too Many Requests"},
        status=429,
        headers={"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
    )

    started = time.monotonic()
    with pytest.raises(XRateLimitError) as caught:
        search(make_source(httpserver, retries=3, rate_limit_max_wait=5))

    assert time.monotonic() - started < 1.0
    assert len(httpserver.log) == 1
    assert "HTTP 429" in str(caught.value)
    reopens = dt.datetime.fromtimestamp(reset, tz=dt.UTC)
    assert f"{reopens:%Y-%m-%d %H:%M} UTC" in str(caught.value)
    assert_clean_error(caught.value)


def test_retry_after_is_respected(httpserver):
    arrivals: list[float] = []

    def handler(request: Request) -> Response:
        arrivals.append(time.monotonic())
        if len(arrivals) == 1:
            return json_response(
                {"title": "Too Many Requests"}, 429, **{"Retry-After": "1"}
            )
        return json_response(page([arxiv_tweet("1600000000000000001")]))

    httpserver.expect_request(RECENT).respond_with_handler(handler)

    result = search(make_source(httpserver, retries=2, rate_limit_max_wait=5))

    assert len(result.posts) == 1
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.9


def test_retry_after_beyond_the_allowed_wait_gives_up_at_once(httpserver):
    httpserver.expect_request(RECENT).respond_with_json(
        {"title": "Too Many Requests"}, status=429, headers={"Retry-After": "600"}
    )

    started = time.monotonic()
    with pytest.raises(XRateLimitError):
        search(make_source(httpserver, retries=3, rate_limit_max_wait=5))

    assert time.monotonic() - started < 1.0
    assert len(httpserver.log) == 1


def test_rate_limit_without_a_reset_time_is_retried_then_reported(httpserver):
    httpserver.expect_request(RECENT).respond_with_json(
        {"title": "Too Many Requests"}, status=429
    )

    with pytest.raises(XRateLimitError) as caught:
        search(make_source(httpserver, retries=2, rate_limit_max_wait=5))

    assert len(httpserver.log) == 3
    assert "HTTP 429" in str(caught.value)
    assert_clean_error(caught.value)


# --- the token stays secret ---------------------------------------------------


def test_repr_never_shows_the_token(httpserver):
    source = make_source(httpserver)

    for text in (repr(source), str(source), repr(source.auth), str(source.auth)):
        assert TOKEN not in text
        assert "S3CR3T" not in text
    assert "***" in repr(source)
    assert repr(BearerAuth(TOKEN)) == "BearerAuth(token='***')"


def test_token_never_reaches_the_logs(httpserver, caplog):
    caplog.set_level(logging.DEBUG)
    answers = [
        json_response({"title": "Unauthorized"}, status=401),
        json_response(page([arxiv_tweet("1600000000000000001")])),
    ]
    httpserver.expect_request(RECENT).respond_with_handler(lambda _: answers.pop(0))
    source = make_source(httpserver)

    with pytest.raises(XError):
        search(source)
    search(source)

    assert caplog.records  # urllib3 logged its requests at DEBUG
    assert TOKEN not in caplog.text
    assert "S3CR3T" not in caplog.text


def test_every_request_has_the_timeout(httpserver, monkeypatch):
    timeouts: list[Any] = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    serve_pages(httpserver, {None: page([], "t2"), "t2": page([])})

    search(make_source(httpserver, timeout=7.5))

    assert timeouts == [7.5, 7.5]


def test_from_options_needs_a_token():
    options = XOptions(
        token_env="MY_X_TOKEN",
        api_url="http://127.0.0.1:9/2/",
        query='url:"arxiv.org"',
        max_pages=4,
        max_posts=300,
        full_archive=True,
    )
    http = HttpOptions(timeout=5.0, retries=1, backoff=0.0, rate_limit_max_wait=60.0)

    assert XSource.from_options(options, http, environ={}) is None
    assert XSource.from_options(options, http, environ={"MY_X_TOKEN": "  "}) is None

    source = XSource.from_options(options, http, environ={"MY_X_TOKEN": f" {TOKEN}\n"})

    assert source is not None
    assert source.base_url == "http://127.0.0.1:9/2"
    assert source.options == options
    assert source.session.timeout == 5.0
    assert TOKEN not in repr(source)
    assert XSource.missing_credentials(options) == (
        "$MY_X_TOKEN is not set (put an X API bearer token there to fetch from X)"
    )


# --- parse_tweet and parse_page on hand-made input ------------------------------


def test_ids_come_from_expansions_not_from_the_short_link():
    odd = tweet(
        "1600000000000000001",
        url_entity("https://example.org/", short="https://arxiv.org/abs/2101.02831"),
    )

    assert parse_tweet(odd, {}) is None


def test_expanded_and_unwound_urls_both_count():
    post = parse_tweet(
        tweet(
            "1600000000000000001",
            url_entity(
                "https://arxiv.org/abs/2101.02831",
                unwound="https://arxiv.org/abs/2101.03164",
            ),
        ),
        {},
    )

    assert post is not None
    assert post.arxiv_ids == ("2101.02831", "2101.03164")


@pytest.mark.parametrize(
    "target",
    [
        "https://twitter.com/arxiv/status/1600000000000000000",
        "https://x.com/arxiv_org/status/1600000000000000000",
        "https://t.co/2101.02831",
        "https://example.org/abs/2101.02831",
    ],
)
def test_links_that_are_not_papers(target):
    assert parse_tweet(tweet("1600000000000000001", url_entity(target)), {}) is None


def test_unknown_author_gets_a_web_link():
    post = parse_tweet(arxiv_tweet("1600000000000000001", author_id="999"), {})

    assert post is not None
    assert (post.author_handle, post.author_name) == ("", "")
    assert post.url == "https://x.com/i/web/status/1600000000000000001"


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("ada_L0velace", "https://x.com/ada_L0velace/status/1600000000000000001"),
        ("Ada Lovelace", "https://x.com/i/web/status/1600000000000000001"),
        ('ada"><b>', "https://x.com/i/web/status/1600000000000000001"),
        ("ada/../../evil", "https://x.com/i/web/status/1600000000000000001"),
        ("adá", "https://x.com/i/web/status/1600000000000000001"),
        ("ada\n", "https://x.com/i/web/status/1600000000000000001"),
        ("a" * 51, "https://x.com/i/web/status/1600000000000000001"),
    ],
)
def test_a_username_that_is_not_one_gets_a_web_link(username, url):
    post = parse_tweet(
        arxiv_tweet("1600000000000000001"),
        {"101": {"name": "Ada", "username": username}},
    )

    assert post is not None
    assert post.url == url
    assert post.author_handle == username  # shown as given, as text


def test_the_author_id_and_followers_are_kept():
    """user.fields=public_metrics brings followers_count at no extra read."""
    users = {
        "101": {
            "id": "101",
            "name": "Ada Lovelace",
            "username": "ada",
            "public_metrics": {"followers_count": 12345, "following_count": 7},
        }
    }
    post = parse_tweet(arxiv_tweet("1600000000000000001"), users)

    assert post is not None
    assert (post.author_id, post.author_handle) == ("101", "ada")
    assert post.author_followers == 12345


@pytest.mark.parametrize(
    "metrics", [None, {}, {"followers_count": -1}, {"followers_count": "9"}, []]
)
def test_followers_unknown_unless_a_count(metrics):
    user: dict[str, Any] = {"id": "101", "username": "ada"}
    if metrics is not None:
        user["public_metrics"] = metrics
    post = parse_tweet(arxiv_tweet("1600000000000000001"), {"101": user})

    assert post is not None
    assert post.author_id == "101"
    assert post.author_followers is None


def test_a_zero_follower_count_is_kept():
    user = {"id": "101", "username": "ada", "public_metrics": {"followers_count": 0}}
    post = parse_tweet(arxiv_tweet("1600000000000000001"), {"101": user})

    assert post is not None and post.author_followers == 0


@pytest.mark.parametrize("author_id", [None, "", "abc", "1 OR 2"])
def test_an_odd_author_id_is_not_kept(author_id):
    post = parse_tweet(arxiv_tweet("1600000000000000001", author_id=author_id), {})

    assert post is not None
    assert post.author_id == ""


def test_odd_metrics_and_fields_are_tolerated():
    post = parse_tweet(
        arxiv_tweet(
            "1440716895355764743",
            metrics={
                "retweet_count": -3,
                "like_count": True,
                "quote_count": "7",
                "reply_count": 2,
            },
            created_at="not a time",
            lang=None,
            text=None,
        ),
        {"101": {"name": 7, "username": None}},
    )

    assert post is not None
    assert post.counts == Counts(reposts=0, likes=0, quotes=0, replies=2)
    # Without created_at the time comes from the snowflake id.
    assert post.created_at.replace(microsecond=0) == dt.datetime(
        2021, 9, 22, 16, 37, 29, tzinfo=dt.UTC
    )
    assert (post.text, post.lang, post.author_name, post.author_handle) == (
        "",
        "",
        "",
        "",
    )


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "text",
        [],
        {"text": "no id", "entities": {"urls": []}},
        {"id": 1600000000000000001, "entities": {}},
        {"id": "not-a-number", "entities": {"urls": []}},
        {"id": "1600000000000000001", "entities": "nope"},
        {"id": "1600000000000000001", "entities": {"urls": "nope"}},
        {"id": "1600000000000000001", "entities": {"urls": [None, 3, "x"]}},
    ],
)
def test_malformed_tweets_are_not_posts(bad):
    assert parse_tweet(bad, {}) is None


def test_snowflake_time_agrees_with_created_at():
    # 1440716895355764743 is a real post, created_at "2021-09-22T16:37:29.000Z"
    # (twarccsv_brexit.jsonl); created_at is truncated to the second.
    made = snowflake_time("1440716895355764743")

    assert made is not None
    created = dt.datetime(2021, 9, 22, 16, 37, 29, tzinfo=dt.UTC)
    assert dt.timedelta(0) <= made - created < dt.timedelta(seconds=1)
    assert snowflake_time("abc") is None


# --- real recorded pages --------------------------------------------------------


@pytest.mark.parametrize(
    "body", [body for _, body in RECORDED_PAGES], ids=[n for n, _ in RECORDED_PAGES]
)
def test_recorded_pages_parse(body):
    parsed = parse_page(body)

    assert parsed.reads == len(body["data"])
    assert parsed.cursor == body.get("meta", {}).get("next_token")
    # None of these pages links arXiv.
    assert parsed.posts == ()
    meta_count = body.get("meta", {}).get("result_count")
    if meta_count is not None:
        assert parsed.reads == meta_count


def test_recorded_page_counts():
    # Guards the fixtures themselves: the tests above rely on what they hold.
    brexit = read_jsonl("twarccsv_brexit.jsonl")[0]
    retweets = [
        t
        for t in brexit["data"]
        if any(r["type"] == "retweeted" for r in t.get("referenced_tweets", ()))
    ]
    assert len(brexit["data"]) == 100
    assert len(retweets) == 67
    assert parse_page(brexit).cursor == "b26v89c19zqg8o3fpds60ssjif02fq74br3502of8hmrh"
    (two,) = read_jsonl("twarccsv_two_tweets.jsonl")
    assert parse_page(two).cursor is None


def test_recorded_page_with_an_arxiv_link_gives_a_post_but_not_for_retweets():
    body = brexit_page()
    original = find_tweet(body, "1440714938054418436")  # @tagesschau
    retweet = find_tweet(body, "1440715172058828801")  # a retweet of it
    assert retweet["referenced_tweets"][0]["type"] == "retweeted"
    original["entities"]["urls"][0]["expanded_url"] = "https://arxiv.org/abs/2109.10282"
    retweet["entities"]["urls"][0]["expanded_url"] = "https://arxiv.org/abs/2109.10282"

    parsed = parse_page(body)

    (post,) = parsed.posts
    assert post.id == "1440714938054418436"
    assert post.author_handle == "tagesschau"
    assert post.url == "https://x.com/tagesschau/status/1440714938054418436"
    assert post.arxiv_ids == ("2109.10282",)
    assert post.counts == Counts(reposts=3, likes=18, quotes=0, replies=2)
    assert post.links == (
        Link(
            "https://t.co/lI3e7rTeQQ",
            "https://arxiv.org/abs/2109.10282",
            original["entities"]["urls"][0]["display_url"],
        ),
    )
    assert post.created_at == dt.datetime(2021, 9, 22, 16, 29, 43, tzinfo=dt.UTC)
    assert post.lang == "de"
    assert parsed.reads == 100


def test_recorded_unwound_url_to_arxiv_gives_a_post():
    (body,) = read_jsonl("twarccsv_many_urls.jsonl")
    urls = body["data"][0]["entities"]["urls"]
    urls[0]["unwound_url"] = "https://arxiv.org/abs/2301.01234v3"

    (post,) = parse_page(body).posts

    assert post.arxiv_ids == ("2301.01234",)
    assert post.author_handle == "uiuxadrian"
    assert post.counts == Counts(reposts=2, likes=13, quotes=0, replies=1)
    assert post.links[0].url == "https://t.co/C73mC2F5nY"
    assert post.links[0].expanded_url == "https://arxiv.org/abs/2301.01234v3"


def test_recorded_page_served_through_search_posts(httpserver):
    first = brexit_page()
    find_tweet(first, "1440714938054418436")["entities"]["urls"][0]["expanded_url"] = (
        "https://arxiv.org/abs/2109.10282"
    )
    token = first["meta"]["next_token"]
    (last,) = read_jsonl("twarccsv_two_tweets.jsonl")
    serve_pages(httpserver, {None: first, token: last})

    result = search(make_source(httpserver))

    assert (result.reads, result.pages, result.capped) == (101, 2, False)
    assert [post.id for post in result.posts] == ["1440714938054418436"]
    assert requests_seen(httpserver)[1].args["next_token"] == token


def test_recorded_tweepy_page_served_with_its_headers(httpserver):
    recorded = json.loads(
        (FIXTURES / "tweepy_search_recent_decoded.json").read_text(encoding="utf-8")
    )
    headers = {k: v for k, v in recorded["headers"].items() if k != "content-type"}
    httpserver.expect_request(RECENT).respond_with_json(
        recorded["body"], status=recorded["status"], headers=headers
    )

    result = search(make_source(httpserver, max_pages=1))

    assert (result.reads, result.pages, result.capped) == (10, 1, True)
    assert result.posts == ()


def test_a_day_that_has_only_just_begun_is_not_searched(httpserver):
    """X refuses an end_time within 10 s of the request: the end keeps 30 s."""
    serve_pages(httpserver, {None: page([])})
    source = make_source(httpserver)
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)

    with pytest.raises(XError) as caught:
        source.search_posts(start, start + dt.timedelta(days=1), now=start + MARGIN)

    assert str(caught.value) == (
        "X API: the day has only just begun; there is nothing to search yet"
    )
    assert httpserver.log == []
    # A second later there is a second to search.
    later = start + MARGIN + dt.timedelta(seconds=1)
    assert source.search_posts(start, start + dt.timedelta(days=1), now=later)


@pytest.mark.parametrize(
    ("headers", "when"),
    [
        ({}, ""),
        ({"x-rate-limit-reset": "soon"}, ""),
        ({"x-rate-limit-reset": "1767225600"}, " until 2026-01-01 00:00 UTC"),
    ],
)
def test_a_rate_limit_says_when_x_reopens_if_it_says(httpserver, headers, when):
    httpserver.expect_request(RECENT).respond_with_response(
        json_response({}, status=429, **headers)
    )

    with pytest.raises(XRateLimitError) as caught:
        search(make_source(httpserver, retries=0, rate_limit_max_wait=0))

    assert caught.value.message == (
        f"rate limit reached (HTTP 429); X asks to wait{when}, longer than "
        "HOTPAPERS_RATE_LIMIT_MAX_WAIT allows or after all retries"
    )


def test_from_options_sends_the_token_from_the_environment(httpserver):
    serve_pages(httpserver, {None: page([])})
    options = XOptions(api_url=httpserver.url_for("/2"))
    source = XSource.from_options(
        options, HttpOptions(retries=0), environ={"X_BEARER_TOKEN": TOKEN}
    )

    assert source is not None
    search(source)
    (request,) = requests_seen(httpserver)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
