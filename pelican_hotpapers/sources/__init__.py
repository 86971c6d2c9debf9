"""Remote services, one module each.

Each source is a small class that holds its own policy (base URL, timeouts,
retries, budget) and returns plain data from :mod:`pelican_hotpapers.models`.
Errors are subclasses of :class:`SourceError`, whose messages name the
service and never contain a credential.
"""

from pelican_hotpapers.sources.session import SourceError

__all__ = ["SourceError"]
