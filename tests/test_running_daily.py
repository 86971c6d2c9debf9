"""Running it daily (docs/running-daily.rst): the cron recipe.

The cron line of the docs is run as written, with a stand-in
``pelican-hotpapers`` that exits with each code the real one has (and one it
has not), and a stand-in ``pelican``. It rebuilds whatever the fetch's exit
code but 2, and says so when the fetch failed.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import EXAMPLE_SITE, ROOT

WORKFLOW = EXAMPLE_SITE / ".github" / "workflows" / "hot-papers.yml"
DOCS = ROOT / "docs" / "running-daily.rst"
SITE_FOLDER = "/srv/blog"
#: What each stand-in does: note its arguments and what the env file set,
#: then exit with the code the test asks for.
STAND_IN = """#!/bin/sh
echo "$(basename "$0") $* (token: ${X_BEARER_TOKEN:-none})" >> "$CALLS"
exit "$EXIT_CODE"
"""
#: The fetch's exit codes: success, a day failed, a usage or settings error,
#: and one it never returns (a crash, a missing command).
FETCH_CODES = [0, 1, 2, 3, 127]


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def workflow_step(name: str) -> str:
    steps = workflow()["jobs"]["fetch-and-build"]["steps"]
    (run,) = [step["run"] for step in steps if step.get("name") == name]
    return run


def cron_line() -> str:
    text = DOCS.read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("    30 6 * * *")]
    return line.strip()


def cron_command() -> str:
    """The cron line less its five time fields: what cron hands to /bin/sh."""
    return cron_line().split(None, 5)[5]


def stand_ins(folder: Path, fetch: int, build: int) -> dict[str, str]:
    """A folder of stand-ins for the two commands; the environment to find
    them, with the codes they exit with."""
    bin_ = folder / "bin"
    bin_.mkdir()
    for name, code in (("pelican-hotpapers", fetch), ("pelican", build)):
        script = bin_ / name
        script.write_text(STAND_IN.replace('"$EXIT_CODE"', str(code)), encoding="utf-8")
        script.chmod(0o755)
    # cron's own small environment: PATH and HOME, and nothing else.
    return {
        "PATH": f"{bin_}:/usr/bin:/bin",
        "HOME": str(folder),
        "CALLS": str(folder / "calls"),
    }


def calls(env: dict[str, str]) -> list[str]:
    path = Path(env["CALLS"])
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def run_cron(tmp_path: Path, fetch: int, build: int = 0):
    site = tmp_path / "blog"
    site.mkdir()
    (site / ".hotpapers-env").write_text(
        "export X_BEARER_TOKEN=from-the-env-file\n", encoding="utf-8"
    )
    env = stand_ins(tmp_path, fetch, build)
    command = cron_command()
    assert command.count(f"cd {SITE_FOLDER} ") == 1
    command = command.replace(f"cd {SITE_FOLDER} ", f"cd {shlex.quote(str(site))} ")
    done = subprocess.run(
        ["/bin/sh", "-c", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done, calls(env)


FETCHED = "pelican-hotpapers fetch (token: from-the-env-file)"
BUILT = "pelican content --fatal errors (token: from-the-env-file)"


@pytest.mark.parametrize("fetch", FETCH_CODES)
def test_the_cron_recipe_rebuilds_unless_the_fetch_exits_2(tmp_path, fetch):
    done, ran = run_cron(tmp_path, fetch)
    if fetch == 2:  # a usage or settings error: the fetch printed it
        assert ran == [FETCHED]
        assert done.returncode == 2
        assert done.stderr == ""
    elif fetch == 0:
        assert ran == [FETCHED, BUILT]
        assert done.returncode == 0
        assert done.stdout + done.stderr == ""
    else:  # built, then one line on stderr, which cron mails, and exit 1
        assert ran == [FETCHED, BUILT]
        assert done.returncode == 1
        assert done.stderr.splitlines() == [
            f"pelican-hotpapers fetch exited {fetch}; "
            "the site was built from the stored days"
        ]


@pytest.mark.parametrize("fetch", [0, 1])
def test_a_failed_build_ends_the_cron_job_with_its_own_code(tmp_path, fetch):
    done, ran = run_cron(tmp_path, fetch, build=4)
    assert ran == [FETCHED, BUILT]
    assert done.returncode == 4


def test_the_docs_build_with_fatal_errors():
    """--fatal errors: a bad setting fails the job rather than publishing a
    site without its Hot Papers (test_packaging.py shows the difference)."""
    assert cron_command().count("pelican content --fatal errors") == 1
