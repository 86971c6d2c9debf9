"""Settings of the example site: an ordinary Pelican site with pelican-hotpapers.

Build it offline with the command in README.rst. The days it shows are stored
in hotpapers/ beside this file.
"""

AUTHOR = "Example Lab"
SITENAME = "Example Lab Blog"
SITEURL = "https://lab.example.org"

PATH = "content"
OUTPUT_PATH = "output"
# Named here, CACHE_PATH is read beside this file: example_site/cache/, wherever
# the site is built from. Left to Pelican's default, it would be cache/ in the
# folder Pelican runs in (the checkout's root, for the README's quick start),
# and the plugin writes a small file per digest there.
CACHE_PATH = "cache"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"

PLUGINS = ["pelican_hotpapers"]

# pelican-hotpapers: the stored days live in hotpapers/ beside this file
# (HOTPAPERS_DATA_PATH = "hotpapers" is the default).
HOTPAPERS_TAGS = ["arXiv", "Machine Learning"]
# The example builds from its stored days only, even where an X token is set.
# A real site keeps the default, "auto", to fetch new days during the build.
HOTPAPERS_FETCH = "never"
# A digest a week and a month, beside the days; paper pages, trend marks and
# the JSON files are on by default.
HOTPAPERS_DIGESTS = ["week", "month"]

FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

LINKS = (
    ("arXiv", "https://arxiv.org/"),
    ("Pelican", "https://getpelican.com/"),
)

DEFAULT_PAGINATION = 5
RELATIVE_URLS = True
