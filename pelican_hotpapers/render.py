"""Day → HTML, through Jinja templates that a theme can override.

Our templates live in ``templates/hotpapers/``. The environment built here
looks in the theme's loader first, so a theme's own ``hotpapers/day.html``
wins, and it can still extend ours as ``!hotpapers/hotpapers/day.html``.

Autoescape is always on here, whatever the site's JINJA_ENVIRONMENT says:
every title, name and post we show was written by a stranger. The one piece
of markup built in Python, a post's text with its links (:func:`post_text`),
is assembled from escaped parts; every other tag is in the templates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MethodType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import markupsafe
from jinja2 import (
    BaseLoader,
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PrefixLoader,
    Template,
    TemplateNotFound,
    nodes,
    select_autoescape,
)
from jinja2.runtime import Context, Macro
from markupsafe import Markup, escape

from pelican_hotpapers import charts
from pelican_hotpapers._version import __version__
from pelican_hotpapers.arxiv_ids import CATEGORY_RE
from pelican_hotpapers.models import Paper, Post, RankedDay
from pelican_hotpapers.settings import HotpapersSettings
from pelican_hotpapers.sources import source_label
from pelican_hotpapers.timeline import Digest, Listing, Points, Trend

logger = logging.getLogger(__name__)

#: The folder that holds ``hotpapers/day.html`` and its partials.
TEMPLATES_PATH = Path(__file__).parent / "templates"
#: The prefix under which a theme reaches our templates while overriding them.
TEMPLATE_PREFIX = "!hotpapers"
DAY_TEMPLATE = "hotpapers/day.html"
SUMMARY_TEMPLATE = "hotpapers/summary.html"
PAPER_TEMPLATE = "hotpapers/paper.html"
TREND_TEMPLATE = "hotpapers/trend.html"
CATEGORIES_TEMPLATE = "hotpapers/categories.html"
FLAGS_TEMPLATE = "hotpapers/flags.html"
POST_TEMPLATE = "hotpapers/post.html"
POST_GENERIC_TEMPLATE = "hotpapers/post-generic.html"
DIGEST_TEMPLATE = "hotpapers/digest.html"
DIGEST_SUMMARY_TEMPLATE = "hotpapers/digest-summary.html"
PAPER_HISTORY_TEMPLATE = "hotpapers/paper-history.html"
CSS_TEMPLATE = "hotpapers/hotpapers.css"
#: The page around it, in the theme: extends the theme's base.html.
PAPER_PAGE_TEMPLATE = "hotpapers/paper-page.html"
#: The chart templates, by size: a sparkline beside a paper, a full chart.
CHART_TEMPLATES = {
    "sparkline": "hotpapers/chart-sparkline.html",
    "full": "hotpapers/chart.html",
}
CHART_SIZES = {"sparkline": (84, 20), "full": (600, 150)}

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


def escape_text(text: str) -> str:
    """``markupsafe.escape(text)`` as a plain string, at a fraction of its cost.

    Most of a post's text holds nothing to escape: five ``in`` tests find
    that out several times quicker than ``escape`` builds its Markup object.
    """
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        return str(escape(text))
    return text


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


class _Included:
    """A partial written for ``{% include %}`` (a 0.1 override), called like
    the macro that took its place.

    It is rendered with the context it had as an include: the macro's
    arguments by name (those that are None left undefined, as they were),
    what ``extra`` makes of them, and the page's globals.
    """

    def __init__(
        self,
        template: Template,
        names: tuple[str, ...],
        extra: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.template = template
        self.names = names
        self.extra = extra

    def __call__(self, *args: Any) -> Markup:
        context = {
            name: value
            for name, value in zip(self.names, args, strict=False)
            if value is not None
        }
        if self.extra is not None:
            self.extra(context)
        # Autoescaped output: safe to embed as it is.
        return Markup(self.template.render(context))


_isoformat = operator.methodcaller("isoformat")


def _period_of_digest(context: dict[str, Any]) -> None:
    digest = context.get("digest")
    if digest is not None:
        context["period"] = digest.period


def _paper_of_entry(context: dict[str, Any]) -> None:
    context.setdefault("paper", context["entry"].paper)


#: Each partial: its template, its macro, the macro's arguments (the names
#: an include of 0.1 found in its context) and what else that context held.
PARTIALS: dict[str, tuple[str, str, tuple[str, ...], Any]] = {
    "paper": (PAPER_TEMPLATE, "show_paper", ("entry", "day", "marks", "digest"),
              _period_of_digest),
    "trend": (TREND_TEMPLATE, "show_trend", ("entry", "day", "marks", "digest"),
              _period_of_digest),
    "categories": (CATEGORIES_TEMPLATE, "show_categories", ("paper",), None),
    "flags": (FLAGS_TEMPLATE, "show_flags", ("flags",), None),
    "sparkline": (CHART_TEMPLATES["sparkline"], "draw_sparkline", ("chart",), None),
    "full_chart": (CHART_TEMPLATES["full"], "draw_chart", ("chart",), None),
}  # fmt: skip
_POST_ARGUMENTS = ("post", "entry", "day")


class Partials:
    """The pieces a page is made of, each found once per build.

    A page template calls ``partials.paper(entry, day, marks)``, a paper
    ``partials.post(post, entry, day)``, and so on: each is the macro of the
    template that the theme (or ours) gives that name, imported once, so a
    page costs a call per paper and per post, not a template include with a
    context of its own. A template that a theme wrote for ``{% include %}``
    (as in 0.1), without the macro, still works: it is rendered with the
    context it had, as before.
    """

    def __init__(self, env: Environment) -> None:
        self._env = env
        self._by_source: dict[str, Callable[..., Markup]] = {}
        self._source_templates: dict[str, Template] = {}
        self._post_html: Callable[..., Markup] | None = None
        self._theme_post: Template | None = None
        self._theme_post_known = False

    def __getattr__(self, name: str) -> Callable[..., Markup]:
        # Only the first use of a partial comes here: the callable found is
        # kept as an attribute, which later uses read directly.
        if name not in PARTIALS:
            raise AttributeError(name)
        template_name, macro, arguments, extra = PARTIALS[name]
        found = self._resolve(template_name, macro, arguments, extra)
        setattr(self, name, found)
        return found

    def _resolve(
        self,
        template_name: str,
        macro: str,
        arguments: tuple[str, ...],
        extra: Callable[[dict[str, Any]], None] | None = None,
    ) -> Callable[..., Markup]:
        template = self._env.get_template(template_name)
        if _defines_macro(self._env, template, macro):
            return getattr(template.module, macro)  # type: ignore[no-any-return]
        return _Included(template, arguments, extra)

    def theme_post_template(self) -> Template | None:
        """The theme's own ``post.html``, which lays out every post, if it has one."""
        if not self._theme_post_known:
            self._theme_post_known = True
            template = self._env.get_template(POST_TEMPLATE)
            if Path(template.filename or "") != TEMPLATES_PATH / POST_TEMPLATE:
                self._theme_post = template
        return self._theme_post

    def source_template(self, source: str) -> Template:
        """The template of a source's posts: ``post-SOURCE.html``, else
        ``post-generic.html``."""
        template = self._source_templates.get(source)
        if template is None:
            template = self._source_templates[source] = self._env.select_template(
                [f"hotpapers/post-{source}.html", POST_GENERIC_TEMPLATE]
            )
        return template

    def post_template(self, source: str) -> Template:
        """The template that shows a post of ``source``, for templates of 0.1
        that ``{% include post_template(post.source) %}``: the theme's
        ``post.html``, else the source's own."""
        return self.theme_post_template() or self.source_template(source)

    def post(self, post: Post, entry: Any = None, day: Any = None) -> Markup:
        """A post, as the theme's ``post.html`` shows every post, or as its
        source's template (``post-SOURCE.html``, else ``post-generic.html``)."""
        if self.theme_post_template() is None:
            return self.source_post(post, entry, day)
        if self._post_html is None:
            self._post_html = self._resolve(POST_TEMPLATE, "show_post", _POST_ARGUMENTS)
        return self._post_html(post, entry, day)

    def source_post(self, post: Post, entry: Any = None, day: Any = None) -> Markup:
        """A post as its source's own template shows it."""
        show = self._by_source.get(post.source)
        if show is None:
            template = self.source_template(post.source)
            show = self._by_source[post.source] = self._resolve(
                template.name or POST_GENERIC_TEMPLATE, "show_post", _POST_ARGUMENTS
            )
        return show(post, entry, day)


def _defines_macro(env: Environment, template: Template, name: str) -> bool:
    """Whether a template is written as macros (ours, and overrides of 0.2)
    rather than for ``{% include %}`` (overrides of 0.1).

    Read from its source, not by running it: an include-style partial run
    without its context would fail, or show a paper of nothing.
    """
    if template.filename is None:
        return hasattr(template.module, name)
    try:
        source, _, _ = env.loader.get_source(env, template.name or "")  # type: ignore[union-attr]
    except TemplateNotFound:
        return False
    tree = env.parse(source)
    if any(macro.name == name for macro in tree.find_all(nodes.Macro)):
        return True
    # An override that extends another template gets its macros from there.
    return any(True for _ in tree.find_all(nodes.Extends)) and hasattr(
        template.module, name
    )


class Renderer:
    """Renders days with one compiled set of templates.

    Build one per site build: Jinja compiles each template once, and the
    compiled form (and each partial's macro) is reused for every day.
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
        try:
            cache = bytecode_cache(settings.template_cache)
        except OSError as exc:  # an unwritable folder only costs compiling
            logger.warning(
                "hotpapers: HOTPAPERS_TEMPLATE_CACHE: %s; the templates are "
                "compiled afresh",
                exc,
            )
            cache = None
        self.env = make_environment(
            theme_loader, filters=filters, globals=globals, cache=cache
        )
        self.env.filters["post_text"] = post_text
        self.env.filters["safe_url"] = safe_url
        self.env.filters["link_url"] = link_url
        self.env.filters["category_url"] = category_url
        self.env.filters["long_date"] = self.long_date
        self.env.filters["source_label"] = source_label
        self.env.filters["shorten"] = shorten
        self.env.filters["score"] = charts.number
        # A method call in a template goes through Jinja's Context.call, a
        # filter does not: a page writes dozens of dates and times.
        self.env.filters["isoformat"] = _isoformat
        self._tz = ZoneInfo(settings.timezone)
        # A day shows its one time of counting many times over.
        self.format_time = lru_cache(maxsize=256)(self.format_time)  # type: ignore[method-assign]
        self.env.filters["counts_time"] = self.format_time
        self.partials = Partials(self.env)
        # Globals, which the partials' macros see as the pages do.
        self.env.globals["hotpapers"] = settings
        self.env.globals["embed_scripts"] = EMBED_SCRIPTS
        self.env.globals["partials"] = self.partials
        self.env.globals["chart"] = self.chart
        self.env.globals["post_template"] = self.partials.post_template
        # The posts of a day were written on a few dates.
        self._long_dates: dict[dt.date, str] = {}

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

    def chart(self, points: Points, title: str, size: str = "sparkline") -> Markup:
        """An inline SVG chart of daily scores, drawn by its template's macro."""
        width, height = CHART_SIZES[size]
        chart = charts.line_chart(points, title, width=width, height=height)
        if chart is None:
            return Markup("")
        draw = (
            self.partials.sparkline
            if size == "sparkline"
            else (self.partials.full_chart)
        )
        return Markup(draw(chart).strip())

    def _context(self, ranked: RankedDay, marks: Marks | None = None) -> dict[str, Any]:
        return {"day": ranked, "marks": marks or Marks()}

    def render_day(self, ranked: RankedDay, marks: Marks | None = None) -> str:
        """The body of a day's article; ``marks`` come from the other days."""
        template = self.env.get_template(DAY_TEMPLATE)
        return template.render(self._context(ranked, marks))

    def render_digest(self, digest: Digest, marks: Marks | None = None) -> str:
        """The body of a week's or a month's article."""
        template = self.env.get_template(DIGEST_TEMPLATE)
        return template.render(
            self._context(digest.ranked, marks), digest=digest, period=digest.period
        )

    def render_digest_summary(self, digest: Digest) -> str:
        template = self.env.get_template(DIGEST_SUMMARY_TEMPLATE)
        context = self._context(digest.ranked)
        return template.render(context, digest=digest, period=digest.period).strip()

    def render_paper_page(self, history: PaperHistory) -> str:
        """The body of a paper's page: its days, digests, chart and best posts."""
        template = self.env.get_template(PAPER_HISTORY_TEMPLATE)
        return template.render(paper=history.paper, history=history)

    def render_summary(self, ranked: RankedDay) -> str:
        """A short HTML summary naming the top papers, for indexes and feeds."""
        template = self.env.get_template(SUMMARY_TEMPLATE)
        return template.render(self._context(ranked)).strip()


#: How the environment compiles: part of the bytecode cache's file names,
#: as Jinja keys its cache by a template's name and source alone.
_ENVIRONMENT_OPTIONS: dict[str, Any] = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": ["jinja2.ext.do"],
}


def bytecode_cache(where: bool | str | Path | None) -> BytecodeCache | None:
    """Where the compiled templates are kept between builds (HOTPAPERS_TEMPLATE_CACHE).

    Compiling our templates takes about a tenth of a second, a build's
    worth of rendering a hundred days; Jinja's bytecode cache keeps the
    result, as Python keeps a module's bytecode, and compiles a template
    again whenever its source changes. True: Jinja's own folder for the
    user, in the system's temporary folder (made private to the user, and
    refused if another user made it); a folder: there; False: no cache.
    """
    if not where:
        return None
    options = hashlib.blake2b(
        f"{__version__} {_ENVIRONMENT_OPTIONS!r}".encode(), digest_size=6
    ).hexdigest()
    pattern = f"__pelican_hotpapers_{options}_%s.cache"
    if where is True:
        return FileSystemBytecodeCache(pattern=pattern)
    folder = Path(where)
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder), pattern=pattern)


# --- Jinja, for pages of thousands of small values ------------------------------
#
# A day's page writes some three hundred values, each escaped, and calls a
# partial's macro some forty times. Jinja's own ways of doing both are
# general (an escape makes a Markup object for every value; a call asks the
# callable whether it wants the context), and together they were a quarter
# of rendering. The two classes below, set through the Environment's
# documented ``template_class`` and ``context_class``, do the same work
# with less: the bytes written are the same, which tests/test_render.py
# holds to a stock Jinja environment's on hostile text.

_ESCAPE_INNER = markupsafe._escape_inner  # type: ignore[attr-defined]


def _escape_output(value: Any) -> str:
    """``markupsafe.escape`` for a value a template writes out, as a plain str.

    Jinja joins what a template writes into one string (and makes that
    Markup where it is kept, as a macro's result or a ``set`` block), so
    the Markup object that ``escape`` makes for each value is never used.
    """
    if type(value) is str:
        return _ESCAPE_INNER(value)  # type: ignore[no-any-return]
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()  # type: ignore[no-any-return]
    return _ESCAPE_INNER(str(value))  # type: ignore[no-any-return]


class _Template(Template):
    """A compiled template that writes its values with :func:`_escape_output`.

    The code Jinja compiles a template to escapes each value it writes with
    the module-level name ``escape`` (markupsafe's); that one name is bound
    to the lighter function. If a Jinja version compiled templates another
    way, the name would not be markupsafe's and nothing would change.
    """

    @classmethod
    def from_code(cls, environment: Environment, code: Any, globals: Any,
                  uptodate: Any = None) -> Template:  # fmt: skip
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__
        if namespace.get("escape") is escape:
            namespace["escape"] = _escape_output
        return template


class _Context(Context):
    """A template context that calls macros and methods without asking them
    what they want.

    Jinja's ``Context.call`` looks, for every call in a template, for a
    callable that takes the context or the environment. A macro always
    takes the evaluation context and nothing else, and a method whose
    function is not marked (``pass_context`` and the like) takes neither:
    that is what they get here, and every other callable goes the general
    way.
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is Macro:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            return __obj(__self.eval_ctx, *args, **kwargs)
        if kind is MethodType and not hasattr(__obj.__func__, "jinja_pass_arg"):
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


def make_environment(
    theme_loader: BaseLoader | None = None,
    *,
    filters: Mapping[str, Any] | None = None,
    globals: Mapping[str, Any] | None = None,
    cache: BytecodeCache | None = None,
) -> Environment:
    """A Jinja environment that finds the theme's templates before ours."""
    ours = FileSystemLoader(str(TEMPLATES_PATH))
    loaders: list[BaseLoader] = [theme_loader] if theme_loader is not None else []
    loaders += [ours, PrefixLoader({TEMPLATE_PREFIX: ours})]
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        auto_reload=False,
        bytecode_cache=cache,
        **_ENVIRONMENT_OPTIONS,
    )
    env.template_class = _Template
    env.context_class = _Context
    if filters:
        for name, value in filters.items():
            env.filters.setdefault(name, value)
    if globals:
        for name, value in globals.items():
            env.globals.setdefault(name, value)
    return env
