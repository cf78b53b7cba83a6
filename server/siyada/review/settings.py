"""Settings: what the user chose, resolved and validated once.

The wire form (initializationOptions, `workspace/configuration` section `siyada`, and
the CLI) uses camelCase keys (`maxFileKb`); the engine sees a frozen `Settings`, whose
defaults come from `SETTINGS` (`settings_table.py`), the one list of keys: each with its
kind (type, bounds, parser), default and description. A bad value produces one readable
problem and that key keeps its default, so an empty or partly wrong configuration is
always usable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from siyada.review.setting_kinds import SettingError
from siyada.review.setting_values import Triggers
from siyada.review.settings_table import SETTING


def _default(key: str) -> Any:
    return SETTING[key].parse(SETTING[key].default)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The resolved settings; one attribute per entry of SETTINGS, defaults from there."""

    provider: str = _default("provider")
    # From the environment (OLLAMA_HOST) at the time the settings are made.
    endpoint: str = field(default_factory=lambda: _default("endpoint"))
    model: str = _default("model")
    triggers: Triggers = field(default_factory=lambda: _default("triggers"))
    debounce_ms: int = _default("debounceMs")
    max_concurrent_requests: int = _default("maxConcurrentRequests")
    min_severity: str = _default("minSeverity")
    min_confidence: float = _default("minConfidence")
    categories: tuple[str, ...] = _default("categories")
    explanation_language: str = _default("explanationLanguage")
    request_timeout_sec: float = _default("requestTimeoutSec")
    keep_alive: str | int = _default("keepAlive")
    allow_remote_endpoint: bool = _default("allowRemoteEndpoint")
    api_key_env: str = _default("apiKeyEnv")
    ca_bundle: str = _default("caBundle")
    cache_dir: str = _default("cacheDir")
    max_file_kb: int = _default("maxFileKb")
    max_functions_per_file: int = _default("maxFunctionsPerFile")
    context: str = _default("context")

    def answer_inputs(self) -> tuple[object, ...]:
        """What changes the model's answer for a function (filters are applied later)."""
        return (self.provider, self.endpoint, self.model, self.context)

    def connection_inputs(self) -> tuple[object, ...]:
        """What needs a new connection to the model server (the key's variable name,
        not its value: the key is read when the client is made)."""
        return (
            self.provider,
            self.endpoint,
            self.request_timeout_sec,
            self.allow_remote_endpoint,
            self.api_key_env,
            self.ca_bundle,
        )


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
        setting = SETTING.get(key)
        if setting is None:
            if not ignore_unknown:
                problems.append(f"siyada.{key} is not a known setting.")
            continue
        if value is None:
            continue
        try:
            changes[setting.attribute] = setting.parse(value)
        except SettingError as error:
            problems.append(f"siyada.{key} {error} (got {value!r}); using the default.")
    return dataclasses.replace(settings, **changes), problems


def problems_message(problems: list[str]) -> str:
    return "Siyada: some settings were not valid. " + " ".join(problems)
