"""What the handlers send to the editor, as a small interface instead of the pygls server.

The server wires `Output` to pygls (lsp/server.py); tests give a fake that records.
`Quieting` wraps an `Output` so that nothing is sent once the session is closing: after
shutdown or exit the stream may be gone, and a late notification must not fail there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from lsprotocol import types

ProgressValue = (
    types.WorkDoneProgressBegin | types.WorkDoneProgressReport | types.WorkDoneProgressEnd
)

# The params of textDocument/publishDiagnostics as JSON values: a publication is made of
# diagnostics kept in that form (see lsp/published.py), so none is converted twice.
PublishedDiagnostics = dict[str, Any]


class Output(Protocol):
    """The notifications Siyada sends, and the requests it makes of the client."""

    def publish_diagnostics(self, params: PublishedDiagnostics) -> None:
        """`textDocument/publishDiagnostics`, its params already in JSON form."""

    def show_message(self, message: str, kind: types.MessageType) -> None: ...

    def log_message(self, message: str, kind: types.MessageType) -> None:
        """A line in the editor's log for this server, without a popup."""

    def notify_status(self, status: dict[str, Any]) -> None:
        """The `siyada/status` notification."""

    def progress(self, token: types.ProgressToken, value: ProgressValue) -> None: ...

    async def create_progress(self, token: types.ProgressToken) -> None:
        """`window/workDoneProgress/create`; raises when the client refuses."""

    async def configuration(self, section: str) -> Sequence[Any]:
        """`workspace/configuration` for one section; raises when the request fails."""

    async def apply_edit(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        """`workspace/applyEdit`; raises when the request fails."""


class Quieting:
    """An `Output` that drops every notification once `quiet()` was called. Requests
    still go out: whoever awaits them handles a failure."""

    def __init__(self, output: Output) -> None:
        self._output = output
        self.quiet_now = False

    def quiet(self) -> None:
        self.quiet_now = True

    def publish_diagnostics(self, params: PublishedDiagnostics) -> None:
        if not self.quiet_now:
            self._output.publish_diagnostics(params)

    def show_message(self, message: str, kind: types.MessageType) -> None:
        if not self.quiet_now:
            self._output.show_message(message, kind)

    def log_message(self, message: str, kind: types.MessageType) -> None:
        if not self.quiet_now:
            self._output.log_message(message, kind)

    def notify_status(self, status: dict[str, Any]) -> None:
        if not self.quiet_now:
            self._output.notify_status(status)

    def progress(self, token: types.ProgressToken, value: ProgressValue) -> None:
        if not self.quiet_now:
            self._output.progress(token, value)

    async def create_progress(self, token: types.ProgressToken) -> None:
        await self._output.create_progress(token)

    async def configuration(self, section: str) -> Sequence[Any]:
        return await self._output.configuration(section)

    async def apply_edit(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        return await self._output.apply_edit(edit)
