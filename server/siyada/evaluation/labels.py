"""A labeled corpus: source files plus `labels.json`, saying which functions have which
known problems and which are clean.

    {"cases": [
      {"file": "python/orders.py", "function": "OrderStore.find",
       "problems": [{"category": "security", "lines": [14, 15],
                     "fix_contains": ["execute(", "?"]}]},
      {"file": "python/orders.py", "function": "OrderStore.add", "problems": []}
    ]}

`function` is the qualified name Siyada's extraction gives; `lines` are 1-based and
inclusive, in the file. Every label is checked against the code before anything is
reviewed: a mistake is a `LabelError` naming the case, never a silently wrong score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec, language_for
from siyada.review.findings import CATEGORIES
from siyada.review.pipeline import document_units
from siyada.review.settings import Settings

LABELS_FILE: Final = "labels.json"
_CASE_KEYS: Final = frozenset({"file", "function", "problems"})
_PROBLEM_KEYS: Final = frozenset({"category", "lines", "fix_contains"})
# Shown at most, so a wholly wrong labels.json does not flood the terminal.
_ERRORS_SHOWN: Final = 20


class LabelError(Exception):
    """The corpus cannot be used; the message names every case that is wrong."""


@dataclass(frozen=True)
class Problem:
    """A known problem: its category and its lines (1-based, inclusive, in the file)."""

    category: str
    first_line: int
    last_line: int
    fix_contains: tuple[str, ...] = ()

    def overlaps(self, first_line: int, last_line: int) -> bool:
        return first_line <= self.last_line and self.first_line <= last_line


@dataclass(frozen=True)
class Document:
    """A corpus file as the engine sees it."""

    path: Path
    spec: LanguageSpec
    text: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """One labeled function; no problems means a clean function."""

    file: str
    function: str
    document: Document
    unit: FunctionUnit
    problems: tuple[Problem, ...]

    @property
    def language(self) -> str:
        return self.document.spec.id

    @property
    def is_clean(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Corpus:
    folder: Path
    cases: tuple[Case, ...]

    @property
    def problems(self) -> int:
        return sum(len(case.problems) for case in self.cases)

    @property
    def clean(self) -> int:
        return sum(1 for case in self.cases if case.is_clean)


def load_corpus(folder: Path, settings: Settings) -> Corpus:
    """The corpus in `folder`, every label checked against the code; raises LabelError."""
    labels_path = folder / LABELS_FILE
    try:
        raw = json.loads(labels_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelError(f"{labels_path} does not exist: a corpus needs one") from None
    except (OSError, UnicodeDecodeError) as error:
        raise LabelError(f"{labels_path} cannot be read: {error}") from None
    except json.JSONDecodeError as error:
        raise LabelError(f"{labels_path} is not valid JSON: {error}") from None
    if not isinstance(raw, dict) or set(raw) != {"cases"} or not isinstance(raw["cases"], list):
        raise LabelError(f'{labels_path} must be an object {{"cases": [...]}}')
    reader = _Reader(folder, settings)
    cases: list[Case] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for number, entry in enumerate(raw["cases"], start=1):
        try:
            case = reader.case(entry)
        except _BadLabel as bad:
            errors.append(f"case {number}{_named(entry)}: {bad}")
            continue
        first = seen.setdefault((case.file, case.function), number)
        if first != number:
            errors.append(f"case {number}{_named(entry)}: the same function as case {first}")
            continue
        cases.append(case)
    if errors:
        more = len(errors) - _ERRORS_SHOWN
        listed = errors[:_ERRORS_SHOWN] + ([f"... and {more} more"] if more > 0 else [])
        raise LabelError(f"{labels_path} has bad labels:\n  " + "\n  ".join(listed))
    if not cases:
        raise LabelError(f"{labels_path} has no cases")
    return Corpus(folder, tuple(cases))


class _BadLabel(Exception):
    pass


def _named(entry: object) -> str:
    """` (file function)` for an error message, as far as the entry says."""
    if not isinstance(entry, dict):
        return ""
    parts = [str(entry[key]) for key in ("file", "function") if isinstance(entry.get(key), str)]
    return f" ({' '.join(parts)})" if parts else ""


class _Reader:
    """Reads cases, each corpus file read and split into functions once."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self._folder = folder
        self._settings = settings
        self._files: dict[str, tuple[Document, dict[str, FunctionUnit]]] = {}

    def case(self, entry: object) -> Case:
        if not isinstance(entry, dict):
            raise _BadLabel("a case must be an object with file, function and problems")
        _no_unknown_keys(entry, _CASE_KEYS, "case")
        file, function = entry.get("file"), entry.get("function")
        if not isinstance(file, str) or not file:
            raise _BadLabel("file must be a path relative to the corpus folder")
        if not isinstance(function, str) or not function:
            raise _BadLabel("function must be the qualified name of a function in the file")
        problems = entry.get("problems")
        if not isinstance(problems, list):
            raise _BadLabel("problems must be a list ([] for a clean function)")
        document, units = self._document(file)
        unit = units.get(function)
        if unit is None:
            known = ", ".join(sorted(units)) or "none"
            raise _BadLabel(f"no function {function!r} in {file} (its functions: {known})")
        found = tuple(_problem(item, unit) for item in problems)
        return Case(file, function, document, unit, found)

    def _document(self, file: str) -> tuple[Document, dict[str, FunctionUnit]]:
        known = self._files.get(file)
        if known is None:
            known = self._files[file] = self._read(file)
        return known

    def _read(self, file: str) -> tuple[Document, dict[str, FunctionUnit]]:
        relative = PurePosixPath(file)
        if relative.is_absolute() or ".." in relative.parts:
            raise _BadLabel(f"file {file!r} must be a path inside the corpus folder")
        path = self._folder / relative
        spec = language_for(None, path.name)
        if spec is None:
            raise _BadLabel(f"{file} is not in a language Siyada reviews")
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise _BadLabel(f"{file} does not exist in the corpus") from None
        except (OSError, UnicodeDecodeError) as error:
            raise _BadLabel(f"{file} cannot be read: {error}") from None
        prepared = document_units(spec, text, self._settings)
        if prepared.not_reviewed is not None:
            raise _BadLabel(f"{file} would not be reviewed: {prepared.not_reviewed.reason}")
        document = Document(path, spec, text, tuple(prepared.lines))
        return document, {unit.name: unit for unit in prepared.units}


def _no_unknown_keys(entry: dict[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise _BadLabel(f"unknown key {unknown[0]!r} in a {what} (allowed: {sorted(allowed)})")


def _problem(item: object, unit: FunctionUnit) -> Problem:
    if not isinstance(item, dict):
        raise _BadLabel("a problem must be an object with category and lines")
    _no_unknown_keys(item, _PROBLEM_KEYS, "problem")
    category = item.get("category")
    if category not in CATEGORIES:
        raise _BadLabel(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
    lines = item.get("lines")
    if not (
        isinstance(lines, list)
        and len(lines) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in lines)
        and 1 <= lines[0] <= lines[1]
    ):
        raise _BadLabel(f"lines must be [first, last], 1-based with first <= last, not {lines!r}")
    first, last = unit.start_line + 1, unit.end_line + 1
    if not first <= lines[0] <= lines[1] <= last:
        raise _BadLabel(
            f"lines {lines[0]}-{lines[1]} are outside {unit.name} (lines {first}-{last})"
        )
    own = {unit.document_line(n) for n in range(unit.text.count("\n") + 1)}
    if not all(line - 1 in own for line in range(lines[0], lines[1] + 1)):
        raise _BadLabel(
            f"lines {lines[0]}-{lines[1]} include lines of a function nested in {unit.name}; "
            "label that function instead"
        )
    fix_contains = item.get("fix_contains", [])
    if not isinstance(fix_contains, list) or not all(
        isinstance(text, str) and text for text in fix_contains
    ):
        raise _BadLabel("fix_contains must be a list of non-empty strings")
    return Problem(str(category), lines[0], lines[1], tuple(fix_contains))
