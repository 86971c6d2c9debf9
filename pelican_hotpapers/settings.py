"""Every ``HOTPAPERS_*`` setting: its default, and its validation, in one place.

Pelican hands plugins a plain dict of everything in ``pelicanconf.py``. This
module turns the ``HOTPAPERS_*`` part of it into a typed, checked
:class:`HotpapersSettings` once, so no other module reads raw settings, and a
bad value is reported once, by name, instead of failing somewhere deep in a
build.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pelican_hotpapers.arxiv_ids import CATEGORY_FILTER_RE
from pelican_hotpapers.options import SETTING, Setting, setting, settings_of
from pelican_hotpapers.sources import SOURCE_CLASSES
from pelican_hotpapers.sources.arxiv import ArxivOptions
from pelican_hotpapers.sources.base import HttpOptions

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The periods HOTPAPERS_DIGESTS accepts: ISO weeks and calendar months.
DIGEST_KINDS = ("week", "month")
#: The values of HOTPAPERS_FETCH.
FETCH_MODES = ("auto", "never", "always")
#: The values of HOTPAPERS_STATUS.
STATUSES = ("published", "hidden", "draft")
#: The values of HOTPAPERS_RANKING.
RANKING_MODES = ("robust", "sum")
#: The values of HOTPAPERS_CSS besides None (no stylesheet).
CSS_MODES = ("link", "inline")
# A language code as Pelican's ``lang`` metadata and i18n_subsites use it.
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*\Z")
#: Relative words accepted for a date, and how many days back each is.
DATE_WORDS = {"today": 0, "yesterday": 1}
#: Every form of a date that HOTPAPERS_DATES and the command line accept.
DATE_FORMS = "YYYY-MM-DD, today, yesterday or 'N days ago'"
#: The furthest back "N days ago" may go (a century).
MAX_DAYS_AGO = 36500
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}\Z")
_DAYS_AGO_RE = re.compile(r"^(\d+) days? ago\Z")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")

#: The author of the articles when neither HOTPAPERS_AUTHOR nor AUTHOR is set.
FALLBACK_AUTHOR = "Hot Papers"


class SettingsError(ValueError):
    """A ``HOTPAPERS_*`` setting has a value the plugin cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name} {problem}")


@dataclass(frozen=True, slots=True)
class RobustRules:
    """The constants of "robust" ranking (HOTPAPERS_ROBUST_RULES).

    docs/ranking.rst gives the reason for each value; they were
    tuned on ``tests/data/ranking-corpus.json`` and the reference day.
    """

    #: A post's reposts count up to ratio x (likes + quotes + replies) ...
    amplification_ratio: float = 10.0
    #: ... plus this allowance; beyond that the post is flagged "amplified".
    amplification_allowance: float = 20.0
    #: A post is "hashtag stuffing" when it holds at least this many hashtags
    #: and mentions, making up at least ``stuffing_share`` of its words ...
    stuffing_min_tags: int = 5
    stuffing_share: float = 0.5
    #: ... or at least this many hashtags, whatever the share.
    stuffing_hashtags: int = 8
    #: What a stuffed post's engagement is multiplied by.
    stuffing_weight: float = 0.5
    #: One account's engagement on a paper counts in full up to this, and
    #: with diminishing (logarithmic) returns above it.
    account_knee: float = 200.0


#: The keys HOTPAPERS_ROBUST_RULES accepts, with the smallest and largest value.
_RULE_BOUNDS: dict[str, tuple[float, float | None]] = {
    "amplification_ratio": (0, None),
    "amplification_allowance": (0, None),
    "stuffing_min_tags": (1, None),
    "stuffing_share": (0, 1),
    "stuffing_hashtags": (1, None),
    "stuffing_weight": (0, 1),
    "account_knee": (1, None),
}
#: The rules that count things (tags), so take whole numbers.
_WHOLE_RULES = frozenset({"stuffing_min_tags", "stuffing_hashtags"})


@dataclass(frozen=True, slots=True)
class RankingOptions:
    """What ranking needs to know; see ``ranking.rank_day``."""

    min_paper_score: int = setting("HOTPAPERS_MIN_PAPER_SCORE", 50, "int", minimum=0)
    min_post_score: int = setting("HOTPAPERS_MIN_POST_SCORE", 25, "int", minimum=0)
    max_posts_per_paper: int = setting(
        "HOTPAPERS_MAX_POSTS_PER_PAPER", 10, "int", minimum=0
    )
    max_papers: int | None = setting(
        "HOTPAPERS_MAX_PAPERS", None, "int", minimum=1, optional=True
    )
    categories: tuple[str, ...] = setting("HOTPAPERS_CATEGORIES", [], "categories")
    exclude_categories: tuple[str, ...] = setting(
        "HOTPAPERS_EXCLUDE_CATEGORIES", [], "categories"
    )
    #: Weight of each source in a score; a source not named weighs 1.
    weights: tuple[tuple[str, float], ...] = setting(
        "HOTPAPERS_SOURCE_WEIGHTS", {}, "weights"
    )
    #: "robust" (rules against amplification and spam) or "sum" (the
    #: reference's plain sum of reposts + likes).
    mode: str = setting("HOTPAPERS_RANKING", "robust", "choice", choices=RANKING_MODES)
    #: Per source, the accounts (handles or ids, case-folded, without "@")
    #: that robust ranking never counts.
    ignore_accounts: tuple[tuple[str, tuple[str, ...]], ...] = setting(
        "HOTPAPERS_IGNORE_ACCOUNTS", {}, "ignore_accounts"
    )
    rules: RobustRules = field(
        default=RobustRules(),
        metadata={SETTING: Setting("HOTPAPERS_ROBUST_RULES", {}, "robust_rules")},
    )

    def weight(self, source: str) -> float:
        return dict(self.weights).get(source, 1.0)


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """When and how to fetch days; see ``fetch.py`` and the sources."""

    mode: str = setting("HOTPAPERS_FETCH", "auto", "choice", choices=FETCH_MODES)
    #: Every registered source by default: one without its credentials
    #: leaves itself out (fetch.usable_sources), so a site with none fetches
    #: from the free ones.
    sources: tuple[str, ...] = setting(
        "HOTPAPERS_SOURCES", list(SOURCE_CLASSES), "sources"
    )
    dates: tuple[str, ...] = setting("HOTPAPERS_DATES", ["yesterday"], "dates")
    refresh_hours: float = setting("HOTPAPERS_REFRESH_HOURS", 48, "number", minimum=0)
    lock_timeout: float = setting("HOTPAPERS_LOCK_TIMEOUT", 600, "number", minimum=0)
    http: HttpOptions = field(default_factory=HttpOptions)
    arxiv: ArxivOptions = field(default_factory=ArxivOptions)
    #: Each source's options, by name; a source not here has its defaults.
    by_source: tuple[tuple[str, Any], ...] = ()

    def source_options(self, name: str) -> Any:
        """The options of the source ``name`` (its class's ``Options``)."""
        found = dict(self.by_source).get(name)
        return found if found is not None else SOURCE_CLASSES[name].Options()


@dataclass(frozen=True, slots=True)
class HistoryOptions:
    """What is built across days; see ``timeline.py``."""

    digests: tuple[str, ...] = setting(
        "HOTPAPERS_DIGESTS", [], "choices", choices=DIGEST_KINDS, what="digests"
    )
    digest_title: str = setting(
        "HOTPAPERS_DIGEST_TITLE", "Hot Papers, {period}", "template", field="period"
    )
    digest_slug: str = setting(
        "HOTPAPERS_DIGEST_SLUG",
        "hot-papers-{period}",
        "template",
        field="period",
        required=True,
    )
    digest_max_papers: int = setting(
        "HOTPAPERS_DIGEST_MAX_PAPERS", 10, "int", minimum=1
    )
    paper_pages: bool = setting("HOTPAPERS_PAPER_PAGES", True, "bool")
    paper_url: str = setting(
        "HOTPAPERS_PAPER_URL",
        "papers/{slug}.html",
        "template",
        field="slug",
        required=True,
    )
    paper_save_as: str = setting(
        "HOTPAPERS_PAPER_SAVE_AS", "papers/{slug}.html", "output_name"
    )
    paper_pages_min_days: int = setting(
        "HOTPAPERS_PAPER_PAGES_MIN_DAYS", 2, "int", minimum=1
    )
    trend_days: int = setting("HOTPAPERS_TREND_DAYS", 14, "int", minimum=2)
    json: bool = setting("HOTPAPERS_JSON", True, "bool")


@dataclass(frozen=True, slots=True)
class HotpapersSettings:
    """The checked ``HOTPAPERS_*`` settings of one site."""

    data_path: Path = setting("HOTPAPERS_DATA_PATH", "hotpapers", "path", per_site=True)
    author: str = setting("HOTPAPERS_AUTHOR", None, "author", per_site=True)
    #: "link", "inline" or None; see HOTPAPERS_CSS (and HOTPAPERS_INLINE_CSS).
    css: str | None = setting("HOTPAPERS_CSS", "link", "css", per_site=True)
    lang: str = setting("HOTPAPERS_LANG", None, "lang", per_site=True)
    #: True, a folder (a Path), or False: see ``render.bytecode_cache``.
    template_cache: bool | Path = setting(
        "HOTPAPERS_TEMPLATE_CACHE", True, "template_cache", per_site=True
    )
    #: Pelican's TIMEZONE, which dates and times are read and shown in.
    timezone: str
    ranking: RankingOptions
    title: str = setting("HOTPAPERS_TITLE", "Hot Papers {date}", "template")
    slug: str = setting("HOTPAPERS_SLUG", "hot-papers-{date}", "template")
    category: str = setting("HOTPAPERS_CATEGORY", "arXiv", "text")
    tags: tuple[str, ...] = setting("HOTPAPERS_TAGS", ["arXiv"], "texts")
    status: str = setting("HOTPAPERS_STATUS", "published", "choice", choices=STATUSES)
    summary_papers: int = setting("HOTPAPERS_SUMMARY_PAPERS", 3, "int", minimum=0)
    time_format: str = setting("HOTPAPERS_TIME_FORMAT", "%Y-%m-%d %H:%M %Z", "text")
    embed_script: bool = setting("HOTPAPERS_EMBED_SCRIPT", False, "bool")
    css_save_as: str = setting(
        "HOTPAPERS_CSS_SAVE_AS", "hotpapers/hotpapers.css", "output_file"
    )
    #: The setting of 0.1, kept working: it only decides ``css`` (see _css).
    inline_css_setting: bool | None = setting(
        "HOTPAPERS_INLINE_CSS", None, "optional_bool"
    )
    fetch: FetchOptions = FetchOptions()
    history: HistoryOptions = HistoryOptions()

    @property
    def inline_css(self) -> bool:
        """Whether the stylesheet sits inside each article (templates of 0.1 ask)."""
        return self.css == "inline"

    @classmethod
    def from_pelican(
        cls, pelican_settings: Mapping[str, Any], base_dir: str | os.PathLike[str]
    ) -> HotpapersSettings:
        """Check and convert a site's settings.

        ``base_dir`` is the folder relative paths are read from: the folder of
        ``pelicanconf.py``. Raises :class:`SettingsError` naming the first bad
        setting.
        """
        defaults = all_defaults()
        raw = {**defaults}
        raw.update({k: v for k, v in pelican_settings.items() if k in defaults})
        for name in sorted(pelican_settings):
            if name.startswith("HOTPAPERS_") and name not in defaults:
                logger.warning(
                    "hotpapers: %s is not a pelican-hotpapers setting and is "
                    "ignored (misspelt?)",
                    name,
                )

        data_path = _path(raw, "HOTPAPERS_DATA_PATH", Path(base_dir))
        _outside_site_folders(data_path, pelican_settings)
        timezone = pelican_settings.get("TIMEZONE") or "UTC"
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                "TIMEZONE", f"is {timezone!r}, which is not a known time zone"
            ) from None
        fetch = load_options(
            FetchOptions,
            raw,
            http=load_options(HttpOptions, raw),
            arxiv=load_options(ArxivOptions, raw),
            by_source=tuple(
                (name, load_options(source.Options, raw))
                for name, source in SOURCE_CLASSES.items()
            ),
        )
        return load_options(
            cls,
            raw,
            data_path=data_path,
            author=_author(raw, "HOTPAPERS_AUTHOR", pelican_settings),
            css=_css(raw, pelican_settings),
            lang=_lang(raw, pelican_settings),
            template_cache=_template_cache(raw, Path(base_dir)),
            timezone=str(timezone),
            ranking=load_options(RankingOptions, raw),
            fetch=fetch,
            history=load_options(HistoryOptions, raw),
        )


def option_classes() -> list[type]:
    """Every options dataclass whose fields are settings, the sources' included."""
    sources = [source.Options for source in SOURCE_CLASSES.values()]
    return [
        HotpapersSettings,
        RankingOptions,
        FetchOptions,
        *sources,
        ArxivOptions,
        HttpOptions,
        HistoryOptions,
    ]


def all_defaults() -> dict[str, Any]:
    """Every setting's default, as a site writes it, read from the fields.

    Read from the source registry as it is now, so that a source added to
    ``SOURCE_CLASSES`` brings its settings with it.
    """
    return {
        spec.name: spec.default
        for options_class in option_classes()
        for _, spec in settings_of(options_class)
    }


#: Defaults for every setting. docs/settings.rst's table mirrors this dict.
DEFAULTS: dict[str, Any] = all_defaults()


def load_options(options_class: type[T], raw: Mapping[str, Any], **given: Any) -> T:
    """An options dataclass with each of its settings read from ``raw`` and checked.

    ``given`` holds the fields that are not read one setting at a time.
    """
    values = dict(given)
    for attribute, spec in settings_of(options_class):
        if attribute not in values:
            values[attribute] = CHECKS[spec.check](raw, spec.name, **spec.params)
    return options_class(**values)


def _int(
    raw: Mapping[str, Any], name: str, *, minimum: int, optional: bool = False
) -> Any:
    value = raw[name]
    if value is None and optional:
        return None
    # bool is an int subclass, but True is never a sensible threshold.
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "a whole number or None" if optional else "a whole number"
        raise SettingsError(name, f"must be {kind}, not {value!r}")
    if value < minimum:
        raise SettingsError(name, f"must be at least {minimum}, not {value!r}")
    return value


def _bool(raw: Mapping[str, Any], name: str) -> bool:
    value = raw[name]
    if not isinstance(value, bool):
        raise SettingsError(name, f"must be True or False, not {value!r}")
    return value


def _number(raw: Mapping[str, Any], name: str, *, minimum: float) -> float:
    value = raw[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(name, f"must be a number, not {value!r}")
    if not value >= minimum or value == float("inf"):
        raise SettingsError(name, f"must be a finite number of at least {minimum}")
    return float(value)


def _url(raw: Mapping[str, Any], name: str) -> str:
    value = _text(raw, name)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(name, f"must be an http(s) URL, not {value!r}")
    return value.rstrip("/") if parts.path not in ("", "/") else value


def _urls(raw: Mapping[str, Any], name: str) -> str | tuple[str, ...]:
    """One http(s) URL, or a non-empty list of them (each once), in the form given."""
    value = raw[name]
    if isinstance(value, str):
        return _url(raw, name)
    if not isinstance(value, list | tuple) or not value:
        raise SettingsError(
            name, f"must be an http(s) URL or a list of them, not {value!r}"
        )
    urls = [_url({name: item}, name) for item in value]
    return tuple(dict.fromkeys(urls))


#: A hashtag as Mastodon reads one (app/models/tag.rb: word characters, not
#: all digits), written with or without its "#".
_HASHTAG_RE = re.compile(r"^#?(\w+)\Z")


def _hashtags(raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """Hashtags without their "#", each once (Mastodon's tags ignore case)."""
    tags: dict[str, str] = {}
    for value in _texts(raw, name):
        match = _HASHTAG_RE.match(value.strip())
        if match is None or match.group(1).isdigit():
            raise SettingsError(
                name,
                f"holds {value!r}, which is not a hashtag such as 'arxiv' "
                "(letters, digits and _, not digits alone)",
            )
        tags.setdefault(match.group(1).casefold(), match.group(1))
    return tuple(tags.values())


def _env_name(raw: Mapping[str, Any], name: str) -> str:
    value = _text(raw, name)
    if not _ENV_NAME_RE.match(value):
        # Never echo the value: a token pasted here by mistake is a secret.
        raise SettingsError(
            name,
            "must be the NAME of an environment variable (such as X_BEARER_TOKEN), "
            "not a token or password itself",
        )
    return value


def _sources(raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    return _choices(raw, name, choices=tuple(SOURCE_CLASSES), what="sources", least=1)


def _choice(raw: Mapping[str, Any], name: str, *, choices: tuple[str, ...]) -> str:
    value = _text(raw, name)
    if value not in choices:
        raise SettingsError(name, f"must be one of {', '.join(choices)}, not {value!r}")
    return value


def _choices(
    raw: Mapping[str, Any],
    name: str,
    *,
    choices: tuple[str, ...],
    what: str,
    least: int = 0,
) -> tuple[str, ...]:
    """Items of ``choices``, each once; a list naming none is refused if
    ``least`` asks for one."""
    values = _texts(raw, name)
    if len(values) < least:
        raise SettingsError(name, f"must name at least one of the {what}")
    for value in values:
        if value not in choices:
            raise SettingsError(
                name, f"holds {value!r}; the {what} are {', '.join(choices)}"
            )
    return tuple(dict.fromkeys(values))


def _weights(raw: Mapping[str, Any], name: str) -> tuple[tuple[str, float], ...]:
    value = raw[name]
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise SettingsError(name, "must be a dict such as {'x': 1, 'hackernews': 0.5}")
    weights = []
    for source, weight in value.items():
        if source not in SOURCE_CLASSES:
            raise SettingsError(
                name, f"names {source!r}; the sources are {', '.join(SOURCE_CLASSES)}"
            )
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise SettingsError(
                name, f"gives {source!r} the weight {weight!r}, not a number"
            )
        if not 0 <= weight < float("inf"):
            raise SettingsError(name, f"gives {source!r} a negative or infinite weight")
        weights.append((source, float(weight)))
    return tuple(sorted(weights))


def _ignore_accounts(
    raw: Mapping[str, Any], name: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = raw[name]
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise SettingsError(
            name, "must be a dict such as {'x': ['somebot'], 'bluesky': ['spam.bsky']}"
        )
    accounts = []
    for source, names in value.items():
        if source not in SOURCE_CLASSES:
            raise SettingsError(
                name, f"names {source!r}; the sources are {', '.join(SOURCE_CLASSES)}"
            )
        if isinstance(names, str) or not isinstance(names, list | tuple | set):
            raise SettingsError(
                name, f"must give {source!r} a list of handles, not {names!r}"
            )
        cleaned = set()
        for account in names:
            if not isinstance(account, str) or not account.strip().lstrip("@"):
                raise SettingsError(
                    name, f"holds {account!r} for {source!r}, not a handle or id"
                )
            # Handles are case-insensitive on X and Bluesky; a leading "@" is
            # how people write them.
            cleaned.add(account.strip().lstrip("@").casefold())
        accounts.append((source, tuple(sorted(cleaned))))
    return tuple(sorted(accounts))


def _robust_rules(raw: Mapping[str, Any], name: str) -> RobustRules:
    value = raw[name]
    if value is None:
        return RobustRules()
    if not isinstance(value, Mapping):
        raise SettingsError(name, "must be a dict such as {'account_knee': 300}")
    rules: dict[str, float] = {}
    for key, number in value.items():
        if key not in _RULE_BOUNDS:
            raise SettingsError(
                name, f"has no rule {key!r}; the rules are {', '.join(_RULE_BOUNDS)}"
            )
        low, high = _RULE_BOUNDS[key]
        whole = key in _WHOLE_RULES
        kind = (int,) if whole else (int, float)
        if isinstance(number, bool) or not isinstance(number, kind):
            what = "a whole number" if whole else "a number"
            raise SettingsError(name, f"gives {key!r} {number!r}, not {what}")
        if not low <= number < float("inf") or (high is not None and number > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise SettingsError(name, f"gives {key!r} {number!r}; it must be {bounds}")
        rules[key] = number if whole else float(number)
    return RobustRules(**rules)


def _css(raw: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    value = raw["HOTPAPERS_CSS"]
    if value is not None and value not in CSS_MODES:
        raise SettingsError(
            "HOTPAPERS_CSS", f"must be 'link', 'inline' or None, not {value!r}"
        )
    inline = _optional_bool(raw, "HOTPAPERS_INLINE_CSS")
    if inline is None:
        return value
    if "HOTPAPERS_CSS" in given:
        logger.warning(
            "hotpapers: HOTPAPERS_INLINE_CSS is ignored because HOTPAPERS_CSS "
            "is set; remove HOTPAPERS_INLINE_CSS"
        )
        return value
    # The setting of 0.1, kept working: True put the stylesheet in each article.
    return "inline" if inline else None


def _output_file(raw: Mapping[str, Any], name: str) -> str:
    value = _text(raw, name)
    path = PurePosixPath(value)
    if (
        "\\" in value
        or path.is_absolute()
        or PureWindowsPath(value).drive
        or ".." in path.parts
        or value.endswith("/")
        or path == PurePosixPath(".")
    ):
        raise SettingsError(
            name,
            "must be a file path relative to OUTPUT_PATH, such as "
            f"'theme/css/hotpapers.css', not {value!r}",
        )
    return str(path)


def _lang(raw: Mapping[str, Any], given: Mapping[str, Any]) -> str:
    value = raw["HOTPAPERS_LANG"]
    if value is None:
        return str(given.get("DEFAULT_LANG") or "en")
    if not isinstance(value, str) or not _LANG_RE.match(value):
        raise SettingsError(
            "HOTPAPERS_LANG",
            f"must be a language code such as 'en' or 'pt-BR', or None for "
            f"DEFAULT_LANG, not {value!r}",
        )
    return value


def _template_cache(raw: Mapping[str, Any], base_dir: Path) -> bool | Path:
    name = "HOTPAPERS_TEMPLATE_CACHE"
    value = raw[name]
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str | os.PathLike) and str(value).strip():
        return _path(raw, name, base_dir)
    raise SettingsError(name, f"must be True, False or a folder path, not {value!r}")


def _optional_bool(raw: Mapping[str, Any], name: str) -> bool | None:
    value = raw[name]
    if value is not None and not isinstance(value, bool):
        raise SettingsError(name, f"must be True, False or None, not {value!r}")
    return value


def parse_date(value: str) -> dt.date | int:
    """A date as the site owner writes it: a date, or a number of days back.

    The one reader of date words, for HOTPAPERS_DATES, the build and the
    command line alike, so that a word means the same everywhere: an ISO date
    (YYYY-MM-DD) is returned as a date; "today", "yesterday" and "N days ago"
    (or "1 day ago") as how many days before today they are, since today
    depends on the site's time zone and the hour. Raises ValueError naming
    every accepted form.
    """
    word = " ".join(value.split()).lower()
    if word in DATE_WORDS:
        return DATE_WORDS[word]
    days_ago = _DAYS_AGO_RE.match(word)
    if days_ago:
        days = int(days_ago.group(1))
        if days > MAX_DAYS_AGO:
            raise ValueError(f"{value!r} is too far back")
        return days
    if _ISO_DATE_RE.match(word):
        try:
            return dt.date.fromisoformat(word)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date; use {DATE_FORMS}")


def _dates(raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = raw[name]
    if isinstance(values, str | dt.date):
        values = [values]
    if not isinstance(values, list | tuple):
        raise SettingsError(name, f"must be a list of dates, not {values!r}")
    dates: list[str] = []
    for value in values:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            dates.append(value.isoformat())
            continue
        if not isinstance(value, str):
            raise SettingsError(name, f"holds {value!r}; use {DATE_FORMS}")
        try:
            parsed = parse_date(value)
        except ValueError as exc:
            raise SettingsError(name, f"is wrong: {exc}") from None
        if isinstance(parsed, dt.date):
            dates.append(parsed.isoformat())
        else:
            words = {days: word for word, days in DATE_WORDS.items()}
            dates.append(words.get(parsed, f"{parsed} days ago"))
    return tuple(dates)


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw[name]
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(name, f"must be a non-empty string, not {value!r}")
    return value


def _texts(raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = raw[name]
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise SettingsError(name, f"must be a list of strings, not {value!r}")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise SettingsError(name, f"must hold non-empty strings, not {item!r}")
    return tuple(value)


def _categories(raw: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = _texts(raw, name)
    for value in values:
        if not CATEGORY_FILTER_RE.match(value):
            raise SettingsError(
                name,
                f"holds {value!r}, which is not an arXiv category "
                "such as 'cs.LG', 'hep-th' or 'cs.*'",
            )
    return values


def _output_name(raw: Mapping[str, Any], name: str) -> str:
    value = _template(raw, name, "slug", required=True)
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "\\")) or ".." in parts:
        raise SettingsError(
            name, "must be a path inside OUTPUT_PATH, such as 'papers/{slug}.html'"
        )
    return value


def _template(
    raw: Mapping[str, Any], name: str, field: str = "date", *, required: bool = False
) -> str:
    value = _text(raw, name)
    if required and f"{{{field}}}" not in value:
        # Without it every period or paper would be written to one file.
        raise SettingsError(name, f"must contain {{{field}}}, not {value!r}")
    try:
        value.format(**{field: "2021-01-11"})
    # "{date.year}" raises AttributeError and "{date[x]}" TypeError.
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        raise SettingsError(
            name,
            f"must be a format string using only {{{field}}}, not {value!r} ({exc})",
        ) from None
    return value


#: Pelican's folders the data folder must stay out of.
SITE_FOLDERS = ("PATH", "CACHE_PATH", "OUTPUT_PATH")


def _outside_site_folders(data_path: Path, pelican_settings: Mapping[str, Any]) -> None:
    """Refuse a data folder inside one of Pelican's own folders.

    Inside PATH autoreload loops; CACHE_PATH is disposable; OUTPUT_PATH is
    published, and emptied by DELETE_OUTPUT_DIRECTORY. A relative folder is
    read from the working folder, as Pelican reads it (read_settings has
    already made those of a settings file absolute).
    """
    for name in SITE_FOLDERS:
        folder = pelican_settings.get(name)
        if not isinstance(folder, str | os.PathLike) or not str(folder):
            continue
        folder_path = Path(os.path.abspath(folder))
        if data_path == folder_path or folder_path in data_path.parents:
            raise SettingsError(
                "HOTPAPERS_DATA_PATH",
                f"({data_path}) is inside {name}; move it out (the default is "
                "hotpapers/ beside pelicanconf.py)",
            )


def _path(raw: Mapping[str, Any], name: str, base_dir: Path) -> Path:
    value = raw[name]
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise SettingsError(name, f"must be a folder path, not {value!r}")
    try:
        path = Path(value).expanduser()
    except RuntimeError as exc:  # "~nosuchuser/..."
        raise SettingsError(name, f"cannot be expanded: {exc}") from None
    if not path.is_absolute():
        path = base_dir / path
    return Path(os.path.normpath(path.absolute()))


def _author(
    raw: Mapping[str, Any], name: str, pelican_settings: Mapping[str, Any]
) -> str:
    author = raw[name]
    if author is None:
        return str(pelican_settings.get("AUTHOR") or FALLBACK_AUTHOR)
    if not isinstance(author, str) or not author.strip():
        raise SettingsError(name, "must be a non-empty string")
    return author


#: The checks a setting's field names (``options.setting``): each reads the
#: setting's value from the raw settings, refuses it with a SettingsError
#: naming the setting, or returns it in the form the options dataclass holds.
#: The data folder and the author depend on the site too, and are read by
#: ``HotpapersSettings.from_pelican`` itself.
CHECKS: dict[str, Callable[..., Any]] = {
    "bool": _bool,
    "categories": _categories,
    "choice": _choice,
    "choices": _choices,
    "dates": _dates,
    "env_name": _env_name,
    "hashtags": _hashtags,
    "ignore_accounts": _ignore_accounts,
    "int": _int,
    "number": _number,
    "optional_bool": _optional_bool,
    "output_file": _output_file,
    "output_name": _output_name,
    "robust_rules": _robust_rules,
    "sources": _sources,
    "template": _template,
    "text": _text,
    "texts": _texts,
    "url": _url,
    "urls": _urls,
    "weights": _weights,
}
