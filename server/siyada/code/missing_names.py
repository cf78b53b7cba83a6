"""Which imports a quick fix needs that the file does not have.

A model's replacement may call `shlex.split` in a file without `import shlex`: applied
as it is, the fix breaks the code at run time. A fix never adds an import itself
(`fixes.fix_refusal` refuses one), so the code action says what is missing instead.

Only what can be told for sure is reported; anything unsure reports nothing:
- Python: a qualifier `mod` of an attribute `mod.x` in the replacement that nothing in
  the file (after the fix) binds: no import, assignment, `def`, `class`, parameter,
  loop, `with`/`except` target, walrus, `global`, match pattern, and no builtin. A
  wildcard import (`from x import *`) may bind anything: nothing is reported.
- JavaScript and TypeScript: a Node.js core module (`fs.readFileSync`, `path.join`)
  used as a qualifier whose name appears nowhere else in the file (an import, a
  `require`, a parameter, a variable all name it). Any other name may be a global.
- Go: a standard library package (`strings.Split`) used as a qualifier when no import
  gives that package name and the name appears nowhere else in the file; reported by
  its import path.
- Rust, Java, C and C++: nothing (paths, same-package classes and headers cannot be
  told from one file).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Final

from siyada.code.fixes import parse_with_fix
from siyada.code.languages import LanguageSpec, Node, Tree

__all__ = ["imports_needed"]

_PYTHON_BINDINGS: Final = """
(import_statement name: (dotted_name . (identifier) @bound))
(import_statement name: (aliased_import alias: (identifier) @bound))
(import_from_statement name: (dotted_name (identifier) @bound .))
(import_from_statement name: (aliased_import alias: (identifier) @bound))
(import_from_statement (wildcard_import) @star)
(function_definition name: (identifier) @bound)
(class_definition name: (identifier) @bound)
(parameters (identifier) @bound)
(lambda_parameters (identifier) @bound)
(typed_parameter (identifier) @bound)
(default_parameter name: (identifier) @bound)
(typed_default_parameter name: (identifier) @bound)
(list_splat_pattern (identifier) @bound)
(dictionary_splat_pattern (identifier) @bound)
(assignment left: (_) @target)
(augmented_assignment left: (_) @target)
(for_statement left: (_) @target)
(for_in_clause left: (_) @target)
(named_expression name: (identifier) @bound)
(as_pattern alias: (_) @target)
(global_statement (identifier) @bound)
(nonlocal_statement (identifier) @bound)
(case_pattern) @target
"""
_PYTHON_QUALIFIERS: Final = "(attribute object: (identifier) @qualifier)"

# A target's names are found through these containers only: `a.b = 1` and `a[0] = 1`
# bind nothing.
_TARGET_CONTAINERS: Final = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "list_splat_pattern",
        "parenthesized_expression",
        "tuple",
        "list",
        "expression_list",
        "as_pattern_target",
        "case_pattern",
        "splat_pattern",
        "keyword_pattern",
        "dict_pattern",
        "class_pattern",
        "union_pattern",
    }
)

# Names a module has without binding them.
_PYTHON_IMPLICIT: Final = frozenset(dir(builtins)) | {
    "__file__",
    "__name__",
    "__doc__",
    "__spec__",
    "__loader__",
    "__package__",
    "__path__",
    "__builtins__",
    "__annotations__",
    "__dict__",
    "__module__",
    "__qualname__",
    "__class__",
}

# Node.js core modules that are not also globals (`crypto`, `process`, `console`,
# `Buffer` are globals, so using them needs no import).
_NODE_MODULES: Final = frozenset(
    {
        "assert",
        "child_process",
        "cluster",
        "dgram",
        "dns",
        "fs",
        "fsPromises",
        "http",
        "http2",
        "https",
        "net",
        "os",
        "path",
        "querystring",
        "readline",
        "tls",
        "util",
        "v8",
        "vm",
        "worker_threads",
        "zlib",
    }
)
_ECMASCRIPT_QUALIFIERS: Final = "(member_expression object: (identifier) @qualifier)"

# Go standard library packages whose name says which package it is.
_GO_PACKAGES: Final[dict[str, str]] = {
    "bufio": "bufio",
    "bytes": "bytes",
    "context": "context",
    "errors": "errors",
    "exec": "os/exec",
    "filepath": "path/filepath",
    "fmt": "fmt",
    "hex": "encoding/hex",
    "base64": "encoding/base64",
    "json": "encoding/json",
    "html": "html",
    "http": "net/http",
    "io": "io",
    "log": "log",
    "math": "math",
    "os": "os",
    "reflect": "reflect",
    "regexp": "regexp",
    "sha256": "crypto/sha256",
    "slices": "slices",
    "sort": "sort",
    "strconv": "strconv",
    "strings": "strings",
    "subtle": "crypto/subtle",
    "sync": "sync",
    "atomic": "sync/atomic",
    "time": "time",
    "unicode": "unicode",
    "url": "net/url",
    "utf8": "unicode/utf8",
}
_GO_QUALIFIERS: Final = "(selector_expression operand: (identifier) @qualifier)"
_GO_IMPORTS: Final = "(import_spec) @import"


def imports_needed(
    spec: LanguageSpec,
    text: str,
    start_line: int,
    end_line: int,
    replacement: str,
    tree: Tree | None = None,
) -> tuple[str, ...]:
    """What replacing document lines start_line..end_line (0-based, inclusive) of `text`
    with `replacement` needs imported that the file lacks, in order of first use: module
    names (Python, JavaScript, TypeScript) or import paths (Go). Empty when nothing is
    missing or it cannot be told (see the module's note). `tree`, the parse of
    `encode_source(text)`, makes the parse with the fix incremental."""
    if spec.id not in ("python", "javascript", "typescript", "tsx", "go"):
        return ()
    fixed = parse_with_fix(spec, text, start_line, end_line, replacement, tree)
    root = fixed.root_node
    rows = (start_line, start_line + replacement.count("\n"))
    if spec.id == "python":
        return _python_needs(spec, root, rows)
    if spec.id == "go":
        return _go_needs(spec, root, rows)
    return _ecmascript_needs(spec, root, rows)


def _python_needs(spec: LanguageSpec, root: Node, rows: tuple[int, int]) -> tuple[str, ...]:
    bound: set[str] = set()
    for _, captures in spec.query_matches(_PYTHON_BINDINGS, root):
        if "star" in captures:
            return ()
        bound.update(_text(node) for node in captures.get("bound", ()))
        for target in captures.get("target", ()):
            bound.update(_text(node) for node in _target_names(target))
    used = _qualifiers(spec, _PYTHON_QUALIFIERS, root, rows)
    return tuple(name for name in used if name not in bound and name not in _PYTHON_IMPLICIT)


def _target_names(target: Node) -> Iterator[Node]:
    """The identifiers an assignment target (or a pattern) binds."""
    pending = [target]
    while pending:
        node = pending.pop()
        if node.type == "identifier":
            yield node
        elif node.type in _TARGET_CONTAINERS:
            pending.extend(node.named_children)


def _ecmascript_needs(spec: LanguageSpec, root: Node, rows: tuple[int, int]) -> tuple[str, ...]:
    used = [
        name
        for name in _qualifiers(spec, _ECMASCRIPT_QUALIFIERS, root, rows)
        if name in _NODE_MODULES
    ]
    return tuple(name for name in used if not _named_elsewhere(root, name, "member_expression"))


def _go_needs(spec: LanguageSpec, root: Node, rows: tuple[int, int]) -> tuple[str, ...]:
    imported = {
        _go_import_name(node)
        for _, c in spec.query_matches(_GO_IMPORTS, root)
        for node in c["import"]
    }
    used = [
        name
        for name in _qualifiers(spec, _GO_QUALIFIERS, root, rows)
        if name in _GO_PACKAGES and name not in imported
    ]
    return tuple(
        f'"{_GO_PACKAGES[name]}"'
        for name in used
        if not _named_elsewhere(root, name, "selector_expression")
    )


def _go_import_name(spec_node: Node) -> str:
    """The name an import spec binds: its alias, else the path's last element (the
    element before a major version suffix such as `/v2`)."""
    alias = spec_node.child_by_field_name("name")
    if alias is not None:
        return _text(alias)
    path = spec_node.child_by_field_name("path")
    elements = _text(path).strip('"`').split("/") if path is not None else [""]
    if len(elements) > 1 and elements[-1][:1] == "v" and elements[-1][1:].isdigit():
        return elements[-2]
    return elements[-1]


def _qualifiers(spec: LanguageSpec, query: str, root: Node, rows: tuple[int, int]) -> list[str]:
    """The qualifiers used on `rows`, each once, in order of first use."""
    found: dict[str, None] = {}
    for _, captures in spec.query_matches(query, root, rows):
        for node in captures["qualifier"]:
            if rows[0] <= node.start_point.row <= rows[1]:
                found.setdefault(_text(node), None)
    return list(found)


def _named_elsewhere(root: Node, name: str, member_type: str) -> bool:
    """Whether an identifier `name` stands anywhere other than as the qualifier of a
    member access: then something (an import, a parameter, a variable) may bind it."""
    pending = [root]
    while pending:
        node = pending.pop()
        if node.type in ("identifier", "package_identifier") and _text(node) == name:
            parent = node.parent
            qualifier = (
                parent is not None and parent.type == member_type and parent.child(0) == node
            )
            if not qualifier:
                return True
        pending.extend(node.children)
    return False


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")
