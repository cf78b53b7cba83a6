"""Deterministic Python sources for the benchmark: modules of plain functions and classes.

`generate` never nests functions (`generate_nested` does, for the nested-edits case), and
every function's text is unique (its name carries the module tag), so no two share a
review. About one function in eight carries a MARKER line, which the simulated model
reports as a finding: those become the diagnostics the benchmark waits for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.model_server import MARKER

SEED = 2025
MARKED_SHARE = 0.125

_STATEMENTS = (
    "values = [item * {a} for item in items if item > {b}]",
    "total += sum(values) if values else {a}",
    "label = f'{{total}}-{a}'",
    "lookup[{a}] = total % {b}",
    "total = max(total, limit * {a})",
    "if total > {b}:\n    total -= {a}",
    "while total > {b} * limit:\n    total //= {a}",
    "pairs = {{index: item for index, item in enumerate(items[:{a}])}}",
)


@dataclass
class Module:
    """A generated module: its lines, and where each function's editable line is."""

    name: str
    lines: list[str]
    # Function name -> index of its `total = ...` line, the line an edit rewrites.
    edit_lines: dict[str, int]
    marked: int

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _function(rng: random.Random, name: str, indent: str, marked: bool) -> list[str]:
    body = indent + "    "
    params = "self, items: list[int], limit: int" if indent else "items: list[int], limit: int"
    lines = [
        f"{indent}def {name}({params}) -> int:",
        f'{body}"""Fold the items for {name.replace("_", " ")}."""',
        f"{body}total = {rng.randint(0, 99)}",
        f"{body}lookup: dict[int, int] = {{}}",
        f"{body}for index, item in enumerate(items):",
        f"{body}    if item % {rng.randint(2, 9)} == 0:",
        f"{body}        total += item * {rng.randint(1, 9)}",
        f"{body}    elif index > limit:",
        f"{body}        break",
    ]
    for _ in range(rng.randint(1, 6)):
        template = rng.choice(_STATEMENTS)
        statement = template.format(a=rng.randint(2, 50), b=rng.randint(2, 500))
        lines.extend(body + part for part in statement.split("\n"))
    if marked:
        lines.append(f"{body}state = pickle.loads(payload_{rng.randint(0, 10**6)})  # {MARKER}")
    lines.append(f"{body}return total")
    return lines


def generate(tag: str, *, functions: int | None = None, lines: int | None = None) -> Module:
    """A module with exactly `functions` functions, or at least `lines` lines."""
    rng = random.Random(f"{SEED}-{tag}")
    module = Module(tag, ["import pickle", ""], {}, 0)
    count = 0

    def wanted() -> bool:
        if functions is not None:
            return count < functions
        # Two more: the trailing blank lines are dropped at the end.
        return len(module.lines) < (lines or 0) + 2

    while wanted():
        in_class = rng.random() < 0.4
        indent = "    " if in_class else ""
        if in_class:
            module.lines += [f"class Service{count}_{tag}:", f'    """Service {count}."""', ""]
        for _ in range(rng.randint(2, 4) if in_class else 1):
            if not wanted():
                break
            name = f"step_{count}_{tag}"
            marked = rng.random() < MARKED_SHARE
            start = len(module.lines)
            module.lines += [*_function(rng, name, indent, marked), ""]
            module.edit_lines[name] = start + 2
            module.marked += marked
            count += 1
        module.lines.append("")
    # Drop the trailing blank lines so the file ends with a single newline.
    while module.lines and not module.lines[-1]:
        module.lines.pop()
    return module


def _nested(rng: random.Random, names: list[str], level: int) -> tuple[list[str], int]:
    """`names[level]` with the deeper levels nested in it; and the index of the innermost
    function's `total = ...` line, the line an edit rewrites."""
    indent = "    " * level
    body = indent + "    "
    lines = [
        f"{indent}def {names[level]}(items: list[int], limit: int) -> int:",
        f"{body}total = {rng.randint(0, 99)}",
    ]
    edit_line = 1
    if level + 1 < len(names):
        inner, inner_edit = _nested(rng, names, level + 1)
        edit_line = len(lines) + inner_edit
        lines += [*inner, f"{body}total += {names[level + 1]}(items, limit)"]
    for _ in range(rng.randint(2, 5)):
        template = rng.choice(_STATEMENTS)
        statement = template.format(a=rng.randint(2, 50), b=rng.randint(2, 500))
        lines.extend(body + part for part in statement.split("\n"))
    lines.append(f"{body}return total")
    return lines, edit_line


def generate_nested(tag: str, *, groups: int, depth: int = 3) -> Module:
    """`groups` top-level functions, each nesting `depth - 1` more (outer > middle >
    inner); `edit_lines` holds the innermost ones, where the edits go."""
    rng = random.Random(f"{SEED}-{tag}")
    module = Module(tag, ["import pickle", ""], {}, 0)
    for group in range(groups):
        names = [f"level{level}_{group}_{tag}" for level in range(depth)]
        start = len(module.lines)
        lines, edit_line = _nested(rng, names, 0)
        module.lines += [*lines, "", ""]
        module.edit_lines[names[-1]] = start + edit_line
    while module.lines and not module.lines[-1]:
        module.lines.pop()
    return module
