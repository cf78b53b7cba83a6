"""The feedback commands: dismiss a finding, record what an applied action did, list
and undo dismissals. Data a client sends back is accepted only for a finding the
server published (or an action it offered) for that document: a forged payload is
refused with an error and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from siyada.code.text import split_lines
from siyada.i18n import _
from siyada.lsp.code_actions import DISMISS, RECORD_FEEDBACK
from siyada.lsp.commands import CommandCall
from siyada.lsp.feedback_tracking import OfferedKind, Tracked
from siyada.lsp.protocol import FindingData

if TYPE_CHECKING:
    from siyada.lsp.session import Session

LIST_DISMISSALS = "siyada.listDismissals"
UNDO_DISMISSAL = "siyada.undoDismissal"
RECORDED_KINDS = ("fix_applied", "ignore_comment")


def dismiss(session: Session, call: CommandCall) -> dict[str, Any]:
    """[uri, data]: hide the finding of that published diagnostic, now and in later
    reviews, and publish the document without it. `{"id": the dismissal's id}`, None
    when the store could not keep it (the user is told why)."""
    uri, data = _uri_and_data(call.arguments, DISMISS)
    finding = session.published.finding(uri, data)
    if finding is None:
        raise ValueError(f"{DISMISS}: Siyada published no such finding for {uri}")
    dismissal = session.feedback.dismiss(uri, Tracked(data, finding))
    if dismissal is None:
        _tell_not_kept(session)
    session.publish(uri)
    return {"id": dismissal}


def record_feedback(session: Session, call: CommandCall) -> dict[str, bool]:
    """[uri, kind, data], run by the editor after it applied a quick fix
    ("fix_applied") or an "Ignore" action ("ignore_comment") the server offered."""
    args = call.arguments
    if len(args) != 3 or args[1] not in RECORDED_KINDS:
        raise ValueError(
            f"{RECORD_FEEDBACK} takes [uri, kind, data], kind one of {', '.join(RECORDED_KINDS)}"
        )
    kind: OfferedKind = "fix_applied" if args[1] == "fix_applied" else "ignore_comment"
    uri, data = _uri_and_data((args[0], args[2]), RECORD_FEEDBACK)
    tracked = session.feedback.tracking.take_offered(uri, kind, data)
    if tracked is None:
        raise ValueError(f"{RECORD_FEEDBACK}: Siyada offered no such action for {uri}")
    recorded = session.feedback.record(uri, kind, tracked)
    if kind == "fix_applied":
        text = session.scheduler.text_of(uri)
        if text is not None:
            session.feedback.tracking.fix_applied(uri, tracked, split_lines(text))
    else:
        session.feedback.tracking.ignored(uri, tracked)
    return {"recorded": recorded}


def list_dismissals(session: Session, call: CommandCall) -> list[dict[str, Any]]:
    """The active dismissals, newest first, as read from the store now."""
    session.feedback.refresh()
    return [
        {
            "id": dismissal.id,
            "path": dismissal.key.path,
            "function": dismissal.key.function,
            "category": dismissal.key.category,
            "title": dismissal.title,
            "createdAt": dismissal.created_at,
        }
        for dismissal in session.feedback.dismissals()
    ]


def undo_dismissal(session: Session, call: CommandCall) -> dict[str, bool]:
    """[id]: bring the dismissed finding back; open documents are published again."""
    args = call.arguments
    if len(args) != 1 or not isinstance(args[0], int) or isinstance(args[0], bool):
        raise ValueError(f"{UNDO_DISMISSAL} takes [id], the dismissal's id (a whole number)")
    undone = session.feedback.undo(args[0])
    if undone:
        for uri in list(session.languages):
            session.publish(uri)
    return {"undone": undone}


def _uri_and_data(args: Any, command: str) -> tuple[str, FindingData]:
    if len(args) != 2 or not isinstance(args[0], str):
        raise ValueError(f"{command} takes the document's URI and a Siyada diagnostic's data")
    data = FindingData.from_json(args[1])
    if data is None:
        raise ValueError(f"{command}: the data is not a Siyada diagnostic's")
    return args[0], data


def _tell_not_kept(session: Session) -> None:
    problem = session.feedback.problem or _("the feedback store could not be written")
    message = _("Siyada could not keep the dismissal: {problem}", problem=problem)
    session.output.show_message(message, types.MessageType.Warning)


COMMANDS: dict[str, Callable[[Session, CommandCall], Any]] = {
    DISMISS: dismiss,
    RECORD_FEEDBACK: record_feedback,
    LIST_DISMISSALS: list_dismissals,
    UNDO_DISMISSAL: undo_dismissal,
}
