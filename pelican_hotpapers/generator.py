"""The Pelican generator that writes the paper pages and the JSON files.

Pelican's idiomatic way to write files other than articles and pages is a
generator class returned from the ``get_generators`` signal (as
pelican-plugins/sitemap does). Pelican runs it after the articles generator,
whose hook left the build's :class:`~pelican_hotpapers.history.SiteHistory`
in the shared context. Pages go through Pelican's writer, so RELATIVE_URLS,
SITEURL, the theme's ``base.html`` and the ``content_written`` signal apply
to them as to Pelican's own pages.

With the render memo (see memo.py), a paper page's body is rendered again
only when a day, digest or link it shows has changed, and a JSON file is
made again only when its day, marks or links have; one that would come out
the same is not written again either.
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
        finally:
            site.finish()

    def write_paper_pages(self, writer: Any, site: SiteHistory) -> None:
        template = self.get_template(PAPER_PAGE_TEMPLATE.removesuffix(".html"))
        relative = bool(self.settings.get("RELATIVE_URLS"))
        siteurl = self.settings.get("SITEURL", "")
        renderer = site.renderer
        assert renderer is not None
        memo = site.memo
        # paper-history.html inlines the rules itself with HOTPAPERS_CSS =
        # "inline"; a linked stylesheet goes in the page's head.
        css = self.context.get(STYLESHEET_KEY)
        for arxiv_id, page in site.pages.items():
            prefix = (
                path_to_url(get_relative_path(page.save_as)) if relative else siteurl
            )
            body = None
            if memo is not None:
                name = f"paper {arxiv_id}"
                key = site.paper_page_key(arxiv_id, prefix)
                body = memo.output(name, key)
            if body is None:
                body = renderer.render_paper_page(site.paper_history(arxiv_id, prefix))
                if memo is not None:
                    memo.put_output(name, key, body)
            paper = site.timeline.papers[arxiv_id]
            writer.write_file(
                page.save_as,
                template,
                self.context,
                relative_urls=relative,
                url=page.url,
                paper=paper,
                hotpapers_page=page,
                # Pelican's templates are not autoescaped: escaped here.
                title=Markup(escape(paper.title)),
                hotpapers_body=Markup(body),
                hotpapers_stylesheet=(
                    f"{prefix}/{css.save_as}" if css is not None else None
                ),
            )
        logger.info("hotpapers: wrote %d paper page(s)", len(site.pages))

    def write_json(self, site: SiteHistory) -> None:
        output = Path(self.output_path)
        siteurl = self.settings.get("SITEURL", "") or ""
        memo = site.memo
        for ranked in site.timeline.days.values():
            path = output / export.day_json_path(ranked.date.isoformat())
            if memo is not None:
                # The memo keeps the size of the file it made: a file that
                # is still there and that size is the one this build makes.
                name = f"json {ranked.date.isoformat()}"
                key = site.day_json_key(ranked, siteurl)
                size = memo.output(name, key)
                if size is not None and _size(path) == size:
                    continue
            data = export.encode(export.day_document(site, ranked, siteurl))
            export.write_bytes(path, data)
            if memo is not None:
                memo.put_output(name, key, len(data))
        index = export.index_document(
            site,
            siteurl,
            str(self.settings.get("SITENAME", "")),
            top=site.settings.summary_papers,
        )
        export.write_json(output / export.JSON_FOLDER / export.INDEX_NAME, index)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
