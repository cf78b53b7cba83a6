"""Case 6: model text can never drive a terminal or swamp an editor."""

from __future__ import annotations

import json

import pytest

from siyada.review.answer import (
    UnusableAnswer,
    findings_in_answer,
    read_answer,
    validate,
)
from siyada.review.sanitize import (
    ELLIPSIS,
    MAX_EXPLANATION_CHARS,
    MAX_TITLE_CHARS,
    has_controls,
    safe_text,
    safe_title,
    without_lone_surrogates,
)

HOSTILE_TITLE = "\x1b[2J\x1b]0;pwned\x07Unclosed file"
FUNCTION = "def load(path):\n    f = open(path)\n    return f.read()"
EVIDENCE = "    f = open(path)"


def _item(**overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "category": "bug",
        "severity": "warning",
        "title": "Unclosed file",
        "explanation": "The file stays open.",
        "evidence": EVIDENCE,
        "confidence": 0.9,
    }
    item.update(overrides)
    return item


def _no_controls(text: str, allowed: str = "") -> bool:
    return not any((ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F) and c not in allowed for c in text)


def test_case6_title_that_clears_the_screen_is_cleaned() -> None:
    assert safe_title(HOSTILE_TITLE) == "Unclosed file"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m", "red"),  # CSI (colour)
        ("\x9b2Jeight-bit CSI", "eight-bit CSI"),  # CSI, C1 spelling
        ("a\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC with ST
        ("\x9d0;title\x9cshown", "shown"),  # OSC, C1 spelling
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),  # DCS
        ("\x1b7saved\x1b8", "saved"),  # two-character sequences
        ("bell\x07 and \x00nul\x7fdel\x85nel", "bell and nul del nel"),  # lone controls
        ("\x1b]0;unterminated title", "0;unterminated title"),  # only the introducer goes
    ],
)
def test_case6_escape_sequences_and_controls_are_removed(raw: str, clean: str) -> None:
    assert safe_title(raw) == clean
    assert _no_controls(safe_text(raw), "\t\n")


def test_case6_title_is_one_line_and_capped() -> None:
    assert safe_title("  Two\nlines\r\nand\ttabs  ") == "Two lines and tabs"
    long = safe_title("word " * 500)
    assert len(long) <= MAX_TITLE_CHARS and long.endswith(ELLIPSIS)


def test_case6_explanation_keeps_lines_and_tabs_and_is_capped() -> None:
    assert safe_text("First.\r\n\tSecond.\rThird.\x1b[2J") == "First.\n\tSecond.\nThird."
    capped = safe_text("x" * 150_000)
    assert len(capped) == MAX_EXPLANATION_CHARS and capped.endswith(ELLIPSIS)


def test_case6_right_to_left_format_characters_are_kept() -> None:
    # First-strong isolate and pop directional isolate around Arabic text, and a
    # right-to-left mark: format characters, not controls.
    arabic = "\u2068\u0645\u0644\u0641 \u063a\u064a\u0631 \u0645\u063a\u0644\u0642\u2069 \u200f"
    assert safe_title(arabic) == arabic.strip()
    assert safe_text(arabic) == arabic.strip()


def test_case6_validate_cleans_every_shown_field() -> None:
    checked = validate(
        _item(
            title=HOSTILE_TITLE + "\nsecond line",
            explanation="\x1b]0;pwned\x07Leaks." + "!" * 150_000,
        )
    )
    assert checked is not None
    assert checked["title"] == "Unclosed file second line"
    assert checked["explanation"].startswith("Leaks.")
    assert len(checked["explanation"]) == MAX_EXPLANATION_CHARS
    # Evidence is only compared with the code, never shown: kept as the model wrote it.
    assert checked["evidence"] == EVIDENCE


def test_case6_finding_whose_title_is_only_controls_is_dropped() -> None:
    assert validate(_item(title="\x1b[2J\x1b]0;pwned\x07")) is None


@pytest.mark.parametrize("control", ["\x1b[2J", "\x00", "\x7f", "\x9b", "\ud800"])
def test_case6_replacement_with_controls_loses_its_fix(control: str) -> None:
    checked = validate(_item(replacement=f"    with open(path) as f:{control}"))
    assert checked is not None and checked["replacement"] is None
    assert has_controls(control)


def test_case6_replacement_with_tabs_and_line_breaks_keeps_its_fix() -> None:
    fix = "\twith open(path) as f:\r\n\t\tdata = f.read()"
    checked = validate(_item(replacement=fix))
    assert checked is not None and checked["replacement"] == fix
    assert not has_controls(fix)


def test_case6_lone_surrogates_become_replacement_characters() -> None:
    assert without_lone_surrogates("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert safe_title("\ud800 title").encode("utf-8") == "\ufffd title".encode()


# --- case 4: unusable answers are told apart from "no findings" ---------------------


@pytest.mark.parametrize(
    "content",
    [
        "Looks good to me!",
        '{"findings": [',
        '{"findings": null}',
        '{"verdict": "fine"}',
        "The result is [] here.",
        json.dumps({"findings": [{"line": 2, "problem": "leak"}]}),
    ],
)
def test_case4_unusable_answer_is_an_error_not_an_empty_result(content: str) -> None:
    with pytest.raises(UnusableAnswer):
        findings_in_answer(content, FUNCTION)


def test_case4_valid_answers_are_results_even_when_empty() -> None:
    assert findings_in_answer('{"findings": []}', FUNCTION) == []
    assert read_answer('Here you go: {"findings": []}') == []
    unanchored = json.dumps({"findings": [_item(evidence="    os.remove(path)")]})
    assert findings_in_answer(unanchored, FUNCTION) == []
    mixed = json.dumps({"findings": [{"junk": 1}, _item()]})
    (found,) = findings_in_answer(mixed, FUNCTION)
    assert found.start_line == 1


# --- issue 17: right-to-left text keeps its isolates, loses what could make it lie ---

FSI, PDI, LRI, RLI = "\u2068", "\u2069", "\u2066", "\u2067"


def test_isolates_survive_balanced_in_titles_and_explanations() -> None:
    text = f"{FSI}`subprocess.call`{PDI} يمرر {LRI}cmd{PDI} {RLI}إلى الصدفة{PDI}"
    assert safe_title(text) == text
    assert safe_text(f"{text}\n{text}") == f"{text}\n{text}"


@pytest.mark.parametrize("override", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"])
def test_bidi_embeddings_and_overrides_are_removed(override: str) -> None:
    # An override would show `cmd` reversed (or code in another order than it holds).
    assert safe_title(f"run {override}dmc{override} now") == "run dmc now"
    assert safe_text(f"a{override}b\n{override}c") == "ab\nc"


def test_an_unbalanced_isolate_from_the_model_is_repaired_in_its_line() -> None:
    # An open one is closed at its line's end; a PDI that closes nothing goes.
    assert safe_title(f"{FSI}open title") == f"{FSI}open title{PDI}"
    assert safe_title(f"stray{PDI} pop") == "stray pop"
    assert safe_text(f"{RLI}first\nsecond{PDI}") == f"{RLI}first{PDI}\nsecond"


def test_a_capped_title_closes_the_isolate_it_cuts() -> None:
    title = safe_title(f"{RLI}{'كلمة ' * 100}{PDI}")
    assert len(title) <= MAX_TITLE_CHARS
    assert title.endswith(f"{ELLIPSIS}{PDI}") and title.count(RLI) == title.count(PDI) == 1
