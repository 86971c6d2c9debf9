"""What one build knows across days: the index, the paper pages and their links.

The Pelican glue fills a :class:`SiteHistory` while it adds the day and
digest articles, and hands it, through Pelican's shared context, to the
generator that writes the paper pages and the JSON files. Nothing here
imports Pelican: it is plain data and the rules that link pages together.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pelican_hotpapers.memo import RenderMemo, digest
from pelican_hotpapers.models import RankedDay
from pelican_hotpapers.render import DayLink, DigestLink, Marks, PaperHistory, Renderer
from pelican_hotpapers.settings import HotpapersSettings
from pelican_hotpapers.timeline import Digest, Timeline, paper_slug

#: Where the build's SiteHistory is kept in Pelican's shared context.
CONTEXT_KEY = "hotpapers_history"
#: Where the linked stylesheet (a pelican Static) is kept in that context.
STYLESHEET_KEY = "hotpapers_stylesheet"
#: The source-path prefix under which paper pages are registered in
#: Pelican's ``generated_content``, so that article bodies can link them as
#: ``{filename}/hotpapers/paper/SLUG`` and Pelican resolves the link with the
#: site's RELATIVE_URLS and SITEURL, as it does for its own pages.
PAGE_KEY_PREFIX = "hotpapers/paper/"


@dataclass(frozen=True, slots=True)
class LoadedDay:
    """A day file's name, its bytes' digest and its ranking."""

    path: Path
    #: The file's digest, for the render memo's keys: "" in a build without
    #: the memo, which has no use for it.
    fingerprint: str
    ranked: RankedDay


@dataclass(frozen=True, slots=True)
class PaperPage:
    """Where a paper's page is written and found.

    It has a ``url`` like Pelican's content objects, which is all Pelican's
    ``{filename}`` link replacement asks of it.
    """

    arxiv_id: str
    slug: str
    url: str
    save_as: str

    @property
    def link(self) -> str:
        """The href that an article body uses; Pelican replaces it when writing."""
        return "{filename}/" + PAGE_KEY_PREFIX + self.slug


@dataclass
class SiteHistory:
    """The index over all days, and the pages and URLs built from it."""

    settings: HotpapersSettings
    timeline: Timeline
    today: dt.date
    fingerprints: dict[dt.date, str] = field(default_factory=dict)
    pages: dict[str, PaperPage] = field(default_factory=dict)
    #: The URL (relative to the site) of each day's article and each digest's.
    day_urls: dict[dt.date, str] = field(default_factory=dict)
    digest_urls: dict[tuple[str, str], str] = field(default_factory=dict)
    digests: list[Digest] = field(default_factory=list)
    renderer: Renderer | None = None
    #: The render memo, kept until the paper pages and JSON files are made,
    #: and whether to save it then (CACHE_CONTENT).
    memo: RenderMemo | None = None
    save_memo: bool = False
    #: The memo key of what other days add to each day (see day_marks).
    context_keys: dict[dt.date, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        hp: HotpapersSettings,
        days: Iterable[LoadedDay],
        pelican_settings: Mapping[str, Any],
        today: dt.date | None = None,
    ) -> SiteHistory:
        days = list(days)
        if today is None:
            today = dt.datetime.now(ZoneInfo(hp.timezone)).date()
        site = cls(hp, Timeline(day.ranked for day in days), today)
        site.fingerprints = {day.ranked.date: day.fingerprint for day in days}
        options = hp.history
        if options.paper_pages:
            for arxiv_id, listings in site.timeline.listings.items():
                if len(listings) >= options.paper_pages_min_days:
                    slug = paper_slug(arxiv_id)
                    site.pages[arxiv_id] = PaperPage(
                        arxiv_id,
                        slug,
                        options.paper_url.format(slug=slug),
                        options.paper_save_as.format(slug=slug),
                    )
        return site

    def register_pages(self, context: MutableMapping[str, Any]) -> None:
        """Make the paper pages linkable from articles (see PAGE_KEY_PREFIX)."""
        generated = context.setdefault("generated_content", {})
        for page in self.pages.values():
            generated[PAGE_KEY_PREFIX + page.slug] = page

    def page_links(self, ranked: RankedDay) -> dict[str, str]:
        return {
            entry.paper.arxiv_id: self.pages[entry.paper.arxiv_id].link
            for entry in ranked.entries
            if entry.paper.arxiv_id in self.pages
        }

    def day_marks(self, ranked: RankedDay) -> Marks:
        """The trend marks and page links beside each paper of a day."""
        window = self.settings.history.trend_days
        trends = {
            entry.paper.arxiv_id: self.timeline.trend(
                entry.paper.arxiv_id, ranked.date, window
            )
            for entry in ranked.entries
        }
        return Marks(trends=trends, pages=self.page_links(ranked))

    def marks_key(self, ranked: RankedDay, marks: Marks) -> str:
        """The memo key of a day's marks, kept for the day's JSON file too."""
        key = digest(marks.key().encode())
        self.context_keys[ranked.date] = key
        return key

    def paper_page_key(self, arxiv_id: str, siteurl: str) -> str:
        """The memo key of a paper page's body: what :meth:`paper_history` reads.

        Its days' files (which hold its metadata, scores and posts), the
        links to them and to its digests, and its rank in each digest; the
        settings and templates are in the memo's own key.
        """
        parts = [siteurl]
        for listing in self.timeline.listings[arxiv_id]:
            date = listing.date
            parts.append(f"{date} {self.fingerprints[date]} {self.day_urls.get(date)}")
        for found, rank in self.timeline.in_digests.get(arxiv_id, ()):
            period = found.period
            url = self.digest_urls.get((period.kind, period.key))
            parts.append(f"{period.kind} {period.key} {found.complete} {rank} {url}")
        return digest("\n".join(parts).encode())

    def day_json_key(self, ranked: RankedDay, siteurl: str) -> str:
        """The memo key of a day's JSON file: its file, marks, links and SITEURL."""
        date = ranked.date
        return digest(
            f"{self.fingerprints[date]} {self.context_keys.get(date)} "
            f"{self.day_urls.get(date)} {siteurl}".encode()
        )

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        # Pelican's generator-layer content cache (CONTENT_CACHING_LAYER =
        # "generator") pickles the articles it read, and with them the
        # context that holds this index, whose renderer cannot be pickled.
        # The index belongs to one build, and every build makes its own:
        # a pickle keeps nothing of it.
        return (_not_kept, ())

    def finish(self) -> None:
        """Save the memo, once every output that it holds is made."""
        if self.memo is not None and self.save_memo:
            self.memo.save()
        # The days' and the memo's objects go back to the collector (see
        # memo.collector_paused).
        gc.unfreeze()

    def period_fingerprint(self, dates: Iterable[dt.date]) -> str:
        """What a digest's ranking depends on: the files of its days."""
        return " ".join(f"{date}:{self.fingerprints[date]}" for date in dates)

    def paper_history(self, arxiv_id: str, siteurl: str) -> PaperHistory:
        """What the paper's page shows, with links starting with ``siteurl``."""
        timeline = self.timeline

        def url(path: str | None) -> str:
            return f"{siteurl}/{path}" if path is not None else ""

        days = tuple(
            DayLink(listing, url(self.day_urls.get(listing.date)))
            for listing in timeline.listings[arxiv_id]
        )
        digests = tuple(
            DigestLink(
                digest,
                rank,
                url(self.digest_urls.get((digest.period.kind, digest.period.key))),
            )
            for digest, rank in timeline.in_digests.get(arxiv_id, ())
        )
        return PaperHistory(
            paper=timeline.papers[arxiv_id],
            days=days,
            digests=digests,
            points=timeline.life(arxiv_id),
            posts=tuple(
                timeline.top_posts(arxiv_id, self.settings.ranking.max_posts_per_paper)
            ),
        )


def _not_kept() -> None:
    """What a pickled :class:`SiteHistory` becomes (see its ``__reduce__``)."""
    return None
