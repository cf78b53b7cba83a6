"""The one way Siyada talks HTTP to a model server, whatever protocol it speaks.

One `httpx.AsyncClient` per endpoint, with explicit timeouts, `trust_env=False` (a
proxy configured in the environment must never see the user's code), no redirects (one
could send the code, and an API key, to a host the user never configured) and TLS
verified, against a private CA bundle when given. Every request goes through
`Transport.call`, the single place where transport failures become `ModelError`s; the
client of each protocol says how an HTTP status becomes one (`StatusError`). Request
bodies carry source code and are never logged.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from siyada.i18n import N_
from siyada.models.endpoint import normalize_endpoint
from siyada.models.errors import (
    EndpointUnreachable,
    ModelError,
    RequestTimedOut,
    StreamFailure,
)

log = logging.getLogger(__name__)

_USER_AGENT: Final = "siyada"
_MAX_ERROR_TEXT: Final = 300
# Marked here, translated where it is used: `_(REDIRECT_HINT)`.
REDIRECT_HINT: Final = N_("Siyada does not follow redirects; set siyada.endpoint to the final URL.")

# The error a non-success response stands for: (response, path, model asked about).
StatusError = Callable[[httpx.Response, str, str | None], Awaitable[ModelError]]


def _unchanged(text: str) -> str:
    return text


class Transport:
    """HTTP to one model server endpoint. Close it with `aclose()`."""

    def __init__(
        self,
        endpoint: str,
        *,
        provider: str,
        status_error: StatusError,
        request_timeout: float,
        connect_timeout: float,
        headers: Mapping[str, str] | None = None,
        ca_bundle: str | None = None,
        scrub: Callable[[str], str] = _unchanged,
    ) -> None:
        self.endpoint = normalize_endpoint(endpoint)
        self.provider = provider
        self.request_timeout = request_timeout
        self._status_error = status_error
        self._scrub = scrub
        self._http = httpx.AsyncClient(
            base_url=self.endpoint,
            timeout=httpx.Timeout(request_timeout, connect=connect_timeout),
            trust_env=False,
            follow_redirects=False,
            verify=tls_context(ca_bundle),
            headers={"User-Agent": _USER_AGENT, **(headers or {})},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    @asynccontextmanager
    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        model: str | None = None,
        *,
        total_timeout: bool = True,
    ) -> AsyncIterator[httpx.Response]:
        """The one choke point: the response, checked; every failure a ModelError.

        The caller's reading of the body runs inside this context, so the total
        timeout (unless `total_timeout` is False: then only the per-read timeout) and
        the error mapping cover it too.
        """
        started = time.monotonic()
        deadline = self.request_timeout if total_timeout else None
        try:
            async with (
                asyncio.timeout(deadline),
                self._http.stream(method, path, json=body) as response,
            ):
                log.debug("%s %s -> %d", method, path, response.status_code)
                if not response.is_success:
                    await response.aread()
                    raise await self._status_error(response, path, model)
                yield response
        except ModelError:
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise EndpointUnreachable(
                self.endpoint, self._scrub(str(error)), provider=self.provider
            ) from error
        except (httpx.TimeoutException, TimeoutError) as error:
            raise RequestTimedOut(
                self.endpoint, self.request_timeout, provider=self.provider
            ) from error
        except httpx.HTTPError as error:
            detail = f"the connection dropped ({type(error).__name__}: {self._scrub(str(error))})"
            raise StreamFailure(self.endpoint, detail, provider=self.provider) from error
        finally:
            log.debug("%s %s took %.2f s", method, path, time.monotonic() - started)

    async def json(
        self, method: str, path: str, body: Any = None, model: str | None = None
    ) -> dict[str, Any]:
        """The JSON object a request answers; StreamFailure for anything else."""
        async with self.call(method, path, body, model) as response:
            await response.aread()
            try:
                data = json.loads(response.content)
            except ValueError:
                detail = f"{path} did not answer JSON"
                raise StreamFailure(self.endpoint, detail, provider=self.provider) from None
        if not isinstance(data, dict):
            detail = f"{path} answered {type(data).__name__}"
            raise StreamFailure(self.endpoint, detail, provider=self.provider)
        return data


def tls_context(ca_bundle: str | None) -> ssl.SSLContext | bool:
    """Verified TLS: the system's trust store, or only the CAs of `ca_bundle`."""
    if not ca_bundle:
        return True
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"the CA bundle '{ca_bundle}' cannot be used: {error}") from None


def error_text(response: httpx.Response) -> str:
    """The message of an {"error": ...} body (Ollama's string, or the OpenAI-style
    {"error": {"message": ...}}), of vLLM's flat {"message": ...}, or the start of
    whatever else came back."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return response.text.strip()[:_MAX_ERROR_TEXT]
    if isinstance(data, dict) and "error" in data:
        return message_of(data["error"])[:_MAX_ERROR_TEXT]
    if isinstance(data, dict) and "message" in data:
        return str(data["message"])[:_MAX_ERROR_TEXT]
    return response.text.strip()[:_MAX_ERROR_TEXT]


def message_of(error: object) -> str:
    """The text of an error value: a string, or an object's `message`."""
    if isinstance(error, dict):
        return str(error.get("message", error))
    return str(error)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delay-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None
