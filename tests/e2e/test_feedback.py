"""Feedback in the editor: a dismissed finding stays hidden (across edits elsewhere in
its function, saves and restarts) until the dismissal is undone, and what the user does
with findings is recorded in the local feedback store: fixes applied, fixes then
corrected by hand, ignore comments, dismissals and findings whose lines the user
changed by hand. Data a client forges is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from siyada.feedback.store import FeedbackStore, StoredEvent
from tests.e2e.conftest import (
    SERVER_COMMAND,
    change_document,
    code_actions,
    finding,
    initialize,
    open_document,
    record_statuses,
    wait_for_diagnostics,
    wait_until,
)
from tests.model_server import OllamaDouble

LOAD = "def load(path):\n    f = open(path)\n    data = f.read()\n    return data\n"
# The same function edited away from its finding's line.
LOAD_EDITED = LOAD.replace("    return data\n", "    return data.strip()\n")
EVIDENCE = "    f = open(path)\n    data = f.read()"
FIX = "    with open(path) as f:\n        data = f.read()"
RATIO = "def ratio(a, b):\n    return a / b\n"


def _cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _events(tmp_path: Path) -> list[StoredEvent]:
    with FeedbackStore(_cache(tmp_path)) as store:
        return list(store.events())


async def _run(client: LanguageClient, command: types.Command | None) -> Any:
    assert command is not None
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )


async def _call(client: LanguageClient, command: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


def _action(actions: list[types.CodeAction], title: str) -> types.CodeAction:
    (action,) = [a for a in actions if a.title == title]
    return action


def _reviews(client: LanguageClient, line: str) -> int:
    return sum(1 for m in client.log_messages if m.message.startswith(line))


async def _reviewed(client: LanguageClient, line: str, count: int) -> None:
    """Wait for the `count`th review log line starting with `line`, then for a round
    trip: the publication that follows a review is then in too."""
    await wait_until(client, types.WINDOW_LOG_MESSAGE, lambda: _reviews(client, line) >= count)
    await _call(client, "siyada.status")


def _apply(text: str, action: types.CodeAction) -> str:
    """`text` with the action's one edit applied, as the editor does."""
    assert action.edit is not None and action.edit.document_changes is not None
    (change,) = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    lines = text.split("\n")
    start, end = edit.range.start, edit.range.end
    before = "\n".join([*lines[: start.line], lines[start.line][: start.character]])
    after = "\n".join([lines[end.line][end.character :], *lines[end.line + 1 :]])
    return before + edit.new_text + after


def _save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def _second_server() -> LanguageClient:
    client = await ClientServerConfig(server_command=SERVER_COMMAND).start()
    assert isinstance(client, LanguageClient)
    record_statuses(client)
    return client


@pytest.fixture
def load_finding(double: OllamaDouble) -> None:
    double.add_rule("def load", content={"findings": [finding(EVIDENCE, replacement=FIX)]})


@pytest.mark.usefixtures("load_finding")
async def test_a_dismissed_finding_stays_hidden_after_edits_saves_and_a_restart(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    cache = str(_cache(tmp_path))
    await initialize(client, endpoint=double.url, cacheDir=cache)
    path = tmp_path / "m.py"
    path.write_text(LOAD)
    uri = open_document(client, path, LOAD)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diagnostic.data["function"] == "load" and diagnostic.data["path"].endswith("m.py")
    assert diagnostic.data["evidence"] == EVIDENCE and diagnostic.data["functionHash"]

    dismiss = _action(await code_actions(client, uri, diagnostic), "Siyada: Dismiss this finding")
    assert dismiss.edit is None and dismiss.kind == types.CodeActionKind.QuickFix
    dismissed = await _run(client, dismiss.command)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)
    (listed,) = await _call(client, "siyada.listDismissals")
    assert listed["id"] == dismissed["id"]
    assert (listed["function"], listed["category"]) == ("load", "bug")
    assert listed["title"] == "File handle is never closed" and listed["path"].endswith("m.py")

    # An edit elsewhere in the function: reviewed again, the same finding comes back
    # from the model for the new code, and stays hidden.
    change_document(client, uri, 2, LOAD_EDITED)
    path.write_text(LOAD_EDITED)
    _save(client, uri)
    await _reviewed(client, "Reviewed load in m.py: 1 finding (model", 2)
    assert len(double.chat_requests) == 2
    assert list(client.diagnostics[uri]) == []
    await client.shutdown_session()

    # A new server process, the same cache folder: the answer comes from the cache,
    # the dismissal from the store.
    restarted = await _second_server()
    try:
        await initialize(restarted, endpoint=double.url, cacheDir=cache)
        uri = open_document(restarted, path, LOAD_EDITED)
        await _reviewed(restarted, "Reviewed load in m.py: 1 finding (cached)", 1)
        assert list(restarted.diagnostics[uri]) == []

        assert await _call(restarted, "siyada.undoDismissal", dismissed["id"]) == {"undone": True}
        (back,) = await wait_for_diagnostics(restarted, uri, lambda d: len(d) == 1)
        assert back.message.startswith("File handle is never closed")
        assert await _call(restarted, "siyada.listDismissals") == []
        assert await _call(restarted, "siyada.undoDismissal", dismissed["id"]) == {"undone": False}
    finally:
        await restarted.shutdown_session()
        await restarted.stop()
    (event,) = _events(tmp_path)
    assert (event.id, event.event.kind, event.undone) == (dismissed["id"], "dismissed", True)


@pytest.mark.usefixtures("load_finding")
async def test_a_fix_applied_then_corrected_is_recorded_with_its_final_text(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, cacheDir=str(_cache(tmp_path)))
    uri = open_document(client, tmp_path / "m.py", LOAD)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    fix = next(a for a in await code_actions(client, uri, diagnostic) if a.is_preferred)

    # As VS Code does: the edit first, then the action's command.
    fixed = _apply(LOAD, fix)
    change_document(client, uri, 2, fixed)
    assert await _run(client, fix.command) == {"recorded": True}
    # The user corrects the fix's first line, and adds a line above the function.
    corrected = "import io\n\n\n" + fixed.replace(
        "with open(path) as f:", "with open(path, encoding='utf-8') as f:"
    )
    change_document(client, uri, 3, corrected)
    _save(client, uri)
    await _call(client, "siyada.status")  # the save is handled before this answer

    applied, edited = (stored.event for stored in _events(tmp_path))
    assert (applied.kind, applied.replacement, applied.final_text) == ("fix_applied", FIX, None)
    assert applied.key.function == "load" and applied.key.category == "bug"
    assert applied.title == "File handle is never closed" and applied.model == "qwen2.5-coder:7b"
    assert applied.explanation == "Explanation of: File handle is never closed."
    assert applied.language == "python"
    assert edited.kind == "fix_edited" and edited.key == applied.key
    assert (
        edited.final_text == "    with open(path, encoding='utf-8') as f:\n        data = f.read()"
    )
    # Applied again with the same data, it is refused: the action was used.
    with pytest.raises(JsonRpcException, match="offered no such action"):
        await _run(client, fix.command)


async def test_an_ignore_comment_and_a_finding_changed_by_hand_are_recorded(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    # Once its line is changed by hand, the model finds nothing in `load`.
    double.add_rule("open(path, 'rb')", content={"findings": []})
    double.add_rule("def load", content={"findings": [finding(EVIDENCE)]})
    double.add_rule("def ratio", content={"findings": [finding("    return a / b")]})
    text = LOAD + "\n\n" + RATIO
    await initialize(client, endpoint=double.url, cacheDir=str(_cache(tmp_path)))
    uri = open_document(client, tmp_path / "m.py", text)
    load, ratio = sorted(
        await wait_for_diagnostics(client, uri, lambda d: len(d) == 2),
        key=lambda d: d.range.start.line,
    )
    ignore = _action(await code_actions(client, uri, ratio), "Siyada: Ignore this bug finding")
    text = _apply(text, ignore)
    change_document(client, uri, 2, text)
    assert await _run(client, ignore.command) == {"recorded": True}
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    change_document(client, uri, 3, text.replace("open(path)", "open(path, 'rb')"))
    await _reviewed(client, "Reviewed load in m.py: no findings (model", 1)
    assert list(client.diagnostics[uri]) == []

    ignored, by_hand = (stored.event for stored in _events(tmp_path))
    assert (ignored.kind, ignored.key.function, ignored.final_text) == (
        "ignore_comment",
        "ratio",
        None,
    )
    assert by_hand.kind == "changed_by_hand" and by_hand.key.function == "load"
    assert by_hand.key.function_hash == load.data["functionHash"]
    assert by_hand.key.evidence == "f = open(path)\ndata = f.read()"


@pytest.mark.usefixtures("load_finding")
async def test_forged_data_is_refused_and_records_nothing(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, cacheDir=str(_cache(tmp_path)))
    uri = open_document(client, tmp_path / "m.py", LOAD)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    genuine = diagnostic.data
    forged = [
        {**genuine, "function": "other"},
        {**genuine, "evidence": "    os.system('rm -rf ~')"},
        {**genuine, "functionHash": "0" * 32},
        {**genuine, "version": genuine["version"] + 1},
        {key: value for key, value in genuine.items() if key != "path"},
        "not data",
    ]
    for data in forged:
        with pytest.raises(JsonRpcException, match=r"siyada\.dismiss"):
            await _call(client, "siyada.dismiss", uri, data)
        with pytest.raises(JsonRpcException, match=r"siyada\.recordFeedback"):
            await _call(client, "siyada.recordFeedback", uri, "fix_applied", data)
    # Genuine data, but no action was offered for it yet, or of another kind.
    with pytest.raises(JsonRpcException, match="offered no such action"):
        await _call(client, "siyada.recordFeedback", uri, "fix_applied", genuine)
    with pytest.raises(JsonRpcException, match="kind one of"):
        await _call(client, "siyada.recordFeedback", uri, "dismissed", genuine)
    with pytest.raises(JsonRpcException, match="whole number"):
        await _call(client, "siyada.undoDismissal", "1")

    assert _events(tmp_path) == []
    assert len(client.diagnostics[uri]) == 1
