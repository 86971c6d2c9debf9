"""Which days to fetch, and fetching them: the social sources for posts,
arXiv for papers.

The build (plugin.py) and the command line (cli.py) both come here. A fetch
produces a :class:`~pelican_hotpapers.models.Day` and hands it to the
archive. A source that fails makes the day partial; a day is not written at
all when no source answered or arXiv failed, and then the stored file is
left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican_hotpapers import archive, ranking
from pelican_hotpapers.models import Day, Post
from pelican_hotpapers.settings import FetchOptions, HotpapersSettings, parse_date
from pelican_hotpapers.sources import (
    SOURCE_CLASSES,
    SocialSource,
    SourceError,
    source_label,
)
from pelican_hotpapers.sources.arxiv import ArxivSource

logger = logging.getLogger(__name__)

#: Data folders already fetched by this process (autoreload and
#: i18n_subsites run the build hooks again; the fetch must not repeat).
_FETCHED_THIS_PROCESS: set[Path] = set()


@dataclass(frozen=True, slots=True)
class DayPlan:
    """A day to fetch, and why."""

    date: dt.date
    reason: str


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """What fetching one day did."""

    date: dt.date
    status: str  # "written", "partial", "failed" or "skipped"
    message: str
    #: What each source that answered read: X bills every post it returned,
    #: in a day that failed later too.
    reads: Mapping[str, int] = field(default_factory=dict)
    papers: int = 0
    #: The sources that answered or failed.
    asked: frozenset[str] = frozenset()

    @property
    def failed(self) -> bool:
        """A day that failed, or that was written without every source."""
        return self.status in ("failed", "partial")


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What fetching one day brought back."""

    #: The day, or None when no source answered or arXiv failed.
    day: Day | None
    #: How many results each source that answered read.
    reads: Mapping[str, int]
    #: Why each source that did not answer failed, by name ("arxiv" too).
    failures: Mapping[str, SourceError]

    @property
    def asked(self) -> frozenset[str]:
        """The social sources that answered or failed."""
        return frozenset(self.reads) | (frozenset(self.failures) - {ArxivSource.name})

    def failure_text(self) -> str:
        """Why the day failed or is partial, one cause a source."""
        return "; ".join(f"{e.service}: {e.message}" for e in self.failures.values())


def resolve_date(value: str, today: dt.date) -> dt.date:
    """A date in any form :func:`~pelican_hotpapers.settings.parse_date` reads."""
    parsed = parse_date(value)
    if isinstance(parsed, dt.date):
        return parsed
    try:
        return today - dt.timedelta(days=parsed)
    except OverflowError:
        raise ValueError(f"{value!r} is too far back") from None


def resolve_dates(
    values: Iterable[str], tz: ZoneInfo, now: dt.datetime
) -> list[dt.date]:
    """The distinct dates named by ``values``, oldest first, in the site's timezone."""
    today = now.astimezone(tz).date()
    return sorted({resolve_date(value, today) for value in values})


def day_window(date: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The start and end of a day in the site's timezone (end exclusive)."""
    start = dt.datetime.combine(date, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start, end


def is_settled(day: Day, tz: ZoneInfo, refresh_hours: float) -> bool:
    """Whether a day's counts were taken long enough after it ended to keep.

    Reposts and likes keep coming for a day or two; a day counted sooner
    than ``refresh_hours`` after its end is fetched again while it can be.
    """
    _, end = day_window(day.date, tz)
    return day.counts_taken_at >= end + dt.timedelta(hours=refresh_hours)


def plan_days(
    dates: Iterable[dt.date],
    data_path: str | os.PathLike[str],
    tz: ZoneInfo,
    now: dt.datetime,
    *,
    refresh_hours: float,
    force: bool = False,
) -> tuple[list[DayPlan], list[DayOutcome]]:
    """Split ``dates`` into days to fetch and days to leave alone.

    A day is fetched when it is missing, when it is partial (a source did
    not answer), when its counts have not settled, or always with ``force``.
    A day file that cannot be read is never fetched over: it might be the
    only copy of a day X no longer serves.
    """
    plans: list[DayPlan] = []
    skipped: list[DayOutcome] = []
    today = now.astimezone(tz).date()
    for date in dates:
        path = archive.day_path(data_path, date)
        if date > today:
            skipped.append(DayOutcome(date, "skipped", "is in the future"))
            continue
        if not path.exists():
            plans.append(DayPlan(date, "missing"))
            continue
        try:
            stored = archive.read_day(path)
        except archive.DayFileError as exc:
            skipped.append(
                DayOutcome(
                    date,
                    "failed",
                    f"not fetched, because the stored file is unreadable and is "
                    f"kept as it is ({exc.problem})",
                )
            )
            continue
        if force:
            plans.append(DayPlan(date, "forced"))
        elif stored.partial:
            plans.append(DayPlan(date, "partial"))
        elif not is_settled(stored, tz, refresh_hours):
            plans.append(DayPlan(date, "counts not settled"))
        else:
            skipped.append(DayOutcome(date, "skipped", "is stored and settled"))
    return plans, skipped


class Fetcher:
    """Fetches days from the social sources and arXiv into the data folder."""

    def __init__(
        self,
        sources: Sequence[SocialSource],
        arxiv: ArxivSource,
        data_path: str | os.PathLike[str],
        tz: ZoneInfo,
    ) -> None:
        self.sources = list(sources)
        self.arxiv = arxiv
        self.data_path = Path(data_path)
        self.tz = tz
        #: Sources that hit a rate limit past its bound: not asked again this run.
        self.rate_limited: set[str] = set()

    @classmethod
    def from_settings(
        cls, hp: HotpapersSettings, environ: Mapping[str, str] | None = None
    ) -> Fetcher | None:
        """A fetcher for the site, or None when no source has its credentials."""
        sources, _ = usable_sources(hp.fetch, environ)
        if not sources:
            return None
        arxiv = ArxivSource(hp.fetch.arxiv, hp.fetch.http)
        return cls(sources, arxiv, hp.data_path, ZoneInfo(hp.timezone))

    def fetch_day(
        self, date: dt.date, now: dt.datetime | None = None, previous: Day | None = None
    ) -> FetchResult:
        """The day's posts and papers, what each source read, and what failed.

        A source that fails makes the day partial. The posts an earlier fetch
        (``previous``) got from any source that did not answer this time are
        kept: from one that failed (the day stays partial), and from one that
        was not asked (it cannot see the day any more, it has no credentials
        in this run, or it left HOTPAPERS_SOURCES); a refetch never loses a
        source's posts. There is no day when no source answered, or when
        arXiv did not answer completely.
        """
        now = now or dt.datetime.now(dt.UTC)
        start, end = day_window(date, self.tz)
        posts: list[Post] = []
        reads: dict[str, int] = {}
        failures: dict[str, SourceError] = {}
        for source in self.sources:
            if source.unavailable(start, now):
                continue
            if source.name in self.rate_limited:
                failures[source.name] = SourceError(
                    "its rate limit was reached earlier in this run; try later",
                    service=source.service,
                )
                continue
            try:
                result = source.search_posts(start, end, now)
            except SourceError as exc:
                if exc.rate_limited:
                    self.rate_limited.add(source.name)
                failures[source.name] = exc
                continue
            if result.capped:
                logger.info(
                    "hotpapers: %s: stopped reading %s after %d %s (%d pages), the "
                    "limit its settings set",
                    date.isoformat(),
                    source_label(source.name),
                    result.reads,
                    source.unit,
                    result.pages,
                )
            reads[source.name] = result.reads
            posts.extend(result.posts)
        if not reads:
            return FetchResult(None, reads, failures)
        answered, failed = list(reads), list(failures)
        if previous is not None:
            posts += [
                post
                for entry in previous.entries
                for post in entry.posts
                if post.source not in answered
            ]
            # A source not asked this time keeps its earlier standing.
            answered += [
                name
                for name in previous.sources
                if name not in answered and name not in failed
            ]
            failed += [
                name
                for name in previous.failed_sources
                if name not in answered and name not in failed
            ]
        linked = [arxiv_id for post in posts for arxiv_id in post.arxiv_ids]
        try:
            papers = self.arxiv.fetch_papers(linked)
        except SourceError as exc:
            return FetchResult(None, reads, {**failures, self.arxiv.name: exc})
        order = [source.name for source in self.sources]
        order += sorted(set(answered + failed) - set(order))
        day = Day(
            date=date,
            counts_taken_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            sources=tuple(n for n in order if n in answered),
            failed_sources=tuple(n for n in order if n in failed),
            entries=ranking.build_entries(papers, posts),
        )
        return FetchResult(day, reads, failures)

    def fetch_and_store(
        self, plan: DayPlan, now: dt.datetime | None = None
    ) -> DayOutcome:
        """Fetch one day and write it; never raises for a remote failure."""
        now = now or dt.datetime.now(dt.UTC)
        start, _ = day_window(plan.date, self.tz)
        reasons = [s.unavailable(start, now) for s in self.sources]
        if all(reasons):
            return DayOutcome(plan.date, "skipped", f"is out of reach: {reasons[0]}")
        previous = _stored_day(self.data_path, plan.date)
        result = self.fetch_day(plan.date, now, previous)
        reads, asked = dict(result.reads), result.asked
        day = result.day
        if day is None:
            arxiv_failure = result.failures.get(self.arxiv.name)
            cause = arxiv_failure or next(iter(result.failures.values()), None)
            message = (
                f"{cause.service}: {cause.message}"
                if cause is not None
                else "no source can see this day"
            )
            return DayOutcome(plan.date, "failed", message, reads=reads, asked=asked)
        read_text = ", ".join(
            f"{source_label(name)}: {count} {_unit(self.sources, name)}"
            for name, count in reads.items()
        )
        try:
            path = archive.write_day(self.data_path, day)
        except archive.DayFileError as exc:
            return DayOutcome(plan.date, "failed", str(exc), reads=reads, asked=asked)
        message = f"{read_text} read, {len(day.entries)} papers; wrote {path}"
        status = "written"
        if day.partial:
            status = "partial"
            message = f"{result.failure_text()} (the day is partial: {message})"
        return DayOutcome(
            plan.date,
            status,
            message,
            reads=reads,
            papers=len(day.entries),
            asked=asked,
        )


def usable_sources(
    options: FetchOptions, environ: Mapping[str, str] | None = None
) -> tuple[list[SocialSource], list[str]]:
    """The configured sources that have their credentials, and why the others don't.

    Each line for one left out says what is missing and what would turn it
    on, in its class's words (``missing_credentials``).
    """
    environ = os.environ if environ is None else environ
    sources: list[SocialSource] = []
    missing: list[str] = []
    for name in options.sources:
        source_class = SOURCE_CLASSES[name]
        source_options = options.source_options(name)
        source = source_class.from_options(source_options, options.http, environ)
        if source is None:
            missing.append(
                f"{source_label(name)} is not used: "
                f"{source_class.missing_credentials(source_options)}"
            )
        else:
            sources.append(source)
    return sources, missing


def sources_text(sources: Sequence[SocialSource]) -> str:
    """The sources' names in a sentence: "X, Hacker News and Mastodon"."""
    titles = [source.title for source in sources]
    return " and ".join(", ".join(titles).rsplit(", ", 1))


def _unit(sources: Sequence[SocialSource], name: str) -> str:
    return next((s.unit for s in sources if s.name == name), "posts")


def _stored_day(data_path: Path, date: dt.date) -> Day | None:
    try:
        return archive.read_day(archive.day_path(data_path, date))
    except archive.DayFileError:
        return None


def log_outcome(outcome: DayOutcome) -> None:
    """One line for the build log; a failure is a warning, as Pelican reads it."""
    date = outcome.date.isoformat()
    if outcome.status == "failed":
        logger.warning(
            "hotpapers: could not fetch %s: %s; the stored days are used",
            date,
            outcome.message,
        )
    elif outcome.status == "partial":
        logger.warning("hotpapers: fetched %s only in part: %s", date, outcome.message)
    elif outcome.status == "written":
        logger.info("hotpapers: fetched %s: %s", date, outcome.message)
    else:
        logger.info("hotpapers: %s not fetched: it %s", date, outcome.message)


def fetch_for_build(
    hp: HotpapersSettings,
    environ: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> list[DayOutcome]:
    """The build's fetch: per HOTPAPERS_FETCH and HOTPAPERS_DATES, once a process.

    Not called when HOTPAPERS_FETCH is "never" (see plugin.py).
    """
    options: FetchOptions = hp.fetch
    key = hp.data_path.resolve()
    if key in _FETCHED_THIS_PROCESS:
        return []
    _FETCHED_THIS_PROCESS.add(key)
    sources, missing = usable_sources(options, environ)
    if not sources:
        logger.info(
            "hotpapers: no source can fetch (%s); using the stored days only",
            "; ".join(missing),
        )
        return []
    for reason in missing:
        logger.info("hotpapers: %s", reason)
    fetcher = Fetcher(
        sources,
        ArxivSource(options.arxiv, options.http),
        hp.data_path,
        ZoneInfo(hp.timezone),
    )
    now = now or dt.datetime.now(dt.UTC)
    dates = resolve_dates(options.dates, fetcher.tz, now)
    try:
        # A build does not wait for another fetch: it builds what is stored.
        with archive.fetch_lock(hp.data_path, timeout=0):
            plans, outcomes = plan_days(
                dates,
                hp.data_path,
                fetcher.tz,
                now,
                refresh_hours=options.refresh_hours,
                force=options.mode == "always",
            )
            if plans:
                logger.info("hotpapers: fetching from %s", sources_text(sources))
            for plan in plans:
                outcomes.append(fetcher.fetch_and_store(plan, now))
    except archive.DataFolderBusy as exc:
        logger.info("hotpapers: %s; the build uses the stored days", exc)
        return []
    except archive.DayFileError as exc:
        logger.warning("hotpapers: %s", exc)
        return []
    outcomes.sort(key=lambda outcome: outcome.date)
    for outcome in outcomes:
        log_outcome(outcome)
    return outcomes
