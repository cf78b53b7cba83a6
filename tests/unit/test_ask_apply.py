"""Where an answer's code block goes when applied, validated like a quick fix
(siyada.ask.apply)."""

from __future__ import annotations

from siyada.ask.apply import Refusal, Replacement, locate_evidence, plan_apply
from siyada.ask.subject import AskedFinding
from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import LanguageSpec, language_for
from siyada.code.text import split_lines

PYTHON = """import os


class Loader:
    def load(self, path):
        f = open(path)
        return f.read()


def other():
    return 1
"""
JS = """function load(path) {
  const f = fs.openSync(path);
  return fs.readFileSync(f);
}
"""


def spec_of(language: str) -> LanguageSpec:
    spec = language_for(language, f"a.{language}")
    assert spec is not None
    return spec


def unit_named(spec: LanguageSpec, text: str, name: str) -> FunctionUnit:
    return next(unit for unit in extract_functions(spec, text) if unit.name == name)


def finding_on(text: str, line: int) -> AskedFinding:
    evidence = split_lines(text)[line]
    return AskedFinding(
        title="File handle is never closed",
        explanation="It stays open.",
        category="bug",
        severity="warning",
        evidence=evidence.strip(),
        start_line=line,
        end_line=line,
        evidence_lines=(evidence,),
    )


def plan(code: str, *, finding: bool = True, name: str = "Loader.load") -> Replacement | Refusal:
    spec = spec_of("python")
    unit = unit_named(spec, PYTHON, name)
    asked = finding_on(PYTHON, 5) if finding else None
    return plan_apply(spec, PYTHON, None, unit, asked, code)


def test_a_whole_method_written_at_column_zero_replaces_the_method_indented() -> None:
    code = "def load(self, path):\n    with open(path) as f:\n        return f.read()\n"

    planned = plan(code, finding=False)

    assert planned == Replacement(
        4,
        6,
        "    def load(self, path):\n        with open(path) as f:\n            return f.read()",
        whole_function=True,
    )


def test_a_whole_function_inside_a_markdown_fence_is_taken_from_it() -> None:
    code = "```python\ndef load(self, path):\n    return open(path).read()\n```"

    planned = plan(code)

    assert isinstance(planned, Replacement) and planned.whole_function
    assert planned.text == "    def load(self, path):\n        return open(path).read()"


def test_lines_replace_the_findings_evidence_indented_like_it() -> None:
    planned = plan("f = open(path, encoding='utf-8')")

    assert planned == Replacement(
        5, 5, "        f = open(path, encoding='utf-8')", whole_function=False
    )


def test_lines_are_refused_in_a_conversation_about_no_finding() -> None:
    planned = plan("f = open(path, encoding='utf-8')", finding=False)

    assert isinstance(planned, Refusal)
    assert "not the whole function Loader.load" in planned.reason


def test_a_function_with_another_name_is_not_taken_for_this_one() -> None:
    planned = plan("def other():\n    return 2")

    assert planned == Refusal(
        "The code cannot replace the finding's lines: it adds or removes a definition."
    )


def test_a_whole_function_that_does_not_parse_is_refused() -> None:
    planned = plan("def load(self, path):\n    return (f.read(\n", finding=False)

    assert isinstance(planned, Refusal)


def test_a_whole_function_that_adds_top_level_code_is_refused() -> None:
    # Written at column 0 after the method: it would leave the class.
    code = "def load(self, path):\n    return 1\nimport shutil\nshutil.rmtree('/')"

    planned = plan(code, finding=False)

    assert isinstance(planned, Refusal)


def test_lines_that_add_an_import_are_refused_like_a_quick_fix() -> None:
    planned = plan("import shutil\nshutil.rmtree(path)")

    assert planned == Refusal("The code cannot replace the finding's lines: it adds an import.")


def test_an_empty_block_and_an_unchanged_one_are_refused() -> None:
    assert plan("  \n") == Refusal("The code block is empty.")
    assert plan("f = open(path)") == Refusal("The code block is the same as the finding's lines.")


def test_the_evidence_is_found_again_after_it_moved_inside_the_function() -> None:
    moved = PYTHON.replace("    def load(self, path):\n", "    def load(self, path):\n\n")
    unit = unit_named(spec_of("python"), moved, "Loader.load")
    finding = finding_on(PYTHON, 5)  # asked when the evidence was on line 5

    assert locate_evidence(split_lines(moved), finding, unit) == (6, 6)


def test_evidence_gone_from_the_function_is_refused() -> None:
    spec = spec_of("python")
    edited = PYTHON.replace("f = open(path)", "f = open(path, 'rb')")
    unit = unit_named(spec, edited, "Loader.load")

    planned = plan_apply(spec, edited, None, unit, finding_on(PYTHON, 5), "f = None")

    assert planned == Refusal("The finding's lines are no longer in the function.")


def test_a_whole_javascript_function_replaces_it() -> None:
    spec = spec_of("javascript")
    unit = unit_named(spec, JS, "load")
    code = "function load(path) {\n  return fs.readFileSync(path);\n}"

    planned = plan_apply(spec, JS, None, unit, None, code)

    assert planned == Replacement(0, 3, code, whole_function=True)
