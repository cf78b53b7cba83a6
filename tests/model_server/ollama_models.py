"""Ollama's bodies for models: names, details, /api/tags, /api/ps, /api/show, pulls.

What a model reports is derived from its name (family, capabilities, size), so any
name a test installs gets plausible metadata.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONTEXT_LENGTH = 32768
# What `ollama pull` can fetch besides the installed models.
DEFAULT_REGISTRY = ("qwen2.5-coder:7b", "qwen2.5-coder:1.5b", "qwen2.5-coder:14b", "llama3.2:3b")
MODIFIED_AT = "2025-01-01T00:00:00Z"


@dataclass
class Loaded:
    """A model in memory, as /api/ps lists it."""

    model: str
    expires_at: datetime
    context_length: int


def go_json(data: Any) -> str:
    """JSON as Go's encoder writes it: raw UTF-8, but <, >, &, U+2028, U+2029 escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def full_name(model: str) -> str:
    """An untagged name means `:latest`."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"


def keep_alive_seconds(value: Any) -> float:
    """Seconds from a number or a Go duration ("30m", "1h30m"); negative = forever."""
    if value is None:
        return 300.0
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
        parts = re.findall(r"(-?[\d.]+)(ms|h|m|s)?", str(value))
        seconds = sum(float(n) * units[u or "s"] for n, u in parts)
    return 100 * 365 * 86400.0 if seconds < 0 else seconds


def family(model: str) -> str:
    base = model.split(":", 1)[0].rsplit("/", 1)[-1]
    for prefix, name in (("qwen3", "qwen3"), ("qwen2", "qwen2"), ("gemma", "gemma3")):
        if base.startswith(prefix):
            return name
    return "qwen2" if base.startswith("deepseek-r1") else "llama"


def capabilities(model: str) -> list[str]:
    base = model.split(":", 1)[0].rsplit("/", 1)[-1]
    found = ["completion", "tools"]
    if base.startswith(("qwen3", "deepseek-r1", "gpt-oss")):
        found.append("thinking")
    if "coder" in base:
        found.append("insert")
    return found


def _parameters(model: str) -> float:
    found = re.search(r"(\d+(?:\.\d+)?)b", model.split(":", 1)[-1])
    return float(found.group(1)) if found else 7.0


def _details(model: str) -> dict[str, Any]:
    name = family(model)
    return {
        "parent_model": "",
        "format": "gguf",
        "family": name,
        "families": [name],
        "parameter_size": f"{_parameters(model):g}B",
        "quantization_level": "Q4_K_M",
    }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _size(model: str) -> int:
    return int(_parameters(model) * 0.62e9)


def tag_entry(model: str) -> dict[str, Any]:
    return {
        "name": model,
        "model": model,
        "modified_at": MODIFIED_AT,
        "size": _size(model),
        "digest": _digest(model),
        "details": _details(model),
    }


def ps_entry(loaded: Loaded) -> dict[str, Any]:
    entry = tag_entry(loaded.model)
    del entry["modified_at"]
    return entry | {
        "expires_at": loaded.expires_at.isoformat(),
        "size_vram": entry["size"],
        "context_length": loaded.context_length,
    }


def show_body(model: str) -> dict[str, Any]:
    name = family(model)
    return {
        "license": "",
        "modelfile": f"FROM {model}\n",
        "parameters": 'stop "<|im_end|>"',
        "template": "{{ .Prompt }}",
        "details": _details(model),
        "model_info": {
            "general.architecture": name,
            "general.parameter_count": int(_parameters(model) * 1e9),
            f"{name}.context_length": CONTEXT_LENGTH,
            f"{name}.embedding_length": 3584,
        },
        "capabilities": capabilities(model),
        "modified_at": MODIFIED_AT,
    }


def pull_lines(model: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [{"status": "pulling manifest"}]
    for index, total in enumerate((_size(model), 11_345)):
        digest = _digest(f"{model}/{index}")
        layer = {"status": f"pulling {digest[:12]}", "digest": f"sha256:{digest}", "total": total}
        # Ollama leaves `completed` out while it is 0.
        lines += [layer, layer | {"completed": total // 2}, layer | {"completed": total}]
    statuses = ("verifying sha256 digest", "writing manifest", "success")
    return lines + [{"status": status} for status in statuses]


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
