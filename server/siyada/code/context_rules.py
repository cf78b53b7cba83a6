"""Per language, the tree-sitter queries and node types that `context.py` reads a
function's context with.

Capture names: in `names`, "@name" is an identifier the function mentions; in `calls`,
"@callee" names what a call calls. In `imports`, "@bound" is a name an import binds,
"@path" a path whose last part is the bound name (a Go import without a name, a Rust
`path::{self}`), "@always" marks an import whose use cannot be told from names (a
wildcard, a C/C++ `#include`, `using namespace`, a Go dot import), and "@require" the
callee of a CommonJS `const x = require(...)`, checked to be `require`. In `types`,
"@type" is a type definition named "@name" (a Go struct, a Rust struct or enum), shown
beside the methods declared apart from it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONTEXT_RULES", "ContextRules"]


@dataclass(frozen=True)
class ContextRules:
    names: str
    calls: str
    imports: str
    # The statements that `imports` captures are part of, rendered whole.
    import_types: frozenset[str]
    # Members of a class body shown in its header (fields, attributes, associated items).
    field_types: frozenset[str] = frozenset()
    types: str = ""


_PYTHON = ContextRules(
    names="(identifier) @name",
    calls="(call function: [(identifier) @callee (attribute attribute: (identifier) @callee)])",
    imports="""
(import_statement name: (dotted_name . (identifier) @bound))
(import_statement name: (aliased_import alias: (identifier) @bound))
(import_from_statement name: (dotted_name (identifier) @bound .))
(import_from_statement name: (aliased_import alias: (identifier) @bound))
(import_from_statement (wildcard_import) @always)
""",
    import_types=frozenset({"import_statement", "import_from_statement"}),
    field_types=frozenset({"expression_statement"}),
)

_ECMASCRIPT_CALLS = """
(call_expression function: [
  (identifier) @callee
  (member_expression property: (property_identifier) @callee)])
(new_expression constructor: (identifier) @callee)
"""

_ECMASCRIPT_IMPORTS = """
(import_clause (identifier) @bound)
(namespace_import (identifier) @bound)
(import_specifier !alias name: (identifier) @bound)
(import_specifier alias: (identifier) @bound)
(variable_declarator
  name: (identifier) @bound
  value: (call_expression function: (identifier) @require))
(variable_declarator
  name: (object_pattern (shorthand_property_identifier_pattern) @bound)
  value: (call_expression function: (identifier) @require))
(variable_declarator
  name: (object_pattern (pair_pattern value: (identifier) @bound))
  value: (call_expression function: (identifier) @require))
"""

_ECMASCRIPT_IMPORT_TYPES = frozenset(
    {"import_statement", "lexical_declaration", "variable_declaration"}
)

_JAVASCRIPT = ContextRules(
    names="[(identifier) (property_identifier) (shorthand_property_identifier)] @name",
    calls=_ECMASCRIPT_CALLS,
    imports=_ECMASCRIPT_IMPORTS,
    import_types=_ECMASCRIPT_IMPORT_TYPES,
    field_types=frozenset({"field_definition"}),
)

_TYPESCRIPT = ContextRules(
    names="""[(identifier) (type_identifier) (property_identifier)
  (shorthand_property_identifier)] @name""",
    calls=_ECMASCRIPT_CALLS,
    imports=_ECMASCRIPT_IMPORTS + "(import_require_clause (identifier) @bound)",
    import_types=_ECMASCRIPT_IMPORT_TYPES,
    field_types=frozenset({"public_field_definition"}),
)

_JAVA = ContextRules(
    names="[(identifier) (type_identifier)] @name",
    calls="""
(method_invocation name: (identifier) @callee)
(object_creation_expression type: (type_identifier) @callee)
""",
    imports="""
(import_declaration (scoped_identifier name: (identifier) @bound) .)
(import_declaration (asterisk) @always)
""",
    import_types=frozenset({"import_declaration"}),
    field_types=frozenset({"field_declaration", "constant_declaration"}),
)

_GO = ContextRules(
    names="[(identifier) (type_identifier) (package_identifier) (field_identifier)] @name",
    calls="""
(call_expression function: [
  (identifier) @callee
  (selector_expression field: (field_identifier) @callee)])
""",
    imports="""
(import_spec name: (package_identifier) @bound)
(import_spec !name path: (_) @path)
(import_spec name: (dot) @always)
""",
    import_types=frozenset({"import_spec"}),
    types="(type_spec name: (type_identifier) @name) @type",
)

_RUST = ContextRules(
    names="[(identifier) (type_identifier) (field_identifier)] @name",
    calls="""
(call_expression function: [
  (identifier) @callee
  (scoped_identifier name: (identifier) @callee)
  (field_expression field: (field_identifier) @callee)
  (generic_function function: (identifier) @callee)])
""",
    imports="""
(use_declaration argument: (identifier) @bound)
(use_declaration argument: (scoped_identifier name: (identifier) @bound))
(use_as_clause alias: (identifier) @bound)
(use_list (identifier) @bound)
(use_list (scoped_identifier name: (identifier) @bound))
(scoped_use_list path: (_) @path list: (use_list (self)))
(use_wildcard) @always
""",
    import_types=frozenset({"use_declaration"}),
    field_types=frozenset({"const_item", "type_item"}),
    types="""
(struct_item name: (type_identifier) @name) @type
(enum_item name: (type_identifier) @name) @type
(union_item name: (type_identifier) @name) @type
""",
)

_C_CALLS = """
(call_expression function: [
  (identifier) @callee
  (field_expression field: (field_identifier) @callee)])
"""

_C = ContextRules(
    names="[(identifier) (type_identifier) (field_identifier)] @name",
    calls=_C_CALLS,
    imports="(preproc_include) @always",
    import_types=frozenset({"preproc_include"}),
)

_CPP = ContextRules(
    names="[(identifier) (type_identifier) (field_identifier) (namespace_identifier)] @name",
    calls=_C_CALLS
    + """
(call_expression function: [
  (qualified_identifier name: (identifier) @callee)
  (template_function name: (identifier) @callee)])
""",
    imports="""
(preproc_include) @always
(using_declaration (qualified_identifier name: (identifier) @bound))
(using_declaration "namespace") @always
""",
    import_types=frozenset({"preproc_include", "using_declaration"}),
    field_types=frozenset({"field_declaration", "access_specifier"}),
)

CONTEXT_RULES: dict[str, ContextRules] = {
    "python": _PYTHON,
    "javascript": _JAVASCRIPT,
    "typescript": _TYPESCRIPT,
    "tsx": _TYPESCRIPT,
    "java": _JAVA,
    "go": _GO,
    "rust": _RUST,
    "c": _C,
    "cpp": _CPP,
}
