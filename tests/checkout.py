"""The suite leaves the checkout as it found it.

A pytest plugin (``tests/conftest.py`` registers it). When the session
starts, it notes each file that ``git status`` lists in the checkout, with a
digest of its bytes; when the session ends, it looks again and fails the run
if a test created, changed or deleted a file there. A test writes under its
``tmp_path``: a build that writes beside the code once left a ``cache/``
folder that was committed.

What .gitignore names is not looked at (the virtual environment, coverage
data, caches, the example site's output), and neither is a checkout that git
cannot read. With pytest-xdist only the controller looks: the workers run in
the same checkout, so one check at the end covers them all.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

#: Each path ``git status`` lists, with its two status letters and a digest.
State = dict[str, str]

BEFORE = pytest.StashKey[State]()
CHANGED = pytest.StashKey[list[str]]()


def checkout_state(root: Path) -> State | None:
    """What ``git status`` shows of the checkout at ``root``, or None where
    there is no git or no repository.

    A file listed both times with the same status (one a developer had
    already edited) is told apart by its digest.
    """
    try:
        listed = subprocess.run(
            ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    state: State = {}
    fields = iter(listed.split(b"\0"))
    for field in fields:
        if not field:
            continue
        status, name = field[:2].decode(), field[3:].decode("utf-8", "surrogateescape")
        if status[0] in "RC":
            next(fields, None)  # a rename or copy names its source next
        try:
            digest = hashlib.sha256((root / name).read_bytes()).hexdigest()
        except OSError:  # deleted, or a folder (a repository inside)
            digest = "-"
        state[name] = f"{status} {digest}"
    return state


def changes(before: State, after: State) -> list[str]:
    """One line per path whose state differs, as ``git status`` shows it now."""
    lines = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if now is None:
            lines.append(f"   {name} (back as committed)")
        elif was is None:
            lines.append(f"{now[:2]} {name}")
        else:
            lines.append(f"{now[:2]} {name} (changed again)")
    return lines


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if is_worker(session.config):
        return
    state = checkout_state(session.config.rootpath)
    if state is not None:
        session.config.stash[BEFORE] = state


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    before = config.stash.get(BEFORE, None)
    if before is None:
        return
    found = changes(before, checkout_state(config.rootpath) or {})
    if found:
        config.stash[CHANGED] = found
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    found = config.stash.get(CHANGED, [])
    if not found:
        return
    terminalreporter.section("the run changed the checkout", red=True, bold=True)
    terminalreporter.line(
        "These files of the checkout were created, changed or deleted during "
        "the run, so it fails (a test writes under its tmp_path):",
        red=True,
    )
    for line in found:
        terminalreporter.line(f"  {line}")
