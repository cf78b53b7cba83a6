"""The arguments of `siyada.ask` and `siyada.askApply`, checked: a wrong shape raises
`BadArguments` saying what the command takes (the command answers InvalidParams)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lsprotocol import types

ASK: Final = "siyada.ask"
ASK_APPLY: Final = "siyada.askApply"


class BadArguments(ValueError):
    """The command's arguments are not what it takes: InvalidParams."""


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
            raise BadArguments(
                f"{ASK} takes one object: {{uri, question, finding, position, conversationId}}"
            )
        uri, question = value.get("uri"), value.get("question")
        finding, position = value.get("finding"), value.get("position")
        conversation_id = value.get("conversationId")
        if not isinstance(uri, str) or not uri:
            raise BadArguments(f"{ASK}: uri must be the document's URI")
        if not isinstance(question, str) or not question.strip():
            raise BadArguments(f"{ASK}: question must be a non-empty string")
        if finding is not None and not isinstance(finding, dict):
            raise BadArguments(f"{ASK}: finding must be a Siyada diagnostic's data, or null")
        if conversation_id is not None and not isinstance(conversation_id, str):
            raise BadArguments(f"{ASK}: conversationId must be a string, or null")
        return cls(uri, question, finding, _position(position), conversation_id)


def _position(value: object) -> types.Position | None:
    if value is None:
        return None
    line = value.get("line") if isinstance(value, dict) else None
    character = value.get("character") if isinstance(value, dict) else None
    if not (_is_count(line) and _is_count(character)):
        raise BadArguments(f"{ASK}: position must be {{line, character}} (0-based), or null")
    assert isinstance(line, int) and isinstance(character, int)
    return types.Position(line=line, character=character)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def apply_arguments(arguments: Sequence[Any]) -> tuple[str, int | None, str, str]:
    value = arguments[0] if len(arguments) == 1 else None
    usage = f"{ASK_APPLY} takes one object: {{uri, version, conversationId, code}}"
    if not isinstance(value, dict):
        raise BadArguments(usage)
    uri, version = value.get("uri"), value.get("version")
    conversation_id, code = value.get("conversationId"), value.get("code")
    if not (isinstance(uri, str) and isinstance(conversation_id, str) and isinstance(code, str)):
        raise BadArguments(usage)
    if version is not None and not _is_count(version):
        raise BadArguments(f"{ASK_APPLY}: version must be the document's version")
    return uri, version, conversation_id, code
