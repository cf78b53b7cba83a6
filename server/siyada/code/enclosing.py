"""The type a function is declared in, as a reviewer needs it: the class, struct or impl
header with its fields or attributes, and no method bodies.

A method declared apart from its type (a Go method, a Rust impl, a C++ `Type::member`
or a JS `Type.prototype.member`) finds the type by name in the same file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from siyada.code.context_rules import ContextRules
from siyada.code.declarators import is_function_declarator
from siyada.code.discovery import Item
from siyada.code.languages import LanguageSpec, Node
from siyada.code.queries import FUNCTION_NODES
from siyada.code.snippets import Snippets
from siyada.code.spans import body_start

__all__ = ["EnclosingTypes"]


class EnclosingTypes:
    """The classes and type definitions of one parse, rendered for the functions in them."""

    def __init__(
        self,
        spec: LanguageSpec,
        root: Node,
        snippets: Snippets,
        rules: ContextRules,
        attachments: frozenset[str],
        classes: list[Item],
    ) -> None:
        self._python = spec.id == "python"
        self._snippets = snippets
        self._field_types = rules.field_types
        self._attachments = attachments
        self._classes = classes
        self._types: dict[str, Node] = {}
        self._headers: dict[int, str] = {}  # by the scope's start byte: one render each
        if rules.types:
            for _, captures in spec.query_matches(rules.types, root):
                self._types.setdefault(snippets.text(captures["name"][0]), captures["type"][0])

    def around(self, function: Node, own_name: str) -> str | None:
        """The header of the type `function` (named `own_name` by extraction) belongs to."""
        around = [
            item
            for item in self._classes
            if item.node.start_byte <= function.start_byte
            and function.end_byte <= item.node.end_byte
        ]
        scope = max(around, key=lambda item: item.node.start_byte, default=None)
        type_name = ""
        if scope is not None and scope.node.type == "impl_item":
            implemented = scope.node.child_by_field_name("type")
            type_name = _type_key(self._snippets.text(implemented)) if implemented else ""
        elif scope is None and "." in own_name:
            # Declared apart: the type is named before the function's own name.
            type_name = own_name.rsplit(".", 2)[-2]
            scope = next((item for item in self._classes if item.name == type_name), None)
        parts = []
        if (definition := self._types.get(type_name)) is not None:
            parts.append(self._definition(definition))
        if scope is not None:
            header = self._headers.get(scope.node.start_byte)
            if header is None:
                header = self._headers[scope.node.start_byte] = self._class_header(scope.node)
            parts.append(header)
        return "\n".join(parts) or None

    def every_header(self) -> Iterator[str]:
        """Every type definition and class header of the parse, in no promised order:
        all that `around` can give any function."""
        for definition in self._types.values():
            yield self._definition(definition)
        for item in self._classes:
            yield self._class_header(item.node)

    def _definition(self, node: Node) -> str:
        text = self._snippets.lines(self._attached_start(node), node.end_byte)
        return f"type {text}" if node.type == "type_spec" else text

    def _class_header(self, scope: Node) -> str:
        snippets = self._snippets
        body = _class_body(scope)
        start = self._attached_start(scope)
        if body is None:
            return snippets.lines(start, scope.end_byte)
        braced = body.child_count > 0 and body.children[0].type == "{"
        lines = [snippets.indented(start, body.start_byte) + (" {" if braced else "")]
        access = ""  # a C++ access specifier, shown when a field follows it
        for member in body.named_children:
            if member.type == "access_specifier":
                access = snippets.indented(member.start_byte, member.end_byte) + ":"
            elif self._is_field(member):
                field = snippets.indented(member.start_byte, member.end_byte)
                lines.extend(filter(None, [access, field]))
                access = ""
            elif member.type == "function_definition" and self._python:
                lines.extend(self._python_attributes(member))
            elif member.type == "method_definition" and _declares_fields(member):
                lines.append(snippets.indented(member.start_byte, body_start(member)))
        if braced:
            lines.append(snippets.indented(start, start) + "}")
        return textwrap.dedent("\n".join(lines)).strip("\n")

    def _is_field(self, member: Node) -> bool:
        if member.type not in self._field_types or member.type == "access_specifier":
            return False
        if member.type == "expression_statement":  # Python: only assignments
            return member.named_child_count > 0 and member.named_children[0].type == "assignment"
        value = member.child_by_field_name("value")
        if value is not None and value.type in FUNCTION_NODES:
            return False  # a method written as a field, reviewed as a unit
        declarator = member.child_by_field_name("declarator")
        return declarator is None or not is_function_declarator(declarator)

    def _python_attributes(self, method: Node) -> list[str]:
        """`__init__`'s signature and its `self.x = ...` statements: the attributes."""
        name = method.child_by_field_name("name")
        body = method.child_by_field_name("body")
        if name is None or body is None or self._snippets.text(name) != "__init__":
            return []
        assignments = [
            self._snippets.indented(statement.start_byte, statement.end_byte)
            for statement in body.named_children
            if statement.type == "expression_statement"
            and statement.named_child_count > 0
            and (target := statement.named_children[0].child_by_field_name("left")) is not None
            and target.type == "attribute"
            and self._snippets.text(target).startswith("self.")
        ]
        if not assignments:
            return []
        signature = self._snippets.indented(method.start_byte, body.start_byte)
        return [signature, *assignments]

    def _attached_start(self, node: Node) -> int:
        """Where `node` starts with the decorators or attributes before it."""
        start, sibling = node.start_byte, node.prev_named_sibling
        while sibling is not None and sibling.type in self._attachments:
            start, sibling = sibling.start_byte, sibling.prev_named_sibling
        return start


def _type_key(text: str) -> str:
    """`Store<T>` -> `Store`: the name a type definition is found by."""
    return text.split("<", 1)[0].strip().rsplit("::", 1)[-1]


def _declares_fields(method: Node) -> bool:
    """A TypeScript constructor with parameter properties (`constructor(private db: Db)`)."""
    parameters = method.child_by_field_name("parameters")
    return parameters is not None and any(
        child.type in ("accessibility_modifier", "readonly")
        for parameter in parameters.named_children
        for child in parameter.children
    )


def _class_body(scope: Node) -> Node | None:
    """The body of a class-like scope: under a decorator, template or binding, if any."""
    pending = [scope]
    for _ in range(8):
        if not pending:
            break
        node = pending.pop(0)
        if (body := node.child_by_field_name("body")) is not None:
            return body
        pending.extend(node.named_children)
    return None
