"""The titles of Siyada's code actions: sentence case, naming the change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from siyada.i18n import use_locale
from siyada.lsp.action_titles import (
    ask_title,
    fix_title,
    ignore_action,
    ignore_file_action,
    ignore_file_title,
    ignore_title,
    sentence_case,
)


def test_arabic_ask_title_reads_as_one_isolate(arabic: None) -> None:
    assert ask_title() == f"Siyada: {isolated('اسأل عن هذه الملاحظة')}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "use an argument list instead of shell=True",
            "Use an argument list instead of shell=True",
        ),
        ("close", "Close"),
        ("Use a context manager", "Use a context manager"),
        ("shlex.split the command", "shlex.split the command"),
        ("os_path join", "os_path join"),
        ("eval() is gone", "eval() is gone"),
        ("", ""),
    ],
)
def test_sentence_case_leaves_code_alone(text: str, expected: str) -> None:
    assert sentence_case(text) == expected


def test_ignore_titles() -> None:
    assert ignore_title("security") == "Siyada: Ignore this security finding"
    assert ignore_file_title() == "Siyada: Ignore in this file"


def test_ask_title() -> None:
    assert ask_title() == "Siyada: Ask about this finding"


def test_the_model_fix_title_names_the_fix() -> None:
    title = fix_title(
        model_title="use an argument list instead of shell=True",
        problem_title="Shell injection",
        old_lines=["    run(cmd, shell=True)"],
        new_lines=["    run(shlex.split(cmd))"],
    )
    assert title == "Siyada: Use an argument list instead of shell=True"


def test_markdown_code_spans_lose_their_backticks() -> None:
    title = fix_title(
        model_title="use `shlex.split` instead of `shell=True`",
        problem_title="Shell injection",
        old_lines=["    run(cmd, shell=True)"],
        new_lines=["    run(shlex.split(cmd))"],
    )
    assert title == "Siyada: Use shlex.split instead of shell=True"


def test_a_needed_import_is_said() -> None:
    title = fix_title(
        model_title="use shlex.split",
        problem_title="Shell injection",
        old_lines=["    run(cmd, shell=True)"],
        new_lines=["    run(shlex.split(cmd))"],
        needed_imports=["shlex", "os"],
    )
    assert title == "Siyada: Use shlex.split (needs import shlex, os)"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            ["    run(cmd, shell=True)"],
            ["    run(cmd, shell=False)"],
            "Replace “True” with “False”",
        ),
        (
            ["    f = open(path)"],
            ["    f = open(path, encoding='utf-8')"],
            "Add “encoding='utf-8'”",
        ),
        (["    x = eval(s)  # parse"], ["    x = s  # parse"], "Replace “eval(s)” with “s”"),
        (["    data = load(path, unsafe=True)"], ["    data = load(path)"], "Remove “unsafe=True”"),
        (
            ["    f = open(path)", "    return f.read()"],
            ["    with open(path) as f:", "        return f.read()"],
            "Replace “f = open(path)” with “with open(path) as f:”",
        ),
        (
            ["    if n == None:"],
            ["    if n is None:"],
            "Replace “==” with “is”",
        ),
        (
            ["    total = a +", "        b"],
            ["    total = a -", "        b"],
            "Replace “+” with “-”",
        ),
    ],
)
def test_without_a_model_title_a_short_change_names_itself(
    old: list[str], new: list[str], expected: str
) -> None:
    assert (
        fix_title(model_title=None, problem_title="Problem", old_lines=old, new_lines=new)
        == f"Siyada: {expected}"
    )


def test_without_a_model_title_a_large_change_names_the_problem() -> None:
    title = fix_title(
        model_title=None,
        problem_title="File handle is never closed",
        old_lines=["    f = open(path)", "    data = f.read()", "    return data"],
        new_lines=[
            "    with open(path, encoding='utf-8') as handle:",
            "        return handle.read()",
        ],
    )
    assert title == "Siyada: Fix “File handle is never closed”"


def test_a_change_cut_inside_brackets_names_the_problem() -> None:
    # One evidence line replaced by two: the common end ")" cuts both sides mid-call.
    title = fix_title(
        model_title=None,
        problem_title="File handle is never closed",
        old_lines=["    f = open(path)"],
        new_lines=["    with open(path) as f:", "        return f.read()"],
    )
    assert title == "Siyada: Fix “File handle is never closed”"


# --- issue 17: titles in the user's language -----------------------------------------

FSI, PDI = "\u2068", "\u2069"


def isolated(text: str) -> str:
    return f"{FSI}{text}{PDI}"


@pytest.fixture
def arabic() -> Iterator[None]:
    use_locale("ar")
    yield
    use_locale(None)


def test_arabic_ignore_titles_keep_the_category_and_read_as_one_isolate(arabic: None) -> None:
    # All after "Siyada: " is one isolate: in a left-to-right menu it reads right to
    # left; the category is the contract word of `siyada: ignore[...]`.
    category = isolated("security")
    assert (
        ignore_title("security") == f"Siyada: {isolated(f'تجاهل هذه الملاحظة من فئة {category}')}"
    )
    assert ignore_file_title() == f"Siyada: {isolated('تجاهل الملاحظات في هذا الملف')}"
    assert (ignore_action("bug"), ignore_file_action()) == (
        f"تجاهل هذه الملاحظة من فئة {isolated('bug')}",
        "تجاهل الملاحظات في هذا الملف",
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            ["    run(cmd, shell=True)"],
            ["    run(cmd, shell=False)"],
            f"تغيير «{isolated('True')}» إلى «{isolated('False')}»",
        ),
        (
            ["    f = open(path)"],
            ["    f = open(path, encoding='utf-8')"],
            "إضافة «" + isolated("encoding='utf-8'") + "»",
        ),
        (
            ["    data = load(path, unsafe=True)"],
            ["    data = load(path)"],
            f"حذف «{isolated('unsafe=True')}»",
        ),
    ],
)
def test_arabic_change_titles(arabic: None, old: list[str], new: list[str], expected: str) -> None:
    title = fix_title(model_title=None, problem_title="Problem", old_lines=old, new_lines=new)
    assert title == f"Siyada: {isolated(expected)}"


def test_arabic_problem_title_and_needed_imports(arabic: None) -> None:
    title = fix_title(
        model_title=None,
        problem_title="مقبض الملف لا يُغلق",
        old_lines=["    f = open(path)", "    data = f.read()", "    return data"],
        new_lines=["    with open(path) as handle:", "        return handle.read()"],
        needed_imports=["shlex", "os"],
    )
    fix = f"إصلاح «{isolated('مقبض الملف لا يُغلق')}»"
    modules = isolated("shlex, os")
    assert title == f"Siyada: {isolated(f'{isolated(fix)} (يلزم استيراد {modules})')}"


@pytest.mark.parametrize(
    ("model_title", "shown"),
    [
        ("use `shlex.split` instead", "Use shlex.split instead"),
        ("استخدم `shlex.split` بدلًا من ذلك", "استخدم shlex.split بدلًا من ذلك"),
    ],
)
def test_the_models_fix_title_is_its_own_text_in_any_language(
    arabic: None, model_title: str, shown: str
) -> None:
    # The model already wrote it in the explanation language: isolated, not translated.
    title = fix_title(
        model_title=model_title,
        problem_title="Shell injection",
        old_lines=["    run(cmd, shell=True)"],
        new_lines=["    run(shlex.split(cmd))"],
    )
    assert title == f"Siyada: {isolated(shown)}"


def test_titles_are_english_again_after_arabic(arabic: None) -> None:
    assert ignore_title("security") != "Siyada: Ignore this security finding"
    use_locale(None)
    assert ignore_title("security") == "Siyada: Ignore this security finding"
    assert ignore_file_title() == "Siyada: Ignore in this file"
