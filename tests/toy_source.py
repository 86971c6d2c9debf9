"""A fourth source, written as docs/adding-a-source.rst says: one module.

Toy is a made-up service whose search answers
``{"items": [{"id", "text", "url", "likes", "created"}], "next": CURSOR}``.
The test registers it with one line (``SOURCE_CLASSES["toy"] = ToySource``)
and fetches a day through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pelican_hotpapers.arxiv_ids import extract_arxiv_ids
from pelican_hotpapers.models import Counts, Link, Post
from pelican_hotpapers.options import setting
from pelican_hotpapers.sources import base
from pelican_hotpapers.sources.base import as_text, count, parse_time


class ToyError(base.SourceError, service="Toy API"):
    """Toy gave no complete answer."""


@dataclass(frozen=True, slots=True)
class ToyOptions:
    api_url: str = setting("HOTPAPERS_TOY_API_URL", "https://toy.example/api", "url")
    max_pages: int = setting("HOTPAPERS_TOY_MAX_PAGES", 3, "int", minimum=1)


def parse_item(item: Any) -> Post | None:
    if not isinstance(item, dict):
        return None
    url = as_text(item.get("url"))
    arxiv_ids = extract_arxiv_ids([url])
    if not arxiv_ids:
        return None
    post_id = as_text(item.get("id"))
    return Post(
        source="toy",
        id=post_id,
        url=f"https://toy.example/posts/{post_id}",
        author_name="",
        author_handle="",
        text=as_text(item.get("text")),
        created_at=parse_time(item.get("created")) or dt.datetime.now(dt.UTC),
        counts=Counts(likes=count(item.get("likes"))),
        arxiv_ids=arxiv_ids,
        links=(Link(url, url, url),),
    )


def parse_page(body: Any) -> base.Page:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ToyError("the answer holds no search results")
    posts = tuple(p for p in map(parse_item, body["items"]) if p is not None)
    return base.Page(posts, len(body["items"]), body.get("next") or None)


class ToySource:
    name = "toy"
    label = "Toy"
    title = "Toy"
    service = "Toy API"
    unit = "posts"
    Options = ToyOptions
    count_words = (("likes", "likes"),)

    def __init__(self, options: ToyOptions, http: base.HttpOptions) -> None:
        self.options = options
        self.session = base.make_session(http)

    @classmethod
    def from_options(
        cls, options: ToyOptions, http: base.HttpOptions, environ: Mapping[str, str]
    ) -> ToySource:
        return cls(options, http)

    @classmethod
    def missing_credentials(cls, options: ToyOptions) -> str:
        return "nothing is missing"

    def unavailable(self, start: dt.datetime, now: dt.datetime) -> str | None:
        return None

    def search_posts(
        self, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
    ) -> base.SearchResult:
        query = {"q": "arxiv.org", "since": start.isoformat(), "until": end.isoformat()}

        def fetch_page(cursor: Any, reads: int) -> base.Page:
            params = query if cursor is None else {**query, "cursor": cursor}
            url = f"{self.options.api_url}/search"
            response = base.send(self.session, "GET", url, ToyError, params=params)
            if response.status_code >= 400:
                raise ToyError(f"the search failed with HTTP {response.status_code}")
            return parse_page(base.answer_json(response, ToyError))

        return base.collect_pages(
            fetch_page, max_pages=self.options.max_pages, error=ToyError
        )
