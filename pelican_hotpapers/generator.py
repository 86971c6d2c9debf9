"""The Pelican generator that writes the paper pages and the JSON files.

Pelican's idiomatic way to write files other than articles and pages is a
generator class returned from the ``get_generators`` signal (as
pelican-plugins/sitemap does). Pelican runs it after the articles generator,
whose hook left the build's :class:`~pelican_hotpapers.history.SiteHistory`
in the shared context. Pages go through Pelican's writer, so RELATIVE_URLS,
SITEURL, the theme's ``base.html`` and the ``content_written`` signal apply
to them as to Pelican's own pages.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from markupsafe import Markup, escape
from pelican.generators import Generator
from pelican.utils import get_relative_path, path_to_url

from pelican_hotpapers import export
from pelican_hotpapers.history import CONTEXT_KEY, STYLESHEET_KEY, SiteHistory
from pelican_hotpapers.render import (
    PAPER_PAGE_TEMPLATE,
    TEMPLATE_PREFIX,
    TEMPLATES_PATH,
)

logger = logging.getLogger(__name__)


class HotpapersGenerator(Generator):
    """Writes a page per paper and the site's JSON files from the build's history."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # After the theme: a theme's own hotpapers/paper-page.html wins.
        ours = FileSystemLoader(str(TEMPLATES_PATH))
        loader = self.env.loader
        if isinstance(loader, ChoiceLoader):
            loader.loaders = [
                *loader.loaders,
                ours,
                PrefixLoader({TEMPLATE_PREFIX: ours}),
            ]
        self.site: SiteHistory | None = None

    def generate_context(self) -> None:
        self.site = self.context.get(CONTEXT_KEY)

    def generate_output(self, writer: Any) -> None:
        site = self.site
        if site is None:
            return
        try:
            if site.pages and site.renderer is not None:
                self.write_paper_pages(writer, site)
            if site.settings.history.json:
                self.write_json(site)
        except Exception as exc:  # extra outputs must never take the site down
            logger.error(
                "hotpapers: the paper pages or JSON files could not be written: %s: %s",
                type(exc).__name__,
                exc,
            )
            logger.debug("hotpapers: details", exc_info=True)

    def write_paper_pages(self, writer: Any, site: SiteHistory) -> None:
        template = self.get_template(PAPER_PAGE_TEMPLATE.removesuffix(".html"))
        relative = bool(self.settings.get("RELATIVE_URLS"))
        siteurl = self.settings.get("SITEURL", "")
        renderer = site.renderer
        assert renderer is not None
        for arxiv_id, page in site.pages.items():
            prefix = (
                path_to_url(get_relative_path(page.save_as)) if relative else siteurl
            )
            history = site.paper_history(arxiv_id, prefix)
            # paper-history.html inlines the rules itself with HOTPAPERS_CSS
            # = "inline"; a linked stylesheet goes in the page's head.
            css = self.context.get(STYLESHEET_KEY)
            stylesheet = f"{prefix}/{css.save_as}" if css is not None else None
            body = renderer.render_paper_page(history)
            writer.write_file(
                page.save_as,
                template,
                self.context,
                relative_urls=relative,
                url=page.url,
                paper=history.paper,
                hotpapers_page=page,
                # Pelican's templates are not autoescaped: escaped here.
                title=Markup(escape(history.paper.title)),
                hotpapers_body=Markup(body),
                hotpapers_stylesheet=stylesheet,
            )
        logger.info("hotpapers: wrote %d paper page(s)", len(site.pages))

    def write_json(self, site: SiteHistory) -> None:
        output = Path(self.output_path)
        siteurl = self.settings.get("SITEURL", "") or ""
        for ranked in site.timeline.days.values():
            document = export.day_document(site, ranked, siteurl)
            export.write_json(
                output / export.day_json_path(ranked.date.isoformat()), document
            )
        index = export.index_document(
            site,
            siteurl,
            str(self.settings.get("SITENAME", "")),
            top=site.settings.summary_papers,
        )
        export.write_json(output / export.JSON_FOLDER / export.INDEX_NAME, index)
