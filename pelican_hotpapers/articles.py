"""A day's or a digest's article, made from the stored data, without Pelican.

Everything an article of ours is made of (its body, its summary and
description, its title, slug, date and source file) is worked out here, from
the settings, the day files and the render memo. The Pelican glue
(``plugin.py``) only wraps the result in Pelican's ``Article`` and files
it; so what a build shows is tested without a Pelican site, and the glue
stays the part that changes with Pelican.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

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
from pelican_hotpapers.timeline import Digest, slim

logger = logging.getLogger(__name__)

#: The longest ``description``: search engines show about 160 characters.
DESCRIPTION_LENGTH = 160
# Look-alikes for the characters that are markup. Pelican's own "simple" theme,
# and themes made from it, print ``description`` into an attribute unescaped,
# and a paper's title is a stranger's text.
_NOT_MARKUP = str.maketrans(
    {"<": "\u2039", ">": "\u203a", '"': "\u201d", "'": "\u2019"}
)


@dataclass(frozen=True)
class ArticleData:
    """One article of ours, as Pelican's ``Article`` is made from it.

    ``name`` says which it is in a log line (a day file's date, or
    ``week-2021-W02``); ``setting`` is the slug's setting, named when the
    slug is taken.
    """

    html: str
    summary: str
    title: str
    slug: str
    date: dt.datetime
    source_path: str
    ranked: RankedDay
    name: str
    setting: str = "HOTPAPERS_SLUG"
    digest: Digest | None = None

    @property
    def description(self) -> str:
        return describe(self.summary)


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


def settings_dir(pelican_settings: Mapping[str, Any]) -> Path:
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


def load_site_settings(
    pelican_settings: Mapping[str, Any],
) -> HotpapersSettings | None:
    """The checked settings, or None (after one error line) if they are unusable."""
    try:
        return HotpapersSettings.from_pelican(
            pelican_settings, settings_dir(pelican_settings)
        )
    except SettingsError as exc:
        logger.error("hotpapers: %s; no Hot Papers articles are built", exc)
        return None


def fetch_before_build(hp: HotpapersSettings) -> None:
    """Fetch what HOTPAPERS_FETCH asks for; a failure is a warning, never the
    end of the build, which goes on with the stored days."""
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


#: The site's settings that change what the templates write.
_MEMO_SETTINGS = ("LOCALE", "JINJA_FILTERS", "JINJA_GLOBALS", "JINJA_ENVIRONMENT")


def open_memo(
    hp: HotpapersSettings,
    pelican_settings: Mapping[str, Any],
    theme_dirs: Iterable[str | os.PathLike[str]],
    pelican_version: str,
) -> RenderMemo | None:
    """The render memo, when Pelican's content cache is on (see memo.py).

    Its key covers every template the renderer can reach: an override of
    ours may include or extend any template of the theme (base.html, macros).
    """
    load = bool(pelican_settings.get("LOAD_CONTENT_CACHE"))
    store = bool(pelican_settings.get("CACHE_CONTENT"))
    if not (load or store):
        return None
    site = {name: pelican_settings.get(name) for name in _MEMO_SETTINGS}
    key = memo_key(f"{hp!r} {site!r} {pelican_version}", [TEMPLATES_PATH, *theme_dirs])
    return RenderMemo.open(pelican_settings.get("CACHE_PATH"), key, load)


def day_failed(path: Path, exc: Exception) -> None:
    """One error line for a day whose article could not be made; details at debug."""
    logger.error(
        "hotpapers: the article for %s could not be made: %s: %s",
        path.name,
        type(exc).__name__,
        exc,
    )
    logger.debug("hotpapers: details", exc_info=exc)


def load_day(
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


def load_days(
    paths: Iterable[Path], ranker: ranking.Ranker, memo: RenderMemo | None
) -> list[history.LoadedDay]:
    """Every day that can be read, ranked; each that cannot is one error line."""
    loaded_days = []
    with collector_paused():
        for path in paths:
            try:
                loaded = load_day(path, ranker, memo)
            except Exception as exc:  # one broken day must not end the build
                day_failed(path, exc)
                continue
            if loaded is not None:
                loaded_days.append(loaded)
    return loaded_days


def day_article(
    hp: HotpapersSettings,
    renderer: Renderer,
    loaded: history.LoadedDay,
    site: history.SiteHistory,
) -> ArticleData:
    """A day's article, rendered, or taken from the site's render memo."""
    memo = site.memo
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
    ranked = rendered.ranked
    date_text = ranked.date.isoformat()
    # The day file is the article's real source, so plugins that open it
    # (show_source, OUTPUT_SOURCES, dates from git) find a file. It lies
    # outside PATH by design: Pelican's relative_source_path for it starts
    # with "../", which keys it uniquely for {filename} links, i18n
    # translations and caches. Nothing is written there: plugins put their
    # copies beside the article's save_as.
    return ArticleData(
        html=rendered.html,
        summary=rendered.summary,
        title=hp.title.format(date=date_text),
        slug=hp.slug.format(date=date_text),
        date=ranked.counts_taken_at.astimezone(ZoneInfo(hp.timezone)),
        source_path=str(loaded.path),
        ranked=ranked,
        name=loaded.path.stem,
    )


def digest_source(cache_path: str | os.PathLike[str] | None, found: Digest) -> str:
    """A real file that says what a digest was made of, for its ``source_path``.

    A digest comes from several day files, not one, yet plugins that open an
    article's source (show_source, OUTPUT_SOURCES) need a file. So each
    digest gets a small JSON file in Pelican's disposable CACHE_PATH naming
    its period and its day files (names only: the file may be published).
    """
    period = found.period
    folder = Path(cache_path or "cache").absolute() / "hotpapers-digests"
    path = folder / f"{period.kind}-{period.key}.json"
    text = json.dumps(
        {
            "period": period.kind,
            "key": period.key,
            "complete": found.complete,
            "days": [f"{date.isoformat()}.json" for date in found.dates],
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


def _digest_article(
    hp: HotpapersSettings,
    found: Digest,
    rendered: Rendered,
    cache_path: str | os.PathLike[str] | None,
) -> ArticleData:
    """Filed like the days, dated at the end of the period, or at its newest
    counts while it is in progress."""
    period = found.period
    tz = ZoneInfo(hp.timezone)
    if found.complete:
        date = dt.datetime.combine(period.end, dt.time(23, 59, 59), tzinfo=tz)
    else:
        date = found.ranked.counts_taken_at.astimezone(tz)
    title = hp.history.digest_title.format(period=period.label)
    if not found.complete:
        title += " (so far)"
    return ArticleData(
        html=rendered.html,
        summary=rendered.summary,
        title=title,
        slug=hp.history.digest_slug.format(period=period.key),
        date=date,
        source_path=digest_source(cache_path, found),
        ranked=found.ranked,
        name=f"{period.kind}-{period.key}",
        setting="HOTPAPERS_DIGEST_SLUG",
        digest=found,
    )


def digest_articles(
    hp: HotpapersSettings,
    renderer: Renderer,
    site: history.SiteHistory,
    cache_path: str | os.PathLike[str] | None,
    ranker: ranking.Ranker | None = None,
) -> Iterator[ArticleData]:
    """One article per week and month (HOTPAPERS_DIGESTS), each recorded in
    the site's timeline as it is made; one that fails is one error line.

    Made after the days' articles have their URLs, which a digest links.
    """
    memo = site.memo
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
                article = _digest_article(hp, found, rendered, cache_path)
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
            yield article
