"""The package's layers (docs/architecture.rst): the data at the bottom, no cycle.

CI holds them with import-linter's contracts in pyproject.toml; these tests
hold the same promises inside the suite, and show that the contracts fail
on the imports they exist to refuse. An import inside a function counts: it
runs as surely as one at the top, only later. An import under
``if TYPE_CHECKING:`` never runs, and does not count.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from .conftest import ROOT

PACKAGE = ROOT / "pelican_hotpapers"

#: The plain data and the small modules everything may use: none of them
#: imports anything of the package, so any module can import them.
GROUND = ("models", "arxiv_ids", "options", "_version")


@pytest.mark.parametrize("name", GROUND)
def test_the_ground_layer_imports_nothing_of_the_package(name: str):
    tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
    ours = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # A relative import (level > 0) is one of ours whatever it names.
            names = ["." * node.level + (node.module or "")]
            if node.level:
                ours.append((node.lineno, names[0]))
                continue
        else:
            continue
        ours += [
            (node.lineno, module)
            for module in names
            if module == "pelican_hotpapers" or module.startswith("pelican_hotpapers.")
        ]
    assert ours == []


def test_no_import_cycle_in_the_package():
    # grimp reads every import, those inside functions too; an import
    # a -> b closes a cycle exactly when b reaches a back.
    graph = grimp.build_graph(
        "pelican_hotpapers", exclude_type_checking_imports=True, cache_dir=None
    )
    cycles = [
        (importer, *graph.find_shortest_chain(importer=imported, imported=importer))
        for importer in sorted(graph.modules)
        for imported in sorted(graph.find_modules_directly_imported_by(importer))
        if graph.chain_exists(importer=imported, imported=importer)
    ]
    assert cycles == []


def _lint_copy(tmp_path: Path, edit: tuple[str, str, str] | None) -> tuple[int, str]:
    """lint-imports on a copy of the package, with one file's text edited."""
    shutil.copytree(
        PACKAGE, tmp_path / "pelican_hotpapers", ignore=shutil.ignore_patterns("*.pyc")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    if edit is not None:
        path, old, new = edit
        target = tmp_path / "pelican_hotpapers" / path
        text = target.read_text(encoding="utf-8")
        assert old in text
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        # lint-imports puts its working folder first on sys.path: it reads
        # the copy, not the installed package.
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "400", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


LAZY_RANKING = (
    "\n\ndef _explain(counted: CountedPost) -> str:\n"
    "    import pelican_hotpapers.ranking\n\n"
    "    return pelican_hotpapers.ranking.reason_text(counted)\n"
)


@pytest.mark.parametrize(
    ("edit", "broken"),
    [
        pytest.param(
            ("models.py", "\n# --- Text from outside", LAZY_RANKING + "\n# --- Text"),
            "pelican_hotpapers.models is not allowed to import "
            "pelican_hotpapers.ranking",
            id="the data imports ranking, inside a function",
        ),
        pytest.param(
            (
                "sources/session.py",
                "from pelican_hotpapers._version import __version__",
                "from pelican_hotpapers import __version__",
            ),
            "pelican_hotpapers.sources.session is not allowed to import "
            "pelican_hotpapers:",
            id="a module imports the package's __init__",
        ),
        pytest.param(
            (
                "sources/policy.py",
                "__all__ = [",
                "def _base() -> Any:\n"
                "    from pelican_hotpapers.sources import base\n\n"
                "    return base\n\n\n__all__ = [",
            ),
            "pelican_hotpapers.sources.policy is not allowed to import "
            "pelican_hotpapers.sources.base",
            id="the policy imports the paging loop",
        ),
    ],
)
def test_the_contracts_fail_on_an_import_that_runs_upward(tmp_path, edit, broken):
    returncode, output = _lint_copy(tmp_path, edit)
    assert returncode == 1, output
    assert broken in output, output


def test_the_contracts_hold_the_package_and_leave_type_checking_imports_out(
    tmp_path,
):
    returncode, output = _lint_copy(tmp_path, None)
    assert returncode == 0, output
    assert "3 kept, 0 broken" in output, output
    # An annotation's import never runs: it closes no cycle.
    edit = (
        "models.py",
        "from typing import Annotated, Any, Literal\n\nimport msgspec\n",
        "from typing import TYPE_CHECKING, Annotated, Any, Literal\n\n"
        "import msgspec\n\n"
        "if TYPE_CHECKING:\n    import pelican_hotpapers.ranking\n",
    )
    returncode, output = _lint_copy(tmp_path / "typing", edit)
    assert returncode == 0, output


def test_the_architecture_page_shows_the_layers_as_the_contracts_state_them():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    page = (ROOT / "docs" / "architecture.rst").read_text(encoding="utf-8")
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = [c for c in contracts if c["type"] == "layers"]
    assert len(layered) == 2
    for contract in layered:
        block = "".join(f"    {layer}\n" for layer in contract["layers"])
        assert f"::\n\n{block}\n" in page, contract["name"]
