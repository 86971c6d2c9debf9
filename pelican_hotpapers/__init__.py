"""Hot Papers for Pelican: a daily article of the arXiv papers people talked about.

Pelican finds the plugin by this package's ``register()``. Everything else
(fetching, ranking, the archive, rendering) lives in modules that do not import
Pelican, so they can be used and tested without a site.
"""

from pelican_hotpapers._version import __version__

__all__ = ["__version__", "register"]


def register() -> None:
    """Connect the plugin to Pelican's signals (called by Pelican)."""
    # Imported here so that ``import pelican_hotpapers`` stays cheap and
    # Pelican-free for the CLI and for library users.
    from pelican_hotpapers import plugin

    plugin.register()
