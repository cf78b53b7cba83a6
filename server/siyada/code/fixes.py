"""Whether a quick fix is provably local to the function it was proposed for.

A model can be steered by text in the code it reviews (prompt injection), so its
replacement is judged by what it does to the document, never by what it claims. A fix
is local when all of these hold:

- it replaces lines of the function's body only: never the signature (the lines up to
  the body's opening brace, or up to the colon of a Python `def`), never a line outside
  the function;
- every line it adds is indented at least as deep as the least indented line it replaces;
- it is at most 3 times as long as the lines it replaces, plus 10 lines;
- applied to the document, the parse changes inside the function's body only (tree-sitter's
  changed ranges), the function still starts and ends where it should, the document has
  as many top-level statements and parses no worse, and the function holds the same
  number of definitions (named functions, classes, types) and no more imports
  (`import`, `require(...)`, `use`, `#include`): a local fix never needs a new capability.

The document is re-parsed incrementally and only the function's subtree is searched, so
judging a fix costs about the same on a large file as on a small one. Anything that is
not local is shown without a fix. Pure: nothing here changes the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec, Node, Tree, count_tree_errors, encode_source
from siyada.code.text import split_lines

__all__ = [
    "MAX_GROWTH_FACTOR",
    "MAX_GROWTH_LINES",
    "fix_is_local",
    "fix_refusal",
    "parse_with_fix",
]

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

# What gives a name to a function or a type. Anonymous functions passed as values
# (callbacks, closures) are ordinary expressions a fix may well need.
_FUNCTION_VALUES: Final = "[(arrow_function) (function_expression) (generator_function) (class)]"
_DEFINITIONS_ECMASCRIPT: Final = f"""
[(function_declaration) (generator_function_declaration) (class_declaration)
 (method_definition)] @definition
(variable_declarator value: {_FUNCTION_VALUES}) @definition
(assignment_expression right: {_FUNCTION_VALUES}) @definition
"""
_DEFINITIONS: Final[dict[str, str]] = {
    "python": """
[(function_definition) (class_definition)] @definition
(assignment right: (lambda)) @definition
""",
    "javascript": _DEFINITIONS_ECMASCRIPT,
    "typescript": _DEFINITIONS_ECMASCRIPT + "(abstract_class_declaration) @definition",
    "tsx": _DEFINITIONS_ECMASCRIPT + "(abstract_class_declaration) @definition",
    "go": """
[(function_declaration) (method_declaration) (type_declaration)] @definition
(short_var_declaration right: (expression_list (func_literal))) @definition
(var_spec value: (expression_list (func_literal))) @definition
(assignment_statement right: (expression_list (func_literal))) @definition
""",
    "java": """
[(method_declaration) (constructor_declaration) (class_declaration) (interface_declaration)
 (enum_declaration) (record_declaration) (static_initializer)] @definition
(variable_declarator value: (lambda_expression)) @definition
""",
    "rust": """
[(function_item) (struct_item) (enum_item) (trait_item) (impl_item) (mod_item)
 (macro_definition)] @definition
(let_declaration value: (closure_expression)) @definition
""",
    "c": "(function_definition) @definition",
    "cpp": """
(function_definition) @definition
(class_specifier body: (_)) @definition
(struct_specifier body: (_)) @definition
(init_declarator value: (lambda_expression)) @definition
""",
}


@dataclass(frozen=True)
class _Contents:
    """What a fix must not change in the function."""

    definitions: int
    imports: int


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
    if not unit.start_line <= start_line <= end_line <= min(unit.end_line, len(lines) - 1):
        return "it replaces lines outside the function"
    replaced = lines[start_line : end_line + 1]
    bound = MAX_GROWTH_FACTOR * len(replaced) + MAX_GROWTH_LINES
    if len(new_lines) > bound:
        return f"it is {len(new_lines)} lines long, more than {bound} for {len(replaced)}"
    if _least_indent(new_lines) < _least_indent(replaced):
        return "it is indented less than the lines it replaces"
    before = tree if tree is not None else spec.parse(encode_source(text))
    function = _function_node(before.root_node, unit.start_line, unit.end_line)
    if function is None:
        return "the function's body was not found"
    first_body_row, last_body_row = _body_rows(function)
    if start_line < first_body_row or end_line > last_body_row:
        return "it replaces the function's signature or lines outside its body"
    edited, after = _reparse(spec, before, lines, start_line, end_line, new_lines)
    shift = len(new_lines) - len(replaced)
    for changed in edited.changed_ranges(after):
        if (
            changed.start_point.row < first_body_row
            or changed.end_point.row > last_body_row + shift
        ):
            return "it changes code outside the function's body"
    if after.root_node.named_child_count != before.root_node.named_child_count:
        return "it adds or removes a top-level statement"
    old = _contents(spec, before, (unit.start_line, unit.end_line))
    new = _contents(spec, after, (unit.start_line, unit.end_line + shift))
    if new.definitions != old.definitions:
        return "it adds or removes a definition"
    if new.imports > old.imports:
        return "it adds an import"
    if count_tree_errors(after) > count_tree_errors(before):
        return "the code would not parse as well as before"
    moved = _function_node(after.root_node, unit.start_line, unit.end_line + shift)
    if moved is None or (moved.type, moved.start_point.row) != (
        function.type,
        function.start_point.row,
    ):
        return "it moves the function's first or last line"
    return None


def parse_with_fix(
    spec: LanguageSpec,
    text: str,
    start_line: int,
    end_line: int,
    replacement: str,
    tree: Tree | None = None,
) -> Tree:
    """The parse of `text` with document lines start_line..end_line replaced by
    `replacement`: incremental from `tree` (the parse of `encode_source(text)`) when
    given. Its rows are those of the document with the fix applied."""
    before = tree if tree is not None else spec.parse(encode_source(text))
    lines = split_lines(text)
    return _reparse(spec, before, lines, start_line, end_line, replacement.split("\n"))[1]


def _reparse(
    spec: LanguageSpec,
    before: Tree,
    lines: list[str],
    start_line: int,
    end_line: int,
    new_lines: list[str],
) -> tuple[Tree, Tree]:
    """The tree of the document with the fix applied, parsed incrementally from a copy
    of `before`, and that copy (edited, for `changed_ranges`)."""
    start_byte = _byte_length("\n".join(lines[:start_line]) + "\n") if start_line else 0
    old_end_byte = start_byte + _byte_length("\n".join(lines[start_line : end_line + 1]))
    new_end_byte = start_byte + _byte_length("\n".join(new_lines))
    edited = before.copy()
    edited.edit(
        start_byte=start_byte,
        old_end_byte=old_end_byte,
        new_end_byte=new_end_byte,
        start_point=(start_line, 0),
        old_end_point=(end_line, _byte_length(lines[end_line])),
        new_end_point=(start_line + len(new_lines) - 1, _byte_length(new_lines[-1])),
    )
    new_text = "\n".join([*lines[:start_line], *new_lines, *lines[end_line + 1 :]])
    return edited, spec.parse(encode_source(new_text), old_tree=edited)


def _byte_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _contents(spec: LanguageSpec, tree: Tree, rows: tuple[int, int]) -> _Contents:
    """Definitions and imports that touch `rows` (the function's lines)."""
    root = tree.root_node
    definitions = len(spec.query_matches(_DEFINITIONS[spec.id], root, rows))
    query = _IMPORTS.get(spec.id)
    imports = len(spec.query_matches(query, root, rows)) if query else 0
    return _Contents(definitions, imports)


def _least_indent(lines: list[str]) -> int:
    indents = [_indent(line) for line in lines if line.strip()]
    return min(indents, default=1 << 30)


def _indent(line: str) -> int:
    expanded = line.expandtabs(_TAB_WIDTH)
    return len(expanded) - len(expanded.lstrip())


def _body_rows(function: Node) -> tuple[int, int]:
    """The first and last rows a fix of `function` may replace: after the line that
    opens the body (its `{`, or the `:` / `=>` before it), up to the body's last row."""
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
