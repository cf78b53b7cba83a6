"""The one list of Siyada's settings: each wire key with its kind, default and words.

`SETTINGS` is what the server parses (`settings.py`), what the VS Code manifest's
`contributes.configuration` and the README's table are generated from
(`python -m siyada.review.settings_docs --write`), and where the `Settings` defaults come
from. Adding a setting: one `Setting(...)` here, its typed attribute in `Settings`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from siyada.models.errors import OLLAMA, OPENAI
from siyada.review.findings import CATEGORIES, SEVERITIES
from siyada.review.setting_kinds import (
    Boolean,
    Integer,
    Json,
    Kind,
    Number,
    OneOf,
    SubsetOf,
    Switch,
    Switches,
    Text,
)
from siyada.review.setting_values import (
    Triggers,
    endpoint_url,
    environment_name,
    file_path,
    folder_path,
    keep_alive_duration,
    non_empty_string,
)

DEFAULT_MODEL = "qwen2.5-coder:7b"


@dataclass(frozen=True)
class Section:
    """A heading of VS Code's Settings editor; sections are shown by `order`."""

    title: str
    order: int


# The essentials first (endpoint, model, triggers), then the rest by how often it is
# changed. Within a section, settings are shown in the order they are declared.
MODEL_SECTION: Final = Section("Model", 1)
REVIEW_SECTION: Final = Section("When to review", 2)
FINDINGS_SECTION: Final = Section("Findings shown", 3)
SERVER_SECTION: Final = Section("Model server", 4)
LIMITS_SECTION: Final = Section("Limits and cache", 5)


@dataclass(frozen=True, kw_only=True)
class Setting:
    """One key of section `siyada`, as the server, the manifest and the README know it."""

    key: str
    title: str  # the setting in words, e.g. "Debounce (ms)": JSON schema's `title`
    section: Section
    kind: Kind
    default: Json  # as the editor shows it; `kind.parse(default)` is the engine's default
    # Markdown: `#siyada.key#` links to another setting in VS Code, and
    # `[Siyada: Title](command:siyada.x)` runs a command (the README shows its title).
    description: str
    default_text: str = ""  # the README's words for the default, when the value misleads
    scope: str = ""  # VS Code's scope, e.g. "machine": not settable per workspace

    @property
    def attribute(self) -> str:
        """The `Settings` attribute: the key in snake_case."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.key).lower()

    def parse(self, value: Any) -> Any:
        return self.kind.parse(value)


# The values of `provider`: the protocols the model clients speak.
OLLAMA_PROVIDER: Final = OLLAMA
OPENAI_PROVIDER: Final = OPENAI
FUNCTION_CONTEXT: Final = "function"
FILE_CONTEXT: Final = "file"

SETTINGS: Final[tuple[Setting, ...]] = (
    Setting(
        key="provider",
        title="Provider",
        section=SERVER_SECTION,
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
        title="Endpoint",
        section=MODEL_SECTION,
        kind=Text(endpoint_url, "string URL"),
        default="",
        default_text="from `OLLAMA_HOST`, else `http://127.0.0.1:11434`",
        description="URL of the model server that reviews the code. Empty means "
        "`OLLAMA_HOST` if set, else `http://127.0.0.1:11434`. With `#siyada.provider#` "
        "`openai` it is the base URL with `/v1`. Only loopback addresses are "
        "contacted unless `#siyada.allowRemoteEndpoint#` is on.",
    ),
    Setting(
        key="model",
        title="Model",
        section=MODEL_SECTION,
        kind=Text(non_empty_string),
        default=DEFAULT_MODEL,
        description="Model that reviews the code. "
        "[Siyada: Select Model](command:siyada.selectModel) picks an installed one; "
        "[Siyada: Pull Model](command:siyada.pullModel) downloads it into Ollama.",
    ),
    Setting(
        key="triggers",
        title="Triggers",
        section=REVIEW_SECTION,
        kind=Switches(
            (
                Switch("onOpen", "on_open", "Review a file when it is opened."),
                Switch("onSave", "on_save", "Review a file when it is saved."),
                Switch(
                    "onType",
                    "on_type",
                    "Review the edited functions while typing, after the pause set by "
                    "siyada.debounceMs.",
                ),
            ),
            build=Triggers,
        ),
        default={"onOpen": True, "onSave": True, "onType": True},
        default_text="all true",
        description="When functions are reviewed. "
        "[Siyada: Review Current File](command:siyada.reviewFile) works whatever is set "
        "here.",
    ),
    Setting(
        key="debounceMs",
        title="Debounce (ms)",
        section=REVIEW_SECTION,
        kind=Integer(0, 60_000),
        default=1000,
        description="Pause after the last keystroke before edited functions are reviewed, "
        "in milliseconds, while `#siyada.triggers#` has `onType`.",
    ),
    Setting(
        key="maxConcurrentRequests",
        title="Concurrent requests",
        section=SERVER_SECTION,
        kind=Integer(1, 16),
        default=1,
        description="How many review requests are sent to the model at once. Ollama answers "
        "one at a time unless `OLLAMA_NUM_PARALLEL` is raised.",
    ),
    Setting(
        key="minSeverity",
        title="Minimum severity",
        section=FINDINGS_SECTION,
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
        title="Minimum confidence",
        section=FINDINGS_SECTION,
        kind=Number(0.0, 1.0),
        default=0.5,
        description="Findings the model is less confident about than this (0 to 1) are hidden.",
    ),
    Setting(
        key="categories",
        title="Categories",
        section=FINDINGS_SECTION,
        kind=SubsetOf(CATEGORIES, noun="categories"),
        default=list(CATEGORIES),
        default_text="all four",
        description="Kinds of findings that are shown.",
    ),
    Setting(
        key="explanationLanguage",
        title="Explanation language",
        section=FINDINGS_SECTION,
        kind=Text(non_empty_string, '"auto" or a language tag'),
        default="auto",
        description="Language of the findings' titles and explanations: `auto` follows VS "
        "Code's display language, or a BCP 47 tag such as `ar`, `en` or `fr`. Code, "
        "categories and the quoted evidence stay as they are.",
    ),
    Setting(
        key="requestTimeoutSec",
        title="Request timeout (s)",
        section=SERVER_SECTION,
        kind=Number(1.0, 3600.0),
        default=120,
        description="Longest wait for the model's answer about one function, in seconds.",
    ),
    Setting(
        key="keepAlive",
        title="Keep model loaded",
        section=SERVER_SECTION,
        kind=Text(keep_alive_duration, "duration string or seconds"),
        default="30m",
        description="How long Ollama keeps the model loaded after the last request: a "
        "duration such as `30m` or `1h`, or seconds such as `600`.",
    ),
    Setting(
        key="allowRemoteEndpoint",
        title="Allow a remote endpoint",
        section=SERVER_SECTION,
        kind=Boolean(),
        default=False,
        description="Allow `#siyada.endpoint#` to point at another machine. Off by default, "
        "so code never leaves this machine unless you say so.",
        scope="machine",
    ),
    Setting(
        key="apiKeyEnv",
        title="API key variable",
        section=SERVER_SECTION,
        kind=Text(environment_name, "environment variable name"),
        default="",
        description="Name of the environment variable that holds the API key of an "
        "OpenAI-compatible server (`#siyada.provider#` `openai`). The key itself is never "
        "put in settings; it is sent only as `Authorization: Bearer`. Empty: no key.",
        scope="machine",
    ),
    Setting(
        key="caBundle",
        title="CA bundle",
        section=SERVER_SECTION,
        kind=Text(file_path, "file path"),
        default="",
        description="A PEM file of the private certificate authority that signed an https "
        "endpoint's certificate. Empty: the system's certificates. TLS is always verified.",
        scope="machine",
    ),
    Setting(
        key="cacheDir",
        title="Cache folder",
        section=LIMITS_SECTION,
        kind=Text(folder_path, "folder path"),
        default="",
        description="Folder where the model's answers are kept, so a function reviewed once "
        "is not sent again. Empty means the user's cache folder (`~/.cache/siyada` on "
        "Linux).",
        scope="machine",
    ),
    Setting(
        key="maxFileKb",
        title="Largest file (KB)",
        section=LIMITS_SECTION,
        kind=Integer(1, 100_000),
        default=512,
        description="Files larger than this, in KB, are not reviewed; you are told so once "
        "per file.",
    ),
    Setting(
        key="maxFunctionsPerFile",
        title="Most functions per file",
        section=LIMITS_SECTION,
        kind=Integer(1, 100_000),
        default=500,
        description="Most functions of one file that are reviewed, those nearest your edits "
        "first; you are told when a file has more.",
    ),
    Setting(
        key="context",
        title="Context",
        section=REVIEW_SECTION,
        kind=OneOf(
            (
                (FUNCTION_CONTEXT, "The model sees the function alone."),
                (
                    FILE_CONTEXT,
                    "The model also sees, from the same file, the imports the function "
                    "uses, the header of its class with the fields, and the signatures of "
                    "the functions it calls.",
                ),
            )
        ),
        default=FUNCTION_CONTEXT,
        description="What the model sees besides the function it reviews. `file` adds "
        "context from the same file (never other files); findings stay about the function. "
        "Answers are remembered per setting, so switching costs a review of each function.",
    ),
)

SETTING: Final[Mapping[str, Setting]] = {setting.key: setting for setting in SETTINGS}
