"""Day → HTML, through Jinja templates that a theme can override.

Our templates live in ``templates/hotpapers/``. The environment built here
looks in the theme's loader first, so a theme's own ``hotpapers/day.html``
wins, and it can still extend ours as ``!hotpapers/hotpapers/day.html``.

Autoescape is always on here, whatever the site's JINJA_ENVIRONMENT says:
every title, name and post we show was written by a stranger. The markup we
build in Python (links inside a post's text, and markup.py's copy of our own
templates) is assembled from escaped parts.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    Template,
    TemplateNotFound,
    select_autoescape,
)
from markupsafe import Markup

from pelican_hotpapers import charts
from pelican_hotpapers.arxiv_ids import CATEGORY_RE
from pelican_hotpapers.markup import DefaultMarkup, escape_text
from pelican_hotpapers.models import Paper, Post, RankedDay
from pelican_hotpapers.settings import HotpapersSettings
from pelican_hotpapers.sources import source_label
from pelican_hotpapers.timeline import Digest, Listing, Points, Trend

#: The folder that holds ``hotpapers/day.html`` and its partials.
TEMPLATES_PATH = Path(__file__).parent / "templates"
#: The prefix under which a theme reaches our templates while overriding them.
TEMPLATE_PREFIX = "!hotpapers"
DAY_TEMPLATE = "hotpapers/day.html"
SUMMARY_TEMPLATE = "hotpapers/summary.html"
POST_TEMPLATE = "hotpapers/post.html"
POST_GENERIC_TEMPLATE = "hotpapers/post-generic.html"
DIGEST_TEMPLATE = "hotpapers/digest.html"
DIGEST_SUMMARY_TEMPLATE = "hotpapers/digest-summary.html"
PAPER_HISTORY_TEMPLATE = "hotpapers/paper-history.html"
CSS_TEMPLATE = "hotpapers/hotpapers.css"
#: The templates that make up each page (beside the post templates of its
#: sources, and hotpapers.css when it is inline): while a theme overrides
#: none of them, the page is written by markup.py (see there).
DAY_PAGE = (
    DAY_TEMPLATE,
    "hotpapers/stylesheet.html",
    "hotpapers/paper.html",
    "hotpapers/trend.html",
    "hotpapers/categories.html",
    POST_TEMPLATE,
)
DIGEST_PAGE = (DIGEST_TEMPLATE, *DAY_PAGE[1:])
PAPER_HISTORY_PAGE = (
    PAPER_HISTORY_TEMPLATE,
    "hotpapers/categories.html",
    POST_TEMPLATE,
)
#: The page around it, in the theme: extends the theme's base.html.
PAPER_PAGE_TEMPLATE = "hotpapers/paper-page.html"
#: The chart templates, by size: a sparkline beside a paper, a full chart.
CHART_TEMPLATES = {
    "sparkline": "hotpapers/chart-sparkline.html",
    "full": "hotpapers/chart.html",
}
CHART_SIZES = {"sparkline": (84, 20), "full": (600, 150)}
#: Our chart templates' markup, written in Python (see charts.py).
CHART_MARKUP = {"sparkline": charts.sparkline_svg, "full": charts.full_svg}

EMBED_SCRIPT_URL = "https://platform.twitter.com/widgets.js"
#: The platforms' own scripts that enhance the static embeds, loaded only
#: with HOTPAPERS_EMBED_SCRIPT = True.
EMBED_SCRIPTS = {
    "x": EMBED_SCRIPT_URL,
    "bluesky": "https://embed.bsky.app/static/embed.js",
}
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_LINK_SCHEMES = frozenset({"http", "https"})
# URLs, @mentions and #hashtags in a post's text: "http" in any case (and
# U+017F, which Python's case-insensitive "s" matches too), an @ or a # not
# after a letter, digit, "/" (nor "@", "#", "&"). Each alternative starts
# with one plain character (h, H, @ or #) and looks behind only once there,
# so the regular expression engine skips quickly over the rest of the text:
# a group or a character class first would make it try every alternative at
# every character. A URL is the whole match, in no group (lastgroup None).
_URL_TAIL = r"[tT][tT][pP][sS\u017f]?://[^\s<>\"'\u0000-\u001f\u007f]+"
_TOKEN_RE = re.compile(
    rf"h{_URL_TAIL}|H{_URL_TAIL}"
    r"|@(?<![\w@/]@)(?P<mention>[A-Za-z0-9_][A-Za-z0-9_.-]{0,252})"
    r"|#(?<![\w#&/]#)(?P<tag>\w{1,100})"
)
_URL_START = re.compile(r"(?i:https?)://")
# An http(s) URL without spaces, controls or a second scheme: safe as it is.
_PLAIN_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]*\Z")
# Where a mention or a hashtag leads, per source.
_MENTION_URLS = {"x": "https://x.com/", "bluesky": "https://bsky.app/profile/"}
_TAG_URLS = {"x": "https://x.com/hashtag/", "bluesky": "https://bsky.app/hashtag/"}
_X_HANDLE = re.compile(r"\w+", re.ASCII)
_TRAILING = ".,;:!?)]}'\""
#: The most characters of a title that a summary shows (index pages, feeds).
SUMMARY_TITLE_LIMIT = 120


def safe_url(url: Any, schemes: frozenset[str] = _SAFE_SCHEMES) -> str:
    """The URL if its scheme is harmless, else an empty string.

    Autoescape stops markup, but not ``javascript:`` inside an ``href``; this
    does. Browsers ignore tabs and newlines inside a scheme, so they are
    stripped before looking.
    """
    if not isinstance(url, str):
        return ""
    if url.startswith(("https://", "http://")) and _PLAIN_URL.match(url):
        return url  # the common case, decided without parsing
    cleaned = re.sub(r"[\u0000-\u0020\u007f]+", "", url)
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return ""
    if scheme not in schemes or cleaned != url.strip():
        return ""
    return url.strip()


def link_url(url: Any) -> str:
    """Like :func:`safe_url`, for links taken from posts: http and https only."""
    return safe_url(url, _LINK_SCHEMES)


def category_url(category: Any) -> str:
    """arXiv's listing page for a category, or an empty string if it is not one."""
    return _category_url(category) if isinstance(category, str) else ""


def shorten(text: str, limit: int = SUMMARY_TITLE_LIMIT) -> str:
    """Text cut to at most ``limit`` characters, ending in "…" when cut.

    A summary is repeated on every index page and in every feed, so a title
    of a megabyte would make each of them a megabyte. The cut falls after a
    word when one ends in the last third, else inside the long word. Used
    before escaping, it never cuts an HTML entity in two.
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " ":  # else the cut already ends a word
        space = cut.rfind(" ")
        if space >= limit * 2 // 3:
            cut = cut[:space]
    return cut.rstrip() + "…"


def _anchor(href: str, text: str) -> str:
    # Plain concatenation of escaped parts: Markup.format is several times
    # slower, and this runs for every link of every post.
    return (
        f'<a href="{escape_text(href)}" rel="nofollow noopener">{escape_text(text)}</a>'
    )


@lru_cache(maxsize=4096)
def _category_url(category: str) -> str:
    if CATEGORY_RE.match(category):
        return f"https://arxiv.org/list/{category}/recent"
    return ""


@lru_cache(maxsize=64)
def _token_re(literals: tuple[str, ...]) -> re.Pattern[str]:
    # Links whose text is not a URL (Bluesky's shortened "arxiv.org/abs/…"),
    # longest first, then the general tokens. X's t.co links are URLs, which
    # the general pattern finds: most posts need no pattern of their own.
    # Like a URL, a literal is the whole match, in no group.
    alternatives = "|".join(re.escape(literal) for literal in literals)
    return re.compile(f"{alternatives}|{_TOKEN_RE.pattern}")


def post_text(post: Post) -> Markup:
    """A post's text as HTML: escaped, with its links, mentions and hashtags linked.

    Only what the service marked as a link becomes one: the post's stored
    links (X's URL entities, Bluesky's link facets), found by the text they
    cover and shown as the address they stand for. Other text that looks
    like an address stays text: the service did not take it for a link (X
    wraps every link it sees in t.co and screens it), so nothing vouches for
    it, and a page should not make a stranger's text into a link the
    service itself did not make. Only http and https become links; anything
    else is shown as text.
    """
    links = {link.url: link for link in post.links if link.url}
    pattern = _TOKEN_RE
    if links:
        literals = [url for url in links if not _URL_START.match(url)]
        if literals:
            pattern = _token_re(tuple(sorted(literals, key=len, reverse=True)))
    mention_url = _MENTION_URLS.get(post.source)
    tag_url = _TAG_URLS.get(post.source)
    out: list[str] = []
    pos = 0
    text = post.text
    for match in pattern.finditer(text):
        kind = match.lastgroup
        start, end = match.span()
        if kind is None:  # a URL, or the text of a link
            token = match.group()
            link = links.get(token)
            if link is None:
                stripped = token.rstrip(_TRAILING)
                if stripped == token:
                    continue  # an address no service marked: left as text
                # Punctuation after an address is the sentence's, unless the
                # service's link covers it: "(see https://example.org/a_(b)).".
                token = max(
                    (
                        u
                        for u in links
                        if len(u) > len(stripped) and token.startswith(u)
                    ),
                    key=len,
                    default=stripped,
                )
                link = links.get(token)
                if link is None:
                    continue
            end = start + len(token)
            href = link_url(link.expanded_url)
            shown = link.display_url or link.expanded_url or token
            # A link we will not make is still shown, as text.
            piece = _anchor(href, shown) if href else escape_text(shown)
        elif kind == "mention" and mention_url:
            handle = match.group("mention").rstrip(".-")
            if post.source == "x":  # X handles hold letters, digits and _ only
                handle = _X_HANDLE.match(handle).group()  # type: ignore[union-attr]
            end = start + 1 + len(handle)
            # A handle and a hashtag hold no character that HTML escapes.
            piece = (
                f'<a href="{mention_url}{handle}" rel="nofollow noopener">@{handle}</a>'
            )
        elif kind == "tag" and tag_url:
            tag = match.group("tag")
            piece = f'<a href="{tag_url}{tag}" rel="nofollow noopener">#{tag}</a>'
        else:
            continue
        out.append(escape_text(text[pos:start]))
        out.append(piece)
        pos = end
    if out:
        out.append(escape_text(text[pos:]))
        html = "".join(out)
    else:
        html = escape_text(text)
    if "\r" in html:
        html = html.replace("\r\n", "\n").replace("\r", "\n")
    # Every piece above is escaped text or an anchor built from escaped parts.
    return Markup(html.replace("\n", "<br>\n"))


@dataclass(frozen=True, slots=True)
class Marks:
    """What a list shows beside each paper from other days.

    ``trends`` are the papers' trend marks on a day's list; ``pages`` the
    links to the papers that have a page. Both are plain data, and
    :meth:`key` spells them out for the render memo.
    """

    trends: Mapping[str, Trend] = field(default_factory=dict)
    pages: Mapping[str, str] = field(default_factory=dict)

    def key(self) -> str:
        """Everything the marks show, as text: the render memo's key of a page.

        Made from the numbers themselves, which is several times quicker
        than the ``repr`` of every day of every sparkline.
        """
        parts = []
        for arxiv_id, trend in self.trends.items():
            points = trend.points
            first = points[0][0].isoformat() if points else ""
            scores = ",".join("" if v is None else repr(v) for _, v in points)
            parts.append(f"{arxiv_id} {trend.day_on_list} {first} {scores}")
        parts.append("")
        parts.extend(f"{arxiv_id} {link}" for arxiv_id, link in self.pages.items())
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class DayLink:
    """A day the paper was listed, with the link to that day's article."""

    listing: Listing
    url: str


@dataclass(frozen=True, slots=True)
class DigestLink:
    """A digest the paper was in, its rank there, and the link to it."""

    digest: Digest
    rank: int
    url: str


@dataclass(frozen=True, slots=True)
class PaperHistory:
    """Everything a paper page shows, with its links already made."""

    paper: Paper
    days: tuple[DayLink, ...]
    digests: tuple[DigestLink, ...]
    points: Points
    posts: tuple[Post, ...]

    @property
    def best_rank(self) -> int:
        return min(link.listing.rank for link in self.days)


class Renderer:
    """Renders days with one compiled set of templates.

    Build one per site build: Jinja compiles each template once and the
    compiled form is reused for every day. While none of the templates that
    make up a page is the theme's, the page is written by
    :class:`~pelican_hotpapers.markup.DefaultMarkup` instead: the same bytes,
    at a third of the cost.
    """

    def __init__(
        self,
        settings: HotpapersSettings,
        theme_loader: BaseLoader | None = None,
        *,
        filters: Mapping[str, Any] | None = None,
        globals: Mapping[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.env = make_environment(theme_loader, filters=filters, globals=globals)
        self.env.filters["post_text"] = post_text
        self.env.filters["safe_url"] = safe_url
        self.env.filters["link_url"] = link_url
        self.env.filters["category_url"] = category_url
        self.env.filters["long_date"] = self.long_date
        self.env.filters["source_label"] = source_label
        self.env.filters["shorten"] = shorten
        self.env.globals["post_template"] = self.post_template
        self.env.globals["chart"] = self.chart
        self.env.filters["score"] = charts.number
        self._tz = ZoneInfo(settings.timezone)
        self._post_templates: dict[str, Template] = {}
        self._markup: DefaultMarkup | None = None
        # Whether each page's templates are all ours.
        self._ours: dict[tuple[str, ...], bool] = {}
        self._chart_drawers: dict[str, Callable[[Points, str], Markup]] = {}
        # The posts of a day were written on a few dates.
        self._long_dates: dict[dt.date, str] = {}
        # A day shows its one time of counting many times over.
        self.format_time = lru_cache(maxsize=256)(self.format_time)  # type: ignore[method-assign]
        self.env.filters["counts_time"] = self.format_time

    def format_time(self, value: dt.datetime, fmt: str | None = None) -> str:
        """A time in the site's timezone, in HOTPAPERS_TIME_FORMAT."""
        return value.astimezone(self._tz).strftime(fmt or self.settings.time_format)

    def long_date(self, value: dt.datetime) -> str:
        """A date as X writes it under an embed: "January 11, 2021"."""
        date = value.astimezone(self._tz).date()
        text = self._long_dates.get(date)
        if text is None:
            # The month's name is in the build's locale, as Pelican set it
            # for this site (i18n_subsites builds others in one process).
            text = self._long_dates[date] = f"{date:%B} {date.day}, {date.year}"
        return text

    def post_template(self, source: str) -> Template:
        """The template that shows a post of ``source``, looked up once.

        A theme's own ``hotpapers/post.html`` lays out every post; otherwise
        ``post-SOURCE.html``, or ``post-generic.html``. Resolving it here
        saves a template lookup per post.
        """
        template = self._post_templates.get(source)
        if template is None:
            post = self.env.get_template(POST_TEMPLATE)
            if Path(post.filename or "") != TEMPLATES_PATH / POST_TEMPLATE:
                template = post
            else:
                template = self.env.select_template(
                    [f"hotpapers/post-{source}.html", POST_GENERIC_TEMPLATE]
                )
            self._post_templates[source] = template
        return template

    def chart(self, points: Points, title: str, size: str = "sparkline") -> Markup:
        """An inline SVG chart of daily scores, through its template."""
        draw = self._chart_drawers.get(size)
        if draw is None:
            draw = self._chart_drawers[size] = self._chart_drawer(size)
        return draw(points, title)

    def _chart_drawer(self, size: str) -> Callable[[Points, str], Markup]:
        """The package's markup in Python, unless the site overrides the template.

        See charts.py: the same bytes as our template, without a template
        call per chart.
        """
        width, height = CHART_SIZES[size]
        name = CHART_TEMPLATES[size]
        if self._is_ours(name):
            if size == "sparkline":
                return functools.partial(charts.sparkline, width=width, height=height)
            write = CHART_MARKUP[size]
        else:
            template = self.env.get_template(name)

            def write(chart: charts.Chart) -> Markup:
                # The template's output is autoescaped: safe to embed as it is.
                context = {"chart": chart, "hotpapers": self.settings}
                return Markup(template.render(context).strip())

        def draw(points: Points, title: str) -> Markup:
            chart = charts.line_chart(points, title, width=width, height=height)
            return write(chart) if chart is not None else Markup("")

        return draw

    def _context(self, ranked: RankedDay, marks: Marks | None = None) -> dict[str, Any]:
        return {
            "day": ranked,
            "hotpapers": self.settings,
            "embed_scripts": EMBED_SCRIPTS,
            "marks": marks or Marks(),
        }

    def _is_ours(self, name: str) -> bool:
        """Whether the loader finds ``name`` in the package, not in the theme.

        Asks the loader where the file is, without compiling it: our own
        templates need no compiling while markup.py writes their pages. A
        template that cannot be found or read counts as the theme's, so that
        rendering through the templates reports it as it always has.
        """
        return self._found_at(name) == TEMPLATES_PATH / name

    def _found_at(self, name: str) -> Path | None:
        try:
            _, filename, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        except (TemplateNotFound, OSError, UnicodeError):
            return None
        return Path(filename or "")

    def _markup_for(self, page: tuple[str, ...]) -> DefaultMarkup | None:
        """The markup written in Python, while the templates of ``page`` are ours."""
        ours = self._ours.get(page)
        if ours is None:
            names = (*page, CSS_TEMPLATE) if self.settings.inline_css else page
            ours = self._ours[page] = all(map(self._is_ours, names))
        if not ours:
            return None
        if self._markup is None:
            inline = self.settings.inline_css
            css = self.env.get_template(CSS_TEMPLATE).render() if inline else ""
            self._markup = DefaultMarkup(
                self.settings, self.env.filters, self.chart, EMBED_SCRIPTS, css
            )
        return self._markup

    def _writes_posts(self, markup: DefaultMarkup, posts: Iterable[Post]) -> bool:
        """Whether each post's template is one of ours, as :meth:`post_template`
        would choose it (``post.html`` itself is among every page's templates).

        Learns each source once: its writer goes in ``markup.post_writers``.
        """
        writers = markup.post_writers
        for post in posts:
            source = post.source
            if source in writers:
                continue
            for name in (f"hotpapers/post-{source}.html", POST_GENERIC_TEMPLATE):
                found = self._found_at(name)
                if found is not None:
                    break
            writer = markup.post_templates.get(name)
            if writer is None or found != TEMPLATES_PATH / name:
                return False
            writers[source] = writer
        return True

    def _list_markup(
        self, page: tuple[str, ...], ranked: RankedDay
    ) -> DefaultMarkup | None:
        markup = self._markup_for(page)
        if markup is None:
            return None
        posts = (post for entry in ranked.entries for post in entry.posts)
        return markup if self._writes_posts(markup, posts) else None

    def render_day(self, ranked: RankedDay, marks: Marks | None = None) -> str:
        """The body of a day's article; ``marks`` come from the other days."""
        markup = self._list_markup(DAY_PAGE, ranked)
        if markup is not None:
            return markup.day(ranked, marks or Marks())
        template = self.env.get_template(DAY_TEMPLATE)
        return template.render(self._context(ranked, marks))

    def render_digest(self, digest: Digest, marks: Marks | None = None) -> str:
        """The body of a week's or a month's article."""
        markup = self._list_markup(DIGEST_PAGE, digest.ranked)
        if markup is not None:
            return markup.digest(digest, marks or Marks())
        template = self.env.get_template(DIGEST_TEMPLATE)
        return template.render(
            self._context(digest.ranked, marks), digest=digest, period=digest.period
        )

    def render_digest_summary(self, digest: Digest) -> str:
        markup = self._markup_for((DIGEST_SUMMARY_TEMPLATE,))
        if markup is not None:
            return markup.digest_summary(digest)
        template = self.env.get_template(DIGEST_SUMMARY_TEMPLATE)
        context = self._context(digest.ranked)
        return template.render(context, digest=digest, period=digest.period).strip()

    def render_paper_page(self, history: PaperHistory) -> str:
        """The body of a paper's page: its days, digests, chart and best posts."""
        markup = self._markup_for(PAPER_HISTORY_PAGE)
        if markup is not None and self._writes_posts(markup, history.posts):
            return markup.paper_history(history)
        template = self.env.get_template(PAPER_HISTORY_TEMPLATE)
        return template.render(
            paper=history.paper, history=history, hotpapers=self.settings
        )

    def render_summary(self, ranked: RankedDay) -> str:
        """A short HTML summary naming the top papers, for indexes and feeds."""
        markup = self._markup_for((SUMMARY_TEMPLATE,))
        if markup is not None:
            return markup.summary(ranked)
        template = self.env.get_template(SUMMARY_TEMPLATE)
        return template.render(self._context(ranked)).strip()


def make_environment(
    theme_loader: BaseLoader | None = None,
    *,
    filters: Mapping[str, Any] | None = None,
    globals: Mapping[str, Any] | None = None,
) -> Environment:
    """A Jinja environment that finds the theme's templates before ours."""
    ours = FileSystemLoader(str(TEMPLATES_PATH))
    loaders: list[BaseLoader] = [theme_loader] if theme_loader is not None else []
    loaders += [ours, PrefixLoader({TEMPLATE_PREFIX: ours})]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=["jinja2.ext.do"],
    )
    if filters:
        for name, value in filters.items():
            env.filters.setdefault(name, value)
    if globals:
        for name, value in globals.items():
            env.globals.setdefault(name, value)
    return env
