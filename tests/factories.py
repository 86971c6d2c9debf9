"""Small builders of papers, posts and days for tests.

Each takes keyword overrides so a test states only what it is about.
"""

from __future__ import annotations

import datetime as dt
import itertools

from pelican_hotpapers.models import Counts, Day, Entry, Link, Paper, Post

_ids = itertools.count(1)


def make_paper(arxiv_id: str = "2101.02831", **overrides) -> Paper:
    fields = {
        "arxiv_id": arxiv_id,
        "title": f"A paper about {arxiv_id}",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "abstract": f"We study {arxiv_id} and find it interesting.",
        "primary_category": "cs.LG",
        "categories": ("cs.LG", "stat.ML"),
        "published": dt.date(2021, 1, 10),
    }
    fields.update(overrides)
    return Paper(**fields)


def make_post(
    arxiv_ids: tuple[str, ...] = ("2101.02831",),
    reposts: int = 10,
    likes: int = 20,
    **overrides,
) -> Post:
    number = next(_ids)
    post_id = overrides.pop("id", str(1348000000000000000 + number))
    handle = overrides.pop("author_handle", f"user{number}")
    fields = {
        "source": "x",
        "id": post_id,
        "url": f"https://x.com/{handle}/status/{post_id}",
        "author_name": f"User {number}",
        "author_handle": handle,
        "text": f"Look at this paper https://t.co/abc{number}",
        "lang": "en",
        "created_at": dt.datetime(2021, 1, 11, 12, 0, tzinfo=dt.UTC),
        "counts": Counts(reposts=reposts, likes=likes, quotes=1, replies=2),
        "arxiv_ids": arxiv_ids,
        "links": (
            Link(
                url=f"https://t.co/abc{number}",
                expanded_url=f"https://arxiv.org/abs/{arxiv_ids[0]}"
                if arxiv_ids
                else "https://example.org/",
                display_url=f"arxiv.org/abs/{arxiv_ids[0]}"
                if arxiv_ids
                else "example.org",
            ),
        ),
    }
    fields.update(overrides)
    return Post(**fields)


def make_entry(arxiv_id: str = "2101.02831", scores=((30, 40),), **paper) -> Entry:
    return Entry(
        paper=make_paper(arxiv_id, **paper),
        posts=tuple(make_post((arxiv_id,), r, lk) for r, lk in scores),
    )


def make_day(
    date: dt.date = dt.date(2021, 1, 11),
    entries: tuple[Entry, ...] | None = None,
    **overrides,
) -> Day:
    if entries is None:
        entries = (
            make_entry("2101.02831", ((100, 50),)),
            make_entry("2101.03164", ((30, 30), (5, 5))),
        )
    fields = {
        "date": date,
        "counts_taken_at": dt.datetime.combine(
            date + dt.timedelta(days=1), dt.time(13, 59, 29), tzinfo=dt.UTC
        ),
        "sources": ("x",),
        "entries": entries,
    }
    fields.update(overrides)
    return Day(**fields)
