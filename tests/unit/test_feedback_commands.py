"""The feedback commands on a session: dismiss, list, undo, and the store's problems
told to the user while reviews go on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from siyada.lsp import documents, feedback_commands
from siyada.lsp.commands import CommandCall
from siyada.lsp.session import Session
from tests.e2e.conftest import MODEL, finding
from tests.model_server import OllamaDouble
from tests.unit.lsp_fakes import FakeOutput, make_session

URI = "file:///work/a.py"
SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


def _open(session: Session) -> None:
    item = types.TextDocumentItem(uri=URI, language_id="python", version=1, text=SOURCE)
    documents.did_open(session, types.DidOpenTextDocumentParams(text_document=item))


async def test_dismiss_list_and_undo_on_a_session(double: OllamaDouble, tmp_path: Path) -> None:
    double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)
    _open(session)
    await session.scheduler.idle()
    (diagnostic,) = output.latest_diagnostics(URI)

    dismissed = feedback_commands.dismiss(session, CommandCall([URI, diagnostic.data]))
    assert output.latest_diagnostics(URI) == []
    (listed,) = feedback_commands.list_dismissals(session, CommandCall())
    assert listed["id"] == dismissed["id"] and listed["path"] == "/work/a.py"
    assert (listed["function"], listed["category"]) == ("load", "bug")
    with pytest.raises(ValueError, match="no such finding"):  # no longer published
        feedback_commands.dismiss(session, CommandCall([URI, diagnostic.data]))

    undone = feedback_commands.undo_dismissal(session, CommandCall([dismissed["id"]]))
    assert undone == {"undone": True}
    assert len(output.latest_diagnostics(URI)) == 1
    assert feedback_commands.list_dismissals(session, CommandCall()) == []
    for bad in ([], [True], ["1"], [1, 2]):
        with pytest.raises(ValueError, match="whole number"):
            feedback_commands.undo_dismissal(session, CommandCall(bad))
    await session.close()


async def test_an_unusable_store_is_told_and_reviews_go_on(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
    cache = tmp_path / "cache"
    cache.write_text("a file where the folder should be")
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, cacheDir=str(cache))
    assert any("feedback store" in message for _, message in output.messages)
    _open(session)
    await session.scheduler.idle()
    (diagnostic,) = output.latest_diagnostics(URI)

    assert feedback_commands.dismiss(session, CommandCall([URI, diagnostic.data])) == {"id": None}
    assert output.messages[-1][1].startswith("Siyada could not keep the dismissal: ")
    assert len(output.latest_diagnostics(URI)) == 1  # not hidden: nothing was kept
    await session.close()
