"""Loading a labeled corpus: every label is checked against the code, and a bad one is
an error naming its case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from siyada.evaluation.labels import LabelError, Problem, load_corpus
from siyada.review.settings import Settings

ORDERS = """\
class OrderStore:
    def find(self, customer):
        query = "SELECT * FROM orders WHERE customer = '" + customer + "'"
        return self.conn.execute(query).fetchall()

    def add(self, customer):
        self.conn.execute("INSERT INTO orders VALUES (?)", (customer,))


def outer(items):
    def inner(item):
        return item * 2

    return [inner(i) for i in items]
"""
FIND = {
    "file": "python/orders.py",
    "function": "OrderStore.find",
    "problems": [{"category": "security", "lines": [3, 4], "fix_contains": ["?"]}],
}
ADD = {"file": "python/orders.py", "function": "OrderStore.add", "problems": []}


def corpus(tmp_path: Path, labels: Any) -> Path:
    (tmp_path / "python").mkdir(exist_ok=True)
    (tmp_path / "python" / "orders.py").write_text(ORDERS)
    text = labels if isinstance(labels, str) else json.dumps(labels)
    (tmp_path / "labels.json").write_text(text)
    return tmp_path


def error_of(tmp_path: Path, labels: Any) -> str:
    with pytest.raises(LabelError) as raised:
        load_corpus(corpus(tmp_path, labels), Settings())
    return str(raised.value)


def test_a_valid_corpus_gives_its_cases_with_their_functions(tmp_path: Path) -> None:
    loaded = load_corpus(corpus(tmp_path, {"cases": [FIND, ADD]}), Settings())

    find, add = loaded.cases
    assert (find.file, find.function, find.language) == (
        "python/orders.py",
        "OrderStore.find",
        "python",
    )
    assert find.unit.name == "OrderStore.find" and find.unit.start_line == 1
    assert find.problems == (Problem("security", 3, 4, ("?",)),)
    assert add.is_clean and not find.is_clean
    assert (loaded.problems, loaded.clean) == (1, 1)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            {**ADD, "file": "python/missing.py"},
            "case 2 (python/missing.py OrderStore.add): python/missing.py does not exist",
        ),
        (
            {**ADD, "function": "OrderStore.remove"},
            "case 2 (python/orders.py OrderStore.remove): no function 'OrderStore.remove' "
            "in python/orders.py (its functions: OrderStore.add, OrderStore.find, outer, "
            "outer.inner)",
        ),
        (
            {**ADD, "problems": [{"category": "bug", "lines": [3, 8]}]},
            "case 2 (python/orders.py OrderStore.add): lines 3-8 are outside OrderStore.add "
            "(lines 6-7)",
        ),
        (
            {**ADD, "function": "outer", "problems": [{"category": "bug", "lines": [11, 12]}]},
            "lines 11-12 include lines of a function nested in outer",
        ),
        (
            {**ADD, "problems": [{"category": "style", "lines": [7, 7]}]},
            "category 'style' is not one of bug, security, performance, maintainability",
        ),
        (
            {**ADD, "problems": [{"category": "bug", "lines": [7]}]},
            "lines must be [first, last], 1-based with first <= last, not [7]",
        ),
        (
            {**ADD, "problems": [{"category": "bug", "lines": [7, 7], "fix_contains": "?"}]},
            "fix_contains must be a list of non-empty strings",
        ),
        ({**ADD, "problem": []}, "unknown key 'problem' in a case"),
        ({**ADD, "file": "../orders.py"}, "file '../orders.py' must be a path inside"),
        ({**ADD, "file": "notes.txt"}, "notes.txt is not in a language Siyada reviews"),
        ({**ADD, "problems": None}, "problems must be a list ([] for a clean function)"),
        ("OrderStore.add", "case 2: a case must be an object"),
        (FIND, "case 2 (python/orders.py OrderStore.find): the same function as case 1"),
    ],
)
def test_a_bad_label_is_an_error_naming_the_case(tmp_path: Path, case: Any, message: str) -> None:
    assert message in error_of(tmp_path, {"cases": [FIND, case]})


def test_every_bad_case_is_named_at_once(tmp_path: Path) -> None:
    wrong = [{**ADD, "function": f"missing{n}"} for n in range(3)]
    message = error_of(tmp_path, {"cases": [FIND, *wrong]})
    assert [line.split(":")[0].strip() for line in message.splitlines()[1:]] == [
        "case 2 (python/orders.py missing0)",
        "case 3 (python/orders.py missing1)",
        "case 4 (python/orders.py missing2)",
    ]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("{", "is not valid JSON"),
        ({"cases": {}}, 'must be an object {"cases": [...]}'),
        ([FIND], 'must be an object {"cases": [...]}'),
        ({"cases": []}, "has no cases"),
    ],
)
def test_a_labels_file_of_the_wrong_shape_is_an_error(
    tmp_path: Path, labels: Any, message: str
) -> None:
    assert message in error_of(tmp_path, labels)


def test_a_folder_without_labels_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match=r"labels\.json does not exist"):
        load_corpus(tmp_path, Settings())


def test_the_bundled_fixture_corpus_loads() -> None:
    folder = Path(__file__).parents[1] / "fixtures" / "eval" / "corpus"
    loaded = load_corpus(folder, Settings())
    assert (len(loaded.cases), loaded.problems, loaded.clean) == (9, 5, 4)
    assert {case.language for case in loaded.cases} == {"python", "go", "javascript"}
