"""The ``pelican-hotpapers`` command: fetch, list and show days from the shell.

It reads the same settings file as Pelican and calls the same functions as
the build, so a day fetched from cron is exactly the day a build would have
fetched. Exit codes: 0 success, 1 when any day failed (``show`` of a day that
is not stored, or ``list`` of an unreadable one, too), 2 for usage errors (bad
arguments, a missing or broken settings file, a bad setting).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelican_hotpapers import archive, fetch, ranking
from pelican_hotpapers._version import __version__
from pelican_hotpapers.settings import DATE_FORMS, HotpapersSettings, SettingsError
from pelican_hotpapers.sources import SOURCE_CLASSES, SocialSource, source_label

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
#: X's pay-per-use price of one post read, for the cost estimate (2026).
X_PRICE_PER_POST = 0.005
DEFAULT_SETTINGS = "pelicanconf.py"

#: The sources, in words: "X, Bluesky and Hacker News".
_SOURCES_TEXT = " and ".join(
    ", ".join(source.title for source in SOURCE_CLASSES.values()).rsplit(", ", 1)
)
_EXIT_CODES = (
    "exit codes: 0 success; 1 when a day failed, was written only in part, or "
    "(show) is not stored or cannot be read; 2 for usage errors"
)


class UsageError(Exception):
    """Bad arguments or settings: reported in one line, exit code 2."""


def _common_options(*, subcommand: bool) -> argparse.ArgumentParser:
    """-s and -v, for the command and again for each subcommand.

    A subcommand's copy has no default (SUPPRESS), so that ``-s FILE fetch``
    is not overwritten by the subcommand's default and both positions work.
    """
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "-s",
        "--settings",
        metavar="FILE",
        default=argparse.SUPPRESS if subcommand else DEFAULT_SETTINGS,
        help=f"the site's Pelican settings file (default: ./{DEFAULT_SETTINGS})",
    )
    options.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if subcommand else False,
        help="log what happens in detail",
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pelican-hotpapers",
        description=(
            "Fetch and inspect the days behind a site's Hot Papers articles: "
            f"the posts of {_SOURCES_TEXT} that link arXiv papers."
        ),
        epilog=f"dates: {DATE_FORMS}, in the site's TIMEZONE. {_EXIT_CODES}.",
        parents=[_common_options(subcommand=False)],
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = [_common_options(subcommand=True)]

    fetch_cmd = commands.add_parser(
        "fetch",
        parents=common,
        help=f"fetch days from {_SOURCES_TEXT}, and their papers from arXiv",
        description=(
            f"Fetch days (by default HOTPAPERS_DATES) from {_SOURCES_TEXT} "
            f"(HOTPAPERS_SOURCES: {', '.join(SOURCE_CLASSES)}), look their "
            "papers up on arXiv, and store them in the data folder. Prints a "
            "line a day, names the sources it fetches from, and each source it "
            "leaves out, why, and what would turn it on."
        ),
        epilog=_EXIT_CODES + ".",
    )
    fetch_cmd.add_argument("--date", metavar="DATE", help=f"one day: {DATE_FORMS}")
    fetch_cmd.add_argument(
        "--since",
        metavar="DATE",
        help=f"first day of a range, with --until: {DATE_FORMS}",
    )
    fetch_cmd.add_argument(
        "--until",
        metavar="DATE",
        help=f"last day of a range, with --since: {DATE_FORMS}",
    )
    fetch_cmd.add_argument(
        "--force", action="store_true", help="fetch again even settled days"
    )

    commands.add_parser(
        "list",
        parents=common,
        help="list the stored days",
        description=(
            "List the days stored in the data folder, a row each. LISTED: the "
            "papers the day's article shows (those that reach "
            "HOTPAPERS_MIN_PAPER_SCORE and pass the category filters, up to "
            "HOTPAPERS_MAX_PAPERS). PAPERS: every paper stored for the day, "
            "listed or not. POSTS: the posts stored. COUNTS TAKEN: when the "
            "counts were read, and how many hours after the day's end. "
            "SOURCES: the sources that answered, and which did not (a partial "
            "day)."
        ),
        epilog="exit codes: 0; 1 when a day file cannot be read; 2 for usage errors.",
    )
    show_cmd = commands.add_parser(
        "show",
        parents=common,
        help="print the ranking of one stored day",
        description="Print the ranking of one stored day as a table.",
        epilog=(
            "exit codes: 0; 1 when the day is not stored or cannot be read; "
            "2 for usage errors."
        ),
    )
    show_cmd.add_argument("date", help=f"the day: {DATE_FORMS}")
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
    fetcher = fetch.Fetcher.from_settings(hp)
    if fetcher is None and _plan(args, hp, dates, now)[0]:
        raise _no_source(hp)
    try:
        # Wait for another fetch (cron and a build, say) rather than race it;
        # plan only once the lock is ours, since that fetch may have filled
        # in the days.
        with archive.fetch_lock(hp.data_path, timeout=hp.fetch.lock_timeout):
            outcomes = _fetch_days(args, hp, fetcher, dates, now)
    except archive.DataFolderBusy as exc:
        print(
            f"pelican-hotpapers: {exc}, still after {hp.fetch.lock_timeout:.0f} s "
            "(HOTPAPERS_LOCK_TIMEOUT)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except archive.DayFileError as exc:
        print(f"pelican-hotpapers: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if any("x" in outcome.asked for outcome in outcomes):
        # Every post X returned is billed, in a day that failed later too.
        reads = sum(outcome.reads.get("x", 0) for outcome in outcomes)
        print(
            f"X posts read: {reads} (about ${reads * X_PRICE_PER_POST:.2f} "
            f"at ${X_PRICE_PER_POST} a post)"
        )
    return EXIT_FAILED if any(outcome.failed for outcome in outcomes) else EXIT_OK


def _no_source(hp: HotpapersSettings) -> UsageError:
    _, missing = fetch.usable_sources(hp.fetch)
    return UsageError("no source can fetch: " + "; ".join(missing))


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


def _asked(
    fetcher: fetch.Fetcher, plans: Sequence[fetch.DayPlan], now: dt.datetime
) -> list[SocialSource]:
    """The sources that can see at least one of the days to fetch."""
    starts = [fetch.day_window(plan.date, fetcher.tz)[0] for plan in plans]
    return [
        source
        for source in fetcher.sources
        if any(not source.unavailable(start, now) for start in starts)
    ]


def _left_out(
    hp: HotpapersSettings,
    fetcher: fetch.Fetcher,
    plans: Sequence[fetch.DayPlan],
    now: dt.datetime,
) -> list[str]:
    """One line for each source a fetch leaves out, and why.

    A source without its credentials is one line; a source that cannot see
    some of the days (X's 7-day recent search) is one line naming them. A
    day that no source can see is left to its own line ("out of reach").
    """
    _, lines = fetch.usable_sources(hp.fetch)
    out_of_window: dict[tuple[str, str], list[str]] = {}
    for plan in plans:
        start, _ = fetch.day_window(plan.date, fetcher.tz)
        reasons = [(s.name, s.unavailable(start, now)) for s in fetcher.sources]
        if all(reason for _, reason in reasons):
            continue
        for name, reason in reasons:
            if reason:
                days = out_of_window.setdefault((name, reason), [])
                days.append(plan.date.isoformat())
    lines += [
        f"{source_label(name)} is not used for {', '.join(days)}: {reason}"
        for (name, reason), days in out_of_window.items()
    ]
    return lines


def _fetch_days(
    args: argparse.Namespace,
    hp: HotpapersSettings,
    fetcher: fetch.Fetcher | None,
    dates: list[dt.date],
    now: dt.datetime,
) -> list[fetch.DayOutcome]:
    """Each day's outcome, fetched or not, in date order."""
    from tqdm import tqdm

    plans, skipped = _plan(args, hp, dates, now)
    if plans:
        if fetcher is None:  # another fetch made a settled day unsettled
            raise _no_source(hp)
        asked = _asked(fetcher, plans, now)
        if asked:
            print(
                f"pelican-hotpapers: fetching from {fetch.sources_text(asked)}",
                file=sys.stderr,
            )
        for line in _left_out(hp, fetcher, plans, now):
            print(f"pelican-hotpapers: {line}", file=sys.stderr)
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
    with progress, _through_the_bar(progress):
        for item in work:
            if isinstance(item, fetch.DayPlan):
                assert fetcher is not None
                progress.set_postfix_str(item.date.isoformat())
                outcome = fetcher.fetch_and_store(item, now)
                progress.update()
            else:
                outcome = item
            outcomes.append(outcome)
            tqdm.write(_outcome_line(outcome), file=sys.stdout)
    return outcomes


def _through_the_bar(progress: Any) -> contextlib.AbstractContextManager[Any]:
    """Log lines through tqdm.write while the bar is shown, so that a line
    never starts in the middle of the bar.

    Only then, and only if the log goes to the console: tqdm's redirect adds
    a console handler of its own when it finds none to replace.
    """
    from tqdm.contrib.logging import logging_redirect_tqdm

    to_console = any(
        isinstance(handler, logging.StreamHandler)
        and handler.stream in (sys.stdout, sys.stderr)
        for handler in logging.getLogger().handlers
    )
    if progress.disable or not to_console:
        return contextlib.nullcontext()
    return logging_redirect_tqdm()


def _outcome_line(outcome: fetch.DayOutcome) -> str:
    return f"{outcome.date.isoformat()}  {outcome.status:<7}  {outcome.message}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: int) -> str:
    """Rows as lines of aligned columns; the first ``right`` after the first
    are numbers (right-aligned); the last column is not padded."""
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(width) if 1 <= n <= right else cell.ljust(width)
            for n, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        cells[-1] = row[-1]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def command_list(args: argparse.Namespace, hp: HotpapersSettings) -> int:
    tz = ZoneInfo(hp.timezone)
    files = archive.day_files(hp.data_path)
    if not files:
        print(f"no stored days in {hp.data_path}")
        return EXIT_OK
    header = ("DATE", "LISTED", "PAPERS", "POSTS", "COUNTS TAKEN", "SOURCES")
    rows: list[tuple[str, ...]] = []
    unreadable: dict[int, str] = {}
    status = EXIT_OK
    for path in files:
        try:
            day = archive.read_day(path)
        except archive.DayFileError as exc:
            unreadable[len(rows)] = f"{path.stem}  unreadable: {exc.problem}"
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
        rows.append(
            (
                day.date.isoformat(),
                str(len(ranked.entries)),
                str(len(day.entries)),
                str(posts),
                f"{taken} ({hours:+.0f} h)",
                "+".join(day.sources) + partial,
            )
        )
    lines = _table(header, rows, right=3).splitlines()
    # An unreadable day keeps its place in date order, as one line.
    for index in sorted(unreadable, reverse=True):
        lines.insert(index + 1, unreadable[index])
    print("\n".join(lines))
    return status


def command_show(args: argparse.Namespace, hp: HotpapersSettings) -> int:
    tz = ZoneInfo(hp.timezone)
    try:
        date = fetch.resolve_date(args.date, dt.datetime.now(tz).date())
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    path = archive.day_path(hp.data_path, date)
    if not path.exists():
        print(f"no stored day {date.isoformat()} in {hp.data_path}", file=sys.stderr)
        return EXIT_FAILED
    try:
        day = archive.read_day(path)
    except archive.DayFileError as exc:
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
