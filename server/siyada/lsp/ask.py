"""`siyada.ask`, `siyada.askClear`, `siyada.askApply`: a conversation with the model
about a finding or a function, over `workspace/executeCommand` so any editor can use it.

`siyada.ask` streams the answer as `$/progress` reports on the request's
`workDoneToken`, each carrying the whole answer so far (a lost notification heals with
the next), and returns the whole answer. Cancelling the request (`$/cancelRequest`) or
its progress (`window/workDoneProgress/cancel`) closes the model's HTTP request; the
result is then the answer so far with `doneReason` "cancelled". The conversations and
what is sent are the `siyada.ask` package; the streaming, `lsp/ask_stream.py`; the
arguments, `lsp/ask_arguments.py`. The edit an answer's code block makes is checked like a
quick fix and applied with a versioned `workspace/applyEdit`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from siyada.ask.apply import Refusal, plan_apply
from siyada.ask.conversation import Conversation, ConversationStore, Turn
from siyada.ask.prompt import QuestionTooLong, bounded_messages
from siyada.ask.subject import AskedFinding, Subject, subject_of, unit_at, unit_named
from siyada.code.functions import FunctionUnit, extract_functions
from siyada.i18n import _, ngettext
from siyada.lsp.ask_arguments import ASK, ASK_APPLY, AskArguments, BadArguments, apply_arguments
from siyada.lsp.ask_stream import Streamed, streamed_answer
from siyada.lsp.commands import CommandCall
from siyada.lsp.edits import EditBuilder
from siyada.lsp.progress import WorkDone
from siyada.lsp.protocol import FixData
from siyada.models.errors import ModelError
from siyada.review.open_document import DocumentSnapshot

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)

ASK_CLEAR: Final = "siyada.askClear"
# Commands that answer a cancellation themselves (see lsp/cancellation.py).
SELF_CANCELLING: Final = frozenset({ASK})


class CannotAsk(ValueError):
    """The question cannot be asked of this document as it is now: RequestFailed."""


@contextmanager
def _lsp_errors() -> Iterator[None]:
    """Errors as the client shows them: bad arguments are InvalidParams; a question that
    cannot be asked, or the model server's failure, RequestFailed with the message for
    the user (not an internal error with a traceback)."""
    try:
        yield
    except BadArguments as error:
        raise JsonRpcInvalidParams(message=str(error)) from error
    except (CannotAsk, QuestionTooLong, ModelError) as error:
        code = types.LSPErrorCodes.RequestFailed
        raise JsonRpcException(message=str(error), code=code) from error


# ----- siyada.ask ------------------------------------------------------------------


async def ask(session: Session, call: CommandCall) -> dict[str, Any]:
    stop = asyncio.Event()
    with _watching(call, stop.set), _lsp_errors():
        request = AskArguments.parse(call.arguments)
        conversation = _conversation_for(session, request)
        language = session.settings.explanation_language
        bounded = bounded_messages(conversation, request.question, language)
        model = session.settings.model
        progress = WorkDone(session.output, call.work_done_token)
        progress.begin(_("Siyada: asking {model}", model=model), cancellable=True)
        streamed = Streamed(progress)
        try:
            done_reason = await streamed_answer(session, bounded.messages, streamed, stop)
        finally:
            progress.end(_("Siyada answered") if streamed.done else _("Siyada stopped"))
        if streamed.text:  # stopped before the first piece: nothing to remember
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


def _conversation_for(session: Session, request: AskArguments) -> Conversation:
    """The conversation named, else the one about the finding or the function asked."""
    store = session.conversations
    snapshot = session.scheduler.snapshot(request.uri)
    known = store.get(request.conversation_id) if request.conversation_id else None
    if known is not None and known.subject.uri == request.uri:
        return known if snapshot is None else _followed(store, known, snapshot)
    if snapshot is None:
        raise CannotAsk(_("{uri} is not an open document Siyada reviews.", uri=request.uri))
    units = extract_functions(snapshot.spec, snapshot.text)
    if request.finding is not None:
        return store.open(_finding_subject(snapshot, units, request.finding))
    if request.position is not None:
        unit = unit_at(units, request.position.line)
        if unit is None:
            line = request.position.line + 1
            raise CannotAsk(_("There is no function at line {line} to ask about.", line=line))
        return store.open(subject_of(snapshot.uri, snapshot.spec.id, unit, snapshot.lines))
    raise BadArguments(f"{ASK}: give a finding, a position or a known conversationId")


def _followed(
    store: ConversationStore, conversation: Conversation, snapshot: DocumentSnapshot
) -> Conversation:
    """A conversation about a function follows its code: the next question is about the
    function as it is now, while the document still has it. One about a finding stays
    about the finding as it was shown."""
    if conversation.subject.finding is not None:
        return conversation
    units = extract_functions(snapshot.spec, snapshot.text)
    unit = unit_named(units, conversation.subject.function)
    if unit is None:
        return conversation
    return store.open(subject_of(snapshot.uri, snapshot.spec.id, unit, snapshot.lines))


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
        raise CannotAsk(
            _(
                "This finding is not shown in the document as it is now; ask about its "
                "function instead."
            )
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
    with _lsp_errors():
        if len(args) != 1 or not isinstance(args[0], str):
            raise BadArguments(f"{ASK_CLEAR} takes the conversationId as its argument")
        return {"cleared": session.conversations.clear(args[0])}


# ----- siyada.askApply -------------------------------------------------------------


async def ask_apply(session: Session, call: CommandCall) -> dict[str, Any]:
    with _lsp_errors():
        uri, version, conversation_id, code = apply_arguments(call.arguments)
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
    log.debug("A code block of an answer was not applied: %s", reason)
    return {"applied": False, "reason": reason}


COMMANDS: Final[dict[str, Callable[[Session, CommandCall], Any]]] = {
    ASK: ask,
    ASK_CLEAR: ask_clear,
    ASK_APPLY: ask_apply,
}
