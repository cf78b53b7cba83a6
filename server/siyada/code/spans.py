"""Where a found unit lies in the document's rows: from its decorators or attributes to
its last line, and the rows of its body that the unit around it leaves out."""

from __future__ import annotations

from siyada.code.languages import Node
from siyada.code.layout import Span
from siyada.code.queries import FUNCTION_NODES

__all__ = ["body_of", "body_start", "function_node", "last_row", "unit_span"]


def unit_span(
    node: Node, parent: int | None, label: str, attachments: frozenset[str], line_count: int
) -> Span:
    """The rows of the unit whose node is `node`, in a document of `line_count` lines.

    `parent` is the index of the nearest enclosing unit, `label` the name its
    placeholder gives in that unit's text.
    """
    last = line_count - 1
    start = min(_first_row(node, attachments), last)
    end = max(start, min(last_row(node), last))
    return Span(start, end, parent, _hidden_rows(node, start, end), label)


def last_row(node: Node) -> int:
    # A node that ends right after a newline does not own the next line.
    end_point = node.end_point
    if end_point.column == 0 and end_point.row > node.start_point.row:
        return end_point.row - 1
    return end_point.row


def _hidden_rows(node: Node, start: int, end: int) -> tuple[int, int] | None:
    """The rows of a unit's body that its outer unit leaves out, if any.

    A body that begins on a line of the signature (`{`, `=> expr`, `def f(): return (`)
    keeps that line; one that ends with `}` keeps its closing line, where the outer code
    may go on (`});`).
    """
    body = body_of(function_node(node))
    if body is None:
        return None
    first, last = body.start_point.row, last_row(body)
    before = body.prev_sibling
    if (before is not None and before.end_point.row == first) or first <= start:
        first += 1
    closing = body.child(body.child_count - 1) if body.child_count else None
    if closing is not None and closing.type == "}":
        last -= 1
    first, last = max(first, start + 1), min(last, end)
    return (first, last) if first <= last else None


def body_of(function: Node) -> Node | None:
    body = function.child_by_field_name("body")
    if body is None and function.type == "static_initializer":
        body = next((child for child in function.named_children if child.type == "block"), None)
    return body


def _first_row(node: Node, attachments: frozenset[str]) -> int:
    row = node.start_point.row
    if not attachments:
        return row
    sibling = node.prev_named_sibling
    while sibling is not None and sibling.type in attachments:
        row = sibling.start_point.row
        sibling = sibling.prev_named_sibling
    return row


def function_node(node: Node) -> Node:
    """The function inside a unit's node (`const f = () => {}` -> the arrow function)."""
    pending = [node]
    for _ in range(64):  # bounded breadth-first search, a few levels deep at most
        if not pending:
            break
        current = pending.pop(0)
        if current.type in FUNCTION_NODES:
            return current
        pending.extend(current.named_children)
    return node


def body_start(function: Node) -> int:
    """Where the body of `function` starts: what comes before it is the signature."""
    body = body_of(function)
    return body.start_byte if body is not None else function.end_byte
