"""What a `siyada check` run reviewed and what it did not, said in a few lines.

Nothing is left out silently: files skipped (by limits, .gitignore, ...), folders not
entered, functions beyond the per-file cap or too long for the model, and the lines
of code outside every function, which the model never sees.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from siyada.review.settings import Settings

# Skips that say something about one file, printed with its path as they happen;
# the others (hidden, .gitignore, other languages) are only counted.
_TOLD_PER_FILE = frozenset(
    {"too large", "binary", "minified", "unreadable", "not UTF-8", "not a regular file"}
)


@dataclass
class Tally:
    files: int = 0
    functions: int = 0
    cached: int = 0
    too_long: int = 0
    unanswered: int = 0  # the model's answer was unusable or cut off
    beyond_limit: int = 0
    lines_outside: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    folders_left_out: Counter[str] = field(default_factory=Counter)
    # With `--diff REF`: functions and files left out because they did not change.
    diff_ref: str | None = None
    unchanged: int = 0
    unchanged_files: int = 0

    def skip(self, path: Path, kind: str, reason: str) -> None:
        self.skipped[kind] += 1
        if kind in _TOLD_PER_FILE:
            detail = f": {reason}" if reason else f" ({kind})"
            print(f"siyada: skipped {path}{detail}", file=sys.stderr)

    def summary(self, settings: Settings) -> list[str]:
        skipped = sum(self.skipped.values())
        first = (
            f"Reviewed {_count(self.functions, 'function')} in {_count(self.files, 'file')} "
            f"({self.cached} cached); skipped {_count(skipped, 'file')}"
        )
        if skipped:
            first += ": " + _reasons(self.skipped, settings)
        second = f"{_count(self.lines_outside, 'line')} outside functions not reviewed"
        if self.beyond_limit:
            second += (
                f"; {_count(self.beyond_limit, 'function')} beyond "
                f"{settings.max_functions_per_file} per file not reviewed (maxFunctionsPerFile)"
            )
        if self.too_long:
            second += f"; {_count(self.too_long, 'function')} too long to review"
        if self.unanswered:
            second += f"; {_count(self.unanswered, 'function')} without a usable answer"
        lines = [first + ".", second + "."]
        if self.diff_ref is not None:
            lines.append(
                f"Unchanged since {self.diff_ref}, not reviewed: "
                f"{_count(self.unchanged, 'function')}, {_count(self.unchanged_files, 'file')}."
            )
        if self.folders_left_out:
            lines.append("Folders not entered: " + _reasons(self.folders_left_out, settings) + ".")
        return lines

    def nothing_changed(self) -> bool:
        """With `--diff`, whether no function was reviewed because none changed: a
        success, not a failure to review."""
        return (
            self.diff_ref is not None
            and (self.unchanged > 0 or self.unchanged_files > 0)
            and not (self.too_long or self.beyond_limit or self.unanswered)
        )

    def why_nothing(self) -> str:
        if self.files:
            if self.too_long or self.beyond_limit or self.unanswered:
                return "no function could be reviewed"
            return "the files hold no functions"
        if self.skipped:
            return "every file was skipped"
        return "no file in a language Siyada reviews was found"


def _reasons(counts: Counter[str], settings: Settings) -> str:
    return ", ".join(f"{n} {_label(kind, settings)}" for kind, n in counts.most_common())


def _label(kind: str, settings: Settings) -> str:
    if kind == "too large":
        return f"over {settings.max_file_kb} KB (maxFileKb)"
    if kind == "minified":
        return "minified or generated"
    return kind


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
