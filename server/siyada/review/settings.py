"""Settings: what the user chose, resolved and validated once.

The wire form (initializationOptions, `workspace/configuration` section `siyada`, and
the CLI) uses camelCase keys (`maxFileKb`); the engine sees a frozen `Settings`.
`SETTINGS` is the one list of keys: each with its kind (type, bounds, parser), default
and description. The `Settings` defaults, the VS Code manifest's
`contributes.configuration` and the README's table all come from it (the last two
through `python -m siyada.review.settings_docs --write`). A bad value produces one
readable problem and that key keeps its default, so an empty or partly wrong
configuration is always usable.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from siyada.models.endpoint import default_endpoint, normalize_endpoint
from siyada.review.findings import CATEGORIES, SEVERITIES
from siyada.review.setting_kinds import (
    Boolean,
    Integer,
    Json,
    Kind,
    Number,
    OneOf,
    SettingError,
    SubsetOf,
    Switch,
    Switches,
    Text,
)

DEFAULT_MODEL = "qwen2.5-coder:7b"


@dataclass(frozen=True, kw_only=True)
class Triggers:
    on_open: bool = True
    on_save: bool = True
    on_type: bool = True


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One key of section `siyada`, as the server, the manifest and the README know it."""

    key: str
    kind: Kind
    default: Json  # as the editor shows it; `kind.parse(default)` is the engine's default
    description: str  # Markdown; `#siyada.key#` links to another setting in VS Code
    default_text: str = ""  # the README's words for the default, when the value misleads
    scope: str = ""  # VS Code's scope, e.g. "machine": not settable per workspace

    @property
    def attribute(self) -> str:
        """The `Settings` attribute: the key in snake_case."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.key).lower()

    def parse(self, value: Any) -> Any:
        return self.kind.parse(value)


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


OLLAMA_PROVIDER: Final = "ollama"
OPENAI_PROVIDER: Final = "openai"
_ENVIRONMENT_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _environment_name(value: Any) -> str:
    """The NAME of an environment variable (never its value: the key stays out of
    settings); empty means no key is sent."""
    if not isinstance(value, str):
        raise SettingError("must be the name of an environment variable, such as SIYADA_API_KEY")
    name = value.strip()
    if name and not _ENVIRONMENT_NAME.fullmatch(name):
        raise SettingError(
            "must be the name of an environment variable (letters, digits and _), "
            "not the key itself"
        )
    return name


def _file_path(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError("must be a file path (or empty for the system's certificates)")
    return value.strip()


SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        key="provider",
        kind=OneOf(
            (
                (OLLAMA_PROVIDER, "Ollama's native API (keep-alive, warm-up, Pull Model)."),
                (
                    OPENAI_PROVIDER,
                    "Any OpenAI-compatible server: llama.cpp's llama-server, vLLM, LM Studio, "
                    "Ollama's /v1. Set the endpoint to its base URL ending in /v1.",
                ),
            )
        ),
        default=OLLAMA_PROVIDER,
        description="Which protocol the model server speaks. For `openai`, "
        "`#siyada.endpoint#` is the base URL with `/v1`, such as `http://127.0.0.1:8080/v1`.",
    ),
    Setting(
        key="endpoint",
        kind=Text(_endpoint, "string URL"),
        default="",
        default_text="from `OLLAMA_HOST`, else `http://127.0.0.1:11434`",
        description="URL of the model server that reviews the code. Empty means "
        "`OLLAMA_HOST` if set, else `http://127.0.0.1:11434`. With `#siyada.provider#` "
        "`openai` it is the base URL with `/v1`. Only loopback addresses are "
        "contacted unless `#siyada.allowRemoteEndpoint#` is on.",
    ),
    Setting(
        key="model",
        kind=Text(_non_empty_string),
        default=DEFAULT_MODEL,
        description="Ollama model that reviews the code. Use **Siyada: Select Model** to pick "
        "an installed one, **Siyada: Pull Model** to download it.",
    ),
    Setting(
        key="triggers",
        kind=Switches(
            (
                Switch("onOpen", "on_open", "Review a file when it is opened."),
                Switch("onSave", "on_save", "Review a file when it is saved."),
                Switch(
                    "onType",
                    "on_type",
                    "Review the edited functions while typing, after a pause of `debounceMs`.",
                ),
            ),
            build=Triggers,
        ),
        default={"onOpen": True, "onSave": True, "onType": True},
        default_text="all true",
        description="When functions are reviewed. **Siyada: Review Current File** works "
        "whatever is set here.",
    ),
    Setting(
        key="debounceMs",
        kind=Integer(0, 60_000),
        default=1000,
        description="Pause after the last keystroke before edited functions are reviewed, "
        "in milliseconds.",
    ),
    Setting(
        key="maxConcurrentRequests",
        kind=Integer(1, 16),
        default=1,
        description="How many review requests are sent to the model at once. Ollama answers "
        "one at a time unless `OLLAMA_NUM_PARALLEL` is raised.",
    ),
    Setting(
        key="minSeverity",
        kind=OneOf(
            tuple(
                zip(
                    SEVERITIES,
                    (
                        "Show errors only.",
                        "Show warnings and errors.",
                        "Show information, warnings and errors.",
                        "Show every finding.",
                    ),
                    strict=True,
                )
            )
        ),
        default="hint",
        description="Least severe finding that is shown.",
    ),
    Setting(
        key="minConfidence",
        kind=Number(0.0, 1.0),
        default=0.5,
        description="Findings the model is less confident about than this (0 to 1) are hidden.",
    ),
    Setting(
        key="categories",
        kind=SubsetOf(CATEGORIES, noun="categories"),
        default=list(CATEGORIES),
        default_text="all four",
        description="Kinds of findings that are shown.",
    ),
    Setting(
        key="requestTimeoutSec",
        kind=Number(1.0, 3600.0),
        default=120,
        description="Longest wait for the model's answer about one function, in seconds.",
    ),
    Setting(
        key="keepAlive",
        kind=Text(_keep_alive, "duration string or seconds"),
        default="30m",
        description="How long Ollama keeps the model loaded after the last request: a "
        "duration such as `30m` or `1h`, or seconds such as `600`.",
    ),
    Setting(
        key="allowRemoteEndpoint",
        kind=Boolean(),
        default=False,
        description="Allow `#siyada.endpoint#` to point at another machine. Off by default, "
        "so code never leaves this machine unless you say so.",
        scope="machine",
    ),
    Setting(
        key="apiKeyEnv",
        kind=Text(_environment_name, "environment variable name"),
        default="",
        description="Name of the environment variable that holds the API key of an "
        "OpenAI-compatible server (`#siyada.provider#` `openai`). The key itself is never "
        "put in settings; it is sent only as `Authorization: Bearer`. Empty: no key.",
        scope="machine",
    ),
    Setting(
        key="caBundle",
        kind=Text(_file_path, "file path"),
        default="",
        description="A PEM file of the private certificate authority that signed an https "
        "endpoint's certificate. Empty: the system's certificates. TLS is always verified.",
        scope="machine",
    ),
    Setting(
        key="cacheDir",
        kind=Text(_path, "folder path"),
        default="",
        description="Folder where the model's answers are kept, so a function reviewed once "
        "is not sent again. Empty means the user's cache folder (`~/.cache/siyada` on "
        "Linux).",
        scope="machine",
    ),
    Setting(
        key="maxFileKb",
        kind=Integer(1, 100_000),
        default=512,
        description="Files larger than this, in KB, are not reviewed; you are told so once "
        "per file.",
    ),
    Setting(
        key="maxFunctionsPerFile",
        kind=Integer(1, 100_000),
        default=500,
        description="Most functions of one file that are reviewed, those nearest your edits "
        "first; you are told when a file has more.",
    ),
)

SETTING: Final[Mapping[str, Setting]] = {setting.key: setting for setting in SETTINGS}


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
    request_timeout_sec: float = _default("requestTimeoutSec")
    keep_alive: str | int = _default("keepAlive")
    allow_remote_endpoint: bool = _default("allowRemoteEndpoint")
    api_key_env: str = _default("apiKeyEnv")
    ca_bundle: str = _default("caBundle")
    cache_dir: str = _default("cacheDir")
    max_file_kb: int = _default("maxFileKb")
    max_functions_per_file: int = _default("maxFunctionsPerFile")

    def answer_inputs(self) -> tuple[object, ...]:
        """What changes the model's answer for a function (filters are applied later)."""
        return (self.provider, self.endpoint, self.model)

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
