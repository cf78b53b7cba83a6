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
from typing import Final

from siyada.i18n import N_, _, ngettext
from siyada.review.settings import Settings

# Skips that say something about one file, printed with its path as they happen;
# the others (hidden, .gitignore, other languages) are only counted.
_TOLD_PER_FILE = frozenset(
    {"too large", "binary", "minified", "unreadable", "not UTF-8", "not a regular file"}
)
# How the summary words the kinds of skip that are fixed words (others, such as a
# package folder's name, are shown as they are).
_KIND_WORDS: Final = {
    "binary": N_("binary"),
    "unreadable": N_("unreadable"),
    "not UTF-8": N_("not UTF-8"),
    "not a regular file": N_("not a regular file"),
    "hidden": N_("hidden"),
    "ignored by git": N_("ignored by git"),
    "listed in .gitignore": N_("listed in .gitignore"),
    "virtual environment": N_("virtual environment"),
    "symlinked (not followed)": N_("symlinked (not followed)"),
    "not in a language Siyada reviews": N_("not in a language Siyada reviews"),
    "excluded by the repository's settings": N_("excluded by the repository's settings"),
}


@dataclass
class Tally:
    files: int = 0
    functions: int = 0
    cached: int = 0
    too_long: int = 0
    unanswered: int = 0  # the model's answer was unusable or cut off
    dismissed: int = 0  # findings hidden because a user dismissed them
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
            if reason:
                skipped = _("skipped {path}: {reason}", path=path, reason=reason)
            else:
                skipped = _("skipped {path} ({kind})", path=path, kind=_kind_word(kind))
            print(f"siyada: {skipped}", file=sys.stderr)

    def summary(self, settings: Settings) -> list[str]:
        skipped = sum(self.skipped.values())
        first = _(
            "Reviewed {functions} in {files} ({cached} cached); skipped {skipped}",
            functions=_functions(self.functions),
            files=_files(self.files),
            cached=self.cached,
            skipped=_files(skipped),
        )
        if skipped:
            first = _(
                "{summary}: {reasons}", summary=first, reasons=_reasons(self.skipped, settings)
            )
        clauses = [
            ngettext(
                "{count} line outside functions not reviewed",
                "{count} lines outside functions not reviewed",
                self.lines_outside,
                count=f"{self.lines_outside:,}",
            )
        ]
        if self.beyond_limit:
            clauses.append(
                _(
                    "{functions} beyond {limit} per file not reviewed (maxFunctionsPerFile)",
                    functions=_functions(self.beyond_limit),
                    limit=settings.max_functions_per_file,
                )
            )
        if self.too_long:
            clauses.append(_("{functions} too long to review", functions=_functions(self.too_long)))
        if self.unanswered:
            clauses.append(
                _("{functions} without a usable answer", functions=_functions(self.unanswered))
            )
        if self.dismissed:
            clauses.append(
                ngettext(
                    "{count} dismissed finding hidden (siyada feedback list)",
                    "{count} dismissed findings hidden (siyada feedback list)",
                    self.dismissed,
                    count=self.dismissed,
                )
            )
        lines = [_("{sentence}.", sentence=first), _("{sentence}.", sentence=_("; ").join(clauses))]
        if self.diff_ref is not None:
            lines.append(
                _(
                    "Unchanged since {ref}, not reviewed: {functions}, {files}.",
                    ref=self.diff_ref,
                    functions=_functions(self.unchanged),
                    files=_files(self.unchanged_files),
                )
            )
        if self.folders_left_out:
            reasons = _reasons(self.folders_left_out, settings)
            lines.append(_("Folders not entered: {reasons}.", reasons=reasons))
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
                return _("no function could be reviewed")
            return _("the files hold no functions")
        if self.skipped:
            return _("every file was skipped")
        return _("no file in a language Siyada reviews was found")


def _reasons(counts: Counter[str], settings: Settings) -> str:
    return _(", ").join(
        _("{count} {reason}", count=n, reason=_label(kind, settings))
        for kind, n in counts.most_common()
    )


def _label(kind: str, settings: Settings) -> str:
    if kind == "too large":
        return _("over {size} KB (maxFileKb)", size=settings.max_file_kb)
    if kind == "minified":
        return _("minified or generated")
    return _kind_word(kind)


def _kind_word(kind: str) -> str:
    word = _KIND_WORDS.get(kind)
    return kind if word is None else _(word)


def _functions(count: int) -> str:
    return ngettext("{count} function", "{count} functions", count, count=f"{count:,}")


def _files(count: int) -> str:
    return ngettext("{count} file", "{count} files", count, count=f"{count:,}")
