"""Robust ranking (HOTPAPERS_RANKING = "robust"): the rules, their reasons as
labels, a labelled corpus, and the properties every day must satisfy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pelican_hotpapers import archive
from pelican_hotpapers.models import Counts, Entry, Post, RankedDay, RankedEntry
from pelican_hotpapers.ranking import (
    account_key,
    build_entries,
    explain_lines,
    rank_day,
    stuffing_flag,
    tag_counts,
)
from pelican_hotpapers.settings import RankingOptions, RobustRules

from .conftest import EXAMPLE_SITE
from .factories import make_day, make_paper, make_post

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "ranking-corpus.json"
ROBUST = RankingOptions(min_paper_score=0, min_post_score=0)
SUM = RankingOptions(mode="sum", min_paper_score=0, min_post_score=0)
STUFFED = (
    "A Tale of Fairness Revisited: Beyond Adversarial Learning for Deep Neural "
    "Network Fairness. #DeepLearning #BigData #Analytics #Python #RStats "
    "#DevCommunity #Serverless #Linux #Programming #IoT #womenwhocode "
    "#100DaysOfCode #DataScience #MachineLearning #AI https://t.co/X2hRsqWe8G "
    "pic.twitter.com/B0CLFmQbZj"
)


def post(reposts: int = 10, likes: int = 20, quotes: int = 0, replies: int = 0, **kw):
    return make_post(
        kw.pop("arxiv_ids", ("2101.02831",)),
        counts=Counts(reposts, likes, quotes, replies),
        **kw,
    )


def only(*posts: Post, options: RankingOptions = ROBUST) -> RankedEntry:
    ranked = rank_day(make_day(entries=(Entry(make_paper(), posts),)), options)
    (entry,) = ranked.entries
    return entry


def counted_of(entry: RankedEntry, p: Post):
    (found,) = [c for c in entry.counted_posts if c.post.id == p.id]
    return found


def kinds(counted) -> set[str]:
    return {flag.kind for flag in counted.flags}


# --- the default -------------------------------------------------------------


def test_robust_is_the_default() -> None:
    assert RankingOptions().mode == "robust"
    assert RankingOptions().rules == RobustRules()


def test_a_plain_post_counts_its_reposts_and_likes() -> None:
    """Without flags and below the knee, robust counts what "sum" counts."""
    p = post(30, 70, 2, 3)
    entry = only(p)
    assert entry.score == 100
    assert entry.accounts == 1
    assert counted_of(entry, p).flags == ()
    assert entry.posts == (p,)


# --- amplification -----------------------------------------------------------


def test_reposts_beyond_the_cap_are_not_counted_and_labelled() -> None:
    # cap = 10 x (10 likes + 1 quote + 2 replies) + 20 = 150
    p = post(900, 10, 1, 2)
    entry = only(p)
    counted = counted_of(entry, p)
    assert counted.reposts_counted == 150
    assert entry.score == 150 + 10
    assert [f.label for f in counted.flags] == ["amplified: 900 reposts, 10 likes"]
    assert kinds(counted) == {"amplified"}
    # The reader still sees the raw counts.
    assert entry.counts == Counts(900, 10, 1, 2)


def test_the_cap_is_inclusive() -> None:
    at_cap = post(150, 10, 1, 2)
    over = post(151, 10, 1, 2)
    assert counted_of(only(at_cap), at_cap).flags == ()
    assert only(at_cap).score == 160
    assert kinds(counted_of(only(over), over)) == {"amplified"}
    assert only(over).score == 160


@pytest.mark.parametrize(
    "counts", [Counts(300, 30), Counts(300, 0, quotes=30), Counts(300, 0, replies=30)]
)
def test_likes_quotes_and_replies_each_raise_the_cap(counts: Counts) -> None:
    p = post(counts.reposts, counts.likes, counts.quotes, counts.replies)
    entry = only(p)
    assert counted_of(entry, p).flags == ()
    assert counted_of(entry, p).reposts_counted == 300


def test_the_amplification_rule_follows_the_options() -> None:
    p = post(100, 5)
    strict = RankingOptions(
        min_paper_score=0,
        min_post_score=0,
        rules=RobustRules(amplification_ratio=2, amplification_allowance=0),
    )
    assert only(p, options=strict).score == 5 + 10
    assert only(p).score == 5 + 70


def test_hacker_news_points_are_never_amplified() -> None:
    story = post(0, 500, 0, 3, source="hackernews", id="4242")
    entry = only(story)
    assert counted_of(entry, story).flags == ()


# --- hashtag stuffing --------------------------------------------------------


def test_tag_counts_of_the_reference_post() -> None:
    # 13 title words and 15 hashtags; the two links are not words.
    assert tag_counts(STUFFED) == (15, 0, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (0, 0, 0)),
        ("New paper https://arxiv.org/abs/2101.02831", (0, 0, 2)),
        ("see arxiv.org/abs/2101.02831 and pic.twitter.com/abc", (0, 0, 2)),
        ("w/ @ada @alan: #ML", (1, 2, 4)),
        ("@ada @alan @grace thanks, this one answers it", (0, 0, 5)),
        ("(#AI, #ML) and @x.", (2, 1, 4)),
        ("# not a tag, @ neither, email me@example.org", (0, 0, 6)),
        ("論文紹介 #機械学習 #深層学習", (2, 0, 3)),
        ("#compchem👇🧵 1/N", (1, 0, 2)),
    ],
)
def test_tag_counts(text: str, expected: tuple[int, int, int]) -> None:
    assert tag_counts(text) == expected


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        (STUFFED, True),
        # five tags making up half the words
        ("New paper #A #B #C #D #E read it now", True),
        # five tags, less than half
        ("New paper #A #B #C #D #E read it now please", False),
        # four tags only
        ("#A #B #C #D", False),
        # eight hashtags: stuffing whatever the share
        ("#A #B #C #D #E #F #G #H " + "word " * 40, True),
        ("#A #B #C #D #E #F #G " + "word " * 40, False),
        # mentions count with hashtags ...
        ("Must read @OpenAI @GoogleAI @MetaAI @nvidia @DeepMind #AI", True),
        # ... but not a reply's address line
        ("@a @b @c @d @e @f this paper answers your question", False),
        # co-authors in a real sentence
        (
            "Our new benchmark with @c1 @c2 @c3 @c4 shows refinement methods "
            "overfit to CASP targets; we release 1,200 held-out structures. "
            "#ProteinDesign #CompBio",
            False,
        ),
    ],
)
def test_stuffing_flag(text: str, flagged: bool) -> None:
    flag = stuffing_flag(text, RobustRules())
    assert (flag is not None) is flagged
    if flag is not None:
        assert flag.kind == "hashtag"
        assert "hashtag" in flag.label


def test_a_stuffed_post_counts_the_stuffing_weight_and_says_why() -> None:
    p = post(60, 80, 1, 2, text=STUFFED)
    entry = only(p)
    counted = counted_of(entry, p)
    assert entry.score == 70
    assert counted.weight == 0.5
    assert [f.label for f in counted.flags] == [
        "hashtag stuffing: 15 hashtags in 28 words"
    ]
    heavier = RankingOptions(
        min_paper_score=0, min_post_score=0, rules=RobustRules(stuffing_weight=0.25)
    )
    assert only(p, options=heavier).score == 35


def test_the_stuffing_label_names_mentions_too() -> None:
    p = post(20, 30, text="Must read @OpenAI @GoogleAI @MetaAI @nvidia @DeepMind #AI")
    (flag,) = counted_of(only(p), p).flags
    assert flag.label == "hashtag stuffing: 1 hashtag, 5 mentions in 8 words"


# --- one account, once -------------------------------------------------------


def test_one_account_counts_once_per_paper_its_best_post() -> None:
    first = post(10, 40, author_handle="ada", author_id="101")
    again = post(30, 90, author_handle="ada", author_id="101")
    other = post(1, 9, author_handle="alan", author_id="102")
    entry = only(first, again, other)
    assert entry.score == 120 + 10
    assert entry.accounts == 2
    assert entry.post_count == 3
    assert counted_of(entry, again).counted_in
    repeat = counted_of(entry, first)
    assert not repeat.counted_in and repeat.counted == 0 and repeat.value == 50
    assert kinds(repeat) == {"same-account"}
    assert again.id in repeat.reason
    # The repeat is not embedded; the counted posts are, best first.
    assert entry.posts == (again, other)


def test_between_equal_posts_of_one_account_the_earlier_counts() -> None:
    at = dt.datetime(2021, 1, 11, 12, tzinfo=dt.UTC)
    later = post(10, 40, author_handle="ada", created_at=at + dt.timedelta(hours=1))
    earlier = post(10, 40, author_handle="ada", created_at=at)
    for order in ((later, earlier), (earlier, later)):
        entry = only(*order)
        assert [c.post for c in entry.counted_posts if c.counted_in] == [earlier]


def test_an_account_is_its_id_across_a_change_of_handle() -> None:
    old = post(10, 40, author_handle="dr_alice", author_id="9001")
    new = post(5, 20, author_handle="alice_lab", author_id="9001")
    entry = only(old, new)
    assert (entry.score, entry.accounts) == (50, 1)


def test_without_ids_an_account_is_its_handle_in_any_case() -> None:
    upper = post(10, 40, author_handle="Carol_ML")
    lower = post(5, 20, author_handle="carol_ml")
    assert only(upper, lower).score == 50
    assert only(upper, lower).accounts == 1


def test_one_handle_on_two_sources_is_two_accounts() -> None:
    on_x = post(10, 40, author_handle="ada")
    on_bluesky = post(5, 20, author_handle="ada", source="bluesky", id="at://a/b/1")
    assert only(on_x, on_bluesky).accounts == 2
    assert only(on_x, on_bluesky).score == 75


def test_posts_without_any_author_are_accounts_of_their_own() -> None:
    a = post(10, 40, author_handle="")
    b = post(5, 20, author_handle="")
    assert account_key(a) != account_key(b)
    assert only(a, b).score == 75


# --- breadth -----------------------------------------------------------------


def test_one_accounts_engagement_has_diminishing_returns_above_the_knee() -> None:
    at_knee = post(50, 150)
    viral = post(280, 420, 35, 60)
    assert only(at_knee).score == 200
    assert only(viral).score == round(200 * (1 + math.log(700 / 200)), 2)
    # Continuous and rising past the knee.
    assert 200 < only(post(50, 151)).score < only(post(100, 150)).score < 250


def test_many_accounts_beat_one_post_of_the_same_raw_engagement() -> None:
    broad = Entry(
        make_paper("2101.00001"),
        tuple(post(20, 50, arxiv_ids=("2101.00001",)) for _ in range(10)),
    )
    single = Entry(make_paper("2101.00002"), (post(280, 420, 35, 60),))
    ranked = rank_day(make_day(entries=(single, broad)), ROBUST)
    assert [e.paper.arxiv_id for e in ranked.entries] == ["2101.00001", "2101.00002"]
    assert [e.accounts for e in ranked.entries] == [10, 1]
    summed = rank_day(make_day(entries=(single, broad)), SUM)
    assert summed.entries[0].score == summed.entries[1].score == 700


def test_below_the_knee_ties_go_to_more_accounts_then_more_likes() -> None:
    one = Entry(make_paper("2101.00001"), (post(30, 30, arxiv_ids=("2101.00001",)),))
    liked = Entry(make_paper("2101.00002"), (post(20, 40, arxiv_ids=("2101.00002",)),))
    two = Entry(
        make_paper("2101.00003"),
        tuple(post(15, 15, arxiv_ids=("2101.00003",)) for _ in range(2)),
    )
    ranked = rank_day(make_day(entries=(one, liked, two)), ROBUST)
    assert [e.paper.arxiv_id for e in ranked.entries] == [
        "2101.00003",
        "2101.00002",
        "2101.00001",
    ]
    assert {e.score for e in ranked.entries} == {60}


# --- ignored accounts --------------------------------------------------------


def ignoring(*pairs: tuple[str, tuple[str, ...]]) -> RankingOptions:
    return RankingOptions(min_paper_score=0, min_post_score=0, ignore_accounts=pairs)


def test_an_ignored_account_is_never_counted_or_shown() -> None:
    bot = post(500, 500, author_handle="SomeBot")
    person = post(10, 30, author_handle="ada")
    entry = only(bot, person, options=ignoring(("x", ("somebot",))))
    assert entry.score == 40
    assert entry.accounts == 1
    assert entry.posts == (person,)
    assert entry.counts == Counts(10, 30) == person.counts
    assert entry.post_count == 1
    ignored = counted_of(entry, bot)
    assert not ignored.counted_in and kinds(ignored) == {"ignored"}
    assert "HOTPAPERS_IGNORE_ACCOUNTS" in ignored.reason


def test_accounts_are_ignored_by_id_and_per_source() -> None:
    on_x = post(500, 500, author_handle="renamed", author_id="did:plc:spam")
    on_bluesky = msgspec.structs.replace(on_x, source="bluesky", id="at://spam/post/1")
    options = ignoring(("bluesky", ("did:plc:spam",)))
    ranked = rank_day(make_day(entries=(Entry(make_paper(), (on_bluesky,)),)), options)
    # No post of the paper counts, so it is not listed, even from a score of 0.
    assert ranked.entries == ()
    # The same id on X is another account, and counts.
    assert only(on_x, options=options).score == only(on_x).score > 0


def test_sum_ignores_no_one() -> None:
    bot = post(500, 500, author_handle="somebot")
    options = dataclasses.replace(SUM, ignore_accounts=(("x", ("somebot",)),))
    assert only(bot, options=options).score == 1000


# --- weights and thresholds --------------------------------------------------


def test_source_weights_still_apply() -> None:
    story = post(0, 100, source="hackernews", id="1")
    options = RankingOptions(
        min_paper_score=0, min_post_score=0, weights=(("hackernews", 0.5),)
    )
    assert only(story, options=options).score == 50
    stuffed = post(0, 100, source="hackernews", id="2", text=STUFFED)
    assert only(stuffed, options=options).score == 25


def test_thresholds_compare_what_was_counted() -> None:
    amplified = post(400, 10)  # counts 10 + 120 = 130
    capped_small = post(40, 0)  # raw 40, counts 20: below the post threshold
    day = make_day(entries=(Entry(make_paper(), (amplified, capped_small)),))
    (listed,) = rank_day(day, RankingOptions(min_post_score=25)).entries
    assert listed.score == 150
    assert listed.posts == (amplified,)
    (summed,) = rank_day(day, RankingOptions(mode="sum", min_post_score=25)).entries
    assert summed.posts == (amplified, capped_small)
    # 150 is under a paper threshold of 151, which the raw 450 passes.
    assert rank_day(day, RankingOptions(min_paper_score=151)).entries == ()
    assert rank_day(day, RankingOptions(mode="sum", min_paper_score=151)).entries


def test_flagged_posts_are_still_embedded_with_their_flags() -> None:
    p = post(1155, 15, text=STUFFED)
    entry = only(p)
    assert entry.posts == (p,)
    assert [f.kind for f in entry.flags_for(p)] == ["amplified", "hashtag"]
    assert entry.flags_for(post()) == ()


def test_sum_mode_flags_nothing_and_counts_accounts() -> None:
    a = post(1155, 15, text=STUFFED, author_handle="ada")
    b = post(10, 10, author_handle="ada")
    entry = only(a, b, options=SUM)
    assert entry.score == 1190
    assert entry.accounts == 1
    assert all(c.flags == () and c.counted_in for c in entry.counted_posts)
    assert [c.post for c in entry.counted_posts] == [a, b]


# --- explain -----------------------------------------------------------------


def test_explain_gives_the_counts_what_was_counted_and_why() -> None:
    stuffed = post(1155, 15, text=STUFFED, author_handle="marcus", author_followers=9)
    again = post(5, 5, author_handle="marcus")
    bot = post(50, 50, author_handle="somebot")
    person = post(10, 20, 1, 2, author_handle="ada")
    options = dataclasses.replace(
        ignoring(("x", ("somebot",))), min_paper_score=50, min_post_score=25
    )
    ranked = rank_day(
        make_day(entries=(Entry(make_paper(), (stuffed, again, bot, person)),)),
        options,
    )
    text = "\n".join(explain_lines(ranked, options))
    assert "HOTPAPERS_RANKING = 'robust'" in text
    assert "1. 2101.02831  score 122.5  2 accounts, 3 posts" in text
    # The raw counts leave the ignored account out.
    assert "(raw 1170 reposts + 40 likes = 1210)" in text
    lines = text.splitlines()
    first = lines.index(next(line for line in lines if "@marcus (9 followers)" in line))
    assert lines[first].startswith(
        "   + X @marcus (9 followers): 1155 reposts, 15 likes"
    )
    assert f"[{stuffed.id}, embedded]" in lines[first]
    assert "flag: amplified: 1155 reposts, 15 likes" in text
    assert "flag: hashtag stuffing: 15 hashtags in 28 words" in text
    assert "reposts capped at 170 = 10 × (15 likes + 0 quotes + 0 replies) + 20" in text
    assert "× 0.5 for hashtag stuffing" in text
    assert "counted 92.5" in text
    assert f"- X @marcus: 5 reposts, 5 likes, 0 quotes, 0 replies [{again.id}]" in text
    assert f"the same account's post {stuffed.id} counts instead" in text
    assert "@somebot is in HOTPAPERS_IGNORE_ACCOUNTS" in text
    assert "counted 30: 20 likes + 10 reposts = 30" in text


def test_each_reason_in_full() -> None:
    """Every step of every kind of reason, word for word.

    Reasons are written when read, from the numbers a counted post keeps,
    so each step's text and number is checked here against the rules.
    """
    options = RankingOptions(
        min_paper_score=0,
        min_post_score=0,
        weights=(("bluesky", 3.0), ("hackernews", 0.5)),
        ignore_accounts=(("x", ("somebot",)), ("bluesky", ("did:plc:spam",))),
    )
    plain = post(10, 20, 1, 2)
    at_knee = post(50, 150)
    stuffed = post(60, 80, text=STUFFED)
    # Every step: cap = 10 x (150 + 1 + 2) + 20 = 1550; 150 + 1550 = 1700
    # is above the knee: 200 x (1 + ln 8.5) = 628.0132...; then x 3 for
    # Bluesky and x 0.5 for stuffing: 942.0198...
    loud = post(2000, 150, 1, 2, text=STUFFED, source="bluesky", id="at://b/1")
    first = post(10, 40, author_handle="ada")
    again = post(30, 90, author_handle="ada")
    bot = post(500, 500, author_handle="SomeBot")
    spam = post(9, 9, author_handle="", author_id="did:plc:spam", source="bluesky")
    story = post(0, 100, source="hackernews", id="1")
    reasons: dict[str, str] = {}
    for posts in (
        (plain, at_knee, stuffed),
        (loud,),
        (first, again),
        (bot, plain),
        (spam, story),
    ):
        for c in only(*posts, options=options).counted_posts:
            reasons[c.post.id] = c.reason
    assert reasons == {
        plain.id: "counted 30: 20 likes + 10 reposts = 30",
        at_knee.id: "counted 200: 150 likes + 50 reposts = 200",
        stuffed.id: "counted 70: 80 likes + 60 reposts = 140; × 0.5 for hashtag "
        "stuffing",
        loud.id: "counted 942.02: reposts capped at 1550 = 10 × (150 likes + "
        "1 quotes + 2 replies) + 20; 150 likes + 1550 reposts = 1700; one "
        "account above 200 counts with diminishing returns: 628.01; × 3 for "
        "Bluesky (HOTPAPERS_SOURCE_WEIGHTS); × 0.5 for hashtag stuffing",
        first.id: f"not counted: the same account's post {again.id} counts "
        "instead (one account counts once per paper); alone it would count 50",
        again.id: "counted 120: 90 likes + 30 reposts = 120",
        bot.id: "not counted: @SomeBot is in HOTPAPERS_IGNORE_ACCOUNTS",
        spam.id: "not counted: @did:plc:spam is in HOTPAPERS_IGNORE_ACCOUNTS",
        story.id: "counted 50: 100 likes + 0 reposts = 100; × 0.5 for HN "
        "(HOTPAPERS_SOURCE_WEIGHTS)",
    }
    summed = dataclasses.replace(options, mode="sum")
    (counted,) = only(plain, options=summed).counted_posts
    assert counted.reason == "counted 30 = 10 reposts + 20 likes"
    (counted,) = only(story, options=summed).counted_posts
    assert counted.reason == "counted 50 = 0.5 × (0 reposts + 100 likes)"


def test_explain_in_sum_mode_and_without_options() -> None:
    p = post(30, 70)
    ranked = rank_day(make_day(entries=(Entry(make_paper(), (p,)),)), SUM)
    lines = explain_lines(ranked, SUM)
    assert lines[0] == "Ranking: HOTPAPERS_RANKING = 'sum'"
    assert "       counted 100 = 30 reposts + 70 likes" in lines
    assert explain_lines(ranked)[0] == ""
    assert explain_lines(rank_day(make_day(entries=()), SUM)) == ["(no paper listed)"]


# --- the reference day -------------------------------------------------------


def test_the_reference_day_in_robust_mode() -> None:
    """The acceptance test of issue 12 on the example site's 2021-01-11."""
    day = archive.read_day(EXAMPLE_SITE / "hotpapers" / "2021-01-11.json")
    ranked = rank_day(day, RankingOptions())
    order = [e.paper.arxiv_id for e in ranked.entries]
    tale = next(e for e in ranked.entries if e.paper.arxiv_id == "2101.02831")
    (stuffed,) = tale.counted_posts
    assert {f.kind for f in stuffed.flags} == {"amplified", "hashtag"}
    assert "amplified: 1155 reposts, 15 likes" in [f.label for f in stuffed.flags]
    assert order[0] != "2101.02831"
    assert order.index("2101.03164") < order.index("2101.02831")
    assert order.index("2101.03149") < order.index("2101.02831")
    # Nothing else on that day is flagged, and every paper is still listed.
    others = [c for e in ranked.entries if e is not tale for c in e.counted_posts]
    assert all(c.flags == () for c in others)
    assert len(ranked.entries) == 7
    # "sum" keeps the reference post's order.
    assert [e.paper.arxiv_id for e in rank_day(day, SUM).entries][:3] == [
        "2101.02831",
        "2101.03164",
        "2101.03149",
    ]


# --- the labelled corpus -----------------------------------------------------

#: What each label of tests/data/ranking-corpus.json means for a post's flags.
EXPECTED_FLAGS = {
    "organic": set(),
    "aggregator": set(),
    "tie": set(),
    "amplified": {"amplified"},
    "stuffing": {"hashtag"},
    "amplified+stuffing": {"amplified", "hashtag"},
    "repeat": {"same-account"},
    "ignored": {"ignored"},
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, Any]:
    return json.loads(CORPUS.read_text(encoding="utf-8"))


def corpus_options(corpus: dict[str, Any], **overrides) -> RankingOptions:
    ignore = tuple(
        (source, tuple(names)) for source, names in corpus["ignore_accounts"].items()
    )
    fields = {"min_paper_score": 0, "min_post_score": 0, "ignore_accounts": ignore}
    return RankingOptions(**{**fields, **overrides})


def corpus_ranking(corpus: dict[str, Any], **overrides) -> RankedDay:
    return rank_day(archive.read_day(CORPUS), corpus_options(corpus, **overrides))


def test_the_corpus_is_a_valid_day_with_every_kind_of_post(corpus) -> None:
    day = archive.read_day(CORPUS)  # validated against the schema
    posts = {(p.source, p.id) for e in day.entries for p in e.posts}
    assert len(posts) >= 40
    labels = [p["label"] for e in corpus["entries"] for p in e["posts"]]
    assert set(labels) == set(EXPECTED_FLAGS)
    # The aggregator posts many papers; one account posts one paper repeatedly.
    handles = [
        (p["author_handle"], e["paper"]["arxiv_id"])
        for e in corpus["entries"]
        for p in e["posts"]
    ]
    by_handle: dict[str, set[str]] = {}
    for handle, arxiv_id in handles:
        by_handle.setdefault(handle, set()).add(arxiv_id)
    assert max(len(papers) for papers in by_handle.values()) >= 5
    assert any(handles.count(pair) >= 4 for pair in set(handles))


def test_every_corpus_post_is_flagged_as_labelled(corpus) -> None:
    ranked = corpus_ranking(corpus)
    counted = {
        (c.post.source, c.post.id): c for e in ranked.entries for c in e.counted_posts
    }
    for entry in corpus["entries"]:
        for labelled in entry["posts"]:
            found = counted[(labelled["source"], labelled["id"])]
            expected = EXPECTED_FLAGS[labelled["label"]]
            assert kinds(found) == expected, (labelled["label"], labelled["text"])
            assert found.counted_in is not (labelled["label"] in ("repeat", "ignored"))


def test_the_corpus_ranks_as_labelled_and_sum_does_not(corpus) -> None:
    robust = corpus_ranking(corpus)
    summed = corpus_ranking(corpus, mode="sum")
    rank = {e.paper.arxiv_id: e.rank for e in robust.entries}
    sum_rank = {e.paper.arxiv_id: e.rank for e in summed.entries}
    labels = {e["paper"]["arxiv_id"]: e["label"] for e in corpus["entries"]}
    for pair in corpus["expect_above"]:
        above, below = pair["above"], pair["below"]
        assert rank[above] < rank[below], pair["why"]
        if labels[below] == "pushed":
            # The plain sum falls for every pushed paper of the corpus.
            assert sum_rank[above] > sum_rank[below], pair["why"]


def test_in_the_corpus_one_account_counts_once(corpus) -> None:
    ranked = corpus_ranking(corpus)
    (thread,) = [e for e in ranked.entries if e.paper.arxiv_id == "2102.00103"]
    assert thread.accounts == 3
    counted = [c for c in thread.counted_posts if c.counted_in]
    assert thread.score == round(sum(c.counted for c in counted), 2)
    assert {c.post.author_handle for c in counted} == {
        "dr_alice",
        "met_office_fan",
        "clim_ai",
    }
    # The five posts of the first author add up to more than her best alone.
    alice = [c for c in thread.counted_posts if c.post.author_id == "9001"]
    assert len(alice) == 5
    assert sum(c.value for c in alice) > max(c.value for c in alice)


def test_in_the_corpus_an_ignored_account_only_counts_without_the_setting(
    corpus,
) -> None:
    listed = RankingOptions(min_paper_score=50, min_post_score=25)
    ignoring_bot = corpus_options(corpus, min_paper_score=50, min_post_score=25)
    without = rank_day(archive.read_day(CORPUS), listed)
    with_setting = rank_day(archive.read_day(CORPUS), ignoring_bot)
    ids = [e.paper.arxiv_id for e in without.entries]
    assert "2102.00119" in ids
    assert "2102.00119" not in [e.paper.arxiv_id for e in with_setting.entries]


# --- properties --------------------------------------------------------------

PAPERS = ("2101.00001", "2101.00002", "2101.00003", "2101.00004")
TEXTS = ("Worth a read", STUFFED, "Must read @a @b @c @d @e #AI", "@a @b @c @d @e see")
_post_ids = iter(range(10**9))

authors = st.sampled_from(
    [
        ("ada", "101"),
        ("ada", ""),
        ("Ada", ""),
        ("alan", "102"),
        ("alan_renamed", "102"),
        ("grace", ""),
        ("somebot", ""),
        ("", ""),
    ]
)


@st.composite
def posts(draw) -> Post:
    handle, author_id = draw(authors)
    source = draw(st.sampled_from(("x", "x", "bluesky", "hackernews")))
    # Few distinct values as well as many, so that ties happen.
    count = st.one_of(st.sampled_from((0, 10, 300)), st.integers(0, 3000))
    return Post(
        source=source,
        id=str(next(_post_ids)),
        url="https://example.org/",
        author_name=handle,
        author_handle=handle,
        text=draw(st.sampled_from(TEXTS)),
        created_at=dt.datetime(2021, 1, 11, draw(st.integers(0, 23)), tzinfo=dt.UTC),
        counts=Counts(draw(count), draw(count), draw(count), draw(count)),
        arxiv_ids=tuple(
            draw(st.lists(st.sampled_from(PAPERS), min_size=1, max_size=2, unique=True))
        ),
        author_id=author_id,
    )


options_st = st.builds(
    RankingOptions,
    mode=st.sampled_from(("robust", "sum")),
    min_paper_score=st.just(0),
    min_post_score=st.integers(0, 100),
    max_posts_per_paper=st.integers(0, 3),
    weights=st.sampled_from(((), (("hackernews", 0.5),), (("x", 0.333),))),
    ignore_accounts=st.sampled_from(((), (("x", ("somebot",)),))),
    rules=st.sampled_from(
        (RobustRules(), RobustRules(account_knee=50, amplification_ratio=2))
    ),
)


def day_of(post_list: list[Post]):
    papers = {arxiv_id: make_paper(arxiv_id) for arxiv_id in PAPERS}
    return make_day(entries=build_entries(papers, post_list))


def scores(post_list: list[Post], options: RankingOptions) -> dict[str, float]:
    """Every paper's score, listed or not (the paper threshold is 0)."""
    ranked = rank_day(day_of(post_list), options)
    return {e.paper.arxiv_id: e.score for e in ranked.entries}


def normalised(ranked: RankedDay) -> list[tuple]:
    return [
        (
            e.rank,
            e.paper.arxiv_id,
            e.score,
            e.accounts,
            e.counts,
            tuple(p.id for p in e.posts),
            tuple(
                (c.post.id, c.counted, c.counted_in, c.flags) for c in e.counted_posts
            ),
        )
        for e in ranked.entries
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(posts(), max_size=12), posts(), options_st)
def test_adding_a_post_never_lowers_a_papers_score(before, added, options) -> None:
    old = scores(before, options)
    new = scores([*before, added], options)
    for arxiv_id, score in old.items():
        assert new[arxiv_id] >= score - 0.01, arxiv_id


def split(value: int, shares: list[float]) -> list[int]:
    """``value`` in whole parts in proportion to ``shares``, adding up to it."""
    total = sum(shares)
    parts = [int(value * share / total) for share in shares[:-1]]
    return [*parts, value - sum(parts)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(posts(), max_size=10),
    posts(),
    st.lists(st.floats(0.05, 1), min_size=2, max_size=4),
    options_st,
)
def test_spreading_an_accounts_engagement_never_raises_a_score(
    others, whole, shares, options
) -> None:
    """One post's counts split over several posts of the same account and text."""
    assume(whole.author_handle or whole.author_id)  # else each post is an account
    columns = [
        split(value, shares)
        for value in (
            whole.counts.reposts,
            whole.counts.likes,
            whole.counts.quotes,
            whole.counts.replies,
        )
    ]
    parts = [
        msgspec.structs.replace(whole, id=f"{whole.id}-{n}", counts=Counts(*counts))
        for n, counts in enumerate(zip(*columns, strict=True))
    ]
    assert sum((p.counts for p in parts), Counts()) == whole.counts
    old = scores([*others, whole], options)
    new = scores([*others, *parts], options)
    for arxiv_id, score in new.items():
        if options.mode == "sum":
            assert score == pytest.approx(old[arxiv_id], abs=0.011), arxiv_id
        else:
            assert score <= old[arxiv_id] + 0.01, arxiv_id


@settings(max_examples=200, deadline=None)
@given(st.lists(posts(), max_size=14), st.randoms(use_true_random=False), options_st)
def test_the_order_of_stored_posts_never_changes_the_ranking(
    post_list, random, options
) -> None:
    day = day_of(post_list)
    entries = [
        Entry(e.paper, tuple(random.sample(e.posts, len(e.posts)))) for e in day.entries
    ]
    random.shuffle(entries)
    shuffled = msgspec.structs.replace(day, entries=tuple(entries))
    assert normalised(rank_day(shuffled, options)) == normalised(rank_day(day, options))


@settings(max_examples=300, deadline=None)
@given(st.lists(posts(), max_size=14), options_st)
def test_sum_is_the_plain_sum(post_list, options) -> None:
    options = dataclasses.replace(options, mode="sum")
    ranked = rank_day(day_of(post_list), options)
    weights = dict(options.weights)
    for entry in ranked.entries:
        linking = [p for p in post_list if entry.paper.arxiv_id in p.arxiv_ids]
        plain = sum(
            weights.get(p.source, 1) * (p.counts.reposts + p.counts.likes)
            for p in linking
        )
        # Scores are shown rounded to two decimals.
        assert entry.score == pytest.approx(plain, abs=0.0051)
        assert entry.post_count == len(linking)
        assert all(c.flags == () for c in entry.counted_posts)


# --- the free sources (issue 20) ------------------------------------------------


def test_the_free_sources_weigh_one_by_default_so_old_days_rank_as_before():
    """An upvote is one signed-in user's vote, a favourite a like, a boost a
    repost: the same acts, the same weight (sources/huggingface.py and
    sources/mastodon.py give the reasons)."""
    options = RankingOptions()
    assert options.weights == ()
    for name in ("x", "bluesky", "hackernews", "huggingface", "mastodon"):
        assert options.weight(name) == 1.0


def test_an_upvote_list_is_one_account_its_submitter():
    """Two entries of one submitter for one paper count once (its best), as
    two posts of one account do; an entry without a submitter is its own."""

    def entry_post(post_id: str, likes: int, author_id: str) -> Post:
        return make_post(
            ("2608.19880",),
            0,
            likes,
            source="huggingface",
            id=post_id,
            author_id=author_id,
            author_handle="",
        )

    day = make_day(
        dt.date(2026, 8, 21),
        entries=(
            Entry(
                make_paper("2608.19880"),
                (
                    entry_post("a", 300, "u1"),
                    entry_post("b", 40, "u1"),
                    entry_post("c", 30, ""),
                ),
            ),
        ),
    )

    (ranked,) = rank_day(day, RankingOptions()).entries

    knee = RobustRules().account_knee
    # Shown rounded to two places, as every score is.
    assert ranked.score == round(knee * (1 + math.log(300 / knee)) + 30, 2)
    assert ranked.accounts == 2
    assert ranked.counts.likes == 370  # all listed; the second adds nothing
