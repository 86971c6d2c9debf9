"""The ``pelican-hotpapers`` command: fetch, list and show days from the shell.

It reads the same settings file as Pelican and calls the same functions as
the build, so a day fetched from cron is exactly the day a build would have
fetched. Exit codes: 0 success, 1 when any day failed, 2 for usage errors
(bad arguments, a missing or broken settings file, a bad setting).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from pelican_hotpapers import __version__, cache, fetch, ranking
from pelican_hotpapers.settings import HotpapersSettings, SettingsError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: X's pay-per-use price of one post read, for the cost estimate (2026).
X_PRICE_PER_POST = 0.005


class UsageError(Exception):
    """Bad arguments or settings: reported in one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pelican-hotpapers",
        description="Fetch and inspect the days behind a site's Hot Papers articles.",
    )
    parser.add_argument(
        "-s",
        "--settings",
        default="pelicanconf.py",
        help="the site's Pelican settings file (default: ./pelicanconf.py)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log what happens in detail"
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fetch_cmd = commands.add_parser(
        "fetch",
        help="fetch days from X and arXiv into the data folder",
        description="Fetch days (by default HOTPAPERS_DATES) and store them.",
    )
    fetch_cmd.add_argument("--date", help="one day: YYYY-MM-DD, today, yesterday")
    fetch_cmd.add_argument("--since", help="first day of a range (with --until)")
    fetch_cmd.add_argument("--until", help="last day of a range (with --since)")
    fetch_cmd.add_argument(
        "--force", action="store_true", help="fetch again even settled days"
    )

    commands.add_parser("list", help="list the stored days")
    show_cmd = commands.add_parser("show", help="print the ranking of one day")
    show_cmd.add_argument("date", help="YYYY-MM-DD, today or yesterday")
    show_cmd.add_argument(
        "--explain",
        action="store_true",
        help="for each paper and post: the raw counts, what was counted, and why",
    )
    return parser


def load_settings(path: str) -> HotpapersSettings:
    """Read the site's settings file the way Pelican does."""
    settings_file = Path(path)
    if not settings_file.is_file():
        raise UsageError(f"settings file {settings_file} not found (use -s FILE)")
    from pelican.settings import read_settings

    try:
        pelican_settings = read_settings(str(settings_file))
    except Exception as exc:
        raise UsageError(
            f"settings file {settings_file} could not be read: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        return HotpapersSettings.from_pelican(
            pelican_settings, settings_file.resolve().parent
        )
    except SettingsError as exc:
        raise UsageError(f"{settings_file}: {exc}") from None


def _dates_from_args(
    args: argparse.Namespace, hp: HotpapersSettings, now: dt.datetime
) -> list[dt.date]:
    tz = ZoneInfo(hp.timezone)
    today = now.astimezone(tz).date()
    try:
        if args.date and (args.since or args.until):
            raise UsageError("use either --date or --since/--until, not both")
        if args.date:
            return [fetch.resolve_date(args.date, today)]
        if args.since or args.until:
            if not (args.since and args.until):
                raise UsageError("--since and --until go together")
            first = fetch.resolve_date(args.since, today)
            last = fetch.resolve_date(args.until, today)
            if last < first:
                raise UsageError("--until is before --since")
            return [
                first + dt.timedelta(days=n) for n in range((last - first).days + 1)
            ]
        return fetch.resolve_dates(hp.fetch.dates, tz, now)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def command_fetch(args: argparse.Namespace, hp: HotpapersSettings) -> int:
    now = dt.datetime.now(dt.UTC)
    dates = _dates_from_args(args, hp, now)
    plans, _ = _plan(args, hp, dates, now)
    if plans and fetch.Fetcher.from_settings(hp) is None:
        _, missing = fetch.usable_sources(hp.fetch)
        raise UsageError(
            "no source can fetch: "
            + "; ".join(missing)
            + " (put the credentials in those environment variables)"
        )
    try:
        # Wait for another fetch (cron and a build, say) rather than race it;
        # plan only once the lock is ours, since that fetch may have filled
        # in the days.
        with cache.fetch_lock(hp.data_path, timeout=hp.fetch.lock_timeout):
            outcomes = _fetch_days(args, hp, dates, now)
    except cache.DataFolderBusy as exc:
        print(
            f"pelican-hotpapers: {exc}, still after {hp.fetch.lock_timeout:.0f} s "
            "(HOTPAPERS_LOCK_TIMEOUT)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except cache.DayFileError as exc:
        print(f"pelican-hotpapers: {exc}", file=sys.stderr)
        return EXIT_FAILED
    reads = sum(outcome.reads.get("x", 0) for outcome in outcomes)
    print(
        f"X posts read: {reads} (about ${reads * X_PRICE_PER_POST:.2f} "
        f"at ${X_PRICE_PER_POST} a post)"
    )
    return EXIT_FAILED if any(outcome.failed for outcome in outcomes) else EXIT_OK


def _plan(
    args: argparse.Namespace,
    hp: HotpapersSettings,
    dates: list[dt.date],
    now: dt.datetime,
) -> tuple[list[fetch.DayPlan], list[fetch.DayOutcome]]:
    return fetch.plan_days(
        dates,
        hp.data_path,
        ZoneInfo(hp.timezone),
        now,
        refresh_hours=hp.fetch.refresh_hours,
        force=args.force,
    )


def _fetch_days(
    args: argparse.Namespace,
    hp: HotpapersSettings,
    dates: list[dt.date],
    now: dt.datetime,
) -> list[fetch.DayOutcome]:
    from tqdm import tqdm

    plans, skipped = _plan(args, hp, dates, now)
    fetcher = fetch.Fetcher.from_settings(hp)
    if plans and fetcher is None:
        raise UsageError(f"${hp.fetch.x_token_env} is no longer set")
    # One line a day, in date order, whether the day was fetched or not.
    work: list[fetch.DayPlan | fetch.DayOutcome] = sorted(
        [*plans, *skipped], key=lambda item: item.date
    )
    outcomes: list[fetch.DayOutcome] = []
    progress = tqdm(
        total=len(plans),
        unit="day",
        desc="fetching",
        disable=not sys.stderr.isatty(),
        leave=False,
    )
    with progress:
        for item in work:
            if isinstance(item, fetch.DayPlan):
                progress.set_postfix_str(item.date.isoformat())
                outcome = fetcher.fetch_and_store(item, now)
                progress.update()
            else:
                outcome = item
            outcomes.append(outcome)
            tqdm.write(_outcome_line(outcome), file=sys.stdout)
    return outcomes


def _outcome_line(outcome: fetch.DayOutcome) -> str:
    return f"{outcome.date.isoformat()}  {outcome.status:<7}  {outcome.message}"


def command_list(args: argparse.Namespace, hp: HotpapersSettings) -> int:
    tz = ZoneInfo(hp.timezone)
    files = cache.day_files(hp.data_path)
    if not files:
        print(f"no stored days in {hp.data_path}")
        return EXIT_OK
    print(
        f"{'DATE':<10}  {'LISTED':>6}  {'PAPERS':>6}  {'POSTS':>6}  "
        "COUNTS TAKEN (HOURS AFTER THE DAY)  SOURCES"
    )
    status = EXIT_OK
    for path in files:
        try:
            day = cache.read_day(path)
        except cache.DayFileError as exc:
            print(f"{path.stem:<10}  unreadable: {exc.problem}")
            status = EXIT_FAILED
            continue
        ranked = ranking.rank_day(day, hp.ranking)
        posts = len({(p.source, p.id) for e in day.entries for p in e.posts})
        taken = day.counts_taken_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        _, day_end = fetch.day_window(day.date, tz)
        hours = (day.counts_taken_at - day_end).total_seconds() / 3600
        partial = (
            f"  partial: {', '.join(day.failed_sources)} did not answer"
            if day.partial
            else ""
        )
        print(
            f"{day.date.isoformat():<10}  {len(ranked.entries):>6}  "
            f"{len(day.entries):>6}  {posts:>6}  {taken} ({hours:+.0f} h)  "
            f"{'+'.join(day.sources)}{partial}"
        )
    return status


def command_show(args: argparse.Namespace, hp: HotpapersSettings) -> int:
    tz = ZoneInfo(hp.timezone)
    try:
        date = fetch.resolve_date(args.date, dt.datetime.now(tz).date())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    path = cache.day_path(hp.data_path, date)
    if not path.exists():
        print(f"no stored day {date.isoformat()} in {hp.data_path}", file=sys.stderr)
        return EXIT_FAILED
    try:
        day = cache.read_day(path)
    except cache.DayFileError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    ranked = ranking.rank_day(day, hp.ranking)
    taken = day.counts_taken_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    print(f"Hot papers of {date.isoformat()} (counts taken {taken})")
    print(
        f"{'RANK':>4}  {'SCORE':>6}  {'REPOSTS':>7}  {'LIKES':>6}  {'POSTS':>5}  "
        f"{'ARXIV ID':<16}  TITLE"
    )
    for entry in ranked.entries:
        title = entry.paper.title
        if len(title) > 70:
            title = title[:69] + "…"
        print(
            f"{entry.rank:>4}  {entry.score:>6}  {entry.counts.reposts:>7}  "
            f"{entry.counts.likes:>6}  {entry.post_count:>5}  "
            f"{entry.paper.arxiv_id:<16}  {title}"
        )
    if not ranked.entries:
        print(f"(no paper reached a score of {hp.ranking.min_paper_score})")
    elif args.explain:
        print()
        print("\n".join(ranking.explain_lines(ranked, hp.ranking)))
    return EXIT_OK


COMMANDS = {"fetch": command_fetch, "list": command_list, "show": command_show}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    argparse itself exits (with 2) on bad arguments, and for --help and --version.
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    # urllib3 logs full request URLs at DEBUG; keep it quiet unless asked.
    logging.getLogger("urllib3").setLevel(
        logging.INFO if args.verbose else logging.WARNING
    )
    try:
        hp = load_settings(os.fspath(args.settings))
        return COMMANDS[args.command](args, hp)
    except UsageError as exc:
        print(f"pelican-hotpapers: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pelican-hotpapers: interrupted", file=sys.stderr)
        return EXIT_FAILED
