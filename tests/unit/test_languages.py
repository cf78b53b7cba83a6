import dataclasses

import pytest

from siyada.code.languages import (
    LanguageSpec,
    count_syntax_errors,
    encode_source,
    language_for,
)

CANONICAL = ["python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp"]


@pytest.mark.parametrize(
    ("language_id", "expected"),
    [
        ("python", "python"),
        ("javascript", "javascript"),
        ("javascriptreact", "javascript"),
        ("jsx", "javascript"),
        ("typescript", "typescript"),
        ("typescriptreact", "tsx"),
        ("tsx", "tsx"),
        ("go", "go"),
        ("rust", "rust"),
        ("java", "java"),
        ("c", "c"),
        ("cpp", "cpp"),
    ],
)
def test_lsp_language_ids(language_id: str, expected: str) -> None:
    spec = language_for(language_id)
    assert spec is not None
    assert spec.id == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app.py", "python"),
        ("stubs/os.pyi", "python"),
        ("a.js", "javascript"),
        ("a.mjs", "javascript"),
        ("a.cjs", "javascript"),
        ("a.jsx", "javascript"),
        ("a.ts", "typescript"),
        ("a.mts", "typescript"),
        ("a.cts", "typescript"),
        ("a.tsx", "tsx"),
        ("main.go", "go"),
        ("lib.rs", "rust"),
        ("Main.java", "java"),
        ("a.c", "c"),
        ("a.h", "cpp"),
        ("a.cc", "cpp"),
        ("a.cpp", "cpp"),
        ("a.cxx", "cpp"),
        ("a.hpp", "cpp"),
        ("a.hh", "cpp"),
        ("a.hxx", "cpp"),
        ("file:///home/user/project/src/app.py", "python"),
        ("C:\\Users\\me\\src\\MAIN.RS", "rust"),
        ("dir.with.dots/module.ts", "typescript"),
    ],
)
def test_extension_fallback(path: str, expected: str) -> None:
    spec = language_for(None, path)
    assert spec is not None
    assert spec.id == expected


def test_known_language_id_wins_over_the_extension() -> None:
    spec = language_for("typescriptreact", "component.js")
    assert spec is not None
    assert spec.id == "tsx"


def test_unknown_language_id_falls_back_to_the_extension() -> None:
    spec = language_for("plaintext", "script.py")
    assert spec is not None
    assert spec.id == "python"


@pytest.mark.parametrize(
    ("language_id", "path"),
    [
        ("plaintext", None),
        ("markdown", "README.md"),
        (None, None),
        (None, "Makefile"),
        (None, ".bashrc"),
        (None, "archive.tar.gz"),
        ("", ""),
    ],
)
def test_unknown_languages_give_none(language_id: str | None, path: str | None) -> None:
    assert language_for(language_id, path) is None


@pytest.mark.parametrize("language_id", CANONICAL)
def test_line_comment(language_id: str) -> None:
    spec = language_for(language_id)
    assert spec is not None
    assert spec.line_comment == ("#" if language_id == "python" else "//")


def test_specs_are_shared_and_frozen() -> None:
    spec = language_for("python")
    assert spec is language_for(None, "x.py")
    assert isinstance(spec, LanguageSpec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.id = "go"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("language_id", "source", "root"),
    [
        ("python", "def f():\n    return 1\n", "module"),
        ("javascript", "const f = () => <div/>;\n", "program"),
        ("typescript", "let x: number = 1;\n", "program"),
        ("tsx", "const e = <T,>(x: T) => <b>{x}</b>;\n", "program"),
        ("go", "package p\nfunc f() {}\n", "source_file"),
        ("rust", "fn f() {}\n", "source_file"),
        ("java", "class A { void f() {} }\n", "program"),
        ("c", "int f(void) { return 0; }\n", "translation_unit"),
        ("cpp", "namespace n { int f() { return 0; } }\n", "translation_unit"),
    ],
)
def test_parse_each_language_cleanly(language_id: str, source: str, root: str) -> None:
    spec = language_for(language_id)
    assert spec is not None
    tree = spec.parse(source.encode())
    assert tree.root_node.type == root
    assert not tree.root_node.has_error
    assert count_syntax_errors(spec, source) == 0


def test_parse_with_an_edited_old_tree() -> None:
    spec = language_for("python")
    assert spec is not None
    old_source = b"def f():\n    return 1\n"
    new_source = b"def f():\n    return 12\n"
    tree = spec.parse(old_source)
    tree.edit(
        start_byte=20,
        old_end_byte=20,
        new_end_byte=21,
        start_point=(1, 11),
        old_end_point=(1, 11),
        new_end_point=(1, 12),
    )
    new_tree = spec.parse(new_source, tree)
    assert new_tree.root_node.text == new_source
    assert not new_tree.root_node.has_error


@pytest.mark.parametrize(
    ("language_id", "source", "errors"),
    [
        ("python", "def f(:\n    pass\n", 1),
        ("python", "x = (1,\n", 1),
        ("c", "int f(void) { return 1 }\n", 1),  # the missing ';' is a MISSING node
        ("javascript", "function f() { return 1;\n", 1),  # unclosed block
        ("go", "package p\nfunc f() { x := }\n", 1),
    ],
)
def test_count_syntax_errors(language_id: str, source: str, errors: int) -> None:
    spec = language_for(language_id)
    assert spec is not None
    assert count_syntax_errors(spec, source) == errors


def test_count_syntax_errors_counts_each_broken_place() -> None:
    spec = language_for("c")
    assert spec is not None
    one = "int f(void) { return 1 }\nint g(void) { return 2; }\n"
    two = "int f(void) { return 1 }\nint g(void) { return 2 }\n"
    assert count_syntax_errors(spec, one) == 1
    assert count_syntax_errors(spec, two) == 2


def test_encode_source_aligns_rows_with_split_lines() -> None:
    assert encode_source("a\rb\r\nc\n") == b"a\nb\nc\n"
    assert encode_source("مرحبا") == "مرحبا".encode()


def test_encode_source_tolerates_lone_surrogates() -> None:
    assert encode_source("x = '\ud800'").startswith(b"x = '")


def test_lone_cr_document_rows_match_lines() -> None:
    spec = language_for("python")
    assert spec is not None
    tree = spec.parse(encode_source("a = 1\rdef f(:\r    pass\r"))
    error_rows = {child.start_point.row for child in tree.root_node.children if child.has_error}
    assert error_rows == {1}
