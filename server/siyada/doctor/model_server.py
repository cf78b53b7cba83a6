"""What the configured model server says about itself, through Siyada's own clients.

Ollama: `/api/version`, `/api/tags` (installed), `/api/ps` (loaded, with the context
each was loaded with) and `/api/show` of the configured model (its details and trained
context). An OpenAI-compatible server: `/v1/models`, and llama.cpp's `/props` (context
per slot, build) when it is llama-server. What the protocol does not tell is None.

The context in force: Siyada asks Ollama for `NUM_CTX` on every review, which Ollama
caps at the model's trained context; llama-server has the context it was started with
(per slot). Siyada itself never sends a prompt over `NUM_CTX` minus the answer's room.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from siyada.models.chat import ModelInfo
from siyada.models.errors import ModelError
from siyada.models.ollama import OllamaClient
from siyada.models.openai import OpenAIClient
from siyada.review.connection import ModelClient
from siyada.review.prompt import NUM_CTX


@dataclass(frozen=True)
class InstalledModel:
    name: str
    size: int  # bytes on disk
    parameter_size: str
    quantization: str


@dataclass(frozen=True)
class LoadedModel:
    name: str
    size: int  # bytes in memory
    size_vram: int | None
    context_length: int | None
    parameter_size: str
    quantization: str


@dataclass(frozen=True)
class ContextLength:
    requested: int | None  # what Siyada asks for (num_ctx); None when it cannot ask
    model_max: int | None  # the model's trained context
    # What the server runs with now: Ollama's /api/ps for the loaded model (a review
    # asking another num_ctx reloads it), llama.cpp's n_ctx per slot.
    server: int | None

    @property
    def in_force(self) -> int | None:
        """The context a review gets; None when nothing tells it."""
        if self.requested is None:
            return self.server
        return min(self.requested, self.model_max or self.requested)


@dataclass(frozen=True)
class ServerFacts:
    endpoint: str
    provider: str
    model: str  # the configured model
    reachable: bool
    problem: str | None  # why it is not reachable, or the model is missing
    version: str | None
    installed: tuple[InstalledModel, ...]
    loaded: tuple[LoadedModel, ...] | None  # None: the protocol cannot tell
    model_installed: bool | None
    context: ContextLength


async def server_facts(client: ModelClient, model: str) -> ServerFacts:
    if isinstance(client, OllamaClient):
        return await _ollama_facts(client, model)
    return await _openai_facts(client, model)


def unreachable_facts(endpoint: str, provider: str, model: str, problem: str) -> ServerFacts:
    context = ContextLength(None, None, None)
    return ServerFacts(endpoint, provider, model, False, problem, None, (), None, None, context)


async def _ollama_facts(client: OllamaClient, model: str) -> ServerFacts:
    try:
        version = await client.version()
        installed = tuple(_installed(info) for info in await client.list_models())
        loaded = tuple(_loaded(entry) for entry in await client.running_models())
    except ModelError as error:
        return unreachable_facts(client.endpoint, "ollama", model, str(error))
    problem: str | None = None
    model_max: int | None = None
    try:
        model_max = _trained_context(await client.show(model))
        model_installed = True
    except ModelError as error:
        problem, model_installed = str(error), False
    running = next((m for m in loaded if same_model(m.name, model)), None)
    context = ContextLength(NUM_CTX, model_max, running.context_length if running else None)
    return ServerFacts(
        client.endpoint,
        "ollama",
        model,
        True,
        problem,
        version,
        installed,
        loaded,
        model_installed,
        context,
    )


async def _openai_facts(client: OpenAIClient, model: str) -> ServerFacts:
    try:
        served = await client.list_models()
    except ModelError as error:
        return unreachable_facts(client.endpoint, "openai", model, str(error))
    installed = tuple(_installed(info) for info in served)
    props: Mapping[str, Any] = {}
    if await client.is_llama_cpp():
        with contextlib.suppress(ModelError):
            props = await client.server_props()
    model_installed = any(m.name == model for m in installed)
    problem = None if model_installed else f"{client.endpoint} does not serve {model}"
    settings = props.get("default_generation_settings")
    n_ctx = _positive(settings.get("n_ctx")) if isinstance(settings, Mapping) else None
    version = str(props["build_info"]) if props.get("build_info") else None
    return ServerFacts(
        client.endpoint,
        "openai",
        model,
        True,
        problem,
        version,
        installed,
        None,
        model_installed,
        ContextLength(None, None, n_ctx),
    )


def _installed(info: ModelInfo) -> InstalledModel:
    return InstalledModel(info.name, info.size, info.parameter_size, info.quantization_level)


def _loaded(entry: Mapping[str, Any]) -> LoadedModel:
    details = entry.get("details") or {}
    return LoadedModel(
        name=str(entry.get("name") or entry.get("model") or ""),
        size=_positive(entry.get("size")) or 0,
        size_vram=_positive(entry.get("size_vram")),
        context_length=_positive(entry.get("context_length")),
        parameter_size=str(details.get("parameter_size") or ""),
        quantization=str(details.get("quantization_level") or ""),
    )


def _trained_context(show: Mapping[str, Any]) -> int | None:
    """`<architecture>.context_length` of /api/show's `model_info`."""
    info = show.get("model_info") or {}
    lengths = [_positive(v) for k, v in info.items() if str(k).endswith(".context_length")]
    return next((length for length in lengths if length is not None), None)


def same_model(listed: str, configured: str) -> bool:
    """Whether a name the server lists is the configured model (untagged means `:latest`)."""
    untagged = ":" not in configured.rsplit("/", 1)[-1]
    return listed in (configured, f"{configured}:latest" if untagged else configured)


def _positive(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value)
