"""Split a document into functions, the unit of review.

One tree-sitter query per language finds the function nodes ("units") and the named
containers that qualify their names ("scopes": classes, impls, namespaces). The query
runs in C; Python only sees the matches, then nests them by byte range with a stack,
so the cost grows with the number of functions, not with the size of the tree.

Lines come from the tree's rows and text from `split_lines` of the document, never
from byte columns, so non-ASCII text and CRLF documents need no special care.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from siyada.code.languages import (
    LanguageSpec,
    Node,
    Tree,
    count_syntax_errors,
    encode_source,
)
from siyada.code.text import split_lines

__all__ = ["FunctionUnit", "extract_functions", "parses_cleanly", "unit_hash"]


@dataclass(frozen=True)
class FunctionUnit:
    """One function of a document.

    `name` is qualified ("Class.method", "outer.inner"); lines are 0-based and
    inclusive; `text` is the whole of those lines joined with "\\n".
    """

    name: str
    kind: str
    start_line: int
    end_line: int
    text: str
    hash: str


def unit_hash(language_id: str, text: str) -> str:
    """Content key of a unit: the same text in the same language gives the same hash."""
    data = f"{language_id}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


# Capture names: "@unit.<kind>" marks a function node, "@scope.<kind>" a container whose
# name prefixes the functions inside it ("class" scopes also turn functions into
# methods). The name comes from "@name" (text), "@type" (a type, unwrapped from
# pointers, references and generics) or "@declarator" (a C/C++ declarator).

_PYTHON = """
(function_definition name: (identifier) @name) @unit.function
(decorated_definition definition: (function_definition name: (identifier) @name)) @unit.function
(class_definition name: (identifier) @name) @scope.class
(decorated_definition definition: (class_definition name: (identifier) @name)) @scope.class
"""

_FUNCTION_VALUE = "[(function_expression) (generator_function)]"

# Shared by JavaScript, TypeScript and TSX.
_ECMASCRIPT = f"""
(function_declaration name: (identifier) @name) @unit.function
(generator_function_declaration name: (identifier) @name) @unit.function
(method_definition name: (_) @name) @unit.method
(variable_declarator name: (identifier) @name value: (arrow_function)) @unit.arrow
(variable_declarator name: (identifier) @name value: {_FUNCTION_VALUE}) @unit.function
(assignment_expression
  left: [(identifier) (member_expression)] @name right: (arrow_function)) @unit.arrow
(assignment_expression
  left: [(identifier) (member_expression)] @name right: {_FUNCTION_VALUE}) @unit.function
(pair key: (_) @name value: (arrow_function)) @unit.arrow
(pair key: (_) @name value: {_FUNCTION_VALUE}) @unit.function
(export_statement "default" @name value: (arrow_function)) @unit.arrow
(export_statement "default" @name value: {_FUNCTION_VALUE}) @unit.function
(class_declaration name: (_) @name) @scope.class
(class name: (_) @name) @scope.class
(variable_declarator name: (identifier) @name value: (class !name)) @scope.class
(variable_declarator name: (identifier) @name value: (object)) @scope.namespace
"""

_JAVASCRIPT = (
    _ECMASCRIPT
    + f"""
(field_definition property: (_) @name value: (arrow_function)) @unit.arrow
(field_definition property: (_) @name value: {_FUNCTION_VALUE}) @unit.function
"""
)

# Bodiless overloads, abstract methods and interface members are signature nodes,
# which no pattern matches.
_TYPESCRIPT = (
    _ECMASCRIPT
    + f"""
(public_field_definition name: (_) @name value: (arrow_function)) @unit.arrow
(public_field_definition name: (_) @name value: {_FUNCTION_VALUE}) @unit.function
(abstract_class_declaration name: (_) @name) @scope.class
(internal_module name: (_) @name) @scope.namespace
(module name: (_) @name) @scope.namespace
"""
)

_GO = """
(function_declaration name: (identifier) @name) @unit.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: (_) @type))
  name: (field_identifier) @name) @unit.method
(short_var_declaration
  left: (expression_list . (identifier) @name)
  right: (expression_list . (func_literal))) @unit.function
(var_spec name: (identifier) @name value: (expression_list . (func_literal))) @unit.function
"""

_RUST = """
(function_item name: (identifier) @name) @unit.function
(impl_item type: (_) @type) @scope.class
(trait_item name: (_) @name) @scope.class
(mod_item name: (_) @name) @scope.namespace
"""

_JAVA = """
(method_declaration name: (identifier) @name body: (block)) @unit.method
(constructor_declaration name: (identifier) @name) @unit.constructor
(compact_constructor_declaration name: (identifier) @name) @unit.constructor
(class_declaration name: (identifier) @name) @scope.class
(interface_declaration name: (identifier) @name) @scope.class
(enum_declaration name: (identifier) @name) @scope.class
(record_declaration name: (identifier) @name) @scope.class
(annotation_type_declaration name: (identifier) @name) @scope.class
"""

# A prototype is a "declaration", not a "function_definition", so only bodies match.
_C = """
(function_definition declarator: (_) @declarator) @unit.function
"""

_CPP = """
(function_definition declarator: (_) @declarator body: (_)) @unit.function
(template_declaration
  (function_definition declarator: (_) @declarator body: (_))) @unit.function
(class_specifier name: (_) @type body: (_)) @scope.class
(struct_specifier name: (_) @type body: (_)) @scope.class
(union_specifier name: (_) @type body: (_)) @scope.class
(template_declaration (class_specifier name: (_) @type body: (_))) @scope.class
(template_declaration (struct_specifier name: (_) @type body: (_))) @scope.class
(namespace_definition name: (_) @name) @scope.namespace
"""


@dataclass(frozen=True)
class _Rules:
    query: str
    # Sibling nodes just before a unit that belong to it (decorators, attributes) when
    # the grammar does not make them its children.
    attachments: frozenset[str] = frozenset()


_RULES: dict[str, _Rules] = {
    "python": _Rules(_PYTHON),
    "javascript": _Rules(_JAVASCRIPT),
    "typescript": _Rules(_TYPESCRIPT, frozenset({"decorator"})),
    "tsx": _Rules(_TYPESCRIPT, frozenset({"decorator"})),
    "go": _Rules(_GO),
    "rust": _Rules(_RUST, frozenset({"attribute_item"})),
    "java": _Rules(_JAVA),
    "c": _Rules(_C),
    "cpp": _Rules(_CPP),
}


@dataclass(frozen=True, slots=True)
class _Item:
    """A unit or scope found by the query, before its name is qualified."""

    node: Node
    is_unit: bool
    kind: str
    name: str
    key: int  # start byte of the name node: one item per name, whatever matched it


def extract_functions(
    spec: LanguageSpec, text: str, tree: Tree | None = None
) -> list[FunctionUnit]:
    """The functions of `text`, in document order.

    `tree` may be the document's current parse (of `encode_source(text)`, or of the
    UTF-8 text when it has no lone \\r). Code with syntax errors yields whatever
    functions the parser could still recognise.
    """
    rules = _RULES.get(spec.id)
    if rules is None:
        return []
    if tree is None or _has_lone_cr(text):
        tree = spec.parse(encode_source(text))
    items = _collect(spec, rules, tree.root_node)
    lines = split_lines(text)
    units = [
        _make_unit(spec, rules, lines, item, qualified, kind)
        for item, qualified, kind in _qualify(items)
    ]
    # Decorators can move a start line earlier than an outer unit's start on the same
    # line; a stable sort keeps the outer unit first.
    units.sort(key=lambda unit: unit.start_line)
    return units


def parses_cleanly(spec: LanguageSpec, text: str) -> bool:
    """True when the parse of `text` has no ERROR or MISSING node."""
    return count_syntax_errors(spec, text) == 0


def _has_lone_cr(text: str) -> bool:
    return "\r" in text and text.count("\r") != text.count("\r\n")


def _collect(spec: LanguageSpec, rules: _Rules, root: Node) -> list[_Item]:
    """Query matches as items, one per name node, keeping the widest node.

    A decorated Python function matches both as `decorated_definition` and as
    `function_definition`; a C++ template both with and without its `template<...>`.
    """
    best: dict[int, _Item] = {}
    for _, captures in spec.query_matches(rules.query, root):
        item = _item(captures)
        if item is None:
            continue
        kept = best.get(item.key)
        if kept is None or _width(item.node) > _width(kept.node):
            best[item.key] = item
    return sorted(best.values(), key=lambda item: (item.node.start_byte, -item.node.end_byte))


def _width(node: Node) -> int:
    return node.end_byte - node.start_byte


def _item(captures: dict[str, list[Node]]) -> _Item | None:
    role = next((key for key in captures if key.startswith(("unit.", "scope."))), None)
    if role is None:
        return None
    node = captures[role][0]
    is_unit = role.startswith("unit.")
    kind = role.partition(".")[2]
    name_node, name = _name(captures, node)
    if is_unit and "declarator" in captures and "." in name:
        kind = "method"  # an out-of-line C++ `Type::member` definition
    return _Item(node, is_unit, kind, name, name_node.start_byte)


def _name(captures: dict[str, list[Node]], node: Node) -> tuple[Node, str]:
    """The node that names a match, and the name it gives."""
    if declarator := captures.get("declarator"):
        name_node = _declarator_name(declarator[0])
        return name_node, _cpp_name(name_node)
    names, types = captures.get("name"), captures.get("type")
    if names and types:  # a Go method, named after its receiver type
        return names[0], f"{_type_name(types[0])}.{_clean(_node_text(names[0]))}"
    if names:
        return names[0], _clean(_node_text(names[0]))
    if types:
        return types[0], _type_name(types[0])
    return node, ""


def _qualify(items: list[_Item]) -> list[tuple[_Item, str, str]]:
    """Units with their qualified names and final kinds.

    Items arrive sorted by start byte, outer before inner, so the stack holds exactly
    the units and scopes that enclose the current item.
    """
    stack: list[_Item] = []
    units: list[tuple[_Item, str, str]] = []
    for item in items:
        while stack and not _encloses(stack[-1].node, item.node):
            stack.pop()
        if item.is_unit:
            own = item.name or "<anonymous>"
            qualified = ".".join([*(outer.name for outer in stack if outer.name), own])
            kind = item.kind
            if kind == "function" and stack and not stack[-1].is_unit:
                kind = "method" if stack[-1].kind == "class" else kind
            units.append((item, qualified, kind))
        stack.append(item)
    return units


def _encloses(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def _make_unit(
    spec: LanguageSpec,
    rules: _Rules,
    lines: list[str],
    item: _Item,
    name: str,
    kind: str,
) -> FunctionUnit:
    node = item.node
    last = len(lines) - 1
    start = min(_first_row(node, rules.attachments), last)
    end_point = node.end_point
    # A node that ends right after a newline does not own the next line.
    end = end_point.row - 1 if end_point.column == 0 and end_point.row > start else end_point.row
    end = max(start, min(end, last))
    text = "\n".join(lines[start : end + 1])
    return FunctionUnit(name, kind, start, end, text, unit_hash(spec.id, text))


def _first_row(node: Node, attachments: frozenset[str]) -> int:
    row = node.start_point.row
    if not attachments:
        return row
    sibling = node.prev_named_sibling
    while sibling is not None and sibling.type in attachments:
        row = sibling.start_point.row
        sibling = sibling.prev_named_sibling
    return row


def _node_text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def _clean(raw: str) -> str:
    """A readable name from source text: `Foo.prototype.bar` -> `Foo.bar`, etc."""
    name = "".join(raw.split())
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'`":
        name = name[1:-1]  # a quoted object key
    name = name.replace(".prototype.", ".")
    name = name.removeprefix("this.")
    return name.replace("::", ".")


# Wrappers around a type whose inner type names it: `*T`, `&'a T`, `Stack<T>`, `Stack[T]`.
_TYPE_WRAPPERS = frozenset(
    {"pointer_type", "reference_type", "generic_type", "template_type", "parenthesized_type"}
)


def _type_name(node: Node) -> str:
    for _ in range(8):  # bounded: malformed code must not loop
        if node.type not in _TYPE_WRAPPERS:
            break
        inner = node.child_by_field_name("type") or node.child_by_field_name("name")
        if inner is None:
            named = node.named_children
            inner = named[-1] if named else None
        if inner is None:
            break
        node = inner
    return _clean(_node_text(node))


# C/C++ declarators that wrap the function declarator: `*f(void)`, `&f()`, `(*f(void))[4]`.
_DECLARATOR_WRAPPERS = frozenset(
    {
        "pointer_declarator",
        "reference_declarator",
        "parenthesized_declarator",
        "attributed_declarator",
        "array_declarator",
        "function_declarator",
    }
)


def _declarator_name(node: Node) -> Node:
    """The identifier inside a C/C++ function declarator.

    `int (*f(void))(int)` nests the function's own declarator inside the one for the
    returned type, so descend until the declarator is no longer a wrapper.
    """
    for _ in range(16):  # bounded: malformed code must not loop
        if node.type not in _DECLARATOR_WRAPPERS:
            break
        inner = node.child_by_field_name("declarator")
        if inner is None:
            named = node.named_children
            inner = named[0] if named else None
        if inner is None:
            break
        node = inner
    return node


def _cpp_name(node: Node) -> str:
    """`Foo<T>::bar` -> `Foo.bar`, `ns::Foo::~Foo` -> `ns.Foo.~Foo`."""
    if node.type == "qualified_identifier":
        scope = node.child_by_field_name("scope")
        name = node.child_by_field_name("name")
        parts = [_cpp_name(part) for part in (scope, name) if part is not None]
        return ".".join(part for part in parts if part)
    if node.type in ("template_type", "template_function", "template_method"):
        name = node.child_by_field_name("name")
        return _cpp_name(name) if name is not None else ""
    return "".join(_node_text(node).split())
