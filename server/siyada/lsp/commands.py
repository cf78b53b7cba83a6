"""`workspace/executeCommand` commands, so every editor can use them, not just VS Code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from siyada.doctor.render import render_markdown, render_text
from siyada.doctor.run import make_report
from siyada.i18n import _
from siyada.lsp.cancellation import Cancellations
from siyada.lsp.output import Output
from siyada.lsp.progress import WorkDone, request_progress
from siyada.lsp.pull_progress import PullTracker, size
from siyada.models.ollama import OllamaClient
from siyada.review.on_demand import file_review
from siyada.review.open_document import OpenDocument
from siyada.review.team_settings import local_path

if TYPE_CHECKING:
    from siyada.lsp.session import Session

REVIEW_FILE = "siyada.reviewFile"
REVIEW_FILE_FRESH = "siyada.reviewFileFresh"
LIST_MODELS = "siyada.listModels"
PULL_MODEL = "siyada.pullModel"
STATUS = "siyada.status"
CHECK_HEALTH = "siyada.checkHealth"
DOCTOR = "siyada.doctor"


@dataclass(frozen=True)
class CommandCall:
    """One `workspace/executeCommand` request: its arguments and its own progress
    token, handed to the command rather than kept anywhere shared; its id and the
    server's `Cancellations`, for a command that ends itself when cancelled."""

    arguments: Sequence[Any] = ()
    work_done_token: types.ProgressToken | None = None
    request_id: int | str | None = None
    cancellations: Cancellations | None = None


def review_file(session: Session, call: CommandCall) -> None:
    """Review the functions of the document that have no answer yet; when they are
    done, a message says what they gave."""
    _review_file(session, call, REVIEW_FILE, fresh=False)


def review_file_fresh(session: Session, call: CommandCall) -> None:
    """`review_file` asking the model about every function, cached or not; the fresh
    answers replace the cached ones."""
    _review_file(session, call, REVIEW_FILE_FRESH, fresh=True)


def _review_file(session: Session, call: CommandCall, command: str, *, fresh: bool) -> None:
    args = call.arguments
    if not args or not isinstance(args[0], str):
        raise ValueError(f"{command} takes the document's URI as its argument")
    uri = args[0]
    if session.language_of(uri) is None:
        raise ValueError(f"{uri} is not an open document in a language Siyada reviews")
    doc = session.scheduler.review_document(uri, fresh=fresh)
    if doc is not None:
        session.spawn(_tell_file_review(session, doc))


async def _tell_file_review(session: Session, doc: OpenDocument) -> None:
    review = await file_review(session.scheduler, doc)
    if session.language_of(doc.uri) is None:
        return  # closed meanwhile: its reviews were cancelled, nothing to tell
    kind = types.MessageType.Info if review.complete else types.MessageType.Warning
    session.output.show_message(review.message(), kind)


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
        folder = local_path(args[0]) if isinstance(args[0], str) else None
        if folder is None:
            raise ValueError(f"{DOCTOR} takes a workspace folder's file: URI as its argument")
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
            _(
                'Pull Model works only with Ollama (siyada.provider "ollama"). The server at '
                "{endpoint} speaks the OpenAI protocol and serves the models it was started "
                "with: load the model on that server, then choose it with Select Model.",
                endpoint=endpoint,
            )
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
    await _pull_told(session.output, client, model, progress)
    session.status.succeeded()
    for uri in list(session.languages):
        session.scheduler.review_document(uri)
    return {"status": "success"}


async def _pull_told(output: Output, client: OllamaClient, model: str, progress: WorkDone) -> None:
    """Pull `model`: its progress in words and percent, its start and end in the log."""
    progress.begin(_("Pulling {model}", model=model), cancellable=True, percentage=0)
    output.log_message(f"Pulling {model} from {client.endpoint}.", types.MessageType.Info)
    tracker, pulled = PullTracker(), False
    started = asyncio.get_running_loop().time()
    try:
        async for line in client.pull(model):
            step = tracker.step(line)
            progress.report(message=step.message, percentage=step.percentage)
        pulled = True
    except asyncio.CancelledError:
        output.log_message(f"Pulling {model} was cancelled.", types.MessageType.Info)
        raise
    except Exception as error:
        output.log_message(f"Pulling {model} failed: {error}", types.MessageType.Warning)
        raise
    finally:
        progress.end(
            _("Pulled {model}", model=model)
            if pulled
            else _("Pulling {model} stopped", model=model)
        )
    took = asyncio.get_running_loop().time() - started
    done = f"Pulled {model} ({size(tracker.total_bytes)}) in {took:.0f} s."
    output.log_message(done, types.MessageType.Info)


COMMANDS: dict[str, Callable[[Session, CommandCall], Any]] = {
    REVIEW_FILE: review_file,
    REVIEW_FILE_FRESH: review_file_fresh,
    LIST_MODELS: list_models,
    PULL_MODEL: pull_model,
    STATUS: status,
    CHECK_HEALTH: check_health,
    DOCTOR: doctor,
}
