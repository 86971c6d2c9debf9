"""The Hugging Face source: the requests it makes, the lists it reads, its errors.

Every request goes to a loopback pytest-httpserver answering as
``GET /api/daily_papers`` does; the two recorded answers in
tests/data/fixtures/huggingface (its INDEX.md says what each is) are served
as they were received. The socket guard in pyproject.toml fails any
test that reaches further.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from werkzeug import Request, Response

from pelican_hotpapers.models import Counts, Link
from pelican_hotpapers.sources import SOURCE_CLASSES
from pelican_hotpapers.sources.huggingface import (
    PAGE_LIMIT,
    HuggingFaceError,
    HuggingFaceOptions,
    HuggingFaceRateLimitError,
    HuggingFaceSource,
    parse_item,
)
from pelican_hotpapers.sources.session import HttpOptions

from .remote import closed_port, requests_seen, split_options

FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures" / "huggingface"
RAW_2024 = FIXTURES / "hfnewsletter_daily_papers_2024-04-04_raw.json"
LIST_2026 = FIXTURES / "hfnewsletter_daily_papers_2026-08-21.json"

PATH = "/api/daily_papers"
DAY = dt.date(2026, 8, 21)
START = dt.datetime(2026, 8, 21, tzinfo=dt.UTC)
END = START + dt.timedelta(days=1)
TOKEN = "hf_secretTOKENvalue123"


# --- builders ---------------------------------------------------------------


def entry(
    arxiv_id: str,
    *,
    upvotes: Any = 40,
    comments: Any = 3,
    submitter: str | None = "alice",
    title: str | None = None,
) -> dict[str, Any]:
    """An item in the 2026 shape (paper + submittedBy), trimmed to what matters."""
    item: dict[str, Any] = {
        "paper": {
            "id": arxiv_id,
            "authors": [{"_id": "a1", "name": "Ada Lovelace", "hidden": False}],
            "publishedAt": "2026-08-20T00:00:00.000Z",
            "submittedOnDailyAt": "2026-08-21T00:00:00.000Z",
            "title": title or f"A study of\n  {arxiv_id}",
            "summary": "We study it.",
            "upvotes": upvotes,
            "discussionId": f"d{arxiv_id}",
        },
        "publishedAt": "2026-08-19T20:00:00.000Z",
        "title": title or f"A study of {arxiv_id}",
        "numComments": comments,
        "isAuthorParticipating": False,
    }
    if submitter is not None:
        item["submittedBy"] = {
            "_id": f"id-{submitter}",
            "avatarUrl": "/avatars/x.svg",
            "fullname": submitter.title(),
            "name": submitter,
            "type": "user",
            "isPro": False,
            "followerCount": 7,
        }
    return item


def ids(count: int, first: int = 10000) -> list[str]:
    return [f"2608.{n:05d}" for n in range(first, first + count)]


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(
        json.dumps(body), status=status, mimetype="application/json", headers=headers
    )


def serve_pages(httpserver, pages: list[list[dict[str, Any]]]) -> None:
    """Answer each ``p`` with its page, and an empty list past the last."""

    def handler(request: Request) -> Response:
        number = int(request.args["p"])
        return json_response(pages[number] if number < len(pages) else [])

    httpserver.expect_request(PATH, method="GET").respond_with_handler(handler)


def make_source(httpserver, token: str | None = None, **kwargs: Any):
    options: dict[str, Any] = {
        "api_url": httpserver.url_for("/api"),
        "timeout": 2.0,
        "retries": 2,
        "backoff": 0,
    }
    options.update(kwargs)
    return HuggingFaceSource(*split_options(HuggingFaceOptions, **options), token=token)


def search(source: HuggingFaceSource, start=START, end=END):
    return source.search_posts(start, end)


def assert_names_the_service(exc: HuggingFaceError) -> None:
    assert exc.service == "Hugging Face API"
    assert str(exc).startswith("Hugging Face API: ")


# --- the requests -------------------------------------------------------------


def test_the_request_asks_for_the_days_list_by_page_and_sends_no_token(httpserver):
    serve_pages(httpserver, [[entry("2608.19880")]])

    search(make_source(httpserver))

    first, second = requests_seen(httpserver)
    assert first.path == PATH
    assert dict(first.args) == {"date": "2026-08-21", "p": "0", "limit": "50"}
    assert dict(second.args) == {"date": "2026-08-21", "p": "1", "limit": "50"}
    assert "Authorization" not in first.headers
    assert first.headers["User-Agent"].startswith("pelican-hotpapers/")


def test_a_token_is_sent_as_a_bearer_token_when_its_variable_is_set(httpserver):
    serve_pages(httpserver, [])
    source = HuggingFaceSource.from_options(
        HuggingFaceOptions(api_url=httpserver.url_for("/api")),
        HttpOptions(retries=0),
        {"HF_TOKEN": f"  {TOKEN}\n"},
    )

    search(source)

    (request,) = requests_seen(httpserver)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.url
    assert TOKEN not in repr(source)
    assert repr(source).endswith("token='***')")


@pytest.mark.parametrize("environ", [{}, {"HF_TOKEN": ""}, {"HF_TOKEN": "   "}])
def test_no_token_is_sent_when_its_variable_is_unset_or_blank(httpserver, environ):
    serve_pages(httpserver, [])
    source = HuggingFaceSource.from_options(
        HuggingFaceOptions(api_url=httpserver.url_for("/api")), HttpOptions(), environ
    )

    search(source)

    assert "Authorization" not in requests_seen(httpserver)[0].headers
    assert source.auth is None
    assert repr(source).endswith("token=None)")


def test_the_token_variable_is_a_setting(httpserver):
    options = HuggingFaceOptions(token_env="MY_HF")
    source = HuggingFaceSource.from_options(
        options, HttpOptions(), {"HF_TOKEN": "other", "MY_HF": TOKEN}
    )
    assert source.auth is not None and source.auth._token == TOKEN
    assert "$MY_HF" in HuggingFaceSource.missing_credentials(options)


def test_the_date_is_the_sites_date_not_utcs(httpserver):
    """The day of a site in Los Angeles starts at 07:00 UTC; its list is still
    the list of its own date."""
    serve_pages(httpserver, [])
    la = ZoneInfo("America/Los_Angeles")
    start = dt.datetime(2026, 8, 21, tzinfo=la)

    search(make_source(httpserver), start, start + dt.timedelta(days=1))

    assert requests_seen(httpserver)[0].args["date"] == "2026-08-21"


# --- the recorded lists ---------------------------------------------------------


def serve_file(httpserver, path: Path) -> None:
    """The recorded body as page 0, then an empty page (the end of the list)."""
    data = path.read_bytes()

    def handler(request: Request) -> Response:
        if request.args["p"] == "0":
            return Response(data, mimetype="application/json")
        return json_response([])

    httpserver.expect_request(PATH).respond_with_handler(handler)


def test_the_2024_list_as_received_parses(httpserver):
    """The raw bytes of 2024-04-04: mediaUrl, no submitter, wrapped paper titles."""
    serve_file(httpserver, RAW_2024)

    result = search(make_source(httpserver))

    assert (result.reads, result.pages, result.capped) == (8, 2, False)
    posts = {post.id: post for post in result.posts}
    assert list(posts) == [
        "2404.02258",
        "2404.02905",
        "2404.02575",
        "2404.02883",
        "2404.02733",
        "2404.02893",
        "2404.02747",
        "2404.02514",
    ]
    post = posts["2404.02575"]
    assert post.source == "huggingface"
    assert post.arxiv_ids == ("2404.02575",)
    assert post.url == "https://huggingface.co/papers/2404.02575"
    assert post.counts == Counts(likes=28, replies=1)
    # No submitter on the lists of 2024: the post has no author.
    assert (post.author_name, post.author_handle, post.author_id) == ("", "", "")
    assert post.author_followers is None
    # The list's time, as no submittedOnDailyAt was given yet.
    assert post.created_at == dt.datetime(2024, 4, 4, 4, 30, 28, 331000, tzinfo=dt.UTC)
    for each in posts.values():
        assert "\n" not in each.text and "  " not in each.text
    assert (
        sum(p.counts.likes for p in posts.values())
        == 33 + 31 + 28 + 13 + 12 + 10 + 9 + 8
    )


def test_the_2026_list_parses_with_its_submitters(httpserver):
    serve_file(httpserver, LIST_2026)

    result = search(make_source(httpserver))

    assert result.reads == 17 and len(result.posts) == 17
    first = result.posts[0]
    assert first.id == "2608.19880"
    assert first.counts == Counts(likes=163, replies=1)
    assert first.author_handle == "taesiri"
    assert first.author_id and first.author_name
    assert first.links == (
        Link(
            "https://huggingface.co/papers/2608.19880",
            "https://huggingface.co/papers/2608.19880",
            "huggingface.co/papers/2608.19880",
        ),
    )
    # The time it came on the list, not arXiv's announcement (the item's
    # publishedAt, 2026-08-19T20:00) nor the paper's.
    assert first.created_at == dt.datetime(2026, 8, 21, tzinfo=dt.UTC)
    recorded = json.loads(LIST_2026.read_text(encoding="utf-8"))
    assert [p.id for p in result.posts] == [item["paper"]["id"] for item in recorded]
    assert [p.counts.likes for p in result.posts] == [
        item["paper"]["upvotes"] for item in recorded
    ]
    assert [p.counts.replies for p in result.posts] == [
        item["numComments"] for item in recorded
    ]
    assert [p.text for p in result.posts] == [item["title"] for item in recorded]
    handles = [p.author_handle for p in result.posts]
    assert handles == [item["submittedBy"]["name"] for item in recorded]


def test_without_the_items_title_the_papers_is_unwrapped():
    item = entry("2608.10000")
    del item["title"]
    assert item["paper"]["title"] == "A study of\n  2608.10000"
    assert parse_item(item).text == "A study of 2608.10000"


def test_a_refusal_without_a_token_is_no_token_refused(httpserver):
    httpserver.expect_request(PATH).respond_with_json({"error": "Unauthorized"}, 401)

    with pytest.raises(HuggingFaceError) as caught:
        search(make_source(httpserver))

    assert str(caught.value) == (
        "Hugging Face API: the list failed with HTTP 401 (Unauthorized)"
    )


def test_a_submitter_only_given_on_the_paper_is_the_author():
    item = entry("2608.10000", submitter=None)
    item["paper"]["submittedOnDailyBy"] = {
        "_id": "u9",
        "fullname": "Bo Zhang",
        "name": "bozhang",
        "type": "user",
    }

    post = parse_item(item)

    assert (post.author_name, post.author_handle, post.author_id) == (
        "Bo Zhang",
        "bozhang",
        "u9",
    )
    assert post.author_followers is None


# --- what is a post -------------------------------------------------------------


@pytest.mark.parametrize(
    "paper_id",
    [
        "",
        "not-a-paper",
        "2608.1988",  # too short for 2026
        "2613.19880",  # no 13th month
        "2608.19880abc",
        "2608.19880/extra",
        "10.1145/3580305",  # a DOI
        "https://arxiv.org/abs/2608.19880",
    ],
)
def test_an_entry_that_is_not_an_arxiv_paper_is_skipped_with_a_debug_line(
    paper_id, hotpapers_log
):
    assert parse_item(entry(paper_id)) is None
    (line,) = [r for r in hotpapers_log.records if "not an arXiv paper" in r.message]
    assert line.levelno == logging.DEBUG
    assert line.getMessage().startswith("hotpapers: Hugging Face: ")


def test_an_entry_without_an_arxiv_id_is_read_but_not_a_post(httpserver):
    odd = entry("2608.10000")
    del odd["paper"]["id"]
    serve_pages(httpserver, [[entry("2608.19880"), odd, entry("x-1")]])

    result = search(make_source(httpserver))

    assert [p.id for p in result.posts] == ["2608.19880"]
    assert result.reads == 3


def test_a_version_is_not_the_paper_and_an_old_style_id_is_one():
    assert parse_item(entry("2608.19880v2")).id == "2608.19880"
    old = parse_item(entry("hep-th/9901001"))
    assert old.arxiv_ids == ("hep-th/9901001",)
    assert old.url == "https://huggingface.co/papers/hep-th/9901001"


@pytest.mark.parametrize(
    "bad",
    [None, "text", [], {}, {"paper": "2608.19880"}, {"paper": None}],
)
def test_malformed_items_are_not_posts(bad):
    assert parse_item(bad) is None


def test_odd_counts_and_times_are_tolerated():
    before = dt.datetime.now(dt.UTC)
    item = entry("2608.10000", upvotes="12", comments=-1)
    item["paper"]["submittedOnDailyAt"] = "soon"
    item["publishedAt"] = 3
    item["paper"]["publishedAt"] = "2026-08-20T00:00:00.000Z"
    item["submittedBy"]["followerCount"] = True

    post = parse_item(item)

    assert post.counts == Counts()
    assert post.created_at == dt.datetime(2026, 8, 20, tzinfo=dt.UTC)
    assert post.author_followers is None
    del item["paper"]["publishedAt"]
    assert parse_item(item).created_at >= before
    assert parse_item(entry("2608.10001", upvotes=True)).counts.likes == 0


# --- paging -------------------------------------------------------------------


def test_pages_are_read_to_the_empty_page(httpserver):
    """Even a short page is not taken for the last: only an empty one is."""
    full, short = ids(PAGE_LIMIT), ids(3, 20000)
    serve_pages(httpserver, [[entry(i) for i in full], [entry(i) for i in short]])

    result = search(make_source(httpserver))

    assert [r.args["p"] for r in requests_seen(httpserver)] == ["0", "1", "2"]
    assert [p.id for p in result.posts] == full + short
    assert (result.reads, result.pages, result.capped) == (53, 3, False)


def test_a_quiet_day_is_an_empty_list_not_an_error(httpserver):
    serve_pages(httpserver, [])

    result = search(make_source(httpserver))

    assert (result.posts, result.reads, result.pages) == ((), 0, 1)


def test_max_pages_caps_the_requests(httpserver):
    serve_pages(httpserver, [[entry(i)] for i in ids(5)])

    result = search(make_source(httpserver, max_pages=2))

    assert len(httpserver.log) == 2
    assert result.capped and len(result.posts) == 2


def test_a_paper_listed_twice_is_one_post_with_its_latest_counts(httpserver):
    """A paper that moved down a page between two requests (the list grew)."""
    serve_pages(
        httpserver,
        [
            [entry("2608.19881"), entry("2608.19880", upvotes=10)],
            [entry("2608.19880", upvotes=12)],
        ],
    )

    posts = search(make_source(httpserver)).posts

    assert [(p.id, p.counts.likes) for p in posts] == [
        ("2608.19881", 40),
        ("2608.19880", 12),
    ]


def test_a_list_that_ignores_the_page_number_is_a_loop(httpserver):
    page = [entry(i) for i in ids(2)]
    httpserver.expect_request(PATH).respond_with_json(page)

    with pytest.raises(HuggingFaceError) as caught:
        search(make_source(httpserver, max_pages=10))

    assert "pagination looped: page 1 repeats page 0" in str(caught.value)
    assert len(httpserver.log) == 2


# --- faults -----------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_reported(httpserver, status):
    httpserver.expect_request(PATH).respond_with_data("upstream", status=status)

    with pytest.raises(HuggingFaceError) as caught:
        search(make_source(httpserver, retries=2))

    assert f"HTTP {status}" in str(caught.value)
    assert_names_the_service(caught.value)
    assert len(httpserver.log) == 3


def test_a_bad_date_is_refused_in_the_services_words(httpserver):
    httpserver.expect_request(PATH).respond_with_json(
        {"error": "Invalid date\n format"}, status=400
    )

    with pytest.raises(HuggingFaceError) as caught:
        search(make_source(httpserver))

    assert str(caught.value) == (
        "Hugging Face API: the list failed with HTTP 400 (Invalid date format)"
    )
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("body", ["Not Found", '{"message": "Not Found"}', "[]"])
def test_a_refusal_without_its_words_is_reported_by_its_status(httpserver, body):
    httpserver.expect_request(PATH).respond_with_data(body, status=404)

    with pytest.raises(HuggingFaceError) as caught:
        search(make_source(httpserver))

    assert str(caught.value) == "Hugging Face API: the list failed with HTTP 404"


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_names_its_variable_not_its_value(httpserver, status):
    httpserver.expect_request(PATH).respond_with_json(
        {"error": "Invalid credentials in Authorization header"}, status=status
    )

    with pytest.raises(HuggingFaceError) as caught:
        search(make_source(httpserver, token=TOKEN))

    message = str(caught.value)
    assert f"the token in $HF_TOKEN was refused (HTTP {status})" in message
    assert TOKEN not in message


def test_a_429_with_retry_after_is_waited_for_then_read(httpserver):
    answers = [
        Response("{}", status=429, headers={"Retry-After": "0"}),
        json_response([entry("2608.19880")]),
        json_response([]),
    ]
    httpserver.expect_request(PATH).respond_with_handler(lambda _: answers.pop(0))

    result = search(make_source(httpserver))

    assert [p.id for p in result.posts] == ["2608.19880"]


def test_a_429_past_the_wait_is_a_rate_limit_for_the_run(httpserver):
    httpserver.expect_request(PATH).respond_with_response(
        Response("{}", status=429, headers={"Retry-After": "3600"})
    )

    started = time.monotonic()
    with pytest.raises(HuggingFaceRateLimitError) as caught:
        search(make_source(httpserver, rate_limit_max_wait=5))

    assert caught.value.rate_limited
    assert "HTTP 429" in str(caught.value)
    assert len(httpserver.log) == 1
    assert time.monotonic() - started < 1


HTML = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.mark.parametrize(
    ("body", "mimetype", "expected"),
    [
        (HTML, "text/html", "not valid JSON"),
        (json.dumps([entry("2608.19880")])[:60], "application/json", "not valid JSON"),
        ("", "application/json", "not valid JSON"),
        (json.dumps({"error": "oops"}), "application/json", "not a list of papers"),
        (json.dumps("papers"), "application/json", "not a list of papers"),
    ],
    ids=["html", "truncated", "empty", "object", "string"],
)
def test_bodies_that_are_not_lists_fail(httpserver, body, mimetype, expected):
    httpserver.expect_request(PATH).respond_with_data(body, mimetype=mimetype)

    with pytest.raises(HuggingFaceError) as caught:
        search(make_source(httpserver))

    assert expected in str(caught.value)
    assert_names_the_service(caught.value)


def test_a_bad_second_page_fails_the_whole_list(httpserver):
    def handler(request: Request) -> Response:
        if request.args["p"] == "1":
            return Response('[{"paper": {"id": "26', mimetype="application/json")
        return json_response([entry("2608.19880")])

    httpserver.expect_request(PATH).respond_with_handler(handler)

    with pytest.raises(HuggingFaceError, match="not valid JSON"):
        search(make_source(httpserver))


def test_connection_refused():
    port = closed_port()
    source = HuggingFaceSource(
        *split_options(
            HuggingFaceOptions,
            api_url=f"http://127.0.0.1:{port}/api",
            timeout=1,
            retries=1,
            backoff=0,
        ),
        token=TOKEN,
    )

    with pytest.raises(HuggingFaceError) as caught:
        search(source)

    assert "refused" in str(caught.value)
    assert str(port) not in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_the_token_reaches_no_log_line(httpserver, hotpapers_log):
    answers = [Response("busy", status=503), json_response([])]
    httpserver.expect_request(PATH).respond_with_handler(lambda _: answers.pop(0))
    hotpapers_log.set_level(logging.DEBUG)

    search(make_source(httpserver, token=TOKEN))

    assert hotpapers_log.records  # the retry was logged...
    for record in hotpapers_log.records:  # ...without the token
        assert TOKEN not in record.getMessage()


# --- the class ----------------------------------------------------------------


def test_the_source_is_registered_with_its_words_for_its_counts():
    assert SOURCE_CLASSES["huggingface"] is HuggingFaceSource
    assert HuggingFaceSource.label == "Hugging Face"
    assert HuggingFaceSource.count_words == (
        ("likes", "upvotes"),
        ("replies", "comments"),
    )
    source = HuggingFaceSource(HuggingFaceOptions(), HttpOptions())
    assert source.unavailable(START, END) is None
    assert "no credentials" in HuggingFaceSource.missing_credentials(
        HuggingFaceOptions()
    )
    assert repr(source) == (
        "HuggingFaceSource(base_url='https://huggingface.co/api', max_pages=5, "
        "token=None)"
    )
