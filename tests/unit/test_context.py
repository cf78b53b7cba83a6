"""The context beside a function (code/context.py), in every language: the imports it
uses, its enclosing type's header, its callees' signatures, and a digest that changes
exactly when that context does."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from siyada.code.context import FileOutline, FunctionContext, function_context
from siyada.code.functions import extract_functions
from siyada.code.languages import encode_source, language_for


@dataclass(frozen=True)
class Case:
    language: str
    source: str
    function: str
    imports: tuple[str, ...]
    unused_imports: tuple[str, ...]
    enclosing: tuple[str, ...]  # lines of the header, in order; () when there is none
    callees: tuple[str, ...]
    hidden: tuple[str, ...]  # text of method bodies, never in the context
    # Edits (old, new) that must keep the digest: another function, a callee's body.
    unrelated_edits: tuple[tuple[str, str], ...]
    signature_edit: tuple[str, str]
    import_edit: tuple[str, str]


PYTHON = Case(
    "python",
    """import json
import os
from typing import Any


class Store:
    table: str = "orders"

    def __init__(self, db: Any) -> None:
        self.db = db
        print("ready")

    def find(self, key: str) -> str:
        return json.dumps(helper(key))

    def other(self) -> bool:
        return os.path.exists("x")


def helper(key: str) -> str:
    return key.upper()


def unrelated() -> int:
    return 2
""",
    "Store.find",
    ("import json",),
    ("import os", "from typing import Any"),
    (
        "class Store:",
        '    table: str = "orders"',
        "    def __init__(self, db: Any) -> None:",
        "        self.db = db",
    ),
    ("def helper(key: str) -> str:",),
    ('print("ready")', "os.path.exists", "key.upper()"),
    (("return 2", "return 3"), ("key.upper()", "key.lower()"), ('"x"', '"y"')),
    ("def helper(key: str) -> str:", "def helper(key: str, strict: bool) -> str:"),
    ("import json", "import json, csv"),
)

JAVASCRIPT = Case(
    "javascript",
    """import fs from 'fs';
import { join, resolve } from 'path';

class Store {
  table = 'orders';
  limit = 10;

  find(key) {
    return helper(join(key, 'x'));
  }

  other() {
    return fs.existsSync('y');
  }
}

function helper(path) {
  return path.trim();
}

function unrelated() {
  return 2;
}
""",
    "Store.find",
    ("import { join, resolve } from 'path';",),
    ("import fs from 'fs';",),
    ("class Store {", "  table = 'orders'", "  limit = 10", "}"),
    ("function helper(path)",),
    ("existsSync", "path.trim()"),
    (("return 2", "return 3"), ("path.trim()", "path.trimEnd()"), ("'y'", "'z'")),
    ("function helper(path)", "function helper(path, strict)"),
    ("import { join, resolve } from 'path';", "import { join } from 'node:path';"),
)

TYPESCRIPT_SOURCE = """import { Row } from './row';
import { Logger } from './log';

export class Store {
  private readonly table: string = 'orders';

  constructor(private db: Map<string, Row>) {}

  find(key: string): Row | undefined {
    return helper(this.db, key);
  }
}

export function helper(db: Map<string, Row>, key: string): Row | undefined {
  return db.get(key);
}

export function unrelated(log: Logger): number {
  return 2;
}
"""


def _typescript(language: str) -> Case:
    return Case(
        language,
        TYPESCRIPT_SOURCE,
        "Store.find",
        ("import { Row } from './row';",),
        ("import { Logger } from './log';",),
        (
            "class Store {",
            "  private readonly table: string = 'orders'",
            "  constructor(private db: Map<string, Row>)",
            "}",
        ),
        ("function helper(db: Map<string, Row>, key: string): Row | undefined",),
        ("db.get(key)",),
        (("return 2", "return 3"), ("db.get(key)", "db.get(key.trim())")),
        ("key: string): Row | undefined {\n  return db", "key: string): Row {\n  return db"),
        ("import { Row } from './row';", "import { Row } from './rows';"),
    )


JAVA = Case(
    "java",
    """package shop;

import java.util.List;
import java.util.Map;

public class Store {
    private final List<String> rows;
    private int limit = 10;

    public Store(List<String> rows) {
        this.rows = rows;
    }

    public List<String> find(String key) {
        return helper(key);
    }

    private List<String> helper(String key) {
        return rows.subList(0, limit);
    }

    public int unrelated(Map<String, String> map) {
        return 2;
    }
}
""",
    "Store.find",
    ("import java.util.List;",),
    ("import java.util.Map;",),
    (
        "public class Store {",
        "    private final List<String> rows;",
        "    private int limit = 10;",
        "}",
    ),
    ("private List<String> helper(String key)",),
    ("this.rows = rows", "subList"),
    (("return 2", "return 3"), ("subList(0, limit)", "subList(1, limit)")),
    ("private List<String> helper(String key)", "private List<String> helper(Object key)"),
    ("import java.util.List;", "import java.awt.List;"),
)

GO = Case(
    "go",
    """package shop

import (
	"fmt"
	"strings"
)

type Store struct {
	rows  []string
	limit int
}

func (s *Store) Find(key string) string {
	return helper(strings.ToUpper(key))
}

func helper(key string) string {
	return key + "!"
}

func unrelated() string {
	return fmt.Sprint(2)
}
""",
    "Store.Find",
    ('import "strings"',),
    ('"fmt"',),
    ("type Store struct {", "\trows  []string", "\tlimit int", "}"),
    ("func helper(key string) string",),
    ('key + "!"',),
    (("Sprint(2)", "Sprint(3)"), ('key + "!"', 'key + "?"')),
    ("func helper(key string) string", "func helper(key string) (string, error)"),
    ('"strings"', 'strings "example.com/strings/v2"'),
)

RUST = Case(
    "rust",
    """use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;

pub struct Store {
    rows: HashMap<String, String>,
    limit: usize,
}

impl Store {
    pub fn find(&self, key: &str) -> Option<Cow<str>> {
        helper(&self.rows, key).map(Cow::Owned)
    }
}

fn helper(rows: &HashMap<String, String>, key: &str) -> Option<String> {
    rows.get(key).cloned()
}

fn unrelated() -> usize {
    2
}
""",
    "Store.find",
    ("use std::borrow::Cow;",),
    ("use std::collections::HashMap;", "use std::fmt::Write;"),
    (
        "pub struct Store {",
        "    rows: HashMap<String, String>,",
        "    limit: usize,",
        "}",
        "impl Store {",
        "}",
    ),
    ("fn helper(rows: &HashMap<String, String>, key: &str) -> Option<String>",),
    ("rows.get(key).cloned()",),
    (("    2\n", "    3\n"), ("rows.get(key).cloned()", "rows.get(key).map(Clone::clone)")),
    ("key: &str) -> Option<String>", "key: &str) -> Result<String, ()>"),
    ("use std::borrow::Cow;", "use beef::Cow;"),
)

C = Case(
    "c",
    """#include <stdio.h>
#include <string.h>

static int helper(const char *key)
{
    return (int)strlen(key);
}

int find(const char *key) {
    return helper(key);
}

int unrelated(void) {
    return 2;
}
""",
    "find",
    # Which header declares what cannot be told: every include is kept.
    ("#include <stdio.h>", "#include <string.h>"),
    (),
    (),
    ("static int helper(const char *key)",),
    ("strlen",),
    (("return 2", "return 3"), ("(int)strlen(key)", "(int)strnlen(key, 9)")),
    ("static int helper(const char *key)", "static int helper(const char *key, int n)"),
    ("#include <string.h>", "#include <strings.h>"),
)

CPP = Case(
    "cpp",
    """#include <string>
#include <vector>
using std::string;
using std::map;

class Store {
public:
    int find(const string& key);
private:
    std::vector<string> rows_;
    int limit_ = 10;
};

static int helper(const string& key) { return key.size(); }

int Store::find(const string& key) {
    return helper(key) + limit_;
}

int unrelated() { return 2; }
""",
    "Store.find",
    ("#include <string>", "#include <vector>", "using std::string;"),
    ("using std::map;",),
    ("class Store {", "private:", "    std::vector<string> rows_;", "    int limit_ = 10;", "}"),
    ("static int helper(const string& key)",),
    ("key.size()", "int find(const string& key);"),
    (("return 2", "return 3"), ("key.size()", "key.length()")),
    ("static int helper(const string& key)", "static long helper(const string& key)"),
    ("using std::string;", "using my::string;"),
)

CASES = [PYTHON, JAVASCRIPT, _typescript("typescript"), _typescript("tsx"), JAVA, GO, RUST, C, CPP]


def _context(language: str, source: str, function: str) -> FunctionContext:
    spec = language_for(language)
    assert spec is not None
    tree = spec.parse(encode_source(source))
    units = {unit.name: unit for unit in extract_functions(spec, source, tree)}
    assert function in units, sorted(units)
    return FileOutline(spec, tree).context(units[function])


def _edited(source: str, edit: tuple[str, str]) -> str:
    old, new = edit
    assert source.count(old) == 1, old
    return source.replace(old, new)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_imports_are_those_the_function_uses(case: Case) -> None:
    context = _context(case.language, case.source, case.function)
    assert context.imports == case.imports
    for unused in case.unused_imports:
        assert unused in case.source
        assert unused not in context.render()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_enclosing_header_has_fields_and_no_method_bodies(case: Case) -> None:
    context = _context(case.language, case.source, case.function)
    if not case.enclosing:
        assert context.enclosing is None
    else:
        assert context.enclosing is not None
        remaining = iter(context.enclosing.splitlines())
        # Each expected line, in order (`in` on an iterator consumes up to the match).
        assert all(line in remaining for line in case.enclosing), context.enclosing
    for body_text in case.hidden:
        assert body_text in case.source
        assert body_text not in context.render()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_callees_are_signatures_of_same_file_functions(case: Case) -> None:
    context = _context(case.language, case.source, case.function)
    assert context.callees == case.callees


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_unrelated_edits_keep_the_digest(case: Case) -> None:
    before = _context(case.language, case.source, case.function)
    for edit in case.unrelated_edits:
        after = _context(case.language, _edited(case.source, edit), case.function)
        assert after == before, edit
        assert after.digest == before.digest


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_callee_signature_change_changes_the_digest(case: Case) -> None:
    before = _context(case.language, case.source, case.function)
    after = _context(case.language, _edited(case.source, case.signature_edit), case.function)
    assert after.callees != before.callees
    assert after.digest != before.digest


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.language)
def test_used_import_change_changes_the_digest(case: Case) -> None:
    before = _context(case.language, case.source, case.function)
    after = _context(case.language, _edited(case.source, case.import_edit), case.function)
    assert after.imports != before.imports
    assert after.digest != before.digest


def test_render_gives_each_section_under_its_title() -> None:
    context = _context("python", PYTHON.source, "Store.find")
    assert context.render() == (
        "Imports it uses:\nimport json\n\n"
        "Enclosing type (fields, no method bodies):\n"
        'class Store:\n    table: str = "orders"\n'
        "    def __init__(self, db: Any) -> None:\n        self.db = db\n\n"
        "Signatures of the functions it calls in this file:\n"
        "def helper(key: str) -> str:"
    )


def test_no_context_renders_empty_with_a_stable_digest() -> None:
    source = "def alone(x):\n    return x + 1\n"
    context = _context("python", source, "alone")
    assert context == FunctionContext()
    assert context.render() == ""
    assert context.digest == FunctionContext().digest
    assert len(context.digest) == 32


def test_imports_whose_use_cannot_be_told_are_kept() -> None:
    source = "from shapes import *\nimport math\n\ndef area(r):\n    return r * r\n"
    assert _context("python", source, "area").imports == ("from shapes import *",)
    go = 'package p\n\nimport . "math"\nimport "fmt"\n\nfunc F() int {\n\treturn 1\n}\n'
    assert _context("go", go, "F").imports == ('import . "math"',)
    cpp = "using namespace std;\n\nint f() { return 1; }\n"
    assert _context("cpp", cpp, "f").imports == ("using namespace std;",)


def test_bound_names_of_paths_aliases_and_requires() -> None:
    go = (
        'package p\n\nimport (\n\t"example.com/yaml/v3"\n\tj "encoding/json"\n)\n\n'
        "func F(b []byte) {\n\tyaml.Unmarshal(b, nil)\n\tj.Valid(b)\n}\n"
    )
    assert _context("go", go, "F").imports == (
        'import "example.com/yaml/v3"',
        'import j "encoding/json"',
    )
    rust = (
        "use std::io::{self, Read as R};\n\n"
        "fn f(x: &mut dyn R) -> io::Result<()> {\n    Ok(())\n}\n"
    )
    assert _context("rust", rust, "f").imports == ("use std::io::{self, Read as R};",)
    js = (
        "const { join: j } = require('path');\nconst other = make('x');\n\n"
        "function f(a) {\n  return j(a, other);\n}\n"
    )
    assert _context("javascript", js, "f").imports == ("const { join: j } = require('path');",)


def test_imports_inside_other_functions_are_not_the_files() -> None:
    source = (
        "def loader():\n    import pickle\n    return pickle\n\n\n"
        "def reader(data):\n    return pickle.loads(data)\n"
    )
    assert _context("python", source, "reader").imports == ()


def test_a_nested_units_body_is_its_own_context() -> None:
    source = (
        "import json\nimport csv\n\n\n"
        "def outer(rows):\n"
        "    def inner(row):\n"
        "        cells = list(row)\n"
        "        cells.append(1)\n"
        "        cells.append(2)\n"
        "        return csv.writer(cells)\n"
        "    return json.dumps([inner(row) for row in rows])\n"
    )
    assert _context("python", source, "outer").imports == ("import json",)
    assert _context("python", source, "outer.inner").imports == ("import csv",)


def test_function_context_is_the_outlines() -> None:
    spec = language_for("python")
    assert spec is not None
    tree = spec.parse(encode_source(PYTHON.source))
    unit = next(u for u in extract_functions(spec, PYTHON.source, tree) if u.name == "Store.find")
    assert function_context(spec, tree, unit) == FileOutline(spec, tree).context(unit)


def test_a_unit_of_another_parse_is_refused() -> None:
    spec = language_for("python")
    assert spec is not None
    unit = extract_functions(spec, PYTHON.source)[0]
    other = spec.parse(encode_source("x = 1\n"))
    with pytest.raises(ValueError, match="is no function of this parse"):
        FileOutline(spec, other).context(unit)
