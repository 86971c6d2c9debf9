"""Which days to fetch, and fetching them: X for posts, arXiv for papers.

The build (plugin.py) and the command line (cli.py) both come here. A fetch
produces a :class:`~pelican_hotpapers.models.Day` and hands it to the cache;
it writes a day only when every source answered completely, and a failure
of any kind leaves the stored file exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican_hotpapers import cache, ranking
from pelican_hotpapers.models import Day
from pelican_hotpapers.settings import DATE_WORDS, FetchOptions, HotpapersSettings
from pelican_hotpapers.sources.arxiv import ArxivSource
from pelican_hotpapers.sources.session import SourceError
from pelican_hotpapers.sources.x import XRateLimitError, XSource

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
    status: str  # "written", "failed" or "skipped"
    message: str
    posts_read: int = 0
    papers: int = 0

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def resolve_date(value: str, today: dt.date) -> dt.date:
    """An ISO date, "today", "yesterday" or "N days ago", as a date."""
    word = value.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - dt.timedelta(days=1)
    if word.endswith(" ago"):
        count = word.split()[0]
        if count.isdigit():
            return today - dt.timedelta(days=int(count))
    try:
        return dt.date.fromisoformat(word)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date; use YYYY-MM-DD, "
            f"{', '.join(DATE_WORDS)} or 'N days ago'"
        ) from None


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

    A day is fetched when it is missing, when its counts have not settled,
    or always with ``force``. A day file that cannot be read is never
    fetched over: it might be the only copy of a day X no longer serves.
    """
    plans: list[DayPlan] = []
    skipped: list[DayOutcome] = []
    today = now.astimezone(tz).date()
    for date in dates:
        path = cache.day_path(data_path, date)
        if date > today:
            skipped.append(DayOutcome(date, "skipped", "is in the future"))
            continue
        if not path.exists():
            plans.append(DayPlan(date, "missing"))
            continue
        try:
            stored = cache.read_day(path)
        except cache.DayFileError as exc:
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
        elif not is_settled(stored, tz, refresh_hours):
            plans.append(DayPlan(date, "counts not settled"))
        else:
            skipped.append(DayOutcome(date, "skipped", "is stored and settled"))
    return plans, skipped


class Fetcher:
    """Fetches days from X and arXiv and stores them in the data folder."""

    def __init__(
        self,
        x: XSource,
        arxiv: ArxivSource,
        data_path: str | os.PathLike[str],
        tz: ZoneInfo,
    ) -> None:
        self.x = x
        self.arxiv = arxiv
        self.data_path = Path(data_path)
        self.tz = tz
        self.rate_limited = False

    @classmethod
    def from_settings(
        cls, hp: HotpapersSettings, environ: Mapping[str, str] | None = None
    ) -> Fetcher | None:
        """A fetcher for the site, or None when the X token is not set."""
        x = XSource.from_options(hp.fetch, environ)
        if x is None:
            return None
        return cls(
            x, ArxivSource.from_options(hp.fetch), hp.data_path, ZoneInfo(hp.timezone)
        )

    def fetch_day(
        self, date: dt.date, now: dt.datetime | None = None
    ) -> tuple[Day, int]:
        """The day's posts and papers as a Day, and how many posts were read.

        Raises :class:`SourceError` unless both services answered completely.
        """
        now = now or dt.datetime.now(dt.UTC)
        start, end = day_window(date, self.tz)
        search = self.x.search_posts(start, end, now)
        if search.capped:
            logger.info(
                "hotpapers: %s: stopped reading X after %d posts (%d pages), the "
                "limit set by HOTPAPERS_X_MAX_POSTS / HOTPAPERS_X_MAX_PAGES",
                date.isoformat(),
                search.reads,
                search.pages,
            )
        linked = [arxiv_id for post in search.posts for arxiv_id in post.arxiv_ids]
        papers = self.arxiv.fetch_papers(linked)
        day = Day(
            date=date,
            counts_taken_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            sources=(self.x.name,),
            entries=ranking.build_entries(papers, search.posts),
        )
        return day, search.reads

    def fetch_and_store(
        self, plan: DayPlan, now: dt.datetime | None = None
    ) -> DayOutcome:
        """Fetch one day and write it; never raises for a remote failure."""
        now = now or dt.datetime.now(dt.UTC)
        start, _ = day_window(plan.date, self.tz)
        if self.rate_limited:
            return DayOutcome(
                plan.date,
                "failed",
                "X's rate limit was reached earlier in this run; try again later",
            )
        if self.x.endpoint(start, now) is None:
            return DayOutcome(
                plan.date,
                "skipped",
                "is older than the 7 days X's recent search covers; set "
                "HOTPAPERS_X_FULL_ARCHIVE = True if your X plan includes "
                "full-archive search",
            )
        try:
            day, reads = self.fetch_day(plan.date, now)
        except SourceError as exc:
            # Past the rate limit's bound, give up on X for the rest of the run.
            self.rate_limited = isinstance(exc, XRateLimitError)
            return DayOutcome(plan.date, "failed", f"{exc.service}: {exc.message}")
        try:
            path = cache.write_day(self.data_path, day)
        except cache.DayFileError as exc:
            return DayOutcome(plan.date, "failed", str(exc), posts_read=reads)
        return DayOutcome(
            plan.date,
            "written",
            f"{reads} X posts read, {len(day.entries)} papers; wrote {path}",
            posts_read=reads,
            papers=len(day.entries),
        )


def log_outcome(outcome: DayOutcome) -> None:
    """One line for the build log; a failure is a warning, as Pelican reads it."""
    date = outcome.date.isoformat()
    if outcome.status == "failed":
        logger.warning(
            "hotpapers: could not fetch %s: %s; the stored days are used",
            date,
            outcome.message,
        )
    elif outcome.status == "written":
        logger.info("hotpapers: fetched %s: %s", date, outcome.message)
    else:
        logger.info("hotpapers: %s not fetched: it %s", date, outcome.message)


def fetch_for_build(
    hp: HotpapersSettings,
    environ: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> list[DayOutcome]:
    """The build's fetch: per HOTPAPERS_FETCH and HOTPAPERS_DATES, once a process."""
    options: FetchOptions = hp.fetch
    if options.mode == "never":
        logger.info("hotpapers: HOTPAPERS_FETCH is 'never'; using the stored days only")
        return []
    key = hp.data_path.resolve()
    if key in _FETCHED_THIS_PROCESS:
        return []
    _FETCHED_THIS_PROCESS.add(key)
    fetcher = Fetcher.from_settings(hp, environ)
    if fetcher is None:
        logger.info(
            "hotpapers: $%s is not set; using the stored days only (no fetch)",
            options.x_token_env,
        )
        return []
    now = now or dt.datetime.now(dt.UTC)
    dates = resolve_dates(options.dates, fetcher.tz, now)
    try:
        # A build does not wait for another fetch: it builds what is stored.
        with cache.fetch_lock(hp.data_path, timeout=0):
            plans, outcomes = plan_days(
                dates,
                hp.data_path,
                fetcher.tz,
                now,
                refresh_hours=options.refresh_hours,
                force=options.mode == "always",
            )
            for plan in plans:
                outcomes.append(fetcher.fetch_and_store(plan, now))
    except cache.DataFolderBusy as exc:
        logger.info("hotpapers: %s; the build uses the stored days", exc)
        return []
    except cache.DayFileError as exc:
        logger.warning("hotpapers: %s", exc)
        return []
    outcomes.sort(key=lambda outcome: outcome.date)
    for outcome in outcomes:
        log_outcome(outcome)
    return outcomes
