import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyada.code.functions import (
    MIN_VALUE_LINES,
    FunctionUnit,
    extract_functions,
    lines_outside_units,
    unit_hash,
)
from siyada.code.languages import LanguageSpec, count_syntax_errors, encode_source, language_for
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
    assert count_syntax_errors(spec, text) == 0
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
    assert count_syntax_errors(spec, text) > 0
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
    assert _summary(extract_functions(spec, text)) == [
        ("<Iterator for Walker>.next", "method", 1, 1)
    ]


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


# --- issue 8, case 1: function values are reviewed ----------------------------------


def _units(language_id: str, text: str) -> dict[str, FunctionUnit]:
    units = extract_functions(_spec(language_id), text)
    _check_invariants(units, text)
    return _by_name(units)


def test_case1_express_get_handler_is_a_unit_named_by_its_route() -> None:
    text = (
        "const app = express();\n"
        "app.get('/run', (req, res) => {\n"
        "  exec(req.query.cmd);\n"
        "  res.send('ok');\n"
        "});\n"
        "app.listen(3000);\n"
    )
    handler = _units("javascript", text)["app.get('/run') handler"]
    assert (handler.kind, handler.start_line, handler.end_line) == ("arrow", 1, 4)
    assert "exec(req.query.cmd);" in handler.text


def test_case1_express_post_async_function_handler() -> None:
    text = (
        "app.post('/login', async function (req, res) {\n"
        "  const user = await db.find(req.body.name);\n"
        "  res.json(user);\n"
        "});\n"
    )
    units = _units("typescript", text)
    assert _summary(list(units.values())) == [("app.post('/login') handler", "function", 0, 3)]


def test_case1_react_memo_and_forward_ref_components() -> None:
    text = (
        "export const Row = React.memo(function (props) {\n"
        "  return <li>{props.label}</li>;\n"
        "});\n"
        "const Input = forwardRef((props, ref) => {\n"
        "  return <input ref={ref} {...props} />;\n"
        "});\n"
    )
    units = _units("tsx", text)
    assert sorted(units) == ["Input (forwardRef)", "Row (React.memo)"]
    assert units["Input (forwardRef)"].start_line == 3


def test_case1_class_field_debounced_handler() -> None:
    text = "class Widget {\n  handler = debounce(() => {\n    this.save();\n  }, 200);\n}\n"
    for language in ("javascript", "typescript"):
        [(name, _kind, start, end)] = _summary(list(_units(language, text).values()))
        assert (name, start, end) == ("Widget.handler (debounce)", 1, 3)


def test_case1_export_const_cast_arrow_is_named_by_its_binding() -> None:
    text = (
        "export const createStore = ((createState) => {\n"
        "  const api = build(createState);\n"
        "  return api;\n"
        "}) as CreateStore;\n"
    )
    assert list(_units("typescript", text)) == ["createStore"]


def test_case1_iife_bodies_are_units() -> None:
    javascript = "(function () {\n  var secret = 1;\n  window.x = secret;\n})();\n"
    go = "package p\n\nfunc init() {\n\tgo func() {\n\t\tfor {\n\t\t\twork()\n\t\t}\n\t}()\n}\n"
    assert list(_units("javascript", javascript)) == ["<iife>"]
    assert "init" in _units("go", go)  # 5 lines: reviewed with init, not on its own
    long_go = go.replace("\t\t\twork()\n", "\t\t\twork()\n" * 6)
    assert _units("go", long_go)["init.<go>"].start_line == 3


def test_case1_python_multiline_lambda_bound_to_a_name() -> None:
    text = "handler = lambda event: (\n    log(event),\n    send(event.body),\n)\n"
    text += "key = lambda e: e.id\n"
    units = _units("python", text)
    assert _summary(list(units.values())) == [("handler", "function", 0, 3)]


def test_case1_java_field_lambda_and_static_block() -> None:
    text = (
        "class Jobs {\n"
        "    static final Map<String, String> TABLE = new HashMap<>();\n"
        "    static {\n"
        '        TABLE.put("a", "b");\n'
        "    }\n"
        "    private final Runnable task = () -> {\n"
        "        run(TABLE);\n"
        "    };\n"
        "}\n"
    )
    assert _summary(list(_units("java", text).values())) == [
        ("Jobs.<static>", "method", 2, 4),
        ("Jobs.task", "method", 5, 7),
    ]


def test_case1_cpp_lambda_bound_with_auto() -> None:
    text = "auto add = [](int a, int b) {\n  return a + b;\n};\n"
    assert _summary(list(_units("cpp", text).values())) == [("add", "function", 0, 2)]


def test_case1_short_callbacks_stay_in_the_unit_around_them() -> None:
    spec, text = _fixture("sample.js")
    render = _by_name(extract_functions(spec, text))["Cart.render"]
    assert "console.log(item);" in render.text  # a 3-line callback inside a method
    assert MIN_VALUE_LINES == 3
    one_liner = "app.get('/ping', (req, res) => res.send('pong'));\n"
    assert extract_functions(_spec("javascript"), one_liner) == []


def test_case1_lines_outside_units_are_counted() -> None:
    text = "import os\n\nX = 1\n\ndef f():\n    return X\n\nprint(f())\n"
    units = extract_functions(_spec("python"), text)
    # Blank lines hold no code: `import os`, `X = 1` and `print(f())` are outside.
    assert lines_outside_units(units, split_lines(text)) == 3
    assert lines_outside_units([], split_lines("a = 1\n\nb = 2")) == 2
    nested_text = "def o():\n    def i():\n        pass\nx = o()\n"
    nested = extract_functions(_spec("python"), nested_text)
    assert lines_outside_units(nested, split_lines(nested_text)) == 1


# --- issue 8, case 2: nested functions are reviewed once ----------------------------

NESTED = """def outer(a):
    x = a + 1

    def middle(b):
        y = b * 2

        def inner(c):
            return c - 1

        return inner(y)

    return middle(x)
"""


def test_case2_outer_unit_shows_nested_units_as_signature_and_placeholder() -> None:
    units = _units("python", NESTED)
    assert units["outer"].text == (
        "def outer(a):\n"
        "    x = a + 1\n"
        "\n"
        "    def middle(b):\n"
        "        ...  # body of middle: reviewed on its own\n"
        "\n"
        "    return middle(x)"
    )
    assert units["outer.middle.inner"].text == ("        def inner(c):\n            return c - 1")
    javascript = (
        "function outer() {\n  function inner() {\n    return 1;\n  }\n  return inner;\n}\n"
    )
    assert _units("javascript", javascript)["outer"].text == (
        "function outer() {\n"
        "  function inner() {\n"
        "    // ... body of inner: reviewed on its own\n"
        "  }\n"
        "  return inner;\n"
        "}"
    )


def test_case2_an_edit_inside_the_innermost_function_changes_only_its_hash() -> None:
    before = extract_functions(_spec("python"), NESTED)
    after = extract_functions(_spec("python"), NESTED.replace("c - 1", "c - 2"))
    changed = [old.name for old, new in zip(before, after, strict=True) if old.hash != new.hash]
    assert changed == ["outer.middle.inner"]


def test_case2_document_line_maps_own_lines_and_none_for_the_rest() -> None:
    outer = _units("python", NESTED)["outer"]
    assert [outer.document_line(i) for i in range(8)] == [0, 1, 2, None, None, 10, 11, None]
    assert outer.document_range(0, 2) == (0, 2)
    assert outer.document_range(2, 5) is None  # crosses middle's signature and placeholder
    assert outer.document_range(5, 6) == (10, 11)
    plain = FunctionUnit("f", "function", 4, 6, "a\nb\nc", "0")
    assert [plain.document_line(i) for i in (-1, 0, 2, 3)] == [None, 4, 6, None]


def test_case2_no_document_line_belongs_to_two_units() -> None:
    text = (
        "promise.then(function (value) {\n"
        "  a(value);\n"
        "  b(value);\n"
        "}, function (error) {\n"
        "  c(error);\n"
        "  d(error);\n"
        "});\n"
    )
    units = _units("javascript", text)  # the invariants check every line's owner
    first, second = units["promise.then() handler"], units["promise.then() handler#2"]
    assert first.document_line(3) is None  # `}, function (error) {` is the second's
    assert second.document_line(0) == 3


def test_case2_300_nested_definitions_give_unit_text_linear_in_the_file() -> None:
    depth = 300
    lines = [f"{' ' * level}def level_{level}(x):" for level in range(depth)]
    lines += [f"{' ' * level} return level_{level + 1}(x)" for level in reversed(range(depth))]
    text = "\n".join(lines) + "\n"
    units = extract_functions(_spec("python"), text)
    assert len(units) == depth
    total = sum(len(unit.text) for unit in units)
    assert total < 3 * len(text)  # whole nested ranges would be about depth / 2 times it
    _check_invariants(units, text)


# --- issue 8, case 3: names ----------------------------------------------------------


def test_case3_cpp_conversion_operators_are_named_operator_type() -> None:
    text = (
        "struct Flag {\n"
        "  operator bool() const noexcept { return on; }\n"
        "  explicit operator std::string() const { return name; }\n"
        "  void* operator new(size_t n) { return alloc(n); }\n"
        "};\n"
    )
    assert list(_units("cpp", text)) == [
        "Flag.operator bool",
        "Flag.operator std::string",
        "Flag.operator new",
    ]


def test_case3_a_class_misparsed_because_of_a_macro_is_not_a_function() -> None:
    text = (
        "class EXPORT_API Widget\n"
        "{\n"
        "    DECLARE_OBJECT\n"
        "public:\n"
        "    Widget();\n"
        "    int size() const { return n; }\n"
        "};\n"
    )
    # Without the fix, a "function" `Widget` spanned the whole class.
    assert _summary(list(_units("cpp", text).values())) == [("Widget.size", "method", 5, 5)]


def test_case3_names_are_capped_and_non_names_rejected() -> None:
    long_target = ".".join(f"segment{i}" for i in range(30))
    text = f"{long_target} = function () {{\n  return 1;\n}};\n"
    [name] = _units("javascript", text)
    assert len(name) == 80 and name.endswith("\u2026") and name.startswith("segment0.")
    # A macro before a template: the scope tree-sitter sees is garbage, not a name.
    misread = (
        "namespace std {\n"
        "END_NAMESPACE_MACRO\n"
        "  template<typename _It>\n"
        "    inline CONSTEXPR_MACRO\n"
        "    typename iterator_traits<_It>::difference_type\n"
        "    __distance(_It first, _It last)\n"
        "    {\n"
        "      return last - first;\n"
        "    }\n"
        "}\n"
    )
    assert list(_units("cpp", misread)) == ["std.__distance"]  # was a 101-character name


def test_case3_go_func_literals_in_one_var_are_named_each_with_its_range() -> None:
    text = "package p\n\nvar a, b = func() int {\n\treturn 1\n}, func() int {\n\treturn 2\n}\n"
    units = _units("go", text)
    assert _summary(list(units.values())) == [("a", "function", 2, 4), ("b", "function", 4, 6)]
    assert units["a"].document_line(2) is None  # `}, func() int {` is b's line


def test_case3_rust_trait_impls_are_named_after_the_trait() -> None:
    text = (
        "impl fmt::Display for P {\n"
        '    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { write!(f, "p") }\n'
        "}\n"
        "impl fmt::Debug for P {\n"
        '    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { write!(f, "P") }\n'
        "}\n"
        "impl P {\n"
        "    fn new() -> P { P }\n"
        "}\n"
    )
    assert list(_units("rust", text)) == ["<Display for P>.fmt", "<Debug for P>.fmt", "P.new"]


def test_case3_duplicate_names_in_one_file_are_disambiguated() -> None:
    text = (
        "class A {\n"
        "    int f(int x) { return x; }\n"
        "    int f(String s) { return 0; }\n"
        "    int f(long y) { return 1; }\n"
        "}\n"
    )
    assert list(_units("java", text)) == ["A.f", "A.f#2", "A.f#3"]
