"""The optional `fix_title` of the answer schema: read, made safe, stored and keyed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from siyada.review.answer import select_findings, validate
from siyada.review.answer_cache import AnswerCache, AnswerIdentity
from siyada.review.cache import DiskCache
from siyada.review.findings import (
    FINDINGS_SCHEMA,
    MAX_FIX_TITLE_CHARS,
    Finding,
    findings_from_json,
    findings_to_json,
)
from siyada.review.prompt import PROMPT_VERSION, SYSTEM_PROMPT, SYSTEM_PROMPT_WITH_CONTEXT

FUNCTION = "def run(cmd):\n    subprocess.run(cmd, shell=True)\n    return cmd"
EVIDENCE = "    subprocess.run(cmd, shell=True)"
FIX = "    subprocess.run(shlex.split(cmd))"


def _item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "category": "security",
        "severity": "error",
        "title": "Shell injection",
        "explanation": "cmd reaches a shell.",
        "evidence": EVIDENCE,
        "replacement": FIX,
        "fix_title": "use an argument list instead of shell=True",
        "confidence": 0.9,
    }
    item.update(overrides)
    return item


def _select(*items: dict[str, Any]) -> list[Finding]:
    return select_findings(json.dumps({"findings": list(items)}), FUNCTION)


def test_the_schema_has_an_optional_bounded_fix_title() -> None:
    properties = FINDINGS_SCHEMA["properties"]["findings"]["items"]
    assert properties["properties"]["fix_title"] == {
        "type": "string",
        "maxLength": MAX_FIX_TITLE_CHARS,
    }
    assert "fix_title" not in properties["required"]


def test_the_prompt_asks_for_a_short_imperative_fix_title() -> None:
    for prompt in (SYSTEM_PROMPT, SYSTEM_PROMPT_WITH_CONTEXT):
        assert "- fix_title: with a replacement only: a short imperative phrase" in prompt
        assert '"fix_title":{"maxLength":80,"type":"string"}' in prompt


def test_a_fix_title_is_kept_with_its_fix() -> None:
    (found,) = _select(_item())
    assert found.replacement == FIX
    assert found.fix_title == "use an argument list instead of shell=True"


def test_a_fix_title_is_optional() -> None:
    item = _item()
    del item["fix_title"]
    (found,) = _select(item)
    assert found.replacement == FIX and found.fix_title is None


def test_a_fix_title_loses_controls_and_is_capped() -> None:
    checked = validate(_item(fix_title="\x1b]0;owned\x07use\tshlex\x00.split " + "x" * 200))
    assert checked is not None
    title = checked["fix_title"]
    assert title.startswith("use shlex .split x")
    assert len(title) == MAX_FIX_TITLE_CHARS and title.endswith("\u2026")
    assert not any(ord(char) < 32 for char in title)


def test_a_fix_title_that_is_not_text_or_blank_is_dropped_and_the_finding_kept() -> None:
    for bad in (5, None, ["use x"], "   ", "\x1b[2J"):
        (found,) = _select(_item(fix_title=bad))
        assert found.replacement == FIX and found.fix_title is None, bad


def test_a_fix_title_without_a_usable_fix_is_dropped() -> None:
    (no_fix,) = _select(_item(replacement=None))
    assert no_fix.replacement is None and no_fix.fix_title is None
    (control_fix,) = _select(_item(replacement="    subprocess.run(\x07cmd)"))
    assert control_fix.replacement is None and control_fix.fix_title is None
    # A replacement identical to the evidence changes nothing: no fix, no fix title.
    (same,) = _select(_item(replacement=EVIDENCE))
    assert same.replacement is None and same.fix_title is None


def test_a_fix_title_is_stored_and_read_back() -> None:
    (found,) = _select(_item())
    assert findings_from_json(json.loads(json.dumps(findings_to_json([found])))) == [found]


def test_a_stored_finding_of_the_old_shape_is_not_trusted() -> None:
    (found,) = _select(_item())
    old_shape = findings_to_json([found])[0]
    del old_shape["fix_title"]
    try:
        findings_from_json([old_shape])
    except ValueError:
        pass
    else:
        raise AssertionError("a stored finding without fix_title was accepted")


def test_answers_to_the_old_prompt_are_not_reused(tmp_path: Path) -> None:
    assert PROMPT_VERSION == "4"
    old = AnswerIdentity("h", "m", "python", prompt_version="2")
    new = AnswerIdentity("h", "m", "python")
    assert new.prompt_version == PROMPT_VERSION
    assert old.digest() != new.digest()
    (found,) = _select(_item())
    disk = DiskCache(tmp_path)
    AnswerCache(disk).put(old, (found,))
    fresh = AnswerCache(disk)  # a new process: nothing in memory, the same disk
    assert fresh.get(old) == (found,)
    assert fresh.get(new) is None
    disk.close()
