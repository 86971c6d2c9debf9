"""A hand-built Mastodon instance for the tests: its Status entities and its API.

The entities have the fields and types of the recorded answers in
tests/data/fixtures/mastodon (ids as digit strings above 2**53, times in ISO
8601 with milliseconds, counts as ints, HTML content); the API pages as
Mastodon's controllers do (app/controllers/api/v1/timelines/tag_controller.rb
and api/v2/search_controller.rb): newest first by id, ``limit`` at most 40,
a ``Link`` header with ``rel="next"`` (``max_id`` = the page's last id) and
``rel="prev"`` on a page that is not empty, and none on an empty one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any

from werkzeug import Request, Response


def snowflake(when: dt.datetime, sequence: int = 0) -> str:
    """A Mastodon id for a status stored at ``when`` (lib/mastodon/snowflake.rb)."""
    return str((int(when.timestamp() * 1000) << 16) + sequence)


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{when.microsecond // 1000:03d}Z"
    )


def account(
    username: str = "ada", domain: str | None = "fediscience.org", **extra: Any
) -> dict[str, Any]:
    host = domain or "mastodon.example"
    body = {
        "id": "109302436954721982",
        "username": username,
        "acct": f"{username}@{domain}" if domain else username,
        "display_name": username.title(),
        "locked": False,
        "bot": False,
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": "2022-11-07T00:00:00.000Z",
        "note": "<p>Researcher</p>",
        "url": f"https://{host}/@{username}",
        "uri": f"https://{host}/users/{username}",
        "avatar": f"https://{host}/avatars/original/missing.png",
        "followers_count": 120,
        "following_count": 80,
        "statuses_count": 400,
        "last_status_at": "2026-03-01",
        "emojis": [],
        "fields": [],
    }
    body.update(extra)
    return body


def paper_link(arxiv_id: str) -> str:
    """A link to a paper as Mastodon writes one: scheme and tail invisible."""
    return (
        f'<a href="https://arxiv.org/abs/{arxiv_id}" target="_blank" '
        'rel="nofollow noopener" translate="no"><span class="invisible">https://'
        f'</span><span class="">arxiv.org/abs/{arxiv_id}</span>'
        '<span class="invisible"></span></a>'
    )


def hashtag(tag: str, host: str = "mastodon.example") -> str:
    return (
        f'<a href="https://{host}/tags/{tag}" class="mention hashtag" '
        f'rel="tag">#<span>{tag}</span></a>'
    )


def status(
    number: int,
    created: dt.datetime,
    *,
    arxiv_id: str | None = "2603.01234",
    content: str | None = None,
    card_url: str | None = None,
    arrived: dt.datetime | None = None,
    author: dict[str, Any] | None = None,
    reblogs: int = 4,
    favourites: int = 30,
    replies: int = 2,
    visibility: str = "public",
    uri: str | None = None,
    tags: Iterable[str] = ("arxiv",),
    **extra: Any,
) -> dict[str, Any]:
    """A Status entity; its id is the time it ``arrived`` (by default when it
    was written), as an instance stores one."""
    author = author or account()
    host = re.sub(r"^https://([^/]+)/.*", r"\1", author["url"])
    if content is None:
        link = paper_link(arxiv_id) if arxiv_id else "no paper here"
        content = (
            f"<p>New preprint &amp; code: {link}</p>"
            f"<p>{' '.join(hashtag(t) for t in tags)}</p>"
        )
    origin_id = 112000000000000000 + number
    body: dict[str, Any] = {
        "id": snowflake(arrived or created, number % 65536),
        "created_at": stamp(created),
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": visibility,
        "language": "en",
        "uri": uri or f"https://{host}/users/{author['username']}/statuses/{origin_id}",
        "url": f"https://{host}/@{author['username']}/{origin_id}",
        "replies_count": replies,
        "reblogs_count": reblogs,
        "favourites_count": favourites,
        "edited_at": None,
        "content": content,
        "reblog": None,
        "account": author,
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{host}/tags/{t}"} for t in tags],
        "emojis": [],
        "card": None,
        "poll": None,
        "quote": None,
    }
    if card_url is not None:
        body["card"] = {
            "url": card_url,
            "title": "A paper",
            "description": "",
            "type": "link",
            "author_name": "",
            "author_url": "",
            "provider_name": "arXiv.org",
            "provider_url": "",
            "html": "",
            "width": 0,
            "height": 0,
            "image": None,
            "embed_url": "",
            "blurhash": None,
        }
    body.update(extra)
    return body


def reblog_of(
    original: dict[str, Any], when: dt.datetime, by: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The wrapper a boost is in the API: empty, with the original inside."""
    by = by or account("booster", "mastodon.example")
    wrapper = status(
        900000 + int(original["id"]) % 1000,
        when,
        author=by,
        content="",
        reblogs=0,
        favourites=0,
        replies=0,
        tags=(),
    )
    wrapper["uri"] = f"{by['uri']}/statuses/{wrapper['id']}/activity"
    wrapper["url"] = wrapper["uri"]
    wrapper["language"] = None
    wrapper["reblog"] = original
    return wrapper


def json_response(body: Any, status_code: int = 200, **headers: str) -> Response:
    return Response(
        json.dumps(body),
        status=status_code,
        headers=headers,
        content_type="application/json; charset=utf-8",
    )


class FakeInstance:
    """A Mastodon instance under ``prefix`` of a pytest-httpserver.

    ``timelines`` maps a tag to its statuses; ``searchable`` are what its
    search finds for a signed-in user. ``refuse`` makes its tag timelines
    answer 422 to an anonymous request, as 4.5 does when the admin has set
    the topic feeds to signed-in users.
    """

    def __init__(
        self,
        httpserver,
        prefix: str = "",
        timelines: dict[str, list[dict[str, Any]]] | None = None,
        *,
        searchable: list[dict[str, Any]] | None = None,
        refuse: bool = False,
        token: str | None = None,
    ) -> None:
        self.prefix = prefix
        self.timelines = timelines or {}
        self.searchable = searchable or []
        self.refuse = refuse
        self.token = token
        #: How many tag timeline requests still fail with HTTP 500.
        self.failures = 0
        self.base = httpserver.url_for(prefix or "/").rstrip("/")
        httpserver.expect_request(
            re.compile(rf"^{re.escape(prefix)}/api/v1/timelines/tag/[^/]+$")
        ).respond_with_handler(self.tag_timeline)
        httpserver.expect_request(f"{prefix}/api/v2/search").respond_with_handler(
            self.search
        )

    @property
    def url(self) -> str:
        return self.base

    def signed_in(self, request: Request) -> bool:
        header = request.headers.get("Authorization")
        return self.token is not None and header == f"Bearer {self.token}"

    def tag_timeline(self, request: Request) -> Response:
        if self.failures:
            self.failures -= 1
            return Response("upstream trouble", status=500)
        if self.refuse and not self.signed_in(request):
            return json_response(
                {"error": "This method requires an authenticated user"}, 422
            )
        tag = request.path.rsplit("/", 1)[-1].lower()
        items = sorted(
            self.timelines.get(tag, []), key=lambda s: int(s["id"]), reverse=True
        )
        if "max_id" in request.args:
            items = [s for s in items if int(s["id"]) < int(request.args["max_id"])]
        limit = min(int(request.args.get("limit", 20)), 40)
        page = items[:limit]
        headers = {}
        if page:
            here = f"{self.base}/api/v1/timelines/tag/{tag}"
            headers["Link"] = (
                f'<{here}?limit={limit}&max_id={page[-1]["id"]}>; rel="next", '
                f'<{here}?limit={limit}&min_id={page[0]["id"]}>; rel="prev"'
            )
        return json_response(page, **headers)

    def search(self, request: Request) -> Response:
        found: list[dict[str, Any]] = []
        if self.signed_in(request):
            found = sorted(self.searchable, key=lambda s: int(s["id"]), reverse=True)
            low, high = request.args.get("min_id"), request.args.get("max_id")
            found = [
                s
                for s in found
                if (low is None or int(s["id"]) > int(low))
                and (high is None or int(s["id"]) < int(high))
            ]
            offset = int(request.args.get("offset", 0))
            found = found[offset : offset + min(int(request.args["limit"]), 40)]
        elif "offset" in request.args:
            return json_response(
                {
                    "error": "Search queries pagination is not supported without "
                    "authentication"
                },
                401,
            )
        return json_response(
            {"accounts": [], "statuses": found, "hashtags": [], "collections": []}
        )
