"""Shared fixtures. The socket guard lives in pyproject.toml's addopts
(pytest-socket's ``--allow-hosts``): any connection to a host other than
loopback fails the test that makes it."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import pytest

from pelican_hotpapers import archive, fetch

from . import checkout
from .factories import make_day

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SITE = ROOT / "example_site"
REFERENCE_POST = Path(__file__).resolve().parent / "data" / "hot-papers-2021-01-11.md"


def pytest_configure(config: pytest.Config) -> None:
    # The run fails if a test wrote into the checkout (see checkout.py).
    config.pluginmanager.register(checkout, "hotpapers-checkout")


def stored_files(folder: Path) -> list[Path]:
    """What a data folder holds, but for the fetch lock's file."""
    return sorted(p for p in folder.iterdir() if p.name != archive.LOCK_NAME)


@pytest.fixture(autouse=True)
def no_token_and_fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a real X token, and each starts as a new process would.

    A developer's own X_BEARER_TOKEN must never reach a test (it would try
    the network, and could end up in a captured log).
    """
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    fetch._FETCHED_THIS_PROCESS.clear()
    # Pelican drops a warning it has logged before in the process (its
    # LimitFilter): a test that expects one must not miss it because an
    # earlier test logged the same words.
    pelican_log = sys.modules.get("pelican.log")
    if pelican_log is not None:
        pelican_log.LimitFilter._raised_messages.clear()
        pelican_log.LimitFilter._group_count.clear()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder holding two hand-built days."""
    folder = tmp_path / "hotpapers"
    folder.mkdir()

    archive.write_day(folder, make_day(dt.date(2021, 1, 11)))
    archive.write_day(folder, make_day(dt.date(2021, 1, 12)))
    return folder


@pytest.fixture
def hotpapers_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="pelican_hotpapers")
    return caplog


#: Test files that take longest, much of it waiting on other processes (pip,
#: a browser, fetches side by side): run first, so that on two workers
#: (pytest-xdist, ``--dist loadfile``) the other files fill the time around
#: them instead of one of them ending the run alone.
SLOW_FIRST = ("test_packaging.py", "test_concurrency.py", "test_browser.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def order(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=order)  # stable: each file keeps its own order
