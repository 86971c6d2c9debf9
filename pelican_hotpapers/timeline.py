"""One index over every stored day: what was listed when, and each period's ranking.

A day alone says what was hot that day. Read together, the days say more: a
paper listed five days running is bigger news than a one-day spike, and a
week or a month has its own ranking. Everything here is computed at build
time from the ranked days, with no request and no Pelican in it.

The index is built once per build, in one pass over the ranked days, and
costs O(total listed papers). Each day is read and ranked once (by the
caller); trend marks, digests, paper pages and JSON files all read this one
index.

Digests rank a period with the same ``ranking.rank_day`` as a day: a digest
is a :class:`~pelican_hotpapers.models.Day` whose entries hold the period's
posts, each counted once by (source, id), so a post stored on several days
counts once, with its latest counts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import msgspec

from pelican_hotpapers import ranking
from pelican_hotpapers.models import Day, Entry, Paper, Post, RankedDay
from pelican_hotpapers.settings import RankingOptions

#: Month names for digest titles; fixed English words, not the build
#: machine's locale, so two builds of one site never differ.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip


class Listing(msgspec.Struct, frozen=True, gc=False):
    """A paper on one day's list: its rank and score there.

    A struct, as models.py's classes are: a site keeps one per listed paper.
    """

    date: dt.date
    rank: int
    score: float


@dataclass(frozen=True, slots=True)
class Period:
    """An ISO week or a calendar month."""

    kind: str
    #: "2021-W02" for a week, "2021-01" for a month: the ``{period}`` of slugs.
    key: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """How titles name it: "week 2021-W02" or "January 2021"."""
        if self.kind == "week":
            return f"week {self.key}"
        return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"

    def dates(self) -> list[dt.date]:
        """Every calendar day of the period, in order."""
        count = (self.end - self.start).days + 1
        return [self.start + dt.timedelta(days=n) for n in range(count)]


def period_of(kind: str, date: dt.date) -> Period:
    """The week (ISO 8601: Monday to Sunday) or month that holds ``date``."""
    if kind == "week":
        year, week, weekday = date.isocalendar()
        start = date - dt.timedelta(days=weekday - 1)
        return Period("week", f"{year}-W{week:02d}", start, start + dt.timedelta(6))
    if kind == "month":
        start = date.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return Period("month", f"{date:%Y-%m}", start, following - dt.timedelta(days=1))
    raise ValueError(f"unknown period kind {kind!r}")


_UNSAFE_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def paper_slug(arxiv_id: str) -> str:
    """The slug of a paper's page: its arXiv id, with old-style ids made safe.

    ``hep-th/9901001`` becomes ``hep-th-9901001``; new-style ids
    (``2101.02831``) hold no slash, so no two papers share a slug.
    """
    return _UNSAFE_SLUG.sub("-", arxiv_id).strip("-.") or "paper"


#: A chart's values: each calendar day and its score, None when not listed.
Points = tuple[tuple[dt.date, float | None], ...]


@dataclass(frozen=True, slots=True)
class Trend:
    """A paper's mark on one day's list, and its recent scores."""

    #: 1 on its first day on the list ("new"), N on its Nth listed day.
    day_on_list: int
    #: The last HOTPAPERS_TREND_DAYS calendar days, ending on this day.
    points: Points

    @property
    def new(self) -> bool:
        return self.day_on_list == 1


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """What a digest shows of one paper beside its rank in the period."""

    #: The days of the period on whose list the paper was.
    listings: tuple[Listing, ...]
    #: Every day of the period and the paper's score on that day's list.
    points: Points

    @property
    def best_rank(self) -> int | None:
        return min((listing.rank for listing in self.listings), default=None)


@dataclass(frozen=True, slots=True)
class Digest:
    """A period ranked as one day, with each entry's days on the list."""

    period: Period
    ranked: RankedDay
    #: False while the period is in progress (see :meth:`Timeline.is_complete`).
    complete: bool
    #: The stored days of the period, oldest first.
    dates: tuple[dt.date, ...]
    entries: dict[str, DigestEntry] = field(default_factory=dict)

    def entry(self, arxiv_id: str) -> DigestEntry | None:
        return self.entries.get(arxiv_id)


class Timeline:
    """Every stored day's ranking, indexed by paper and by period.

    ``days`` are the ranked days of the data folder, in any order. The
    index keeps references to them (the site's articles hold them anyway)
    and adds, per paper, its listings in date order.
    """

    def __init__(self, days: Iterable[RankedDay]) -> None:
        self.days: dict[dt.date, RankedDay] = {
            ranked.date: ranked for ranked in sorted(days, key=lambda r: r.date)
        }
        self.listings: dict[str, list[Listing]] = {}
        #: The newest metadata of each listed paper.
        self.papers: dict[str, Paper] = {}
        for ranked in self.days.values():
            for entry in ranked.entries:
                arxiv_id = entry.paper.arxiv_id
                self.listings.setdefault(arxiv_id, []).append(
                    Listing(ranked.date, entry.rank, entry.score)
                )
                self.papers[arxiv_id] = entry.paper
        self._dates = list(self.days)
        #: The digests that list each paper, with its rank there (see record()).
        self.in_digests: dict[str, list[tuple[Digest, int]]] = {}
        # Listing dates per paper, for bisecting in trend().
        self._listing_dates = {
            arxiv_id: [listing.date for listing in listings]
            for arxiv_id, listings in self.listings.items()
        }

    @property
    def newest(self) -> dt.date | None:
        return self._dates[-1] if self._dates else None

    def days_listed(self, arxiv_id: str) -> int:
        return len(self.listings.get(arxiv_id, ()))

    def listing(self, arxiv_id: str, date: dt.date) -> Listing | None:
        dates = self._listing_dates.get(arxiv_id)
        if not dates:
            return None
        index = bisect.bisect_left(dates, date)
        if index < len(dates) and dates[index] == date:
            return self.listings[arxiv_id][index]
        return None

    def points(self, arxiv_id: str, first: dt.date, last: dt.date) -> Points:
        """The paper's listed score on each calendar day from ``first`` to ``last``."""
        count = (last - first).days + 1
        scores: list[float | None] = [None] * count
        dates = self._listing_dates.get(arxiv_id)
        if dates:
            start = bisect.bisect_left(dates, first)
            stop = bisect.bisect_right(dates, last)
            for listing in self.listings[arxiv_id][start:stop]:
                scores[(listing.date - first).days] = listing.score
        return tuple(zip(_calendar(first, count), scores, strict=True))

    def day_on_list(self, arxiv_id: str, date: dt.date) -> int:
        """How many of the paper's listed days are ``date`` or earlier."""
        return bisect.bisect_right(self._listing_dates.get(arxiv_id, ()), date)

    def trend(self, arxiv_id: str, date: dt.date, window: int) -> Trend:
        """The paper's mark on ``date``'s list: its Nth day, and recent scores.

        Only days up to ``date`` count, so a day's marks never change when a
        later day arrives.
        """
        first = date - dt.timedelta(days=window - 1)
        return Trend(
            self.day_on_list(arxiv_id, date), self.points(arxiv_id, first, date)
        )

    def life(self, arxiv_id: str) -> Points:
        """The paper's score on every day from its first listing to its last."""
        dates = self._listing_dates.get(arxiv_id)
        if not dates:
            return ()
        return self.points(arxiv_id, dates[0], dates[-1])

    # --- periods -----------------------------------------------------------

    def periods(self, kind: str) -> list[Period]:
        """The periods of ``kind`` that hold at least one stored day, oldest first."""
        found: dict[str, Period] = {}
        for date in self._dates:
            period = period_of(kind, date)
            found.setdefault(period.key, period)
        return list(found.values())

    def dates_in(self, period: Period) -> list[dt.date]:
        start = bisect.bisect_left(self._dates, period.start)
        stop = bisect.bisect_right(self._dates, period.end)
        return self._dates[start:stop]

    def is_complete(self, period: Period, today: dt.date) -> bool:
        """Whether a period is over: its last day is past, or a later day is stored.

        A period still in progress gets a digest too, marked "(so far)"; the
        next build after it ends brings it up to date under the same URL.
        """
        newest = self.newest
        return period.end < today or (newest is not None and period.end <= newest)

    def digest(
        self,
        period: Period,
        options: RankingOptions,
        max_papers: int,
        today: dt.date,
        ranked: RankedDay | None = None,
        ranker: ranking.Ranker | None = None,
    ) -> Digest:
        """The period's ranking, by the day's rules, each post counted once.

        ``ranked`` is the period's ranking remembered from an earlier build
        of the same days, if there is one. Only its entries are read: the
        period as one day is made again from the days (see :func:`slim`).
        ``ranker``, the one that ranked the days, counts again only the
        papers whose posts differ from one day's (see ``ranking.Ranker``);
        it must rank by ``options``.
        """
        dates = self.dates_in(period)
        whole = period_day(period, [self.days[date].day for date in dates])
        if ranked is None:
            if ranker is None:
                ranker = ranking.Ranker(options)
            ranked = ranker.rank(whole, max_papers=max_papers)
        else:
            ranked = RankedDay(day=whole, entries=ranked.entries)
        entries = {
            entry.paper.arxiv_id: self._digest_entry(entry.paper.arxiv_id, period)
            for entry in ranked.entries
        }
        return Digest(
            period=period,
            ranked=ranked,
            complete=self.is_complete(period, today),
            dates=tuple(dates),
            entries=entries,
        )

    def _digest_entry(self, arxiv_id: str, period: Period) -> DigestEntry:
        dates = self._listing_dates.get(arxiv_id, [])
        start = bisect.bisect_left(dates, period.start)
        stop = bisect.bisect_right(dates, period.end)
        listings = tuple(self.listings.get(arxiv_id, [])[start:stop])
        return DigestEntry(listings, self.points(arxiv_id, period.start, period.end))

    def record(self, digest: Digest) -> None:
        """Remember a built digest, so each paper can name the digests it was in."""
        for entry in digest.ranked.entries:
            self.in_digests.setdefault(entry.paper.arxiv_id, []).append(
                (digest, entry.rank)
            )

    def top_posts(self, arxiv_id: str, limit: int) -> list[Post]:
        """The paper's best embedded posts across all its days, each once.

        A post stored on several days is shown once, with its latest counts.
        """
        posts: dict[tuple[str, str], Post] = {}
        for listing in self.listings.get(arxiv_id, ()):
            entry = self.days[listing.date].entries[listing.rank - 1]
            for post in entry.posts:
                posts[(post.source, post.id)] = post
        return sorted(posts.values(), key=ranking.post_sort_key)[:limit]


@lru_cache(maxsize=1024)
def _calendar(first: dt.date, count: int) -> tuple[dt.date, ...]:
    # Every paper of a day shares its window of days, and a site has few
    # charts' lengths: the dates are made once.
    return tuple(first + dt.timedelta(days=n) for n in range(count))


def slim(ranked: RankedDay) -> RankedDay:
    """A digest's ranking without the period's every post, for the render memo.

    The period as one day holds every post of every day of the period, each
    already held by its day: a memo of ten years would hold them all twice
    more (weeks and months). :meth:`Timeline.digest` makes it again from the
    days, which costs far less than ranking it again.
    """
    day = msgspec.structs.replace(ranked.day, entries=())
    return RankedDay(day=day, entries=ranked.entries)


def period_day(period: Period, days: Iterable[Day]) -> Day:
    """A period as one Day: its papers with their posts, each post counted once.

    A post stored on several days of the period keeps its latest counts (the
    days come oldest first); a paper keeps its newest metadata. Posts stay
    under the papers their day filed them under.
    """
    papers: dict[str, Paper] = {}
    posts: dict[str, dict[tuple[str, str], Post]] = {}
    sources: dict[str, None] = {}
    counts_taken_at = None
    for day in days:
        sources.update(dict.fromkeys(day.sources))
        counts_taken_at = day.counts_taken_at
        for entry in day.entries:
            arxiv_id = entry.paper.arxiv_id
            papers[arxiv_id] = entry.paper
            group = posts.setdefault(arxiv_id, {})
            for post in entry.posts:
                group[(post.source, post.id)] = post
    if counts_taken_at is None:
        raise ValueError(f"no stored day in {period.key}")
    entries = tuple(
        sorted(
            (
                Entry(papers[arxiv_id], tuple(group.values()))
                for arxiv_id, group in posts.items()
            ),
            key=ranking.entry_sort_key,
        )
    )
    return Day(
        date=period.end,
        counts_taken_at=counts_taken_at,
        sources=tuple(sources),
        entries=entries,
    )
