"""The source layer's shared parts: the paging loop and the registry."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest

from pelican_hotpapers.models import Counts, Post
from pelican_hotpapers.options import settings_of
from pelican_hotpapers.settings import option_classes
from pelican_hotpapers.sources import SOURCE_CLASSES, base


class PagingError(base.SourceError, service="Test API"):
    """The test service gave no complete answer."""


def post(post_id: str, likes: int = 1) -> Post:
    return Post(
        source="test",
        id=post_id,
        url=f"https://example.org/{post_id}",
        author_name="",
        author_handle="",
        text="",
        created_at=dt.datetime(2021, 1, 11, tzinfo=dt.UTC),
        counts=Counts(likes=likes),
        arxiv_ids=("2101.00001",),
    )


def pages_of(*pages: base.Page):
    """A fetch_page that serves ``pages`` in order and records what it was asked."""
    asked: list[tuple[object, int]] = []

    def fetch_page(cursor, reads):
        asked.append((cursor, reads))
        return pages[len(asked) - 1]

    return fetch_page, asked


def test_pages_are_followed_until_a_page_has_no_cursor():
    fetch_page, asked = pages_of(
        base.Page((post("1"),), 3, "c2"),
        base.Page((), 2, 7),
        base.Page((post("2"),), 1, None),
    )

    result = base.collect_pages(fetch_page, max_pages=5, error=PagingError)

    assert asked == [(None, 0), ("c2", 3), (7, 5)]
    assert [p.id for p in result.posts] == ["1", "2"]
    assert (result.reads, result.pages, result.capped) == (6, 3, False)


def test_a_post_that_comes_twice_counts_once_with_its_latest_counts():
    fetch_page, _ = pages_of(
        base.Page((post("1", likes=5), post("2")), 2, "c2"),
        base.Page((post("1", likes=9),), 1, None),
    )

    result = base.collect_pages(fetch_page, max_pages=5, error=PagingError)

    assert [(p.id, p.counts.likes) for p in result.posts] == [("1", 9), ("2", 1)]
    assert result.reads == 3


def test_a_cursor_that_comes_back_is_the_sources_error():
    fetch_page, asked = pages_of(
        base.Page((), 1, "a"), base.Page((), 1, "b"), base.Page((), 1, "a")
    )

    with pytest.raises(PagingError) as caught:
        base.collect_pages(fetch_page, max_pages=10, error=PagingError)

    assert str(caught.value) == (
        "Test API: pagination looped back to an earlier page after 3 pages"
    )
    assert len(asked) == 3


@pytest.mark.parametrize(
    ("max_pages", "max_reads", "pages", "capped"),
    [
        (2, None, 2, True),  # there was more: capped
        (3, None, 3, False),  # the last page came within the cap
        (9, 40, 2, True),  # 50 read, at least 40
        (9, 51, 3, False),
    ],
)
def test_the_caps_stop_the_search_and_say_so_when_there_was_more(
    max_pages, max_reads, pages, capped
):
    fetch_page, asked = pages_of(
        base.Page((post("1"),), 25, "c2"),
        base.Page((post("2"),), 25, "c3"),
        base.Page((post("3"),), 5, None),
    )

    result = base.collect_pages(
        fetch_page, max_pages=max_pages, max_reads=max_reads, error=PagingError
    )

    assert (len(asked), result.pages, result.capped) == (pages, pages, capped)
    assert len(result.posts) == pages


# --- the registry ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(SOURCE_CLASSES))
def test_each_source_is_registered_under_its_own_name(name):
    source = SOURCE_CLASSES[name]
    assert source.name == name
    assert source.label and source.title and source.service and source.unit
    assert dataclasses.is_dataclass(source.Options)
    names = [spec.name for _, spec in settings_of(source.Options)]
    assert names and all(n.startswith("HOTPAPERS_") for n in names)
    # Its counts in its own words: Counts fields, each once, each with a word.
    fields = [field for field, _ in source.count_words]
    assert fields and len(set(fields)) == len(fields)
    assert set(fields) <= {"reposts", "likes", "quotes", "replies"}
    assert all(word and word.islower() for _, word in source.count_words)


def test_each_source_says_its_counts_in_its_own_words():
    words = {name: dict(cls.count_words) for name, cls in SOURCE_CLASSES.items()}
    assert words == {
        "x": {"reposts": "reposts", "likes": "likes"},
        "bluesky": {"reposts": "reposts", "likes": "likes"},
        "hackernews": {"likes": "points", "replies": "comments"},
        "huggingface": {"likes": "upvotes", "replies": "comments"},
        "mastodon": {"reposts": "boosts", "likes": "favourites", "replies": "replies"},
    }


def test_no_two_fields_declare_one_setting():
    names = Counter(
        spec.name for cls in option_classes() for _, spec in settings_of(cls)
    )
    assert [name for name, times in names.items() if times > 1] == []


def test_as_text_and_count_read_only_what_they_should():
    assert base.as_text("a") == "a"
    assert [base.as_text(v) for v in (None, 3, ["a"])] == ["", "", ""]
    assert [base.count(v) for v in (3, 0, -2, True, 2.5, "4", None)] == [
        3,
        0,
        0,
        0,
        0,
        0,
        0,
    ]
