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
import logging
import os
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pelican
from pelican import signals
from pelican.contents import Article
from pelican.urlwrappers import Author, Category, Tag
from pelican.utils import order_content

from pelican_hotpapers import archive, history, ranking
from pelican_hotpapers.memo import Rendered, RenderMemo, digest, memo_key
from pelican_hotpapers.models import RankedDay
from pelican_hotpapers.render import TEMPLATES_PATH, Marks, Renderer
from pelican_hotpapers.settings import HotpapersSettings, SettingsError

logger = logging.getLogger(__name__)


def register() -> None:
    """Connect the plugin's receivers; Pelican calls this through the package."""
    signals.article_generator_pretaxonomy.connect(add_day_articles)
    signals.get_generators.connect(get_generators)


def get_generators(pelican_object: Any) -> type:
    """Receiver of ``get_generators``: the writer of paper pages and JSON files."""
    from pelican_hotpapers.generator import HotpapersGenerator

    return HotpapersGenerator


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
        folder = Path(path).resolve().parent
        module_path = getattr(module, "PATH", None)
        same_path = isinstance(module_path, str) and bool(site_path)
        if same_path:
            resolved = os.path.abspath(os.path.join(folder, module_path))
            same_path = os.path.normpath(resolved) == os.path.normpath(
                os.path.abspath(site_path)
            )
        if hasattr(module, "SITENAME"):
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


def make_article(
    generator: Any, ranked: RankedDay, hp: HotpapersSettings, html: str, summary: str
) -> Article:
    """One Pelican article for one ranked day and its rendered body."""
    settings = generator.settings
    date_text = ranked.date.isoformat()
    tz = ZoneInfo(hp.timezone)
    metadata = {
        "title": hp.title.format(date=date_text),
        "slug": hp.slug.format(date=date_text),
        "date": ranked.counts_taken_at.astimezone(tz),
        "category": Category(hp.category, settings),
        "tags": [Tag(tag, settings) for tag in hp.tags],
        "author": Author(hp.author, settings),
        "authors": [Author(hp.author, settings)],
        "summary": summary,
        "status": hp.status,
    }
    # A path under PATH that no real file has: Pelican keys caches, links and
    # translations by source path, so each day needs its own.
    source_path = os.path.join(generator.path, "hotpapers", f"{date_text}.json")
    article = Article(
        html,
        metadata=metadata,
        settings=settings,
        source_path=source_path,
        context=generator.context,
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
    path: Path, hp: HotpapersSettings, memo: RenderMemo | None
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
    fingerprint = digest(raw)
    ranked = memo.ranked(path.name, fingerprint) if memo is not None else None
    if ranked is None:
        try:
            day = archive.parse_day(path, raw)
        except archive.DayFileError as exc:
            logger.error("hotpapers: skipping day file %s", exc)
            return None
        ranked = ranking.rank_day(day, hp.ranking)
    return history.LoadedDay(path, fingerprint, ranked)


def _day_article(
    generator: Any,
    hp: HotpapersSettings,
    renderer: Renderer,
    loaded: history.LoadedDay,
    memo: RenderMemo | None,
    marks: Marks,
) -> Article:
    name = loaded.path.name
    context_key = digest(repr(marks).encode())
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
    return make_article(generator, rendered.ranked, hp, rendered.html, rendered.summary)


def make_digest_article(
    generator: Any,
    digest_: Any,
    hp: HotpapersSettings,
    html: str,
    summary: str,
) -> Article:
    """One Pelican article for a week's or a month's digest.

    Filed like the days (category, tags, author, status), dated at the end
    of the period, or at its newest counts while it is in progress.
    """
    settings = generator.settings
    period = digest_.period
    tz = ZoneInfo(hp.timezone)
    if digest_.complete:
        date = dt.datetime.combine(period.end, dt.time(23, 59, 59), tzinfo=tz)
    else:
        date = digest_.ranked.counts_taken_at.astimezone(tz)
    title = hp.history.digest_title.format(period=period.label)
    if not digest_.complete:
        title += " (so far)"
    metadata = {
        "title": title,
        "slug": hp.history.digest_slug.format(period=period.key),
        "date": date,
        "category": Category(hp.category, settings),
        "tags": [Tag(tag, settings) for tag in hp.tags],
        "author": Author(hp.author, settings),
        "authors": [Author(hp.author, settings)],
        "summary": summary,
        "status": hp.status,
    }
    source_path = os.path.join(
        generator.path, "hotpapers", f"{period.kind}-{period.key}.json"
    )
    article = Article(
        html,
        metadata=metadata,
        settings=settings,
        source_path=source_path,
        context=generator.context,
    )
    article.hotpapers = digest_.ranked
    article.hotpapers_digest = digest_
    return article


def add_digest_articles(
    generator: Any,
    hp: HotpapersSettings,
    renderer: Renderer,
    memo: RenderMemo | None,
    site: history.SiteHistory,
    lists: dict[str, list[Any]],
    taken: set[str],
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
                fingerprint = digest(
                    f"{complete} {site.period_fingerprint(dates)}".encode()
                )
                ranked = memo.ranked(name, fingerprint) if memo is not None else None
                found = timeline.digest(
                    period,
                    hp.ranking,
                    hp.history.digest_max_papers,
                    site.today,
                    ranked=ranked,
                )
                marks = Marks(pages=site.page_links(found.ranked))
                context_key = digest(repr(marks).encode())
                rendered = (
                    memo.get(name, fingerprint, context_key)
                    if memo is not None
                    else None
                )
                if rendered is None:
                    rendered = Rendered(
                        fingerprint,
                        found.ranked,
                        renderer.render_digest(found, marks),
                        renderer.render_digest_summary(found),
                        context_key,
                    )
                    if memo is not None:
                        memo.put(name, rendered)
                article = make_digest_article(
                    generator, found, hp, rendered.html, rendered.summary
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
    for path in files:
        try:
            loaded = _load_day(path, hp, memo)
        except Exception as exc:  # one broken day must not end the build
            logger.error(
                "hotpapers: the article for %s could not be made: %s: %s",
                path.name,
                type(exc).__name__,
                exc,
            )
            logger.debug("hotpapers: details", exc_info=True)
            continue
        if loaded is not None:
            loaded_days.append(loaded)
    site = history.SiteHistory.build(hp, loaded_days, generator.settings)
    site.renderer = renderer
    site.register_pages(generator.context)
    for loaded in loaded_days:
        path = loaded.path
        try:
            marks = site.day_marks(loaded.ranked)
            article = _day_article(generator, hp, renderer, loaded, memo, marks)
        except Exception as exc:  # one broken day or template must not end the build
            logger.error(
                "hotpapers: the article for %s could not be made: %s: %s",
                path.name,
                type(exc).__name__,
                exc,
            )
            logger.debug("hotpapers: details", exc_info=True)
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
    added += add_digest_articles(generator, hp, renderer, memo, site, lists, taken)
    generator.context[history.CONTEXT_KEY] = site
    if memo is not None and generator.settings.get("CACHE_CONTENT"):
        memo.save()
    order_by = generator.settings["ARTICLE_ORDER_BY"]
    generator.articles = order_content(generator.articles, order_by)
    generator.hidden_articles = order_content(generator.hidden_articles, order_by)
    generator.drafts = order_content(generator.drafts, order_by)
    logger.info(
        "hotpapers: added %d Hot Papers article(s) from %s", added, hp.data_path
    )
