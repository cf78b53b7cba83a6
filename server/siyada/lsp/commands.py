"""`workspace/executeCommand` commands, so every editor can use them, not just VS Code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls import uris

from siyada.doctor.render import render_markdown, render_text
from siyada.doctor.run import make_report
from siyada.lsp.progress import request_progress
from siyada.models.ollama import OllamaClient, PullProgress

if TYPE_CHECKING:
    from siyada.lsp.session import Session

REVIEW_FILE = "siyada.reviewFile"
LIST_MODELS = "siyada.listModels"
PULL_MODEL = "siyada.pullModel"
STATUS = "siyada.status"
CHECK_HEALTH = "siyada.checkHealth"
DOCTOR = "siyada.doctor"


@dataclass(frozen=True)
class CommandCall:
    """One `workspace/executeCommand` request: its arguments and its own progress
    token, handed to the command rather than kept anywhere shared."""

    arguments: Sequence[Any] = ()
    work_done_token: types.ProgressToken | None = None


def review_file(session: Session, call: CommandCall) -> None:
    args = call.arguments
    if not args or not isinstance(args[0], str):
        raise ValueError(f"{REVIEW_FILE} takes the document's URI as its argument")
    uri = args[0]
    if session.language_of(uri) is None:
        raise ValueError(f"{uri} is not an open document in a language Siyada reviews")
    session.scheduler.review_document(uri)


async def list_models(session: Session, call: CommandCall) -> list[dict[str, Any]]:
    models = await session.scheduler.reviewer.client.list_models()
    return [
        {
            "name": m.name,
            "size": m.size,
            "parameterSize": m.parameter_size,
            "quantization": m.quantization_level,
        }
        for m in models
    ]


def status(session: Session, call: CommandCall) -> dict[str, Any]:
    return asdict(session.status.current())


async def check_health(session: Session, call: CommandCall) -> dict[str, Any]:
    """Check the model server now (the "Retry" of an outage); the status it leads to."""
    await session.health.retry()
    return asdict(session.status.current())


async def doctor(session: Session, call: CommandCall) -> dict[str, Any]:
    """The doctor's report on the session's settings and client; the workspace folder
    is the optional first argument, a `file:` URI."""
    args = call.arguments
    folder: Path | None = None
    if args and args[0] is not None:
        is_file = isinstance(args[0], str) and args[0].startswith("file:")
        path = uris.to_fs_path(args[0]) if is_file else None
        if path is None:
            raise ValueError(f"{DOCTOR} takes a workspace folder's file: URI as its argument")
        folder = Path(path)
    report = await make_report(session.settings, folder, lambda: session.scheduler.reviewer.client)
    return {
        "report": report.to_json(),
        "markdown": render_markdown(report),
        "text": render_text(report),
    }


class PullNotOffered(Exception):
    """Pull Model asked of an OpenAI-compatible server: its models are its own."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(
            f'Pull Model works only with Ollama (siyada.provider "ollama"). The server at '
            f"{endpoint} speaks the OpenAI protocol and serves the models it was started "
            "with: load the model on that server, then choose it with Select Model."
        )


async def pull_model(session: Session, call: CommandCall) -> dict[str, str]:
    args = call.arguments
    model = args[0] if args and isinstance(args[0], str) and args[0] else session.settings.model
    client = session.scheduler.reviewer.client
    if not isinstance(client, OllamaClient):
        raise PullNotOffered(client.endpoint)
    progress = await request_progress(
        session.output,
        call.work_done_token,
        supported=session.client_flags.work_done_progress,
    )
    progress.begin(f"Pulling {model}", cancellable=True, percentage=0)
    try:
        async for step in client.pull(model):
            progress.report(message=_describe(step), percentage=_percentage(step))
    finally:
        progress.end(f"Pulled {model}")
    session.status.succeeded()
    for uri in list(session.languages):
        session.scheduler.review_document(uri)
    return {"status": "success"}


COMMANDS: dict[str, Callable[[Session, CommandCall], Any]] = {
    REVIEW_FILE: review_file,
    LIST_MODELS: list_models,
    PULL_MODEL: pull_model,
    STATUS: status,
    CHECK_HEALTH: check_health,
    DOCTOR: doctor,
}


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
