"""Settings from the client: initializationOptions, then `workspace/configuration`
(section `siyada`) where the client supports it, and `didChangeConfiguration`.

Reviews wait for the first answer to `workspace/configuration`, so that none reaches an
endpoint the user's settings are about to replace, but only `CONFIGURATION_WAIT_S`: a
client that says it supports the request and never answers must not stop every review.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)

SECTION = "siyada"
CONFIGURATION_WAIT_S = 5.0


def initialization_options(raw: object) -> dict[str, Any]:
    """The `siyada` options in `initializationOptions`: both the flat object and one
    wrapped as {"siyada": {...}} are accepted."""
    if not isinstance(raw, Mapping):
        return {}
    inner = raw.get(SECTION)
    return dict(inner) if isinstance(inner, Mapping) else dict(raw)


async def initialized(session: Session, params: types.InitializedParams) -> None:
    if session.client_flags.configuration:
        try:
            await _first_pull(session)
        finally:
            session.scheduler.resume()
    session.spawn(session.health.check())


async def _first_pull(session: Session) -> None:
    """Wait a bounded time for the client's settings; an answer that comes later is
    still taken, and the model server checked again with it."""
    pull = session.spawn(_pull_configuration(session))
    done, _ = await asyncio.wait({pull}, timeout=CONFIGURATION_WAIT_S)
    if pull in done:
        return
    session.output.log_message(
        f"The editor did not answer workspace/configuration within {CONFIGURATION_WAIT_S:g} s:"
        " reviewing with the initialization options and defaults until it does.",
        types.MessageType.Warning,
    )
    session.spawn(_check_when_answered(session, pull))


async def _check_when_answered(session: Session, pull: asyncio.Task[bool]) -> None:
    if await pull:
        await session.health.check()


async def did_change_configuration(
    session: Session, params: types.DidChangeConfigurationParams
) -> None:
    pushed = params.settings
    if isinstance(pushed, Mapping) and isinstance(pushed.get(SECTION), Mapping):
        session.options.workspace = dict(pushed[SECTION])
        session.apply_options()
    elif session.client_flags.configuration:
        await _pull_configuration(session)
    else:
        return
    session.spawn(session.health.check())


def did_change_watched_files(session: Session, params: types.DidChangeWatchedFilesParams) -> None:
    """A team settings file (`.siyada.toml`, `pyproject.toml` at a workspace folder's
    root) was created, changed or deleted: read the team settings again."""
    if any(session.is_team_file(change.uri) for change in params.changes):
        session.reload_team()


async def _pull_configuration(session: Session) -> bool:
    """Ask the client for the settings; whether it answered with some to apply."""
    try:
        answer = await session.output.configuration(SECTION)
    except Exception as error:  # a client that fails here still has its init options
        log.warning("workspace/configuration failed: %s", error)
        return False
    if not (answer and isinstance(answer[0], Mapping)):
        return False
    session.options.workspace = dict(answer[0])
    session.apply_options()
    return True
