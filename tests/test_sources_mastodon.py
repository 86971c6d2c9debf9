"""The Mastodon source: tag timelines, search, paging by id, statuses, faults.

Requests go to loopback pytest-httpservers: a hand-built instance
(tests/remote_mastodon.py) that pages as Mastodon's controllers do, and the
recorded answers in tests/data/fixtures/mastodon (its INDEX.md says what
each is), served as they were received. The socket guard in pyproject.toml
fails any test that reaches further.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from werkzeug import Request, Response

from pelican_hotpapers.models import Counts, Link
from pelican_hotpapers.sources import SOURCE_CLASSES
from pelican_hotpapers.sources.mastodon import (
    DEFAULT_TAGS,
    LATE_ARRIVAL,
    PAGE_LIMIT,
    MastodonError,
    MastodonOptions,
    MastodonRateLimitError,
    MastodonSource,
    parse_status,
    parse_timeline_page,
    read_content,
    snowflake_id,
    snowflake_time,
)
from pelican_hotpapers.sources.session import HttpOptions

from .remote import closed_port, requests_seen, split_options
from .remote_mastodon import (
    FakeInstance,
    account,
    hashtag,
    json_response,
    paper_link,
    reblog_of,
    snowflake,
    status,
)

FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures" / "mastodon"
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = START + dt.timedelta(days=1)
NOON = START + dt.timedelta(hours=12)
TOKEN = "mastodonSECRETtoken-0123456789"
ALL_TIME = (
    dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2999, 1, 1, tzinfo=dt.UTC),
)


def make_source(urls: Any, token: str | None = None, **kwargs: Any) -> MastodonSource:
    options: dict[str, Any] = {
        "url": urls,
        "tags": ("arxiv",),
        "timeout": 2.0,
        "retries": 1,
        "backoff": 0,
    }
    options.update(kwargs)
    return MastodonSource(*split_options(MastodonOptions, **options), token=token)


def search(source: MastodonSource, start=START, end=END):
    return source.search_posts(start, end)


def asked(httpserver, path_part: str = "/timelines/tag/") -> list[Request]:
    return [r for r in requests_seen(httpserver) if path_part in r.path]


# --- the recorded answers ----------------------------------------------------------


def cassette(name: str) -> list[dict[str, Any]]:
    """The interactions of a recorded file, in one shape for both recorders:
    uri, status, headers (lower-case names, one string each) and the body."""
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    found = []
    for item in data.get("http_interactions") or data["interactions"]:
        response = item["response"]
        status_code = response["status"]
        if isinstance(status_code, dict):  # vcrpy
            status_code = status_code["code"]
        headers = {
            key.lower(): value[0] if isinstance(value, list) else value
            for key, value in response["headers"].items()
        }
        found.append(
            {
                "method": item["request"]["method"],
                "uri": item["request"]["uri"],
                "status": status_code,
                "headers": headers,
                "body": response["body"]["string"],
            }
        )
    return found


def recorded_statuses(name: str) -> list[dict[str, Any]]:
    """Every Status entity a recorded file holds (reblogs' originals too)."""
    found = []
    for interaction in cassette(name):
        try:
            body = json.loads(interaction["body"])
        except ValueError:
            continue
        if isinstance(body, dict) and isinstance(body.get("statuses"), list):
            items = body["statuses"]
        else:
            items = body if isinstance(body, list) else [body]
        for item in items:
            if isinstance(item, dict) and "uri" in item and "account" in item:
                found.append(item)
                if isinstance(item.get("reblog"), dict):
                    found.append(item["reblog"])
    return found


RECORDED = sorted(p.name for p in FIXTURES.glob("*.y*ml"))


def test_every_recorded_file_is_here():
    assert len(RECORDED) == 12


@pytest.mark.parametrize("name", RECORDED)
def test_every_recorded_status_is_read_without_error(name):
    """None of the recordings links arXiv, so none is a post, but every one is
    read, and its text is plain (no markup, entities decoded)."""
    statuses = recorded_statuses(name)
    if name != "mastodonpy_test_search.yaml":  # its statuses list is empty
        assert statuses
    for entity in statuses:
        assert parse_status(entity, *ALL_TIME) is None
        text, links = read_content(entity.get("content") or entity.get("text", ""))
        assert "<" not in text.replace("<3", "")
        assert "&amp;" not in text and "&#39;" not in text
        for link in links:
            assert link.expanded_url.startswith(("http://", "https://"))
            assert "/tags/" not in link.expanded_url  # hashtags are not links


@pytest.mark.parametrize("name", RECORDED)
def test_every_recorded_status_linking_a_paper_in_its_card_is_a_post(name):
    """The same statuses, each with a paper as its (original's) preview card:
    every public one becomes a post, with the recorded counts and author."""
    for entity in recorded_statuses(name):
        entity = copy.deepcopy(entity)
        original = entity["reblog"] or entity
        original["card"] = {"url": "https://arxiv.org/abs/2101.02831", "type": "link"}

        post = parse_status(entity, *ALL_TIME)

        if original["visibility"] != "public":
            assert post is None
            continue
        assert post is not None, entity["id"]
        assert post.id == original["uri"]
        assert post.arxiv_ids == ("2101.02831",)
        assert post.counts == Counts(
            reposts=original["reblogs_count"],
            likes=original["favourites_count"],
            quotes=original.get("quotes_count", 0),
            replies=original["replies_count"],
        )
        assert "@" in post.author_handle
        assert post.author_id.startswith(("http://", "https://"))


def test_a_recorded_tag_timeline_is_read_through_its_link_header(httpserver):
    """mastodon.social's #rstats, anonymously: the answer served as recorded
    (its Link header names mastodon.social; only its max_id is read)."""
    (recorded,) = cassette("rtoot_get_timeline_hashtag_anonymous.yml")
    body = json.loads(recorded["body"])
    body[2]["card"]["url"] = "https://arxiv.org/abs/2507.01234v1"

    def handler(request: Request) -> Response:
        if "max_id" in request.args and request.args["max_id"] == "114869144089828147":
            return json_response([])  # the recorded Link's next page
        return json_response(body, link=recorded["headers"]["link"])

    httpserver.expect_request("/api/v1/timelines/tag/rstats").respond_with_handler(
        handler
    )
    day = dt.datetime(2025, 7, 17, tzinfo=dt.UTC)

    result = make_source(httpserver.url_for("/"), tags=("rstats",)).search_posts(
        day, day + dt.timedelta(days=1)
    )

    assert [r.args["max_id"] for r in asked(httpserver)] == [
        str(snowflake_id(day + dt.timedelta(days=1) + LATE_ARRIVAL)),
        "114869144089828147",
    ]
    assert (result.reads, result.pages) == (5, 2)
    (post,) = result.posts
    assert post.id == body[2]["uri"]
    assert post.id.startswith("https://hachyderm.io/users/zkamvar/statuses/")
    assert post.author_handle == "zkamvar@hachyderm.io"
    assert post.arxiv_ids == ("2507.01234",)
    assert post.text.startswith("Fun thing that @snystrom and I found today")
    assert post.counts == Counts(
        reposts=body[2]["reblogs_count"],
        likes=body[2]["favourites_count"],
        replies=body[2]["replies_count"],
    )


def test_a_recorded_walk_is_followed_to_its_empty_page(httpserver):
    """Mastodon.py's walk over a 30-status tag: three pages of ten, the third
    still with rel="next", then an empty page with no Link header."""
    walk = [
        i
        for i in cassette("mastodonpy_test_pagination_iterator_cut.yaml")
        if "/timelines/tag/" in i["uri"] and "min_id" not in i["uri"]
    ]
    assert [len(json.loads(i["body"])) for i in walk] == [10, 10, 10, 0]
    assert "link" not in walk[-1]["headers"] and "link" in walk[-2]["headers"]
    tag = walk[0]["uri"].split("/tag/")[1].split("?")[0]
    by_max_id = {}
    for interaction in walk[1:]:
        by_max_id[interaction["uri"].split("max_id=")[1]] = interaction

    def handler(request: Request) -> Response:
        found = by_max_id.get(request.args["max_id"], walk[0])
        headers = (
            {"link": found["headers"]["link"]} if "link" in found["headers"] else {}
        )
        return Response(found["body"], content_type="application/json", headers=headers)

    httpserver.expect_request(f"/api/v1/timelines/tag/{tag}").respond_with_handler(
        handler
    )
    day = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)

    result = make_source(httpserver.url_for("/"), tags=(tag,)).search_posts(
        day, day + dt.timedelta(days=1)
    )

    assert [r.args["max_id"] for r in asked(httpserver)][1:] == list(by_max_id)
    assert (result.reads, result.pages, result.capped) == (30, 4, False)
    assert result.posts == ()  # "Toot number 29!": no paper


def test_a_recorded_page_that_reaches_before_the_day_ends_the_walk():
    """#ichbinhanna's 40 statuses span five weeks: for 2025-07-10 the walk
    stops at that page, whatever its Link header says."""
    (recorded,) = cassette("rtoot_handle_params_max_id_cut.yml")
    body = json.loads(recorded["body"])
    day = dt.datetime(2025, 7, 10, tzinfo=dt.UTC)
    window = (day, day + dt.timedelta(days=1))

    page = parse_timeline_page(
        body,
        recorded["headers"]["link"].split(">")[0].lstrip("<"),
        snowflake_id(window[1] + LATE_ARRIVAL),
        snowflake_id(day - dt.timedelta(minutes=1)),
        window,
    )

    assert (page.reads, page.cursor) == (40, None)


def test_a_recorded_reblog_stands_for_its_original():
    """rtoot's account timeline holds a real reblog wrapper: empty content,
    ".../activity" uri, zero counts. Its original, linking a paper, is the post."""
    (wrapper,) = [
        s
        for s in recorded_statuses("rtoot_get_account_statuses_limit_cut.yml")
        if s.get("reblog")
    ]
    wrapper = copy.deepcopy(wrapper)
    original = wrapper["reblog"]
    original["content"] += f"<p>{paper_link('2405.01234')}</p>"
    assert wrapper["content"] == "" and wrapper["uri"].endswith("/activity")

    post = parse_status(wrapper, *ALL_TIME)

    assert post.id == original["uri"] != wrapper["uri"]
    # A local account of fosstodon.org, which answered: its acct has no domain.
    assert "@" not in original["account"]["acct"]
    assert post.author_handle == original["account"]["acct"] + "@fosstodon.org"
    assert post.counts.likes == original["favourites_count"]
    # ...and only if the original was written in the day, not the boost.
    written = dt.datetime.fromisoformat(original["created_at"].replace("Z", "+00:00"))
    after = written + dt.timedelta(seconds=1)
    assert parse_status(wrapper, after, after + dt.timedelta(days=1)) is None


def test_a_recorded_boost_answer_of_the_api_is_read_as_its_original():
    """Mastodon.py's POST /reblog answer is a wrapper too (no pinned key)."""
    wrappers = [
        s
        for s in recorded_statuses("mastodonpy_test_status_reblog_unreblog.yaml")
        if s.get("reblog")
    ]
    assert wrappers
    for wrapper in wrappers:
        wrapper = copy.deepcopy(wrapper)
        wrapper["reblog"]["card"] = {"url": "https://arxiv.org/pdf/2405.01234v2"}
        # Mastodon.py's suite posts unlisted, which no page may show...
        assert wrapper["reblog"]["visibility"] == "unlisted"
        assert parse_status(wrapper, *ALL_TIME) is None
        # ...and a public original is what a timeline would hold.
        wrapper["reblog"]["visibility"] = "public"
        post = parse_status(wrapper, *ALL_TIME)
        assert post is not None and post.id == wrapper["reblog"]["uri"]
        assert post.counts.reposts == wrapper["reblog"]["reblogs_count"] == 1


def test_a_recorded_card_is_read_for_its_paper():
    """The status whose text is a URL: its card (example.org) is read as a
    link target; with a paper there it is a post, linking both."""
    entity = next(
        s for s in recorded_statuses("mastodonpy_test_status_card.yaml") if s["card"]
    )
    text, links = read_content(entity["content"])
    assert text == "http://example.org/"
    assert links == [Link("http://example.org/", "http://example.org/", "example.org/")]
    entity = copy.deepcopy(entity)
    entity["card"]["url"] = "https://arxiv.org/abs/2101.02831"
    assert parse_status(entity, *ALL_TIME) is None  # posted unlisted
    entity["visibility"] = "public"

    post = parse_status(entity, *ALL_TIME)

    assert post.arxiv_ids == ("2101.02831",)
    assert post.links == tuple(links)


def test_recorded_search_without_statuses_is_an_empty_search(httpserver):
    """The recorded search body, with every key present and no statuses."""
    bodies = [
        i["body"]
        for i in cassette("mastodonpy_test_search.yaml")
        if "type=statuses" in i["uri"]
    ]
    assert json.loads(bodies[0]) == {
        "accounts": [],
        "statuses": [],
        "hashtags": [],
        "collections": [],
    }
    httpserver.expect_request("/api/v2/search").respond_with_data(
        bodies[0], content_type="application/json"
    )
    FakeInstance(httpserver, prefix="/x")  # no tag timeline statuses under /x

    source = make_source(httpserver.url_for("/"), token=TOKEN, tags=())
    result = search(source)

    assert (result.posts, result.reads, result.pages) == ((), 0, 1)


def test_recorded_html_quirks_become_plain_text():
    """Entities, mentions in h-cards, bridged <br>, an inline quote."""
    texts = {
        s["id"]: read_content(s.get("content", ""))[0]
        for s in recorded_statuses("mastodonpy_test_public_tl_anonymous.yaml")
        + recorded_statuses("rtoot_handle_params_max_id_cut.yml")
    }
    assert any("'" in t for t in texts.values())
    quoting = [
        s
        for s in recorded_statuses("rtoot_handle_params_max_id_cut.yml")
        if "quote-inline" in s["content"]
    ]
    assert quoting
    for entity in quoting:
        assert "RE:" in entity["content"]
        assert "RE:" not in texts[entity["id"]]


# --- snowflakes -------------------------------------------------------------------


def test_ids_are_snowflakes_of_milliseconds():
    # The first recorded id of Mastodon.py's walk: its status was created at
    # 13:53:00.550, and stored 2 ms before (the database's clock).
    when = dt.datetime(2026, 8, 1, 13, 53, 0, 548000, tzinfo=dt.UTC)
    assert snowflake_time("117020582251615632") == when
    assert snowflake_id(when) == 117020582251615632 >> 16 << 16
    assert snowflake_id(when) > 2**53
    assert snowflake_time("not-an-id") is None
    assert snowflake_time("9" * 30) is None


# --- requests -------------------------------------------------------------------


def test_a_tag_timeline_is_asked_from_the_days_end_without_a_token(httpserver):
    FakeInstance(httpserver, timelines={"arxiv": [status(1, NOON)]})

    result = search(make_source(httpserver.url_for("/")))

    first, second = asked(httpserver)
    assert first.path == "/api/v1/timelines/tag/arxiv"
    assert dict(first.args) == {
        "limit": str(PAGE_LIMIT),
        "max_id": str(snowflake_id(END + dt.timedelta(hours=2))),
    }
    assert "Authorization" not in first.headers
    assert second.args["max_id"] == status(1, NOON)["id"]  # the page's last
    assert [p.id for p in result.posts] == [status(1, NOON)["uri"]]
    assert asked(httpserver, "/search") == []  # no token, no search


def test_the_defaults_read_mastodon_social_and_a_few_research_tags():
    options = MastodonOptions()
    assert options.instances == ("https://mastodon.social",)
    assert options.tags == tuple(DEFAULT_TAGS) and "arxiv" in options.tags
    assert options.token_env == "MASTODON_ACCESS_TOKEN"
    assert MastodonOptions(
        url=("https://a.example/", "https://a.example", "https://b.example")
    ).instances == (
        "https://a.example",
        "https://b.example",
    )


def test_pages_are_walked_back_to_the_start_of_the_day(httpserver):
    """95 statuses of the day and 50 of the day before: the walk reads the
    day's pages and stops at the first page that reaches the day before."""
    today = [status(n, NOON - dt.timedelta(minutes=7 * n)) for n in range(95)]
    before = [
        status(1000 + n, START - dt.timedelta(minutes=5 * (n + 1))) for n in range(50)
    ]
    FakeInstance(httpserver, timelines={"arxiv": today + before})

    result = search(make_source(httpserver.url_for("/")))

    assert len(asked(httpserver)) == 3  # 40 + 40 + (15 of the day + 25 before)
    assert len(result.posts) == 95
    assert (result.reads, result.pages, result.capped) == (120, 3, False)


def test_a_timeline_is_read_to_its_empty_page(httpserver):
    """A tag with 41 statuses, all in the day: 40, then 1, then the empty page."""
    FakeInstance(
        httpserver,
        timelines={
            "arxiv": [status(n, NOON + dt.timedelta(seconds=n)) for n in range(41)]
        },
    )

    result = search(make_source(httpserver.url_for("/")))

    assert len(asked(httpserver)) == 3
    assert len(result.posts) == 41 and result.pages == 3


def test_max_pages_caps_each_timeline(httpserver):
    FakeInstance(
        httpserver,
        timelines={
            "arxiv": [status(n, NOON + dt.timedelta(seconds=n)) for n in range(100)]
        },
    )

    result = search(make_source(httpserver.url_for("/"), max_pages=2))

    assert len(asked(httpserver)) == 2
    assert result.capped and len(result.posts) == 80


def test_only_statuses_written_in_the_day_count_however_late_they_arrived(httpserver):
    late = status(1, END - dt.timedelta(minutes=5), arrived=END + dt.timedelta(hours=1))
    tomorrow = status(2, END + dt.timedelta(minutes=5))
    early = status(
        3, START + dt.timedelta(seconds=1), arrived=START + dt.timedelta(seconds=1)
    )
    yesterday = status(4, START - dt.timedelta(seconds=1))
    at_the_end = status(5, END)  # the window's end is the next day's start
    FakeInstance(
        httpserver, timelines={"arxiv": [late, tomorrow, early, yesterday, at_the_end]}
    )

    result = search(make_source(httpserver.url_for("/")))

    assert sorted(p.id for p in result.posts) == sorted([late["uri"], early["uri"]])


def test_the_walk_starts_late_enough_for_a_status_an_hour_late(httpserver):
    too_late = status(1, END - dt.timedelta(minutes=1), arrived=END + LATE_ARRIVAL)
    FakeInstance(httpserver, timelines={"arxiv": [too_late]})

    assert search(make_source(httpserver.url_for("/"))).posts == ()


def test_a_status_seen_through_two_tags_is_one_post(httpserver):
    both = status(1, NOON, tags=("arxiv", "preprint"))
    FakeInstance(
        httpserver,
        timelines={"arxiv": [both], "preprint": [both, status(2, NOON)]},
    )

    result = search(make_source(httpserver.url_for("/"), tags=("arxiv", "preprint")))

    assert sorted(p.id for p in result.posts) == sorted(
        [both["uri"], status(2, NOON)["uri"]]
    )
    assert result.reads == 3


def test_a_status_seen_on_two_instances_is_one_post_with_its_fullest_counts(
    httpserver,
):
    """Each instance gives the status an id of its own and knows the boosts and
    favourites that reached it; the uri is the same."""
    home = status(1, NOON, favourites=30, reblogs=4)
    elsewhere = dict(
        home, id=snowflake(NOON + dt.timedelta(seconds=3), 9), favourites_count=12
    )
    a = FakeInstance(httpserver, "/a", {"arxiv": [elsewhere]})
    b = FakeInstance(httpserver, "/b", {"arxiv": [home]})

    (post,) = search(make_source((a.url, b.url))).posts

    assert post.id == home["uri"]
    assert post.counts == Counts(reposts=4, likes=30, replies=2)


def test_a_reblog_in_a_timeline_is_its_original_once(httpserver):
    original = status(1, NOON)
    boost = reblog_of(original, NOON + dt.timedelta(hours=1))
    FakeInstance(httpserver, timelines={"arxiv": [boost, original]})

    result = search(make_source(httpserver.url_for("/")))

    (post,) = result.posts
    assert post.id == original["uri"]
    assert post.author_handle == "ada@fediscience.org"
    assert result.reads == 2


def test_a_reblog_of_an_older_status_is_no_post_of_the_day(httpserver):
    old = status(1, START - dt.timedelta(days=3))
    FakeInstance(httpserver, timelines={"arxiv": [reblog_of(old, NOON)]})

    assert search(make_source(httpserver.url_for("/"))).posts == ()


def test_a_status_whose_only_paper_is_in_its_card_is_a_post(httpserver):
    carded = status(
        1,
        NOON,
        content="<p>Worth a read, with a thread below 🧵</p>",
        card_url="https://arxiv.org/abs/2603.05555",
    )
    FakeInstance(httpserver, timelines={"arxiv": [carded]})

    (post,) = search(make_source(httpserver.url_for("/"))).posts

    assert post.arxiv_ids == ("2603.05555",)
    assert post.links == ()
    assert post.text == "Worth a read, with a thread below 🧵"


# --- a status, read -----------------------------------------------------------------


def test_a_status_becomes_a_post():
    entity = status(
        7,
        NOON,
        content=(
            '<p>Our new paper &amp; <span class="h-card" translate="no"><a '
            'href="https://mastodon.example/@bob" class="u-url mention">@<span>bob'
            "</span></a></span>'s code: "
            + paper_link("2603.01234")
            + "<br />Long link: "
            '<a href="https://arxiv.org/abs/2603.07777v2" rel="nofollow noopener">'
            '<span class="invisible">https://</span><span class="ellipsis">arxiv.org/'
            'abs/2603.0</span><span class="invisible">7777v2</span></a></p>'
            f"<p>{hashtag('arxiv')} {hashtag('ml')}</p>"
        ),
        spoiler_text="",
        quotes_count=3,
    )

    post = parse_status(entity, START, END)

    assert post.source == "mastodon"
    assert post.id == entity["uri"]
    assert post.url == entity["url"]
    assert (post.author_name, post.author_handle) == ("Ada", "ada@fediscience.org")
    assert post.author_id == "https://fediscience.org/users/ada"
    assert post.author_followers == 120
    assert post.lang == "en"
    assert post.created_at == NOON
    assert post.counts == Counts(reposts=4, likes=30, quotes=3, replies=2)
    assert post.arxiv_ids == ("2603.01234", "2603.07777")
    assert post.text == (
        "Our new paper & @bob's code: https://arxiv.org/abs/2603.01234\n"
        "Long link: https://arxiv.org/abs/2603.07777v2\n\n#arxiv #ml"
    )
    assert post.links == (
        Link(
            "https://arxiv.org/abs/2603.01234",
            "https://arxiv.org/abs/2603.01234",
            "arxiv.org/abs/2603.01234",
        ),
        Link(
            "https://arxiv.org/abs/2603.07777v2",
            "https://arxiv.org/abs/2603.07777v2",
            "arxiv.org/abs/2603.0…",
        ),
    )


def test_an_account_of_the_answering_instance_gets_its_domain():
    local = account("carol", None)  # acct "carol", profile on mastodon.example
    post = parse_status(status(1, NOON, author=local), START, END)
    assert post.author_handle == "carol@mastodon.example"
    del local["uri"]
    post = parse_status(status(1, NOON, author=local), START, END)
    assert post.author_id == "https://mastodon.example/@carol"


def test_a_content_warning_comes_before_the_text():
    post = parse_status(status(1, NOON, spoiler_text="Long thread"), START, END)
    assert post.text.startswith("Long thread\n\nNew preprint & code: ")


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="https://arxiv.org/abs/2603.01234" class="mention hashtag" '
        'rel="tag">#x</a>',
        '<a href="https://arxiv.org/abs/2603.01234">#x</a>',
        '<a href="https://arxiv.org/abs/2603.01234"> @x@arxiv.org</a>',
        '<a href="https://arxiv.org/abs/2603.01234" class="hashtag">#x</a>',
        '<a href="https://arxiv.org/abs/2603.01234" rel="tag">#x</a>',
        '<span class="h-card"><a href="https://arxiv.org/abs/2603.01234">@x</a></span>',
        '<a href="https://arxiv.org/abs/2603.01234" class="u-url mention">@x</a>',
        '<span class="quote-inline">RE: <a href="https://arxiv.org/abs/2603.01234">x</a></span>',
        '<a href="javascript:alert(1)">https://arxiv.org/abs/2603.01234</a>',
        '<a href="mailto:ada@arxiv.org">https://arxiv.org/abs/2603.01234</a>',
        "https://arxiv.org/abs/2603.01234 written but not linked",
    ],
)
def test_mentions_hashtags_quotes_and_text_are_not_links(anchor):
    entity = status(1, NOON, content=f"<p>{anchor}</p>")
    assert parse_status(entity, START, END) is None


@pytest.mark.parametrize("visibility", ["unlisted", "private", "direct", None])
def test_only_public_statuses_are_posts(visibility):
    assert parse_status(status(1, NOON, visibility=visibility), START, END) is None


@pytest.mark.parametrize(
    "change",
    [
        {"uri": "not a url"},
        {"uri": None},
        {"account": None},
        {"created_at": "soon", "id": "x"},
    ],
)
def test_malformed_statuses_are_not_posts(change):
    assert parse_status({**status(1, NOON), **change}, START, END) is None
    assert parse_status("status", START, END) is None


def test_a_bad_created_at_falls_back_to_the_ids_time():
    entity = status(1, NOON, created_at="soon")
    assert parse_status(entity, START, END).created_at == NOON


def test_odd_counts_and_urls_are_tolerated():
    entity = status(1, NOON, reblogs_count="4", favourites_count=None, url=7)
    entity["replies_count"] = True
    entity["account"]["followers_count"] = -1
    post = parse_status(entity, START, END)
    assert post.counts == Counts()
    assert post.url == entity["uri"]
    assert post.author_followers is None


# --- search, with a token ------------------------------------------------------------


def test_with_a_token_the_home_instance_is_also_searched(httpserver):
    found = [status(n, NOON + dt.timedelta(minutes=n), tags=()) for n in range(45)]
    home = FakeInstance(httpserver, "/home", token=TOKEN, searchable=found)
    other = FakeInstance(httpserver, "/other")

    result = search(make_source((home.url, other.url), token=TOKEN))

    searches = asked(httpserver, "/api/v2/search")
    assert [r.path for r in searches] == ["/home/api/v2/search"] * 3
    assert [r.args["offset"] for r in searches] == ["0", "40", "45"]
    first = searches[0]
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert {k: first.args[k] for k in ("q", "type", "limit")} == {
        "q": "arxiv.org",
        "type": "statuses",
        "limit": "40",
    }
    assert int(first.args["min_id"]) == snowflake_id(START - dt.timedelta(minutes=1))
    assert int(first.args["max_id"]) == snowflake_id(END + LATE_ARRIVAL)
    # The token goes to its own instance only.
    for request in requests_seen(httpserver):
        if request.path.startswith("/other"):
            assert "Authorization" not in request.headers
        else:
            assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert len(result.posts) == 45


def test_search_leaves_out_authors_who_opted_out_of_search(httpserver):
    shy = status(1, NOON, author=account("shy", indexable=False), tags=())
    open_ = status(2, NOON, tags=())
    FakeInstance(httpserver, token=TOKEN, searchable=[shy, open_])

    result = search(make_source(httpserver.url_for("/"), token=TOKEN))

    assert [p.id for p in result.posts] == [open_["uri"]]
    # In a tag timeline the same author's hashtag is their choice to be seen.
    assert parse_status(shy, START, END) is not None


def test_search_leaves_out_what_the_token_sees_but_the_public_does_not(httpserver):
    private = status(1, NOON, visibility="private", tags=())
    FakeInstance(httpserver, token=TOKEN, searchable=[private])

    assert search(make_source(httpserver.url_for("/"), token=TOKEN)).posts == ()


def test_a_search_that_ignores_its_offset_is_a_loop(httpserver):
    FakeInstance(httpserver, "/t")
    httpserver.expect_request("/api/v2/search").respond_with_json(
        {"statuses": [status(1, NOON)], "accounts": [], "hashtags": []}
    )

    with pytest.raises(MastodonError, match="pagination looped: the search's offset 1"):
        search(make_source(httpserver.url_for("/"), token=TOKEN, tags=()))


@pytest.mark.parametrize("body", [{"accounts": []}, [], {"statuses": {}}])
def test_a_search_answer_without_statuses_fails(httpserver, body):
    httpserver.expect_request("/api/v2/search").respond_with_json(body)

    with pytest.raises(MastodonError, match="no search results"):
        search(make_source(httpserver.url_for("/"), token=TOKEN, tags=()))


# --- the token -----------------------------------------------------------------------


def test_the_token_comes_from_its_variable_and_is_masked(httpserver):
    options = MastodonOptions(url=httpserver.url_for("/"), token_env="MY_MASTODON")
    with_token = MastodonSource.from_options(
        options,
        HttpOptions(),
        {"MY_MASTODON": f" {TOKEN} ", "MASTODON_ACCESS_TOKEN": "x"},
    )
    without = MastodonSource.from_options(options, HttpOptions(), {"MY_MASTODON": " "})

    assert with_token.auth is not None and with_token.auth._token == TOKEN
    assert TOKEN not in repr(with_token) and "token='***'" in repr(with_token)
    assert without.auth is None and "token=None" in repr(without)
    assert "$MY_MASTODON" in MastodonSource.missing_credentials(options)


def test_a_refused_token_is_named_by_its_variable_never_shown(
    httpserver, hotpapers_log
):
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_json(
        {"error": "The access token is invalid"}, status=401
    )

    with pytest.raises(MastodonError) as caught:
        search(make_source(httpserver.url_for("/"), token=TOKEN))

    message = str(caught.value)
    assert "refused the access token in $MASTODON_ACCESS_TOKEN (HTTP 401: " in message
    assert TOKEN not in message
    for record in hotpapers_log.records:
        assert TOKEN not in record.getMessage()


# --- an instance that refuses anonymous tag timelines ------------------------------


def test_a_lone_instance_that_refuses_fails_naming_the_setting_then_rests(
    httpserver, hotpapers_log
):
    FakeInstance(httpserver, refuse=True, timelines={"arxiv": [status(1, NOON)]})
    source = make_source(httpserver.url_for("/"), tags=("arxiv", "preprint"))

    with pytest.raises(MastodonError) as caught:
        search(source)

    message = str(caught.value)
    assert (
        "shows its tag timelines only to a signed-in user (HTTP 422: This " in message
    )
    assert "HOTPAPERS_MASTODON_TOKEN_ENV" in message
    assert len(asked(httpserver)) == 1  # not every tag
    # The error is the one warning (the fetch logs it): none of its own.
    assert [r for r in hotpapers_log.records if r.levelno >= logging.WARNING] == []
    # For the rest of the run the source says why it cannot see a day.
    assert source.unavailable(START, END) == caught.value.message


def test_one_refusing_instance_of_two_is_one_warning_and_left_out(
    httpserver, hotpapers_log
):
    closed = FakeInstance(httpserver, "/closed", refuse=True)
    open_ = FakeInstance(httpserver, "/open", {"arxiv": [status(1, NOON)]})
    source = make_source((closed.url, open_.url))

    first = search(source)
    second = search(source, START - dt.timedelta(days=1), START)

    assert [p.id for p in first.posts] == [status(1, NOON)["uri"]]
    assert second.posts == ()
    warnings = [r for r in hotpapers_log.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].getMessage().startswith("hotpapers: Mastodon: ")
    assert "HOTPAPERS_MASTODON_TOKEN_ENV" in warnings[0].getMessage()
    assert len([r for r in asked(httpserver) if r.path.startswith("/closed")]) == 1
    assert source.unavailable(START, END) is None


@pytest.mark.parametrize("status_code", [401, 403])
def test_older_refusals_are_refusals_too(httpserver, status_code):
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_json(
        {"error": "This API requires an authenticated user"}, status=status_code
    )

    with pytest.raises(MastodonError, match=f"signed-in user \\(HTTP {status_code}"):
        search(make_source(httpserver.url_for("/")))


# --- faults -----------------------------------------------------------------------


@pytest.mark.parametrize("status_code", [500, 502, 503, 504])
def test_server_errors_are_retried_then_reported(httpserver, status_code):
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_data(
        "oops", status=status_code
    )

    with pytest.raises(MastodonError) as caught:
        search(make_source(httpserver.url_for("/"), retries=2))

    assert str(caught.value) == (
        f"Mastodon API: the tag timeline on localhost failed with HTTP {status_code}"
    )
    assert len(httpserver.log) == 3


def test_an_address_that_is_no_mastodon_api_is_reported(httpserver):
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_data(
        "Not Found", status=404
    )

    with pytest.raises(
        MastodonError, match="tag timeline on localhost failed with HTTP 404"
    ):
        search(make_source(httpserver.url_for("/")))


def test_a_429_with_retry_after_is_waited_for(httpserver):
    answers = [
        Response(
            '{"error": "Too many requests"}', status=429, headers={"Retry-After": "0"}
        ),
        json_response([status(1, NOON)]),
        json_response([]),
    ]
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_handler(
        lambda _: answers.pop(0)
    )

    assert len(search(make_source(httpserver.url_for("/"))).posts) == 1


def test_a_429_whose_iso_reset_is_far_is_a_rate_limit_for_the_run(httpserver):
    reopens = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_response(
        Response(
            '{"error": "Too many requests"}',
            status=429,
            headers={
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reopens.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        )
    )

    started = time.monotonic()
    with pytest.raises(MastodonRateLimitError) as caught:
        search(make_source(httpserver.url_for("/"), rate_limit_max_wait=10, retries=3))

    assert caught.value.rate_limited
    assert f"until {reopens:%Y-%m-%d %H:%M} UTC" in str(caught.value)
    assert len(httpserver.log) == 1
    assert time.monotonic() - started < 1


def test_a_429_without_a_reset_says_so_plainly(httpserver):
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_data(
        "{}", status=429
    )

    with pytest.raises(MastodonRateLimitError) as caught:
        search(make_source(httpserver.url_for("/"), retries=0))

    assert "it asks to wait, longer" in str(caught.value)


HTML = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.mark.parametrize(
    ("body", "mimetype", "expected"),
    [
        (HTML, "text/html", "not valid JSON"),
        (json.dumps([status(1, NOON)])[:300], "application/json", "not valid JSON"),
        ("", "application/json", "not valid JSON"),
        (json.dumps({"error": "nope"}), "application/json", "not a list of statuses"),
        (json.dumps([{"uri": "https://a/b"}]), "application/json", "has no id"),
        (
            json.dumps([dict(status(1, NOON), id=117020582251615632)]),
            "application/json",
            "has no id",
        ),
    ],
    ids=["html", "truncated", "empty", "object", "no-id", "numeric-id"],
)
def test_bodies_that_are_not_timelines_fail(httpserver, body, mimetype, expected):
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_data(
        body, mimetype=mimetype
    )

    with pytest.raises(MastodonError) as caught:
        search(make_source(httpserver.url_for("/")))

    assert expected in str(caught.value)
    assert str(caught.value).startswith("Mastodon API: ")


def test_an_instance_that_ignores_max_id_is_a_loop(httpserver):
    page = [status(n, NOON + dt.timedelta(seconds=n)) for n in range(3)]
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_json(page)

    with pytest.raises(
        MastodonError, match="pagination looped: the next page's max_id"
    ):
        search(make_source(httpserver.url_for("/"), max_pages=10))

    assert len(httpserver.log) == 2


def test_a_link_header_that_points_forward_is_a_loop(httpserver):
    page = [status(1, NOON)]
    ahead = str(snowflake_id(END + dt.timedelta(days=30)))
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_json(
        page, headers={"Link": f'<https://x.example/t?max_id={ahead}>; rel="next"'}
    )

    with pytest.raises(MastodonError, match="looped"):
        search(make_source(httpserver.url_for("/")))

    assert len(httpserver.log) == 1


def test_a_link_header_without_max_id_falls_back_to_the_last_status(httpserver):
    statuses = [status(n, NOON - dt.timedelta(minutes=n)) for n in range(3)]
    answers = [
        json_response(statuses[:2], link='<https://x.example/t?min_id=1>; rel="next"'),
        json_response(statuses[2:], link="garbage"),
        json_response([]),
    ]
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_handler(
        lambda _: answers.pop(0)
    )

    result = search(make_source(httpserver.url_for("/")))

    assert [r.args["max_id"] for r in asked(httpserver)][1:] == [
        statuses[1]["id"],
        statuses[2]["id"],
    ]
    assert len(result.posts) == 3


def test_a_bad_second_page_fails_the_whole_timeline(httpserver):
    statuses = [status(n, NOON - dt.timedelta(minutes=n)) for n in range(2)]
    answers = [
        json_response(statuses),
        Response('[{"id": "1', content_type="application/json"),
    ]
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_handler(
        lambda _: answers.pop(0)
    )

    with pytest.raises(MastodonError, match="not valid JSON"):
        search(make_source(httpserver.url_for("/")))


def test_connection_refused_names_no_address_or_token():
    port = closed_port()
    source = make_source(f"http://127.0.0.1:{port}", token=TOKEN, retries=1)

    with pytest.raises(MastodonError) as caught:
        search(source)

    assert "refused" in str(caught.value)
    assert str(port) not in str(caught.value) and TOKEN not in str(caught.value)


def test_the_token_reaches_no_log_line_even_when_retried(httpserver, hotpapers_log):
    answers = [Response("busy", status=503), json_response([])]
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_handler(
        lambda _: answers.pop(0)
    )
    FakeInstance(httpserver, "/unused")
    httpserver.expect_request("/api/v2/search").respond_with_json({"statuses": []})

    search(make_source(httpserver.url_for("/"), token=TOKEN))

    assert hotpapers_log.records
    for record in hotpapers_log.records:
        assert TOKEN not in record.getMessage()


# --- the class ------------------------------------------------------------------------


def test_the_source_is_registered_with_its_words_for_its_counts():
    assert SOURCE_CLASSES["mastodon"] is MastodonSource
    assert MastodonSource.count_words == (
        ("reposts", "boosts"),
        ("likes", "favourites"),
        ("replies", "replies"),
    )
    source = MastodonSource.from_options(MastodonOptions(), HttpOptions(), {})
    assert source.unavailable(START, END) is None
    assert repr(source) == (
        "MastodonSource(instances=('https://mastodon.social',), tags=('arxiv', "
        "'preprint', 'newpaper', 'machinelearning'), max_pages=10, token=None)"
    )


def test_malformed_addresses_are_tolerated():
    entity = status(
        1,
        NOON,
        content='<p><a href="http://[oops/abs/1">x</a> '
        + paper_link("2603.01234")
        + "</p>",
        author=account("dan", None, url="https://[bad", uri=""),
    )

    post = parse_status(entity, START, END)

    assert [link.expanded_url for link in post.links] == [
        "https://arxiv.org/abs/2603.01234"
    ]
    assert post.author_handle == "dan"  # no domain to add: its acct as given
    assert post.author_id == "https://[bad"
    page = parse_timeline_page(
        [entity], "http://[::1/t?max_id=5", int(entity["id"]) + 1, 0, (START, END)
    )
    assert page.cursor == entity["id"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("Forbidden", "(HTTP 422)"),
        ('{"message": "no"}', "(HTTP 422)"),
        ("[]", "(HTTP 422)"),
    ],
)
def test_a_refusal_without_its_words_names_its_status(httpserver, body, said):
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_data(
        body, status=422
    )

    with pytest.raises(MastodonError) as caught:
        search(make_source(httpserver.url_for("/")))

    assert f"signed-in user {said}" in str(caught.value)


def test_a_429_whose_iso_reset_is_near_is_waited_for_then_read(httpserver, monkeypatch):
    """Mastodon's own 429 (rack-attack): no Retry-After, an ISO reset time."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    answers = [
        Response(
            '{"error": "Too many requests"}',
            status=429,
            headers={"X-RateLimit-Reset": soon.strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
        ),
        json_response([status(1, NOON)]),
        json_response([]),
    ]
    httpserver.expect_request("/api/v1/timelines/tag/arxiv").respond_with_handler(
        lambda _: answers.pop(0)
    )

    result = search(make_source(httpserver.url_for("/"), rate_limit_max_wait=10))

    assert len(result.posts) == 1
    assert len(slept) == 1 and 1.0 < slept[0] <= 2.0
