"""How an options dataclass names the ``HOTPAPERS_*`` settings it is made of.

Each field of an options dataclass that a site can set is declared with
:func:`setting`: the setting's name, its default as a site writes it, and
the check that :mod:`pelican_hotpapers.settings` applies to it. The settings
module reads these fields to make its table of defaults and to check a
site's values, so a default is stated once, where the option is used: a
source's options live in the source's own module. The table in
docs/settings.rst says what each setting means (a test holds it to the
fields). This
module imports nothing of the plugin, so any module can use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The key of a field's metadata that holds its :class:`Setting`.
SETTING = "hotpapers_setting"


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``HOTPAPERS_*`` setting, as a field of an options dataclass declares it."""

    name: str
    #: The default as a site writes it in pelicanconf.py (lists, dicts).
    default: Any
    #: The name of the check in ``settings.CHECKS`` that reads a site's value.
    check: str
    #: Arguments of the check, such as ``{"minimum": 1}``.
    params: Mapping[str, Any] = field(default_factory=dict)


def setting(
    name: str,
    default: Any,
    check: str,
    *,
    per_site: bool = False,
    **params: Any,
) -> Any:
    """A dataclass field for the setting ``name``.

    The field's own default is ``default`` made immutable (a list becomes a
    tuple, a dict a sorted tuple of pairs), which is also the form the
    checks return. ``per_site`` leaves the field without a default, for a
    value that depends on the site too (its folder, its AUTHOR).
    """
    metadata = {SETTING: Setting(name, default, check, params)}
    if per_site:
        return field(metadata=metadata)
    return field(default=frozen(default), metadata=metadata)


def frozen(value: Any) -> Any:
    """``value`` with its lists as tuples and its dicts as sorted tuples of pairs."""
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, frozen(item)) for key, item in value.items()))
    return value


def settings_of(options_class: type) -> Iterator[tuple[str, Setting]]:
    """The (field name, setting) pairs of an options dataclass, in field order."""
    for item in dataclasses.fields(options_class):
        spec = item.metadata.get(SETTING)
        if spec is not None:
            yield item.name, spec
