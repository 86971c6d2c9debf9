"""Stories that link arXiv papers, from Hacker News through Algolia's API.

Documentation: https://hn.algolia.com/api

``search_by_date`` with ``restrictSearchableAttributes=url`` finds stories
whose link contains the query; ``numericFilters`` on ``created_at_i`` bound
the day. It needs no credentials. A story's points count as likes, and its
comments are shown (as replies); the discussion is the post to link.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from pelican_hotpapers.arxiv_ids import extract_arxiv_ids
from pelican_hotpapers.models import Counts, Link, Post, clean_json
from pelican_hotpapers.sources.base import SearchResult, count, parse_time
from pelican_hotpapers.sources.session import (
    SourceError,
    describe_request_error,
    make_session,
)

logger = logging.getLogger(__name__)

SERVICE = "Hacker News (Algolia) API"
DEFAULT_API_URL = "https://hn.algolia.com/api/v1"
HITS_PER_PAGE = 100


class HackerNewsError(SourceError):
    """Algolia's Hacker News search gave no complete answer."""

    def __init__(self, message: str) -> None:
        super().__init__(SERVICE, message)


def _created_at(hit: dict[str, Any]) -> dt.datetime:
    stamp = hit.get("created_at_i")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    return parse_time(hit.get("created_at")) or dt.datetime.now(dt.UTC)


def discussion_url(story_id: str) -> str:
    return f"https://news.ycombinator.com/item?id={story_id}"


def parse_hit(hit: Any) -> Post | None:
    """A Post for a story that links arXiv, or None for any other hit."""
    if not isinstance(hit, dict):
        return None
    story_id = hit.get("objectID")
    url = hit.get("url")
    if (
        not isinstance(story_id, str)
        or not story_id.isdigit()
        or not isinstance(url, str)
    ):
        return None
    arxiv_ids = extract_arxiv_ids([url])
    if not arxiv_ids:
        return None
    created_at = _created_at(hit)
    author = hit.get("author") if isinstance(hit.get("author"), str) else ""
    title = hit.get("title") if isinstance(hit.get("title"), str) else ""
    parts = urlsplit(url)
    shown = (parts.netloc + parts.path).removeprefix("www.")
    return Post(
        source="hackernews",
        id=story_id,
        url=discussion_url(story_id),
        author_name=author,
        author_handle=author,
        text=title,
        created_at=created_at,
        counts=Counts(
            likes=count(hit.get("points")), replies=count(hit.get("num_comments"))
        ),
        arxiv_ids=arxiv_ids,
        links=(Link(url, url, shown),),
    )


class HackerNewsSource:
    """Searches Hacker News stories by link, a day at a time."""

    name = "hackernews"
    service = SERVICE
    unit = "stories"

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_API_URL,
        query: str = "arxiv.org",
        max_pages: int = 5,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 1.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.query = query
        self.max_pages = max_pages
        self.session = session or make_session(
            timeout=timeout, retries=retries, backoff=backoff
        )

    def __repr__(self) -> str:
        return (
            f"HackerNewsSource(base_url={self.base_url!r}, max_pages={self.max_pages})"
        )

    @classmethod
    def from_options(
        cls, options: Any, environ: Mapping[str, str] | None = None
    ) -> HackerNewsSource:
        return cls(
            base_url=options.hn_api_url,
            max_pages=options.hn_max_pages,
            timeout=options.http_timeout,
            retries=options.http_retries,
            backoff=options.http_backoff,
        )

    @classmethod
    def missing_credentials(cls, options: Any) -> str:
        return "nothing is missing (Hacker News needs no credentials)"

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        return None

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> SearchResult:
        first, last = int(start.timestamp()), int(end.timestamp())
        params: dict[str, Any] = {
            "query": self.query,
            "restrictSearchableAttributes": "url",
            "tags": "story",
            "numericFilters": f"created_at_i>={first},created_at_i<{last}",
            "hitsPerPage": HITS_PER_PAGE,
            "page": 0,
        }
        posts: dict[str, Post] = {}
        reads = pages = 0
        capped = False
        while True:
            body = self._get(params)
            hits, page_count = body.get("hits"), body.get("nbPages")
            if not isinstance(hits, list) or not isinstance(page_count, int):
                raise HackerNewsError("the answer holds no search results")
            pages += 1
            reads += len(hits)
            for hit in hits:
                post = parse_hit(hit)
                if post is not None:
                    posts[post.id] = post
            if params["page"] + 1 >= page_count or not hits:
                break
            if pages >= self.max_pages:
                capped = True
                break
            params["page"] += 1
        return SearchResult(tuple(posts.values()), reads, pages, capped)

    def _get(self, params: Mapping[str, Any]) -> dict[str, Any]:
        try:
            response = self.session.get(
                f"{self.base_url}/search_by_date", params=params
            )
        except requests.RequestException as exc:
            raise HackerNewsError(describe_request_error(exc)) from None
        if response.status_code >= 400:
            raise HackerNewsError(f"the search failed with HTTP {response.status_code}")
        try:
            body = clean_json(response.json())
        except ValueError:
            raise HackerNewsError(
                "the answer is not valid JSON (an HTML page or a cut-off body?)"
            ) from None
        if not isinstance(body, dict):
            raise HackerNewsError("the answer is not a JSON object")
        return body
