"""What reviews did, in words: one log line per function review, and the summary of a
file reviewed on demand. Never the code: names and counts only."""

from __future__ import annotations

from dataclasses import dataclass

from siyada.code.functions import FunctionUnit
from siyada.i18n import _, ngettext
from siyada.review.engine import Reviewed


@dataclass(frozen=True)
class ReviewRecord:
    """One function's review: its findings count, and the model's time (None when
    the answer cache gave it)."""

    file: str
    function: str
    findings: int
    model_seconds: float | None

    @classmethod
    def of(cls, uri: str, unit: FunctionUnit, reviewed: Reviewed) -> ReviewRecord:
        return cls(file_name(uri), unit.name, len(reviewed.findings), reviewed.model_seconds)

    def line(self) -> str:
        how = "cached" if self.model_seconds is None else f"model {self.model_seconds:.1f} s"
        return f"Reviewed {self.function} in {self.file}: {_findings(self.findings)} ({how})"


@dataclass(frozen=True)
class FileReview:
    """A file reviewed on demand: its functions (within `maxFunctionsPerFile`), the
    findings shown once the reviews ended, how many functions were answered without
    the model, and how many got no answer (the model failed, or they were skipped)."""

    file: str
    functions: int
    findings: int
    cached: int
    unanswered: int = 0
    not_reviewed: str | None = None  # why the file is not reviewed at all

    @property
    def complete(self) -> bool:
        return self.not_reviewed is None and self.unanswered == 0

    def message(self) -> str:
        if self.not_reviewed is not None:
            return _(
                "Siyada does not review {file}: {reason}.", file=self.file, reason=self.not_reviewed
            )
        if self.functions == 0:
            return _("No functions to review in {file}.", file=self.file)
        parts = [self._found()]
        answered = self.functions - self.unanswered
        if self.cached and self.cached == answered == self.functions:
            parts.append(_(" (all cached)"))
        elif self.cached:
            parts.append(_(" ({count} cached)", count=self.cached))
        if self.unanswered:
            parts.append(
                _("; {count} not reviewed (see the status and the log)", count=self.unanswered)
            )
        return _("{sentence}.", sentence="".join(parts))

    def _found(self) -> str:
        functions = ngettext("{count} function", "{count} functions", self.functions)
        if self.findings == 0:
            return _("No findings in {functions} of {file}", functions=functions, file=self.file)
        return ngettext(
            "{count} finding in {functions} of {file}",
            "{count} findings in {functions} of {file}",
            self.findings,
            functions=functions,
            file=self.file,
        )


def file_name(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def _findings(count: int) -> str:
    if count == 0:
        return "no findings"
    return f"{count} finding" + ("" if count == 1 else "s")
