"""Which model server may be contacted, and with which client: the privacy rule in one
place.

By default only loopback endpoints are contacted. A remote endpoint needs
`allowRemoteEndpoint`; without it the client is never even created, so no byte of code
can leave the machine by mistake. The same holds whatever protocol the server speaks.
"""

from __future__ import annotations

import logging
import os
from typing import TypeAlias

from siyada.i18n import _
from siyada.models.endpoint import is_loopback
from siyada.models.errors import ModelError
from siyada.models.ollama import OllamaClient
from siyada.models.openai import OpenAIClient
from siyada.review.settings import Settings
from siyada.review.settings_table import OPENAI_PROVIDER

log = logging.getLogger(__name__)

ModelClient: TypeAlias = OllamaClient | OpenAIClient


class NoClient(ModelError):
    """No client could be made for the settings; nothing was contacted."""


class EndpointRefused(NoClient):
    """The endpoint is not on this machine and remote endpoints are not allowed."""

    kind = "refused"

    def __init__(self, endpoint: str) -> None:
        super().__init__(
            _(
                "Siyada refused to contact {endpoint}: it is not on this machine, and your code "
                "would leave it. Use a local endpoint such as http://127.0.0.1:11434, or set "
                "siyada.allowRemoteEndpoint to true if you trust that server.",
                endpoint=endpoint,
            ),
            endpoint=endpoint,
        )


class CaBundleUnusable(NoClient):
    """siyada.caBundle names a file that is not a readable PEM bundle."""

    kind = "caBundle"

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(
            _(
                "Siyada cannot verify {endpoint}: {reason}. Set siyada.caBundle to a PEM file "
                "of your certificate authority, or leave it empty for the system's certificates.",
                endpoint=endpoint,
                reason=reason,
            ),
            endpoint=endpoint,
        )


def is_remote(settings: Settings) -> bool:
    return not is_loopback(settings.endpoint)


def open_client(settings: Settings) -> ModelClient:
    """A client for the configured endpoint and provider; EndpointRefused when policy
    forbids the endpoint (checked before anything else), CaBundleUnusable when the
    CA file cannot be used."""
    if is_remote(settings) and not settings.allow_remote_endpoint:
        raise EndpointRefused(settings.endpoint)
    if settings.provider != OPENAI_PROVIDER:
        return OllamaClient(settings.endpoint, request_timeout=settings.request_timeout_sec)
    try:
        return OpenAIClient(
            settings.endpoint,
            api_key=_api_key(settings.api_key_env),
            api_key_env=settings.api_key_env,
            ca_bundle=settings.ca_bundle or None,
            request_timeout=settings.request_timeout_sec,
        )
    except ValueError as error:
        raise CaBundleUnusable(settings.endpoint, str(error)) from error


def _api_key(variable: str) -> str | None:
    """The key from the environment variable `variable` names; only its name is logged."""
    if not variable:
        return None
    key = os.environ.get(variable, "").strip()
    if not key:
        log.warning(
            "siyada.apiKeyEnv names %s, which is not set or empty: no key is sent.", variable
        )
    return key or None
