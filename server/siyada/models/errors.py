"""What can go wrong when asking the model server, as a few typed errors.

Every message names the endpoint and says what to do about it, so the editor can show
it as is. `kind` is a stable, machine-readable name for each case. The `siyada/status`
state of a failure is read from it (lsp/status.py): a kind spelled like a state
(`unreachable`, `modelMissing`, `unauthorized`, and `refused` of review/connection.py)
is that state, any other kind is `error`. Renaming such a kind changes what the
editor shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, Final

from siyada.i18n import _

if TYPE_CHECKING:
    from siyada.models.chat import ChatResult

# Which protocol the endpoint speaks: "ollama" (native API) or "openai" (any
# OpenAI-compatible server: llama.cpp's llama-server, vLLM, LM Studio, Ollama's /v1).
# The advice differs: `ollama serve` and `ollama pull` mean nothing to the others.
OLLAMA: Final = "ollama"
OPENAI: Final = "openai"


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

    def __init__(self, endpoint: str, detail: str = "", *, provider: str = OLLAMA) -> None:
        if provider == OLLAMA:
            message = _(
                "Ollama is not reachable at {endpoint}. Start it with `ollama serve` "
                "(install from ollama.com) or set siyada.endpoint.",
                endpoint=endpoint,
            )
        else:
            message = _(
                "No model server is reachable at {endpoint}. Start it (llama-server, vLLM, "
                "LM Studio ...) or set siyada.endpoint to its base URL, ending in /v1.",
                endpoint=endpoint,
            )
        super().__init__(message, endpoint=endpoint)
        self.detail = detail


class ModelNotFound(ModelError):
    """The server does not have the model: not pulled (Ollama) or not served (others).

    `available` lists the models the server does serve, when it told us.
    """

    kind = "modelMissing"

    def __init__(
        self,
        endpoint: str,
        model: str,
        *,
        provider: str = OLLAMA,
        available: Sequence[str] = (),
    ) -> None:
        if provider == OLLAMA:
            message = _(
                "Model '{model}' is not available at {endpoint}. "
                "Pull it with `ollama pull {model}`.",
                model=model,
                endpoint=endpoint,
            )
        elif available:
            message = _(
                "Model '{model}' is not available at {endpoint}. "
                "It serves: {models}. Set siyada.model to one of them.",
                model=model,
                endpoint=endpoint,
                models=", ".join(available),
            )
        else:
            message = _(
                "Model '{model}' is not available at {endpoint}. "
                "It lists no models. Load one into the server, then set siyada.model.",
                model=model,
                endpoint=endpoint,
            )
        super().__init__(message, endpoint=endpoint)
        self.model = model
        self.available = tuple(available)


class ServerBusy(ModelError):
    """HTTP 503 (or 429): the server's request queue or rate limit is full.

    `retry_after` is the delay in seconds the server asked for (`Retry-After`), if any.
    """

    kind = "busy"

    def __init__(
        self,
        endpoint: str,
        server_message: str = "",
        *,
        provider: str = OLLAMA,
        retry_after: float | None = None,
    ) -> None:
        if provider == OLLAMA:
            busy = _("Ollama at {endpoint} is busy (its request queue is full).", endpoint=endpoint)
        else:
            busy = _(
                "The model server at {endpoint} is busy (its request queue is full).",
                endpoint=endpoint,
            )
        if retry_after is None:
            advice = _("Try again shortly, or lower siyada.maxConcurrentRequests.")
        else:
            advice = _(
                "Try again in {seconds} s, or lower siyada.maxConcurrentRequests.",
                seconds=f"{retry_after:g}",
            )
        super().__init__(f"{busy} {advice}", endpoint=endpoint)
        self.server_message = server_message
        self.retry_after = retry_after


class Unauthorized(ModelError):
    """HTTP 401/403: the server wants an API key, or refuses the one it was given."""

    kind = "unauthorized"

    def __init__(self, endpoint: str, status: int, api_key_env: str = "") -> None:
        refused = _(
            "The model server at {endpoint} refused access (HTTP {status}).",
            endpoint=endpoint,
            status=status,
        )
        if api_key_env:
            advice = _(
                "Check the key in the environment variable {variable} (named by siyada.apiKeyEnv).",
                variable=api_key_env,
            )
        else:
            advice = _(
                "Set siyada.apiKeyEnv to the name of an environment variable that holds the key."
            )
        super().__init__(f"{refused} {advice}", endpoint=endpoint)
        self.status = status
        self.api_key_env = api_key_env


class ServerFailure(ModelError):
    """HTTP 500 or another 5xx: typically the model runner crashed or ran out of memory."""

    kind = "serverFailure"

    def __init__(
        self, endpoint: str, status: int, server_message: str, *, provider: str = OLLAMA
    ) -> None:
        details = server_message or _("no details")
        if provider == OLLAMA:
            message = _(
                "Ollama at {endpoint} failed (HTTP {status}): {details}. "
                "Check the Ollama server log; a smaller model or context may help.",
                endpoint=endpoint,
                status=status,
                details=details,
            )
        else:
            message = _(
                "The model server at {endpoint} failed (HTTP {status}): {details}. "
                "Check the model server's log; a smaller model or context may help.",
                endpoint=endpoint,
                status=status,
                details=details,
            )
        super().__init__(message, endpoint=endpoint)
        self.status = status
        self.server_message = server_message


class BadRequest(ModelError):
    """HTTP 400 and any other non-success status that is not the server's fault."""

    kind = "badRequest"

    def __init__(
        self,
        endpoint: str,
        status: int,
        server_message: str,
        hint: str = "",
        *,
        provider: str = OLLAMA,
    ) -> None:
        details = server_message or _("no details")
        if provider == OLLAMA:
            rejected = _(
                "Ollama at {endpoint} rejected the request (HTTP {status}): {details}.",
                endpoint=endpoint,
                status=status,
                details=details,
            )
        else:
            rejected = _(
                "The model server at {endpoint} rejected the request (HTTP {status}): {details}.",
                endpoint=endpoint,
                status=status,
                details=details,
            )
        advice = hint or _("Check siyada.model and that the model supports this request.")
        super().__init__(f"{rejected} {advice}", endpoint=endpoint)
        self.status = status
        self.server_message = server_message


class StreamFailure(ModelError):
    """The answer broke off: an error line, a dropped connection, or unreadable JSON."""

    kind = "streamFailure"

    def __init__(self, endpoint: str, detail: str, *, provider: str = OLLAMA) -> None:
        if provider == OLLAMA:
            message = _(
                "The answer from Ollama at {endpoint} broke off: {detail}. "
                "Check the Ollama server log if this keeps happening.",
                endpoint=endpoint,
                detail=detail,
            )
        else:
            message = _(
                "The answer from the model server at {endpoint} broke off: {detail}. "
                "Check the model server's log if this keeps happening.",
                endpoint=endpoint,
                detail=detail,
            )
        super().__init__(message, endpoint=endpoint)
        self.detail = detail


class AnswerTruncated(ModelError):
    """The model hit its length limit (done_reason "length"): the JSON is cut off."""

    kind = "truncated"

    def __init__(
        self,
        endpoint: str,
        model: str,
        partial: str,
        *,
        provider: str = OLLAMA,
        result: ChatResult | None = None,
    ) -> None:
        limit = "num_predict" if provider == OLLAMA else "max_tokens"
        super().__init__(
            _(
                "The answer of '{model}' at {endpoint} was cut off at its length limit. "
                "Reviewing a smaller function, or a larger {limit}, avoids this.",
                model=model,
                endpoint=endpoint,
                limit=limit,
            ),
            endpoint=endpoint,
        )
        self.model = model
        self.partial = partial
        # The whole result, counts and durations included: a speed measurement can
        # use a capped answer.
        self.result = result


class RequestTimedOut(ModelError):
    """No complete answer within the request timeout."""

    kind = "timeout"

    def __init__(self, endpoint: str, seconds: float, *, provider: str = OLLAMA) -> None:
        if provider == OLLAMA:
            late = _(
                "Ollama at {endpoint} did not answer within {seconds} s.",
                endpoint=endpoint,
                seconds=f"{seconds:g}",
            )
        else:
            late = _(
                "The model server at {endpoint} did not answer within {seconds} s.",
                endpoint=endpoint,
                seconds=f"{seconds:g}",
            )
        advice = _(
            "The model may still be loading or the machine is busy; "
            "raise siyada.requestTimeoutSec if this persists."
        )
        super().__init__(f"{late} {advice}", endpoint=endpoint)
        self.seconds = seconds


class ContextExceeded(BadRequest):
    """HTTP 400 because the prompt does not fit the server's context window.

    Retrying cannot help: the same function always needs the same context.
    """

    kind = "contextExceeded"

    def __init__(self, endpoint: str, server_message: str, *, provider: str = OLLAMA) -> None:
        super().__init__(
            endpoint,
            400,
            server_message,
            _(
                "The function does not fit the server's context window; start the server with "
                "a larger context (llama-server --ctx-size, vLLM --max-model-len) to review it."
            ),
            provider=provider,
        )
