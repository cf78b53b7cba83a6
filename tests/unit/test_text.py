from hypothesis import given
from hypothesis import strategies as st

from siyada.code.text import split_lines, with_newlines


def test_splits_on_each_lsp_terminator() -> None:
    assert split_lines("a\nb\r\nc\rd") == ["a", "b", "c", "d"]


def test_trailing_terminator_gives_a_final_empty_line() -> None:
    assert split_lines("a\n") == ["a", ""]
    assert split_lines("a\r\n") == ["a", ""]


def test_empty_text_is_one_empty_line() -> None:
    assert split_lines("") == [""]


def test_crlf_is_one_break_but_lf_cr_is_two() -> None:
    assert split_lines("a\r\nb") == ["a", "b"]
    assert split_lines("a\n\rb") == ["a", "", "b"]


def test_other_unicode_breaks_stay_inside_lines() -> None:
    text = "a\x0cb\u2028c\u2029d\x85e\x1cf"
    assert split_lines(text) == [text]


def test_non_ascii_is_kept() -> None:
    assert split_lines("مرحبا\r\n👋 world") == ["مرحبا", "👋 world"]


@given(st.text(alphabet=st.sampled_from(["a", "é", "👋", "\n", "\r", "\u2028", " "])))
def test_lines_rejoin_to_the_text_with_normalized_breaks(text: str) -> None:
    lines = split_lines(text)
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    assert "\n".join(lines) == normalized
    assert not any("\n" in line or "\r" in line for line in lines)
    assert len(lines) == normalized.count("\n") + 1


def test_with_newlines_writes_every_terminator_as_newline() -> None:
    assert with_newlines("a\r\nb\rc\nd\x0ce\u2028f") == "a\nb\nc\nd\x0ce\u2028f"
    assert with_newlines("a\n\rb") == "a\n\nb"
