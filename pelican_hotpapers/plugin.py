"""The Pelican glue: stored days become articles of the site.

This module is deliberately thin. It reads the site's settings once, asks
the archive for the days, ranking for their order and the renderer for their
HTML, and hands Pelican ``Article`` objects before Pelican files articles
under categories, tags, authors, archives and feeds
(``article_generator_pretaxonomy``), so our articles are treated exactly like
hand-written ones.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import pelican
from pelican import signals
from pelican.contents import Article, Static
from pelican.urlwrappers import Author, Category, Tag
from pelican.utils import order_content, sanitised_join

from pelican_hotpapers import archive, articles, history, ranking
from pelican_hotpapers.articles import ArticleData
from pelican_hotpapers.render import CSS_TEMPLATE, Renderer
from pelican_hotpapers.settings import HotpapersSettings

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Filing:
    """Where every Hot Papers article is filed: its category, tags and author.

    Made once a build and shared by the articles, as Pelican's own wrappers
    of one name are equal: each object works out its slug once, not once
    per article.
    """

    settings: HotpapersSettings
    category: Category
    tags: tuple[Tag, ...]
    author: Author

    @classmethod
    def of(cls, hp: HotpapersSettings, settings: dict[str, Any]) -> Filing:
        return cls(
            hp,
            Category(hp.category, settings),
            tuple(Tag(tag, settings) for tag in hp.tags),
            Author(hp.author, settings),
        )


def make_article(generator: Any, filing: Filing, data: ArticleData) -> Article:
    """Pelican's Article for one of ours, filed as the days are: category,
    tags, author, language and status."""
    hp = filing.settings
    article = Article(
        data.html,
        metadata={
            "title": data.title,
            "slug": data.slug,
            "date": data.date,
            "category": filing.category,
            "tags": list(filing.tags),
            "author": filing.author,
            "authors": [filing.author],
            "summary": data.summary,
            "description": data.description,
            "lang": hp.lang,
            "status": hp.status,
        },
        settings=generator.settings,
        source_path=data.source_path,
        context=generator.context,
    )
    article.hotpapers = data.ranked
    if data.digest is not None:
        article.hotpapers_digest = data.digest
    return article


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


class _Adder:
    """Puts our articles in the generator's lists, none over a slug it has."""

    def __init__(self, generator: Any, filing: Filing) -> None:
        self.generator = generator
        self.filing = filing
        self.taken = {article.slug for article in generator.articles}
        self.added = 0
        self._list = {
            "published": generator.articles,
            "hidden": generator.hidden_articles,
            "draft": generator.drafts,
        }[filing.settings.status]

    def add(self, data: ArticleData) -> Article | None:
        article = make_article(self.generator, self.filing, data)
        if article.slug in self.taken:
            logger.warning(
                "hotpapers: the site already has an article with slug %r; the "
                "Hot Papers %s for %s is not added (see %s)",
                article.slug,
                "article" if data.digest is None else "digest",
                data.name,
                data.setting,
            )
            return None
        self.taken.add(article.slug)
        self._list.append(article)
        self.generator.add_source_path(article)
        self.added += 1
        return article


def add_day_articles(generator: Any) -> None:
    """Receiver of ``article_generator_pretaxonomy``: add one article per day,
    and per week and month (HOTPAPERS_DIGESTS)."""
    hp = articles.load_site_settings(generator.settings)
    if hp is None:
        return
    articles.fetch_before_build(hp)
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
    settings = generator.settings
    theme_dirs = getattr(generator, "_templates_path", [])
    memo = articles.open_memo(hp, settings, theme_dirs, pelican.__version__)
    # One ranker for the days and the digests: a digest takes a paper's
    # count from the day that made it (see ranking.Ranker).
    ranker = ranking.Ranker(hp.ranking, remember=bool(hp.history.digests))
    loaded_days = articles.load_days(files, ranker, memo)
    site = history.SiteHistory.build(hp, loaded_days, settings)
    site.renderer = renderer
    site.memo = memo
    site.save_memo = bool(settings.get("CACHE_CONTENT"))
    site.register_pages(generator.context)
    adder = _Adder(generator, Filing.of(hp, settings))
    for loaded in loaded_days:
        try:
            article = adder.add(articles.day_article(hp, renderer, loaded, site))
        except Exception as exc:  # one broken day or template must not end the build
            articles.day_failed(loaded.path, exc)
            continue
        if article is not None:
            site.day_urls[loaded.ranked.date] = article.url
    cache_path = settings.get("CACHE_PATH")
    for data in articles.digest_articles(hp, renderer, site, cache_path, ranker):
        article = adder.add(data)
        if article is not None:
            period = data.digest.period  # type: ignore[union-attr]
            site.digest_urls[(period.kind, period.key)] = article.url
    # The generator of paper pages and JSON files saves the memo when it
    # has added their outputs (HotpapersGenerator, site.finish()).
    generator.context[history.CONTEXT_KEY] = site
    if adder.added and hp.css == "link":
        try:
            _add_stylesheet(generator, hp, renderer)
        except Exception as exc:  # a theme's broken stylesheet template
            logger.error(
                "hotpapers: the stylesheet could not be made (%s: %s); the "
                "articles link a missing file",
                type(exc).__name__,
                exc,
            )
    order_by = settings["ARTICLE_ORDER_BY"]
    for name in ("articles", "hidden_articles", "drafts"):
        setattr(generator, name, order_content(getattr(generator, name), order_by))
    if adder.added:
        _filter_translations_again(generator)
    logger.info(
        "hotpapers: added %d Hot Papers article(s) from %s",
        adder.added,
        hp.data_path,
    )
