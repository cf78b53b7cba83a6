"""Split a document into functions, the unit of review.

One tree-sitter query per language (`queries.py`) finds the function nodes, the
function values that may become units and the named containers that qualify their
names; `discovery.py` makes them qualified units, `spans.py` gives their rows and
`layout.py` their review text. A unit's text leaves out the bodies of the units nested
in it, so every line of the document is reviewed by one unit.

The document is cut into blocks (`blocks.py`), top-level nodes that share rows. After
edits, only the rows the changes touched are walked again; the other blocks' units are
reused.

Lines come from the tree's rows and text from `split_lines` of the document, never
from byte columns, so non-ASCII text and CRLF documents need no special care.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from siyada.code.blocks import Block, LocalUnit, RowChange, kept_blocks, moved_runs
from siyada.code.discovery import (
    MIN_NESTED_VALUE_LINES,
    MIN_VALUE_LINES,
    Item,
    collect_items,
    qualify,
)
from siyada.code.languages import LanguageSpec, Node, Tree, encode_source, top_level_nodes
from siyada.code.layout import LaidOut, Span, lay_out
from siyada.code.naming import disambiguated
from siyada.code.queries import RULES, Rules
from siyada.code.spans import last_row, unit_span
from siyada.code.text import split_lines
from siyada.code.units import FunctionUnit, lines_outside_units, unit_hash

__all__ = [
    "MIN_NESTED_VALUE_LINES",
    "MIN_VALUE_LINES",
    "Extraction",
    "FunctionUnit",
    "RowChange",
    "extract_functions",
    "lines_outside_units",
    "unit_hash",
    "update_functions",
]


def extract_functions(
    spec: LanguageSpec, text: str, tree: Tree | None = None
) -> list[FunctionUnit]:
    """The functions of `text`, in document order.

    `tree` may be the document's current parse (of `encode_source(text)`, or of the
    UTF-8 text when it has no lone \\r). Code with syntax errors yields whatever
    functions the parser could still recognise.
    """
    if tree is None or _has_lone_cr(text):
        tree = spec.parse(encode_source(text))
    return update_functions(spec, text, tree).units


@dataclass(frozen=True)
class Extraction:
    """The functions of a document, with what it takes to update them after edits."""

    units: list[FunctionUnit]
    blocks: tuple[Block, ...]
    # Qualified names in document order, and the unique names given to them.
    names: list[str] = field(default_factory=list)
    unique_names: list[str] = field(default_factory=list)


def update_functions(
    spec: LanguageSpec,
    text: str,
    tree: Tree,
    previous: Extraction | None = None,
    changes: Sequence[RowChange] | None = None,
    lines: list[str] | None = None,
) -> Extraction:
    """The functions of `text`, whose parse is `tree` (of `encode_source(text)`).

    With the `previous` extraction and every change since (the edits, and the rows
    `Tree.changed_ranges` reported), only the rows the changes touched are walked
    again; the other units are reused. The result is the same as a full extraction.
    `lines` may be the text's `split_lines`, when the caller has them.
    """
    rules = RULES.get(spec.id)
    if rules is None:
        return Extraction([], ())
    if lines is None:
        lines = split_lines(text)
    kept = [] if previous is None or changes is None else kept_blocks(previous.blocks, changes)
    blocks = _fill_gaps(spec, rules, tree.root_node, lines, kept)
    if blocks is None:  # the tree changed in a way the kept blocks cannot follow
        blocks = _fill_gaps(spec, rules, tree.root_node, lines, [])
        assert blocks is not None
    names = [local.name for block in blocks for local in block.units]
    # Which name gets "#2" depends on every name before it; mostly none changed.
    if previous is not None and previous.names == names:
        unique = previous.unique_names
    else:
        unique = disambiguated(names)
    units: list[FunctionUnit] = []
    at = 0
    for block in blocks:
        count = len(block.units)
        units.extend(block.function_units(spec.id, unique[at : at + count]))
        at += count
    return Extraction(units, tuple(blocks), names, unique)


def _fill_gaps(
    spec: LanguageSpec, rules: Rules, root: Node, lines: list[str], kept: list[Block]
) -> list[Block] | None:
    """The kept blocks, with the rows between them extracted again; None when a node
    between them reaches into a kept block's rows."""
    blocks: list[Block] = []
    row = 0
    for block in [*kept, None]:
        gap_end = len(lines) - 1 if block is None else block.first - 1
        if row <= gap_end:
            found = _extract_rows(spec, rules, root, lines, row, gap_end)
            if found is None:
                return None
            blocks.extend(found)
        if block is not None:
            blocks.append(block)
            row = block.last + 1
    return blocks


def _extract_rows(
    spec: LanguageSpec, rules: Rules, root: Node, lines: list[str], first: int, last: int
) -> list[Block] | None:
    """Blocks covering rows first..last (each block from its first node's row to the
    row before the next block), so kept blocks and new ones tile the document."""
    groups = _groups(root, rules.attachments, first, last)
    if groups is None:
        return None
    if not groups:
        return [Block(first, last, ())]
    byte_range = (groups[0][0].start_byte, groups[-1][-1].end_byte)
    items = collect_items(spec, rules, root, len(lines), byte_range)
    starts = [first, *(group[0].start_point.row for group in groups[1:]), last + 1]
    blocks: list[Block] = []
    at = 0
    for index, group in enumerate(groups):
        start, end = group[0].start_byte, group[-1].end_byte
        mine: list[Item] = []
        while at < len(items) and items[at].node.start_byte < start:
            at += 1  # a node outside every group: not the query's to report
        while at < len(items) and items[at].node.start_byte <= end:
            if items[at].node.end_byte <= end:
                mine.append(items[at])
            at += 1
        rows = (starts[index], starts[index + 1] - 1)
        blocks.append(_block(spec, rules, lines, rows, mine))
    return blocks


def _whole(span: Span, lines: list[str]) -> LaidOut:
    """What `lay_out` gives for a span alone: its lines, all its own."""
    count = span.end - span.start + 1
    text = "\n".join(lines[span.start : span.end + 1])
    return LaidOut(text, ((0, span.start, count),), count)


def _groups(
    root: Node, attachments: frozenset[str], first: int, last: int
) -> list[list[Node]] | None:
    """The top-level nodes within rows first..last, grouped when they share a row or
    one is an attachment of the next; None when one reaches out of those rows."""
    groups: list[list[Node]] = []
    for node in top_level_nodes(root, first, last):
        if node.start_point.row < first or last_row(node) > last:
            return None
        previous = groups[-1][-1] if groups else None
        before = node.prev_named_sibling if previous is None else None
        if before is not None and before.type in attachments:
            return None  # its attribute lies in a kept block
        if previous is not None and (
            node.start_point.row <= last_row(previous) or previous.type in attachments
        ):
            groups[-1].append(node)
        else:
            groups.append([node])
    if groups and groups[-1][-1].type in attachments:
        following = groups[-1][-1].next_named_sibling
        if following is not None and following.start_point.row > last:
            return None  # what it decorates lies in a kept block
    return groups


def _block(
    spec: LanguageSpec,
    rules: Rules,
    lines: list[str],
    rows: tuple[int, int],
    items: list[Item],
) -> Block:
    first = rows[0]
    if not items:
        return Block(first, rows[1], ())
    found = qualify(items)
    spans = [
        unit_span(unit.item.node, unit.parent, unit.own_name, rules.attachments, len(lines))
        for unit in found
    ]
    if len(spans) == 1:
        # The usual block, one function and nothing nested: its text is its lines.
        laid_out = [_whole(spans[0], lines)]
    else:
        laid_out = lay_out(spans, lines, spec.line_comment)
    locals_ = tuple(
        LocalUnit(
            unit.name,
            unit.kind,
            span.start - first,
            span.end - first,
            text_of.text,
            unit_hash(spec.id, text_of.text),
            moved_runs(text_of.runs, -first),
            text_of.own_lines,
        )
        for unit, span, text_of in zip(found, spans, laid_out, strict=True)
    )
    return Block(first, rows[1], locals_)


def _has_lone_cr(text: str) -> bool:
    return "\r" in text and text.count("\r") != text.count("\r\n")
