"""`siyada check` as a user runs it: a real process against the Ollama double."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import MODEL, finding
from tests.ollama_double import OllamaDouble

PYTHON = "def load(path):\n    f = open(path)\n    return f.read()\n"
GO = (
    "package main\n\nfunc Sum(xs []int) int {\n\ttotal := 0\n"
    "\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}\n"
)
FIX = "    with open(path) as f:\n        return f.read()"


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "siyada", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "io.py").write_text(PYTHON)
    (tmp_path / "sum.go").write_text(GO)
    (tmp_path / "notes.txt").write_text("not code")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.js").write_text("function x() { return 1 }\n")
    return tmp_path


def test_json_output_and_exit_code_for_findings(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule(
            "def load",
            content={
                "findings": [finding("    f = open(path)", replacement=FIX, severity="error")]
            },
        )
        result = _check(str(project), "--format", "json", "--endpoint", double.url)
        reviewed = [b["messages"][-1]["content"] for b in double.chat_requests]

    assert result.returncode == 1, result.stderr
    (entry,) = json.loads(result.stdout)
    assert entry == {
        "path": str(project / "pkg" / "io.py"),
        "line": 2,
        "end_line": 2,
        "category": "bug",
        "severity": "error",
        "title": "File handle is never closed",
        "explanation": "Explanation of: File handle is never closed.",
        "function": "load",
        "replacement": FIX,
    }
    # The Go function was reviewed too; vendored code and non-code files were not.
    assert len(reviewed) == 2 and any("func Sum" in r for r in reviewed)


def test_text_output_min_severity_and_clean_exit(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
        found = _check(str(project / "pkg" / "io.py"), "--endpoint", double.url)
        filtered = _check(str(project), "--endpoint", double.url, "--min-severity", "error")

    assert found.returncode == 1
    assert "io.py:2: warning [bug] File handle is never closed (in load)" in found.stdout
    assert filtered.returncode == 0, filtered.stderr
    assert filtered.stdout == ""


def test_unreachable_endpoint_exits_2_with_one_line(tmp_path: Path) -> None:
    project = _project(tmp_path)
    with OllamaDouble(models=[MODEL]) as double:
        url = double.url
    result = _check(str(project), "--endpoint", url)

    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert "not reachable" in line and url in line


def test_missing_model_exits_2(tmp_path: Path) -> None:
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(str(_project(tmp_path)), "--endpoint", double.url, "--model", "phi3:mini")
        assert double.chat_requests == []

    assert result.returncode == 2
    assert "ollama pull phi3:mini" in result.stderr


def test_remote_endpoint_is_refused_without_the_flag(tmp_path: Path) -> None:
    result = _check(str(_project(tmp_path)), "--endpoint", "http://192.0.2.10:11434")

    assert result.returncode == 2
    assert "refused" in result.stderr and "allowRemoteEndpoint" in result.stderr


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = _check(str(tmp_path / "nope"))

    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_jobs_reviews_that_many_functions_at_once(tmp_path: Path) -> None:
    for index in range(5):
        (tmp_path / f"m{index}.py").write_text(f"def f{index}(x):\n    return x + {index}\n")
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("", hold=True)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "siyada",
                "check",
                str(tmp_path),
                "--jobs",
                "3",
                "--endpoint",
                double.url,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            double.wait_for(lambda: double.held == 3, timeout=30)
            assert len(double.chat_requests) == 3
            double.release()
            double.wait_for(lambda: len(double.chat_requests) == 5 and double.held == 2, timeout=30)
            double.release()
            _, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
    assert process.returncode == 0, stderr
    assert len(double.chat_requests) == 5


def test_identical_functions_are_reviewed_once(tmp_path: Path) -> None:
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(PYTHON)
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
        result = _check(str(tmp_path), "--format", "json", "--endpoint", double.url)
        calls = len(double.chat_requests)
    assert calls == 1
    assert sorted(Path(e["path"]).name for e in json.loads(result.stdout)) == ["a.py", "b.py"]


def test_bad_jobs_value_is_a_usage_error(tmp_path: Path) -> None:
    result = _check(str(tmp_path), "--jobs", "0")
    assert result.returncode == 2 and "--jobs" in result.stderr
