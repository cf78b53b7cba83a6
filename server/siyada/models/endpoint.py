"""Where the model server lives: OLLAMA_HOST parsing, URL validation, loopback test.

Nothing here touches the network: `is_loopback` decides from the URL text alone, so a
hostile DNS answer can never turn a remote endpoint into a "local" one.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

DEFAULT_PORT = 11434
DEFAULT_ENDPOINT = f"http://127.0.0.1:{DEFAULT_PORT}"
_SCHEME_PORTS = {"http": 80, "https": 443}
_HOSTNAME = re.compile(r"^[a-z0-9_~-]+(\.[a-z0-9_~-]+)*\.?$")

# OLLAMA_HOST is shared by the server and its clients. "0.0.0.0" (or "::") tells the
# server to listen on every interface; Ollama's own Go client then dials the local
# machine, because Go maps an unspecified address to the local system. Python on Windows
# cannot connect to 0.0.0.0 at all, so we dial loopback explicitly. The traffic never
# leaves the machine either way, so treating it as loopback is also the honest answer.
_UNSPECIFIED_TO_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1"}


def default_endpoint(environ: Mapping[str, str]) -> str:
    """The endpoint OLLAMA_HOST names, parsed the way ollama-python parses it.

    Empty or unset gives http://127.0.0.1:11434; a bare host gets port 11434, an
    explicit http:// 80 and https:// 443; ":PORT" means 127.0.0.1; a path is kept.
    An unusable value falls back to the default (with a warning): the default is local,
    so the fallback can never send code anywhere the user did not intend.
    """
    raw = environ.get("OLLAMA_HOST", "").strip()
    try:
        return normalize_endpoint(_parse_ollama_host(raw))
    except ValueError as error:
        log.warning("Ignoring OLLAMA_HOST=%r (%s); using %s.", raw, error, DEFAULT_ENDPOINT)
        return DEFAULT_ENDPOINT


def _parse_ollama_host(raw: str) -> str:
    scheme, separator, hostport = raw.partition("://")
    scheme = scheme.lower()
    if not separator:
        scheme, hostport = "http", raw
    port = _SCHEME_PORTS.get(scheme, DEFAULT_PORT) if separator else DEFAULT_PORT
    split = urlsplit(f"{scheme}://{hostport}")
    host = split.hostname or "127.0.0.1"
    try:
        port = split.port or port
    except ValueError:
        raise ValueError("the port is not a number between 0 and 65535") from None
    path = split.path.strip("/")
    return f"{scheme}://{_bracketed(host)}:{port}" + (f"/{path}" if path else "")


def normalize_endpoint(url: str) -> str:
    """`url` checked and put in one canonical form, or ValueError saying what is wrong.

    The canonical form has a lower-case scheme and host, no trailing slash, and dials
    loopback instead of an unspecified address (see above).
    """
    text = url.strip()
    split = urlsplit(text)
    scheme = split.scheme.lower()
    if scheme not in _SCHEME_PORTS:
        hint = f" (did you mean http://{text}?)" if "://" not in text and text else ""
        raise ValueError(f"'{url}' is not an http:// or https:// URL{hint}")
    if split.username is not None or split.password is not None:
        raise ValueError(f"'{url}' contains credentials; they are not supported")
    if split.query or split.fragment:
        raise ValueError(f"'{url}' has a query or fragment; give only scheme, host, port, path")
    host = _checked_host(url, split.hostname)
    try:
        port = split.port
    except ValueError:
        raise ValueError(f"'{url}' has an invalid port") from None
    netloc = _bracketed(host) + (f":{port}" if port is not None else "")
    return f"{scheme}://{netloc}{split.path.rstrip('/')}"


def _checked_host(url: str, hostname: str | None) -> str:
    if not hostname:
        raise ValueError(f"'{url}' has no host")
    if _is_ip(hostname):
        return _UNSPECIFIED_TO_LOOPBACK.get(hostname, hostname)
    if not _HOSTNAME.match(hostname):
        raise ValueError(f"'{url}' has an invalid host name '{hostname}'")
    return hostname


def is_loopback(url: str) -> bool:
    """True when `url` names this machine: localhost, 127.0.0.0/8 or ::1.

    Decided from the text only; any other host name is remote, whatever DNS says.
    """
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _bracketed(host: str) -> str:
    # urlsplit strips the brackets of an IPv6 literal; a URL needs them back.
    return f"[{host}]" if ":" in host else host
