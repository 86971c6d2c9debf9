"""The fetch plan, the build's fetch, faults and secrets, against loopback servers."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from werkzeug import Request, Response

from pelican_hotpapers import archive, fetch
from pelican_hotpapers.fetch import DayPlan, day_window, is_settled, plan_days
from pelican_hotpapers.settings import HotpapersSettings

from .conftest import stored_files
from .factories import make_day
from .remote import (
    BSKY_SESSION,
    arxiv_handler,
    atom_feed,
    bsky_page,
    bsky_post,
    closed_port,
    drop_connection,
    hn_hit,
    hn_page,
    x_page,
    x_pages_handler,
    x_tweet,
)
from .sites import FILTERED_WARNINGS_ARE_FATAL, build, soup

UTC = dt.UTC
TOKEN = "HOTPAPERS-FAKE-TOKEN-7f3c9a1e"


def yesterday() -> dt.date:
    return dt.datetime.now(UTC).date() - dt.timedelta(days=1)


def snowflake(when: dt.datetime, n: int = 0) -> int:
    millis = int(when.timestamp() * 1000) - 1288834974657
    return (millis << 22) + n


# --- dates and plans ------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("today", dt.date(2021, 1, 12)),
        ("yesterday", dt.date(2021, 1, 11)),
        ("3 days ago", dt.date(2021, 1, 9)),
        ("1 day ago", dt.date(2021, 1, 11)),
        ("2020-12-31", dt.date(2020, 12, 31)),
    ],
)
def test_resolve_date(word, expected):
    assert fetch.resolve_date(word, dt.date(2021, 1, 12)) == expected


@pytest.mark.parametrize(
    "word", ["tomorrow", "2021-13-01", "soon", "x days ago", "3 years ago"]
)
def test_resolve_date_rejects(word):
    with pytest.raises(ValueError, match="not a date"):
        fetch.resolve_date(word, dt.date(2021, 1, 12))


def test_relative_dates_follow_the_site_timezone():
    now = dt.datetime(2021, 1, 12, 1, 0, tzinfo=UTC)
    assert fetch.resolve_dates(["yesterday"], ZoneInfo("Asia/Tokyo"), now) == [
        dt.date(2021, 1, 11)
    ]
    assert fetch.resolve_dates(
        ["yesterday", "today", "2021-01-10"], ZoneInfo("America/Los_Angeles"), now
    ) == [dt.date(2021, 1, 10), dt.date(2021, 1, 11)]


def test_day_window_is_the_local_day():
    start, end = day_window(dt.date(2021, 1, 11), ZoneInfo("Europe/Paris"))
    assert start.astimezone(UTC) == dt.datetime(2021, 1, 10, 23, 0, tzinfo=UTC)
    assert end - start == dt.timedelta(hours=24)


def test_settled_after_refresh_hours():
    tz = ZoneInfo("UTC")
    end = dt.datetime(2021, 1, 12, tzinfo=UTC)
    early = make_day(counts_taken_at=end + dt.timedelta(hours=47, minutes=59))
    late = make_day(counts_taken_at=end + dt.timedelta(hours=48))
    assert not is_settled(early, tz, 48)
    assert is_settled(late, tz, 48)


def test_plan_days(tmp_path):
    tz = ZoneInfo("UTC")
    now = dt.datetime(2021, 1, 20, 12, tzinfo=UTC)
    settled = make_day(dt.date(2021, 1, 11))  # counted 14 h after: not settled
    archive.write_day(tmp_path, settled)
    old = make_day(
        dt.date(2021, 1, 10),
        counts_taken_at=dt.datetime(2021, 1, 15, tzinfo=UTC),
    )
    archive.write_day(tmp_path, old)
    broken = tmp_path / "2021-01-09.json"
    broken.write_text("{", encoding="utf-8")
    dates = [dt.date(2021, 1, d) for d in (8, 9, 10, 11)] + [dt.date(2021, 1, 21)]
    plans, skipped = plan_days(dates, tmp_path, tz, now, refresh_hours=48)
    assert plans == [
        DayPlan(dt.date(2021, 1, 8), "missing"),
        DayPlan(dt.date(2021, 1, 11), "counts not settled"),
    ]
    by_date = {o.date.day: o for o in skipped}
    assert by_date[9].status == "failed" and "unreadable" in by_date[9].message
    assert by_date[10].status == "skipped" and "settled" in by_date[10].message
    assert by_date[21].status == "skipped" and "future" in by_date[21].message
    forced, _ = plan_days(dates[2:4], tmp_path, tz, now, refresh_hours=48, force=True)
    assert [p.reason for p in forced] == ["forced", "forced"]


def test_today_is_planned_and_tomorrow_is_in_the_future(tmp_path):
    """Today is in the site's time zone: in Tokyo it is already the 21st."""
    now = dt.datetime(2021, 1, 20, 18, tzinfo=UTC)
    tz = ZoneInfo("Asia/Tokyo")
    dates = [dt.date(2021, 1, 21), dt.date(2021, 1, 22)]

    plans, skipped = plan_days(dates, tmp_path, tz, now, refresh_hours=48)

    assert plans == [DayPlan(dt.date(2021, 1, 21), "missing")]
    assert [(o.date, o.status) for o in skipped] == [(dt.date(2021, 1, 22), "skipped")]
    assert skipped[0].message == "is in the future"


# --- the build's fetch ---------------------------------------------------------


def fetch_settings(httpserver, data_dir: Path, **extra) -> dict:
    settings = {
        # X alone (0.1's default), unless a test picks its sources: the other
        # sources' default addresses are the real services.
        "HOTPAPERS_SOURCES": ["x"],
        "HOTPAPERS_X_API_URL": httpserver.url_for("/2"),
        "HOTPAPERS_ARXIV_API_URL": httpserver.url_for("/api/query"),
        "HOTPAPERS_ARXIV_DELAY": 0,
        "HOTPAPERS_HTTP_BACKOFF": 0,
        "HOTPAPERS_HTTP_RETRIES": 1,
        "HOTPAPERS_HTTP_TIMEOUT": 2,
        "HOTPAPERS_RATE_LIMIT_MAX_WAIT": 2,
        "HOTPAPERS_DATES": [yesterday().isoformat()],
        "HOTPAPERS_MIN_PAPER_SCORE": 1,
        "HOTPAPERS_MIN_POST_SCORE": 1,
    }
    settings.update(extra)
    return settings


def serve_day(httpserver, tweets_per_page: list[list[dict]]) -> None:
    pages = [
        x_page(tweets, f"token{n}" if n < len(tweets_per_page) - 1 else None)
        for n, tweets in enumerate(tweets_per_page)
    ]
    httpserver.expect_request("/2/tweets/search/recent").respond_with_handler(
        x_pages_handler(pages)
    )
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())


def day_tweets(count: int, first: int = 0) -> list[dict]:
    when = dt.datetime.combine(yesterday(), dt.time(12), tzinfo=UTC)
    return [
        x_tweet(
            snowflake(when, first + n),
            [f"2101.{first + n + 1:05d}"],
            retweets=first + n,
            likes=10,
            created_at=when,
        )
        for n in range(count)
    ]


def requests_to(httpserver, path: str) -> list[Request]:
    return [request for request, _ in httpserver.log if request.path == path]


def test_build_fetches_then_renders(httpserver, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    serve_day(httpserver, [day_tweets(2), day_tweets(1, first=2)])
    data = tmp_path / "data"
    out = build(tmp_path, data, **fetch_settings(httpserver, data))

    day = archive.read_day(archive.day_path(data, yesterday()))
    assert [e.paper.arxiv_id for e in day.entries] == [
        "2101.00003",
        "2101.00002",
        "2101.00001",
    ]
    assert day.sources == ("x",)
    assert day.entries[0].paper.title == "A study of 2101.00003"
    assert day.entries[0].counts.reposts == 2
    page = soup(out / f"hot-papers-{yesterday().isoformat()}.html")
    titles = [h.a.get_text() for h in page.select("h2.hotpapers-title")]
    assert titles == [f"A study of 2101.0000{n}" for n in (3, 2, 1)]
    embeds = page.select("blockquote.twitter-tweet a[href^='https://x.com/author1/']")
    assert len(embeds) == 3
    fetched = [r.getMessage() for r in caplog.records if "fetched" in r.getMessage()]
    assert len(fetched) == 1 and "X: 3 posts read" in fetched[0]

    x_requests = requests_to(httpserver, "/2/tweets/search/recent")
    assert len(x_requests) == 2
    assert x_requests[1].args["next_token"] == "token0"
    for request in x_requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in request.url
        start, _ = day_window(yesterday(), ZoneInfo("UTC"))
        assert request.args["start_time"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(requests_to(httpserver, "/api/query")) == 1


def test_fetch_runs_once_per_process(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    serve_day(httpserver, [day_tweets(1)])
    data = tmp_path / "data"
    settings = fetch_settings(httpserver, data, HOTPAPERS_FETCH="always")
    hp = HotpapersSettings.from_pelican(
        {**settings, "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    assert [o.status for o in fetch.fetch_for_build(hp)] == ["written"]
    assert fetch.fetch_for_build(hp) == []
    assert len(requests_to(httpserver, "/2/tweets/search/recent")) == 1


def test_request_budget_for_150_papers(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    serve_day(httpserver, [day_tweets(100), day_tweets(50, first=100)])
    data = tmp_path / "data"
    hp = HotpapersSettings.from_pelican(
        {**fetch_settings(httpserver, data), "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    outcomes = fetch.fetch_for_build(hp)
    assert [(o.status, o.reads, o.papers) for o in outcomes] == [
        ("written", {"x": 150}, 150)
    ]
    assert len(requests_to(httpserver, "/2/tweets/search/recent")) == 2
    arxiv_requests = requests_to(httpserver, "/api/query")
    assert len(arxiv_requests) == 2
    sizes = [len(r.args["id_list"].split(",")) for r in arxiv_requests]
    assert sizes == [100, 50]
    assert [r.args["max_results"] for r in arxiv_requests] == ["100", "50"]


@pytest.mark.parametrize(
    ("mode", "token", "expected"),
    [
        ("never", TOKEN, "HOTPAPERS_FETCH is 'never'"),
        ("auto", None, "$X_BEARER_TOKEN is not set"),
    ],
)
def test_no_fetch_without_token_or_with_never(
    httpserver, tmp_path, monkeypatch, caplog, mode, token, expected
):
    caplog.set_level(logging.INFO)
    if token:
        monkeypatch.setenv("X_BEARER_TOKEN", token)
    data = tmp_path / "data"
    archive.write_day(data, make_day())
    out = build(
        tmp_path, data, **fetch_settings(httpserver, data, HOTPAPERS_FETCH=mode)
    )
    assert (out / "hot-papers-2021-01-11.html").exists()
    lines = [r for r in caplog.records if expected in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert httpserver.log == []


def test_old_day_without_full_archive_is_explained(
    httpserver, tmp_path, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    data = tmp_path / "data"
    old = (dt.datetime.now(UTC) - dt.timedelta(days=10)).date().isoformat()
    build(tmp_path, data, **fetch_settings(httpserver, data, HOTPAPERS_DATES=[old]))
    lines = [
        r.getMessage()
        for r in caplog.records
        if "HOTPAPERS_X_FULL_ARCHIVE" in r.getMessage()
    ]
    assert len(lines) == 1 and old in lines[0]
    assert httpserver.log == []


def test_full_archive_uses_search_all(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    old_date = (dt.datetime.now(UTC) - dt.timedelta(days=10)).date()
    when = dt.datetime.combine(old_date, dt.time(12), tzinfo=UTC)
    page = x_page([x_tweet(snowflake(when), ["2101.00001"], created_at=when)])
    httpserver.expect_request("/2/tweets/search/all").respond_with_json(page)
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())
    data = tmp_path / "data"
    settings = fetch_settings(
        httpserver,
        data,
        HOTPAPERS_DATES=[old_date.isoformat()],
        HOTPAPERS_X_FULL_ARCHIVE=True,
        HOTPAPERS_DATA_PATH=str(data),
    )
    outcomes = fetch.fetch_for_build(HotpapersSettings.from_pelican(settings, tmp_path))
    assert [o.status for o in outcomes] == ["written"]
    assert requests_to(httpserver, "/2/tweets/search/all")


# --- faults: the build stays green and the stored days stay as they were -------


def closed_port_url() -> str:
    return f"http://127.0.0.1:{closed_port()}/2"


def stalled(request: Request) -> Response:
    time.sleep(1.5)
    return Response("{}", content_type="application/json")


X_FAULTS = {
    "refused": ("X API", "refused", None),
    "timeout": ("X API", "timed out", stalled),
    "http 500": ("X API", "HTTP 500", Response("oops", status=500)),
    "http 503": ("X API", "HTTP 503", Response("busy", status=503)),
    "http 401": ("X API", "HTTP 401", Response("{}", status=401)),
    "http 429 far reset": (
        "X API",
        "429",
        Response(
            "{}",
            status=429,
            headers={"x-rate-limit-reset": str(int(time.time()) + 3600)},
        ),
    ),
    "http 429 no reset": ("X API", "429", Response("{}", status=429)),
    "truncated json": (
        "X API",
        "not valid JSON",
        Response('{"data": [{"id": "1", "te', content_type="application/json"),
    ),
    "html": (
        "X API",
        "not valid JSON",
        Response("<html><body>Over capacity</body></html>", content_type="text/html"),
    ),
    "next_token loop": ("X API", "looped", "loop"),
}

ARXIV_FAULTS = {
    "refused": ("arXiv API", "refused", None),
    "timeout": ("arXiv API", "timed out", stalled),
    "http 500": ("arXiv API", "HTTP 500", Response("oops", status=500)),
    "http 503": ("arXiv API", "HTTP 503", Response("busy", status=503)),
    "http 429": ("arXiv API", "HTTP 429", Response("slow down", status=429)),
    "http 429 long retry-after": (
        "arXiv API",
        "HTTP 429",
        Response("slow down", status=429, headers={"Retry-After": "3600"}),
    ),
    "truncated atom": (
        "arXiv API",
        "not a complete Atom feed",
        Response(atom_feed(["2101.00001"])[:400], content_type="application/atom+xml"),
    ),
    "html": (
        "arXiv API",
        "not an Atom feed",
        Response("<html><body>Rate exceeded</body></html>", content_type="text/html"),
    ),
    "wrong entries": (
        "arXiv API",
        "not asked for",
        Response(atom_feed(["1706.03762"]), content_type="application/atom+xml"),
    ),
}


@pytest.fixture
def stored(tmp_path) -> tuple[Path, dict[Path, bytes]]:
    """A data folder whose yesterday is stored but unsettled, so it is refetched."""
    data = tmp_path / "data"
    fresh = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    archive.write_day(data, make_day(yesterday(), counts_taken_at=fresh))
    archive.write_day(data, make_day(dt.date(2021, 1, 11)))
    return data, {p: p.read_bytes() for p in stored_files(data)}


def assert_one_warning(caplog, service: str, cause: str) -> str:
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("pelican_hotpapers")
    ]
    assert len(warnings) == 1, warnings
    message = warnings[0]
    assert (
        service in message and cause in message and yesterday().isoformat() in message
    )
    assert TOKEN not in message
    return message


def serve_fault(
    httpserver, settings: dict, path: str, url_setting: str, answer
) -> None:
    """Make the endpoint at ``path`` fail as ``answer`` says."""
    if answer is None:
        settings[url_setting] = closed_port_url()
    elif isinstance(answer, Response):
        httpserver.expect_request(path).respond_with_response(answer)
    elif isinstance(answer, dict):
        httpserver.expect_request(path).respond_with_json(answer)
    else:  # a handler that stalls past the timeout
        settings["HOTPAPERS_HTTP_TIMEOUT"] = 0.5
        settings["HOTPAPERS_HTTP_RETRIES"] = 0
        httpserver.expect_request(path).respond_with_handler(answer)


def assert_kept_and_warned(out, data, before, caplog, service, cause) -> None:
    assert {p: p.read_bytes() for p in stored_files(data)} == before
    assert (out / f"hot-papers-{yesterday().isoformat()}.html").exists()
    assert (out / "hot-papers-2021-01-11.html").exists()
    assert_one_warning(caplog, service, cause)


@pytest.mark.parametrize("fault", list(X_FAULTS))
def test_x_faults_keep_the_stored_days(
    httpserver, tmp_path, monkeypatch, caplog, stored, fault
):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    data, before = stored
    service, cause, answer = X_FAULTS[fault]
    settings = fetch_settings(httpserver, data)
    if answer == "loop":
        when = dt.datetime.combine(yesterday(), dt.time(12), tzinfo=UTC)
        answer = x_page([x_tweet(snowflake(when), ["2101.00001"])], "again")
    serve_fault(
        httpserver, settings, "/2/tweets/search/recent", "HOTPAPERS_X_API_URL", answer
    )
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())

    out = build(tmp_path, data, **settings)

    assert_kept_and_warned(out, data, before, caplog, service, cause)


@pytest.mark.parametrize("fault", list(ARXIV_FAULTS))
def test_arxiv_faults_keep_the_stored_days(
    httpserver, tmp_path, monkeypatch, caplog, stored, fault
):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    data, before = stored
    service, cause, answer = ARXIV_FAULTS[fault]
    when = dt.datetime.combine(yesterday(), dt.time(12), tzinfo=UTC)
    page = x_page([x_tweet(snowflake(when), ["2101.00001"], created_at=when)])
    httpserver.expect_request("/2/tweets/search/recent").respond_with_json(page)
    settings = fetch_settings(httpserver, data)
    serve_fault(httpserver, settings, "/api/query", "HOTPAPERS_ARXIV_API_URL", answer)

    out = build(tmp_path, data, **settings)

    assert_kept_and_warned(out, data, before, caplog, service, cause)


def pelican_process(tmp_path: Path, settings: dict, *options: str):
    """``pelican content`` as a real process, as a site owner runs it.

    Pelican sets up its logging (``--fatal warnings`` is a logger class) before
    any plugin imports requests, which an in-process build cannot reproduce.
    """
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    lines = [
        'PATH = "content"',
        'OUTPUT_PATH = "output"',
        'SITENAME = "Test lab"',
        'SITEURL = "https://lab.example.org"',
        'TIMEZONE = "UTC"',
        'PLUGINS = ["pelican_hotpapers"]',
        *(f"{name} = {value!r}" for name, value in settings.items()),
    ]
    (site / "pelicanconf.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("X_BEARER")}
    env["X_BEARER_TOKEN"] = TOKEN
    env["COLUMNS"] = "100"
    done = subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", *options],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, site


def build_through_a_blip(httpserver, folder: Path, *options: str):
    """``pelican content`` in ``folder`` while X hangs up once, then answers.

    Returns the finished process, the site's folder and the calls X saw.
    """
    httpserver.clear()
    calls = []

    def drop_once(request: Request) -> Response:
        calls.append(request)
        if len(calls) == 1:
            return drop_connection(request)
        when = dt.datetime.combine(yesterday(), dt.time(12), tzinfo=UTC)
        page = x_page([x_tweet(snowflake(when), ["2101.00001"], created_at=when)])
        return Response(json.dumps(page), content_type="application/json")

    httpserver.expect_request("/2/tweets/search/recent").respond_with_handler(drop_once)
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())
    settings = fetch_settings(httpserver, Path("hotpapers"))

    done, site = pelican_process(folder, settings, *options)
    return done, site, calls


@pytest.mark.build
@pytest.mark.skipif(
    FILTERED_WARNINGS_ARE_FATAL,
    reason="before Pelican 4.12, --fatal warnings raises on a filtered warning",
)
def test_a_retried_blip_never_fails_a_build_with_fatal_warnings(httpserver, tmp_path):
    """X hangs up once, then answers: the retry is not news, even to --fatal."""
    done, site, calls = build_through_a_blip(
        httpserver, tmp_path, "--fatal", "warnings"
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert len(calls) == 2
    assert "Retrying" not in output and "WARNING" not in output
    assert archive.day_path(site / "hotpapers", yesterday()).exists()
    assert (site / "output" / f"hot-papers-{yesterday().isoformat()}.html").exists()
    assert TOKEN not in output


@pytest.mark.build
@pytest.mark.skipif(
    not FILTERED_WARNINGS_ARE_FATAL,
    reason="Pelican 4.12 and newer let a filtered warning pass --fatal warnings",
)
def test_before_pelican_4_12_a_retried_blip_fails_fatal_warnings(httpserver, tmp_path):
    """The difference docs/running-daily.rst states: urllib3 still calls
    ``warning()`` for its retry, and that Pelican raises for the call although
    our filter keeps the line out of the log. ``--fatal errors`` is unharmed.
    """
    fatal_warnings = tmp_path / "warnings"
    done, _, calls = build_through_a_blip(
        httpserver, fatal_warnings, "--fatal", "warnings"
    )

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert len(calls) == 1
    assert "Warning encountered" in output
    assert "Retrying" not in output
    assert TOKEN not in output

    fatal_errors = tmp_path / "errors"
    done, site, calls = build_through_a_blip(
        httpserver, fatal_errors, "--fatal", "errors"
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert len(calls) == 2
    assert "Retrying" not in output and "WARNING" not in output
    assert (site / "output" / f"hot-papers-{yesterday().isoformat()}.html").exists()


@pytest.mark.build
def test_a_service_that_finally_fails_is_one_warning(tmp_path, httpserver):
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())
    settings = fetch_settings(
        httpserver,
        Path("hotpapers"),
        HOTPAPERS_X_API_URL=closed_port_url(),
        HOTPAPERS_HTTP_RETRIES=2,
    )

    done, _ = pelican_process(tmp_path, settings)

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert output.count("WARNING") == 1, output
    assert "Retrying" not in output
    assert "could not fetch" in output and "refused" in output


def test_rate_limit_within_the_bound_is_waited_for(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    when = dt.datetime.combine(yesterday(), dt.time(12), tzinfo=UTC)
    page = x_page([x_tweet(snowflake(when), ["2101.00001"], created_at=when)])
    answers = [
        Response(
            "{}", status=429, headers={"x-rate-limit-reset": str(int(time.time()) + 1)}
        ),
        Response(json.dumps(page), content_type="application/json"),
    ]
    httpserver.expect_request("/2/tweets/search/recent").respond_with_handler(
        lambda request: answers.pop(0)
    )
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())
    data = tmp_path / "data"
    hp = HotpapersSettings.from_pelican(
        {**fetch_settings(httpserver, data), "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    assert [o.status for o in fetch.fetch_for_build(hp)] == ["written"]
    assert len(requests_to(httpserver, "/2/tweets/search/recent")) == 2


def test_a_rate_limit_ends_fetching_for_the_run(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    reset = str(int(time.time()) + 3600)
    httpserver.expect_request("/2/tweets/search/recent").respond_with_response(
        Response("{}", status=429, headers={"x-rate-limit-reset": reset})
    )
    data = tmp_path / "data"
    days = [
        (dt.datetime.now(UTC) - dt.timedelta(days=n)).date().isoformat() for n in (2, 1)
    ]
    hp = HotpapersSettings.from_pelican(
        {
            **fetch_settings(httpserver, data, HOTPAPERS_DATES=days),
            "HOTPAPERS_DATA_PATH": str(data),
        },
        tmp_path,
    )
    outcomes = fetch.fetch_for_build(hp)
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "rate limit" in outcomes[1].message
    assert len(requests_to(httpserver, "/2/tweets/search/recent")) == 1
    assert not list(data.glob("*.json"))


# --- secrets ----------------------------------------------------------------------


def test_token_never_written_or_logged(httpserver, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    serve_day(httpserver, [day_tweets(2), day_tweets(1, first=2)])
    data = tmp_path / "data"
    out = build(tmp_path, data, **fetch_settings(httpserver, data))
    assert list(data.glob("*.json")) and list(out.rglob("*.html"))

    for path in [*out.rglob("*"), *data.rglob("*")]:
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        assert TOKEN not in text, record.name
    # Every source that takes a token masks it, with the default sources.
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", TOKEN)
    hp = HotpapersSettings.from_pelican({"HOTPAPERS_DATA_PATH": str(data)}, tmp_path)
    fetcher = fetch.Fetcher.from_settings(hp)
    assert [s.name for s in fetcher.sources] == [
        "x",
        "hackernews",
        "huggingface",
        "mastodon",
    ]
    for thing in (hp, *fetcher.sources, fetcher.arxiv):
        assert TOKEN not in repr(thing)
        assert TOKEN not in repr(getattr(thing, "auth", None))


# --- several sources ----------------------------------------------------------

BSKY_PASSWORD = "bsky-app-password-secret-93ab"


def mixed_settings(httpserver, data: Path, monkeypatch, **extra) -> dict:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv("BLUESKY_HANDLE", "lab.example.org")
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", BSKY_PASSWORD)
    settings = {
        "HOTPAPERS_SOURCES": ["x", "bluesky", "hackernews"],
        "HOTPAPERS_BLUESKY_PDS_URL": httpserver.url_for("/pds"),
        "HOTPAPERS_HN_API_URL": httpserver.url_for("/hn"),
        **extra,
    }
    return fetch_settings(httpserver, data, **settings)


def serve_mixed(httpserver, *, bluesky: Response | None = None) -> None:
    when = dt.datetime.combine(yesterday(), dt.time(12), tzinfo=UTC)
    x = x_page([x_tweet(snowflake(when), ["2101.00001"], retweets=120, likes=300)])
    httpserver.expect_request("/2/tweets/search/recent").respond_with_json(x)
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_json(BSKY_SESSION)
    search = "/pds/xrpc/app.bsky.feed.searchPosts"
    if bluesky is None:
        page = bsky_page(
            [bsky_post("3k1", "2101.00001", reposts=40, likes=95),
             bsky_post("3k2", "2101.00002", reposts=30, likes=40)]
        )  # fmt: skip
        httpserver.expect_request(search).respond_with_json(page)
    else:
        httpserver.expect_request(search).respond_with_response(bluesky)
    hn = hn_page([hn_hit(4242, "2101.00001", points=210, comments=45)])
    httpserver.expect_request("/hn/search_by_date").respond_with_json(hn)
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())


def test_a_mixed_day_is_ranked_and_shown_per_source(httpserver, tmp_path, monkeypatch):
    data = tmp_path / "data"
    serve_mixed(httpserver)
    settings = mixed_settings(
        httpserver, data, monkeypatch, HOTPAPERS_RANKING="sum"
    )  # the score shown is the plain sum
    out = build(tmp_path, data, **settings)

    day = archive.read_day(archive.day_path(data, yesterday()))
    assert day.sources == ("x", "bluesky", "hackernews")
    assert day.failed_sources == ()
    page = soup(out / f"hot-papers-{yesterday().isoformat()}.html")
    first = page.select_one("section.hotpapers-paper")
    assert first.select_one(".hotpapers-score").get_text() == str(
        120 + 300 + 40 + 95 + 210
    )
    assert first.select_one(".hotpapers-by-source").get_text() == (
        "X: 120 reposts, 300 likes · Bluesky: 40 reposts, 95 likes · "
        "HN: 210 points, 45 comments"
    )
    assert len(first.select("blockquote.twitter-tweet")) == 1
    [sky] = first.select("blockquote.bluesky-embed")
    assert sky["data-bluesky-uri"].startswith("at://")
    assert sky.find("a", href="https://arxiv.org/abs/2101.00001").get_text() == (
        "arxiv.org/abs/2101.00001"
    )
    assert sky.find("a", href=re.compile(r"^https://bsky\.app/profile/alice"))
    [hn] = first.select("p.hotpapers-post-hackernews")
    assert hn.a["href"] == "https://news.ycombinator.com/item?id=4242"
    assert "210 points, 45 comments" in hn.get_text()
    assert "on X, Bluesky, HN" in page.select_one(".hotpapers-intro").get_text()
    assert not page.find_all("script")
    # The app password and tokens stay out of every file.
    for path in [*out.rglob("*.html"), *data.glob("*.json")]:
        text = path.read_text(encoding="utf-8")
        assert BSKY_PASSWORD not in text and "bsky-access-1" not in text


def test_embed_scripts_for_each_platform_when_opted_in(
    httpserver, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    serve_mixed(httpserver)
    settings = mixed_settings(
        httpserver, data, monkeypatch, HOTPAPERS_EMBED_SCRIPT=True
    )
    out = build(tmp_path, data, **settings)
    page = soup(out / f"hot-papers-{yesterday().isoformat()}.html")
    assert [s["src"] for s in page.find_all("script")] == [
        "https://platform.twitter.com/widgets.js",
        "https://embed.bsky.app/static/embed.js",
    ]


def test_a_failing_source_makes_a_partial_day_that_a_later_fetch_completes(
    httpserver, tmp_path, monkeypatch, caplog
):
    data = tmp_path / "data"
    serve_mixed(httpserver, bluesky=Response("down", status=500))
    settings = mixed_settings(httpserver, data, monkeypatch)
    hp = HotpapersSettings.from_pelican(
        {**settings, "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )

    [outcome] = fetch.fetch_for_build(hp)
    assert outcome.status == "partial"
    day = archive.read_day(archive.day_path(data, yesterday()))
    assert day.sources == ("x", "hackernews") and day.failed_sources == ("bluesky",)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Bluesky API" in warnings[0] and "HTTP 500" in warnings[0]
    assert yesterday().isoformat() in warnings[0]

    out = build(tmp_path, data, **{**settings, "HOTPAPERS_FETCH": "never"})
    page = soup(out / f"hot-papers-{yesterday().isoformat()}.html")
    assert "Bluesky did not answer" in page.select_one(".hotpapers-partial").get_text()

    # The next run plans the partial day again, and Bluesky answers this time.
    plans, _ = plan_days(
        [yesterday()], data, ZoneInfo("UTC"), dt.datetime.now(UTC), refresh_hours=0
    )
    assert plans == [DayPlan(yesterday(), "partial")]
    httpserver.clear()
    serve_mixed(httpserver)
    fetch._FETCHED_THIS_PROCESS.clear()
    [outcome] = fetch.fetch_for_build(hp)
    assert outcome.status == "written"
    day = archive.read_day(archive.day_path(data, yesterday()))
    assert day.failed_sources == () and "bluesky" in day.sources
    assert {p.source for e in day.entries for p in e.posts} == {
        "x",
        "bluesky",
        "hackernews",
    }


def test_a_source_failing_again_keeps_its_earlier_posts(
    httpserver, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    serve_mixed(httpserver)
    settings = mixed_settings(httpserver, data, monkeypatch, HOTPAPERS_FETCH="always")
    hp = HotpapersSettings.from_pelican(
        {**settings, "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    assert [o.status for o in fetch.fetch_for_build(hp)] == ["written"]

    httpserver.clear()
    serve_mixed(httpserver, bluesky=Response("down", status=503))
    fetch._FETCHED_THIS_PROCESS.clear()
    assert [o.status for o in fetch.fetch_for_build(hp)] == ["partial"]
    day = archive.read_day(archive.day_path(data, yesterday()))
    assert day.failed_sources == ("bluesky",)
    sky = [p for e in day.entries for p in e.posts if p.source == "bluesky"]
    assert sorted(p.id.rsplit("/", 1)[-1] for p in sky) == ["3k1", "3k2"]


def test_when_every_source_fails_nothing_is_written(
    httpserver, tmp_path, monkeypatch, stored
):
    data, before = stored
    settings = mixed_settings(httpserver, data, monkeypatch, HOTPAPERS_HTTP_RETRIES=0)
    failing = (
        "/2/tweets/search/recent",
        "/pds/xrpc/com.atproto.server.createSession",
        "/hn/search_by_date",
    )
    for path in failing:
        httpserver.expect_request(path).respond_with_response(
            Response("no", status=500)
        )
    hp = HotpapersSettings.from_pelican(
        {**settings, "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    [outcome] = fetch.fetch_for_build(hp)
    assert outcome.status == "failed"
    assert {p: p.read_bytes() for p in stored_files(data)} == before


def test_sources_without_credentials_are_named_once(
    httpserver, tmp_path, monkeypatch, caplog
):
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    monkeypatch.delenv("BLUESKY_HANDLE", raising=False)
    data = tmp_path / "data"
    serve_day(httpserver, [day_tweets(1)])
    settings = fetch_settings(httpserver, data, HOTPAPERS_SOURCES=["x", "bluesky"])
    hp = HotpapersSettings.from_pelican(
        {**settings, "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    [outcome] = fetch.fetch_for_build(hp)
    assert outcome.status == "written"
    lines = [
        r.getMessage()
        for r in caplog.records
        if "Bluesky is not used" in r.getMessage()
    ]
    assert len(lines) == 1 and "$BLUESKY_HANDLE" in lines[0]


# --- a refetch never loses a source's posts (review findings) -------------------


def test_a_source_not_asked_again_keeps_its_posts(httpserver, tmp_path, monkeypatch):
    """A day stored from X and HN, refetched when X has no token any more:
    the X posts stay, and X stays among the day's sources."""
    data = tmp_path / "data"
    serve_mixed(httpserver)
    settings = mixed_settings(
        httpserver,
        data,
        monkeypatch,
        HOTPAPERS_SOURCES=["x", "hackernews"],
        HOTPAPERS_FETCH="always",
    )
    hp = HotpapersSettings.from_pelican(
        {**settings, "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    assert [o.status for o in fetch.fetch_for_build(hp)] == ["written"]
    before = archive.read_day(archive.day_path(data, yesterday()))
    x_posts = {p.id for e in before.entries for p in e.posts if p.source == "x"}
    assert x_posts

    monkeypatch.delenv("X_BEARER_TOKEN")
    fetch._FETCHED_THIS_PROCESS.clear()
    assert [o.status for o in fetch.fetch_for_build(hp)] == ["written"]
    after = archive.read_day(archive.day_path(data, yesterday()))
    assert after.sources == ("hackernews", "x")
    assert {p.id for e in after.entries for p in e.posts if p.source == "x"} == x_posts
    assert not after.partial


def test_a_long_bluesky_rate_limit_ends_bluesky_for_the_run(
    httpserver, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    days = [
        (dt.datetime.now(UTC) - dt.timedelta(days=n)).date().isoformat() for n in (2, 1)
    ]
    settings = mixed_settings(httpserver, data, monkeypatch, HOTPAPERS_DATES=days)
    serve_mixed(
        httpserver,
        bluesky=Response(
            "{}", status=429, headers={"ratelimit-reset": str(int(time.time()) + 3600)}
        ),
    )
    hp = HotpapersSettings.from_pelican(
        {**settings, "HOTPAPERS_DATA_PATH": str(data)}, tmp_path
    )
    outcomes = fetch.fetch_for_build(hp)
    assert [o.status for o in outcomes] == ["partial", "partial"]
    assert "rate limit" in outcomes[1].message
    searches = requests_to(httpserver, "/pds/xrpc/app.bsky.feed.searchPosts")
    assert len(searches) == 1


def test_resolve_date_far_back_is_a_plain_error():
    with pytest.raises(ValueError, match="too far back"):
        fetch.resolve_date("99999999 days ago", dt.date(2021, 1, 12))


# --- a fourth source, added as docs/adding-a-source.rst says -------------------


def test_a_source_added_with_one_registry_line_fetches_a_day(
    httpserver, tmp_path, monkeypatch, caplog
):
    from pelican_hotpapers.sources import SOURCE_CLASSES

    from .toy_source import ToySource

    caplog.set_level(logging.INFO)
    monkeypatch.setitem(SOURCE_CLASSES, "toy", ToySource)  # the registry line
    when = dt.datetime.combine(yesterday(), dt.time(12), tzinfo=UTC)
    pages = {
        None: {
            "items": [
                {"id": "1", "text": "Look", "url": "https://arxiv.org/abs/2101.00001",
                 "likes": 70, "created": when.isoformat()},
                {"id": "2", "text": "No paper", "url": "https://example.org/"},
            ],
            "next": "c2",
        },
        "c2": {
            "items": [
                {"id": "3", "text": "And this", "likes": 40,
                 "url": "https://arxiv.org/pdf/2101.00002v2"},
            ],
        },
    }  # fmt: skip
    httpserver.expect_request("/toy/search").respond_with_handler(
        lambda request: Response(
            json.dumps(pages[request.args.get("cursor")]),
            content_type="application/json",
        )
    )
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())
    data = tmp_path / "data"
    settings = fetch_settings(
        httpserver,
        data,
        HOTPAPERS_SOURCES=["toy"],
        HOTPAPERS_TOY_API_URL=httpserver.url_for("/toy"),
        HOTPAPERS_TOY_MAX_PAGES=2,
    )

    out = build(tmp_path, data, **settings)

    day = archive.read_day(archive.day_path(data, yesterday()))
    assert day.sources == ("toy",)
    assert {(p.source, p.id) for e in day.entries for p in e.posts} == {
        ("toy", "1"),
        ("toy", "3"),
    }
    assert [e.paper.arxiv_id for e in day.entries] == ["2101.00001", "2101.00002"]
    since = [r.args["since"] for r in requests_to(httpserver, "/toy/search")]
    assert since == [day_window(yesterday(), ZoneInfo("UTC"))[0].isoformat()] * 2
    page = soup(out / f"hot-papers-{yesterday().isoformat()}.html")
    assert "on Toy" in page.select_one(".hotpapers-intro").get_text()
    # Without a post-toy.html of its own, a post is shown by post-generic.html.
    posts = page.select("blockquote.hotpapers-post-toy a[href]")
    assert {a["href"] for a in posts} == {
        "https://toy.example/posts/1",
        "https://toy.example/posts/3",
    }
    messages = [r.getMessage() for r in caplog.records]
    assert any("Toy: 3 posts read, 2 papers" in m for m in messages)
    assert not any("HOTPAPERS_TOY" in m for m in messages)  # known settings


# --- fetch_day's result, with stand-ins for the services -----------------------


class StubSource:
    """A source that answers from a list, or fails as it is told."""

    unit = "posts"

    def __init__(self, name, posts=(), failure=None, reads=None, blind=None):
        self.name = name
        self.service = f"{name} API"
        self.posts = tuple(posts)
        self.failure = failure
        self.reads = len(self.posts) if reads is None else reads
        self.blind = blind
        self.asked = 0

    def unavailable(self, start, now):
        return self.blind

    def search_posts(self, start, end, now=None):
        from pelican_hotpapers.sources.base import SearchResult

        self.asked += 1
        if self.failure is not None:
            raise self.failure
        return SearchResult(self.posts, self.reads, 1)


class StubArxiv:
    name = "arxiv"

    def __init__(self, failure=None):
        self.failure = failure
        self.asked: list[list[str]] = []

    def fetch_papers(self, ids):
        from .factories import make_paper

        self.asked.append(list(ids))
        if self.failure is not None:
            raise self.failure
        return {arxiv_id: make_paper(arxiv_id) for arxiv_id in ids}


def stub_fetcher(tmp_path, sources, arxiv=None):
    return fetch.Fetcher(sources, arxiv or StubArxiv(), tmp_path, ZoneInfo("UTC"))


def rate_limited(message="rate limit reached"):
    from pelican_hotpapers.sources.x import XRateLimitError

    return XRateLimitError(message)


DAY = dt.date(2021, 1, 11)
NOW = dt.datetime(2021, 1, 13, 12, tzinfo=UTC)


def test_fetch_day_returns_the_day_the_reads_and_the_failures(tmp_path):
    from pelican_hotpapers.sources import SourceError

    from .factories import make_post

    down = SourceError("the search failed with HTTP 500", service="bluesky API")
    x = StubSource("x", [make_post(("2101.00001",))], reads=40)
    sky = StubSource("bluesky", failure=down)
    hn = StubSource("hackernews", [make_post(("2101.00002",), source="hackernews")])

    result = stub_fetcher(tmp_path, [x, sky, hn]).fetch_day(DAY, NOW)

    assert result.reads == {"x": 40, "hackernews": 1}
    assert result.failures == {"bluesky": down}
    assert result.asked == {"x", "bluesky", "hackernews"}
    assert result.failure_text() == "bluesky API: the search failed with HTTP 500"
    day = result.day
    assert day is not None and day.date == DAY
    assert (day.sources, day.failed_sources) == (("x", "hackernews"), ("bluesky",))
    assert [e.paper.arxiv_id for e in day.entries] == ["2101.00001", "2101.00002"]


def test_no_day_when_arxiv_fails_but_the_reads_are_kept(tmp_path):
    from pelican_hotpapers.sources.arxiv import ArxivError

    from .factories import make_post

    down = ArxivError("the query failed with HTTP 503")
    x = StubSource("x", [make_post(("2101.00001",))], reads=7)

    result = stub_fetcher(tmp_path, [x], StubArxiv(down)).fetch_day(DAY, NOW)

    assert result.day is None
    assert result.reads == {"x": 7}
    assert result.failures == {"arxiv": down}
    assert result.asked == {"x"}  # arXiv is not a source of posts


def test_no_day_and_no_arxiv_request_when_no_source_answers(tmp_path):
    from pelican_hotpapers.sources import SourceError

    failure = SourceError("down", service="x API")
    arxiv = StubArxiv()
    blind = StubSource("hackernews", blind="it cannot see the day")

    result = stub_fetcher(
        tmp_path, [StubSource("x", failure=failure), blind], arxiv
    ).fetch_day(DAY, NOW)

    assert (result.day, result.reads, result.failures) == (None, {}, {"x": failure})
    assert arxiv.asked == [] and blind.asked == 0


def test_a_rate_limited_source_is_not_asked_again_in_the_run(tmp_path):
    from .factories import make_post

    x = StubSource("x", failure=rate_limited())
    hn = StubSource("hackernews", [make_post(("2101.00001",), source="hackernews")])
    fetcher = stub_fetcher(tmp_path, [x, hn])

    first = fetcher.fetch_day(DAY, NOW)
    second = fetcher.fetch_day(DAY + dt.timedelta(days=1), NOW)

    assert x.asked == 1
    assert first.failures["x"].rate_limited
    skipped = second.failures["x"]
    assert skipped.service == "x API"
    assert (
        skipped.message == "its rate limit was reached earlier in this run; try later"
    )
    assert second.day is not None and second.day.failed_sources == ("x",)


def test_an_outcome_says_why_and_what_was_read(tmp_path):
    from pelican_hotpapers.sources import SourceError

    from .factories import make_post

    down = SourceError("the search failed with HTTP 500", service="Bluesky API")
    x = StubSource("x", [make_post(("2101.00001",))], reads=12)
    hn = StubSource("hackernews", [], reads=3)
    hn.unit = "stories"
    fetcher = stub_fetcher(tmp_path, [x, StubSource("bluesky", failure=down), hn])

    outcome = fetcher.fetch_and_store(DayPlan(DAY, "missing"), NOW)

    path = archive.day_path(tmp_path, DAY)
    assert outcome.status == "partial" and outcome.failed
    assert outcome.message == (
        "Bluesky API: the search failed with HTTP 500 (the day is partial: X: 12 "
        f"posts, HN: 3 stories read, 1 papers; wrote {path})"
    )
    assert (outcome.reads, outcome.papers) == ({"x": 12, "hackernews": 3}, 1)
    assert outcome.asked == {"x", "bluesky", "hackernews"}


def test_a_failed_outcome_names_arxiv_over_a_source(tmp_path):
    from pelican_hotpapers.sources import SourceError
    from pelican_hotpapers.sources.arxiv import ArxivError

    from .factories import make_post

    x = StubSource("x", [make_post(("2101.00001",))])
    sky = StubSource("bluesky", failure=SourceError("down", service="Bluesky API"))
    arxiv = StubArxiv(ArxivError("the query failed with HTTP 503"))

    outcome = stub_fetcher(tmp_path, [sky, x], arxiv).fetch_and_store(
        DayPlan(DAY, "missing"), NOW
    )

    assert outcome.status == "failed" and outcome.failed
    assert outcome.message == "arXiv API: the query failed with HTTP 503"
    assert outcome.reads == {"x": 1}
    assert not archive.day_path(tmp_path, DAY).exists()


def test_a_day_no_source_can_see_is_skipped_unasked(tmp_path):
    blind = StubSource("x", blind="the day is older than X's 7 days")

    outcome = stub_fetcher(tmp_path, [blind]).fetch_and_store(
        DayPlan(DAY, "missing"), NOW
    )

    assert (outcome.status, outcome.failed) == ("skipped", False)
    assert outcome.message == "is out of reach: the day is older than X's 7 days"
    assert blind.asked == 0
