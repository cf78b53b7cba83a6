"""Right-to-left text shown right (issue 17, item 2): code in isolates, right-to-left
lines isolated as a whole, English untouched, the model's bidi controls kept balanced."""

from __future__ import annotations

import pytest

from siyada.lsp.finding_text import capped, diagnostic_message, plain_line
from siyada.review.bidi import (
    FSI,
    LRI,
    PDI,
    RLI,
    closed,
    has_rtl,
    isolate_code,
    isolate_line,
    isolate_lines,
    isolate_markdown,
    open_isolates,
    reads_right_to_left,
    safe_bidi,
)
from siyada.review.findings import Finding

ARABIC = "`subprocess.call` يمرر الأمر إلى الصدفة"
HEBREW = "הפונקציה `os.system` מריצה את הפקודה בקליפה"
ENGLISH = [
    "Command injection via `shell=True` \u2014 the `cmd` string reaches a shell (unquoted).",
    'Use "subprocess.run(args)" instead; see `os.system`.',
    "```python\nx = 1\n```\n- item `a`\n\n# Heading",
    "",
]


def _balanced(text: str) -> bool:
    """Every isolate closed in its own line, and no PDI without an opener."""
    for line in text.split("\n"):
        depth = 0
        for char in line:
            if char in (LRI, RLI, FSI):
                depth += 1
            elif char == PDI:
                depth -= 1
                if depth < 0:
                    return False
        if depth:
            return False
    return True


def _finding(title: str, explanation: str, severity: str = "warning") -> Finding:
    return Finding("security", severity, title, explanation, "x", None, 0.8, 0, 0)


@pytest.mark.parametrize("text", ENGLISH)
def test_text_without_right_to_left_letters_is_left_byte_identical(text: str) -> None:
    assert not has_rtl(text)
    for shown in (isolate_code, isolate_line, isolate_lines, isolate_markdown, safe_bidi):
        assert shown(text) == text
    assert diagnostic_message(_finding("Unclosed `f`", text)) == diagnostic_message(
        _finding("Unclosed `f`", text)
    )


def test_english_diagnostic_message_is_unchanged() -> None:
    message = diagnostic_message(
        _finding("Command injection via `shell=True`", "The `cmd` argument reaches a shell.")
    )
    assert message == "Command injection via shell=True \u2014 The cmd argument reaches a shell."


def test_arabic_code_span_is_isolated_and_the_line_reads_right_to_left() -> None:
    assert isolate_code(ARABIC) == f"{FSI}`subprocess.call`{PDI} يمرر الأمر إلى الصدفة"
    assert isolate_line(ARABIC) == f"{RLI}{FSI}`subprocess.call`{PDI} يمرر الأمر إلى الصدفة{PDI}"
    # Without backticks in plain text, the code keeps its isolate and loses the marks.
    assert plain_line(ARABIC) == f"{RLI}{FSI}subprocess.call{PDI} يمرر الأمر إلى الصدفة{PDI}"


def test_hebrew_code_in_the_middle_is_isolated() -> None:
    assert isolate_line(HEBREW) == (
        f"{RLI}הפונקציה {FSI}`os.system`{PDI} מריצה את הפקודה בקליפה{PDI}"
    )


def test_unmarked_code_and_quoted_evidence_in_arabic_are_isolated_without_their_punctuation() -> (
    None
):
    line = "يستدعي «os.system(cmd)» مباشرة، ثم subprocess.call(cmd, shell=True)."
    assert isolate_line(line) == (
        f"{RLI}يستدعي «{FSI}os.system(cmd){PDI}» مباشرة، ثم "
        f"{FSI}subprocess.call(cmd, shell=True){PDI}.{PDI}"
    )
    # A bracket the run does not close stays with the Arabic sentence.
    assert isolate_code("(انظر run)") == f"(انظر {FSI}run{PDI})"


def test_a_sentence_opening_with_an_unmarked_name_still_reads_right_to_left() -> None:
    assert reads_right_to_left("subprocess.call(cmd, shell=True) يمرر الأمر إلى الصدفة.")
    assert reads_right_to_left("`eval` خطير")


def test_mostly_english_text_with_a_hebrew_word_stays_left_to_right() -> None:
    line = "Rename the variable שלום to `greeting` here"
    assert not reads_right_to_left(line)
    # Only the code is isolated: the English words are not wrapped one by one.
    assert isolate_line(line) == f"Rename the variable שלום to {FSI}`greeting`{PDI} here"


def test_already_isolated_spans_are_not_wrapped_again() -> None:
    once = isolate_line(ARABIC)
    assert isolate_line(once) == once
    assert isolate_code(once) == once
    model = f"يمرر {FSI}`x`{PDI} و {LRI}os.system{PDI} ثم `y`"
    assert isolate_code(model) == f"يمرر {FSI}`x`{PDI} و {LRI}os.system{PDI} ثم {FSI}`y`{PDI}"


def test_code_inside_an_isolate_the_model_wrote_is_isolated_in_it() -> None:
    assert isolate_line(f"{FSI}عنوان `x`{PDI}") == f"{FSI}عنوان {FSI}`x`{PDI}{PDI}"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        (f"a{PDI}b", "ab"),  # a PDI that closes nothing
        (f"{FSI}ملف", f"{FSI}ملف{PDI}"),  # an isolate left open is closed at the end
        (f"{RLI}ملف\nسطر{PDI}", f"{RLI}ملف{PDI}\nسطر"),  # ... and at its line's end
        (f"{FSI}{FSI}x{PDI}", f"{FSI}{FSI}x{PDI}{PDI}"),  # nested
        ("\u202eevil\u202c \u202a\u202b\u202d", "evil "),  # embeddings and overrides go
        ("\u200f\u200e\u061c", "\u200f\u200e\u061c"),  # the marks stay
    ],
)
def test_the_models_bidi_controls_are_balanced_and_overrides_removed(raw: str, safe: str) -> None:
    assert safe_bidi(raw) == safe
    assert _balanced(safe_bidi(raw))


def test_an_unbalanced_isolate_from_the_model_does_not_leak_into_the_message() -> None:
    message = diagnostic_message(_finding(f"{FSI}`eval` خطير", f"يمرر {PDI}الأمر. ثم"))
    assert _balanced(message)
    assert message.startswith(RLI) and message.endswith(PDI)


def test_markdown_keeps_its_blocks_fences_and_hard_breaks() -> None:
    markdown = (
        "- `eval` خطير\n- آمن\n\n```python\nx = 'ع'\n```\nفقرة **`x`** ثانية  \nسطر\n\n## عنوان `y`"
    )
    assert isolate_markdown(markdown) == (
        f"- {RLI}{FSI}`eval`{PDI} خطير{PDI}\n- {RLI}آمن{PDI}\n\n```python\nx = 'ع'\n```\n"
        f"{RLI}فقرة **{FSI}`x`{PDI}** ثانية{PDI}  \n{RLI}سطر{PDI}\n\n"
        f"## {RLI}عنوان {FSI}`y`{PDI}{PDI}"
    )


def test_markdown_emphasis_at_a_lines_edge_stays_outside_its_isolate() -> None:
    # `_` beside an isolate could neither open nor close emphasis in CommonMark.
    assert isolate_markdown("_مائل_ و **عريض**") == f"_{RLI}مائل_ و **عريض{PDI}**"
    assert isolate_markdown("- *`x` مائل*") == f"- *{RLI}{FSI}`x`{PDI} مائل{PDI}*"


def test_arabic_diagnostic_message_isolates_code_and_the_body_not_the_prefix() -> None:
    message = diagnostic_message(
        _finding("حقن أوامر عبر `shell=True`", f"{ARABIC}. استخدم قائمة.", severity="hint")
    )
    assert message == (
        f"Hint: {RLI}حقن أوامر عبر {FSI}shell=True{PDI} \u2014 "
        f"{FSI}subprocess.call{PDI} يمرر الأمر إلى الصدفة.{PDI}"
    )


def test_a_cut_message_never_splits_isolated_code_and_stays_balanced() -> None:
    words = "كلمة " * 30
    text = f"{RLI}{words}{FSI}subprocess.call(cmd, shell=True){PDI} النهاية{PDI}"
    cut = capped(text, 170)
    assert len(cut) <= 170 and _balanced(cut)
    assert FSI not in cut  # the code would have been cut: the cut moved before it
    assert cut == f"{RLI}{words.rstrip()}\u2026{PDI}"
    # A long message at the limit: every cut length stays balanced and within it.
    for limit in range(20, len(text)):
        shown = capped(text, limit)
        assert len(shown) <= limit and _balanced(shown), limit
        for at in open_isolates(text, len(shown.rstrip(PDI).rstrip("\u2026"))):
            assert text[at] != FSI


def test_code_longer_than_half_the_room_is_cut_inside_but_closed() -> None:
    text = f"{RLI}{FSI}{'x' * 300}{PDI} كلمة{PDI}"
    shown = capped(text, 200)
    assert len(shown) <= 200 and _balanced(shown)
    assert shown.endswith(f"\u2026{PDI}{PDI}")


def test_closed_closes_what_a_cut_left_open() -> None:
    assert closed(f"{RLI}a{FSI}b") == f"{RLI}a{FSI}b{PDI}{PDI}"
    assert closed("plain") == "plain"


def test_lines_are_isolated_each_on_its_own() -> None:
    first, third = "السطر الأول `a`", "الثالث"
    text = "\n".join((first, "second line", third))
    assert isolate_lines(text) == "\n".join(
        (f"{RLI}السطر الأول {FSI}`a`{PDI}{PDI}", "second line", f"{RLI}{third}{PDI}")
    )
    assert _balanced(isolate_lines(text))


def test_display_cleans_bidi_controls_even_in_english_from_an_older_cache() -> None:
    # An answer cached before overrides were removed on reading is cleaned when shown.
    assert isolate_line("run \u202edmc\u202c now") == "run dmc now"
    assert (
        diagnostic_message(_finding(f"Leak{PDI}", f"{FSI}Open.")) == f"Leak \u2014 {FSI}Open.{PDI}"
    )
