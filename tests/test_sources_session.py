"""The shared HTTP policy: retries are our debug lines, never urllib3's warnings.

urllib3's connection pool warns "Retrying (...) after connection broken by
..." for every retry of a broken connection. Under Pelican that is three
warnings per failure and, with ``--fatal warnings``, a dead build even when
the retry succeeds (tests/test_fetch.py builds such a site for real).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
import requests
from pytest_httpserver import HTTPServer
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
from werkzeug import Request, Response

from pelican_hotpapers.sources import session as session_module
from pelican_hotpapers.sources.session import HttpOptions, make_session

from .remote import closed_port, drop_connection, requests_seen

OUR_LOGGER = "pelican_hotpapers.sources.session"


def fails_first(
    times: int, failure: Callable[[Request], Response]
) -> Callable[[Request], Response]:
    """A handler that answers ``failure(request)`` ``times`` times, then 200."""
    calls = {"n": 0}

    def handle(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] <= times:
            return failure(request)
        return Response('{"ok": true}', content_type="application/json")

    return handle


def stall(request: Request) -> Response:
    # The test server answers one request at a time: the retry waits for this
    # one to end, so it must end well within the retry's own timeout (1 s).
    time.sleep(1.5)
    return Response("late", status=200)


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == OUR_LOGGER and r.levelno == logging.DEBUG
    ]


def warnings_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING
    ]


def test_a_timeout_retried_once_is_one_debug_line_and_no_warning(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/q").respond_with_handler(fails_first(1, stall))
    session = make_session(HttpOptions(timeout=1.0, retries=3, backoff=0))

    response = session.get(httpserver.url_for("/q"))

    assert response.status_code == 200
    assert len(requests_seen(httpserver)) == 2
    assert retry_lines(caplog) == [
        f"hotpapers: {httpserver.host}: retrying (attempt 2) after a timeout"
    ]
    assert warnings_logged(caplog) == []


def test_a_refused_connection_retries_as_debug_lines_then_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    session = make_session(HttpOptions(timeout=2, retries=2, backoff=0))

    with pytest.raises(requests.ConnectionError):
        session.get(f"http://127.0.0.1:{closed_port()}/q")

    assert retry_lines(caplog) == [
        "hotpapers: 127.0.0.1: retrying (attempt 2) after a failed connection",
        "hotpapers: 127.0.0.1: retrying (attempt 3) after a failed connection",
    ]
    # The failure itself is the caller's to report, once; retries are not news.
    assert warnings_logged(caplog) == []


def test_a_status_retry_names_the_status(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    busy = Response("busy", status=503)
    httpserver.expect_request("/q").respond_with_handler(
        fails_first(2, lambda request: busy)
    )
    session = make_session(HttpOptions(timeout=2, retries=3, backoff=0))

    assert session.get(httpserver.url_for("/q")).status_code == 200
    assert retry_lines(caplog) == [
        f"hotpapers: {httpserver.host}: retrying (attempt 2) after HTTP 503",
        f"hotpapers: {httpserver.host}: retrying (attempt 3) after HTTP 503",
    ]


def test_other_code_keeps_urllib3s_retry_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only our own retries are kept out of the log, not the whole process's."""
    caplog.set_level(logging.DEBUG)
    make_session()  # installs the filter
    theirs = requests.Session()
    theirs.mount("http://", HTTPAdapter(max_retries=Retry(total=1, backoff_factor=0)))

    with pytest.raises(requests.ConnectionError):
        theirs.get(f"http://127.0.0.1:{closed_port()}/q")

    [warning] = warnings_logged(caplog)
    assert warning.startswith("urllib3.connectionpool: Retrying (Retry(total=0")
    assert retry_lines(caplog) == []


def test_the_filter_is_installed_once() -> None:
    make_session()
    make_session(HttpOptions(retries=1))

    pool_logger = logging.getLogger("urllib3.connectionpool")
    ours = [
        f
        for f in pool_logger.filters
        if isinstance(f, session_module._OurRetriesFilter)
    ]
    assert len(ours) == 1


def test_a_dropped_connection_retried_once_is_one_debug_line(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/q").respond_with_handler(
        fails_first(1, drop_connection)
    )
    session = make_session(HttpOptions(timeout=2, retries=3, backoff=0))

    assert session.get(httpserver.url_for("/q")).status_code == 200
    assert retry_lines(caplog) == [
        f"hotpapers: {httpserver.host}: retrying (attempt 2) after a dropped connection"
    ]
    assert warnings_logged(caplog) == []


# --- what a failed request is called ---------------------------------------------


def test_a_dns_failure_is_named_without_the_address(monkeypatch) -> None:
    """The resolver is stood in for: a test never asks real DNS."""
    import socket

    from pelican_hotpapers.sources.x import XError

    def no_such_host(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    session = make_session(HttpOptions(timeout=1, retries=1, backoff=0))
    url = "https://api.no-such-host.invalid/2/search?query=secret-query"

    with pytest.raises(XError) as caught:
        session_module.send(session, "GET", url, XError)

    message = str(caught.value)
    assert message == "X API: the host name could not be resolved (DNS failure)"


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (
            requests.ConnectionError("Max retries exceeded (NameResolutionError)"),
            "the host name could not be resolved (DNS failure)",
        ),
        (
            requests.ConnectionError("[Errno -2] Name or service not known"),
            "the host name could not be resolved (DNS failure)",
        ),
        (
            requests.exceptions.RetryError("too many 503 error responses"),
            "the service kept failing after retries",
        ),
        (
            requests.ConnectionError("[Errno 111] Connection refused"),
            "the connection was refused",
        ),
        (
            requests.ConnectionError("Remote end closed connection"),
            "the service could not be reached",
        ),
        (requests.ReadTimeout("read timed out"), "the request timed out"),
        (
            requests.ConnectionError("HTTPSConnectionPool: Read timed out."),
            "the request timed out",
        ),
        (requests.exceptions.InvalidURL("bad"), "the request failed (InvalidURL)"),
    ],
)
def test_each_failure_is_described_in_words(error, cause) -> None:
    assert session_module.describe_request_error(error) == cause


def test_an_answer_that_is_not_json_is_the_sources_error(httpserver: HTTPServer):
    from pelican_hotpapers.sources.x import XError

    httpserver.expect_request("/q").respond_with_data("<html>busy</html>")
    session = make_session(HttpOptions(timeout=2, retries=0, backoff=0))
    response = session_module.send(session, "GET", httpserver.url_for("/q"), XError)

    with pytest.raises(XError, match="not valid JSON"):
        session_module.answer_json(response, XError)


def test_an_answer_is_cleaned_of_what_no_page_may_hold(httpserver: HTTPServer):
    from pelican_hotpapers.sources.x import XError

    httpserver.expect_request("/q").respond_with_json({"t\u0000": ["a\u0007b"]})
    session = make_session(HttpOptions(timeout=2, retries=0, backoff=0))
    response = session_module.send(session, "GET", httpserver.url_for("/q"), XError)

    assert session_module.answer_json(response, XError) == {"t\ufffd": ["a\ufffdb"]}


def retry_of(session: requests.Session, prefix: str = "https://") -> Retry:
    return session.get_adapter(prefix + "example.org").max_retries


@pytest.mark.parametrize(
    ("http", "backoff_max"),
    [
        (HttpOptions(retries=4, backoff=2.0, rate_limit_max_wait=120), 16.0),
        (HttpOptions(retries=0, backoff=0.05), 1.0),
    ],
)
def test_the_session_carries_the_policy_of_the_settings(http, backoff_max) -> None:
    session = make_session(http)

    assert session.timeout == http.timeout
    assert session.headers["User-Agent"] == session_module.USER_AGENT
    for prefix in ("http://", "https://"):
        retry = retry_of(session, prefix)
        assert isinstance(retry, session_module.RateLimitRetry)
        assert retry.total == http.retries
        assert (retry.backoff_factor, retry.backoff_max) == (http.backoff, backoff_max)
        assert retry.max_wait == http.rate_limit_max_wait
        assert retry.min_backoff == 0
        assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
        assert retry.allowed_methods == frozenset({"GET"})
        assert retry.respect_retry_after_header is True
        assert retry.raise_on_status is False


def test_a_source_may_bound_the_wait_and_the_pause_and_retry_posts() -> None:
    retry = retry_of(
        make_session(
            HttpOptions(rate_limit_max_wait=900),
            max_wait=60,
            min_backoff=3,
            allowed_methods=frozenset({"GET", "POST"}),
        )
    )
    assert (retry.max_wait, retry.min_backoff) == (60, 3)
    assert retry.allowed_methods == frozenset({"GET", "POST"})


def test_arxivs_session_keeps_arxivs_pace_and_a_short_wait() -> None:
    from pelican_hotpapers.sources.arxiv import (
        ARXIV_MAX_WAIT,
        ArxivOptions,
        ArxivSource,
    )

    source = ArxivSource(ArxivOptions(delay=4.0), HttpOptions(retries=2))
    retry = retry_of(source.session)
    assert (retry.total, retry.max_wait, retry.min_backoff) == (2, ARXIV_MAX_WAIT, 4.0)
    assert source.session.headers["User-Agent"].startswith(session_module.USER_AGENT)
    assert " arxiv.py/" in source.session.headers["User-Agent"]


# --- when a rate limit reopens ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1767225600", "2026-01-01T00:00:00+00:00"),  # X, Bluesky: epoch seconds
        ("1767225600.5", "2026-01-01T00:00:00.500000+00:00"),
        # Mastodon: iso8601(6), as recorded from mastodon.social.
        ("2025-07-17T20:05:00.923550Z", "2025-07-17T20:05:00.923550+00:00"),
        (" 2025-07-17T20:05:00Z ", "2025-07-17T20:05:00+00:00"),
        ("2025-07-17T22:05:00+02:00", "2025-07-17T20:05:00+00:00"),
    ],
)
def test_a_reset_time_is_read_as_epoch_seconds_or_an_iso_time(value, expected):
    assert session_module.reset_time(value).isoformat() == expected


@pytest.mark.parametrize(
    "value", ["soon", "", "nan", "inf", "1e300", "2025-13-40T00:00:00Z", "9999-01-01"]
)
def test_a_reset_time_that_is_no_time_is_none(value):
    assert session_module.reset_time(value) is None
    assert session_module.reset_wait(value) is None


def test_a_reset_time_past_is_no_wait():
    assert session_module.reset_wait("2020-01-01T00:00:00Z") == 0.0


def iso_in(seconds: float) -> str:
    when = time.time() + seconds
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when)) + (
        f"{when % 1:.6f}"[1:] + "Z"
    )


def test_mastodons_iso_reset_is_waited_for_within_the_bound(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 that says its window reopens in a second (Mastodon's way) is retried
    after about that second, not at once and not after a back-off guess."""
    sleeps: list[float] = []
    limited = Response(
        '{"error": "Too many requests"}',
        status=429,
        headers={"X-RateLimit-Reset": iso_in(1.0), "X-RateLimit-Remaining": "0"},
    )
    httpserver.expect_request("/api").respond_with_handler(
        fails_first(1, lambda _: limited)
    )
    session = make_session(HttpOptions(retries=2, backoff=0, rate_limit_max_wait=30))
    # urllib3's Retry and ours sleep through the time module.
    monkeypatch.setattr(time, "sleep", sleeps.append)

    answer = session.get(httpserver.url_for("/api"))

    assert answer.status_code == 200
    assert len(requests_seen(httpserver)) == 2
    assert len(sleeps) == 1 and 0.5 < sleeps[0] <= 1.0


def test_mastodons_iso_reset_past_the_bound_is_not_waited_for(httpserver: HTTPServer):
    limited = Response(
        '{"error": "Too many requests"}',
        status=429,
        headers={"x-ratelimit-reset": iso_in(3600)},
    )
    httpserver.expect_request("/api").respond_with_response(limited)
    session = make_session(HttpOptions(retries=3, backoff=0, rate_limit_max_wait=30))

    started = time.monotonic()
    answer = session.get(httpserver.url_for("/api"))

    assert answer.status_code == 429
    assert len(requests_seen(httpserver)) == 1
    assert time.monotonic() - started < 1


def test_mastodons_reset_on_an_answer_that_is_no_429_is_no_wait(httpserver):
    """Mastodon sends x-ratelimit-reset on every answer: a 503 is retried by
    the back-off alone."""
    busy = Response("busy", status=503, headers={"x-ratelimit-reset": iso_in(3600)})
    httpserver.expect_request("/api").respond_with_handler(
        fails_first(1, lambda _: busy)
    )
    session = make_session(HttpOptions(retries=2, backoff=0, rate_limit_max_wait=30))

    started = time.monotonic()
    assert session.get(httpserver.url_for("/api")).status_code == 200
    assert time.monotonic() - started < 1
