"""What every social source shares: its result type and its interface.

A source searches one service for the posts of a time window that link
arXiv, and returns them as :class:`~pelican_hotpapers.models.Post` objects.
To add a source: write a module with a class that has the attributes and
methods of :class:`SocialSource`, and add one line to ``SOURCE_CLASSES`` in
``sources/__init__.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from pelican_hotpapers.models import Post


def parse_time(value: Any) -> dt.datetime | None:
    """A service's ISO 8601 time, in UTC, or None if it is missing or absurd.

    Stored in UTC because the day file's schema takes whole-minute offsets
    only; a year a client made up (9999) must not break a page.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        parsed = parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if 2000 <= parsed.year <= 2999 else None


def count(value: Any) -> int:
    """A count from an API answer; anything but a positive whole number is 0."""
    return (
        value
        if isinstance(value, int) and not isinstance(value, bool) and value > 0
        else 0
    )


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The posts of one search, and what the search cost."""

    posts: tuple[Post, ...]
    reads: int
    pages: int
    capped: bool = False


class SocialSource(Protocol):
    """The interface of a source of posts (X, Bluesky, Hacker News...)."""

    #: The name used in settings and in day files ("x", "bluesky").
    name: ClassVar[str]
    #: The service's name in messages to the site owner ("X API").
    service: ClassVar[str]
    #: What one read is called in reports ("posts", "stories").
    unit: ClassVar[str]

    @classmethod
    def from_options(
        cls, options: Any, environ: Mapping[str, str] | None = None
    ) -> SocialSource | None:
        """The source configured from the settings, or None without credentials."""
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
