"""Plain data for papers, posts and days, and their one JSON mapping.

These classes are the plugin's vocabulary: sources produce them, ranking
orders them, the archive stores them and the templates show them. This
module is the only place that knows the field names of the day files: the
``*_to_dict`` functions write them, and the ``*JSON`` structs with
:func:`decode_day` and :func:`day_from_dict` read them, so the file format
and the Python objects cannot drift apart. The JSON is a public contract
described by ``schema/day.schema.json``; bump :data:`SCHEMA_VERSION` when it
changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal

import msgspec

SCHEMA_VERSION = 3

# The classes below are frozen msgspec structs: plain data, compared, hashed,
# copied and pickled by their fields like frozen dataclasses, and made far
# quicker, as a build makes tens of thousands of them. gc=False: they hold
# no reference cycles, so Python's cyclic collector need not track them,
# and its passes (a few in a build, more as the interpreter exits) no longer
# walk every post and paper of the site. Use msgspec.structs.replace and
# msgspec.structs.fields where dataclasses' would be.


class Counts(msgspec.Struct, frozen=True, gc=False):
    """Engagement counts, as a platform reports them for one post or summed."""

    reposts: int = 0
    likes: int = 0
    quotes: int = 0
    replies: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.reposts + other.reposts,
            self.likes + other.likes,
            self.quotes + other.quotes,
            self.replies + other.replies,
        )

    @property
    def score(self) -> int:
        """Reposts plus likes: the measure the reference posts ranked by."""
        return self.reposts + self.likes


class Link(msgspec.Struct, frozen=True, gc=False):
    """A link inside a post's text.

    ``url`` is the text as it appears in the post (X writes t.co short links),
    ``expanded_url`` where it really leads, ``display_url`` what to show.
    """

    url: str
    expanded_url: str
    display_url: str = ""


class Paper(msgspec.Struct, frozen=True, gc=False):
    """An arXiv paper's metadata, as arXiv's API reports it."""

    arxiv_id: str
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    primary_category: str = ""
    categories: tuple[str, ...] = ()
    published: dt.date | None = None

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"


class Post(msgspec.Struct, frozen=True, gc=False):
    """One social-media post that links at least one arXiv paper."""

    source: str
    id: str
    url: str
    author_name: str
    author_handle: str
    text: str
    created_at: dt.datetime
    counts: Counts = msgspec.field(default_factory=Counts)
    lang: str = ""
    arxiv_ids: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    #: The platform's stable id of the author (X user id, Bluesky DID); empty
    #: in days stored before schema version 3, which are told apart by handle.
    author_id: str = ""
    #: The author's follower count when the post was read, if the source says.
    author_followers: int | None = None

    @property
    def score(self) -> int:
        return self.counts.score


class Entry(msgspec.Struct, frozen=True, gc=False):
    """A paper of the day and every post that linked it.

    The totals are derived from the posts, never stored apart from them, so a
    day file cannot hold a score that its posts do not add up to.
    """

    paper: Paper
    posts: tuple[Post, ...] = ()

    @property
    def counts(self) -> Counts:
        total = Counts()
        for post in self.posts:
            total = total + post.counts
        return total

    @property
    def score(self) -> int:
        return self.counts.score


class Day(msgspec.Struct, frozen=True, gc=False):
    """What was seen about arXiv papers on one date, and when it was counted."""

    date: dt.date
    counts_taken_at: dt.datetime
    sources: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    #: Sources that were asked but did not answer: the day is partial, and a
    #: later fetch completes it.
    failed_sources: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.failed_sources)


class SourceCounts(msgspec.Struct, frozen=True, gc=False):
    """A paper's counts on one source ("X: 120 reposts, 300 likes").

    ``label`` is the source as readers know it ("X", "HN"), and ``words``
    its counts in its service's words, each a field of :class:`Counts` and
    the word for it ((("likes", "points"), ("replies", "comments")) on
    Hacker News), for the pages. Ranking writes both, from the sources'
    registry (:func:`pelican_hotpapers.sources.source_label` and
    :func:`~pelican_hotpapers.sources.source_words`), which this module sits
    below and cannot ask.
    """

    source: str
    counts: Counts
    post_count: int
    label: str
    words: tuple[tuple[str, str], ...] = (("reposts", "reposts"), ("likes", "likes"))


class Flag(msgspec.Struct, frozen=True, gc=False):
    """Why a post counts less than its raw counts, in words a reader can see.

    ``kind`` names the rule ("amplified", "hashtag", "same-account",
    "ignored"; templates use it as the class ``hotpapers-flag-<kind>``);
    ``label`` is the short text shown, e.g. "amplified: 1155 reposts, 15 likes".
    """

    kind: str
    label: str


class CountedPost(msgspec.Struct, frozen=True, gc=False):
    """One post of a paper as ranking counted it, with the reasons.

    ``value`` is what the post is worth on its own, in units of reposts +
    likes (after caps and weights); ``counted`` is what it adds to the
    paper's score: its value when ``counted_in``, else 0 (another post of the
    same account, ``instead_of``, counted instead, or the account is
    ignored). ``weight`` is what the post's engagement was multiplied by:
    ``source_weight`` (HOTPAPERS_SOURCE_WEIGHTS), times the hashtag
    stuffing weight if flagged. ``rules`` are the robust rules it was
    counted by, None under the "sum" ranking. :attr:`reason` spells the
    arithmetic out from these, by ``explain``: the function of the ranking
    that counted the post (``ranking.reason_text``), which this module sits
    below and cannot import.
    """

    post: Post
    value: float
    counted: float
    reposts_counted: int
    weight: float
    flags: tuple[Flag, ...] = ()
    counted_in: bool = True
    #: The ``settings.RobustRules`` it was counted by, None under "sum".
    #: Typed Any: settings.py builds on this module, and an annotation that
    #: names a class imported for type checkers only would fail wherever
    #: the fields are read (``msgspec.structs.fields``, ``get_type_hints``).
    rules: Any = None
    source_weight: float = 1.0
    instead_of: str = ""
    #: Writes :attr:`reason` from the fields above. A module-level function,
    #: so a post pickles (in the render memo) by its name; None for a post
    #: that no ranking counted, which has no reason to give.
    explain: Callable[[CountedPost], str] | None = None

    @property
    def reason(self) -> str:
        """The arithmetic in words, for ``show --explain`` and the JSON export.

        Written when read, from the numbers above: a build counts every post
        of every day, but no page shows a reason. "" when no ranking
        counted the post.
        """
        explain = self.explain
        return "" if explain is None else explain(self)


class RankedEntry(msgspec.Struct, frozen=True, gc=False):
    """An entry as it is listed: its rank and the posts chosen for embedding.

    ``score`` is what HOTPAPERS_RANKING made of the posts (in "sum" mode,
    reposts + likes weighted by HOTPAPERS_SOURCE_WEIGHTS); ``counts`` are the
    plain totals. ``counted_posts`` holds every post with what it counted
    and why, best first; ``accounts`` is how many accounts posted the paper.
    """

    rank: int
    paper: Paper
    counts: Counts
    score: float
    posts: tuple[Post, ...]
    post_count: int
    by_source: tuple[SourceCounts, ...] = ()
    accounts: int = 0
    counted_posts: tuple[CountedPost, ...] = ()

    def flags_for(self, post: Post) -> tuple[Flag, ...]:
        """The flags of one of this paper's posts, for its label in a template."""
        for counted in self.counted_posts:
            if counted.post.id == post.id and counted.post.source == post.source:
                return counted.flags
        return ()


class RankedDay(msgspec.Struct, frozen=True, gc=False):
    """A day after ranking: what an article shows and what themes receive."""

    day: Day
    entries: tuple[RankedEntry, ...]

    @property
    def date(self) -> dt.date:
        return self.day.date

    @property
    def counts_taken_at(self) -> dt.datetime:
        return self.day.counts_taken_at

    @property
    def sources(self) -> tuple[str, ...]:
        return self.day.sources

    @property
    def failed_sources(self) -> tuple[str, ...]:
        return self.day.failed_sources

    @property
    def partial(self) -> bool:
        return self.day.partial


# --- Text from outside -------------------------------------------------------

# Characters no HTML or XML page may carry: C0 controls other than tab, newline
# and carriage return, lone surrogates (which cannot even be written as
# UTF-8), and the noncharacters U+FFFE and U+FFFF. Browsers show U+FFFD for
# them; so do we, so a feed stays valid XML and a page can always be written.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` with every character that cannot appear in a page replaced by U+FFFD."""
    return _replace_unsafe(text)


_replace_unsafe = functools.partial(_UNSAFE_CHARS.sub, "\ufffd")


def clean_json(value: Any) -> Any:
    """Every string inside parsed JSON passed through :func:`clean_text`.

    Applied where text enters: a day file read from disk, an API answer.
    """
    # The regular expression's own method, one call a string: the walk of a
    # day whose text is escaped takes no longer than the recursion it was.
    return _rebuild_json(value, _replace_unsafe)


def _same(value: Any) -> Any:
    return value


def _rebuild_json(
    value: Any,
    text: Callable[[str], Any],
    real: Callable[[float], Any] = _same,
) -> Any:
    """A copy of parsed JSON with ``text`` applied to every string, keys
    too, and ``real`` to every float.

    A loop, not a recursion: ``json.loads`` reads JSON nested some hundreds
    of levels deep, which a recursive walk of its result cannot.
    """
    root = [None]
    pending: list[tuple[Any, Any]] = [([value], root)]
    while pending:
        source, target = pending.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(key, str):
                key = text(key)
            if isinstance(item, str):
                item = text(item)
            elif isinstance(item, float):
                item = real(item)
            elif isinstance(item, list | dict):
                child = _empty_like(item)
                pending.append((item, child))
                item = child
            target[key] = item
    return root[0]


def _empty_like(container: list[Any] | dict[Any, Any]) -> list[Any] | dict[Any, Any]:
    return [None] * len(container) if isinstance(container, list) else {}


# --- JSON mapping -----------------------------------------------------------


def _datetime_to_json(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"datetime {value!r} has no timezone")
    return value.isoformat()


def _datetime_from_json(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        # The schema asks for an offset; a naive time is read as UTC rather
        # than as the machine's local time, which would differ per builder.
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def counts_to_dict(counts: Counts) -> dict[str, int]:
    return {
        "reposts": counts.reposts,
        "likes": counts.likes,
        "quotes": counts.quotes,
        "replies": counts.replies,
    }


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    return {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "primary_category": paper.primary_category,
        "categories": list(paper.categories),
        "published": paper.published.isoformat() if paper.published else None,
    }


def post_to_dict(post: Post) -> dict[str, Any]:
    return {
        "source": post.source,
        "id": post.id,
        "url": post.url,
        "author_name": post.author_name,
        "author_handle": post.author_handle,
        "text": post.text,
        "lang": post.lang,
        "created_at": _datetime_to_json(post.created_at),
        "counts": counts_to_dict(post.counts),
        "arxiv_ids": list(post.arxiv_ids),
        "links": [
            {
                "url": link.url,
                "expanded_url": link.expanded_url,
                "display_url": link.display_url,
            }
            for link in post.links
        ],
        "author_id": post.author_id,
        "author_followers": post.author_followers,
    }


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    # counts and score are written for the convenience of other readers of
    # the files; on reading they are recomputed from the posts.
    return {
        "paper": paper_to_dict(entry.paper),
        "counts": counts_to_dict(entry.counts),
        "score": entry.score,
        "posts": [post_to_dict(post) for post in entry.posts],
    }


def day_to_dict(day: Day) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "date": day.date.isoformat(),
        "counts_taken_at": _datetime_to_json(day.counts_taken_at),
        "sources": list(day.sources),
        "failed_sources": list(day.failed_sources),
        "entries": [entry_to_dict(entry) for entry in day.entries],
    }


# --- Reading a day file -------------------------------------------------------
#
# msgspec decodes a day file into the structs below and checks it in the same
# pass; the structs are then made into the classes above, whose fields they
# share by name (a field of a class that its struct lacks takes its
# default, and one of a struct that its class lacks is not read). They are
# schema/day.schema.json written as Python types, one per definition, with
# its required fields, patterns and minimums: tests/test_models.py holds
# msgspec's JSON Schema of them to the published file, and tests/test_archive.py
# holds both to the same verdicts on thousands of altered days.

_Count = Annotated[int, msgspec.Meta(ge=0)]
# A day names the same few sources and arXiv ids many times over (nearly
# every post is from "x", and names its paper's id again): _day_from_json
# checks each one that differs against the pattern, once, where msgspec
# would check every time one comes, which cost a tenth of reading a day.
_SOURCE = re.compile(r"^[a-z][a-z0-9_-]*$")
_ARXIV_ID = re.compile(r"^([0-9]{4}\.[0-9]{4,5}|[a-z]+(-[a-z]+)?/[0-9]{7})$")
_Source = Annotated[str, msgspec.Meta(extra_json_schema={"pattern": _SOURCE.pattern})]
# msgspec cannot check uniqueItems: _day_from_json does.
_Sources = Annotated[
    tuple[_Source, ...], msgspec.Meta(extra_json_schema={"uniqueItems": True})
]
_ArxivId = Annotated[
    str, msgspec.Meta(extra_json_schema={"pattern": _ARXIV_ID.pattern})
]
_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_Date = Annotated[str, msgspec.Meta(pattern=_DATE_PATTERN)]
# Dates and times stay text until Python's fromisoformat reads them, as it
# always has: msgspec's own reader takes fewer forms (no "13:59Z" without
# seconds) and rounds a time to the microsecond where Python cuts it.
_DayDate = Annotated[
    str, msgspec.Meta(pattern=_DATE_PATTERN, extra_json_schema={"format": "date"})
]
_DateTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
        r"(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$"
    ),
]


# gc=False: the structs hold no cycles, so the collector need not track the
# thousands of them a build makes and drops.
class CountsJSON(msgspec.Struct, kw_only=True, gc=False):
    reposts: _Count
    likes: _Count
    quotes: _Count = 0
    replies: _Count = 0


class LinkJSON(msgspec.Struct, kw_only=True, gc=False):
    url: str
    expanded_url: str
    display_url: str = ""


class PaperJSON(msgspec.Struct, kw_only=True, gc=False):
    arxiv_id: _ArxivId
    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    primary_category: str = ""
    categories: tuple[str, ...] = ()
    published: _Date | None = None


class PostJSON(msgspec.Struct, kw_only=True, gc=False):
    source: _Source
    id: Annotated[str, msgspec.Meta(min_length=1)]
    url: str
    author_name: str = ""
    author_handle: str = ""
    author_id: str = ""
    author_followers: _Count | None = None
    text: str = ""
    lang: str = ""
    created_at: _DateTime
    counts: CountsJSON
    arxiv_ids: tuple[_ArxivId, ...] = ()
    links: tuple[LinkJSON, ...] = ()


class EntryJSON(msgspec.Struct, kw_only=True, gc=False):
    paper: PaperJSON
    # Written for other readers of the files: checked, but not read, as
    # Entry derives them from the posts.
    counts: CountsJSON | msgspec.UnsetType = msgspec.UNSET
    score: _Count | msgspec.UnsetType = msgspec.UNSET
    posts: tuple[PostJSON, ...]


class DayJSON(msgspec.Struct, kw_only=True, gc=False):
    """A day file of the current version, as JSON types."""

    schema_version: Literal[SCHEMA_VERSION]
    date: _DayDate
    counts_taken_at: _DateTime
    sources: _Sources
    failed_sources: _Sources
    entries: tuple[EntryJSON, ...]


_DAY_DECODER = msgspec.json.Decoder(DayJSON)


def decode_day(raw: bytes) -> Day:
    """The day in a file's bytes, decoded and checked in one pass.

    The quick way for a file of the current version. Raises ValueError (as
    msgspec's errors are) for any other: ``archive.parse_day`` then reads
    it with ``json`` and :func:`day_from_dict`, and says what is wrong.
    """
    return _day_from_json(_DAY_DECODER.decode(raw))


def day_from_dict(data: Mapping[str, Any]) -> Day:
    """A day from parsed JSON of the current version. Raises ValueError."""
    try:
        parsed = msgspec.convert(data, DayJSON)
    except msgspec.ValidationError:
        # JSON Schema counts 5.0 and 1e3 as integers; msgspec only 5 and 1000.
        whole = _rebuild_json(data, _same, _whole_number_as_int)
        parsed = msgspec.convert(whole, DayJSON)
    return _day_from_json(parsed)


def _whole_number_as_int(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def _day_from_json(day: DayJSON) -> Day:
    for name in ("sources", "failed_sources"):
        sources = getattr(day, name)
        if len(set(sources)) < len(sources):
            raise ValueError(f"{name} names a source twice")
    # Python reads the dates and times (see _DayDate), each into its struct
    # in place of its text, in the order the fields come, so that the first
    # bad one is the one named. msgspec then makes the frozen classes from
    # the structs' fields of the same names, setting their slots from C: less
    # than half the time that calling each class's __init__ took. (Not from
    # properties that read the text: msgspec takes an error raised by one
    # for a missing field, and would give the field its default.)
    day.date = dt.date.fromisoformat(day.date)
    day.counts_taken_at = _datetime_from_json(day.counts_taken_at)
    sources = {*day.sources, *day.failed_sources}
    arxiv_ids = set()
    for entry in day.entries:
        paper = entry.paper
        arxiv_ids.add(paper.arxiv_id)
        paper.published = (
            dt.date.fromisoformat(paper.published) if paper.published else None
        )
        for post in entry.posts:
            sources.add(post.source)
            arxiv_ids.update(post.arxiv_ids)
            post.created_at = _datetime_from_json(post.created_at)
    _check_pattern(sources, _SOURCE, "a source's name")
    _check_pattern(arxiv_ids, _ARXIV_ID, "an arXiv id")
    return msgspec.convert(day, Day, from_attributes=True)


def _check_pattern(values: set[str], pattern: re.Pattern[str], what: str) -> None:
    # fullmatch: the schema's "$" is the end of the text (as JSON Schema and
    # fastjsonschema read it), where re.search's "$", and msgspec's, also
    # matches before a last newline.
    for value in values:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")


def posts_by_id(posts: Iterable[Post]) -> dict[tuple[str, str], Post]:
    """Posts keyed by (source, id), the last one seen winning.

    A post can arrive twice (a page repeated, or two links to one paper); the
    key makes sure its counts are added once.
    """
    return {(post.source, post.id): post for post in posts}
