"""Fail when a module of pelican_hotpapers has less than 93 % of its lines run.

The suite's own --cov run holds the whole package to 97 % (pyproject.toml);
this holds every module to 93 %, so that a well-tested package cannot hide
one module nobody tests. It reads the data that run left in ``.coverage``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

MINIMUM = 93.0


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "coverage.json"
        subprocess.run(
            [sys.executable, "-m", "coverage", "json", "-q", "--fail-under=0"]
            + ["-o", str(report)],
            check=True,
        )
        files = json.loads(report.read_text(encoding="utf-8"))["files"]
    low = {
        name: data["summary"]["percent_covered"]
        for name, data in sorted(files.items())
        if data["summary"]["percent_covered"] < MINIMUM
    }
    for name, percent in low.items():
        print(f"{name}: {percent:.1f} % of its lines run, under {MINIMUM:.0f} %")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
