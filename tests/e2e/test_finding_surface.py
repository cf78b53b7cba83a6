"""What the user sees on a finding, over the real server (issue 16, cases 1 to 3): the
squiggle covers the evidence and nothing else, every finding that passes the filters
is listed in Problems, the message is one readable line, the hover tells the rest, and
the category links to its page."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    MODEL,
    finding,
    initialize,
    open_document,
    wait_for_diagnostics,
)
from tests.model_server import OllamaDouble

PYTHON = """import subprocess


def run(cmd):
    rc = subprocess.call(cmd, shell=True)  # run
    return rc
"""
GO = 'package p\r\n\r\nfunc Run(cmd string) {\r\n\t\texec.Command("sh", "-c", cmd).Run()\r\n}\r\n'
EXPLANATION = (
    "The `cmd` string reaches **a shell**, so `;` or `$(...)` in it runs more commands. "
    "Pass an argument list instead."
)
SHELL = {
    **finding(
        "subprocess.call(cmd, shell=True)",
        title="Command injection via `shell=True`",
        category="security",
        severity="hint",
        confidence=0.85,
    ),
    "explanation": EXPLANATION,
}


def _page_text(href: str) -> str:
    page = Path(unquote(urlparse(href).path))
    assert page.name.endswith(".md") and page.parent.name == "categories"
    return page.read_text(encoding="utf-8")


def _span(diagnostic: types.Diagnostic) -> tuple[int, int, int, int]:
    start, end = diagnostic.range.start, diagnostic.range.end
    return start.line, start.character, end.line, end.character


async def _hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )


async def test_case1_to_3_a_hint_on_an_expression_as_the_user_sees_it(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def run", content={"findings": [SHELL]})
    result = await initialize(client, endpoint=double.url)
    assert result.capabilities.hover_provider
    uri = open_document(client, tmp_path / "run.py", PYTHON)

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    # Case 1: just the call, not the indentation, the assignment or the comment.
    line = PYTHON.split("\n")[4]
    start = line.index("subprocess.call")
    assert _span(diagnostic) == (4, start, 4, start + len("subprocess.call(cmd, shell=True)"))
    # Case 2: a hint is listed in Problems (Information), and says it is a hint.
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    # Case 3: one line, Markdown stripped, the first sentence only.
    assert diagnostic.message == (
        "Hint: Command injection via shell=True \u2014 The cmd string reaches a shell, "
        "so ; or $(...) in it runs more commands."
    )
    assert diagnostic.code == "security"
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.startswith("file:///")
    assert "siyada: ignore[security]" in _page_text(diagnostic.code_description.href)
    assert diagnostic.data["title"] == "Command injection via `shell=True`"

    hover = await _hover(client, uri, 4, start + 3)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.range == diagnostic.range
    text = hover.contents.value
    assert text.startswith(
        "**Command injection via shell=True**\n\n"
        f"Hint \u00b7 security \u00b7 confidence 85% \u00b7 `{MODEL}`\n\n"
        f"{EXPLANATION}\n\n"
    )
    assert "[Review this file again](command:siyada.reviewFile)" in text
    assert f"({diagnostic.code_description.href})" in text
    # Over the indentation, or after the call, there is nothing to hover.
    assert await _hover(client, uri, 4, 2) is None
    assert await _hover(client, uri, 4, len(line) - 1) is None


async def test_case1_tabs_crlf_and_a_whole_line_in_go(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    whole = '\t\texec.Command("sh", "-c", cmd).Run()'
    double.add_rule("func Run", content={"findings": [finding(whole, severity="info")]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "run.go", GO, language="go")

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert _span(diagnostic) == (3, 2, 3, len(whole))
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.message == (
        "File handle is never closed \u2014 Explanation of: File handle is never closed."
    )


async def test_case1_multi_line_evidence_from_first_to_last_non_blank(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    text = "function sum(items) {\n  let total = 0;\n  for (const i of items) {\n"
    text += "    total += i;   \n  }\n  return total;\n}\n"
    evidence = "  for (const i of items) {\n    total += i;"
    double.add_rule("function sum", content={"findings": [finding(evidence, severity="error")]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "sum.js", text, language="javascript")

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert _span(diagnostic) == (2, 2, 3, len("    total += i;"))
    assert diagnostic.severity == types.DiagnosticSeverity.Error


async def test_case2_every_finding_that_passes_the_filters_is_listed_in_problems(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    source = "def f(xs):\n    a = xs[0] + 1\n    b = xs[1] + 2\n    c = xs[2] + 3\n"
    source += "    return a + b + c\n"
    severities = ("error", "warning", "hint")
    findings = [
        finding(f"{name} = xs[{i}] + {i + 1}", title=f"Finding {name}", severity=severity)
        for i, (name, severity) in enumerate(zip("abc", severities, strict=True))
    ]
    double.add_rule("def f", content={"findings": findings})
    await initialize(client, endpoint=double.url)  # minSeverity: its default, hint
    uri = open_document(client, tmp_path / "f.py", source)

    shown = await wait_for_diagnostics(client, uri, lambda d: len(d) == 3)

    # VS Code's Problems lists Error, Warning and Information; never Hint.
    by_title = {d.data["title"]: d for d in shown}
    assert [(t, by_title[t].severity) for t in sorted(by_title)] == [
        ("Finding a", types.DiagnosticSeverity.Error),
        ("Finding b", types.DiagnosticSeverity.Warning),
        ("Finding c", types.DiagnosticSeverity.Information),
    ]
    assert by_title["Finding c"].message == ("Hint: Finding c \u2014 Explanation of: Finding c.")
    assert by_title["Finding b"].message == "Finding b \u2014 Explanation of: Finding b."
