"""The ``pelican-hotpapers`` command: fetch, list and show, from the shell.

X's search API and arXiv's Atom API are played by pytest-httpserver on
loopback, and each test's own ``pelicanconf.py`` points the sources at it, so
nothing here reaches the real network. The command runs in-process through
``cli.main`` (output through capsys), and a few times as a real process.
Every run checks that the X token never shows in what the command prints.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pelican_hotpapers import __version__, archive, cli
from pelican_hotpapers.models import Counts

from .conftest import stored_files
from .factories import make_day, make_entry
from .remote import drop_connection

#: A fake X bearer token, distinctive enough that any leak of it is found.
TOKEN = "hp-fake-bearer-Qz7wK2xV9mRt4-must-never-be-printed"
X_SEARCH_PATH = "/2/tweets/search/recent"
ARXIV_PATH = "/api/query"
_SNOWFLAKE_BASE = 1_800_000_000_000_000_000


def days_ago(n: int) -> dt.date:
    """A date relative to the real today (X's recent search sees 7 days)."""
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=n)


# --- builders for X pages and arXiv feeds ------------------------------------


def tweet(
    number: int,
    date: dt.date,
    *links: str,
    reposts: int = 0,
    likes: int = 0,
    author: str = "101",
) -> dict[str, Any]:
    """One tweet of a search page, as X API v2 sends it."""
    post_id = str(_SNOWFLAKE_BASE + number)
    return {
        "id": post_id,
        "text": f"Worth a read https://t.co/p{number}",
        "author_id": author,
        "created_at": f"{date.isoformat()}T12:{number % 60:02d}:00.000Z",
        "lang": "en",
        "public_metrics": {
            "retweet_count": reposts,
            "like_count": likes,
            "quote_count": 1,
            "reply_count": 2,
        },
        "entities": {
            "urls": [
                {
                    "start": 13,
                    "end": 36,
                    "url": f"https://t.co/p{number}",
                    "expanded_url": link,
                    "display_url": link.removeprefix("https://")[:25],
                }
                for link in links
            ]
        },
    }


def x_page(tweets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A search page (data, includes.users, meta); FakeApis adds next_token."""
    authors = sorted({t["author_id"] for t in tweets})
    page: dict[str, Any] = {
        "includes": {
            "users": [
                {"id": a, "name": f"Reader {a}", "username": f"reader_{a}"}
                for a in authors
            ]
        },
        "meta": {"result_count": len(tweets)},
    }
    if tweets:
        page["data"] = list(tweets)
        page["meta"]["newest_id"] = tweets[0]["id"]
        page["meta"]["oldest_id"] = tweets[-1]["id"]
    return page


def post_id(number: int) -> str:
    return str(_SNOWFLAKE_BASE + number)


@dataclass(frozen=True)
class FeedPaper:
    """What the fake arXiv knows about one paper."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing")
    summary: str = "We show that a thing is so."
    primary: str = "cs.LG"
    categories: tuple[str, ...] = ("cs.LG", "stat.ML")
    published: dt.date = dt.date(2024, 1, 2)


def atom_feed(papers: Sequence[FeedPaper]) -> str:
    """An arXiv API answer (Atom with opensearch and arxiv extensions)."""
    entries = []
    for paper in papers:
        authors = "".join(
            f"<author><name>{escape(name)}</name></author>" for name in paper.authors
        )
        categories = "".join(
            f'<category term="{term}" scheme="http://arxiv.org/schemas/atom"/>'
            for term in paper.categories
        )
        entries.append(
            f"""
  <entry>
    <id>http://arxiv.org/abs/{paper.arxiv_id}v1</id>
    <updated>{paper.published.isoformat()}T18:00:00Z</updated>
    <published>{paper.published.isoformat()}T17:00:00Z</published>
    <title>{escape(paper.title)}</title>
    <summary>  {escape(paper.summary)}
    </summary>
    {authors}
    <link href="http://arxiv.org/abs/{paper.arxiv_id}v1" rel="alternate"
          type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{paper.arxiv_id}v1"
          rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom"
        term="{paper.primary}" scheme="http://arxiv.org/schemas/atom"/>
    {categories}
  </entry>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: id_list</title>
  <id>http://arxiv.org/api/test</id>
  <updated>2024-01-03T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >{len(papers)}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >{len(papers)}</opensearch:itemsPerPage>{"".join(entries)}
</feed>
"""


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


# --- the fake services, the site and running the command ---------------------


@dataclass
class FakeApis:
    """X search and arXiv query endpoints on the test's httpserver.

    ``x_pages`` maps a day to its search pages (page n's next_token is "n");
    a day without pages is a quiet day. ``x_status`` / ``arxiv_status`` make
    the service answer with that HTTP status instead; ``x_fail_days`` makes
    X fail (HTTP 500) for those days only; X hangs up on its first
    ``x_drops`` requests.
    """

    server: HTTPServer
    x_pages: dict[dt.date, list[dict[str, Any]]] = field(default_factory=dict)
    papers: dict[str, FeedPaper] = field(default_factory=dict)
    x_status: int | None = None
    x_fail_days: set[dt.date] = field(default_factory=set)
    arxiv_status: int | None = None
    x_drops: int = 0
    x_requests: list[dict[str, str]] = field(default_factory=list)
    arxiv_requests: list[dict[str, str]] = field(default_factory=list)

    def install(self) -> None:
        self.server.expect_request(X_SEARCH_PATH).respond_with_handler(self._x)
        self.server.expect_request(ARXIV_PATH).respond_with_handler(self._arxiv)

    def add_paper(self, paper: FeedPaper) -> FeedPaper:
        self.papers[paper.arxiv_id] = paper
        return paper

    def _x(self, request: Request) -> Response:
        args = dict(request.args)
        args["authorization"] = request.headers.get("Authorization", "")
        self.x_requests.append(args)
        if len(self.x_requests) <= self.x_drops:
            return drop_connection(request)
        day = dt.date.fromisoformat(request.args["start_time"][:10])
        if self.x_status is not None:
            return Response('{"title": "nope"}', status=self.x_status)
        if day in self.x_fail_days:
            return Response('{"title": "Internal"}', status=500)
        pages = self.x_pages.get(day) or [x_page([])]
        index = int(request.args.get("next_token", "0"))
        page = json.loads(json.dumps(pages[index]))
        if index + 1 < len(pages):
            page["meta"]["next_token"] = str(index + 1)
        return Response(json.dumps(page), content_type="application/json")

    def _arxiv(self, request: Request) -> Response:
        self.arxiv_requests.append(dict(request.args))
        if self.arxiv_status is not None:
            return Response("Service Unavailable", status=self.arxiv_status)
        ids = [i for i in request.args.get("id_list", "").split(",") if i]
        found = [self.papers[i] for i in ids if i in self.papers]
        return Response(atom_feed(found), content_type="application/atom+xml")


@dataclass(frozen=True)
class Site:
    folder: Path
    conf: Path

    @property
    def data(self) -> Path:
        return self.folder / "hotpapers"

    def day_file(self, date: dt.date) -> Path:
        return archive.day_path(self.data, date)


def make_site(
    folder: Path, server: HTTPServer, extra: str = "", timezone: str = "UTC"
) -> Site:
    """A site folder with content/ and a pelicanconf.py aimed at ``server``."""
    (folder / "content").mkdir(parents=True, exist_ok=True)
    conf = folder / "pelicanconf.py"
    conf.write_text(
        f"""\
PATH = "content"
TIMEZONE = {timezone!r}
SITEURL = "https://lab.example.org"
# X alone (0.1's default) unless ``extra`` picks: the others' defaults are
# the real services.
HOTPAPERS_SOURCES = ["x"]
HOTPAPERS_X_API_URL = {server.url_for("/2")!r}
HOTPAPERS_ARXIV_API_URL = {server.url_for(ARXIV_PATH)!r}
HOTPAPERS_ARXIV_DELAY = 0
HOTPAPERS_HTTP_BACKOFF = 0
HOTPAPERS_HTTP_TIMEOUT = 2
{extra}
""",
        encoding="utf-8",
    )
    return Site(folder, conf)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def day_lines(self, date: dt.date) -> list[str]:
        """The lines of stdout about one day."""
        return [
            line for line in self.out.splitlines() if line.startswith(date.isoformat())
        ]


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text
        assert TOKEN[8:30] not in text  # not even a part of it


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> Run:
    """``pelican-hotpapers ARGV`` in-process; argparse's exits become codes."""
    capsys.readouterr()
    try:
        code = cli.main([os.fspath(a) if isinstance(a, Path) else str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert_no_token(out, err)
    assert isinstance(code, int)
    return Run(code, out, err)


@pytest.fixture
def apis(httpserver: HTTPServer) -> FakeApis:
    fake = FakeApis(httpserver)
    fake.install()
    return fake


@pytest.fixture
def site(tmp_path: Path, httpserver: HTTPServer) -> Site:
    return make_site(tmp_path / "site", httpserver)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    return TOKEN


@pytest.fixture(autouse=True)
def in_a_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a scratch folder, so that a path resolved against the working
    directory by mistake fails the test instead of writing into the repo."""
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    monkeypatch.chdir(scratch)


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog: pytest.LogCaptureFixture):
    """Whatever the command logs, even at debug level, holds no token."""
    caplog.set_level("DEBUG")
    yield
    assert_no_token(caplog.text)


# --- fetch -------------------------------------------------------------------

PAPER_A = "2401.01234"
PAPER_B = "2402.05678"


def test_fetch_one_day_writes_it_and_reports_the_reads(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    day = days_ago(2)  # a whole day: end_time is its end
    apis.add_paper(
        FeedPaper(
            PAPER_A,
            "Hot   stuff: a\n   study",
            authors=("Ada Lovelace", "Grace Hopper"),
            primary="cs.CL",
            categories=("cs.CL", "cs.LG"),
        )
    )
    apis.add_paper(FeedPaper(PAPER_B, "A quiet paper"))
    apis.x_pages[day] = [
        x_page(
            [
                tweet(1, day, abs_url(PAPER_A), reposts=40, likes=30, author="11"),
                tweet(2, day, "https://example.org/blog", reposts=900, likes=900),
            ]
        ),
        x_page(
            [
                tweet(3, day, f"https://arxiv.org/pdf/{PAPER_A}v2", reposts=5, likes=9),
                tweet(4, day, abs_url(PAPER_B), reposts=1, likes=2, author="12"),
            ]
        ),
    ]

    result = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat())

    assert result.code == 0, result.err
    [line] = result.day_lines(day)
    assert "written" in line
    assert "X: 4 posts read, 2 papers" in line
    assert "X posts read: 4 " in result.out
    assert result.out.count("\n") == 2  # the day's line and the reads line

    stored = archive.read_day(site.day_file(day))
    assert stored.date == day
    assert stored.sources == ("x",)
    age = dt.datetime.now(dt.UTC) - stored.counts_taken_at
    assert dt.timedelta(0) <= age < dt.timedelta(minutes=5)
    entries = {entry.paper.arxiv_id: entry for entry in stored.entries}
    assert set(entries) == {PAPER_A, PAPER_B}
    hot = entries[PAPER_A]
    assert hot.paper.title == "Hot stuff: a study"
    assert hot.paper.authors == ("Ada Lovelace", "Grace Hopper")
    assert hot.paper.primary_category == "cs.CL"
    assert hot.paper.categories == ("cs.CL", "cs.LG")
    assert hot.counts == Counts(reposts=45, likes=39, quotes=2, replies=4)
    assert sorted(post.id for post in hot.posts) == [post_id(1), post_id(3)]
    assert {post.author_handle for post in hot.posts} == {"reader_11", "reader_101"}
    assert entries[PAPER_B].counts.score == 3
    assert [entry.paper.arxiv_id for entry in stored.entries] == [PAPER_A, PAPER_B]

    # What was asked: the whole day in UTC, both pages, with the token.
    assert len(apis.x_requests) == 2
    first, second = apis.x_requests
    assert first["start_time"] == f"{day.isoformat()}T00:00:00Z"
    assert first["end_time"] == f"{(day + dt.timedelta(days=1)).isoformat()}T00:00:00Z"
    assert "next_token" not in first
    assert second["next_token"] == "1"
    assert {r["authorization"] for r in apis.x_requests} == {f"Bearer {TOKEN}"}
    assert TOKEN not in json.dumps(
        [{k: v for k, v in r.items() if k != "authorization"} for r in apis.x_requests]
    )
    [arxiv_request] = apis.arxiv_requests
    assert sorted(arxiv_request["id_list"].split(",")) == [PAPER_A, PAPER_B]


def test_fetch_a_range_fetches_each_day(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    days = [days_ago(3), days_ago(2), days_ago(1)]
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    for n, day in enumerate(days, start=1):
        apis.x_pages[day] = [
            x_page([tweet(n, day, abs_url(PAPER_A), reposts=10 * n, likes=n)])
        ]

    result = run(
        capsys,
        "-s",
        site.conf,
        "fetch",
        "--since",
        days[0].isoformat(),
        "--until",
        "yesterday",
    )

    assert result.code == 0, result.err
    for n, day in enumerate(days, start=1):
        [line] = result.day_lines(day)
        assert "written" in line
        [entry] = archive.read_day(site.day_file(day)).entries
        assert entry.counts.reposts == 10 * n
        assert entry.counts.likes == n
    assert len(result.out.splitlines()) == 4
    assert "X posts read: 3 " in result.out
    assert sorted(r["start_time"][:10] for r in apis.x_requests) == [
        day.isoformat() for day in days
    ]
    assert sorted(p.name for p in stored_files(site.data)) == [
        f"{day.isoformat()}.json" for day in days
    ]


def settled_day(date: dt.date):
    """A stored day whose counts were taken well after it (HOTPAPERS_REFRESH_HOURS)."""
    return make_day(
        date,
        counts_taken_at=dt.datetime.now(dt.UTC).replace(microsecond=0)
        - dt.timedelta(minutes=5),
    )


def test_a_settled_day_is_skipped_and_refetched_with_force(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    day = days_ago(5)
    path = archive.write_day(site.data, settled_day(day))
    before = path.read_bytes()
    apis.add_paper(FeedPaper(PAPER_A, "Fresh from the server"))
    apis.x_pages[day] = [x_page([tweet(7, day, abs_url(PAPER_A), likes=77)])]

    skipped = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat())

    assert skipped.code == 0, skipped.err
    [line] = skipped.day_lines(day)
    assert "skipped" in line
    assert "settled" in line
    assert "X posts read" not in skipped.out  # X was not asked
    assert apis.x_requests == []
    assert path.read_bytes() == before

    forced = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat(), "--force")

    assert forced.code == 0, forced.err
    [line] = forced.day_lines(day)
    assert "written" in line
    assert "X posts read: 1 " in forced.out
    assert len(apis.x_requests) == 1
    [entry] = archive.read_day(path).entries
    assert entry.paper.title == "Fresh from the server"
    assert entry.counts.likes == 77


def test_an_unsettled_day_is_fetched_again_without_force(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    day = days_ago(1)
    end_of_day = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
    )
    archive.write_day(site.data, make_day(day, counts_taken_at=end_of_day))
    apis.add_paper(FeedPaper(PAPER_A, "Recounted"))
    apis.x_pages[day] = [x_page([tweet(8, day, abs_url(PAPER_A), reposts=3)])]

    result = run(capsys, "-s", site.conf, "fetch", "--date", "yesterday")

    assert result.code == 0, result.err
    [line] = result.day_lines(day)
    assert "written" in line
    [entry] = archive.read_day(site.day_file(day)).entries
    assert entry.paper.title == "Recounted"


def test_fetch_a_future_day_is_skipped(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    future = days_ago(-3)

    result = run(capsys, "-s", site.conf, "fetch", "--date", future.isoformat())

    assert result.code == 0, result.err
    [line] = result.day_lines(future)
    assert "skipped" in line
    assert "future" in line
    assert apis.x_requests == []
    assert not site.day_file(future).exists()


@pytest.mark.parametrize(
    ("extra", "variable"),
    [("", "X_BEARER_TOKEN"), ('HOTPAPERS_X_TOKEN_ENV = "LAB_X_TOKEN"', "LAB_X_TOKEN")],
)
def test_fetch_without_a_token_is_a_usage_error(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    variable: str,
) -> None:
    site = make_site(tmp_path / "site", httpserver, extra)
    if variable != "X_BEARER_TOKEN":
        # The default variable holds a token, but the site asked for another.
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    monkeypatch.delenv(variable, raising=False)

    result = run(capsys, "-s", site.conf, "fetch", "--date", "yesterday")

    assert result.code == 2
    assert variable in result.err
    assert result.err.startswith("pelican-hotpapers: error: ")
    assert result.out == ""
    assert apis.x_requests == []
    assert not site.data.exists()


def test_fetch_gives_up_on_a_lock_held_past_the_lock_timeout(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = make_site(tmp_path / "site", httpserver, "HOTPAPERS_LOCK_TIMEOUT = 0")

    with archive.fetch_lock(site.data, timeout=0) as lock:
        result = run(capsys, "-s", site.conf, "fetch", "--date", "yesterday")

    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        f"pelican-hotpapers: another fetch is writing to {site.data} (lock {lock}), "
        "still after 0 s (HOTPAPERS_LOCK_TIMEOUT)\n"
    )
    assert apis.x_requests == []
    assert not site.day_file(days_ago(1)).exists()


@pytest.mark.parametrize(
    ("x_status", "arxiv_status", "message"),
    [
        (500, None, "X API: the search failed with HTTP 500"),
        (401, None, "X API: the bearer token in $X_BEARER_TOKEN was refused"),
        (None, 503, "arXiv API: the query failed with HTTP 503"),
    ],
)
def test_a_failed_day_exits_1_and_keeps_the_stored_file(
    site: Site,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
    x_status: int | None,
    arxiv_status: int | None,
    message: str,
) -> None:
    day = days_ago(2)
    path = archive.write_day(site.data, make_day(day))
    before = path.read_bytes()
    apis.add_paper(FeedPaper(PAPER_A, "Never stored"))
    apis.x_pages[day] = [x_page([tweet(9, day, abs_url(PAPER_A), likes=99)])]
    apis.x_status = x_status
    apis.arxiv_status = arxiv_status

    result = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat(), "--force")

    assert result.code == 1
    [line] = result.day_lines(day)
    assert "failed" in line
    assert message in line
    assert path.read_bytes() == before
    assert [p.name for p in stored_files(site.data)] == [path.name]  # no temp files
    assert apis.x_requests  # it did try


def test_an_unreadable_stored_day_is_not_fetched_over(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    day = days_ago(2)
    site.data.mkdir()
    path = site.day_file(day)
    path.write_bytes(b'{"schema_version": 1, "date": "oops"')
    apis.x_pages[day] = [x_page([tweet(1, day, abs_url(PAPER_A), likes=60)])]

    result = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat(), "--force")

    assert result.code == 1
    [line] = result.day_lines(day)
    assert "failed" in line
    assert "unreadable" in line
    assert path.read_bytes() == b'{"schema_version": 1, "date": "oops"'
    assert apis.x_requests == []


def test_one_failed_day_of_a_range_fails_the_run_but_not_the_others(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = days_ago(3), days_ago(2)
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    apis.x_pages[good] = [x_page([tweet(1, good, abs_url(PAPER_A), likes=5)])]
    apis.x_fail_days.add(bad)

    result = run(
        capsys,
        "-s",
        site.conf,
        "fetch",
        "--since",
        good.isoformat(),
        "--until",
        bad.isoformat(),
    )

    assert result.code == 1
    assert "written" in result.day_lines(good)[0]
    assert "failed" in result.day_lines(bad)[0]
    assert site.day_file(good).exists()
    assert not site.day_file(bad).exists()


# --- usage errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["fetch", "--date", "yesterday", "--since", "3 days ago"],
            "use either --date or --since/--until",
        ),
        (["fetch", "--date", "yesterday", "--until", "yesterday"], "either --date"),
        (["fetch", "--since", "3 days ago"], "--since and --until go together"),
        (["fetch", "--until", "yesterday"], "--since and --until go together"),
        (
            ["fetch", "--since", "yesterday", "--until", "3 days ago"],
            "--until is before --since",
        ),
        (["fetch", "--date", "2021-02-30"], "'2021-02-30' is not a date"),
        (["fetch", "--date", "last tuesday"], "'last tuesday' is not a date"),
        (
            ["fetch", "--since", "soon", "--until", "yesterday"],
            "'soon' is not a date",
        ),
        (["show", "someday"], "'someday' is not a date"),
    ],
)
def test_bad_dates_are_usage_errors(
    site: Site,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    result = run(capsys, "-s", site.conf, *args)

    assert result.code == 2
    assert result.err.startswith("pelican-hotpapers: error: ")
    assert message in result.err
    assert result.out == ""
    assert apis.x_requests == []
    assert not site.data.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "required: COMMAND"),
        (["fetch", "--dates", "yesterday"], "unrecognized arguments: --dates"),
        (["show"], "required: date"),
    ],
)
def test_bad_arguments_are_usage_errors(
    site: Site, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    result = run(capsys, "-s", site.conf, *args)

    assert result.code == 2
    assert message in result.err
    assert "usage: pelican-hotpapers" in result.err
    assert result.out == ""


def test_a_missing_settings_file_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "siteconf.py"

    result = run(capsys, "-s", missing, "list")

    assert result.code == 2
    assert f"settings file {missing} not found" in result.err

    # Without -s, ./pelicanconf.py is meant, and named.
    monkeypatch.chdir(tmp_path)
    result = run(capsys, "list")

    assert result.code == 2
    assert "settings file pelicanconf.py not found" in result.err
    assert result.out == ""


@pytest.mark.parametrize(
    ("extra", "setting"),
    [
        ('HOTPAPERS_MIN_PAPER_SCORE = "lots"', "HOTPAPERS_MIN_PAPER_SCORE"),
        ('HOTPAPERS_X_API_URL = "ftp://example.org/2"', "HOTPAPERS_X_API_URL"),
        ('HOTPAPERS_DATES = ["last week"]', "HOTPAPERS_DATES"),
        ("HOTPAPERS_HTTP_TIMEOUT = 0", "HOTPAPERS_HTTP_TIMEOUT"),
        ('HOTPAPERS_FETCH = "sometimes"', "HOTPAPERS_FETCH"),
        ('TIMEZONE = "Mars/Olympus_Mons"', "TIMEZONE"),
    ],
)
@pytest.mark.parametrize("command", [["list"], ["fetch", "--date", "yesterday"]])
def test_a_bad_setting_is_a_usage_error_naming_it(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    setting: str,
    command: list[str],
) -> None:
    site = make_site(tmp_path / "site", httpserver, extra)

    result = run(capsys, "-s", site.conf, *command)

    assert result.code == 2
    assert result.err.startswith(f"pelican-hotpapers: error: {site.conf}: ")
    assert setting in result.err
    assert result.out == ""
    assert apis.x_requests == []


def test_a_broken_settings_file_is_a_usage_error(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.conf.write_text("PATH = 'content'\nHOTPAPERS_TITLE = (\n", encoding="utf-8")

    result = run(capsys, "-s", site.conf, "list")

    assert result.code == 2
    assert f"settings file {site.conf} could not be read: SyntaxError" in result.err


# --- list --------------------------------------------------------------------

JAN_11, JAN_12, JAN_13 = (
    dt.date(2021, 1, 11),
    dt.date(2021, 1, 12),
    dt.date(2021, 1, 13),
)


@pytest.mark.parametrize(
    ("timezone", "taken"),
    [
        ("UTC", "2021-01-12 13:59 UTC (+14 h)"),
        # 13:59 UTC is 22:59 in Tokyo, and the day ended at 00:00 there.
        ("Asia/Tokyo", "2021-01-12 22:59 JST (+23 h)"),
    ],
)
def test_list_prints_a_row_per_day(
    tmp_path: Path,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    timezone: str,
    taken: str,
) -> None:
    site = make_site(tmp_path / "site", httpserver, timezone=timezone)
    # 2 papers, 1 listed (the other scores 2 < 50), 2 posts.
    archive.write_day(
        site.data,
        make_day(
            JAN_11,
            entries=(
                make_entry("2101.02831", ((100, 50),)),
                make_entry("2101.03164", ((1, 1),)),
            ),
        ),
    )
    # make_day's default: 2 papers, both listed, 3 posts.
    archive.write_day(site.data, make_day(JAN_12))

    result = run(capsys, "-s", site.conf, "list")

    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split()[:4] == ["DATE", "LISTED", "PAPERS", "POSTS"]
    assert "COUNTS TAKEN" in header
    assert len(rows) == 2
    assert rows[0].split()[:4] == ["2021-01-11", "1", "2", "2"]
    assert rows[1].split()[:4] == ["2021-01-12", "2", "2", "3"]
    assert rows[0].endswith(f"{taken}  x")
    assert "2021-01-13" in rows[1]  # taken the day after the 12th
    assert result.err == ""


def test_list_shows_an_unreadable_day_and_exits_1(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    archive.write_day(site.data, make_day(JAN_11))
    (site.data / "2021-01-12.json").write_text("{not json", encoding="utf-8")
    archive.write_day(site.data, make_day(JAN_13))
    (site.data / "notes.txt").write_text("not a day", encoding="utf-8")

    result = run(capsys, "-s", site.conf, "list")

    assert result.code == 1
    rows = result.out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == [
        "2021-01-11",
        "2021-01-12",
        "2021-01-13",
    ]
    assert "unreadable: is not valid JSON" in rows[1]
    assert "unreadable" not in rows[0] + rows[2]
    assert rows[2].split()[1:4] == ["2", "2", "3"]


@pytest.mark.parametrize("make_folder", [True, False])
def test_list_of_an_empty_data_folder_says_so(
    site: Site, capsys: pytest.CaptureFixture[str], make_folder: bool
) -> None:
    if make_folder:
        site.data.mkdir()

    result = run(capsys, "-s", site.conf, "list")

    assert result.code == 0
    assert result.out == f"no stored days in {site.data}\n"


# --- show --------------------------------------------------------------------


def test_show_prints_the_ranking_in_rank_order(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    long_title = "A very long title " * 6
    archive.write_day(
        site.data,
        make_day(
            JAN_11,
            entries=(
                make_entry("2101.00001", ((10, 5),)),  # 15: below the threshold
                make_entry("2101.03164", ((30, 30), (5, 5))),  # 70
                make_entry("2101.09999", ((20, 40),), title=long_title),  # 60
                make_entry("2101.02831", ((100, 50),)),  # 150
            ),
        ),
    )

    result = run(capsys, "-s", site.conf, "show", "2021-01-11")

    assert result.code == 0, result.err
    title_line, header, *rows = result.out.splitlines()
    assert title_line == "Hot papers of 2021-01-11 (counts taken 2021-01-12 13:59 UTC)"
    assert header.split() == [
        "RANK",
        "SCORE",
        "REPOSTS",
        "LIKES",
        "POSTS",
        "ARXIV",
        "ID",
        "TITLE",
    ]
    table = [row.split(maxsplit=6) for row in rows]
    assert [cells[:6] for cells in table] == [
        ["1", "150", "100", "50", "1", "2101.02831"],
        ["2", "70", "35", "35", "2", "2101.03164"],
        ["3", "60", "20", "40", "1", "2101.09999"],
    ]
    assert table[0][6] == "A paper about 2101.02831"
    assert table[1][6] == "A paper about 2101.03164"
    assert table[2][6] == long_title[:69] + "…"
    assert "2101.00001" not in result.out


def test_show_says_when_no_paper_is_listed(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    archive.write_day(
        site.data, make_day(JAN_11, entries=(make_entry("2101.00001", ((1, 1),)),))
    )

    result = run(capsys, "-s", site.conf, "show", "2021-01-11")

    assert result.code == 0
    assert result.out.splitlines()[-1] == "(no paper reached a score of 50)"


def test_show_of_a_missing_or_unreadable_day_exits_1(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    archive.write_day(site.data, make_day(JAN_11))

    missing = run(capsys, "-s", site.conf, "show", "2021-01-12")

    assert missing.code == 1
    assert f"no stored day 2021-01-12 in {site.data}" in missing.err
    assert missing.out == ""

    (site.data / "2021-01-13.json").write_text("[]", encoding="utf-8")
    broken = run(capsys, "-s", site.conf, "show", "2021-01-13")

    assert broken.code == 1
    assert "2021-01-13.json: is not a JSON object" in broken.err
    assert broken.out == ""


# --- the settings file's folder ----------------------------------------------


def test_the_data_folder_is_beside_the_settings_file_not_the_cwd(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = make_site(tmp_path / "site", httpserver)
    archive.write_day(site.data, make_day(JAN_11))
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "hotpapers").mkdir(parents=True)
    archive.write_day(elsewhere / "hotpapers", make_day(JAN_12))
    monkeypatch.chdir(elsewhere)
    relative_conf = Path("..") / "site" / "pelicanconf.py"

    listed = run(capsys, "-s", relative_conf, "list")

    assert listed.code == 0, listed.err
    assert [row.split()[0] for row in listed.out.splitlines()[1:]] == ["2021-01-11"]

    shown = run(capsys, "--settings", relative_conf, "show", "2021-01-11")
    assert shown.code == 0, shown.err
    assert "2101.02831" in shown.out

    day = days_ago(1)
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    apis.x_pages[day] = [x_page([tweet(1, day, abs_url(PAPER_A), likes=60)])]
    fetched = run(capsys, "-s", relative_conf, "fetch", "--date", day.isoformat())

    assert fetched.code == 0, fetched.err
    assert site.day_file(day).exists()
    assert not archive.day_path(elsewhere / "hotpapers", day).exists()
    assert str(site.data.resolve()) in fetched.out


# --- as a real process -------------------------------------------------------


def console_script() -> str:
    beside = Path(sys.executable).parent / "pelican-hotpapers"
    found = str(beside) if beside.exists() else shutil.which("pelican-hotpapers")
    assert found, "the pelican-hotpapers console script is not installed"
    return found


def run_process(
    command: Sequence[str], *args: object, token: str | None = None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "X_BEARER_TOKEN"}
    if token is not None:
        env["X_BEARER_TOKEN"] = token
    done = subprocess.run(
        [*command, *(str(a) for a in args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_no_token(done.stdout, done.stderr)
    return done


def test_python_m_prints_the_version(tmp_path: Path) -> None:
    done = run_process(
        [sys.executable, "-m", "pelican_hotpapers"], "--version", cwd=tmp_path
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"pelican-hotpapers {__version__}"


def test_the_main_module_exits_with_mains_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same module in this process, where coverage sees it."""
    import runpy

    monkeypatch.setattr(sys, "argv", ["pelican-hotpapers", "-s", "nope.py", "list"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_module("pelican_hotpapers", run_name="__main__")

    assert caught.value.code == 2
    assert "settings file nope.py not found" in capsys.readouterr().err


def test_python_m_exits_2_on_a_usage_error(tmp_path: Path) -> None:
    done = run_process(
        [sys.executable, "-m", "pelican_hotpapers"],
        "-s",
        "nope.py",
        "list",
        cwd=tmp_path,
    )

    assert done.returncode == 2
    assert "settings file nope.py not found" in done.stderr


def test_console_script_lists_days(tmp_path: Path, httpserver: HTTPServer) -> None:
    site = make_site(tmp_path / "site", httpserver)
    archive.write_day(site.data, make_day(JAN_11))

    done = run_process([console_script()], "list", cwd=site.folder, token=TOKEN)

    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert rows[1].split()[:4] == ["2021-01-11", "2", "2", "3"]


def test_console_script_list_warns_once_of_a_misnamed_day(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    site = make_site(tmp_path / "site", httpserver)
    archive.write_day(site.data, make_day(JAN_11))
    (site.data / "2021-01-12.JSON").write_text("{}", encoding="utf-8")

    done = run_process([console_script()], "list", cwd=site.folder)

    assert done.returncode == 0, done.stderr
    assert [row.split()[0] for row in done.stdout.splitlines()[1:]] == ["2021-01-11"]
    assert done.stderr.count("2021-01-12.JSON") == 1
    assert "WARNING: hotpapers: 2021-01-12.JSON in " in done.stderr
    assert "rename it to 2021-01-12.json" in done.stderr


def test_console_script_fetches_from_loopback_without_printing_the_token(
    tmp_path: Path, httpserver: HTTPServer, apis: FakeApis
) -> None:
    site = make_site(tmp_path / "site", httpserver)
    day = days_ago(2)
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    apis.x_pages[day] = [x_page([tweet(1, day, abs_url(PAPER_A), likes=60)])]

    # -v logs in detail (arXiv's request URLs included) and still no token.
    done = run_process(
        [console_script()],
        "-v",
        "-s",
        site.conf,
        "fetch",
        "--date",
        day.isoformat(),
        token=TOKEN,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    assert "written" in done.stdout
    assert "X posts read: 1 " in done.stdout
    assert archive.read_day(site.day_file(day)).entries[0].counts.likes == 60
    assert {r["authorization"] for r in apis.x_requests} == {f"Bearer {TOKEN}"}
    assert f"{ARXIV_PATH}?" in done.stderr  # -v did log the requests


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ("os.replace", errno.ENOSPC),
        ("os.fsync", errno.EIO),
        ("tempfile.mkstemp", errno.EROFS),
    ],
)
def test_a_day_that_cannot_be_written_exits_1_and_keeps_the_old_file(
    site: Site,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    error: int,
) -> None:
    """A full disk or a read-only folder (simulated: the tests run as root)."""
    day = days_ago(2)
    path = archive.write_day(site.data, make_day(day))
    before = path.read_bytes()
    apis.add_paper(FeedPaper(PAPER_A, "Never stored"))
    apis.x_pages[day] = [x_page([tweet(9, day, abs_url(PAPER_A), likes=99)])]

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(error, os.strerror(error))

    module, name = step.split(".")
    monkeypatch.setattr(f"pelican_hotpapers.archive.{module}.{name}", fail)

    result = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat(), "--force")

    assert result.code == 1
    [line] = result.day_lines(day)
    assert "failed" in line and str(path) in line
    assert os.strerror(error) in line
    assert path.read_bytes() == before
    assert [p.name for p in stored_files(site.data)] == [path.name]


def test_list_shows_sources_and_partial_days(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    day = make_day(
        dt.date(2021, 1, 11), sources=("x", "hackernews"), failed_sources=("bluesky",)
    )
    archive.write_day(site.data, day)
    result = run(capsys, "-s", site.conf, "list")
    assert result.code == 0
    [row] = [line for line in result.out.splitlines() if line.startswith("2021-01-11")]
    assert row.endswith("x+hackernews  partial: bluesky did not answer")


def run_on_a_terminal(
    command: Sequence[str], *args: object, cwd: Path
) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (so the progress bar shows)."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    # A new terminal is 0 columns wide, and tqdm would draw nothing on it.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "X_BEARER_TOKEN"}
    env.update(X_BEARER_TOKEN=TOKEN, COLUMNS="100", TERM="xterm")
    chunks: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO once the process and its terminal are gone
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    with subprocess.Popen(
        [*command, *(str(a) for a in args)],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
    ) as process:
        os.close(slave)
        out, _ = process.communicate(timeout=60)
    reader.join(timeout=10)
    os.close(master)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert_no_token(out, terminal)
    return process.returncode, out, terminal


def test_log_lines_never_run_into_the_progress_bar(
    tmp_path: Path, httpserver: HTTPServer, apis: FakeApis
) -> None:
    site = make_site(tmp_path / "site", httpserver)
    days = [days_ago(3), days_ago(2)]
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    for n, day in enumerate(days):
        apis.x_pages[day] = [x_page([tweet(n, day, abs_url(PAPER_A), likes=60)])]
    apis.x_drops = 1  # a retry, and its debug line, while the bar is shown

    code, out, terminal = run_on_a_terminal(
        [console_script()],
        "-v",
        "-s",
        site.conf,
        "fetch",
        "--since",
        days[0],
        "--until",
        days[1],
        cwd=tmp_path,
    )

    assert code == 0, terminal
    assert "fetching:" in terminal  # the bar was shown
    assert "retrying (attempt 2) after a dropped connection" in terminal
    logged = [
        match.start()
        for match in re.finditer(r"(DEBUG|INFO|WARNING|ERROR): ", terminal)
        if match.start()
    ]
    assert logged, terminal
    # Each log line starts a line of its own: after a newline, or after the
    # carriage return with which tqdm clears the bar before writing through it,
    # never right after the bar's "]".
    assert [terminal[n - 1] for n in logged if terminal[n - 1] not in "\r\n"] == []
    assert len(out.splitlines()) == 3


# --- the command line for real users (issue 10) ----------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "-s", "{conf}"],
        ["list", "--settings", "{conf}"],
        ["list", "--settings={conf}"],
        ["-s", "{conf}", "list"],
        ["show", "-s", "{conf}", "2021-01-11"],
        ["show", "2021-01-11", "-s", "{conf}"],
        ["-v", "show", "-s", "{conf}", "2021-01-11"],
    ],
)
def test_settings_go_before_or_after_the_subcommand(
    site: Site, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    archive.write_day(site.data, make_day(JAN_11))

    result = run(capsys, *(arg.format(conf=site.conf) for arg in argv))

    assert result.code == 0, result.err
    assert "2021-01-11" in result.out


def test_fetch_takes_the_settings_after_the_subcommand(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    day = days_ago(2)
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    apis.x_pages[day] = [x_page([tweet(1, day, abs_url(PAPER_A), likes=60)])]

    result = run(capsys, "fetch", "-s", site.conf, "--date", day.isoformat())

    assert result.code == 0, result.err
    assert site.day_file(day).exists()


def test_the_settings_after_the_subcommand_win(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_site(tmp_path / "first", httpserver)
    second = make_site(tmp_path / "second", httpserver)
    archive.write_day(second.data, make_day(JAN_12))

    result = run(capsys, "-s", first.conf, "list", "-s", second.conf)

    assert result.code == 0, result.err
    assert "2021-01-12" in result.out


def help_text(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    result = run(capsys, *argv, "--help")
    assert result.code == 0
    # argparse wraps help to the terminal: compare words, not line breaks.
    return " ".join(result.out.split())


@pytest.mark.parametrize("command", ["fetch", "list", "show"])
def test_each_subcommands_help_shows_the_settings_option(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    text = help_text(capsys, command)
    assert "-s FILE, --settings FILE the site's Pelican settings file" in text
    assert f"usage: pelican-hotpapers {command} [-h] [-s FILE]" in text


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["fetch"], "--date DATE"),
        (["fetch"], "--since DATE"),
        (["fetch"], "--until DATE"),
        (["show"], "date"),
        ([], "dates:"),
    ],
)
def test_the_help_names_every_date_form(
    capsys: pytest.CaptureFixture[str], argv: list[str], option: str
) -> None:
    text = help_text(capsys, *argv)
    assert f"{option} " in text
    after = text[text.index(f"{option} ") :]
    assert "YYYY-MM-DD, today, yesterday or 'N days ago'" in after


def test_the_help_names_every_source(capsys: pytest.CaptureFixture[str]) -> None:
    for text in (help_text(capsys), help_text(capsys, "fetch")):
        assert "X, Bluesky, Hacker News, Hugging Face and Mastodon" in text
    assert (
        "HOTPAPERS_SOURCES: x, bluesky, hackernews, huggingface, mastodon"
        in help_text(capsys, "fetch")
    )


def test_the_list_help_explains_its_columns(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_text(capsys, "list")
    assert "LISTED: the papers the day's article shows" in text
    assert "HOTPAPERS_MIN_PAPER_SCORE" in text
    assert "PAPERS: every paper stored for the day, listed or not" in text


def test_the_show_help_documents_its_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = help_text(capsys, "show")
    assert "1 when the day is not stored or cannot be read" in text


def test_list_columns_line_up(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    site = make_site(tmp_path / "site", httpserver, timezone="Asia/Kolkata")
    archive.write_day(site.data, make_day(JAN_11))  # taken +19 h
    late = dt.datetime(2021, 1, 20, tzinfo=dt.UTC)  # taken +174 h
    archive.write_day(
        site.data,
        make_day(
            JAN_12,
            counts_taken_at=late,
            entries=tuple(
                make_entry(f"2101.{n:05d}", ((100, 50),)) for n in range(1, 13)
            ),
            sources=("x", "hackernews"),
            failed_sources=("bluesky",),
        ),
    )

    result = run(capsys, "-s", site.conf, "list")

    assert result.code == 0, result.err
    header, *rows = result.out.splitlines()
    assert len(rows) == 2
    # Left-aligned columns start, right-aligned ones end, where their title does.
    for title in ("DATE", "COUNTS TAKEN", "SOURCES"):
        start = header.index(title)
        for row in rows:
            assert row[start - 2 : start] == "  " or start == 0
            assert row[start] != " "
    for title in ("LISTED", "PAPERS", "POSTS"):
        end = header.index(title) + len(title)
        for row in rows:
            assert row[end - 1] != " " and row[end : end + 2] == "  "
    assert rows[1].split()[1:4] == ["12", "12", "12"]
    assert rows[0].endswith("  x")
    assert rows[1].endswith("  x+hackernews  partial: bluesky did not answer")


def test_an_unreadable_day_keeps_its_place_in_the_list(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    (site.data).mkdir()
    (site.data / "2021-01-10.json").write_text("{", encoding="utf-8")
    archive.write_day(site.data, make_day(JAN_11))
    (site.data / "2021-01-12.json").write_text("{", encoding="utf-8")

    result = run(capsys, "-s", site.conf, "list")

    assert result.code == 1
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "DATE",
        "2021-01-10",
        "2021-01-11",
        "2021-01-12",
    ]
    assert "unreadable" in lines[1] and "unreadable" in lines[3]


@pytest.mark.parametrize(
    ("extra", "data", "folder"),
    [
        ("", "content/hp", "PATH"),
        ('CACHE_PATH = "cache"', "cache/hp", "CACHE_PATH"),
        ('OUTPUT_PATH = "public"', "public/hp", "OUTPUT_PATH"),
        # Pelican's default OUTPUT_PATH, "output", from the site's folder.
        ("", "output/hp", "OUTPUT_PATH"),
    ],
)
@pytest.mark.parametrize("command", [["list"], ["fetch", "--date", "yesterday"]])
def test_a_data_folder_inside_a_pelican_folder_is_refused(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    data: str,
    folder: str,
    command: list[str],
) -> None:
    site = make_site(
        tmp_path / "site", httpserver, f"{extra}\nHOTPAPERS_DATA_PATH = {data!r}"
    )
    monkeypatch.chdir(site.folder)

    result = run(capsys, *command, "-s", "pelicanconf.py")

    assert result.code == 2
    assert result.err == (
        f"pelican-hotpapers: error: pelicanconf.py: HOTPAPERS_DATA_PATH "
        f"({site.folder / data}) is inside {folder}; move it out (the default is "
        "hotpapers/ beside pelicanconf.py)\n"
    )
    assert result.out == ""
    assert apis.x_requests == []
    assert not (site.folder / data).exists()


def test_fetch_names_a_source_without_credentials(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("BLUESKY_HANDLE", raising=False)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "app-pass-never-printed")
    site = make_site(
        tmp_path / "site", httpserver, 'HOTPAPERS_SOURCES = ["x", "bluesky"]'
    )
    day = days_ago(2)
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    apis.x_pages[day] = [x_page([tweet(1, day, abs_url(PAPER_A), likes=60)])]

    result = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat())

    assert result.code == 0, result.err
    assert result.err == (
        "pelican-hotpapers: fetching from X\n"
        "pelican-hotpapers: Bluesky is not used: $BLUESKY_HANDLE and "
        "$BLUESKY_APP_PASSWORD (an app password) are not both set (set both to "
        "fetch from Bluesky)\n"
    )
    assert "app-pass-never-printed" not in result.out + result.err
    assert "written" in result.day_lines(day)[0]


def test_fetch_names_a_source_out_of_its_window(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = make_site(
        tmp_path / "site",
        httpserver,
        "HOTPAPERS_SOURCES = ['x', 'hackernews']\n"
        f"HOTPAPERS_HN_API_URL = {httpserver.url_for('/hn')!r}",
    )
    older, old = days_ago(11), days_ago(10)
    httpserver.expect_request("/hn/search_by_date").respond_with_json(
        {"hits": [], "nbHits": 0, "page": 0, "nbPages": 1, "hitsPerPage": 100}
    )

    result = run(capsys, "-s", site.conf, "fetch", "--since", older, "--until", old)

    assert result.code == 0, result.err
    # One line, without -v, with X's own reason (sources/x.py words it).
    used, line = result.err.splitlines()
    assert used == "pelican-hotpapers: fetching from Hacker News"
    assert line.startswith(f"pelican-hotpapers: X is not used for {older}, {old}: ")
    assert "7 days" in line
    assert apis.x_requests == []
    assert [line.split()[1] for line in result.out.splitlines()] == [
        "written",
        "written",
    ]


@pytest.mark.parametrize(
    ("x_status", "arxiv_status", "posts", "code"),
    [
        (None, None, 13, 0),
        (None, 503, 13, 1),  # X's posts were read, and billed, before arXiv failed
        (500, None, 0, 1),
    ],
)
def test_the_x_line_counts_every_post_x_returned(
    site: Site,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
    x_status: int | None,
    arxiv_status: int | None,
    posts: int,
    code: int,
) -> None:
    day = days_ago(2)
    apis.add_paper(FeedPaper(PAPER_A, "Paper A"))
    tweets = [tweet(n, day, abs_url(PAPER_A), likes=5) for n in range(13)]
    apis.x_pages[day] = [x_page(tweets[:7]), x_page(tweets[7:])]
    apis.x_status, apis.arxiv_status = x_status, arxiv_status

    result = run(capsys, "-s", site.conf, "fetch", "--date", day.isoformat())

    assert result.code == code
    assert result.out.splitlines()[-1] == (
        f"X posts read: {posts} (about ${posts * cli.X_PRICE_PER_POST:.2f} "
        f"at ${cli.X_PRICE_PER_POST} a post)"
    )


def test_no_x_line_when_x_was_not_asked(
    tmp_path: Path,
    httpserver: HTTPServer,
    apis: FakeApis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = make_site(
        tmp_path / "site",
        httpserver,
        "HOTPAPERS_SOURCES = ['x', 'hackernews']\n"
        f"HOTPAPERS_HN_API_URL = {httpserver.url_for('/hn')!r}",
    )
    httpserver.expect_request("/hn/search_by_date").respond_with_json(
        {"hits": [], "nbHits": 0, "page": 0, "nbPages": 1, "hitsPerPage": 100}
    )

    result = run(capsys, "-s", site.conf, "fetch", "--date", days_ago(2))

    assert result.code == 0, result.err
    assert "X is not used: $X_BEARER_TOKEN is not set" in result.err
    assert "X posts read" not in result.out
    assert len(result.out.splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "3 years ago"],
        ["fetch", "--date", "3 years ago"],
        ["fetch", "--since", "3 weeks ago", "--until", "yesterday"],
    ],
)
def test_a_date_in_no_accepted_form_is_a_usage_error_naming_them(
    site: Site,
    apis: FakeApis,
    token: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    result = run(capsys, "-s", site.conf, *argv)

    assert result.code == 2
    word = next(arg for arg in argv if " ago" in arg)
    assert result.err == (
        f"pelican-hotpapers: error: {word!r} is not a date; use YYYY-MM-DD, "
        "today, yesterday or 'N days ago'\n"
    )
    assert apis.x_requests == []


@pytest.mark.parametrize("word", ["1 day ago", "2 days ago", "2  Days Ago"])
def test_show_reads_days_ago(
    site: Site, capsys: pytest.CaptureFixture[str], word: str
) -> None:
    n = int(word.split()[0])
    archive.write_day(site.data, make_day(days_ago(n)))

    result = run(capsys, "-s", site.conf, "show", word)

    assert result.code == 0, result.err
    assert result.out.startswith(f"Hot papers of {days_ago(n).isoformat()} ")


def test_a_day_no_source_can_see_is_said_once_on_its_own_line(
    site: Site, apis: FakeApis, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = days_ago(10)

    result = run(capsys, "-s", site.conf, "fetch", "--date", old)

    assert result.code == 0, result.err
    [line] = result.day_lines(old)
    assert "skipped" in line and "out of reach" in line and "7 days" in line
    assert result.err == ""  # not again as a source left out
    assert apis.x_requests == []
    assert "X posts read" not in result.out


def test_show_explain_prints_each_post_and_why(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    from pelican_hotpapers.models import Entry

    from .factories import make_paper, make_post

    stuffed = make_post(
        ("2101.02831",),
        1155,
        15,
        text="Fairness #A #B #C #D #E #F #G #H #I",
        author_handle="marcus",
        author_followers=312000,
    )
    person = make_post(("2101.02831",), 10, 40, author_handle="ada")
    archive.write_day(
        site.data,
        make_day(JAN_11, entries=(Entry(make_paper("2101.02831"), (stuffed, person)),)),
    )

    plain = run(capsys, "-s", site.conf, "show", "2021-01-11")
    result = run(capsys, "-s", site.conf, "show", "2021-01-11", "--explain")

    assert result.code == 0, result.err
    # The table comes first, as without --explain; the explanation follows.
    assert result.out.startswith(plain.out)
    explained = result.out[len(plain.out) :].splitlines()
    assert explained[:2] == ["", "Ranking: HOTPAPERS_RANKING = 'robust'"]
    text = "\n".join(explained)
    assert "1. 2101.02831  score " in text and "2 accounts, 2 posts" in text
    assert "+ X @marcus (312,000 followers): 1155 reposts, 15 likes" in text
    assert "flag: amplified: 1155 reposts, 15 likes" in text
    assert "flag: hashtag stuffing: 9 hashtags in 10 words" in text
    assert "+ X @ada: 10 reposts, 40 likes, 1 quotes, 2 replies" in text
    assert "counted 50: 40 likes + 10 reposts = 50" in text


def test_show_explain_of_the_sum_ranking(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.conf.write_text(
        site.conf.read_text(encoding="utf-8") + '\nHOTPAPERS_RANKING = "sum"\n',
        encoding="utf-8",
    )
    archive.write_day(site.data, make_day(JAN_11))

    result = run(capsys, "-s", site.conf, "show", "2021-01-11", "--explain")

    assert result.code == 0, result.err
    assert "Ranking: HOTPAPERS_RANKING = 'sum'" in result.out
    assert "counted 150 = 100 reposts + 50 likes" in result.out
    assert "flag:" not in result.out
