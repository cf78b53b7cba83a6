"""Requests that end themselves when the client cancels them.

pygls answers `$/cancelRequest` by cancelling the request's future, which for a
`workspace/executeCommand` is only the wrapper around the command: the command itself
runs on, so a model request would stream to its end unseen. A command that can stop
its work and still answer (`siyada.ask` returns the answer so far) is *expected* here
when its request arrives, and *watches* while it runs: `$/cancelRequest` of its request,
or `window/workDoneProgress/cancel` of its progress token, then calls its `on_cancel`
instead of pygls' default. A cancellation that arrives before the command started
watching is remembered and delivered when it does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from lsprotocol import types

log = logging.getLogger(__name__)

RequestId = int | str


class _Watch:
    def __init__(self) -> None:
        self.cancelled = False
        self.on_cancel: Callable[[], None] | None = None

    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        if self.on_cancel is not None:
            self.on_cancel()


class Cancellations:
    """The requests of the session that handle their own cancellation."""

    def __init__(self) -> None:
        self._requests: dict[RequestId, _Watch] = {}
        self._tokens: dict[types.ProgressToken, _Watch] = {}

    def expect(self, request_id: RequestId) -> None:
        """The request will watch for its cancellation (called when it arrives)."""
        self._requests.setdefault(request_id, _Watch())

    @contextmanager
    def watching(
        self,
        request_id: RequestId | None,
        token: types.ProgressToken | None,
        on_cancel: Callable[[], None],
    ) -> Iterator[None]:
        """While inside, a cancellation of the request or of its token calls `on_cancel`
        (at once if one already came)."""
        watch = self._requests.get(request_id) if request_id is not None else None
        watch = watch or _Watch()
        if request_id is not None:
            self._requests[request_id] = watch
        if token is not None:
            self._tokens[token] = watch
        watch.on_cancel = on_cancel
        try:
            if watch.cancelled:
                on_cancel()
            yield
        finally:
            watch.on_cancel = None
            if request_id is not None:
                self._requests.pop(request_id, None)
            if token is not None and self._tokens.get(token) is watch:
                del self._tokens[token]

    def cancel_request(self, request_id: RequestId) -> bool:
        """Deliver `$/cancelRequest`; False when no such request watches (pygls' default
        handling applies then)."""
        watch = self._requests.get(request_id)
        if watch is None:
            return False
        log.debug("Request %s cancelled by the client", request_id)
        watch.cancel()
        return True

    def cancel_progress(self, token: types.ProgressToken) -> bool:
        """Deliver `window/workDoneProgress/cancel`; False when no request watches it."""
        watch = self._tokens.get(token)
        if watch is None:
            return False
        log.debug("Progress %s cancelled by the client", token)
        watch.cancel()
        return True
