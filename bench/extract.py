"""How long function extraction takes on a large Python file, against Python's own parser.

Generates (deterministically) a Python module of about 2,000 lines with classes,
methods, decorators, async and nested functions, then reports the median over
`--repeats` runs of:

- tree-sitter: parse + `extract_functions` (what the server does on each change);
- tree-sitter: `extract_functions` on an existing tree (the query and unit building);
- `ast.parse` alone;
- `ast.parse` + an equivalent extraction (qualified names, line ranges, text with
  nested bodies left out, hash).

Run: python bench/extract.py [--lines 2000] [--repeats 30]
"""

from __future__ import annotations

import argparse
import ast
import random
import statistics
import time
from collections.abc import Callable, Iterator

from siyada.code.functions import extract_functions, unit_hash
from siyada.code.languages import encode_source, language_for
from siyada.code.text import split_lines

_SEED = 2024


def _function(rng: random.Random, name: str, indent: str, nested: bool) -> list[str]:
    lines = []
    if rng.random() < 0.3:
        lines.append(f"{indent}@functools.lru_cache(maxsize={rng.randint(8, 256)})")
    keyword = "async def" if rng.random() < 0.2 else "def"
    params = ", ".join(f"arg{i}: int = {i}" for i in range(rng.randint(0, 4)))
    lines.append(f"{indent}{keyword} {name}({params}) -> int:")
    body = indent + "    "
    lines.append(f'{body}"""Compute {name}; مرحبا 👋."""')
    lines.append(f"{body}total = 0")
    for i in range(rng.randint(1, 3)):
        lines.append(f"{body}for item in range({i + 3}):")
        lines.append(f"{body}    if item % {i + 2} == 0:")
        lines.append(f"{body}        total += item * {rng.randint(1, 9)}")
    if nested:
        lines.extend(_function(rng, f"{name}_helper", body, nested=False))
        lines.append(f"{body}total += {name}_helper()")
    lines.append(f"{body}return total")
    lines.append("")
    return lines


def _class(rng: random.Random, index: int) -> list[str]:
    lines = [f"class Service{index}:", f'    """Service number {index}."""', ""]
    for m in range(rng.randint(3, 6)):
        lines.extend(_function(rng, f"method_{m}", "    ", nested=rng.random() < 0.3))
    return lines


def generate_module(target_lines: int, seed: int = _SEED) -> str:
    """A deterministic Python module of at least `target_lines` lines."""
    rng = random.Random(seed)
    lines = ["import functools", ""]
    index = 0
    while len(lines) < target_lines:
        if index % 2 == 0:
            lines.extend(_class(rng, index))
        else:
            lines.extend(_function(rng, f"function_{index}", "", nested=rng.random() < 0.5))
        lines.append("")
        index += 1
    return "\n".join(lines) + "\n"


_FUNCTIONS = ast.FunctionDef | ast.AsyncFunctionDef


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([d.lineno for d in decorators] + [getattr(node, "lineno", 1)]) - 1


def _nested_functions(node: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _FUNCTIONS):
            yield child
        else:
            yield from _nested_functions(child)


def _review_text(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> str:
    """The function's lines, each nested function shown as signature and placeholder."""
    shown: list[str] = []
    row = _first_line(node)
    for child in _nested_functions(node):
        body_row = _first_line(child.body[0])
        last = (child.end_lineno or child.lineno) - 1
        shown += lines[row : _first_line(child)]
        if body_row == child.lineno - 1:  # a one-line function hides nothing
            shown += lines[_first_line(child) : last + 1]
        else:
            indent = lines[body_row][: len(lines[body_row]) - len(lines[body_row].lstrip())]
            shown += lines[_first_line(child) : body_row]
            shown.append(f"{indent}...  # body of {child.name}: reviewed on its own")
        row = last + 1
    shown += lines[row : (node.end_lineno or node.lineno)]
    return "\n".join(shown)


def _walk_ast(tree: ast.Module, lines: list[str]) -> list[tuple[str, int, int, str]]:
    """The extraction `extract_functions` does, built on `ast` instead."""
    found: list[tuple[str, int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> Iterator[None]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = _first_line(child)
                    last = (child.end_lineno or child.lineno) - 1
                    text = _review_text(child, lines)
                    found.append((name, first, last, unit_hash("python", text)))
                yield from visit(child, f"{name}.")
            else:
                yield from visit(child, prefix)

    for _ in visit(tree, ""):
        pass
    return found


def _median_ms(action: Callable[[], object], repeats: int) -> float:
    action()  # warm caches: grammar load, query compilation
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    spec = language_for("python")
    assert spec is not None
    text = generate_module(args.lines)
    source = encode_source(text)
    tree = spec.parse(source)
    units = extract_functions(spec, text, tree)
    reference = _walk_ast(ast.parse(text), split_lines(text))
    # Same units both ways, so the comparison is between equal work.
    assert [(u.name, u.start_line, u.end_line, u.hash) for u in units] == reference

    rows = [
        ("tree-sitter parse + extract_functions", lambda: extract_functions(spec, text)),
        ("extract_functions on an existing tree", lambda: extract_functions(spec, text, tree)),
        ("tree-sitter parse only", lambda: spec.parse(source)),
        ("ast.parse", lambda: ast.parse(text)),
        (
            "ast.parse + equivalent extraction",
            lambda: _walk_ast(ast.parse(text), split_lines(text)),
        ),
    ]
    results = [(label, _median_ms(action, args.repeats)) for label, action in rows]
    baseline = results[0][1]
    print(f"{len(split_lines(text))} lines, {len(units)} functions, median of {args.repeats} runs")
    print(f"{'':40} {'ms':>8} {'vs first':>9}")
    for label, ms in results:
        print(f"{label:40} {ms:8.2f} {ms / baseline:8.2f}x")


if __name__ == "__main__":
    main()
