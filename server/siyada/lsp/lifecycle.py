"""The session's start and end. `initialize` makes the `Session` from what the client
sent. Shutdown and exit stop every review first, so nothing writes to a closed stream
and the process ends at once, even when the editor quits in the middle of a review."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.configuration import initialization_options
from siyada.lsp.output import Output
from siyada.lsp.session import ClientOptions, Session


def start_session(output: Output, params: types.InitializeParams, codec: PositionCodec) -> Session:
    options = ClientOptions(initialization_options(params.initialization_options))
    return Session(output, ClientFlags.of(params.capabilities), codec, options)


async def shutdown(session: Session | None) -> None:
    if session is not None:
        await session.close()


def exit_now(session: Session | None) -> None:
    # A client may exit without asking for shutdown: stop talking, cancel the work.
    if session is not None:
        session.stop_work()
