"""EditorLogHandler: records go to the editor at their level while a session is open,
to stderr otherwise, and never recurse or cross threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from lsprotocol import types

from siyada.lsp import editor_log
from siyada.lsp.editor_log import EditorLogHandler, message_type


class Recording(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class FakeOutput:
    sent: list[tuple[str, types.MessageType]] = field(default_factory=list)
    on_send: Any = None

    def log_message(self, message: str, kind: types.MessageType) -> None:
        if self.on_send is not None:
            self.on_send()
        self.sent.append((message, kind))


@dataclass
class FakeSession:
    output: FakeOutput = field(default_factory=FakeOutput)
    closing: bool = False


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, EditorLogHandler, Recording]]:
    stderr = Recording()
    handler = EditorLogHandler(stderr)
    test_logger = logging.getLogger("siyada.test_editor_log")
    test_logger.addHandler(handler)
    test_logger.setLevel(logging.DEBUG)
    test_logger.propagate = False
    yield test_logger, handler, stderr
    test_logger.removeHandler(handler)
    test_logger.propagate = True


@pytest.mark.parametrize(
    ("level", "kind"),
    [
        (logging.CRITICAL, types.MessageType.Error),
        (logging.ERROR, types.MessageType.Error),
        (logging.WARNING, types.MessageType.Warning),
        (logging.INFO, types.MessageType.Info),
        (logging.DEBUG, types.MessageType.Log),
    ],
)
def test_each_level_has_its_message_type(level: int, kind: types.MessageType) -> None:
    assert message_type(level) == kind


def test_before_a_session_records_go_to_stderr(logger: Any) -> None:
    test_logger, _, stderr = logger
    test_logger.warning("early")
    assert [r.getMessage() for r in stderr.records] == ["early"]


def test_with_a_session_a_warning_is_a_warning_log_message(logger: Any) -> None:
    test_logger, handler, stderr = logger
    session = FakeSession()
    handler.attach(session)
    test_logger.warning("Ollama is not reachable at %s", "http://127.0.0.1:1")
    test_logger.info("a review")
    assert session.output.sent == [
        (
            "siyada.test_editor_log: Ollama is not reachable at http://127.0.0.1:1",
            types.MessageType.Warning,
        ),
        ("siyada.test_editor_log: a review", types.MessageType.Info),
    ]
    assert stderr.records == []


def test_a_closing_session_sends_nothing_and_stderr_keeps_the_record(logger: Any) -> None:
    test_logger, handler, stderr = logger
    session = FakeSession(closing=True)
    handler.attach(session)
    test_logger.error("late")
    assert session.output.sent == []
    assert [r.getMessage() for r in stderr.records] == ["late"]


def test_a_record_logged_while_sending_goes_to_stderr_instead_of_recursing(
    logger: Any,
) -> None:
    test_logger, handler, stderr = logger
    session = FakeSession()
    session.output.on_send = lambda: test_logger.debug("sending a notification")
    handler.attach(session)
    test_logger.warning("outer")
    assert [message for message, _ in session.output.sent] == ["siyada.test_editor_log: outer"]
    assert [r.getMessage() for r in stderr.records] == ["sending a notification"]


def test_a_record_from_another_thread_goes_to_stderr(logger: Any) -> None:
    test_logger, handler, stderr = logger
    session = FakeSession()
    handler.attach(session)
    worker = threading.Thread(target=lambda: test_logger.warning("from a thread"))
    worker.start()
    worker.join()
    assert session.output.sent == []
    assert [r.getMessage() for r in stderr.records] == ["from a thread"]


def test_a_failing_send_keeps_the_record_on_stderr(
    logger: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_logger, handler, stderr = logger
    monkeypatch.setattr(logging, "raiseExceptions", False)
    session = FakeSession()

    def broken() -> None:
        raise BrokenPipeError("stream closed")

    session.output.on_send = broken
    handler.attach(session)
    test_logger.warning("kept")
    assert [r.getMessage() for r in stderr.records] == ["kept"]


def test_forward_to_attaches_the_installed_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    handler = editor_log.install("INFO")
    session = FakeSession()
    editor_log.forward_to(session)
    logging.getLogger("siyada.test_editor_log_forwarded").info("hello")
    assert session.output.sent == [
        ("siyada.test_editor_log_forwarded: hello", types.MessageType.Info)
    ]
    assert root.handlers == [handler]
