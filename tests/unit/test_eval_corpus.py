"""The bundled evaluation corpus agrees with Siyada's extraction, and the label checker
catches every kind of bad label."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

EVAL = Path(__file__).parent.parent.parent / "eval"
CORPUS = EVAL / "corpus"
# Each language of the corpus has at least this many problem and clean functions.
LANGUAGES = ("python", "javascript", "typescript", "java")
AT_LEAST = 11


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_labels", EVAL / "check_labels.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name while they are built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


check_labels = _checker()


def test_bundled_labels_hold() -> None:
    errors, valid = check_labels.check(CORPUS)
    assert errors == []
    cases = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))["cases"]
    assert len(valid) == len(cases)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_enough_problems_and_clean_functions(language: str) -> None:
    _, valid = check_labels.check(CORPUS)
    mine = [case for lang, case in valid if lang == language]
    problems = [case for case in mine if case["problems"]]
    assert len(problems) >= AT_LEAST
    assert len(mine) - len(problems) >= AT_LEAST
    # One known problem per problem function, so recall counts functions.
    assert all(len(case["problems"]) == 1 for case in problems)


def _broken_copy(tmp_path: Path, edit: Any) -> list[str]:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    edit(labels["cases"])
    (corpus / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    errors: list[str] = check_labels.check(corpus)[0]
    return errors


def _case(cases: list[dict[str, Any]], function: str) -> dict[str, Any]:
    return next(case for case in cases if case["function"] == function)


UNLABELLED_FIND = "python/orders.py: OrderStore.find is labelled 0 times, not once"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda cases: _case(cases, "OrderStore.find").update(file="python/missing.py"),
            ["(python/missing.py, OrderStore.find): no such source file", UNLABELLED_FIND],
        ),
        (
            lambda cases: _case(cases, "OrderStore.find").update(function="OrderStore.lost"),
            [
                "(python/orders.py, OrderStore.lost): Siyada extracts no such function",
                UNLABELLED_FIND,
            ],
        ),
        (
            lambda cases: _case(cases, "OrderStore.add").update(
                problems=[{"category": "bugs", "lines": [43, 43]}]
            ),
            ["(python/orders.py, OrderStore.add): category 'bugs' is not one of"],
        ),
        (
            lambda cases: _case(cases, "OrderStore.add").update(
                problems=[{"category": "bug", "lines": [22, 43]}]
            ),
            ["(python/orders.py, OrderStore.add): lines 22-43 are not all lines of"],
        ),
        (
            lambda cases: _case(cases, "OrderStore.add").update(
                problems=[{"category": "bug", "lines": [44, 43]}]
            ),
            ["(python/orders.py, OrderStore.add): lines must be [first, last]"],
        ),
        (
            lambda cases: _case(cases, "OrderStore.add").update(
                problems=[{"category": "bug", "lines": [43, 43], "fix_contains": [""]}]
            ),
            ["(python/orders.py, OrderStore.add): fix_contains must be a list"],
        ),
        (
            lambda cases: cases.remove(_case(cases, "OrderStore.add")),
            ["python/orders.py: OrderStore.add is labelled 0 times, not once"],
        ),
        (
            lambda cases: cases.append(dict(_case(cases, "OrderStore.add"))),
            ["python/orders.py: OrderStore.add is labelled 2 times, not once"],
        ),
    ],
)
def test_a_bad_label_is_an_error_naming_the_case(
    tmp_path: Path, edit: Any, expected: list[str]
) -> None:
    errors = _broken_copy(tmp_path, edit)
    assert len(errors) == len(expected)
    for error, wanted in zip(errors, expected, strict=True):
        assert wanted in error
