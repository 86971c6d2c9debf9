"""The package as users get it: built, installed alone, and run as documented.

A checkout has every file; a wheel has only what setup.cfg and MANIFEST.in put
in it. A template or the schema left out of ``package_data`` passes every other
test and breaks every user's build. So these tests build the sdist and the
wheel with ``python -m build`` from a copy of what a clone holds, install the
wheel alone into a fresh virtual environment with the GitHub Actions
workflow's own install step, and build a copy of the example site with the
workflow's own build step.

They run offline, as every test here does: nothing reaches the package
index. The build runs without isolation, with the build requirements that
pyproject.toml names (the test extras install them; a test checks that the
two agree). The fresh environment sees this environment's installed
dependencies through a path file, so the workflow's install step, run as
written with ``PIP_NO_INDEX=1``, finds them satisfied and installs the wheel
alone.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from pelican_hotpapers import __version__

from .conftest import EXAMPLE_SITE, ROOT

pytestmark = pytest.mark.build

WORKFLOW = EXAMPLE_SITE / ".github" / "workflows" / "hot-papers.yml"
BAD_SETTING = 'HOTPAPERS_MIN_PAPER_SCORE = "lots"\n'


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; its output is kept for the assertions."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def succeeded(result: subprocess.CompletedProcess[str]) -> bool:
    if result.returncode != 0:
        print(result.args, result.stdout, result.stderr, sep="\n")
    return result.returncode == 0


def clone_files() -> list[str]:
    """What a clone of this checkout holds, with uncommitted edits and new files.

    Not the checkout itself: an earlier ``pip install -e .`` leaves a
    ``pelican_hotpapers.egg-info/SOURCES.txt`` there, and setuptools adds the
    files it lists to a new sdist, which would hide a file that setup.cfg
    no longer ships.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if (ROOT / name).is_file())


def workflow_steps() -> dict[str, str]:
    """The workflow's shell steps, by name."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["fetch-and-build"]["steps"]
    return {step["name"]: step["run"] for step in steps if "run" in step}


def run_step(name: str, site: Path, venv: Path) -> subprocess.CompletedProcess[str]:
    """Run a workflow step as GitHub Actions does (bash -eo pipefail), with
    the fresh environment's commands first on PATH."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PIP_NO_INDEX"] = "1"  # offline: the dependencies are already there
    env["COLUMNS"] = "400"  # one log record, one line
    return run(["bash", "-eo", "pipefail", "-c", workflow_steps()[name]], site, env)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packaging")


@pytest.fixture(scope="module")
def dist(work: Path) -> Path:
    """The sdist and the wheel, built as the README says, from a clone's files."""
    source = work / "source"
    for name in clone_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    built = run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--outdir",
            str(work / "dist"),
            str(source),
        ],
        work,
    )
    assert succeeded(built)
    return work / "dist"


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("pelican_hotpapers-*.whl")
    return found


@pytest.fixture(scope="module")
def sdist(dist: Path) -> Path:
    (found,) = dist.glob("pelican_hotpapers-*.tar.gz")
    return found


@pytest.fixture(scope="module")
def site(work: Path, wheel: Path) -> Path:
    """A copy of the example site as a user's site repository holds it:
    its tracked files, and the wheel in ``wheels/``, as the workflow asks."""
    site = work / "site"
    for name in clone_files():
        if name.startswith("example_site/"):
            target = site / Path(name).relative_to("example_site")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    (site / "wheels").mkdir()
    shutil.copy2(wheel, site / "wheels" / wheel.name)
    return site


@pytest.fixture(scope="module")
def venv(work: Path, site: Path) -> Path:
    """A fresh virtual environment, filled by the workflow's install step.

    It sees this environment's packages (pelican, markdown, ...) through a
    path file, as installed dependencies; a path file's folder is not
    scanned for further path files, so this checkout's editable install
    stays out. ``pelican`` gets the launcher pip would have written.
    """
    venv = work / "venv"
    assert succeeded(run([sys.executable, "-m", "venv", str(venv)], work))
    purelib = Path(sysconfig.get_paths()["purelib"])
    (fresh,) = (venv / "lib").glob("python3*/site-packages")
    (fresh / "test-dependencies.pth").write_text(f"{purelib}\n", encoding="utf-8")
    launcher = venv / "bin" / "pelican"
    launcher.write_text(
        f"#!{venv / 'bin' / 'python'}\n"
        "import sys\nfrom pelican import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    launcher.chmod(0o755)
    assert succeeded(run_step("Install", site, venv))
    return venv


@pytest.fixture(scope="module")
def built(site: Path, venv: Path) -> subprocess.CompletedProcess[str]:
    """The workflow's build step, run on the example site."""
    return run_step("Build", site, venv)


def package_files() -> list[str]:
    """Every file of the package in a clone: modules, templates, the schema."""
    return [name for name in clone_files() if name.startswith("pelican_hotpapers/")]


def test_the_wheel_holds_every_file_of_the_package(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "pelican_hotpapers/schema/day.schema.json" in names
    assert "pelican_hotpapers/templates/hotpapers/day.html" in names
    assert [name for name in package_files() if name not in names] == []


def test_the_sdist_holds_the_package_and_its_documents(sdist):
    prefix = f"pelican_hotpapers-{__version__}/"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(prefix) for name in archive.getnames()}
    expected = [
        *package_files(),
        "README.rst",
        "LICENSE",
        "CHANGELOG.rst",
        "setup.cfg",
        "pyproject.toml",
    ]
    assert [name for name in expected if name not in names] == []
    # setuptools would add tests/test_*.py alone, without the helpers, data
    # and example site they need: a test folder that cannot run.
    assert [name for name in names if name.startswith("tests/")] == []


def test_the_installed_plugin_is_the_wheel_not_the_checkout(site, venv):
    python = venv / "bin" / "python"
    where = run(
        [
            str(python),
            "-c",
            "import sysconfig, pelican_hotpapers;"
            "print(pelican_hotpapers.__file__);"
            "print(sysconfig.get_paths()['purelib'])",
        ],
        site,
    )
    assert succeeded(where)
    module, purelib = (Path(line) for line in where.stdout.splitlines())
    assert module.is_relative_to(purelib)
    assert not module.is_relative_to(ROOT)
    version = run([str(venv / "bin" / "pelican-hotpapers"), "--version"], site)
    assert succeeded(version)
    assert version.stdout.strip() == f"pelican-hotpapers {__version__}"


def test_the_workflow_builds_the_example_site_from_the_wheel(site, built):
    assert succeeded(built)
    days = sorted((site / "hotpapers").glob("*.json"))
    assert len(days) == 7
    for day_file in days:
        day = json.loads(day_file.read_text(encoding="utf-8"))
        page = site / "output" / f"hot-papers-{day['date']}.html"
        html = page.read_text(encoding="utf-8")
        assert f"Hot Papers {day['date']}" in html
        assert 'class="hotpapers-paper' in html
    reference = (site / "output" / "hot-papers-2021-01-11.html").read_text("utf-8")
    assert "VisualVoice: Audio-Visual Speech Separation" in reference
    assert "One-Class Classification: A Survey" in reference


def test_info_lines_show_only_with_v(site, venv, built):
    """What the README promises: the plugin's info lines need ``pelican -v``."""
    quiet = built.stdout + built.stderr
    assert "hotpapers:" not in quiet
    verbose = run(
        [str(venv / "bin" / "pelican"), "content", "-s", "pelicanconf.py", "-v"],
        site,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert succeeded(verbose)
    lines = (verbose.stdout + verbose.stderr).splitlines()
    said = [line for line in lines if "hotpapers: HOTPAPERS_FETCH is 'never'" in line]
    assert len(said) == 1
    assert "INFO" in said[0]


def test_a_bad_setting_fails_the_workflow_build_but_not_plain_pelican(work, site, venv):
    """A bad setting is one ERROR, and plain ``pelican`` still exits 0; the
    workflow's ``--fatal errors`` makes the job fail."""
    broken = work / "broken-site"
    shutil.copytree(site, broken, ignore=shutil.ignore_patterns("output", "cache"))
    with (broken / "pelicanconf.py").open("a", encoding="utf-8") as conf:
        conf.write(BAD_SETTING)
    plain = run(
        [str(venv / "bin" / "pelican"), "content", "-s", "pelicanconf.py"],
        broken,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert succeeded(plain)
    errors = [
        line
        for line in (plain.stdout + plain.stderr).splitlines()
        if "ERROR" in line and "HOTPAPERS_MIN_PAPER_SCORE" in line
    ]
    assert len(errors) == 1
    assert not (broken / "output" / "hot-papers-2021-01-11.html").exists()
    assert run_step("Build", broken, venv).returncode != 0


def test_no_workflow_step_installs_the_unreleased_name():
    """``pip install pelican-hotpapers`` finds nothing until a release exists."""
    installs = [
        shlex.split(line)
        for command in workflow_steps().values()
        for line in command.splitlines()
        if "pip install" in line
    ]
    assert installs
    assert [words for words in installs if "pelican-hotpapers" in words] == []


def test_the_readme_gives_the_index_install_only_as_for_once_released():
    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    paragraphs = text.split("\n\n")
    before = [
        paragraphs[i - 1].lower()
        for i, paragraph in enumerate(paragraphs)
        if paragraph.strip() == "pip install pelican-hotpapers"
    ]
    assert before
    assert [text for text in before if "once it is released on pypi" not in text] == []


def test_the_test_extras_hold_the_build_requirements():
    """The offline build uses what this environment holds: the build
    requirements of pyproject.toml must be among the test extras."""
    import configparser
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    required = {
        Requirement(line).name for line in pyproject["build-system"]["requires"]
    }
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    extras = [
        line.strip()
        for line in setup["options.extras_require"]["test"].splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert required <= {Requirement(line).name for line in extras}
