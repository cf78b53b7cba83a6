"""The tree-sitter queries that find units, function values and scopes, per language,
and what else each language needs to cut a document into functions."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FUNCTION_NODES", "RULES", "Rules"]


# Capture names: "@unit.<kind>" marks a function node, "@value.<kind>" a function value
# named by where it stands, "@scope.<kind>" a container whose name prefixes the
# functions inside it ("class" scopes also turn functions into methods). The name comes
# from "@name" (text), "@type" (a type, unwrapped from pointers, references and
# generics; with "@trait", a trait impl) or "@declarator" (a C/C++ declarator).

_PYTHON = """
(function_definition name: (identifier) @name) @unit.function
(decorated_definition definition: (function_definition name: (identifier) @name)) @unit.function
(class_definition name: (identifier) @name) @scope.class
(decorated_definition definition: (class_definition name: (identifier) @name)) @scope.class
(lambda) @value.lambda
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
(arrow_function) @value.arrow
[(function_expression) (generator_function)] @value.function
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
(func_literal) @value.function
"""

_RUST = """
(function_item name: (identifier) @name) @unit.function
(impl_item !trait type: (_) @type) @scope.class
(impl_item trait: (_) @trait type: (_) @type) @scope.class
(closure_expression) @value.closure
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
(lambda_expression) @value.lambda
(static_initializer) @value.initializer
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
(lambda_expression) @value.lambda
"""


@dataclass(frozen=True)
class Rules:
    query: str
    # Sibling nodes just before a unit that belong to it (decorators, attributes) when
    # the grammar does not make them its children.
    attachments: frozenset[str] = frozenset()
    # True when a function value bound to a name is always a unit, whatever its size:
    # Go's `step := func() {...}` is how Go names a local function.
    bound_values_are_units: bool = False


RULES: dict[str, Rules] = {
    "python": Rules(_PYTHON),
    "javascript": Rules(_JAVASCRIPT),
    "typescript": Rules(_TYPESCRIPT, frozenset({"decorator"})),
    "tsx": Rules(_TYPESCRIPT, frozenset({"decorator"})),
    "go": Rules(_GO, bound_values_are_units=True),
    "rust": Rules(_RUST, frozenset({"attribute_item"})),
    "java": Rules(_JAVA),
    "c": Rules(_C),
    "cpp": Rules(_CPP),
}


# Nodes that are a function: the part of a unit whose body a nested unit hides.
FUNCTION_NODES = frozenset(
    {
        "function_definition",
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "generator_function",
        "arrow_function",
        "method_definition",
        "method_declaration",
        "constructor_declaration",
        "compact_constructor_declaration",
        "func_literal",
        "function_item",
        "lambda_expression",
        "lambda",
        "closure_expression",
        "static_initializer",
    }
)
