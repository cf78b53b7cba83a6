from __future__ import annotations

import pytest

from siyada.review.setting_values import Triggers
from siyada.review.settings import Settings, parse_settings


def test_empty_configuration_gives_the_documented_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    settings, problems = parse_settings({})
    assert problems == []
    assert settings == Settings(
        endpoint="http://127.0.0.1:11434",
        model="qwen2.5-coder:7b",
        triggers=Triggers(on_open=True, on_save=True, on_type=True),
        debounce_ms=1000,
        max_concurrent_requests=1,
        min_severity="hint",
        min_confidence=0.5,
        categories=("bug", "security", "performance", "maintainability"),
        request_timeout_sec=120.0,
        keep_alive="30m",
        allow_remote_endpoint=False,
    )


def test_endpoint_defaults_to_ollama_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", ":9999")
    assert parse_settings({})[0].endpoint == "http://127.0.0.1:9999"
    assert parse_settings({"endpoint": ""})[0].endpoint == "http://127.0.0.1:9999"


def test_every_key_is_read() -> None:
    settings, problems = parse_settings(
        {
            "endpoint": "http://localhost:8080/",
            "model": "llama3:8b",
            "triggers": {"onType": False},
            "debounceMs": 250,
            "maxConcurrentRequests": 2,
            "minSeverity": "Warning",
            "minConfidence": 0.8,
            "categories": ["security", "bug"],
            "requestTimeoutSec": 30,
            "keepAlive": "1h30m",
            "allowRemoteEndpoint": True,
            "maxFileKb": 100,
            "maxFunctionsPerFile": 20,
            "cacheDir": "~/reviews",
        }
    )
    assert problems == []
    assert settings.endpoint == "http://localhost:8080"
    assert settings.model == "llama3:8b"
    assert settings.triggers == Triggers(on_open=True, on_save=True, on_type=False)
    assert (settings.debounce_ms, settings.max_concurrent_requests) == (250, 2)
    assert (settings.min_severity, settings.min_confidence) == ("warning", 0.8)
    assert settings.categories == ("bug", "security")
    assert (settings.request_timeout_sec, settings.keep_alive) == (30.0, "1h30m")
    assert settings.allow_remote_endpoint is True
    assert (settings.max_file_kb, settings.max_functions_per_file) == (100, 20)
    assert settings.cache_dir == "~/reviews"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("endpoint", "ftp://example"),
        ("endpoint", 11434),
        ("model", ""),
        ("triggers", {"onBlur": True}),
        ("triggers", {"onOpen": "yes"}),
        ("triggers", True),
        ("debounceMs", -1),
        ("debounceMs", 1.5),
        ("debounceMs", True),
        ("maxConcurrentRequests", 0),
        ("minSeverity", "fatal"),
        ("minConfidence", 1.5),
        ("minConfidence", "0.7"),
        ("categories", ["style"]),
        ("categories", "bug"),
        ("requestTimeoutSec", 0),
        ("keepAlive", "soon"),
        ("keepAlive", True),
        ("allowRemoteEndpoint", "true"),
    ],
)
def test_a_bad_value_is_named_and_its_default_kept(key: str, value: object) -> None:
    defaults = Settings()
    settings, problems = parse_settings({key: value, "model": "phi3:mini"} | {key: value})
    assert len(problems) == 1
    assert f"siyada.{key}" in problems[0] and repr(value) in problems[0]
    assert settings == Settings(
        **{**defaults.__dict__, "model": "phi3:mini" if key != "model" else defaults.model}
    )


def test_not_an_object() -> None:
    settings, problems = parse_settings(["model"])
    assert settings == Settings() and problems == [
        "Siyada settings must be an object; using defaults."
    ]


def test_unknown_keys_and_nulls_are_ignored() -> None:
    settings, problems = parse_settings({"futureSetting": "/tmp", "model": None})
    assert problems == [] and settings == Settings()


def test_keep_alive_in_seconds() -> None:
    assert parse_settings({"keepAlive": 600})[0].keep_alive == 600
    assert parse_settings({"keepAlive": "-1"})[0].keep_alive == -1
