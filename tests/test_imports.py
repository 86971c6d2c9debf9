"""A build that fetches nothing imports none of the fetching libraries.

requests (with urllib3 and its helpers), BeautifulSoup (with soupsieve),
lxml, arxiv.py and filelock (for the fetch's lock) took about a seventh of
a second to import, which a build then spent on nothing: most builds read
stored days and never ask a service. The build runs in a fresh
interpreter, so that what this test process already imported does not
hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from .conftest import EXAMPLE_SITE

FETCHING_LIBRARIES = (
    "requests",
    "urllib3",
    "bs4",
    "soupsieve",
    "lxml",
    "arxiv",
    "filelock",
)

BUILD = textwrap.dedent(
    """
    import json, sys
    from pelican import Pelican
    from pelican.plugins import _utils
    from pelican.settings import read_settings

    # Pelican imports every installed namespace plugin (the test extras
    # hold pelican-seo, which imports bs4): leave them out, to see ours.
    _utils.get_namespace_plugins = lambda *args, **kwargs: {}

    content, output, cache, data = sys.argv[1:5]
    settings = read_settings(override={
        "PATH": content,
        "OUTPUT_PATH": output,
        "CACHE_PATH": cache,
        "THEME": "notmyidea",
        "SITEURL": "",
        "TIMEZONE": "UTC",
        "PLUGINS": ["pelican_hotpapers"],
        "HOTPAPERS_DATA_PATH": data,
        "HOTPAPERS_FETCH": "never",
        "HOTPAPERS_DIGESTS": ["week", "month"],
    })
    Pelican(settings).run()
    wanted = sys.argv[5:]
    print(json.dumps(sorted(name for name in wanted if name in sys.modules)))
    """
)


def test_a_build_that_fetches_nothing_imports_no_fetching_library(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    output = tmp_path / "output"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            BUILD,
            str(content),
            str(output),
            str(tmp_path / "cache"),
            str(EXAMPLE_SITE / "hotpapers"),
            *FETCHING_LIBRARIES,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    # The build made its articles, paper pages and JSON files...
    assert list(output.glob("hot-papers-20??-??-??.html"))
    assert list(output.glob("hotpapers/*.json"))
    # ...without importing any of them.
    assert json.loads(done.stdout.splitlines()[-1]) == []
