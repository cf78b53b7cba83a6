"""`siyada.ask`, `siyada.askClear`, `siyada.askApply`: a conversation with the model
about a finding or a function, over `workspace/executeCommand` so any editor can use it.

`siyada.ask` streams the answer as `$/progress` reports on the request's
`workDoneToken`, each carrying the whole answer so far (a lost notification heals with
the next), and returns the whole answer. Cancelling the request (`$/cancelRequest`) or
its progress (`window/workDoneProgress/cancel`) closes the model's HTTP request; the
result is then the answer so far with `doneReason` "cancelled". The conversations and
what is sent are `siyada.ask`; the edit an answer's code block makes is checked like a
quick fix and applied with a versioned `workspace/applyEdit`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from lsprotocol import types

from siyada.ask.apply import Refusal, plan_apply
from siyada.ask.conversation import Conversation, Turn
from siyada.ask.prompt import ASK_OPTIONS, bounded_messages
from siyada.ask.subject import AskedFinding, Subject, subject_of, unit_at, unit_named
from siyada.code.functions import FunctionUnit, extract_functions
from siyada.i18n import _, ngettext
from siyada.lsp.commands import CommandCall
from siyada.lsp.edits import EditBuilder
from siyada.lsp.progress import WorkDone
from siyada.lsp.protocol import FixData
from siyada.models.chat import ChatRequest
from siyada.models.errors import ModelError
from siyada.review.open_document import DocumentSnapshot

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)

ASK: Final = "siyada.ask"
ASK_CLEAR: Final = "siyada.askClear"
ASK_APPLY: Final = "siyada.askApply"
# Commands that answer a cancellation themselves (see lsp/cancellation.py).
SELF_CANCELLING: Final = frozenset({ASK})
CANCELLED: Final = "cancelled"
# A report carries the whole answer so far: at most this often, so a long answer does
# not cost the square of its length in notifications. The first piece goes at once.
REPORT_INTERVAL_S: Final = 0.05


@dataclass(frozen=True)
class AskArguments:
    uri: str
    question: str
    finding: Mapping[str, Any] | None
    position: types.Position | None
    conversation_id: str | None

    @classmethod
    def parse(cls, arguments: Sequence[Any]) -> AskArguments:
        """The one argument object of `siyada.ask`; ValueError saying what is wrong."""
        value = arguments[0] if len(arguments) == 1 else None
        if not isinstance(value, dict):
            raise ValueError(
                f"{ASK} takes one object: {{uri, question, finding, position, conversationId}}"
            )
        uri, question = value.get("uri"), value.get("question")
        finding, position = value.get("finding"), value.get("position")
        conversation_id = value.get("conversationId")
        if not isinstance(uri, str) or not uri:
            raise ValueError(f"{ASK}: uri must be the document's URI")
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"{ASK}: question must be a non-empty string")
        if finding is not None and not isinstance(finding, dict):
            raise ValueError(f"{ASK}: finding must be a Siyada diagnostic's data, or null")
        if conversation_id is not None and not isinstance(conversation_id, str):
            raise ValueError(f"{ASK}: conversationId must be a string, or null")
        return cls(uri, question, finding, _position(position), conversation_id)


def _position(value: object) -> types.Position | None:
    if value is None:
        return None
    line = value.get("line") if isinstance(value, dict) else None
    character = value.get("character") if isinstance(value, dict) else None
    if not (_is_count(line) and _is_count(character)):
        raise ValueError(f"{ASK}: position must be {{line, character}} (0-based), or null")
    assert isinstance(line, int) and isinstance(character, int)
    return types.Position(line=line, character=character)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# ----- siyada.ask ------------------------------------------------------------------


async def ask(session: Session, call: CommandCall) -> dict[str, Any]:
    stop = asyncio.Event()
    with _watching(call, stop.set):
        request = AskArguments.parse(call.arguments)
        conversation = _conversation_for(session, request)
        language = session.settings.explanation_language
        bounded = bounded_messages(conversation, request.question, language)
        model = session.settings.model
        progress = WorkDone(session.output, call.work_done_token)
        progress.begin(_("Siyada: asking {model}", model=model), cancellable=True)
        streamed = _Streamed(progress)
        try:
            done_reason = await _answer(session, bounded.messages, streamed, stop)
        finally:
            progress.end(_("Siyada answered") if streamed.done else _("Siyada stopped"))
        conversation.add(Turn(request.question, streamed.text))
        note = _dropped_note(bounded.dropped) if bounded.dropped else None
        return {
            "conversationId": conversation.id,
            "answer": streamed.text,
            "doneReason": done_reason,
            "droppedTurns": bounded.dropped,
            "note": note,
            "model": model,
        }


@contextmanager
def _watching(call: CommandCall, on_cancel: Callable[[], None]) -> Iterator[None]:
    if call.cancellations is None:
        yield
        return
    with call.cancellations.watching(call.request_id, call.work_done_token, on_cancel):
        yield


def _dropped_note(dropped: int) -> str:
    return ngettext(
        "The oldest turn of this conversation was dropped to fit the model's context.",
        "The {count} oldest turns of this conversation were dropped to fit the model's context.",
        dropped,
        count=dropped,
    )


class _Streamed:
    """The answer as it streams in, reported as cumulative progress."""

    def __init__(self, progress: WorkDone) -> None:
        self._progress = progress
        self._pieces: list[str] = []
        self._reported_at: float | None = None
        self._reported_length = 0
        self.done = False

    @property
    def text(self) -> str:
        return "".join(self._pieces)

    def add(self, piece: str) -> None:
        if not piece:
            return
        self._pieces.append(piece)
        now = time.monotonic()
        if self._reported_at is None or now - self._reported_at >= REPORT_INTERVAL_S:
            self.report(now)

    def report(self, now: float | None = None) -> None:
        """Report the whole answer so far, unless that was already reported."""
        text = self.text
        if len(text) == self._reported_length:
            return
        self._reported_at = time.monotonic() if now is None else now
        self._reported_length = len(text)
        self._progress.report(message=text)


async def _answer(
    session: Session, messages: list[dict[str, str]], streamed: _Streamed, stop: asyncio.Event
) -> str:
    """Stream the answer into `streamed`; its done reason, or "cancelled" when `stop`
    is set first (the model's request is closed then)."""
    request = ChatRequest(
        model=session.settings.model,
        messages=messages,
        options=ASK_OPTIONS,
        keep_alive=session.settings.keep_alive,
    )
    reading = asyncio.ensure_future(_read(session, request, streamed))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not reading.done():
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
    streamed.report()
    if reading.cancelled():
        return CANCELLED
    return reading.result()


async def _read(session: Session, request: ChatRequest, streamed: _Streamed) -> str:
    client = session.scheduler.reviewer.client
    done_reason = ""
    try:
        async with aclosing(client.stream_chat(request)) as chunks:
            async for chunk in chunks:
                streamed.add(chunk.content)
                if chunk.done_reason is not None:
                    done_reason = chunk.done_reason
    except ModelError as error:
        session.status.failed(error)
        raise
    streamed.done = True
    session.status.succeeded()
    return done_reason


def _conversation_for(session: Session, request: AskArguments) -> Conversation:
    """The conversation named, else the one about the finding or the function asked."""
    store = session.conversations
    if request.conversation_id is not None:
        known = store.get(request.conversation_id)
        if known is not None and known.subject.uri == request.uri:
            return known
    snapshot = session.scheduler.snapshot(request.uri)
    if snapshot is None:
        raise ValueError(f"{ASK}: {request.uri} is not an open document Siyada reviews")
    units = extract_functions(snapshot.spec, snapshot.text)
    if request.finding is not None:
        return store.open(_finding_subject(snapshot, units, request.finding))
    if request.position is not None:
        unit = unit_at(units, request.position.line)
        if unit is None:
            raise ValueError(f"{ASK}: there is no function at line {request.position.line + 1}")
        return store.open(subject_of(snapshot.uri, snapshot.spec.id, unit, snapshot.lines))
    raise ValueError(f"{ASK}: give a finding, a position or a known conversationId")


def _finding_subject(
    snapshot: DocumentSnapshot, units: list[FunctionUnit], data: Mapping[str, Any]
) -> Subject:
    """The subject of a finding the server shows now in the document."""
    fix = FixData.from_json(data)
    title = data.get("title")
    placed = next(
        (
            placed
            for placed in snapshot.findings
            if fix is not None
            and (placed.start_line, placed.end_line) == (fix.start_line, fix.end_line)
            and placed.finding.category == fix.category
            and placed.finding.title == title
            and tuple(snapshot.lines[fix.start_line : fix.end_line + 1]) == fix.evidence_lines
        ),
        None,
    )
    unit = unit_at(units, placed.start_line) if placed is not None else None
    if placed is None or unit is None:
        raise ValueError(
            f"{ASK}: this finding is not shown in the document as it is now; "
            "ask about its function instead"
        )
    finding = placed.finding
    asked = AskedFinding(
        title=finding.title,
        explanation=finding.explanation,
        category=finding.category,
        severity=finding.severity,
        evidence=finding.evidence,
        start_line=placed.start_line,
        end_line=placed.end_line,
        evidence_lines=tuple(snapshot.lines[placed.start_line : placed.end_line + 1]),
    )
    return subject_of(snapshot.uri, snapshot.spec.id, unit, snapshot.lines, asked)


# ----- siyada.askClear -------------------------------------------------------------


def ask_clear(session: Session, call: CommandCall) -> dict[str, bool]:
    args = call.arguments
    if len(args) != 1 or not isinstance(args[0], str):
        raise ValueError(f"{ASK_CLEAR} takes the conversationId as its argument")
    return {"cleared": session.conversations.clear(args[0])}


# ----- siyada.askApply -------------------------------------------------------------


async def ask_apply(session: Session, call: CommandCall) -> dict[str, Any]:
    uri, version, conversation_id, code = _apply_arguments(call.arguments)
    conversation = session.conversations.get(conversation_id)
    if conversation is None:
        return _refused(_("The conversation is no longer known; ask again."))
    if conversation.subject.uri != uri:
        return _refused(_("The conversation is about another document."))
    snapshot = session.scheduler.snapshot(uri)
    if snapshot is None:
        return _refused(_("The document is no longer open."))
    if snapshot.version != version:
        return _refused(_("The document changed since; ask again about the code as it is now."))
    edit = _planned_edit(session, snapshot, conversation.subject, code)
    if isinstance(edit, Refusal):
        return _refused(edit.reason)
    result = await session.output.apply_edit(edit)
    if not result.applied:
        reason = result.failure_reason or _("The editor did not apply the edit.")
        return _refused(reason)
    return {"applied": True, "reason": None}


def _apply_arguments(arguments: Sequence[Any]) -> tuple[str, int | None, str, str]:
    value = arguments[0] if len(arguments) == 1 else None
    usage = f"{ASK_APPLY} takes one object: {{uri, version, conversationId, code}}"
    if not isinstance(value, dict):
        raise ValueError(usage)
    uri, version = value.get("uri"), value.get("version")
    conversation_id, code = value.get("conversationId"), value.get("code")
    if not (isinstance(uri, str) and isinstance(conversation_id, str) and isinstance(code, str)):
        raise ValueError(usage)
    if version is not None and not _is_count(version):
        raise ValueError(f"{ASK_APPLY}: version must be the document's version")
    return uri, version, conversation_id, code


def _planned_edit(
    session: Session, snapshot: DocumentSnapshot, subject: Subject, code: str
) -> types.WorkspaceEdit | Refusal:
    """The versioned edit that puts `code` in place, validated like a quick fix."""
    units = extract_functions(snapshot.spec, snapshot.text)
    unit = unit_named(units, subject.function)
    if unit is None:
        name = subject.function
        return Refusal(_("The function {name} is no longer in the document.", name=name))
    plan = plan_apply(snapshot.spec, snapshot.text, None, unit, subject.finding, code)
    if isinstance(plan, Refusal):
        return plan
    builder = EditBuilder(session, snapshot.uri, snapshot.version, snapshot.text)
    replacement = builder.eol.join(plan.text.split("\n"))
    if not builder.parses_no_worse(snapshot.source, plan.start_line, plan.end_line, replacement):
        return Refusal(_("The code would not parse as well as before."))
    return builder.replace(plan.start_line, plan.end_line, replacement)


def _refused(reason: str) -> dict[str, Any]:
    return {"applied": False, "reason": reason}


COMMANDS: Final[dict[str, Callable[[Session, CommandCall], Any]]] = {
    ASK: ask,
    ASK_CLEAR: ask_clear,
    ASK_APPLY: ask_apply,
}
