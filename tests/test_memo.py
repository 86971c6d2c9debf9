"""The render memo: unchanged days are not rendered again with the content cache on."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import pickle
import sqlite3
from contextlib import closing

import pytest

from pelican_hotpapers import archive, memo, render
from pelican_hotpapers.memo import MEMO_FILE, OLD_MEMO_FILE, RenderMemo, memo_key
from pelican_hotpapers.models import Entry
from pelican_hotpapers.ranking import rank_day
from pelican_hotpapers.render import Marks
from pelican_hotpapers.settings import RankingOptions
from pelican_hotpapers.timeline import Trend

from .factories import make_day, make_entry, make_paper, make_post
from .sites import build, soup

CACHED = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True}


@pytest.fixture
def rendered_days(monkeypatch) -> list[str]:
    """The dates rendered by every build of the test, in order."""
    seen: list[str] = []
    original = render.Renderer.render_day

    def counting(self, ranked, *args, **kwargs):
        seen.append(ranked.date.isoformat())
        return original(self, ranked, *args, **kwargs)

    monkeypatch.setattr(render.Renderer, "render_day", counting)
    return seen


def test_unchanged_days_come_from_the_memo(tmp_path, data_dir, rendered_days):
    first = build(tmp_path, data_dir, **CACHED)
    assert sorted(rendered_days) == ["2021-01-11", "2021-01-12"]
    assert (tmp_path / "cache" / MEMO_FILE).exists()
    page = (first / "hot-papers-2021-01-11.html").read_text(encoding="utf-8")

    rendered_days.clear()
    second = build(tmp_path, data_dir, **CACHED)
    assert rendered_days == []
    assert (second / "hot-papers-2021-01-11.html").read_text(encoding="utf-8") == page

    # A changed day is rendered again, and only that one.
    archive.write_day(
        data_dir, make_day(dt.date(2021, 1, 12), sources=("x", "bluesky"))
    )
    rendered_days.clear()
    third = build(tmp_path, data_dir, **CACHED)
    assert rendered_days == ["2021-01-12"]
    intro = soup(third / "hot-papers-2021-01-12.html").select_one(".hotpapers-intro")
    assert "on X, Bluesky" in intro.get_text()


def test_changed_settings_or_templates_render_everything_again(
    tmp_path, data_dir, rendered_days
):
    build(tmp_path, data_dir, **CACHED)
    rendered_days.clear()
    build(tmp_path, data_dir, HOTPAPERS_MIN_PAPER_SCORE=10, **CACHED)
    assert len(rendered_days) == 2

    overrides = tmp_path / "overrides"
    (overrides / "hotpapers").mkdir(parents=True)
    (overrides / "hotpapers" / "post.html").write_text("<div class=mine></div>")
    settings = {**CACHED, "THEME_TEMPLATES_OVERRIDES": [str(overrides)]}
    rendered_days.clear()
    out = build(tmp_path, data_dir, HOTPAPERS_MIN_PAPER_SCORE=10, **settings)
    assert len(rendered_days) == 2
    assert soup(out / "hot-papers-2021-01-11.html").select("div.mine")


def test_without_the_content_cache_nothing_is_remembered(
    tmp_path, data_dir, rendered_days
):
    build(tmp_path, data_dir)
    build(tmp_path, data_dir)
    assert len(rendered_days) == 4
    assert not (tmp_path / "cache" / MEMO_FILE).exists()


def test_a_memo_read_but_not_written_without_cache_content(
    tmp_path, data_dir, rendered_days
):
    """LOAD_CONTENT_CACHE alone reads the memo and never writes it."""
    build(tmp_path, data_dir, **CACHED)
    memo = tmp_path / "cache" / MEMO_FILE
    before = memo.read_bytes()
    archive.write_day(data_dir, make_day(dt.date(2021, 1, 13)))
    rendered_days.clear()
    build(tmp_path, data_dir, CACHE_CONTENT=False, LOAD_CONTENT_CACHE=True)
    assert rendered_days == ["2021-01-13"]
    assert memo.read_bytes() == before


def test_a_memo_that_cannot_be_saved_leaves_the_old_one_and_no_litter(
    tmp_path, data_dir, rendered_days, monkeypatch
):
    """The memo is written in one SQLite transaction: a full disk leaves the
    old memo as it was, and the build goes on."""
    build(tmp_path, data_dir, **CACHED)
    cache_folder = tmp_path / "cache"
    before = (cache_folder / MEMO_FILE).read_bytes()
    listing = sorted(p.name for p in cache_folder.iterdir())
    archive.write_day(data_dir, make_day(dt.date(2021, 1, 13)))
    real_connect = sqlite3.connect

    class FullDisk:
        """A connection whose writes of rows fail as on a full disk."""

        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __getattr__(self, name: str):
            return getattr(self.db, name)

        def __enter__(self):
            self.db.__enter__()
            return self

        def __exit__(self, *exc_info):
            return self.db.__exit__(*exc_info)

        def executemany(self, sql: str, rows):
            if sql.startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return self.db.executemany(sql, rows)

    def full_disk_on_write(*args, **kwargs):
        return FullDisk(real_connect(*args, **kwargs))

    monkeypatch.setattr("pelican_hotpapers.memo.sqlite3.connect", full_disk_on_write)
    out = build(tmp_path, data_dir, **CACHED)
    assert (out / "hot-papers-2021-01-13.html").exists()
    assert (cache_folder / MEMO_FILE).read_bytes() == before
    assert sorted(p.name for p in cache_folder.iterdir()) == listing


def test_a_broken_memo_only_costs_time(tmp_path, data_dir, rendered_days):
    build(tmp_path, data_dir, **CACHED)
    (tmp_path / "cache" / MEMO_FILE).write_bytes(b"not a pickle")
    rendered_days.clear()
    out = build(tmp_path, data_dir, **CACHED)
    assert len(rendered_days) == 2
    assert (out / "hot-papers-2021-01-11.html").exists()


def test_memo_key_follows_templates_and_settings(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "day.html").write_text("a")
    first = memo_key("settings", [folder])
    assert memo_key("settings", [folder]) == first
    assert memo_key("other settings", [folder]) != first
    (folder / "day.html").write_text("b")
    assert memo_key("settings", [folder]) != first
    memo = RenderMemo.open(tmp_path / "cache", first, load=True)
    assert memo.get("2021-01-11.json", "x") is None


def test_memo_key_follows_the_plugins_own_code(tmp_path, monkeypatch):
    """A checkout installed from git keeps its version while its code changes."""
    from pelican_hotpapers import memo as memo_module

    package = tmp_path / "pelican_hotpapers"
    package.mkdir()
    (package / "render.py").write_text("WRITE = 'one way'\n")
    monkeypatch.setattr(memo_module, "PACKAGE_PATH", package)
    first = memo_key("settings", [])
    assert memo_key("settings", []) == first
    (package / "render.py").write_text("WRITE = 'another way'\n")
    assert memo_key("settings", []) != first


def test_a_theme_template_outside_hotpapers_is_part_of_the_key(
    tmp_path, data_dir, rendered_days
):
    """An override may include any theme template; changing it renders again."""
    overrides = tmp_path / "overrides"
    (overrides / "hotpapers").mkdir(parents=True)
    (overrides / "hotpapers" / "day.html").write_text(
        '{% include "banner.html" %}{% include "!hotpapers/hotpapers/day.html" %}'
    )
    (overrides / "banner.html").write_text("<p id=hp-banner>V1</p>")
    settings = {**CACHED, "THEME_TEMPLATES_OVERRIDES": [str(overrides)]}
    build(tmp_path, data_dir, **settings)
    (overrides / "banner.html").write_text("<p id=hp-banner>V2</p>")
    rendered_days.clear()
    out = build(tmp_path, data_dir, **settings)
    assert len(rendered_days) == 2
    assert (
        soup(out / "hot-papers-2021-01-11.html").select_one("#hp-banner").get_text()
        == "V2"
    )


# --- Pages that depend on other days ------------------------------------------


def listing(date: dt.date, *arxiv_ids: str):
    from .factories import make_entry

    return make_day(date, entries=tuple(make_entry(i, ((60, 0),)) for i in arxiv_ids))


D = dt.date(2021, 1, 11)


def test_a_new_day_renders_again_exactly_the_days_whose_marks_change(
    tmp_path, rendered_days
):
    data = tmp_path / "data"
    archive.write_day(data, listing(D, "2101.00001"))
    archive.write_day(data, listing(D + dt.timedelta(2), "2101.00001"))
    archive.write_day(data, listing(D + dt.timedelta(5), "2101.00002"))
    build(tmp_path, data, **CACHED)
    assert len(rendered_days) == 3

    # A paper unrelated to the others: only the new day is rendered.
    archive.write_day(data, listing(D + dt.timedelta(6), "2101.00003"))
    rendered_days.clear()
    build(tmp_path, data, **CACHED)
    assert rendered_days == ["2021-01-17"]

    # A day filled in between: the later day of the same paper changes its
    # mark (day 3 now) and sparkline; the earlier one looks only backwards.
    archive.write_day(data, listing(D + dt.timedelta(1), "2101.00001"))
    rendered_days.clear()
    out = build(tmp_path, data, **CACHED)
    assert rendered_days == ["2021-01-12", "2021-01-13"]
    mark = soup(out / "hot-papers-2021-01-13.html").select_one(".hotpapers-mark")
    assert mark.get_text() == "day 3 on the list"

    # A paper listed again gets a page: its first day now links to it.
    assert not soup(out / "hot-papers-2021-01-16.html").select("a.hotpapers-paper-page")
    archive.write_day(data, listing(D + dt.timedelta(7), "2101.00002"))
    rendered_days.clear()
    out = build(tmp_path, data, **CACHED)
    assert rendered_days == ["2021-01-16", "2021-01-18"]
    assert soup(out / "hot-papers-2021-01-16.html").select("a.hotpapers-paper-page")

    # Nothing new: nothing rendered, and the pages are the same.
    rendered_days.clear()
    build(tmp_path, data, **CACHED)
    assert rendered_days == []


def test_digests_come_from_the_memo_until_one_of_their_days_changes(
    tmp_path, monkeypatch
):
    seen: list[str] = []
    original = render.Renderer.render_digest

    def counting(self, digest, *args, **kwargs):
        seen.append(digest.period.key)
        return original(self, digest, *args, **kwargs)

    monkeypatch.setattr(render.Renderer, "render_digest", counting)
    data = tmp_path / "data"
    archive.write_day(data, listing(D, "2101.00001"))
    archive.write_day(data, listing(D + dt.timedelta(7), "2101.00002"))
    settings = {**CACHED, "HOTPAPERS_DIGESTS": ["week", "month"]}
    build(tmp_path, data, **settings)
    assert sorted(seen) == ["2021-01", "2021-W02", "2021-W03"]
    seen.clear()
    build(tmp_path, data, **settings)
    assert seen == []
    archive.write_day(data, listing(D + dt.timedelta(8), "2101.00003"))
    seen.clear()
    build(tmp_path, data, **settings)
    assert sorted(seen) == ["2021-01", "2021-W03"]


@pytest.fixture
def rendered_papers(monkeypatch) -> list[str]:
    """The arXiv ids whose paper page body every build of the test renders."""
    seen: list[str] = []
    original = render.Renderer.render_paper_page

    def counting(self, history, *args, **kwargs):
        seen.append(history.paper.arxiv_id)
        return original(self, history, *args, **kwargs)

    monkeypatch.setattr(render.Renderer, "render_paper_page", counting)
    return seen


def written(output) -> dict[str, bytes]:
    """Every paper page and JSON file of a build, by path."""
    files = [*output.glob("papers/*.html"), *output.glob("hotpapers/*.json")]
    return {str(p.relative_to(output)): p.read_bytes() for p in sorted(files)}


def test_paper_pages_render_again_exactly_when_what_they_show_changes(
    tmp_path, rendered_papers
):
    data = tmp_path / "data"
    archive.write_day(data, listing(D, "2101.00001"))
    archive.write_day(data, listing(D + dt.timedelta(2), "2101.00001"))
    archive.write_day(data, listing(D + dt.timedelta(5), "2101.00002"))
    settings = {**CACHED, "HOTPAPERS_DIGESTS": ["month"]}
    build(tmp_path, data, **settings)
    assert rendered_papers == ["2101.00001"]

    rendered_papers.clear()
    build(tmp_path, data, **settings)
    assert rendered_papers == []

    # An unrelated paper on a new day: the page of 2101.00001 is the same.
    archive.write_day(data, listing(D + dt.timedelta(6), "2101.00003"))
    rendered_papers.clear()
    build(tmp_path, data, **settings)
    assert rendered_papers == []

    # 2101.00002 is listed again and gets its page; it now leads the month,
    # so 2101.00001's rank in the month's digest changes, and its page too.
    busy = make_entry("2101.00002", ((60, 0),) * 4)
    archive.write_day(data, make_day(D + dt.timedelta(7), entries=(busy,)))
    rendered_papers.clear()
    out = build(tmp_path, data, **settings)
    assert sorted(rendered_papers) == ["2101.00001", "2101.00002"]

    # What the memo gives is what a build from nothing makes.
    (tmp_path / "cold").mkdir()
    fresh = build(tmp_path / "cold", data, **{**settings, "CACHE_CONTENT": False})
    assert written(out) == written(fresh)
    assert "papers/2101.00002.html" in written(out)


def test_json_files_are_made_and_written_again_only_when_they_change(tmp_path):
    data = tmp_path / "data"
    archive.write_day(data, listing(D, "2101.00001"))
    archive.write_day(data, listing(D + dt.timedelta(2), "2101.00001"))
    out = build(tmp_path, data, **CACHED)
    json_of = out / "hotpapers"

    def stamps() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in json_of.glob("????-*.json")}

    before = stamps()
    build(tmp_path, data, **CACHED)
    assert stamps() == before

    # A day filled in between changes the marks of the day after it only.
    archive.write_day(data, listing(D + dt.timedelta(1), "2101.00001"))
    out = build(tmp_path, data, **CACHED)
    after = stamps()
    assert after["2021-01-11.json"] == before["2021-01-11.json"]
    assert after["2021-01-13.json"] != before["2021-01-13.json"]
    assert set(after) == {"2021-01-11.json", "2021-01-12.json", "2021-01-13.json"}
    (tmp_path / "cold").mkdir()
    fresh = build(tmp_path / "cold", data)
    assert written(out) == written(fresh)

    # A file that is not what the memo made is made again.
    (json_of / "2021-01-11.json").write_text("{}", encoding="utf-8")
    build(tmp_path, data, **CACHED)
    assert written(out) == written(fresh)


def test_without_the_memo_a_json_file_that_comes_out_the_same_is_not_written(
    tmp_path, data_dir
):
    out = build(tmp_path, data_dir)
    path = out / "hotpapers" / "2021-01-11.json"
    path.touch()  # an mtime that a rewrite would change
    stamp = path.stat().st_mtime_ns
    os.utime(path, ns=(stamp - 10**9, stamp - 10**9))
    build(tmp_path, data_dir)
    assert path.stat().st_mtime_ns == stamp - 10**9
    index = (out / "hotpapers" / "index.json").read_bytes()
    archive.write_day(data_dir, make_day(dt.date(2021, 1, 13)))
    build(tmp_path, data_dir)
    assert (out / "hotpapers" / "index.json").read_bytes() != index


def test_a_build_writes_only_the_memo_rows_it_changed(tmp_path):
    """A warm build of ten years must not rewrite a quarter gigabyte of memo."""
    data = tmp_path / "data"
    for n in range(3):
        archive.write_day(data, listing(D + dt.timedelta(n), f"2101.0000{n + 1}"))
    build(tmp_path, data, **CACHED)
    path = tmp_path / "cache" / MEMO_FILE

    def rows() -> dict[str, int]:
        with closing(sqlite3.connect(path)) as db:
            return dict(db.execute("SELECT name, rowid FROM memo"))

    before = rows()
    assert {"2021-01-11.json", "2021-01-13.json"} <= before.keys()
    archive.write_day(data, listing(D + dt.timedelta(5), "2101.00009"))
    build(tmp_path, data, **CACHED)
    after = rows()
    # A replaced row gets a new rowid; the days that did not change keep theirs.
    assert {name: after[name] for name in before} == before
    assert after.keys() - before.keys() == {
        "2021-01-16.json",
        "json 2021-01-16",
    }

    # A day that is gone leaves the memo with its outputs.
    (data / "2021-01-16.json").unlink()
    build(tmp_path, data, **CACHED)
    assert rows() == before


def test_the_collector_gets_the_memo_back_when_the_build_ends(
    tmp_path, data_dir, monkeypatch
):
    """The memo's objects are frozen out of the collector's way only meanwhile."""
    frozen: list[int] = []
    build(tmp_path, data_dir, **CACHED)
    original = RenderMemo._load

    def load(self):
        original(self)
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(RenderMemo, "_load", load)
    build(tmp_path, data_dir, **CACHED)
    assert frozen and frozen[0] > 0
    assert gc.get_freeze_count() == 0


def test_a_digest_from_the_memo_carries_the_same_data_as_a_ranked_one(
    tmp_path, monkeypatch
):
    """The memo keeps a digest's entries only; its period is made again."""
    from pelican import signals

    seen: list[dict[str, object]] = []

    def digests_of(generator) -> None:
        seen.append(
            {
                a.slug: a.hotpapers
                for a in generator.articles
                if hasattr(a, "hotpapers_digest")
            }
        )

    counted_rank_day = CountingRank()
    monkeypatch.setattr(
        "pelican_hotpapers.ranking.Ranker.rank", counted_rank_day.method()
    )
    signals.article_generator_finalized.connect(digests_of)
    try:
        data = tmp_path / "data"
        archive.write_day(data, listing(D, "2101.00001", "2101.00002"))
        archive.write_day(data, listing(D + dt.timedelta(1), "2101.00002"))
        settings = {**CACHED, "HOTPAPERS_DIGESTS": ["week", "month"]}
        build(tmp_path, data, **settings)
        # Two days, a week and a month ranked cold...
        assert len(counted_rank_day.calls) == 4
        counted_rank_day.calls.clear()
        build(tmp_path, data, **settings)
    finally:
        signals.article_generator_finalized.disconnect(digests_of)
    assert counted_rank_day.calls == []  # nothing ranked again
    cold, warm = seen
    assert set(cold) == {"hot-papers-2021-W02", "hot-papers-2021-01"}
    assert warm == cold
    month = warm["hot-papers-2021-01"]
    assert {e.paper.arxiv_id for e in month.day.entries} == {"2101.00001", "2101.00002"}
    # The memo does not hold the period's posts a second time.
    memo = RenderMemo.open(tmp_path / "cache", "", load=False)
    memo.key = stored_key(tmp_path / "cache" / MEMO_FILE)
    memo._load()
    assert memo.old["month-2021-01"].ranked.day.entries == ()
    assert memo.old["month-2021-01"].ranked.entries == month.entries


def stored_key(path) -> str:
    with closing(sqlite3.connect(path)) as db:
        (key,) = db.execute("SELECT value FROM memo WHERE kind = 'key'").fetchone()
    return bytes(key).decode()


class CountingRank:
    """Counts the days and periods the build's Ranker ranks."""

    def __init__(self) -> None:
        from pelican_hotpapers import ranking

        self.original = ranking.Ranker.rank
        self.calls: list[object] = []

    def method(self):
        """A function to put in place of ``Ranker.rank``."""

        def rank(ranker, day, *args, **kwargs):
            self.calls.append(day.date)
            return self.original(ranker, day, *args, **kwargs)

        return rank


def test_the_memo_of_0_1_is_removed_when_the_new_one_is_saved(tmp_path, data_dir):
    old = tmp_path / "cache" / OLD_MEMO_FILE
    old.parent.mkdir()
    old.write_bytes(b"a pickle of every day")
    build(tmp_path, data_dir, **CACHED)
    assert not old.exists()
    assert (tmp_path / "cache" / MEMO_FILE).exists()


def test_the_marks_key_changes_with_everything_the_marks_show():
    trend = Trend(2, ((D, 60), (D + dt.timedelta(1), None)))
    marks = Marks(trends={"2101.00001": trend}, pages={"2101.00001": "{filename}/a"})
    others = [
        Marks(trends={"2101.00001": Trend(3, trend.points)}, pages=marks.pages),
        Marks(
            trends={"2101.00001": Trend(2, ((D, 61), (D + dt.timedelta(1), None)))},
            pages=marks.pages,
        ),
        Marks(
            trends={"2101.00001": Trend(2, ((D, 60), (D + dt.timedelta(1), 5)))},
            pages=marks.pages,
        ),
        Marks(
            trends={"2101.00001": Trend(2, ((D - dt.timedelta(1), 60), (D, None)))},
            pages=marks.pages,
        ),
        Marks(trends={"2101.00002": trend}, pages=marks.pages),
        Marks(trends=marks.trends, pages={"2101.00001": "{filename}/b"}),
        Marks(trends=marks.trends),
    ]
    keys = {marks.key(), *(other.key() for other in others)}
    assert len(keys) == len(others) + 1
    same = Marks(trends=dict(marks.trends), pages=dict(marks.pages))
    assert same.key() == marks.key()
    # A new field of Marks or Trend must be added to Marks.key().
    assert [f.name for f in dataclasses.fields(Marks)] == ["trends", "pages"]
    assert [f.name for f in dataclasses.fields(Trend)] == ["day_on_list", "points"]


def test_a_ranked_day_comes_back_from_the_memo_with_every_reason() -> None:
    """A counted post keeps the numbers its reason is written from, so the
    reason read after the memo is the one read before."""
    ada = {"author_handle": "ada", "author_id": "101"}
    posts = (
        make_post(reposts=2000, likes=150, text="#a #b #c #d #e #f #g #h", **ada),
        make_post(reposts=5, likes=5, **ada),
        make_post(reposts=9, likes=9, author_handle="somebot"),
        make_post(reposts=0, likes=80, source="hackernews", id="42"),
    )
    day = make_day(entries=(Entry(make_paper(), posts),))
    robust = RankingOptions(
        min_paper_score=0,
        weights=(("hackernews", 0.5),),
        ignore_accounts=(("x", ("somebot",)),),
    )
    for options in (robust, dataclasses.replace(robust, mode="sum")):
        ranked = rank_day(day, options)
        back = pickle.loads(memo._dumps(ranked))
        assert back == ranked
        (entry,) = ranked.entries
        (entry_back,) = back.entries
        reasons = [c.reason for c in entry.counted_posts]
        assert [c.reason for c in entry_back.counted_posts] == reasons
        assert len(set(reasons)) == len(posts)
