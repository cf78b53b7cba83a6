"""The session made at `initialize`: its state built once, with no pygls server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.lsp import lifecycle
from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.session import Session
from siyada.review.settings import Settings
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble
from tests.unit.lsp_fakes import FakeOutput, make_session

PYTHON_URI = "file:///work/a.py"


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


async def test_initialize_builds_the_whole_session_from_the_client_options(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True)
        ),
        initialization_options={
            "siyada": {"endpoint": double.url, "model": MODEL, "cacheDir": str(tmp_path)}
        },
    )

    session = lifecycle.start_session(output, params, PositionCodec())

    assert session.settings.endpoint == double.url and session.settings.model == MODEL
    assert session.client_flags == ClientFlags(work_done_progress=True)
    assert session.scheduler.reviewer.settings is session.settings
    assert session.scheduler.reviewer.cache.problem is None
    (status,) = output.statuses
    # "starting" until the model server's first answer.
    assert status["state"] == "starting" and status["endpoint"] == double.url
    assert output.messages == []
    assert double.requests == []  # the client exists; nothing is asked until a review
    await session.close()


async def test_a_bad_setting_is_told_once_and_its_default_used(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, debounceMs="soon")

    (kind, message), *_ = output.messages
    assert kind == types.MessageType.Warning and "debounceMs" in message
    assert len(output.messages) == 1
    assert session.settings.debounce_ms == Settings().debounce_ms
    await session.close()


async def test_a_client_with_workspace_configuration_pauses_reviews_until_answered(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, ClientFlags(configuration=True), endpoint=double.url)
    spec = session.track_language(PYTHON_URI, "python")
    assert spec is not None
    session.scheduler.open(PYTHON_URI, spec, 1, "def a(x):\n    return x / 0\n")
    await session.scheduler.idle()
    assert double.chat_requests == []  # paused: the settings may be about to change

    session.scheduler.resume()
    await session.scheduler.idle()
    assert len(double.chat_requests) == 1
    await session.close()


async def test_new_settings_replace_the_reviewer_and_are_reported(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)
    first = session.scheduler.reviewer

    session.options.workspace = {"model": "other:1b"}
    session.apply_options()

    assert session.settings.model == "other:1b"
    assert session.scheduler.reviewer is not first
    assert session.scheduler.reviewer.shares_client_with(first)  # same endpoint
    assert output.statuses[-1]["model"] == "other:1b"
    await session.close()


async def test_after_close_nothing_is_sent_and_new_work_starts_cancelled(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)
    await lifecycle.shutdown(session)
    sent = (len(output.statuses), len(output.messages), len(output.diagnostics))

    assert session.closing
    session.output.show_message("late", types.MessageType.Info)
    session.clear(PYTHON_URI)
    session.status.settings_changed()
    late = session.spawn(never_runs())
    await session.tasks.wait()

    assert late.cancelled()
    assert (len(output.statuses), len(output.messages), len(output.diagnostics)) == sent


async def never_runs() -> None:
    raise AssertionError("a task started after close must never run")


async def test_exit_stops_the_work_without_waiting(double: OllamaDouble, tmp_path: Path) -> None:
    output = FakeOutput()
    session: Session = make_session(output, tmp_path, endpoint=double.url)
    lifecycle.exit_now(session)
    assert session.closing and session.tasks.closed
    await session.close()
