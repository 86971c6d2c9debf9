"""The Hacker News source: the requests it makes, the pages it reads, its errors.

Every request goes to a loopback pytest-httpserver answering as Algolia's
``search_by_date`` does (https://hn.algolia.com/api); the socket guard in
pyproject.toml fails any test that reaches further.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import time
from typing import Any

import pytest
import requests
from werkzeug import Request, Response

from pelican_hotpapers import __version__
from pelican_hotpapers.models import Counts, Link
from pelican_hotpapers.sources.hackernews import (
    HackerNewsError,
    HackerNewsOptions,
    HackerNewsSource,
    parse_hit,
)
from pelican_hotpapers.sources.session import HttpOptions

from .remote import closed_port, requests_seen, split_options

PATH = "/api/v1/search_by_date"
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
# 2026-03-01T00:00:00Z and 2026-03-02T00:00:00Z as Unix times.
START_I, END_I = 1772323200, 1772409600
EXPECTED_PARAMS = {
    "query": "arxiv.org",
    "restrictSearchableAttributes": "url,story_text",
    "tags": "story",
    "numericFilters": f"created_at_i>={START_I},created_at_i<{END_I}",
    "hitsPerPage": "100",
    "page": "0",
}


# --- builders ---------------------------------------------------------------


def hit(
    object_id: str,
    url: str | None = "https://arxiv.org/abs/2101.02831",
    *,
    title: str = "Attention is all you need, again",
    author: str = "pg",
    points: Any = 150,
    num_comments: Any = 12,
    created_at_i: Any = 1772359200,  # 2026-03-01T10:00:00Z
    **extra: Any,
) -> dict[str, Any]:
    """A story hit as search_by_date returns it."""
    body: dict[str, Any] = {
        "_highlightResult": {
            "url": {"matchLevel": "full", "matchedWords": ["arxiv", "org"]}
        },
        "_tags": ["story", f"author_{author}", f"story_{object_id}"],
        "author": author,
        "children": [43210999],
        "created_at": "2026-03-01T10:00:00Z",
        "created_at_i": created_at_i,
        "num_comments": num_comments,
        "objectID": object_id,
        "points": points,
        "story_id": int(object_id) if object_id.isdigit() else 0,
        "story_text": None,
        "title": title,
        "updated_at": "2026-03-01T12:00:00Z",
        "url": url,
    }
    body.update(extra)
    return body


def plain_hit(object_id: str) -> dict[str, Any]:
    """A story whose link only mentions arxiv.org: read, but not a paper."""
    return hit(object_id, f"https://example.org/arxiv.org-mirror/{object_id}")


def algolia_page(
    hits: list[dict[str, Any]], page: int = 0, nb_pages: int = 1
) -> dict[str, Any]:
    return {
        "exhaustive": {"nbHits": True, "typo": True},
        "exhaustiveNbHits": True,
        "exhaustiveTypo": True,
        "hits": hits,
        "hitsPerPage": 100,
        "nbHits": max(len(hits), 100 * (nb_pages - 1) + len(hits)),
        "nbPages": nb_pages,
        "page": page,
        "params": "query=arxiv.org&tags=story&hitsPerPage=100",
        "processingTimeMS": 3,
        "query": "arxiv.org",
        "serverTimeMS": 5,
    }


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def serve_pages(httpserver, pages: list[dict[str, Any]]) -> None:
    """Answer each request with the page its ``page`` parameter asks for."""

    def handler(request: Request) -> Response:
        return json_response(pages[int(request.args["page"])])

    httpserver.expect_request(PATH, method="GET").respond_with_handler(handler)


def make_source(httpserver, **kwargs: Any) -> HackerNewsSource:
    options: dict[str, Any] = {
        "api_url": httpserver.url_for("/api/v1"),
        "timeout": 2.0,
        "retries": 2,
        "backoff": 0,
    }
    options.update(kwargs)
    return HackerNewsSource(*split_options(HackerNewsOptions, **options))


def search(source: HackerNewsSource, start=START, end=END):
    return source.search_posts(start, end)


def assert_names_the_service(exc: HackerNewsError) -> None:
    assert exc.service == "Hacker News (Algolia) API"
    assert str(exc).startswith("Hacker News (Algolia) API: ")


# --- the requests -----------------------------------------------------------


def test_request_has_exact_path_parameters_and_no_credentials(httpserver, monkeypatch):
    # Tokens of other services in the environment must not travel to Algolia.
    monkeypatch.setenv("X_BEARER_TOKEN", "x-S3CR3T")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "bsky-S3CR3T")
    serve_pages(httpserver, [algolia_page([hit("43210987")])])

    result = search(make_source(httpserver))

    assert len(result.posts) == 1
    (request,) = requests_seen(httpserver)
    assert request.method == "GET"
    assert request.path == PATH
    assert request.args.to_dict(flat=False) == {
        key: [value] for key, value in EXPECTED_PARAMS.items()
    }
    assert "Authorization" not in request.headers
    assert "Cookie" not in request.headers
    assert "S3CR3T" not in str(request.headers)
    assert request.headers["User-Agent"].startswith(f"pelican-hotpapers/{__version__} ")
    assert request.get_data() == b""


def test_the_window_is_sent_as_utc_unix_times(httpserver):
    serve_pages(httpserver, [algolia_page([])])
    paris = dt.timezone(dt.timedelta(hours=1))

    search(
        make_source(httpserver),
        dt.datetime(2026, 3, 1, 1, 0, tzinfo=paris),
        dt.datetime(2026, 3, 1, 13, 0, 30, tzinfo=paris),
    )

    (request,) = requests_seen(httpserver)
    assert request.args["numericFilters"] == (
        f"created_at_i>={START_I},created_at_i<{START_I + 12 * 3600 + 30}"
    )


def test_query_and_base_url_are_configurable(httpserver):
    serve_pages(httpserver, [algolia_page([])])

    source = make_source(
        httpserver, api_url=httpserver.url_for("/api/v1/"), query="arxiv.org/abs"
    )
    search(source)

    (request,) = requests_seen(httpserver)
    assert request.path == PATH
    assert request.args["query"] == "arxiv.org/abs"


def test_a_quiet_day_is_an_empty_answer_not_an_error(httpserver):
    serve_pages(httpserver, [algolia_page([], nb_pages=0)])

    result = search(make_source(httpserver))

    assert result.posts == ()
    assert (result.reads, result.pages, result.capped) == (0, 1, False)


# --- pages and stories -------------------------------------------------------


def test_pages_are_followed_up_to_nb_pages(httpserver):
    serve_pages(
        httpserver,
        [
            algolia_page([hit("1001"), plain_hit("1002")], 0, 3),
            algolia_page([hit("1003", "https://arxiv.org/pdf/2101.03164v2")], 1, 3),
            algolia_page(
                [hit("1004", "https://export.arxiv.org/abs/hep-th/9901001")], 2, 3
            ),
        ],
    )

    result = search(make_source(httpserver))

    seen = requests_seen(httpserver)
    assert [request.args["page"] for request in seen] == ["0", "1", "2"]
    for request in seen:
        rest = {k: v for k, v in request.args.items() if k != "page"}
        assert rest == {k: v for k, v in EXPECTED_PARAMS.items() if k != "page"}
    assert (result.reads, result.pages, result.capped) == (4, 3, False)
    assert [post.id for post in result.posts] == ["1001", "1003", "1004"]
    assert [post.arxiv_ids for post in result.posts] == [
        ("2101.02831",),
        ("2101.03164",),
        ("hep-th/9901001",),
    ]


def test_max_pages_caps_the_requests(httpserver):
    serve_pages(
        httpserver,
        [algolia_page([plain_hit(str(2000 + n))], n, 10) for n in range(10)],
    )

    result = search(make_source(httpserver, max_pages=3))

    assert [r.args["page"] for r in requests_seen(httpserver)] == ["0", "1", "2"]
    assert (result.pages, result.reads, result.capped) == (3, 3, True)


def test_not_capped_when_the_last_allowed_page_is_the_last_page(httpserver):
    serve_pages(
        httpserver,
        [algolia_page([plain_hit("3000")], 0, 2), algolia_page([hit("3001")], 1, 2)],
    )

    result = search(make_source(httpserver, max_pages=2))

    assert (result.pages, result.reads, result.capped) == (2, 2, False)
    assert len(httpserver.log) == 2


def test_an_empty_page_ends_the_search(httpserver):
    serve_pages(
        httpserver,
        [
            algolia_page([hit("4000")], 0, 5),
            algolia_page([], 1, 5),
            algolia_page([hit("4002")], 2, 5),
        ],
    )

    result = search(make_source(httpserver))

    assert len(httpserver.log) == 2
    assert [post.id for post in result.posts] == ["4000"]
    assert (result.pages, result.capped) == (2, False)


def test_a_story_seen_on_two_pages_is_counted_once(httpserver):
    serve_pages(
        httpserver,
        [
            algolia_page([hit("5000", points=10)], 0, 2),
            algolia_page([hit("5000", points=11), hit("5001")], 1, 2),
        ],
    )

    result = search(make_source(httpserver))

    assert [post.id for post in result.posts] == ["5000", "5001"]
    assert result.reads == 3
    assert result.posts[0].counts.likes == 11  # the later reading


def test_a_story_becomes_a_post():
    post = parse_hit(
        hit(
            "43210987",
            "https://www.arxiv.org/abs/2101.02831v3",
            title="Show HN: our paper",
            author="dang",
            points=321,
            num_comments=45,
        )
    )

    assert post is not None
    assert post.source == "hackernews"
    assert post.id == "43210987"
    assert post.url == "https://news.ycombinator.com/item?id=43210987"
    assert (post.author_handle, post.author_name) == ("dang", "dang")
    assert post.text == "Show HN: our paper"
    assert post.counts == Counts(reposts=0, likes=321, quotes=0, replies=45)
    assert post.score == 321
    assert post.arxiv_ids == ("2101.02831",)
    assert post.links == (
        Link(
            "https://www.arxiv.org/abs/2101.02831v3",
            "https://www.arxiv.org/abs/2101.02831v3",
            "arxiv.org/abs/2101.02831v3",
        ),
    )
    assert post.created_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    assert post.lang == ""


def test_stories_without_an_arxiv_url_are_skipped_but_read(httpserver):
    ask = hit("6001", None, title="Ask HN: is arxiv.org down?")
    ask["story_text"] = (
        'See <a href="https:&#x2F;&#x2F;arxiv.org&#x2F;list&#x2F;cs.LG">'
        "https:&#x2F;&#x2F;arxiv.org&#x2F;list&#x2F;cs.LG</a> <p>it times out"
    )
    missing = hit("6002")
    del missing["url"]
    serve_pages(
        httpserver,
        [
            algolia_page(
                [
                    ask,
                    missing,
                    hit("6003", ""),
                    hit("6004", "https://example.org/abs/2101.02831"),
                    hit("6005", "https://arxiv.org/list/cs.LG/recent"),
                    hit("6006", "https://github.com/arxiv/arxiv.org"),
                    hit("6007", "https://alphaxiv.org/abs/2101.03164"),
                ]
            )
        ],
    )

    result = search(make_source(httpserver))

    assert [post.id for post in result.posts] == ["6007"]
    assert result.posts[0].arxiv_ids == ("2101.03164",)
    assert result.reads == 7


# --- Ask HN and Show HN: links in the story's text ------------------------------


def escaped(text: str) -> str:
    """Text as Algolia's story_text holds it: HN's HTML, with "/" as &#x2F;."""
    return text.replace("/", "&#x2F;")


def anchor(url: str, text: str | None = None) -> str:
    """An address as HN's HTML links it."""
    return f'<a href="{escaped(url)}" rel="nofollow">{escaped(text or url)}</a>'


def text_story(object_id: str, story_text: Any, url: str | None = None, **kw: Any):
    return hit(object_id, url, story_text=story_text, **kw)


def algolia(hits: list[dict[str, Any]]):
    """search_by_date over ``hits``, as Algolia matches a query.

    The query is looked for only in the attributes that
    ``restrictSearchableAttributes`` names (HN's index makes ``url`` and
    ``story_text`` separately searchable; see algolia/hn-search, Item).
    """

    def handler(request: Request) -> Response:
        query = request.args["query"].lower()
        attributes = request.args["restrictSearchableAttributes"].split(",")
        found = [
            story
            for story in hits
            if any(
                query in html.unescape(story.get(name) or "").lower()
                for name in attributes
            )
        ]
        return json_response(algolia_page(found))

    return handler


def test_a_story_that_links_a_paper_only_in_its_text_is_found(httpserver):
    ask = text_story(
        "7301",
        f"We tried this: {anchor('https://arxiv.org/abs/2101.03164')}<p>Thoughts?",
        title="Ask HN: does this hold up?",
    )
    show = text_story(
        "7302",
        f"Code for our paper {anchor('https://arxiv.org/pdf/2309.16609')}",
        url="https://github.com/ada/sparse",
        title="Show HN: Sparse attention in 200 lines",
    )
    chatter = text_story("7303", "Is arxiv.org down for anyone else?")
    httpserver.expect_request(PATH).respond_with_handler(
        algolia(
            [
                ask,
                show,
                hit("7304"),
                chatter,
                plain_hit("7305"),
                hit("7306", "https://example.org/blog", title="Notes on arxiv.org"),
            ]
        )
    )

    result = search(make_source(httpserver))

    assert [post.id for post in result.posts] == ["7301", "7302", "7304"]
    assert [post.arxiv_ids for post in result.posts] == [
        ("2101.03164",),
        ("2309.16609",),
        ("2101.02831",),
    ]
    assert result.reads == 5  # the title is not searched


def test_an_ask_hn_story_counts_for_the_paper_its_text_links():
    story_text = (
        "I wrote about "
        + anchor("https://arxiv.org/abs/2101.03164")
        + " and why it matters.<p>Happy to answer questions."
    )
    assert "&#x2F;&#x2F;arxiv.org&#x2F;abs&#x2F;2101.03164" in story_text

    post = parse_hit(
        text_story("7310", story_text, title="Ask HN: is this paper right?")
    )

    assert post is not None
    assert post.arxiv_ids == ("2101.03164",)
    assert post.text == "Ask HN: is this paper right?"
    assert post.url == "https://news.ycombinator.com/item?id=7310"
    assert post.links == (
        Link(
            "https://arxiv.org/abs/2101.03164",
            "https://arxiv.org/abs/2101.03164",
            "arxiv.org/abs/2101.03164",
        ),
    )


def test_a_show_hn_story_keeps_its_url_and_counts_its_texts_paper():
    post = parse_hit(
        text_story(
            "7320",
            "Paper: " + anchor("https://www.arxiv.org/abs/2101.02831v2", "our paper"),
            url="https://github.com/ada/sparse",
            title="Show HN: Sparse attention",
        )
    )

    assert post is not None
    assert post.arxiv_ids == ("2101.02831",)
    assert post.text == "Show HN: Sparse attention"
    assert post.links == (
        Link(
            "https://github.com/ada/sparse",
            "https://github.com/ada/sparse",
            "github.com/ada/sparse",
        ),
        Link(
            "https://www.arxiv.org/abs/2101.02831v2",
            "https://www.arxiv.org/abs/2101.02831v2",
            "arxiv.org/abs/2101.02831v2",
        ),
    )


def test_the_url_and_the_text_count_together_and_once():
    url = "https://arxiv.org/abs/2101.02831"
    post = parse_hit(
        text_story(
            "7330",
            f"Follow-up to {anchor(url)}, see also {anchor('https://arxiv.org/abs/hep-th/9901001')}",
            url=url,
        )
    )

    assert post is not None
    assert post.arxiv_ids == ("2101.02831", "hep-th/9901001")
    assert [link.expanded_url for link in post.links] == [
        url,
        "https://arxiv.org/abs/hep-th/9901001",
    ]


def test_addresses_written_as_plain_text_count():
    story_text = escaped(
        "Two papers:<p>https://arxiv.org/abs/2101.03164v2."
        "<p>(arxiv.org/pdf/2309.16609) and hep-th/9901001, which is not a link"
    )

    post = parse_hit(text_story("7340", story_text))

    assert post is not None
    assert post.arxiv_ids == ("2101.03164", "2309.16609")
    assert post.links == (
        Link(
            "https://arxiv.org/abs/2101.03164v2",
            "https://arxiv.org/abs/2101.03164v2",
            "arxiv.org/abs/2101.03164v2",
        ),
        Link(
            "arxiv.org/pdf/2309.16609",
            "https://arxiv.org/pdf/2309.16609",
            "arxiv.org/pdf/2309.16609",
        ),
    )


def test_a_malformed_url_beside_a_paper_in_the_text_is_kept_as_given():
    post = parse_hit(
        text_story("7347", anchor("https://arxiv.org/abs/2101.03164"), "http://[oops")
    )

    assert post is not None
    assert post.arxiv_ids == ("2101.03164",)
    assert post.links[0] == Link("http://[oops", "http://[oops", "http://[oops")


def test_an_address_both_linked_and_written_is_one_link():
    full = "https://arxiv.org/abs/2101.03164"
    post = parse_hit(text_story("7345", anchor(full, "arxiv.org/abs/2101.03164")))

    assert post is not None
    assert post.links == (Link(full, full, "arxiv.org/abs/2101.03164"),)


def test_only_what_the_html_links_to_counts_not_what_its_markup_says():
    story_text = (
        # HN shortens a long address in the text of its anchor.
        anchor("https://example.org/notes", "https://arxiv.org/abs/2101.0...")
        + '<a href="javascript:alert(1)">click</a>'
        + '<img src="https://arxiv.org/abs/2101.02831" alt="">'
        + '<a title="https://arxiv.org/abs/2309.16609">hover</a>'
    )

    post = parse_hit(text_story("7350", story_text))

    assert post is None


@pytest.mark.parametrize(
    "story_text",
    [None, "", 42, ["https://arxiv.org/abs/2101.02831"], {"a": 1}, "no links at all"],
)
def test_a_story_without_a_paper_in_url_or_text_is_not_a_post(story_text):
    assert parse_hit(text_story("7360", story_text)) is None


def test_web_links_in_the_text_of_a_story_with_a_paper_url_are_kept():
    post = parse_hit(
        text_story(
            "7370",
            f"Slides: {anchor('https://example.org/slides')}"
            '<a href="javascript:alert(1)">x</a> <a href="mailto:a@b.org">mail</a>'
            '<a href=" https://arxiv.org/abs/2101.02831 ">again</a>',
            url="https://arxiv.org/abs/2101.02831",
        )
    )

    assert post is not None
    assert post.arxiv_ids == ("2101.02831",)
    assert [link.expanded_url for link in post.links] == [
        "https://arxiv.org/abs/2101.02831",
        "https://example.org/slides",
    ]


def test_odd_values_are_tolerated():
    before = dt.datetime.now(dt.UTC)

    odd = hit(
        "7000",
        points=None,
        num_comments=-2,
        created_at_i="1772359200",
        author=None,
        title=17,
    )
    post = parse_hit(odd)

    assert post is not None
    assert post.counts == Counts()
    assert (post.author_name, post.author_handle, post.text) == ("", "", "")
    # A bad created_at_i falls back to the ISO created_at, then to now.
    assert post.created_at == dt.datetime.fromisoformat(
        odd["created_at"].replace("Z", "+00:00")
    )
    timeless = parse_hit(hit("7002", created_at_i=None, created_at="soon"))
    assert timeless.created_at >= before
    assert parse_hit(hit("7001", points=True)).counts.likes == 0


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "text",
        [],
        {"url": "https://arxiv.org/abs/2101.02831"},
        hit("7100", 42),
        hit("7101", ["https://arxiv.org/abs/2101.02831"]),
        dict(hit("7102"), objectID=7102),
        dict(hit("7103"), objectID="story-7103"),
        dict(hit("7104"), objectID=""),
        hit("7105", "http://[::1/abs/2101.02831"),
        hit("7106", "https://arxiv.org]/abs/2101.02831", story_text="<a href=x>"),
    ],
)
def test_malformed_hits_are_not_posts(bad):
    assert parse_hit(bad) is None


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_reported(httpserver, status):
    httpserver.expect_request(PATH).respond_with_data("upstream trouble", status=status)

    with pytest.raises(HackerNewsError) as caught:
        search(make_source(httpserver, retries=2))

    assert f"HTTP {status}" in str(caught.value)
    assert_names_the_service(caught.value)
    assert len(httpserver.log) == 3


@pytest.mark.parametrize("status", [400, 403, 404])
def test_refusals_are_reported_without_retry(httpserver, status):
    httpserver.expect_request(PATH).respond_with_json(
        {"message": "Invalid value for numericFilters", "status": status},
        status=status,
    )

    with pytest.raises(HackerNewsError) as caught:
        search(make_source(httpserver, retries=2))

    assert f"HTTP {status}" in str(caught.value)
    assert_names_the_service(caught.value)
    assert len(httpserver.log) == 1


def test_a_server_error_then_success_is_a_success(httpserver):
    answers = [
        Response("Service Unavailable", status=503),
        json_response(algolia_page([hit("8000")])),
    ]
    httpserver.expect_request(PATH).respond_with_handler(lambda _: answers.pop(0))

    result = search(make_source(httpserver, retries=2))

    assert [post.id for post in result.posts] == ["8000"]
    assert len(httpserver.log) == 2


HTML = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"
GOOD = algolia_page([hit("9000")])


@pytest.mark.parametrize(
    ("body", "mimetype", "expected"),
    [
        (HTML, "text/html", "not valid JSON"),
        (json.dumps(GOOD)[:120], "application/json", "not valid JSON"),
        ("", "application/json", "not valid JSON"),
        (json.dumps([GOOD]), "application/json", "not a JSON object"),
        (json.dumps("hits"), "application/json", "not a JSON object"),
        (json.dumps({"message": "oops"}), "application/json", "no search results"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "hits"}),
            "application/json",
            "no search results",
        ),
        (json.dumps(dict(GOOD, hits={})), "application/json", "no search results"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "nbPages"}),
            "application/json",
            "no search results",
        ),
        (json.dumps(dict(GOOD, nbPages="1")), "application/json", "no search results"),
    ],
    ids=[
        "html",
        "truncated",
        "empty",
        "list",
        "string",
        "error-object",
        "no-hits",
        "hits-object",
        "no-nbPages",
        "nbPages-string",
    ],
)
def test_bodies_that_are_not_search_pages_fail(httpserver, body, mimetype, expected):
    httpserver.expect_request(PATH).respond_with_data(body, mimetype=mimetype)

    with pytest.raises(HackerNewsError) as caught:
        search(make_source(httpserver))

    assert expected in str(caught.value)
    assert_names_the_service(caught.value)


def test_a_bad_second_page_fails_the_whole_search(httpserver):
    # A partial answer must not be mistaken for a quiet day.
    def handler(request: Request) -> Response:
        if request.args["page"] == "1":
            return Response('{"hits": [{"objectID": "9', mimetype="application/json")
        return json_response(algolia_page([hit("9100")], 0, 2))

    httpserver.expect_request(PATH).respond_with_handler(handler)

    with pytest.raises(HackerNewsError) as caught:
        search(make_source(httpserver))

    assert "not valid JSON" in str(caught.value)
    assert len(httpserver.log) == 2


def test_connection_refused():
    port = closed_port()
    source = HackerNewsSource(
        *split_options(
            HackerNewsOptions,
            api_url=f"http://127.0.0.1:{port}/api/v1",
            timeout=1,
            retries=1,
            backoff=0,
        )
    )

    started = time.monotonic()
    with pytest.raises(HackerNewsError) as caught:
        search(source)

    assert "refused" in str(caught.value)
    assert str(port) not in str(caught.value)
    assert_names_the_service(caught.value)
    assert time.monotonic() - started < 1.5


def test_every_request_has_the_timeout(httpserver, monkeypatch):
    timeouts: list[Any] = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    serve_pages(
        httpserver, [algolia_page([hit("1")], 0, 2), algolia_page([hit("2")], 1, 2)]
    )

    search(make_source(httpserver, timeout=7.5))

    assert timeouts == [7.5, 7.5]


# --- settings -----------------------------------------------------------------


def test_from_options_needs_no_credentials():
    options = HackerNewsOptions(api_url="http://127.0.0.1:9/api/v1/", max_pages=4)
    http = HttpOptions(timeout=5.0, retries=1, backoff=0.0)

    source = HackerNewsSource.from_options(options, http, environ={})

    assert source is not None
    assert source.base_url == "http://127.0.0.1:9/api/v1"
    assert source.options == options
    assert source.session.timeout == 5.0
    assert repr(source) == (
        "HackerNewsSource(base_url='http://127.0.0.1:9/api/v1', max_pages=4)"
    )
    assert "no credentials" in HackerNewsSource.missing_credentials(options)
    assert source.unavailable(START, END) is None
