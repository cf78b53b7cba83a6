"""The values Siyada's settings take: each checked and put in its normal form.

Each parser raises `SettingError` saying what a good value looks like; `settings.py`
names the setting and keeps its default. `Triggers` is the value of `triggers`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Final

from siyada.i18n import _
from siyada.models.endpoint import default_endpoint, normalize_endpoint
from siyada.review.setting_kinds import SettingError

_ENVIRONMENT_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, kw_only=True)
class Triggers:
    on_open: bool = True
    on_save: bool = True
    on_type: bool = True


def non_empty_string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingError(_("must be a non-empty string"))
    return value.strip()


def endpoint_url(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default_endpoint(os.environ)
    if not isinstance(value, str):
        raise SettingError(_("must be a URL such as http://127.0.0.1:11434"))
    try:
        return normalize_endpoint(value.strip())
    except ValueError as error:
        raise SettingError(str(error)) from error


def folder_path(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(_("must be a folder path (or empty for the default cache folder)"))
    return value.strip()


def keep_alive_duration(value: Any) -> str | int:
    if isinstance(value, bool):
        raise SettingError(_('must be a duration such as "30m" or a number of seconds'))
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        # Ollama accepts Go durations ("30m", "1h30m") and plain seconds ("300").
        if text.lstrip("-").isdigit():
            return int(text)
        if _is_go_duration(text):
            return text
    raise SettingError(_('must be a duration such as "30m" or a number of seconds'))


_GO_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
# Longest first, so "ms" is read as milliseconds and not as minutes then "s".
_GO_UNITS = tuple(sorted(_GO_UNIT_SECONDS, key=len, reverse=True))
_GO_DURATION_PART = re.compile(r"([0-9.]+)(" + "|".join(_GO_UNITS) + ")")


def keep_alive_seconds(value: str | int) -> float | None:
    """A `keep_alive_duration` in seconds; None when negative (Ollama then keeps the
    model loaded for good)."""
    if isinstance(value, int):
        seconds = float(value)
    elif value.lstrip("-").isdigit():
        seconds = float(int(value))
    else:
        seconds = _go_duration_seconds(value.removeprefix("-"))
        seconds = -seconds if value.startswith("-") else seconds
    return None if seconds < 0 else seconds


def _go_duration_seconds(body: str) -> float:
    total = 0.0
    for number, unit in _GO_DURATION_PART.findall(body):
        total += float(number) * _GO_UNIT_SECONDS[unit]
    return total


def _is_go_duration(text: str) -> bool:
    body = text.removeprefix("-")
    while body:
        digits = len(body) - len(body.lstrip("0123456789."))
        if digits == 0:
            return False
        body = body[digits:]
        unit = next((u for u in _GO_UNITS if body.startswith(u)), None)
        if unit is None:
            return False
        body = body[len(unit) :]
    return True


def environment_name(value: Any) -> str:
    """The NAME of an environment variable (never its value: the key stays out of
    settings); empty means no key is sent."""
    if not isinstance(value, str):
        raise SettingError(_("must be the name of an environment variable, such as SIYADA_API_KEY"))
    name = value.strip()
    if name and not _ENVIRONMENT_NAME.fullmatch(name):
        raise SettingError(
            _(
                "must be the name of an environment variable (letters, digits and _), "
                "not the key itself"
            )
        )
    return name


def file_path(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(_("must be a file path (or empty for the system's certificates)"))
    return value.strip()
