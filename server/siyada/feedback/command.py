"""`siyada feedback`: list the findings users dismissed, and bring one back.

Exit codes: 0 done; 1 `undo` named no active dismissal; 2 the feedback store could not
be used (unusable folder, or a damaged file that had to be set aside).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Final

from siyada.feedback.store import Dismissal, FeedbackStore, open_feedback
from siyada.i18n import _, ngettext
from siyada.review.settings import Settings

EXIT_DONE, EXIT_NOT_FOUND, EXIT_STORE_UNUSABLE = 0, 1, 2

_TITLE_CHARS: Final = 60


def add_feedback_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feedback = commands.add_parser(
        "feedback", help="manage dismissed findings (kept on this machine only)"
    )
    actions = feedback.add_subparsers(dest="feedback_command", required=True)
    listing = actions.add_parser("list", help="list the dismissed findings, newest first")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    undo = actions.add_parser("undo", help="show a dismissed finding again")
    undo.add_argument(
        "id", type=_dismissal_id, metavar="ID", help="the dismissal's ID, from `feedback list`"
    )


def run_feedback(args: argparse.Namespace) -> int:
    # The CLI has no cache folder option: the user's cache folder, as `siyada check` uses.
    with open_feedback(Settings()) as store:
        unusable = _unusable(store)
        if unusable is not None:
            print(f"siyada: {unusable}", file=sys.stderr)
            return EXIT_STORE_UNUSABLE
        if args.feedback_command == "undo":
            return _undo(store, args.id)
        _list(store.dismissals(), args.format)
        return EXIT_DONE


def _unusable(store: FeedbackStore) -> str | None:
    if store.problem is not None:
        return store.problem
    if store.set_aside_as is not None:
        return _(
            "the feedback store {path} was damaged: it was set aside as {aside} and an "
            "empty one started, so earlier dismissals are no longer applied",
            path=store.path,
            aside=store.set_aside_as.name,
        )
    return None


def _undo(store: FeedbackStore, dismissal_id: int) -> int:
    if not store.undo(dismissal_id):
        print(
            "siyada: "
            + _(
                "no dismissed finding has ID {id} (`siyada feedback list` shows them)",
                id=dismissal_id,
            ),
            file=sys.stderr,
        )
        return EXIT_NOT_FOUND
    print(_("Dismissal {id} undone: the finding is shown again.", id=dismissal_id))
    return EXIT_DONE


def _list(dismissals: list[Dismissal], output_format: str) -> None:
    if output_format == "json":
        print(json.dumps([_to_json(d) for d in dismissals], indent=2, ensure_ascii=False))
        return
    for dismissal in dismissals:
        print(_to_text(dismissal))
    count = len(dismissals)
    print(
        ngettext("{count} dismissed finding.", "{count} dismissed findings.", count, count=count),
        file=sys.stderr,
    )


def _to_json(dismissal: Dismissal) -> dict[str, Any]:
    key = dismissal.key
    return {
        "id": dismissal.id,
        "path": key.path,
        "function": key.function,
        "category": key.category,
        "title": dismissal.title,
        "evidence": key.evidence,
        "fingerprint": key.fingerprint,
        "createdAt": _timestamp(dismissal.created_at),
    }


def _to_text(dismissal: Dismissal) -> str:
    key = dismissal.key
    title = " ".join(dismissal.title.split())
    if len(title) > _TITLE_CHARS:
        title = title[: _TITLE_CHARS - 1] + "…"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(dismissal.created_at))
    return f"{dismissal.id}\t{key.path}\t{key.function}\t{key.category}\t{title}\t{when}"


def _timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _dismissal_id(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            _(
                "'{text}' is not a dismissal ID: expected a whole number such as 3 "
                "(`siyada feedback list` shows them)",
                text=text,
            )
        )
    return int(text)
