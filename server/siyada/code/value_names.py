"""Names of function values (callbacks, lambdas, IIFEs) from where they stand: the name
they are bound to, the call receiving them, or what they are returned to.

Every walk up or down the tree is bounded, so malformed code cannot make it loop.
"""

from __future__ import annotations

from siyada.code.languages import Node
from siyada.code.naming import clean, node_text

__all__ = ["value_name"]


# Nodes a function value passes through without changing what it is.
_TRANSPARENT = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
        "keyword_argument",
    }
)


_ARGUMENT_LISTS = frozenset({"arguments", "argument_list"})


_CALLS = frozenset(
    {"call_expression", "call", "method_invocation", "new_expression", "object_creation_expression"}
)


_STRINGS = frozenset(
    {
        "string",
        "template_string",
        "string_literal",
        "interpreted_string_literal",
        "raw_string_literal",
    }
)


_MAX_LABEL_CHARS = 40


def value_name(value: Node) -> tuple[str, bool]:
    """The name of a function value from where it stands, and whether it is bound.

    Bound: the value of a variable, field, key or assignment (`createStore`). Otherwise
    it is named by the call receiving it (`app.get('/run') handler`), the binding of
    that call (`handler (debounce)`), an immediate call (`<iife>`), `<returned>`, or
    `<anonymous>`.
    """
    if value.type == "static_initializer":
        return "<static>", True
    callees: list[str] = []  # innermost call first
    label = ""
    node = value
    for _ in range(12):  # bounded: malformed code must not loop
        parent = node.parent
        if parent is None:
            break
        if parent.type in _TRANSPARENT:
            node = parent
            continue
        if parent.type in _ARGUMENT_LISTS and parent.parent is not None:
            if parent.parent.type not in _CALLS:
                break
            callees.append(_callee(parent.parent))
            label = _label(parent)
            node = parent.parent
            continue
        if parent.type in _CALLS and _is_callee(node, parent):
            callees.append(_immediate_call(parent))
            label = ""
            node = parent
            continue
        binding = _binding(node, parent)
        if binding:
            return (f"{binding} ({callees[0]})", False) if callees else (binding, True)
        return _unbound(parent, callees, label), False
    return _unbound(None, callees, label), False


def _unbound(parent: Node | None, callees: list[str], label: str) -> str:
    if callees:
        outer = callees[-1]
        if outer.startswith("<"):
            return outer
        inner = f" ({callees[0]})" if len(callees) > 1 else ""
        return f"{outer}({label}) handler{inner}"
    if parent is not None and parent.type == "return_statement":
        return "<returned>"
    if parent is not None and parent.type == "jsx_expression":
        attribute = parent.parent
        if attribute is not None and attribute.type == "jsx_attribute" and attribute.named_children:
            return f"{node_text(attribute.named_children[0])} handler"
    return "<anonymous>"


def _callee(call: Node) -> str:
    if call.type == "method_invocation":
        target, method = call.child_by_field_name("object"), call.child_by_field_name("name")
        name = clean(node_text(method)) if method is not None else "<call>"
        return f"{_short_callee(target)}.{name}" if target is not None else name
    if call.type in ("new_expression", "object_creation_expression"):
        made = call.child_by_field_name("constructor") or call.child_by_field_name("type")
        return "new " + (clean(node_text(made)) if made is not None else "")
    function = call.child_by_field_name("function")
    return _short_callee(function) if function is not None else "<call>"


_MEMBER_ACCESS = frozenset(
    {"member_expression", "attribute", "selector_expression", "field_expression"}
)


def _short_callee(node: Node, depth: int = 0) -> str:
    """`res.buffer().catch(() => null).then` -> `res.buffer().catch().then`."""
    while node.type in _TRANSPARENT and node.named_children and depth < 8:
        node, depth = node.named_children[0], depth + 1
    if node.type in _FUNCTION_VALUES:
        return "<function>"
    if depth < 8 and node.type == "method_invocation":
        target, method = node.child_by_field_name("object"), node.child_by_field_name("name")
        name = clean(node_text(method)) if method is not None else "<call>"
        shown = f"{_short_callee(target, depth + 1)}.{name}" if target is not None else name
        return shown + "()"
    if depth < 8 and node.type in _CALLS:
        inner = node.child_by_field_name("function")
        return _short_callee(inner, depth + 1) + "()" if inner is not None else "<call>"
    if depth < 8 and node.type in _MEMBER_ACCESS and node.named_children:
        member = node.named_children[-1]
        return f"{_short_callee(node.named_children[0], depth + 1)}.{clean(node_text(member))}"
    text = clean(node_text(node))
    return text if len(text) <= _MAX_LABEL_CHARS else "\u2026"


_FUNCTION_VALUES = frozenset(
    {"function_expression", "arrow_function", "lambda", "func_literal", "lambda_expression"}
)


def _label(arguments: Node) -> str:
    """The first argument when it is a short one-line string: `'/run'`."""
    first = arguments.named_children[0] if arguments.named_children else None
    if first is None or first.type not in _STRINGS:
        return ""
    text = node_text(first)
    return text if len(text) <= _MAX_LABEL_CHARS and "\n" not in text else ""


def _is_callee(node: Node, call: Node) -> bool:
    function = call.child_by_field_name("function")
    return function is not None and function == node


def _immediate_call(call: Node) -> str:
    statement = call.parent
    if statement is not None and statement.type in ("go_statement", "defer_statement"):
        return "<" + statement.type.split("_")[0] + ">"
    return "<iife>"


def _binding(node: Node, parent: Node) -> str:
    """The name `node` is bound to in `parent`, or "" when `parent` binds no name to it."""
    kind = parent.type
    if kind in ("variable_declarator", "init_declarator", "let_declaration"):
        if parent.child_by_field_name("value") != node:
            return ""
        target = (
            parent.child_by_field_name("name")
            or parent.child_by_field_name("pattern")
            or parent.child_by_field_name("declarator")
        )
        return clean(node_text(target)) if target is not None else ""
    if kind in ("assignment_expression", "assignment"):
        target = parent.child_by_field_name("left")
        right = parent.child_by_field_name("right")
        return clean(node_text(target)) if target is not None and right == node else ""
    if kind in ("field_definition", "public_field_definition", "pair"):
        target = (
            parent.child_by_field_name("property")
            or parent.child_by_field_name("name")
            or parent.child_by_field_name("key")
        )
        return clean(node_text(target)) if target is not None else ""
    if kind == "expression_list":
        return _go_binding(node, parent)
    return ""


def _go_binding(node: Node, values: Node) -> str:
    """`a, b := f1, f2`: the name at the value's own position."""
    statement = values.parent
    if statement is None:
        return ""
    if statement.type == "var_spec":
        names = statement.children_by_field_name("name")
    elif statement.type in ("short_var_declaration", "assignment_statement"):
        left = statement.child_by_field_name("left")
        if left is None or left == values:
            return ""
        names = left.named_children
    else:
        return ""
    position = next((i for i, value in enumerate(values.named_children) if value == node), -1)
    if not 0 <= position < len(names):
        return ""
    return clean(node_text(names[position]))
