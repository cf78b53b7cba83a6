"""Every request is answered, even one Siyada cannot read.

pygls turns each message into its typed form while `json.loads` parses it. When that
fails (params missing, of the wrong shape, or a body that is not UTF-8 JSON) it logs a
traceback, shows "Error in server" to the user and never answers: the editor then waits
for that request for ever. Here a message is parsed as plain JSON first and given its
type afterwards, so a request that cannot be read gets the JSON-RPC error that says
why: InvalidParams (-32602), InvalidRequest (-32600), or ParseError (-32700) for a body
that is not JSON text. Notifications cannot be answered; they are logged and dropped.
The log gets one line for each, and the user no popup: the fault is the client's.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from cattrs import transform_error
from cattrs.errors import ClassValidationError
from lsprotocol import types
from pygls.protocol import JsonRPCNotification, JsonRPCRequestMessage, LanguageServerProtocol
from pygls.protocol.json_rpc import MsgId

log = logging.getLogger(__name__)

JSONRPC_VERSION = "2.0"
# Enough of a validation report to find the fault, short enough for one log line.
MAX_PROBLEMS = 3

Unparsable = UnicodeDecodeError | json.JSONDecodeError


class AnsweringProtocol(LanguageServerProtocol):
    """pygls' protocol that answers the requests it cannot read (see the module)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        # `json.loads` calls this for every object, innermost first: keep them all plain
        # and type the whole message in `handle_message`, where its id is known.
        return data

    def handle_message(self, message: Any) -> None:
        typed = self._typed(message)
        if typed is not None:
            super().handle_message(typed)

    def notify_json(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose params are already plain JSON values.

        `notify` hands pygls' converter an attrs object to walk field by field; for a
        publication of hundreds of diagnostics that walk costs more than all the rest of
        a keystroke, so what is already JSON goes straight to the encoder.
        """
        self._send_data({"jsonrpc": JSONRPC_VERSION, "method": method, "params": params})

    def answer_unparsable(self, error: Unparsable) -> None:
        """Answer a body `json.loads` could not read: ParseError, to its id if any."""
        msg_id = _id_in_undecodable(error)
        detail = "the message is not UTF-8 JSON text"
        log.warning("Answered a message that cannot be parsed (%s): %s", detail, error)
        self._answer_error(msg_id, types.ErrorCodes.ParseError, detail)

    def _typed(self, message: object) -> Any | None:
        if not isinstance(message, dict) or message.get("jsonrpc") != JSONRPC_VERSION:
            self._refuse(message, types.ErrorCodes.InvalidRequest, "not a JSON-RPC 2.0 object")
            return None
        method = message.get("method")
        if method is None and "id" in message:
            return self._typed_response(message)
        if not isinstance(method, str):
            self._refuse(message, types.ErrorCodes.InvalidRequest, "no method, or not a string")
            return None
        if "id" in message and _valid_id(message["id"]) is None:
            self._refuse(
                message, types.ErrorCodes.InvalidRequest, "the id is not a string or integer"
            )
            return None
        fallback = JsonRPCRequestMessage if "id" in message else JsonRPCNotification
        try:
            return self._converter.structure(message, self.get_message_type(method) or fallback)
        except Exception as error:  # any failure to type it means the params are unusable
            detail = f"invalid params for {method}: {_problems(error)}"
            self._refuse(message, types.ErrorCodes.InvalidParams, detail)
            return None

    def _typed_response(self, message: dict[str, Any]) -> Any | None:
        """A response to one of Siyada's requests: pygls pairs it with its request."""
        try:
            return super().structure_message(message)
        except Exception as error:
            log.warning("Ignored a response that cannot be read: %s", error)
            return None

    def _refuse(self, message: object, code: types.ErrorCodes, detail: str) -> None:
        if isinstance(message, dict) and "id" not in message:
            log.warning("Ignored a notification that cannot be read: %s", detail)
            return
        if isinstance(message, dict) and "method" not in message:
            # Perhaps a response: an error sent back would read as the answer to one
            # of the client's own requests.
            log.warning("Ignored a response that cannot be read: %s", detail)
            return
        msg_id = _valid_id(message.get("id")) if isinstance(message, dict) else None
        log.warning("Answered request %r with error %d: %s", msg_id, code, detail)
        self._answer_error(msg_id, code, detail)

    def _answer_error(self, msg_id: MsgId | None, code: types.ErrorCodes, detail: str) -> None:
        # A plain object: pygls' converter would leave out an id of None, and JSON-RPC
        # wants `"id": null` when the id could not be read.
        error = {"code": int(code), "message": detail}
        self._send_data({"jsonrpc": JSONRPC_VERSION, "id": msg_id, "error": error})


def _valid_id(value: object) -> MsgId | None:
    """The id as LSP allows it (integer or string); None when it is anything else."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return None


def _problems(error: Exception) -> str:
    if not isinstance(error, ClassValidationError):
        return str(error) or type(error).__name__
    problems = transform_error(error, path="$")
    shown = "; ".join(problems[:MAX_PROBLEMS])
    hidden = len(problems) - MAX_PROBLEMS
    return f"{shown}; and {hidden} more" if hidden > 0 else shown


def _id_in_undecodable(error: Unparsable) -> MsgId | None:
    """The id of a body that is JSON apart from some bytes that are not UTF-8, so the
    client's request is still settled; None when it cannot be read."""
    if not isinstance(error, UnicodeDecodeError):
        return None
    text = bytes(error.object).decode("utf-8", "replace")
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return _valid_id(message.get("id")) if isinstance(message, dict) else None
