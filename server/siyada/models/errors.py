"""What can go wrong when asking the model server, as a few typed errors.

Every message names the endpoint and says what to do about it, so the editor can show
it as is. `kind` is a stable, machine-readable name for each case; where a case matches
a `siyada/status` state (`unreachable`, `modelMissing`) it uses the same spelling.
"""

from __future__ import annotations

from typing import ClassVar


class ModelError(Exception):
    """Base of every failure talking to the model server."""

    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, endpoint: str) -> None:
        super().__init__(message)
        self.endpoint = endpoint

    @property
    def message(self) -> str:
        return str(self)


class EndpointUnreachable(ModelError):
    """Nothing answers: connection refused, unknown host, or the connect timed out."""

    kind = "unreachable"

    def __init__(self, endpoint: str, detail: str = "") -> None:
        super().__init__(
            f"Ollama is not reachable at {endpoint}. Start it with `ollama serve` "
            "(install from ollama.com) or set siyada.endpoint.",
            endpoint=endpoint,
        )
        self.detail = detail


class ModelNotFound(ModelError):
    """HTTP 404 for a request naming a model: the model is not pulled."""

    kind = "modelMissing"

    def __init__(self, endpoint: str, model: str) -> None:
        super().__init__(
            f"Model '{model}' is not available at {endpoint}. Pull it with `ollama pull {model}`.",
            endpoint=endpoint,
        )
        self.model = model


class ServerBusy(ModelError):
    """HTTP 503: Ollama's request queue is full."""

    kind = "busy"

    def __init__(self, endpoint: str, server_message: str = "") -> None:
        super().__init__(
            f"Ollama at {endpoint} is busy (its request queue is full). Try again shortly, "
            "or lower siyada.maxConcurrentRequests.",
            endpoint=endpoint,
        )
        self.server_message = server_message


class ServerFailure(ModelError):
    """HTTP 500 or another 5xx: typically the model runner crashed or ran out of memory."""

    kind = "serverFailure"

    def __init__(self, endpoint: str, status: int, server_message: str) -> None:
        super().__init__(
            f"Ollama at {endpoint} failed (HTTP {status}): {server_message or 'no details'}. "
            "Check the Ollama server log; a smaller model or context may help.",
            endpoint=endpoint,
        )
        self.status = status
        self.server_message = server_message


class BadRequest(ModelError):
    """HTTP 400 and any other non-success status that is not the server's fault."""

    kind = "badRequest"

    def __init__(self, endpoint: str, status: int, server_message: str, hint: str = "") -> None:
        super().__init__(
            f"Ollama at {endpoint} rejected the request (HTTP {status}): "
            f"{server_message or 'no details'}. "
            + (hint or "Check siyada.model and that the model supports this request."),
            endpoint=endpoint,
        )
        self.status = status
        self.server_message = server_message


class StreamFailure(ModelError):
    """The answer broke off: an error line, a dropped connection, or unreadable JSON."""

    kind = "streamFailure"

    def __init__(self, endpoint: str, detail: str) -> None:
        super().__init__(
            f"The answer from Ollama at {endpoint} broke off: {detail}. "
            "Check the Ollama server log if this keeps happening.",
            endpoint=endpoint,
        )
        self.detail = detail


class AnswerTruncated(ModelError):
    """The model hit its length limit (done_reason "length"): the JSON is cut off."""

    kind = "truncated"

    def __init__(self, endpoint: str, model: str, partial: str) -> None:
        super().__init__(
            f"The answer of '{model}' at {endpoint} was cut off at its length limit. "
            "Reviewing a smaller function, or a larger num_predict, avoids this.",
            endpoint=endpoint,
        )
        self.model = model
        self.partial = partial


class RequestTimedOut(ModelError):
    """No complete answer within the request timeout."""

    kind = "timeout"

    def __init__(self, endpoint: str, seconds: float) -> None:
        super().__init__(
            f"Ollama at {endpoint} did not answer within {seconds:g} s. The model may still "
            "be loading or the machine is busy; raise siyada.requestTimeoutSec if this persists.",
            endpoint=endpoint,
        )
        self.seconds = seconds
