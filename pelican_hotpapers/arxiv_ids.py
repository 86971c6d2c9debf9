"""Recognise arXiv papers in links and identifiers.

People link a paper in many ways: the abstract page, the PDF (with or without
a version, with or without ``.pdf``), the HTML rendering, a mirror host, a
DOI, or a front end such as alphaXiv or Hugging Face Papers. All of them must
count for the same paper, so every form is reduced to one normalised id: the
new style ``YYMM.NNNNN`` or the old style ``archive/YYMMNNN``, without version.

arXiv also still serves links written by hand or by old tools: doubled
slashes (``abs//2101.02831``, ``abs/hep-th//9901001``) and the query-style
abstract links of the 1990s (``abs?id=ID``, ``abs?archive=A&papernum=N``,
``abs/A?papernum=N``, ``abs/A?N``, ``abs?A/N``). The rules for those follow
arXiv's own abs page (arXiv/arxiv-browse, ``bare_abs`` and
``_check_legacy_id_params``): a bare ``abs?ID`` works for old-style ids only.

Reference: https://info.arxiv.org/help/arxiv_identifier.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qs, unquote, urlsplit

# New-style ids: YYMM.NNNN from 2007-04 to 2014-12, YYMM.NNNNN from 2015-01.
_NEW_ID = r"(?P<new>(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5}))"
# Old-style ids: archive, optional subject class, then YYMMNNN (1991-2007).
_OLD_ID = (
    r"(?P<old>(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/"
    r"(?P<oyy>\d{2})(?P<omm>\d{2})(?P<onum>\d{3}))"
)
_VERSION = r"(?:v\d+)?"
# re.ASCII: without it \d also matches other scripts' digits ("２１０１.０２８３１"),
# which would yield ids that arXiv rejects and the schema forbids.
_ID_RE = re.compile(rf"(?:{_NEW_ID}|{_OLD_ID}){_VERSION}", re.IGNORECASE | re.ASCII)
_FULL_ID_RE = re.compile(
    rf"^(?:arxiv:)?(?:{_NEW_ID}|{_OLD_ID}){_VERSION}$", re.IGNORECASE | re.ASCII
)

# Archives that ever used old-style ids. Checking the name keeps links such
# as ``github.com/foo/1234567`` from being read as papers.
OLD_ARCHIVES = frozenset(
    [
        "acc-phys",
        "adap-org",
        "alg-geom",
        "ao-sci",
        "astro-ph",
        "atom-ph",
        "bayes-an",
        "chao-dyn",
        "chem-ph",
        "cmp-lg",
        "comp-gas",
        "cond-mat",
        "cs",
        "dg-ga",
        "funct-an",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "mtrl-th",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "patt-sol",
        "physics",
        "plasm-ph",
        "q-alg",
        "q-bio",
        "quant-ph",
        "solv-int",
        "supr-con",
    ]
)

#: An arXiv category: an archive ("hep-th", "cs") with an optional subject
#: class ("cs.LG", "physics.comp-ph", "cond-mat.mtrl-sci").
_CATEGORY = r"[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]{2,}(?:-[a-z]+)?)?"
CATEGORY_RE = re.compile(rf"^{_CATEGORY}\Z")
#: A category filter item: a category, or a whole archive as "cs" or "cs.*".
CATEGORY_FILTER_RE = re.compile(rf"^(?:{_CATEGORY}|[a-z]+(?:-[a-z]+)?\.\*)\Z")

_ARXIV_HOSTS = frozenset({"arxiv.org", "export.arxiv.org", "www.arxiv.org"})
_ARXIV_PATH_RE = re.compile(
    rf"^/(?:abs|pdf|html|format|ps|src|e-print)/(?P<id>.+?){_VERSION}"
    r"(?:\.pdf)?(?:/.*)?$",
    re.IGNORECASE,
)
# arXiv treats a run of slashes in a path as one ("abs//2101.02831").
_SLASHES_RE = re.compile(r"//+")
# The legacy singletons of arXiv's abs page: "abs?hep-th/9901001" (old-style
# ids only; arXiv answers 404 to "abs?2101.02831") and "abs/hep-th?9901001".
_SINGLETON_OLD_ID_RE = re.compile(r"[a-z-]+(?:\.[A-Z]{2})?/\d{7}\Z", re.ASCII)
_SINGLETON_NUMBER_RE = re.compile(r"\d{7}\Z", re.ASCII)
# "/abs" or "/abs/ARCHIVE": the paths whose query may name the paper.
_ABS_QUERY_PATH_RE = re.compile(r"/abs(?:/[^/]+)?\Z", re.IGNORECASE)
_FRONTEND_HOSTS = {
    # host: path prefixes followed by the id
    "alphaxiv.org": ("/abs/", "/overview/", "/pdf/"),
    "www.alphaxiv.org": ("/abs/", "/overview/", "/pdf/"),
    "huggingface.co": ("/papers/",),
    "hf.co": ("/papers/",),
}
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
_DOI_PREFIX = "/10.48550/arxiv."


def _check(match: re.Match[str]) -> str | None:
    """Return the normalised id for a syntactic match, or None if impossible."""
    if match.group("new"):
        yy, mm, num = int(match["yy"]), int(match["mm"]), match["num"]
        if not 1 <= mm <= 12:
            return None
        # Four-digit numbers were used up to 1412, five-digit from 1501.
        if (len(num) == 4) != (yy * 100 + mm <= 1412):
            return None
        if yy * 100 + mm < 704 or int(num) == 0:
            return None
        return match["new"]
    archive = match["archive"].lower()
    yy, mm = int(match["oyy"]), int(match["omm"])
    if archive not in OLD_ARCHIVES or not 1 <= mm <= 12:
        return None
    # Old-style ids ran from 1991-08 to 2007-03.
    month = (1900 + yy if yy >= 91 else 2000 + yy) * 100 + mm
    if not 199108 <= month <= 200703 or int(match["onum"]) == 0:
        return None
    return f"{archive}/{match['oyy']}{match['omm']}{match['onum']}"


def normalise_arxiv_id(text: str) -> str | None:
    """Return the normalised id for a bare identifier such as ``arXiv:2101.02831v2``.

    Returns None for anything that is not a well-formed arXiv id, so callers
    can validate ids before they send them to arXiv (one bad id makes arXiv
    reject a whole batch with HTTP 400).
    """
    match = _FULL_ID_RE.match(text.strip())
    return _check(match) if match else None


def _id_at_start(text: str) -> str | None:
    match = _ID_RE.match(text)
    if not match:
        return None
    rest = text[match.end() :]
    # The id must end the path segment: "2101.028315" is not "2101.02831".
    if rest and not re.match(r"^(?:\.pdf)?(?:[/?#]|$)", rest, re.IGNORECASE):
        return None
    return _check(match)


def _whole_id(text: str) -> str | None:
    # A query value must be an id and nothing else: "id=2101.02831x" is not one.
    match = _ID_RE.fullmatch(text)
    return _check(match) if match else None


def _id_from_abs_query(path: str, query: str) -> str | None:
    """The id of a query-style abstract link, or None.

    ``path`` is ``/abs`` or ``/abs/ARCHIVE``, with slashes already merged.
    """
    try:
        params = parse_qs(query, keep_blank_values=True)
    except ValueError:
        return None
    if "/" not in path[1:]:
        if "id" in params:
            return _whole_id(params["id"][0])
        if "archive" in params and "papernum" in params:
            return _whole_id(f"{params['archive'][0]}/{params['papernum'][0]}")
        for name, values in params.items():
            if values == [""] and _SINGLETON_OLD_ID_RE.match(name):
                return _whole_id(name)
        return None
    archive = path[len("/abs/") :]
    if "papernum" in params:
        return _whole_id(f"{archive}/{params['papernum'][0]}")
    for name, values in params.items():
        if values == [""] and _SINGLETON_NUMBER_RE.match(name):
            return _whole_id(f"{archive}/{name}")
    return None


def arxiv_id_from_url(url: str) -> str | None:
    """Return the normalised arXiv id a link points to, or None.

    Never raises: post text and link expansions come from strangers, and a
    malformed URL is simply not a paper.
    """
    if not isinstance(url, str) or len(url) > 4096:
        return None
    try:
        candidate = url.strip()
        if "://" not in candidate[:12]:
            candidate = "https://" + candidate
        parts = urlsplit(candidate)
        if parts.scheme.lower() not in ("http", "https"):
            return None
        host = (parts.hostname or "").lower().rstrip(".")
        path = unquote(parts.path)
    except (ValueError, UnicodeError):
        return None

    if host in _ARXIV_HOSTS:
        path = _SLASHES_RE.sub("/", path)
        if parts.query and _ABS_QUERY_PATH_RE.match(path):
            found = _id_from_abs_query(path, parts.query)
            if found is not None:
                return found
        match = _ARXIV_PATH_RE.match(path)
        if not match:
            return None
        return _id_at_start(path[path.index("/", 1) + 1 :])
    if host in _FRONTEND_HOSTS:
        for prefix in _FRONTEND_HOSTS[host]:
            if path.lower().startswith(prefix):
                return _id_at_start(path[len(prefix) :])
        return None
    if host in _DOI_HOSTS and path.lower().startswith(_DOI_PREFIX):
        return _id_at_start(path[len(_DOI_PREFIX) :])
    return None


def extract_arxiv_ids(urls: Iterable[str]) -> tuple[str, ...]:
    """The distinct papers a list of links points to, in the order first seen."""
    found: dict[str, None] = {}
    for url in urls:
        arxiv_id = arxiv_id_from_url(url)
        if arxiv_id is not None:
            found.setdefault(arxiv_id, None)
    return tuple(found)
