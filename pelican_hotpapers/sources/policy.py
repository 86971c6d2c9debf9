"""The plain parts of the request policy every source shares.

:class:`HttpOptions` (the ``HOTPAPERS_HTTP_*`` settings) and
:class:`SourceError` (what a service that gave no complete answer raises)
are used by every source, by the settings and by :mod:`.session`, which
makes the requests. They are here, below both :mod:`.base` and
:mod:`.session`, so that neither imports the other: :mod:`.base` hands its
HTTP calls to :mod:`.session` (imported when a request is made, since it
imports requests), and :mod:`.session` needs only these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pelican_hotpapers.options import setting

__all__ = ["ErrorType", "HttpOptions", "SourceError"]


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
