"""Functions re-extracted after edits from the changed rows only are exactly the
functions a full extraction finds (names, rows, text, hashes, runs).

The full extraction reads the same tree: after an edit that breaks the syntax,
tree-sitter's incremental parse may recover differently from a parse from scratch,
and that is the parser's business, not the extraction's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from siyada.code.functions import FunctionUnit, extract_functions, update_functions
from siyada.code.languages import LanguageSpec, language_for
from siyada.code.source import ParsedSource, TextEdit

# Neighbours matter: duplicate names (#2), nested bodies left out of the outer text,
# decorators and attributes, siblings sharing a line, values named by where they stand.
SOURCES = {
    "python": """import os


@cache
def load(path):
    def read():
        return open(path).read()
    return read()


class Store:
    def load(self):
        return 1

    @property
    def size(self):
        return 2


def load(path):
    handler = lambda x: (
        x + 1
    )
    return handler
""",
    "javascript": """function setup(app) {
  app.get('/run', function (req, res) {
    const a = 1;
    res.send(a);
  });
}
function twice() { return 1; } function twice() {
  return 2;
}
const api = {
  fetch: async () => {
    return 3;
  },
};
class Box {
  open() {
    return 4;
  }
}
""",
    "typescript": """@Component({})
class Panel {
  @Input()
  show(x: number): number {
    return x;
  }
}

export function make(): () => number {
  return () => {
    return 1;
  };
}
""",
    "rust": """#[derive(Debug)]
struct P;

impl P {
    #[inline]
    fn new() -> Self {
        P
    }
}

#[test]
fn check() {
    let f = |x: i32| {
        x + 1
    };
}
""",
    "go": """package main

func (s *Store) Load() int {
	step := func() int {
		return 1
	}
	return step()
}

func Load() int {
	return 2
}
""",
    "cpp": """namespace app {
class Box {
  int open() { return 1; }
};
int Box::close() {
  auto f = [](int x) {
    return x;
  };
  return 0;
}
}
""",
}

PIECES = {
    "python": ["", "x", "\n", "def load():\n    pass\n", "    ", "@d\n", ")", ":", "class K:\n"],
    "javascript": ["", "x", "\n", "}", "{", "function load() {\n", "() => {\n", "// ", "'"],
    "typescript": ["", "x", "\n", "}", "{", "@Input()\n", "function f() {\n", "("],
    "rust": ["", "x", "\n", "}", "{", "#[test]\n", "fn f() {\n", "impl P {\n"],
    "go": ["", "x", "\n", "}", "{", "func f() {\n", "step := func() {\n"],
    "cpp": ["", "x", "\n", "}", "{", "int f() {\n", "namespace n {\n", "::"],
}
LINE_ENDS = ["\n", "\r\n", "\r"]


def _spec(language: str) -> LanguageSpec:
    spec = language_for(language)
    assert spec is not None
    return spec


def _full(spec: LanguageSpec, source: ParsedSource) -> list[FunctionUnit]:
    """A full extraction of the source's text and current tree."""
    tree = source.tree
    assert tree is not None
    return update_functions(spec, source.text, tree).units


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_case3_incremental_extraction_matches_a_full_one(data: st.DataObject) -> None:
    language = data.draw(st.sampled_from(sorted(SOURCES)))
    line_end = data.draw(st.sampled_from(LINE_ENDS))
    spec = _spec(language)
    source = ParsedSource(spec, SOURCES[language].replace("\n", line_end))
    assert source.functions() == _full(spec, source)
    pieces = st.sampled_from([*PIECES[language], "\r", "\r\n"])
    for _ in range(data.draw(st.integers(1, 8))):
        length = len(source.text)
        start = data.draw(st.integers(0, length))
        end = data.draw(st.integers(start, min(length, start + 12)))
        piece = data.draw(pieces).replace("\n", line_end) if line_end != "\n" else data.draw(pieces)
        source.apply([TextEdit(start, end, piece)])
        step = data.draw(st.sampled_from(["extract", "parse", "nothing"]))
        if step == "extract":
            assert source.functions() == _full(spec, source)
        elif step == "parse":
            assert source.tree is not None  # parsed between extractions
    assert source.functions() == _full(spec, source)


def test_case3_an_edit_in_a_large_file_rebuilds_only_its_block() -> None:
    spec = _spec("python")
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(2_000))
    source = ParsedSource(spec, text)
    before = source.functions()
    at = source.text.index("return x + 1000")
    source.apply([TextEdit(at, at, "0 or ")])
    after = source.functions()
    assert after == _full(spec, source)
    changed = [
        index for index, (old, new) in enumerate(zip(before, after, strict=True)) if old != new
    ]
    assert changed == [1000]
    # The units around the edit are the same objects: nothing was rebuilt for them.
    assert after[999] is before[999] and after[1001] is before[1001]


def test_case3_a_new_line_moves_the_units_below_it() -> None:
    spec = _spec("python")
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(50))
    source = ParsedSource(spec, text)
    before = source.functions()
    at = source.text.index("return x + 10")
    source.apply([TextEdit(at, at, "y = 1\n    ")])
    after = source.functions()
    assert after == _full(spec, source)
    assert after[11].start_line == before[11].start_line + 1
    assert after[11].hash == before[11].hash


def test_case3_carriage_returns_are_parsed_incrementally() -> None:
    spec = _spec("python")
    for line_end in ("\r\n", "\r"):
        text = "".join(f"def f{i}(x):{line_end}    return x{line_end}{line_end}" for i in range(20))
        source = ParsedSource(spec, text)
        assert source.functions() == _full(spec, source)
        at = source.text.index("return x", 100)
        source.apply([TextEdit(at, at, f"y = 1{line_end}    ")])
        assert source.functions() == _full(spec, source)
        assert source.functions() == extract_functions(spec, source.text)
        assert source.incremental_parses == 1
