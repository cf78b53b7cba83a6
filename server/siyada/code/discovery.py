"""Which functions a stretch of the tree holds: the query's matches become items (units,
function values, scopes), one per name node, then nest by byte range and get qualified
names.

The query runs in C; Python only sees the matches, then nests them with a stack, so the
cost grows with the number of functions, not with the size of the tree.

A function value becomes a unit when it spans at least `MIN_VALUE_LINES` lines, or
`MIN_NESTED_VALUE_LINES` inside another unit (a Go `name := func...` always does, as a
named function would); smaller ones stay in the text of the unit around them, which
reviews them with their context.
"""

from __future__ import annotations

from dataclasses import dataclass

from siyada.code.declarators import cpp_declarator_name, is_function_declarator
from siyada.code.languages import LanguageSpec, Node
from siyada.code.naming import clean, node_text, type_name
from siyada.code.queries import Rules
from siyada.code.spans import function_node, last_row
from siyada.code.value_names import value_name

__all__ = [
    "MIN_NESTED_VALUE_LINES",
    "MIN_VALUE_LINES",
    "Found",
    "Item",
    "collect_items",
    "qualify",
]


# An anonymous function value spanning fewer lines is reviewed as part of its
# surroundings: a one-line callback is not worth a request of its own.
MIN_VALUE_LINES = 3
# Inside a unit, a callback is reviewed with the function around it unless it is long
# enough to deserve its own request (an Express handler inside `setupRoutes`).
MIN_NESTED_VALUE_LINES = 8


@dataclass(frozen=True, slots=True)
class Item:
    """A unit or scope found by the query, before its name is qualified."""

    node: Node
    is_unit: bool
    kind: str
    name: str
    # For a function value that is not always a unit: the lines it spans.
    value_lines: int | None = None


@dataclass(frozen=True, slots=True)
class Found:
    """A unit with its qualified name and where it nests."""

    item: Item
    name: str
    own_name: str
    kind: str
    parent: int | None


def collect_items(
    spec: LanguageSpec,
    rules: Rules,
    root: Node,
    line_count: int,
    byte_range: tuple[int, int] | None = None,
) -> list[Item]:
    """Query matches as items, one per name node, keeping the widest node.

    A decorated Python function matches both as `decorated_definition` and as
    `function_definition`; a C++ template both with and without its `template<...>`.
    A function value that is already the function of a named unit is that unit.
    """
    best: dict[int, tuple[Item, Node]] = {}
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
    named = {function_node(item.node).start_byte for item in items if item.is_unit}
    value_items = (
        _value_item(rules, node, line_count) for node in values if node.start_byte not in named
    )
    items.extend(value for value in value_items if value is not None)
    return sorted(items, key=lambda item: (item.node.start_byte, -item.node.end_byte))


def _width(node: Node) -> int:
    return node.end_byte - node.start_byte


def _item(captures: dict[str, list[Node]]) -> tuple[Item, Node] | None:
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
            return Item(node, False, "class", name), name_node
        if "." in name:
            kind = "method"  # an out-of-line C++ `Type::member` definition
    return Item(node, is_unit, kind, name), name_node


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


def _value_item(rules: Rules, node: Node, line_count: int) -> Item | None:
    """A function value as a unit, when it is one (see MIN_VALUE_LINES)."""
    name, bound = value_name(node)
    kind = "arrow" if node.type == "arrow_function" else "function"
    if bound and rules.bound_values_are_units:
        return Item(node, True, kind, name)
    spanned = min(last_row(node), line_count - 1) - node.start_point.row + 1
    if spanned < MIN_VALUE_LINES:
        return None
    return Item(node, True, kind, name, spanned)


def qualify(items: list[Item]) -> list[Found]:
    """Units with their qualified names, final kinds and enclosing units.

    Items arrive sorted by start byte, outer before inner, so the stack holds exactly
    the units and scopes that enclose the current item.
    """
    stack: list[tuple[Item, int | None]] = []  # with the unit's index in `found`
    found: list[Found] = []
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
            found.append(Found(item, qualified, own, kind, parent))
            stack.append((item, len(found) - 1))
        else:
            stack.append((item, None))
    return found


def _too_short_to_nest(item: Item, stack: list[tuple[Item, int | None]]) -> bool:
    if item.value_lines is None or item.value_lines >= MIN_NESTED_VALUE_LINES:
        return False
    return any(index is not None for _, index in stack)


def _encloses(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte
