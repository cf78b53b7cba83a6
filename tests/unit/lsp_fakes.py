"""A fake `Output` and a `Session` factory: the LSP handlers driven without pygls."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.workspace.position_codec import PositionCodec

from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.output import ProgressValue, PublishedDiagnostics
from siyada.lsp.session import ClientOptions, Session

_converter = get_converter()


class FakeOutput:
    """Records what would be sent to the editor; answers its two requests as told."""

    def __init__(self) -> None:
        self.diagnostics: list[types.PublishDiagnosticsParams] = []
        self.messages: list[tuple[types.MessageType, str]] = []
        self.logs: list[tuple[types.MessageType, str]] = []
        self.statuses: list[dict[str, Any]] = []
        self.progress_sent: list[tuple[types.ProgressToken, ProgressValue]] = []
        self.created: list[types.ProgressToken] = []
        self.refuse_progress = False
        self.configuration_answer: Sequence[Any] = []
        self.configuration_asked = asyncio.Event()
        self.configuration_release: asyncio.Event | None = None
        self.edits_applied: list[types.WorkspaceEdit] = []
        self.apply_result = types.ApplyWorkspaceEditResult(applied=True)

    def publish_diagnostics(self, params: PublishedDiagnostics) -> None:
        # Read back as the client would, so tests see typed diagnostics.
        self.diagnostics.append(_converter.structure(params, types.PublishDiagnosticsParams))

    def show_message(self, message: str, kind: types.MessageType) -> None:
        self.messages.append((kind, message))

    def log_message(self, message: str, kind: types.MessageType) -> None:
        self.logs.append((kind, message))

    def notify_status(self, status: dict[str, Any]) -> None:
        self.statuses.append(status)

    def progress(self, token: types.ProgressToken, value: ProgressValue) -> None:
        self.progress_sent.append((token, value))

    async def create_progress(self, token: types.ProgressToken) -> None:
        if self.refuse_progress:
            raise RuntimeError("the client refused the token")
        self.created.append(token)

    async def configuration(self, section: str) -> Sequence[Any]:
        assert section == "siyada"
        self.configuration_asked.set()
        if self.configuration_release is not None:
            await self.configuration_release.wait()
        return self.configuration_answer

    async def apply_edit(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        self.edits_applied.append(edit)
        return self.apply_result

    def latest_diagnostics(self, uri: str) -> list[types.Diagnostic]:
        published = [p for p in self.diagnostics if p.uri == uri]
        assert published, f"nothing published for {uri}"
        return list(published[-1].diagnostics)

    def values_on(self, token: types.ProgressToken) -> list[ProgressValue]:
        return [value for sent, value in self.progress_sent if sent == token]


def make_session(
    output: FakeOutput,
    tmp_path: Path,
    flags: ClientFlags | None = None,
    **options: Any,
) -> Session:
    """A session as `initialize` makes it, its answer cache in `tmp_path`."""
    options.setdefault("cacheDir", str(tmp_path / "cache"))
    options.setdefault("debounceMs", 0)
    return Session(output, flags or ClientFlags(), PositionCodec(), ClientOptions(options))
