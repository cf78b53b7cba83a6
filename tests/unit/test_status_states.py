"""`siyada/status` states come from `ModelError.kind`: the notification is a contract
with the VS Code client, so each failure keeps the state it always had."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from siyada.lsp.status import state_of
from siyada.models.errors import (
    AnswerTruncated,
    BadRequest,
    ContextExceeded,
    EndpointUnreachable,
    ModelError,
    ModelNotFound,
    RequestTimedOut,
    ServerBusy,
    ServerFailure,
    StreamFailure,
    Unauthorized,
)
from siyada.review.connection import CaBundleUnusable, EndpointRefused
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble
from tests.unit.lsp_fakes import FakeOutput, make_session

URL = "http://127.0.0.1:11434"


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (EndpointUnreachable(URL), "unreachable"),
        (EndpointUnreachable(URL + "/v1", provider="openai"), "unreachable"),
        (ModelNotFound(URL, MODEL), "modelMissing"),
        (Unauthorized(URL, 401, "KEY"), "unauthorized"),
        (EndpointRefused("http://192.0.2.10:11434"), "refused"),
        (CaBundleUnusable(URL, "not PEM"), "error"),
        (ServerBusy(URL), "error"),
        (ServerFailure(URL, 500, "out of memory"), "error"),
        (BadRequest(URL, 400, "bad"), "error"),
        (ContextExceeded(URL, "too long"), "error"),
        (StreamFailure(URL, "dropped"), "error"),
        (AnswerTruncated(URL, MODEL, "{"), "error"),
        (RequestTimedOut(URL, 30), "error"),
        (ModelError("anything", endpoint=URL), "error"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, ModelError) else value,
)
def test_each_failure_keeps_its_status_state(error: ModelError, state: str) -> None:
    assert state_of(error) == state


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


async def test_a_failure_is_shown_once_with_its_state_and_text(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)
    error = ModelNotFound(double.url, MODEL)

    session.status.failed(error)
    session.status.failed(error)

    assert output.messages == [(types.MessageType.Warning, str(error))]
    assert output.statuses[-1] == {
        "state": "modelMissing",
        "model": MODEL,
        "endpoint": double.url,
        "remote": False,
        "pending": 0,
        "message": str(error),
    }
    session.status.succeeded()
    assert output.statuses[-1]["state"] == "ready" and output.statuses[-1]["message"] == "Ready"
    await session.close()
