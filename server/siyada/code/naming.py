"""Readable names: from source text, from a type node, capped, and made unique in a
document. C/C++ declarators are named in `declarators.py`, function values from where
they stand in `value_names.py`.

Everything here reads tree-sitter nodes and returns plain strings; nothing raises on
malformed code (every walk down the tree is bounded).
"""

from __future__ import annotations

from collections.abc import Iterable

from siyada.code.languages import Node

__all__ = [
    "MAX_NAME_CHARS",
    "capped",
    "clean",
    "disambiguated",
    "node_text",
    "type_name",
]


# A name is for people: longer than this it is cut with an ellipsis.
MAX_NAME_CHARS = 80


def node_text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def clean(raw: str) -> str:
    """A readable name from source text: `Foo.prototype.bar` -> `Foo.bar`, etc."""
    name = "".join(raw.split())
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'`":
        name = name[1:-1]  # a quoted object key
    name = name.replace(".prototype.", ".")
    name = name.removeprefix("this.")
    return name.replace("::", ".")


def capped(name: str, suffix: str = "") -> str:
    """`name` + `suffix`, `name` cut with an ellipsis to fit MAX_NAME_CHARS."""
    room = MAX_NAME_CHARS - len(suffix)
    return (name if len(name) <= room else name[: room - 1] + "\u2026") + suffix


def disambiguated(names: Iterable[str]) -> list[str]:
    """The names, capped, in order; later uses of one name get `#2`, `#3`..."""
    result: list[str] = []
    taken: set[str] = set()
    uses: dict[str, int] = {}
    for name in names:
        candidate = capped(name)
        count = uses.get(candidate, 1)
        base = candidate
        while candidate in taken:
            count += 1
            candidate = capped(name, f"#{count}")
        uses[base] = count
        taken.add(candidate)
        result.append(candidate)
    return result


# Wrappers around a type whose inner type names it: `*T`, `&'a T`, `Stack<T>`, `Stack[T]`.
_TYPE_WRAPPERS = frozenset(
    {"pointer_type", "reference_type", "generic_type", "template_type", "parenthesized_type"}
)


def type_name(node: Node) -> str:
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
    return clean(node_text(node))
