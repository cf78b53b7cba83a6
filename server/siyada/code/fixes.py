"""Whether a quick fix is provably local to the function it was proposed for.

A model can be steered by text in the code it reviews (prompt injection), so its
replacement is judged by what it does to the document, never by what it claims. A fix
is local when all of these hold:

- it replaces lines of the function's body only: never the signature (the lines up to
  the body's opening brace, or up to the colon of a Python `def`), never a line outside
  the function;
- every line it adds is indented at least as deep as the least indented line it replaces;
- it is at most 3 times as long as the lines it replaces, plus 10 lines;
- applied to the document, it parses no worse and leaves the same functions (names and kinds, in order), the
  same number of top-level statements, the function starting and ending where it should,
  and no more import statements (`import`, `require(...)`, `use`, `#include`) than before:
  a local fix never needs a new capability.

Anything else is shown without a fix. Pure: nothing here changes the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import LanguageSpec, Node, Tree, count_tree_errors, encode_source
from siyada.code.text import split_lines

__all__ = ["MAX_GROWTH_FACTOR", "MAX_GROWTH_LINES", "fix_is_local", "fix_refusal"]

MAX_GROWTH_FACTOR: Final = 3
MAX_GROWTH_LINES: Final = 10
_TAB_WIDTH: Final = 4

_IMPORTS_ECMASCRIPT: Final = """
(import_statement) @import
(call_expression function: (import)) @import
(call_expression function: (identifier) @callee (#eq? @callee "require")) @import
"""
_IMPORTS: Final[dict[str, str]] = {
    "python": "[(import_statement) (import_from_statement) (future_import_statement)] @import",
    "javascript": _IMPORTS_ECMASCRIPT,
    "typescript": _IMPORTS_ECMASCRIPT,
    "tsx": _IMPORTS_ECMASCRIPT,
    "go": "(import_declaration) @import",
    "rust": "[(use_declaration) (extern_crate_declaration)] @import",
    "java": "(import_declaration) @import",
    "c": "(preproc_include) @import",
    "cpp": "[(preproc_include) (using_declaration)] @import",
}


@dataclass(frozen=True)
class _Shape:
    """What a fix must not change in a document."""

    functions: list[FunctionUnit]
    top_level_statements: int
    imports: int
    syntax_errors: int


def fix_is_local(
    spec: LanguageSpec,
    text: str,
    unit: FunctionUnit,
    start_line: int,
    end_line: int,
    replacement: str,
    tree: Tree | None = None,
) -> bool:
    """True when replacing document lines start_line..end_line (0-based, inclusive) of
    `text` with `replacement` ("\\n"-separated lines) is provably local to `unit`."""
    return fix_refusal(spec, text, unit, start_line, end_line, replacement, tree) is None


def fix_refusal(
    spec: LanguageSpec,
    text: str,
    unit: FunctionUnit,
    start_line: int,
    end_line: int,
    replacement: str,
    tree: Tree | None = None,
) -> str | None:
    """Why the fix is not local (for the log), or None when it is.

    `tree` may be the parse of `encode_source(text)`, to save parsing it again.
    """
    lines = split_lines(text)
    new_lines = replacement.split("\n")
    inside = unit.start_line <= start_line <= end_line <= min(unit.end_line, len(lines) - 1)
    if not inside:
        return "it replaces lines outside the function"
    replaced = lines[start_line : end_line + 1]
    bound = MAX_GROWTH_FACTOR * len(replaced) + MAX_GROWTH_LINES
    if len(new_lines) > bound:
        return f"it is {len(new_lines)} lines long, more than {bound} for {len(replaced)}"
    if _least_indent(new_lines) < _least_indent(replaced):
        return "it is indented less than the lines it replaces"
    before_tree = tree if tree is not None else spec.parse(encode_source(text))
    body = _body_rows(before_tree.root_node, unit)
    if body is None:
        return "the function's body was not found"
    first_body_row, last_body_row = body
    if start_line < first_body_row or end_line > last_body_row:
        return "it replaces the function's signature or lines outside its body"
    new_text = "\n".join([*lines[:start_line], *new_lines, *lines[end_line + 1 :]])
    after_tree = spec.parse(encode_source(new_text))
    before = _shape(spec, text, before_tree)
    after = _shape(spec, new_text, after_tree)
    return _structural_change(before, after, unit, len(new_lines) - len(replaced))


def _least_indent(lines: list[str]) -> int:
    indents = [
        len(line.expandtabs(_TAB_WIDTH)) - len(line.expandtabs(_TAB_WIDTH).lstrip())
        for line in lines
        if line.strip()
    ]
    return min(indents, default=1 << 30)


def _shape(spec: LanguageSpec, text: str, tree: Tree) -> _Shape:
    root = tree.root_node
    query = _IMPORTS.get(spec.id)
    imports = len(spec.query_matches(query, root)) if query else 0
    functions = extract_functions(spec, text, tree)
    return _Shape(functions, root.named_child_count, imports, count_tree_errors(tree))


def _structural_change(before: _Shape, after: _Shape, unit: FunctionUnit, shift: int) -> str | None:
    if after.syntax_errors > before.syntax_errors:
        return "the code would not parse as well as before"
    if after.top_level_statements != before.top_level_statements:
        return "it adds or removes a top-level statement"
    if [(u.name, u.kind) for u in after.functions] != [(u.name, u.kind) for u in before.functions]:
        return "it adds, removes or renames a definition"
    if after.imports > before.imports:
        return "it adds an import"
    index = next(
        (
            i
            for i, u in enumerate(before.functions)
            if u.start_line == unit.start_line and u.name == unit.name
        ),
        None,
    )
    if index is None:
        return "the function is not in the document"
    moved = after.functions[index]
    if moved.start_line != unit.start_line or moved.end_line != unit.end_line + shift:
        return "it moves the function's first or last line"
    return None


def _body_rows(root: Node, unit: FunctionUnit) -> tuple[int, int] | None:
    """The first and last rows a fix of `unit` may replace: after the line that opens
    the body (its `{`, or the `:` / `=>` before it), up to the body's last row."""
    function = _function_node(root, unit.start_line, unit.end_line)
    if function is None:
        return None
    body = function.child_by_field_name("body")
    assert body is not None
    first = body.child(0)
    opening = first if first is not None and first.type == "{" else body.prev_sibling
    signature_end = opening.end_point.row if opening is not None else body.start_point.row
    return signature_end + 1, body.end_point.row


def _function_node(root: Node, first_row: int, last_row: int) -> Node | None:
    """The outermost node with a body that lies within rows first..last and ends on the
    last: the function itself (decorators and a declaration around it may start
    earlier; a lambda in a decorator ends earlier)."""
    pending = [root]
    while pending:
        node = pending.pop()
        start, end = node.start_point, node.end_point
        if end.row < first_row or start.row > last_row:
            continue
        ends_last = end.row == last_row or (end.row == last_row + 1 and end.column == 0)
        if start.row >= first_row and ends_last and node.child_by_field_name("body") is not None:
            return node
        pending.extend(reversed(node.children))
    return None
