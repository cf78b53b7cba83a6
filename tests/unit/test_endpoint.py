import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siyada.models.endpoint import (
    DEFAULT_ENDPOINT,
    default_endpoint,
    is_loopback,
    normalize_endpoint,
)

# The cases of ollama-python's _parse_host doctest, plus the decisions of this module.
OLLAMA_HOST_CASES = [
    ("", "http://127.0.0.1:11434"),
    ("   ", "http://127.0.0.1:11434"),
    ("1.2.3.4", "http://1.2.3.4:11434"),
    (":56789", "http://127.0.0.1:56789"),
    ("1.2.3.4:56789", "http://1.2.3.4:56789"),
    ("http://1.2.3.4", "http://1.2.3.4:80"),
    ("https://1.2.3.4", "https://1.2.3.4:443"),
    ("https://1.2.3.4:56789", "https://1.2.3.4:56789"),
    ("example.com", "http://example.com:11434"),
    ("example.com:56789", "http://example.com:56789"),
    ("http://example.com", "http://example.com:80"),
    ("https://example.com", "https://example.com:443"),
    ("example.com/", "http://example.com:11434"),
    ("example.com/path", "http://example.com:11434/path"),
    ("example.com:56789/path/", "http://example.com:56789/path"),
    ("https://example.com:56789/path", "https://example.com:56789/path"),
    ("[0001:002:003:0004::1]", "http://[0001:002:003:0004::1]:11434"),
    ("[::1]:11434", "http://[::1]:11434"),
    ("https://[::1]", "https://[::1]:443"),
    ("[::1]:56789/path/", "http://[::1]:56789/path"),
    ("localhost", "http://localhost:11434"),
    ("HTTP://LocalHost:8080", "http://localhost:8080"),
    # Decision: an unspecified (listen-everywhere) address is dialled as loopback.
    ("0.0.0.0", "http://127.0.0.1:11434"),
    ("0.0.0.0:8080", "http://127.0.0.1:8080"),
    ("[::]:11434", "http://[::1]:11434"),
    # Unusable values fall back to the local default instead of failing.
    ("ftp://example.com", DEFAULT_ENDPOINT),
    ("example.com:notaport", DEFAULT_ENDPOINT),
    ("example.com:99999", DEFAULT_ENDPOINT),
]


@pytest.mark.parametrize(("value", "expected"), OLLAMA_HOST_CASES)
def test_default_endpoint_parses_ollama_host_like_ollama_python(value: str, expected: str) -> None:
    assert default_endpoint({"OLLAMA_HOST": value}) == expected


def test_default_endpoint_without_ollama_host() -> None:
    assert default_endpoint({}) == "http://127.0.0.1:11434"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:11434", "http://127.0.0.1:11434"),
        ("http://127.0.0.1:11434/", "http://127.0.0.1:11434"),
        ("  HTTPS://GPU-Box.lan:443/ollama/ ", "https://gpu-box.lan:443/ollama"),
        ("http://localhost", "http://localhost"),
        ("http://[::1]:11434", "http://[::1]:11434"),
        ("http://0.0.0.0:11434", "http://127.0.0.1:11434"),
    ],
)
def test_normalize_endpoint_accepts(url: str, expected: str) -> None:
    assert normalize_endpoint(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("localhost:11434", "did you mean http://localhost:11434?"),
        ("127.0.0.1", "did you mean http://127.0.0.1?"),
        ("ftp://example.com", "not an http:// or https:// URL"),
        ("", "not an http:// or https:// URL"),
        ("http://", "has no host"),
        ("http://:11434", "has no host"),
        ("http://host:port", "invalid port"),
        ("http://host:70000", "invalid port"),
        ("http://user:secret@host", "credentials"),
        ("http://host/?q=1", "query or fragment"),
        ("http://bad host/", "invalid host name"),
    ],
)
def test_normalize_endpoint_rejects_with_a_readable_message(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        normalize_endpoint(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:11434", True),
        ("http://LOCALHOST", True),
        ("http://localhost.:11434", True),
        ("http://127.0.0.1:11434", True),
        ("http://127.8.9.10", True),
        ("http://[::1]:11434", True),
        ("http://[::ffff:127.0.0.1]:11434", True),
        ("https://127.0.0.1/ollama", True),
        ("http://10.0.0.5:11434", False),
        ("http://192.168.1.20:11434", False),
        ("http://0.0.0.0:11434", False),  # normalize_endpoint turns it into 127.0.0.1 first
        ("http://[::]:11434", False),
        ("http://[fe80::1]:11434", False),
        ("http://example.com", False),
        ("http://localhost.example.com", False),  # names are not resolved, only compared
        ("http://my-laptop", False),
        ("http://127.0.0.1.nip.io", False),
        ("localhost:11434", False),  # not a URL
        ("", False),
        ("http://[::1", False),
    ],
)
def test_is_loopback(url: str, expected: bool) -> None:
    assert is_loopback(url) is expected


@given(st.text(max_size=40))
def test_default_endpoint_always_gives_a_normalized_endpoint(value: str) -> None:
    endpoint = default_endpoint({"OLLAMA_HOST": value})
    assert normalize_endpoint(endpoint) == endpoint


@given(st.text(max_size=40))
def test_is_loopback_never_raises(value: str) -> None:
    assert is_loopback(value) in (True, False)
    assert is_loopback(f"http://{value}") in (True, False)
