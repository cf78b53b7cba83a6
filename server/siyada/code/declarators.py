"""Names of C and C++ functions from their declarators, which nest the name inside
pointer, reference and function declarators, and which a macro can make misread.

Every walk down the tree is bounded, so malformed code cannot make it loop.
"""

from __future__ import annotations

import re

from siyada.code.languages import Node
from siyada.code.naming import node_text

__all__ = ["cpp_declarator_name", "is_function_declarator"]


# Declarators that wrap the function declarator: `*f(void)`, `&f()`, `(*f(void))[4]`.
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


# What the innermost declarator of a real function is; anything else (an expression, an
# ERROR node) comes from code the parser misread, often because of a macro.
_NAME_NODES = frozenset(
    {
        "identifier",
        "field_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "operator_cast",
        "template_function",
        "template_method",
        "type_identifier",
    }
)


_IDENTIFIER_CHAIN = re.compile(r"~?[A-Za-z_$][\w$]*(?:\.~?[A-Za-z_$][\w$]*)*")


def _declarator_chain(node: Node) -> list[Node]:
    """The declarators from `node` down to the one holding the name.

    `int (*f(void))(int)` nests the function's own declarator inside the one for the
    returned type, so descend until the declarator is no longer a wrapper.
    """
    chain = [node]
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
        chain.append(node)
    return chain


def is_function_declarator(node: Node) -> bool:
    """False for `class MACRO Foo {...}` misread as a function `Foo` with a class body."""
    return any(
        part.type in ("function_declarator", "operator_cast") for part in _declarator_chain(node)
    )


def cpp_declarator_name(declarator: Node) -> tuple[Node, str]:
    """The node naming a C/C++ function and its readable name ("" when it is no name)."""
    name_node = _declarator_chain(declarator)[-1]
    if name_node.type not in _NAME_NODES:
        return name_node, ""
    name = _cpp_name(name_node)
    if _plausible(name):
        return name_node, name
    # `MACRO template<...> T ns::f(...)` misread: the scope is garbage, the last part is not.
    last = name_node
    for _ in range(16):  # bounded: malformed code must not loop
        inner = last.child_by_field_name("name") if last.type == "qualified_identifier" else None
        if inner is None:
            break
        last = inner
    name = _cpp_name(last) if last is not name_node else ""
    return name_node, name if _plausible(name) else ""


def _plausible(name: str) -> bool:
    qualifier = name.split("operator", 1)[0].rstrip(".")  # an operator's symbol is no identifier
    return not qualifier or _IDENTIFIER_CHAIN.fullmatch(qualifier) is not None


def _cpp_name(node: Node) -> str:
    """`Foo<T>::bar` -> `Foo.bar`, `ns::Foo::~Foo` -> `ns.Foo.~Foo`, `operator bool`."""
    if node.type == "qualified_identifier":
        scope = node.child_by_field_name("scope")
        name = node.child_by_field_name("name")
        parts = [_cpp_name(part) for part in (scope, name) if part is not None]
        return ".".join(part for part in parts if part)
    if node.type in ("template_type", "template_function", "template_method"):
        name = node.child_by_field_name("name")
        return _cpp_name(name) if name is not None else ""
    if node.type == "operator_cast":
        target = node.child_by_field_name("type")
        return "operator " + (" ".join(node_text(target).split()) if target else "")
    if node.type == "operator_name":
        symbol = "".join(node_text(node).removeprefix("operator").split())
        # `operator new`, `operator""_km` keep a space only before a word.
        return "operator" + (" " + symbol if symbol[:1].isalpha() else symbol)
    return "".join(node_text(node).split())
