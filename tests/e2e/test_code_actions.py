"""Quick fixes and "Ignore" actions: carried edits, versioned, only when they are safe,
titled by what they do; a fix over more than one line is previewed before it applies."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    change_document,
    code_actions,
    finding,
    initialize,
    open_document,
    read_code_actions_by_the_spec,
    wait_for_diagnostics,
)
from tests.model_server import OllamaDouble

SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
FIX = "    with open(path) as f:\n        return f.read()"


def _only_edit(
    action: types.CodeAction,
) -> tuple[types.TextEdit | types.AnnotatedTextEdit, int | None]:
    assert action.edit is not None
    # Its only command tells the server it was applied, once the editor applied it.
    assert action.command is None or action.command.command == "siyada.recordFeedback"
    changes = action.edit.document_changes
    assert changes is not None and len(changes) == 1
    change = changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit | types.AnnotatedTextEdit)
    return edit, change.text_document.version


def _applied(text: str, edit: types.TextEdit | types.AnnotatedTextEdit) -> str:
    """`text` with an edit of whole-line positions (ASCII text) applied."""
    lines = text.split("\n")
    start, end = edit.range.start, edit.range.end
    before = "\n".join(lines[: start.line]) + ("\n" if start.line else "")
    before += lines[start.line][: start.character]
    after = lines[end.line][end.character :] + "\n" + "\n".join(lines[end.line + 1 :])
    return before + edit.new_text + after.removesuffix("\n")


async def test_quick_fix_replaces_the_evidence_lines(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix, ignore, dismiss, ask, ignore_file = await code_actions(client, uri, diagnostic)

    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert dismiss.title == "Siyada: Dismiss this finding" and dismiss.edit is None
    assert ask.title == "Siyada: Ask about this finding" and ask.edit is None
    # The evidence is one line, the fix two: no short change to name, so the problem is.
    assert fix.title == "Siyada: Fix “File handle is never closed”"
    edit, version = _only_edit(fix)
    assert version == 1
    # The squiggle covers the statement; the fix replaces its whole line.
    assert diagnostic.range == types.Range(
        start=types.Position(line=1, character=4), end=types.Position(line=1, character=18)
    )
    assert edit.range == types.Range(
        start=types.Position(line=1, character=0), end=types.Position(line=1, character=18)
    )
    assert edit.new_text == FIX
    assert not ignore.is_preferred
    assert ignore.title == "Siyada: Ignore this bug finding"
    ignore_edit, _ = _only_edit(ignore)
    assert ignore_edit.range.start == types.Position(line=1, character=0)
    assert ignore_edit.new_text == "    # siyada: ignore[bug]\n"
    assert not ignore_file.is_preferred
    assert ignore_file.title == "Siyada: Ignore in this file"


async def test_a_fix_over_several_lines_is_previewed_before_it_applies(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url)  # VS Code: change annotations supported
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix = (await code_actions(client, uri, diagnostic))[0]

    edit, version = _only_edit(fix)
    assert version == 1
    assert isinstance(edit, types.AnnotatedTextEdit) and edit.new_text == FIX
    assert fix.edit is not None and fix.edit.change_annotations is not None
    annotation = fix.edit.change_annotations[edit.annotation_id]
    assert annotation.needs_confirmation is True
    assert annotation.label == fix.title


async def test_a_one_line_fix_applies_without_a_preview(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    one_line = "    f = open(path, encoding='utf-8')"
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=one_line)]}
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix = (await code_actions(client, uri, diagnostic))[0]

    assert fix.title == "Siyada: Add “encoding='utf-8'”"
    edit, _ = _only_edit(fix)
    assert not isinstance(edit, types.AnnotatedTextEdit) and edit.new_text == one_line
    assert fix.edit is not None and fix.edit.change_annotations is None


async def test_no_preview_for_a_client_without_change_annotations(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, editor="emacs", endpoint=double.url)  # versioned, no annotations
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix = (await code_actions(client, uri, diagnostic))[0]

    edit, version = _only_edit(fix)
    assert version == 1
    assert not isinstance(edit, types.AnnotatedTextEdit) and edit.new_text == FIX
    assert fix.edit is not None and fix.edit.change_annotations is None


SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n"
SHELL_EVIDENCE = "    subprocess.run(cmd, shell=True)"
SHELL_FIX = "    subprocess.run(shlex.split(cmd))"


async def test_the_model_fix_title_names_the_fix_and_a_missing_import_is_said(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def run",
        content={
            "findings": [
                finding(
                    SHELL_EVIDENCE,
                    title="Shell injection",
                    category="security",
                    replacement=SHELL_FIX,
                    fix_title="use an argument list instead of shell=True",
                )
            ]
        },
    )
    await initialize(client, endpoint=double.url)
    without_import = open_document(client, tmp_path / "a.py", SHELL)
    with_import = open_document(client, tmp_path / "b.py", "import shlex\n" + SHELL)
    (first,) = await wait_for_diagnostics(client, without_import, lambda d: len(d) == 1)
    (second,) = await wait_for_diagnostics(client, with_import, lambda d: len(d) == 1)

    missing = await code_actions(client, without_import, first)
    present = await code_actions(client, with_import, second)

    assert [a.title for a in missing] == [
        "Siyada: Use an argument list instead of shell=True (needs import shlex)",
        "Siyada: Ignore this security finding",
        "Siyada: Dismiss this finding",
        "Siyada: Ask about this finding",
        "Siyada: Ignore in this file",
    ]
    assert present[0].title == "Siyada: Use an argument list instead of shell=True"
    assert _only_edit(present[0])[0].new_text == SHELL_FIX


async def test_ignore_in_this_file_silences_the_file(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    source = "#!/usr/bin/env python3\n" + SOURCE
    double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", source)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    ignore_file = (await code_actions(client, uri, diagnostic))[-1]
    assert ignore_file.title == "Siyada: Ignore in this file"
    edit, version = _only_edit(ignore_file)
    assert version == 1
    assert edit.range.start == types.Position(line=1, character=0)  # after the shebang
    change_document(client, uri, 2, _applied(source, edit))

    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)
    assert _applied(source, edit).startswith(
        "#!/usr/bin/env python3\n# siyada: ignore-file\ndef load"
    )


GO_SOURCE = (
    "//go:build linux\n\npackage p\n\nfunc Sum(xs []int) int {\n\ttotal := 0\n"
    "\tfor i := 0; i <= len(xs); i++ {\n\t\ttotal += xs[i]\n\t}\n\treturn total\n}\n"
)


async def test_ignore_in_this_file_after_go_build_constraints(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    evidence = "\tfor i := 0; i <= len(xs); i++ {"
    double.add_rule("func Sum", content={"findings": [finding(evidence, title="Off by one")]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "sum.go", GO_SOURCE, language="go")
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    edit, _ = _only_edit((await code_actions(client, uri, diagnostic))[-1])
    edited = _applied(GO_SOURCE, edit)
    change_document(client, uri, 2, edited)

    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)
    assert edited.startswith("//go:build linux\n\n// siyada: ignore-file\n\npackage p\n")


async def test_no_quick_fix_when_the_result_would_not_parse(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    broken = finding("    f = open(path)", replacement="    with open(path) as f\n        return (")
    double.add_rule("def load", content={"findings": [broken]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    actions = await code_actions(client, uri, diagnostic)

    assert [a.title for a in actions] == [
        "Siyada: Ignore this bug finding",
        "Siyada: Dismiss this finding",
        "Siyada: Ask about this finding",
        "Siyada: Ignore in this file",
    ]


async def test_stale_diagnostic_offers_nothing(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url, triggers={"onType": False})
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    # The evidence line is edited: the old diagnostic (version 1) must not be applied.
    change_document(client, uri, 2, SOURCE.replace("open(path)", "open(path, 'rb')"))
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)

    assert await code_actions(client, uri, diagnostic) == []


async def test_positions_are_utf16_with_arabic_and_emoji(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    line = '    print("مرحبا 👋🏽", eval(x))'
    source = f"def greet(x):\n{line}\n    return x\n"
    double.add_rule(
        "def greet",
        content={
            "findings": [
                finding(line, title="eval on input", category="security", severity="error")
            ]
        },
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "greet.py", source)

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.code == "security"
    assert diagnostic.range.end == types.Position(
        line=1, character=len(line.encode("utf-16-le")) // 2
    )
    assert diagnostic.range.end.character != len(line)


async def test_crlf_documents_keep_their_line_endings(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE.replace("\n", "\r\n"))
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix, ignore, _dismiss, _ask, ignore_file = await code_actions(client, uri, diagnostic)

    assert _only_edit(fix)[0].new_text == FIX.replace("\n", "\r\n")
    assert _only_edit(ignore)[0].new_text.endswith("\r\n")
    assert _only_edit(ignore_file)[0].new_text == "# siyada: ignore-file\r\n"


async def test_plain_workspace_edit_for_clients_without_document_changes(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url, versioned_edits=False)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix = (await code_actions(client, uri, diagnostic))[0]

    assert fix.edit is not None and fix.edit.document_changes is None
    assert fix.edit.changes is not None
    assert fix.edit.changes[uri][0].new_text == FIX


async def test_utf8_positions_when_the_client_negotiates_them(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    line = '    return "مرحبا 👋"'
    double.add_rule("def hi", content={"findings": [finding(line)]})
    result = await initialize(client, editor="neovim", endpoint=double.url)
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    uri = open_document(client, tmp_path / "hi.py", f"def hi():\n{line}\n")

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert diagnostic.range.end.character == len(line.encode("utf-8"))


async def test_one_ignore_in_this_file_for_several_findings(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load",
        content={
            "findings": [
                finding("    f = open(path)"),
                finding("    return f.read()", title="Reads it all", category="performance"),
            ]
        },
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    diagnostics = await wait_for_diagnostics(client, uri, lambda d: len(d) == 2)

    read_code_actions_by_the_spec(client)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=diagnostics[0].range.start, end=diagnostics[1].range.end),
            context=types.CodeActionContext(diagnostics=list(diagnostics)),
        )
    )

    actions = [a for a in result or [] if isinstance(a, types.CodeAction)]
    assert [a.title for a in actions] == [
        "Siyada: Ignore this bug finding",
        "Siyada: Dismiss this finding",
        "Siyada: Ask about this finding",
        "Siyada: Ignore this performance finding",
        "Siyada: Dismiss this finding",
        "Siyada: Ask about this finding",
        "Siyada: Ignore in this file",
    ]
    assert list(actions[-1].diagnostics or []) == list(diagnostics)
