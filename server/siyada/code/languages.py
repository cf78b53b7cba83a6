"""Grammar registry: the only module that touches the tree-sitter API.

Grammars come from the official per-language wheels, loaded in-process; nothing is
ever fetched at run time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter_c
import tree_sitter_cpp
import tree_sitter_go
import tree_sitter_java
import tree_sitter_javascript
import tree_sitter_python
import tree_sitter_rust
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

from siyada.code.text import split_lines

__all__ = [
    "LanguageSpec",
    "Match",
    "Node",
    "Tree",
    "count_syntax_errors",
    "encode_source",
    "language_for",
    "top_level_nodes",
]

# One query match: the pattern index and the nodes of each capture name.
Match = tuple[int, dict[str, list[Node]]]

_GRAMMARS: dict[str, Callable[[], object]] = {
    "python": tree_sitter_python.language,
    "javascript": tree_sitter_javascript.language,
    "typescript": tree_sitter_typescript.language_typescript,
    "tsx": tree_sitter_typescript.language_tsx,
    "go": tree_sitter_go.language,
    "rust": tree_sitter_rust.language,
    "java": tree_sitter_java.language,
    "c": tree_sitter_c.language,
    "cpp": tree_sitter_cpp.language,
}

_LANGUAGE_IDS: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "jsx": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "tsx": "tsx",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
}

# ".h" goes to C++ as VS Code does: the C++ grammar reads most C headers, while the C
# grammar turns every class in a C++ header into errors.
_EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "cpp",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
}

# A long parse gives the event loop a turn this often, and this long: a pause that
# really waits lets the thread reading the client's messages take the interpreter
# (the parse holds it). The source is read in chunks.
_PARSE_SLICE_SECONDS = 0.005
_PARSE_PAUSE_SECONDS = 0.001
_READ_CHUNK = 1 << 16

_languages: dict[str, Language] = {}
_queries: dict[tuple[str, str], Query] = {}
# A Parser is stateful but is only used by one parse at a time: every parse runs to its
# end on the event loop's thread, so one parser per language serves every document.
_parsers: dict[str, Parser] = {}


def _language(language_id: str) -> Language:
    language = _languages.get(language_id)
    if language is None:
        language = Language(_GRAMMARS[language_id]())
        _languages[language_id] = language
    return language


def _parser(language_id: str) -> Parser:
    parser = _parsers.get(language_id)
    if parser is None:
        parser = Parser(_language(language_id))
        _parsers[language_id] = parser
    return parser


def _query(language_id: str, source: str) -> Query:
    key = (language_id, source)
    query = _queries.get(key)
    if query is None:
        query = Query(_language(language_id), source)
        _queries[key] = query
    return query


@dataclass(frozen=True)
class LanguageSpec:
    """A supported language: canonical id, comment syntax and its parser."""

    id: str
    line_comment: str

    def parse(self, source: bytes, old_tree: Tree | None = None) -> Tree:
        """Parse UTF-8 `source`; `old_tree`, already edited, allows an incremental parse."""
        parser = _parser(self.id)
        # The binding rejects an explicit None for old_tree.
        return parser.parse(source) if old_tree is None else parser.parse(source, old_tree)

    async def parse_in_slices(self, source: bytes, old_tree: Tree | None = None) -> Tree:
        """`parse`, giving the event loop a turn every `_PARSE_SLICE_SECONDS`: some
        grammars (Python's among them) re-parse everything after an edit, and a large
        file must not keep requests waiting meanwhile. A parser of its own, as a halted
        parser resumes on its next call whatever it is given."""
        parser = Parser(_language(self.id))

        def read(offset: int, _point: object) -> bytes:
            return source[offset : offset + _READ_CHUNK]

        deadline = 0.0

        def halt(*_state: object) -> bool:
            return time.monotonic() > deadline

        while True:
            deadline = time.monotonic() + _PARSE_SLICE_SECONDS
            try:
                if old_tree is None:
                    return parser.parse(read, progress_callback=halt)
                return parser.parse(read, old_tree, progress_callback=halt)
            except ValueError:  # halted: the next call resumes where it stopped
                await asyncio.sleep(_PARSE_PAUSE_SECONDS)

    def query_matches(
        self,
        query: str,
        node: Node,
        rows: tuple[int, int] | None = None,
        byte_range: tuple[int, int] | None = None,
    ) -> list[Match]:
        """Run a tree-sitter query (compiled once per language) over `node`; with `rows`
        (first, last) or `byte_range` (start, end), only matches that touch them."""
        cursor = QueryCursor(_query(self.id, query))
        if rows is not None:
            cursor.set_point_range((rows[0], 0), (rows[1] + 1, 0))
        if byte_range is not None:
            cursor.set_byte_range(*byte_range)
        return cursor.matches(node)


_SPECS: dict[str, LanguageSpec] = {
    language_id: LanguageSpec(language_id, "#" if language_id == "python" else "//")
    for language_id in _GRAMMARS
}


def _extension(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def language_for(language_id: str | None, path: str | None = None) -> LanguageSpec | None:
    """The spec for an LSP language id, else for the extension of `path` (a path or URI).

    Unknown languages give None: they are simply not reviewed.
    """
    canonical = _LANGUAGE_IDS.get(language_id.lower()) if language_id else None
    if canonical is None and path:
        canonical = _EXTENSIONS.get(_extension(path))
    return _SPECS[canonical] if canonical else None


def top_level_nodes(root: Node, first_row: int, last_row: int) -> list[Node]:
    """The children of `root` that end after the start of row `first_row` and start
    no later than row `last_row`, in order; past the first row, found by bisection
    without visiting the others (`TreeCursor.goto_first_child_for_point` misses a point
    between two children)."""
    if first_row == 0:  # the whole list at once: `child(index)` walks from the start
        return [node for node in root.children if node.start_point.row <= last_row]
    low, high = 0, root.child_count
    while low < high:
        middle = (low + high) // 2
        child = root.child(middle)
        if child is not None and child.end_point <= (first_row, 0):
            low = middle + 1
        else:
            high = middle
    nodes: list[Node] = []
    for index in range(low, root.child_count):
        node = root.child(index)
        if node is None or node.start_point.row > last_row:
            break
        nodes.append(node)
    return nodes


def encode_source(text: str) -> bytes:
    """The bytes to parse for `text`, whose tree rows are the indices of `split_lines`.

    tree-sitter starts a row only at \\n, so a lone \\r becomes \\n here. Lone
    surrogates, which JSON lets a client send, pass through instead of raising.
    """
    if "\r" in text:
        text = "\n".join(split_lines(text))
    return text.encode("utf-8", "surrogatepass")


def count_syntax_errors(spec: LanguageSpec, text: str) -> int:
    """Number of ERROR and MISSING nodes in the parse of `text`."""
    return count_tree_errors(spec.parse(encode_source(text)))


def count_tree_errors(tree: Tree) -> int:
    """Number of ERROR and MISSING nodes in `tree`."""
    root = tree.root_node
    if not root.has_error:
        return 0
    count = 0
    # Only subtrees flagged has_error can hold an error, so the walk stays small.
    pending = [root]
    while pending:
        node = pending.pop()
        if node.is_error or node.is_missing:
            count += 1
        pending.extend(child for child in node.children if child.has_error)
    return count
