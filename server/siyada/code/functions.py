"""Split a document into functions, the unit of review.

One tree-sitter query per language finds the function nodes ("units"), the function
values that may become units ("values": callbacks, lambdas, IIFEs), and the named
containers that qualify their names ("scopes": classes, impls, namespaces). The query
runs in C; Python only sees the matches, then nests them by byte range with a stack,
so the cost grows with the number of functions, not with the size of the tree.

A function value becomes a unit when it spans at least `MIN_VALUE_LINES` lines, or
`MIN_NESTED_VALUE_LINES` inside another unit (a Go `name := func...` always does, as a
named function would); smaller ones stay in the text of the unit around them, which
reviews them with their context. A unit's text leaves out the bodies of the units nested
in it (see `layout.py`), so every line of the document is reviewed by one unit.

Lines come from the tree's rows and text from `split_lines` of the document, never
from byte columns, so non-ASCII text and CRLF documents need no special care.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from siyada.code.languages import (
    LanguageSpec,
    Node,
    Tree,
    encode_source,
    top_level_nodes,
)
from siyada.code.layout import LaidOut, Run, Span, lay_out
from siyada.code.naming import (
    clean,
    cpp_declarator_name,
    disambiguated,
    is_function_declarator,
    node_text,
    type_name,
    value_name,
)
from siyada.code.queries import FUNCTION_NODES, RULES, Rules
from siyada.code.text import split_lines

__all__ = [
    "MIN_NESTED_VALUE_LINES",
    "MIN_VALUE_LINES",
    "Extraction",
    "FunctionUnit",
    "RowChange",
    "extract_functions",
    "lines_outside_units",
    "unit_hash",
    "update_functions",
]

# An anonymous function value spanning fewer lines is reviewed as part of its
# surroundings: a one-line callback is not worth a request of its own.
MIN_VALUE_LINES = 3
# Inside a unit, a callback is reviewed with the function around it unless it is long
# enough to deserve its own request (an Express handler inside `setupRoutes`).
MIN_NESTED_VALUE_LINES = 8


@dataclass(frozen=True)
class FunctionUnit:
    """One function of a document.

    `name` is qualified ("Class.method", "outer.inner") and unique in the document
    (a repeated name gets "#2", "#3"...); `start_line` and `end_line` (0-based,
    inclusive) bound the whole function, nested functions included. `text`, what is
    reviewed and hashed, is those lines except the bodies of nested units, each shown
    as its signature and a one-line placeholder. `runs` maps text lines to document
    lines: (first text line, first document line, count) for each stretch of the
    unit's own lines; None means the text is exactly lines start_line..end_line.
    """

    name: str
    kind: str
    start_line: int
    end_line: int
    text: str
    hash: str
    runs: tuple[tuple[int, int, int], ...] | None = None

    def document_line(self, text_line: int) -> int | None:
        """The document line of line `text_line` of `text`; None for a placeholder or
        a line of a nested unit shown as context (it is not this unit's to review)."""
        if self.runs is None:
            span = self.end_line - self.start_line
            return self.start_line + text_line if 0 <= text_line <= span else None
        at = bisect.bisect_right(self.runs, text_line, key=lambda run: run[0]) - 1
        if at < 0:
            return None
        text0, doc0, count = self.runs[at]
        return doc0 + text_line - text0 if text_line < text0 + count else None

    def document_range(self, first: int, last: int) -> tuple[int, int] | None:
        """Document lines of text lines first..last, when every one of them is this
        unit's own and they are consecutive in the document; else None."""
        start = self.document_line(first)
        if start is None or last < first:
            return None
        for offset in range(1, last - first + 1):
            if self.document_line(first + offset) != start + offset:
                return None
        return start, start + last - first


def unit_hash(language_id: str, text: str) -> str:
    """Content key of a unit: the same text in the same language gives the same hash."""
    data = f"{language_id}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


def lines_outside_units(units: Sequence[FunctionUnit], lines: Sequence[str]) -> int:
    """Non-blank lines of a document (`split_lines`) that belong to no unit: code the
    model never sees. Blank lines hold no code, so they are not counted."""
    covered = {row for unit in units for row in range(unit.start_line, unit.end_line + 1)}
    return sum(1 for row, line in enumerate(lines) if line.strip() and row not in covered)


@dataclass(frozen=True, slots=True)
class _Item:
    """A unit or scope found by the query, before its name is qualified."""

    node: Node
    is_unit: bool
    kind: str
    name: str
    # For a function value that is not always a unit: the lines it spans.
    value_lines: int | None = None


@dataclass(frozen=True, slots=True)
class _Found:
    """A unit with its qualified name and where it nests."""

    item: _Item
    name: str
    own_name: str
    kind: str
    parent: int | None


def extract_functions(
    spec: LanguageSpec, text: str, tree: Tree | None = None
) -> list[FunctionUnit]:
    """The functions of `text`, in document order.

    `tree` may be the document's current parse (of `encode_source(text)`, or of the
    UTF-8 text when it has no lone \\r). Code with syntax errors yields whatever
    functions the parser could still recognise.
    """
    if tree is None or _has_lone_cr(text):
        tree = spec.parse(encode_source(text))
    return update_functions(spec, text, tree).units


# A change of the document since the last extraction, in rows: (first row, its last row
# before the change, its last row after). Rows after it moved by the difference.
RowChange = tuple[int, int, int]


class _Local(NamedTuple):
    """A unit of one block before its name is made unique; rows relative to the block.
    (A named tuple: one is made per function on every full extraction.)"""

    name: str
    kind: str
    start: int
    end: int
    text: str
    hash: str
    runs: tuple[tuple[int, int, int], ...]
    own_lines: int


class _Block:
    """Top-level nodes of the tree that share rows (or an attribute and what it
    decorates), and the rows up to the next block. Its units depend on its rows alone,
    so a change elsewhere leaves them as they are, moved by the rows added or removed
    above."""

    __slots__ = ("_built", "_built_first", "_built_names", "first", "last", "units")

    def __init__(self, first: int, last: int, units: tuple[_Local, ...]) -> None:
        self.first, self.last, self.units = first, last, units
        self._built: list[FunctionUnit] = []
        self._built_first = -1
        self._built_names: Sequence[str] = ()

    def moved(self, rows: int) -> _Block:
        return self if rows == 0 else _Block(self.first + rows, self.last + rows, self.units)

    def function_units(self, language_id: str, names: Sequence[str]) -> list[FunctionUnit]:
        """Its units, named `names` (one per unit), reused while rows and names hold."""
        if self._built_first == self.first and self._built_names == names:
            return self._built
        shift = self.first
        units = [
            FunctionUnit(
                name,
                local.kind,
                local.start + shift,
                local.end + shift,
                local.text,
                local.hash,
                _moved_runs(local.runs, shift),
            )
            for local, name in zip(self.units, names, strict=True)
            # A unit whose every line belongs to units inside it has nothing to review.
            if local.own_lines
        ]
        # Decorators can move a start line earlier than an outer unit's start on the
        # same line; a stable sort keeps the outer unit first.
        units.sort(key=lambda unit: unit.start_line)
        self._built, self._built_first, self._built_names = units, self.first, names
        return units


@dataclass(frozen=True)
class Extraction:
    """The functions of a document, with what it takes to update them after edits."""

    units: list[FunctionUnit]
    blocks: tuple[_Block, ...]
    # Qualified names in document order, and the unique names given to them.
    names: list[str] = field(default_factory=list)
    unique_names: list[str] = field(default_factory=list)


def update_functions(
    spec: LanguageSpec,
    text: str,
    tree: Tree,
    previous: Extraction | None = None,
    changes: Sequence[RowChange] | None = None,
    lines: list[str] | None = None,
) -> Extraction:
    """The functions of `text`, whose parse is `tree` (of `encode_source(text)`).

    With the `previous` extraction and every change since (the edits, and the rows
    `Tree.changed_ranges` reported), only the rows the changes touched are walked
    again; the other units are reused. The result is the same as a full extraction.
    `lines` may be the text's `split_lines`, when the caller has them.
    """
    rules = RULES.get(spec.id)
    if rules is None:
        return Extraction([], ())
    if lines is None:
        lines = split_lines(text)
    kept = [] if previous is None or changes is None else _kept_blocks(previous.blocks, changes)
    blocks = _fill_gaps(spec, rules, tree.root_node, lines, kept)
    if blocks is None:  # the tree changed in a way the kept blocks cannot follow
        blocks = _fill_gaps(spec, rules, tree.root_node, lines, [])
        assert blocks is not None
    names = [local.name for block in blocks for local in block.units]
    # Which name gets "#2" depends on every name before it; mostly none changed.
    if previous is not None and previous.names == names:
        unique = previous.unique_names
    else:
        unique = disambiguated(names)
    units: list[FunctionUnit] = []
    at = 0
    for block in blocks:
        count = len(block.units)
        units.extend(block.function_units(spec.id, unique[at : at + count]))
        at += count
    return Extraction(units, tuple(blocks), names, unique)


def _kept_blocks(blocks: Sequence[_Block], changes: Sequence[RowChange]) -> list[_Block]:
    """The blocks no change touched (nor a row next to them), at their rows now."""
    firsts = [block.first for block in blocks]
    lasts = [block.last for block in blocks]
    kept = list(blocks)
    for first, old_last, new_last in changes:
        low = bisect.bisect_left(lasts, first - 1)
        high = bisect.bisect_right(firsts, old_last + 1)
        del firsts[low:high], lasts[low:high], kept[low:high]
        if (moved := new_last - old_last) != 0:
            for index in range(low, len(firsts)):
                firsts[index] += moved
                lasts[index] += moved
    return [block.moved(first - block.first) for block, first in zip(kept, firsts, strict=True)]


def _fill_gaps(
    spec: LanguageSpec, rules: Rules, root: Node, lines: list[str], kept: list[_Block]
) -> list[_Block] | None:
    """The kept blocks, with the rows between them extracted again; None when a node
    between them reaches into a kept block's rows."""
    blocks: list[_Block] = []
    row = 0
    for block in [*kept, None]:
        gap_end = len(lines) - 1 if block is None else block.first - 1
        if row <= gap_end:
            found = _extract_rows(spec, rules, root, lines, row, gap_end)
            if found is None:
                return None
            blocks.extend(found)
        if block is not None:
            blocks.append(block)
            row = block.last + 1
    return blocks


def _extract_rows(
    spec: LanguageSpec, rules: Rules, root: Node, lines: list[str], first: int, last: int
) -> list[_Block] | None:
    """Blocks covering rows first..last (each block from its first node's row to the
    row before the next block), so kept blocks and new ones tile the document."""
    groups = _groups(root, rules.attachments, first, last)
    if groups is None:
        return None
    if not groups:
        return [_Block(first, last, ())]
    byte_range = (groups[0][0].start_byte, groups[-1][-1].end_byte)
    items = _collect(spec, rules, root, len(lines), byte_range)
    starts = [first, *(group[0].start_point.row for group in groups[1:]), last + 1]
    blocks: list[_Block] = []
    at = 0
    for index, group in enumerate(groups):
        start, end = group[0].start_byte, group[-1].end_byte
        mine: list[_Item] = []
        while at < len(items) and items[at].node.start_byte < start:
            at += 1  # a node outside every group: not the query's to report
        while at < len(items) and items[at].node.start_byte <= end:
            if items[at].node.end_byte <= end:
                mine.append(items[at])
            at += 1
        rows = (starts[index], starts[index + 1] - 1)
        blocks.append(_block(spec, rules, lines, rows, mine))
    return blocks


def _moved_runs(runs: tuple[Run, ...], rows: int) -> tuple[Run, ...]:
    if len(runs) == 1:
        text0, doc0, count = runs[0]
        return ((text0, doc0 + rows, count),)
    return tuple((text0, doc0 + rows, count) for text0, doc0, count in runs)


def _whole(span: Span, lines: list[str]) -> LaidOut:
    """What `lay_out` gives for a span alone: its lines, all its own."""
    count = span.end - span.start + 1
    text = "\n".join(lines[span.start : span.end + 1])
    return LaidOut(text, ((0, span.start, count),), count)


def _groups(
    root: Node, attachments: frozenset[str], first: int, last: int
) -> list[list[Node]] | None:
    """The top-level nodes within rows first..last, grouped when they share a row or
    one is an attachment of the next; None when one reaches out of those rows."""
    groups: list[list[Node]] = []
    for node in top_level_nodes(root, first, last):
        if node.start_point.row < first or _last_row(node) > last:
            return None
        previous = groups[-1][-1] if groups else None
        before = node.prev_named_sibling if previous is None else None
        if before is not None and before.type in attachments:
            return None  # its attribute lies in a kept block
        if previous is not None and (
            node.start_point.row <= _last_row(previous) or previous.type in attachments
        ):
            groups[-1].append(node)
        else:
            groups.append([node])
    if groups and groups[-1][-1].type in attachments:
        following = groups[-1][-1].next_named_sibling
        if following is not None and following.start_point.row > last:
            return None  # what it decorates lies in a kept block
    return groups


def _block(
    spec: LanguageSpec,
    rules: Rules,
    lines: list[str],
    rows: tuple[int, int],
    items: list[_Item],
) -> _Block:
    first = rows[0]
    if not items:
        return _Block(first, rows[1], ())
    found = _qualify(items)
    spans = [_span(rules, lines, unit) for unit in found]
    if len(spans) == 1:
        # The usual block, one function and nothing nested: its text is its lines.
        laid_out = [_whole(spans[0], lines)]
    else:
        laid_out = lay_out(spans, lines, spec.line_comment)
    locals_ = tuple(
        _Local(
            unit.name,
            unit.kind,
            span.start - first,
            span.end - first,
            text_of.text,
            unit_hash(spec.id, text_of.text),
            _moved_runs(text_of.runs, -first),
            text_of.own_lines,
        )
        for unit, span, text_of in zip(found, spans, laid_out, strict=True)
    )
    return _Block(first, rows[1], locals_)


def _has_lone_cr(text: str) -> bool:
    return "\r" in text and text.count("\r") != text.count("\r\n")


def _collect(
    spec: LanguageSpec,
    rules: Rules,
    root: Node,
    line_count: int,
    byte_range: tuple[int, int] | None = None,
) -> list[_Item]:
    """Query matches as items, one per name node, keeping the widest node.

    A decorated Python function matches both as `decorated_definition` and as
    `function_definition`; a C++ template both with and without its `template<...>`.
    A function value that is already the function of a named unit is that unit.
    """
    best: dict[int, tuple[_Item, Node]] = {}
    values: list[Node] = []
    for _, captures in spec.query_matches(rules.query, root, byte_range=byte_range):
        value_role = next((key for key in captures if key.startswith("value.")), None)
        if value_role is not None:
            values.append(captures[value_role][0])
            continue
        matched = _item(captures)
        if matched is None:
            continue
        item, key_node = matched
        kept = best.get(key_node.start_byte)
        if kept is None or _width(item.node) > _width(kept[0].node):
            best[key_node.start_byte] = (item, key_node)
    items = [item for item, _ in best.values()]
    named = {_function_node(item.node).start_byte for item in items if item.is_unit}
    value_items = (
        _value_item(rules, node, line_count) for node in values if node.start_byte not in named
    )
    items.extend(value for value in value_items if value is not None)
    return sorted(items, key=lambda item: (item.node.start_byte, -item.node.end_byte))


def _width(node: Node) -> int:
    return node.end_byte - node.start_byte


def _item(captures: dict[str, list[Node]]) -> tuple[_Item, Node] | None:
    """The item of a unit or scope match, and the node that names it."""
    role = next((key for key in captures if key.startswith(("unit.", "scope."))), None)
    if role is None:
        return None
    node = captures[role][0]
    is_unit = role.startswith("unit.")
    kind = role.partition(".")[2]
    name_node, name = _name(captures, node)
    if declarator := captures.get("declarator"):
        if not is_function_declarator(declarator[0]):
            # A function needs a parameter list: `class EXPORT_MACRO Foo {...}` or
            # `MACRO namespace ns {...}` read as a function `Foo` is a scope.
            return _Item(node, False, "class", name), name_node
        if "." in name:
            kind = "method"  # an out-of-line C++ `Type::member` definition
    return _Item(node, is_unit, kind, name), name_node


def _name(captures: dict[str, list[Node]], node: Node) -> tuple[Node, str]:
    """The node that names a match, and the name it gives."""
    if declarator := captures.get("declarator"):
        return cpp_declarator_name(declarator[0])
    names, types = captures.get("name"), captures.get("type")
    if types and (traits := captures.get("trait")):  # `impl Display for P` -> `<Display for P>`
        trait = type_name(traits[0]).rsplit(".", 1)[-1]
        return types[0], f"<{trait} for {type_name(types[0])}>"
    if names and types:  # a Go method, named after its receiver type
        return names[0], f"{type_name(types[0])}.{clean(node_text(names[0]))}"
    if names:
        return names[0], clean(node_text(names[0]))
    if types:
        return types[0], type_name(types[0])
    return node, ""


def _value_item(rules: Rules, node: Node, line_count: int) -> _Item | None:
    """A function value as a unit, when it is one (see MIN_VALUE_LINES)."""
    name, bound = value_name(node)
    kind = "arrow" if node.type == "arrow_function" else "function"
    if bound and rules.bound_values_are_units:
        return _Item(node, True, kind, name)
    spanned = min(_last_row(node), line_count - 1) - node.start_point.row + 1
    if spanned < MIN_VALUE_LINES:
        return None
    return _Item(node, True, kind, name, spanned)


def _function_node(node: Node) -> Node:
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


def _qualify(items: list[_Item]) -> list[_Found]:
    """Units with their qualified names, final kinds and enclosing units.

    Items arrive sorted by start byte, outer before inner, so the stack holds exactly
    the units and scopes that enclose the current item.
    """
    stack: list[tuple[_Item, int | None]] = []  # with the unit's index in `found`
    found: list[_Found] = []
    for item in items:
        while stack and not _encloses(stack[-1][0].node, item.node):
            stack.pop()
        if _too_short_to_nest(item, stack):
            continue
        if item.is_unit:
            own = item.name or "<anonymous>"
            qualified = ".".join([*(outer.name for outer, _ in stack if outer.name), own])
            kind = item.kind
            if kind == "function" and stack and not stack[-1][0].is_unit:
                kind = "method" if stack[-1][0].kind == "class" else kind
            parent = next((index for _, index in reversed(stack) if index is not None), None)
            found.append(_Found(item, qualified, own, kind, parent))
            stack.append((item, len(found) - 1))
        else:
            stack.append((item, None))
    return found


def _too_short_to_nest(item: _Item, stack: list[tuple[_Item, int | None]]) -> bool:
    if item.value_lines is None or item.value_lines >= MIN_NESTED_VALUE_LINES:
        return False
    return any(index is not None for _, index in stack)


def _encloses(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def _span(rules: Rules, lines: list[str], unit: _Found) -> Span:
    node = unit.item.node
    last = len(lines) - 1
    start = min(_first_row(node, rules.attachments), last)
    end = max(start, min(_last_row(node), last))
    return Span(start, end, unit.parent, _hidden_rows(node, start, end), unit.own_name)


def _last_row(node: Node) -> int:
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
    body = _body(_function_node(node))
    if body is None:
        return None
    first, last = body.start_point.row, _last_row(body)
    before = body.prev_sibling
    if (before is not None and before.end_point.row == first) or first <= start:
        first += 1
    closing = body.child(body.child_count - 1) if body.child_count else None
    if closing is not None and closing.type == "}":
        last -= 1
    first, last = max(first, start + 1), min(last, end)
    return (first, last) if first <= last else None


def _body(function: Node) -> Node | None:
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
