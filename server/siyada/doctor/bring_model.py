"""How to bring a missing model to a machine without internet, and which way applies.

The ways: for Ollama, `ollama pull` on a connected machine and a copy of its models
folder (`ollama-copy`), or `ollama create` from a GGUF file with a one-line Modelfile
(`ollama-create`); for an OpenAI-compatible server, llama-server (or vLLM) loading the
GGUF file itself (`openai-gguf`). Which applies is decided from what the doctor knows
without any request of its own: the provider, and a GGUF file given by `--gguf` or in
the workspace named after the model. Nothing here touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from siyada.doctor.gguf import GgufFile
from siyada.doctor.model_server import ServerFacts, same_model
from siyada.doctor.ollama_folder import ModelsFolder

OLLAMA_COPY: Final = "ollama-copy"
OLLAMA_CREATE: Final = "ollama-create"
OPENAI_GGUF: Final = "openai-gguf"
MODELFILE: Final = "Modelfile"
PLACEHOLDER_GGUF: Final = "model.gguf"
LLAMA_SERVER_PORT: Final = 8080
SOURCES: Final = {"--gguf": "given by --gguf", "workspace": "found in the workspace"}
GIVEN: Final = {"--gguf": "was given with --gguf", "workspace": "is in the workspace"}


@dataclass(frozen=True)
class Step:
    """One instruction; each `{}` in `text` is filled with a command or path of `code`."""

    text: str
    code: tuple[str, ...] = ()

    def plain(self) -> str:
        return self.text.format(*self.code)


@dataclass(frozen=True)
class Route:
    id: str
    title: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class BringModel:
    model: str
    why: str  # why it must be brought: not installed, or unknown
    routes: tuple[Route, ...]
    applies: str  # the id of the route that applies
    reason: str  # why that one applies
    gguf: GgufFile | None  # the GGUF file the steps use, if one is at hand
    models_folder: ModelsFolder | None  # Ollama's, on this machine
    modelfile: str | None  # the Modelfile for `ollama create`

    @property
    def applied(self) -> Route:
        return next(route for route in self.routes if route.id == self.applies)


def model_to_bring(server: ServerFacts, recommended: str | None) -> tuple[str, str] | None:
    """The model that is missing and why: the configured one when the server lacks it
    or could not be asked, else (Ollama) the recommended one when it is not installed."""
    if server.model_installed is False:
        return server.model, f"{server.model} is not installed on the server"
    if not server.reachable:
        return server.model, f"the server could not be asked whether it has {server.model}"
    if server.provider != "ollama" or recommended is None:
        return None
    if any(same_model(m.name, recommended) for m in server.installed):
        return None
    return recommended, f"the recommended {recommended} is not installed"


def bring_model(
    missing: tuple[str, str],
    server: ServerFacts,
    ggufs: Sequence[GgufFile],
    models_folder: ModelsFolder,
) -> BringModel:
    """`ggufs`: the file given by `--gguf` first if any, then the workspace's."""
    model, why = missing
    gguf, unnamed = _chosen_gguf(model, ggufs)
    if server.provider == "openai":
        route = _openai_route(model, gguf, server.endpoint)
        reason = "the provider is openai: llama-server or vLLM loads the GGUF file itself"
        return BringModel(model, why, (route,), OPENAI_GGUF, reason, gguf, None, None)
    modelfile = f"FROM ./{gguf.path.name if gguf else PLACEHOLDER_GGUF}"
    routes = (_copy_route(model, models_folder), _create_route(model, gguf, modelfile))
    applies, reason = _ollama_choice(model, gguf, unnamed)
    return BringModel(model, why, routes, applies, reason, gguf, models_folder, modelfile)


def _chosen_gguf(
    model: str, ggufs: Sequence[GgufFile]
) -> tuple[GgufFile | None, tuple[GgufFile, ...]]:
    """The file given by `--gguf`, else the first workspace file named after `model`;
    and the workspace files that are not."""
    given = next((g for g in ggufs if g.source == "--gguf"), None)
    found = [g for g in ggufs if g.source == "workspace"]
    named = [g for g in found if names_model(g.path, model)]
    unnamed = tuple(g for g in found if g not in named)
    return (given or (named[0] if named else None)), unnamed


def names_model(path: Path, model: str) -> bool:
    """Whether a file name names the model: `qwen2.5-coder-7b-instruct-q4_k_m.gguf` does
    `qwen2.5-coder:7b`: the name, and the tag unless it is `latest`, ignoring punctuation."""
    name, _, tag = model.rsplit("/", 1)[-1].partition(":")
    file = _letters_and_digits(path.stem)
    parts = [name] + ([tag] if tag and tag != "latest" else [])
    return all(_letters_and_digits(part) in file for part in parts)


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _ollama_choice(
    model: str, gguf: GgufFile | None, unnamed: Sequence[GgufFile]
) -> tuple[str, str]:
    if gguf is not None:
        return OLLAMA_CREATE, f"a GGUF file of {model} {GIVEN[gguf.source]}"
    reason = "no GGUF file was given (--gguf) or found in the workspace named after the model"
    if unnamed:
        reason += (
            f"; {unnamed[0].path} is there, but its name does not name {model} "
            "(pass it with --gguf if it is that model)"
        )
    return OLLAMA_COPY, reason


def _copy_route(model: str, folder: ModelsFolder) -> Route:
    steps = [
        Step("on a machine with internet (any system): {}", (f"ollama pull {model}",)),
        Step(
            "copy that machine's Ollama models folder ({}, or its {}), with its {} and {}, "
            f"into {{}} on this machine ({folder.basis}); models already here are kept",
            ("~/.ollama/models", "OLLAMA_MODELS", "blobs", "manifests", folder.path),
        ),
    ]
    if folder.basis == "Ollama's system service":
        steps.append(Step("give the files to the service's user: {}", (_chown(folder.path),)))
    steps.append(Step("check: {} lists {}", ("ollama list", model)))
    return Route(OLLAMA_COPY, "ollama pull elsewhere, then copy the models folder", tuple(steps))


def _create_route(model: str, gguf: GgufFile | None, modelfile: str) -> Route:
    return Route(
        OLLAMA_CREATE,
        "ollama create from a GGUF file",
        (
            _gguf_step(model, gguf),
            Step("beside it, a file named {} with the one line {}", (MODELFILE, modelfile)),
            Step(
                "in that folder: {} (Ollama copies the weights into its models folder)",
                (f"ollama create {model} -f {MODELFILE}",),
            ),
            Step("check: {} lists {}", ("ollama list", model)),
        ),
    )


def _openai_route(model: str, gguf: GgufFile | None, endpoint: str) -> Route:
    path = _argument(str(gguf.path)) if gguf else PLACEHOLDER_GGUF
    host, port = _host_and_port(endpoint)
    return Route(
        OPENAI_GGUF,
        "the server loads the GGUF file",
        (
            _gguf_step(model, gguf),
            Step(
                "llama.cpp: {}",
                (f"llama-server -m {path} --alias {model} --host {host} --port {port}",),
            ),
            Step(
                "or vLLM: {}, with the original model's tokenizer folder copied too",
                (f"vllm serve {path} --served-model-name {model} --tokenizer TOKENIZER_FOLDER",),
            ),
            Step(
                "Siyada: provider {}, endpoint {}, model {}",
                ("openai", f"http://{_url_host(host)}:{port}/v1", model),
            ),
        ),
    )


def _gguf_step(model: str, gguf: GgufFile | None) -> Step:
    if gguf is not None:
        return Step("the GGUF file: {} ({})", (str(gguf.path), SOURCES[gguf.source]))
    return Step(
        "on a machine with internet, download a GGUF file of {} (one .gguf file) and copy it "
        "here; then run doctor with {} to check it",
        (model, "--gguf FILE"),
    )


def _host_and_port(endpoint: str) -> tuple[str, int]:
    """The configured endpoint's host and port, so the server is started where Siyada
    looks; llama-server's defaults when the endpoint does not say."""
    parts = urlsplit(endpoint)
    try:
        port = parts.port or LLAMA_SERVER_PORT
    except ValueError:
        port = LLAMA_SERVER_PORT
    return parts.hostname or "127.0.0.1", port


def _argument(path: str) -> str:
    """A path as one command-line argument, in the shells of every system."""
    return f'"{path}"' if any(c.isspace() for c in path) else path


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _chown(folder: str) -> str:
    return f"sudo chown -R ollama:ollama {folder}"
