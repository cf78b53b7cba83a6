import pytest

from siyada.code.languages import LanguageSpec, language_for
from siyada.code.suppressions import (
    file_is_suppressed,
    ignore_comment,
    is_suppressed,
    suppressed_categories,
)


def _spec(language_id: str) -> LanguageSpec:
    spec = language_for(language_id)
    assert spec is not None
    return spec


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("x = 1  # siyada: ignore", frozenset()),
        ("x = 1  # siyada:ignore", frozenset()),
        ("x = 1  # siyada: ignore[bug]", frozenset({"bug"})),
        ("f();  // siyada: ignore[security,performance]", frozenset({"security", "performance"})),
        (
            "f();  // siyada: ignore[ security , Performance ]",
            frozenset({"security", "performance"}),
        ),
        ("f();  // siyada: ignore []", frozenset()),
        ("f();  // siyada: ignore [bug]", frozenset({"bug"})),
        ("x  # siyada: ignore[bug] siyada: ignore[security]", frozenset({"bug", "security"})),
        ("x  # siyada: ignore[bug] siyada: ignore", frozenset()),
        ("x = 1", None),
        ("# siyada: ignore-file", None),
        ("# siyada: ignored", None),
        ("# siyada ignore", None),
    ],
)
def test_suppressed_categories(line: str, expected: frozenset[str] | None) -> None:
    assert suppressed_categories(line) == expected


def test_bare_ignore_covers_every_category() -> None:
    lines = ["x = eval(s)  # siyada: ignore"]
    for category in ("bug", "security", "performance", "maintainability"):
        assert is_suppressed(lines, 0, category)


def test_listed_categories_cover_only_themselves() -> None:
    lines = ["x = eval(s)  # siyada: ignore[security,performance]"]
    assert is_suppressed(lines, 0, "security")
    assert is_suppressed(lines, 0, "performance")
    assert not is_suppressed(lines, 0, "bug")


def test_comment_on_the_line_above_counts() -> None:
    lines = ["# siyada: ignore[bug]", "x = y / 0", "z = 1"]
    assert is_suppressed(lines, 1, "bug")
    assert not is_suppressed(lines, 2, "bug")  # two lines below: too far
    assert not is_suppressed(lines, 1, "security")


def test_comment_on_the_line_below_does_not_count() -> None:
    lines = ["x = y / 0", "# siyada: ignore"]
    assert not is_suppressed(lines, 0, "bug")


def test_ignore_file_is_not_a_line_ignore() -> None:
    lines = ["# siyada: ignore-file", "x = y / 0"]
    assert not is_suppressed(lines, 0, "bug")
    assert not is_suppressed(lines, 1, "bug")


def test_out_of_range_lines_are_not_suppressed() -> None:
    lines = ["# siyada: ignore"]
    assert not is_suppressed(lines, 5, "bug")
    assert not is_suppressed([], 0, "bug")
    assert is_suppressed(lines, 1, "bug")  # one past the end: the line above counts


def test_file_is_suppressed() -> None:
    assert file_is_suppressed('"""Generated."""\n# siyada: ignore-file\nx = 1\n')
    assert file_is_suppressed("int x; // siyada:ignore-file\n")
    assert not file_is_suppressed("x = 1  # siyada: ignore\n")
    assert not file_is_suppressed("# siyada: ignore-files\n")
    assert not file_is_suppressed("")


@pytest.mark.parametrize(
    ("language_id", "expected"),
    [
        ("python", "# siyada: ignore[bug]"),
        ("javascript", "// siyada: ignore[bug]"),
        ("rust", "// siyada: ignore[bug]"),
        ("cpp", "// siyada: ignore[bug]"),
    ],
)
def test_ignore_comment(language_id: str, expected: str) -> None:
    assert ignore_comment(_spec(language_id), "bug") == expected


def test_ignore_comment_round_trips() -> None:
    comment = ignore_comment(_spec("go"), "performance")
    lines = [f"\tfor {{}}  {comment}"]
    assert is_suppressed(lines, 0, "performance")
    assert not is_suppressed(lines, 0, "security")
