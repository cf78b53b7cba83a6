"""The context a reviewer needs beside a function, from the same file: the imports it
uses, the header of the class (struct, impl) around it with its fields but no method
bodies, and the signatures of the same-file functions it calls.

Everything comes from the file's syntax tree (queries in `context_rules.py`); nothing
outside the file is guessed at. A name counts as used when it appears on the
function's own lines (see `FunctionUnit.runs`): nested units are reviewed with their
own context. `FunctionContext.digest` covers exactly the rendered context, so an edit
inside an unrelated function leaves it as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from siyada.code.context_rules import CONTEXT_RULES, ContextRules
from siyada.code.discovery import Item, collect_items
from siyada.code.enclosing import EnclosingTypes
from siyada.code.languages import LanguageSpec, Node, Tree, top_level_nodes
from siyada.code.queries import FUNCTION_NODES, RULES
from siyada.code.snippets import Snippets
from siyada.code.spans import body_start, function_node
from siyada.code.units import FunctionUnit

__all__ = ["FileOutline", "FunctionContext", "function_context"]

# Walks up or down the tree stop after this many steps: malformed code must not loop.
_MAX_DEPTH = 64


@dataclass(frozen=True)
class FunctionContext:
    """Source text, in document order: `imports` whole statements, `enclosing` the
    type around the function (None outside one), `callees` signatures."""

    imports: tuple[str, ...] = ()
    enclosing: str | None = None
    callees: tuple[str, ...] = ()

    def render(self) -> str:
        """The context as prompt text; "" when there is none."""
        sections = [
            ("Imports it uses", "\n".join(self.imports)),
            ("Enclosing type (fields, no method bodies)", self.enclosing or ""),
            ("Signatures of the functions it calls in this file", "\n".join(self.callees)),
        ]
        return "\n\n".join(f"{title}:\n{body}" for title, body in sections if body)

    @property
    def digest(self) -> str:
        """Content key of the rendered context."""
        data = self.render().encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class _Import:
    text: str
    names: frozenset[str]
    always: bool  # its use cannot be told from names


class FileOutline:
    """What a parsed file offers as context, found once: its module-level imports, its
    functions by name, and its classes and type definitions."""

    def __init__(self, spec: LanguageSpec, tree: Tree) -> None:
        self._spec = spec
        self._root = tree.root_node
        source = self._root.text
        if source is None:
            raise ValueError("the tree keeps no source text to read the context from")
        self._snippets = Snippets(source)
        self._rules = CONTEXT_RULES.get(spec.id)
        self._imports: list[_Import] = []
        self._functions: dict[str, list[Item]] = {}
        # The name extraction gives each function node, by its start byte.
        self._names: dict[int, str] = {}
        self._types: EnclosingTypes | None = None
        unit_rules = RULES.get(spec.id)
        if self._rules is None or unit_rules is None:
            return
        self._imports = self._find_imports(self._rules)
        classes: list[Item] = []
        for item in collect_items(spec, unit_rules, self._root, self._root.end_point.row + 1):
            if item.is_unit:
                self._functions.setdefault(item.name.rsplit(".", 1)[-1], []).append(item)
                self._names[function_node(item.node).start_byte] = item.name
            elif item.kind == "class":
                classes.append(item)
        self._types = EnclosingTypes(
            spec, self._root, self._snippets, self._rules, unit_rules.attachments, classes
        )

    def context(self, unit: FunctionUnit) -> FunctionContext:
        """The context of `unit`, a function of this parse (ValueError otherwise)."""
        rules, types = self._rules, self._types
        if rules is None or types is None:
            return FunctionContext()  # a language without context rules
        function = self._function_node(unit)
        if function is None:
            raise ValueError(
                f"{unit.name} (lines {unit.start_line}-{unit.end_line}) "
                "is no function of this parse"
            )
        own = _own_rows(unit)
        names = set(self._captured(rules.names, "name", unit, own))
        imports = tuple(
            entry.text for entry in self._imports if entry.always or entry.names & names
        )
        called = set(self._captured(rules.calls, "callee", unit, own))
        candidates = sorted(
            (item for name in called for item in self._functions.get(name, ())),
            key=lambda item: item.node.start_byte,
        )
        callees = tuple(
            dict.fromkeys(
                self._signature(item)
                for item in candidates
                if function_node(item.node).start_byte != function.start_byte
            )
        )
        own_name = self._names.get(function.start_byte, "")
        return FunctionContext(imports, types.around(function, own_name), callees)

    @property
    def shared_digest(self) -> str:
        """A key of everything in the file that can be context to some function: its
        imports, every function's signature and every type's header. While it and a
        function's text stay the same, so does that function's context, so an edit
        inside a function body leaves the other functions' contexts alone."""
        parts: list[str] = [entry.text for entry in self._imports]
        parts.append("\0")
        for items in self._functions.values():
            parts.extend(self._signature(item) for item in items)
        parts.append("\0")
        if self._types is not None:
            parts.extend(self._types.every_header())
        data = "\n".join(parts).encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()[:32]

    def _signature(self, item: Item) -> str:
        function = function_node(item.node)
        return self._snippets.lines(item.node.start_byte, body_start(function))

    # -- imports ------------------------------------------------------------------------

    def _find_imports(self, rules: ContextRules) -> list[_Import]:
        statements: dict[int, Node] = {}
        names: dict[int, set[str]] = {}
        always: set[int] = set()
        for _, captures in self._spec.query_matches(rules.imports, self._root):
            if "require" in captures and self._snippets.text(captures["require"][0]) != "require":
                continue
            anchor = next(nodes[0] for nodes in captures.values())
            statement = _ancestor(anchor, rules.import_types)
            if statement is None or _inside_function(statement):
                continue
            key = statement.start_byte
            statements[key] = statement
            bound = names.setdefault(key, set())
            if "bound" in captures:
                bound.add(self._snippets.text(captures["bound"][0]))
            if "path" in captures:
                bound.add(_last_path_part(self._snippets.text(captures["path"][0])))
            if "always" in captures:
                always.add(key)
        return [
            _Import(self._import_text(statements[key]), frozenset(names[key]), key in always)
            for key in sorted(statements)
        ]

    def _import_text(self, statement: Node) -> str:
        text = self._snippets.text(statement).strip()
        return f"import {text}" if statement.type == "import_spec" else text

    # -- the function and what it mentions ----------------------------------------------

    def _function_node(self, unit: FunctionUnit) -> Node | None:
        """The widest function node within the unit's rows: the unit's own."""
        best: Node | None = None
        pending = top_level_nodes(self._root, unit.start_line, unit.end_line)
        while pending:
            node = pending.pop()
            if node.end_point.row < unit.start_line or node.start_point.row > unit.end_line:
                continue
            inside = node.start_point.row >= unit.start_line and node.end_point.row <= unit.end_line
            if inside and node.type in FUNCTION_NODES:
                if best is None or _width(node) > _width(best):
                    best = node
                continue  # what it holds is narrower
            pending.extend(node.named_children)
        return best

    def _captured(
        self, query: str, capture: str, unit: FunctionUnit, own: Collection[int]
    ) -> Iterator[str]:
        rows = (unit.start_line, unit.end_line)
        for _, captures in self._spec.query_matches(query, self._root, rows=rows):
            for node in captures.get(capture, ()):
                if node.start_point.row in own:
                    yield self._snippets.text(node)


def function_context(spec: LanguageSpec, tree: Tree, unit: FunctionUnit) -> FunctionContext:
    """The context of one function; build a `FileOutline` once for many."""
    return FileOutline(spec, tree).context(unit)


def _own_rows(unit: FunctionUnit) -> Collection[int]:
    if unit.runs is None:
        return range(unit.start_line, unit.end_line + 1)
    return {doc0 + offset for _, doc0, count in unit.runs for offset in range(count)}


def _width(node: Node) -> int:
    return node.end_byte - node.start_byte


def _last_path_part(path: str) -> str:
    """`"github.com/x/yaml/v2"` -> `yaml`, `std::io` -> `io`: what a path binds."""
    parts = [part for part in path.strip('"`').replace("::", "/").split("/") if part]
    if len(parts) > 1 and parts[-1][:1] == "v" and parts[-1][1:].isdigit():
        parts.pop()  # a Go major-version suffix is not the package name
    return parts[-1] if parts else ""


def _ancestor(node: Node, types: frozenset[str]) -> Node | None:
    current: Node | None = node
    for _ in range(_MAX_DEPTH):
        if current is None or current.type in types:
            return current
        current = current.parent
    return None


def _inside_function(node: Node) -> bool:
    current = node.parent
    for _ in range(_MAX_DEPTH):
        if current is None:
            return False
        if current.type in FUNCTION_NODES:
            return True
        current = current.parent
    return True
