"""Posts that link arXiv papers, from the X API v2 search endpoints.

Documentation: https://docs.x.com/x-api/posts/search/introduction

Things about X that shape this module:

- Recent search (``/tweets/search/recent``) sees only the last seven days.
  Older days need full-archive search (``/tweets/search/all``), which not
  every plan includes, so it is opt-in (``HOTPAPERS_X_FULL_ARCHIVE``).
- Since 2026 X bills every post read (pay-per-use, about $0.005 a post), so
  a day's reads are capped by ``HOTPAPERS_X_MAX_POSTS`` and counted.
- Links in post text are t.co short links; where they lead is in
  ``entities.urls[].expanded_url`` (and ``unwound_url``), which is where
  arXiv ids are read from.
- A retweet carries the counts of the original, so retweets are skipped:
  counting them would count the same engagement twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pelican_hotpapers.arxiv_ids import extract_arxiv_ids
from pelican_hotpapers.models import Counts, Link, Post
from pelican_hotpapers.options import setting
from pelican_hotpapers.sources import base
from pelican_hotpapers.sources.base import BearerAuth, as_text, count, parse_time

if TYPE_CHECKING:
    import requests

SERVICE = "X API"
#: How far back recent search reaches.
RECENT_WINDOW = dt.timedelta(days=7)
#: X refuses an end_time less than 10 seconds before the request.
_END_MARGIN = dt.timedelta(seconds=30)
_TWITTER_EPOCH_MS = 1288834974657
TWEET_FIELDS = "created_at,public_metrics,entities,lang,author_id"
PAGE_MAX = 100
PAGE_MIN = 10


class XError(base.SourceError, service=SERVICE):
    """The X API gave no complete answer."""


class XRateLimitError(XError, rate_limited=True):
    """X's rate limit would need a longer wait than the site owner allows."""


@dataclass(frozen=True, slots=True)
class XOptions:
    """What X is asked, and how much one day may read: the HOTPAPERS_X_* settings."""

    api_url: str = setting("HOTPAPERS_X_API_URL", "https://api.x.com/2", "url")
    query: str = setting("HOTPAPERS_X_QUERY", 'url:"arxiv.org" -is:retweet', "text")
    token_env: str = setting("HOTPAPERS_X_TOKEN_ENV", "X_BEARER_TOKEN", "env_name")
    max_pages: int = setting("HOTPAPERS_X_MAX_PAGES", 10, "int", minimum=1)
    max_posts: int = setting("HOTPAPERS_X_MAX_POSTS", 1000, "int", minimum=PAGE_MIN)
    full_archive: bool = setting("HOTPAPERS_X_FULL_ARCHIVE", False, "bool")


def snowflake_time(post_id: str) -> dt.datetime | None:
    """When a post was made, from its id (X ids are time-ordered snowflakes)."""
    try:
        millis = (int(post_id) >> 22) + _TWITTER_EPOCH_MS
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _is_retweet(tweet: Mapping[str, Any]) -> bool:
    refs = tweet.get("referenced_tweets")
    return isinstance(refs, list) and any(
        isinstance(ref, dict) and ref.get("type") == "retweeted" for ref in refs
    )


def parse_tweet(tweet: Any, users: Mapping[str, Mapping[str, Any]]) -> Post | None:
    """A Post for a tweet that links arXiv, or None for any other tweet."""
    if not isinstance(tweet, dict) or _is_retweet(tweet):
        return None
    post_id = tweet.get("id")
    if not isinstance(post_id, str) or not post_id.isdigit():
        return None
    entities = tweet.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    links: list[Link] = []
    targets: list[str] = []
    for item in urls if isinstance(urls, list) else ():
        if not isinstance(item, dict):
            continue
        expanded = item.get("expanded_url")
        unwound = item.get("unwound_url")
        for target in (expanded, unwound):
            if isinstance(target, str):
                targets.append(target)
        short = item.get("url")
        goes_to = unwound if isinstance(unwound, str) else expanded
        if isinstance(short, str) and isinstance(goes_to, str):
            display = item.get("display_url")
            links.append(
                Link(short, goes_to, display if isinstance(display, str) else "")
            )
    arxiv_ids = extract_arxiv_ids(targets)
    if not arxiv_ids:
        return None
    author_id = str(tweet.get("author_id") or "")
    author_id = author_id if author_id.isdigit() else ""
    user = users.get(author_id, {})
    name = as_text(user.get("name"))
    handle = as_text(user.get("username"))
    user_metrics = user.get("public_metrics")
    followers = (
        user_metrics.get("followers_count") if isinstance(user_metrics, dict) else None
    )
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        followers = None  # unknown, which is not the same as none
    metrics = tweet.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    created = parse_time(tweet.get("created_at")) or snowflake_time(post_id)
    return Post(
        source="x",
        id=post_id,
        url=post_url(handle, post_id),
        author_name=name,
        author_handle=handle,
        text=as_text(tweet.get("text")),
        lang=as_text(tweet.get("lang")),
        created_at=created or dt.datetime.now(dt.UTC),
        counts=Counts(
            reposts=count(metrics.get("retweet_count")),
            likes=count(metrics.get("like_count")),
            quotes=count(metrics.get("quote_count")),
            replies=count(metrics.get("reply_count")),
        ),
        arxiv_ids=arxiv_ids,
        links=tuple(links),
        author_id=author_id,
        author_followers=followers,
    )


# X allows 15 characters today; a little room for old accounts.
_USERNAME_RE = re.compile(r"[A-Za-z0-9_]{1,50}", re.ASCII)


def post_url(handle: str, post_id: str) -> str:
    """A post's public address; X redirects ``/i/web`` for an unknown handle.

    A username is letters, digits and "_"; anything else (spaces, markup, a
    "/") would make a broken address, so it gets the ``/i/web`` one too.
    """
    if _USERNAME_RE.fullmatch(handle):
        return f"https://x.com/{handle}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"


def parse_page(body: Any) -> base.Page:
    """Read one page of a search response (``data``, ``includes``, ``meta``).

    Raises :class:`XError` when the body is not a search page at all: a
    partial answer must not be mistaken for a quiet day.
    """
    if not isinstance(body, dict):
        raise XError("the answer is not a JSON object")
    if "data" not in body and "meta" not in body:
        errors = body.get("errors")
        detail = ""
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            detail = str(first.get("detail") or first.get("title") or "")[:200]
        raise XError(
            f"the answer holds no search results{': ' + detail if detail else ''}"
        )
    data = body.get("data", [])
    meta = body.get("meta", {})
    includes = body.get("includes", {})
    if not isinstance(data, list) or not isinstance(meta, dict):
        raise XError("the answer's data or meta has the wrong shape")
    users: dict[str, Mapping[str, Any]] = {}
    if isinstance(includes, dict) and isinstance(includes.get("users"), list):
        for user in includes["users"]:
            if isinstance(user, dict) and isinstance(user.get("id"), str):
                users[user["id"]] = user
    posts = [post for post in (parse_tweet(t, users) for t in data) if post]
    token = meta.get("next_token")
    return base.Page(
        posts=tuple(posts),
        reads=len(data),
        cursor=token if isinstance(token, str) and token else None,
    )


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class XSource:
    """Searches X for posts that link arXiv, within a read budget.

    Holds the policy: where the API is, the query, how many pages and posts
    one day may read (``XOptions``), and the HTTP session with its timeout
    and retries.
    """

    name = "x"
    label = "X"
    title = "X"
    service = SERVICE
    unit = "posts"
    Options = XOptions
    #: The counts of a post, in the service's own words, for the pages.
    count_words: ClassVar[tuple[tuple[str, str], ...]] = (
        ("reposts", "reposts"),
        ("likes", "likes"),
    )

    def __init__(
        self,
        token: str,
        options: XOptions,
        http: base.HttpOptions,
        *,
        session: requests.Session | None = None,
    ) -> None:
        self.options = options
        self.base_url = options.api_url.rstrip("/")
        self.auth = BearerAuth(token)
        self.session = session or base.make_session(http)

    def __repr__(self) -> str:
        return f"XSource({self.options!r}, token='***')"

    @classmethod
    def from_options(
        cls, options: XOptions, http: base.HttpOptions, environ: Mapping[str, str]
    ) -> XSource | None:
        """A source configured from the settings, or None when no token is set."""
        token = environ.get(options.token_env, "").strip()
        return cls(token, options, http) if token else None

    @classmethod
    def missing_credentials(cls, options: XOptions) -> str:
        return (
            f"${options.token_env} is not set (put an X API bearer token there "
            "to fetch from X)"
        )

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        if self.endpoint(start, now) is None:
            return (
                "the day is older than the 7 days X's recent search covers; set "
                "HOTPAPERS_X_FULL_ARCHIVE = True if your X plan includes "
                "full-archive search"
            )
        return None

    def endpoint(self, start: dt.datetime, now: dt.datetime) -> str | None:
        """The search endpoint that can see posts from ``start``, or None."""
        if start >= now - RECENT_WINDOW:
            return f"{self.base_url}/tweets/search/recent"
        if self.options.full_archive:
            return f"{self.base_url}/tweets/search/all"
        return None

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> base.SearchResult:
        """Every post (up to the budget) made between ``start`` and ``end``.

        Raises :class:`XError` unless the search answered completely.
        """
        now = now or dt.datetime.now(dt.UTC)
        url = self.endpoint(start, now)
        if url is None:
            raise XError(
                "the day is older than recent search's 7 days and "
                "HOTPAPERS_X_FULL_ARCHIVE is off"
            )
        end = min(end, now - _END_MARGIN)
        if end <= start:
            raise XError("the day has only just begun; there is nothing to search yet")
        query = {
            "query": self.options.query,
            "start_time": _utc(start),
            "end_time": _utc(end),
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            # public_metrics holds followers_count, at no extra read cost.
            "user.fields": "name,username,public_metrics",
        }
        budget = self.options.max_posts

        def fetch_page(token: Any, reads: int) -> base.Page:
            # A page asks for no more than the budget has left: X bills every
            # post it returns.
            params = {
                **query,
                "max_results": max(PAGE_MIN, min(PAGE_MAX, budget - reads)),
            }
            if token is not None:
                params["next_token"] = token
            return parse_page(self._get(url, params))

        return base.collect_pages(
            fetch_page, max_pages=self.options.max_pages, max_reads=budget, error=XError
        )

    def _get(self, url: str, params: Mapping[str, Any]) -> Any:
        response = base.send(
            self.session, "GET", url, XError, params=params, auth=self.auth
        )
        status = response.status_code
        if status == 429:
            reset = response.headers.get("x-rate-limit-reset", "")
            when = ""
            if reset.isdigit():
                reopens = dt.datetime.fromtimestamp(int(reset), tz=dt.UTC)
                when = f" until {reopens:%Y-%m-%d %H:%M} UTC"
            raise XRateLimitError(
                f"rate limit reached (HTTP 429); X asks to wait{when}, longer "
                "than HOTPAPERS_RATE_LIMIT_MAX_WAIT allows or after all retries"
            )
        if status == 401:
            raise XError(
                f"the bearer token in ${self.options.token_env} was refused (HTTP 401)"
            )
        if status == 403:
            raise XError(
                "access was refused (HTTP 403); the app's plan may not include "
                "this search endpoint"
            )
        if status >= 400:
            raise XError(f"the search failed with HTTP {status}")
        return base.answer_json(response, XError)
