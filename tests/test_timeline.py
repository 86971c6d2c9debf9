"""The index over all days: trend marks, periods, digests, paper slugs."""

from __future__ import annotations

import datetime as dt

import pytest

from pelican_hotpapers import ranking
from pelican_hotpapers.models import Day, Entry
from pelican_hotpapers.settings import RankingOptions
from pelican_hotpapers.timeline import Timeline, paper_slug, period_day, period_of

from .factories import make_day, make_entry, make_paper, make_post

# Plain sums, so that the scores below are the counts given.
OPTIONS = RankingOptions(mode="sum")


def ranked_days(*days: Day):
    return [ranking.rank_day(day, OPTIONS) for day in days]


def day_with(date: dt.date, *entries: Entry) -> Day:
    return make_day(date, entries=entries)


D = dt.date(2021, 1, 11)  # a Monday


def test_iso_weeks_and_months():
    week = period_of("week", dt.date(2021, 1, 3))  # a Sunday: week 53 of 2020
    assert (week.key, week.start, week.end) == (
        "2020-W53",
        dt.date(2020, 12, 28),
        dt.date(2021, 1, 3),
    )
    assert week.label == "week 2020-W53"
    month = period_of("month", dt.date(2024, 2, 10))
    assert (month.key, month.start, month.end) == (
        "2024-02",
        dt.date(2024, 2, 1),
        dt.date(2024, 2, 29),
    )
    assert month.label == "February 2024"
    assert len(month.dates()) == 29
    december = period_of("month", dt.date(2021, 12, 31))
    assert december.end == dt.date(2021, 12, 31)
    with pytest.raises(ValueError):
        period_of("year", D)


@pytest.mark.parametrize(
    ("arxiv_id", "slug"),
    [
        ("2101.02831", "2101.02831"),
        ("hep-th/9901001", "hep-th-9901001"),
        ("math.AG/0601001", "math.AG-0601001"),
    ],
)
def test_paper_slugs_are_safe(arxiv_id, slug):
    assert paper_slug(arxiv_id) == slug


def test_trend_counts_listed_days_up_to_the_day():
    days = ranked_days(
        day_with(D, make_entry("2101.00001", ((60, 0),))),
        day_with(D + dt.timedelta(1), make_entry("2101.00002", ((60, 0),))),
        day_with(D + dt.timedelta(3), make_entry("2101.00001", ((80, 0),))),
    )
    timeline = Timeline(reversed(days))  # order does not matter
    first = timeline.trend("2101.00001", D, 14)
    assert first.new and first.day_on_list == 1
    later = timeline.trend("2101.00001", D + dt.timedelta(3), 4)
    assert later.day_on_list == 2 and not later.new
    assert later.points == (
        (D, 60),
        (D + dt.timedelta(1), None),
        (D + dt.timedelta(2), None),
        (D + dt.timedelta(3), 80),
    )
    # A later day never changes an earlier day's mark.
    assert timeline.trend("2101.00001", D, 14) == first
    assert timeline.days_listed("2101.00001") == 2
    assert timeline.life("2101.00001")[0] == (D, 60)
    assert len(timeline.life("2101.00001")) == 4
    assert timeline.life("2109.99999") == ()


def test_a_post_on_several_days_counts_once_with_its_latest_counts():
    early = make_post(("2101.00001",), 30, 30, id="1")
    late = make_post(("2101.00001",), 50, 50, id="1")  # the same post, recounted
    other = make_post(("2101.00001",), 10, 10, id="2")
    paper = make_paper("2101.00001")
    days = [
        day_with(D, Entry(paper, (early,))),
        day_with(D + dt.timedelta(1), Entry(paper, (late, other))),
    ]
    merged = period_day(period_of("week", D), days)
    assert merged.date == dt.date(2021, 1, 17)
    assert [entry.score for entry in merged.entries] == [100 + 20]


def test_scores_add_up_over_the_period_by_the_day_rules():
    days = ranked_days(
        day_with(
            D,
            make_entry("2101.00001", ((40, 0),)),  # below 50 alone
            make_entry("2101.00002", ((100, 0),)),
        ),
        day_with(
            D + dt.timedelta(2),
            make_entry("2101.00001", ((40, 0),)),
            make_entry("2101.00003", ((70, 0),), categories=("math.AG",)),
        ),
    )
    timeline = Timeline(days)
    week = period_of("week", D)
    digest = timeline.digest(week, OPTIONS, max_papers=10, today=D)
    scores = [(e.paper.arxiv_id, e.score) for e in digest.ranked.entries]
    assert scores == [("2101.00002", 100), ("2101.00001", 80), ("2101.00003", 70)]
    info = digest.entry("2101.00001")
    assert info.listings == () and info.best_rank is None
    assert len(info.points) == 7
    assert digest.entry("2101.00002").best_rank == 1
    assert digest.dates == (D, D + dt.timedelta(2))
    # The limit and the filters are those of a day.
    limited = timeline.digest(week, OPTIONS, max_papers=1, today=D)
    assert len(limited.ranked.entries) == 1
    filtered = timeline.digest(
        week, RankingOptions(exclude_categories=("math",)), max_papers=10, today=D
    )
    assert "2101.00003" not in [e.paper.arxiv_id for e in filtered.ranked.entries]


def test_a_period_is_complete_once_past_or_followed_by_a_stored_day():
    timeline = Timeline(ranked_days(make_day(D)))
    week = period_of("week", D)
    assert not timeline.is_complete(week, today=D)
    assert not timeline.is_complete(week, today=week.end)
    assert timeline.is_complete(week, today=week.end + dt.timedelta(1))
    followed = Timeline(ranked_days(make_day(D), make_day(dt.date(2021, 1, 17))))
    assert followed.is_complete(week, today=D)
    assert [p.key for p in followed.periods("week")] == ["2021-W02"]
    assert [p.key for p in followed.periods("month")] == ["2021-01"]


def test_top_posts_across_days_are_each_shown_once():
    paper = make_paper("2101.00001")
    first = make_post(("2101.00001",), 30, 30, id="1")
    again = make_post(("2101.00001",), 90, 90, id="1")
    other = make_post(("2101.00001",), 40, 40, id="2")
    timeline = Timeline(
        ranked_days(
            day_with(D, Entry(paper, (first,))),
            day_with(D + dt.timedelta(1), Entry(paper, (again, other))),
        )
    )
    posts = timeline.top_posts("2101.00001", limit=5)
    assert [(p.id, p.score) for p in posts] == [("1", 180), ("2", 80)]
    assert timeline.top_posts("2101.00001", limit=1) == posts[:1]


def _week_of_days() -> list[Day]:
    """Three days of one week: most papers on one day, one on two days.

    The paper on two days has a post on each that the other lacks, so the
    week's posts of it are those of neither day.
    """
    shared = make_paper("2101.00001")
    return [
        day_with(
            D,
            Entry(
                shared,
                (
                    make_post(("2101.00001",), 60, 40, id="1"),
                    make_post(("2101.00001",), 20, 20, id="9"),
                ),
            ),
            make_entry("2101.00002", ((100, 20), (5, 5))),
        ),
        day_with(
            D + dt.timedelta(1),
            # The shared paper again, with a new post and the old one recounted.
            Entry(
                shared,
                (
                    make_post(("2101.00001",), 90, 40, id="1"),
                    make_post(("2101.00001",), 30, 30, id="7"),
                ),
            ),
            make_entry("2101.00003", ((300, 10),), categories=("math.AG",)),
        ),
        day_with(D + dt.timedelta(3), make_entry("2101.00004", ((70, 80), (1, 2)))),
    ]


@pytest.mark.parametrize("mode", ["sum", "robust"])
def test_a_digest_ranked_with_the_days_ranker_is_the_digest_ranked_afresh(mode):
    options = RankingOptions(mode=mode)
    days = _week_of_days()
    ranker = ranking.Ranker(options)
    with_ranker = Timeline([ranker.rank(day) for day in days])
    afresh = Timeline([ranking.rank_day(day, options) for day in days])
    week = period_of("week", D)
    for max_papers in (10, 2):
        ours = with_ranker.digest(week, options, max_papers, today=D, ranker=ranker)
        theirs = afresh.digest(week, options, max_papers, today=D)
        assert ours.ranked == theirs.ranked
        assert len(ours.ranked.entries) == min(max_papers, 4)


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """The papers the robust rules count, one item per count."""
    papers: list[str] = []
    score = ranking._RobustScorer.score

    def counting(self, entry):
        papers.append(entry.paper.arxiv_id)
        return score(self, entry)

    monkeypatch.setattr(ranking._RobustScorer, "score", counting)
    return papers


def test_a_digest_counts_again_only_the_papers_whose_posts_differ(counted):
    ranker = ranking.Ranker(RankingOptions())
    timeline = Timeline([ranker.rank(day) for day in _week_of_days()])
    days = ["2101.00001", "2101.00001", "2101.00002", "2101.00003", "2101.00004"]
    assert sorted(counted) == days
    counted.clear()
    timeline.digest(period_of("week", D), RankingOptions(), 10, today=D, ranker=ranker)
    # Only the paper listed on two days, whose posts the week merges.
    assert counted == ["2101.00001"]


def test_a_ranker_that_does_not_remember_counts_every_time(counted):
    day = _week_of_days()[0]
    ranker = ranking.Ranker(RankingOptions(), remember=False)
    assert (
        ranker.rank(day) == ranker.rank(day) == ranking.rank_day(day, RankingOptions())
    )
    assert sorted(counted) == ["2101.00001"] * 3 + ["2101.00002"] * 3
