"""Rendering without Pelican: escaping, links in post text, URL checks."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import example, given
from hypothesis import strategies as st
from jinja2 import DictLoader

from pelican_hotpapers.models import Link
from pelican_hotpapers.ranking import rank_day
from pelican_hotpapers.render import (
    _TOKEN_RE,
    SUMMARY_TITLE_LIMIT,
    Renderer,
    category_url,
    link_url,
    post_text,
    safe_url,
    shorten,
)
from pelican_hotpapers.settings import HotpapersSettings

from .factories import make_day, make_entry, make_post


@pytest.fixture
def settings(tmp_path: Path) -> HotpapersSettings:
    return HotpapersSettings.from_pelican({"TIMEZONE": "UTC"}, tmp_path)


def test_post_text_links_short_links_mentions_and_hashtags():
    post = make_post(
        text="New paper by @alice #NLP\npdf: https://t.co/abc, see https://example.org/x.",
        links=(
            Link(
                "https://t.co/abc",
                "https://arxiv.org/pdf/2101.02831",
                "arxiv.org/pdf/2101.02831",
            ),
        ),
    )
    html = BeautifulSoup(str(post_text(post)), "html.parser")
    anchors = {a.get_text(): a["href"] for a in html.find_all("a")}
    assert anchors == {
        "@alice": "https://x.com/alice",
        "#NLP": "https://x.com/hashtag/NLP",
        "arxiv.org/pdf/2101.02831": "https://arxiv.org/pdf/2101.02831",
    }
    assert html.find("br") is not None
    # An address X did not mark as a link stays text.
    assert html.get_text().endswith(", see https://example.org/x.")


def anchors_of(html: str) -> list[tuple[str, str]]:
    return [
        (a.get_text(), a["href"])
        for a in BeautifulSoup(html, "html.parser").find_all("a")
    ]


def test_only_addresses_x_marked_as_links_are_linked():
    post = make_post(
        text="Paper https://t.co/abc1 (mirror: https://evil.example/x)",
        links=(
            Link(
                "https://t.co/abc1",
                "https://arxiv.org/abs/2101.02831",
                "arxiv.org/abs/2101.02831",
            ),
        ),
    )

    html = str(post_text(post))

    assert anchors_of(html) == [
        ("arxiv.org/abs/2101.02831", "https://arxiv.org/abs/2101.02831")
    ]
    page = BeautifulSoup(html, "html.parser")
    assert page.get_text() == (
        "Paper arxiv.org/abs/2101.02831 (mirror: https://evil.example/x)"
    )
    assert "evil.example" not in "".join(a["href"] for a in page.find_all("a"))


def test_a_marked_link_without_display_text_shows_where_it_leads():
    post = make_post(
        text="see https://t.co/z9",
        links=(Link("https://t.co/z9", "https://arxiv.org/abs/2101.03164"),),
    )

    assert anchors_of(str(post_text(post))) == [
        ("https://arxiv.org/abs/2101.03164", "https://arxiv.org/abs/2101.03164")
    ]


def test_only_addresses_bluesky_marked_as_links_are_linked():
    post = make_post(
        source="bluesky",
        text="New: arxiv.org/abs/2101.0… and https://evil.example/@bob#x too",
        links=(
            Link(
                "arxiv.org/abs/2101.0…",
                "https://arxiv.org/abs/2101.02831",
                "arxiv.org/abs/2101.0…",
            ),
        ),
    )

    html = str(post_text(post))

    # No mention or hashtag is found inside the unmarked address either.
    assert anchors_of(html) == [
        ("arxiv.org/abs/2101.0…", "https://arxiv.org/abs/2101.02831")
    ]
    assert BeautifulSoup(html, "html.parser").get_text() == post.text


def test_a_link_that_covers_trailing_punctuation_is_linked_whole():
    post = make_post(
        source="bluesky",
        text="(see https://example.org/a_(b)). Or https://example.org/a_(b)!",
        links=(Link("https://example.org/a_(b)", "https://arxiv.org/abs/2101.02831"),),
    )

    html = str(post_text(post))

    assert anchors_of(html) == [
        ("https://arxiv.org/abs/2101.02831", "https://arxiv.org/abs/2101.02831"),
        ("https://arxiv.org/abs/2101.02831", "https://arxiv.org/abs/2101.02831"),
    ]
    assert BeautifulSoup(html, "html.parser").get_text() == (
        "(see https://arxiv.org/abs/2101.02831). Or https://arxiv.org/abs/2101.02831!"
    )


def test_an_unmarked_address_never_borrows_a_marked_link():
    marked = "https://example.org/a"
    post = make_post(
        source="bluesky",
        text=(
            "https://example.org/a_(b)). https://example.org/abc). "
            "https://example.org/a, https://evil.example/x)."
        ),
        links=(
            Link(marked, "https://arxiv.org/abs/2101.02831"),
            Link("https://example.org/a_(b)", "https://arxiv.org/abs/2101.03164"),
            Link("https://example.org/a_(b))", "https://arxiv.org/abs/2309.16609"),
            Link("https://t.co/a-key-longer-than-the-address", "https://x.org/"),
        ),
    )

    html = str(post_text(post))

    # The longest link that covers the address wins; an address that only
    # starts like a link, or that no link covers, stays text.
    assert [href for _, href in anchors_of(html)] == [
        "https://arxiv.org/abs/2309.16609",
        "https://arxiv.org/abs/2101.02831",
    ]
    assert BeautifulSoup(html, "html.parser").get_text() == (
        "https://arxiv.org/abs/2309.16609. https://example.org/abc). "
        "https://arxiv.org/abs/2101.02831, https://evil.example/x)."
    )


def test_post_text_escapes_markup():
    post = make_post(text='<img src=x onerror="alert(1)"> & <b>bold</b>', links=())
    html = str(post_text(post))
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img" in html and "&amp;" in html


HOSTILE_TEXT = '<img src=x onerror="alert(1)"> & </a><script>alert(2)</script>'


def test_a_link_with_a_safe_target_still_escapes_its_text():
    post = make_post(
        text="read https://t.co/abc",
        links=(
            Link("https://t.co/abc", "https://arxiv.org/abs/2101.02831", HOSTILE_TEXT),
        ),
    )
    html = str(post_text(post))
    assert "<img" not in html and "<script" not in html and "</a><" not in html
    page = BeautifulSoup(html, "html.parser")
    (anchor,) = page.find_all("a")
    assert anchor["href"] == "https://arxiv.org/abs/2101.02831"
    assert anchor.get_text() == HOSTILE_TEXT
    assert page.get_text() == f"read {HOSTILE_TEXT}"


def test_a_bluesky_link_facet_over_markup_is_escaped():
    """Bluesky's link text is whatever the author typed over the link."""
    from pelican_hotpapers.sources.bluesky import parse_post

    text = f"See {HOSTILE_TEXT} now"
    start = len(b"See ")
    view = {
        "uri": "at://did:plc:abc/app.bsky.feed.post/3k",
        "author": {"did": "did:plc:abc", "handle": "alice.bsky.social"},
        "record": {
            "text": text,
            "createdAt": "2021-01-11T12:00:00Z",
            "facets": [
                {
                    "index": {
                        "byteStart": start,
                        "byteEnd": start + len(HOSTILE_TEXT.encode()),
                    },
                    "features": [
                        {
                            "$type": "app.bsky.richtext.facet#link",
                            "uri": "https://arxiv.org/abs/2101.02831",
                        }
                    ],
                }
            ],
        },
    }
    post = parse_post(view)
    assert post is not None and post.links[0].display_url == HOSTILE_TEXT

    html = str(post_text(post))

    assert "<img" not in html and "<script" not in html
    page = BeautifulSoup(html, "html.parser")
    (anchor,) = page.find_all("a")
    assert anchor["href"] == "https://arxiv.org/abs/2101.02831"
    assert anchor.get_text() == HOSTILE_TEXT
    assert page.get_text() == text


def test_expanded_url_with_bad_scheme_is_not_linked():
    post = make_post(
        text="click https://t.co/evil",
        links=(Link("https://t.co/evil", "javascript:alert(1)", "totally safe"),),
    )
    html = BeautifulSoup(str(post_text(post)), "html.parser")
    assert html.find("a") is None
    # Not linked, but still shown, as text.
    assert html.get_text() == "click totally safe"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/1", "https://arxiv.org/abs/1"),
        ("http://example.org", "http://example.org"),
        ("mailto:a@b.org", "mailto:a@b.org"),
        ("javascript:alert(1)", ""),
        ("JaVaScRiPt:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        (" javascript:alert(1)", ""),
        ("data:text/html,<script>", ""),
        ("vbscript:x", ""),
        ("//evil.example/x", ""),
        (None, ""),
        # Whitespace or a control character inside: not a URL to make a link of.
        ("https://example.org/a b", ""),
        ("https://example.org/a\tb", ""),
        ("https://example.org/a\nb", ""),
        ("https://example.org/a\x00b", ""),
        ("https://example.org/a\x7fb", ""),
        ("https://exa mple.org/", ""),
        ("http://example.org/\x1b[31m", ""),
        # Around it, whitespace is only trimmed.
        (" https://example.org/a ", "https://example.org/a"),
        ("\thttps://example.org/a\n", "https://example.org/a"),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_link_url_allows_only_http():
    assert link_url("mailto:a@b.org") == ""
    assert link_url("https://x.com/a") == "https://x.com/a"


@pytest.mark.parametrize(
    ("category", "url"),
    [
        ("cs.LG", "https://arxiv.org/list/cs.LG/recent"),
        ("hep-th", "https://arxiv.org/list/hep-th/recent"),
        ("astro-ph.CO", "https://arxiv.org/list/astro-ph.CO/recent"),
        ('cs.LG"><script>', ""),
        ("../../etc", ""),
        ("", ""),
    ],
)
def test_category_url(category, url):
    assert category_url(category) == url


def test_render_day_escapes_every_outside_field(settings):
    evil = "<script>alert('x')</script>"
    entry = make_entry(
        "2101.02831",
        ((100, 0),),
        title=evil,
        authors=(evil,),
        abstract=evil,
        categories=(evil, "cs.LG"),
    )
    post = make_post(
        author_name=evil, author_handle=evil, text=evil, lang='en" onx="1', reposts=99
    )
    entry = entry.__class__(paper=entry.paper, posts=(post,))
    html = Renderer(settings).render_day(
        rank_day(make_day(entries=(entry,)), settings.ranking)
    )
    page = BeautifulSoup(html, "html.parser")
    assert page.find("script") is None
    assert not [
        t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)
    ]
    assert page.get_text().count(evil) == 7
    category_links = [a["href"] for a in page.select(".hotpapers-categories a")]
    assert category_links == ["https://arxiv.org/list/cs.LG/recent"]


def test_embed_script_only_when_opted_in(tmp_path):
    day = make_day()
    for opt_in in (False, True):
        hp = HotpapersSettings.from_pelican(
            {"HOTPAPERS_EMBED_SCRIPT": opt_in}, tmp_path
        )
        html = Renderer(hp).render_day(rank_day(day, hp.ranking))
        assert ("platform.twitter.com/widgets.js" in html) is opt_in


def test_counts_time_uses_the_site_timezone(tmp_path):
    hp = HotpapersSettings.from_pelican({"TIMEZONE": "Asia/Tokyo"}, tmp_path)
    html = Renderer(hp).render_day(rank_day(make_day(), hp.ranking))
    # 13:59:29 UTC is 22:59 in Tokyo.
    assert "2021-01-12 22:59 JST" in html


def test_theme_loader_wins_and_can_extend_ours(settings):
    loader = DictLoader(
        {
            "hotpapers/day.html": '{% extends "!hotpapers/hotpapers/day.html" %}'
            "{% block intro %}<p id=mine>{{ day.date }}</p>{% endblock %}"
        }
    )
    html = Renderer(settings, loader).render_day(rank_day(make_day(), settings.ranking))
    page = BeautifulSoup(html, "html.parser")
    assert page.find(id="mine").get_text() == "2021-01-11"
    assert len(page.select("section.hotpapers-paper")) == 2


def test_empty_day_says_so(settings):
    day = make_day(entries=(make_entry("2101.02831", ((1, 1),)),))
    html = Renderer(settings).render_day(rank_day(day, settings.ranking))
    assert "No paper reached a score of 50" in html


def test_summary_names_the_top_papers(tmp_path):
    hp = HotpapersSettings.from_pelican({"HOTPAPERS_SUMMARY_PAPERS": 1}, tmp_path)
    summary = Renderer(hp).render_summary(rank_day(make_day(), hp.ranking))
    assert "A paper about 2101.02831" in summary
    assert "A paper about 2101.03164" not in summary
    assert summary.startswith("<p>2 hot papers on 2021-01-11")


def test_long_date(settings):
    value = dt.datetime(2021, 1, 5, 23, 0, tzinfo=dt.UTC)
    assert Renderer(settings).long_date(value) == "January 5, 2021"


def test_summary_without_named_papers_still_counts_them(tmp_path):
    hp = HotpapersSettings.from_pelican({"HOTPAPERS_SUMMARY_PAPERS": 0}, tmp_path)
    summary = Renderer(hp).render_summary(rank_day(make_day(), hp.ranking))
    assert summary == "<p>2 hot papers on 2021-01-11.</p>"


def test_summary_titles_are_bidi_isolated(tmp_path):
    hp = HotpapersSettings.from_pelican({}, tmp_path)
    entry = make_entry("2101.02831", ((100, 0),), title="\u202eevil")
    summary = Renderer(hp).render_summary(
        rank_day(make_day(entries=(entry,)), hp.ranking)
    )
    assert "<bdi>\u202eevil</bdi>" in summary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("Short title", "Short title"),
        ("x" * 120, "x" * 120),
        # cut after the last word that fits, never inside it
        ("word " * 30, ("word " * 24).rstrip() + "…"),
        ("A study of " + "long " * 30, "A study of " + ("long " * 21).rstrip() + "…"),
        # one long word: cut inside it rather than lose most of the room
        ("A " + "x" * 200, "A " + "x" * 117 + "…"),
        ("x" * 1_000_000, "x" * 119 + "…"),
    ],
)
def test_shorten(text: str, expected: str) -> None:
    assert shorten(text) == expected
    assert len(shorten(text)) <= SUMMARY_TITLE_LIMIT


def test_shorten_to_another_limit() -> None:
    assert shorten("one two three four", 15) == "one two three…"
    # The last space is too early: losing "thr" is better than losing the room.
    assert shorten("one two three four", 12) == "one two thr…"
    # A space at two thirds of the room is late enough.
    assert shorten("abcdefgh ijklmnop", 12) == "abcdefgh…"
    # Spaces before the cut are dropped, not shown before the "…".
    assert shorten("ab" + " " * 20 + "cd", 12) == "ab…"
    assert shorten("one two three four", 18) == "one two three four"


def test_summary_cuts_long_titles_and_stays_small(tmp_path):
    hp = HotpapersSettings.from_pelican({}, tmp_path)
    titles = ["A" * 1_000_000, "<b>" * 333_333 + "x", "Attention " * 50]
    entries = tuple(
        make_entry(f"2101.0283{n}", ((100, n),), title=title)
        for n, title in enumerate(titles, start=1)
    )
    summary = Renderer(hp).render_summary(
        rank_day(make_day(entries=entries), hp.ranking)
    )
    assert len(summary) < 3 * 6 * SUMMARY_TITLE_LIMIT
    shown = [bdi.get_text() for bdi in BeautifulSoup(summary, "html.parser")("bdi")]
    # Best first: the third title has the most likes.
    assert shown == [shorten(title) for title in reversed(titles)]
    assert shown[0] == ("Attention " * 12).rstrip() + "…"
    # Cut before escaping: "<b>" is shown whole, never a broken "&lt;" entity.
    assert shown[1] == "<b>" * 39 + "<b…"
    assert "&lt;b&gt;" * 39 + "&lt;b…" in summary


# --- what ranking counted, shown to readers -------------------------------------

STUFFED = "Read it #A #B #C #D #E #F #G #H https://t.co/abc"


def flagged_day():
    from pelican_hotpapers.models import Counts, Entry

    from .factories import make_paper

    def post(source: str, reposts: int, likes: int, text: str, **kw):
        return make_post(
            source=source, counts=Counts(reposts, likes), text=text, links=(), **kw
        )

    posts = (
        post("x", 1155, 15, STUFFED, author_handle="marcus"),
        post("bluesky", 900, 30, "A fine paper", id="at://did:plc:a/post/1"),
        post("hackernews", 0, 300, "A fine paper", id="4242"),
        post("mastodon", 500, 3, "A fine paper", id="m1"),
        post("x", 30, 10, "Me again", author_handle="marcus"),
    )
    return make_day(entries=(Entry(make_paper(), posts),))


def test_flagged_posts_carry_their_labels(settings):
    html = Renderer(settings).render_day(rank_day(flagged_day(), settings.ranking))
    page = BeautifulSoup(html, "html.parser")
    posts = page.select(".hotpapers-post")
    assert [p["class"][-1] for p in posts] == [
        "hotpapers-post-bluesky",
        "hotpapers-post-hackernews",
        "hotpapers-post-x",
        "hotpapers-post-mastodon",
    ]
    labels = []
    for shown in posts:
        flags = shown.find_next_sibling()
        if flags is None or "hotpapers-flags" not in flags.get("class", ()):
            labels.append([])
            continue
        labels.append(
            [(span["class"], span.get_text()) for span in flags.select("span")]
        )
    amplified = ["hotpapers-flag", "hotpapers-flag-amplified"]
    assert labels == [
        [(amplified, "amplified: 900 reposts, 30 likes")],
        [],
        [
            (amplified, "amplified: 1155 reposts, 15 likes"),
            (
                ["hotpapers-flag", "hotpapers-flag-hashtag"],
                "hashtag stuffing: 8 hashtags in 10 words",
            ),
        ],
        [(amplified, "amplified: 500 reposts, 3 likes")],
    ]
    # The same account's second post adds nothing and is not shown.
    assert "Me again" not in page.get_text()
    assert page.select_one(".hotpapers-accounts").get_text() == ("posted by 4 accounts")
    assert page.select_one(".hotpapers-rules") is not None


def test_sum_shows_no_flags_and_no_rules(tmp_path):
    hp = HotpapersSettings.from_pelican({"HOTPAPERS_RANKING": "sum"}, tmp_path)
    html = Renderer(hp).render_day(rank_day(flagged_day(), hp.ranking))
    page = BeautifulSoup(html, "html.parser")
    assert page.select(".hotpapers-flag") == []
    assert page.select_one(".hotpapers-rules") is None
    assert "Me again" in page.get_text()
    assert page.select_one(".hotpapers-accounts").get_text() == ("posted by 4 accounts")


def test_one_account_is_said_in_the_singular(settings):
    day = make_day(entries=(make_entry("2101.02831", ((30, 40),)),))
    html = Renderer(settings).render_day(rank_day(day, settings.ranking))
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one(".hotpapers-accounts").get_text() == "posted by 1 account"
    assert page.select_one(".hotpapers-account-count").get_text() == "1"


#: The token pattern as first written: lookbehinds before each alternative.
#: render._TOKEN_RE finds the same tokens, written so that it runs faster.
PLAIN_TOKEN_RE = re.compile(
    r"(?P<url>(?i:https?)://[^\s<>\"'\u0000-\u001f\u007f]+)"
    r"|(?<![\w@/])@(?P<mention>[A-Za-z0-9_][A-Za-z0-9_.-]{0,252})"
    r"|(?<![\w#&/])#(?P<tag>\w{1,100})"
)
TOKEN_TEXT = st.lists(
    st.sampled_from([*"@#&/:._- \n\tabhHtTpPsSſ日1é<\"'", "://", "http", "https"]),
    max_size=30,
).map("".join)


@given(text=st.one_of(TOKEN_TEXT, st.text(max_size=60)))
@example(text="a httpſ://b @c")
def test_the_token_pattern_finds_what_the_plain_one_does(text):
    def tokens(pattern):
        # A URL is render._TOKEN_RE's whole match, in no group.
        return [
            (m.span(), m.lastgroup or "url", m.group()) for m in pattern.finditer(text)
        ]

    assert tokens(_TOKEN_RE) == tokens(PLAIN_TOKEN_RE)


def test_every_token_kind_at_the_start_and_after_each_neighbour():
    text = "@a #b http://c a@d a#e /@f /#g &#h @@i ##j HTTPſ://k x@y.z"
    found = [(m.lastgroup or "url", m.group()) for m in _TOKEN_RE.finditer(text)]
    assert found == [
        ("mention", "@a"),
        ("tag", "#b"),
        ("url", "http://c"),
        ("url", "HTTPſ://k"),
    ]


def test_a_robust_score_is_shown_whole_and_kept_exact(settings):
    """Two decimals of a capped count tell a reader nothing; the data keep them."""
    import msgspec

    # With more than X, a paper shows its score.
    day = rank_day(make_day(sources=("x", "bluesky")), settings.ranking)
    entry = msgspec.structs.replace(day.entries[0], score=538.39)
    day = msgspec.structs.replace(day, entries=(entry, *day.entries[1:]))
    html = Renderer(settings).render_day(day)
    assert '<span class="hotpapers-score">538</span>' in html
    assert "538.39" not in html
    assert day.entries[0].score == 538.39
