"""The real server process spoken to in raw JSON-RPC frames over stdio.

For what a well-behaved client (pytest-lsp's) cannot send: params of the wrong shape,
bodies that are not UTF-8 or not JSON, forged diagnostic data. Every wait has a
deadline and waits on what the server sends, never on a fixed sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import SERVER_COMMAND, WAIT, log_text

Message = dict[str, Any]


class RawServer:
    """One server process; `received` keeps every message it sent, in order."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdin is not None and process.stdout is not None
        self._process = process
        self._stdin = process.stdin
        self._stdout = process.stdout
        self.received: list[Message] = []
        self._stderr = bytearray()
        self._stderr_reader = asyncio.create_task(self._read_stderr())
        self._last_id = 0

    @classmethod
    async def start(cls) -> RawServer:
        process = await asyncio.create_subprocess_exec(
            *SERVER_COMMAND,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    # ----- sending -----------------------------------------------------------------

    def send_body(self, body: bytes) -> None:
        """One frame around `body`, whatever its bytes."""
        self._stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def send(self, message: Message) -> None:
        self.send_body(json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8"))

    def request(self, method: str, params: Any) -> int:
        """Send a request; its id, for `response_to`."""
        self._last_id += 1
        self.send({"id": self._last_id, "method": method, "params": params})
        return self._last_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    # ----- receiving ---------------------------------------------------------------

    async def wait_for(
        self, condition: Callable[[Message], bool], since: int = 0, timeout: float = WAIT
    ) -> Message:
        """The first message received from the `since`-th on, now or later, for which
        `condition` holds."""
        checked = since
        async with asyncio.timeout(timeout):
            while True:
                for message in self.received[checked:]:
                    if condition(message):
                        return message
                checked = len(self.received)
                self.received.append(await self._read_message())

    async def response_to(self, msg_id: int | str | None) -> Message:
        return await self.wait_for(lambda m: "method" not in m and m.get("id") == msg_id)

    async def call(self, method: str, params: Any) -> Any:
        """A request that must succeed: its result."""
        response = await self.response_to(self.request(method, params))
        assert "error" not in response, response
        return response.get("result")

    def notifications(self, method: str) -> list[Any]:
        """The params of every notification of `method` received so far."""
        return [m.get("params") for m in self.received if m.get("method") == method]

    async def _read_message(self) -> Message:
        length = None
        while (header := await self._stdout.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        assert length is not None, "the server closed its output or sent no Content-Length"
        message = json.loads(await self._stdout.readexactly(length))
        assert isinstance(message, dict), message
        return message

    async def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        while chunk := await self._process.stderr.read(65536):
            self._stderr += chunk

    # ----- session -----------------------------------------------------------------

    async def initialize(self, **options: Any) -> None:
        """A session with a client of no optional capabilities, `options` as
        initializationOptions."""
        params = {"processId": None, "rootUri": None, "capabilities": {}}
        await self.call("initialize", {**params, "initializationOptions": options})
        self.notify("initialized", {})

    async def end_session(self) -> str:
        """Shut the server down as an editor does; its whole log once it has exited:
        the records it sent as window/logMessage, then what it wrote on stderr."""
        await self.call("shutdown", None)
        self.notify("exit", None)
        async with asyncio.timeout(WAIT):
            assert await self._process.wait() == 0
            await self._stderr_reader
        logged = [(m["type"], m["message"]) for m in self.notifications("window/logMessage")]
        return log_text(logged, self._stderr.decode("utf-8", "replace"))

    async def kill(self) -> None:
        """Stop the process if a failed test left it running."""
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()
        self._stderr_reader.cancel()
