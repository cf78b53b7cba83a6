import pytest

from siyada.code.languages import LanguageSpec, count_tree_errors, encode_source, language_for
from siyada.code.suppressions import (
    FileCommentInsertion,
    file_is_suppressed,
    ignore_comment,
    ignore_file_insertion,
    is_suppressed,
    suppressed_categories,
)
from siyada.code.text import split_lines


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


# --- "Ignore in this file" ---------------------------------------------------------

# A file of each language with what must stay at its top, and the lines expected after
# the insertion.
_FILE_HEADERS = [
    (
        "python",
        '#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n"""Doc."""\ndef f():\n    pass\n',
        ["#!/usr/bin/env python3", "# -*- coding: utf-8 -*-", "# siyada: ignore-file"],
    ),
    ("python", "def f():\n    pass\n", ["# siyada: ignore-file", "def f():"]),
    (
        "javascript",
        "#!/usr/bin/env node\n'use strict';\nfunction f() {}\n",
        ["#!/usr/bin/env node", "// siyada: ignore-file", "'use strict';"],
    ),
    (
        "typescript",
        "// Copyright 2026\nexport function f(): void {}\n",
        ["// siyada: ignore-file", "// Copyright 2026"],
    ),
    ("tsx", "export const A = () => <div />;\n", ["// siyada: ignore-file", "export const"]),
    (
        "go",
        "//go:build linux\n// +build linux\n\n// Package p does.\npackage p\n\nfunc f() {}\n",
        ["//go:build linux", "// +build linux", "", "// siyada: ignore-file", "", "// Package"],
    ),
    (
        "go",
        "// Package p does.\npackage p\n\nfunc f() {}\n",
        ["// siyada: ignore-file", "", "// Package p does."],
    ),
    (
        "rust",
        "#![allow(dead_code)]\nfn f() {}\n",
        ["// siyada: ignore-file", "#![allow(dead_code)]"],
    ),
    (
        "rust",
        "#!/usr/bin/env run-cargo-script\nfn main() {}\n",
        ["#!/usr/bin/env run-cargo-script", "// siyada: ignore-file", "fn main() {}"],
    ),
    ("java", "package a;\nclass A {}\n", ["// siyada: ignore-file", "package a;"]),
    ("c", "#include <stdio.h>\nint f(void) { return 0; }\n", ["// siyada: ignore-file", "#inc"]),
    ("cpp", "#pragma once\nint f() { return 0; }\n", ["// siyada: ignore-file", "#pragma once"]),
]


@pytest.mark.parametrize(("language_id", "text", "expected_top"), _FILE_HEADERS)
def test_ignore_file_insertion_goes_where_a_file_comment_belongs(
    language_id: str, text: str, expected_top: list[str]
) -> None:
    spec = _spec(language_id)
    lines = split_lines(text)
    insertion = ignore_file_insertion(spec, lines)
    edited = [*lines[: insertion.line], *insertion.lines, *lines[insertion.line :]]

    assert len(edited) > len(expected_top)
    tops = [line[: len(top)] for line, top in zip(edited, expected_top, strict=False)]
    assert tops == expected_top
    edited_text = "\n".join(edited)
    assert file_is_suppressed(edited_text)
    # The comment is a comment: the file parses as well as before, with one more line.
    assert count_tree_errors(spec.parse(encode_source(edited_text))) == count_tree_errors(
        spec.parse(encode_source(text))
    )


def test_ignore_file_insertion_in_an_empty_document() -> None:
    insertion = ignore_file_insertion(_spec("python"), [""])
    assert insertion == FileCommentInsertion(0, ("# siyada: ignore-file",))


def test_the_insertion_is_never_past_the_last_line() -> None:
    # Build constraints and nothing else: the comment goes on the last (empty) line.
    insertion = ignore_file_insertion(_spec("go"), ["//go:build linux", ""])
    assert insertion == FileCommentInsertion(1, ("// siyada: ignore-file", ""))
    assert ignore_file_insertion(_spec("python"), ["#!/bin/python"]).line == 1
