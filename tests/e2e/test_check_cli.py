"""`siyada check` as a user runs it: a real process against the Ollama double."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from siyada.code.languages import language_for
from siyada.code.suppressions import ignore_file_insertion
from siyada.code.text import split_lines
from tests.e2e.conftest import MODEL, finding, run_siyada
from tests.model_server import OllamaDouble, marker_findings

PYTHON = "def load(path):\n    f = open(path)\n    return f.read()\n"
GO = (
    "package main\n\nfunc Sum(xs []int) int {\n\ttotal := 0\n"
    "\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}\n"
)
FIX = "    with open(path) as f:\n        return f.read()"


def _check(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_siyada("check", *args, timeout=timeout)


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


# ----- issue 8: one pipeline, file handling, wording -----------------------------------

JOBS = ("--jobs", "8")


def _functions(count: int, lines_each: int = 1) -> str:
    body = "".join(f"    x = x + {j}\n" for j in range(lines_each))
    return "".join(f"def f{i}(x):\n{body}    return x * {i}\n\n" for i in range(count))


def _summary(stderr: str) -> str:
    """The summary's lines, from `Reviewed ...` on."""
    return stderr[stderr.index("Reviewed ") :]


def test_case11_file_over_the_size_limit_is_not_sent(tmp_path: Path) -> None:
    generated = _functions(15_500, lines_each=15)  # 3.7 MB, as in the issue
    assert len(generated) > 3_600_000
    (tmp_path / "generated.py").write_text(generated)
    (tmp_path / "own.py").write_text(PYTHON)
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(str(tmp_path), "--endpoint", double.url, *JOBS)
        reviewed = [b["messages"][-1]["content"] for b in double.chat_requests]

    assert result.returncode == 0, result.stderr
    assert len(reviewed) == 1 and "def load" in reviewed[0]
    assert "generated.py: it is 3.7 MB, over the 512 KB limit (siyada.maxFileKb)" in result.stderr
    assert "Reviewed 1 function in 1 file (0 cached); skipped 1 file: 1 over 512 KB" in (
        result.stderr
    )


def test_case11_functions_beyond_the_per_file_cap_are_not_sent(tmp_path: Path) -> None:
    (tmp_path / "many.py").write_text(_functions(520))
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(str(tmp_path), "--endpoint", double.url, *JOBS)
        names = {
            b["messages"][-1]["content"].split("def ")[1].split("(")[0]
            for b in double.chat_requests
        }

    assert result.returncode == 0, result.stderr
    # The editor's cap, in the order of the file: f0..f499 are sent, f500..f519 are not.
    assert names == {f"f{i}" for i in range(500)}
    assert "Reviewed 500 functions in 1 file (0 cached)" in result.stderr
    assert "20 functions beyond 500 per file not reviewed (maxFunctionsPerFile)" in result.stderr


def test_case11_minified_file_is_not_sent(tmp_path: Path) -> None:
    statements = ";".join(f"var v{i}=n+{i}" for i in range(600))
    (tmp_path / "index.min.js").write_text(f"function a(n){{{statements};return n}}\n")
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(str(tmp_path), "--endpoint", double.url)
        calls = len(double.chat_requests)

    assert calls == 0
    assert result.returncode == 2
    assert "index.min.js: a line of 8,803 characters suggests minified" in result.stderr
    assert "skipped 1 file: 1 minified or generated." in result.stderr
    assert "nothing reviewable in the paths named: every file was skipped" in result.stderr


def test_case11_file_with_nul_bytes_is_not_sent(tmp_path: Path) -> None:
    (tmp_path / "data.py").write_text("def f(x):\n    return x\x00\n")
    (tmp_path / "own.py").write_text(PYTHON)
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(str(tmp_path), "--endpoint", double.url)
        reviewed = [b["messages"][-1]["content"] for b in double.chat_requests]

    assert result.returncode == 0, result.stderr
    assert len(reviewed) == 1 and "def load" in reviewed[0]
    assert "data.py: it looks like binary data" in result.stderr
    assert "skipped 1 file: 1 binary." in result.stderr


def test_case12_fifo_in_a_folder_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "own.py").write_text(PYTHON)
    with OllamaDouble(models=[MODEL]) as double:
        # The timeout only turns a hang into a failure; the run takes about a second.
        result = _check(str(tmp_path), "--endpoint", double.url, timeout=30)
        calls = len(double.chat_requests)

    assert result.returncode == 0, result.stderr
    assert calls == 1
    assert "skipped 1 file: 1 not a regular file." in result.stderr


def test_case12_fifo_named_explicitly_is_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.py")
    result = _check(str(tmp_path / "fifo.py"), "--endpoint", "http://127.0.0.1:9", timeout=30)

    assert result.returncode == 2
    assert "fifo.py (not a regular file)" in result.stderr
    assert "nothing reviewable in the paths named: every file was skipped" in result.stderr


def test_case12_duplicate_paths_report_each_finding_once(tmp_path: Path) -> None:
    (tmp_path / "f.py").write_text(PYTHON)
    (tmp_path / "link.py").symlink_to(tmp_path / "f.py")
    named = tmp_path / "f.py"
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
        result = _check(
            str(named),
            str(named),
            str(tmp_path),
            str(tmp_path / "." / "f.py"),
            "--format",
            "json",
            "--endpoint",
            double.url,
        )
        calls = len(double.chat_requests)

    assert result.returncode == 1, result.stderr
    (entry,) = json.loads(result.stdout)
    assert entry["path"] == str(named)
    assert calls == 1
    assert "Reviewed 1 function in 1 file" in result.stderr


def test_case12_gitignore_is_respected_and_own_build_folder_is_reviewed(tmp_path: Path) -> None:
    for folder in ("build", "dist", "vendor", "generated", "src/cache"):
        (tmp_path / folder).mkdir(parents=True)
        name = folder.replace("/", "_")
        (tmp_path / folder / f"{name}.py").write_text(f"def in_{name}(x):\n    return x\n")
    (tmp_path / ".gitignore").write_text("generated/\n*.gen.py\n")
    (tmp_path / "src" / ".gitignore").write_text("cache/\n")
    (tmp_path / "src" / "model.gen.py").write_text("def generated_model(x):\n    return x\n")
    (tmp_path / ".tool").mkdir()
    (tmp_path / ".tool" / "hook.py").write_text("def hook(x):\n    return x\n")
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(str(tmp_path), "--endpoint", double.url)
        reviewed = sorted(
            b["messages"][-1]["content"].split("def ")[1].split("(")[0]
            for b in double.chat_requests
        )

    assert result.returncode == 0, result.stderr
    assert reviewed == ["in_build", "in_dist", "in_vendor"]
    summary = _summary(result.stderr)
    assert "skipped 1 file: 1 listed in .gitignore." in summary
    assert "Folders not entered: 2 listed in .gitignore, 1 hidden." in summary


def test_case12_gitignore_of_the_repository_applies_to_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("out/\n")
    (tmp_path / "src" / "out").mkdir(parents=True)
    (tmp_path / "src" / "app.py").write_text("def app(x):\n    return x\n")
    (tmp_path / "src" / "out" / "built.py").write_text("def built(x):\n    return x\n")
    with OllamaDouble(models=[MODEL]) as double:
        whole = _check(str(tmp_path / "src"), "--endpoint", double.url)
        after_whole = len(double.chat_requests)
        named = _check(str(tmp_path / "src" / "out"), "--endpoint", double.url)
        reviewed = [b["messages"][-1]["content"] for b in double.chat_requests]

    assert whole.returncode == 0, whole.stderr
    assert after_whole == 1 and "def app" in reviewed[0]
    assert "Folders not entered: 1 listed in .gitignore." in whole.stderr
    # A folder named on purpose is reviewed although .gitignore lists it.
    assert named.returncode == 0, named.stderr
    assert len(reviewed) == 2 and "def built" in reviewed[1]


def test_case12_summary_counts_cached_functions_and_lines_outside(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\n\n\n" + PYTHON + "\nprint(load('x'))\n")
    (tmp_path / "sum.go").write_text(GO)
    with OllamaDouble(models=[MODEL]) as double:
        first = _check(str(tmp_path), "--endpoint", double.url)
        second = _check(str(tmp_path), "--endpoint", double.url)
        calls = len(double.chat_requests)

    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert calls == 2
    assert _summary(first.stderr).splitlines() == [
        "Reviewed 2 functions in 2 files (0 cached); skipped 0 files.",
        "3 lines outside functions not reviewed.",
    ]
    assert "Reviewed 2 functions in 2 files (2 cached); skipped 0 files." in second.stderr


def test_case12_nothing_reviewable_exits_2_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("not code")
    (tmp_path / "script.py").write_text("print('hello')\n")
    with OllamaDouble(models=[MODEL]) as double:
        empty = _check(str(tmp_path / "empty"), "--endpoint", double.url)
        docs = _check(str(tmp_path / "docs"), "--endpoint", double.url)
        script = _check(str(tmp_path / "script.py"), "--endpoint", double.url)
        calls = len(double.chat_requests)

    assert calls == 0
    assert (empty.returncode, docs.returncode, script.returncode) == (2, 2, 2)
    for result in (empty, docs):
        assert "Reviewed 0 functions in 0 files (0 cached); skipped 0 files." in result.stderr
        assert "no file in a language Siyada reviews was found" in result.stderr
    assert "Reviewed 0 functions in 1 file" in script.stderr
    assert "1 line outside functions not reviewed." in script.stderr
    assert "nothing reviewable in the paths named: the files hold no functions" in script.stderr


def test_case13_endpoint_with_another_scheme_names_the_flag(tmp_path: Path) -> None:
    (tmp_path / "own.py").write_text(PYTHON)
    result = _check(str(tmp_path), "--endpoint", "ftp://x")

    assert result.returncode == 2
    assert result.stdout == ""
    assert "argument --endpoint: 'ftp://x' is not an http:// or https:// URL" in result.stderr
    assert "default" not in result.stderr.split("error:")[1]


def test_case13_symlink_loop_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    (tmp_path / "gone.py").symlink_to(tmp_path / "missing.py")
    loop = _check(str(tmp_path / "loop.py"))
    gone = _check(str(tmp_path / "gone.py"))

    assert loop.returncode == 2 and gone.returncode == 2
    assert f"{tmp_path / 'loop.py'}: a symlink loop" in loop.stderr
    assert "no such file" not in loop.stderr
    assert f"a symlink to {tmp_path / 'missing.py'}, which does not exist" in gone.stderr


# One function per language, with a line the double reports (its MARKER).
_MARKED = {
    "a.py": 'def f():\n    x = "BENCH_MARK"\n    return x\n',
    "b.js": 'function f() {\n  const x = "BENCH_MARK";\n  return x;\n}\n',
    "c.ts": 'function f(): string {\n  const x = "BENCH_MARK";\n  return x;\n}\n',
    "d.go": 'package p\n\nfunc F() string {\n\tx := "BENCH_MARK"\n\treturn x\n}\n',
    "e.rs": 'fn f() -> &\'static str {\n    let x = "BENCH_MARK";\n    x\n}\n',
    "F.java": 'class F {\n  String f() {\n    String x = "BENCH_MARK";\n    return x;\n  }\n}\n',
    "g.c": 'const char *f(void) {\n  const char *x = "BENCH_MARK";\n  return x;\n}\n',
    "h.cpp": 'const char *f() {\n  const char *x = "BENCH_MARK";\n  return x;\n}\n',
}


def test_ignore_file_comment_silences_a_file_in_every_language(tmp_path: Path) -> None:
    plain, ignored = tmp_path / "plain", tmp_path / "ignored"
    plain.mkdir()
    ignored.mkdir()
    for name, text in _MARKED.items():
        spec = language_for(None, name)
        assert spec is not None
        lines = split_lines(text)
        insertion = ignore_file_insertion(spec, lines)  # what "Ignore in this file" inserts
        edited = [*lines[: insertion.line], *insertion.lines, *lines[insertion.line :]]
        (plain / name).write_text(text)
        (ignored / name).write_text("\n".join(edited))
    with OllamaDouble(models=[MODEL], default_answer=marker_findings) as double:
        found = _check(str(plain), "--format", "json", "--endpoint", double.url)
        silenced = _check(str(ignored), "--format", "json", "--endpoint", double.url)

    assert found.returncode == 1, found.stderr
    assert sorted(Path(entry["path"]).name for entry in json.loads(found.stdout)) == sorted(_MARKED)
    assert silenced.returncode == 0, silenced.stderr
    assert json.loads(silenced.stdout) == []
