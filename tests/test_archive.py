"""The data folder: reading, checking and atomically writing day files."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import logging
import operator
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pelican_hotpapers import archive
from pelican_hotpapers.archive import DayFileError
from pelican_hotpapers.models import (
    SCHEMA_VERSION,
    Day,
    Entry,
    clean_json,
    clean_text,
    day_from_dict,
    day_to_dict,
    decode_day,
)

from .conftest import EXAMPLE_SITE
from .factories import make_day, make_entry, make_paper, make_post
from .hostile import _VECTORS

JAN_11 = dt.date(2021, 1, 11)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def valid_dict(date: dt.date = JAN_11) -> dict:
    return day_to_dict(make_day(date))


# --- round trip --------------------------------------------------------------


def test_write_then_read_gives_the_same_day(tmp_path: Path) -> None:
    day = make_day(JAN_11)
    path = archive.write_day(tmp_path, day)
    assert path == tmp_path / "2021-01-11.json"
    assert path == archive.day_path(tmp_path, JAN_11)
    assert archive.read_day(path) == day


def test_round_trip_of_a_varied_day(tmp_path: Path) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    post = make_post(
        ("hep-th/9901001", "2101.02831"),
        reposts=0,
        likes=0,
        text='Ünïcödé 日本語 <b>&amp;</b> "quoted" \n newline',
        author_name="Zoë 🐍",
        lang="ja",
        created_at=dt.datetime(2021, 1, 11, 23, 59, 59, 123456, tzinfo=berlin),
    )
    day = make_day(
        JAN_11,
        entries=(
            Entry(make_paper("hep-th/9901001", published=None), (post,)),
            Entry(make_paper("2101.02831", authors=(), categories=()), (post,)),
            Entry(make_paper("0704.0001"), ()),
        ),
        sources=("x", "bluesky"),
    )
    path = archive.write_day(tmp_path, day)
    assert archive.read_day(path) == day
    # Text is stored as text, not as \u escapes, so the files diff well.
    assert "日本語" in path.read_text(encoding="utf-8")


def test_author_id_and_followers_round_trip(tmp_path: Path) -> None:
    known = make_post(author_id="101", author_followers=12345)
    none = make_post(author_id="did:plc:abc", author_followers=0)
    unknown = make_post()
    day = make_day(JAN_11, entries=(Entry(make_paper(), (known, none, unknown)),))
    path = archive.write_day(tmp_path, day)
    assert archive.read_day(path) == day
    posts = json.loads(path.read_text(encoding="utf-8"))["entries"][0]["posts"]
    assert [(p["author_id"], p["author_followers"]) for p in posts] == [
        ("101", 12345),
        ("did:plc:abc", 0),
        ("", None),
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("author_followers", -1), ("author_followers", "12"), ("author_id", 101)],
)
def test_a_bad_author_field_is_refused(tmp_path: Path, field: str, value) -> None:
    data = valid_dict()
    data["entries"][0]["posts"][0][field] = value
    path = write_json(tmp_path / "2021-01-11.json", data)
    with pytest.raises(DayFileError, match=field):
        archive.read_day(path)


def test_a_version_2_day_reads_without_author_fields(tmp_path: Path) -> None:
    """Version 2 had no author_id or author_followers: such posts rank by handle."""
    day = make_day(JAN_11)
    data = day_to_dict(day)
    data["schema_version"] = 2
    for entry in data["entries"]:
        for post in entry["posts"]:
            del post["author_id"], post["author_followers"]
    path = write_json(tmp_path / "2021-01-11.json", data)
    before = path.read_bytes()
    read = archive.read_day(path)
    assert read == day
    assert all(
        (post.author_id, post.author_followers) == ("", None)
        for entry in read.entries
        for post in entry.posts
    )
    assert path.read_bytes() == before


def test_round_trip_of_an_empty_day(tmp_path: Path) -> None:
    day = make_day(JAN_11, entries=(), sources=())
    assert archive.read_day(archive.write_day(tmp_path, day)) == day


def test_written_file_validates_and_has_schema_version(tmp_path: Path) -> None:
    path = archive.write_day(tmp_path, make_day(JAN_11))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["date"] == "2021-01-11"
    assert archive.validate_day_dict(data, path) == data
    # The stored totals agree with the posts.
    entry = data["entries"][0]
    assert entry["score"] == sum(
        p["counts"]["reposts"] + p["counts"]["likes"] for p in entry["posts"]
    )


def test_a_naive_time_is_refused_with_the_path(tmp_path: Path) -> None:
    day = make_day(counts_taken_at=dt.datetime(2021, 1, 12, 13, 59))
    with pytest.raises(DayFileError) as caught:
        archive.write_day(tmp_path, day)
    assert "2021-01-11.json" in str(caught.value)
    assert not list(tmp_path.iterdir())


def test_written_file_follows_the_umask_then_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        path = archive.write_day(tmp_path, make_day())
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640
    path.chmod(0o664)
    archive.write_day(tmp_path, make_day())
    assert path.stat().st_mode & 0o777 == 0o664


def test_write_creates_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    day = make_day(JAN_11)
    path = archive.write_day(folder, day)
    assert path.parent == folder
    assert archive.read_day(path) == day


def test_write_replaces_the_old_day(tmp_path: Path) -> None:
    archive.write_day(tmp_path, make_day(JAN_11))
    newer = make_day(JAN_11, entries=(make_entry("2101.03164", ((999, 1),)),))
    path = archive.write_day(tmp_path, newer)
    assert archive.read_day(path) == newer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021-01-11.json"]


@pytest.mark.parametrize(
    ("unsafe", "ascii"),
    [
        ("\u0000", True),
        ("\b", True),
        ("\f", True),
        ("\u001b", True),
        ("a\u0007b", True),
        ("\ud800", True),
        ("\ufffe", True),
        ("\ufffe", False),  # written as the character itself
        ("\uffff", False),
    ],
)
def test_characters_no_page_may_hold_are_cleaned_when_a_day_is_read(
    tmp_path: Path, unsafe: str, ascii: bool
) -> None:
    """Written by another tool (or by hand): the reader cleans what it reads."""
    data = valid_dict(JAN_11)
    data["entries"][0]["paper"]["title"] = f"A {unsafe} title"
    data["entries"][0]["posts"][0]["text"] = unsafe
    path = tmp_path / "2021-01-11.json"
    path.write_text(json.dumps(data, ensure_ascii=ascii), encoding="utf-8")

    day = archive.read_day(path)

    title = day.entries[0].paper.title
    text = day.entries[0].posts[0].text
    assert title == clean_text(f"A {unsafe} title") and "\ufffd" in title
    assert text == clean_text(unsafe) and "\ufffd" in text


def test_tabs_and_line_ends_are_kept_when_a_day_is_read(tmp_path: Path) -> None:
    data = valid_dict(JAN_11)
    data["entries"][0]["posts"][0]["text"] = "a\tb\nc\r\nd"
    path = write_json(tmp_path / "2021-01-11.json", data)
    assert archive.read_day(path).entries[0].posts[0].text == "a\tb\nc\r\nd"


# --- atomic writes -----------------------------------------------------------


def _fail(*args: object, **kwargs: object) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["replace", "fsync"])
def test_a_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = archive.write_day(tmp_path, make_day(JAN_11))
    before = path.read_bytes()
    monkeypatch.setattr(os, step, _fail)
    newer = make_day(JAN_11, entries=(make_entry("2101.03164", ((999, 1),)),))
    with pytest.raises(DayFileError) as caught:
        archive.write_day(tmp_path, newer)
    assert caught.value.path == path
    assert str(path) in str(caught.value)
    assert "old file is kept" in str(caught.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["2021-01-11.json"]


def test_a_failed_first_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", _fail)
    with pytest.raises(DayFileError):
        archive.write_day(tmp_path, make_day(JAN_11))
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_day_is_not_written(tmp_path: Path) -> None:
    path = archive.write_day(tmp_path, make_day(JAN_11))
    before = path.read_bytes()
    bad = make_day(JAN_11, entries=(make_entry("not-an-id"),))
    with pytest.raises(DayFileError) as caught:
        archive.write_day(tmp_path, bad)
    assert "entries[0].paper.arxiv_id" in str(caught.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["2021-01-11.json"]


# --- reading bad files -------------------------------------------------------


def _read_error(path: Path) -> str:
    with pytest.raises(DayFileError) as caught:
        archive.read_day(path)
    assert caught.value.path == path
    message = str(caught.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["entries"][0]["paper"].update(arxiv_id="2101.2831x"),
            ["field entries[0].paper.arxiv_id"],
        ),
        (
            lambda d: d["entries"][0]["paper"].update(arxiv_id="2101.02831v2"),
            ["field entries[0].paper.arxiv_id"],
        ),
        (
            lambda d: d["entries"][1]["posts"][0]["counts"].update(likes=-1),
            ["field entries[1].posts[0].counts.likes"],
        ),
        (
            lambda d: d["entries"][1]["posts"][0].update(created_at="yesterday"),
            ["field entries[1].posts[0].created_at"],
        ),
        (
            lambda d: d.update(counts_taken_at="2021-01-12T13:59:29"),
            ["field counts_taken_at"],
        ),
        (lambda d: d.update(sources=["x", "x"]), ["field sources"]),
        (lambda d: d.update(entries={}), ["field entries"]),
        (lambda d: d.pop("date"), ["'date'"]),
        (lambda d: d["entries"][0].pop("paper"), ["field entries[0]", "'paper'"]),
    ],
)
def test_invalid_field_names_file_and_field(
    tmp_path: Path, change, expected: list[str]
) -> None:
    data = valid_dict()
    change(data)
    message = _read_error(write_json(tmp_path / "2021-01-11.json", data))
    for part in expected:
        assert part in message


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "{'single': 'quotes'}",
        "{",
        "[1, 2",
        "1" * 5000,
        "[" * 100_000,
    ],
)
def test_not_json(tmp_path: Path, text: str) -> None:
    path = tmp_path / "2021-01-11.json"
    path.write_text(text, encoding="utf-8")
    assert "JSON" in _read_error(path)


@pytest.mark.parametrize("raw", [b"", b"\n", b"  \r\n\t "])
def test_an_empty_file_says_it_is_empty(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "2021-01-11.json"
    path.write_bytes(raw)
    assert _read_error(path) == f"{path}: is empty"


def test_truncated_json(tmp_path: Path) -> None:
    path = archive.write_day(tmp_path, make_day(JAN_11))
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    assert "not valid JSON" in _read_error(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "2021-01-11.json"
    path.write_bytes(b'{"date": "\xff\xfe"}')
    assert "UTF-8" in _read_error(path)


@pytest.mark.parametrize("value", [[], "text", 3, None])
def test_not_an_object(tmp_path: Path, value: object) -> None:
    message = _read_error(write_json(tmp_path / "2021-01-11.json", value))
    assert "not a JSON object" in message


def test_date_must_match_the_file_name(tmp_path: Path) -> None:
    path = write_json(tmp_path / "2021-01-12.json", valid_dict(JAN_11))
    message = _read_error(path)
    assert "2021-01-11" in message
    assert "2021-01-12" in message
    assert "date" in message


def test_a_file_with_another_name_is_read_by_its_content(tmp_path: Path) -> None:
    path = write_json(tmp_path / "backup.json", valid_dict(JAN_11))
    assert archive.read_day(path).date == JAN_11


def test_impossible_date(tmp_path: Path) -> None:
    data = valid_dict()
    data["date"] = "2021-13-45"
    assert "date" in _read_error(write_json(tmp_path / "2021-13-45.json", data))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d.update(counts_taken_at="2021-01-12T25:00:00Z"),
            "hour must be in 0..23",
        ),
        (
            lambda d: d["entries"][0]["paper"].update(published="2021-13-01"),
            "month must be in 1..12",
        ),
        (
            lambda d: d["entries"][0]["posts"][0].update(
                created_at="2021-02-30T12:00:00+00:00"
            ),
            "day is out of range for month",
        ),
    ],
)
def test_a_date_that_fits_the_pattern_but_not_the_calendar_is_named_by_python(
    tmp_path: Path, change, problem: str
) -> None:
    """The schema's patterns take it; Python's fromisoformat reads the
    dates and times of a day, as it always has, and its words say what is
    wrong (msgspec's own reader would say it otherwise). The day's own date
    is the schema's to name: it has a format."""
    data = valid_dict()
    change(data)
    path = write_json(tmp_path / "2021-01-11.json", data)
    assert _read_error(path) == f"{path}: has an invalid value ({problem})"


def test_future_schema_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    data = valid_dict()
    data["schema_version"] = SCHEMA_VERSION + 1
    message = _read_error(write_json(tmp_path / "2021-01-11.json", data))
    assert "schema_version" in message
    assert "upgrade" in message


@pytest.mark.parametrize("version", ["missing", None, "1", 1.0, True])
def test_missing_or_odd_schema_version(tmp_path: Path, version: object) -> None:
    data = valid_dict()
    if version == "missing":
        del data["schema_version"]
    else:
        data["schema_version"] = version
    message = _read_error(write_json(tmp_path / "2021-01-11.json", data))
    assert "schema_version" in message


def test_old_schema_version_without_a_migration(tmp_path: Path) -> None:
    data = valid_dict()
    data["schema_version"] = 0
    message = _read_error(write_json(tmp_path / "2021-01-11.json", data))
    assert "schema_version 0" in message


def test_unreadable_path(tmp_path: Path) -> None:
    assert "cannot be read" in _read_error(tmp_path / "2021-01-11.json")
    folder = tmp_path / "2021-01-12.json"
    folder.mkdir()
    assert "cannot be read" in _read_error(folder)


# --- the folder --------------------------------------------------------------


def warnings_of(log: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in log.records if r.levelno >= logging.WARNING]


def test_day_files_are_the_day_files_only_oldest_first(
    data_dir: Path, hotpapers_log: pytest.LogCaptureFixture
) -> None:
    for name in [
        "notes.txt",
        ".2021-01-01.json.tmp",
        ".2021-01-01.abc123.tmp",
        ".hotpapers.lock",
        ".gitignore",
        "2021-01-01.json.tmp",
        "2021-01-01.json.bak",
        "x2021-01-01.json",
        "2021-01-01.json~",
        "21-01-01.json",
        "2021-01-001.json",
        "２０２１-０１-０１.json",
        "README.md",
    ]:
        (data_dir / name).write_text("{}", encoding="utf-8")
    (data_dir / "2021-01-10.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in archive.day_files(data_dir)] == [
        "2021-01-10.json",
        "2021-01-11.json",
        "2021-01-12.json",
    ]
    assert all(p.parent == data_dir for p in archive.day_files(data_dir))
    # Files that do not look like days are none of our business.
    assert warnings_of(hotpapers_log) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "2021-1-11.json",
            "it is not named YYYY-MM-DD.json, so it is not read; "
            "rename it to 2021-01-11.json",
        ),
        (
            "2021-01-8.json",
            "it is not named YYYY-MM-DD.json, so it is not read; "
            "rename it to 2021-01-08.json",
        ),
        (
            "2021-01-08.JSON",
            "it is not named YYYY-MM-DD.json, so it is not read; "
            "rename it to 2021-01-08.json",
        ),
        (
            "2021-1-8.Json",
            "it is not named YYYY-MM-DD.json, so it is not read; "
            "rename it to 2021-01-08.json",
        ),
        ("2021-13-45.json", "its name is not a date, so it is not read"),
        ("2021-02-30.json", "its name is not a date, so it is not read"),
        ("0000-01-01.json", "its name is not a date, so it is not read"),
        ("2021-2-30.JSON", "its name is not a date, so it is not read"),
    ],
)
def test_a_file_that_looks_like_a_day_is_not_read_and_is_named_once(
    tmp_path: Path, hotpapers_log: pytest.LogCaptureFixture, name: str, problem: str
) -> None:
    jan_12 = dt.date(2021, 1, 12)
    archive.write_day(tmp_path, make_day(jan_12))
    # A valid day inside: the name alone keeps it from being read.
    (tmp_path / name).write_text(json.dumps(valid_dict(JAN_11)), encoding="utf-8")

    assert archive.day_files(tmp_path) == [tmp_path / "2021-01-12.json"]
    assert archive.read_day(tmp_path / "2021-01-12.json").date == jan_12

    assert warnings_of(hotpapers_log) == [
        f"hotpapers: {name} in {tmp_path} looks like a day file, but {problem}"
    ]
    assert all(r.levelno == logging.WARNING for r in hotpapers_log.records)


def test_a_misnamed_twin_of_a_stored_day_is_not_to_be_renamed_over_it(
    tmp_path: Path, hotpapers_log: pytest.LogCaptureFixture
) -> None:
    archive.write_day(tmp_path, make_day(JAN_11))
    (tmp_path / "2021-1-11.json").write_text("{}", encoding="utf-8")
    assert archive.day_files(tmp_path) == [tmp_path / "2021-01-11.json"]
    assert warnings_of(hotpapers_log) == [
        f"hotpapers: 2021-1-11.json in {tmp_path} looks like a day file, but it "
        "is not named YYYY-MM-DD.json, so it is not read (the day is read from "
        "2021-01-11.json)"
    ]


def test_missing_folder_has_no_days(tmp_path: Path) -> None:
    assert archive.day_files(tmp_path / "nowhere") == []
    a_file = tmp_path / "file"
    a_file.write_text("", encoding="utf-8")
    assert archive.day_files(a_file) == []


def test_day_files_are_listed_oldest_first(tmp_path: Path) -> None:
    days = [make_day(dt.date(2021, 1, d)) for d in (12, 9, 11)]
    for day in days:
        archive.write_day(tmp_path, day)
    expected = sorted(days, key=lambda day: day.date)
    assert [archive.read_day(p) for p in archive.day_files(tmp_path)] == expected


def test_an_older_version_is_migrated_on_read_and_left_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migration machinery: a version-0 file (a made-up older shape, with
    the time under another name) is upgraded in memory by its registered step."""
    day = make_day(JAN_11)
    old = day_to_dict(day)
    old["schema_version"] = 0
    old["taken_at"] = old.pop("counts_taken_at")
    path = write_json(tmp_path / "2021-01-11.json", old)
    before = path.read_bytes()

    def upgrade_0_to_1(data: dict) -> dict:
        data = dict(data)
        data["counts_taken_at"] = data.pop("taken_at")
        data["schema_version"] = 1
        return data

    monkeypatch.setitem(archive.MIGRATIONS, 0, upgrade_0_to_1)
    assert archive.read_day(path) == day
    assert path.read_bytes() == before


def test_a_version_1_file_is_migrated_to_version_2(tmp_path: Path) -> None:
    """A real version-1 file, as 0.1 wrote them: one source, no failed_sources."""
    source = Path(__file__).parent / "data" / "day-v1.json"
    assert json.loads(source.read_text(encoding="utf-8"))["schema_version"] == 1
    path = tmp_path / "2021-01-15.json"
    path.write_bytes(source.read_bytes())
    day = archive.read_day(path)
    assert day.failed_sources == () and not day.partial
    assert day.sources == ("x",)
    assert len(day.entries) == 7
    assert path.read_bytes() == source.read_bytes()  # reading never rewrites
    written = json.loads(archive.write_day(tmp_path / "new", day).read_text("utf-8"))
    assert written["schema_version"] == SCHEMA_VERSION == 3
    assert written["failed_sources"] == []


# --- the quick reader and the published schema agree -------------------------
#
# A file of the current version is decoded and checked in one pass by msgspec
# (models.decode_day); any other, and any file that pass refuses, is read with
# json, migrated and mapped by models.day_from_dict, and the published schema
# names what is wrong. Both must take exactly the files that the schema takes,
# with the reads it leaves to the reader (dates that exist, the file's name),
# and give the same day.

SCHEMA_PATH = Path("2021-01-11.json")


def schema_verdict(raw: bytes) -> dt.date | None:
    """The date of a file that the published schema takes, as the plugin
    has always read it (json, cleaned, migrated, fastjsonschema, then the
    dates and times parsed); None for a file it refuses."""
    try:
        data = archive.validate_day_dict(
            clean_json(json.loads(raw.decode("utf-8"))), SCHEMA_PATH
        )
        times = [data["counts_taken_at"]]
        for entry in data["entries"]:
            times += [post["created_at"] for post in entry["posts"]]
            if entry["paper"].get("published"):
                dt.date.fromisoformat(entry["paper"]["published"])
        for text in times:
            dt.datetime.fromisoformat(text)
        return dt.date.fromisoformat(data["date"])
    except (ValueError, RecursionError, DayFileError):
        return None


def quick_read(raw: bytes) -> Day | None:
    """The day from models.decode_day, for a file that parse_day gives it."""
    if archive._may_hold_unsafe_text(raw):
        return None  # its text is cleaned on the slow way
    try:
        return decode_day(raw)
    except (ValueError, RecursionError):
        return None


def slow_read(raw: bytes) -> Day | None:
    """The day from models.day_from_dict alone, without the schema's check."""
    try:
        data = clean_json(json.loads(raw.decode("utf-8")))
        return day_from_dict(archive._migrate(data, SCHEMA_PATH))
    except (ValueError, RecursionError, DayFileError):
        return None


def assert_readers_agree(raw: bytes) -> Day | None:
    """The three readers against the schema; the day, if the file is valid.

    The file is named for 2021-01-11: parse_day refuses another date, as the
    readers of the bytes alone cannot.
    """
    date = schema_verdict(raw)
    valid = date == JAN_11
    try:
        day = archive.parse_day(SCHEMA_PATH, raw)
    except DayFileError as exc:
        assert not valid, f"a valid file refused: {exc}"
        message = str(exc)
        assert message.startswith(f"{SCHEMA_PATH}: ") and "\n" not in message
        day = None
    else:
        assert valid, "a file the schema refuses was read"
    quick = quick_read(raw)
    slow = slow_read(raw)
    if quick is not None:
        assert date is not None, "the one-pass reader took a file wrongly"
        assert quick == slow
    if slow is not None:
        assert date is not None, "day_from_dict took a file wrongly"
    if date is not None:
        assert slow is not None, "day_from_dict refused a valid file"
    if valid:
        assert slow == day
    return day


def varied_day_dict() -> dict:
    """A valid day with every optional field both set and left out."""
    full = make_post(
        ("hep-th/9901001", "2101.02831"),
        author_id="101",
        author_followers=12345,
        created_at=dt.datetime(
            2021, 1, 11, 23, 59, 59, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1))
        ),
    )
    bluesky = make_post(source="bluesky", id="at://did:plc:abc/app.bsky.feed.post/1")
    day = make_day(
        entries=(
            Entry(make_paper("hep-th/9901001", published=None), (full, bluesky)),
            Entry(make_paper("2101.02831", authors=(), categories=()), (full,)),
        ),
        sources=("x", "bluesky"),
        failed_sources=("hackernews",),
    )
    data = day_to_dict(day)
    bare = data["entries"][1]
    del bare["counts"], bare["score"]
    for key in ("authors", "abstract", "primary_category", "categories", "published"):
        del bare["paper"][key]
    post = bare["posts"][0]
    for key in ("author_name", "author_handle", "author_id", "author_followers"):
        del post[key]
    for key in ("text", "lang", "arxiv_ids"):
        del post[key]
    del post["counts"]["quotes"], post["counts"]["replies"]
    del post["links"][0]["display_url"]
    return data


#: Values put in place of every value of a valid day, one at a time: every
#: JSON type, the edges of each pattern and of the integers, and the dates
#: and times that only a reader (not the schema's patterns) can tell apart.
ODD_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    7,
    5.0,
    1e3,
    1.5,
    1e20,
    2**64,
    float("nan"),
    "",
    "x",
    "X",
    "x x",
    "x\n",
    "bluesky",
    "2101.02831",
    "2101.2831x",
    "2101.02831v2",
    "2101.02831\n",
    "hep-th/9901001",
    "2021-01-11",
    "2021-01-12",
    "2021-02-30",
    "2021-13-45",
    "2021-01-11\n",
    "2021-01-12T13:59Z",
    "2021-01-12T13:59:29",
    "2021-01-12T13:59:29+00:00",
    "2021-01-12T13:59:29.1234567+00:00",
    "2021-01-12T13:59:29+05:60",
    "2021-01-12T13:59:29+24:00",
    "2021-01-12 13:59:29+00:00",
    [],
    [""],
    ["x"],
    ["x", "x"],
    ["x", "bluesky"],
    {},
    {"reposts": 1, "likes": 1},
    {"url": "u", "expanded_url": "e"},
]


def paths_in(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_in(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths_in(item, (*path, index))


def mutations(data: dict):
    """Every day that one change to ``data`` makes, with a name for it."""
    for path in paths_in(data):
        if not path:
            continue
        *head, last = path
        for value in ODD_VALUES:
            changed = copy.deepcopy(data)
            parent = functools.reduce(operator.getitem, head, changed)
            parent[last] = value
            yield f"{path} = {value!r}", changed
        changed = copy.deepcopy(data)
        parent = functools.reduce(operator.getitem, head, changed)
        del parent[last]
        yield f"del {path}", changed
        if isinstance(parent, list):
            changed = copy.deepcopy(data)
            parent = functools.reduce(operator.getitem, head, changed)
            parent.append(parent[last])
            yield f"{path} twice", changed
    for path in paths_in(data):
        node = functools.reduce(operator.getitem, path, data)
        if isinstance(node, dict):
            changed = copy.deepcopy(data)
            functools.reduce(operator.getitem, path, changed)["unknown"] = [1, {}]
            yield f"{path} + unknown", changed


def test_every_one_change_to_a_day_is_judged_as_the_schema_judges_it() -> None:
    data = varied_day_dict()
    assert assert_readers_agree(json.dumps(data).encode()) is not None
    judged = {True: 0, False: 0}
    for name, changed in mutations(data):
        raw = json.dumps(changed, ensure_ascii=False).encode("utf-8")
        try:
            day = assert_readers_agree(raw)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
        judged[day is not None] += 1
    # Both kinds in numbers: a check that took or refused everything would
    # tell nothing.
    assert judged[True] > 500 and judged[False] > 2000, judged


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_several_changes_at_once_are_judged_as_the_schema_judges_them(data) -> None:
    day = varied_day_dict()
    for _ in range(data.draw(st.integers(2, 4), label="changes")):
        path = data.draw(st.sampled_from([p for p in paths_in(day) if p]))
        *head, last = path
        parent = functools.reduce(operator.getitem, head, day)
        value = data.draw(st.sampled_from([*ODD_VALUES, "delete"]), label="value")
        if value == "delete":
            del parent[last]
        else:
            parent[last] = copy.deepcopy(value)
    assert_readers_agree(json.dumps(day, ensure_ascii=False).encode("utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        # The last of two equal keys counts, in either reader.
        '"likes": -1, "likes": 50',
        '"likes": 50, "likes": -1',
        '"likes": 50, "likes": 5.0',
        '"likes": 50, "likes": "50"',
    ],
)
def test_a_repeated_key_is_judged_as_the_schema_judges_it(text: str) -> None:
    raw = json.dumps(valid_dict()).replace('"likes": 50', text, 1).encode()
    assert text.encode() in raw
    day = assert_readers_agree(raw)
    assert (day is not None) == text.endswith(("50", "5.0"))


def hostile_day_dict(strings: list[str]) -> dict:
    """A valid day whose every free-text field holds one of ``strings``."""
    data = valid_dict()
    for n, text in enumerate(strings):
        entry = copy.deepcopy(data["entries"][0])
        entry["paper"].update(
            arxiv_id=f"2101.{n + 10:05d}",
            title=text,
            authors=[text],
            abstract=text,
            primary_category=text,
            categories=[text],
        )
        for post in entry["posts"]:
            for key in ("url", "author_name", "author_handle", "author_id", "text"):
                post[key] = text
            post.update(lang=text, id=text or "1", arxiv_ids=[])
            post["links"] = [{"url": text, "expanded_url": text, "display_url": text}]
        data["entries"].append(entry)
    return data


@pytest.mark.parametrize("ascii", [True, False])
def test_hostile_strings_are_read_alike_by_both_readers(ascii: bool) -> None:
    # A lone surrogate can be written as an escape, never as UTF-8.
    strings = [
        text for text in _VECTORS if ascii or not re.search("[\ud800-\udfff]", text)
    ]
    raw = json.dumps(hostile_day_dict(strings), ensure_ascii=ascii).encode("utf-8")
    day = assert_readers_agree(raw)
    assert day is not None
    shown = [entry.paper.title for entry in day.entries[len(valid_dict()["entries"]) :]]
    assert shown == [clean_text(text) for text in strings]
    assert len(strings) == len(_VECTORS) - (not ascii)


@pytest.mark.parametrize("ascii", [True, False])
def test_text_to_clean_never_takes_the_quick_way(ascii: bool) -> None:
    """Only the slow way cleans what it reads, so each string that needs it
    must keep its file off the quick way; and files we write take it."""
    checked = 0
    for text in [*_VECTORS, "\\", "\\u", "\\\b", "\ufffd", "\uff01", "日本"]:
        try:
            raw = json.dumps({"t": text}, ensure_ascii=ascii).encode("utf-8")
        except UnicodeEncodeError:
            continue  # a lone surrogate is never UTF-8, only an escape
        if clean_text(text) != text or (ascii and not text.isascii()):
            assert archive._may_hold_unsafe_text(raw), text
            checked += 1
        elif not ascii:
            assert not archive._may_hold_unsafe_text(raw), text
    assert checked >= 4


@pytest.mark.parametrize(
    "path",
    [
        *sorted((EXAMPLE_SITE / "hotpapers").glob("*.json")),
        Path(__file__).parent / "data" / "ranking-corpus.json",
        Path(__file__).parent / "data" / "day-v1.json",
    ],
    ids=lambda path: path.name,
)
def test_stored_days_are_read_alike_by_both_readers(path: Path) -> None:
    raw = path.read_bytes()
    day = archive.parse_day(path.with_name("x.json"), raw)
    assert day == slow_read(raw)
    assert schema_verdict(raw) == day.date


def test_a_day_we_wrote_is_read_in_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = make_day()
    path = archive.write_day(tmp_path, day)

    def fail(*args: object) -> None:
        raise AssertionError("read the slow way")

    monkeypatch.setattr(archive, "_parse_day_slowly", fail)
    assert archive.read_day(path) == day
    # Any other file goes the slow way: here, one of version 2.
    data = day_to_dict(day)
    data["schema_version"] = 2
    with pytest.raises(AssertionError, match="slow way"):
        archive.read_day(write_json(path, data))


@pytest.mark.parametrize(
    ("value", "expected"), [(5.0, 5), (1e3, 1000), (1e20, 10**20), (2**64, 2**64)]
)
def test_a_whole_number_is_a_count_however_it_is_written(
    tmp_path: Path, value: float, expected: int
) -> None:
    """JSON Schema counts 5.0 and 1e3 as integers, as Python's json reads them."""
    data = valid_dict()
    post = data["entries"][0]["posts"][0]
    post["counts"]["likes"] = value
    post["author_followers"] = value
    data["entries"][0]["score"] = value
    path = write_json(tmp_path / "2021-01-11.json", data)
    read = archive.read_day(path).entries[0].posts[0]
    assert read.counts.likes == expected and type(read.counts.likes) is int
    assert read.author_followers == expected and type(read.author_followers) is int


def test_text_nested_deep_in_an_unknown_field_is_cleaned_without_a_crash(
    tmp_path: Path,
) -> None:
    """Deep enough for json.loads, too deep for a recursive walk of its result."""
    data = valid_dict()
    data["entries"][0]["paper"]["title"] = "a\x00b"
    text = json.dumps(data)
    nested = "[" * 800 + '"\\u0000"' + "]" * 800
    path = tmp_path / "2021-01-11.json"
    path.write_text(text[:-1] + f', "notes": {nested}}}', encoding="utf-8")
    assert archive.read_day(path).entries[0].paper.title == "a\ufffdb"
