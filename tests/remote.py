"""Hand-built answers of the remote services, in their documented formats.

X API v2 search pages: https://docs.x.com/x-api/posts/search/introduction
arXiv API Atom feeds: https://info.arxiv.org/help/api/user-manual.html
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import socket
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from werkzeug import Request, Response

from pelican_hotpapers.sources.session import HttpOptions


def split_options(options_class: type, **values: Any) -> tuple[Any, HttpOptions]:
    """A source's own options and the HTTP options, from one set of keywords."""
    own = {f.name for f in dataclasses.fields(options_class)}
    return (
        options_class(**{k: v for k, v in values.items() if k in own}),
        HttpOptions(**{k: v for k, v in values.items() if k not in own}),
    )


def closed_port() -> int:
    """A loopback port with nothing listening: connecting to it is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def drop_connection(request: Request) -> Response:
    """A handler that hangs up without an answer, as a crashing proxy does.

    The client sees the connection broken (urllib3's ProtocolError), the
    failure urllib3 retries with a warning of its own.
    """
    request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    return Response(status=500)


def requests_seen(httpserver) -> list[Request]:
    """The requests a pytest-httpserver received, in order."""
    return [request for request, _ in httpserver.log]


def x_tweet(
    tweet_id: int,
    arxiv_ids: Sequence[str],
    *,
    author_id: str = "1",
    retweets: int = 10,
    likes: int = 20,
    created_at: dt.datetime | None = None,
    text: str | None = None,
) -> dict:
    urls = [
        {
            "start": 0,
            "end": 23,
            "url": f"https://t.co/{tweet_id}{n}",
            "expanded_url": f"https://arxiv.org/abs/{arxiv_id}",
            "display_url": f"arxiv.org/abs/{arxiv_id}",
        }
        for n, arxiv_id in enumerate(arxiv_ids)
    ]
    tweet = {
        "id": str(tweet_id),
        "text": text or " ".join(u["url"] for u in urls) or "no links",
        "author_id": author_id,
        "lang": "en",
        "public_metrics": {
            "retweet_count": retweets,
            "reply_count": 1,
            "like_count": likes,
            "quote_count": 0,
        },
        "entities": {"urls": urls} if urls else {},
        "edit_history_tweet_ids": [str(tweet_id)],
    }
    if created_at is not None:
        tweet["created_at"] = created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return tweet


def x_page(tweets: list[dict], next_token: str | None = None) -> dict:
    authors = sorted({t["author_id"] for t in tweets})
    meta: dict = {"result_count": len(tweets)}
    if tweets:
        meta["newest_id"] = tweets[0]["id"]
        meta["oldest_id"] = tweets[-1]["id"]
    if next_token:
        meta["next_token"] = next_token
    page: dict = {"meta": meta}
    if tweets:
        page["data"] = tweets
        page["includes"] = {
            "users": [
                {"id": a, "name": f"Author {a}", "username": f"author{a}"}
                for a in authors
            ]
        }
    return page


def x_pages_handler(pages: list[dict]):
    """A handler serving ``pages`` in order, following ``next_token``."""
    by_token = {None: pages[0]}
    for page in pages:
        token = page["meta"].get("next_token")
        if token:
            by_token[token] = pages[pages.index(page) + 1]

    def handle(request: Request) -> Response:
        page = by_token[request.args.get("next_token")]
        return Response(json.dumps(page), content_type="application/json")

    return handle


def atom_entry(arxiv_id: str, *, title: str | None = None) -> str:
    title = title or f"A study of\n  {arxiv_id}"
    return f"""
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v1</id>
    <updated>2021-01-08T18:00:00Z</updated>
    <published>2021-01-08T18:00:00Z</published>
    <title>{escape(title)}</title>
    <summary>  We study
  {arxiv_id} closely.
</summary>
    <author><name>Ada Lovelace</name></author>
    <author><name>Alan Turing</name></author>
    <link href="http://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{arxiv_id}v1" rel="related"
          type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom"
        term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="stat.ML" scheme="http://arxiv.org/schemas/atom"/>
  </entry>"""


def atom_feed(arxiv_ids: Iterable[str]) -> str:
    ids = list(arxiv_ids)
    entries = "".join(atom_entry(i) for i in ids)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
      xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/test</id>
  <title>arXiv Query</title>
  <updated>2021-01-12T00:00:00Z</updated>
  <link href="https://arxiv.org/api/query" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{len(ids)}</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(ids)}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>{entries}
</feed>
"""


def arxiv_handler(known: Iterable[str] | None = None):
    """A handler answering every id in ``id_list`` (or only the ``known`` ones)."""
    known_ids = set(known) if known is not None else None

    def handle(request: Request) -> Response:
        ids = [i for i in request.args.get("id_list", "").split(",") if i]
        if known_ids is not None:
            ids = [i for i in ids if i in known_ids]
        return Response(atom_feed(ids), content_type="application/atom+xml")

    return handle


# --- Bluesky (app.bsky.feed.searchPosts, com.atproto.server.*) -----------------

BSKY_SESSION = {
    "accessJwt": "bsky-access-1",
    "refreshJwt": "bsky-refresh-1",
    "handle": "lab.example.org",
    "did": "did:plc:lab",
}


def bsky_post(
    rkey: str,
    arxiv_id: str,
    *,
    handle: str = "alice.bsky.social",
    reposts: int = 4,
    likes: int = 30,
    created_at: dt.datetime | None = None,
) -> dict:
    """A postView whose text links a paper through a link facet."""
    shown = f"arxiv.org/abs/{arxiv_id}"
    text = f"Nice paper 🎉 {shown}"
    start = len("Nice paper 🎉 ".encode())
    when = (created_at or dt.datetime(2021, 1, 11, 12, tzinfo=dt.UTC)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )
    return {
        "uri": f"at://did:plc:{handle.split('.')[0]}/app.bsky.feed.post/{rkey}",
        "cid": f"bafy{rkey}",
        "author": {"did": "did:plc:x", "handle": handle, "displayName": handle.title()},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": when,
            "langs": ["en"],
            "facets": [
                {
                    "index": {"byteStart": start, "byteEnd": start + len(shown)},
                    "features": [
                        {
                            "$type": "app.bsky.richtext.facet#link",
                            "uri": f"https://arxiv.org/abs/{arxiv_id}",
                        }
                    ],
                }
            ],
        },
        "replyCount": 1,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": 0,
        "indexedAt": when,
    }


def bsky_page(posts: list[dict], cursor: str | None = None) -> dict:
    page: dict = {"posts": posts, "hitsTotal": len(posts)}
    if cursor:
        page["cursor"] = cursor
    return page


# --- Hacker News (Algolia search_by_date) ----------------------------------------


def hn_hit(
    story_id: int, arxiv_id: str, *, points: int = 210, comments: int = 45
) -> dict:
    when = dt.datetime(2021, 1, 11, 15, tzinfo=dt.UTC)
    return {
        "objectID": str(story_id),
        "title": f"A paper about {arxiv_id}",
        "url": f"https://arxiv.org/abs/{arxiv_id}",
        "author": "hnuser",
        "points": points,
        "num_comments": comments,
        "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_i": int(when.timestamp()),
        "story_text": None,
        "_tags": ["story", "author_hnuser", f"story_{story_id}"],
    }


def hn_page(hits: list[dict], page: int = 0, pages: int = 1) -> dict:
    return {
        "hits": hits,
        "nbHits": len(hits),
        "page": page,
        "nbPages": pages,
        "hitsPerPage": 100,
        "processingTimeMS": 1,
    }


# --- Hugging Face (GET /api/daily_papers) ----------------------------------------


def hf_entry(arxiv_id: str, *, upvotes: int = 40, comments: int = 3) -> dict:
    """An item of a day's Daily Papers list, in the shape of 2026's lists."""
    return {
        "paper": {
            "id": arxiv_id,
            "authors": [{"_id": "a1", "name": "Ada Lovelace", "hidden": False}],
            "publishedAt": "2026-03-01T00:00:00.000Z",
            "submittedOnDailyAt": "2026-03-02T00:00:00.000Z",
            "title": f"A study of\n  {arxiv_id}",
            "upvotes": upvotes,
            "discussionId": f"d{arxiv_id}",
        },
        "publishedAt": "2026-02-28T20:00:00.000Z",
        "title": f"A study of {arxiv_id}",
        "numComments": comments,
        "submittedBy": {
            "_id": f"u-{arxiv_id}",
            "fullname": "Hugging Submitter",
            "name": "hfsubmitter",
            "type": "user",
        },
    }
