"""A finding's range covers its evidence, not the indentation before it or the blanks
after it; a single expression quoted from a line is covered alone (issue 16, case 1).

Each case goes the way a model's answer goes in the server: read and anchored in the
function's text, placed in the document, made into a diagnostic."""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.code.text import split_lines
from siyada.lsp.protocol import to_diagnostic
from siyada.review.anchor import evidence_columns
from siyada.review.answer import findings_in_answer
from siyada.review.placement import place_findings
from siyada.review.settings import parse_settings

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF8 = PositionCodec(types.PositionEncodingKind.Utf8)


def _range(
    language: str, text: str, evidence: str, codec: PositionCodec = UTF16
) -> tuple[int, int, int, int]:
    """(start line, start character, end line, end character) of the diagnostic made for
    a finding quoting `evidence` in the only function of `text`."""
    spec = language_for(language)
    assert spec is not None
    units = extract_functions(spec, text)
    (unit,) = units
    answer = {
        "findings": [
            {
                "category": "security",
                "severity": "warning",
                "title": "Shell command",
                "explanation": "Runs a shell.",
                "evidence": evidence,
                "confidence": 0.9,
            }
        ]
    }
    findings = findings_in_answer(json.dumps(answer), unit.text)
    assert len(findings) == 1, f"the evidence did not anchor: {evidence!r}"
    settings, problems = parse_settings({})
    assert problems == []
    lines = split_lines(text)
    (placed,) = place_findings(units, {unit.hash: findings}, lines, text, settings, spec=spec)
    span = to_diagnostic(placed, lines, 1, codec, path="f.py").range
    return span.start.line, span.start.character, span.end.line, span.end.character


PYTHON = "def run(cmd):\n    rc = subprocess.call(cmd, shell=True)  # run\n    return rc\n"


def test_case1_an_expression_quoted_from_a_line_is_covered_alone() -> None:
    start = PYTHON.split("\n")[1].index("subprocess")
    end = start + len("subprocess.call(cmd, shell=True)")
    assert _range("python", PYTHON, "subprocess.call(cmd, shell=True)") == (1, start, 1, end)


def test_case1_a_whole_line_starts_at_its_first_non_blank_character() -> None:
    whole = "    rc = subprocess.call(cmd, shell=True)  # run"
    assert _range("python", PYTHON, whole) == (1, 4, 1, len(whole))
    # Quoted without its indentation, or with blanks after it: the same range.
    assert _range("python", PYTHON, whole.strip() + "   ") == (1, 4, 1, len(whole))


def test_case1_the_statement_without_its_comment_ends_before_the_comment() -> None:
    statement = "rc = subprocess.call(cmd, shell=True)"
    assert _range("python", PYTHON, statement) == (1, 4, 1, 4 + len(statement))


def test_case1_multi_line_evidence_runs_from_its_first_to_its_last_non_blank() -> None:
    text = "def f(items):\n    for item in items:\n        total = item / 0   \n    return 1\n"
    evidence = "for item in items:\n    total = item / 0"
    assert _range("python", text, evidence) == (1, 4, 2, len("        total = item / 0"))


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"])
def test_case1_tabs_and_every_line_break_style(line_break: str) -> None:
    go = 'package p\n\nfunc Run(cmd string) {\n\t\texec.Command("sh", "-c", cmd).Run()\n}\n'
    text = go.replace("\n", line_break)
    assert _range("go", text, 'exec.Command("sh", "-c", cmd)') == (3, 2, 3, 31)
    whole = '\t\texec.Command("sh", "-c", cmd).Run()'
    assert _range("go", text, whole) == (3, 2, 3, len(whole))


@pytest.mark.parametrize(
    ("language", "text", "evidence", "expected"),
    [
        (
            "javascript",
            "function run(cmd) {\n  const out = execSync(cmd, { shell: true });\n"
            "  return out;\n}\n",
            "execSync(cmd, { shell: true })",
            (1, 14, 1, 44),
        ),
        (
            "typescript",
            "function run(cmd: string): string {\n  return execSync(cmd).toString();\n}\n",
            "  return execSync(cmd).toString();",
            (1, 2, 1, 34),
        ),
        (
            "rust",
            'fn run(cmd: &str) {\n    let _ = Command::new("sh").arg(cmd).status();\n}\n',
            'Command::new("sh").arg(cmd)',
            (1, 12, 1, 39),
        ),
        (
            "java",
            "class A {\n    void run(String cmd) throws Exception {\n"
            "        Runtime.getRuntime().exec(cmd);\n    }\n}\n",
            "Runtime.getRuntime().exec(cmd);",
            (2, 8, 2, 39),
        ),
        (
            "c",
            "int run(const char *cmd) {\n    return system(cmd);\n}\n",
            "return system(cmd);",
            (1, 4, 1, 23),
        ),
    ],
)
def test_case1_in_every_language(
    language: str, text: str, evidence: str, expected: tuple[int, int, int, int]
) -> None:
    assert _range(language, text, evidence) == expected


def test_case1_characters_are_counted_in_the_clients_units() -> None:
    text = "def f(xs):\n    s = '\U0001f44b' + eval(xs)\n    return s\n"
    # Before `eval(xs)`: 14 characters, one of them an emoji of two UTF-16 units and
    # four UTF-8 bytes.
    assert _range("python", text, "eval(xs)") == (1, 15, 1, 23)
    assert _range("python", text, "eval(xs)", UTF8) == (1, 17, 1, 25)


def test_evidence_columns_of_edge_cases() -> None:
    # A fragment found twice in its line cannot say which: the line's non-blank span.
    assert evidence_columns("total / 0", ["  x = total / 0 + total / 0 "]) == (2, 27)
    # A blank line (never an anchor's edge) spans whole; nothing at all spans nothing.
    assert evidence_columns("x", ["    "]) == (0, 4)
    assert evidence_columns("x", []) == (0, 0)
    # A fenced quote is read inside its fence.
    assert evidence_columns("```\nreturn b / 0\n```", ["    return b / 0"]) == (4, 16)
