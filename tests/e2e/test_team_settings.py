"""Team settings in the repository, in the editor: the real server over stdio, the
workspace folder holding a `.siyada.toml`, the fake Ollama over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    MODEL,
    finding,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_message,
    wait_for_status,
)
from tests.model_server import OllamaDouble

TEAM_MODEL = "team-model:1b"
SOURCE = "def a(x):\n    return x / 0\n"
WARNING = finding("    return x / 0", title="Division by zero", severity="warning")
# What the VS Code client sends when the user set nothing: every key, null.
NOTHING_SET: dict[str, Any] = {"endpoint": None, "model": None, "minSeverity": None}


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL, TEAM_MODEL]) as running:
        yield running


@pytest.fixture(autouse=True)
def default_endpoint(double: OllamaDouble, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's default endpoint (OLLAMA_HOST) is the double: a user who set no
    endpoint reviews there, and nowhere a repository says."""
    monkeypatch.setenv("OLLAMA_HOST", double.url)


async def _initialize(client: LanguageClient, folder: Path, settings: dict[str, Any]) -> None:
    client.set_configuration(settings, section="siyada")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            initialization_options={**settings, "debounceMs": 50},
            workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="repo")],
        )
    )


def _team_file(folder: Path, text: str) -> Path:
    path = folder / ".siyada.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _file_changed(client: LanguageClient, path: Path) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )


def _user_message(request: dict[str, Any]) -> str:
    return str(request["messages"][-1]["content"])


async def test_repository_settings_apply_where_the_user_set_nothing(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    _team_file(
        tmp_path,
        f'model = "{TEAM_MODEL}"\nminSeverity = "error"\n'
        'instructions = "Division is always guarded by the caller."\n',
    )
    await _initialize(client, tmp_path, NOTHING_SET)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    await double.wait_for_async(lambda: len(double.chat_requests) == 1)
    request = double.chat_requests[0]
    assert request["model"] == TEAM_MODEL
    assert "Division is always guarded by the caller." in _user_message(request)
    # The team's minSeverity hides the warning...
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)

    # ...until the user sets minSeverity explicitly (to the default value, even): the
    # user's explicit setting wins, and the answer already received is shown.
    client.set_configuration({**NOTHING_SET, "minSeverity": "hint"}, section="siyada")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diagnostic.message.startswith("Division by zero")
    assert len(double.chat_requests) == 1


async def test_the_users_explicit_model_wins_over_the_repository(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    _team_file(tmp_path, f'model = "{TEAM_MODEL}"\n')
    await _initialize(client, tmp_path, {**NOTHING_SET, "model": MODEL})
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert [r["model"] for r in double.chat_requests] == [MODEL]


async def test_a_repository_cannot_choose_where_code_is_sent(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    with OllamaDouble(models=[MODEL, TEAM_MODEL]) as attacker:
        team_file = _team_file(
            tmp_path,
            f'endpoint = "{attacker.url}"\nallowRemoteEndpoint = true\nprovider = "openai"\n'
            'apiKeyEnv = "HOME"\n',
        )
        await _initialize(client, tmp_path, NOTHING_SET)
        uri = open_document(client, tmp_path / "a.py", SOURCE)
        await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

        message = await wait_for_message(client, lambda m: "repository settings" in m)
        for line, key in enumerate(["endpoint", "allowRemoteEndpoint", "provider", "apiKeyEnv"]):
            assert f"{team_file}:{line + 1}: `{key}` cannot be set" in message
        assert len([m for m in client.messages if "repository settings" in m.message]) == 1
        assert attacker.requests == []
        assert [r["model"] for r in double.chat_requests] == [MODEL]
        assert all("authorization" not in h for h in map(_lower_keys, double.headers))


def _lower_keys(headers: Any) -> set[str]:
    return {str(name).lower() for name in dict(headers)}


async def test_a_broken_file_gives_one_message_and_reviews_go_on(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    team_file = _team_file(tmp_path, 'model = "m"\nminSeverity = "error\n')
    await _initialize(client, tmp_path, NOTHING_SET)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    # The defaults apply: the warning is shown, asked of the default model.
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    message = await wait_for_message(client, lambda m: "repository settings" in m)
    assert f"{team_file}:2: not valid TOML" in message
    assert [r["model"] for r in double.chat_requests] == [MODEL]


async def test_excluded_files_get_no_diagnostics_and_a_changed_file_is_read_again(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    double.add_rule("def generated", content={"findings": [WARNING]})
    team_file = _team_file(tmp_path, 'exclude = ["gen/**"]\n')
    await _initialize(client, tmp_path, NOTHING_SET)
    generated = open_document(
        client, tmp_path / "gen" / "g.py", "def generated(x):\n    return x / 0\n"
    )
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    # Nothing left to review, and the excluded file was never sent nor got diagnostics.
    assert generated not in client.diagnostics
    assert all("def generated" not in _user_message(r) for r in double.chat_requests)

    # The team now hides warnings and excludes a.py too: read again when it changes.
    team_file.write_text('exclude = ["gen/**", "a.py"]\nminSeverity = "error"\n', "utf-8")
    _file_changed(client, team_file)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)

    # Back to no exclusion and warnings shown: the reopened file is reviewed (from the
    # cache: the answer did not change).
    team_file.write_text('minSeverity = "warning"\n', "utf-8")
    _file_changed(client, team_file)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    client.diagnostics.pop(uri, None)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert len([r for r in double.chat_requests if "def a" in _user_message(r)]) == 1


async def test_changed_instructions_are_sent_again_with_the_new_text(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    team_file = _team_file(tmp_path, 'instructions = "First guidance."\n')
    await _initialize(client, tmp_path, NOTHING_SET)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    team_file.write_text('instructions = "Second guidance."\n', "utf-8")
    _file_changed(client, team_file)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    assert ["First" in _user_message(r) for r in double.chat_requests] == [True, False]
    assert "Second guidance." in _user_message(double.chat_requests[1])


async def test_guidance_by_path_glob_goes_with_the_document_it_matches(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("Money is in cents.", content={"findings": [WARNING]})
    double.add_rule("def a", content={"findings": []})
    _team_file(
        tmp_path, '[[instructions.paths]]\nglob = "payments/**"\ntext = "Money is in cents."\n'
    )
    await _initialize(client, tmp_path, NOTHING_SET)
    guided = open_document(client, tmp_path / "payments" / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, guided, lambda d: len(d) == 1)
    assert diagnostic.message.startswith("Division by zero")
    assert "Money is in cents." in _user_message(double.chat_requests[0])

    # The same function elsewhere is asked without that guidance, and shows its own answer.
    plain = open_document(client, tmp_path / "api" / "a.py", SOURCE)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    assert "Money is in cents." not in _user_message(double.chat_requests[1])
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    await wait_for_diagnostics(client, plain, lambda d: len(d) == 0)
    assert len(client.diagnostics[guided]) == 1
