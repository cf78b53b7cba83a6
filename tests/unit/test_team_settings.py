"""Team settings in the repository: loading, precedence, rejected keys, broken files,
exclude, instructions (prompt and cache key)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.review.answer_cache import AnswerCache
from siyada.review.cache import DiskCache
from siyada.review.engine import Reviewer
from siyada.review.prompt import build_messages
from siyada.review.settings import Settings, parse_settings
from siyada.review.team_settings import (
    NO_TEAM_SETTINGS,
    Instructions,
    TeamSettings,
    team_settings_in,
    team_settings_near,
)
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _team(folder: Path) -> TeamSettings:
    team = team_settings_in(folder)
    assert team is not None
    return team


# ----- loading --------------------------------------------------------------------


def test_siyada_toml_keys_are_read_at_its_top_level(tmp_path: Path) -> None:
    _write(
        tmp_path,
        ".siyada.toml",
        'model = "team-model:7b"\ncategories = ["bug", "security"]\nminSeverity = "warning"\n'
        'minConfidence = 0.8\ncontext = "file"\nexclude = ["generated/**"]\n',
    )
    team = _team(tmp_path)
    assert team.problems == ()
    assert team.source == tmp_path / ".siyada.toml"
    assert dict(team.options) == {
        "model": "team-model:7b",
        "categories": ["bug", "security"],
        "minSeverity": "warning",
        "minConfidence": 0.8,
        "context": "file",
    }
    assert team.exclude == ("generated/**",)


def test_pyproject_tool_siyada_is_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.siyada]\nminSeverity = "error"\n',
    )
    assert dict(_team(tmp_path).options) == {"minSeverity": "error"}


def test_pyproject_without_tool_siyada_is_not_a_team_file(tmp_path: Path) -> None:
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert team_settings_in(tmp_path) is None
    # Even a broken one, when it does not mention Siyada: it is not ours to report.
    _write(tmp_path, "pyproject.toml", "[project\nname = ")
    assert team_settings_in(tmp_path) is None


def test_siyada_toml_wins_over_pyproject_in_the_same_folder_and_says_so(tmp_path: Path) -> None:
    _write(tmp_path, ".siyada.toml", 'model = "from-siyada-toml"\n')
    _write(tmp_path, "pyproject.toml", '[tool.siyada]\nmodel = "from-pyproject"\n')
    team = _team(tmp_path)
    assert dict(team.options) == {"model": "from-siyada-toml"}
    (note,) = team.problems
    assert str(tmp_path / "pyproject.toml") in note and ".siyada.toml" in note


def test_the_nearest_file_upward_is_used(tmp_path: Path) -> None:
    _write(tmp_path, ".siyada.toml", 'model = "outer"\n')
    _write(tmp_path / "pkg", "pyproject.toml", '[tool.siyada]\nmodel = "inner"\n')
    _write(tmp_path / "pkg" / "sub", "pyproject.toml", '[project]\nname = "no-siyada"\n')
    source = _write(tmp_path / "pkg" / "sub", "code.py", "x = 1\n")
    assert dict(team_settings_near(source).options) == {"model": "inner"}
    assert dict(team_settings_near(tmp_path / "other").options) == {"model": "outer"}


# ----- what a repository can never set ----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'endpoint = "http://attacker.example:11434"',
        'provider = "openai"',
        "allowRemoteEndpoint = true",
        'apiKeyEnv = "AWS_SECRET_ACCESS_KEY"',
        'interpreter = "/tmp/evil/python"',
        '"server.path" = "/tmp/evil/siyada"',
        'cacheDir = "/tmp/shared"',
        'caBundle = "/tmp/evil.pem"',
        "maxConcurrentRequests = 16",
    ],
)
def test_a_key_outside_the_allowed_list_gets_one_problem_and_is_ignored(
    tmp_path: Path, line: str
) -> None:
    path = _write(tmp_path, ".siyada.toml", f'model = "ok"\n{line}\n')
    team = _team(tmp_path)
    key = line.split("=")[0].strip().strip('"')
    (problem,) = team.problems
    assert problem.startswith(f"{path}:2: `{key}` cannot be set in a repository")
    assert dict(team.options) == {"model": "ok"}
    settings, _ = parse_settings(team.merged_with({}))
    assert settings == Settings(model="ok")


def test_forbidden_keys_in_pyproject_are_named_with_their_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "pyproject.toml",
        '[tool.other]\nendpoint = "fine here"\n\n[tool.siyada]\nmodel = "m"\n'
        'endpoint = "http://attacker.example"\n',
    )
    (problem,) = _team(tmp_path).problems
    assert problem.startswith(f"{path}:6: `endpoint` cannot be set")


# ----- broken files ----------------------------------------------------------------


def test_a_toml_syntax_error_names_the_file_and_line_and_nothing_is_taken(tmp_path: Path) -> None:
    path = _write(tmp_path, ".siyada.toml", 'model = "m"\nminSeverity = \n')
    team = _team(tmp_path)
    (problem,) = team.problems
    assert problem.startswith(f"{path}:2: not valid TOML") and "line 2" in problem
    assert dict(team.options) == {}
    assert parse_settings(team.merged_with({"model": "user"}))[0] == Settings(model="user")


def test_a_broken_pyproject_that_mentions_siyada_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "pyproject.toml", '[tool.siyada]\nmodel = "m\n')
    (problem,) = _team(tmp_path).problems
    assert problem.startswith(f"{path}:2: not valid TOML")


def test_a_wrong_value_names_file_and_line_and_the_other_keys_apply(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        ".siyada.toml",
        'model = "m"\nminConfidence = 7\ncategories = ["bug", "style"]\nexclude = "x"\n',
    )
    team = _team(tmp_path)
    assert team.problems == (
        f"{path}:2: `minConfidence` must be a number from 0 to 1; ignored.",
        f"{path}:3: `categories` has unknown categories ['style']; known: bug, security, "
        "performance, maintainability; ignored.",
        f'{path}:4: `exclude` must be a list of path globs such as ["tests/**", "*.pb.go"]; '
        "ignored.",
    )
    assert dict(team.options) == {"model": "m"}
    assert team.message() == "Siyada: repository settings: " + " ".join(team.problems)


# ----- precedence ------------------------------------------------------------------


def test_precedence_explicit_user_settings_then_the_file_then_defaults(tmp_path: Path) -> None:
    _write(tmp_path, ".siyada.toml", 'model = "team"\nminSeverity = "warning"\n')
    team = _team(tmp_path)
    # The client sends null for what the user did not set (and may leave keys out).
    user = {"model": "mine", "minSeverity": None}
    settings, problems = parse_settings(team.merged_with(user))
    assert problems == []
    assert settings.model == "mine"  # set by the user: wins over the file
    assert settings.min_severity == "warning"  # not set by the user: the file's
    assert settings.min_confidence == Settings().min_confidence  # in neither: the default
    # A user's explicit value equal to the default still wins over the file.
    assert parse_settings(team.merged_with({"minSeverity": "hint"}))[0].min_severity == "hint"


def test_no_team_file_changes_nothing() -> None:
    assert NO_TEAM_SETTINGS.merged_with({"model": "m"}) == {"model": "m"}
    assert NO_TEAM_SETTINGS.instructions.text_for("python") == ""
    assert not NO_TEAM_SETTINGS.excludes(Path("/anything.py"))


# ----- exclude ---------------------------------------------------------------------


def test_exclude_globs_are_relative_to_the_file_folder(tmp_path: Path) -> None:
    _write(tmp_path, ".siyada.toml", 'exclude = ["generated/**", "*_pb2.py", "/top.py"]\n')
    team = _team(tmp_path)
    assert team.excludes(tmp_path / "generated" / "a" / "x.py")
    assert team.excludes(tmp_path / "deep" / "api_pb2.py")
    assert team.excludes(tmp_path / "top.py")
    assert not team.excludes(tmp_path / "deep" / "top.py")
    assert not team.excludes(tmp_path / "src" / "x.py")
    assert not team.excludes(tmp_path.parent / "generated" / "x.py")  # outside its folder


# ----- instructions ----------------------------------------------------------------


def test_instructions_as_a_string_apply_to_every_language(tmp_path: Path) -> None:
    _write(tmp_path, ".siyada.toml", 'instructions = "We use parameterized SQL only."\n')
    instructions = _team(tmp_path).instructions
    assert instructions.text_for("python") == "We use parameterized SQL only."
    assert instructions.text_for("go") == "We use parameterized SQL only."


def test_instructions_per_language_add_to_the_global_text(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "pyproject.toml",
        '[tool.siyada.instructions]\nall = "Money is in cents."\n\n'
        '[tool.siyada.instructions.languages]\npython = "asyncio only, no threads."\n'
        'typescriptreact = "No inline styles."\n',
    )
    team = _team(tmp_path)
    assert team.problems == ()
    instructions = team.instructions
    assert instructions.text_for("python") == "Money is in cents.\n\nasyncio only, no threads."
    assert instructions.text_for("tsx") == "Money is in cents.\n\nNo inline styles."
    assert instructions.text_for("go") == "Money is in cents."
    assert instructions.digest_for("python") != instructions.digest_for("go")
    assert Instructions().digest_for("python") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("instructions = 3\n", "must be a string, or a table"),
        ('[instructions.languages]\ncobol = "x"\n', "'cobol', not a language Siyada reviews"),
        ('[instructions]\nfiles = "x"\n', "unknown keys ['files']"),
        ('[instructions]\npaths = "x"\n', "(paths) must be an array of tables"),
        ('[[instructions.paths]]\nglob = "a/**"\n', "(paths) must be an array of tables"),
        ('[[instructions.paths]]\nglob = ""\ntext = "x"\n', "(paths) must be an array"),
        ('[[instructions.paths]]\nglob = "a"\ntext = 1\n', "(instructions.paths a) must be text"),
        (f'instructions = "{"x" * 2001}"\n', "longer than 2000 characters"),
    ],
)
def test_bad_instructions_are_reported_with_their_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _write(tmp_path, ".siyada.toml", text)
    team = _team(tmp_path)
    (problem,) = team.problems
    assert problem.startswith(f"{path}:1: `instructions`") and expected in problem
    assert team.instructions == Instructions()


def test_instructions_per_path_glob_apply_to_the_files_they_match(tmp_path: Path) -> None:
    _write(
        tmp_path,
        ".siyada.toml",
        '[instructions]\nall = "Everywhere."\n\n'
        '[[instructions.paths]]\nglob = "payments/**"\ntext = "Money is in cents."\n\n'
        '[[instructions.paths]]\nglob = "*.py"\ntext = "Python file."\n',
    )
    team = _team(tmp_path)
    assert team.problems == ()
    instructions = team.instructions
    assert instructions.text_for("python", tmp_path / "payments" / "pay.py") == (
        "Everywhere.\n\nMoney is in cents.\n\nPython file."
    )
    assert instructions.text_for("go", tmp_path / "payments" / "pay.go") == (
        "Everywhere.\n\nMoney is in cents."
    )
    assert instructions.text_for("go", tmp_path / "api" / "x.go") == "Everywhere."
    # No path (an unsaved buffer), or a file outside the team file's folder: no globs.
    assert instructions.text_for("python") == "Everywhere."
    assert instructions.text_for("python", tmp_path.parent / "payments" / "x.py") == "Everywhere."
    assert instructions.digest_for("go", tmp_path / "payments" / "a.go") != (
        instructions.digest_for("go", tmp_path / "api" / "a.go")
    )


def test_instructions_go_before_the_function_in_the_user_message() -> None:
    plain = build_messages(language="python", function_name="f", code="def f(): pass")
    guided = build_messages(
        language="python", function_name="f", code="def f(): pass", instructions="Cents only."
    )
    assert guided[0] == plain[0]  # the system text stays the same (and cached)
    assert guided[1]["content"].endswith(plain[1]["content"])
    assert "Cents only." in guided[1]["content"].split("def f(): pass")[0]
    assert (
        build_messages(language="python", function_name="f", code="def f(): pass", instructions="")
        == plain
    )


# ----- instructions in the cache key -------------------------------------------------

LOAD = "def load(path):\n    f = open(path)\n    return f.read()"


def _unit() -> FunctionUnit:
    spec = language_for("python")
    assert spec is not None
    (unit,) = extract_functions(spec, LOAD)
    return unit


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


@pytest.fixture
async def reviewer(double: OllamaDouble, tmp_path: Path) -> AsyncIterator[Reviewer]:
    running = Reviewer(
        Settings(endpoint=double.url),
        AnswerCache(DiskCache(tmp_path)),
        instructions=Instructions(everywhere="Files are always closed by the caller."),
    )
    yield running
    await running.aclose()
    running.cache.close()


def _user_message(request: object) -> str:
    assert isinstance(request, dict)
    messages = request["messages"]
    return str(messages[-1]["content"])


async def test_changed_instructions_ask_the_model_again_and_unchanged_ones_hit_the_cache(
    reviewer: Reviewer, double: OllamaDouble
) -> None:
    double.add_rule("def load", content={"findings": []})
    unit = _unit()
    await reviewer.review("python", unit)
    assert len(double.chat_requests) == 1
    assert "Files are always closed by the caller." in _user_message(double.chat_requests[0])

    same = reviewer.reconfigured(reviewer.settings)  # the guidance is kept
    await same.review("python", unit)
    assert len(double.chat_requests) == 1

    changed = reviewer.reconfigured(
        reviewer.settings, Instructions(everywhere="Paths come from users.")
    )
    assert changed.answer_inputs() != reviewer.answer_inputs()
    await changed.review("python", unit)
    assert len(double.chat_requests) == 2
    assert "Paths come from users." in _user_message(double.chat_requests[1])

    # Guidance for other paths only does not change this function's answer either;
    # guidance for its path does.
    by_path = reviewer.reconfigured(
        reviewer.settings,
        Instructions(
            everywhere="Files are always closed by the caller.",
            by_path=(("payments/**", "Money is in cents."),),
            root=Path("/repo"),
        ),
    )
    await by_path.review("python", unit, path=Path("/repo/api/load.py"))
    assert len(double.chat_requests) == 2
    await by_path.review("python", unit, path=Path("/repo/payments/load.py"))
    assert len(double.chat_requests) == 3
    assert "Money is in cents." in _user_message(double.chat_requests[2])
    assert by_path.cached("python", unit, path=Path("/repo/payments/load.py")) == ()

    # Guidance for another language only does not change this function's answer.
    other = reviewer.reconfigured(
        reviewer.settings,
        Instructions(
            everywhere="Files are always closed by the caller.", by_language=(("go", "x"),)
        ),
    )
    await other.review("python", unit)
    assert len(double.chat_requests) == 3


def test_the_editor_reads_team_files_in_the_workspace_folders_it_was_given() -> None:
    from lsprotocol import types

    from siyada.lsp.lifecycle import workspace_folders

    def params(**fields: object) -> types.InitializeParams:
        return types.InitializeParams(capabilities=types.ClientCapabilities(), **fields)

    folders = [
        types.WorkspaceFolder(uri="file:///work/a%20b", name="a"),
        types.WorkspaceFolder(uri="file:///work/c", name="c"),
    ]
    assert workspace_folders(params(workspace_folders=folders, root_uri="file:///x")) == [
        Path("/work/a b"),
        Path("/work/c"),
    ]
    assert workspace_folders(params(root_uri="file:///x/y")) == [Path("/x/y")]
    assert workspace_folders(params(root_path="/p")) == [Path("/p")]
    assert workspace_folders(params()) == []
