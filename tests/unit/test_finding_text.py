"""A diagnostic's message is one plain line: the title and the explanation's first
sentence, Markdown removed, capped near 200 characters; a hint is published as
Information and says "Hint" in words (issue 16, cases 2 and 3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.code.text import split_lines
from siyada.i18n import use_locale
from siyada.lsp.finding_text import (
    MAX_MESSAGE_CHARS,
    capped,
    diagnostic_message,
    first_sentence,
    plain_text,
)
from siyada.lsp.protocol import SEVERITY_TO_LSP, to_diagnostic
from siyada.review.bidi import safe_bidi
from siyada.review.findings import SEVERITIES, Finding
from siyada.review.placement import PlacedFinding

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)


def _finding(title: str, explanation: str, severity: str = "warning") -> Finding:
    return Finding("security", severity, title, explanation, "x", None, 0.8, 0, 0)


def test_case3_the_message_is_the_title_and_the_first_sentence_on_one_line() -> None:
    finding = _finding(
        "Command injection via `shell=True`",
        "The `cmd` argument reaches **a shell** unquoted.\n\nAn attacker who controls it "
        "runs [any command](https://example.com/x).",
    )
    assert diagnostic_message(finding) == (
        "Command injection via shell=True \u2014 The cmd argument reaches a shell unquoted."
    )


def test_case3_a_title_that_ends_a_sentence_is_followed_by_a_space() -> None:
    finding = _finding("Is the file closed?", "It is not. Use with.")
    assert diagnostic_message(finding) == "Is the file closed? It is not."


def test_case3_an_explanation_that_repeats_the_title_or_is_empty_adds_nothing() -> None:
    assert diagnostic_message(_finding("Division by zero.", "Division by zero.")) == (
        "Division by zero."
    )
    assert diagnostic_message(_finding("Division by zero", "  ")) == "Division by zero"


def test_case3_a_long_message_is_cut_at_a_word_with_an_ellipsis() -> None:
    explanation = "This value " + "grows without bound " * 20 + "over time."
    message = diagnostic_message(_finding("Unbounded cache", explanation))
    expected = "Unbounded cache \u2014 This value " + "grows without bound " * 8 + "grows\u2026"
    assert message == expected and len(message) <= MAX_MESSAGE_CHARS
    assert "\n" not in message
    # One word longer than the cap is cut inside the word.
    assert capped("x" * 300, 200) == "x" * 199 + "\u2026"
    assert capped("short", 200) == "short"


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        ("Use `os.path.join` here", "Use os.path.join here"),
        ("``a `tick` inside``", "a `tick` inside"),
        ("**bold**, __two words__, *it*, _it_ and ~~gone~~", "bold, two words, it, it and gone"),
        (
            "`__init__` and __init__ and snake_case_name",
            "__init__ and __init__ and snake_case_name",
        ),
        ('See [the docs](https://x.org/a "t") or ![img](a.png)', "See the docs or img"),
        ("Visit <https://example.com/p>", "Visit https://example.com/p"),
        ("# Heading\n> quoted\n- item\n1. first", "Heading quoted item first"),
        ("```python\nx = 1\n```", "x = 1"),
        ("a  *  b * c", "a * b * c"),
    ],
)
def test_case3_markdown_is_stripped(markdown: str, plain: str) -> None:
    assert plain_text(markdown) == plain


@pytest.mark.parametrize(
    ("explanation", "sentence"),
    [
        ("One. Two.", "One."),
        ("Calls `a. b` first. Then", "Calls `a. b` first."),
        ("Use a list, e.g. [1, 2], instead. More.", "Use a list, e.g. [1, 2], instead."),
        ("Version 3.11 changed it! Really.", "Version 3.11 changed it!"),
        ("No end at all", "No end at all"),
        ("Ends here.\nNext line.", "Ends here."),
        ("A paragraph without a stop\n\nThe next one.", "A paragraph without a stop"),
        ("Code `x.\n\ny` spans it. Then", "Code `x.\n\ny` spans it."),
    ],
)
def test_case3_the_first_sentence(explanation: str, sentence: str) -> None:
    assert first_sentence(explanation) == sentence


def test_case2_every_severity_is_listed_in_problems_and_a_hint_says_so() -> None:
    # VS Code's Problems lists Error, Warning and Information, never Hint.
    assert set(SEVERITY_TO_LSP) == set(SEVERITIES)
    assert types.DiagnosticSeverity.Hint not in SEVERITY_TO_LSP.values()
    assert {
        "error": types.DiagnosticSeverity.Error,
        "warning": types.DiagnosticSeverity.Warning,
        "info": types.DiagnosticSeverity.Information,
        "hint": types.DiagnosticSeverity.Information,
    } == SEVERITY_TO_LSP
    assert diagnostic_message(_finding("Unused name", "It is never read.", "hint")) == (
        "Hint: Unused name \u2014 It is never read."
    )
    assert diagnostic_message(_finding("Unused name", "It is never read.", "info")) == (
        "Unused name \u2014 It is never read."
    )


def test_case3_the_diagnostic_carries_message_severity_title_and_category_page() -> None:
    spec = language_for("python")
    assert spec is not None
    text = "def f(x):\n    return eval(x)\n"
    (unit,) = extract_functions(spec, text)
    finding = Finding(
        "security",
        "hint",
        "Use of `eval`",
        "Runs *any* code. Avoid it.",
        "return eval(x)",
        None,
        0.7,
        1,
        1,
    )
    placed = PlacedFinding(unit, finding, 1, 1)
    diagnostic = to_diagnostic(placed, split_lines(text), 4, UTF16, path="f.py")
    assert diagnostic.message == "Hint: Use of eval \u2014 Runs any code."
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.code == "security" and diagnostic.source == "siyada"
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.startswith("file://")
    assert diagnostic.code_description.href.endswith("/siyada/categories/security.md")
    assert diagnostic.data == {
        "version": 4,
        "startLine": 1,
        "endLine": 1,
        "evidenceLines": ["    return eval(x)"],
        "category": "security",
        "replacement": None,
        "title": "Use of `eval`",
        "function": "f",
        "functionHash": unit.hash,
        "path": "f.py",
        "evidence": "return eval(x)",
    }


# --- issue 17: "Hint" in the user's language ------------------------------------------

FSI, PDI, RLI = "\u2068", "\u2069", "\u2067"


@pytest.fixture
def arabic() -> Iterator[None]:
    use_locale("ar")
    yield
    use_locale(None)


def test_arabic_hint_word_makes_one_right_to_left_line(arabic: None) -> None:
    # The translated word reads right to left: the whole message is one right-to-left
    # line with the word on the right, the finding's own words one isolate in it.
    english = diagnostic_message(_finding("Unused name", "It is never read.", "hint"))
    assert english == f"{RLI}تلميح: {FSI}Unused name \u2014 It is never read.{PDI}{PDI}"
    arabic_body = diagnostic_message(
        _finding("حقن أوامر عبر `shell=True`", "يمرر الأمر إلى الصدفة.", "hint")
    )
    assert arabic_body == (
        f"{RLI}تلميح: {FSI}{RLI}حقن أوامر عبر {FSI}shell=True{PDI} \u2014 "
        f"يمرر الأمر إلى الصدفة.{PDI}{PDI}{PDI}"
    )
    # Other severities are said by the editor's icon, in no words of Siyada's.
    assert diagnostic_message(_finding("Unused name", "It is never read.", "info")) == (
        "Unused name \u2014 It is never read."
    )


def test_a_cut_arabic_hint_still_never_splits_isolated_code(arabic: None) -> None:
    # The code would be cut at the limit; the translated prefix isolates the whole
    # message, and the cut still moves before the code's isolate, not into it.
    words = "كلمة " * 30
    finding = _finding("عنوان", f"{words}`subprocess.call(cmd, shell=True)` النهاية.", "hint")
    message = diagnostic_message(finding)
    assert len(message) <= MAX_MESSAGE_CHARS and safe_bidi(message) == message
    assert "subprocess" not in message
    assert message.startswith(f"{RLI}تلميح: {FSI}{RLI}عنوان \u2014 كلمة")
    assert message.endswith(f"كلمة\u2026{PDI}{PDI}{PDI}")
