"""What a conversation is about: one finding in its function, or one function.

A conversation about a finding is named by the finding's feedback fingerprint (the
function's hash, the category and the evidence with its whitespace collapsed), so asking about
the same finding again continues the same conversation; one about a function is named
by the document and the function's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from siyada.code.functions import FunctionUnit
from siyada.feedback.fingerprint import finding_key

FINDING_PREFIX = "finding:"
FUNCTION_PREFIX = "function:"


@dataclass(frozen=True)
class AskedFinding:
    """The finding a conversation starts from, as it was shown."""

    title: str
    explanation: str
    category: str
    severity: str
    evidence: str
    start_line: int  # document lines, 0-based, inclusive, when the question was asked
    end_line: int
    evidence_lines: tuple[str, ...]


@dataclass(frozen=True)
class Subject:
    """A function (and maybe a finding in it) as the document had it when asked."""

    uri: str
    language: str
    function: str  # the qualified name, as the code model gives it
    function_hash: str
    code: str  # the function's document lines, nested functions included
    start_line: int
    end_line: int
    finding: AskedFinding | None = None

    @property
    def conversation_id(self) -> str:
        if self.finding is None:
            return f"{FUNCTION_PREFIX}{self.uri}#{self.function}"
        return FINDING_PREFIX + finding_fingerprint(
            self.function_hash, self.finding.category, self.finding.evidence
        )


def subject_of(
    uri: str,
    language: str,
    unit: FunctionUnit,
    lines: list[str],
    finding: AskedFinding | None = None,
) -> Subject:
    code = "\n".join(lines[unit.start_line : unit.end_line + 1])
    return Subject(
        uri=uri,
        language=language,
        function=unit.name,
        function_hash=unit.hash,
        code=code,
        start_line=unit.start_line,
        end_line=unit.end_line,
        finding=finding,
    )


def finding_fingerprint(function_hash: str, category: str, evidence: str) -> str:
    """The finding's feedback fingerprint (`siyada.feedback.fingerprint`), so a
    conversation and a dismissal name a finding alike; re-indentation does not change
    it. The fingerprint leaves out the path and the function's name."""
    key = finding_key(
        path="", function="", function_hash=function_hash, category=category, evidence=evidence
    )
    return key.fingerprint


def unit_at(units: list[FunctionUnit], line: int) -> FunctionUnit | None:
    """The innermost function whose lines hold `line`."""
    holding = [unit for unit in units if unit.start_line <= line <= unit.end_line]
    return min(holding, key=lambda unit: unit.end_line - unit.start_line, default=None)


def unit_named(units: list[FunctionUnit], name: str) -> FunctionUnit | None:
    return next((unit for unit in units if unit.name == name), None)
