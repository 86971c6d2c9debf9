"""The site's days as JSON, for other sites, bots and notebooks.

A built site gets ``hotpapers/YYYY-MM-DD.json`` (a day's list as shown) and
``hotpapers/index.json`` (every day with its top papers and links). Their
format is a public contract, described by ``schema/site-day.schema.json``
and ``schema/site-index.schema.json``; bump :data:`SITE_SCHEMA_VERSION` when
it changes. These files are outputs of the build, written under OUTPUT_PATH,
never into the data folder.
"""

from __future__ import annotations

import contextlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema
import msgspec

from pelican_hotpapers.archive import write_atomically
from pelican_hotpapers.history import SiteHistory
from pelican_hotpapers.models import (
    CountedPost,
    RankedDay,
    RankedEntry,
    counts_to_dict,
    paper_to_dict,
    post_to_dict,
)

SITE_SCHEMA_VERSION = 1
#: Where the files go, relative to OUTPUT_PATH.
JSON_FOLDER = "hotpapers"
INDEX_NAME = "index.json"


def _absolute(siteurl: str, path: str | None) -> str | None:
    """A site path as a link: under SITEURL when it is set, else from the root."""
    if path is None:
        return None
    return f"{siteurl.rstrip('/')}/{path}" if siteurl else path


def day_json_path(date_text: str) -> str:
    return f"{JSON_FOLDER}/{date_text}.json"


def _entry(
    site: SiteHistory, ranked: RankedDay, entry: RankedEntry, siteurl: str
) -> dict[str, Any]:
    arxiv_id = entry.paper.arxiv_id
    day_on_list = site.timeline.day_on_list(arxiv_id, ranked.date)
    page = site.pages.get(arxiv_id)
    return {
        "rank": entry.rank,
        "score": entry.score,
        "counts": counts_to_dict(entry.counts),
        "by_source": [
            {
                "source": part.source,
                "counts": counts_to_dict(part.counts),
                "post_count": part.post_count,
            }
            for part in entry.by_source
        ],
        "post_count": entry.post_count,
        "accounts": entry.accounts,
        "new": day_on_list == 1,
        "day_on_list": day_on_list,
        "paper": paper_to_dict(entry.paper),
        "paper_url": _absolute(siteurl, page.url if page else None),
        "posts": [post_to_dict(post) for post in entry.posts],
        "counted_posts": [_counted(counted) for counted in entry.counted_posts],
    }


def _counted(counted: CountedPost) -> dict[str, Any]:
    """What ranking made of one post, so a reader can check the list."""
    return {
        "source": counted.post.source,
        "id": counted.post.id,
        "url": counted.post.url,
        "author_handle": counted.post.author_handle,
        "counts": counts_to_dict(counted.post.counts),
        "value": counted.value,
        "counted": counted.counted,
        "counted_in": counted.counted_in,
        "reposts_counted": counted.reposts_counted,
        "weight": counted.weight,
        "flags": [{"kind": flag.kind, "label": flag.label} for flag in counted.flags],
        "reason": counted.reason,
    }


def day_document(site: SiteHistory, ranked: RankedDay, siteurl: str) -> dict[str, Any]:
    """A day's list as its article shows it."""
    options = site.settings.ranking
    return {
        "schema_version": SITE_SCHEMA_VERSION,
        "date": ranked.date.isoformat(),
        "url": _absolute(siteurl, site.day_urls.get(ranked.date)),
        "counts_taken_at": ranked.counts_taken_at.isoformat(),
        "sources": list(ranked.sources),
        "failed_sources": list(ranked.failed_sources),
        "partial": ranked.partial,
        "ranking": {
            "mode": options.mode,
            "min_paper_score": options.min_paper_score,
            "min_post_score": options.min_post_score,
            "max_posts_per_paper": options.max_posts_per_paper,
            "max_papers": options.max_papers,
            "weights": dict(options.weights),
        },
        "entries": [_entry(site, ranked, entry, siteurl) for entry in ranked.entries],
    }


def _top(
    site: SiteHistory, ranked: RankedDay, siteurl: str, count: int
) -> list[dict[str, Any]]:
    top = []
    for entry in ranked.entries[:count]:
        page = site.pages.get(entry.paper.arxiv_id)
        top.append(
            {
                "rank": entry.rank,
                "arxiv_id": entry.paper.arxiv_id,
                "title": entry.paper.title,
                "score": entry.score,
                "paper_url": _absolute(siteurl, page.url if page else None),
            }
        )
    return top


def index_document(
    site: SiteHistory, siteurl: str, sitename: str, top: int = 3
) -> dict[str, Any]:
    """Every day (and digest) of the site, newest first, with its top papers."""
    days = []
    for ranked in reversed(list(site.timeline.days.values())):
        date_text = ranked.date.isoformat()
        days.append(
            {
                "date": date_text,
                "url": _absolute(siteurl, site.day_urls.get(ranked.date)),
                "json": _absolute(siteurl, day_json_path(date_text)),
                "papers": len(ranked.entries),
                "partial": ranked.partial,
                "top": _top(site, ranked, siteurl, top),
            }
        )
    digests = []
    for digest in sorted(
        site.digests, key=lambda d: (d.period.start, d.period.kind), reverse=True
    ):
        period = digest.period
        digests.append(
            {
                "kind": period.kind,
                "period": period.key,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "complete": digest.complete,
                "url": _absolute(
                    siteurl, site.digest_urls.get((period.kind, period.key))
                ),
                "top": _top(site, digest.ranked, siteurl, top),
            }
        )
    return {
        "schema_version": SITE_SCHEMA_VERSION,
        "site": sitename,
        "siteurl": siteurl,
        "days": days,
        "digests": digests,
    }


@cache
def validator(name: str) -> Any:
    """The compiled JSON Schema ``schema/NAME.schema.json`` of the package."""
    text = (
        resources.files("pelican_hotpapers")
        .joinpath(f"schema/{name}.schema.json")
        .read_text(encoding="utf-8")
    )
    return fastjsonschema.compile(json.loads(text))


#: One encoder for every file: msgspec encodes a day's document about six
#: times quicker than ``json.dumps``, to the same bytes (compact, UTF-8,
#: keys in insertion order), except that a number in exponent form is
#: written in its shortest form (``1e-7``, where ``json`` writes ``1e-07``).
_ENCODER = msgspec.json.Encoder()


def encode(data: Any) -> bytes:
    """The file's bytes: compact UTF-8 JSON and a newline."""
    return _ENCODER.encode(data) + b"\n"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` whole or not at all (see write_bytes)."""
    write_bytes(path, encode(data))


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through the one atomic writer, unflushed.

    Not flushed to disk: every build can write these files again. A file
    that already holds exactly ``data`` is left alone: a site's thousands of
    days mostly come out the same from one build to the next.
    """
    with contextlib.suppress(OSError):
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    write_atomically(path, data, durable=False)
