"""Remote services, one module each.

Each source is a small class that holds its own policy (its options, its
session with timeouts and retries, its budget) and returns plain data from
:mod:`pelican_hotpapers.models`. Errors are subclasses of
:class:`SourceError`, whose messages name the service and never contain a
credential.

``SOURCE_CLASSES`` maps each name that ``HOTPAPERS_SOURCES`` accepts to its
class. Adding a source is one new module (its class, its options dataclass),
one line here, and optionally its template ``post-NAME.html``: the settings,
the command line and the pages read everything else from the class.
"""

from pelican_hotpapers.sources.base import (
    HttpOptions,
    SearchResult,
    SocialSource,
    SourceError,
)
from pelican_hotpapers.sources.bluesky import BlueskySource
from pelican_hotpapers.sources.hackernews import HackerNewsSource
from pelican_hotpapers.sources.huggingface import HuggingFaceSource
from pelican_hotpapers.sources.mastodon import MastodonSource
from pelican_hotpapers.sources.x import XSource

SOURCE_CLASSES: dict[str, type[SocialSource]] = {
    "x": XSource,
    "bluesky": BlueskySource,
    "hackernews": HackerNewsSource,
    "huggingface": HuggingFaceSource,
    "mastodon": MastodonSource,
}


def source_label(source: str) -> str:
    """The name of a source as a reader knows it ("X", "Bluesky", "HN").

    Each source's class gives its label; one that is not registered (any
    more) is shown by the name the day file gives it. It lives with the
    registry it reads: the plain data below the sources cannot import them.
    """
    found = SOURCE_CLASSES.get(source)
    return found.label if found is not None else source


#: The counts of a source that is not registered (any more): reposts and likes.
DEFAULT_WORDS = (("reposts", "reposts"), ("likes", "likes"))


def source_words(source: str) -> tuple[tuple[str, str], ...]:
    """A source's counts in its service's words: each a field of
    :class:`~pelican_hotpapers.models.Counts` and the word for it, in the
    order a page shows them ("212 upvotes, 9 comments")."""
    found = SOURCE_CLASSES.get(source)
    return found.count_words if found is not None else DEFAULT_WORDS


__all__ = [
    "SOURCE_CLASSES",
    "HttpOptions",
    "SearchResult",
    "SocialSource",
    "SourceError",
    "source_label",
    "source_words",
]
