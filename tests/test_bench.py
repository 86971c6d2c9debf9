"""The build benchmark still runs, and both of its sites agree.

``benchmarks/bench_build.py`` is run by hand (its figures depend on the
machine), so nothing else would notice when a change to the plugin or to
the day format breaks it. This runs its quick form and checks only that it
finishes and that the plugin site and the Markdown site each produced one
article per day. It asserts no time: timing belongs to the benchmark's
report, not to a test that must pass on any machine.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.build

DAYS = 20


def test_quick_benchmark_runs_and_both_sites_build_every_day(tmp_path):
    result_path = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_build.py"),
            "--days",
            str(DAYS),
            "--runs",
            "1",
            "--json",
            str(result_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    report = json.loads(result_path.read_text(encoding="utf-8"))
    builds = report["builds"]
    # The floor is the plugin site again with its render memo warm.
    # The themed site copies the package's templates in as the theme's.
    assert sorted(b["kind"] for b in builds) == [
        "floor",
        "markdown",
        "plugin",
        "themed",
    ]
    assert all(b["articles"] == DAYS for b in builds), builds
    assert all(b["cpu_s"] > 0 for b in builds), builds
    summary = report["summary"]
    assert summary["floor_ratio_cpu"] > 0 and summary["ratio_cpu"] > 0
    assert summary["themed_ratio_cpu"] > 0
    assert summary["instructions"] is None
    assert all(b["errors"] == 0 for b in builds), builds
    assert report["data"]["days"] == DAYS
    assert report["data"]["papers"] >= 6 * DAYS


def test_the_instruction_count_is_read_from_callgrinds_own_line():
    spec = importlib.util.spec_from_file_location(
        "bench_build", ROOT / "benchmarks" / "bench_build.py"
    )
    bench = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules["bench_build"] = bench
    try:
        spec.loader.exec_module(bench)
    finally:
        del sys.modules["bench_build"]
    log = (
        "hotpapers: added 20 Hot Papers article(s)\n"
        "==4242== Events    : Ir\n"
        "==4242== Collected : 9188123456\n"
        "==4242==\n"
        "==4242== I   refs:      9,188,123,456\n"
    )
    assert bench.collected(log) == 9188123456
    assert bench.collected("Collected : 12\n") is None
    assert bench.collected("") is None
