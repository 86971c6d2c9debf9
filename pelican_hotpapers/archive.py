"""The data folder: one JSON file a day, validated on read, written atomically.

The folder is the site's archive, not a disposable cache: X's recent search
only reaches back seven days, so a day that is lost can never be fetched
again. Hence the rules here: a file is replaced only by a complete, valid new
file (temporary file in the same folder, fsync, rename), and a file that
cannot be read is reported and left alone, never overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema

from pelican_hotpapers.models import (
    SCHEMA_VERSION,
    Day,
    clean_json,
    day_from_dict,
    day_to_dict,
    decode_day,
)

logger = logging.getLogger(__name__)

#: The lock file a fetch holds in the data folder.
LOCK_NAME = ".hotpapers.lock"
DAY_FILE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json\Z", re.ASCII)
# Names that look like a day file: "2021-1-11.json", "2021-01-11.JSON" and
# "2021-13-45.json" are not read, and each gets a warning that names it.
_DAY_LIKE_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})\.json\Z", re.ASCII | re.IGNORECASE
)


def _migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    # Version 2 records the sources that failed; version 1 had one source
    # and wrote a day only when it answered, so none failed.
    return {**data, "schema_version": 2, "failed_sources": []}


def _migrate_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    # Version 3 adds a post's author_id and author_followers, both optional:
    # an older day ranks with what it has (accounts told apart by handle).
    return {**data, "schema_version": 3}


#: Functions that upgrade a day's JSON from version N to N + 1, applied on read.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
}


class DataFolderBusy(Exception):
    """Another process holds the data folder's fetch lock."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        super().__init__(
            f"another fetch is writing to {lock_path.parent} (lock {lock_path})"
        )


class DayFileError(Exception):
    """A day file cannot be read or written; the message names the file."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@cache
def _validator() -> Callable[[Any], Any]:
    # Compiled once: fastjsonschema turns the schema into Python code, which is
    # what keeps reading thousands of days fast.
    schema_text = (
        resources.files("pelican_hotpapers")
        .joinpath("schema/day.schema.json")
        .read_text(encoding="utf-8")
    )
    return fastjsonschema.compile(json.loads(schema_text))


def day_path(data_path: str | os.PathLike[str], date: dt.date) -> Path:
    """Where the day for ``date`` is stored."""
    return Path(data_path) / f"{date.isoformat()}.json"


def _field_name(exc: fastjsonschema.JsonSchemaValueException) -> str:
    name = exc.name or "data"
    return name.removeprefix("data.").removeprefix("data") or "(top level)"


def validate_day_dict(data: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a parsed day against the schema, migrating an older version first."""
    data = _migrate(data, path)
    _check_schema(data, path)
    return data


def _migrate(data: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """A parsed day upgraded to the current version, if it is a day at all."""
    if not isinstance(data, dict):
        raise DayFileError(path, "is not a JSON object")
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise DayFileError(path, "field schema_version is missing or not a number")
    if version > SCHEMA_VERSION:
        raise DayFileError(
            path,
            f"has schema_version {version}, newer than this pelican-hotpapers "
            f"understands ({SCHEMA_VERSION}); upgrade the plugin",
        )
    while version < SCHEMA_VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            raise DayFileError(path, f"has unsupported schema_version {version}")
        data = migrate(data)
        version = data["schema_version"]
    return data


def _check_schema(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        message = exc.message.removeprefix("data.").removeprefix("data ")
        raise DayFileError(
            path, f"field {_field_name(exc)} is invalid: {message}"
        ) from None


def read_day(path: str | os.PathLike[str]) -> Day:
    """Read and check one day file.

    Raises :class:`DayFileError` with a message that names the file and the
    field at fault.
    """
    path = _as_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DayFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    return parse_day(path, raw)


def parse_day(path: str | os.PathLike[str], raw: bytes) -> Day:
    """Check and convert the bytes of a day file; ``path`` names it in errors."""
    path = _as_path(path)
    unsafe = _may_hold_unsafe_text(raw)
    day = None
    if not unsafe:
        # Nearly every file: one of ours, of the current version. msgspec
        # decodes and checks it in one pass, several times faster than the
        # way below, which reads every other file and says what is wrong.
        with contextlib.suppress(ValueError, RecursionError):
            day = decode_day(raw)
    if day is None:
        day = _parse_day_slowly(path, raw, unsafe)
    match = DAY_FILE_RE.match(path.name)
    if match and match.group(1) != day.date.isoformat():
        raise DayFileError(
            path,
            f"field date is {day.date.isoformat()}, but the file name says "
            f"{match.group(1)}",
        )
    return day


def _as_path(path: str | os.PathLike[str]) -> Path:
    # Path() of a Path parses it again: 2.6 microseconds, a fortieth of
    # reading a day.
    return path if isinstance(path, Path) else Path(path)


def _parse_day_slowly(path: Path, raw: bytes, unsafe: bool) -> Day:
    if not raw.strip():
        raise DayFileError(path, "is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DayFileError(path, "is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DayFileError(
            path, f"is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        # A number too long for int() or nesting too deep for the parser.
        raise DayFileError(path, f"is not valid JSON ({exc})") from None
    if unsafe:
        data = clean_json(data)
    data = _migrate(data, path)
    try:
        return day_from_dict(data)
    except ValueError as exc:
        # The schema names the field at fault, in the words of the published
        # format; what it lets through but the reader does not (a date such
        # as 2021-02-30) is a value the reader names.
        _check_schema(data, path)
        raise DayFileError(path, f"has an invalid value ({exc})") from None


def _may_hold_unsafe_text(raw: bytes) -> bool:
    # JSON cannot hold a raw control character inside a string, so one can
    # only come from an escape (\u0000, \b, \f); a lone surrogate only from
    # \uD800-style escapes. U+FFFE and U+FFFF are EF BF BE and EF BF BF in
    # UTF-8. Files we write hold none, so they skip the walk over every
    # string. Searched for one byte at a time: bytes.find of one byte is
    # memchr, tens of times quicker than a search for two.
    at = raw.find(b"\\")
    while at != -1:
        if raw[at + 1 : at + 2] in (b"u", b"b", b"f"):
            return True
        at = raw.find(b"\\", at + 2)  # past the escaped character
    at = raw.find(b"\xef")
    while at != -1:
        if raw[at + 1 : at + 3] in (b"\xbf\xbe", b"\xbf\xbf"):
            return True
        at = raw.find(b"\xef", at + 1)
    return False


def day_files(data_path: str | os.PathLike[str]) -> list[Path]:
    """The day files in the data folder, oldest first.

    A file that looks like a day but is not named ``YYYY-MM-DD.json`` is not
    read, and gets a warning that names it: without one, a day renamed by
    hand or by another tool would vanish from the site without a word.
    """
    folder = Path(data_path)
    if not folder.is_dir():
        return []
    names = {p.name for p in folder.iterdir()}
    found = []
    for name in sorted(names):
        problem = _day_name_problem(name, names)
        if problem is not None:
            logger.warning(
                "hotpapers: %s in %s looks like a day file, but %s",
                name,
                folder,
                problem,
            )
        elif DAY_FILE_RE.match(name):
            found.append(folder / name)
    return found


def _day_name_problem(name: str, names: set[str]) -> str | None:
    """Why a file that looks like a day is not read; None for every other file."""
    match = _DAY_LIKE_RE.match(name)
    if match is None:
        return None
    try:
        date = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return "its name is not a date, so it is not read"
    expected = f"{date.isoformat()}.json"
    if name == expected:
        return None
    problem = "it is not named YYYY-MM-DD.json, so it is not read"
    if expected in names:
        return f"{problem} (the day is read from {expected})"
    return f"{problem}; rename it to {expected}"


def write_day(data_path: str | os.PathLike[str], day: Day) -> Path:
    """Store a day, replacing the old file only once the new one is complete."""
    folder = Path(data_path)
    target = day_path(folder, day.date)
    try:
        data = clean_json(day_to_dict(day))
    except ValueError as exc:
        raise DayFileError(target, f"cannot be written ({exc})") from None
    validate_day_dict(data, target)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    try:
        write_atomically(target, text.encode("utf-8"))
    except OSError as exc:
        raise DayFileError(
            target, f"cannot be written ({exc.strerror or exc}); the old file is kept"
        ) from None
    return target


def write_atomically(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``target`` with ``data``, whole or not at all.

    The one way the plugin writes a file. The bytes go to a temporary file
    in the same folder, which is renamed over the target: a reader sees the
    old file or the new one, never half of either, and a failure (a full
    disk, a read-only folder) leaves the old file and no temporary one.
    ``durable`` also flushes the file and the rename to disk, so that a crash
    cannot leave an empty file under the old name; only outputs that every
    build writes again, by the thousand, skip it. Raises OSError.
    """
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=folder, prefix=f".{target.stem}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp_name, _file_mode(target))
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    if durable:
        _fsync_folder(folder)


@contextmanager
def fetch_lock(data_path: str | os.PathLike[str], timeout: float) -> Iterator[Path]:
    """Hold the data folder's lock while a fetch writes to it.

    Two fetches at once (a cron job and a build, say) would otherwise fetch
    the same days twice and race to replace each other's files. Readers need
    no lock: a day file is only ever replaced whole, by a rename.
    Raises :class:`DataFolderBusy` if the lock is not free within ``timeout``
    seconds.
    """
    # Imported here: only a fetch locks, and a build that reads the days
    # should not pay for importing filelock.
    from filelock import FileLock
    from filelock import Timeout as FileLockTimeout

    folder = Path(data_path)
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, timeout=timeout)
        lock.acquire()
    except FileLockTimeout:
        raise DataFolderBusy(path) from None
    except OSError as exc:
        raise DayFileError(
            path, f"cannot be created ({exc.strerror or exc}); nothing is fetched"
        ) from None
    try:
        yield path
    finally:
        lock.release()


def _file_mode(target: Path) -> int:
    # mkstemp creates 0600 files; keep the old file's mode, or follow the umask
    # as an ordinary new file would, so the site's other tools can read it.
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
