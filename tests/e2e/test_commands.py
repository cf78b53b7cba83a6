"""`workspace/executeCommand` commands that any editor can use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    MODEL,
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_status,
    wait_until,
)
from tests.model_server import OllamaDouble

SOURCE = "def a(x):\n    return x / 0\n"


async def _execute(client: LanguageClient, command: str, *arguments: object) -> object:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def test_review_file_on_demand_ignores_triggers(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [finding("    return x / 0")]})
    await initialize(
        client, endpoint=double.url, triggers={"onOpen": False, "onSave": False, "onType": False}
    )
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    await _execute(client, "siyada.reviewFile", uri)

    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)


async def test_list_models_and_status(client: LanguageClient, double: OllamaDouble) -> None:
    double.set_models([MODEL, "llama3:8b"])
    await initialize(client, endpoint=double.url)

    models = await _execute(client, "siyada.listModels")
    status = await _execute(client, "siyada.status")

    assert isinstance(models, list)
    names = {status_field(m, "name") for m in models}
    assert names == {MODEL, "llama3:8b"}
    assert status_field(status, "model") == MODEL
    assert status_field(status, "endpoint") == double.url


# pytest-lsp warns about any token it did not create itself, although a client-chosen
# `workDoneToken` needs no `window/workDoneProgress/create` in LSP.
@pytest.mark.filterwarnings("ignore:Unknown progress token")
async def test_pull_model_reports_progress_then_reviews(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.set_models([])
    double.add_rule("def a", content={"findings": [finding("    return x / 0")]})
    await initialize(client, endpoint=double.url)
    await wait_for_status(client, lambda s: status_field(s, "state") == "modelMissing")
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="siyada.pullModel", arguments=[MODEL], work_done_token="pull-1"
        )
    )

    assert status_field(result, "status") == "success"
    reports = client.progress_reports["pull-1"]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    steps = [r for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    # Steps in words with the share of the whole download, never Ollama's raw step text.
    assert steps[0].message == "Fetching the manifest"
    assert any(re.fullmatch(r"Downloading \d+\.\d of 4\.\d GB", r.message or "") for r in steps)
    assert not any((r.message or "").startswith("pulling") for r in steps)
    percentages = [r.percentage for r in steps]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    assert 0 < percentages[2] < 100  # half of the first layer
    assert steps[-1].message == "Done"
    await wait_until(
        client, types.PROGRESS, lambda: isinstance(reports[-1], types.WorkDoneProgressEnd)
    )
    # With the model there, the open file is reviewed without any user action.
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    pulls = [m for m in client.log_messages if m.message.startswith("Pull")]
    assert len(pulls) == 2 and pulls[0].message == f"Pulling {MODEL} from {double.url}."
    assert re.fullmatch(rf"Pulled {re.escape(MODEL)} \(4\.\d GB\) in \d+ s\.", pulls[1].message)
    assert {m.type for m in pulls} == {types.MessageType.Info}
    await wait_for_status(client, lambda s: status_field(s, "state") == "ready", since=-1)
