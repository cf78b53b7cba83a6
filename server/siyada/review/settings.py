"""Settings: what the user chose, resolved and validated once.

The wire form (initializationOptions, `workspace/configuration` section `siyada`, and
the CLI) uses the camelCase keys of design.md; the engine sees a frozen `Settings`.
Each key is declared once, in `_FIELDS`, with its parser: a bad value produces one
readable problem and that key keeps its default, so an empty or partly wrong
configuration is always usable.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from siyada.models.endpoint import default_endpoint, normalize_endpoint
from siyada.review.findings import CATEGORIES, SEVERITIES

DEFAULT_MODEL = "qwen2.5-coder:7b"


@dataclass(frozen=True, kw_only=True)
class Triggers:
    on_open: bool = True
    on_save: bool = True
    on_type: bool = True


@dataclass(frozen=True, kw_only=True)
class Settings:
    endpoint: str = field(default_factory=lambda: default_endpoint(os.environ))
    model: str = DEFAULT_MODEL
    triggers: Triggers = field(default_factory=Triggers)
    debounce_ms: int = 1000
    max_concurrent_requests: int = 1
    min_severity: str = "hint"
    min_confidence: float = 0.5
    categories: tuple[str, ...] = CATEGORIES
    request_timeout_sec: float = 120.0
    keep_alive: str | int = "30m"
    allow_remote_endpoint: bool = False
    max_file_kb: int = 512
    cache_dir: str = ""
    max_functions_per_file: int = 500

    def answer_key(self) -> tuple[object, ...]:
        """What changes the model's answer for a function (filters are applied later)."""
        return (self.endpoint, self.model)

    def connection_key(self) -> tuple[object, ...]:
        """What needs a new connection to the model server."""
        return (self.endpoint, self.request_timeout_sec, self.allow_remote_endpoint)


class SettingError(ValueError):
    """A value that cannot be used; the message is meant for the user."""


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise SettingError("must be true or false")


def _integer(minimum: int, maximum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError("must be a whole number")
        if value != int(value) or not minimum <= value <= maximum:
            raise SettingError(f"must be a whole number from {minimum} to {maximum}")
        return int(value)

    return parse


def _number(minimum: float, maximum: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError("must be a number")
        if not minimum <= value <= maximum:
            raise SettingError(f"must be a number from {minimum:g} to {maximum:g}")
        return float(value)

    return parse


def _non_empty_string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingError("must be a non-empty string")
    return value.strip()


def _endpoint(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default_endpoint(os.environ)
    if not isinstance(value, str):
        raise SettingError("must be a URL such as http://127.0.0.1:11434")
    try:
        return normalize_endpoint(value.strip())
    except ValueError as error:
        raise SettingError(str(error)) from error


def _path(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError("must be a folder path (or empty for the default cache folder)")
    return value.strip()


def _severity(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in SEVERITIES:
        raise SettingError(f"must be one of {', '.join(SEVERITIES)}")
    return value.lower()


def _categories(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise SettingError(f"must be a list of {', '.join(CATEGORIES)}")
    unknown = [v for v in value if v not in CATEGORIES]
    if unknown:
        raise SettingError(f"has unknown categories {unknown}; known: {', '.join(CATEGORIES)}")
    return tuple(c for c in CATEGORIES if c in value)


def _keep_alive(value: Any) -> str | int:
    if isinstance(value, bool):
        raise SettingError('must be a duration such as "30m" or a number of seconds')
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        # Ollama accepts Go durations ("30m", "1h30m") and plain seconds ("300").
        if text.lstrip("-").isdigit():
            return int(text)
        if _is_go_duration(text):
            return text
    raise SettingError('must be a duration such as "30m" or a number of seconds')


def _is_go_duration(text: str) -> bool:
    body = text.removeprefix("-")
    units = ("ns", "us", "µs", "ms", "s", "m", "h")
    while body:
        digits = len(body) - len(body.lstrip("0123456789."))
        if digits == 0:
            return False
        body = body[digits:]
        unit = next((u for u in sorted(units, key=len, reverse=True) if body.startswith(u)), None)
        if unit is None:
            return False
        body = body[len(unit) :]
    return True


def _triggers(value: Any) -> Triggers:
    if not isinstance(value, Mapping):
        raise SettingError("must be an object {onOpen, onSave, onType} of booleans")
    names = {"onOpen": "on_open", "onSave": "on_save", "onType": "on_type"}
    unknown = [k for k in value if k not in names]
    if unknown:
        raise SettingError(f"has unknown keys {unknown}; known: {', '.join(names)}")
    try:
        return Triggers(**{names[k]: _boolean(v) for k, v in value.items()})
    except SettingError as error:
        raise SettingError(f"values {error}") from error


# wire key → (Settings attribute, parser). The one place settings are listed.
_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "endpoint": ("endpoint", _endpoint),
    "model": ("model", _non_empty_string),
    "triggers": ("triggers", _triggers),
    "debounceMs": ("debounce_ms", _integer(0, 60_000)),
    "maxConcurrentRequests": ("max_concurrent_requests", _integer(1, 16)),
    "minSeverity": ("min_severity", _severity),
    "minConfidence": ("min_confidence", _number(0.0, 1.0)),
    "categories": ("categories", _categories),
    "requestTimeoutSec": ("request_timeout_sec", _number(1.0, 3600.0)),
    "keepAlive": ("keep_alive", _keep_alive),
    "allowRemoteEndpoint": ("allow_remote_endpoint", _boolean),
    "maxFileKb": ("max_file_kb", _integer(1, 100_000)),
    "cacheDir": ("cache_dir", _path),
    "maxFunctionsPerFile": ("max_functions_per_file", _integer(1, 100_000)),
}


def parse_settings(
    raw: object, base: Settings | None = None, *, ignore_unknown: bool = True
) -> tuple[Settings, list[str]]:
    """Resolve wire options into Settings; returns the settings and readable problems.

    Keys that are absent or null keep the value of `base` (the defaults when None).
    """
    settings = base or Settings()
    if raw is None:
        return settings, []
    if not isinstance(raw, Mapping):
        return settings, ["Siyada settings must be an object; using defaults."]
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        if key not in _FIELDS:
            if not ignore_unknown:
                problems.append(f"siyada.{key} is not a known setting.")
            continue
        if value is None:
            continue
        attribute, parse = _FIELDS[key]
        try:
            changes[attribute] = parse(value)
        except SettingError as error:
            problems.append(f"siyada.{key} {error} (got {value!r}); using the default.")
    return dataclasses.replace(settings, **changes), problems


def problems_message(problems: list[str]) -> str:
    return "Siyada: some settings were not valid. " + " ".join(problems)
