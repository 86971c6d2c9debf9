"""Posts that link arXiv papers, from Bluesky's ``app.bsky.feed.searchPosts``.

Documentation: https://docs.bsky.app/docs/api/app-bsky-feed-search-posts

Things about Bluesky that shape this module:

- The public AppView has refused unauthenticated search since 2025, so the
  source logs in to the account's PDS with an app password
  (``com.atproto.server.createSession``) and sends the search through it.
  The handle and password come from environment variables; the access token
  expires after a few minutes, so an expired one is refreshed
  (``com.atproto.server.refreshSession``) and, failing that, the session is
  created anew.
- The search words ``q`` match only a post's text and its images' alt text.
  Links are indexed apart: the search service (palomar, in
  bluesky-social/indigo under ``search/``) keeps every link facet's and link
  card's address in ``url`` and ``domain`` fields, which the ``domain``
  parameter (or a ``domain:`` operator inside ``q``) filters on. A post whose
  arXiv link is only in a link card, or behind link text (the app turns
  ``[text](url)`` into such a link), has no "arxiv.org" in its text, so
  ``q=arxiv.org`` misses it. The default query is therefore ``*``, which
  palomar passes to OpenSearch's ``simple_query_string``, whose parser reads
  a lone ``*`` as match-all (palomar itself falls back to ``*`` when ``q``
  holds only operators); ``domain=arxiv.org`` then keeps the posts that link
  arXiv. The links themselves are read from the record's link facets and
  from ``embed.external.uri``.
- The AppView drops the posts it hides from a page after the search service
  has filled it, but keeps the cursor: a page can be empty and still have
  more after it.
- A post's text shows links shortened ("arxiv.org/abs/2101.0…"); the full
  address is in the facet, addressed by UTF-8 byte offsets into the text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from pelican_hotpapers.arxiv_ids import extract_arxiv_ids
from pelican_hotpapers.models import Counts, Link, Post, clean_text
from pelican_hotpapers.options import setting
from pelican_hotpapers.sources import base
from pelican_hotpapers.sources.base import as_text, count, parse_time

if TYPE_CHECKING:
    import requests

SERVICE = "Bluesky API"
PAGE_LIMIT = 100
SEARCH = "app.bsky.feed.searchPosts"
_LINK_FACET = "app.bsky.richtext.facet#link"
_EXPIRED = frozenset({"ExpiredToken", "InvalidToken"})


class BlueskyError(base.SourceError, service=SERVICE):
    """Bluesky gave no complete answer."""


class BlueskyRateLimitError(BlueskyError, rate_limited=True):
    """Bluesky's rate limit would need a longer wait than the site owner allows."""


@dataclass(frozen=True, slots=True)
class BlueskyOptions:
    """Where Bluesky is asked, and what: the HOTPAPERS_BLUESKY_* settings."""

    pds_url: str = setting("HOTPAPERS_BLUESKY_PDS_URL", "https://bsky.social", "url")
    # Match every post; the ``domain`` filter does the choosing (see above).
    query: str = setting("HOTPAPERS_BLUESKY_QUERY", "*", "text")
    handle_env: str = setting(
        "HOTPAPERS_BLUESKY_HANDLE_ENV", "BLUESKY_HANDLE", "env_name"
    )
    password_env: str = setting(
        "HOTPAPERS_BLUESKY_PASSWORD_ENV", "BLUESKY_APP_PASSWORD", "env_name"
    )
    max_pages: int = setting("HOTPAPERS_BLUESKY_MAX_PAGES", 10, "int", minimum=1)


# atproto identifier syntax, from https://atproto.com/specs/handle,
# https://atproto.com/specs/did and https://atproto.com/specs/record-key.
_HANDLE_RE = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?",
    re.ASCII | re.IGNORECASE,
)
# Top-level domains the spec sets aside: "handle.invalid" is what the AppView
# shows for an account whose handle no longer checks out.
_RESERVED_TLDS = frozenset(
    {"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"}
)
# bsky.app knows the two DID methods that atproto supports.
_DID_RE = re.compile(r"did:(?:plc|web):[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]", re.ASCII)
_RKEY_RE = re.compile(r"[a-zA-Z0-9._:~-]{1,512}", re.ASCII)
_POST_COLLECTION = "app.bsky.feed.post"


def is_handle(handle: str) -> bool:
    """Whether ``handle`` is a handle that a bsky.app address can name."""
    return (
        len(handle) <= 253
        and _HANDLE_RE.fullmatch(handle) is not None
        and handle.rsplit(".", 1)[-1].lower() not in _RESERVED_TLDS
    )


def is_did(did: str) -> bool:
    """Whether ``did`` is a DID that bsky.app resolves (did:plc or did:web)."""
    return len(did) <= 2048 and _DID_RE.fullmatch(did) is not None


def post_url(handle: str, did: str, uri: str) -> str:
    """The bsky.app address of a post, or "" if none can be built.

    The handle comes as the author's profile gives it, and a handle that is
    not one (spaces, markup, "handle.invalid") makes a broken address; the
    DID always works, so it stands in. Every part is percent-encoded: a DID
    may hold "%" and a record key ":".
    """
    authority, _, rest = uri.removeprefix("at://").partition("/")
    collection, _, rkey = rest.partition("/")
    if (
        not uri.startswith("at://")
        or collection != _POST_COLLECTION
        or rkey in ("", ".", "..")
        or not _RKEY_RE.fullmatch(rkey)
    ):
        return ""
    if is_handle(handle):
        profile = handle
    elif is_did(did):
        profile = did
    elif is_did(authority):
        profile = authority
    else:
        return ""
    return (
        f"https://bsky.app/profile/{quote(profile, safe=':')}"
        f"/post/{quote(rkey, safe=':')}"
    )


def _external_uris(embed: Any) -> Iterable[str]:
    """Link targets of an embed: an external card, also inside recordWithMedia."""
    if not isinstance(embed, dict):
        return
    external = embed.get("external")
    if isinstance(external, dict) and isinstance(external.get("uri"), str):
        yield external["uri"]
    yield from _external_uris(embed.get("media"))


def _facet_links(text: str, facets: Any) -> tuple[list[Link], list[str]]:
    links: list[Link] = []
    targets: list[str] = []
    data = text.encode("utf-8")
    for facet in facets if isinstance(facets, list) else ():
        if not isinstance(facet, dict):
            continue
        index = facet.get("index") if isinstance(facet.get("index"), dict) else {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        features = facet.get("features")
        for feature in features if isinstance(features, list) else ():
            if not isinstance(feature, dict) or feature.get("$type") != _LINK_FACET:
                continue
            uri = feature.get("uri")
            if not isinstance(uri, str):
                continue
            targets.append(uri)
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
                shown = data[start:end].decode("utf-8", errors="replace")
                if shown:
                    links.append(Link(shown, uri, shown))
    return links, targets


def parse_post(view: Any) -> Post | None:
    """A Post for a postView that links arXiv, or None for any other."""
    if not isinstance(view, dict):
        return None
    uri = as_text(view.get("uri"))
    record = view.get("record")
    author = view.get("author")
    if not uri.startswith("at://") or not isinstance(record, dict):
        return None
    author = author if isinstance(author, dict) else {}
    text = as_text(record.get("text"))
    links, targets = _facet_links(text, record.get("facets"))
    targets += _external_uris(record.get("embed"))
    targets += _external_uris(view.get("embed"))
    arxiv_ids = extract_arxiv_ids(targets)
    if not arxiv_ids:
        return None
    handle = as_text(author.get("handle"))
    langs = record.get("langs")
    created = parse_time(record.get("createdAt")) or parse_time(view.get("indexedAt"))
    return Post(
        source="bluesky",
        id=uri,
        url=post_url(handle, as_text(author.get("did")), uri),
        author_name=as_text(author.get("displayName")) or handle,
        author_handle=handle,
        text=text,
        lang=langs[0]
        if isinstance(langs, list) and langs and isinstance(langs[0], str)
        else "",
        created_at=created or dt.datetime.now(dt.UTC),
        counts=Counts(
            reposts=count(view.get("repostCount")),
            likes=count(view.get("likeCount")),
            quotes=count(view.get("quoteCount")),
            replies=count(view.get("replyCount")),
        ),
        arxiv_ids=arxiv_ids,
        links=tuple(links),
        author_id=as_text(author.get("did")),
    )


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_page(body: Any) -> base.Page:
    """Read one page of ``searchPosts``: its posts and its cursor.

    No cursor ends the search; an empty page with a cursor does not (the
    AppView drops hidden posts from a page but keeps its cursor).
    """
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        raise BlueskyError("the answer holds no search results")
    views = body["posts"]
    posts = tuple(post for post in map(parse_post, views) if post is not None)
    cursor = body.get("cursor")
    return base.Page(
        posts, len(views), cursor if isinstance(cursor, str) and cursor else None
    )


class BlueskySource:
    """Searches Bluesky through the account's PDS, within a page budget."""

    name = "bluesky"
    label = "Bluesky"
    title = "Bluesky"
    service = SERVICE
    unit = "posts"
    Options = BlueskyOptions
    #: The counts of a post, in the service's own words, for the pages.
    count_words: ClassVar[tuple[tuple[str, str], ...]] = (
        ("reposts", "reposts"),
        ("likes", "likes"),
    )

    def __init__(
        self,
        handle: str,
        password: str,
        options: BlueskyOptions,
        http: base.HttpOptions,
        *,
        session: requests.Session | None = None,
    ) -> None:
        self.handle = handle
        self._password = password
        self.options = options
        self.pds_url = options.pds_url.rstrip("/")
        self._access: str | None = None
        self._refresh: str | None = None
        # createSession and refreshSession are POSTs; retrying them after a
        # 5xx or a 429 is safe (they only hand out tokens).
        self.session = session or base.make_session(
            http, allowed_methods=frozenset({"GET", "POST"})
        )

    def __repr__(self) -> str:
        return (
            f"BlueskySource(handle={self.handle!r}, {self.options!r}, password='***')"
        )

    @classmethod
    def from_options(
        cls, options: BlueskyOptions, http: base.HttpOptions, environ: Mapping[str, str]
    ) -> BlueskySource | None:
        handle = environ.get(options.handle_env, "").strip()
        password = environ.get(options.password_env, "").strip()
        if not handle or not password:
            return None
        return cls(handle, password, options, http)

    @classmethod
    def missing_credentials(cls, options: BlueskyOptions) -> str:
        return (
            f"${options.handle_env} and ${options.password_env} "
            "(an app password) are not both set (set both to fetch from Bluesky)"
        )

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        return None

    # --- the session ------------------------------------------------------

    def _send(self, method: str, nsid: str, **kwargs: Any) -> requests.Response:
        url = f"{self.pds_url}/xrpc/{nsid}"
        return base.send(self.session, method, url, BlueskyError, **kwargs)

    def _store_tokens(self, response: requests.Response) -> bool:
        try:
            body = response.json()
        except ValueError:
            return False
        if not isinstance(body, dict):
            return False
        access, refresh = body.get("accessJwt"), body.get("refreshJwt")
        if not isinstance(access, str) or not isinstance(refresh, str):
            return False
        self._access, self._refresh = access, refresh
        return True

    def login(self) -> None:
        """Create a session with the app password."""
        response = self._send(
            "POST",
            "com.atproto.server.createSession",
            json={"identifier": self.handle, "password": self._password},
        )
        if response.status_code == 429:
            raise BlueskyRateLimitError(
                "rate limit reached when creating a session (HTTP 429)"
            )
        if response.status_code in (400, 401):
            raise BlueskyError(
                f"the handle or the app password in ${self.options.password_env} "
                f"was refused (HTTP {response.status_code})"
            )
        if response.status_code != 200 or not self._store_tokens(response):
            raise BlueskyError(
                f"creating a session failed (HTTP {response.status_code})"
            )

    def refresh(self) -> None:
        """Renew an expired access token, or log in again if that fails."""
        if self._refresh:
            response = self._send(
                "POST",
                "com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {self._refresh}"},
            )
            if response.status_code == 200 and self._store_tokens(response):
                return
        self.login()

    def _get(self, nsid: str, params: Mapping[str, Any]) -> Any:
        if self._access is None:
            self.login()
        for attempt in range(2):
            response = self._send(
                "GET",
                nsid,
                params=params,
                headers={"Authorization": f"Bearer {self._access}"},
            )
            expired = response.status_code in (400, 401) and (
                _error_name(response) in _EXPIRED
            )
            if expired and attempt == 0:
                self.refresh()
                continue
            break
        status = response.status_code
        if status == 429:
            raise BlueskyRateLimitError("rate limit reached (HTTP 429)")
        if status >= 400:
            name = _error_name(response)
            raise BlueskyError(
                f"the search failed with HTTP {status}{f' ({name})' if name else ''}"
            )
        return base.answer_json(response, BlueskyError)

    # --- the search -------------------------------------------------------

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> base.SearchResult:
        query = {
            "q": self.options.query,
            "domain": "arxiv.org",
            "since": _utc(start),
            "until": _utc(end),
            "sort": "latest",
            "limit": PAGE_LIMIT,
        }

        def fetch_page(cursor: Any, reads: int) -> base.Page:
            params = query if cursor is None else {**query, "cursor": cursor}
            return parse_page(self._get(SEARCH, params))

        return base.collect_pages(
            fetch_page, max_pages=self.options.max_pages, error=BlueskyError
        )


def _error_name(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return clean_text(body["error"][:80])
    return ""
