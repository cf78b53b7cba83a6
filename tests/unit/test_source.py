from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from siyada.code.functions import extract_functions
from siyada.code.languages import LanguageSpec, language_for
from siyada.code.source import ParsedSource, TextEdit

PYTHON = language_for("python")
assert PYTHON is not None
SOURCE = """class Greeter:
    def hello(self, name):
        return f"مرحبا {name} 👋"


def total(items):
    return sum(items)
"""


def _units(spec: LanguageSpec, source: ParsedSource) -> list[tuple[str, int, int, str]]:
    return [
        (u.name, u.start_line, u.end_line, u.hash)
        for u in extract_functions(spec, source.text, source.tree)
    ]


def _fresh(spec: LanguageSpec, text: str) -> list[tuple[str, int, int, str]]:
    return [(u.name, u.start_line, u.end_line, u.hash) for u in extract_functions(spec, text)]


def test_an_edit_reparses_incrementally_and_matches_a_fresh_parse() -> None:
    assert PYTHON is not None
    source = ParsedSource(PYTHON, SOURCE)
    assert source.tree is not None  # the first parse
    at = SOURCE.index("sum(items)")
    source.apply(
        [TextEdit(at, at + len("sum(items)"), "sum(items) or 0\n\n\ndef more():\n    pass")]
    )
    source.apply([TextEdit(0, 0, "# a burst of edits is parsed once\n")])
    assert source.incremental_parses == 0  # parsed when the tree is next read
    tree = source.tree
    assert tree is not None and source.incremental_parses == 1
    assert tree.root_node.text == source.text.encode()
    assert _units(PYTHON, source) == _fresh(PYTHON, source.text)
    assert [name for name, *_ in _units(PYTHON, source)] == ["Greeter.hello", "total", "more"]
    assert source.incremental_parses == 1


def test_edits_after_non_ascii_text_land_in_the_right_place() -> None:
    assert PYTHON is not None
    source = ParsedSource(PYTHON, SOURCE)
    at = SOURCE.index("👋") + 1
    source.apply([TextEdit(at, at, "!"), TextEdit(0, 0, "# top\n")])
    assert "👋!" in source.text and source.text.startswith("# top\n")
    assert _units(PYTHON, source) == _fresh(PYTHON, source.text)


def test_case3_carriage_returns_keep_the_parse_incremental() -> None:
    assert PYTHON is not None
    for line_end in ("\r\n", "\r"):
        source = ParsedSource(PYTHON, SOURCE.replace("\n", line_end))
        assert source.tree is not None
        source.apply([TextEdit(0, 0, f"# x{line_end}")])
        at = source.text.index("sum(items)")
        source.apply([TextEdit(at, at, f"0 +{line_end}    ")])
        assert source.tree is not None and source.incremental_parses == 1
        assert _units(PYTHON, source) == _fresh(PYTHON, source.text)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_edit_sequences_match_fresh_parses(data: st.DataObject) -> None:
    assert PYTHON is not None
    source = ParsedSource(PYTHON, SOURCE)
    pieces = st.sampled_from(
        ["", "x", "\n", "def f():\n    return 1\n", "    ", "é", "👋", ")", ":"]
    )
    for _ in range(data.draw(st.integers(1, 6))):
        length = len(source.text)
        start = data.draw(st.integers(0, length))
        end = data.draw(st.integers(start, min(length, start + 8)))
        source.apply([TextEdit(start, end, data.draw(pieces))])
    assert _units(PYTHON, source) == _fresh(PYTHON, source.text)


def test_many_small_edits_on_a_large_file() -> None:
    assert PYTHON is not None
    text = "\n\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(500))
    source = ParsedSource(PYTHON, text)
    rng = random.Random(7)
    for _ in range(50):
        at = source.text.index("return", rng.randrange(len(source.text) - 20))
        source.apply([TextEdit(at, at, "0 or ")])
    assert _units(PYTHON, source) == _fresh(PYTHON, source.text)


def test_syntax_errors_after_an_edit_leave_the_document_unchanged() -> None:
    assert PYTHON is not None
    source = ParsedSource(PYTHON, SOURCE)
    tree_before, text_before = source.tree, source.text
    at = SOURCE.index("return sum")
    assert source.syntax_errors() == 0
    assert source.syntax_errors_after(TextEdit(at, at, "return (")) > 0
    assert source.syntax_errors_after(TextEdit(at, at + 6, "yield")) == 0
    assert source.tree is tree_before and source.text == text_before
    assert _units(PYTHON, source) == _fresh(PYTHON, SOURCE)


async def test_case3_a_parse_in_slices_matches_a_parse_and_keeps_edits_made_meanwhile() -> None:
    import asyncio

    assert PYTHON is not None
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(8_000))
    source = ParsedSource(PYTHON, text)
    assert source.functions()
    at = source.text.index("return x + 5")
    source.apply([TextEdit(at, at, "0 or ")])
    turns = 0

    async def meanwhile() -> None:
        nonlocal turns
        while not parsing.done():
            turns += 1
            if turns == 2:  # an edit while the parse runs
                end = source.text.index("return x + 7999")
                source.apply([TextEdit(end, end, "1 + ")])
            await asyncio.sleep(0)

    parsing = asyncio.ensure_future(source.parse_in_slices())
    await asyncio.gather(parsing, meanwhile())
    assert turns >= 2  # the edit came while the parse was running
    tree = source.tree
    assert tree is not None and tree.root_node.text == source.text.encode()
    assert _units(PYTHON, source) == _fresh(PYTHON, source.text)
    assert source.functions() == extract_functions(PYTHON, source.text)
