"""Python units against an independent extraction built on `ast`.

The reference computes, from `ast` alone, what `extract_functions` promises: qualified
names, line ranges, and a text where each nested function keeps its signature lines
and a placeholder instead of its body.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.code.text import split_lines

FIXTURES = Path(__file__).parent.parent / "fixtures" / "code"
FUNCTIONS = ast.FunctionDef | ast.AsyncFunctionDef
Unit = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
Reference = tuple[str, int, int, str]
# extract_functions' thresholds for a lambda: its own unit from this many lines.
TOP_LEVEL_LAMBDA_LINES, NESTED_LAMBDA_LINES = 3, 8


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([d.lineno for d in decorators] + [getattr(node, "lineno", 1)]) - 1


def _last_line(node: ast.AST) -> int:
    return (getattr(node, "end_lineno", None) or getattr(node, "lineno", 1)) - 1


def _is_unit_lambda(node: ast.AST, nested: bool) -> bool:
    if not isinstance(node, ast.Lambda):
        return False
    spanned = _last_line(node) - _first_line(node) + 1
    return spanned >= (NESTED_LAMBDA_LINES if nested else TOP_LEVEL_LAMBDA_LINES)


def _children(node: ast.AST, nested: bool) -> list[Unit]:
    """Units directly inside `node` (through classes and statements, not units)."""
    found: list[Unit] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, FUNCTIONS) or _is_unit_lambda(child, nested):
            found.append(child)  # type: ignore[arg-type]
        else:
            found.extend(_children(child, nested))
    return found


def _hidden(child: Unit) -> tuple[int, int] | None:
    """The rows of a nested unit's body left out of its outer unit."""
    body = child.body[0] if isinstance(child.body, list) else child.body
    first, last = _first_line(body), _last_line(child)
    if first == _first_line(child) or (isinstance(child, ast.Lambda) and first == child.lineno - 1):
        first += 1  # the body starts on the signature line, which stays
    return (first, last) if first <= last else None


def _own_name(child: Unit) -> str:
    return child.name if not isinstance(child, ast.Lambda) else "<lambda>"


def _text(node: Unit, lines: list[str]) -> str:
    shown: list[str] = []
    row = _first_line(node)
    for child in sorted(_children(node, nested=True), key=_first_line):
        shown.extend(lines[row : _first_line(child)])
        hidden = _hidden(child)
        if hidden is None:
            shown.extend(lines[_first_line(child) : _last_line(child) + 1])
        else:
            shown.extend(lines[_first_line(child) : hidden[0]])
            body = lines[hidden[0]]
            indent = body[: len(body) - len(body.lstrip())]
            shown.append(f"{indent}...  # body of {_own_name(child)}: reviewed on its own")
            shown.extend(lines[hidden[1] + 1 : _last_line(child) + 1])
        row = _last_line(child) + 1
    shown.extend(lines[row : _last_line(node) + 1])
    return "\n".join(shown)


def reference(text: str) -> list[Reference]:
    """Units as `ast` sees them; a lambda's name is "<lambda>" (`ast` does not name it)."""
    lines = split_lines(text)
    found: list[Reference] = []

    def visit(node: ast.AST, prefix: str, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FUNCTIONS | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if isinstance(child, FUNCTIONS):
                    found.append((name, _first_line(child), _last_line(child), _text(child, lines)))
                visit(child, f"{name}.", nested or isinstance(child, FUNCTIONS))
            elif _is_unit_lambda(child, nested):
                assert isinstance(child, ast.Lambda)
                span = (_first_line(child), _last_line(child))
                found.append(("<lambda>", *span, _text(child, lines)))
                visit(child, prefix, True)
            else:
                visit(child, prefix, nested)

    visit(ast.parse(text), "", False)
    uses: dict[str, int] = {}
    named: list[Reference] = []
    for name, first, last, shown in found:  # document order: repeated names get "#2"...
        uses[name] = uses.get(name, 0) + 1
        if uses[name] > 1 and name != "<lambda>":
            name = f"{name}#{uses[name]}"
        named.append((name, first, last, shown))
    return sorted(named, key=lambda entry: entry[1])


def _extracted(text: str) -> list[FunctionUnit]:
    spec = language_for("python")
    assert spec is not None
    return extract_functions(spec, text)


def _comparable(units: list[FunctionUnit], text: str) -> list[Reference]:
    """(name, first, last, text) of each unit; a lambda's name as `reference` gives it."""
    lambdas = {
        (_first_line(node), _last_line(node))
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Lambda)
    }
    compared = []
    for unit in units:
        name = unit.name
        if (unit.start_line, unit.end_line) in lambdas and unit.kind == "function":
            name = "<lambda>"
        compared.append((name, unit.start_line, unit.end_line, unit.text))
    return compared


NESTED = """import functools


class Outer:
    @functools.cache
    def method(self, x):
        '''Doc.'''
        def helper(y):
            def leaf(z): return z

            class Local:
                def inner(self):
                    return 1

            return leaf(y) + Local().inner()
        return helper(x)

    async def other(self):
        return 2


def top():
    return 3
"""

LAMBDAS = """handler = lambda event: (
    log(event),
    send(event),
)


def uses(items):
    key = lambda item: (
        item.a,
        item.b,
    )
    big = sorted(items, key=lambda item: (
        item.a,
        item.b,
        item.c,
        item.d,
        item.e,
        item.f,
    ))
    return key, big
"""


_LAMBDA_PLACEHOLDER = re.compile(r"(\s*\.\.\.  # body of )<lambda>(: reviewed on its own)")


def _line_pattern(line: str) -> str:
    placeholder = _LAMBDA_PLACEHOLDER.fullmatch(line)
    if placeholder is None:
        return re.escape(line)
    return re.escape(placeholder.group(1)) + ".+" + re.escape(placeholder.group(2))


def _assert_same(units: list[FunctionUnit], text: str) -> None:
    """Equal to the reference, where a lambda's placeholder may give the lambda's name."""
    found, expected = _comparable(units, text), reference(text)
    assert [entry[:3] for entry in found] == [entry[:3] for entry in expected]
    for (name, *_, shown), (*_, wanted) in zip(found, expected, strict=True):
        pattern = "\n".join(_line_pattern(line) for line in wanted.split("\n"))
        assert re.fullmatch(pattern, shown), name


@pytest.mark.parametrize("text", [NESTED, LAMBDAS, (FIXTURES / "sample.py").read_text("utf-8")])
def test_python_units_match_ast_with_nested_bodies_left_out(text: str) -> None:
    _assert_same(_extracted(text), text)


def _standard_library_modules() -> list[Path]:
    folder = Path(sys.modules["ast"].__file__ or "").parent
    names = ["ast.py", "argparse.py", "dataclasses.py", "functools.py", "typing.py"]
    names += ["inspect.py", "json/decoder.py", "asyncio/tasks.py", "email/utils.py"]
    return [folder / name for name in names if (folder / name).is_file()]


@pytest.mark.parametrize("path", _standard_library_modules(), ids=lambda path: path.name)
def test_standard_library_modules_match_ast(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    units = _extracted(text)
    assert len(units) > 5
    _assert_same(units, text)
