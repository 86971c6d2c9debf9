"""Recognising arXiv papers in links and bare identifiers."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pelican_hotpapers.arxiv_ids import (
    OLD_ARCHIVES,
    arxiv_id_from_url,
    extract_arxiv_ids,
    normalise_arxiv_id,
)

# The arxiv_id pattern of schema/day.schema.json; fullmatch, so that a
# trailing newline does not slip through as it would with "$".
SCHEMA_ID_RE = re.compile(r"([0-9]{4}\.[0-9]{4,5}|[a-z]+(-[a-z]+)?/[0-9]{7})")

KNOWN_HOSTS = frozenset(
    {
        "arxiv.org",
        "export.arxiv.org",
        "www.arxiv.org",
        "alphaxiv.org",
        "www.alphaxiv.org",
        "huggingface.co",
        "hf.co",
        "doi.org",
        "dx.doi.org",
        "www.doi.org",
    }
)


# --- every common link form --------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # abs, pdf, html and format links
        ("https://arxiv.org/abs/2101.02831", "2101.02831"),
        ("https://arxiv.org/pdf/2101.02831", "2101.02831"),
        ("https://arxiv.org/html/2101.02831", "2101.02831"),
        ("https://arxiv.org/format/2101.02831", "2101.02831"),
        # with a version
        ("https://arxiv.org/abs/2101.02831v2", "2101.02831"),
        ("https://arxiv.org/pdf/2101.02831v2", "2101.02831"),
        ("https://arxiv.org/html/2101.02831v2", "2101.02831"),
        ("https://arxiv.org/format/2101.02831v2", "2101.02831"),
        ("https://arxiv.org/abs/2101.02831v12", "2101.02831"),
        # ending in .pdf
        ("https://arxiv.org/pdf/2101.02831.pdf", "2101.02831"),
        ("https://arxiv.org/pdf/2101.02831v2.pdf", "2101.02831"),
        # trailing slash, section anchor, query
        ("https://arxiv.org/html/2101.02831v2/", "2101.02831"),
        ("https://arxiv.org/html/2101.02831v2#S3", "2101.02831"),
        ("https://arxiv.org/abs/2101.02831?context=cs.LG", "2101.02831"),
        # export. and www. hosts
        ("https://export.arxiv.org/abs/2101.02831", "2101.02831"),
        ("https://www.arxiv.org/abs/2101.02831", "2101.02831"),
        ("https://export.arxiv.org/pdf/2101.02831v2.pdf", "2101.02831"),
        # http, https and no scheme
        ("http://arxiv.org/abs/2101.02831", "2101.02831"),
        ("arxiv.org/abs/2101.02831", "2101.02831"),
        ("www.arxiv.org/pdf/2101.02831v1", "2101.02831"),
        ("HTTPS://ArXiv.ORG/abs/2101.02831", "2101.02831"),
        ("  https://arxiv.org/abs/2101.02831  ", "2101.02831"),
        # four-digit numbers, 2007-04 to 2014-12
        ("https://arxiv.org/abs/0704.0001", "0704.0001"),
        ("https://arxiv.org/abs/1412.6980v9", "1412.6980"),
        ("https://arxiv.org/abs/1501.00001", "1501.00001"),
        # old-style ids
        ("https://arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001"),
        ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", "hep-th/9901001"),
        ("arxiv.org/abs/math.GT/0309136", "math/0309136"),
        ("https://arxiv.org/abs/math.GT/0309136v1", "math/0309136"),
        ("https://arxiv.org/abs/cond-mat/0703001", "cond-mat/0703001"),
        ("https://arxiv.org/abs/astro-ph/9108001", "astro-ph/9108001"),
        # the DOI arXiv registers for every paper
        ("https://doi.org/10.48550/arXiv.2101.02831", "2101.02831"),
        ("doi.org/10.48550/arxiv.2101.02831", "2101.02831"),
        ("https://dx.doi.org/10.48550/arXiv.2101.02831", "2101.02831"),
        ("https://doi.org/10.48550/arXiv.hep-th/9901001", "hep-th/9901001"),
        # front ends
        ("https://www.alphaxiv.org/abs/2101.02831", "2101.02831"),
        ("https://alphaxiv.org/abs/2101.02831v3", "2101.02831"),
        ("https://www.alphaxiv.org/overview/2101.02831", "2101.02831"),
        ("alphaxiv.org/pdf/2101.02831v2.pdf", "2101.02831"),
        ("https://huggingface.co/papers/2101.02831", "2101.02831"),
        ("huggingface.co/papers/2101.02831#community", "2101.02831"),
        ("https://hf.co/papers/2101.02831", "2101.02831"),
    ],
)
def test_link_forms_give_the_normalised_id(url: str, expected: str) -> None:
    assert arxiv_id_from_url(url) == expected


# The forms arXiv's own abs page still serves (arXiv/arxiv-browse tests:
# test_legacy_id_params), and the doubled slashes it merges.
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # doubled or leading slashes after /abs/ or /pdf/
        ("https://arxiv.org/abs//2101.02831", "2101.02831"),
        ("https://arxiv.org/abs///2101.02831v2", "2101.02831"),
        ("https://arxiv.org/abs//hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/pdf//2101.02831", "2101.02831"),
        ("https://arxiv.org/pdf//2101.02831v2.pdf", "2101.02831"),
        ("https://arxiv.org/pdf//hep-th/9901001v1.pdf", "hep-th/9901001"),
        ("http://export.arxiv.org/abs//2101.02831", "2101.02831"),
        ("www.arxiv.org/pdf//2101.02831", "2101.02831"),
        # doubled slashes inside an old-style id
        ("https://arxiv.org/abs/hep-th//9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs//hep-th//9901001v2", "hep-th/9901001"),
        ("https://arxiv.org/pdf/math.GT//0309136", "math/0309136"),
        # abs?id=ID
        ("https://arxiv.org/abs?id=2101.02831", "2101.02831"),
        ("https://arxiv.org/abs?id=2101.02831v2", "2101.02831"),
        ("https://arxiv.org/abs?id=hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs?id=hep-th%2F9901001", "hep-th/9901001"),
        ("http://export.arxiv.org/abs?id=0704.0600", "0704.0600"),
        ("www.arxiv.org/abs?id=2101.02831&context=cs", "2101.02831"),
        ("https://arxiv.org//abs?id=2101.02831", "2101.02831"),
        # abs?ID, for old-style ids
        ("https://arxiv.org/abs?adap-org/9303002", "adap-org/9303002"),
        ("https://arxiv.org/abs?hep-th/9901001", "hep-th/9901001"),
        ("http://www.arxiv.org/abs?math.GT/0309136", "math/0309136"),
        ("https://arxiv.org/abs?context=x&hep-th/9901001", "hep-th/9901001"),
        # abs?archive=A&papernum=N
        ("https://arxiv.org/abs?archive=hep-th&papernum=9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs?papernum=9303002&archive=adap-org", "adap-org/9303002"),
        ("export.arxiv.org/abs?archive=hep-th&papernum=9901001", "hep-th/9901001"),
        # abs/A?papernum=N and abs/A?N
        ("https://arxiv.org/abs/hep-th?papernum=9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/adap-org?9303002", "adap-org/9303002"),
        ("https://arxiv.org/abs/hep-th?9901001", "hep-th/9901001"),
        ("http://www.arxiv.org/abs//hep-th?9901001", "hep-th/9901001"),
    ],
)
def test_forms_arxiv_still_serves_give_the_normalised_id(
    url: str, expected: str
) -> None:
    assert arxiv_id_from_url(url) == expected


def test_versions_and_forms_of_one_paper_are_one_paper() -> None:
    urls = [
        "https://arxiv.org/abs/2101.02831",
        "https://arxiv.org/abs/2101.02831v1",
        "http://arxiv.org/pdf/2101.02831v2.pdf",
        "arxiv.org/html/2101.02831v3",
        "https://export.arxiv.org/format/2101.02831",
        "https://doi.org/10.48550/arXiv.2101.02831",
        "https://www.alphaxiv.org/abs/2101.02831v2",
        "https://huggingface.co/papers/2101.02831",
    ]
    assert {arxiv_id_from_url(url) for url in urls} == {"2101.02831"}
    assert extract_arxiv_ids(urls) == ("2101.02831",)


# --- links that are not papers -----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/mir-group/nequip",
        "https://github.com/someone/2101.02831",
        "https://github.com/foo/1234567",
        "https://t.co/X2hRsqWe8G",
        "https://twitter.com/marcusborba/status/1348630248896819201",
        "https://x.com/marcusborba/status/1348630248896819201",
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/list/physics.comp-ph/recent",
        "https://arxiv.org/",
        "https://arxiv.org/abs/",
        "https://arxiv.org/search/?query=2101.02831",
        "https://arxiv.org/a/lovelace_a_1",
        "https://doi.org/10.1145/3292500.3330701",
        "https://huggingface.co/2101.02831",
        "https://huggingface.co/datasets/2101.02831",
        "https://www.alphaxiv.org/2101.02831",
        "https://example.org/abs/2101.02831",
        "https://arxiv.org.evil.example/abs/2101.02831",
        "https://notarxiv.org/abs/2101.02831",
        "https://arxiv.com/abs/2101.02831",
        "ftp://arxiv.org/abs/2101.02831",
        "javascript:alert(1)",
        "javascript://arxiv.org/abs/2101.02831",
        "javascript:arxiv.org/abs/2101.02831",
        "data:text/html,arxiv.org/abs/2101.02831",
        "2101.02831",
        "arXiv:2101.02831",
        "",
        "   ",
        "not a link at all",
        "https://",
        "https://[::1/abs/2101.02831",
        "https://arxiv.org/abs/" + "1" * 5000,
        # doubled slashes and query forms on other hosts
        "https://evil.example/abs//2101.02831",
        "https://evil.example/arxiv.org/abs//2101.02831",
        "https://arxiv.org.evil.example/abs?id=2101.02831",
        "https://notarxiv.org/abs?id=2101.02831",
        "https://evil.example/arxiv.org/abs?id=2101.02831",
        "https://evil.example/abs?archive=hep-th&papernum=9901001",
        "https://evil.example/?arxiv.org/abs/hep-th?9901001",
        "https://evil.example//arxiv.org/abs/2101.02831",
        "https://alphaxiv.org/abs?id=2101.02831",
        "https://huggingface.co/papers?id=2101.02831",
        "https://doi.org/abs?id=2101.02831",
        # query forms that name no paper, or a garbled one
        "https://arxiv.org/abs?id=",
        "https://arxiv.org/abs?id",
        "https://arxiv.org/abs?id=garbage",
        "https://arxiv.org/abs?id=2101.02831x",
        "https://arxiv.org/abs?id=2101.02831.pdf",
        "https://arxiv.org/abs?id=%202101.02831",
        "https://arxiv.org/abs?id=2113.00001",
        "https://arxiv.org/abs?id=foo/9901001",
        "https://arxiv.org/abs?id=<script>&2101.02831",
        "https://arxiv.org/abs?context=2101.02831",
        "https://arxiv.org/abs?archive=hep-th",
        "https://arxiv.org/abs?papernum=9901001",
        "https://arxiv.org/abs?archive=foo&papernum=1234567",
        "https://arxiv.org/abs?archive=hep-th&papernum=99010011",
        "https://arxiv.org/abs?archive=hep-th&papernum=9913001",
        "https://arxiv.org/abs?foo/9901001",
        "https://arxiv.org/abs?hep-th/9901001=x",
        "https://arxiv.org/abs?hep-th/9901001v2",
        "https://arxiv.org/abs?9901001",
        "https://arxiv.org/abs/foo?papernum=9901001",
        "https://arxiv.org/abs/hep-th?papernum=garbage",
        "https://arxiv.org/abs/hep-th?papernum=1501001",
        "https://arxiv.org/abs/hep-th?990100",
        "https://arxiv.org/abs/hep-th?9901001=1",
        "https://arxiv.org/abs/hep-th?id=9901001",
        "https://arxiv.org/abs/?id=2101.02831",
        "https://arxiv.org/abs/hep-th/?9901001",
        "https://arxiv.org/pdf?id=2101.02831",
        "https://arxiv.org/search?id=2101.02831",
        "https://arxiv.org/list?hep-th/9901001",
        "https://arxiv.org/?id=2101.02831",
        "https://arxiv.org/abs#?id=2101.02831",
        # a bare new-style id is not a singleton arXiv serves (it answers 404)
        "https://arxiv.org/abs?2101.02831",
        "https://arxiv.org/abs?0704.0600",
    ],
)
def test_links_that_are_not_papers_give_none(url: str) -> None:
    assert arxiv_id_from_url(url) is None


@pytest.mark.parametrize(
    "value", [None, 2101.02831, b"https://arxiv.org/abs/2101.02831"]
)
def test_non_strings_give_none(value: object) -> None:
    assert arxiv_id_from_url(value) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        # month 13 and month 00
        "https://arxiv.org/abs/2113.00001",
        "https://arxiv.org/abs/2100.00001",
        # four-digit number after 1412, five-digit number before 1501
        "https://arxiv.org/abs/1501.0001",
        "https://arxiv.org/abs/2101.0283",
        "https://arxiv.org/abs/1412.12345",
        "https://arxiv.org/abs/0704.00001",
        # new-style ids began in 2007-04
        "https://arxiv.org/abs/0703.0001",
        "https://arxiv.org/abs/0001.0001",
        # too many or too few digits, junk glued on
        "https://arxiv.org/abs/2101.028315",
        "https://arxiv.org/abs/2101.028",
        "https://arxiv.org/abs/2101.02831x",
        "https://arxiv.org/abs/2101.02831v",
        "https://arxiv.org/abs/2101.02831.html",
        "https://arxiv.org/abs/12101.02831",
        # old style: unknown archive, month 13, number too short or too long
        "https://arxiv.org/abs/foo/9901001",
        "https://arxiv.org/abs/hep-th/9913001",
        "https://arxiv.org/abs/hep-th/9900001",
        "https://arxiv.org/abs/hep-th/990100",
        "https://arxiv.org/abs/hep-th/99010011",
        # old-style ids ended in 2007, began in 1991
        "https://arxiv.org/abs/hep-th/1501001",
        "https://arxiv.org/abs/hep-th/8901001",
        "https://arxiv.org/abs/hep-th/9107001",
        "https://arxiv.org/abs/hep-th/0704001",
        # paper numbers start at 1
        "https://arxiv.org/abs/2101.00000",
        "https://arxiv.org/abs/hep-th/9901000",
        # digits of other scripts are not arXiv digits
        "https://arxiv.org/abs/２１０１.０２８３１",
        "https://arxiv.org/abs/٢١٠١.٠٢٨٣١v2",
        "https://arxiv.org/abs/hep-th/٩٩٠١٠٠١",
    ],
)
def test_impossible_ids_give_none(url: str) -> None:
    assert arxiv_id_from_url(url) is None


# --- bare identifiers --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2101.02831", "2101.02831"),
        ("2101.02831v2", "2101.02831"),
        ("arXiv:2101.02831v2", "2101.02831"),
        ("ARXIV:2101.02831", "2101.02831"),
        ("  2101.02831\n", "2101.02831"),
        ("0704.0001", "0704.0001"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("arXiv:hep-th/9901001v3", "hep-th/9901001"),
        ("HEP-TH/9901001", "hep-th/9901001"),
        ("math.GT/0309136", "math/0309136"),
        ("math.GT/0309136v1", "math/0309136"),
    ],
)
def test_normalise_arxiv_id(text: str, expected: str) -> None:
    assert normalise_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "arXiv:",
        "2101.0283",
        "2113.00001",
        "1412.12345",
        "2101.02831 and more",
        "see 2101.02831",
        "https://arxiv.org/abs/2101.02831",
        "2101.02831.pdf",
        "foo/9901001",
        "hep-th/9901001/extra",
        "２１０１.０２８３１",
        "doi:10.48550/arXiv.2101.02831",
    ],
)
def test_normalise_arxiv_id_rejects(text: str) -> None:
    assert normalise_arxiv_id(text) is None


def test_extract_keeps_first_seen_order_and_drops_duplicates() -> None:
    urls = [
        "https://t.co/abc",
        "https://arxiv.org/abs/2101.03164",
        "https://github.com/mir-group/nequip",
        "https://arxiv.org/pdf/2101.02831v1",
        "https://arxiv.org/abs/2101.03164v2",
        "https://arxiv.org/abs/hep-th/9901001",
        "https://huggingface.co/papers/2101.02831",
        "https://arxiv.org/abs/2113.00001",
    ]
    assert extract_arxiv_ids(urls) == ("2101.03164", "2101.02831", "hep-th/9901001")


def test_extract_from_nothing_or_no_papers() -> None:
    assert extract_arxiv_ids([]) == ()
    assert extract_arxiv_ids(["https://t.co/abc", "javascript:alert(1)"]) == ()
    # any iterable will do, including a generator that can be read only once
    assert extract_arxiv_ids(
        u for u in ["arxiv.org/abs/2101.02831", "arxiv.org/abs/2101.02831"]
    ) == ("2101.02831",)


# --- properties --------------------------------------------------------------


@st.composite
def new_style_ids(draw: st.DrawFn) -> str:
    """A possible new-style id: YYMM.NNNN up to 1412, YYMM.NNNNN from 1501."""
    yymm = draw(
        st.tuples(st.integers(7, 99), st.integers(1, 12))
        .map(lambda t: t[0] * 100 + t[1])
        .filter(lambda n: n >= 704)
    )
    digits = 4 if yymm <= 1412 else 5
    number = draw(st.integers(1, 10**digits - 1))
    return f"{yymm:04d}.{number:0{digits}d}"


@st.composite
def old_style_ids(draw: st.DrawFn) -> tuple[str, str]:
    """A possible old-style id as written, and its normalised form."""
    archive = draw(st.sampled_from(sorted(OLD_ARCHIVES)))
    year = draw(st.integers(1991, 2007))
    month = draw(st.integers(8 if year == 1991 else 1, 3 if year == 2007 else 12))
    number = draw(st.integers(1, 999))
    tail = f"{year % 100:02d}{month:02d}{number:03d}"
    subject = draw(st.none() | st.sampled_from(["GT", "AG", "AI", "LG", "CO", "th"]))
    written = f"{archive}.{subject}/{tail}" if subject else f"{archive}/{tail}"
    return written, f"{archive}/{tail}"


ids_with_normal_form = new_style_ids().map(lambda i: (i, i)) | old_style_ids()
versions = st.none() | st.integers(1, 30).map(lambda v: f"v{v}")
schemes = st.sampled_from(["https://", "http://", "", "HTTPS://"])


@st.composite
def abs_queries(draw: st.DrawFn, written: str, version: str) -> tuple[str, str]:
    """A query-style abstract link's path and query, as arXiv's abs page reads them."""
    archive, _, number = written.rpartition("/")
    forms = ["id"]
    if archive:
        forms += ["archive-papernum", "path-papernum"]
        if not version:
            forms.append("path-singleton")
            if re.fullmatch(r"[a-z-]+(?:\.[A-Z]{2})?/\d{7}", written):
                forms.append("singleton")
    form = draw(st.sampled_from(forms))
    if form == "id":
        quoted = written.replace("/", draw(st.sampled_from(["/", "%2F"])))
        return "/abs", f"id={quoted}{version}"
    if form == "archive-papernum":
        params = [f"archive={archive}", f"papernum={number}{version}"]
        return "/abs", "&".join(draw(st.permutations(params)))
    if form == "path-papernum":
        return f"/abs/{archive}", f"papernum={number}{version}"
    if form == "path-singleton":
        return f"/abs/{archive}", number
    return "/abs", written


def slashes(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["/", "/", "//", "///"]))


@st.composite
def paper_links(draw: st.DrawFn) -> tuple[str, str]:
    """A link in one of the recognised forms, and the id it must give."""
    written, normal = draw(ids_with_normal_form)
    version = draw(versions) or ""
    scheme = draw(schemes)
    form = draw(
        st.sampled_from(["arxiv", "arxiv-query", "doi", "alphaxiv", "huggingface"])
    )
    query = False
    if form in ("arxiv", "arxiv-query"):
        host = draw(st.sampled_from(["arxiv.org", "export.arxiv.org", "www.arxiv.org"]))
        # arXiv merges doubled slashes, also inside an old-style id.
        written_slashed = written.replace("/", slashes(draw))
    if form == "arxiv":
        kind = draw(st.sampled_from(["abs", "pdf", "html", "format"]))
        suffix = draw(st.sampled_from(["", ".pdf"])) if kind == "pdf" else ""
        path = f"/{kind}{slashes(draw)}{written_slashed}{version}{suffix}"
    elif form == "arxiv-query":
        path, params = draw(abs_queries(written, version))
        path = path.replace("/", slashes(draw))
        path += f"?{params}"
        query = True
    elif form == "doi":
        host = draw(st.sampled_from(["doi.org", "dx.doi.org", "www.doi.org"]))
        prefix = draw(st.sampled_from(["arXiv", "arxiv", "ARXIV"]))
        path = f"/10.48550/{prefix}.{written}"
    elif form == "alphaxiv":
        host = draw(st.sampled_from(["alphaxiv.org", "www.alphaxiv.org"]))
        kind = draw(st.sampled_from(["abs", "overview", "pdf"]))
        path = f"/{kind}/{written}{version}"
    else:
        host = draw(st.sampled_from(["huggingface.co", "hf.co"]))
        path = f"/papers/{written}{version}"
    if draw(st.booleans()):
        host = host.upper()
    if query:
        after = draw(st.sampled_from(["", "&context=cs", "#section-2"]))
    else:
        after = draw(st.sampled_from(["", "/", "?context=cs", "#section-2", "/#S1"]))
    if form == "doi" and after.startswith("/"):
        after = ""
    return f"{scheme}{host}{path}{after}", normal


@settings(max_examples=200)
@given(paper_links())
def test_every_link_form_extracts_the_normalised_id(link: tuple[str, str]) -> None:
    url, expected = link
    assert arxiv_id_from_url(url) == expected
    assert extract_arxiv_ids([url, url]) == (expected,)


@settings(max_examples=200)
@given(ids_with_normal_form, versions)
def test_bare_ids_normalise(pair: tuple[str, str], version: str | None) -> None:
    written, normal = pair
    assert normalise_arxiv_id(written + (version or "")) == normal
    assert normalise_arxiv_id(f"arXiv:{written}") == normal


def _is_none_or_schema_id(result: str | None) -> bool:
    return result is None or SCHEMA_ID_RE.fullmatch(result) is not None


# Text shaped like ids, with digits from every script and assorted junk, so
# that the pattern rules are stressed rather than only the host check.
_digit = st.characters(categories=["Nd"])
_id_like = st.builds(
    lambda a, b, c, tail: f"{a}.{b}{c}{tail}",
    st.text(_digit, min_size=4, max_size=4),
    st.text(_digit, min_size=4, max_size=5),
    versions.map(lambda v: v or ""),
    st.sampled_from(["", ".pdf", "/", "x", "\n", "%0A", "v"]),
)
_url_ish = st.builds(
    lambda scheme, host, middle, tail: f"{scheme}{host}{middle}{tail}",
    st.sampled_from(["", "http://", "https://", "javascript:", "ftp://", "//", ":"]),
    st.sampled_from(sorted(KNOWN_HOSTS)) | st.text(max_size=20),
    st.sampled_from(
        [
            "/abs/",
            "/pdf/",
            "/html/",
            "/format/",
            "/papers/",
            "/overview/",
            "/10.48550/arXiv.",
            "/abs/hep-th/",
            "/abs/math.GT/",
            "/",
            "",
        ]
    ),
    _id_like | st.text(alphabet="0123456789.v/-%pdfaAbcxX#?: \t", max_size=30),
)


@settings(max_examples=200)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    assert _is_none_or_schema_id(arxiv_id_from_url(text))
    assert _is_none_or_schema_id(normalise_arxiv_id(text))
    ids = extract_arxiv_ids([text])
    assert all(_is_none_or_schema_id(i) for i in ids)


@settings(max_examples=300)
@given(_url_ish)
def test_url_ish_strings_never_raise_and_give_schema_ids(url: str) -> None:
    assert _is_none_or_schema_id(arxiv_id_from_url(url))
    assert _is_none_or_schema_id(normalise_arxiv_id(url))


@settings(max_examples=200)
@given(_id_like)
def test_id_like_text_normalises_only_to_schema_ids(text: str) -> None:
    assert _is_none_or_schema_id(normalise_arxiv_id(text))
    assert _is_none_or_schema_id(arxiv_id_from_url(f"https://arxiv.org/abs/{text}"))


_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1)
_other_hosts = (
    st.lists(_label, min_size=1, max_size=3).map(".".join)
    | st.sampled_from(sorted(KNOWN_HOSTS)).flatmap(
        # lookalikes: a known host inside another domain, or with a prefix
        lambda known: st.sampled_from(
            [
                f"{known}.example.com",
                f"not{known}",
                f"evil-{known}",
                f"{known}.co",
                known.replace(".", "-"),
                known.replace(".org", ".com").replace(".co", ".com"),
            ]
        )
    )
    | st.sampled_from(["github.com", "t.co", "x.com", "twitter.com", "scirate.com"])
)


@settings(max_examples=200)
@given(_other_hosts, paper_links(), schemes)
def test_other_hosts_give_none_even_with_a_paper_path(
    host: str, link: tuple[str, str], scheme: str
) -> None:
    assume(host.lower() not in KNOWN_HOSTS)
    url, _ = link
    # Keep the known link's path and query, put it on another host.
    path = re.sub(r"^(?:[a-zA-Z]+://)?[^/]*", "", url)
    assert arxiv_id_from_url(f"{scheme}{host}{path}") is None
