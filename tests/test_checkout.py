"""The check that fails a run which wrote into the checkout (checkout.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .checkout import changes, checkout_state
from .conftest import ROOT

IGNORED = "__pycache__/\n.pytest_cache/\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with two committed files, one of them already edited."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text(IGNORED, encoding="utf-8")
    (repo / "kept.txt").write_text("kept\n", encoding="utf-8")
    (repo / "edited.txt").write_text("committed\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "start")
    (repo / "edited.txt").write_text("edited before the run\n", encoding="utf-8")
    return repo


def test_a_new_a_changed_and_a_deleted_file_are_each_one_line(repo):
    before = checkout_state(repo)
    assert before is not None
    assert list(before) == ["edited.txt"]
    (repo / "cache").mkdir()
    (repo / "cache" / "digest.json").write_text("{}", encoding="utf-8")
    (repo / "kept.txt").write_text("changed\n", encoding="utf-8")
    (repo / "edited.txt").write_text("edited again\n", encoding="utf-8")
    (repo / "__pycache__").mkdir()
    (repo / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    assert changes(before, checkout_state(repo)) == [
        "?? cache/digest.json",
        " M edited.txt (changed again)",
        " M kept.txt",
    ]
    (repo / "kept.txt").unlink()
    (repo / "edited.txt").write_text("committed\n", encoding="utf-8")
    assert changes(before, checkout_state(repo)) == [
        "?? cache/digest.json",
        "   edited.txt (back as committed)",
        " D kept.txt",
    ]


def test_an_untouched_checkout_has_no_change(repo):
    before = checkout_state(repo)
    (repo / "__pycache__").mkdir()
    (repo / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    assert changes(before, checkout_state(repo)) == []


def test_outside_a_repository_there_is_nothing_to_compare(tmp_path):
    assert checkout_state(tmp_path) is None


def run_pytest(repo: Path, test: str) -> subprocess.CompletedProcess[str]:
    """A pytest session in ``repo`` with the check as its plugin."""
    (repo / "test_inner.py").write_text(test, encoding="utf-8")
    git(repo, "add", "test_inner.py")
    git(repo, "commit", "-q", "-m", "a test")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.checkout", "-q", repo],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_session_whose_test_writes_into_the_checkout_fails(repo):
    done = run_pytest(
        repo,
        "from pathlib import Path\n"
        "def test_writes_beside_the_code():\n"
        "    Path(__file__).with_name('output').mkdir()\n"
        "    Path(__file__).with_name('output').joinpath('index.html').touch()\n",
    )
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout
    assert "1 passed" in done.stdout
    assert "the run changed the checkout" in done.stdout
    assert "  ?? output/index.html\n" in done.stdout
    assert "edited.txt" not in done.stdout


def test_a_session_that_writes_under_tmp_path_passes(repo):
    done = run_pytest(
        repo,
        "def test_writes_under_tmp_path(tmp_path):\n"
        "    (tmp_path / 'output').mkdir()\n",
    )
    assert done.returncode == pytest.ExitCode.OK, done.stdout + done.stderr
    assert "the run changed the checkout" not in done.stdout
