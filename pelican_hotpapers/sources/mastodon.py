"""Statuses that link arXiv papers, from Mastodon's hashtag timelines and search.

Documentation: https://docs.joinmastodon.org/methods/timelines/#tag and
https://docs.joinmastodon.org/methods/search/#v2. What this module relies on
was read in Mastodon's own code (mastodon/mastodon), because the documents
leave it out:

- **Tag timelines** (``GET /api/v1/timelines/tag/:hashtag``) are read
  without a token where the instance allows it. Since 4.5 the controller
  (``app/controllers/api/v1/timelines/topic_controller.rb``) asks for a
  signed-in user (``require_user!``: HTTP 422 without one) unless the
  admin settings ``local_topic_feed_access`` and
  ``remote_topic_feed_access`` are both ``"public"``; before 4.5 the
  setting ``timeline_preview`` off made it a 401 (``doorkeeper_authorize!``),
  and an instance in limited-federation ("authorized fetch") mode answers
  every anonymous API call with 401. Such an instance is left out for the
  run with one warning naming ``HOTPAPERS_MASTODON_TOKEN_ENV``.
- A timeline is newest first, by id, ``limit`` at most 40 (twice the default
  of 20, ``Api::BaseController#limit_param``), and the ``Link`` header's
  ``rel="next"`` carries ``max_id`` = the page's last id. An empty page has
  no Link header at all, and a full last page still has ``rel="next"``: the
  walk stops on an empty array (or once it is past the day), never on a
  missing ``rel="next"``.
- **Ids are snowflakes** (``lib/mastodon/snowflake.rb``): 48 bits of the
  millisecond the instance stored the status, then 16 bits of sequence. So a
  walk can start at the day's end (``max_id``) and stop at its start, with
  no page of other days. They are digit strings above 2**53, compared
  here as Python's exact integers. The time is when *this* instance stored
  the status, which for a status from another server is when it arrived:
  in the recorded timelines under ``../shared/fixtures/mastodon/``, 0-40 s
  after it was written for most, 15 minutes for Threads and an hour for
  Flipboard. The walk therefore starts :data:`LATE_ARRIVAL` after the day's
  end, and keeps only the statuses whose ``created_at`` is in the day.
- **Search** (``GET /api/v2/search?type=statuses``) finds statuses only for
  a signed-in user: without one the instance answers an empty ``statuses``
  list and no error (``SearchService#full_text_searchable?`` needs an
  account). Even then it searches only the public statuses of accounts that
  opted in to search (``indexable``; the ``PublicStatusesIndex``), plus the
  statuses the user wrote, favourited, boosted, bookmarked or was mentioned
  in (``StatusesIndex``, ``searchable_by``), and only on instances with
  Elasticsearch. So it runs only with a token. Its answer has no Link
  header; pages are read by ``offset`` (which needs a signed-in user, HTTP
  401 without one) between ``min_id`` and ``max_id``.
- Reblogs are statuses of their own in the API, with empty content and the
  original in ``reblog``. The public and tag timelines leave them out
  (``app/models/public_feed.rb``, ``without_reblogs``; a reblog has no tags of
  its own), and so do both search indexes (``without_reblogs``). Where one
  comes anyway (another server's software), it is not a post: its original
  is, if the original was written in the day, counted once by its ``uri``.
- A status's ``uri`` (its ActivityPub id) is the same on every instance; its
  ``id`` is not. So a status seen through several tags, or on several
  instances, is one post, and a site can read more than one instance.
  The counts of one status differ from instance to instance (each knows the
  favourites and boosts that reached it): the fullest copy is kept.

A boost is a repost and a favourite a like (ActivityPub's Announce and
Like, the acts X and Bluesky count), so the source weighs 1, as every source
does unless HOTPAPERS_SOURCE_WEIGHTS says otherwise; replies are shown. One
account is one author, by the actor's ``uri``, the same on every instance.

Only public statuses are read; a status searched with a token may be
private, unlisted or a direct message the user can see, and none of those
belongs on a public page. Search results from an account that opted out of
search (``indexable`` false) are left out too.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from pelican_hotpapers.arxiv_ids import extract_arxiv_ids
from pelican_hotpapers.models import Counts, Link, Post, clean_text
from pelican_hotpapers.options import setting
from pelican_hotpapers.sources import base
from pelican_hotpapers.sources.base import as_text, count, parse_time

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

SERVICE = "Mastodon API"
#: The most a timeline or a search gives a page (twice its default of 20).
PAGE_LIMIT = 40
#: The tags read by default. "arxiv" names the source itself; "preprint" and
#: "newpaper" are what researchers tag their own new work with; and
#: "machinelearning" is the largest arXiv field on Mastodon, whose posts
#: link arXiv more than any other tag's.
DEFAULT_TAGS = ["arxiv", "preprint", "newpaper", "machinelearning"]
#: How long after the day's end a status written in it may still arrive
#: (see the module's docstring): an hour was the latest seen, so twice that.
LATE_ARRIVAL = dt.timedelta(hours=2)
#: A status's id may be a little older than its ``created_at`` (the database
#: clock runs apart from the application's by milliseconds).
CLOCK_SLACK = dt.timedelta(minutes=1)
#: What an instance answers an anonymous tag timeline it does not show.
REFUSALS = frozenset({401, 403, 422})
#: The search words: the address of arXiv, in the status's text.
QUERY = "arxiv.org"
_DIGITS = re.compile(r"\d{1,30}\Z", re.ASCII)


class MastodonError(base.SourceError, service=SERVICE):
    """A Mastodon instance gave no complete answer."""


class MastodonRateLimitError(MastodonError, rate_limited=True):
    """An instance's rate limit would need a longer wait than the site allows."""


class InstanceRefused(MastodonError):
    """An instance shows its tag timelines only to a signed-in user."""

    def __init__(self, host: str, status: int, detail: str) -> None:
        self.host = host
        self.status = status
        super().__init__(
            f"{host} shows its tag timelines only to a signed-in user "
            f"(HTTP {status}{detail}); put an access token of an account there in "
            "the variable HOTPAPERS_MASTODON_TOKEN_ENV names, or read another "
            "instance (HOTPAPERS_MASTODON_URL)"
        )


@dataclass(frozen=True, slots=True)
class MastodonOptions:
    """Which instances and tags are read: the HOTPAPERS_MASTODON_* settings."""

    #: One instance's address, or a list of them (see :attr:`instances`).
    url: str | tuple[str, ...] = setting(
        "HOTPAPERS_MASTODON_URL", "https://mastodon.social", "urls"
    )
    token_env: str = setting(
        "HOTPAPERS_MASTODON_TOKEN_ENV", "MASTODON_ACCESS_TOKEN", "env_name"
    )
    tags: tuple[str, ...] = setting("HOTPAPERS_MASTODON_TAGS", DEFAULT_TAGS, "hashtags")
    #: Pages a day of each tag timeline (and of the search) may read.
    max_pages: int = setting("HOTPAPERS_MASTODON_MAX_PAGES", 10, "int", minimum=1)
    #: Not a setting: the words the search looks for (with a token only).
    query: str = QUERY

    @property
    def instances(self) -> tuple[str, ...]:
        """The instances' base addresses, each once, in order."""
        urls = (self.url,) if isinstance(self.url, str) else self.url
        return tuple(dict.fromkeys(url.rstrip("/") for url in urls))


def snowflake_id(when: dt.datetime) -> int:
    """The smallest status id stored at ``when`` (``Snowflake.id_at`` without
    its random part)."""
    return int(when.timestamp() * 1000) << 16


def snowflake_time(status_id: str) -> dt.datetime | None:
    """When an instance stored the status of ``status_id``."""
    if not _DIGITS.match(status_id):
        return None
    try:
        return dt.datetime.fromtimestamp((int(status_id) >> 16) / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


# Mastodon's own markup (app/lib/text_formatter.rb and the HTML sanitizer):
# a mention is <span class="h-card"><a class="u-url mention">, a hashtag
# <a class="mention hashtag" rel="tag"> (or class "hashtag" from elsewhere).
_NOT_LINKS = frozenset({"mention", "hashtag", "u-url"})


def _is_link(anchor: Any) -> bool:
    """Whether an anchor links a page, not a person or a hashtag.

    Other servers' software marks neither (a bare ``<a href=".../tags/x">#x</a>``
    was recorded): as Mastodon's web app does, a text that starts with "#"
    or "@" is taken for a hashtag or a mention.
    """
    classes = set(anchor.get("class") or ())
    rel = set(anchor.get("rel") or ())
    return not (
        classes & _NOT_LINKS
        or "tag" in rel
        or anchor.find_parent("span", class_="h-card") is not None
        or anchor.get_text().lstrip().startswith(("#", "@"))
    )


def _shown(anchor: Any) -> str:
    """A link's text as Mastodon shows it: the ``invisible`` parts of a long
    address left out, an ``ellipsis`` part followed by "…"."""
    parts: list[str] = []
    for piece in anchor.find_all(string=True):
        classes: set[str] = set()
        for parent in piece.parents:
            if parent is anchor:
                break
            classes.update(parent.get("class") or ())
        if "invisible" in classes:
            continue
        parts.append(str(piece))
        if "ellipsis" in classes:
            parts.append("…")
    return "".join(parts).strip()


def read_content(html: str) -> tuple[str, list[Link]]:
    """A status's HTML as plain text, and its links (not mentions or hashtags).

    The text keeps every part of a long address (as Mastodon's own plain
    text does, ``FormattingHelper#extract_status_plain_text``), with a line
    break for ``<br>`` and a blank line between paragraphs. An inline quote
    (``<span class="quote-inline">RE: …</span>``, which Mastodon's app hides
    in favour of the quoted post) is left out.
    """
    # Imported here: a build that fetches nothing should not pay for bs4.
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        # A status that is only an address is HTML all the same.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for quoted in soup.select(".quote-inline"):
        quoted.decompose()
    links: list[Link] = []
    for anchor in soup.find_all("a", href=True):
        href = anchor["href"]
        if (
            not isinstance(href, str)
            or not _is_web(href.strip())
            or not _is_link(anchor)
        ):
            continue
        href = href.strip()
        covered = anchor.get_text()
        links.append(Link(covered or href, href, _shown(anchor) or href))
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    for paragraph in soup.find_all("p"):
        paragraph.append("\n\n")
    text = re.sub(r"\n{3,}", "\n\n", soup.get_text()).strip()
    return text, links


def _card_url(card: Any) -> str:
    """The address of a status's preview card, if it has one."""
    if isinstance(card, dict):
        url = as_text(card.get("url")).strip()
        if _is_web(url):
            return url
    return ""


def _author(account: Mapping[str, Any]) -> tuple[str, str, str]:
    """The author's name, full handle (``user@domain``) and stable id.

    ``acct`` leaves out the domain for an account of the instance that
    answered; the profile's address names it. The actor's ``uri`` is the
    same on every instance, where ``id`` is not.
    """
    acct = as_text(account.get("acct")).strip().lstrip("@")
    profile = as_text(account.get("url"))
    if acct and "@" not in acct and _host(profile):
        acct = f"{acct}@{_host(profile)}"
    name = as_text(account.get("display_name")).strip() or as_text(
        account.get("username")
    )
    stable = as_text(account.get("uri")) or profile
    return name or acct, acct, stable


def parse_status(
    status: Any, start: dt.datetime, end: dt.datetime, *, searched: bool = False
) -> Post | None:
    """A Post for a public status of the day that links arXiv, or None.

    A reblog stands for its original (see the module's docstring). A status
    found by search is left out when its author opted out of search.
    """
    if not isinstance(status, dict):
        return None
    original = status.get("reblog")
    if isinstance(original, dict):
        status = original
    if status.get("visibility") != "public":
        return None
    uri = as_text(status.get("uri"))
    account = status.get("account")
    if not _is_web(uri) or not isinstance(account, dict):
        return None
    if searched and account.get("indexable") is False:
        return None
    created = parse_time(status.get("created_at")) or snowflake_time(
        as_text(status.get("id"))
    )
    if created is None or not start <= created < end:
        return None
    text, links = read_content(as_text(status.get("content")))
    targets = [link.expanded_url for link in links]
    card = _card_url(status.get("card"))
    if card:
        targets.append(card)
    arxiv_ids = extract_arxiv_ids(targets)
    if not arxiv_ids:
        return None
    warning = as_text(status.get("spoiler_text")).strip()
    if warning:
        # The author's content warning comes first, as it does on Mastodon.
        text = f"{warning}\n\n{text}"
    name, handle, author_id = _author(account)
    url = as_text(status.get("url"))
    return Post(
        source="mastodon",
        id=uri,
        url=url if _is_web(url) else uri,
        author_name=name,
        author_handle=handle,
        text=text,
        lang=as_text(status.get("language")),
        created_at=created,
        counts=Counts(
            reposts=count(status.get("reblogs_count")),
            likes=count(status.get("favourites_count")),
            quotes=count(status.get("quotes_count")),
            replies=count(status.get("replies_count")),
        ),
        arxiv_ids=arxiv_ids,
        links=tuple(links),
        author_id=author_id,
        author_followers=_followers(account.get("followers_count")),
    )


def _followers(value: Any) -> int | None:
    # Unknown (None) is not the same as none.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _status_id(status: Any) -> int:
    """A status's id as a number, or an error: a page is walked by its ids."""
    status_id = as_text(status.get("id")) if isinstance(status, dict) else ""
    if not _DIGITS.match(status_id):
        raise MastodonError("a status in the answer has no id")
    return int(status_id)


def _next_max_id(next_url: str | None) -> int | None:
    """The ``max_id`` of a Link header's ``rel="next"`` address, if it holds one."""
    if not next_url:
        return None
    try:
        values = parse_qs(urlsplit(next_url).query).get("max_id", [])
    except ValueError:
        return None
    return int(values[0]) if values and _DIGITS.match(values[0]) else None


def parse_timeline_page(
    body: Any,
    next_url: str | None,
    max_id: int,
    floor: int,
    window: tuple[dt.datetime, dt.datetime],
) -> base.Page:
    """Read one page of a tag timeline, asked for below ``max_id``.

    The next page is below the ``max_id`` of the Link header's ``rel="next"``,
    or (when the header says none) below the page's last status, as the
    server itself pages. The walk ends on an empty page, or on a page that
    reaches below ``floor``, the id of the day's start. A next ``max_id``
    that is not below this one would walk back over the same statuses, or
    forward: the instance is looping.
    """
    if not isinstance(body, list):
        raise MastodonError("the answer is not a list of statuses")
    if not body:
        return base.Page((), 0, None)
    last = _status_id(body[-1])
    start, end = window
    posts = tuple(
        post for post in (parse_status(s, start, end) for s in body) if post is not None
    )
    if last < floor:
        return base.Page(posts, len(body), None)
    following = _next_max_id(next_url)
    following = last if following is None else following
    if following >= max_id:
        raise MastodonError(
            "pagination looped: the next page's max_id is not older than this one's"
        )
    return base.Page(posts, len(body), str(following))


def parse_search_page(
    body: Any,
    offset: int,
    seen: dict[tuple[int, ...], int],
    window: tuple[dt.datetime, dt.datetime],
) -> base.Page:
    """Read one page of a statuses search, from ``offset``.

    A search page has no cursor: the next one starts after this one's
    statuses. An instance that ignores ``offset`` gives the same page again
    (``seen`` maps each earlier page's ids to its offset): that is a loop,
    and the statuses after it were never seen.
    """
    statuses = body.get("statuses") if isinstance(body, dict) else None
    if not isinstance(statuses, list):
        raise MastodonError("the answer holds no search results")
    if not statuses:
        return base.Page((), 0, None)
    ids = tuple(_status_id(status) for status in statuses)
    if ids in seen:
        raise MastodonError(
            f"pagination looped: the search's offset {offset} repeats offset "
            f"{seen[ids]}"
        )
    seen[ids] = offset
    start, end = window
    posts = tuple(
        post
        for post in (parse_status(s, start, end, searched=True) for s in statuses)
        if post is not None
    )
    return base.Page(posts, len(statuses), offset + len(statuses))


def _fuller(post: Post, held: Post) -> bool:
    """Whether ``post`` is a fuller copy of a status than ``held``: the one
    whose instance knew more of its boosts and favourites."""
    return (post.score, post.counts.replies) > (held.score, held.counts.replies)


class MastodonSource:
    """Reads hashtag timelines (and, with a token, search) on Mastodon instances."""

    name = "mastodon"
    label = "Mastodon"
    title = "Mastodon"
    service = SERVICE
    unit = "statuses"
    Options = MastodonOptions
    #: The counts of a post, in the service's own words, for the pages.
    count_words: ClassVar[tuple[tuple[str, str], ...]] = (
        ("reposts", "boosts"),
        ("likes", "favourites"),
        ("replies", "replies"),
    )

    def __init__(
        self,
        options: MastodonOptions,
        http: base.HttpOptions,
        *,
        token: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.options = options
        self.instances = options.instances
        # The token is the account's on the first instance, and is sent there
        # only: another server must never see it.
        self.auth = base.BearerAuth(token) if token else None
        self.session = session or base.make_session(http)
        #: Instances that refused to show their tag timelines this run.
        self.refused: dict[str, InstanceRefused] = {}

    def __repr__(self) -> str:
        return (
            f"MastodonSource(instances={self.instances!r}, "
            f"tags={self.options.tags!r}, max_pages={self.options.max_pages}, "
            f"token={'***' if self.auth else None!r})"
        )

    @classmethod
    def from_options(
        cls,
        options: MastodonOptions,
        http: base.HttpOptions,
        environ: Mapping[str, str],
    ) -> MastodonSource:
        """The source; it reads public tags without a token, and searches with one."""
        token = environ.get(options.token_env, "").strip()
        return cls(options, http, token=token or None)

    @classmethod
    def missing_credentials(cls, options: MastodonOptions) -> str:
        return (
            "nothing is missing (Mastodon's public tag timelines need no "
            f"credentials; an access token in ${options.token_env} adds its search)"
        )

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        """Why no instance can be read any more this run, if none can."""
        if self.refused and len(self.refused) == len(self.instances):
            return next(iter(self.refused.values())).message
        return None

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> base.SearchResult:
        """The day's public statuses that link arXiv, on every instance.

        An instance that refuses its tag timelines without a token is left
        out for the rest of the run with one warning; when every instance
        has refused, the source fails (the day is partial), naming the
        setting to fix.
        """
        window = (start, end)
        found: dict[str, Post] = {}
        reads = pages = 0
        capped = False
        for index, instance in enumerate(self.instances):
            if instance in self.refused:
                continue
            auth = self.auth if index == 0 else None
            try:
                results = [
                    self._timeline(instance, tag, window, auth)
                    for tag in self.options.tags
                ]
                if auth is not None:
                    results.append(self._search(instance, window, auth))
            except InstanceRefused as refusal:
                self._refuse(instance, refusal)
                continue
            for result in results:
                reads += result.reads
                pages += result.pages
                capped = capped or result.capped
                _merge(found, result.posts)
        if len(self.refused) == len(self.instances):
            raise MastodonError(next(iter(self.refused.values())).message)
        return base.SearchResult(tuple(found.values()), reads, pages, capped)

    def _refuse(self, instance: str, refusal: InstanceRefused) -> None:
        self.refused[instance] = refusal
        if len(self.refused) < len(self.instances):
            # The others are still read: one warning, and the day is whole.
            # (When none is left, the source's error says it instead.)
            logger.warning(
                "hotpapers: Mastodon: %s; it is not read again in this run",
                refusal.message,
            )

    def _timeline(
        self,
        instance: str,
        tag: str,
        window: tuple[dt.datetime, dt.datetime],
        auth: base.BearerAuth | None,
    ) -> base.SearchResult:
        start, end = window
        url = f"{instance}/api/v1/timelines/tag/{quote(tag, safe='')}"
        floor = snowflake_id(start - CLOCK_SLACK)
        first = snowflake_id(end + LATE_ARRIVAL)

        def fetch_page(cursor: Any, reads: int) -> base.Page:
            max_id = int(cursor) if cursor is not None else first
            params = {"limit": PAGE_LIMIT, "max_id": str(max_id)}
            response = self._get(url, params, auth, what="tag timeline")
            body = base.answer_json(response, MastodonError)
            next_url = response.links.get("next", {}).get("url")
            return parse_timeline_page(body, next_url, max_id, floor, window)

        return base.collect_pages(
            fetch_page, max_pages=self.options.max_pages, error=MastodonError
        )

    def _search(
        self,
        instance: str,
        window: tuple[dt.datetime, dt.datetime],
        auth: base.BearerAuth,
    ) -> base.SearchResult:
        start, end = window
        url = f"{instance}/api/v2/search"
        query = {
            "q": self.options.query,
            "type": "statuses",
            "limit": PAGE_LIMIT,
            # The ids bound the day (Mastodon 4.2 and later turn them into
            # after:/before: times); the statuses are held to it again.
            "min_id": str(snowflake_id(start - CLOCK_SLACK)),
            "max_id": str(snowflake_id(end + LATE_ARRIVAL)),
        }
        seen: dict[tuple[int, ...], int] = {}

        def fetch_page(cursor: Any, reads: int) -> base.Page:
            offset = int(cursor or 0)
            params = {**query, "offset": offset}
            response = self._get(url, params, auth, what="search")
            body = base.answer_json(response, MastodonError)
            return parse_search_page(body, offset, seen, window)

        return base.collect_pages(
            fetch_page, max_pages=self.options.max_pages, error=MastodonError
        )

    def _get(
        self,
        url: str,
        params: Mapping[str, Any],
        auth: base.BearerAuth | None,
        *,
        what: str,
    ) -> requests.Response:
        host = _host(url)
        response = base.send(
            self.session, "GET", url, MastodonError, params=params, auth=auth
        )
        status = response.status_code
        if status == 429:
            when = base.reset_time(response.headers.get("x-ratelimit-reset", ""))
            until = f" until {when:%Y-%m-%d %H:%M} UTC" if when else ""
            raise MastodonRateLimitError(
                f"{host}'s rate limit was reached (HTTP 429); it asks to wait{until}, "
                "longer than HOTPAPERS_RATE_LIMIT_MAX_WAIT allows or after all retries"
            )
        if status in REFUSALS:
            detail = _error_text(response)
            if auth is None:
                raise InstanceRefused(host, status, detail)
            raise MastodonError(
                f"{host} refused the access token in ${self.options.token_env} "
                f"(HTTP {status}{detail}); it must be a user's token with the "
                "read scope"
            )
        if status >= 400:
            raise MastodonError(f"the {what} on {host} failed with HTTP {status}")
        return response


def _merge(found: dict[str, Post], posts: Iterable[Post]) -> None:
    """Add ``posts`` to ``found`` by ``uri``, keeping each status's fullest copy."""
    for post in posts:
        held = found.get(post.id)
        if held is None or _fuller(post, held):
            found[post.id] = post


def _error_text(response: requests.Response) -> str:
    """The instance's own words for a refusal (``{"error": "..."}``), if short."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f": {clean_text(' '.join(body['error'].split())[:120])}"
    return ""
