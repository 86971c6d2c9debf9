"""Stories that link arXiv papers, from Hacker News through Algolia's API.

Documentation: https://hn.algolia.com/api

``search_by_date`` with ``restrictSearchableAttributes=url,story_text``
finds stories whose link or whose text contains the query; ``numericFilters``
on ``created_at_i`` bound the day. It needs no credentials. A story's points
count as likes, and its comments are shown (as replies); the discussion is
the post to link.

An Ask HN or Show HN story often has no ``url`` (or links its project
there) and links the paper in its text. Algolia gives that text as HN's HTML
in ``story_text``, with the slashes of addresses escaped as ``&#x2F;``; it
is read with an HTML parser (BeautifulSoup), for its links' ``href`` and for
addresses written as plain text, never with a pattern over the markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from pelican_hotpapers.arxiv_ids import arxiv_id_from_url, extract_arxiv_ids
from pelican_hotpapers.models import Counts, Link, Post
from pelican_hotpapers.options import setting
from pelican_hotpapers.sources import base
from pelican_hotpapers.sources.base import as_text, count, parse_time

if TYPE_CHECKING:
    import requests

SERVICE = "Hacker News (Algolia) API"
HITS_PER_PAGE = 100
#: The story attributes searched: the link, and the text of Ask/Show HN posts.
SEARCHED_ATTRIBUTES = "url,story_text"
# Punctuation around an address written in running text: "(see arxiv.org/…)."
_OPENING = "([{<\"'"
_CLOSING = ".,;:!?)]}>\"'"


class HackerNewsError(base.SourceError, service=SERVICE):
    """Algolia's Hacker News search gave no complete answer."""


@dataclass(frozen=True, slots=True)
class HackerNewsOptions:
    """Where Hacker News is searched, and how far: the HOTPAPERS_HN_* settings."""

    api_url: str = setting(
        "HOTPAPERS_HN_API_URL", "https://hn.algolia.com/api/v1", "url"
    )
    max_pages: int = setting("HOTPAPERS_HN_MAX_PAGES", 5, "int", minimum=1)
    #: Not a setting: the words Algolia looks for in a story's link and text.
    query: str = "arxiv.org"


def _created_at(hit: dict[str, Any]) -> dt.datetime:
    stamp = hit.get("created_at_i")
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)
    return parse_time(hit.get("created_at")) or dt.datetime.now(dt.UTC)


def discussion_url(story_id: str) -> str:
    return f"https://news.ycombinator.com/item?id={story_id}"


def _link(url: str, href: str | None = None) -> Link:
    href = href or url
    try:
        parts = urlsplit(href)
    except ValueError:  # "http://[oops": a stranger's link, kept as given
        return Link(url, href, href)
    return Link(url, href, (parts.netloc + parts.path).removeprefix("www."))


def _is_web(url: str) -> bool:
    try:
        return urlsplit(url.strip()).scheme.lower() in ("http", "https")
    except ValueError:
        return False


def story_text_links(html: str) -> list[Link]:
    """The links of a story's text: its anchors, and paper addresses in plain text.

    HN turns an address in a post's text into an anchor, so most come as
    ``<a href>``; the words of the text are read too, for an address HN left
    as text. A word is only taken if it names a paper, so a shortened
    anchor text ("https://arxiv.org/abs/2101.0...") adds nothing.
    """
    # Imported here: BeautifulSoup (with soupsieve) is a tenth of a second
    # to import, which a build that fetches nothing should not pay.
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    links: dict[str, Link] = {}
    for anchor in soup.find_all("a", href=True):
        href = anchor["href"]
        if isinstance(href, str) and _is_web(href):
            links.setdefault(href.strip(), _link(href.strip()))
    for word in soup.get_text(" ").split():
        word = word.lstrip(_OPENING).rstrip(_CLOSING)
        href = word if "://" in word else f"https://{word}"
        if href not in links and _is_web(href) and arxiv_id_from_url(href):
            links[href] = _link(word, href)
    return list(links.values())


def parse_hit(hit: Any) -> Post | None:
    """A Post for a story that links arXiv, or None for any other hit."""
    if not isinstance(hit, dict):
        return None
    story_id = hit.get("objectID")
    if not isinstance(story_id, str) or not story_id.isdigit():
        return None
    url = hit.get("url")
    links = [_link(url)] if isinstance(url, str) and url else []
    story_text = hit.get("story_text")
    if isinstance(story_text, str) and story_text:
        links += [
            link for link in story_text_links(story_text) if link.expanded_url != url
        ]
    arxiv_ids = extract_arxiv_ids(link.expanded_url for link in links)
    if not arxiv_ids:
        return None
    created_at = _created_at(hit)
    author = as_text(hit.get("author"))
    title = as_text(hit.get("title"))
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
        links=tuple(links),
    )


def parse_page(body: Any, number: int) -> base.Page:
    """Read page ``number`` (from 0) of ``search_by_date``: its stories, and
    the number of the next page, if Algolia has one."""
    if not isinstance(body, dict):
        raise HackerNewsError("the answer is not a JSON object")
    hits, page_count = body.get("hits"), body.get("nbPages")
    if not isinstance(hits, list) or not isinstance(page_count, int):
        raise HackerNewsError("the answer holds no search results")
    posts = tuple(post for post in map(parse_hit, hits) if post is not None)
    more = bool(hits) and number + 1 < page_count
    return base.Page(posts, len(hits), number + 1 if more else None)


class HackerNewsSource:
    """Searches Hacker News stories by link, a day at a time."""

    name = "hackernews"
    label = "HN"
    title = "Hacker News"
    service = SERVICE
    unit = "stories"
    Options = HackerNewsOptions
    #: The counts of a story, in the service's own words, for the pages.
    count_words: ClassVar[tuple[tuple[str, str], ...]] = (
        ("likes", "points"),
        ("replies", "comments"),
    )

    def __init__(
        self,
        options: HackerNewsOptions,
        http: base.HttpOptions,
        *,
        session: requests.Session | None = None,
    ) -> None:
        self.options = options
        self.base_url = options.api_url.rstrip("/")
        self.session = session or base.make_session(http)

    def __repr__(self) -> str:
        return (
            f"HackerNewsSource(base_url={self.base_url!r}, "
            f"max_pages={self.options.max_pages})"
        )

    @classmethod
    def from_options(
        cls,
        options: HackerNewsOptions,
        http: base.HttpOptions,
        environ: Mapping[str, str],
    ) -> HackerNewsSource:
        return cls(options, http)

    @classmethod
    def missing_credentials(cls, options: HackerNewsOptions) -> str:
        return "nothing is missing (Hacker News needs no credentials)"

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        return None

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> base.SearchResult:
        first, last = int(start.timestamp()), int(end.timestamp())
        query = {
            "query": self.options.query,
            "restrictSearchableAttributes": SEARCHED_ATTRIBUTES,
            "tags": "story",
            "numericFilters": f"created_at_i>={first},created_at_i<{last}",
            "hitsPerPage": HITS_PER_PAGE,
        }

        def fetch_page(cursor: Any, reads: int) -> base.Page:
            number = cursor or 0
            return parse_page(self._get({**query, "page": number}), number)

        return base.collect_pages(
            fetch_page, max_pages=self.options.max_pages, error=HackerNewsError
        )

    def _get(self, params: Mapping[str, Any]) -> Any:
        url = f"{self.base_url}/search_by_date"
        response = base.send(self.session, "GET", url, HackerNewsError, params=params)
        if response.status_code >= 400:
            raise HackerNewsError(f"the search failed with HTTP {response.status_code}")
        return base.answer_json(response, HackerNewsError)
