"""`workspace/executeCommand` commands, so every editor can use them, not just VS Code."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, cast

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from siyada.models.ollama import OllamaClient, PullProgress

if TYPE_CHECKING:
    from siyada.lsp.server import SiyadaServer

REVIEW_FILE = "siyada.reviewFile"
LIST_MODELS = "siyada.listModels"
PULL_MODEL = "siyada.pullModel"
STATUS = "siyada.status"


# pygls reads command handlers' annotations at run time to convert arguments, so the
# handlers name pygls' LanguageServer (importable here) and cast to SiyadaServer.


def register(server: SiyadaServer) -> None:
    server.command(REVIEW_FILE)(review_file)
    server.command(LIST_MODELS)(list_models)
    server.command(PULL_MODEL)(pull_model)
    server.command(STATUS)(status)


def review_file(server: LanguageServer, *args: Any) -> None:
    ls = cast("SiyadaServer", server)
    if not args or not isinstance(args[0], str):
        raise ValueError(f"{REVIEW_FILE} takes the document's URI as its argument")
    uri = args[0]
    if ls.language_of(uri) is None:
        raise ValueError(f"{uri} is not an open document in a language Siyada reviews")
    ls.scheduler.review_document(uri)


async def list_models(server: LanguageServer, *args: Any) -> list[dict[str, Any]]:
    ls = cast("SiyadaServer", server)
    models = await ls.scheduler.reviewer.client.list_models()
    return [
        {
            "name": m.name,
            "size": m.size,
            "parameterSize": m.parameter_size,
            "quantization": m.quantization_level,
        }
        for m in models
    ]


def status(server: LanguageServer, *args: Any) -> dict[str, Any]:
    ls = cast("SiyadaServer", server)
    return asdict(ls.status.current())


class PullNotOffered(Exception):
    """Pull Model asked of an OpenAI-compatible server: its models are its own."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(
            f'Pull Model works only with Ollama (siyada.provider "ollama"). The server at '
            f"{endpoint} speaks the OpenAI protocol and serves the models it was started "
            "with: load the model on that server, then choose it with Select Model."
        )


async def pull_model(server: LanguageServer, *args: Any) -> dict[str, str]:
    ls = cast("SiyadaServer", server)
    # The token must be read before the first await: it belongs to this request.
    token = ls.command_work_done_token
    model = args[0] if args and isinstance(args[0], str) and args[0] else ls.settings.model
    client = ls.scheduler.reviewer.client
    if not isinstance(client, OllamaClient):
        raise PullNotOffered(client.endpoint)
    token = token or await _server_progress_token(ls)
    _progress(
        ls,
        token,
        types.WorkDoneProgressBegin(title=f"Pulling {model}", cancellable=True, percentage=0),
    )
    try:
        async for step in client.pull(model):
            _progress(
                ls,
                token,
                types.WorkDoneProgressReport(message=_describe(step), percentage=_percentage(step)),
            )
    finally:
        _progress(ls, token, types.WorkDoneProgressEnd(message=f"Pulled {model}"))
    ls.status.succeeded()
    for uri in list(ls.languages):
        ls.scheduler.review_document(uri)
    return {"status": "success"}


async def _server_progress_token(ls: SiyadaServer) -> str | None:
    if not ls.client_flags.work_done_progress:
        return None
    token = str(uuid.uuid4())
    await ls.window_work_done_progress_create_async(types.WorkDoneProgressCreateParams(token=token))
    return token


def _progress(
    ls: SiyadaServer,
    token: int | str | None,
    value: types.WorkDoneProgressBegin | types.WorkDoneProgressReport | types.WorkDoneProgressEnd,
) -> None:
    if token is not None:
        ls.protocol.notify(types.PROGRESS, types.ProgressParams(token=token, value=value))


def _describe(step: PullProgress) -> str:
    if step.total:
        return f"{step.status}: {_megabytes(step.completed or 0)} / {_megabytes(step.total)}"
    return step.status


def _percentage(step: PullProgress) -> int | None:
    if not step.total:
        return None
    return min(100, int(100 * (step.completed or 0) / step.total))


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB"
