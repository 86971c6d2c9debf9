"""Turn posts into ranked papers: group, score, threshold, order.

The rules are the ones the reference "Hot Papers" posts were made with: a
paper's score is reposts + likes summed over the posts that link it; a paper
is listed from ``min_paper_score`` up; a post is embedded from
``min_post_score`` up, best first, at most ``max_posts_per_paper``.
Ties are broken by fixed keys so that two builds of one day never differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pelican_hotpapers.models import (
    Counts,
    Day,
    Entry,
    Paper,
    Post,
    RankedDay,
    RankedEntry,
    SourceCounts,
    posts_by_id,
)
from pelican_hotpapers.settings import RankingOptions
from pelican_hotpapers.sources import SOURCE_CLASSES


def post_sort_key(post: Post) -> tuple[int, int, float, str, str]:
    """Best post first; among equals the earlier one, then by source and id."""
    return (
        -post.score,
        -post.counts.reposts,
        post.created_at.timestamp(),
        post.source,
        post.id,
    )


def entry_sort_key(entry: Entry) -> tuple[int, int, str]:
    """Highest score first; ties go to more reposts, then to the arXiv id."""
    counts = entry.counts
    return (-counts.score, -counts.reposts, entry.paper.arxiv_id)


def build_entries(
    papers: Mapping[str, Paper], posts: Iterable[Post]
) -> tuple[Entry, ...]:
    """Group posts under the papers they link, as a fetcher stores a day.

    A post is counted once per paper even if it arrived twice or links the
    paper in several forms; a post linking two papers counts for both. Papers
    that arXiv did not describe (unknown or withdrawn ids) are left out.
    """
    grouped: dict[str, list[Post]] = {}
    for post in posts_by_id(posts).values():
        for arxiv_id in dict.fromkeys(post.arxiv_ids):
            if arxiv_id in papers:
                grouped.setdefault(arxiv_id, []).append(post)
    entries = [
        Entry(paper=papers[arxiv_id], posts=tuple(sorted(group, key=post_sort_key)))
        for arxiv_id, group in grouped.items()
    ]
    return tuple(sorted(entries, key=entry_sort_key))


def category_matches(category: str, pattern: str) -> bool:
    """Whether ``category`` falls under a filter item: exact, or a whole archive.

    ``cs.LG`` is matched by ``cs.LG``, ``cs`` and ``cs.*``.
    """
    category, pattern = category.lower(), pattern.lower()
    if pattern.endswith(".*"):
        pattern = pattern[:-2]
    if category == pattern:
        return True
    return "." not in pattern and category.split(".", 1)[0] == pattern


def paper_is_wanted(paper: Paper, options: RankingOptions) -> bool:
    """Apply the category include and exclude lists to any of a paper's categories."""
    categories = paper.categories or (
        (paper.primary_category,) if paper.primary_category else ()
    )
    if options.categories and not any(
        category_matches(c, p) for c in categories for p in options.categories
    ):
        return False
    return not any(
        category_matches(c, p) for c in categories for p in options.exclude_categories
    )


def source_counts(posts: Iterable[Post]) -> tuple[SourceCounts, ...]:
    """A paper's counts per source, in the order of SOURCE_CLASSES."""
    totals: dict[str, tuple[Counts, int]] = {}
    for post in posts:
        counts, number = totals.get(post.source, (Counts(), 0))
        totals[post.source] = (counts + post.counts, number + 1)
    order = {name: n for n, name in enumerate(SOURCE_CLASSES)}
    return tuple(
        SourceCounts(source, counts, number)
        for source, (counts, number) in sorted(
            totals.items(), key=lambda item: (order.get(item[0], len(order)), item[0])
        )
    )


def rank_day(day: Day, options: RankingOptions) -> RankedDay:
    """The listed papers of a day, in order, with the posts to embed.

    Scores are weighted per source by HOTPAPERS_SOURCE_WEIGHTS (1 each unless
    set, so a score is plain reposts + likes); a Hacker News story's points
    are its likes.
    """

    def post_score(post: Post) -> float:
        return options.weight(post.source) * post.score

    def post_key(post: Post) -> tuple[float, int, float, str, str]:
        return (-post_score(post), *post_sort_key(post)[1:])

    scored = []
    for entry in day.entries:
        # Duplicate posts are dropped before scoring, so that the order
        # follows the same scores that are listed.
        posts = sorted(posts_by_id(entry.posts).values(), key=post_key)
        score = sum(post_score(post) for post in posts)
        counts = Entry(entry.paper, tuple(posts)).counts
        scored.append((entry.paper, posts, counts, score))
    scored.sort(key=lambda item: (-item[3], -item[2].reposts, item[0].arxiv_id))

    ranked: list[RankedEntry] = []
    for paper, posts, counts, score in scored:
        if score < options.min_paper_score:
            continue
        if not paper_is_wanted(paper, options):
            continue
        embedded = [p for p in posts if post_score(p) >= options.min_post_score]
        ranked.append(
            RankedEntry(
                rank=len(ranked) + 1,
                paper=paper,
                counts=counts,
                score=int(score) if score == int(score) else round(score, 2),
                posts=tuple(embedded[: options.max_posts_per_paper]),
                post_count=len(posts),
                by_source=source_counts(posts),
            )
        )
        if options.max_papers is not None and len(ranked) >= options.max_papers:
            break
    return RankedDay(day=day, entries=tuple(ranked))
