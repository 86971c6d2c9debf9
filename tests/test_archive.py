"""The data folder: reading, checking and atomically writing day files."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import pytest

from pelican_hotpapers import archive
from pelican_hotpapers.archive import DayFileError
from pelican_hotpapers.models import SCHEMA_VERSION, Entry, clean_text, day_to_dict

from .factories import make_day, make_entry, make_paper, make_post

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
