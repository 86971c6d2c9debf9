"""A fetch beside a build, and two fetches at once, in parallel processes.

The processes talk only to a loopback server (pytest-httpserver); the
socket guard does not reach into subprocesses, so nothing here may aim
anywhere else.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from subprocess import PIPE

from werkzeug import Request, Response

from pelican_hotpapers import archive, fetch
from pelican_hotpapers.settings import HotpapersSettings

from .conftest import ROOT
from .factories import make_day, make_entry
from .remote import arxiv_handler, x_page, x_tweet
from .sites import build

TOKEN = "HOTPAPERS-FAKE-TOKEN-concurrency-51d2"


def run_python(code: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_build_beside_a_writer_never_sees_half_a_file(tmp_path, caplog):
    """One process rewrites a large day again and again; this one keeps reading
    it and builds the site meanwhile. Every read must give a whole, valid day."""
    data = tmp_path / "data"
    small = make_day(entries=tuple(make_entry(f"2101.{n:05d}") for n in range(1, 4)))
    archive.write_day(data, small)
    stop = tmp_path / "stop"
    writer = run_python(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pelican_hotpapers import archive
        from tests.factories import make_day, make_entry
        def day(count):
            ids = [f"2101.{{n:05d}}" for n in range(1, count + 1)]
            return make_day(entries=tuple(make_entry(i) for i in ids))
        big, small = day(399), day(3)
        print("ready", flush=True)
        # Until the reader has seen enough (it makes the stop file), or 60 s.
        end = time.monotonic() + 60
        while time.monotonic() < end and not os.path.exists({str(stop)!r}):
            archive.write_day({str(data)!r}, big)
            time.sleep(0.002)  # each version stays a moment, even on a busy machine
            archive.write_day({str(data)!r}, small)
            time.sleep(0.002)
        """
    )
    assert writer.stdout.readline().strip() == "ready"
    path = archive.day_path(data, dt.date(2021, 1, 11))
    sizes = set()
    reads = 0
    try:
        while writer.poll() is None and (sizes != {3, 399} or reads < 300):
            day = archive.read_day(path)  # raises DayFileError on half a file
            sizes.add(len(day.entries))
            reads += 1
            if reads % 100 == 0:
                caplog.clear()
                out = build(tmp_path, data)
                assert (out / "hot-papers-2021-01-11.html").exists()
                assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()
    # Both versions were seen: the reads really ran beside the writes.
    assert sizes == {3, 399}, (sizes, reads)


def slow_x(httpserver, day: dt.date) -> list[tuple[float, float]]:
    """X answers slowly (two pages); returns the (start, end) of each request."""
    when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    ids = [(int(when.timestamp() * 1000) - 1288834974657) << 22 | n for n in range(2)]
    pages = [
        x_page([x_tweet(ids[0], ["2101.00001"], created_at=when)], "next"),
        x_page([x_tweet(ids[1], ["2101.00002"], created_at=when)]),
    ]
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def handle(request: Request) -> Response:
        start = time.monotonic()
        time.sleep(0.4)
        page = pages[1] if request.args.get("next_token") else pages[0]
        with lock:
            spans.append((start, time.monotonic()))
        return Response(json.dumps(page), content_type="application/json")

    httpserver.expect_request("/2/tweets/search/recent").respond_with_handler(handle)
    httpserver.expect_request("/api/query").respond_with_handler(arxiv_handler())
    return spans


def write_conf(folder: Path, httpserver) -> Path:
    (folder / "content").mkdir(parents=True, exist_ok=True)
    conf = folder / "pelicanconf.py"
    conf.write_text(
        f"""
PATH = "content"
SITEURL = "https://lab.example.org"
TIMEZONE = "UTC"
HOTPAPERS_SOURCES = ["x"]
HOTPAPERS_X_API_URL = {httpserver.url_for("/2")!r}
HOTPAPERS_ARXIV_API_URL = {httpserver.url_for("/api/query")!r}
HOTPAPERS_ARXIV_DELAY = 0
HOTPAPERS_HTTP_BACKOFF = 0
HOTPAPERS_LOCK_TIMEOUT = 30
""",
        encoding="utf-8",
    )
    return conf


def test_two_fetches_at_once_take_turns(httpserver, tmp_path):
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    spans = slow_x(httpserver, day)
    conf = write_conf(tmp_path / "site", httpserver)
    command = [
        sys.executable, "-m", "pelican_hotpapers", "-s", str(conf),
        "fetch", "--date", day.isoformat(), "--force",
    ]  # fmt: skip
    env = {**os.environ, "X_BEARER_TOKEN": TOKEN}

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            command, env=env, cwd=ROOT, text=True, stdout=PIPE, stderr=PIPE
        )

    first = start()
    time.sleep(0.2)
    second = start()
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    for out, err in outputs:
        assert "written" in out and TOKEN not in out + err
    # Four X requests, two per fetch, and no two of them at the same time;
    # the first fetch's pair ends before the second fetch's pair begins.
    assert len(spans) == 4
    spans.sort()
    for (_, end), (begin, _) in itertools.pairwise(spans):
        assert begin >= end
    paths = [(r.path, "next_token" in r.args) for r, _ in httpserver.log]
    x, x_next, arxiv = (
        ("/2/tweets/search/recent", False),
        ("/2/tweets/search/recent", True),
        ("/api/query", False),
    )
    assert paths == [x, x_next, arxiv, x, x_next, arxiv]
    day_file = archive.day_path(tmp_path / "site" / "hotpapers", day)
    assert len(archive.read_day(day_file).entries) == 2


def test_a_build_does_not_wait_for_a_running_fetch(
    httpserver, tmp_path, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    data = tmp_path / "data"
    holder = run_python(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pelican_hotpapers import archive
        with archive.fetch_lock({str(data)!r}, timeout=0):
            print("locked", flush=True)
            time.sleep(5)
        """
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
        hp = HotpapersSettings.from_pelican(
            {
                "HOTPAPERS_DATA_PATH": str(data),
                "HOTPAPERS_SOURCES": ["x"],
                "HOTPAPERS_X_API_URL": httpserver.url_for("/2"),
                "HOTPAPERS_FETCH": "always",
            },
            tmp_path,
        )
        started = time.monotonic()
        assert fetch.fetch_for_build(hp) == []
        assert time.monotonic() - started < 2
    finally:
        holder.kill()
        holder.wait()
    assert any("another fetch is writing" in r.getMessage() for r in caplog.records)
    assert httpserver.log == []
