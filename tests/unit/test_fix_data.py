"""`FixData` read back from a client: only the shape `to_json` gives is accepted."""

from __future__ import annotations

from typing import Any

import pytest

from siyada.lsp.protocol import FixData

GENUINE = FixData(
    version=3,
    start_line=1,
    end_line=2,
    evidence_lines=("    f = open(path)", "    return f.read()"),
    category="bug",
    replacement="    with open(path) as f:\n        return f.read()",
)
FORGED: dict[str, dict[str, Any]] = {
    "end-before-start": {"startLine": 5, "endLine": 2, "evidenceLines": []},
    "no-evidence": {"evidenceLines": []},
    "evidence-longer-than-range": {"evidenceLines": ["a", "b", "c"]},
    "negative-line": {"startLine": -1, "endLine": 0, "evidenceLines": ["x"]},
    "line-as-text": {"startLine": "1"},
    "line-as-float": {"endLine": 2.0},
    "line-as-boolean": {"startLine": True, "endLine": True, "evidenceLines": ["x"]},
    "evidence-not-text": {"evidenceLines": [1, 2]},
    "evidence-as-text": {"evidenceLines": "ab"},
    "category-missing": {"category": None},
    "version-as-text": {"version": "3"},
    "replacement-not-text": {"replacement": ["pass"]},
}


def test_case9_genuine_data_reads_back_equal() -> None:
    assert FixData.from_json(GENUINE.to_json()) == GENUINE
    unversioned = FixData(None, 0, 0, ("x",), "style", None)
    assert FixData.from_json(unversioned.to_json()) == unversioned


@pytest.mark.parametrize("case", list(FORGED))
def test_case9_forged_shape_is_refused(case: str) -> None:
    assert FixData.from_json({**GENUINE.to_json(), **FORGED[case]}) is None


@pytest.mark.parametrize("data", [None, [], "data", {"startLine": 1}])
def test_case9_data_that_is_not_fix_data_is_refused(data: object) -> None:
    assert FixData.from_json(data) is None
