"""The HTTP policy every source shares: one requests Session per source.

As in requests' own advice, the Session is the unit of policy: the
User-Agent, a timeout on every request, and retries with exponential
back-off through urllib3's ``Retry``, which honours ``Retry-After``. X,
Bluesky and Mastodon also announce when their rate-limit window reopens
(``x-rate-limit-reset``, ``ratelimit-reset``, ``x-ratelimit-reset``); the
``Retry`` subclass here reads those too, and gives up (instead of sleeping for
a quarter of an hour in the middle of a build) when the wait is longer than
the bound the site owner allows.

A retry is not news for the site owner: each is logged at debug level under
our logger, and only a request that finally failed is reported (once, by the
fetch, as a warning naming the service and the day).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ResponseError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from pelican_hotpapers._version import __version__
from pelican_hotpapers.models import clean_json

# The policy's plain parts live in policy, which a build that fetches nothing
# imports without requests; they are named here too, where they always were.
from pelican_hotpapers.sources.policy import (
    ErrorType,
    HttpOptions,
    SourceError,
    reset_time,
    reset_wait,
)

__all__ = [
    "RESET_HEADERS",
    "USER_AGENT",
    "ErrorType",
    "HttpOptions",
    "OwnAgentSession",
    "PolicySession",
    "RateLimitRetry",
    "SourceError",
    "answer_json",
    "describe_request_error",
    "make_session",
    "reset_time",
    "reset_wait",
    "send",
]

logger = logging.getLogger(__name__)

USER_AGENT = (
    f"pelican-hotpapers/{__version__} "
    "(+https://pypi.org/project/pelican-hotpapers/) "
    + requests.utils.default_user_agent()
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The headers that say when a rate-limit window reopens: X's and Bluesky's
#: in epoch seconds; Mastodon's as an ISO 8601 time with microseconds
#: ("2025-07-17T20:05:00.923550Z": its RateLimitHeaders concern writes
#: ``iso8601(6)``), which Mastodon sends on every answer, not only a 429.
RESET_HEADERS = ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset")


class RateLimitRetry(Retry):
    """urllib3 Retry that also waits for a service's reset time, within a bound.

    The reset time is read from :data:`RESET_HEADERS` when a 429 has no
    ``Retry-After``.

    ``max_wait`` is the longest sleep (seconds) a retry may take. A 429 whose
    window reopens later than that is not retried; the caller then sees the
    429 and reports it.
    """

    def __init__(
        self,
        *args: Any,
        max_wait: float = 900.0,
        min_backoff: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait
        self.min_backoff = min_backoff

    def new(self, **kwargs: Any) -> RateLimitRetry:
        retry = super().new(**kwargs)
        retry.max_wait = self.max_wait
        retry.min_backoff = self.min_backoff
        return retry

    def get_backoff_time(self) -> float:
        # urllib3 retries the first failure at once; a service with a
        # request-rate rule (arXiv: one request every 3 s) needs a floor.
        return max(super().get_backoff_time(), self.min_backoff)

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        if seconds is None and response.status == 429:
            for name in RESET_HEADERS:
                reset = response.headers.get(name)
                if reset is not None:
                    return reset_wait(reset)
        return seconds

    def increment(
        self, method: Any = None, url: Any = None, *args: Any, **kwargs: Any
    ) -> Retry:
        response = kwargs.get("response")
        if response is not None and response.status in self.RETRY_AFTER_STATUS_CODES:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_wait:
                # Give up at once. With raise_on_status off, urllib3 then hands
                # the 429 back to the caller, which reports it.
                raise MaxRetryError(
                    kwargs.get("_pool"),
                    url,
                    ResponseError(f"rate limited for {wait:.0f} s"),
                )
        retry = super().increment(method, url, *args, **kwargs)
        # Past super(): the request will be tried again. (When retries run
        # out, super() raises and the caller reports the failure instead.)
        pool = kwargs.get("_pool")
        logger.debug(
            "hotpapers: %s: retrying (attempt %d) after %s",
            getattr(pool, "host", None) or "the service",
            len(retry.history) + 1,
            _retry_cause(response, kwargs.get("error")),
        )
        return retry

    def sleep_for_retry(self, response: Any = None) -> bool:
        seconds = self.get_retry_after(response) if response is not None else None
        if seconds is not None and self.respect_retry_after_header:
            time.sleep(min(seconds, self.max_wait))
            return True
        return False


def _retry_cause(response: Any, error: BaseException | None) -> str:
    """Why a request is retried, in words, without its URL."""
    if response is not None and getattr(response, "status", None):
        return f"HTTP {response.status}"
    # NewConnectionError is a kind of timeout to urllib3: ask for it first.
    if isinstance(error, NewConnectionError):
        return "a failed connection"
    if isinstance(error, Urllib3Timeout):
        return "a timeout"
    if isinstance(error, ProtocolError):
        return "a dropped connection"
    return type(error).__name__ if error is not None else "an unknown error"


class _OurRetriesFilter(logging.Filter):
    """Drops urllib3's own "Retrying (...)" warning for our requests only.

    urllib3's connection pool logs a WARNING for every retry of a broken
    connection, with the Retry object as its first argument. For us a retry
    is routine (``RateLimitRetry.increment`` logs it at debug level), and a
    warning per retry would fill Pelican's log and, under ``--fatal
    warnings``, abort a build whose retry would have succeeded. The filter
    keeps every other urllib3 record, and the retries of any other code in
    the process, as they are.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        ours = (
            isinstance(record.msg, str)
            and record.msg.startswith("Retrying (")
            and isinstance(args, tuple)
            and bool(args)
            and isinstance(args[0], RateLimitRetry)
        )
        return not ours


#: The logger urllib3's connection pool warns through.
_URLLIB3_POOL_LOGGER = "urllib3.connectionpool"


def _quiet_our_retry_warnings() -> None:
    """Install the filter once, however many sessions are made."""
    pool_logger = logging.getLogger(_URLLIB3_POOL_LOGGER)
    if not any(isinstance(f, _OurRetriesFilter) for f in pool_logger.filters):
        pool_logger.addFilter(_OurRetriesFilter())


class PolicySession(requests.Session):
    """A Session whose every request has a timeout unless one is given.

    requests has no session-wide timeout, and arxiv.py calls ``get`` without
    one, so a stalled connection would hang a build forever.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


class OwnAgentSession(PolicySession):
    """A policy Session that keeps our User-Agent over a library's own.

    arxiv.py sends its own User-Agent header with each request; the service
    should see ours (which names arxiv.py too).
    """

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = kwargs.get("headers")
        if headers:
            kwargs["headers"] = {
                k: v for k, v in headers.items() if k.lower() != "user-agent"
            }
        return super().request(method, url, **kwargs)


def make_session(
    http: HttpOptions = HttpOptions(),
    *,
    max_wait: float | None = None,
    min_backoff: float = 0.0,
    allowed_methods: frozenset[str] = frozenset({"GET"}),
) -> PolicySession:
    """A Session with our User-Agent, and ``http``'s timeout and retry policy.

    ``max_wait`` bounds a wait for a rate limit (HOTPAPERS_RATE_LIMIT_MAX_WAIT
    unless given); ``min_backoff`` is the shortest pause before a retry.
    """
    _quiet_our_retry_warnings()
    session = PolicySession(http.timeout)
    session.headers["User-Agent"] = USER_AGENT
    # One count for every kind of failure: urllib3's connect, read and status
    # counts fall back to it.
    retry = RateLimitRetry(
        total=http.retries,
        backoff_factor=http.backoff,
        backoff_max=max(http.backoff * 8, 1.0),
        status_forcelist=RETRY_STATUSES,
        allowed_methods=allowed_methods,
        respect_retry_after_header=True,
        raise_on_status=False,
        max_wait=http.rate_limit_max_wait if max_wait is None else max_wait,
        min_backoff=min_backoff,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def send(
    session: requests.Session, method: str, url: str, error: ErrorType, **kwargs: Any
) -> requests.Response:
    """The service's answer, whatever its status, or ``error`` saying why none came.

    The error names the cause in words (a timeout, a DNS failure), never the
    URL, which may hold a query the site owner did not write there.
    """
    try:
        return session.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise error(describe_request_error(exc)) from None


def answer_json(response: requests.Response, error: ErrorType) -> Any:
    """The answer as JSON, every string cleaned of what no page may hold."""
    try:
        return clean_json(response.json())
    except ValueError:
        raise error(
            "the answer is not valid JSON (an HTML page or a cut-off body?)"
        ) from None


def describe_request_error(exc: requests.RequestException) -> str:
    """A one-line cause for the site owner, without URLs that might hold secrets."""
    # With retries on, urllib3 wraps a read timeout in MaxRetryError, which
    # requests turns into a ConnectionError: look at the words too.
    if isinstance(exc, requests.Timeout) or "timed out" in str(exc).lower():
        return "the request timed out"
    if isinstance(exc, requests.exceptions.RetryError):
        return "the service kept failing after retries"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "Name or service not known" in text or "NameResolution" in text:
            return "the host name could not be resolved (DNS failure)"
        if "Connection refused" in text:
            return "the connection was refused"
        return "the service could not be reached"
    return f"the request failed ({type(exc).__name__})"
