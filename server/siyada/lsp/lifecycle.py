"""The session's start and end. `initialize` makes the `Session` from what the client
sent. Shutdown and exit stop every review first, so nothing writes to a closed stream
and the process ends at once, even when the editor quits in the middle of a review."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.i18n import use_locale
from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.configuration import initialization_options
from siyada.lsp.output import Output
from siyada.lsp.session import ClientOptions, Session
from siyada.review.team_settings import local_path


def start_session(output: Output, params: types.InitializeParams, codec: PositionCodec) -> Session:
    # The editor's display language for the server's own messages; English without one.
    use_locale(params.locale)
    options = ClientOptions(initialization_options(params.initialization_options), params.locale)
    flags = ClientFlags.of(params.capabilities)
    return Session(output, flags, codec, options, folders=workspace_folders(params))


def workspace_folders(params: types.InitializeParams) -> list[Path]:
    """The workspace folders the client opened, in its order (the deprecated `rootUri`
    and `rootPath` when it sends no `workspaceFolders`)."""
    if params.workspace_folders:
        found = [local_path(folder.uri) for folder in params.workspace_folders]
    elif params.root_uri:
        found = [local_path(params.root_uri)]
    else:
        found = [Path(params.root_path)] if params.root_path else []
    return [path for path in found if path is not None]


async def shutdown(session: Session | None) -> None:
    if session is not None:
        await session.close()


def exit_now(session: Session | None) -> None:
    # A client may exit without asking for shutdown: stop talking, cancel the work.
    if session is not None:
        session.stop_work()
