"""``python -m pelican_hotpapers``: the same as the ``pelican-hotpapers`` command."""

from pelican_hotpapers.cli import main

raise SystemExit(main())
