"""Paper metadata from the arXiv API, through arxiv.py.

Documentation: https://info.arxiv.org/help/api/user-manual.html

arxiv.py does the Atom parsing well, but its request policy needs help, as
its source shows:

- it does not split ``id_list`` into batches, and ``Search.max_results``
  defaults to 100, so a longer list would be cut silently: we send batches
  of at most 100 ids with ``max_results`` set to the batch's size;
- its Session sends no timeout, so a stalled connection hangs forever: we
  give it our Session, which has a timeout on every request;
- it retries at once, without back-off, and retries even an HTTP 400: we set
  its retries to 0 and let urllib3's ``Retry`` on our Session retry 5xx and
  connection failures with back-off;
- one malformed id makes arXiv answer HTTP 400 for the whole batch: we
  validate ids before sending, and on a 400 split the batch to isolate the id;
- its lenient XML parser reads a cut-off feed as a shorter one: we check that
  every answer is a complete Atom feed before arxiv.py sees it.

Only one of these needs more than arxiv.py's public API: its ``Client`` has
no way to be given a Session, so ours is set as its ``_session`` attribute.
That attribute is the same in arxiv.py 4.0.0 to
4.0.2, the versions the tests cover, and setup.cfg allows only 4.0.x; a new
arxiv.py version is to be checked before the pin moves.

arXiv's terms ask for at most one request every three seconds
(``HOTPAPERS_ARXIV_DELAY``), which arxiv.py's client enforces between the
requests of one ``ArxivSource``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

from pelican_hotpapers.arxiv_ids import normalise_arxiv_id
from pelican_hotpapers.models import Paper
from pelican_hotpapers.options import setting
from pelican_hotpapers.sources.base import HttpOptions, SourceError

if TYPE_CHECKING:
    import arxiv
    import requests

# arxiv.py, requests and lxml are imported when arXiv is first asked: a
# build that fetches nothing (most builds) pays nothing for them.

logger = logging.getLogger(__name__)


@cache
def _arxiv_py_version() -> str:
    try:
        return metadata.version("arxiv")
    except metadata.PackageNotFoundError:  # pragma: no cover - vendored copies
        return "unknown"


SERVICE = "arXiv API"
#: The most ids one request asks for.
BATCH_SIZE = 100
#: The longest Retry-After (seconds) worth waiting for.
ARXIV_MAX_WAIT = 60.0
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_WITHDRAWN_RE = re.compile(
    r"\b(?:this (?:paper|article|submission|manuscript) (?:has been|is) withdrawn"
    r"|withdrawn by the authors?)\b",
    re.IGNORECASE,
)


class ArxivError(SourceError, service=SERVICE):
    """The arXiv API gave no complete answer."""


@dataclass(frozen=True, slots=True)
class ArxivOptions:
    """Where arXiv is asked, and how politely: the HOTPAPERS_ARXIV_* settings."""

    api_url: str = setting(
        "HOTPAPERS_ARXIV_API_URL", "https://export.arxiv.org/api/query", "url"
    )
    delay: float = setting("HOTPAPERS_ARXIV_DELAY", 3.0, "number", minimum=0)


class _Refused(Exception):
    """arXiv answered HTTP 400 to a batch."""


class _IncompleteFeed(Exception):
    """Raised from the response hook when a body is not a whole Atom feed."""


def _check_feed(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    if response.status_code != 200:
        return
    # Imported on the first answer: a build that fetches nothing should not
    # pay for lxml.
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(response.content, parser=parser)
    except etree.XMLSyntaxError:
        raise _IncompleteFeed(
            "the answer is not a complete Atom feed (cut off or malformed)"
        ) from None
    if root is None or root.tag != _ATOM_FEED:
        raise _IncompleteFeed("the answer is not an Atom feed (an HTML page?)")


def is_withdrawn(result: arxiv.Result) -> bool:
    """Whether arXiv describes the paper's latest version as withdrawn."""
    return bool(
        _WITHDRAWN_RE.search(result.comment or "")
        or _WITHDRAWN_RE.match(result.summary.strip())
    )


def paper_from_result(arxiv_id: str, result: arxiv.Result) -> Paper:
    """Our Paper for an arxiv.py Result, with whitespace collapsed."""
    return Paper(
        arxiv_id=arxiv_id,
        title=" ".join(result.title.split()),
        authors=tuple(" ".join(a.name.split()) for a in result.authors),
        abstract=" ".join(result.summary.split()),
        primary_category=result.primary_category,
        categories=tuple(result.categories),
        published=result.published.date() if result.published else None,
    )


class ArxivSource:
    """Looks up papers by id, in batches, politely."""

    name = "arxiv"

    def __init__(
        self, options: ArxivOptions, http: HttpOptions, *, batch_size: int = BATCH_SIZE
    ) -> None:
        self.base_url = options.api_url
        self.batch_size = min(batch_size, BATCH_SIZE)
        import arxiv

        from pelican_hotpapers.sources.session import (
            USER_AGENT,
            OwnAgentSession,
            make_session,
        )

        # Retries keep arXiv's pace too, and never wait out a Retry-After
        # longer than a minute in the middle of a build.
        session = make_session(http, max_wait=ARXIV_MAX_WAIT, min_backoff=options.delay)
        self.session = OwnAgentSession(http.timeout)
        self.session.headers.update(session.headers)
        self.session.headers["User-Agent"] = (
            f"{USER_AGENT} arxiv.py/{_arxiv_py_version()}"
        )
        for prefix, adapter in session.adapters.items():
            self.session.mount(prefix, adapter)
        self.session.hooks["response"].append(_check_feed)
        # page_size is set for each batch (see _fetch_batch).
        self.client = arxiv.Client(delay_seconds=options.delay, num_retries=0)
        # The endpoint is a public attribute; the Session is not (see above).
        self.client.query_url_format = options.api_url + "?{}"
        self.client._session = self.session

    def __repr__(self) -> str:
        return f"ArxivSource(base_url={self.base_url!r}, batch_size={self.batch_size})"

    def fetch_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        """The papers arXiv knows among ``ids``, keyed by normalised id.

        Ids that are malformed, unknown to arXiv or withdrawn are left out
        (with a debug line). Raises :class:`ArxivError` unless every batch
        was answered completely.
        """
        wanted: dict[str, None] = {}
        for raw in ids:
            arxiv_id = normalise_arxiv_id(raw)
            if arxiv_id is None:
                logger.debug("hotpapers: %r is not an arXiv id; not looked up", raw)
            else:
                wanted.setdefault(arxiv_id, None)
        papers: dict[str, Paper] = {}
        batch_ids = list(wanted)
        for start in range(0, len(batch_ids), self.batch_size):
            papers.update(self._fetch_batch(batch_ids[start : start + self.batch_size]))
        for arxiv_id in wanted:
            if arxiv_id not in papers:
                logger.debug(
                    "hotpapers: arXiv has no paper %s (unknown or withdrawn); dropped",
                    arxiv_id,
                )
        return papers

    def _fetch_batch(self, batch: list[str], split: bool = True) -> dict[str, Paper]:
        import arxiv
        import requests

        from pelican_hotpapers.sources.session import describe_request_error

        search = arxiv.Search(id_list=batch, max_results=len(batch))
        # arxiv.py sends the client's page_size (a public attribute) as the
        # query's max_results: a batch asks for exactly its ids.
        self.client.page_size = len(batch)
        try:
            results = list(self.client.results(search))
        except arxiv.HTTPError as exc:
            if exc.status == 400:
                if not split:
                    raise _Refused from None
                return self._split(batch)
            raise ArxivError(f"the query failed with HTTP {exc.status}") from None
        except _IncompleteFeed as exc:
            raise ArxivError(str(exc)) from None
        except requests.RequestException as exc:
            raise ArxivError(describe_request_error(exc)) from None
        except arxiv.ArxivError as exc:
            raise ArxivError(exc.message) from None
        asked = set(batch)
        papers: dict[str, Paper] = {}
        for result in results:
            arxiv_id = normalise_arxiv_id(result.get_short_id())
            if arxiv_id not in asked:
                raise ArxivError(
                    f"the answer holds paper {result.get_short_id()!r}, which was "
                    "not asked for"
                )
            if is_withdrawn(result):
                logger.debug(
                    "hotpapers: arXiv paper %s is withdrawn; dropped", arxiv_id
                )
                continue
            papers[arxiv_id] = paper_from_result(arxiv_id, result)
        return papers

    def _split(self, batch: list[str]) -> dict[str, Paper]:
        # arXiv refuses a whole batch for one id it dislikes; halve until the
        # id is alone, and drop that one. If both halves are refused too, the
        # fault is not one id, and halving on would cost up to 2n requests.
        if len(batch) == 1:
            logger.debug("hotpapers: arXiv refused id %s (HTTP 400); dropped", batch[0])
            return {}
        middle = len(batch) // 2
        papers: dict[str, Paper] = {}
        refused = 0
        for half in (batch[:middle], batch[middle:]):
            try:
                papers.update(self._fetch_batch(half, split=False))
            except _Refused:
                refused += 1
                if refused == 2:
                    raise ArxivError("the query was refused (HTTP 400)") from None
                papers.update(self._split(half))
        return papers
