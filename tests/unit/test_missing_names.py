"""`imports_needed`: the imports a quick fix needs that the file lacks."""

from __future__ import annotations

import pytest

from siyada.code.languages import LanguageSpec, encode_source, language_for
from siyada.code.missing_names import imports_needed

PYTHON = "import subprocess\n\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n    return cmd\n"
SHLEX_FIX = "    subprocess.run(shlex.split(cmd))"


def _spec(language_id: str) -> LanguageSpec:
    spec = language_for(language_id)
    assert spec is not None
    return spec


def test_python_module_attribute_without_its_import() -> None:
    assert imports_needed(_spec("python"), PYTHON, 3, 3, SHLEX_FIX) == ("shlex",)


@pytest.mark.parametrize(
    "header",
    [
        "import shlex\n",
        "import shlex.more\n",
        "import other as shlex\n",
        "from pipes import shlex\n",
        "from pipes import quote as shlex\n",
        "shlex = load()\n",
        "shlex, other = load()\n",
        "def shlex(): pass\n",
        "class shlex: pass\n",
        "for shlex in []: pass\n",
        "with open(p) as shlex: pass\n",
        "try: pass\nexcept E as shlex: pass\n",
        "(shlex := 1)\n",
        "[1 for shlex in x]\n",
        "def g(a, shlex=1): pass\n",
        "def g(*shlex): pass\n",
        "def g(**shlex): pass\n",
        "def g(shlex: int): pass\n",
        "f = lambda shlex: 0\n",
        "global shlex\n",
        "from os import *\n",  # a wildcard may bind anything: nothing is said
    ],
)
def test_python_names_bound_in_the_file_are_not_missing(header: str) -> None:
    text = header + PYTHON
    shift = header.count("\n")
    assert imports_needed(_spec("python"), text, 3 + shift, 3 + shift, SHLEX_FIX) == ()


def test_python_builtins_and_module_attributes_need_no_import() -> None:
    fix = "    print(str.join(',', dict.fromkeys(__file__.split())), cmd.strip())"
    assert imports_needed(_spec("python"), PYTHON, 3, 3, fix) == ()


def test_python_attribute_targets_bind_nothing() -> None:
    text = "def run(cmd):\n    obj.attr = 1\n    return cmd\n"
    fix = "    obj.attr = os.getcwd()"
    assert imports_needed(_spec("python"), text, 1, 1, fix) == ("obj", "os")


def test_python_each_missing_module_once_in_order_of_use() -> None:
    fix = "    subprocess.run(shlex.split(cmd), cwd=os.getcwd(), env=shlex.x)"
    assert imports_needed(_spec("python"), PYTHON, 3, 3, fix) == ("shlex", "os")


JS = "function read(p) {\n  return p;\n}\n"


@pytest.mark.parametrize("language_id", ["javascript", "typescript", "tsx"])
def test_node_core_modules_without_import(language_id: str) -> None:
    fix = "  return path.join(p, fs.sep, config.dir, crypto.randomUUID(), process.cwd());"
    assert imports_needed(_spec(language_id), JS, 1, 1, fix) == ("path", "fs")


@pytest.mark.parametrize(
    "header",
    [
        "const path = require('path');\n",
        "import path from 'node:path';\n",
        "import * as path from 'path';\n",
        "import { posix as path } from 'path';\n",
        "let path;\n",
    ],
)
def test_node_core_modules_bound_in_the_file(header: str) -> None:
    assert imports_needed(_spec("javascript"), header + JS, 2, 2, "  return path.join(p);") == ()


def test_a_parameter_named_like_a_module_binds_it() -> None:
    text = "function read(path) {\n  return path;\n}\n"
    assert imports_needed(_spec("javascript"), text, 1, 1, "  return path.trim();") == ()


GO = (
    'package p\n\nimport (\n\t"fmt"\n\tfp "path/filepath"\n\t"example.com/x/json/v2"\n)\n\n'
    "func f(s string) string {\n\treturn s\n}\n"
)


def test_go_standard_packages_without_import_are_named_by_path() -> None:
    fix = "\treturn strings.TrimSpace(fmt.Sprint(s, json.X, fp.Y, filepath.Z, os.W, foo.Q))"
    assert imports_needed(_spec("go"), GO, 9, 9, fix) == (
        '"strings"',
        '"path/filepath"',
        '"os"',
    )


def test_go_a_variable_named_like_a_package_binds_it() -> None:
    text = GO.replace("s string", "strings []string")
    assert imports_needed(_spec("go"), text, 9, 9, "\treturn strings[0]") == ()
    assert imports_needed(_spec("go"), text, 9, 9, "\treturn strings.X") == ()


@pytest.mark.parametrize(
    ("language_id", "text", "fix"),
    [
        ("rust", "fn f() -> u8 {\n    1\n}\n", "    fs::read(x).len()"),
        ("java", "class A {\n  int f() {\n    return 1;\n  }\n}\n", "    return Files.size(p);"),
        ("c", "int f(void) {\n  return 1;\n}\n", "  return strlen(s);"),
        ("cpp", "int f() {\n  return 1;\n}\n", "  return std::strlen(s);"),
    ],
)
def test_languages_it_cannot_tell_report_nothing(language_id: str, text: str, fix: str) -> None:
    line = 2 if language_id == "java" else 1
    assert imports_needed(_spec(language_id), text, line, line, fix) == ()


def test_the_incremental_parse_gives_the_same_answer() -> None:
    spec = _spec("python")
    tree = spec.parse(encode_source(PYTHON))
    assert imports_needed(spec, PYTHON, 3, 3, SHLEX_FIX, tree) == ("shlex",)
    # The tree is only copied: the document's own parse is unchanged.
    assert tree.root_node.text == encode_source(PYTHON)


def test_a_crlf_document_is_read_by_its_rows() -> None:
    text = PYTHON.replace("\n", "\r\n")
    assert imports_needed(_spec("python"), text, 3, 3, SHLEX_FIX) == ("shlex",)
