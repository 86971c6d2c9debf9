"""The Pelican glue: stored days become articles of the site.

This module is deliberately thin. It reads the site's settings once, asks
the archive for the days, ranking for their order and the renderer for their
HTML, and hands Pelican ``Article`` objects before Pelican files articles
under categories, tags, authors, archives and feeds
(``article_generator_pretaxonomy``), so our articles are treated exactly like
hand-written ones.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pelican
import pelican.settings
from markupsafe import Markup
from pelican import signals
from pelican.contents import Article, Static
from pelican.urlwrappers import Author, Category, Tag
from pelican.utils import order_content, posixize_path, sanitised_join

from pelican_hotpapers import archive, history, ranking
from pelican_hotpapers.memo import (
    Rendered,
    RenderMemo,
    collector_paused,
    digest,
    memo_key,
)
from pelican_hotpapers.models import RankedDay
from pelican_hotpapers.render import TEMPLATES_PATH, Marks, Renderer
from pelican_hotpapers.settings import HotpapersSettings, SettingsError
from pelican_hotpapers.timeline import slim

logger = logging.getLogger(__name__)

#: The stylesheet template, linked or inlined by ``day.html``.
CSS_TEMPLATE = "hotpapers/hotpapers.css"
#: The longest ``description``: search engines show about 160 characters.
DESCRIPTION_LENGTH = 160
# Look-alikes for the characters that are markup. Pelican's own "simple" theme,
# and themes made from it, print ``description`` into an attribute unescaped,
# and a paper's title is a stranger's text.
_NOT_MARKUP = str.maketrans(
    {"<": "\u2039", ">": "\u203a", '"': "\u201d", "'": "\u2019"}
)


def register() -> None:
    """Connect the plugin's receivers; Pelican calls this through the package."""
    signals.initialized.connect(keep_main_language)
    signals.get_generators.connect(stylesheet_generator)
    signals.article_generator_pretaxonomy.connect(add_day_articles)
    signals.get_generators.connect(get_generators)


def get_generators(pelican_object: Any) -> type:
    """Receiver of ``get_generators``: the writer of paper pages and JSON files."""
    from pelican_hotpapers.generator import HotpapersGenerator

    return HotpapersGenerator


def keep_main_language(pelican_obj: Any) -> None:
    """Receiver of ``initialized``: fix an unset HOTPAPERS_LANG to DEFAULT_LANG.

    i18n_subsites builds each subsite from a copy of the main site's settings
    whose DEFAULT_LANG is the subsite's language. Left unset, HOTPAPERS_LANG
    would follow it, and the articles would be built as German in a ``de``
    subsite. Set here, in the main site's settings before i18n_subsites copies
    them, it stays the main site's language in every subsite (a subsite's
    overrides may still set their own).
    """
    settings = pelican_obj.settings
    if settings.get("HOTPAPERS_LANG") is None and settings.get("DEFAULT_LANG"):
        settings["HOTPAPERS_LANG"] = settings["DEFAULT_LANG"]


def stylesheet_generator(pelican_obj: Any) -> type[StylesheetGenerator]:
    """Receiver of ``get_generators``: the generator that writes our stylesheet."""
    return StylesheetGenerator


class StylesheetGenerator:
    """Writes the stylesheet that the articles link (HOTPAPERS_CSS = "link").

    One file for the whole site keeps the CSS out of every article's text,
    which plugins such as readtime and statistics count as words. A generator
    returned from ``get_generators`` is Pelican's way to add an output file:
    it writes after Pelican has emptied OUTPUT_PATH.
    """

    def __init__(
        self,
        context: dict[str, Any],
        settings: dict[str, Any],
        path: str,
        theme: str,
        output_path: str,
        **kwargs: Any,
    ) -> None:
        self.context = context
        self.output_path = output_path

    def generate_output(self, writer: Any) -> None:
        stylesheet = self.context.get(history.STYLESHEET_KEY)
        if stylesheet is None:  # no Hot Papers article, or no linked CSS
            return
        target = sanitised_join(self.output_path, stylesheet.save_as)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as out:
            out.write(stylesheet.content)
        logger.debug("hotpapers: wrote the stylesheet %s", target)


def describe(summary_html: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """The summary as plain text of at most ``limit`` characters.

    It becomes the article's ``description``, which SEO and social plugins
    (pelican-seo's ``og:description``) and themes' ``<meta name="description">``
    read as plain text.
    """
    text = Markup(summary_html).striptags().translate(_NOT_MARKUP)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "\u2026"


def settings_dir(pelican_settings: dict[str, Any]) -> Path:
    """The folder of the site's ``pelicanconf.py``, for resolving relative paths.

    Pelican resolves its own paths (PATH, OUTPUT_PATH, ...) against the
    settings file but does not keep its name. Pelican loads the file as a
    module, so it is found in ``sys.modules`` as the module whose settings
    are the ones we were given. Without a settings file (settings built in
    code), relative paths are relative to the working folder, as Pelican's
    own are then.
    """
    site_path = pelican_settings.get("PATH")
    for module in reversed(list(sys.modules.values())):
        path = getattr(module, "__file__", None)
        if not path or "." in module.__name__:
            continue
        module_path = getattr(module, "PATH", None)
        has_sitename = hasattr(module, "SITENAME")
        if not has_sitename and not (
            isinstance(module_path, str) and hasattr(module, "PLUGINS")
        ):
            # Not a settings file: its path is not worth resolving (a build
            # has hundreds of modules loaded, and resolving asks the disk).
            continue
        folder = Path(path).resolve().parent
        same_path = isinstance(module_path, str) and bool(site_path)
        if same_path:
            resolved = os.path.abspath(os.path.join(folder, module_path))
            same_path = os.path.normpath(resolved) == os.path.normpath(
                os.path.abspath(site_path)
            )
        if has_sitename:
            if module.SITENAME is pelican_settings.get("SITENAME") and (
                same_path or module_path is None
            ):
                return folder
        elif same_path and hasattr(module, "PLUGINS"):
            return folder
    return Path.cwd()


def load_site_settings(pelican_settings: dict[str, Any]) -> HotpapersSettings | None:
    """The checked settings, or None (after one error line) if they are unusable."""
    try:
        return HotpapersSettings.from_pelican(
            pelican_settings, settings_dir(pelican_settings)
        )
    except SettingsError as exc:
        logger.error("hotpapers: %s; no Hot Papers articles are built", exc)
        return None


@dataclass(frozen=True)
class Filing:
    """Where every Hot Papers article is filed: its category, tags and author.

    Made once a build and shared by the articles, as Pelican's own wrappers
    of one name are equal: each object works out its slug once, not once
    per article.
    """

    category: Category
    tags: tuple[Tag, ...]
    author: Author

    @classmethod
    def of(cls, hp: HotpapersSettings, settings: dict[str, Any]) -> Filing:
        return cls(
            Category(hp.category, settings),
            tuple(Tag(tag, settings) for tag in hp.tags),
            Author(hp.author, settings),
        )


def _hotpapers_article(
    generator: Any,
    hp: HotpapersSettings,
    filing: Filing,
    html: str,
    summary: str,
    source_path: str | os.PathLike[str],
    **metadata: Any,
) -> Article:
    """An article filed as the days are: category, tags, author, language, status.

    ``metadata`` gives what differs (title, slug, date); the description is
    the summary as plain text, for SEO and social plugins.
    """
    settings = generator.settings
    metadata.update(
        {
            "category": filing.category,
            "tags": list(filing.tags),
            "author": filing.author,
            "authors": [filing.author],
            "summary": summary,
            "description": describe(summary),
            "lang": hp.lang,
            "status": hp.status,
        }
    )
    return _lighten(
        Article(
            html,
            metadata=metadata,
            settings=settings,
            source_path=str(source_path),
            context=generator.context,
        )
    )


def _lighten(article: Article) -> Article:
    """Spare Pelican two costs that it pays again and again for our articles.

    Pelican works out an article's path from its source file each time it
    asks for the article's URL, about fifteen times per article in a build,
    and scans all of an article's HTML for ``{filename}``-style links each
    time it writes the article (its page, its feeds): about a tenth of a
    second of a cold build of 365 days, on every build. The answers are
    Pelican's own: the path is worked out once per file, and the scan skips
    what holds no such link; where that cannot be told cheaply, Pelican's
    own methods run. The article stays a plain ``Article`` (the statistics
    plugin, for one, counts ``type(content) is Article`` only), so the two
    are set on the object rather than in a subclass. They are bound to it: a
    pickle or a ``deepcopy`` of the article binds them to the copy, but a
    shallow ``copy.copy`` shares them with the original (Pelican and the
    common plugins make no such copy).
    """
    article.get_relative_source_path = functools.partial(
        _relative_source_path_of, article
    )
    article._update_content = functools.partial(_update_content_of, article)
    return article


def _relative_source_path_of(
    article: Article, source_path: str | None = None
) -> str | None:
    source_path = source_path or article.source_path
    path = article.settings["PATH"]
    if source_path and os.path.isabs(source_path) and os.path.isabs(path):
        return _relative_source_path(path, source_path)
    return Article.get_relative_source_path(article, source_path)


def _update_content_of(article: Article, content: str, siteurl: str) -> str:
    # Pelican's scan tries every tag of a body; a body holds a few internal
    # links at most (the stylesheet's, the paper pages'), found far quicker
    # by their quote and "{" or "|". Only the stretches around them are
    # scanned, with Pelican's own pattern, so the result is the same.
    if not content or article.settings["INTRASITE_LINK_REGEX"] != _INTRASITE_LINKS:
        return Article._update_content(article, content, siteurl)
    out = []
    done = 0
    for start, end in _link_spans(content):
        out.append(content[done:start])
        out.append(Article._update_content(article, content[start:end], siteurl))
        done = end
    out.append(content[done:])
    return "".join(out)


#: Pelican's default INTRASITE_LINK_REGEX (``{what}`` or ``|what|``), the one
#: whose links _link_spans knows how to find.
_INTRASITE_LINKS = pelican.settings.DEFAULT_CONFIG["INTRASITE_LINK_REGEX"]


def _link_spans(text: str) -> list[tuple[int, int]]:
    """The stretches of ``text`` that hold every link Pelican's pattern finds.

    Such a link is ``<tag ... attribute="{what}value"``: a quote followed by
    "{" or "|" (found with ``str.find`` of the rare character, which skips
    through a page far quicker than a pattern starting with a quote), its
    tag opened after the last ">" before it, and its value closed on the
    same line. Each stretch runs from that ">" to the line's end; stretches
    that meet are merged, so no link is cut in two.
    """
    found = []
    for char in "{|":
        index = text.find(char)
        while index != -1:
            if index and text[index - 1] in "\"'":
                found.append(index)
            index = text.find(char, index + 1)
    spans: list[tuple[int, int]] = []
    for index in sorted(found):
        start = text.rfind(">", 0, index) + 1
        end = text.find("\n", index)
        if end == -1:
            end = len(text)
        if spans and start <= spans[-1][1]:  # in order: ``end`` only grows
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


@functools.lru_cache(maxsize=65536)
def _relative_source_path(path: str, source_path: str) -> str:
    # Content.get_relative_source_path for two absolute paths, which makes
    # its abspath calls pure: the same answer for the same paths.
    return posixize_path(
        os.path.relpath(os.path.abspath(source_path), os.path.abspath(path))
    )


def make_article(
    generator: Any,
    ranked: RankedDay,
    hp: HotpapersSettings,
    filing: Filing,
    html: str,
    summary: str,
    source_path: Path,
) -> Article:
    """One Pelican article for one ranked day (read from ``source_path``)."""
    date_text = ranked.date.isoformat()
    # The day file is the article's real source, so plugins that open it
    # (show_source, OUTPUT_SOURCES, dates from git) find a file. It lies
    # outside PATH by design (see load_site_settings): Pelican's
    # relative_source_path for it starts with "../", which keys it uniquely
    # for {filename} links, i18n translations and caches. Nothing is written
    # there: plugins put their copies beside the article's save_as.
    article = _hotpapers_article(
        generator,
        hp,
        filing,
        html,
        summary,
        source_path,
        title=hp.title.format(date=date_text),
        slug=hp.slug.format(date=date_text),
        date=ranked.counts_taken_at.astimezone(ZoneInfo(hp.timezone)),
    )
    article.hotpapers = ranked
    return article


def _fetch(hp: HotpapersSettings) -> None:
    try:
        if hp.fetch.mode != "never":
            # Imported here: fetching pulls in requests, arxiv and lxml, which
            # an offline build does not need to pay for.
            from pelican_hotpapers import fetch

            fetch.fetch_for_build(hp)
        else:
            logger.info(
                "hotpapers: HOTPAPERS_FETCH is 'never'; using the stored days only"
            )
    except Exception as exc:  # a fetch must never take the build down
        logger.warning(
            "hotpapers: fetching failed unexpectedly (%s: %s); the stored days "
            "are used",
            type(exc).__name__,
            exc,
        )
        logger.debug("hotpapers: details", exc_info=True)


def _open_memo(generator: Any, hp: HotpapersSettings) -> RenderMemo | None:
    """The render memo, when Pelican's content cache is on (see memo.py)."""
    settings = generator.settings
    load = bool(settings.get("LOAD_CONTENT_CACHE"))
    store = bool(settings.get("CACHE_CONTENT"))
    if not (load or store):
        return None
    # Every template the renderer can reach: an override of ours may include
    # or extend any template of the theme (base.html, macros).
    template_dirs = [TEMPLATES_PATH, *getattr(generator, "_templates_path", [])]
    site = {
        name: settings.get(name)
        for name in ("LOCALE", "JINJA_FILTERS", "JINJA_GLOBALS", "JINJA_ENVIRONMENT")
    }
    key = memo_key(f"{hp!r} {site!r} {pelican.__version__}", template_dirs)
    return RenderMemo.open(settings.get("CACHE_PATH"), key, load)


def _load_day(
    path: Path, ranker: ranking.Ranker, memo: RenderMemo | None
) -> history.LoadedDay | None:
    """Read and rank one day file, or take its ranking from the memo."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        logger.error(
            "hotpapers: skipping day file %s: cannot be read (%s)",
            path,
            exc.strerror or exc,
        )
        return None
    # The fingerprint keys the memo alone (and the memo's other keys):
    # without a memo, hashing every file is work for nothing.
    fingerprint = digest(raw) if memo is not None else ""
    ranked = memo.ranked(path.name, fingerprint) if memo is not None else None
    if ranked is None:
        try:
            day = archive.parse_day(path, raw)
        except archive.DayFileError as exc:
            logger.error("hotpapers: skipping day file %s", exc)
            return None
        ranked = ranker.rank(day)
    return history.LoadedDay(path, fingerprint, ranked)


def _day_article(
    generator: Any,
    hp: HotpapersSettings,
    filing: Filing,
    renderer: Renderer,
    loaded: history.LoadedDay,
    memo: RenderMemo | None,
    site: history.SiteHistory,
) -> Article:
    name = loaded.path.name
    marks = site.day_marks(loaded.ranked)
    # The key is the memo's alone: without one, it is not worth making.
    context_key = site.marks_key(loaded.ranked, marks) if memo is not None else ""
    rendered = (
        memo.get(name, loaded.fingerprint, context_key) if memo is not None else None
    )
    if rendered is None:
        ranked = loaded.ranked
        rendered = Rendered(
            loaded.fingerprint,
            ranked,
            renderer.render_day(ranked, marks),
            renderer.render_summary(ranked),
            context_key,
        )
        if memo is not None:
            memo.put(name, rendered)
    return make_article(
        generator,
        rendered.ranked,
        hp,
        filing,
        rendered.html,
        rendered.summary,
        loaded.path,
    )


def _add_stylesheet(generator: Any, hp: HotpapersSettings, renderer: Renderer) -> None:
    """Register the stylesheet as a static file that ``{static}`` links find.

    ``day.html`` links it as ``{static}/<HOTPAPERS_CSS_SAVE_AS>``. Pelican
    turns that into the right URL on every page that shows the article
    (relative with RELATIVE_URLS, in feeds too), as it does for a static file
    of the site. :class:`StylesheetGenerator` writes the file. The template
    is the theme's ``hotpapers/hotpapers.css`` if it has one.
    """
    template = renderer.env.get_template(CSS_TEMPLATE)
    stylesheet = Static(
        template.render().rstrip("\n") + "\n",
        metadata={"save_as": hp.css_save_as, "url": hp.css_save_as},
        settings=generator.settings,
        source_path=template.filename,
        context=generator.context,
    )
    generator.context["static_content"][hp.css_save_as] = stylesheet
    generator.context[history.STYLESHEET_KEY] = stylesheet


def _filter_translations_again(generator: Any) -> None:
    """Let i18n_subsites's filter see our articles, whichever receiver ran first.

    i18n_subsites moves articles whose language has another (sub)site out of
    a site's lists (I18N_UNTRANSLATED_ARTICLES) at
    ``article_generator_pretaxonomy``, the signal that adds ours. Blinker
    does not order the receivers of a signal, so its filter may have run
    before our articles existed. Running it again only moves what is still in
    the wrong list, so our articles are treated as hand-written ones are.
    """
    if not generator.settings.get("I18N_SUBSITES"):
        return
    for receiver in signals.article_generator_pretaxonomy.receivers_for(generator):
        name = getattr(receiver, "__name__", "")
        module = getattr(receiver, "__module__", None) or ""
        if name == "filter_contents_translations" and "i18n_subsites" in module:
            receiver(generator)


def _digest_source(settings: dict[str, Any], digest_: Any) -> str:
    """A real file that says what a digest was made of, for its ``source_path``.

    A digest comes from several day files, not one, yet plugins that open an
    article's source (show_source, OUTPUT_SOURCES) need a file. So each
    digest gets a small JSON file in Pelican's disposable CACHE_PATH naming
    its period and its day files (names only: the file may be published).
    """
    period = digest_.period
    folder = (
        Path(settings.get("CACHE_PATH") or "cache").absolute() / "hotpapers-digests"
    )
    path = folder / f"{period.kind}-{period.key}.json"
    text = json.dumps(
        {
            "period": period.kind,
            "key": period.key,
            "complete": digest_.complete,
            "days": [f"{date.isoformat()}.json" for date in digest_.dates],
        },
        indent=2,
    )
    try:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as exc:  # a read-only cache only costs show_source its copy
        logger.debug("hotpapers: could not write %s (%s)", path, exc)
    return str(path)


def make_digest_article(
    generator: Any,
    digest_: Any,
    hp: HotpapersSettings,
    filing: Filing,
    html: str,
    summary: str,
) -> Article:
    """One Pelican article for a week's or a month's digest.

    Filed like the days (category, tags, author, status), dated at the end
    of the period, or at its newest counts while it is in progress.
    """
    period = digest_.period
    tz = ZoneInfo(hp.timezone)
    if digest_.complete:
        date = dt.datetime.combine(period.end, dt.time(23, 59, 59), tzinfo=tz)
    else:
        date = digest_.ranked.counts_taken_at.astimezone(tz)
    title = hp.history.digest_title.format(period=period.label)
    if not digest_.complete:
        title += " (so far)"
    article = _hotpapers_article(
        generator,
        hp,
        filing,
        html,
        summary,
        _digest_source(generator.settings, digest_),
        title=title,
        slug=hp.history.digest_slug.format(period=period.key),
        date=date,
    )
    article.hotpapers = digest_.ranked
    article.hotpapers_digest = digest_
    return article


def add_digest_articles(
    generator: Any,
    hp: HotpapersSettings,
    filing: Filing,
    renderer: Renderer,
    memo: RenderMemo | None,
    site: history.SiteHistory,
    lists: dict[str, list[Any]],
    taken: set[str],
    ranker: ranking.Ranker | None = None,
) -> int:
    """Add one article per week and month (HOTPAPERS_DIGESTS); return how many."""
    added = 0
    timeline = site.timeline
    for kind in hp.history.digests:
        for period in timeline.periods(kind):
            name = f"{kind}-{period.key}"
            try:
                dates = timeline.dates_in(period)
                complete = timeline.is_complete(period, site.today)
                # The keys are the memo's alone: without one, none is made.
                fingerprint = (
                    digest(f"{complete} {site.period_fingerprint(dates)}".encode())
                    if memo is not None
                    else ""
                )
                ranked = memo.ranked(name, fingerprint) if memo is not None else None
                found = timeline.digest(
                    period,
                    hp.ranking,
                    hp.history.digest_max_papers,
                    site.today,
                    ranked=ranked,
                    ranker=ranker,
                )
                marks = Marks(pages=site.page_links(found.ranked))
                context_key = digest(marks.key().encode()) if memo is not None else ""
                rendered = (
                    memo.get(name, fingerprint, context_key)
                    if memo is not None
                    else None
                )
                if rendered is None:
                    rendered = Rendered(
                        fingerprint,
                        slim(found.ranked),
                        renderer.render_digest(found, marks),
                        renderer.render_digest_summary(found),
                        context_key,
                    )
                    if memo is not None:
                        memo.put(name, rendered)
                article = make_digest_article(
                    generator, found, hp, filing, rendered.html, rendered.summary
                )
            except Exception as exc:  # one broken digest must not end the build
                logger.error(
                    "hotpapers: the digest for %s could not be made: %s: %s",
                    name,
                    type(exc).__name__,
                    exc,
                )
                logger.debug("hotpapers: details", exc_info=True)
                continue
            timeline.record(found)
            site.digests.append(found)
            if article.slug in taken:
                logger.warning(
                    "hotpapers: the site already has an article with slug %r; the "
                    "Hot Papers digest for %s is not added (see HOTPAPERS_DIGEST_SLUG)",
                    article.slug,
                    name,
                )
                continue
            taken.add(article.slug)
            lists[hp.status].append(article)
            generator.add_source_path(article)
            site.digest_urls[(kind, period.key)] = article.url
            added += 1
    return added


def _day_failed(path: Path, exc: Exception) -> None:
    """One error line for a day whose article could not be made; details at debug."""
    logger.error(
        "hotpapers: the article for %s could not be made: %s: %s",
        path.name,
        type(exc).__name__,
        exc,
    )
    logger.debug("hotpapers: details", exc_info=exc)


def add_day_articles(generator: Any) -> None:
    """Receiver of ``article_generator_pretaxonomy``: add one article per day."""
    hp = load_site_settings(generator.settings)
    if hp is None:
        return
    _fetch(hp)
    files = archive.day_files(hp.data_path)
    if not files:
        logger.info(
            "hotpapers: no stored days in %s; day files (YYYY-MM-DD.json) are "
            "expected there",
            hp.data_path,
        )
        return
    renderer = Renderer(
        hp,
        generator.env.loader,
        filters=generator.env.filters,
        globals=generator.env.globals,
    )
    try:
        memo = _open_memo(generator, hp)
    except OSError as exc:  # an unreadable template: build without the memo
        logger.debug("hotpapers: no render memo this build (%s)", exc)
        memo = None
    lists = {
        "published": generator.articles,
        "hidden": generator.hidden_articles,
        "draft": generator.drafts,
    }
    taken = {article.slug for article in generator.articles}
    added = 0
    loaded_days = []
    # One ranker for the days and the digests: a digest takes a paper's
    # count from the day that made it (see ranking.Ranker).
    ranker = ranking.Ranker(hp.ranking, remember=bool(hp.history.digests))
    with collector_paused():
        for path in files:
            try:
                loaded = _load_day(path, ranker, memo)
            except Exception as exc:  # one broken day must not end the build
                _day_failed(path, exc)
                continue
            if loaded is not None:
                loaded_days.append(loaded)
    site = history.SiteHistory.build(hp, loaded_days, generator.settings)
    site.renderer = renderer
    site.memo = memo
    site.save_memo = bool(generator.settings.get("CACHE_CONTENT"))
    site.register_pages(generator.context)
    filing = Filing.of(hp, generator.settings)
    for loaded in loaded_days:
        path = loaded.path
        try:
            article = _day_article(generator, hp, filing, renderer, loaded, memo, site)
        except Exception as exc:  # one broken day or template must not end the build
            _day_failed(path, exc)
            continue
        if article.slug in taken:
            logger.warning(
                "hotpapers: the site already has an article with slug %r; the "
                "Hot Papers article for %s is not added (see HOTPAPERS_SLUG)",
                article.slug,
                path.stem,
            )
            continue
        taken.add(article.slug)
        lists[hp.status].append(article)
        generator.add_source_path(article)
        site.day_urls[loaded.ranked.date] = article.url
        added += 1
    added += add_digest_articles(
        generator, hp, filing, renderer, memo, site, lists, taken, ranker
    )
    # The generator of paper pages and JSON files saves the memo when it
    # has added their outputs (HotpapersGenerator, site.finish()).
    generator.context[history.CONTEXT_KEY] = site
    if added and hp.css == "link":
        try:
            _add_stylesheet(generator, hp, renderer)
        except Exception as exc:  # a theme's broken stylesheet template
            logger.error(
                "hotpapers: the stylesheet could not be made (%s: %s); the "
                "articles link a missing file",
                type(exc).__name__,
                exc,
            )
    order_by = generator.settings["ARTICLE_ORDER_BY"]
    generator.articles = order_content(generator.articles, order_by)
    generator.hidden_articles = order_content(generator.hidden_articles, order_by)
    generator.drafts = order_content(generator.drafts, order_by)
    if added:
        _filter_translations_again(generator)
    logger.info(
        "hotpapers: added %d Hot Papers article(s) from %s", added, hp.data_path
    )
