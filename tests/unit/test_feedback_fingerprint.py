"""Unit tests for what makes two findings the same (siyada.feedback.fingerprint)."""

from __future__ import annotations

from pathlib import Path

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.feedback.fingerprint import (
    FindingKey,
    finding_key,
    is_same_finding,
    key_path,
    normalize_evidence,
)

PYTHON = language_for("python")

LOAD = """def load(path):
    f = open(path)
    data = f.read()
    return data
"""
# The same function re-indented (tabs, more spaces), and then edited on another line.
LOAD_REINDENTED = """def load(path):
\tf  =  open(path)
\tdata = f.read()
\treturn data
"""
LOAD_EDITED_ELSEWHERE = """def load(path):
    f = open(path)
    data = f.read()
    print("loaded", len(data))
    return data.strip()
"""
EVIDENCE = "    f = open(path)"


def _unit(text: str) -> FunctionUnit:
    assert PYTHON is not None
    (unit,) = extract_functions(PYTHON, text)
    return unit


def _key(
    text: str, evidence: str = EVIDENCE, category: str = "bug", path: str = "src/io.py"
) -> FindingKey:
    unit = _unit(text)
    return finding_key(
        path=path,
        function=unit.name,
        function_hash=unit.hash,
        category=category,
        evidence=evidence,
    )


def test_normalizing_collapses_whitespace_and_drops_blank_lines() -> None:
    assert (
        normalize_evidence("    f = open(path)\n\n\t  return   f\n") == "f = open(path)\nreturn f"
    )
    assert normalize_evidence("\tx\t=\t1") == normalize_evidence("  x = 1  ") == "x = 1"
    assert normalize_evidence("   \n\t\n") == ""


def test_reindented_evidence_has_the_same_fingerprint() -> None:
    first = _key(LOAD, evidence="    f = open(path)\n    data = f.read()")
    second = _key(LOAD, evidence="\tf =  open(path)\n\n\tdata = f.read()")
    assert first.evidence == "f = open(path)\ndata = f.read()"
    assert first == second
    assert first.fingerprint == second.fingerprint
    assert is_same_finding(first, second)


def test_the_fingerprint_is_a_stable_digest_of_hash_category_and_evidence() -> None:
    key = FindingKey("a.py", "f", "abc", "bug", "x = 1")
    assert len(key.fingerprint) == 64 and int(key.fingerprint, 16) >= 0
    # Where the finding is does not change the fingerprint (a moved file, a renamed
    # function with the same code); what it is does.
    assert FindingKey("b.py", "g", "abc", "bug", "x = 1").fingerprint == key.fingerprint
    others = [
        FindingKey("a.py", "f", "abd", "bug", "x = 1"),
        FindingKey("a.py", "f", "abc", "security", "x = 1"),
        FindingKey("a.py", "f", "abc", "bug", "x = 2"),
    ]
    assert len({key.fingerprint, *(other.fingerprint for other in others)}) == 4


def test_a_reindented_function_keeps_the_fingerprint_when_its_hash_does() -> None:
    # The function hash is the answer cache's: when re-indenting leaves it unchanged,
    # the fingerprint is unchanged; when it changes it, the near-identical rule holds.
    dismissed = _key(LOAD)
    reindented = _key(LOAD_REINDENTED, evidence="\tf  =  open(path)")
    assert reindented.evidence == dismissed.evidence
    assert is_same_finding(dismissed, reindented)


def test_an_edit_elsewhere_in_the_function_keeps_it_the_same_finding() -> None:
    dismissed = _key(LOAD)
    after_edit = _key(LOAD_EDITED_ELSEWHERE)
    assert dismissed.function_hash != after_edit.function_hash
    assert dismissed.fingerprint != after_edit.fingerprint
    assert is_same_finding(dismissed, after_edit)


def test_slightly_reworded_evidence_is_near_identical() -> None:
    dismissed = _key(LOAD, evidence="    f = open(path)\n    data = f.read()")
    # The model quoted a little more or a little differently on the next review.
    longer = _key(LOAD_EDITED_ELSEWHERE, evidence="    f = open(path)")
    reworded = _key(LOAD_EDITED_ELSEWHERE, evidence="    f = open(path)\n    data = f.read(1)")
    assert is_same_finding(dismissed, longer)
    assert is_same_finding(dismissed, reworded)


def test_different_evidence_is_another_finding() -> None:
    dismissed = _key(LOAD)
    other = _key(LOAD_EDITED_ELSEWHERE, evidence='    print("loaded", len(data))')
    assert not is_same_finding(dismissed, other)
    # Even in the very same function text.
    assert not is_same_finding(dismissed, _key(LOAD, evidence="    return data"))


def test_another_category_is_another_finding() -> None:
    dismissed = _key(LOAD)
    assert not is_same_finding(dismissed, _key(LOAD, category="security"))
    assert not is_same_finding(dismissed, _key(LOAD_EDITED_ELSEWHERE, category="performance"))


def test_near_identical_needs_the_same_file_and_function() -> None:
    dismissed = _key(LOAD)
    elsewhere = _key(LOAD_EDITED_ELSEWHERE, path="src/other.py")
    assert not is_same_finding(dismissed, elsewhere)
    renamed = _key(LOAD_EDITED_ELSEWHERE.replace("def load", "def read_all"))
    assert not is_same_finding(dismissed, renamed)


def test_empty_evidence_is_only_the_same_as_empty_evidence() -> None:
    empty = FindingKey("a.py", "f", "h1", "bug", "")
    assert is_same_finding(empty, FindingKey("a.py", "f", "h2", "bug", ""))
    assert not is_same_finding(empty, FindingKey("a.py", "f", "h2", "bug", "x = 1"))


def test_key_path_is_relative_to_the_work_tree_in_posix_form(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    source = repo / "pkg" / "mod.py"
    # The work tree wins over the folder the editor opened, so both sides agree.
    assert key_path(source) == "pkg/mod.py"
    assert key_path(source, workspace=repo / "pkg") == "pkg/mod.py"


def test_key_path_outside_a_work_tree(tmp_path: Path) -> None:
    source = tmp_path / "loose" / "mod.py"
    assert key_path(source, workspace=tmp_path) == "loose/mod.py"
    assert key_path(source, workspace=tmp_path / "elsewhere") == source.as_posix()
    assert key_path(source) == source.as_posix()


def test_a_key_made_with_raw_evidence_is_normalized() -> None:
    raw = FindingKey("a.py", "f", "h", "bug", "    f = open(path)\n\n\treturn f")
    assert raw.evidence == "f = open(path)\nreturn f"
    assert raw == FindingKey("a.py", "f", "h", "bug", "f = open(path)\nreturn f")
