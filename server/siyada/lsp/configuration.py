"""Settings from the client: initializationOptions, then `workspace/configuration`
(section `siyada`) where the client supports it, and `didChangeConfiguration`.

Reviews wait for the first answer to `workspace/configuration`, so that none reaches an
endpoint the user's settings are about to replace, but only `CONFIGURATION_WAIT_S`: a
client that says it supports the request and never answers must not stop every review.

What the client sent ("options") stays apart from what the engine uses ("settings"):
options are merged, then resolved once by `parse_settings`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from siyada.lsp import health
from siyada.lsp.capabilities import ClientFlags
from siyada.review.settings import parse_settings, problems_message

if TYPE_CHECKING:
    from siyada.lsp.server import SiyadaServer

log = logging.getLogger(__name__)

SECTION = "siyada"
CONFIGURATION_WAIT_S = 5.0


def register(server: SiyadaServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)


class ClientOptions:
    """The raw options last received from each source; workspace ones win."""

    def __init__(self) -> None:
        self.initialization: dict[str, Any] = {}
        self.workspace: dict[str, Any] = {}

    def merged(self) -> dict[str, Any]:
        return {**self.initialization, **self.workspace}


def initialize(ls: SiyadaServer, params: types.InitializeParams) -> None:
    ls.client_flags = ClientFlags.of(params.capabilities)
    ls.options.initialization = _section(params.initialization_options)
    _apply(ls)
    # Create the reviewer (HTTP client, cache) now, not on the first didOpen: files
    # reopened right after start then show their cached findings at once.
    scheduler = ls.scheduler
    if ls.client_flags.configuration:
        # Documents may open before the client answers workspace/configuration; no
        # review may reach an endpoint the user's settings are about to replace.
        scheduler.pause()


async def initialized(ls: SiyadaServer, params: types.InitializedParams) -> None:
    if ls.client_flags.configuration:
        try:
            await _first_pull(ls)
        finally:
            ls.scheduler.resume()
    ls.spawn(health.check_and_warm_up(ls))


async def _first_pull(ls: SiyadaServer) -> None:
    """Wait a bounded time for the client's settings; an answer that comes later is
    still taken, and the model server checked again with it."""
    pull = ls.spawn(_pull_configuration(ls))
    done, _ = await asyncio.wait({pull}, timeout=CONFIGURATION_WAIT_S)
    if pull in done:
        return
    ls.log_to_client(
        f"The editor did not answer workspace/configuration within {CONFIGURATION_WAIT_S:g} s:"
        " reviewing with the initialization options and defaults until it does.",
        types.MessageType.Warning,
    )
    ls.spawn(_check_when_answered(ls, pull))


async def _check_when_answered(ls: SiyadaServer, pull: asyncio.Task[bool]) -> None:
    if await pull:
        await health.check_and_warm_up(ls)


async def did_change_configuration(
    ls: SiyadaServer, params: types.DidChangeConfigurationParams
) -> None:
    pushed = params.settings
    if isinstance(pushed, Mapping) and isinstance(pushed.get(SECTION), Mapping):
        ls.options.workspace = dict(pushed[SECTION])
        _apply(ls)
    elif ls.client_flags.configuration:
        await _pull_configuration(ls)
    else:
        return
    ls.spawn(health.check_and_warm_up(ls))


async def _pull_configuration(ls: SiyadaServer) -> bool:
    """Ask the client for the settings; whether it answered with some to apply."""
    try:
        answer = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
    except Exception as error:  # a client that fails here still has its init options
        log.warning("workspace/configuration failed: %s", error)
        return False
    if not (answer and isinstance(answer[0], Mapping)):
        return False
    ls.options.workspace = dict(answer[0])
    _apply(ls)
    return True


def _section(raw: object) -> dict[str, Any]:
    """Accept both the flat object and one wrapped as {"siyada": {...}}."""
    if not isinstance(raw, Mapping):
        return {}
    inner = raw.get(SECTION)
    return dict(inner) if isinstance(inner, Mapping) else dict(raw)


def _apply(ls: SiyadaServer) -> None:
    settings, problems = parse_settings(ls.options.merged())
    if problems:
        ls.show_message(problems_message(problems), types.MessageType.Warning)
    ls.apply_settings(settings)
