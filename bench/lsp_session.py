"""The real language server process driven over stdio by pygls' client, with every
notification it sends timestamped on receipt (time.monotonic, the clock the simulated
model uses too)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SERVER_COMMAND = (sys.executable, "-m", "siyada", "lsp", "--stdio", "--log-level", "WARNING")


@dataclass(frozen=True)
class Published:
    """One publishDiagnostics as the client received it."""

    received: float
    uri: str
    version: int | None
    count: int


@dataclass(frozen=True)
class StatusSeen:
    received: float
    state: str
    pending: int


def _field(value: object, name: str) -> Any:
    """Custom notifications arrive as dicts or attribute objects depending on pygls."""
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


class Session:
    """One server process. Start with `await Session.start(...)`, end with `close()`."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: list[Published] = []
        self.statuses: list[StatusSeen] = []
        self.messages: list[str] = []
        self.stderr_tail: deque[str] = deque(maxlen=40)
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._publications_arrived: deque[float] = deque()

    @classmethod
    async def start(cls, options: Mapping[str, Any], cache_home: Path, cwd: Path) -> Session:
        """Start the server with `options` as initializationOptions; returns once initialized.

        XDG_CACHE_HOME points at `cache_home` so no run sees another run's answers.
        """
        client = LanguageClient("siyada-bench", "1")
        session = cls(client)
        session._register()
        env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
        await client.start_io(*SERVER_COMMAND, env=env, cwd=str(cwd))
        session._tasks.append(asyncio.create_task(session._drain_stderr()))
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                process_id=os.getpid(),
                root_uri=cwd.as_uri(),
                initialization_options=dict(options),
            )
        )
        client.initialized(types.InitializedParams())
        return session

    @property
    def pid(self) -> int:
        process = self.client._server  # pygls keeps the process it started here
        assert process is not None
        return process.pid

    def _register(self) -> None:
        client = self.client
        self._time_publication_arrivals()

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
            received = self._publications_arrived.popleft()
            seen = Published(received, params.uri, params.version, len(params.diagnostics))
            self.published.append(seen)
            self._changed.set()

        @client.feature("siyada/status")
        def _status(params: Any) -> None:
            state, pending = _field(params, "state"), _field(params, "pending")
            self.statuses.append(StatusSeen(time.monotonic(), str(state), int(pending or 0)))
            self._changed.set()

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def _message(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params: types.LogMessageParams) -> None:
            self.messages.append(params.message)

    def _time_publication_arrivals(self) -> None:
        """A publication counts as received once its JSON is read, before pygls turns
        its diagnostics into objects: for 200 diagnostics that conversion costs this
        client several milliseconds that are not the server's (an editor parses the JSON
        and is done). pygls structures each message whole, in order, when it is read."""
        protocol = self.client.protocol
        structure = protocol.structure_message

        def timed(data: dict[str, Any]) -> Any:
            if data.get("method") == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
                self._publications_arrived.append(time.monotonic())
            return structure(data)

        protocol.structure_message = timed  # type: ignore[method-assign]

    async def _drain_stderr(self) -> None:
        """Keep reading the server's log: a full pipe would block the server."""
        process = self.client._server
        if process is None or process.stderr is None:
            return
        while line := await process.stderr.readline():
            self.stderr_tail.append(line.decode(errors="replace").rstrip())

    # -- documents -------------------------------------------------------------------------

    def open(self, uri: str, text: str, version: int = 1) -> float:
        """Send didOpen; returns when it was sent."""
        item = types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        sent = time.monotonic()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return sent

    def insert(self, uri: str, version: int, line: int, character: int, text: str) -> float:
        """Send an incremental didChange inserting `text` at an (ASCII) position; returns
        when it was sent."""
        at = types.Position(line, character)
        params = types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=types.Range(at, at), text=text)
            ],
        )
        sent = time.monotonic()
        self.client.text_document_did_change(params)
        return sent

    def replace(self, uri: str, version: int, text: str) -> float:
        """Send a didChange carrying the whole document, as some clients do for every
        change; returns when it was sent."""
        params = types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
        sent = time.monotonic()
        self.client.text_document_did_change(params)
        return sent

    # -- waiting ---------------------------------------------------------------------------

    def nudge(self) -> None:
        """Wake waiters (for conditions that also depend on the simulated model)."""
        self._changed.set()

    async def until(self, condition: Callable[[], bool], seconds: float, what: str) -> None:
        """Wait for notifications until `condition()` holds; TimeoutError names `what`."""
        try:
            async with asyncio.timeout(seconds):
                while not condition():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            said = self.messages[-1:] + list(self.stderr_tail)[-2:]
            context = f" (the server's last words: {said})" if said else ""
            raise TimeoutError(
                f"timed out after {seconds:.0f} s waiting for {what}{context}"
            ) from None

    def first_publish(
        self, uri: str, *, after: float, count: int | None = None, version: int | None = None
    ) -> Published | None:
        for seen in self.published:
            if seen.uri != uri or seen.received < after:
                continue
            if (count is None or seen.count == count) and (
                version is None or seen.version == version
            ):
                return seen
        return None

    def idle_since(self, moment: float) -> bool:
        """The newest status, received after `moment`, says nothing is pending."""
        return bool(self.statuses) and (
            self.statuses[-1].received >= moment and self.statuses[-1].pending == 0
        )

    def pending(self) -> int:
        return self.statuses[-1].pending if self.statuses else 0

    # -- memory and shutdown ---------------------------------------------------------------

    def memory_kib(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak RSS) of the server process, from /proc (Linux)."""
        found: dict[str, int] = {}
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="utf-8")
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
        return found

    def scheduler_ns(self) -> tuple[int, int]:
        """Nanoseconds the server's threads ran on a CPU, and waited for one (Linux
        schedstat): separates the server's own work from a busy machine's delays."""
        ran = waited = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError):  # a thread may end while we read
                fields = (task / "schedstat").read_text(encoding="utf-8").split()
                ran, waited = ran + int(fields[0]), waited + int(fields[1])
        return ran, waited

    async def close(self) -> None:
        """Shut the server down as an editor does (shutdown, exit), then reap it."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await self.client.shutdown_async(None)
                self.client.exit(None)
                await self.client.stop()
        process = self.client._server
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
