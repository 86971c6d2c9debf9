"""Checking and converting the HOTPAPERS_* settings."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from pelican_hotpapers import fetch
from pelican_hotpapers.options import Setting, frozen, settings_of
from pelican_hotpapers.settings import (
    DATE_FORMS,
    DEFAULTS,
    FALLBACK_AUTHOR,
    MAX_DAYS_AGO,
    SITE_FOLDERS,
    HistoryOptions,
    HotpapersSettings,
    RankingOptions,
    RobustRules,
    SettingsError,
    option_classes,
    parse_date,
)


def load(base_dir: Path, **settings: Any) -> HotpapersSettings:
    return HotpapersSettings.from_pelican(settings, base_dir)


def test_defaults(tmp_path: Path) -> None:
    hp = load(tmp_path)
    assert hp.data_path == tmp_path / "hotpapers"
    assert hp.ranking == RankingOptions(
        min_paper_score=50,
        min_post_score=25,
        max_posts_per_paper=10,
        max_papers=None,
        categories=(),
        exclude_categories=(),
    )
    assert hp.title == "Hot Papers {date}"
    assert hp.slug == "hot-papers-{date}"
    assert hp.category == "arXiv"
    assert hp.tags == ("arXiv",)
    assert hp.author == FALLBACK_AUTHOR == "Hot Papers"
    assert hp.status == "published"
    assert hp.summary_papers == 3
    assert hp.time_format == "%Y-%m-%d %H:%M %Z"
    assert hp.embed_script is False
    assert (hp.css, hp.css_save_as) == ("link", "hotpapers/hotpapers.css")
    assert hp.inline_css is False
    assert hp.lang == "en"
    assert hp.timezone == "UTC"


def test_values_are_taken_over(tmp_path: Path) -> None:
    hp = load(
        tmp_path,
        HOTPAPERS_MIN_PAPER_SCORE=0,
        HOTPAPERS_MIN_POST_SCORE=0,
        HOTPAPERS_MAX_POSTS_PER_PAPER=0,
        HOTPAPERS_MAX_PAPERS=1,
        HOTPAPERS_CATEGORIES=["cs.LG", "cs", "cs.*", "hep-th", "astro-ph.CO"],
        HOTPAPERS_EXCLUDE_CATEGORIES=("stat.ML",),
        HOTPAPERS_TITLE="Papers of {date}",
        HOTPAPERS_SLUG="papers-{date}",
        HOTPAPERS_CATEGORY="Research",
        HOTPAPERS_TAGS=["a", "b"],
        HOTPAPERS_AUTHOR="Bot",
        HOTPAPERS_STATUS="draft",
        HOTPAPERS_SUMMARY_PAPERS=0,
        HOTPAPERS_TIME_FORMAT="%H:%M",
        HOTPAPERS_EMBED_SCRIPT=True,
        HOTPAPERS_INLINE_CSS=False,
        TIMEZONE="Europe/Berlin",
    )
    assert hp.ranking == RankingOptions(
        min_paper_score=0,
        min_post_score=0,
        max_posts_per_paper=0,
        max_papers=1,
        categories=("cs.LG", "cs", "cs.*", "hep-th", "astro-ph.CO"),
        exclude_categories=("stat.ML",),
    )
    assert (hp.title, hp.slug, hp.category) == (
        "Papers of {date}",
        "papers-{date}",
        "Research",
    )
    assert hp.tags == ("a", "b")
    assert hp.author == "Bot"
    assert hp.status == "draft"
    assert hp.summary_papers == 0
    assert hp.time_format == "%H:%M"
    assert hp.embed_script is True
    assert hp.css is None
    assert hp.timezone == "Europe/Berlin"


@pytest.mark.parametrize("status", ["published", "hidden", "draft"])
def test_every_status(tmp_path: Path, status: str) -> None:
    assert load(tmp_path, HOTPAPERS_STATUS=status).status == status


@pytest.mark.parametrize(
    "category",
    [
        "cs.LG",
        "cs",
        "cs.*",
        "hep-th",
        "hep-th.*",
        "astro-ph.CO",
        "math.GT",
        "q-bio.NC",
        "eess.SP",
        # hyphenated subject classes, as in the reference post
        "physics.comp-ph",
        "cond-mat.mtrl-sci",
        "cond-mat.stat-mech",
    ],
)
def test_real_categories_are_accepted(tmp_path: Path, category: str) -> None:
    hp = load(
        tmp_path,
        HOTPAPERS_CATEGORIES=[category],
        HOTPAPERS_EXCLUDE_CATEGORIES=[category],
    )
    assert hp.ranking.categories == (category,)
    assert hp.ranking.exclude_categories == (category,)


def test_defaults_are_not_changed_by_a_site(tmp_path: Path) -> None:
    before = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULTS.items()}
    load(tmp_path, HOTPAPERS_TAGS=["x"], HOTPAPERS_MIN_PAPER_SCORE=1)
    assert before == DEFAULTS


# --- the data path ------------------------------------------------------------


def test_relative_data_path_is_read_from_base_dir(tmp_path: Path) -> None:
    hp = load(tmp_path, HOTPAPERS_DATA_PATH="data/days")
    assert hp.data_path == tmp_path / "data" / "days"
    assert hp.data_path.is_absolute()


def test_relative_data_path_is_normalised(tmp_path: Path) -> None:
    site = tmp_path / "site"
    hp = load(site, HOTPAPERS_DATA_PATH="../archive/./days")
    assert hp.data_path == tmp_path / "archive" / "days"


def test_relative_base_dir_gives_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    hp = HotpapersSettings.from_pelican({}, "site")
    assert hp.data_path == tmp_path / "site" / "hotpapers"


def test_absolute_data_path_is_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    hp = load(tmp_path / "site", HOTPAPERS_DATA_PATH=str(elsewhere))
    assert hp.data_path == elsewhere
    assert load(tmp_path / "site", HOTPAPERS_DATA_PATH=elsewhere).data_path == (
        elsewhere
    )


def test_home_in_data_path_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    hp = load(tmp_path / "site", HOTPAPERS_DATA_PATH="~/hotpapers")
    assert hp.data_path == tmp_path / "home" / "hotpapers"


# --- bad values -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTPAPERS_MIN_PAPER_SCORE", "50"),
        ("HOTPAPERS_MIN_PAPER_SCORE", -1),
        ("HOTPAPERS_MIN_PAPER_SCORE", True),
        ("HOTPAPERS_MIN_PAPER_SCORE", 50.0),
        ("HOTPAPERS_MIN_PAPER_SCORE", None),
        ("HOTPAPERS_MIN_POST_SCORE", "25"),
        ("HOTPAPERS_MIN_POST_SCORE", -5),
        ("HOTPAPERS_MIN_POST_SCORE", False),
        ("HOTPAPERS_MAX_POSTS_PER_PAPER", -1),
        ("HOTPAPERS_MAX_POSTS_PER_PAPER", True),
        ("HOTPAPERS_MAX_POSTS_PER_PAPER", "10"),
        ("HOTPAPERS_MAX_PAPERS", 0),
        ("HOTPAPERS_MAX_PAPERS", -3),
        ("HOTPAPERS_MAX_PAPERS", "3"),
        ("HOTPAPERS_MAX_PAPERS", True),
        ("HOTPAPERS_SUMMARY_PAPERS", -1),
        ("HOTPAPERS_SUMMARY_PAPERS", "3"),
        ("HOTPAPERS_CATEGORIES", ["CS LG"]),
        ("HOTPAPERS_CATEGORIES", ["cs.LG", "CS.LG"]),
        ("HOTPAPERS_CATEGORIES", ["cs..LG"]),
        ("HOTPAPERS_CATEGORIES", ["cs.L"]),
        ("HOTPAPERS_CATEGORIES", ["*"]),
        ("HOTPAPERS_CATEGORIES", [""]),
        ("HOTPAPERS_CATEGORIES", [3]),
        ("HOTPAPERS_CATEGORIES", "cs.LG"),
        ("HOTPAPERS_CATEGORIES", {"cs.LG": True}),
        ("HOTPAPERS_EXCLUDE_CATEGORIES", ["CS LG"]),
        ("HOTPAPERS_EXCLUDE_CATEGORIES", "stat.ML"),
        ("HOTPAPERS_TITLE", "Hot Papers {foo}"),
        ("HOTPAPERS_TITLE", "Hot Papers {0}"),
        ("HOTPAPERS_TITLE", "Hot Papers {"),
        ("HOTPAPERS_TITLE", "Hot Papers {date.year}"),
        ("HOTPAPERS_TITLE", "Hot Papers {date[x]}"),
        ("HOTPAPERS_TITLE", "Hot Papers {date:%B}"),
        ("HOTPAPERS_TITLE", ""),
        ("HOTPAPERS_TITLE", "   "),
        ("HOTPAPERS_TITLE", None),
        ("HOTPAPERS_SLUG", "hot-{foo}"),
        ("HOTPAPERS_SLUG", 3),
        ("HOTPAPERS_CATEGORY", ""),
        ("HOTPAPERS_CATEGORY", ["arXiv"]),
        ("HOTPAPERS_TAGS", "arXiv"),
        ("HOTPAPERS_TAGS", ["arXiv", ""]),
        ("HOTPAPERS_TAGS", [None]),
        ("HOTPAPERS_AUTHOR", ""),
        ("HOTPAPERS_AUTHOR", "   "),
        ("HOTPAPERS_AUTHOR", 3),
        ("HOTPAPERS_AUTHOR", ["Ada"]),
        ("HOTPAPERS_STATUS", "bogus"),
        ("HOTPAPERS_STATUS", "Published"),
        ("HOTPAPERS_STATUS", ""),
        ("HOTPAPERS_STATUS", None),
        ("HOTPAPERS_TIME_FORMAT", ""),
        ("HOTPAPERS_EMBED_SCRIPT", "yes"),
        ("HOTPAPERS_EMBED_SCRIPT", 1),
        ("HOTPAPERS_INLINE_CSS", "yes"),
        ("HOTPAPERS_CSS", "external"),
        ("HOTPAPERS_CSS", False),
        ("HOTPAPERS_CSS_SAVE_AS", "/srv/www/hotpapers.css"),
        ("HOTPAPERS_CSS_SAVE_AS", "../hotpapers.css"),
        ("HOTPAPERS_CSS_SAVE_AS", "css/../../hotpapers.css"),
        ("HOTPAPERS_CSS_SAVE_AS", "C:/hotpapers.css"),
        ("HOTPAPERS_CSS_SAVE_AS", "css\\hotpapers.css"),
        ("HOTPAPERS_CSS_SAVE_AS", "css/"),
        ("HOTPAPERS_CSS_SAVE_AS", "."),
        ("HOTPAPERS_CSS_SAVE_AS", ""),
        ("HOTPAPERS_CSS_SAVE_AS", None),
        ("HOTPAPERS_LANG", ""),
        ("HOTPAPERS_LANG", "en us"),
        ("HOTPAPERS_LANG", "../en"),
        ("HOTPAPERS_LANG", ["en"]),
        ("HOTPAPERS_TEMPLATE_CACHE", 3),
        ("HOTPAPERS_TEMPLATE_CACHE", ""),
        ("HOTPAPERS_TEMPLATE_CACHE", "  "),
        ("HOTPAPERS_TEMPLATE_CACHE", ["cache"]),
        ("HOTPAPERS_DATA_PATH", ""),
        ("HOTPAPERS_DATA_PATH", "  "),
        ("HOTPAPERS_DATA_PATH", None),
        ("HOTPAPERS_DATA_PATH", 3),
    ],
)
def test_bad_value_names_the_setting(tmp_path: Path, name: str, value: Any) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name
    assert str(caught.value).startswith(f"{name} ")
    assert isinstance(caught.value, ValueError)


def test_the_error_shows_the_bad_value(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_CATEGORIES=["cs.LG", "CS LG"])
    assert "'CS LG'" in str(caught.value)
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_MIN_PAPER_SCORE="50")
    assert "'50'" in str(caught.value)


# --- author -----------------------------------------------------------------------


def test_author_falls_back_to_the_site_author(tmp_path: Path) -> None:
    assert load(tmp_path, AUTHOR="Jane Doe").author == "Jane Doe"


@pytest.mark.parametrize("site_author", [None, ""])
def test_author_falls_back_to_the_fixed_name(
    tmp_path: Path, site_author: str | None
) -> None:
    assert load(tmp_path, AUTHOR=site_author).author == FALLBACK_AUTHOR
    assert load(tmp_path, HOTPAPERS_AUTHOR=None).author == FALLBACK_AUTHOR


def test_hotpapers_author_wins_over_the_site_author(tmp_path: Path) -> None:
    assert load(tmp_path, AUTHOR="Jane", HOTPAPERS_AUTHOR="Bot").author == "Bot"


# --- unknown settings -------------------------------------------------------------


def test_unknown_setting_logs_one_warning_naming_it(
    tmp_path: Path, hotpapers_log: pytest.LogCaptureFixture
) -> None:
    hp = load(tmp_path, HOTPAPERS_TYPO=3, HOTPAPERS_MIN_PAPER_SCORE=7)
    assert hp.ranking.min_paper_score == 7
    warnings = [r for r in hotpapers_log.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "HOTPAPERS_TYPO" in warnings[0].getMessage()


def test_each_unknown_setting_is_named(
    tmp_path: Path, hotpapers_log: pytest.LogCaptureFixture
) -> None:
    load(tmp_path, HOTPAPERS_MIN_SCORE=1, HOTPAPERS_CATEGORY_LIST=[])
    messages = [
        r.getMessage() for r in hotpapers_log.records if r.levelno >= logging.WARNING
    ]
    assert len(messages) == 2
    assert "HOTPAPERS_CATEGORY_LIST" in messages[0]
    assert "HOTPAPERS_MIN_SCORE" in messages[1]


def test_known_and_foreign_settings_log_nothing(
    tmp_path: Path, hotpapers_log: pytest.LogCaptureFixture
) -> None:
    load(
        tmp_path,
        **dict(DEFAULTS),
        AUTHOR="Jane",
        SITENAME="Site",
        SEO_REPORT=True,
        HOTPAPERSX=1,
    )
    assert [r for r in hotpapers_log.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    "name",
    [
        "HOTPAPERS_X_TOKEN_ENV",
        "HOTPAPERS_BLUESKY_HANDLE_ENV",
        "HOTPAPERS_BLUESKY_PASSWORD_ENV",
    ],
)
def test_a_secret_pasted_as_an_env_name_is_refused_and_not_echoed(tmp_path, name):
    secret = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUif"
    with pytest.raises(SettingsError) as caught:
        HotpapersSettings.from_pelican({name: secret}, tmp_path)
    assert name in str(caught.value)
    assert secret not in str(caught.value) and "AAAAAAAA" not in str(caught.value)


def test_an_unknown_user_in_the_data_path_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="HOTPAPERS_DATA_PATH"):
        HotpapersSettings.from_pelican(
            {"HOTPAPERS_DATA_PATH": "~no-such-user-hotpapers/days"}, tmp_path
        )


def test_a_datetime_in_the_dates_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="HOTPAPERS_DATES"):
        HotpapersSettings.from_pelican(
            {"HOTPAPERS_DATES": [dt.datetime(2021, 1, 11, 12)]}, tmp_path
        )


# --- dates: one reader for HOTPAPERS_DATES, the build and the command line ------

DATE_TEXTS_ACCEPTED = {
    "today": 0,
    "yesterday": 1,
    "  YesterDay ": 1,
    "0 days ago": 0,
    "1 day ago": 1,
    "1 days ago": 1,
    "3 days ago": 3,
    "3  days  ago": 3,
    "36500 days ago": 36500,
    "2021-01-11": dt.date(2021, 1, 11),
    "2024-02-29": dt.date(2024, 2, 29),
}
DATE_TEXTS_REFUSED = [
    "3 years ago",
    "3 weeks ago",
    "3 months ago",
    "3 hours ago",
    "x days ago",
    "days ago",
    "-1 days ago",
    "3 days",
    "tomorrow",
    "last tuesday",
    "2021-02-30",
    "2023-02-29",
    "20210111",
    "2021-W02-1",
    "2021-01-11T00:00",
    "",
]


@pytest.mark.parametrize(("text", "expected"), list(DATE_TEXTS_ACCEPTED.items()))
def test_parse_date_reads_every_documented_form(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", DATE_TEXTS_REFUSED)
def test_parse_date_refuses_anything_else_naming_every_form(text):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    message = str(caught.value)
    assert f"{text!r} is not a date" in message
    for form in ("YYYY-MM-DD", "today", "yesterday", "'N days ago'"):
        assert form in message
    assert message.endswith(DATE_FORMS)


def test_parse_date_refuses_a_date_too_far_back():
    with pytest.raises(ValueError, match="too far back"):
        parse_date(f"{MAX_DAYS_AGO + 1} days ago")


@pytest.mark.parametrize("text", [*DATE_TEXTS_ACCEPTED, *DATE_TEXTS_REFUSED])
def test_the_settings_and_the_command_line_agree_on_every_date(tmp_path, text):
    """The bug this prevents: "3 years ago" refused by the settings but read as
    3 days ago by the command line."""
    today = dt.date(2026, 3, 2)
    try:
        resolved = fetch.resolve_date(text, today)
    except ValueError:
        resolved = None
    try:
        [stored] = load(tmp_path, HOTPAPERS_DATES=[text]).fetch.dates
    except SettingsError:
        stored = None
    assert (resolved is None) == (stored is None)
    if stored is not None:
        assert fetch.resolve_date(stored, today) == resolved


def test_hotpapers_dates_are_stored_in_one_spelling(tmp_path):
    hp = load(
        tmp_path,
        HOTPAPERS_DATES=[
            " Yesterday",
            "1 day ago",
            "0 days ago",
            "3  days ago",
            dt.date(2021, 1, 11),
            "2021-01-12",
        ],
    )
    assert hp.fetch.dates == (
        "yesterday",
        "yesterday",
        "today",
        "3 days ago",
        "2021-01-11",
        "2021-01-12",
    )


@pytest.mark.parametrize("value", [["3 years ago"], "3 years ago", [20210111]])
def test_a_bad_date_in_the_dates_is_refused_naming_the_forms(tmp_path, value):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_DATES=value)
    assert caught.value.name == "HOTPAPERS_DATES"
    assert str(caught.value).endswith(DATE_FORMS)


# --- the data folder stays out of Pelican's folders ------------------------------


@pytest.mark.parametrize("folder", ["PATH", "CACHE_PATH", "OUTPUT_PATH"])
@pytest.mark.parametrize("data", ["{folder}/hotpapers", "{folder}/a/b", "{folder}"])
def test_a_data_folder_inside_a_pelican_folder_is_refused(tmp_path, folder, data):
    site = {name: str(tmp_path / name.lower()) for name in SITE_FOLDERS}
    data_path = Path(data.format(folder=site[folder]))

    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_DATA_PATH=str(data_path), **site)

    assert caught.value.name == "HOTPAPERS_DATA_PATH"
    assert str(caught.value) == (
        f"HOTPAPERS_DATA_PATH ({data_path}) is inside {folder}; move it out "
        "(the default is hotpapers/ beside pelicanconf.py)"
    )


def test_a_data_folder_beside_the_pelican_folders_is_fine(tmp_path):
    site = {name: str(tmp_path / name.lower()) for name in SITE_FOLDERS}
    # A name that merely starts like a folder's is not inside it.
    for data in (tmp_path / "hotpapers", tmp_path / "output_path2" / "hotpapers"):
        assert load(tmp_path, HOTPAPERS_DATA_PATH=str(data), **site).data_path == data


def test_a_relative_pelican_folder_is_read_from_the_working_folder(
    tmp_path, monkeypatch
):
    """As Pelican reads OUTPUT_PATH = "output" when not set in a settings file."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match="inside OUTPUT_PATH"):
        load(tmp_path, HOTPAPERS_DATA_PATH="output/hp", OUTPUT_PATH="output")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load(tmp_path, HOTPAPERS_DATA_PATH="output/hp", OUTPUT_PATH="output")


# --- across days ------------------------------------------------------------------


def test_history_defaults(tmp_path: Path) -> None:
    history = load(tmp_path).history
    assert history == HistoryOptions()
    assert history.digests == ()
    assert history.digest_title == "Hot Papers, {period}"
    assert history.digest_slug == "hot-papers-{period}"
    assert history.digest_max_papers == 10
    assert history.paper_pages is True
    assert history.paper_url == history.paper_save_as == "papers/{slug}.html"
    assert history.paper_pages_min_days == 2
    assert history.trend_days == 14
    assert history.json is True


def test_history_values_are_taken_over(tmp_path: Path) -> None:
    history = load(
        tmp_path,
        HOTPAPERS_DIGESTS=["month", "week", "month"],
        HOTPAPERS_DIGEST_TITLE="Best of {period}",
        HOTPAPERS_DIGEST_SLUG="best-{period}",
        HOTPAPERS_DIGEST_MAX_PAPERS=3,
        HOTPAPERS_PAPER_PAGES=False,
        HOTPAPERS_PAPER_URL="p/{slug}/",
        HOTPAPERS_PAPER_SAVE_AS="p/{slug}/index.html",
        HOTPAPERS_PAPER_PAGES_MIN_DAYS=1,
        HOTPAPERS_TREND_DAYS=7,
        HOTPAPERS_JSON=False,
    ).history
    assert history == HistoryOptions(
        digests=("month", "week"),
        digest_title="Best of {period}",
        digest_slug="best-{period}",
        digest_max_papers=3,
        paper_pages=False,
        paper_url="p/{slug}/",
        paper_save_as="p/{slug}/index.html",
        paper_pages_min_days=1,
        trend_days=7,
        json=False,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTPAPERS_DIGESTS", ["day"]),
        ("HOTPAPERS_DIGESTS", "week"),
        ("HOTPAPERS_DIGEST_TITLE", "Hot {date}"),
        ("HOTPAPERS_DIGEST_SLUG", "hot-papers"),
        ("HOTPAPERS_DIGEST_SLUG", "hot-{date}"),
        ("HOTPAPERS_DIGEST_MAX_PAPERS", 0),
        ("HOTPAPERS_PAPER_PAGES", "yes"),
        ("HOTPAPERS_PAPER_URL", "papers/index.html"),
        ("HOTPAPERS_PAPER_SAVE_AS", "papers.html"),
        ("HOTPAPERS_PAPER_SAVE_AS", "/etc/{slug}.html"),
        ("HOTPAPERS_PAPER_SAVE_AS", "../{slug}.html"),
        ("HOTPAPERS_PAPER_PAGES_MIN_DAYS", 0),
        ("HOTPAPERS_TREND_DAYS", 1),
        ("HOTPAPERS_JSON", 1),
    ],
)
def test_bad_history_value_names_the_setting(
    tmp_path: Path, name: str, value: Any
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name


# --- the stylesheet and the language ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (None, False), ("jinja", "jinja")],
)
def test_template_cache(tmp_path: Path, value: Any, expected: Any) -> None:
    """A folder is read from the site's folder, as every path setting is."""
    hp = load(tmp_path, HOTPAPERS_TEMPLATE_CACHE=value)
    if isinstance(expected, str):
        assert hp.template_cache == tmp_path / expected
    else:
        assert hp.template_cache is expected


@pytest.mark.parametrize("css", ["link", "inline", None])
def test_css_modes(tmp_path: Path, css: str | None) -> None:
    hp = load(tmp_path, HOTPAPERS_CSS=css)
    assert hp.css == css
    assert hp.inline_css is (css == "inline")


@pytest.mark.parametrize(("inline", "css"), [(True, "inline"), (False, None)])
def test_the_old_inline_css_setting_still_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, inline: bool, css: str | None
) -> None:
    assert load(tmp_path, HOTPAPERS_INLINE_CSS=inline).css == css
    assert not caplog.records


def test_css_wins_over_the_old_setting_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hp = load(tmp_path, HOTPAPERS_CSS="link", HOTPAPERS_INLINE_CSS=False)
    assert hp.css == "link"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "HOTPAPERS_INLINE_CSS is ignored" in warnings[0].getMessage()


def test_css_save_as_is_normalised(tmp_path: Path) -> None:
    hp = load(tmp_path, HOTPAPERS_CSS_SAVE_AS="./theme//css/hp.css")
    assert hp.css_save_as == "theme/css/hp.css"


@pytest.mark.parametrize(
    ("settings", "lang"),
    [
        ({}, "en"),
        ({"DEFAULT_LANG": "de"}, "de"),
        ({"DEFAULT_LANG": "de", "HOTPAPERS_LANG": None}, "de"),
        ({"DEFAULT_LANG": "de", "HOTPAPERS_LANG": "en"}, "en"),
        ({"HOTPAPERS_LANG": "pt-BR"}, "pt-BR"),
        ({"HOTPAPERS_LANG": "zh_Hant"}, "zh_Hant"),
    ],
)
def test_lang_defaults_to_the_site_language(
    tmp_path: Path, settings: dict[str, Any], lang: str
) -> None:
    assert load(tmp_path, **settings).lang == lang


# --- ranking mode and its rules ---------------------------------------------------


@pytest.mark.parametrize("mode", ["robust", "sum"])
def test_ranking_modes(tmp_path: Path, mode: str) -> None:
    assert load(tmp_path, HOTPAPERS_RANKING=mode).ranking.mode == mode


def test_ranking_defaults_to_robust_with_no_one_ignored(tmp_path: Path) -> None:
    ranking = load(tmp_path).ranking
    assert (ranking.mode, ranking.ignore_accounts) == ("robust", ())
    assert ranking.rules == RobustRules()


def test_ignored_accounts_are_read_per_source_without_at_or_case(
    tmp_path: Path,
) -> None:
    hp = load(
        tmp_path,
        HOTPAPERS_IGNORE_ACCOUNTS={
            "x": ["@SomeBot", "other_bot", "somebot"],
            "bluesky": ("spam.example.com", "did:plc:abc"),
            "hackernews": [],
        },
    )
    assert hp.ranking.ignore_accounts == (
        ("bluesky", ("did:plc:abc", "spam.example.com")),
        ("hackernews", ()),
        ("x", ("other_bot", "somebot")),
    )


def test_robust_rules_override_the_defaults(tmp_path: Path) -> None:
    hp = load(
        tmp_path,
        HOTPAPERS_ROBUST_RULES={
            "amplification_ratio": 5,
            "stuffing_min_tags": 4,
            "stuffing_weight": 0.25,
            "account_knee": 300,
        },
    )
    assert hp.ranking.rules == RobustRules(
        amplification_ratio=5.0,
        stuffing_min_tags=4,
        stuffing_weight=0.25,
        account_knee=300.0,
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("HOTPAPERS_RANKING", "Robust", "must be one of robust, sum"),
        ("HOTPAPERS_RANKING", None, "must be a non-empty string"),
        ("HOTPAPERS_RANKING", ["sum"], "must be a non-empty string"),
        ("HOTPAPERS_IGNORE_ACCOUNTS", ["somebot"], "must be a dict"),
        ("HOTPAPERS_IGNORE_ACCOUNTS", {"reddit": ["a"]}, "'reddit'"),
        ("HOTPAPERS_IGNORE_ACCOUNTS", {"x": "somebot"}, "list of handles"),
        ("HOTPAPERS_IGNORE_ACCOUNTS", {"x": [""]}, "not a handle"),
        ("HOTPAPERS_IGNORE_ACCOUNTS", {"x": ["@"]}, "not a handle"),
        ("HOTPAPERS_IGNORE_ACCOUNTS", {"x": [42]}, "not a handle"),
        ("HOTPAPERS_ROBUST_RULES", [("account_knee", 3)], "must be a dict"),
        ("HOTPAPERS_ROBUST_RULES", {"knee": 3}, "no rule 'knee'"),
        ("HOTPAPERS_ROBUST_RULES", {"account_knee": "300"}, "not a number"),
        ("HOTPAPERS_ROBUST_RULES", {"account_knee": True}, "not a number"),
        ("HOTPAPERS_ROBUST_RULES", {"account_knee": 0}, "at least 1"),
        ("HOTPAPERS_ROBUST_RULES", {"account_knee": float("inf")}, "at least 1"),
        ("HOTPAPERS_ROBUST_RULES", {"amplification_ratio": -1}, "at least 0"),
        ("HOTPAPERS_ROBUST_RULES", {"stuffing_share": 1.5}, "from 0 to 1"),
        ("HOTPAPERS_ROBUST_RULES", {"stuffing_weight": -0.5}, "from 0 to 1"),
        ("HOTPAPERS_ROBUST_RULES", {"stuffing_min_tags": 4.5}, "a whole number"),
        ("HOTPAPERS_ROBUST_RULES", {"stuffing_hashtags": 0}, "at least 1"),
    ],
)
def test_bad_ranking_settings_name_the_setting(
    tmp_path: Path, name: str, value: Any, says: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name
    assert says in str(caught.value)


# --- every setting, from the fields that declare it ------------------------------


def declared() -> list[Setting]:
    return [spec for cls in option_classes() for _, spec in settings_of(cls)]


def values_of(hp: HotpapersSettings) -> dict[str, Any]:
    """Each setting's checked value, found through the field that declares it."""
    fetch_options = hp.fetch
    holders = [
        hp,
        hp.ranking,
        fetch_options,
        fetch_options.http,
        fetch_options.arxiv,
        *(options for _, options in fetch_options.by_source),
        hp.history,
    ]
    return {
        spec.name: getattr(holder, attribute)
        for holder in holders
        for attribute, spec in settings_of(type(holder))
    }


#: Checks simple enough to try the same wrong values on every setting that uses them.
BAD_VALUES: dict[str, list[Any]] = {
    "int": ["1", True, 1.5],
    "number": ["1", True, None, float("inf"), float("nan")],
    "url": ["", "ftp://example.org/", "example.org/api", "https://", 3],
    "env_name": ["", "X TOKEN", "1ABC", "a-b", 3],
    "bool": [1, "yes", None],
    "text": ["", "  ", 3, None],
    "urls": ["", "ftp://example.org/", [], ["https://a.example", "ftp://b"], 3, None],
    "hashtags": [["#"], ["two words"], ["2026"], ["a/b"], "arxiv", [""], [3]],
}
GOOD_VALUES: dict[str, tuple[Any, Any]] = {
    "url": ("https://example.org/api/", "https://example.org/api"),
    "env_name": ("MY_VARIABLE_2", "MY_VARIABLE_2"),
    "text": ("some words", "some words"),
    "urls": (
        ["https://a.example/api/", "https://b.example", "https://a.example/api"],
        ("https://a.example/api", "https://b.example"),
    ),
    "hashtags": (
        ["#ArXiv", "arxiv", "física", "ml_2026"],
        ("ArXiv", "física", "ml_2026"),
    ),
}


def bad_values() -> list[tuple[str, Any]]:
    cases = []
    for spec in declared():
        if spec.check not in BAD_VALUES:
            continue
        values = list(BAD_VALUES[spec.check])
        if "minimum" in spec.params:
            values.append(spec.params["minimum"] - 1)
        if spec.check == "int" and not spec.params.get("optional"):
            values.append(None)
        cases += [(spec.name, value) for value in values]
    return cases


def good_value(spec: Setting) -> tuple[Any, Any]:
    if spec.check in ("int", "number"):
        minimum = spec.params["minimum"]
        return minimum, minimum
    if spec.check == "bool":
        return not spec.default, not spec.default
    return GOOD_VALUES[spec.check]


def test_the_defaults_are_read_from_the_fields(tmp_path: Path) -> None:
    hp = load(tmp_path)
    values = values_of(hp)
    assert set(values) == set(DEFAULTS)
    for name, default in DEFAULTS.items():
        # Read with the site's other settings, or into a richer form.
        derived = ("HOTPAPERS_AUTHOR", "HOTPAPERS_LANG", "HOTPAPERS_ROBUST_RULES")
        if name != "HOTPAPERS_DATA_PATH" and name not in derived:
            assert values[name] == frozen(default), name


@pytest.mark.parametrize(("name", "value"), bad_values(), ids=repr)
def test_every_setting_refuses_a_bad_value_by_name(tmp_path, name, value):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name
    assert str(caught.value).startswith(f"{name} ")


@pytest.mark.parametrize(
    "spec",
    [spec for spec in declared() if spec.check in BAD_VALUES],
    ids=lambda spec: spec.name,
)
def test_every_setting_takes_a_good_value_over(tmp_path, spec):
    given, expected = good_value(spec)
    assert values_of(load(tmp_path, **{spec.name: given}))[spec.name] == expected


# --- sources and their weights ---------------------------------------------------


def test_each_source_is_searched_once_however_often_it_is_named(tmp_path):
    hp = load(tmp_path, HOTPAPERS_SOURCES=["x", "hackernews", "x", "hackernews"])
    assert hp.fetch.sources == ("x", "hackernews")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([], "must name at least one of the sources"),
        ((), "must name at least one of the sources"),
        (None, "must name at least one of the sources"),
        (
            ["reddit"],
            "holds 'reddit'; the sources are x, bluesky, hackernews, huggingface, "
            "mastodon",
        ),
        (["x", "X"], "holds 'X'"),
        (["x", ""], "must hold non-empty strings"),
        ("x", "must be a list of strings"),
    ],
)
def test_empty_or_unknown_sources_are_refused(tmp_path, value, words):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_SOURCES=value)
    assert caught.value.name == "HOTPAPERS_SOURCES"
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("value", "weights"),
    [
        ({}, ()),
        (None, ()),
        ({"hackernews": 0.5, "x": 2}, (("hackernews", 0.5), ("x", 2.0))),
        ({"bluesky": 0}, (("bluesky", 0.0),)),
    ],
)
def test_source_weights_are_taken_over(tmp_path, value, weights):
    ranking = load(tmp_path, HOTPAPERS_SOURCE_WEIGHTS=value).ranking
    assert ranking.weights == weights
    assert ranking.weight("x") == dict(weights).get("x", 1.0)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"x": -1}, "gives 'x' a negative or infinite weight"),
        ({"x": -0.001}, "gives 'x' a negative or infinite weight"),
        ({"x": float("inf")}, "gives 'x' a negative or infinite weight"),
        ({"x": float("-inf")}, "gives 'x' a negative or infinite weight"),
        ({"x": float("nan")}, "gives 'x' a negative or infinite weight"),
        ({"x": "1"}, "gives 'x' the weight '1', not a number"),
        ({"x": True}, "gives 'x' the weight True, not a number"),
        (
            {"reddit": 1},
            "names 'reddit'; the sources are x, bluesky, hackernews, huggingface, "
            "mastodon",
        ),
        ([("x", 1)], "must be a dict"),
    ],
)
def test_a_negative_infinite_or_odd_source_weight_is_refused(tmp_path, value, words):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_SOURCE_WEIGHTS=value)
    assert caught.value.name == "HOTPAPERS_SOURCE_WEIGHTS"
    assert words in str(caught.value)


# --- what each check says -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HOTPAPERS_MIN_PAPER_SCORE", "50", "must be a whole number, not '50'"),
        ("HOTPAPERS_MIN_PAPER_SCORE", -1, "must be at least 0, not -1"),
        ("HOTPAPERS_MAX_PAPERS", "3", "must be a whole number or None, not '3'"),
        ("HOTPAPERS_EMBED_SCRIPT", "yes", "must be True or False, not 'yes'"),
        ("HOTPAPERS_HTTP_TIMEOUT", "3", "must be a number, not '3'"),
        ("HOTPAPERS_HTTP_TIMEOUT", 0, "must be a finite number of at least 0.001"),
        (
            "HOTPAPERS_X_API_URL",
            "ftp://example.org/",
            "must be an http(s) URL, not 'ftp://example.org/'",
        ),
        (
            "HOTPAPERS_X_TOKEN_ENV",
            "a b",
            "must be the NAME of an environment variable (such as X_BEARER_TOKEN), "
            "not a token or password itself",
        ),
        ("HOTPAPERS_CATEGORY", "", "must be a non-empty string, not ''"),
        ("HOTPAPERS_TAGS", "arXiv", "must be a list of strings, not 'arXiv'"),
        ("HOTPAPERS_TAGS", ["a", 3], "must hold non-empty strings, not 3"),
        (
            "HOTPAPERS_STATUS",
            "secret",
            "must be one of published, hidden, draft, not 'secret'",
        ),
        ("HOTPAPERS_DIGESTS", ["day"], "holds 'day'; the digests are week, month"),
        ("HOTPAPERS_DIGEST_SLUG", "hot", "must contain {period}, not 'hot'"),
        (
            "HOTPAPERS_TITLE",
            "Hot {day}",
            "must be a format string using only {date}, not 'Hot {day}' ('day')",
        ),
        (
            "HOTPAPERS_PAPER_SAVE_AS",
            "..\\{slug}.html",
            "must be a path inside OUTPUT_PATH, such as 'papers/{slug}.html'",
        ),
        (
            "HOTPAPERS_PAPER_SAVE_AS",
            "\\{slug}.html",
            "must be a path inside OUTPUT_PATH, such as 'papers/{slug}.html'",
        ),
        (
            "HOTPAPERS_CATEGORIES",
            ["CS LG"],
            "holds 'CS LG', which is not an arXiv category such as 'cs.LG', "
            "'hep-th' or 'cs.*'",
        ),
        (
            "HOTPAPERS_SOURCE_WEIGHTS",
            3,
            "must be a dict such as {'x': 1, 'hackernews': 0.5}",
        ),
        ("HOTPAPERS_AUTHOR", " ", "must be a non-empty string"),
        ("HOTPAPERS_DATA_PATH", 3, "must be a folder path, not 3"),
    ],
)
def test_each_check_says_what_is_wrong(tmp_path, name, value, message):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert str(caught.value) == f"{name} {message}"


def test_a_data_path_that_cannot_be_expanded_says_so(tmp_path):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_DATA_PATH="~no-such-user-hotpapers/days")
    assert str(caught.value).startswith("HOTPAPERS_DATA_PATH cannot be expanded: ")


def test_an_unknown_setting_is_named_in_the_owners_words(tmp_path, hotpapers_log):
    load(tmp_path, HOTPAPERS_TYPO=3)
    assert [r.getMessage() for r in hotpapers_log.records] == [
        "hotpapers: HOTPAPERS_TYPO is not a pelican-hotpapers setting and is "
        "ignored (misspelt?)"
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("HOTPAPERS_TITLE", "Hot Papers", "Hot Papers"),  # {date} is not required
        ("HOTPAPERS_X_API_URL", "http://127.0.0.1:9/2/", "http://127.0.0.1:9/2"),
        ("HOTPAPERS_HN_API_URL", "https://example.org/", "https://example.org/"),
        ("HOTPAPERS_PAPER_SAVE_AS", "p\\{slug}.html", "p\\{slug}.html"),
    ],
)
def test_values_that_look_odd_but_are_fine(tmp_path, name, value, expected):
    assert values_of(load(tmp_path, **{name: value}))[name] == expected


def test_an_empty_pelican_folder_setting_is_not_a_folder(tmp_path, monkeypatch):
    """PATH = "" is no folder at all: the data folder is not 'inside' it."""
    monkeypatch.chdir(tmp_path)
    hp = load(tmp_path, HOTPAPERS_DATA_PATH=str(tmp_path / "days"), PATH="")
    assert hp.data_path == tmp_path / "days"


# --- Mastodon's instances and tags -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "instances"),
    [
        ("https://mastodon.social", ("https://mastodon.social",)),
        ("https://sigmoid.social/", ("https://sigmoid.social/",)),
        (
            ["https://mastodon.social", "https://fediscience.org/"],
            ("https://mastodon.social", "https://fediscience.org"),
        ),
        (("https://a.example/x/",), ("https://a.example/x",)),
    ],
)
def test_mastodon_takes_one_instance_or_a_list(tmp_path, value, instances):
    options = load(tmp_path, HOTPAPERS_MASTODON_URL=value).fetch.source_options(
        "mastodon"
    )
    assert options.instances == tuple(url.rstrip("/") for url in instances)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([], "must be an http(s) URL or a list of them, not []"),
        ({"url": "https://a.example"}, "must be an http(s) URL or a list of them"),
        (["https://a.example", "a.example"], "must be an http(s) URL, not 'a.example'"),
    ],
)
def test_mastodon_instances_that_are_no_urls_are_refused(tmp_path, value, words):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_MASTODON_URL=value)
    assert caught.value.name == "HOTPAPERS_MASTODON_URL"
    assert words in str(caught.value)


def test_a_hashtag_that_is_not_one_says_what_one_is(tmp_path):
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, HOTPAPERS_MASTODON_TAGS=["arxiv", "#deep learning"])
    assert str(caught.value) == (
        "HOTPAPERS_MASTODON_TAGS holds '#deep learning', which is not a hashtag such "
        "as 'arxiv' (letters, digits and _, not digits alone)"
    )


def test_every_registered_source_is_used_by_default(tmp_path):
    from pelican_hotpapers.sources import SOURCE_CLASSES

    sources = load(tmp_path).fetch.sources
    assert sources == ("x", "bluesky", "hackernews", "huggingface", "mastodon")
    assert sources == tuple(SOURCE_CLASSES)
