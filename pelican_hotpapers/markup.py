"""Our own templates' markup, written out in Python.

A day's article is a few hundred small pieces of markup: its papers, their
facts and categories, the posts under them. Rendered through the templates,
each piece is a Jinja expression, and each paper, trend mark, list of
categories and post a template include with a context of its own; together
that was most of the plugin's own time in a build. So while a site
overrides none of the templates that a page is made of, the renderer writes
the page here instead, as :mod:`charts` does for the charts.

The templates in ``templates/hotpapers/`` stay the reference and the override
points: once a theme (or ``THEME_TEMPLATES_OVERRIDES``) has its own copy of
any of a page's templates, that page is rendered through the templates. Each
method here names the template it writes. It escapes every value as Jinja's
autoescape does, writes numbers as Jinja does (``str()``), and calls the same
filters as the template, so the bytes are the template's:
``tests/test_markup.py`` renders both ways and holds them equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from pelican_hotpapers.models import Paper, Post, RankedDay, RankedEntry

if TYPE_CHECKING:
    from pelican_hotpapers.render import Marks, PaperHistory
    from pelican_hotpapers.settings import HotpapersSettings
    from pelican_hotpapers.timeline import Digest

#: Writes one post; the entry is None on a paper's page (no flags there).
PostWriter = Callable[[Post, "RankedEntry | None"], str]

_ROBUST_RULES = (
    '<p class="hotpapers-rules">Each account counts once per paper, reposts far '
    "beyond a post's likes are capped, and posts made mostly of hashtags count "
    "less; a flagged post says why.</p>\n"
)


def escape_text(text: str) -> str:
    """``markupsafe.escape(text)`` as a plain string, at a fraction of its cost.

    Most names, titles and abstracts hold nothing to escape: five ``in``
    tests find that out several times quicker than ``escape`` builds its
    Markup object.
    """
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        return str(escape(text))
    return text


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


class DefaultMarkup:
    """The package's templates of days, digests, summaries and paper pages.

    ``filters`` are the renderer's Jinja filters and ``chart`` its chart
    function: the very functions the templates call. ``css`` is what
    ``hotpapers/hotpapers.css`` renders to (used with HOTPAPERS_CSS =
    "inline"). The renderer decides when a page may be written here, and
    fills :attr:`post_writers` as it finds each source's template to be ours.
    """

    def __init__(
        self,
        settings: HotpapersSettings,
        filters: Mapping[str, Callable[..., Any]],
        chart: Callable[..., str],
        embed_scripts: Mapping[str, str],
        css: str,
    ) -> None:
        self.settings = settings
        self.chart = chart
        self.embed_scripts = embed_scripts
        self._post_text = filters["post_text"]
        self._link_url = filters["link_url"]
        self._category_url = filters["category_url"]
        self._long_date = filters["long_date"]
        self._counts_time = filters["counts_time"]
        self._source_label = filters["source_label"]
        self._shorten = filters["shorten"]
        self._score = filters["score"]
        if settings.css == "link":
            self._stylesheet = (
                '<link rel="stylesheet" href="{static}/'
                f'{escape_text(settings.css_save_as)}">\n'
            )
        elif settings.css == "inline":
            self._stylesheet = f"<style>{css}</style>\n"
        else:
            self._stylesheet = ""
        self._css = css
        #: The package's post templates, by name, and what writes each.
        self.post_templates: dict[str, PostWriter] = {
            "hotpapers/post-x.html": self.post_x,
            "hotpapers/post-bluesky.html": self.post_bluesky,
            "hotpapers/post-hackernews.html": self.post_hackernews,
            "hotpapers/post-generic.html": self.post_generic,
        }
        #: What writes the posts of each source whose template is ours.
        self.post_writers: dict[str, PostWriter] = {}
        # Digests and paper pages show again posts that a day showed: each
        # post's text, linked, is kept for them (a fifth of their cost).
        history = settings.history
        self._keep_texts = bool(history.digests) or history.paper_pages
        self._texts: dict[Post, str] = {}
        #: Each category's link, as categories.html writes it.
        self._category_items: dict[str, str] = {}

    # --- day.html, digest.html -------------------------------------------------

    def day(self, ranked: RankedDay, marks: Marks) -> str:
        """``hotpapers/day.html``."""
        date = ranked.date.isoformat()
        out = [
            self._stylesheet,
            f'<div class="hotpapers" data-date="{date}">\n'
            f'<p class="hotpapers-intro">The arXiv papers most shared on {date}'
            f"{self._on_sources(ranked)}, ranked by reposts + likes of the posts "
            f"that link them. Counts taken {self._counts_taken(ranked)}.</p>\n",
        ]
        if self.settings.ranking.mode == "robust":
            out.append(_ROBUST_RULES)
        if ranked.partial:
            failed = escape_text(
                ", ".join(map(self._source_label, ranked.failed_sources))
            )
            out.append(
                f'<p class="hotpapers-partial">This day is partial: {failed} did not '
                "answer when it was fetched. A later fetch completes it.</p>\n"
            )
        if ranked.entries:
            self._papers(out, ranked, marks, None)
        else:
            out.append(
                '<p class="hotpapers-empty">No paper reached a score of '
                f"{self.settings.ranking.min_paper_score} on this day.</p>\n"
            )
        if self.settings.embed_script:
            embedded: list[str] = []
            for entry in ranked.entries:
                for post in entry.posts:
                    if post.source not in embedded:
                        embedded.append(post.source)
            for source in embedded:
                if source in self.embed_scripts:
                    url = escape_text(self.embed_scripts[source])
                    out.append(f'<script async src="{url}" charset="utf-8"></script>\n')
        out.append("</div>")
        return "".join(out)

    def digest(self, digest: Digest, marks: Marks) -> str:
        """``hotpapers/digest.html``."""
        period = digest.period
        ranked = digest.ranked
        label = escape_text(period.label)
        kind = escape_text(period.kind)
        stored = len(digest.dates)
        out = [
            self._stylesheet,
            '<div class="hotpapers hotpapers-digest" '
            f'data-period="{escape_text(period.key)}">\n'
            f'<p class="hotpapers-intro">The arXiv papers most shared in {label} '
            f"({period.start.isoformat()} to {period.end.isoformat()}), from "
            f"{stored} stored day{_plural(stored)}{self._on_sources(ranked)}. "
            "Each post counts once, with its latest counts, and a paper's score "
            f"adds up its posts over the {kind}.</p>\n",
        ]
        if not digest.complete:
            out.append(
                '<p class="hotpapers-partial hotpapers-so-far">This '
                f"{kind} is not over yet: this list covers the days stored so far, "
                "and is brought up to date as new days arrive.</p>\n"
            )
        if ranked.entries:
            self._papers(out, ranked, marks, digest)
        else:
            out.append(
                '<p class="hotpapers-empty">No paper reached a score of '
                f"{self.settings.ranking.min_paper_score} in {label}.</p>\n"
            )
        out.append("</div>")
        return "".join(out)

    def _papers(
        self, out: list[str], ranked: RankedDay, marks: Marks, digest: Digest | None
    ) -> None:
        # What every paper of the list shows alike, made once.
        counts_end = f" ({self._counts_taken(ranked)})</li>\n"
        one_source = list(ranked.sources) == ["x"]
        for entry in ranked.entries:
            if digest is None:
                trend = self._day_trend(entry, marks)
            else:
                trend = self._digest_trend(entry, marks, digest)
            out.append(self.paper(entry, trend, counts_end, one_source))

    def _on_sources(self, ranked: RankedDay) -> str:
        if list(ranked.sources) == ["x"]:
            return ""
        return f" on {escape_text(', '.join(map(self._source_label, ranked.sources)))}"

    def _counts_taken(self, ranked: RankedDay) -> str:
        taken = ranked.counts_taken_at
        return (
            f'<time datetime="{taken.isoformat()}">'
            f"{escape_text(self._counts_time(taken))}</time>"
        )

    # --- trend.html --------------------------------------------------------------

    def _day_trend(self, entry: RankedEntry, marks: Marks) -> str:
        """``hotpapers/trend.html`` beside a paper of a day."""
        arxiv_id = entry.paper.arxiv_id
        page_url = marks.pages.get(arxiv_id)
        trend = marks.trends.get(arxiv_id)
        if trend:
            if trend.new:
                mark = '<span class="hotpapers-mark hotpapers-mark-new">new</span>'
            else:
                mark = (
                    f'<span class="hotpapers-mark">day {trend.day_on_list} on the '
                    "list</span>"
                )
            return (
                f'<p class="hotpapers-trend">{mark} '
                f"{self.chart(trend.points, 'Daily score')}"
                f"{self._page_link(page_url)}</p>\n"
            )
        if page_url:
            return (
                '<p class="hotpapers-trend"><a class="hotpapers-paper-page" '
                f'href="{escape_text(page_url)}">All its days</a></p>\n'
            )
        return ""

    def _digest_trend(self, entry: RankedEntry, marks: Marks, digest: Digest) -> str:
        """``hotpapers/trend.html`` beside a paper of a digest."""
        arxiv_id = entry.paper.arxiv_id
        info = digest.entry(arxiv_id)
        if not info:
            return ""
        listings = info.listings
        if listings:
            days = ", ".join(
                f'<time datetime="{iso}">{iso}</time> (#{listing.rank})'
                for listing in listings
                for iso in (listing.date.isoformat(),)
            )
            said = (
                f"On the daily list {len(listings)} day{_plural(len(listings))}:\n"
                f"{days}; best daily rank "
                f'<span class="hotpapers-best-rank">#{info.best_rank}</span>.'
            )
        else:
            said = (
                "On no single day's list; its posts add up over the "
                f"{escape_text(digest.period.kind)}."
            )
        return (
            f'<p class="hotpapers-trend">{said} '
            f"{self.chart(info.points, 'Daily score')}"
            f"{self._page_link(marks.pages.get(arxiv_id))}</p>\n"
        )

    @staticmethod
    def _page_link(url: str | None) -> str:
        if not url:
            return ""
        return (
            f' <a class="hotpapers-paper-page" href="{escape_text(url)}">'
            "All its days</a>"
        )

    # --- paper.html, categories.html -------------------------------------------

    def paper(
        self, entry: RankedEntry, trend: str, counts_end: str, one_source: bool
    ) -> str:
        """``hotpapers/paper.html``, given its trend mark and the end of its
        counts line (the time the counts were taken), which are the day's."""
        paper = entry.paper
        rank = entry.rank
        abs_url = escape_text(paper.abs_url)
        counts = entry.counts
        out = [
            f'<section class="hotpapers-paper" id="paper-{rank}">\n'
            f'<h2 class="hotpapers-title"><span class="hotpapers-rank">{rank}.</span> '
            f'<a href="{abs_url}"><bdi>{escape_text(paper.title)}</bdi></a></h2>\n',
            trend,
        ]
        if paper.authors:
            authors = "</bdi>, <bdi>".join(map(escape_text, paper.authors))
            out.append(f'<p class="hotpapers-authors"><bdi>{authors}</bdi></p>\n')
        out.append(
            '<ul class="hotpapers-meta">\n<li class="hotpapers-counts">reposts: '
            f'<span class="hotpapers-reposts">{counts.reposts}</span>, likes: '
            f'<span class="hotpapers-likes">{counts.likes}</span>'
        )
        if not one_source:
            out.append(f', score: <span class="hotpapers-score">{entry.score}</span>')
        out.append(counts_end)
        if not one_source:
            parts = []
            for part in entry.by_source:
                c = part.counts
                if part.source == "hackernews":
                    numbers = f"{c.likes} points, {c.replies} comments"
                else:
                    numbers = f"{c.reposts} reposts, {c.likes} likes"
                parts.append(
                    f'<span class="hotpapers-source-{escape_text(part.source)}">'
                    f"{escape_text(part.label)}: {numbers}</span>"
                )
            out.append(f'<li class="hotpapers-by-source">{" · ".join(parts)}</li>\n')
        accounts = entry.accounts
        out.append(
            '<li class="hotpapers-accounts">posted by <span '
            f'class="hotpapers-account-count">{accounts}</span> '
            f"account{_plural(accounts)}</li>\n"
            f'<li class="hotpapers-links">links: <a href="{abs_url}">abs</a> | '
            f'<a href="{escape_text(paper.pdf_url)}">pdf</a></li>\n'
        )
        out.append(self._facts_end(paper))
        writers = self.post_writers
        for post in entry.posts:
            out.append(writers[post.source](post, entry))
        out.append("</section>")
        return "".join(out)

    def _facts_end(self, paper: Paper) -> str:
        """A paper's categories, the end of its list of facts, and its abstract."""
        end = self.categories(paper.categories) + "</ul>\n"
        if paper.abstract:
            end += f'<p class="hotpapers-abstract">{escape_text(paper.abstract)}</p>\n'
        return end

    def categories(self, categories: tuple[str, ...]) -> str:
        """``hotpapers/categories.html``."""
        if not categories:
            return ""
        items = self._category_items
        shown = []
        for category in categories:
            item = items.get(category)
            if item is None:
                # A site names a few hundred categories, again and again.
                url = self._category_url(category)
                name = escape_text(category)
                if url:
                    item = f'<a href="{escape_text(url)}">{name}</a>'
                else:
                    item = f"<span>{name}</span>"
                items[category] = item
            shown.append(item)
        return f'<li class="hotpapers-categories">{" | ".join(shown)}</li>\n'

    # --- post-*.html -------------------------------------------------------------

    @staticmethod
    def _flags(post: Post, entry: RankedEntry | None) -> str:
        flags = entry.flags_for(post) if entry is not None else ()
        if not flags:
            return ""
        spans = "".join(
            f'<span class="hotpapers-flag hotpapers-flag-{escape_text(flag.kind)}">'
            f"{escape_text(flag.label)}</span>"
            for flag in flags
        )
        return f'<p class="hotpapers-flags">{spans}</p>'

    def _text(self, post: Post) -> str:
        # Looked up only where kept: a post's hash reads all of its fields.
        text = self._texts.get(post) if self._keep_texts else None
        if text is None:
            lang = f' lang="{escape_text(post.lang)}"' if post.lang else ""
            text = f'<p{lang} dir="auto">{self._post_text(post)}</p>\n'
            if self._keep_texts:
                self._texts[post] = text
        return text

    def _time(self, post: Post) -> str:
        created = post.created_at
        return (
            f'<time datetime="{created.isoformat()}">'
            f"{escape_text(self._long_date(created))}</time>"
        )

    def _linked_time(self, post: Post) -> str:
        """The post's date, linking the post where its address is safe."""
        url = self._link_url(post.url)
        if url:
            return f'<a href="{escape_text(url)}">{self._time(post)}</a>'
        return self._time(post)

    def _byline(self, post: Post) -> str:
        return (
            f"&mdash; <bdi>{escape_text(post.author_name)}</bdi> "
            f"(@<bdi>{escape_text(post.author_handle)}</bdi>) "
            f"{self._linked_time(post)} "
            f'<span class="hotpapers-post-counts">{post.counts.reposts} reposts · '
            f"{post.counts.likes} likes"
        )

    def post_x(self, post: Post, entry: RankedEntry | None) -> str:
        """``hotpapers/post-x.html``."""
        return (
            '<blockquote class="twitter-tweet hotpapers-post hotpapers-post-x" '
            f'data-dnt="true">\n{self._text(post)}{self._byline(post)}</span>\n'
            f"</blockquote>{self._flags(post, entry)}"
        )

    def post_bluesky(self, post: Post, entry: RankedEntry | None) -> str:
        """``hotpapers/post-bluesky.html``."""
        return (
            '<blockquote class="bluesky-embed hotpapers-post hotpapers-post-bluesky" '
            f'data-bluesky-uri="{escape_text(post.id)}">\n{self._text(post)}'
            f"{self._byline(post)} · on Bluesky</span>\n</blockquote>"
            f"{self._flags(post, entry)}"
        )

    def post_hackernews(self, post: Post, entry: RankedEntry | None) -> str:
        """``hotpapers/post-hackernews.html``."""
        counts = post.counts
        url = self._link_url(post.url)
        title = f"<bdi>{escape_text(post.text)}</bdi>"
        if url:
            title = f'<a href="{escape_text(url)}">{title}</a>'
        return (
            '<p class="hotpapers-post hotpapers-post-hackernews"><span '
            f'class="hotpapers-hn">HN</span> {title} &mdash; {counts.likes} '
            f"points, {counts.replies} comments, by "
            f"<bdi>{escape_text(post.author_handle)}</bdi>, {self._time(post)}</p>\n"
            f"{self._flags(post, entry)}"
        )

    def post_generic(self, post: Post, entry: RankedEntry | None) -> str:
        """``hotpapers/post-generic.html``."""
        counts = post.counts
        return (
            '<blockquote class="hotpapers-post '
            f'hotpapers-post-{escape_text(post.source)}">\n{self._text(post)}'
            f"&mdash; <bdi>{escape_text(post.author_name)}</bdi> "
            f"{self._linked_time(post)} "
            f'<span class="hotpapers-post-counts">{counts.reposts} reposts · '
            f"{counts.likes} likes</span>\n</blockquote>{self._flags(post, entry)}"
        )

    # --- summary.html, digest-summary.html ------------------------------------

    def summary(self, ranked: RankedDay) -> str:
        """``hotpapers/summary.html``, stripped as the renderer strips it."""
        date = ranked.date.isoformat()
        entries = ranked.entries
        if not entries:
            return (
                "<p>No paper reached a score of "
                f"{self.settings.ranking.min_paper_score} on {date}.</p>"
            )
        top = entries[: self.settings.summary_papers]
        led = self._led_by(escape_text(self._shorten(e.paper.title)) for e in top)
        return f"<p>{len(entries)} hot paper{_plural(len(entries))} on {date}{led}.</p>"

    def digest_summary(self, digest: Digest) -> str:
        """``hotpapers/digest-summary.html``, stripped as the renderer strips it."""
        entries = digest.ranked.entries
        label = escape_text(digest.period.label)
        if not entries:
            return (
                "<p>No paper reached a score of "
                f"{self.settings.ranking.min_paper_score} in {label}.</p>"
            )
        top = entries[: self.settings.summary_papers]
        led = self._led_by(escape_text(entry.paper.title) for entry in top)
        so_far = "" if digest.complete else " so far"
        return (
            f"<p>The {len(entries)} hottest paper{_plural(len(entries))} of "
            f"{label}{so_far}{led}.</p>"
        )

    @staticmethod
    def _led_by(titles: Any) -> str:
        named = "; ".join(f"<bdi>{title}</bdi>" for title in titles)
        return f", led by {named}" if named else ""

    # --- paper-history.html -------------------------------------------------------

    def paper_history(self, history: PaperHistory) -> str:
        """``hotpapers/paper-history.html``."""
        paper = history.paper
        out = []
        if self.settings.inline_css:
            out.append(f"<style>{self._css}</style>\n")
        out.append(
            '<div class="hotpapers hotpapers-paper-history" '
            f'data-arxiv-id="{escape_text(paper.arxiv_id)}">\n'
        )
        if paper.authors:
            authors = ", ".join(
                f"<bdi>{escape_text(author)}</bdi>" for author in paper.authors
            )
            out.append(f'<p class="hotpapers-authors">{authors}</p>\n')
        published = ""
        if paper.published:
            iso = paper.published.isoformat()
            published = f' · published <time datetime="{iso}">{iso}</time>'
        out.append(
            '<ul class="hotpapers-meta">\n<li class="hotpapers-links">arXiv:'
            f"{escape_text(paper.arxiv_id)} · "
            f'<a href="{escape_text(paper.abs_url)}">abs</a> | '
            f'<a href="{escape_text(paper.pdf_url)}">pdf</a>{published}</li>\n'
        )
        out.append(self._facts_end(paper))
        days = history.days
        out.append(
            "<h2>On the list</h2>\n"
            f'<p class="hotpapers-history-intro">Listed on {len(days)} '
            f"day{_plural(len(days))}, from {days[0].listing.date.isoformat()} to "
            f"{days[-1].listing.date.isoformat()}; best rank "
            f"#{history.best_rank}.</p>\n"
            f"{self.chart(history.points, 'Daily score', 'full')}\n"
            '<div class="hotpapers-history">\n<table class="hotpapers-days">\n'
            '<thead><tr><th scope="col">Day</th><th scope="col">Rank</th>'
            '<th scope="col">Score</th></tr></thead>\n<tbody>\n'
        )
        for link in days:
            listing = link.listing
            iso = listing.date.isoformat()
            day = f'<time datetime="{iso}">{iso}</time>'
            if link.url:
                day = f'<a href="{escape_text(link.url)}">{day}</a>'
            out.append(
                f"<tr><td>{day}</td><td>#{listing.rank}</td>"
                f"<td>{escape_text(self._score(listing.score))}</td></tr>\n"
            )
        out.append("</tbody>\n</table>\n</div>\n")
        if history.digests:
            out.append('<h2>In the digests</h2>\n<ul class="hotpapers-digests">\n')
            for found in history.digests:
                label = escape_text(found.digest.period.label)
                if found.url:
                    label = f'<a href="{escape_text(found.url)}">{label}</a>'
                so_far = "" if found.digest.complete else " (so far)"
                out.append(f"<li>{label}{so_far}: #{found.rank}</li>\n")
            out.append("</ul>\n")
        if history.posts:
            out.append("<h2>Top posts</h2>\n")
            writers = self.post_writers
            for post in history.posts:
                out.append(writers[post.source](post, None))
        out.append("</div>")
        return "".join(out)
