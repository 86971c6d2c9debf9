"""A site with no credentials at all fetches from the free sources (issue 20).

A fresh ``pelicanconf.py`` names no source: by default every source is
asked, and those without credentials (X, Bluesky) leave themselves out. Hacker
News, Hugging Face, Mastodon and arXiv are played by one loopback
pytest-httpserver in their own wire formats (tests/remote.py and
tests/remote_mastodon.py), their base URLs changed by the settings; X's base
URL points there too, so that a request to X would be seen.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pelican_hotpapers import archive, cli, fetch, ranking
from pelican_hotpapers.models import Counts
from pelican_hotpapers.settings import HotpapersSettings
from pelican_hotpapers.sources.mastodon import LATE_ARRIVAL, snowflake_id

from .remote import arxiv_handler, hf_entry, hn_hit, hn_page, requests_seen
from .remote_mastodon import FakeInstance, status

BERLIN = ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 3, 1)
START = dt.datetime(2026, 3, 1, tzinfo=BERLIN)
END = dt.datetime(2026, 3, 2, tzinfo=BERLIN)
WHEN = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
PAPER_A, PAPER_B, PAPER_C, PAPER_D = (
    "2603.00001",
    "2603.00002",
    "2603.00003",
    "2603.00004",
)
CREDENTIALS = (
    "X_BEARER_TOKEN",
    "BLUESKY_HANDLE",
    "BLUESKY_APP_PASSWORD",
    "HF_TOKEN",
    "MASTODON_ACCESS_TOKEN",
)


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    monkeypatch.chdir(scratch)


def fresh_site(folder: Path, server: HTTPServer) -> Path:
    """A pelicanconf.py as a new user writes one, aimed at the loopback server:
    no HOTPAPERS_SOURCES and no credentials."""
    (folder / "content").mkdir(parents=True)
    conf = folder / "pelicanconf.py"
    conf.write_text(
        f"""\
PATH = "content"
TIMEZONE = "Europe/Berlin"
PLUGINS = ["pelican_hotpapers"]
HOTPAPERS_X_API_URL = {server.url_for("/2")!r}
HOTPAPERS_HN_API_URL = {server.url_for("/hn")!r}
HOTPAPERS_HF_API_URL = {server.url_for("/hf/api")!r}
HOTPAPERS_MASTODON_URL = {server.url_for("/mastodon")!r}
HOTPAPERS_ARXIV_API_URL = {server.url_for("/arxiv/query")!r}
HOTPAPERS_ARXIV_DELAY = 0
HOTPAPERS_HTTP_BACKOFF = 0
HOTPAPERS_HTTP_RETRIES = 0
HOTPAPERS_HTTP_TIMEOUT = 2
""",
        encoding="utf-8",
    )
    return conf


def hn_story(story_id: int, arxiv_id: str, points: int) -> dict[str, Any]:
    hit = hn_hit(story_id, arxiv_id, points=points, comments=12)
    hit["created_at_i"] = int(WHEN.timestamp())
    hit["created_at"] = WHEN.strftime("%Y-%m-%dT%H:%M:%SZ")
    return hit


def serve_the_free_sources(server: HTTPServer, *, mastodon_fails: int = 0) -> None:
    """One day on each free source; Mastodon fails its first ``mastodon_fails``
    requests with HTTP 500."""
    server.expect_request("/hn/search_by_date").respond_with_json(
        hn_page([hn_story(41, PAPER_A, 120), hn_story(42, PAPER_D, 10)])
    )
    days_list = [hf_entry(PAPER_A, upvotes=80), hf_entry(PAPER_B, upvotes=60)]

    def daily_papers(request: Request) -> Response:
        page = days_list if request.args["p"] == "0" else []
        return Response(json.dumps(page), content_type="application/json")

    server.expect_request("/hf/api/daily_papers").respond_with_handler(daily_papers)
    on_b = status(1, WHEN, arxiv_id=PAPER_B, reblogs=5, favourites=30)
    carded = status(
        2,
        WHEN + dt.timedelta(hours=1),
        arxiv_id=None,
        content="<p>Worth a read.</p>",
        card_url=f"https://arxiv.org/abs/{PAPER_C}",
        reblogs=10,
        favourites=50,
        tags=("arxiv", "preprint"),
    )
    instance = FakeInstance(
        server, "/mastodon", {"arxiv": [on_b, carded], "preprint": [carded]}
    )
    instance.failures = mastodon_fails
    server.expect_request("/arxiv/query").respond_with_handler(arxiv_handler())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_fresh_site_without_credentials_fetches_a_day_from_the_free_sources(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = fresh_site(tmp_path / "site", httpserver)
    serve_the_free_sources(httpserver)

    code, out, err = run(capsys, "-s", str(conf), "fetch", "--date", DAY.isoformat())

    assert code == 0, err
    assert err.splitlines() == [
        "pelican-hotpapers: fetching from Hacker News, Hugging Face and Mastodon",
        "pelican-hotpapers: X is not used: $X_BEARER_TOKEN is not set (put an X "
        "API bearer token there to fetch from X)",
        "pelican-hotpapers: Bluesky is not used: $BLUESKY_HANDLE and "
        "$BLUESKY_APP_PASSWORD (an app password) are not both set (set both to "
        "fetch from Bluesky)",
    ]
    (line,) = out.splitlines()  # one line a day, and no X bill: X was not asked
    assert line.startswith("2026-03-01  written  HN: 2 stories, Hugging Face: 2 papers")
    paths = {request.path for request in requests_seen(httpserver)}
    assert not any(path.startswith("/2") for path in paths)
    assert "/mastodon/api/v2/search" not in paths  # no token, no search

    # Each source was asked for the site's day, in the site's time zone.
    hf = next(r for r in requests_seen(httpserver) if r.path.startswith("/hf/"))
    assert hf.args["date"] == "2026-03-01" and "Authorization" not in hf.headers
    tags = [r for r in requests_seen(httpserver) if "/timelines/tag/" in r.path]
    assert {r.path.rsplit("/", 1)[-1] for r in tags} == {
        "arxiv",
        "preprint",
        "newpaper",
        "machinelearning",
    }
    assert {r.args["max_id"] for r in tags if "max_id" in r.args} >= {
        str(snowflake_id(END + LATE_ARRIVAL))
    }

    data = tmp_path / "site" / "hotpapers"
    day = archive.read_day(archive.day_path(data, DAY))
    assert day.sources == ("hackernews", "huggingface", "mastodon")
    assert day.failed_sources == ()
    hp = HotpapersSettings.from_pelican({"TIMEZONE": "Europe/Berlin"}, tmp_path)
    ranked = ranking.rank_day(day, hp.ranking)
    assert [(e.paper.arxiv_id, e.score) for e in ranked.entries] == [
        (PAPER_A, 200),  # 120 points + 80 upvotes
        (PAPER_B, 95),  # 60 upvotes + 5 boosts + 30 favourites
        (PAPER_C, 60),  # its card only; seen through two tags, counted once
    ]
    first = ranked.entries[0]
    assert {(c.source, c.counts) for c in first.by_source} == {
        ("hackernews", Counts(likes=120, replies=12)),
        ("huggingface", Counts(likes=80, replies=3)),
    }
    assert {c.source for c in ranked.entries[1].by_source} == {
        "huggingface",
        "mastodon",
    }


def test_a_day_mastodon_missed_is_partial_then_completed_by_the_next_fetch(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = fresh_site(tmp_path / "site", httpserver)
    serve_the_free_sources(httpserver, mastodon_fails=1)
    data = tmp_path / "site" / "hotpapers"

    code, out, _ = run(capsys, "-s", str(conf), "fetch", "--date", DAY.isoformat())

    assert code == 1
    assert "partial" in out and "Mastodon API: the tag timeline on " in out
    partial = archive.read_day(archive.day_path(data, DAY))
    assert partial.sources == ("hackernews", "huggingface")
    assert partial.failed_sources == ("mastodon",)

    code, out, _ = run(capsys, "-s", str(conf), "fetch", "--date", DAY.isoformat())

    assert code == 0, out
    whole = archive.read_day(archive.day_path(data, DAY))
    assert whole.sources == ("hackernews", "huggingface", "mastodon")
    assert whole.failed_sources == ()
    assert {p.source for e in whole.entries for p in e.posts} == {
        "hackernews",
        "huggingface",
        "mastodon",
    }


def test_the_build_says_which_sources_it_fetches_from_and_why_not_the_others(
    tmp_path: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    conf = fresh_site(tmp_path / "site", httpserver)
    serve_the_free_sources(httpserver)
    from pelican.settings import read_settings

    caplog.set_level(logging.INFO, logger="pelican_hotpapers")
    settings = read_settings(str(conf), override={"HOTPAPERS_DATES": ["2026-03-01"]})
    hp = HotpapersSettings.from_pelican(settings, conf.parent)

    outcomes = fetch.fetch_for_build(hp, environ={})

    assert [o.status for o in outcomes] == ["written"]
    lines = [r.getMessage() for r in caplog.records if r.name.endswith(".fetch")]
    assert lines[:3] == [
        "hotpapers: X is not used: $X_BEARER_TOKEN is not set (put an X API bearer "
        "token there to fetch from X)",
        "hotpapers: Bluesky is not used: $BLUESKY_HANDLE and $BLUESKY_APP_PASSWORD "
        "(an app password) are not both set (set both to fetch from Bluesky)",
        "hotpapers: fetching from Hacker News, Hugging Face and Mastodon",
    ]
    assert all(
        r.levelno == logging.INFO for r in caplog.records if r.name.endswith(".fetch")
    )


def test_a_list_still_picks_the_sources(tmp_path: Path, httpserver: HTTPServer):
    conf = fresh_site(tmp_path / "site", httpserver)
    with conf.open("a", encoding="utf-8") as file:
        file.write('HOTPAPERS_SOURCES = ["huggingface"]\n')
    serve_the_free_sources(httpserver)
    from pelican.settings import read_settings

    hp = HotpapersSettings.from_pelican(read_settings(str(conf)), conf.parent)
    sources, missing = fetch.usable_sources(hp.fetch, environ={})

    assert [s.name for s in sources] == ["huggingface"] and missing == []
