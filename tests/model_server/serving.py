"""HTTP/1.1 on 127.0.0.1 for the fake model server: an asyncio server in its own thread.

The server runs its own event loop in a background thread: a test whose loop is busy
(or blocked in a synchronous call) still gets answers, and the benchmark's client
cannot delay the model's timing. It understands what model clients send: one request
at a time per connection (no pipelining), a body with Content-Length or chunked, and
keep-alive unless the client asks to close. While an answer is written, a pending read
on the connection tells when the client leaves (closing the connection is how clients
cancel a generation), so waits end at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

HOST = "127.0.0.1"


class ClientGone(Exception):
    """The client closed the connection before the answer was complete."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    version: str  # "HTTP/1.1"
    headers: Mapping[str, str]  # names as the client spelled them
    body: bytes
    received: float  # time.monotonic() when its first line was read

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class Reply:
    status: int
    payload: bytes
    content_type: str
    headers: Mapping[str, str] = field(default_factory=dict)


class Exchange:
    """Writing the answer to one request, and noticing when its client leaves."""

    def __init__(self, request: Request, connection: _Connection) -> None:
        self.request = request
        self.keep_alive = _wants_keep_alive(request)
        self._connection = connection
        self._watch = asyncio.ensure_future(connection.reader.read(1))

    @property
    def gone(self) -> bool:
        watch = self._watch
        if not watch.done():
            return False
        return watch.cancelled() or watch.exception() is not None or watch.result() == b""

    def check(self) -> None:
        """Raise ClientGone if the client has closed its connection."""
        if self.gone:
            raise ClientGone

    async def wait(self, awaitable: Awaitable[Any]) -> Any:
        """Await `awaitable`; ClientGone (and it is cancelled) if the client leaves first."""
        task = asyncio.ensure_future(awaitable)
        try:
            await asyncio.wait({task, self._watch}, return_when=asyncio.FIRST_COMPLETED)
            if not task.done():
                self.check()
            # Done (a slot taken must not be lost), or the watch ended on pipelined data.
            return await task
        finally:
            task.cancel()

    async def pause_until(self, deadline: float) -> None:
        await self.wait(asyncio.sleep(max(0.0, deadline - time.monotonic())))
        self.check()

    async def pause(self, seconds: float) -> None:
        await self.pause_until(time.monotonic() + seconds)

    async def reply(self, reply: Reply) -> None:
        head = [f"HTTP/1.1 {reply.status} {_reason(reply.status)}"]
        head += [f"Content-Type: {reply.content_type}", f"Content-Length: {len(reply.payload)}"]
        head += [f"{name}: {value}" for name, value in reply.headers.items()]
        await self._write(_head(head) + reply.payload)

    async def begin_stream(self, content_type: str) -> None:
        head = ["HTTP/1.1 200 OK", f"Content-Type: {content_type}", "Transfer-Encoding: chunked"]
        await self._write(_head(head))

    async def send_chunks(self, frames: Sequence[bytes]) -> None:
        """One chunk per frame, all in one write."""
        await self._write(b"".join(b"%x\r\n%s\r\n" % (len(f), f) for f in frames))

    async def end_stream(self) -> None:
        await self._write(b"0\r\n\r\n")

    async def drop(self) -> None:
        """Cut the connection mid-answer, as a crashed server would."""
        self.keep_alive = False
        self._connection.writer.close()

    async def settle(self) -> None:
        """Stop watching before the connection reads its next request."""
        if self._watch.done() and not self.gone:
            self._connection.carry = self._watch.result()  # a byte of the next request
        self._watch.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await self._watch

    async def _write(self, data: bytes) -> None:
        self.check()
        try:
            self._connection.writer.write(data)
            await self._connection.writer.drain()
        except ConnectionError:
            raise ClientGone from None


Handler = Callable[[Request, Exchange], Awaitable[None]]

_STOP_WAIT_SECONDS = 1.0


class HttpServer:
    """Serves `handler` on 127.0.0.1; `start` and `stop` may be called repeatedly."""

    def __init__(self, handler: Handler, *, port: int = 0, tls: ssl.SSLContext | None = None):
        self._handler = handler
        self._tls = tls
        self.port = port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def scheme(self) -> str:
        return "https" if self._tls is not None else "http"

    def start(self) -> None:
        """Listen (again) on the same port; the first start picks a free one if 0."""
        if self.running:
            return
        self._ready.clear()
        self._failure = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake model server did not start within 10 s")
        if self._failure is not None:
            self._thread.join()
            self._thread = None
            raise self._failure

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a killed server would."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None or loop is None or stopping is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already ended
            loop.call_soon_threadsafe(stopping.set)
        thread.join(10)
        if thread.is_alive():
            raise RuntimeError("the fake model server did not stop within 10 s")
        self._thread = self._loop = self._stopping = None

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run `callback` in the server's loop (from any thread); nothing when stopped."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(callback)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            server = await asyncio.start_server(self._connect, HOST, self.port, ssl=self._tls)
        except BaseException as error:
            self._failure = error
            self._ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stopping.wait()
        server.close()
        # Abandon every answer in progress without counting it as a client leaving, and
        # cut every connection at once (abort does not wait to flush what the client
        # is not reading). Stopping is bounded, as a killed server's is: a handler
        # caught mid-close must not keep the thread, and the test, waiting.
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=_STOP_WAIT_SECONDS)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        connection = _Connection(reader, writer)
        try:
            while (request := await connection.next_request()) is not None:
                exchange = Exchange(request, connection)
                try:
                    await self._handler(request, exchange)
                finally:
                    await exchange.settle()
                if not exchange.keep_alive:
                    break
        except (ClientGone, ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client left; a cancelled review does exactly that
        except _BadRequest:
            with contextlib.suppress(ConnectionError):
                writer.write(_head(["HTTP/1.1 400 Bad Request", "Content-Length: 0"]))
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.CancelledError):
                await writer.wait_closed()


class _BadRequest(Exception):
    """The bytes received are not an HTTP/1.1 request."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.carry = b""  # read while watching for the client leaving

    async def next_request(self) -> Request | None:
        line = self.carry + await self.reader.readline()
        self.carry = b""
        received = time.monotonic()
        if not line.strip():
            return None
        try:
            method, target, version = line.decode("latin-1").split(" ", 2)
            headers = await self._headers()
            body = await self._body(headers)
        except (ValueError, asyncio.LimitOverrunError) as error:
            raise _BadRequest from error
        path = target.split("?", 1)[0]
        return Request(method, path, version.strip(), headers, body, received)

    async def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, separator, value = line.decode("latin-1").partition(":")
            if not separator:
                raise ValueError(f"not a header line: {line!r}")
            headers[name.strip()] = value.strip()
        return headers

    async def _body(self, headers: Mapping[str, str]) -> bytes:
        lowered = {name.lower(): value for name, value in headers.items()}
        if "chunked" in lowered.get("transfer-encoding", "").lower():
            return await self._chunked_body()
        length = int(lowered.get("content-length") or 0)
        return await self.reader.readexactly(length) if length else b""

    async def _chunked_body(self) -> bytes:
        body = b""
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            body += await self.reader.readexactly(size)
            await self.reader.readline()
        while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return body


def _wants_keep_alive(request: Request) -> bool:
    connection = (request.header("Connection") or "").lower()
    if request.version == "HTTP/1.0":
        return connection == "keep-alive"
    return connection != "close"


def _head(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
