"""Kinds of setting values: how each is parsed, and how it is described to editors.

A kind knows its bounds once and uses them three times: to check a value (`parse`),
to tell VS Code what the Settings editor may accept (`schema`, JSON schema), and to
name the type in the README (`summary`). So a bound cannot differ between the server,
the manifest and the documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from siyada.i18n import _

Json: TypeAlias = bool | int | float | str | list["Json"] | dict[str, "Json"] | None


class SettingError(ValueError):
    """A value that cannot be used; the message is meant for the user."""


class Kind(Protocol):
    def parse(self, value: Any) -> Any:
        """The value the engine uses; raises SettingError saying what is expected."""
        ...

    def schema(self) -> dict[str, Json]:
        """The JSON schema of the value, without default or description."""
        ...

    def summary(self) -> str:
        """The type as the README names it (Markdown)."""
        ...


def json_number(value: float) -> int | float:
    """1.0 as 1, so the manifest reads as written by hand."""
    return int(value) if float(value).is_integer() else value


def _options(values: tuple[str, ...]) -> str:
    return " / ".join(f"`{value}`" for value in values)


@dataclass(frozen=True)
class Boolean:
    def parse(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise SettingError(_("must be true or false"))

    def schema(self) -> dict[str, Json]:
        return {"type": "boolean"}

    def summary(self) -> str:
        return "boolean"


@dataclass(frozen=True)
class Integer:
    minimum: int
    maximum: int

    def parse(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError(_("must be a whole number"))
        if value != int(value) or not self.minimum <= value <= self.maximum:
            raise SettingError(
                _(
                    "must be a whole number from {minimum} to {maximum}",
                    minimum=self.minimum,
                    maximum=self.maximum,
                )
            )
        return int(value)

    def schema(self) -> dict[str, Json]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}

    def summary(self) -> str:
        return f"integer, {self.minimum} to {self.maximum}"


@dataclass(frozen=True)
class Number:
    minimum: float
    maximum: float

    def parse(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError(_("must be a number"))
        if not self.minimum <= value <= self.maximum:
            raise SettingError(
                _(
                    "must be a number from {minimum} to {maximum}",
                    minimum=f"{self.minimum:g}",
                    maximum=f"{self.maximum:g}",
                )
            )
        return float(value)

    def schema(self) -> dict[str, Json]:
        return {
            "type": "number",
            "minimum": json_number(self.minimum),
            "maximum": json_number(self.maximum),
        }

    def summary(self) -> str:
        return f"number, {self.minimum:g} to {self.maximum:g}"


@dataclass(frozen=True)
class Text:
    """A string whose meaning needs its own check (a URL, a duration, a path)."""

    check: Callable[[Any], Any]
    name: str = "string"

    def parse(self, value: Any) -> Any:
        return self.check(value)

    def schema(self) -> dict[str, Json]:
        return {"type": "string"}

    def summary(self) -> str:
        return self.name


@dataclass(frozen=True)
class OneOf:
    """One of a few words, each with what it means; matched case-insensitively."""

    choices: tuple[tuple[str, str], ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.choices)

    def parse(self, value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in self.values:
            raise SettingError(_("must be one of {values}", values=", ".join(self.values)))
        return value.lower()

    def schema(self) -> dict[str, Json]:
        schema: dict[str, Json] = {"type": "string", "enum": list(self.values)}
        meanings: list[Json] = [meaning for _, meaning in self.choices]
        if all(meanings):
            schema["enumDescriptions"] = meanings
        return schema

    def summary(self) -> str:
        return _options(self.values)


@dataclass(frozen=True)
class SubsetOf:
    """Some of a few words, kept in the order they are declared in."""

    values: tuple[str, ...]
    noun: str = "values"

    def parse(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise SettingError(_("must be a list of {values}", values=", ".join(self.values)))
        unknown = [v for v in value if v not in self.values]
        if unknown:
            raise SettingError(
                _(
                    "has unknown {noun} {unknown}; known: {known}",
                    noun=self.noun,
                    unknown=unknown,
                    known=", ".join(self.values),
                )
            )
        return tuple(v for v in self.values if v in value)

    def schema(self) -> dict[str, Json]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": list(self.values)},
            "uniqueItems": True,
        }

    def summary(self) -> str:
        return f"list of {_options(self.values)}"


@dataclass(frozen=True)
class Switch:
    key: str
    attribute: str
    description: str
    default: bool = True


@dataclass(frozen=True)
class Switches:
    """An object of named booleans; keys left out keep their defaults."""

    switches: tuple[Switch, ...]
    build: Callable[..., Any]

    def parse(self, value: Any) -> Any:
        keys = [switch.key for switch in self.switches]
        if not isinstance(value, Mapping):
            raise SettingError(_("must be an object {{{keys}}} of booleans", keys=", ".join(keys)))
        unknown = [k for k in value if k not in keys]
        if unknown:
            raise SettingError(
                _(
                    "has unknown keys {unknown}; known: {known}",
                    unknown=unknown,
                    known=", ".join(keys),
                )
            )
        chosen = {s.attribute: value.get(s.key, s.default) for s in self.switches}
        if not all(isinstance(v, bool) for v in chosen.values()):
            raise SettingError(_("values must be true or false"))
        return self.build(**chosen)

    def schema(self) -> dict[str, Json]:
        properties: dict[str, Json] = {
            s.key: {"type": "boolean", "default": s.default, "description": s.description}
            for s in self.switches
        }
        return {"type": "object", "properties": properties, "additionalProperties": False}

    def summary(self) -> str:
        keys = ", ".join(switch.key for switch in self.switches)
        return f"`{{{keys}}}` booleans"
