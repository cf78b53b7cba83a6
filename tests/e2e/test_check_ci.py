"""`siyada check` in CI: SARIF output checked by the official validator, `--diff` on a
real git repository, `--fail-on`, `--out`; a real process against the Ollama double."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e import audit_connections
from tests.e2e.conftest import MODEL, finding, run_siyada
from tests.e2e.test_privacy import SPAWN_EVENTS, Audit
from tests.model_server import OllamaDouble
from tests.sarif_validator import validate

LOAD = "def load(path):\n    f = open(path)\n    return f.read()\n"
FIX = "    with open(path) as f:\n        return f.read()"
SAVE = "def save(path, data):\n    f = open(path, 'w')\n    f.write(data)\n"


def _check(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_siyada("check", *args, cwd=cwd)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _results(sarif_file: Path) -> list[dict[str, Any]]:
    log = json.loads(sarif_file.read_text(encoding="utf-8"))
    results: list[dict[str, Any]] = log["runs"][0]["results"]
    return results


def _with_load_finding(double: OllamaDouble, severity: str = "error") -> None:
    double.add_rule(
        "def load",
        content={"findings": [finding("    f = open(path)", replacement=FIX, severity=severity)]},
    )


def test_sarif_report_is_valid_and_carries_region_fix_and_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "io.py").write_text(LOAD)
    out = tmp_path / "siyada.sarif"
    with OllamaDouble(models=[MODEL]) as double:
        _with_load_finding(double)
        result = _check(
            "pkg", "--format", "sarif", "--out", str(out), "--endpoint", double.url, cwd=tmp_path
        )

    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    log = json.loads(out.read_text(encoding="utf-8"))
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [
        "bug",
        "security",
        "performance",
        "maintainability",
    ]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    (entry,) = run["results"]
    assert entry["ruleId"] == "bug" and entry["level"] == "error"
    location = entry["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/io.py", "uriBaseId": "%SRCROOT%"}
    # The region is what the editor underlines; the fix replaces the whole line.
    assert location["region"] == {"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 19}
    whole_line = {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 19}
    (change,) = entry["fixes"][0]["artifactChanges"]
    assert change["replacements"] == [
        {"deletedRegion": whole_line, "insertedContent": {"text": FIX}}
    ]

    broken = tmp_path / "broken.sarif"
    del run["results"][0]["message"]
    run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    broken.write_text(json.dumps(log))
    problems, console = validate([out, broken], tmp_path)
    errors = [p for p in problems if p.level == "error"]
    # The validator finds what is wrong with the broken copy, and nothing in ours.
    assert {p.rule for p in errors if p.file.endswith("broken.sarif")} == {"JSON1002", "JSON1008"}
    assert [p for p in errors if p.file.endswith("siyada.sarif")] == [], console
    ours = {p.rule for p in problems if p.file.endswith("siyada.sarif")}
    # The only advice left: a link to a web page about the tool, which Siyada omits.
    assert ours <= {"SARIF2005"}, console


def test_sarif_fingerprint_survives_lines_inserted_above(tmp_path: Path) -> None:
    source = tmp_path / "io.py"
    source.write_text(LOAD)
    out = tmp_path / "first.sarif"
    again = tmp_path / "second.sarif"
    with OllamaDouble(models=[MODEL]) as double:
        _with_load_finding(double)
        first = _check(
            "io.py", "--format", "sarif", "--out", str(out), "--endpoint", double.url, cwd=tmp_path
        )
        source.write_text("import os\n\n\nCONSTANT = 1\n\n\n" + LOAD)
        second = _check(
            "io.py",
            "--format",
            "sarif",
            "--out",
            str(again),
            "--endpoint",
            double.url,
            cwd=tmp_path,
        )

    assert first.returncode == 1 and second.returncode == 1, second.stderr
    (before,) = _results(out)
    (after,) = _results(again)
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert before["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert after["partialFingerprints"] == before["partialFingerprints"]


def test_fail_on_sets_which_severities_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / "io.py").write_text(LOAD)
    with OllamaDouble(models=[MODEL]) as double:
        _with_load_finding(double, severity="warning")
        default = _check(str(tmp_path), "--endpoint", double.url)
        on_error = _check(str(tmp_path), "--endpoint", double.url, "--fail-on", "error")
        on_warning = _check(str(tmp_path), "--endpoint", double.url, "--fail-on", "warning")
        on_info = _check(str(tmp_path), "--endpoint", double.url, "--fail-on", "info")

    # The finding is reported every time; only the exit code follows --fail-on.
    for result in (default, on_error, on_warning, on_info):
        assert "io.py:2: warning [bug]" in result.stdout, result.stderr
    assert (default.returncode, on_error.returncode) == (1, 0)
    assert (on_warning.returncode, on_info.returncode) == (1, 1)


def test_fail_on_rejects_an_unknown_severity(tmp_path: Path) -> None:
    result = _check(str(tmp_path), "--fail-on", "fatal")
    assert result.returncode == 2 and "--fail-on" in result.stderr


def _repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / ".gitignore").write_text("build/\n")
    (repo / "io.py").write_text(LOAD + "\n\n" + SAVE)
    (repo / "other.py").write_text("def other(x):\n    return x\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    return repo


def _reviewed(double: OllamaDouble) -> list[str]:
    names = [
        b["messages"][-1]["content"].split("def ")[1].split("(")[0] for b in double.chat_requests
    ]
    return sorted(names)


def test_diff_reviews_only_functions_changed_since_the_ref(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    (repo / "io.py").write_text(
        LOAD + "\n\n" + SAVE.replace("f.write(data)", "f.write(data + '\\n')")
    )
    (repo / "new.py").write_text("def brand_new(x):\n    return x\n")
    (repo / "build").mkdir()
    (repo / "build" / "gen.py").write_text("def generated(x):\n    return x\n")
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(".", "--diff", "HEAD", "--endpoint", double.url, cwd=repo)
        reviewed = _reviewed(double)

    assert result.returncode == 0, result.stderr
    # The edited function and the untracked file; not the unchanged function, the
    # unchanged file, or the file git ignores.
    assert reviewed == ["brand_new", "save"]
    assert "Unchanged since HEAD, not reviewed: 1 function, 1 file." in result.stderr


def test_diff_with_nothing_changed_succeeds(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(str(repo), "--diff", "HEAD", "--endpoint", double.url)
        calls = len(double.chat_requests)

    assert calls == 0
    assert result.returncode == 0, result.stderr
    assert "Unchanged since HEAD, not reviewed: 0 functions, 2 files." in result.stderr


def test_diff_outside_a_repository_or_with_an_unknown_ref_exits_2(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "io.py").write_text(LOAD)
    repo = _repository(tmp_path)
    outside = _check(str(plain), "--diff", "HEAD", "--endpoint", "http://127.0.0.1:9")
    unknown = _check(str(repo), "--diff", "no-such-ref", "--endpoint", "http://127.0.0.1:9")

    assert outside.returncode == 2 and unknown.returncode == 2
    (line,) = outside.stderr.strip().splitlines()
    assert "--diff needs a git work tree" in line and str(plain) in line
    (line,) = unknown.stderr.strip().splitlines()
    assert "'no-such-ref' is not a commit" in line


def test_out_to_a_folder_that_does_not_exist_exits_2(tmp_path: Path) -> None:
    (tmp_path / "io.py").write_text(LOAD)
    with OllamaDouble(models=[MODEL]) as double:
        result = _check(
            str(tmp_path),
            "--format",
            "sarif",
            "--out",
            str(tmp_path / "no" / "x.sarif"),
            "--endpoint",
            double.url,
        )
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "x.sarif" in result.stderr


def test_files_git_ignores_are_not_reviewed_in_a_folder(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    # Ignored through the user's excludes file, which no .gitignore shows.
    excludes = tmp_path / "excludes"
    excludes.write_text("*.gen.py\n")
    _git(repo, "config", "core.excludesFile", str(excludes))
    (repo / "model.gen.py").write_text("def generated_model(x):\n    return x\n")
    with OllamaDouble(models=[MODEL]) as double:
        walked = _check(str(repo), "--endpoint", double.url)
        after_walk = _reviewed(double)
        named = _check(str(repo / "model.gen.py"), "--endpoint", double.url)
        reviewed = _reviewed(double)

    assert walked.returncode == 0, walked.stderr
    assert after_walk == ["load", "other", "save"]
    assert "skipped 1 file: 1 ignored by git." in walked.stderr
    # A file named on purpose is reviewed whatever git says.
    assert named.returncode == 0, named.stderr
    assert reviewed == ["generated_model", "load", "other", "save"]


def test_in_a_repository_only_git_is_started_and_never_a_program_it_names(
    tmp_path: Path,
) -> None:
    audit = Audit(tmp_path / "audit", tmp_path / "audit.jsonl", tmp_path / "xdg-cache")
    audit.folder.mkdir()
    shutil.copy(Path(audit_connections.__file__), audit.folder / "sitecustomize.py")
    repo = _repository(tmp_path)
    (repo / "io.py").write_text(LOAD.replace("f.read()", "f.read(10)") + "\n\n" + SAVE)
    with OllamaDouble(models=[MODEL]) as double:
        _with_load_finding(double)
        options = ["--diff", "HEAD", "--format", "sarif", "--out", "x.sarif"]
        process = subprocess.run(
            [sys.executable, "-m", "siyada", "check", ".", *options, "--endpoint", double.url],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            env=audit.env(),
            check=False,
        )

    assert process.returncode == 1, process.stderr
    started = [r["args"][1] for r in audit.records() if r["event"] in SPAWN_EVENTS]
    # git for the diff, the untracked files and what the walk leaves out; nothing else,
    # and never with the repository's file-system monitor.
    assert len(started) >= 3
    for command in started:
        assert command.startswith("['git', ") and "'core.fsmonitor=false'" in command, command
