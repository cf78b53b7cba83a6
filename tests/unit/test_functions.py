import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyada.code.functions import FunctionUnit, extract_functions, parses_cleanly, unit_hash
from siyada.code.languages import LanguageSpec, encode_source, language_for
from siyada.code.text import split_lines

FIXTURES = Path(__file__).parent.parent / "fixtures" / "code"

# (qualified name, kind, start line, end line), 0-based and inclusive.
EXPECTED: dict[str, list[tuple[str, str, int, int]]] = {
    "sample.py": [
        ("total", "function", 5, 6),
        ("cached", "function", 9, 12),  # starts at its first decorator
        ("fetch", "function", 15, 19),
        ("fetch.retry", "function", 16, 17),
        ("Inventory.__init__", "method", 25, 26),
        ("Inventory.count", "method", 28, 30),
        ("Inventory.refresh", "method", 32, 39),
        ("Inventory.refresh.merge", "function", 33, 37),
        ("Inventory.refresh.merge.pick", "function", 34, 35),
        ("Inventory.Entry.label", "method", 42, 43),
        ("handler", "function", 46, 48),  # its lambda is not a unit
    ],
    "sample.js": [
        ("add", "function", 1, 3),
        ("ids", "function", 5, 7),
        ("double", "arrow", 9, 9),
        ("format", "function", 11, 13),
        ("Cart.onChange", "arrow", 18, 20),
        ("Cart.constructor", "method", 22, 24),
        ("Cart.entries", "method", 26, 28),
        ("Cart.render", "method", 30, 34),  # the forEach callback stays inside
        ("obj.prop", "function", 37, 39),
        ("Cart.clear", "function", 41, 43),
        ("api.get", "arrow", 46, 46),
        ("api.post", "method", 47, 49),
        ("setTimeout() handler", "arrow", 52, 54),  # a 3-line callback outside any unit
    ],
    "sample.jsx": [
        ("Greeting", "function", 2, 4),
        ("Button", "arrow", 6, 8),
        ("App", "function", 10, 12),
    ],
    "sample.ts": [
        ("parse", "function", 6, 8),  # the two overload signatures are not units
        ("Base.log", "method", 13, 15),
        ("Circle.constructor", "method", 19, 21),
        ("Circle.area", "method", 23, 26),  # starts at its decorator
        ("Circle.describe", "method", 28, 30),
        ("Circle.onResize", "arrow", 32, 34),
        ("Geometry.distance", "function", 38, 40),
        ("square", "arrow", 43, 43),
    ],
    "sample.tsx": [
        ("Counter", "function", 6, 10),
        ("Counter.increment", "arrow", 8, 8),
        ("Title", "arrow", 12, 12),
        ("Panel.render", "method", 15, 17),
    ],
    "sample.go": [
        ("New", "function", 8, 10),
        ("Stack.Push", "method", 12, 14),
        ("Stack.Len", "method", 16, 18),
        ("Printer.Print", "method", 22, 27),
        ("Printer.Print.format", "function", 23, 25),
        ("cleanup", "function", 29, 31),
        ("main", "function", 33, 37),
    ],
    "sample.rs": [
        ("Stack.new", "method", 8, 10),
        ("Stack.push", "method", 12, 15),  # starts at #[inline]
        ("<Display for Stack>.fmt", "method", 19, 21),
        ("Shape.describe", "method", 27, 29),
        ("outer", "function", 32, 38),
        ("outer.inner", "function", 33, 35),
        ("tests.pushes", "function", 42, 46),
    ],
    "Sample.java": [
        ("Sample.Sample", "constructor", 7, 9),
        ("Sample.toString", "method", 11, 14),
        ("Sample.Visitor.visitAll", "method", 19, 21),
        ("Sample.Greeter.greetAll", "method", 27, 29),
        ("Sample.Color.next", "method", 35, 37),
    ],
    "sample.c": [
        ("add", "function", 7, 10),  # the prototype on line 3 is not a unit
        ("copy", "function", 12, 17),
        ("pick", "function", 19, 22),
        ("main", "function", 24, 28),
    ],
    "sample.cpp": [
        ("shapes.Shape.Shape", "method", 7, 7),
        ("shapes.Shape.~Shape", "method", 8, 8),
        ("shapes.Shape.name", "method", 10, 10),
        ("shapes.Shape.operator==", "method", 11, 11),
        ("shapes.Square.area", "method", 22, 24),
        ("shapes.largest", "function", 26, 33),
        ("main", "function", 37, 40),
    ],
}


def _spec(language_id: str) -> LanguageSpec:
    spec = language_for(language_id)
    assert spec is not None
    return spec


def _fixture(name: str) -> tuple[LanguageSpec, str]:
    spec = language_for(None, name)
    assert spec is not None
    return spec, (FIXTURES / name).read_text(encoding="utf-8")


def _summary(units: list[FunctionUnit]) -> list[tuple[str, str, int, int]]:
    return [(u.name, u.kind, u.start_line, u.end_line) for u in units]


def _by_name(units: list[FunctionUnit]) -> dict[str, FunctionUnit]:
    return {u.name: u for u in units}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_units(name: str) -> None:
    spec, text = _fixture(name)
    assert parses_cleanly(spec, text)
    assert _summary(extract_functions(spec, text)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_unit_text_is_the_whole_lines_but_nested_bodies(name: str) -> None:
    spec, text = _fixture(name)
    units = extract_functions(spec, text)
    _check_invariants(units, text)
    lines = text.split("\n")
    for unit in units:
        if not any(_nests(unit, other) for other in units):
            assert unit.text == "\n".join(lines[unit.start_line : unit.end_line + 1])
        assert unit.hash == unit_hash(spec.id, unit.text)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_crlf_and_lone_cr_documents_give_the_same_units(name: str) -> None:
    spec, text = _fixture(name)
    expected = extract_functions(spec, text)
    crlf = text.replace("\n", "\r\n")
    assert extract_functions(spec, crlf) == expected
    # A tree parsed from the raw CRLF bytes has the same rows.
    assert extract_functions(spec, crlf, spec.parse(crlf.encode())) == expected
    assert extract_functions(spec, text.replace("\n", "\r")) == expected


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_given_tree_gives_the_same_units(name: str) -> None:
    spec, text = _fixture(name)
    tree = spec.parse(encode_source(text))
    assert extract_functions(spec, text, tree) == extract_functions(spec, text)


def test_lone_cr_document_ignores_a_misaligned_tree() -> None:
    spec = _spec("python")
    text = "x = 1\rdef f():\r    return 1\r"
    raw_tree = spec.parse(text.encode())  # one row only: tree-sitter ignores lone \r
    assert _summary(extract_functions(spec, text, raw_tree)) == [("f", "function", 1, 2)]


def test_decorated_python_function_text_includes_decorators() -> None:
    spec, text = _fixture("sample.py")
    cached = _by_name(extract_functions(spec, text))["cached"]
    assert cached.text.splitlines() == [
        "@functools.lru_cache(maxsize=32)",
        "@staticmethod",
        "def cached(n: int) -> int:",
        "    return n * 2",
    ]


def test_method_text_keeps_its_indentation() -> None:
    spec, text = _fixture("sample.py")
    count = _by_name(extract_functions(spec, text))["Inventory.count"]
    assert (
        count.text == "    @property\n    def count(self) -> int:\n        return len(self.items)"
    )


def test_nested_units_lie_inside_their_outer_unit_which_shows_only_their_signature() -> None:
    spec, text = _fixture("sample.py")
    units = _by_name(extract_functions(spec, text))
    outer, inner = units["Inventory.refresh.merge"], units["Inventory.refresh.merge.pick"]
    assert outer.start_line < inner.start_line <= inner.end_line <= outer.end_line
    signature, *body = inner.text.split("\n")
    assert signature in outer.text.split("\n")
    assert all(line not in outer.text.split("\n") for line in body if line.strip())
    assert "# body of pick: reviewed on its own" in outer.text


def test_non_ascii_text_and_names() -> None:
    spec = _spec("python")
    text = 's = "👋👋👋 مرحبا"; t = 1\ndef حساب(x):\n    return "🏷️ عنصر"\n'
    [unit] = extract_functions(spec, text)
    assert (unit.name, unit.start_line, unit.end_line) == ("حساب", 1, 2)
    assert unit.text == 'def حساب(x):\n    return "🏷️ عنصر"'


def test_non_ascii_before_a_function_on_the_same_line_in_javascript() -> None:
    spec = _spec("javascript")
    text = 'const s = "مرحبا 👋"; const f = () => {\n  return s;\n};\n'
    [unit] = extract_functions(spec, text)
    assert (unit.name, unit.start_line, unit.end_line) == ("f", 0, 2)
    assert unit.text == text.removesuffix("\n")


def test_fixture_strings_with_arabic_and_emoji_are_in_unit_text() -> None:
    spec, text = _fixture("sample.py")
    label = _by_name(extract_functions(spec, text))["Inventory.Entry.label"]
    assert label.text.endswith('return "🏷️ عنصر"')


def test_syntax_errors_do_not_hide_the_rest_of_a_python_file() -> None:
    spec = _spec("python")
    lines = ["def ok():", "    return 1", "", "def broken(:", "    pass", "", "def later():"]
    text = "\n".join([*lines, "    return 2", ""])
    assert not parses_cleanly(spec, text)
    units = _by_name(extract_functions(spec, text))
    assert (units["ok"].start_line, units["ok"].end_line) == (0, 1)
    assert (units["later"].start_line, units["later"].end_line) == (6, 7)


def test_half_typed_javascript_still_yields_units() -> None:
    spec = _spec("javascript")
    text = "function ok() {\n  return 1;\n}\n\nclass A {\n  m() {\n    if (x) {\n  }\n}\n"
    summary = _summary(extract_functions(spec, text))
    assert summary[0] == ("ok", "function", 0, 2)
    assert [name for name, *_ in summary] == ["ok", "A.m"]


def test_empty_and_function_free_documents() -> None:
    assert extract_functions(_spec("python"), "") == []
    assert extract_functions(_spec("go"), "package p\n\nvar x = 1\n") == []
    assert extract_functions(_spec("typescript"), "interface I { m(): void }\n") == []


def test_units_are_in_document_order() -> None:
    for name in EXPECTED:
        spec, text = _fixture(name)
        starts = [u.start_line for u in extract_functions(spec, text)]
        assert starts == sorted(starts)


def test_cpp_templates_and_out_of_line_names() -> None:
    spec = _spec("cpp")
    text = (
        "namespace ns {\n"
        "template <typename T>\n"
        "T Box<T>::get() const { return value; }\n"
        "}\n"
        "Foo::~Foo() {}\n"
        "int& ref() { static int x; return x; }\n"
        "namespace a::b { void f() {} }\n"
    )
    assert _summary(extract_functions(spec, text)) == [
        ("ns.Box.get", "method", 1, 2),
        ("Foo.~Foo", "method", 4, 4),
        ("ref", "function", 5, 5),
        ("a.b.f", "function", 6, 6),
    ]


def test_c_pointer_returning_declarators() -> None:
    spec = _spec("c")
    text = "\n".join(
        [
            "char **lines(void) { return 0; }",
            "int *(*table(void))[4] { return 0; }",
            "void p(void);",
        ]
    )
    assert [u.name for u in extract_functions(spec, text)] == ["lines", "table"]


def test_rust_trait_impl_for_references_and_generics() -> None:
    spec = _spec("rust")
    text = "impl<'a, T> Iterator for &'a mut Walker<T> {\n    fn next(&mut self) {}\n}\n"
    assert _summary(extract_functions(spec, text)) == [("<Iterator for Walker>.next", "method", 1, 1)]


def test_go_func_literal_in_short_declaration_inside_function() -> None:
    spec = _spec("go")
    text = "package p\n\nfunc run() {\n\tstep := func() {}\n\tstep()\n}\n"
    assert _summary(extract_functions(spec, text)) == [
        ("run", "function", 2, 5),
        ("run.step", "function", 3, 3),
    ]


def test_java_record_compact_constructor() -> None:
    spec = _spec("java")
    text = "record Point(int x, int y) {\n    Point {\n        assert x >= 0;\n    }\n}\n"
    assert _summary(extract_functions(spec, text)) == [("Point.Point", "constructor", 1, 3)]


def test_export_default_anonymous_function() -> None:
    spec = _spec("typescript")
    text = "export default function () {\n  return 1;\n}\n"
    assert _summary(extract_functions(spec, text)) == [("default", "function", 0, 2)]


def test_hash_changes_with_the_function_text_only() -> None:
    spec = _spec("python")
    before = "def a():\n    return 1\n\ndef b():\n    return 2\n"
    edited_b = "def a():\n    return 1\n\ndef b():\n    return 3\n"
    a1, b1 = extract_functions(spec, before)
    a2, b2 = extract_functions(spec, edited_b)
    assert a1.hash == a2.hash
    assert b1.hash != b2.hash
    assert re.fullmatch(r"[0-9a-f]{32}", a1.hash)


def test_hash_ignores_position_but_not_language() -> None:
    spec = _spec("python")
    [plain] = extract_functions(spec, "def a():\n    return 1\n")
    [moved] = extract_functions(spec, "import os\n\n\ndef a():\n    return 1\n")
    assert moved.start_line == 3
    assert moved.hash == plain.hash
    assert unit_hash("python", plain.text) != unit_hash("javascript", plain.text)


def test_hash_of_outer_unit_changes_with_an_inner_signature_not_its_body() -> None:
    spec = _spec("python")
    outer1, inner1 = extract_functions(spec, "def o():\n    def i():\n        return 1\n")
    outer2, inner2 = extract_functions(spec, "def o():\n    def i():\n        return 2\n")
    outer3, _ = extract_functions(spec, "def o():\n    def j():\n        return 2\n")
    assert outer1.hash == outer2.hash
    assert inner1.hash != inner2.hash
    assert outer3.hash != outer2.hash


LANGUAGES = ["python", "javascript", "typescript", "tsx", "go", "rust", "java", "c", "cpp"]
SNIPPET_ALPHABET = st.sampled_from(
    ["def ", "function ", "fn ", "func ", "class ", "impl ", "(", ")", "{", "}", ":", ";",
     "=>", "=", " ", "\n", "\r\n", "\r", "    ", "x", "f", "@d\n", "'", '"', "👋", "م", "#", "//"]
)  # fmt: skip


def _nests(outer: FunctionUnit, inner: FunctionUnit) -> bool:
    return outer is not inner and outer.start_line <= inner.start_line <= inner.end_line <= (
        outer.end_line
    )


def _check_invariants(units: list[FunctionUnit], text: str) -> None:
    """Each unit's text is lines of its range, its own lines mapped to where they are,
    other lines of its range or placeholders; every line within some unit's range is
    the own line of exactly one unit."""
    lines = split_lines(text)
    owners: dict[int, str] = {}
    for unit in units:
        assert 0 <= unit.start_line <= unit.end_line < len(lines)
        assert unit.name and len(unit.name) <= 80
        span = lines[unit.start_line : unit.end_line + 1]
        own = []
        for index, line in enumerate(unit.text.split("\n")):
            row = unit.document_line(index)
            if row is None:
                assert line in span or "reviewed on its own" in line
                continue
            assert unit.start_line <= row <= unit.end_line and lines[row] == line
            assert row not in owners, (unit.name, owners.get(row), row)
            owners[row] = unit.name
            own.append(row)
        assert own == sorted(own) and own
    covered = {row for unit in units for row in range(unit.start_line, unit.end_line + 1)}
    assert set(owners) == covered
    assert len({unit.name for unit in units}) == len(units)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(language_id=st.sampled_from(LANGUAGES), parts=st.lists(SNIPPET_ALPHABET, max_size=60))
def test_arbitrary_text_never_raises(language_id: str, parts: list[str]) -> None:
    text = "".join(parts)
    _check_invariants(extract_functions(_spec(language_id), text), text)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(EXPECTED)), data=st.data())
def test_truncated_fixtures_never_raise(name: str, data: st.DataObject) -> None:
    spec, text = _fixture(name)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    damaged = text[:start] + text[end:]
    _check_invariants(extract_functions(spec, damaged), damaged)
