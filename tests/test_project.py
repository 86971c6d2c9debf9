"""The project's own promises: ruff-clean code, CI running the README's command,
and documents that render."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from .conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    return re.findall(r"^    (python3 -m venv .*)$", text, flags=re.M)


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2
    build, test = commands
    assert "pelican -s example_site/pelicanconf.py" in build
    assert "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci
    # Under CI=true a missing browser fails the browser tests (test_browser.py),
    # and .ci/run installs it first.
    assert ci.index("export CI=true") < ci.index(test)
    installs = [line for line in ci if "apt-get install -y chromium" in line]
    assert installs and ci.index(installs[0]) < ci.index(test)


def test_ruff_is_clean():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "pelican_hotpapers",
            "tests",
            "example_site",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_is_documented_with_its_default():
    from pelican_hotpapers.settings import DEFAULTS

    table = (ROOT / "docs" / "settings.rst").read_text(encoding="utf-8")
    rows = dict(
        re.findall(r"^   \* - ``(HOTPAPERS_\w+)``\n     - (.+)$", table, flags=re.M)
    )
    assert set(rows) == set(DEFAULTS)
    for name, default in DEFAULTS.items():
        assert rows[name] == f"``{default!r}``".replace("'", '"') or rows[name] == (
            f"``{default!r}``"
        ), name


DOCUMENTS = sorted(
    [ROOT / "README.rst", *(ROOT / "docs").glob("*.rst")],
    key=lambda path: path.relative_to(ROOT).as_posix(),
)


PAGES = [
    "index",
    "settings",
    "sources",
    "ranking",
    "across-days",
    "theming",
    "data-format",
    "running-daily",
    "other-plugins",
    "performance",
    "adding-a-source",
]


# docs/index.rst links the contributors' page, which is written on its own branch.
def doctree(path):
    import docutils.core
    import docutils.utils

    return docutils.core.publish_doctree(
        path.read_text(encoding="utf-8"),
        source_path=str(path),
        settings_overrides={"halt_level": docutils.utils.Reporter.WARNING_LEVEL,
                            "report_level": 5},
    )  # fmt: skip


def test_the_docs_pages_are_there():
    names = {path.relative_to(ROOT).as_posix() for path in DOCUMENTS}
    assert {"README.rst", *(f"docs/{page}.rst" for page in PAGES)} <= names


@pytest.mark.parametrize(
    "path", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_document_is_valid_restructuredtext(path):
    """PyPI shows README.rst as the project page, and GitHub renders the pages
    under docs/: a warning there (a broken table, a link to no target) breaks
    them."""
    doctree(path)


@pytest.mark.parametrize(
    "path", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_document_links_files_and_sections_that_exist(path):
    """A link between pages (``settings.rst``, ``data-format.rst#day-files``)
    or to an image names a file of the checkout and, after ``#``, a section
    of that page: docutils checks links inside one page only."""
    from docutils import nodes

    tree = doctree(path)
    references = tree.findall(nodes.reference)
    links = [node["refuri"] for node in references if "refuri" in node]
    links += [node["uri"] for node in tree.findall(nodes.image)]
    broken = []
    for link in links:
        if "://" in link or link.startswith(("mailto:", "#")):
            continue
        name, _, anchor = link.partition("#")
        target = (path.parent / name).resolve()
        if not target.is_file():
            broken.append(link)
        elif anchor:
            ids = {id_ for node in doctree(target).findall(nodes.Element)
                   for id_ in node["ids"]}  # fmt: skip
            if anchor not in ids:
                broken.append(link)
    assert broken == []


def test_readme_stays_short():
    """The README is what a newcomer reads; the reference lives under docs/."""
    lines = (ROOT / "README.rst").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 350


def test_the_oldest_pelican_is_the_one_ci_tests_and_the_readme_names():
    """setup.cfg allows Pelican from a release on, .ci/run builds and tests
    under that release in a second venv, and the README tells users so."""
    import configparser

    from packaging.requirements import Requirement
    from packaging.version import Version

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    requirements = [
        Requirement(line)
        for line in config["options"]["install_requires"].splitlines()
        if line.strip()
    ]
    (pelican,) = (r for r in requirements if r.name == "pelican")
    (floor,) = (spec.version for spec in pelican.specifier if spec.operator == ">=")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (tested,) = re.findall(r"^OLDEST_PELICAN=(\S+)$", ci, flags=re.M)
    assert Version(tested).release[:2] == Version(floor).release[:2]
    assert pelican.specifier.contains(tested)
    assert '"pelican==$OLDEST_PELICAN"' in ci
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    assert f"Pelican {floor} or newer" in readme
