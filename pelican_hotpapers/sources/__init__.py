"""Remote services, one module each.

Each source is a small class that holds its own policy (base URL, timeouts,
retries, budget) and returns plain data from :mod:`pelican_hotpapers.models`.
Errors are subclasses of :class:`SourceError`, whose messages name the
service and never contain a credential.

The social sources share the interface in :mod:`.base`; ``SOURCE_CLASSES``
maps each name that ``HOTPAPERS_SOURCES`` accepts to its class. Adding a
source is one new module and one line here.
"""

from pelican_hotpapers.sources.base import SearchResult, SocialSource
from pelican_hotpapers.sources.bluesky import BlueskySource
from pelican_hotpapers.sources.hackernews import HackerNewsSource
from pelican_hotpapers.sources.session import SourceError
from pelican_hotpapers.sources.x import XSource

SOURCE_CLASSES: dict[str, type[SocialSource]] = {
    "x": XSource,
    "bluesky": BlueskySource,
    "hackernews": HackerNewsSource,
}

__all__ = ["SOURCE_CLASSES", "SearchResult", "SocialSource", "SourceError"]
