"""Shutdown and exit: stop every review first, so nothing writes to a closed stream
and the process ends at once, even when the editor quits in the middle of a review."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from siyada.lsp.server import SiyadaServer


def register(server: SiyadaServer) -> None:
    server.feature(types.SHUTDOWN)(shutdown)
    server.feature(types.EXIT)(exit_now)


async def shutdown(ls: SiyadaServer, params: None) -> None:
    await ls.close()


def exit_now(ls: SiyadaServer, params: None) -> None:
    # A client may exit without asking for shutdown: stop talking, cancel the work.
    ls.stop_work()
