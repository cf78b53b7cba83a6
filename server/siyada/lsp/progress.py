"""Work-done progress, the one way Siyada shows it: on the token of the request it
belongs to, or on a token the server creates (`window/workDoneProgress/create`).

Progress is a courtesy: a client that does not support it, or refuses the token, gets
none, and the work goes on all the same.
"""

from __future__ import annotations

import logging
import uuid

from lsprotocol import types

from siyada.lsp.output import Output

log = logging.getLogger(__name__)


class WorkDone:
    """Begin, report and end of one progress; sends nothing when it has no token."""

    def __init__(self, output: Output, token: types.ProgressToken | None) -> None:
        self._output = output
        self.token = token

    @property
    def shown(self) -> bool:
        return self.token is not None

    def begin(
        self,
        title: str,
        *,
        message: str | None = None,
        percentage: int | None = None,
        cancellable: bool = False,
    ) -> None:
        self._send(
            types.WorkDoneProgressBegin(
                title=title, message=message, percentage=percentage, cancellable=cancellable
            )
        )

    def report(self, *, message: str | None = None, percentage: int | None = None) -> None:
        self._send(types.WorkDoneProgressReport(message=message, percentage=percentage))

    def end(self, message: str) -> None:
        self._send(types.WorkDoneProgressEnd(message=message))

    def _send(
        self,
        value: types.WorkDoneProgressBegin
        | types.WorkDoneProgressReport
        | types.WorkDoneProgressEnd,
    ) -> None:
        if self.token is not None:
            self._output.progress(self.token, value)


async def server_progress(output: Output, *, supported: bool) -> WorkDone:
    """Progress on a token the server creates, when the client supports it and accepts
    the token; otherwise a `WorkDone` that sends nothing."""
    if not supported:
        return WorkDone(output, None)
    token = str(uuid.uuid4())
    try:
        await output.create_progress(token)
    except Exception as error:  # a client may refuse; progress is a courtesy
        log.debug("Client refused work-done progress: %s", error)
        return WorkDone(output, None)
    return WorkDone(output, token)


async def request_progress(
    output: Output, request_token: types.ProgressToken | None, *, supported: bool
) -> WorkDone:
    """Progress for a request: on its own `workDoneToken` when the client sent one,
    else on a token the server creates."""
    if request_token is not None:
        return WorkDone(output, request_token)
    return await server_progress(output, supported=supported)
