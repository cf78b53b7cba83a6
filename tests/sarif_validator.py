"""The official SARIF validator (`validate` of npm's @microsoft/sarif-multitool, a
self-contained .NET program: no .NET runtime is needed) as the tests call it.

It exits 0 whatever it finds, so its verdict is read from the SARIF log it writes: one
result per problem, each naming the file it is about. Skipped where `npm ci` has not
installed it, except in CI (CI=true), where scripts/test.sh installs it first and a
missing validator is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
VALIDATOR = REPOSITORY / "node_modules" / ".bin" / "sarif-multitool"


@dataclass(frozen=True)
class Problem:
    rule: str
    level: str
    file: str
    text: str


def require_validator() -> Path:
    if VALIDATOR.exists():
        return VALIDATOR
    reason = (
        f"the SARIF validator is not installed ({VALIDATOR.relative_to(REPOSITORY)}): "
        "run `npm ci` in the repository"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; scripts/test.sh installs it before the tests in CI")
    pytest.skip(reason)


def validate(files: list[Path], work: Path) -> tuple[list[Problem], str]:
    """The validator's problems with `files`, and its console output."""
    validator = require_validator()
    out = work / "validation.sarif"
    # ICU may be missing on a slim machine; the validator needs no culture data.
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    command = [str(validator), "validate", *map(str, files)]
    done = subprocess.run(
        [*command, "--output", str(out), "--log", "ForceOverwrite"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    console = done.stdout + done.stderr
    assert done.returncode == 0 and out.exists(), console
    log = json.loads(out.read_text(encoding="utf-8"))
    (run,) = log["runs"]
    for invocation in run.get("invocations", []):
        assert invocation.get("executionSuccessful") is True, console
    return [_problem(result) for result in run.get("results", [])], console


def _problem(result: dict[str, object]) -> Problem:
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]  # type: ignore[index]
    message = result["message"]
    assert isinstance(message, dict)
    text = str(message.get("text") or f"{message.get('id')} {message.get('arguments')}")
    # A result without a level is a warning (SARIF's default).
    level = str(result.get("level", "warning"))
    return Problem(str(result["ruleId"]), level, str(location["uri"]), text)
