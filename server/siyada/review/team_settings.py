"""Team settings kept in the repository: `.siyada.toml`, or `[tool.siyada]` in
`pyproject.toml`.

A repository may choose only what shapes the review (`TEAM_KEYS`, `exclude`,
`instructions`), never where code is sent or what runs: any other key (`endpoint`,
`provider`, `allowRemoteEndpoint`, `apiKeyEnv`, paths...) is reported and ignored, so a
cloned repository cannot send code elsewhere. Values are checked by the settings table
(`settings_table.py`), the same as the user's. A file that cannot be read gives one
problem naming it and its line, and the rest of the settings keep working.

Precedence: what the user set explicitly > this file > the defaults (`merged_with`).
When a folder has both files, `.siyada.toml` is used.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

import pathspec
from pygls import uris

from siyada.code.languages import language_for
from siyada.i18n import _
from siyada.review.setting_kinds import SettingError
from siyada.review.settings_table import SETTING

TEAM_FILE: Final = ".siyada.toml"
PYPROJECT: Final = "pyproject.toml"
TEAM_FILE_NAMES: Final = (TEAM_FILE, PYPROJECT)
# The settings-table keys a repository may set: none of them says where code goes.
TEAM_KEYS: Final = ("model", "categories", "minSeverity", "minConfidence", "context")
_RULE_KEYS: Final = ("exclude", "instructions")
# Instructions are sent with every function: kept short so they leave room for code.
MAX_INSTRUCTIONS_CHARS: Final = 2000
_PYPROJECT_SECTION: Final = "tool.siyada"


@dataclass(frozen=True)
class Instructions:
    """Review guidance from the team: for every file, per language (by the id Siyada
    gives it, such as `python` or `tsx`), and per path glob (relative to `root`, the
    team file's folder). A file gets each that applies, in that order."""

    everywhere: str = ""
    by_language: tuple[tuple[str, str], ...] = ()
    by_path: tuple[tuple[str, str], ...] = ()  # (glob, text), in the file's order
    root: Path | None = None

    def text_for(self, language: str, path: Path | None = None) -> str:
        """The guidance for a function in `language`, in the file at `path` (absolute;
        None when the file has no path, as an unsaved editor buffer)."""
        parts = [self.everywhere, *(text for lang, text in self.by_language if lang == language)]
        relative = _relative(path, self.root) if self.by_path else None
        if relative is not None:
            parts += [text for glob, text in self.by_path if _matches((glob,), relative)]
        return "\n\n".join(part for part in parts if part)

    def digest_for(self, language: str, path: Path | None = None) -> str:
        """What names the guidance in the answer cache; empty when there is none."""
        text = self.text_for(language, path)
        return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""


def _relative(path: Path | None, root: Path | None) -> str | None:
    """`path` relative to `root` in POSIX form; None when it is not below it."""
    if path is None or root is None:
        return None
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve())).as_posix()
    except ValueError:
        return None


def _matches(globs: tuple[str, ...], relative: str) -> bool:
    """Whether a path relative to the team file's folder matches one of `globs`, read
    as .gitignore lines are (`gen/**`, `*_pb2.py`, `/top.py`)."""
    return _spec(globs).match_file(relative)


@functools.lru_cache(maxsize=64)
def _spec(globs: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(globs)


NO_INSTRUCTIONS: Final = Instructions()


def local_path(uri: str) -> Path | None:
    """The path of a `file:` URI; None for other schemes (an unsaved buffer...)."""
    path = uris.to_fs_path(uri)
    return Path(path) if path is not None else None


@dataclass(frozen=True)
class TeamSettings:
    """What one team file says, checked; `NO_TEAM_SETTINGS` when there is none."""

    source: Path | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # wire keys, checked values
    exclude: tuple[str, ...] = ()
    instructions: Instructions = NO_INSTRUCTIONS
    problems: tuple[str, ...] = ()

    @property
    def root(self) -> Path | None:
        """The folder `exclude` globs are relative to: the file's own."""
        return self.source.parent if self.source is not None else None

    def excludes(self, path: Path) -> bool:
        """Whether `path` (absolute) matches an `exclude` glob of this file."""
        relative = _relative(path, self.root)  # None outside the folder it speaks for
        return bool(self.exclude) and relative is not None and _matches(self.exclude, relative)

    def merged_with(self, user: Mapping[str, Any]) -> dict[str, Any]:
        """The user's wire options with this file's under them: a key the user did not
        set (absent or null) takes the file's value."""
        merged = dict(user)
        for key, value in self.options.items():
            if merged.get(key) is None:
                merged[key] = value
        return merged

    def message(self) -> str:
        """The one message telling every problem of the file."""
        return _("Siyada: repository settings: {problems}", problems=" ".join(self.problems))


NO_TEAM_SETTINGS: Final = TeamSettings()


def team_settings_near(start: Path) -> TeamSettings:
    """The settings of the nearest team file in `start` (a file's folder, or a folder)
    or a folder above it; NO_TEAM_SETTINGS when there is none."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        found = team_settings_in(candidate)
        if found is not None:
            return found
    return NO_TEAM_SETTINGS


def team_settings_in(folder: Path) -> TeamSettings | None:
    """The team settings of `folder` itself, or None when it holds no team file.

    A `pyproject.toml` without `[tool.siyada]` is not a team file; one that cannot be
    parsed is only when it mentions `tool.siyada`.
    """
    team_file, pyproject = folder / TEAM_FILE, folder / PYPROJECT
    found = _load(team_file, section=None) if team_file.is_file() else None
    in_pyproject = _load(pyproject, section=_PYPROJECT_SECTION) if pyproject.is_file() else None
    if found is None:
        return in_pyproject
    if in_pyproject is not None:
        note = f"{pyproject}: [tool.siyada] is ignored: {TEAM_FILE} in the same folder is used."
        return _with_problems(found, [note])
    return found


def _with_problems(team: TeamSettings, problems: list[str]) -> TeamSettings:
    return TeamSettings(
        source=team.source,
        options=team.options,
        exclude=team.exclude,
        instructions=team.instructions,
        problems=(*team.problems, *problems),
    )


def _load(path: Path, *, section: str | None) -> TeamSettings | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        if section is not None:
            return None
        return TeamSettings(source=path, problems=(f"{path} cannot be read ({error}); ignored.",))
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        if section is not None and _PYPROJECT_SECTION not in text:
            return None
        line = _error_line(str(error), text)
        problem = f"{path}:{line}: not valid TOML: {error}; ignored."
        return TeamSettings(source=path, problems=(problem,))
    table = _section(document, section)
    if table is None:
        return None
    return _read_table(path, text, table, section or "")


def _section(document: Mapping[str, Any], section: str | None) -> Mapping[str, Any] | None:
    if section is None:
        return document
    table: Any = document
    for part in section.split("."):
        table = table.get(part) if isinstance(table, Mapping) else None
    return table if isinstance(table, Mapping) else None


def _read_table(path: Path, text: str, table: Mapping[str, Any], section: str) -> TeamSettings:
    def where(key: str) -> str:
        line = _line_of(text, section, key)
        return f"{path}:{line}" if line else str(path)

    options: dict[str, Any] = {}
    problems: list[str] = []
    exclude: tuple[str, ...] = ()
    instructions = Instructions()
    for key, value in table.items():
        try:
            if key in TEAM_KEYS:
                SETTING[key].parse(value)  # the user's settings are checked the same way
                options[key] = value
            elif key == "exclude":
                exclude = _globs(value)
            elif key == "instructions":
                instructions = _instructions(value, path.parent)
            else:
                allowed = ", ".join((*TEAM_KEYS, *_RULE_KEYS))
                problems.append(
                    _(
                        "{where}: `{key}` cannot be set in a repository's settings file "
                        "(only {allowed}; where code is sent and what runs are yours to "
                        "choose); ignored.",
                        where=where(key),
                        key=key,
                        allowed=allowed,
                    )
                )
        except SettingError as error:
            problems.append(
                _("{where}: `{key}` {error}; ignored.", where=where(key), key=key, error=error)
            )
    return TeamSettings(
        source=path,
        options=options,
        exclude=exclude,
        instructions=instructions,
        problems=tuple(problems),
    )


def _globs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SettingError(_('must be a list of path globs such as ["tests/**", "*.pb.go"]'))
    return tuple(v.strip() for v in value)


def _instructions(value: Any, root: Path) -> Instructions:
    """A string (for every file), or a table with `all` (a string), `languages` (a
    table of language name = text) and `paths` (an array of tables {glob, text})."""
    if isinstance(value, str):
        return Instructions(everywhere=_guidance(value, "instructions"), root=root)
    if not isinstance(value, Mapping):
        raise SettingError(_("must be a string, or a table with `all`, `languages` and `paths`"))
    unknown = [key for key in value if key not in ("all", "languages", "paths")]
    if unknown:
        raise SettingError(
            _("has unknown keys {unknown}; known: all, languages, paths", unknown=unknown)
        )
    return Instructions(
        everywhere=_guidance(value.get("all", ""), "instructions.all"),
        by_language=_by_language(value.get("languages", {})),
        by_path=_by_path(value.get("paths", [])),
        root=root,
    )


def _by_language(languages: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(languages, Mapping):
        raise SettingError(_("(languages) must be a table of language name = text"))
    by_language: list[tuple[str, str]] = []
    for name, text in languages.items():
        spec = language_for(name)
        if spec is None:
            raise SettingError(
                _("(languages) names {name}, not a language Siyada reviews", name=repr(name))
            )
        by_language.append((spec.id, _guidance(text, f"instructions.languages.{name}")))
    return tuple(by_language)


def _by_path(paths: Any) -> tuple[tuple[str, str], ...]:
    shape = '(paths) must be an array of tables {glob = "src/api/**", text = "..."}'
    if not isinstance(paths, list):
        raise SettingError(shape)
    by_path: list[tuple[str, str]] = []
    for entry in paths:
        if not isinstance(entry, Mapping) or set(entry) != {"glob", "text"}:
            raise SettingError(shape)
        glob = entry["glob"]
        if not isinstance(glob, str) or not glob.strip():
            raise SettingError(shape)
        by_path.append((glob.strip(), _guidance(entry["text"], f"instructions.paths {glob}")))
    return tuple(by_path)


def _guidance(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise SettingError(_("({name}) must be text", name=name))
    if len(value) > MAX_INSTRUCTIONS_CHARS:
        raise SettingError(
            _(
                "({name}) is longer than {limit} characters",
                name=name,
                limit=MAX_INSTRUCTIONS_CHARS,
            )
        )
    return value.strip()


_ERROR_LINE: Final = re.compile(r"\(at line (\d+), column \d+\)")


def _error_line(message: str, text: str) -> int:
    """The line tomllib's message names ("at line N, column M"), or the last line when
    the error is "at end of document"."""
    found = _ERROR_LINE.search(message)
    return int(found.group(1)) if found else max(1, len(text.splitlines()))


_HEADER: Final = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")


def _line_of(text: str, section: str, key: str) -> int | None:
    """The 1-based line where `key` of `section` ("" for the top level) is set, so a
    message can point at it; None when it cannot be told (a dotted or inline form)."""
    assignment = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*[=.]""")
    nested = f"{section}.{key}" if section else key
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is not None:
            current = header.group(1).replace(" ", "").replace('"', "")
            if current == nested or current.startswith(nested + "."):
                return number
            continue
        if current == section and assignment.match(line):
            return number
    return None
