"""The plain parts of the request policy every source shares.

:class:`HttpOptions` (the ``HOTPAPERS_HTTP_*`` settings) and
:class:`SourceError` (what a service that gave no complete answer raises)
are used by every source, by the settings and by :mod:`.session`, which
makes the requests. They are here, below both :mod:`.base` and
:mod:`.session`, so that neither imports the other: :mod:`.base` hands its
HTTP calls to :mod:`.session` (imported when a request is made, since it
imports requests), and :mod:`.session` needs only these.

The readers of a service's times are here too: :func:`parse_time` (every
source's ISO 8601 times) and :func:`reset_time` / :func:`reset_wait` (when a
rate-limit window reopens), which :mod:`.session`'s retry reads from a 429
and a source's own rate-limit message reads too.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pelican_hotpapers.options import setting

__all__ = [
    "ErrorType",
    "HttpOptions",
    "SourceError",
    "parse_time",
    "reset_time",
    "reset_wait",
]


class SourceError(Exception):
    """A remote service could not give a complete answer.

    Each source's errors are a subclass that names its service for the site
    owner: ``class XError(SourceError, service="X API")``. The message must
    never hold a credential. ``rate_limited`` is true for a rate limit longer
    than the site owner will wait: the service is not asked again in the
    same run.
    """

    service = "a service"
    rate_limited = False

    def __init_subclass__(
        cls,
        *,
        service: str | None = None,
        rate_limited: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if service is not None:
            cls.service = service
        if rate_limited is not None:
            cls.rate_limited = rate_limited

    def __init__(self, message: str, *, service: str | None = None) -> None:
        if service is not None:
            self.service = service
        self.message = message
        super().__init__(f"{self.service}: {message}")


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """The request policy every source shares: the HOTPAPERS_HTTP_* settings."""

    timeout: float = setting("HOTPAPERS_HTTP_TIMEOUT", 30.0, "number", minimum=0.001)
    retries: int = setting("HOTPAPERS_HTTP_RETRIES", 3, "int", minimum=0)
    backoff: float = setting("HOTPAPERS_HTTP_BACKOFF", 1.0, "number", minimum=0)
    rate_limit_max_wait: float = setting(
        "HOTPAPERS_RATE_LIMIT_MAX_WAIT", 900, "number", minimum=0
    )


#: Makes a source's own error from a message ("X API: ..." for XError).
ErrorType = Callable[[str], SourceError]


def parse_time(value: Any) -> dt.datetime | None:
    """A service's ISO 8601 time, in UTC, or None if it is missing or absurd.

    Stored in UTC because the day file's schema takes whole-minute offsets
    only; a year a client made up (9999) must not break a page.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        parsed = parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if 2000 <= parsed.year <= 2999 else None


def reset_time(value: str) -> dt.datetime | None:
    """When a rate-limit window reopens, from epoch seconds or an ISO 8601 time.

    None for anything else: a header a proxy mangled is no reason to wait.
    """
    value = value.strip()
    try:
        epoch = float(value)
    except ValueError:
        return parse_time(value)
    if not math.isfinite(epoch):
        return None
    try:
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def reset_wait(value: str) -> float | None:
    """Seconds until the window ``value`` names reopens (0 if it has), or None."""
    when = reset_time(value)
    return None if when is None else max(0.0, when.timestamp() - time.time())
