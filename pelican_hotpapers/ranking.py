"""Turn posts into ranked papers: group, score, threshold, order.

Two rankings, chosen by HOTPAPERS_RANKING:

- ``"sum"`` is the rule the reference "Hot Papers" posts were made with: a
  paper's score is reposts + likes summed over the posts that link it.
- ``"robust"`` (the default) counts the same engagement with rules against
  amplification and spam: one account counts once per paper; reposts far
  beyond a post's likes, quotes and replies are capped ("amplified"); a post
  that is mostly hashtags and mentions is down-weighted ("hashtag
  stuffing"); one account's engagement counts with diminishing returns above
  a knee, so a paper discussed by many accounts beats one carried by a single
  post; accounts in HOTPAPERS_IGNORE_ACCOUNTS are never counted. Below the
  knee and without flags a post counts exactly its reposts + likes, so the
  thresholds keep their meaning. docs/ranking.rst gives the reason for each rule.

Either way a paper is listed from ``min_paper_score`` up; a post is embedded
from ``min_post_score`` up, best first, at most ``max_posts_per_paper``. Each
post carries what it counted and why (:class:`CountedPost`), for the labels
in the templates and ``pelican-hotpapers show --explain``. Ties are broken
by fixed keys, so that two builds of one day never differ: a ranking is a
pure function of the stored posts and the settings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from msgspec.structs import replace

from pelican_hotpapers.models import (
    CountedPost,
    Counts,
    Day,
    Entry,
    Flag,
    Paper,
    Post,
    RankedDay,
    RankedEntry,
    SourceCounts,
    posts_by_id,
)
from pelican_hotpapers.settings import RankingOptions, RobustRules
from pelican_hotpapers.sources import SOURCE_CLASSES, source_label, source_words


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
    if not options.categories and not options.exclude_categories:
        return True
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


def total_counts(posts: Iterable[Post]) -> Counts:
    """The posts' counts added up (``Entry.counts``, without an Entry)."""
    reposts = likes = quotes = replies = 0
    for post in posts:
        counts = post.counts
        reposts += counts.reposts
        likes += counts.likes
        quotes += counts.quotes
        replies += counts.replies
    return Counts(reposts, likes, quotes, replies)


def source_counts(posts: Iterable[Post]) -> tuple[SourceCounts, ...]:
    """A paper's counts per source, in the order of SOURCE_CLASSES."""
    by_source: dict[str, list[Post]] = {}
    for post in posts:
        by_source.setdefault(post.source, []).append(post)
    if len(by_source) > 1:
        order = {name: n for n, name in enumerate(SOURCE_CLASSES)}
        by_source = dict(
            sorted(
                by_source.items(),
                key=lambda item: (order.get(item[0], len(order)), item[0]),
            )
        )
    return tuple(
        SourceCounts(
            source,
            total_counts(group),
            len(group),
            source_label(source),
            source_words(source),
        )
        for source, group in by_source.items()
    )


# --- the rules of robust ranking -------------------------------------------

# A token that is a link, written out (https://...) or bare (pic.twitter.com/…,
# Bluesky's shortened arxiv.org/abs/…): not a word of the post.
_BARE_LINK = re.compile(r"[\w-]+(?:\.[\w-]+)+/")
_OPENING = "([{\"'“‘«"


def tag_counts(text: str) -> tuple[int, int, int]:
    """The hashtags, mentions and words of a post's text, links left out.

    A run of mentions at the very start is a reply's address line (X puts
    the handles a reply answers there), not promotion, so it is skipped.
    """
    hashtags = mentions = words = 0
    leading = True
    for raw in text.split():
        if "://" in raw or _BARE_LINK.match(raw):
            continue
        token = raw.lstrip(_OPENING)
        if (
            len(token) > 1
            and token[0] in "#@"
            and (token[1].isalnum() or token[1] == "_")
        ):
            if token[0] == "@":
                if leading:
                    continue
                mentions += 1
            else:
                hashtags += 1
            words += 1
        elif any(ch.isalnum() for ch in token):
            words += 1
        leading = False
    return hashtags, mentions, words


def stuffing_flag(text: str, rules: RobustRules) -> Flag | None:
    """A "hashtag stuffing" flag when a post is mostly hashtags and mentions.

    Tag-following accounts repost such posts whatever they link, so their
    engagement says little about the paper.
    """
    # Most posts hold few # and @: decided without reading the words.
    if text.count("#") + text.count("@") < min(
        rules.stuffing_min_tags, rules.stuffing_hashtags
    ):
        return None
    hashtags, mentions, words = tag_counts(text)
    tags = hashtags + mentions
    if hashtags < rules.stuffing_hashtags and not (
        tags >= rules.stuffing_min_tags and tags >= rules.stuffing_share * words
    ):
        return None
    what = _plural(hashtags, "hashtag") + (
        f", {_plural(mentions, 'mention')}" if mentions else ""
    )
    return Flag("hashtag", f"hashtag stuffing: {what} in {words} words")


def account_key(post: Post) -> tuple[str, str]:
    """Who wrote a post, as (source, account): one account, one key.

    The platform's id (X user id, Bluesky DID) survives a change of handle
    and is used where stored; days stored before schema version 3 know only
    handles (case-insensitive on every source). A post without either is an
    account of its own. The key depends on the post alone, so adding a post
    to a day never merges two accounts that were apart.
    """
    if post.author_id:
        return (post.source, post.author_id)
    if post.author_handle:
        return (post.source, "@" + post.author_handle.casefold())
    return (post.source, "#" + post.id)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def number(value: float) -> str:
    """A count or score as a reader reads it: 1170, 538.43, 0.5."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _post_order(counted: CountedPost) -> tuple[float, int, float, str, str]:
    return (-counted.value, *post_sort_key(counted.post)[1:])


def _best_first(items: Iterable[CountedPost]) -> list[CountedPost]:
    """Counted posts in ranking order.

    Most papers have one post, and a lone post needs no sort key (a tuple
    of five, with the post's timestamp).
    """
    ordered = list(items)
    if len(ordered) > 1:
        ordered.sort(key=_post_order)
    return ordered


def _shown_score(score: float) -> float:
    return int(score) if score == int(score) else round(score, 2)


def _tally(posts: list[Post]) -> tuple[Counts, tuple[SourceCounts, ...]]:
    """A paper's total counts and its counts per source.

    Most papers' posts come from one source, whose counts are the total, and
    most papers have one post, whose counts are the total too.
    """
    if len(posts) == 1:
        post = posts[0]
        return post.counts, (
            SourceCounts(
                post.source,
                post.counts,
                1,
                source_label(post.source),
                source_words(post.source),
            ),
        )
    counts = total_counts(posts)
    if len({post.source for post in posts}) == 1:
        source = posts[0].source
        return counts, (
            SourceCounts(
                source, counts, len(posts), source_label(source), source_words(source)
            ),
        )
    return counts, source_counts(posts)


# Not frozen, unlike the public classes: a frozen dataclass's __init__ costs
# about five times as much, and one is made for every paper of every day.
# Nothing changes one once it is made.
@dataclass(slots=True)
class _Scored:
    """A paper after counting, before thresholds and ranks."""

    paper: Paper
    counted: tuple[CountedPost, ...]
    counts: Counts
    score: float
    accounts: int
    post_count: int
    by_source: tuple[SourceCounts, ...]
    order: tuple[float, int, int, str]


def _score_sum(entry: Entry, options: RankingOptions) -> _Scored:
    """The reference's rule: reposts + likes, weighted per source, summed."""
    counted = []
    # Duplicate posts are dropped before scoring, so that the order follows
    # the same scores that are listed.
    posts = list(posts_by_id(entry.posts).values())
    for post in posts:
        weight = options.weight(post.source)
        value = weight * post.score
        counted.append(
            CountedPost(
                post,
                value=value,
                counted=value,
                reposts_counted=post.counts.reposts,
                weight=weight,
                source_weight=weight,
                explain=reason_text,
            )
        )
    counted = _best_first(counted)
    score = sum(item.counted for item in counted)
    counts, by_source = _tally(posts)
    return _Scored(
        paper=entry.paper,
        counted=tuple(counted),
        counts=counts,
        score=score,
        accounts=len({account_key(post) for post in posts}),
        post_count=len(posts),
        by_source=by_source,
        order=(-score, -counts.reposts, 0, entry.paper.arxiv_id),
    )


def _account_value(engagement: int, knee: float) -> float:
    """One account's engagement on a paper, with diminishing returns.

    Above the knee it counts by ln, with the same slope (1) at the knee, so
    the curve has no kink.
    """
    if engagement > knee:
        return knee * (1 + math.log(engagement / knee))
    return engagement


_IGNORED = Flag("ignored", "ignored account")
_SAME_ACCOUNT = Flag("same-account", "same account: counted once")


class _RobustScorer:
    """The robust rules, set up once for a day from the ranking options."""

    def __init__(self, options: RankingOptions) -> None:
        self.rules = options.rules
        self.weights = dict(options.weights)
        self.ignored = {
            source: frozenset(names) for source, names in options.ignore_accounts
        }

    def is_ignored(self, post: Post) -> bool:
        names = self.ignored.get(post.source)
        return bool(names) and (
            post.author_handle.casefold() in names or post.author_id.casefold() in names
        )

    def judge(self, post: Post) -> CountedPost:
        """One post on its own: caps, weights and the knee (``reason_text``
        says why, step by step)."""
        rules = self.rules
        counts = post.counts
        flags: tuple[Flag, ...] = ()
        reposts = counts.reposts
        # Likes, quotes and replies take a person; reposts can be bought or
        # made by bots that follow hashtags. Far more reposts than any of
        # those is amplification: the reposts count only up to a cap.
        cap = int(
            rules.amplification_ratio * (counts.likes + counts.quotes + counts.replies)
            + rules.amplification_allowance
            + 1e-9
        )
        if reposts > cap:
            reposts = cap
            flags = (
                Flag(
                    "amplified",
                    f"amplified: {counts.reposts} reposts, {counts.likes} likes",
                ),
            )
        value = _account_value(counts.likes + reposts, rules.account_knee)
        source_weight = weight = self.weights.get(post.source, 1.0)
        stuffing = stuffing_flag(post.text, rules)
        if stuffing is not None:
            weight *= rules.stuffing_weight
            flags = (*flags, stuffing)
        value *= weight
        return CountedPost(
            post,
            value=value,
            counted=value,
            reposts_counted=reposts,
            weight=weight,
            flags=flags,
            rules=rules,
            source_weight=source_weight,
            explain=reason_text,
        )

    def score(self, entry: Entry) -> _Scored | None:
        """A paper under the robust rules; None when no post of it counts."""
        if len(entry.posts) == 1:
            # Most papers have one post: no duplicate to drop, and no second
            # post of an account.
            post = entry.posts[0]
            if self.is_ignored(post):
                return None
            return _robust_scored(entry.paper, [self.judge(post)], [post], ())
        ignored: list[CountedPost] = []
        best: dict[tuple[str, str], CountedPost] = {}
        others: list[tuple[tuple[str, str], CountedPost]] = []
        for post in posts_by_id(entry.posts).values():
            if self.is_ignored(post):
                ignored.append(
                    CountedPost(
                        post,
                        value=0,
                        counted=0,
                        reposts_counted=0,
                        weight=0,
                        flags=(_IGNORED,),
                        counted_in=False,
                        rules=self.rules,
                        explain=reason_text,
                    )
                )
                continue
            judged = self.judge(post)
            key = account_key(post)
            held = best.get(key)
            if held is None:
                best[key] = judged
            elif _post_order(judged) < _post_order(held):
                best[key] = judged
                others.append((key, held))
            else:
                others.append((key, judged))
        if not best:
            return None
        # One account counts once per paper: its best post; the others are
        # listed (and explained) but add nothing.
        repeated = [
            replace(
                item,
                counted=0,
                counted_in=False,
                flags=(*item.flags, _SAME_ACCOUNT),
                instead_of=best[key].post.id,
            )
            for key, item in others
        ]
        counted = _best_first(best.values())
        return _robust_scored(
            entry.paper,
            counted,
            [item.post for item in (*counted, *repeated)],
            (*_best_first(repeated), *_best_first(ignored)),
        )


def _robust_scored(
    paper: Paper,
    counted: list[CountedPost],
    listed: list[Post],
    not_counted: tuple[CountedPost, ...],
) -> _Scored:
    """A paper under the robust rules, from its accounts' best posts.

    ``counted`` are those posts, best first; ``listed`` the posts of the
    accounts that count (their other posts too); ``not_counted`` the
    explained posts that add nothing, in the order they are listed.
    """
    score = sum(item.counted for item in counted)
    counts, by_source = _tally(listed)
    return _Scored(
        paper=paper,
        counted=(*counted, *not_counted),
        counts=counts,
        score=score,
        accounts=len(counted),
        post_count=len(listed),
        by_source=by_source,
        # Ties go to more accounts (breadth), then more likes.
        order=(-score, -len(counted), -counts.likes, paper.arxiv_id),
    )


def rank_day(day: Day, options: RankingOptions) -> RankedDay:
    """The listed papers of a day, in order, with the posts to embed.

    Scores are weighted per source by HOTPAPERS_SOURCE_WEIGHTS (1 each unless
    set); a Hacker News story's points are its likes. In "sum" mode a score
    is plain reposts + likes; in "robust" mode it is counted by the rules
    above, in the same units.
    """
    return Ranker(options, remember=False).rank(day)


class Ranker:
    """Ranks days by one set of rules, and counts each paper's posts once.

    A digest ranks its period by the same rules as the days, and most of its
    papers were listed on one day of it only, from the very same posts: the
    count that day made is taken instead of made again. Make one per build:
    it keeps every count it made (with the posts counted, so that a count is
    only ever taken for the same objects). With ``remember`` false (a
    site without digests) it keeps none.
    """

    def __init__(self, options: RankingOptions, *, remember: bool = True) -> None:
        self.options = options
        self.remember = remember
        self._robust = _RobustScorer(options) if options.mode == "robust" else None
        self._scored: dict[tuple[int, ...], tuple[Entry, _Scored | None]] = {}

    def score(self, entry: Entry) -> _Scored | None:
        """A paper counted by the rules; None when no post of it counts."""
        if not self.remember:
            return self._count(entry)
        key = (id(entry.paper), *map(id, entry.posts))
        held = self._scored.get(key)
        if held is not None:
            return held[1]
        scored = self._count(entry)
        # The entry keeps its paper and posts alive, so no other object can
        # take their ids while the count is kept.
        self._scored[key] = (entry, scored)
        return scored

    def _count(self, entry: Entry) -> _Scored | None:
        if self._robust is None:
            return _score_sum(entry, self.options)
        return self._robust.score(entry)

    def rank(self, day: Day, max_papers: int | None = None) -> RankedDay:
        """The day's list; ``max_papers``, if given, in place of the options' own.

        A digest lists HOTPAPERS_DIGEST_MAX_PAPERS papers (always a number),
        a day HOTPAPERS_MAX_PAPERS (None for no limit).
        """
        options = self.options
        limit = options.max_papers if max_papers is None else max_papers
        scored = [item for item in map(self.score, day.entries) if item is not None]
        scored.sort(key=lambda item: item.order)

        ranked: list[RankedEntry] = []
        for item in scored:
            if item.score < options.min_paper_score:
                continue
            if not paper_is_wanted(item.paper, options):
                continue
            embedded = [
                counted.post
                for counted in item.counted
                if counted.counted_in and counted.value >= options.min_post_score
            ]
            ranked.append(
                RankedEntry(
                    rank=len(ranked) + 1,
                    paper=item.paper,
                    counts=item.counts,
                    score=_shown_score(item.score),
                    posts=tuple(embedded[: options.max_posts_per_paper]),
                    post_count=item.post_count,
                    by_source=item.by_source,
                    accounts=item.accounts,
                    counted_posts=item.counted,
                )
            )
            if limit is not None and len(ranked) >= limit:
                break
        return RankedDay(day=day, entries=tuple(ranked))


def reason_text(counted: CountedPost) -> str:
    """How ranking counted a post, step by step (``CountedPost.reason``).

    Made from the numbers the post carries, by the same arithmetic that
    counted it: under the robust rules the caps, the knee and the weights,
    or why it is not counted at all; under the "sum" ranking the plain sum.
    """
    post, counts, value = counted.post, counted.post.counts, counted.value
    kinds = {flag.kind for flag in counted.flags}
    if "ignored" in kinds:
        return (
            f"not counted: @{post.author_handle or post.author_id} "
            "is in HOTPAPERS_IGNORE_ACCOUNTS"
        )
    if "same-account" in kinds:
        return (
            f"not counted: the same account's post {counted.instead_of} "
            f"counts instead (one account counts once per paper); alone it "
            f"would count {number(value)}"
        )
    rules = counted.rules
    if rules is None:
        plain = f"{counts.reposts} reposts + {counts.likes} likes"
        weight = counted.weight
        reason = plain if weight == 1 else f"{number(weight)} × ({plain})"
        return f"counted {number(value)} = {reason}"
    steps: list[str] = []
    reposts = counted.reposts_counted
    if reposts < counts.reposts:
        steps.append(
            f"reposts capped at {reposts} = {number(rules.amplification_ratio)} × "
            f"({counts.likes} likes + {counts.quotes} quotes + "
            f"{counts.replies} replies) + {number(rules.amplification_allowance)}"
        )
    engagement = counts.likes + reposts
    steps.append(f"{counts.likes} likes + {reposts} reposts = {engagement}")
    knee = rules.account_knee
    if engagement > knee:
        steps.append(
            f"one account above {number(knee)} counts with diminishing "
            f"returns: {number(_account_value(engagement, knee))}"
        )
    if counted.source_weight != 1:
        steps.append(
            f"× {number(counted.source_weight)} for {source_label(post.source)} "
            "(HOTPAPERS_SOURCE_WEIGHTS)"
        )
    if "hashtag" in kinds:
        steps.append(f"× {number(rules.stuffing_weight)} for hashtag stuffing")
    return f"counted {number(value)}: " + "; ".join(steps)


def explain_lines(
    ranked: RankedDay, options: RankingOptions | None = None
) -> list[str]:
    """Why each listed paper ranks where it does, post by post, as text lines.

    For ``pelican-hotpapers show D --explain``: each post's raw counts, what
    it counted, and why (flags, caps, the one-account rule, ignored
    accounts). "+" marks a post counted in the score, "-" one that is not.
    """
    lines: list[str] = []
    if options is not None:
        lines.append(f"Ranking: HOTPAPERS_RANKING = {options.mode!r}")
        if options.mode == "robust":
            rules = options.rules
            lines.append(
                "  reposts count up to "
                f"{number(rules.amplification_ratio)} × (likes + quotes + replies) "
                f"+ {number(rules.amplification_allowance)}; hashtag stuffing × "
                f"{number(rules.stuffing_weight)}; one account counts once per "
                f"paper, in full up to {number(rules.account_knee)}"
            )
    for entry in ranked.entries:
        raw = entry.counts
        accounts = _plural(entry.accounts, "account")
        posts = _plural(entry.post_count, "post")
        lines.append("")
        lines.append(
            f"{entry.rank}. {entry.paper.arxiv_id}  score {number(entry.score)}  "
            f"{accounts}, {posts}  (raw {raw.reposts} reposts + {raw.likes} likes "
            f"= {raw.score})"
        )
        lines.append(f"   {entry.paper.title}")
        shown = {(post.source, post.id) for post in entry.posts}
        for counted in entry.counted_posts:
            post = counted.post
            c = post.counts
            who = f"@{post.author_handle}" if post.author_handle else post.author_name
            if post.author_followers is not None:
                who += f" ({post.author_followers:,} followers)"
            embedded = ", embedded" if (post.source, post.id) in shown else ""
            lines.append(
                f"   {'+' if counted.counted_in else '-'} "
                f"{source_label(post.source)} {who}: {c.reposts} reposts, "
                f"{c.likes} likes, {c.quotes} quotes, {c.replies} replies "
                f"[{post.id}{embedded}]"
            )
            for flag in counted.flags:
                lines.append(f"       flag: {flag.label}")
            lines.append(f"       {counted.reason}")
    if not ranked.entries:
        lines.append("(no paper listed)")
    return lines
