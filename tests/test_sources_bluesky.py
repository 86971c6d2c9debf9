"""The Bluesky source: login, search pages, session refresh, errors, secrets.

Every request goes to a loopback pytest-httpserver playing the account's PDS
(``FakePDS``), built from the atproto documentation: createSession,
refreshSession and app.bsky.feed.searchPosts. The one real recorded postView
(MarshalX/atproto test data, see tests/data/fixtures) checks that the parser
accepts what Bluesky really sends.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug import Request, Response

from pelican_hotpapers import __version__
from pelican_hotpapers.models import Counts, Link
from pelican_hotpapers.sources.bluesky import (
    BlueskyError,
    BlueskyOptions,
    BlueskySource,
    parse_post,
)
from pelican_hotpapers.sources.session import HttpOptions

from .remote import closed_port, requests_seen, split_options

FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures"
RECORDED = "marshalx_thread_view_post_with_embed_media.json"

HANDLE = "ada.bsky.social"
PASSWORD = "abcd-S3CR3T-efgh-ijkl"
MARKER = "S3CR3T"  # in the password and in every token the fake PDS issues
ACCOUNT_DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
AUTHOR_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
EXPECTED_PARAMS = {
    "q": "*",
    "domain": "arxiv.org",
    "since": "2026-03-01T00:00:00.000Z",
    "until": "2026-03-02T00:00:00.000Z",
    "sort": "latest",
    "limit": "100",
}
AUTHOR = {
    "did": AUTHOR_DID,
    "handle": "grace.bsky.social",
    "displayName": "Grace Hopper",
    "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:z72i7hdynmk6r22z27h6tvur/x@jpeg",
    "labels": [],
    "createdAt": "2023-04-26T19:05:34.249Z",
}
LINK = "app.bsky.richtext.facet#link"


def access_token(n: int) -> str:
    return f"eyJhbGciOiJFUzI1NksifQ.access-{n}-{MARKER}.c2ln"


def refresh_token(n: int) -> str:
    return f"eyJhbGciOiJFUzI1NksifQ.refresh-{n}-{MARKER}.c2ln"


# --- builders ---------------------------------------------------------------


def link_facet(text: str, shown: str, uri: str) -> dict[str, Any]:
    """A link facet over ``shown`` in ``text``, addressed by UTF-8 byte offsets."""
    start = len(text[: text.index(shown)].encode("utf-8"))
    end = start + len(shown.encode("utf-8"))
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": start, "byteEnd": end},
        "features": [{"$type": LINK, "uri": uri}],
    }


def external(uri: str, *, view: bool = False) -> dict[str, Any]:
    """An external link card: as a record embed, or as its view."""
    card: dict[str, Any] = {
        "uri": uri,
        "title": "A paper",
        "description": "Its abstract.",
    }
    if view:
        card["thumb"] = "https://cdn.bsky.app/img/feed_thumbnail/plain/x@jpeg"
    kind = "app.bsky.embed.external#view" if view else "app.bsky.embed.external"
    return {"$type": kind, "external": card}


def post_view(
    rkey: str,
    text: str = "A new paper",
    *,
    facets: list[dict[str, Any]] | None = None,
    record_embed: dict[str, Any] | None = None,
    view_embed: dict[str, Any] | None = None,
    author: dict[str, Any] | None = None,
    counts: tuple[int, int, int, int] = (2, 3, 5, 7),
    created_at: str = "2026-03-01T10:00:00.000Z",
    **extra: Any,
) -> dict[str, Any]:
    """A postView as searchPosts returns it; counts are (reply, repost, like, quote)."""
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": created_at,
        "langs": ["en"],
    }
    if facets is not None:
        record["facets"] = facets
    if record_embed is not None:
        record["embed"] = record_embed
    replies, reposts, likes, quotes = counts
    view: dict[str, Any] = {
        "uri": f"at://{AUTHOR_DID}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyreib{rkey}",
        "author": AUTHOR if author is None else author,
        "record": record,
        "replyCount": replies,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": quotes,
        "indexedAt": "2026-03-01T10:00:01.000Z",
        "labels": [],
    }
    if view_embed is not None:
        view["embed"] = view_embed
    view.update(extra)
    return view


def arxiv_post(rkey: str, arxiv_id: str = "2101.02831", **kwargs: Any):
    """A post as the Bluesky app writes one: a shortened link and a link card."""
    uri = f"https://arxiv.org/abs/{arxiv_id}"
    shown = f"arxiv.org/abs/{arxiv_id}"
    text = f"Worth a read: {shown}"
    return post_view(
        rkey,
        text,
        facets=[link_facet(text, shown, uri)],
        record_embed=external(uri),
        view_embed=external(uri, view=True),
        **kwargs,
    )


def plain_post(rkey: str) -> dict[str, Any]:
    """A post without links: read, but not a paper."""
    return post_view(rkey, f"Just thinking, {rkey}")


def search_page(posts: list[dict[str, Any]], cursor: str | None = None):
    body: dict[str, Any] = {"posts": posts, "hitsTotal": 1000}
    if cursor is not None:
        body["cursor"] = cursor
    return body


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, mimetype="application/json"
    )


def xrpc_error(status: int, error: str, message: str, **headers: str) -> Response:
    return json_response({"error": error, "message": message}, status, **headers)


class FakePDS:
    """An account's PDS, as the atproto docs describe it.

    createSession checks the app password; refreshSession checks the refresh
    token and rotates both tokens; searchPosts checks the access token and
    answers from ``pages`` by cursor. ``expire_at`` holds the numbers (from
    1) of the search requests at which the current access token expires;
    ``queue`` holds answers given before the pages, ``always`` one given to
    every search.
    """

    def __init__(self, httpserver, pages: dict[str | None, dict] | None = None):
        self.pages = pages if pages is not None else {None: search_page([])}
        self.index: list[dict[str, Any]] | None = None
        self.issued = 0
        self.access: str | None = None
        self.refresh: str | None = None
        self.expired: set[str] = set()
        self.expire_at: set[int] = set()
        self.refuse_refresh = False
        self.searches = 0
        self.queue: list[Callable[[], Response]] = []
        self.always: Callable[[], Response] | None = None
        httpserver.expect_request(CREATE, method="POST").respond_with_handler(
            self.create_session
        )
        httpserver.expect_request(REFRESH, method="POST").respond_with_handler(
            self.refresh_session
        )
        httpserver.expect_request(SEARCH, method="GET").respond_with_handler(
            self.search
        )

    def tokens(self) -> list[str]:
        return [
            make(n)
            for n in range(1, self.issued + 1)
            for make in (access_token, refresh_token)
        ]

    def _issue(self) -> Response:
        self.issued += 1
        self.access = access_token(self.issued)
        self.refresh = refresh_token(self.issued)
        return json_response(
            {
                "accessJwt": self.access,
                "refreshJwt": self.refresh,
                "handle": HANDLE,
                "did": ACCOUNT_DID,
                "active": True,
            }
        )

    def create_session(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data())
        except ValueError:
            body = None
        if body != {"identifier": HANDLE, "password": PASSWORD}:
            return xrpc_error(
                401, "AuthenticationRequired", "Invalid identifier or password"
            )
        return self._issue()

    def refresh_session(self, request: Request) -> Response:
        if self.refuse_refresh or (
            request.headers.get("Authorization") != f"Bearer {self.refresh}"
        ):
            return xrpc_error(400, "ExpiredToken", "Token has been revoked")
        return self._issue()

    def search(self, request: Request) -> Response:
        self.searches += 1
        if self.searches in self.expire_at and self.access is not None:
            self.expired.add(self.access)
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        if token in self.expired:
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        if token != self.access:
            return xrpc_error(401, "AuthenticationRequired", "Bad token")
        if self.queue:
            return self.queue.pop(0)()
        if self.always is not None:
            return self.always()
        if self.index is not None:
            return json_response(search_page(palomar(self.index, request.args)))
        return json_response(self.pages[request.args.get("cursor")])


def _hosts(view: dict[str, Any]) -> set[str]:
    record = view["record"]
    uris = [
        feature["uri"]
        for facet in record.get("facets", ())
        for feature in facet["features"]
        if feature["$type"] == LINK
    ]
    for embed in (record.get("embed"), view.get("embed")):
        if embed and "external" in embed:
            uris.append(embed["external"]["uri"])
    return {urlsplit(uri).hostname.removeprefix("www.") for uri in uris}


def palomar(index: list[dict[str, Any]], args: Any) -> list[dict[str, Any]]:
    """searchPosts as Bluesky's search service (palomar) answers it.

    From indigo's search/parse_query.go and query.go: ``domain:`` and the
    other operators are taken out of ``q`` as filters, and what is left (or
    ``*`` if nothing is) is matched against the post's text only, ``*``
    matching every post. The ``domain`` parameter, which wins over the
    operator, is matched against the hosts of the post's link facets and link
    card, never against its text.
    """
    words, domain = [], args.get("domain", "")
    for token in args["q"].split():
        if token.startswith("domain:"):
            domain = domain or token.removeprefix("domain:")
        else:
            words.append(token.lower())
    found = []
    for view in index:
        text = view["record"]["text"].lower()
        if words != ["*"] and not all(word in text for word in words):
            continue
        if domain and domain.lower() not in _hosts(view):
            continue
        found.append(view)
    return found


def make_source(httpserver, **kwargs: Any) -> BlueskySource:
    options: dict[str, Any] = {
        "pds_url": httpserver.url_for("/"),
        "timeout": 2.0,
        "retries": 2,
        "backoff": 0,
    }
    options.update(kwargs)
    return BlueskySource(HANDLE, PASSWORD, *split_options(BlueskyOptions, **options))


def paths_seen(httpserver) -> list[str]:
    return [request.path for request in requests_seen(httpserver)]


def searches_seen(httpserver) -> list[Request]:
    return [r for r in requests_seen(httpserver) if r.path == SEARCH]


def search(source: BlueskySource, start: dt.datetime = START, end: dt.datetime = END):
    return source.search_posts(start, end)


def assert_clean_error(exc: BlueskyError) -> None:
    """A BlueskyError names the service and never holds a secret."""
    assert exc.service == "Bluesky API"
    assert str(exc).startswith("Bluesky API: ")
    for text in (str(exc), repr(exc), exc.message):
        assert PASSWORD not in text
        assert MARKER not in text


def recorded_post() -> dict[str, Any]:
    body = json.loads((FIXTURES / RECORDED).read_text(encoding="utf-8"))
    return copy.deepcopy(body["thread"]["post"])


# --- the requests -----------------------------------------------------------


def test_login_then_search_with_the_exact_requests(httpserver):
    FakePDS(httpserver, {None: search_page([arxiv_post("3lb2xyz")])})

    result = search(make_source(httpserver))

    assert len(result.posts) == 1
    login, query = requests_seen(httpserver)
    assert (login.method, login.path) == ("POST", CREATE)
    assert login.mimetype == "application/json"
    assert json.loads(login.get_data()) == {"identifier": HANDLE, "password": PASSWORD}
    assert "Authorization" not in login.headers
    assert login.query_string == b""

    assert (query.method, query.path) == ("GET", SEARCH)
    assert query.args.to_dict(flat=False) == {
        key: [value] for key, value in EXPECTED_PARAMS.items()
    }
    assert query.headers["Authorization"] == f"Bearer {access_token(1)}"
    for request in (login, query):
        assert MARKER not in request.url
        assert MARKER not in request.query_string.decode()
        others = [v for k, v in request.headers.items() if k != "Authorization"]
        assert not [value for value in others if MARKER in value]
        assert request.headers["User-Agent"].startswith(
            f"pelican-hotpapers/{__version__} "
        )
    assert query.get_data() == b""


def test_pds_url_with_a_trailing_slash_and_a_configurable_query(httpserver):
    FakePDS(httpserver)
    source = make_source(
        httpserver, pds_url=httpserver.url_for("/") + "/", query="arxiv.org cs.LG"
    )

    search(source)

    assert paths_seen(httpserver) == [CREATE, SEARCH]
    (query,) = searches_seen(httpserver)
    assert query.args["q"] == "arxiv.org cs.LG"
    assert query.args["domain"] == "arxiv.org"


def link_card_only(rkey: str, arxiv_id: str) -> dict[str, Any]:
    """A post whose only arXiv link is its link card: the text never says arxiv."""
    uri = f"https://arxiv.org/abs/{arxiv_id}"
    return post_view(
        rkey,
        "A lovely result on sparse attention",
        record_embed=external(uri),
        view_embed=external(uri, view=True),
    )


def link_text_only(rkey: str, arxiv_id: str) -> dict[str, Any]:
    """A post written as "Read [this paper](url) tonight" in the app."""
    text = "Read this paper tonight"
    uri = f"https://arxiv.org/pdf/{arxiv_id}"
    return post_view(rkey, text, facets=[link_facet(text, "this paper", uri)])


def palomar_index() -> list[dict[str, Any]]:
    text = "arxiv.org is slow today, see the status page"
    elsewhere = post_view(
        "3else",
        text,
        facets=[link_facet(text, "status page", "https://status.example.org/")],
    )
    return [
        link_card_only("3card", "2101.03164"),
        link_text_only("3ltxt", "2309.16609"),
        arxiv_post("3text", "2101.02831"),
        elsewhere,
        plain_post("3none"),
    ]


def test_the_default_query_finds_link_cards_and_link_text(httpserver):
    # Palomar matches q against the text only; links are in separate fields
    # that the domain filter reads. So the default q matches every post and
    # domain=arxiv.org chooses: posts whose arXiv link is only a card or
    # hides behind link text are found too.
    pds = FakePDS(httpserver)
    pds.index = palomar_index()

    result = search(make_source(httpserver))

    (query,) = searches_seen(httpserver)
    assert (query.args["q"], query.args["domain"]) == ("*", "arxiv.org")
    assert sorted(post.id.rsplit("/", 1)[1] for post in result.posts) == [
        "3card",
        "3ltxt",
        "3text",
    ]
    assert sorted(post.arxiv_ids[0] for post in result.posts) == [
        "2101.02831",
        "2101.03164",
        "2309.16609",
    ]


def test_the_old_text_query_still_works_but_finds_fewer(httpserver):
    pds = FakePDS(httpserver)
    pds.index = palomar_index()

    result = search(make_source(httpserver, query="arxiv.org"))

    assert [post.id.rsplit("/", 1)[1] for post in result.posts] == ["3text"]


def test_the_default_query_comes_from_the_settings(tmp_path):
    from pelican_hotpapers.settings import HotpapersSettings

    options = HotpapersSettings.from_pelican({}, tmp_path).fetch
    source = BlueskySource.from_options(
        options.source_options("bluesky"),
        options.http,
        environ={"BLUESKY_HANDLE": HANDLE, "BLUESKY_APP_PASSWORD": PASSWORD},
    )

    assert source is not None
    assert source.options.query == options.source_options("bluesky").query == "*"
    assert BlueskyOptions().query == "*"


def test_times_are_sent_in_utc(httpserver):
    FakePDS(httpserver)
    paris = dt.timezone(dt.timedelta(hours=1))

    search(
        make_source(httpserver),
        dt.datetime(2026, 3, 1, 1, 0, tzinfo=paris),
        dt.datetime(2026, 3, 1, 13, 30, 15, tzinfo=paris),
    )

    (query,) = searches_seen(httpserver)
    assert query.args["since"] == "2026-03-01T00:00:00.000Z"
    assert query.args["until"] == "2026-03-01T12:30:15.000Z"


def test_the_session_is_kept_for_a_second_search(httpserver):
    pds = FakePDS(httpserver, {None: search_page([arxiv_post("3lb2xyz")])})
    source = make_source(httpserver)

    search(source)
    search(source)

    assert paths_seen(httpserver) == [CREATE, SEARCH, SEARCH]
    assert pds.issued == 1


def test_a_quiet_day_is_an_empty_answer_not_an_error(httpserver):
    FakePDS(httpserver, {None: {"posts": []}})

    result = search(make_source(httpserver))

    assert result.posts == ()
    assert (result.reads, result.pages, result.capped) == (0, 1, False)


# --- pages ------------------------------------------------------------------


def test_pages_are_followed_by_cursor(httpserver):
    FakePDS(
        httpserver,
        {
            None: search_page(
                [arxiv_post("3aaa", "2101.02831"), plain_post("3aab")], "c-2"
            ),
            "c-2": search_page(
                [arxiv_post("3aac", "2101.03164"), plain_post("3aad")], "c-3"
            ),
            "c-3": search_page([arxiv_post("3aae", "hep-th/9901001")]),
        },
    )

    result = search(make_source(httpserver))

    first, second, third = searches_seen(httpserver)
    assert "cursor" not in first.args
    assert second.args["cursor"] == "c-2"
    assert third.args["cursor"] == "c-3"
    for request in (first, second, third):
        rest = {k: v for k, v in request.args.items() if k != "cursor"}
        assert rest == EXPECTED_PARAMS
    assert (result.reads, result.pages, result.capped) == (5, 3, False)
    assert [post.arxiv_ids for post in result.posts] == [
        ("2101.02831",),
        ("2101.03164",),
        ("hep-th/9901001",),
    ]


def test_a_post_seen_on_two_pages_is_counted_once(httpserver):
    FakePDS(
        httpserver,
        {
            None: search_page([arxiv_post("3aaa")], "c-2"),
            "c-2": search_page([arxiv_post("3aaa"), arxiv_post("3aab")]),
        },
    )

    result = search(make_source(httpserver))

    assert [post.id.rsplit("/", 1)[1] for post in result.posts] == ["3aaa", "3aab"]
    assert (result.reads, result.pages) == (3, 2)


def test_max_pages_caps_the_requests(httpserver):
    pages = {None: search_page([plain_post("3p0")], "c1")}
    for n in range(1, 8):
        pages[f"c{n}"] = search_page([plain_post(f"3p{n}")], f"c{n + 1}")
    FakePDS(httpserver, pages)

    result = search(make_source(httpserver, max_pages=3))

    assert len(searches_seen(httpserver)) == 3
    assert (result.pages, result.reads, result.capped) == (3, 3, True)


def test_not_capped_when_the_last_allowed_page_is_the_last_page(httpserver):
    FakePDS(
        httpserver,
        {
            None: search_page([plain_post("3p0")], "c1"),
            "c1": search_page([plain_post("3p1")]),
        },
    )

    result = search(make_source(httpserver, max_pages=2))

    assert (result.pages, result.reads, result.capped) == (2, 2, False)


def test_an_empty_page_with_a_cursor_does_not_end_the_search(httpserver):
    # The AppView drops hidden posts from a page but keeps its cursor.
    FakePDS(
        httpserver,
        {
            None: search_page([arxiv_post("3aaa")], "c1"),
            "c1": search_page([], "c2"),
            "c2": search_page([arxiv_post("3aab", "2101.03164")]),
        },
    )

    result = search(make_source(httpserver))

    assert [r.args.get("cursor") for r in searches_seen(httpserver)] == [
        None,
        "c1",
        "c2",
    ]
    assert (result.pages, result.reads, result.capped) == (3, 2, False)
    assert [post.arxiv_ids for post in result.posts] == [
        ("2101.02831",),
        ("2101.03164",),
    ]


def test_empty_pages_with_cursors_stop_at_the_page_cap(httpserver):
    pages = {None: search_page([], "c1")}
    for n in range(1, 8):
        pages[f"c{n}"] = search_page([], f"c{n + 1}")
    FakePDS(httpserver, pages)

    result = search(make_source(httpserver, max_pages=3))

    assert len(searches_seen(httpserver)) == 3
    assert (result.pages, result.reads, result.capped) == (3, 0, True)


def test_an_empty_page_without_a_cursor_ends_the_search(httpserver):
    FakePDS(
        httpserver,
        {None: search_page([arxiv_post("3aaa")], "c1"), "c1": search_page([])},
    )

    result = search(make_source(httpserver, max_pages=5))

    assert len(searches_seen(httpserver)) == 2
    assert (result.pages, result.reads, result.capped) == (2, 1, False)


def test_empty_pages_whose_cursor_loops_back_fail(httpserver):
    FakePDS(
        httpserver,
        {
            None: search_page([], "A"),
            "A": search_page([], "B"),
            "B": search_page([], "A"),
        },
    )

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver, max_pages=50))

    assert "looped" in str(caught.value)
    assert len(searches_seen(httpserver)) == 3


@pytest.mark.parametrize(
    "cursors",
    [["A", "A"], ["A", "B", "A"]],
    ids=["same-cursor-twice", "back-to-first"],
)
def test_a_cursor_that_loops_back_fails(httpserver, cursors):
    pages: dict[str | None, dict] = {}
    previous = None
    for n, cursor in enumerate(cursors):
        pages.setdefault(previous, search_page([plain_post(f"3p{n}")], cursor))
        previous = cursor
    FakePDS(httpserver, pages)

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver, max_pages=50))

    assert "looped" in str(caught.value)
    assert_clean_error(caught.value)
    assert len(searches_seen(httpserver)) == len(cursors)


# --- posts ------------------------------------------------------------------


def test_a_post_becomes_a_post_with_counts_url_and_author():
    post = parse_post(arxiv_post("3lb2abcxyz22", counts=(4, 11, 31, 2)))

    assert post is not None
    assert post.source == "bluesky"
    assert post.id == f"at://{AUTHOR_DID}/app.bsky.feed.post/3lb2abcxyz22"
    assert post.url == "https://bsky.app/profile/grace.bsky.social/post/3lb2abcxyz22"
    assert (post.author_handle, post.author_name) == (
        "grace.bsky.social",
        "Grace Hopper",
    )
    assert post.counts == Counts(reposts=11, likes=31, quotes=2, replies=4)
    assert post.score == 42
    assert post.arxiv_ids == ("2101.02831",)
    assert post.links == (
        Link(
            "arxiv.org/abs/2101.02831",
            "https://arxiv.org/abs/2101.02831",
            "arxiv.org/abs/2101.02831",
        ),
    )
    assert post.text == "Worth a read: arxiv.org/abs/2101.02831"
    assert post.lang == "en"
    assert post.created_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


RKEY = "3lb2abcxyz22"
BY_DID = f"https://bsky.app/profile/{AUTHOR_DID}/post/{RKEY}"


@pytest.mark.parametrize(
    ("handle", "url"),
    [
        (
            "grace.bsky.social",
            f"https://bsky.app/profile/grace.bsky.social/post/{RKEY}",
        ),
        (
            "Grace.Example.COM",
            f"https://bsky.app/profile/Grace.Example.COM/post/{RKEY}",
        ),
        ("xn--ls8h.test", f"https://bsky.app/profile/xn--ls8h.test/post/{RKEY}"),
        (f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 61}", None),
        ("", BY_DID),
        ("handle.invalid", BY_DID),
        ("grace.local", BY_DID),
        ("Grace Hopper", BY_DID),
        ('<a href="x">g</a>.bsky.social', BY_DID),
        ("grace", BY_DID),
        ("grace..bsky.social", BY_DID),
        (".grace.bsky.social", BY_DID),
        ("grace.bsky.social.", BY_DID),
        ("-grace.bsky.social", BY_DID),
        ("grace-.bsky.social", BY_DID),
        ("grace.bsky.4social", BY_DID),
        ("1.2.3.4", BY_DID),
        ("gr_ace.bsky.social", BY_DID),
        ("grâce.bsky.social", BY_DID),
        ("grace.bsky.social\n", BY_DID),
        (f"{'a' * 64}.bsky.social", BY_DID),
        (f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 62}", BY_DID),  # 254 long
        ("grace.bsky.social/../../evil", BY_DID),
    ],
)
def test_the_permalink_names_a_valid_handle_or_else_the_did(handle, url):
    author = dict(AUTHOR, handle=handle)

    post = parse_post(arxiv_post(RKEY, author=author))

    assert post is not None
    assert post.url == (url or f"https://bsky.app/profile/{handle}/post/{RKEY}")
    assert post.author_handle == handle  # shown as given, as text


@pytest.mark.parametrize(
    ("did", "uri_did", "url"),
    [
        # The DID is percent-encoded: "%" in a did:web stays part of the DID.
        (
            "did:web:example.com%3A8080",
            AUTHOR_DID,
            f"https://bsky.app/profile/did:web:example.com%253A8080/post/{RKEY}",
        ),
        ("did:web:example.com", AUTHOR_DID, "did:web:example.com"),
        # An author DID that is not one: the post's at:// URI names the author.
        ("did:evil:<script>", AUTHOR_DID, AUTHOR_DID),
        (None, AUTHOR_DID, AUTHOR_DID),
        ("did:plc:ewvi7 nxzyoun6zhxrhs64oiz", AUTHOR_DID, AUTHOR_DID),
        ("did:plc:", AUTHOR_DID, AUTHOR_DID),
        ("did:plc:abc:", AUTHOR_DID, AUTHOR_DID),
        # A DID holds at most 2048 characters.
        ("did:web:" + "a" * 2041, AUTHOR_DID, AUTHOR_DID),
        ("did:web:" + "a" * 2040, AUTHOR_DID, "did:web:" + "a" * 2040),
        # Neither: no link at all rather than a broken one.
        ("did:evil:x", "did:evil:x", ""),
        ("", "grace bsky", ""),
    ],
)
def test_the_did_in_a_permalink_is_checked_and_encoded(did, uri_did, url):
    author = {k: v for k, v in AUTHOR.items() if k != "did"}
    author["handle"] = "handle.invalid"
    if did is not None:
        author["did"] = did
    view = arxiv_post(RKEY, author=author)
    view["uri"] = f"at://{uri_did}/app.bsky.feed.post/{RKEY}"

    post = parse_post(view)

    assert post is not None
    if url.startswith("did:"):
        url = f"https://bsky.app/profile/{url}/post/{RKEY}"
    assert post.url == url


@pytest.mark.parametrize(
    ("rkey", "url"),
    [
        (
            "3jzfcijpj2z2a",
            "https://bsky.app/profile/grace.bsky.social/post/3jzfcijpj2z2a",
        ),
        ("self:2~x", "https://bsky.app/profile/grace.bsky.social/post/self:2~x"),
        ("..", ""),
        (".", ""),
        ("3lb2 abc", ""),
        ("3lb2<b>", ""),
        ("3lb2%2F..", ""),
        ("3lb2/extra", ""),
        ("x" * 513, ""),
    ],
)
def test_the_record_key_in_a_permalink_is_checked(rkey, url):
    view = arxiv_post("3lb2abc")
    view["uri"] = f"at://{AUTHOR_DID}/app.bsky.feed.post/{rkey}"

    post = parse_post(view)

    assert post is not None
    assert post.url == url


@pytest.mark.parametrize(
    "uri",
    [
        f"at://{AUTHOR_DID}/app.bsky.feed.like/{RKEY}",
        f"at://{AUTHOR_DID}/{RKEY}",
        f"at://{AUTHOR_DID}/app.bsky.feed.post/",
        "at://",
    ],
)
def test_a_uri_that_is_not_a_post_gives_no_permalink(uri):
    view = arxiv_post(RKEY)
    view["uri"] = uri

    post = parse_post(view)

    assert post is not None
    assert post.url == ""


def test_link_text_is_sliced_by_utf8_bytes():
    # "Ç" is 2 bytes, "🎉" 4, "…" 3: the byte offsets run ahead of the
    # character offsets, so slicing by characters would cut the wrong text.
    text = "Ça marche 🎉 arxiv.org/abs/2101.0… et aussi é arxiv.org/pdf/2101.03164"
    first = link_facet(
        text, "arxiv.org/abs/2101.0…", "https://arxiv.org/abs/2101.02831v2"
    )
    second = link_facet(
        text, "arxiv.org/pdf/2101.03164", "https://arxiv.org/pdf/2101.03164v1"
    )
    # The builder is checked by hand: 2 + 9 + 4 + 1 bytes come before the link.
    assert first["index"] == {"byteStart": 16, "byteEnd": 39}
    assert text.index("arxiv.org/abs") == 12
    assert second["index"]["byteStart"] == len(text.encode()) - 24

    post = parse_post(post_view("3lb2utf8", text, facets=[first, second]))

    assert post is not None
    assert post.arxiv_ids == ("2101.02831", "2101.03164")
    assert post.links == (
        Link(
            "arxiv.org/abs/2101.0…",
            "https://arxiv.org/abs/2101.02831v2",
            "arxiv.org/abs/2101.0…",
        ),
        Link(
            "arxiv.org/pdf/2101.03164",
            "https://arxiv.org/pdf/2101.03164v1",
            "arxiv.org/pdf/2101.03164",
        ),
    )


def test_a_facet_that_cuts_a_character_does_not_fail():
    text = "🎉 arxiv.org/abs/2101.02831"
    facet = {
        "index": {"byteStart": 2, "byteEnd": 999},  # inside the emoji, past the end
        "features": [{"$type": LINK, "uri": "https://arxiv.org/abs/2101.02831"}],
    }

    post = parse_post(post_view("3lb2cut", text, facets=[facet]))

    assert post is not None
    assert post.arxiv_ids == ("2101.02831",)
    (link,) = post.links
    assert link.expanded_url == "https://arxiv.org/abs/2101.02831"
    assert link.url.endswith(" arxiv.org/abs/2101.02831")


def test_mention_and_tag_facets_are_not_links():
    text = "@arxiv.org #2101.02831 read it"
    facets = [
        {
            "index": {"byteStart": 0, "byteEnd": 10},
            "features": [
                {"$type": "app.bsky.richtext.facet#mention", "did": AUTHOR_DID}
            ],
        },
        {
            "index": {"byteStart": 11, "byteEnd": 22},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "2101.02831"}],
        },
    ]

    assert parse_post(post_view("3lb2tags", text, facets=facets)) is None


def test_a_link_card_alone_is_enough_and_adds_no_text_link():
    uri = "https://arxiv.org/pdf/2101.03164v2.pdf"

    post = parse_post(post_view("3lb2card", "Look", record_embed=external(uri)))

    assert post is not None
    assert post.arxiv_ids == ("2101.03164",)
    assert post.links == ()


def test_the_embed_view_alone_is_enough():
    uri = "https://arxiv.org/abs/2101.03164"

    post = parse_post(
        post_view("3lb2view", "Look", view_embed=external(uri, view=True))
    )

    assert post is not None
    assert post.arxiv_ids == ("2101.03164",)


def test_a_link_card_beside_a_quoted_post_counts():
    # recordWithMedia: a quote post whose media is a link card.
    quoted = {"uri": f"at://{AUTHOR_DID}/app.bsky.feed.post/3quoted", "cid": "bafyq"}
    record_embed = {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {"$type": "app.bsky.embed.record", "record": quoted},
        "media": external("https://arxiv.org/abs/2101.02831"),
    }
    view_embed = {
        "$type": "app.bsky.embed.recordWithMedia#view",
        "record": {"record": {"$type": "app.bsky.embed.record#viewRecord", **quoted}},
        "media": external("https://export.arxiv.org/abs/2101.03164", view=True),
    }

    record_only = parse_post(post_view("3lb2rwm", "Q", record_embed=record_embed))
    view_only = parse_post(post_view("3lb2rwm", "Q", view_embed=view_embed))
    both = parse_post(
        post_view("3lb2rwm", "Q", record_embed=record_embed, view_embed=view_embed)
    )

    assert record_only is not None
    assert record_only.arxiv_ids == ("2101.02831",)
    assert view_only is not None
    assert view_only.arxiv_ids == ("2101.03164",)
    assert both is not None
    assert both.arxiv_ids == ("2101.02831", "2101.03164")


def test_the_link_of_a_quoted_post_is_not_this_posts_link():
    # The quoted post links arXiv; the quoting post does not.
    view_embed = {
        "$type": "app.bsky.embed.record#view",
        "record": {
            "$type": "app.bsky.embed.record#viewRecord",
            "uri": f"at://{AUTHOR_DID}/app.bsky.feed.post/3quoted",
            "value": {"$type": "app.bsky.feed.post", "text": "paper"},
            "embeds": [external("https://arxiv.org/abs/2101.02831", view=True)],
        },
    }

    assert parse_post(post_view("3lb2quote", "So true", view_embed=view_embed)) is None


@pytest.mark.parametrize(
    "target",
    [
        "https://example.org/abs/2101.02831",
        "https://bsky.app/profile/arxiv.org/post/3lb2abc",
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/",
    ],
)
def test_links_that_are_not_papers(target):
    text = f"see {target}"
    view = post_view(
        "3lb2none",
        text,
        facets=[link_facet(text, target, target)],
        record_embed=external(target),
        view_embed=external(target, view=True),
    )

    assert parse_post(view) is None


def test_posts_without_arxiv_links_are_skipped_but_read(httpserver):
    text = "see example.org"
    FakePDS(
        httpserver,
        {
            None: search_page(
                [
                    plain_post("3aaa"),
                    post_view(
                        "3aab",
                        text,
                        facets=[link_facet(text, "example.org", "https://example.org")],
                    ),
                    arxiv_post("3aac"),
                ]
            )
        },
    )

    result = search(make_source(httpserver))

    assert [post.url.rsplit("/", 1)[1] for post in result.posts] == ["3aac"]
    assert result.reads == 3


def test_author_without_display_name_or_handle():
    no_name = {"did": AUTHOR_DID, "handle": "grace.bsky.social"}
    no_handle = {"did": AUTHOR_DID}

    named = parse_post(arxiv_post("3lb2n", author=no_name))
    anonymous = parse_post(arxiv_post("3lb2a", author=no_handle))

    assert named is not None
    assert named.author_name == "grace.bsky.social"
    assert anonymous is not None
    assert anonymous.url == f"https://bsky.app/profile/{AUTHOR_DID}/post/3lb2a"
    assert (anonymous.author_handle, anonymous.author_name) == ("", "")
    # The DID is the account, whatever its handle: ranking counts it once.
    assert named.author_id == anonymous.author_id == AUTHOR_DID


def test_odd_counts_and_fields_are_tolerated():
    view = arxiv_post("3lb2odd", created_at="not a time")
    view.update(
        {"replyCount": -1, "repostCount": True, "likeCount": "7", "quoteCount": 3}
    )
    view.pop("indexedAt")
    view["record"]["langs"] = [None]
    view["author"] = "nope"

    before = dt.datetime.now(dt.UTC)
    post = parse_post(view)

    assert post is not None
    assert post.counts == Counts(reposts=0, likes=0, quotes=3, replies=0)
    assert post.lang == ""
    assert post.author_handle == ""
    assert post.created_at >= before


def test_created_at_falls_back_to_indexed_at():
    view = arxiv_post("3lb2idx")
    del view["record"]["createdAt"]

    post = parse_post(view)

    assert post is not None
    assert post.created_at == dt.datetime(2026, 3, 1, 10, 0, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "text",
        [],
        {"uri": "https://bsky.app/profile/a/post/b", "record": {}},
        {"uri": f"at://{AUTHOR_DID}/app.bsky.feed.post/3x", "record": "text"},
        post_view("3bad1", "x", facets="nope"),
        post_view("3bad2", "x", facets=[None, 3, {"index": "x", "features": 5}]),
        post_view("3bad3", "x", facets=[{"features": [None, {"$type": LINK}]}]),
        post_view("3bad4", "x", record_embed={"external": "nope"}),
        post_view("3bad5", "x", view_embed={"media": {"external": {"uri": 3}}}),
    ],
)
def test_malformed_posts_are_not_posts(bad):
    assert parse_post(bad) is None


# --- session refresh ----------------------------------------------------------


def test_an_expired_token_is_refreshed_and_the_search_retried(httpserver):
    pds = FakePDS(httpserver, {None: search_page([arxiv_post("3aaa")])})
    pds.expire_at = {1}

    result = search(make_source(httpserver))

    assert len(result.posts) == 1
    assert paths_seen(httpserver) == [CREATE, SEARCH, REFRESH, SEARCH]
    _, expired, refresh, retried = requests_seen(httpserver)
    assert refresh.method == "POST"
    assert refresh.headers["Authorization"] == f"Bearer {refresh_token(1)}"
    assert expired.headers["Authorization"] == f"Bearer {access_token(1)}"
    assert retried.headers["Authorization"] == f"Bearer {access_token(2)}"
    assert retried.args.to_dict() == expired.args.to_dict() == EXPECTED_PARAMS
    assert pds.issued == 2


def test_a_token_that_expires_between_pages(httpserver):
    pds = FakePDS(
        httpserver,
        {
            None: search_page([arxiv_post("3aaa")], "c-2"),
            "c-2": search_page([arxiv_post("3aab")]),
        },
    )
    pds.expire_at = {2}

    result = search(make_source(httpserver))

    assert paths_seen(httpserver) == [CREATE, SEARCH, SEARCH, REFRESH, SEARCH]
    assert searches_seen(httpserver)[2].args["cursor"] == "c-2"
    assert (len(result.posts), result.reads, result.pages) == (2, 2, 2)


def test_a_refused_refresh_logs_in_again(httpserver):
    pds = FakePDS(httpserver, {None: search_page([arxiv_post("3aaa")])})
    pds.expire_at = {1}
    pds.refuse_refresh = True

    result = search(make_source(httpserver))

    assert len(result.posts) == 1
    assert paths_seen(httpserver) == [CREATE, SEARCH, REFRESH, CREATE, SEARCH]
    second_login = requests_seen(httpserver)[3]
    assert json.loads(second_login.get_data())["password"] == PASSWORD
    assert searches_seen(httpserver)[1].headers["Authorization"] == (
        f"Bearer {access_token(2)}"
    )


def test_a_token_still_expired_after_refresh_fails_after_one_retry(httpserver):
    pds = FakePDS(httpserver, {None: search_page([arxiv_post("3aaa")])})
    pds.expire_at = {1, 2, 3}

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver))

    assert paths_seen(httpserver) == [CREATE, SEARCH, REFRESH, SEARCH]
    assert "HTTP 400 (ExpiredToken)" in str(caught.value)
    assert_clean_error(caught.value)


@pytest.mark.parametrize("status", [400, 401])
def test_a_refused_login_names_the_variable_not_the_password(httpserver, status):
    httpserver.expect_request(CREATE, method="POST").respond_with_handler(
        lambda _: xrpc_error(
            status, "AuthenticationRequired", "Invalid identifier or password"
        )
    )

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver, password_env="MY_BSKY_PASSWORD"))

    assert "$MY_BSKY_PASSWORD" in str(caught.value)
    assert f"refused (HTTP {status})" in str(caught.value)
    assert_clean_error(caught.value)
    assert paths_seen(httpserver) == [CREATE]


def test_a_wrong_password_is_refused_by_the_fake_pds_too(httpserver):
    FakePDS(httpserver)
    source = BlueskySource(
        HANDLE,
        "wrong-pass-word-0000",
        *split_options(BlueskyOptions, pds_url=httpserver.url_for("/"), backoff=0),
    )

    with pytest.raises(BlueskyError) as caught:
        search(source)

    assert "$BLUESKY_APP_PASSWORD was refused (HTTP 401)" in str(caught.value)
    assert "wrong-pass-word-0000" not in str(caught.value)
    assert paths_seen(httpserver) == [CREATE]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"handle": HANDLE, "did": ACCOUNT_DID}),
        (200, ["accessJwt", "refreshJwt"]),
        (200, {"accessJwt": access_token(1), "refreshJwt": None}),
        (503, {"error": "InternalServerError", "message": "down"}),
    ],
    ids=["no-tokens", "list", "null-refresh", "503"],
)
def test_a_login_answer_without_a_session_fails(httpserver, status, body):
    httpserver.expect_request(CREATE, method="POST").respond_with_handler(
        lambda _: json_response(body, status)
    )

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver))

    assert f"creating a session failed (HTTP {status})" in str(caught.value)
    assert_clean_error(caught.value)
    assert SEARCH not in paths_seen(httpserver)


def test_a_login_answer_that_is_not_json_fails(httpserver):
    httpserver.expect_request(CREATE, method="POST").respond_with_data(
        "<html>Bad gateway</html>", mimetype="text/html"
    )

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver))

    assert "creating a session failed (HTTP 200)" in str(caught.value)
    assert SEARCH not in paths_seen(httpserver)


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_then_reported(httpserver, status):
    pds = FakePDS(httpserver)
    pds.always = lambda: xrpc_error(status, "InternalServerError", "Internal")

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver, retries=2))

    assert f"HTTP {status} (InternalServerError)" in str(caught.value)
    assert_clean_error(caught.value)
    assert paths_seen(httpserver) == [CREATE, SEARCH, SEARCH, SEARCH]


def test_a_server_error_then_success_is_a_success(httpserver):
    pds = FakePDS(httpserver, {None: search_page([arxiv_post("3aaa")])})
    pds.queue = [lambda: Response("Bad Gateway", status=502)]

    result = search(make_source(httpserver, retries=2))

    assert len(result.posts) == 1
    assert paths_seen(httpserver) == [CREATE, SEARCH, SEARCH]


def test_a_bad_request_is_reported_without_retry_or_refresh(httpserver):
    pds = FakePDS(httpserver)
    pds.always = lambda: xrpc_error(400, "InvalidRequest", "since must be a datetime")

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver, retries=2))

    assert "HTTP 400 (InvalidRequest)" in str(caught.value)
    assert_clean_error(caught.value)
    assert paths_seen(httpserver) == [CREATE, SEARCH]


HTML = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.mark.parametrize(
    ("body", "mimetype", "expected"),
    [
        (HTML, "text/html", "not valid JSON"),
        (
            json.dumps(search_page([arxiv_post("3aaa")], "c2"))[:80],
            "application/json",
            "not valid JSON",
        ),
        ("", "application/json", "not valid JSON"),
        (json.dumps([arxiv_post("3aaa")]), "application/json", "no search results"),
        (json.dumps({"cursor": "c2"}), "application/json", "no search results"),
        (json.dumps({"posts": {"uri": "x"}}), "application/json", "no search results"),
    ],
    ids=["html", "truncated", "empty", "list", "no-posts", "posts-object"],
)
def test_bodies_that_are_not_search_pages_fail(httpserver, body, mimetype, expected):
    pds = FakePDS(httpserver)
    pds.always = lambda: Response(body, mimetype=mimetype)

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver))

    assert expected in str(caught.value)
    assert_clean_error(caught.value)


def test_a_bad_second_page_fails_the_whole_search(httpserver):
    # A partial answer must not be mistaken for a quiet day.
    pds = FakePDS(httpserver)
    pds.queue = [
        lambda: json_response(search_page([arxiv_post("3aaa")], "c-2")),
        lambda: Response('{"posts": [{"uri": "at://', mimetype="application/json"),
    ]

    with pytest.raises(BlueskyError):
        search(make_source(httpserver))
    assert paths_seen(httpserver) == [CREATE, SEARCH, SEARCH]


def test_connection_refused():
    port = closed_port()
    source = BlueskySource(
        HANDLE,
        PASSWORD,
        *split_options(
            BlueskyOptions, pds_url=f"http://127.0.0.1:{port}", timeout=1, backoff=0
        ),
    )

    started = time.monotonic()
    with pytest.raises(BlueskyError) as caught:
        search(source)

    assert "refused" in str(caught.value)
    assert str(port) not in str(caught.value)
    assert_clean_error(caught.value)
    assert time.monotonic() - started < 1.5


def test_timeout(httpserver):
    released = threading.Event()
    pds = FakePDS(httpserver)

    def slow() -> Response:
        released.wait(1.2)
        return json_response(search_page([]))

    pds.always = slow

    started = time.monotonic()
    try:
        with pytest.raises(BlueskyError) as caught:
            search(make_source(httpserver, timeout=0.3, retries=0))
        elapsed = time.monotonic() - started
    finally:
        # Let the held-back handler finish, so it cannot log into the next test.
        released.set()
        deadline = time.monotonic() + 2
        while len(httpserver.log) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)

    assert elapsed < 0.9
    assert "timed out" in str(caught.value)
    assert_clean_error(caught.value)


# --- rate limits ------------------------------------------------------------


def rate_limited(reset: int | None = None) -> Response:
    headers = {"ratelimit-limit": "3000", "ratelimit-remaining": "0"}
    if reset is not None:
        headers["ratelimit-reset"] = str(reset)
        headers["ratelimit-policy"] = "3000;w=300"
    return xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", **headers)


def test_rate_limit_reset_soon_is_waited_for(httpserver):
    arrivals: list[float] = []
    reset = int(time.time()) + 1
    if reset - time.time() < 0.3:  # make the wait long enough to measure
        reset += 1
    pds = FakePDS(httpserver)

    def first_refused() -> Response:
        arrivals.append(time.time())
        return rate_limited(reset)

    def then_answered() -> Response:
        arrivals.append(time.time())
        return json_response(search_page([arxiv_post("3aaa")]))

    pds.queue = [first_refused, then_answered]

    result = search(make_source(httpserver, retries=2, rate_limit_max_wait=5))

    assert len(result.posts) == 1
    assert paths_seen(httpserver) == [CREATE, SEARCH, SEARCH]
    # The retry waited for the window to reopen (less a little clock slack).
    assert arrivals[1] >= reset - 0.05


def test_rate_limit_reset_beyond_the_allowed_wait_gives_up_at_once(httpserver):
    pds = FakePDS(httpserver)
    pds.always = lambda: rate_limited(int(time.time()) + 3600)

    started = time.monotonic()
    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver, retries=3, rate_limit_max_wait=5))

    assert time.monotonic() - started < 1.0
    assert paths_seen(httpserver) == [CREATE, SEARCH]
    assert "rate limit reached (HTTP 429)" in str(caught.value)
    assert_clean_error(caught.value)


def test_rate_limit_without_a_reset_time_is_retried_then_reported(httpserver):
    pds = FakePDS(httpserver)
    pds.always = rate_limited

    with pytest.raises(BlueskyError) as caught:
        search(make_source(httpserver, retries=2, rate_limit_max_wait=5))

    assert paths_seen(httpserver) == [CREATE, SEARCH, SEARCH, SEARCH]
    assert "HTTP 429" in str(caught.value)
    assert_clean_error(caught.value)


# --- the secrets stay secret --------------------------------------------------


def test_repr_never_shows_the_password_or_tokens(httpserver):
    pds = FakePDS(httpserver)
    source = make_source(httpserver)
    search(source)  # now it holds an access and a refresh token
    secrets = [PASSWORD, *pds.tokens()]
    assert len(secrets) == 3

    for text in (repr(source), str(source)):
        for secret in secrets:
            assert secret not in text
        assert MARKER not in text
    assert "password='***'" in repr(source)
    assert HANDLE in repr(source)


def test_secrets_never_reach_the_logs(httpserver, caplog):
    caplog.set_level(logging.DEBUG)
    pds = FakePDS(httpserver, {None: search_page([arxiv_post("3aaa")], "c-2")})
    pds.pages["c-2"] = search_page([arxiv_post("3aab")])
    pds.expire_at = {1, 3}
    pds.refuse_refresh = False
    source = make_source(httpserver)

    search(source)  # login, expiry, refresh, a second page, expiry again
    pds.refuse_refresh = True
    pds.expire_at = {pds.searches + 1}
    search(source)  # expiry, a refused refresh, a new login
    with pytest.raises(BlueskyError):
        search(
            BlueskySource(
                HANDLE,
                "wrong-S3CR3T",
                BlueskyOptions(pds_url=httpserver.url_for("/")),
                HttpOptions(),
            )
        )

    assert pds.issued == 4
    assert REFRESH in paths_seen(httpserver)
    assert caplog.records  # urllib3 logged its requests at DEBUG
    secrets = [PASSWORD, "wrong-S3CR3T", *pds.tokens()]
    for record in caplog.records:
        text = f"{record.getMessage()} {record.exc_text or ''}"
        for secret in secrets:
            assert secret not in text
        assert MARKER not in text
    assert MARKER not in caplog.text


def test_every_request_has_the_timeout(httpserver, monkeypatch):
    timeouts: list[Any] = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        timeouts.append(kwargs.get("timeout"))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    pds = FakePDS(httpserver, {None: search_page([plain_post("3a")], "c2")})
    pds.pages["c2"] = search_page([])
    pds.expire_at = {1}

    search(make_source(httpserver, timeout=7.5))

    assert paths_seen(httpserver) == [CREATE, SEARCH, REFRESH, SEARCH, SEARCH]
    assert timeouts == [7.5] * 5


OPTIONS = BlueskyOptions(
    handle_env="MY_BSKY_HANDLE",
    password_env="MY_BSKY_PASSWORD",
    pds_url="http://127.0.0.1:9/",
    query="arxiv.org lang:en",
    max_pages=4,
)
HTTP = HttpOptions(timeout=5.0, retries=1, backoff=0.0, rate_limit_max_wait=60.0)


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"MY_BSKY_HANDLE": HANDLE},
        {"MY_BSKY_PASSWORD": PASSWORD},
        {"MY_BSKY_HANDLE": HANDLE, "MY_BSKY_PASSWORD": "  \n"},
        {"MY_BSKY_HANDLE": " ", "MY_BSKY_PASSWORD": PASSWORD},
        {"BLUESKY_HANDLE": HANDLE, "BLUESKY_APP_PASSWORD": PASSWORD},
    ],
    ids=["none", "handle", "password", "blank-password", "blank-handle", "other-names"],
)
def test_from_options_needs_both_variables(environ):
    assert BlueskySource.from_options(OPTIONS, HTTP, environ=environ) is None


def test_from_options_with_both_variables():
    source = BlueskySource.from_options(
        OPTIONS,
        HTTP,
        environ={"MY_BSKY_HANDLE": f" {HANDLE}", "MY_BSKY_PASSWORD": PASSWORD},
    )

    assert source is not None
    assert source.handle == HANDLE
    assert source.pds_url == "http://127.0.0.1:9"
    assert source.options == OPTIONS
    assert source.session.timeout == 5.0
    assert PASSWORD not in repr(source)
    message = BlueskySource.missing_credentials(OPTIONS)
    assert "$MY_BSKY_HANDLE" in message
    assert "$MY_BSKY_PASSWORD" in message


# --- the real recorded postView ---------------------------------------------------


def test_recorded_fixture_is_what_the_tests_below_expect():
    view = recorded_post()

    assert view["record"]["embed"]["$type"] == "app.bsky.embed.recordWithMedia"
    assert view["embed"]["media"]["$type"] == "app.bsky.embed.images#view"
    assert (view["likeCount"], view["repostCount"], view["replyCount"]) == (0, 0, 0)
    assert "quoteCount" not in view


def test_recorded_post_without_an_arxiv_link_is_not_a_post():
    assert parse_post(recorded_post()) is None


def with_arxiv_card(view: dict[str, Any], uri: str) -> dict[str, Any]:
    """The recorded quote post with its images swapped for an arXiv link card."""
    view["record"]["embed"]["media"] = external(uri)
    view["embed"]["media"] = external(uri, view=True)
    view.update({"likeCount": 31, "repostCount": 11, "replyCount": 4})
    return view


def test_recorded_post_with_an_arxiv_card_becomes_a_post():
    view = with_arxiv_card(recorded_post(), "https://arxiv.org/abs/2309.16609v1")

    post = parse_post(view)

    assert post is not None
    assert post.id == (
        "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kaheyt6vpc22"
    )
    assert post.url == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"
    assert (post.author_handle, post.author_name) == ("test.marshal.dev", "Python SDK")
    assert post.counts == Counts(reposts=11, likes=31, quotes=0, replies=4)
    assert post.created_at == dt.datetime(
        2023, 9, 28, 12, 49, 36, 735000, tzinfo=dt.UTC
    )
    assert post.arxiv_ids == ("2309.16609",)
    assert (post.text, post.lang, post.links) == ("", "en", ())


def test_recorded_post_served_through_search_posts(httpserver):
    view = with_arxiv_card(recorded_post(), "https://arxiv.org/pdf/2309.16609")
    FakePDS(
        httpserver,
        {None: search_page([recorded_post(), view], "c2"), "c2": search_page([])},
    )

    result = search(make_source(httpserver))

    assert (result.reads, result.pages, result.capped) == (2, 2, False)
    (post,) = result.posts
    assert post.author_handle == "test.marshal.dev"
    assert post.arxiv_ids == ("2309.16609",)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("2025-03-10T12:00:00+05:30", dt.datetime(2025, 3, 10, 6, 30, tzinfo=dt.UTC)),
        (
            "2025-03-10T12:00:00+05:30:15",
            dt.datetime(2025, 3, 10, 6, 29, 45, tzinfo=dt.UTC),
        ),
        ("9999-12-31T23:00:00-05:00", None),
        ("0001-01-01T00:00:00+00:00", None),
    ],
)
def test_post_times_are_stored_in_utc_and_absurd_ones_ignored(created, expected):
    from pelican_hotpapers.sources.base import parse_time

    parsed = parse_time(created)
    assert parsed == expected
    if parsed is not None:
        assert parsed.utcoffset() == dt.timedelta(0)


class PDSDownOnce(FakePDS):
    """A PDS whose first createSession fails with HTTP 503."""

    created = 0

    def create_session(self, request: Request) -> Response:
        self.created += 1
        if self.created == 1:
            return xrpc_error(503, "InternalServerError", "try again")
        return super().create_session(request)


def test_a_session_that_fails_once_is_created_on_the_retry(httpserver):
    """createSession is a POST; retrying it is safe, so the Session may."""
    PDSDownOnce(httpserver)

    result = search(make_source(httpserver, retries=2))

    assert result.reads == 0
    assert paths_seen(httpserver) == [CREATE, CREATE, SEARCH]


def test_from_options_logs_in_with_the_password_from_the_environment(httpserver):
    FakePDS(httpserver)
    options = BlueskyOptions(pds_url=httpserver.url_for("/"))
    source = BlueskySource.from_options(
        options,
        HttpOptions(retries=0),
        environ={"BLUESKY_HANDLE": HANDLE, "BLUESKY_APP_PASSWORD": PASSWORD},
    )

    assert source is not None
    search(source)
    assert paths_seen(httpserver) == [CREATE, SEARCH]


@pytest.mark.parametrize("cursor", ["", 7, None, ["c2"]])
def test_only_a_text_cursor_asks_for_another_page(cursor):
    from pelican_hotpapers.sources.bluesky import parse_page

    page = {"posts": [], "cursor": cursor} if cursor is not None else {"posts": []}
    assert parse_page(page).cursor is None
    assert parse_page({"posts": [], "cursor": "c2"}).cursor == "c2"
