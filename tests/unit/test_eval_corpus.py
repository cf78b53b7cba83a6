"""The bundled evaluation corpus: its labels hold as `siyada eval` reads them, it labels
every function it has, and each language has enough problem and clean functions.
(What a bad label gives is tested on `load_corpus` itself, in test_eval_labels.py.)"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from siyada.evaluation.labels import load_corpus
from siyada.review.settings import Settings

EVAL = Path(__file__).parent.parent.parent / "eval"
CORPUS = EVAL / "corpus"
LANGUAGES = ("python", "javascript", "typescript", "java", "go", "rust", "c", "cpp")
# Each language of the corpus has at least this many problem and clean functions.
AT_LEAST = 11


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_labels", EVAL / "check_labels.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


check_labels = _checker()


def test_bundled_labels_hold_and_cover_every_function() -> None:
    corpus = load_corpus(CORPUS, Settings())
    cases = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))["cases"]
    assert len(corpus.cases) == len(cases)
    assert check_labels.unlabelled(corpus) == []
    assert corpus.problems >= 80 and corpus.clean >= 80


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_enough_problems_and_clean_functions(language: str) -> None:
    corpus = load_corpus(CORPUS, Settings())
    mine = [case for case in corpus.cases if case.language == language]
    problems = [case for case in mine if not case.is_clean]
    assert len(problems) >= AT_LEAST
    assert len(mine) - len(problems) >= AT_LEAST
    # One known problem per problem function, so recall counts functions.
    assert all(len(case.problems) == 1 for case in problems)


def test_an_unlabelled_function_is_reported_and_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    labels["cases"] = [c for c in labels["cases"] if c["function"] != "OrderStore.add"]
    (corpus / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    assert check_labels.main(["check_labels.py", str(corpus)]) == 1
    assert "python/orders.py: OrderStore.add is not labelled" in capsys.readouterr().err


def test_a_bad_label_fails_the_check_naming_the_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    case = next(c for c in labels["cases"] if c["function"] == "OrderStore.add")
    case["problems"] = [{"category": "bugs", "lines": [43, 43]}]
    (corpus / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    assert check_labels.main(["check_labels.py", str(corpus)]) == 1
    assert "OrderStore.add" in capsys.readouterr().err


def test_the_summary_counts_the_whole_corpus() -> None:
    corpus = load_corpus(CORPUS, Settings())
    total = check_labels.summary(corpus)[-1].split()
    assert total[0] == "total"
    assert int(total[1]) == corpus.clean
    assert sum(int(n) for n in total[2:]) == corpus.problems
