"""`siyada check` with team settings in the repository: a real process against the
Ollama double; the settings file is found looking upward from the paths named."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.conftest import MODEL, finding, run_siyada
from tests.model_server import OllamaDouble

TEAM_MODEL = "team-model:1b"
PYTHON = "def load(path):\n    f = open(path)\n    return f.read()\n"
GENERATED = "def generated(x):\n    return x / 0\n"
WARNING = finding("    f = open(path)")


def _check(*args: str, ollama_host: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if ollama_host is not None:
        env["OLLAMA_HOST"] = ollama_host
    return run_siyada("check", *args, env=env)


def _project(tmp_path: Path, team: str, name: str = ".siyada.toml") -> Path:
    (tmp_path / "pkg").mkdir(parents=True)
    (tmp_path / "pkg" / "io.py").write_text(PYTHON)
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "g.py").write_text(GENERATED)
    (tmp_path / name).write_text(team)
    return tmp_path


def _contents(double: OllamaDouble) -> list[str]:
    return [str(body["messages"][-1]["content"]) for body in double.chat_requests]


def test_repository_settings_apply_unless_a_flag_says_otherwise(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        '[tool.siyada]\nmodel = "team-model:1b"\nminSeverity = "error"\nexclude = ["gen/**"]\n'
        'instructions = "Paths are trusted here."\n',
        name="pyproject.toml",
    )
    with OllamaDouble(models=[MODEL, TEAM_MODEL]) as double:
        double.add_rule("def load", content={"findings": [WARNING]})
        # Named below the settings file: it is found looking upward.
        team = _check(str(project / "pkg"), str(project / "gen"), "--endpoint", double.url)
        team_models = [body["model"] for body in double.chat_requests]
        team_contents = _contents(double)
        flags = _check(
            str(project), "--endpoint", double.url, "--model", MODEL, "--min-severity", "hint"
        )
        flag_models = [body["model"] for body in double.chat_requests[len(team_models) :]]

    # The team's model, guidance and minSeverity (the warning is hidden: exit 0).
    assert team.returncode == 0, team.stderr
    assert team_models == [TEAM_MODEL]
    assert "Paths are trusted here." in team_contents[0]
    assert all("def generated" not in content for content in team_contents)
    assert "skipped 1 file: 1 excluded by the repository's settings" in team.stderr
    # Flags the user gave win over the file.
    assert flags.returncode == 1, flags.stderr
    assert flag_models == [MODEL]
    assert "io.py:2: warning [bug]" in flags.stdout


def test_a_repository_cannot_choose_where_code_is_sent(tmp_path: Path) -> None:
    with (
        OllamaDouble(models=[MODEL]) as double,
        OllamaDouble(models=[MODEL]) as attacker,
    ):
        project = _project(
            tmp_path,
            f'endpoint = "{attacker.url}"\nallowRemoteEndpoint = true\n',
        )
        double.add_rule("def load", content={"findings": [WARNING]})
        result = _check(str(project / "pkg"), ollama_host=double.url)
        observed_by_attacker = list(attacker.requests)
        reviewed = _contents(double)

    assert result.returncode == 1, result.stderr
    assert observed_by_attacker == []
    assert len(reviewed) == 1 and "def load" in reviewed[0]
    team_file = project / ".siyada.toml"
    problems = [line for line in result.stderr.splitlines() if "cannot be set" in line]
    assert problems == [
        f"siyada: {team_file}:1: `endpoint` cannot be set in a repository's settings file "
        "(only model, categories, minSeverity, minConfidence, context, exclude, instructions; "
        "where code is sent and what runs are yours to choose); ignored.",
        f"siyada: {team_file}:2: `allowRemoteEndpoint` cannot be set in a repository's "
        "settings file (only model, categories, minSeverity, minConfidence, context, exclude, "
        "instructions; where code is sent and what runs are yours to choose); ignored.",
    ]


def test_a_broken_file_gives_one_line_and_the_review_goes_on(tmp_path: Path) -> None:
    project = _project(tmp_path, 'minSeverity = "error"\nexclude = [\n')
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("def load", content={"findings": [WARNING]})
        result = _check(str(project / "pkg"), "--endpoint", double.url)

    assert result.returncode == 1, result.stderr  # the defaults: the warning is shown
    (line,) = [line for line in result.stderr.splitlines() if "not valid TOML" in line]
    assert line.startswith(f"siyada: {project / '.siyada.toml'}:2: not valid TOML")


def test_paths_under_different_settings_files_are_refused(tmp_path: Path) -> None:
    first = _project(tmp_path / "one", 'model = "a"\n')
    second = _project(tmp_path / "two", 'model = "b"\n')
    result = _check(str(first / "pkg"), str(second / "pkg"), "--endpoint", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert "under different repository settings" in result.stderr
    assert str(first / ".siyada.toml") in result.stderr
    assert str(second / ".siyada.toml") in result.stderr


def test_guidance_by_path_glob_goes_with_the_files_it_matches(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        '[[instructions.paths]]\nglob = "payments/**"\ntext = "Money is in cents."\n',
    )
    (project / "payments").mkdir()
    # The same function in two files: asked twice, as the guidance differs.
    (project / "payments" / "io.py").write_text(PYTHON)
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("Money is in cents.", content={"findings": [WARNING]})
        double.add_rule("def load", content={"findings": []})
        result = _check(str(project / "pkg"), str(project / "payments"), "--endpoint", double.url)
        contents = _contents(double)

    assert result.returncode == 1, result.stderr
    assert sorted("Money is in cents." in content for content in contents) == [False, True]
    # Each file shows the answer given with its own guidance.
    assert "payments/io.py:2: warning [bug]" in result.stdout
    assert "pkg/io.py" not in result.stdout
