"""`explanationLanguage` end to end: the editor's `locale` chooses the language the
prompt asks for, the double answers in Arabic, the diagnostics carry its words at the
exact code, and a change of language re-reviews from an answer cache entry of its own."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from siyada.review.prompt import SYSTEM_PROMPT, system_prompt
from tests.e2e.conftest import (
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_idle,
    wait_for_message,
)
from tests.model_server import OllamaDouble

# Arabic comments around the code, and emoji (two UTF-16 units each) before the
# flagged call on its own line.
SOURCE = """import subprocess


def run_command(cmd):
    # يشغّل الأمر الذي يرسله المستخدم 👋
    label = "🚀🚀"; subprocess.call(cmd, shell=True)  # الصدفة هنا
    return label
"""
EVIDENCE = '    label = "🚀🚀"; subprocess.call(cmd, shell=True)  # الصدفة هنا'
ARABIC_TITLE = "تنفيذ أمر عبر الصدفة"
ARABIC_EXPLANATION = "يمرر الأمر إلى الصدفة فيمكن حقن أوامر أخرى"
ENGLISH_TITLE = "Command runs through the shell"


def script_answers(double: OllamaDouble) -> None:
    """The same finding in any language; Arabic words when the prompt asks for Arabic."""
    double.add_rule(
        "function: run_command\n",
        content={
            "findings": [
                finding(EVIDENCE, title=ENGLISH_TITLE, category="security", severity="error")
            ]
        },
        localized={"ar": [{"title": ARABIC_TITLE, "explanation": ARABIC_EXPLANATION + "."}]},
    )


def system_texts(double: OllamaDouble) -> list[str]:
    return [request["messages"][0]["content"] for request in double.chat_requests]


def utf16_offset(text: str, position: types.Position) -> int:
    """The code point offset in `text` of an LSP position (UTF-16 units), strictly:
    a position inside a character (half of an emoji) fails."""
    lines = text.split("\n")
    line = lines[position.line]
    line_start = sum(len(before) + 1 for before in lines[: position.line])
    units = 0
    for index in range(len(line) + 1):
        if units == position.character:
            return line_start + index
        if index < len(line):
            units += len(line[index].encode("utf-16-le")) // 2
    raise AssertionError(f"{position} is not at a character boundary")


def _titles(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return [d.message.split(" \u2014 ", 1)[0] for d in diagnostics]


async def _open(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path, **init: Any
) -> tuple[str, types.Diagnostic]:
    script_answers(double)
    await initialize(client, endpoint=double.url, **init)
    uri = open_document(client, tmp_path / "run.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    return uri, diagnostic


async def test_arabic_locale_asks_for_arabic_and_shows_its_words_at_the_exact_code(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    _, diagnostic = await _open(client, double, tmp_path, locale="ar")

    (asked,) = system_texts(double)
    assert asked == system_prompt("ar")
    assert "title, explanation and fix_title in Arabic (ar)" in asked
    assert "evidence is still copied exactly from the function" in asked
    assert ARABIC_TITLE in diagnostic.message and ARABIC_EXPLANATION in diagnostic.message
    assert ENGLISH_TITLE not in diagnostic.message
    # What never changes with the language: the severity, the category, the code.
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "security" in str(diagnostic.code)
    # The range covers the evidence from its first non-blank character to its last, in
    # UTF-16 units, past two emoji and before an Arabic comment's end.
    start = utf16_offset(SOURCE, diagnostic.range.start)
    end = utf16_offset(SOURCE, diagnostic.range.end)
    assert diagnostic.range.start.line == diagnostic.range.end.line == 5
    assert SOURCE[start:end] == EVIDENCE.strip()
    assert diagnostic.range.end.character == len(EVIDENCE.encode("utf-16-le")) // 2
    assert diagnostic.range.end.character == len(EVIDENCE) + 2  # each emoji is 2 units


async def test_without_a_locale_findings_are_in_english(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    _, diagnostic = await _open(client, double, tmp_path)

    assert system_texts(double) == [SYSTEM_PROMPT]
    assert "fix_title in English (en)" in SYSTEM_PROMPT
    assert _titles([diagnostic]) == [ENGLISH_TITLE]


async def test_the_setting_wins_over_the_locale(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    _, diagnostic = await _open(client, double, tmp_path, locale="ar", explanationLanguage="fr")

    assert system_texts(double) == [system_prompt("fr")]
    assert "fix_title in French (fr)" in system_texts(double)[0]
    assert _titles([diagnostic]) == [ENGLISH_TITLE]  # the double has no French words


async def test_a_malformed_language_is_reported_and_auto_is_used(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    _, diagnostic = await _open(
        client, double, tmp_path, locale="ar", explanationLanguage="Arabic please"
    )

    message = await wait_for_message(client, lambda m: "explanationLanguage" in m)
    assert "BCP 47" in message and "'Arabic please'" in message
    assert system_texts(double) == [system_prompt("ar")]
    assert ARABIC_TITLE in diagnostic.message


async def test_changing_the_language_rereviews_from_its_own_cache_entry(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri, _ = await _open(client, double, tmp_path, locale="ar")
    await wait_for_idle(client)
    assert len(double.chat_requests) == 1

    def configure(language: str) -> None:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"siyada": {"endpoint": double.url, "explanationLanguage": language}}
            )
        )

    configure("en")
    await wait_for_diagnostics(client, uri, lambda d: _titles(d) == [ENGLISH_TITLE])
    assert len(double.chat_requests) == 2, "English was not asked for anew"
    assert system_texts(double)[1] == SYSTEM_PROMPT

    # Back to Arabic: its answer is still in the cache, so nothing is asked.
    configure("ar")
    await wait_for_diagnostics(client, uri, lambda d: bool(d) and ARABIC_TITLE in d[0].message)
    assert await pending(client) == 0
    assert len(double.chat_requests) == 2, "the Arabic answer was not served from the cache"

    # "auto" with locale "ar" is Arabic too: the same answers, nothing reviewed again.
    configure("auto")
    assert await pending(client) == 0
    assert ARABIC_TITLE in client.diagnostics[uri][0].message
    assert len(double.chat_requests) == 2


async def pending(client: LanguageClient) -> int:
    """The reviews waiting or running, by the server's own count (a request answered
    after every notification sent before it has been handled)."""
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.status", arguments=[])
    )
    return int(status_field(status, "pending"))
