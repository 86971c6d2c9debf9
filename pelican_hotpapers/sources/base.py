"""What every social source shares: its interface, its results and its paging loop.

A source searches one service for the posts of a time window that link
arXiv, and returns them as :class:`~pelican_hotpapers.models.Post` objects.
The work is split as arxiv.py splits its own:

- what to ask: the source's module holds its options dataclass (its
  ``HOTPAPERS_*`` settings), its requests, its page parser and its auth;
- how to page: :func:`collect_pages` here is the one paging loop, with the
  page cap, the read count and the guard against a cursor that comes back;
  how to wait and retry is the Session's job (:mod:`.session`);
- what came back: :class:`Page` and :class:`SearchResult`, plain data.

To add a source, write a module with a class that has the attributes and
methods of :class:`SocialSource`, and add one line to ``SOURCE_CLASSES`` in
``sources/__init__.py`` (docs/adding-a-source.rst shows one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pelican_hotpapers.models import Post

# The policy's plain parts, named here for the source modules as they always
# were. They live below .session, which imports them, so that this module
# can hand its HTTP calls to .session without a cycle.
from pelican_hotpapers.sources.policy import (
    ErrorType,
    HttpOptions,
    SourceError,
    parse_time,
    reset_time,
    reset_wait,
)

if TYPE_CHECKING:
    import requests

    from pelican_hotpapers.sources.session import PolicySession

#: What a source module uses, in one place: ``from pelican_hotpapers.sources
#: import base``, then ``base.collect_pages``, ``base.send``... The HTTP parts
#: live in :mod:`.session`, which imports requests: a build that fetches
#: nothing (most builds) never imports it, and pays nothing for it.
__all__ = [
    "BearerAuth",
    "Cursor",
    "ErrorType",
    "HttpOptions",
    "Page",
    "SearchResult",
    "SocialSource",
    "SourceError",
    "answer_json",
    "as_text",
    "collect_pages",
    "count",
    "make_session",
    "parse_time",
    "reset_time",
    "reset_wait",
    "send",
]


def make_session(
    http: HttpOptions = HttpOptions(),
    *,
    max_wait: float | None = None,
    min_backoff: float = 0.0,
    allowed_methods: frozenset[str] = frozenset({"GET"}),
) -> PolicySession:
    """A Session with our User-Agent and ``http``'s policy (see :mod:`.session`)."""
    from pelican_hotpapers.sources import session

    return session.make_session(
        http,
        max_wait=max_wait,
        min_backoff=min_backoff,
        allowed_methods=allowed_methods,
    )


def send(
    session: requests.Session, method: str, url: str, error: ErrorType, **kwargs: Any
) -> requests.Response:
    """The answer, whatever its status, or ``error`` saying why none came."""
    from pelican_hotpapers.sources.session import send

    return send(session, method, url, error, **kwargs)


def answer_json(response: requests.Response, error: ErrorType) -> Any:
    """The answer as JSON, every string cleaned of what no page may hold."""
    from pelican_hotpapers.sources.session import answer_json

    return answer_json(response, error)


def count(value: Any) -> int:
    """A count from an API answer; anything but a positive whole number is 0."""
    return (
        value
        if isinstance(value, int) and not isinstance(value, bool) and value > 0
        else 0
    )


def as_text(value: Any) -> str:
    """A text field of an API answer, or "" when it is missing or not text."""
    return value if isinstance(value, str) else ""


class BearerAuth:
    """Sends a bearer token in the Authorization header, never in the URL.

    requests takes any callable as ``auth``; this one needs no import of
    requests, which a build that fetches nothing never makes. Its repr hides
    the token, so a source's repr (and a traceback) never shows it.
    """

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The posts of one search, and what the search cost."""

    posts: tuple[Post, ...]
    reads: int
    pages: int
    capped: bool = False


#: What asks a service for the next page: a cursor, a token or a page number.
Cursor = str | int


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a search, as a source's parser reads it."""

    #: The posts of the page that link arXiv.
    posts: tuple[Post, ...]
    #: How many results the page held, linking arXiv or not: what the service
    #: counts as read (and X bills).
    reads: int
    #: What asks for the next page; None on the last page.
    cursor: Cursor | None = None


def collect_pages(
    fetch_page: Callable[[Cursor | None, int], Page],
    *,
    max_pages: int,
    max_reads: int | None = None,
    error: ErrorType,
) -> SearchResult:
    """Every page of one search, within its caps: the paging loop of every source.

    ``fetch_page(cursor, reads)`` asks for the page that ``cursor`` names
    (None: the first), knowing how many results were read so far (X sizes a
    page by the budget left). A post that comes twice counts once, with its
    latest counts. A cursor that comes back is an ``error``, not an end: the
    service is looping, and the pages after it were never seen. When there
    is more but ``max_pages`` pages or ``max_reads`` results are read, the
    search stops and says so (``capped``).
    """
    posts: dict[str, Post] = {}
    reads = pages = 0
    seen: set[Cursor] = set()
    cursor: Cursor | None = None
    while True:
        page = fetch_page(cursor, reads)
        pages += 1
        reads += page.reads
        for post in page.posts:
            posts[post.id] = post
        if page.cursor is None:
            return SearchResult(tuple(posts.values()), reads, pages)
        if page.cursor in seen:
            raise error(
                f"pagination looped back to an earlier page after {pages} pages"
            )
        seen.add(page.cursor)
        if pages >= max_pages or (max_reads is not None and reads >= max_reads):
            return SearchResult(tuple(posts.values()), reads, pages, capped=True)
        cursor = page.cursor


class SocialSource(Protocol):
    """The interface of a source of posts (X, Bluesky, Hacker News...)."""

    #: The name used in settings and in day files ("x", "hackernews").
    name: ClassVar[str]
    #: How readers know it, on pages ("X", "HN").
    label: ClassVar[str]
    #: Its name in a sentence ("Hacker News").
    title: ClassVar[str]
    #: The service's name in messages to the site owner ("X API").
    service: ClassVar[str]
    #: What one read is called in reports ("posts", "stories").
    unit: ClassVar[str]
    #: Its options dataclass, whose fields declare its ``HOTPAPERS_*``
    #: settings (see :func:`pelican_hotpapers.options.setting`).
    Options: ClassVar[type]
    #: Which counts a post of it has, each with the service's own word for
    #: it, in the order a page shows them: ``(("likes", "upvotes"),
    #: ("replies", "comments"))``. The first of each pair is a field of
    #: :class:`~pelican_hotpapers.models.Counts`; ranking reads only those.
    count_words: ClassVar[tuple[tuple[str, str], ...]]

    @classmethod
    def from_options(
        cls, options: Any, http: HttpOptions, environ: Mapping[str, str]
    ) -> SocialSource | None:
        """The source configured from its options and the environment's
        credentials, or None when they are missing."""
        ...

    @classmethod
    def missing_credentials(cls, options: Any) -> str:
        """One line for the site owner on what to set to use this source."""
        ...

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        """Why the source cannot see posts from ``start`` on, or None if it can."""
        ...

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> SearchResult:
        """The posts made between ``start`` and ``end`` that link arXiv.

        Raises :class:`~pelican_hotpapers.sources.SourceError` unless the
        service answered completely.
        """
        ...
