"""Which model server may be contacted: the privacy rule in one place.

By default only loopback endpoints are contacted. A remote endpoint needs
`allowRemoteEndpoint`; without it the client is never even created, so no byte of code
can leave the machine by mistake.
"""

from __future__ import annotations

from siyada.models.endpoint import is_loopback
from siyada.models.errors import ModelError
from siyada.models.ollama import OllamaClient
from siyada.review.settings import Settings


class EndpointRefused(ModelError):
    """The endpoint is not on this machine and remote endpoints are not allowed."""

    kind = "refused"

    def __init__(self, endpoint: str) -> None:
        super().__init__(
            f"Siyada refused to contact {endpoint}: it is not on this machine, and your code "
            "would leave it. Use a local endpoint such as http://127.0.0.1:11434, or set "
            "siyada.allowRemoteEndpoint to true if you trust that server.",
            endpoint=endpoint,
        )


def is_remote(settings: Settings) -> bool:
    return not is_loopback(settings.endpoint)


def open_client(settings: Settings) -> OllamaClient:
    """A client for the configured endpoint, or EndpointRefused when policy forbids it."""
    if is_remote(settings) and not settings.allow_remote_endpoint:
        raise EndpointRefused(settings.endpoint)
    return OllamaClient(settings.endpoint, request_timeout=settings.request_timeout_sec)
