"""Where a code block of an answer goes when the user applies it, validated like a
quick fix.

A block that is one whole function with the conversation's function's name replaces
that function; otherwise, in a conversation about a finding, it replaces the finding's
evidence lines, where `siyada.code.fixes` must find it provably local to the function
(as a quick fix). Anything else is refused with the reason, in words for the user (the
checks' own reasons, from `siyada.code.fixes`, stay in English as they are logged).
"""

from __future__ import annotations

from dataclasses import dataclass

from siyada.ask.subject import AskedFinding
from siyada.code.fixes import fix_refusal, parse_with_fix
from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import LanguageSpec, Tree, count_tree_errors, encode_source
from siyada.code.text import split_lines
from siyada.i18n import _
from siyada.review.anchor import reindent


@dataclass(frozen=True)
class Replacement:
    """Document lines start_line..end_line (0-based, inclusive) replaced by `text`
    ("\\n"-separated lines)."""

    start_line: int
    end_line: int
    text: str
    whole_function: bool


@dataclass(frozen=True)
class Refusal:
    reason: str


def plan_apply(
    spec: LanguageSpec,
    text: str,
    tree: Tree | None,
    unit: FunctionUnit,
    finding: AskedFinding | None,
    code: str,
) -> Replacement | Refusal:
    """Where `code` goes in `text` (whose function is `unit` now), or why it cannot."""
    lines = split_lines(text)
    code = _unfenced(code)
    if not code.strip():
        return Refusal(_("The code block is empty."))
    if _is_whole_function(spec, code, unit.name):
        own = lines[unit.start_line : unit.end_line + 1]
        replacement = reindent(code, own)
        reason = _function_refusal(spec, text, tree, unit, replacement)
        if reason is not None:
            return Refusal(
                _("The code cannot replace {name}: {reason}.", name=unit.name, reason=reason)
            )
        return Replacement(unit.start_line, unit.end_line, replacement, whole_function=True)
    if finding is None:
        return Refusal(
            _(
                "The code block is not the whole function {name}, and the conversation "
                "is about no finding whose lines it could replace.",
                name=unit.name,
            )
        )
    found = locate_evidence(lines, finding, unit)
    if found is None:
        return Refusal(_("The finding's lines are no longer in the function."))
    start, end = found
    replacement = reindent(code, lines[start : end + 1])
    if replacement.split("\n") == lines[start : end + 1]:
        return Refusal(_("The code block is the same as the finding's lines."))
    reason = fix_refusal(spec, text, unit, start, end, replacement, tree)
    if reason is not None:
        return Refusal(_("The code cannot replace the finding's lines: {reason}.", reason=reason))
    return Replacement(start, end, replacement, whole_function=False)


def _unfenced(code: str) -> str:
    """The code inside a Markdown fence when the block is one, blank edge lines dropped
    (`reindent` with no lines to match changes nothing else)."""
    return reindent(code, [])


def locate_evidence(
    lines: list[str], finding: AskedFinding, unit: FunctionUnit
) -> tuple[int, int] | None:
    """The finding's lines in the document now: where they were, or else the one place
    inside the function where the same lines stand."""
    wanted = list(finding.evidence_lines)
    size = len(wanted)
    if lines[finding.start_line : finding.end_line + 1] == wanted:
        return finding.start_line, finding.end_line
    starts = [
        start
        for start in range(unit.start_line, unit.end_line - size + 2)
        if lines[start : start + size] == wanted
    ]
    return (starts[0], starts[0] + size - 1) if len(starts) == 1 else None


def _short_name(name: str) -> str:
    return name.split("#", 1)[0].rsplit(".", 1)[-1]


def _is_whole_function(spec: LanguageSpec, code: str, name: str) -> bool:
    """Whether `code` is one function, nothing before or after it, named as `name`."""
    code_lines = split_lines(code)
    filled = [row for row, line in enumerate(code_lines) if line.strip()]
    if not filled:
        return False
    units = extract_functions(spec, "\n".join(code_lines))
    outermost = [
        unit
        for unit in units
        if not any(
            other is not unit
            and other.start_line <= unit.start_line
            and unit.end_line <= other.end_line
            for other in units
        )
    ]
    if len(outermost) != 1:
        return False
    (unit,) = outermost
    spans_all = unit.start_line <= filled[0] and unit.end_line >= filled[-1]
    return spans_all and _short_name(unit.name) == _short_name(name)


def _function_refusal(
    spec: LanguageSpec, text: str, tree: Tree | None, unit: FunctionUnit, replacement: str
) -> str | None:
    before = tree if tree is not None else spec.parse(encode_source(text))
    after = parse_with_fix(spec, text, unit.start_line, unit.end_line, replacement, before)
    if count_tree_errors(after) > count_tree_errors(before):
        return "the code would not parse as well as before"
    if after.root_node.named_child_count != before.root_node.named_child_count:
        return "it adds or removes a top-level statement"
    lines = split_lines(text)
    new_text = "\n".join(
        [*lines[: unit.start_line], *replacement.split("\n"), *lines[unit.end_line + 1 :]]
    )
    renamed = not any(
        other.name == unit.name and other.start_line == unit.start_line
        for other in extract_functions(spec, new_text)
    )
    return "it renames or moves the function" if renamed else None
