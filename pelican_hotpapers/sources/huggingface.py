"""Papers on Hugging Face's Daily Papers list, with their upvotes and comments.

The list is ``GET {api}/daily_papers``; huggingface_hub's
``HfApi.list_daily_papers`` (src/huggingface_hub/hf_api.py) is the reference
client, and its parameters are the API's: ``date`` (YYYY-MM-DD; also
``week`` and ``month``), ``p`` (the page, from 0) and ``limit`` (50 by
default), ``sort`` and ``submitter``. It needs no token; a token, when the
site owner sets one, is sent as a bearer token, and only then.

Things about the list that shape this module:

- It is a list of papers, not of posts: each item is one paper that
  someone (its *submitter*) put on the day's list, with the paper's upvotes
  (one a logged-in user) and the number of comments on its discussion. The
  arXiv id is the paper's own ``id``; the item has no id of its own. So
  each item is one Post: written by its submitter, liked by its upvotes,
  answered by its comments, linking the paper's Hugging Face page.
- A list is a calendar date, not a window of time: the site's day D is
  Hugging Face's list of D.
- The answer is a bare JSON array, with no count and no cursor: the pages
  are read up to the first empty one (huggingface_hub's own tests hold
  ``p=100`` of a day to an empty list).
- In the ranking an entry is one post of one account: its submitter's
  (``ranking.account_key``: the submitter's user ``_id``; an entry of the
  2024 lists, which name no submitter, is an account of its own). Its
  upvotes are many users' votes, but the list does not say whose, so they
  count as that one post's likes: in full up to the robust rules' knee, with
  diminishing returns above it, as one much-liked post's do. An upvote is
  one signed-in user's vote for the paper, the act a like is, so the
  source weighs 1, as every source does unless HOTPAPERS_SOURCE_WEIGHTS
  says otherwise.
- The shape drifted over the years (``mediaUrl`` became ``thumbnail``;
  ``submittedBy`` appeared in mid-2024, ``submittedOnDailyBy`` in 2025). No
  field is ever null: an optional one is left out. Only ``paper.id``,
  ``paper.upvotes`` and ``numComments`` are relied on; the rest is read when
  it is there.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from pelican_hotpapers.arxiv_ids import normalise_arxiv_id
from pelican_hotpapers.models import Counts, Link, Post, clean_text
from pelican_hotpapers.options import setting
from pelican_hotpapers.sources import base
from pelican_hotpapers.sources.base import as_text, count, parse_time

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

SERVICE = "Hugging Face API"
#: huggingface_hub documents 50 as the API's default page size.
PAGE_LIMIT = 50
PAPERS_URL = "https://huggingface.co/papers/"


class HuggingFaceError(base.SourceError, service=SERVICE):
    """Hugging Face gave no complete answer."""


class HuggingFaceRateLimitError(HuggingFaceError, rate_limited=True):
    """Hugging Face's rate limit would need a longer wait than the site allows."""


@dataclass(frozen=True, slots=True)
class HuggingFaceOptions:
    """Where Hugging Face is asked, and how far: the HOTPAPERS_HF_* settings."""

    api_url: str = setting("HOTPAPERS_HF_API_URL", "https://huggingface.co/api", "url")
    token_env: str = setting("HOTPAPERS_HF_TOKEN_ENV", "HF_TOKEN", "env_name")
    max_pages: int = setting("HOTPAPERS_HF_MAX_PAGES", 5, "int", minimum=1)


def paper_url(arxiv_id: str) -> str:
    """The paper's page on Hugging Face, where its upvotes and comments are."""
    return PAPERS_URL + quote(arxiv_id, safe="/")


def _submitter(item: Mapping[str, Any], paper: Mapping[str, Any]) -> dict[str, Any]:
    """Who put the paper on the list: ``submittedBy`` (from mid-2024), else
    ``paper.submittedOnDailyBy`` (from 2025); {} on the oldest lists."""
    for user in (item.get("submittedBy"), paper.get("submittedOnDailyBy")):
        if isinstance(user, dict) and isinstance(user.get("name"), str):
            return user
    return {}


def _listed_at(item: Mapping[str, Any], paper: Mapping[str, Any]) -> dt.datetime:
    """When the paper came on the list: ``submittedOnDailyAt`` where it is given.

    The item's own ``publishedAt`` is the time of the list on old days, but
    on recent days an earlier time (arXiv's announcement); ``paper.publishedAt``
    is the paper's.
    """
    return (
        parse_time(paper.get("submittedOnDailyAt"))
        or parse_time(item.get("publishedAt"))
        or parse_time(paper.get("publishedAt"))
        or dt.datetime.now(dt.UTC)
    )


def parse_item(item: Any) -> Post | None:
    """A Post for a listed paper, or None for an item that is not an arXiv paper."""
    if not isinstance(item, dict) or not isinstance(item.get("paper"), dict):
        return None
    paper = item["paper"]
    raw_id = as_text(paper.get("id"))
    # The entry's own id, held to the rules every link's id is held to
    # (arxiv_ids: the same syntax, months and number lengths), whole.
    arxiv_id = normalise_arxiv_id(raw_id) if raw_id else None
    if arxiv_id is None:
        logger.debug(
            "hotpapers: Hugging Face: skipped an entry that is not an arXiv paper "
            "(id %r)",
            clean_text(raw_id[:40]),
        )
        return None
    url = paper_url(arxiv_id)
    user = _submitter(item, paper)
    followers = user.get("followerCount")
    title = as_text(item.get("title")) or as_text(paper.get("title"))
    return Post(
        source="huggingface",
        id=arxiv_id,
        url=url,
        author_name=as_text(user.get("fullname")) or as_text(user.get("name")),
        author_handle=as_text(user.get("name")),
        # arXiv's line wraps ("transformer-based\n  language") are not the title's.
        text=" ".join(title.split()),
        created_at=_listed_at(item, paper),
        counts=Counts(
            likes=count(paper.get("upvotes")), replies=count(item.get("numComments"))
        ),
        arxiv_ids=(arxiv_id,),
        links=(Link(url, url, url.removeprefix("https://")),),
        author_id=as_text(user.get("_id")),
        # The submitter's followers; unknown (None) is not the same as none.
        author_followers=followers
        if isinstance(followers, int)
        and not isinstance(followers, bool)
        and followers >= 0
        else None,
    )


def parse_page(body: Any, number: int, seen: dict[tuple[str, ...], int]) -> base.Page:
    """Read page ``number`` (from 0) of a day's list; the next page's number
    unless this one is empty.

    ``seen`` maps the papers of each earlier page to its number: a list that
    hands back a page it gave before ignores ``p``, and the papers after
    it were never seen, which is an error, not the end.
    """
    if not isinstance(body, list):
        raise HuggingFaceError("the answer is not a list of papers")
    if not body:
        return base.Page((), 0, None)
    ids = tuple(
        as_text(item["paper"].get("id"))
        if isinstance(item, dict) and isinstance(item.get("paper"), dict)
        else ""
        for item in body
    )
    if ids in seen:
        raise HuggingFaceError(
            f"pagination looped: page {number} repeats page {seen[ids]}"
        )
    seen[ids] = number
    posts = tuple(post for post in map(parse_item, body) if post is not None)
    return base.Page(posts, len(body), number + 1)


class HuggingFaceSource:
    """Reads a day's Daily Papers list from Hugging Face, page by page."""

    name = "huggingface"
    label = "Hugging Face"
    title = "Hugging Face"
    service = SERVICE
    unit = "papers"
    Options = HuggingFaceOptions
    #: The counts of a post, in the service's own words, for the pages.
    count_words: ClassVar[tuple[tuple[str, str], ...]] = (
        ("likes", "upvotes"),
        ("replies", "comments"),
    )

    def __init__(
        self,
        options: HuggingFaceOptions,
        http: base.HttpOptions,
        *,
        token: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.options = options
        self.base_url = options.api_url.rstrip("/")
        self.auth = base.BearerAuth(token) if token else None
        self.session = session or base.make_session(http)

    def __repr__(self) -> str:
        return (
            f"HuggingFaceSource(base_url={self.base_url!r}, "
            f"max_pages={self.options.max_pages}, "
            f"token={'***' if self.auth else None!r})"
        )

    @classmethod
    def from_options(
        cls,
        options: HuggingFaceOptions,
        http: base.HttpOptions,
        environ: Mapping[str, str],
    ) -> HuggingFaceSource:
        """The source; with the token when its variable is set (it is optional)."""
        token = environ.get(options.token_env, "").strip()
        return cls(options, http, token=token or None)

    @classmethod
    def missing_credentials(cls, options: HuggingFaceOptions) -> str:
        return (
            "nothing is missing (Hugging Face's Daily Papers need no credentials; "
            f"a token in ${options.token_env} is sent when set)"
        )

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        return None

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> base.SearchResult:
        """Every paper on the list of ``start``'s date, in the site's time zone."""
        date = start.date().isoformat()
        seen: dict[tuple[str, ...], int] = {}

        def fetch_page(cursor: Any, reads: int) -> base.Page:
            number = cursor or 0
            params = {"date": date, "p": number, "limit": PAGE_LIMIT}
            return parse_page(self._get(params), number, seen)

        return base.collect_pages(
            fetch_page, max_pages=self.options.max_pages, error=HuggingFaceError
        )

    def _get(self, params: Mapping[str, Any]) -> Any:
        url = f"{self.base_url}/daily_papers"
        response = base.send(
            self.session, "GET", url, HuggingFaceError, params=params, auth=self.auth
        )
        status = response.status_code
        if status == 429:
            raise HuggingFaceRateLimitError(
                "rate limit reached (HTTP 429), for longer than "
                "HOTPAPERS_RATE_LIMIT_MAX_WAIT allows or after all retries"
            )
        if status in (401, 403) and self.auth is not None:
            raise HuggingFaceError(
                f"the token in ${self.options.token_env} was refused "
                f"(HTTP {status}); unset it to read the list without one"
            )
        if status >= 400:
            raise HuggingFaceError(
                f"the list failed with HTTP {status}{_error_text(response)}"
            )
        return base.answer_json(response, HuggingFaceError)


def _error_text(response: requests.Response) -> str:
    """The service's own words for a refusal (``{"error": "..."}``), if short."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f" ({clean_text(' '.join(body['error'].split())[:120])})"
    return ""
