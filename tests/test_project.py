"""The project's own promises: ruff-clean code, and CI running the README's command."""

from __future__ import annotations

import re
import subprocess
import sys

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


def test_readme_is_valid_restructuredtext():
    """PyPI shows README.rst as the project page; a warning there breaks it."""
    import docutils.core
    import docutils.utils

    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    docutils.core.publish_doctree(
        text,
        settings_overrides={"halt_level": docutils.utils.Reporter.WARNING_LEVEL,
                            "report_level": 5},
    )  # fmt: skip
